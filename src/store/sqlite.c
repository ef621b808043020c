/* sqlite.c — every component that keeps state (sessions, audit, ledger, archive, jobs) needs the
 * same careful handling of SQLite: WAL so readers never block the writer, a busy timeout so
 * concurrent writers wait instead of failing, the right fsync level, migrations that are safe when
 * two processes start at once, and errors that say what went wrong without leaking SQL or values.
 * Writing that once here keeps the components small. */
#include "store/sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

#define MODULE "sqlite"
#define CACHE_SLOTS 32
#define DEFAULT_BUSY_MS 5000

struct cl_sqlite_stmt {
    sqlite3_stmt *stmt;
    cl_sqlite_t *db;
    int cached;
};

struct cache_slot {
    char *sql;
    cl_sqlite_stmt_t *st;
};

/* The WAL-index header at the start of a WAL database's -shm file: two copies of 48 bytes that
 * every commit of any connection rewrites (its frame count, change counter, checksums; SQLite's
 * file format, walformat.html, "The WAL-Index Header"). */
#define WAL_HEADER_BYTES 96
#define WAL_INDEX_PAGE 32768

struct cl_sqlite {
    sqlite3 *conn;
    char *path;
    struct cache_slot cache[CACHE_SLOTS];
    unsigned next_victim;
    void *userdata;
    void (*free_userdata)(void *);
    sqlite3_stmt *begin_st, *commit_st; /* prepared once: group commit runs them all the time */
    /* cl_sqlite_data_version's last answer, and the WAL-index header it was read under */
    int64_t data_version;
    int have_wal_header;
    unsigned char wal_header[WAL_HEADER_BYTES];
};

/* Map an SQLite result code to a catlens code and a message from SQLite (which never quotes bound
 * values). */
static int db_error(cl_err_t *err, sqlite3 *conn, int rc, const char *what)
{
    const char *msg = conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc);
    int code;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = CL_EUNAVAILABLE;
        break;
    case SQLITE_CONSTRAINT:
        code = CL_ECONFLICT;
        break;
    case SQLITE_NOMEM:
        code = CL_ENOMEM;
        break;
    case SQLITE_RANGE:
        code = CL_EINVAL;
        break;
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
        code = CL_EINTERNAL;
        break;
    default: /* CANTOPEN, IOERR, FULL, READONLY, CORRUPT, NOTADB, PERM, PROTOCOL ... */
        code = CL_EIO;
        break;
    }
    return cl_err_set(err, code, "%s: %s", what, msg ? msg : "unknown SQLite error");
}

static int pragma(cl_sqlite_t *db, const char *sql, const char *want, cl_err_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        return db_error(err, db->conn, rc, db->path);
    }
    rc = sqlite3_step(st);
    int out = 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = db_error(err, db->conn, rc, db->path);
    } else if (want) {
        const unsigned char *got = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        if (!got || strcmp((const char *)got, want) != 0) {
            out = cl_err_set(err, CL_EIO, "%s: '%s' gave '%s', not '%s'", db->path, sql,
                             got ? (const char *)got : "nothing", want);
        }
    }
    sqlite3_finalize(st);
    return out;
}

/* Create the file with mode 0600 before SQLite does (its -wal and -shm files copy the mode):
 * sessions and audit records are nobody else's business on a shared host. Only a file that does not
 * exist yet is created (O_EXCL): opening and closing a database file that a connection of this
 * process has open would drop that connection's POSIX locks (they belong to the process and go with
 * any close), and another process could then take the file for unused and delete its WAL. */
static int precreate(const char *path, cl_err_t *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return errno == EEXIST ? 0
                               : cl_err_set(err, CL_EIO, "cannot create database %s: %s", path,
                                            strerror(errno));
    }
    close(fd);
    return 0;
}

static int configure(cl_sqlite_t *db, const cl_sqlite_options_t *opt, cl_err_t *err)
{
    int busy = opt && opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : DEFAULT_BUSY_MS;
    sqlite3_busy_timeout(db->conn, busy);
    sqlite3_extended_result_codes(db->conn, 1);
    int rc = pragma(db, "PRAGMA foreign_keys = ON", NULL, err);
    if (rc != 0 || (opt && opt->read_only)) {
        return rc;
    }
    rc = pragma(db, "PRAGMA journal_mode = WAL", "wal", err);
    if (rc == 0) {
        int full = opt && opt->sync == CL_SQLITE_SYNC_FULL;
        rc = pragma(db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
                    err);
    }
    return rc;
}

int cl_sqlite_open(cl_sqlite_t **out, const char *path, const cl_sqlite_options_t *opt,
                   cl_err_t *err)
{
    *out = NULL;
    int ro = opt && opt->read_only;
    if (!ro) {
        int rc = precreate(path, err);
        if (rc != 0) {
            return rc;
        }
    }
    cl_sqlite_t *db = calloc(1, sizeof *db);
    if (!db || !(db->path = strdup(path))) {
        free(db);
        return cl_err_set(err, CL_ENOMEM, "out of memory opening %s", path);
    }
    int flags = (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &db->conn, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = cl_err_set(err, CL_EIO, "cannot open database %s: %s", path,
                        db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        goto cleanup;
    }
    rc = configure(db, opt, err);
    if (rc == 0 && !ro && opt && opt->n_migrations > 0) {
        rc = cl_sqlite_migrate(db, opt->migrations, opt->n_migrations, err);
    }
    if (rc != 0) {
        goto cleanup;
    }
    *out = db;
    db = NULL;
cleanup:
    cl_sqlite_close(db);
    return rc;
}

void cl_sqlite_close(cl_sqlite_t *db)
{
    if (!db) {
        return;
    }
    cl_sqlite_set_userdata(db, NULL, NULL);
    sqlite3_finalize(db->begin_st);
    sqlite3_finalize(db->commit_st);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (db->cache[i].st) {
            sqlite3_finalize(db->cache[i].st->stmt);
            free(db->cache[i].st);
        }
        free(db->cache[i].sql);
    }
    if (db->conn && sqlite3_close(db->conn) != SQLITE_OK) {
        cl_logf(CL_LOG_ERROR, MODULE, "close_failed", "%s: statements still open (%s)", db->path,
                sqlite3_errmsg(db->conn));
        sqlite3_close_v2(db->conn);
    }
    free(db->path);
    free(db);
}

const char *cl_sqlite_path(const cl_sqlite_t *db)
{
    return db->path;
}

/* The WAL-index header of DB's file as it is now, into OUT; 0, or -1 when there is none to read
 * (not in WAL mode, no shared memory mapped yet, a VFS without it). Read through SQLite's own
 * mapping of the -shm file (its VFS's xShmMap of region 0, which the connection mapped already). */
static int wal_header(unsigned char out[WAL_HEADER_BYTES], cl_sqlite_t *db)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(db->conn, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap) {
        return -1;
    }
    volatile void *p = NULL;
    if (f->pMethods->xShmMap(f, 0, WAL_INDEX_PAGE, 0, &p) != SQLITE_OK || !p) {
        return -1;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    const volatile unsigned char *h = p;
    for (size_t i = 0; i < WAL_HEADER_BYTES; i++) {
        out[i] = h[i];
    }
    return 0;
}

int cl_sqlite_data_version(int64_t *out, cl_sqlite_t *db, cl_err_t *err)
{
    *out = 0;
    /* The pragma begins a read transaction (file locks, the WAL's read marks: ~10 µs). A commit of
     * any connection rewrites the WAL-index header before anyone can read what it committed, so
     * while the header is byte for byte what it was at the last pragma, the answer is the same. A
     * header torn by a commit in progress differs, and the pragma is asked. */
    unsigned char before[WAL_HEADER_BYTES];
    int have = sqlite3_get_autocommit(db->conn) && wal_header(before, db) == 0;
    if (have && db->have_wal_header && memcmp(before, db->wal_header, sizeof before) == 0) {
        *out = db->data_version;
        return 0;
    }
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, "PRAGMA data_version", err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        *out = cl_sqlite_column_int64(st, 0);
        cl_sqlite_reset(st); /* ends the read transaction the pragma began */
        /* kept only when no commit came between the header's read and the pragma's */
        unsigned char after[WAL_HEADER_BYTES];
        db->have_wal_header =
            have && wal_header(after, db) == 0 && memcmp(before, after, sizeof after) == 0;
        if (db->have_wal_header) {
            memcpy(db->wal_header, before, sizeof before);
            db->data_version = *out;
        }
        return 0;
    }
    db->have_wal_header = 0;
    return rc < 0 ? rc
                  : cl_err_set(err, CL_EINTERNAL, "%s: PRAGMA data_version gave no row", db->path);
}

void cl_sqlite_set_userdata(cl_sqlite_t *db, void *value, void (*free_fn)(void *))
{
    if (db->userdata && db->free_userdata) {
        db->free_userdata(db->userdata);
    }
    db->userdata = value;
    db->free_userdata = free_fn;
}

void *cl_sqlite_userdata(const cl_sqlite_t *db)
{
    return db->userdata;
}

int cl_sqlite_exec(cl_sqlite_t *db, const char *sql, cl_err_t *err)
{
    int rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_error(err, db->conn, rc, db->path);
}

int cl_sqlite_prepare(cl_sqlite_stmt_t **out, cl_sqlite_t *db, const char *sql, cl_err_t *err)
{
    *out = NULL;
    cl_sqlite_stmt_t *st = calloc(1, sizeof *st);
    if (!st) {
        return cl_err_set(err, CL_ENOMEM, "out of memory preparing a statement");
    }
    int rc = sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt, NULL);
    if (rc != SQLITE_OK || !st->stmt) {
        free(st);
        return db_error(err, db->conn, rc == SQLITE_OK ? SQLITE_MISUSE : rc, "prepare");
    }
    st->db = db;
    *out = st;
    return 0;
}

int cl_sqlite_cached(cl_sqlite_stmt_t **out, cl_sqlite_t *db, const char *sql, cl_err_t *err)
{
    *out = NULL;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct cache_slot *s = &db->cache[i];
        if (s->sql && strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->st->stmt);
            sqlite3_clear_bindings(s->st->stmt);
            *out = s->st;
            return 0;
        }
    }
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_prepare(&st, db, sql, err);
    if (rc != 0) {
        return rc;
    }
    char *copy = strdup(sql);
    if (!copy) {
        cl_sqlite_stmt_free(st);
        return cl_err_set(err, CL_ENOMEM, "out of memory caching a statement");
    }
    struct cache_slot *victim = &db->cache[db->next_victim++ % CACHE_SLOTS];
    if (victim->st) {
        sqlite3_finalize(victim->st->stmt);
        free(victim->st);
    }
    free(victim->sql);
    st->cached = 1;
    victim->sql = copy;
    victim->st = st;
    *out = st;
    return 0;
}

void cl_sqlite_stmt_free(cl_sqlite_stmt_t *st)
{
    if (!st || st->cached) {
        return;
    }
    sqlite3_finalize(st->stmt);
    free(st);
}

static int bind_result(cl_sqlite_stmt_t *st, int rc, int index, cl_err_t *err)
{
    if (rc == SQLITE_OK) {
        return 0;
    }
    if ((rc & 0xff) == SQLITE_RANGE) {
        return cl_err_set(err, CL_EINVAL, "no SQL parameter %d", index);
    }
    return db_error(err, st->db->conn, rc, "bind");
}

int cl_sqlite_bind_text(cl_sqlite_stmt_t *st, int index, const char *value, cl_err_t *err)
{
    if (!value) {
        return cl_sqlite_bind_null(st, index, err);
    }
    return bind_result(st, sqlite3_bind_text(st->stmt, index, value, -1, SQLITE_TRANSIENT), index,
                       err);
}

int cl_sqlite_bind_text_borrowed(cl_sqlite_stmt_t *st, int index, const char *value, cl_err_t *err)
{
    if (!value) {
        return cl_sqlite_bind_null(st, index, err);
    }
    return bind_result(st, sqlite3_bind_text(st->stmt, index, value, -1, SQLITE_STATIC), index,
                       err);
}

int cl_sqlite_bind_blob(cl_sqlite_stmt_t *st, int index, const void *data, size_t len,
                        cl_err_t *err)
{
    int rc = sqlite3_bind_blob64(st->stmt, index, data ? data : "", (sqlite3_uint64)len,
                                 SQLITE_TRANSIENT);
    return bind_result(st, rc, index, err);
}

int cl_sqlite_bind_int64(cl_sqlite_stmt_t *st, int index, int64_t value, cl_err_t *err)
{
    return bind_result(st, sqlite3_bind_int64(st->stmt, index, (sqlite3_int64)value), index, err);
}

int cl_sqlite_bind_double(cl_sqlite_stmt_t *st, int index, double value, cl_err_t *err)
{
    return bind_result(st, sqlite3_bind_double(st->stmt, index, value), index, err);
}

int cl_sqlite_bind_null(cl_sqlite_stmt_t *st, int index, cl_err_t *err)
{
    return bind_result(st, sqlite3_bind_null(st->stmt, index), index, err);
}

int cl_sqlite_param_index(cl_sqlite_stmt_t *st, const char *name)
{
    return sqlite3_bind_parameter_index(st->stmt, name);
}

int cl_sqlite_step(cl_sqlite_stmt_t *st, cl_err_t *err)
{
    int rc = sqlite3_step(st->stmt);
    if (rc == SQLITE_ROW) {
        return CL_SQLITE_ROW;
    }
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st->stmt);
        return CL_SQLITE_DONE;
    }
    int code = db_error(err, st->db->conn, rc, st->db->path);
    sqlite3_reset(st->stmt);
    return code;
}

int cl_sqlite_run(cl_sqlite_stmt_t *st, cl_err_t *err)
{
    int rc = cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        sqlite3_reset(st->stmt);
        return cl_err_set(err, CL_EINTERNAL, "statement returned rows where none were expected");
    }
    return rc;
}

void cl_sqlite_reset(cl_sqlite_stmt_t *st)
{
    if (st) {
        sqlite3_reset(st->stmt);
    }
}

int cl_sqlite_column_is_null(cl_sqlite_stmt_t *st, int col)
{
    return sqlite3_column_type(st->stmt, col) == SQLITE_NULL;
}

int64_t cl_sqlite_column_int64(cl_sqlite_stmt_t *st, int col)
{
    return (int64_t)sqlite3_column_int64(st->stmt, col);
}

double cl_sqlite_column_double(cl_sqlite_stmt_t *st, int col)
{
    return sqlite3_column_double(st->stmt, col);
}

const char *cl_sqlite_column_text(cl_sqlite_stmt_t *st, int col)
{
    return (const char *)sqlite3_column_text(st->stmt, col);
}

const void *cl_sqlite_column_blob(cl_sqlite_stmt_t *st, int col, size_t *out_len)
{
    const void *p = sqlite3_column_blob(st->stmt, col);
    *out_len = (size_t)sqlite3_column_bytes(st->stmt, col);
    return p;
}

int64_t cl_sqlite_changes(cl_sqlite_t *db)
{
    return (int64_t)sqlite3_changes64(db->conn);
}

int64_t cl_sqlite_last_rowid(cl_sqlite_t *db)
{
    return (int64_t)sqlite3_last_insert_rowid(db->conn);
}

/* Run SQL (BEGIN or COMMIT) through the statement kept in *ST, prepared on first use. */
static int run_kept(cl_sqlite_t *db, sqlite3_stmt **st, const char *sql, cl_err_t *err)
{
    int rc = *st ? SQLITE_OK
                 : sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(*st);
        sqlite3_reset(*st);
    }
    return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 : db_error(err, db->conn, rc, db->path);
}

int cl_sqlite_begin(cl_sqlite_t *db, cl_err_t *err)
{
    return run_kept(db, &db->begin_st, "BEGIN IMMEDIATE", err);
}

int cl_sqlite_commit(cl_sqlite_t *db, cl_err_t *err)
{
    return run_kept(db, &db->commit_st, "COMMIT", err);
}

void cl_sqlite_rollback(cl_sqlite_t *db)
{
    if (sqlite3_get_autocommit(db->conn)) {
        return; /* nothing open (SQLite may already have rolled back after an I/O error) */
    }
    int rc = sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        cl_logf(CL_LOG_ERROR, MODULE, "rollback_failed", "%s: %s", db->path,
                sqlite3_errmsg(db->conn));
    }
}

/* ---- migrations
 * ---------------------------------------------------------------------------------- */

static const char SCHEMA_TABLE[] =
    "CREATE TABLE IF NOT EXISTS cl_schema ("
    " component TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL,"
    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))";

int cl_sqlite_schema_version(int *out, cl_sqlite_t *db, const char *component, cl_err_t *err)
{
    *out = 0;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_exec(db, SCHEMA_TABLE, err);
    rc = rc ? rc
            : cl_sqlite_cached(&st, db, "SELECT version FROM cl_schema WHERE component = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, component, err);
    if (rc != 0) {
        return rc; /* an error (negative); only the step below returns CL_SQLITE_ROW */
    }
    rc = cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        *out = (int)cl_sqlite_column_int64(st, 0);
        cl_sqlite_reset(st);
        rc = 0;
    }
    return rc;
}

/* Check that each component's steps are numbered 1, 2, 3 … in order, and return its highest
 * version. */
static int check_steps(const cl_sqlite_migration_t *m, size_t n, const char *component,
                       int *out_max, cl_err_t *err)
{
    int expect = 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].component, component) != 0) {
            continue;
        }
        if (m[i].version != expect) {
            return cl_err_set(err, CL_ECONFIG,
                              "migrations of '%s' must be numbered 1, 2, … in order (got %d)",
                              component, m[i].version);
        }
        expect++;
    }
    *out_max = expect - 1;
    return 0;
}

static int apply_step(cl_sqlite_t *db, const cl_sqlite_migration_t *m, cl_err_t *err)
{
    int rc = cl_sqlite_begin(db, err);
    if (rc != 0) {
        return rc;
    }
    int have = 0;
    rc = cl_sqlite_schema_version(&have, db, m->component, err);
    if (rc == 0 && have >= m->version) {
        cl_sqlite_rollback(db); /* another process applied it while we waited for the lock */
        return 0;
    }
    rc = rc ? rc : cl_sqlite_exec(db, m->sql, err);
    cl_sqlite_stmt_t *st = NULL;
    rc = rc ? rc
            : cl_sqlite_cached(&st, db,
                               "INSERT INTO cl_schema(component, version) VALUES (?1, ?2) "
                               "ON CONFLICT(component) DO UPDATE SET version = excluded.version, "
                               "applied_at = excluded.applied_at",
                               err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, m->component, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, m->version, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    rc = rc ? rc : cl_sqlite_commit(db, err);
    if (rc != 0) {
        cl_sqlite_rollback(db);
        return cl_err_wrap(err, "migration %s v%d", m->component, m->version);
    }
    cl_logf(CL_LOG_INFO, MODULE, "migrated", "%s: %s at version %d", db->path, m->component,
            m->version);
    return 0;
}

int cl_sqlite_migrate(cl_sqlite_t *db, const cl_sqlite_migration_t *migrations, size_t n,
                      cl_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *comp = migrations[i].component;
        int first = 1;
        for (size_t j = 0; j < i; j++) {
            first &= strcmp(migrations[j].component, comp) != 0;
        }
        if (!first) {
            continue; /* each component is checked once, at its first step */
        }
        int max = 0, have = 0;
        int rc = check_steps(migrations, n, comp, &max, err);
        rc = rc ? rc : cl_sqlite_schema_version(&have, db, comp, err);
        if (rc != 0) {
            return rc;
        }
        if (have > max) {
            return cl_err_set(
                err, CL_ECONFIG,
                "%s: schema '%s' is at version %d, newer than this catlens knows (%d)", db->path,
                comp, have, max);
        }
    }
    for (size_t i = 0; i < n; i++) {
        int have = 0;
        int rc = cl_sqlite_schema_version(&have, db, migrations[i].component, err);
        rc = rc ? rc : (have < migrations[i].version ? apply_step(db, &migrations[i], err) : 0);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- one connection per thread
 * ---------------------------------------------------------------------- */

struct thread_conn {
    cl_sqlite_pool_t *pool;
    cl_sqlite_t *db;
    struct thread_conn *next;
};

struct cl_sqlite_pool {
    pthread_key_t key;
    pthread_mutex_t lock;
    struct thread_conn
        *conns; /* every open connection, so the pool can close those of live threads */
    char *path;
    cl_sqlite_options_t opt; /* migrations cleared: they ran once at pool creation */
};

static void on_thread_exit(void *payload)
{
    struct thread_conn *tc = payload;
    cl_sqlite_pool_t *pool = tc->pool;
    pthread_mutex_lock(&pool->lock);
    for (struct thread_conn **p = &pool->conns; *p; p = &(*p)->next) {
        if (*p == tc) {
            *p = tc->next;
            break;
        }
    }
    pthread_mutex_unlock(&pool->lock);
    cl_sqlite_close(tc->db);
    free(tc);
}

int cl_sqlite_pool_new(cl_sqlite_pool_t **out, const char *path, const cl_sqlite_options_t *opt,
                       cl_err_t *err)
{
    *out = NULL;
    cl_sqlite_t *first = NULL;
    int rc = cl_sqlite_open(&first, path, opt, err);
    if (rc != 0) {
        return rc;
    }
    cl_sqlite_close(first);
    cl_sqlite_pool_t *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->path = strdup(path))) {
        free(pool);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (pthread_key_create(&pool->key, on_thread_exit) != 0) {
        free(pool->path);
        free(pool);
        return cl_err_set(err, CL_ENOMEM, "no thread-local key left for %s", path);
    }
    pthread_mutex_init(&pool->lock, NULL);
    if (opt) {
        pool->opt = *opt;
    }
    pool->opt.migrations = NULL;
    pool->opt.n_migrations = 0;
    *out = pool;
    return 0;
}

int cl_sqlite_pool_get(cl_sqlite_t **out, cl_sqlite_pool_t *pool, cl_err_t *err)
{
    struct thread_conn *tc = pthread_getspecific(pool->key);
    if (tc) {
        *out = tc->db;
        return 0;
    }
    *out = NULL;
    tc = calloc(1, sizeof *tc);
    if (!tc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = cl_sqlite_open(&tc->db, pool->path, &pool->opt, err);
    if (rc != 0) {
        free(tc);
        return rc;
    }
    tc->pool = pool;
    pthread_mutex_lock(&pool->lock);
    tc->next = pool->conns;
    pool->conns = tc;
    pthread_mutex_unlock(&pool->lock);
    if (pthread_setspecific(pool->key, tc) != 0) {
        on_thread_exit(tc);
        return cl_err_set(err, CL_ENOMEM, "cannot keep a connection for this thread");
    }
    *out = tc->db;
    return 0;
}

void cl_sqlite_pool_free(cl_sqlite_pool_t *pool)
{
    if (!pool) {
        return;
    }
    /* After the key is deleted no destructor runs, so the list below is ours alone. */
    pthread_key_delete(pool->key);
    struct thread_conn *tc = pool->conns;
    while (tc) {
        struct thread_conn *next = tc->next;
        cl_sqlite_close(tc->db);
        free(tc);
        tc = next;
    }
    pthread_mutex_destroy(&pool->lock);
    free(pool->path);
    free(pool);
}
