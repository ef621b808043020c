/* audit.c — the audit log. Kept in a file of its own so that its flushes do not slow the session
 * and archive writes, and so that it can be shipped or retained on its own schedule. Two threads:
 * the writer commits batches (no fsync) — queued records and the journal's new records in one
 * transaction, with how far the journal has been read —, the flusher puts them on disk (fdatasync
 * of the WAL for queued records, of the journal for journaled ones).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "store/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "store/journal.h"
#include "store/sqlite.h"

static const cl_sqlite_migration_t MIGRATIONS[] = {
    {"audit", 1,
     "CREATE TABLE audit_log ("
     " id INTEGER PRIMARY KEY AUTOINCREMENT,"
     " ts TEXT NOT NULL,"
     " event TEXT NOT NULL,"
     " outcome TEXT NOT NULL,"
     " user_id TEXT, role TEXT, team TEXT,"
     " request_id TEXT, client TEXT,"
     " detail TEXT NOT NULL);"
     "CREATE INDEX audit_log_event ON audit_log(event, ts);"
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
     " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
     " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"},
    /* how far each journal file has been moved into audit_log (in the same transaction as its
     * records, so each is inserted exactly once); a journal without a row is unread */
    {"audit", 2, "CREATE TABLE audit_journal (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);"},
    /* The index by kind and time covers the security records only (sign-ins, sign-outs, denials,
     * feedback: a few a minute), not the report views (tens of thousands a second under load): it
     * was about a third of the writer's CPU per view. Views are found by time through id, which
     * grows with ts. A query uses it when it says what the index does: `event <> 'report_view'`. */
    {"audit", 3,
     "DROP INDEX audit_log_event;"
     "CREATE INDEX audit_log_security ON audit_log(event, ts) WHERE event <> 'report_view';"},
};

#define BATCH_MAX 512
#define N_FIELDS 9 /* ts, event, outcome, user_id, role, team, request_id, client, detail */

typedef struct queued {
    struct queued *next;
    const char *fields[N_FIELDS]; /* the columns, in TEXT (NULL allowed) */
    cl_audit_durability_t durability;
    uint64_t batch; /* the batch that committed it: a flush that began after it puts it on disk */
    void (*done)(void *, int);
    void *payload;
    char text[];
} queued_t;

typedef struct {
    queued_t *head, *tail;
} list_t;

struct cl_audit {
    cl_sqlite_pool_t *pool;
    char *wal_path;
    pthread_mutex_t lock;
    pthread_cond_t cond;     /* to the writer: records queued, or stop (CLOCK_MONOTONIC, for the
                                paced turns of the journal) */
    pthread_cond_t to_flush; /* to the flusher: batches committed, or the writer is done
                                (CLOCK_MONOTONIC, for the paced wait) */
    list_t queue;            /* waiting for the writer */
    list_t unflushed;        /* committed FLUSHED records waiting for a flush, in commit order */
    uint64_t committed;      /* batches committed (the last one's number) */
    uint64_t flushed;        /* every batch up to this one is on disk */
    cl_audit_stats_t stats;
    int stop, writer_done, started;
    int flusher_pacing;            /* the flusher waits out the interval: only FLUSHED wake it */
    struct timespec flush_started; /* when the last flush began (CLOCK_MONOTONIC) */
    pthread_t writer, flusher;
    /* the flusher's own descriptor of the WAL file, and which file it is */
    int wal_fd;
    dev_t wal_dev;
    ino_t wal_ino;
    /* The journal of records appended by cl_audit_append_journaled. Lock order: journal_sync, then
     * rotate, then lock. Appenders hold `rotate` for reading while they append; the writer holds it
     * for writing to put a new journal in place; `journal_sync` keeps a journal open while the
     * flusher syncs it. The pointer and `synced` change under `lock` too. */
    char *journal_prefix;
    cl_journal_t *journal;
    pthread_rwlock_t rotate;
    pthread_mutex_t journal_sync;
    uint64_t ingested;            /* bytes of the journal in audit_log (the writer's) */
    uint64_t synced;              /* bytes of the journal known to be on disk */
    uint64_t epoch;               /* journals put in place after the first one */
    uint64_t drained;             /* retired journals drained (each is one epoch) */
    int journal_signalled;        /* the writer was told of new journal records (atomic) */
    uint64_t journaled;           /* records appended to the journal (atomic) */
    pthread_cond_t settled;       /* to cl_audit_settle: the writer moved more of the journal */
    struct timespec turn_started; /* when the writer's last turn of the journal began */
    long turn_interval_ns;        /* how long after it the next one may begin (the writer's) */
    int turn_now;                 /* cl_audit_settle waits: the next turn without pacing */
};

/* A journal is replaced by a new one once this much of it is in audit_log (a test seam). */
static uint64_t journal_rotate_bytes = 64u << 20;

/* Bytes of the journal read into one transaction at most. */
#define JOURNAL_BATCH_BYTES (4u << 20)

/* While only WRITTEN records (report views) wait for a flush, flushes begin at most this often:
 * back to back, a fast disk would be flushed thousands of times a second for records that are
 * already safe from any crash of this process, costing a core's tenth in kernel time. This bounds
 * what a power loss can take: the views committed in the last interval and the flush in progress.
 * A FLUSHED record (a sign-in, a denial) cuts the wait short: its reply is waiting. */
#define VIEW_FLUSH_INTERVAL_NS (5 * 1000000L)

/* The writer's turns of the journal begin at most this often: a journaled record's reply has left
 * already and the record is safe from any crash of this process, so nothing waits for the turn but
 * the record's arrival in audit_log (a reader, cl_audit_settle). At tens of thousands of views a
 * second a turn per record or two made the commit (a WAL write of the same table and index pages
 * each time) and the writer's wake-up the largest part of a view's audit cost; gathered for 5 ms, a
 * turn inserts a few dozen. Queued records (security ones, whose replies wait) are written at once,
 * between turns. */
#define JOURNAL_TURN_INTERVAL_NS (5 * 1000000L)

/* Under a heavy load of views the turns begin at most this often: once a turn has moved
 * JOURNAL_BUSY_RECORDS or more (at 5 ms, ~20,000 views a second), the next one waits this long, and
 * the one after a turn that moved fewer waits JOURNAL_TURN_INTERVAL_NS again. Each commit writes
 * the table's last pages, its interior pages, sqlite_sequence and audit_journal again whatever it
 * carries: at ~40,000 views a second, turns of ~800 rows instead of ~200 took ~12 % off the
 * writer's CPU per view (bench/RESULTS.md, "app"). A view is then in audit_log within ~20 ms. */
#define JOURNAL_BUSY_INTERVAL_NS (20 * 1000000L)
#define JOURNAL_BUSY_RECORDS 100

static int recover(cl_audit_t *a, cl_err_t *err);
static void retire_journal(cl_audit_t *a, cl_journal_t *j, uint64_t from);

/* The flush itself; a test seam (tests/unit/store/test_audit_flush.c replaces it). */
static int (*sync_wal)(int fd) = fdatasync;

static void list_push(list_t *l, queued_t *q)
{
    q->next = NULL;
    if (l->tail) {
        l->tail->next = q;
    } else {
        l->head = q;
    }
    l->tail = q;
}

int cl_audit_open(cl_audit_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    cl_audit_t *a = calloc(1, sizeof *a);
    size_t n = strlen(path) + sizeof "-wal";
    if (!a || !(a->wal_path = malloc(n))) {
        free(a);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    snprintf(a->wal_path, n, "%s-wal", path);
    a->wal_fd = -1;
    a->turn_interval_ns = JOURNAL_TURN_INTERVAL_NS;
    /* NORMAL: a commit writes the WAL and does not wait for the disk; the flusher does that (and
     * checkpoints still sync the WAL before copying it and the database before reusing it). */
    cl_sqlite_options_t opt = {.sync = CL_SQLITE_SYNC_NORMAL,
                               .migrations = MIGRATIONS,
                               .n_migrations = CL_ARRAY_LEN(MIGRATIONS)};
    int rc = cl_sqlite_pool_new(&a->pool, path, &opt, err);
    if (rc != 0) {
        free(a->wal_path);
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&a->cond, &monotonic);
    pthread_cond_init(&a->to_flush, &monotonic);
    pthread_condattr_destroy(&monotonic);
    pthread_rwlock_init(&a->rotate, NULL);
    pthread_mutex_init(&a->journal_sync, NULL);
    pthread_cond_init(&a->settled, NULL);
    n = strlen(path) + sizeof ".journal";
    if (!(a->journal_prefix = malloc(n))) {
        cl_audit_close(a);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    snprintf(a->journal_prefix, n, "%s.journal", path);
    /* what a crashed process left in its journal first, then a journal of this process's own */
    rc = recover(a, err);
    rc = rc ? rc : cl_journal_create(&a->journal, a->journal_prefix, err);
    if (rc != 0) {
        cl_audit_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

void cl_audit_close(cl_audit_t *a)
{
    if (!a) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    a->stop = 1;
    pthread_cond_signal(&a->cond);
    int started = a->started;
    pthread_mutex_unlock(&a->lock);
    if (started) {
        pthread_join(a->writer, NULL);  /* it writes everything queued and journaled first */
        pthread_join(a->flusher, NULL); /* and this one flushes all of it */
    } else if (a->journal) {
        /* no writer ran, so nothing was appended (the file is empty and goes) — or a test played
         * its turns, up to a->ingested */
        retire_journal(a, a->journal, a->ingested);
    }
    if (a->wal_fd >= 0) {
        close(a->wal_fd); /* no POSIX lock of SQLite's is on the WAL file (they are on the
                             database and -shm files), so closing this descriptor drops none */
    }
    cl_sqlite_pool_free(a->pool);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    pthread_cond_destroy(&a->to_flush);
    pthread_rwlock_destroy(&a->rotate);
    pthread_mutex_destroy(&a->journal_sync);
    pthread_cond_destroy(&a->settled);
    free(a->journal_prefix);
    free(a->wal_path);
    free(a);
}

void cl_audit_stats(cl_audit_stats_t *out, cl_audit_t *a)
{
    pthread_mutex_lock(&a->lock);
    *out = a->stats;
    out->journaled = __atomic_load_n(&a->journaled, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&a->lock);
}

static void utc_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* the seconds are formatted once per second per thread (a record per cached view) */
    static __thread time_t last_s = -1;
    static __thread char last[24];
    static __thread size_t last_n;
    if (ts.tv_sec != last_s) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        last_n = strftime(last, sizeof last, "%Y-%m-%dT%H:%M:%S", &tm);
        last_s = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    memcpy(out, last, last_n);
    char *p = out + last_n;
    *p++ = '.';
    *p++ = (char)('0' + ms / 100);
    *p++ = (char)('0' + ms / 10 % 10);
    *p++ = (char)('0' + ms % 10);
    *p++ = 'Z';
    *p = '\0';
}

/* Rows per statement when the writer moves the journal into audit_log: one INSERT of many rows
 * updates sqlite_sequence (AUTOINCREMENT) and runs the statement's set-up once for all of them. */
#define INSERT_ROWS 32
#define INSERT_SQL_HEAD                                                                            \
    "INSERT INTO audit_log(ts, event, outcome, user_id, role, team, request_id, client, detail) "  \
    "VALUES "

static char insert_many_sql[INSERT_ROWS * 40 + 160];
static pthread_once_t insert_many_once = PTHREAD_ONCE_INIT;

static void make_insert_many_sql(void)
{
    size_t at = (size_t)snprintf(insert_many_sql, sizeof insert_many_sql, "%s", INSERT_SQL_HEAD);
    for (int r = 0; r < INSERT_ROWS; r++) {
        at += (size_t)snprintf(insert_many_sql + at, sizeof insert_many_sql - at,
                               "%s(?,?,?,?,?,?,?,?,?)", r ? "," : "");
    }
}

/* INSERT_ROWS rows, ROWS[r][f] the fields of each (borrowed, outliving the step). */
static int insert_many(cl_sqlite_t *db, const char *const rows[INSERT_ROWS][N_FIELDS],
                       cl_err_t *err)
{
    pthread_once(&insert_many_once, make_insert_many_sql);
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, insert_many_sql, err);
    for (int r = 0; rc == 0 && r < INSERT_ROWS; r++) {
        for (int i = 0; rc == 0 && i < N_FIELDS; i++) {
            rc = cl_sqlite_bind_text_borrowed(st, r * N_FIELDS + i + 1, rows[r][i], err);
        }
    }
    return rc ? rc : cl_sqlite_run(st, err);
}

static int insert(cl_sqlite_t *db, const char *const vals[N_FIELDS], cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(
        &st, db,
        "INSERT INTO audit_log(ts, event, outcome, user_id, role, team, request_id, client, "
        "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        err);
    for (int i = 0; rc == 0 && i < N_FIELDS; i++) {
        rc = cl_sqlite_bind_text_borrowed(st, i + 1, vals[i], err); /* they outlive the step */
    }
    return rc ? rc : cl_sqlite_run(st, err);
}

/* EV's column values — ts now, outcome defaulted, detail as JSON text in SMALL or in *BIG (the
 * caller frees it) — into SRC. -1 when out of memory. */
static int fields_of(const char *src[N_FIELDS], const cl_audit_event_t *ev, char ts[32],
                     char small[2048], char **big)
{
    *big = NULL;
    utc_now(ts);
    const char *detail = "{}";
    if (ev->detail_text) {
        detail = ev->detail_text;
    } else if (ev->detail) {
        size_t n = json_dumpb(ev->detail, small, 2047, JSON_COMPACT | JSON_SORT_KEYS);
        if (n > 0 && n < 2047) {
            small[n] = '\0';
            detail = small;
        } else if (!(detail = *big = json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS))) {
            return -1;
        }
    }
    const char *v[N_FIELDS] = {ts,
                               ev->event,
                               ev->outcome ? ev->outcome : "ok",
                               ev->user_id,
                               ev->role,
                               ev->team,
                               ev->request_id,
                               ev->client,
                               detail};
    memcpy(src, v, sizeof v);
    return 0;
}

/* A queued copy of EV in one allocation (a cached view makes one record, so this is on every
 * request's path). NULL when out of memory. */
static queued_t *make_queued(const cl_audit_event_t *ev)
{
    char ts[32], small[2048], *big = NULL;
    const char *src[N_FIELDS];
    if (fields_of(src, ev, ts, small, &big) != 0) {
        return NULL;
    }
    size_t len[N_FIELDS], total = 0;
    for (int i = 0; i < N_FIELDS; i++) {
        len[i] = src[i] ? strlen(src[i]) + 1 : 0;
        total += len[i];
    }
    queued_t *q = calloc(1, sizeof *q + total);
    if (q) {
        char *at = q->text;
        for (int i = 0; i < N_FIELDS; i++) {
            if (src[i]) {
                memcpy(at, src[i], len[i]);
                q->fields[i] = at;
                at += len[i];
            }
        }
    }
    free(big);
    return q;
}

/* ---- journal records: per field, a 4-byte little-endian length (all ones: NULL), the bytes and
 * a NUL, so that a reader binds them where they lie. */

#define FIELD_NULL 0xffffffffu

/* SRC encoded into OUT (CAP bytes); returns the length it needs (more than CAP: nothing written
 * beyond CAP, call again with room). */
static size_t encode_record(char *out, size_t cap, const char *const src[N_FIELDS])
{
    size_t at = 0;
    for (int i = 0; i < N_FIELDS; i++) {
        size_t n = src[i] ? strlen(src[i]) : 0;
        uint32_t head = src[i] ? (uint32_t)n : FIELD_NULL;
        if (at + 4 + n + 1 <= cap) {
            for (int b = 0; b < 4; b++) {
                out[at + (size_t)b] = (char)(head >> (8 * b));
            }
            if (src[i]) {
                memcpy(out + at + 4, src[i], n);
            }
            out[at + 4 + n] = '\0';
        }
        at += 4 + n + 1;
    }
    return at;
}

/* The fields of the record REC (LEN bytes) into VALS, pointing into REC. -1 when it is not one. */
static int decode_record(const char *vals[N_FIELDS], const unsigned char *rec, size_t len)
{
    size_t at = 0;
    for (int i = 0; i < N_FIELDS; i++) {
        if (len - at < 5) {
            return -1;
        }
        uint32_t head = (uint32_t)rec[at] | (uint32_t)rec[at + 1] << 8 |
                        (uint32_t)rec[at + 2] << 16 | (uint32_t)rec[at + 3] << 24;
        size_t n = head == FIELD_NULL ? 0 : head;
        if (n > len - at - 5 || rec[at + 4 + n] != '\0') {
            return -1;
        }
        vals[i] = head == FIELD_NULL ? NULL : (const char *)rec + at + 4;
        at += 4 + n + 1;
    }
    return at == len ? 0 : -1;
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done, rc;
} waiter_t;

static void wake(void *payload, int rc)
{
    waiter_t *w = payload;
    pthread_mutex_lock(&w->lock);
    w->done = 1;
    w->rc = rc;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int cl_audit_append(cl_audit_t *a, const cl_audit_event_t *ev, cl_err_t *err)
{
    waiter_t w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    int rc = cl_audit_append_async(a, ev, wake, &w, err);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&w.lock);
    while (!w.done) {
        pthread_cond_wait(&w.cond, &w.lock);
    }
    pthread_mutex_unlock(&w.lock);
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.cond);
    return w.rc ? cl_err_set(err, w.rc, "audit: the record could not be written (%s)",
                             cl_err_name(w.rc))
                : 0;
}

static void tell(queued_t *q, int rc)
{
    while (q) {
        queued_t *next = q->next;
        q->done(q->payload, rc);
        free(q);
        q = next;
    }
}

/* Commit one batch: all of it or none of it. Then tell the callers of WRITTEN records (and of all
 * of them when it failed), and hand the FLUSHED ones to the flusher. */
static void write_batch(cl_audit_t *a, queued_t *batch)
{
    cl_err_t err;
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, a->pool, &err);
    rc = rc ? rc : cl_sqlite_begin(db, &err);
    for (queued_t *q = batch; rc == 0 && q; q = q->next) {
        rc = insert(db, q->fields, &err);
    }
    rc = rc ? rc : cl_sqlite_commit(db, &err);
    if (rc != 0) {
        if (db) {
            cl_sqlite_rollback(db);
        }
        cl_logf(CL_LOG_ERROR, "audit", "write_failed", "%s", err.msg);
        tell(batch, rc);
        return;
    }
    list_t now = {0};
    int urgent = 0; /* a FLUSHED record's reply waits for the next flush */
    pthread_mutex_lock(&a->lock);
    uint64_t n = ++a->committed;
    a->stats.batches++;
    while (batch) {
        queued_t *next = batch->next;
        batch->batch = n;
        urgent |= batch->durability != CL_AUDIT_WRITTEN;
        list_push(batch->durability == CL_AUDIT_WRITTEN ? &now : &a->unflushed, batch);
        batch = next;
    }
    if (urgent || !a->flusher_pacing) {
        pthread_cond_signal(&a->to_flush); /* a pacing flusher wakes by itself for views */
    }
    pthread_mutex_unlock(&a->lock);
    tell(now.head, 0);
}

/* ---- the journal: moving its records into audit_log
 * ------------------------------------------------------------------------ */

/* Journal records on their way into audit_log, gathered INSERT_ROWS at a time (copied: the
 * journal reader reuses its buffer). */
typedef struct {
    cl_sqlite_t *db;
    cl_err_t *err;
    size_t n;                          /* records gathered */
    uint64_t moved;                    /* records passed on in this transaction */
    size_t off[INSERT_ROWS][N_FIELDS]; /* where each field is in buf; SIZE_MAX: NULL */
    char *buf;
    size_t used, cap;
} ingest_t;

/* Insert what is gathered: all of it in one statement when the batch is full, else row by row. */
static int ingest_flush(ingest_t *in)
{
    const char *rows[INSERT_ROWS][N_FIELDS];
    for (size_t r = 0; r < in->n; r++) {
        for (int i = 0; i < N_FIELDS; i++) {
            rows[r][i] = in->off[r][i] == SIZE_MAX ? NULL : in->buf + in->off[r][i];
        }
    }
    int rc = 0;
    if (in->n == INSERT_ROWS) {
        rc = insert_many(in->db, (const char *const(*)[N_FIELDS])rows, in->err);
    } else {
        for (size_t r = 0; rc == 0 && r < in->n; r++) {
            rc = insert(in->db, rows[r], in->err);
        }
    }
    in->n = 0;
    in->used = 0;
    return rc;
}

static int ingest_one(void *ctx, const void *rec, size_t len)
{
    ingest_t *in = ctx;
    const char *vals[N_FIELDS];
    if (decode_record(vals, rec, len) != 0) {
        /* its CRC held, so this program wrote it: a bug, not a crash. Kept out, said loudly. */
        cl_logf(CL_LOG_ERROR, "audit", "journal_record_unreadable",
                "a journal record of %zu bytes does not decode: left out", len);
        return 0;
    }
    if (in->used + len > in->cap) {
        size_t cap = (in->used + len) * 2;
        char *b = realloc(in->buf, cap);
        if (!b) {
            return cl_err_set(in->err, CL_ENOMEM, "out of memory");
        }
        in->buf = b;
        in->cap = cap;
    }
    memcpy(in->buf + in->used, rec, len);
    for (int i = 0; i < N_FIELDS; i++) {
        in->off[in->n][i] = vals[i] ? in->used + (size_t)(vals[i] - (const char *)rec) : SIZE_MAX;
    }
    in->used += len;
    in->moved++;
    return ++in->n == INSERT_ROWS ? ingest_flush(in) : 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Record, in DB's open transaction, that the journal NAME is in audit_log up to OFFSET. */
static int save_offset(cl_sqlite_t *db, const char *name, uint64_t offset, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db,
                              "INSERT INTO audit_journal(name, offset) VALUES (?1, ?2)"
                              " ON CONFLICT(name) DO UPDATE SET offset = excluded.offset",
                              err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, name, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, (int64_t)offset, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

/* How far the journal NAME is in audit_log (0: not at all). */
static int load_offset(uint64_t *out, cl_sqlite_t *db, const char *name, cl_err_t *err)
{
    *out = 0;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, "SELECT offset FROM audit_journal WHERE name = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, name, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        int64_t v = cl_sqlite_column_int64(st, 0);
        *out = v > 0 ? (uint64_t)v : 0;
        cl_sqlite_reset(st);
        rc = 0;
    }
    return rc;
}

static void forget(cl_sqlite_t *db, const char *name)
{
    cl_err_t err;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(&st, db, "DELETE FROM audit_journal WHERE name = ?1", &err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, name, &err);
    rc = rc ? rc : cl_sqlite_run(st, &err);
    if (rc != 0) { /* harmless: a row whose file is gone is dropped at the next open */
        cl_logf(CL_LOG_WARN, "audit", "journal_forget_failed", "%s", err.msg);
    }
}

/* One transaction: the records of the journal open as FD (named NAME) from FROM up to LIMIT, at
 * most JOURNAL_BATCH_BYTES of them, and the offset reached, *NEXT. *TORN as cl_journal_read.
 * *MOVED (may be NULL): how many records the transaction committed. */
static int ingest_range(cl_sqlite_t *db, int fd, const char *name, uint64_t from, uint64_t limit,
                        uint64_t *next, int *torn, uint64_t *moved, cl_err_t *err)
{
    ingest_t in = {.db = db, .err = err};
    if (moved) {
        *moved = 0;
    }
    *next = from;
    *torn = 0;
    int rc = cl_sqlite_begin(db, err);
    rc = rc ? rc
            : cl_journal_read(fd, from, limit, JOURNAL_BATCH_BYTES, ingest_one, &in, next, torn,
                              err);
    rc = rc ? rc : ingest_flush(&in);
    free(in.buf);
    rc = rc || *next == from ? rc : save_offset(db, name, *next, err);
    rc = rc ? rc : cl_sqlite_commit(db, err);
    if (rc != 0) {
        cl_sqlite_rollback(db);
        *next = from;
    } else if (moved) {
        *moved = in.moved;
    }
    return rc;
}

/* Put the WAL on disk once, through a descriptor of this call's own (the writer's, for the rare
 * moments a journal is retired; the flusher keeps its own). */
static int sync_wal_once(const cl_audit_t *a, cl_err_t *err)
{
    int fd = open(a->wal_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT
                   ? 0 /* everything is in the database, synced by the checkpoint */
                   : cl_err_set(err, CL_EIO, "audit: cannot open the WAL: %s", strerror(errno));
    }
    int rc = sync_wal(fd) == 0
                 ? 0
                 : cl_err_set(err, CL_EIO, "audit: fdatasync of the WAL: %s", strerror(errno));
    close(fd);
    return rc;
}

/* Move the rest of a journal no one appends to any more — from FROM to LIMIT (UINT64_MAX: its
 * end) — into audit_log and put that on disk. 0: the file may be deleted (then forget its row);
 * else the error, and the file stays for the next open. An ORPHAN may end in a torn record (its
 * writer died in the middle of an append, which therefore never returned): dropped. */
static int drain(cl_audit_t *a, cl_sqlite_t *db, int fd, const char *name, uint64_t from,
                 uint64_t limit, int orphan, cl_err_t *err)
{
    uint64_t at = from, next = from;
    int torn = 0;
    for (;;) {
        int rc = ingest_range(db, fd, name, at, limit, &next, &torn, NULL, err);
        if (rc != 0) {
            return rc;
        }
        if (next == at) {
            break;
        }
        at = next;
    }
    if (torn && !orphan) {
        cl_logf(CL_LOG_ERROR, "audit", "journal_damaged",
                "%s is damaged after byte %llu: the records after it are lost", name,
                (unsigned long long)at);
    }
    return sync_wal_once(a, err);
}

/* The writer's turn for the journal: what was appended since the last turn, in one transaction.
 * A failure leaves it in the journal for the next turn (after a pause: the disk may be full). */
static void ingest_journal(cl_audit_t *a)
{
    __atomic_store_n(&a->journal_signalled, 0, __ATOMIC_SEQ_CST);
    cl_journal_t *j = a->journal; /* only this thread replaces it */
    uint64_t end = j ? cl_journal_end(j) : 0, next = a->ingested, moved = 0;
    int rc = 0, torn = 0;
    cl_err_t err;
    if (j && end > a->ingested) {
        cl_sqlite_t *db = NULL;
        const char *name = base_name(cl_journal_path(j));
        rc = cl_sqlite_pool_get(&db, a->pool, &err);
        rc = rc ? rc
                : ingest_range(db, cl_journal_fd(j), name, a->ingested, end, &next, &torn, &moved,
                               &err);
        if (rc == 0 && torn) { /* a live journal is never torn: the disk gave back other bytes */
            cl_logf(CL_LOG_ERROR, "audit", "journal_damaged",
                    "%s is damaged after byte %llu: the records up to byte %llu are lost", name,
                    (unsigned long long)next, (unsigned long long)end);
            rc = cl_sqlite_begin(db, &err);
            rc = rc ? rc : save_offset(db, name, end, &err);
            rc = rc ? rc : cl_sqlite_commit(db, &err);
            next = rc == 0 ? end : next;
        }
    }
    if (rc != 0) {
        cl_logf(CL_LOG_ERROR, "audit", "journal_ingest_failed", "%s", err.msg);
        usleep(100 * 1000);
    }
    pthread_mutex_lock(&a->lock);
    a->turn_interval_ns =
        moved >= JOURNAL_BUSY_RECORDS ? JOURNAL_BUSY_INTERVAL_NS : JOURNAL_TURN_INTERVAL_NS;
    if (next != a->ingested) {
        a->ingested = next;
        a->stats.batches++;
        if (!a->flusher_pacing) {
            pthread_cond_signal(&a->to_flush); /* the journal is to be synced */
        }
    }
    pthread_cond_broadcast(&a->settled);
    pthread_mutex_unlock(&a->lock);
    if (rc != 0 || next < end) {
        __atomic_store_n(&a->journal_signalled, 1, __ATOMIC_SEQ_CST); /* another turn */
    }
}

/* Put FRESH (NULL at close) in the journal's place: once this returns, no appender and no flusher
 * uses the one before, which is the writer's alone. */
static void detach_journal(cl_audit_t *a, cl_journal_t *fresh)
{
    pthread_mutex_lock(&a->journal_sync);
    pthread_rwlock_wrlock(&a->rotate);
    pthread_mutex_lock(&a->lock);
    a->journal = fresh;
    a->ingested = 0;
    a->synced = 0;
    a->epoch++;
    pthread_mutex_unlock(&a->lock);
    pthread_rwlock_unlock(&a->rotate);
    pthread_mutex_unlock(&a->journal_sync);
}

/* Retire the journal J, of which FROM bytes are in audit_log: drain the rest, delete it. */
static void retire_journal(cl_audit_t *a, cl_journal_t *j, uint64_t from)
{
    cl_err_t err;
    cl_sqlite_t *db = NULL;
    const char *name = base_name(cl_journal_path(j));
    int rc = cl_sqlite_pool_get(&db, a->pool, &err);
    rc = rc ? rc : drain(a, db, cl_journal_fd(j), name, from, cl_journal_end(j), 0, &err);
    if (rc != 0) {
        cl_logf(CL_LOG_ERROR, "audit", "journal_retire_failed",
                "%s: %s (kept; read at the next open)", name, err.msg);
    } else {
        forget(db, name);
    }
    cl_journal_close(j, rc == 0);
    pthread_mutex_lock(&a->lock);
    a->drained++;
    pthread_cond_broadcast(&a->settled);
    pthread_mutex_unlock(&a->lock);
}

/* Once the journal has grown past journal_rotate_bytes, a new one takes its place and the old one
 * is drained and deleted, so that the journal stays small however long the process runs. */
static void maybe_rotate(cl_audit_t *a)
{
    if (!a->journal || a->ingested < journal_rotate_bytes) {
        return;
    }
    cl_journal_t *fresh = NULL, *old = a->journal;
    cl_err_t err;
    if (cl_journal_create(&fresh, a->journal_prefix, &err) != 0) {
        cl_logf(CL_LOG_WARN, "audit", "journal_rotate_failed", "%s (the journal grows on)",
                err.msg);
        return;
    }
    uint64_t from = a->ingested;
    detach_journal(a, fresh);
    retire_journal(a, old, from);
}

/* At open: every journal whose writer is gone, into audit_log, then deleted. */
static int recover_orphan(void *ctx, const char *path, const char *name, int fd)
{
    cl_audit_t *a = ctx;
    cl_err_t err;
    cl_sqlite_t *db = NULL;
    uint64_t from = 0;
    int rc = cl_sqlite_pool_get(&db, a->pool, &err);
    rc = rc ? rc : load_offset(&from, db, name, &err);
    rc = rc ? rc : drain(a, db, fd, name, from, UINT64_MAX, 1, &err);
    if (rc != 0) {
        cl_logf(CL_LOG_ERROR, "audit", "journal_recover_failed", "%s: %s (kept)", name, err.msg);
        return 0; /* the others may still be read; this one stays for the next open */
    }
    if (unlink(path) != 0) {
        cl_logf(CL_LOG_WARN, "audit", "journal_unlink_failed", "%s: %s", name, strerror(errno));
        return 0; /* its row says it is read to the end: the next open adds nothing twice */
    }
    forget(db, name);
    cl_logf(CL_LOG_INFO, "audit", "journal_recovered", "%s: records from byte %llu moved in", name,
            (unsigned long long)from);
    return 0;
}

/* Rows of journals whose files are gone (deleted after their drain, before the row went). */
static int forget_gone(cl_audit_t *a, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a->journal_prefix);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    int rc = cl_sqlite_pool_get(&db, a->pool, err);
    rc = rc ? rc : cl_sqlite_cached(&st, db, "SELECT name FROM audit_journal", err);
    char gone[16][64];
    int n = 0;
    while (rc == 0) {
        if ((rc = cl_sqlite_step(st, err)) != CL_SQLITE_ROW) {
            break;
        }
        const char *name = cl_sqlite_column_text(st, 0);
        char path[4200];
        struct stat sb;
        if (n < 16 && name && strlen(name) < sizeof gone[0] && !strchr(name, '/') &&
            snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path &&
            stat(path, &sb) != 0 && errno == ENOENT) {
            snprintf(gone[n++], sizeof gone[0], "%s", name);
        }
        rc = 0;
    }
    if (rc == CL_SQLITE_ROW) {
        cl_sqlite_reset(st);
        rc = 0;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        forget(db, gone[i]);
    }
    return rc;
}

static int recover(cl_audit_t *a, cl_err_t *err)
{
    int rc = cl_journal_orphans(a->journal_prefix, recover_orphan, a, err);
    return rc ? rc : forget_gone(a, err);
}

static void *writer_main(void *arg)
{
    cl_audit_t *a = arg;
    pthread_setname_np(pthread_self(), "audit-writer"); /* for top and perf */
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->queue.head && !__atomic_load_n(&a->journal_signalled, __ATOMIC_SEQ_CST) &&
               !a->stop) {
            pthread_cond_wait(&a->cond, &a->lock);
        }
        if (!a->queue.head) {
            if (!__atomic_load_n(&a->journal_signalled, __ATOMIC_SEQ_CST)) {
                break; /* stopping, and nothing is queued */
            }
            struct timespec due = a->turn_started, now;
            due.tv_nsec += a->turn_interval_ns;
            if (due.tv_nsec >= 1000000000L) {
                due.tv_sec++;
                due.tv_nsec -= 1000000000L;
            }
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (!a->stop && !a->turn_now &&
                (now.tv_sec < due.tv_sec ||
                 (now.tv_sec == due.tv_sec && now.tv_nsec < due.tv_nsec))) {
                pthread_cond_timedwait(&a->cond, &a->lock, &due); /* or a queued record */
                continue;
            }
            a->turn_now = 0;
            a->turn_started = now;
            pthread_mutex_unlock(&a->lock);
            ingest_journal(a);
            maybe_rotate(a);
            pthread_mutex_lock(&a->lock);
            continue;
        }
        queued_t *batch = a->queue.head, *last = batch;
        for (int n = 1; n < BATCH_MAX && last->next; n++) {
            last = last->next;
        }
        a->queue.head = last->next;
        if (!a->queue.head) {
            a->queue.tail = NULL;
        }
        last->next = NULL;
        pthread_mutex_unlock(&a->lock);
        write_batch(a, batch);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    /* no one appends any more (the caller of close stopped them): the journal into audit_log, on
     * disk, and deleted; if that fails, it stays for the next open */
    cl_journal_t *j = a->journal;
    if (j) {
        uint64_t from = a->ingested;
        detach_journal(a, NULL);
        retire_journal(a, j, from);
    }
    pthread_mutex_lock(&a->lock);
    a->writer_done = 1;
    pthread_cond_signal(&a->to_flush);
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Put every commit so far on disk: fdatasync the WAL through a descriptor of our own (fsync flushes
 * the file, whoever wrote it). The file is checked on every flush: SQLite deletes the WAL only
 * after checkpointing all of it into the database and syncing that (when the last connection
 * closes), so a WAL that is gone or replaced holds nothing unflushed; the new one is opened. */
static int flush_wal(cl_audit_t *a)
{
    const char *what = "stat";
    struct stat st;
    if (stat(a->wal_path, &st) != 0) {
        if (errno == ENOENT) {
            return 0; /* no WAL: everything is in the database, synced by the checkpoint */
        }
        goto failed;
    }
    if (a->wal_fd < 0 || st.st_dev != a->wal_dev || st.st_ino != a->wal_ino) {
        if (a->wal_fd >= 0) {
            close(a->wal_fd);
        }
        what = "open";
        a->wal_fd = open(a->wal_path, O_RDONLY | O_CLOEXEC);
        if (a->wal_fd < 0) {
            if (errno == ENOENT) {
                return 0;
            }
            goto failed;
        }
        struct stat fst;
        if (fstat(a->wal_fd, &fst) != 0) {
            goto failed;
        }
        a->wal_dev = fst.st_dev;
        a->wal_ino = fst.st_ino;
    }
    what = "fdatasync";
    if (sync_wal(a->wal_fd) == 0) {
        return 0;
    }
failed:
    cl_logf(CL_LOG_ERROR, "audit", "flush_failed", "%s of the audit WAL: %s", what,
            strerror(errno));
    return CL_EIO;
}

/* Wait, under the lock, until the interval since the last flush began has passed, unless a FLUSHED
 * record or the writer's end needs the flush now. */
static void pace(cl_audit_t *a)
{
    struct timespec due = a->flush_started;
    due.tv_nsec += VIEW_FLUSH_INTERVAL_NS;
    if (due.tv_nsec >= 1000000000L) {
        due.tv_sec++;
        due.tv_nsec -= 1000000000L;
    }
    a->flusher_pacing = 1;
    while (!a->unflushed.head && !a->writer_done) {
        if (pthread_cond_timedwait(&a->to_flush, &a->lock, &due) == ETIMEDOUT) {
            break;
        }
    }
    a->flusher_pacing = 0;
}

/* Flush while anything committed is not known to be on disk — back to back while FLUSHED records
 * wait, paced while only WRITTEN ones do; after each flush, tell the FLUSHED records of the
 * batches committed before it began. */
/* Under the lock: journal records not yet known to be on disk. */
static int journal_dirty(const cl_audit_t *a)
{
    return a->journal && cl_journal_end(a->journal) > a->synced;
}

/* fdatasync the journal in use (journal_sync keeps the writer from retiring it meanwhile). */
static int sync_journal(cl_audit_t *a)
{
    pthread_mutex_lock(&a->journal_sync);
    pthread_mutex_lock(&a->lock);
    cl_journal_t *j = a->journal;
    uint64_t end = j ? cl_journal_end(j) : 0;
    int dirty = j && end > a->synced;
    pthread_mutex_unlock(&a->lock);
    int rc = 0;
    if (dirty) {
        cl_err_t err;
        rc = cl_journal_sync(j, &err);
        if (rc != 0) {
            cl_logf(CL_LOG_ERROR, "audit", "flush_failed", "%s", err.msg);
        }
        pthread_mutex_lock(&a->lock);
        if (rc == 0 && a->journal == j && end > a->synced) {
            a->synced = end;
        }
        a->stats.journal_syncs++;
        pthread_mutex_unlock(&a->lock);
    }
    pthread_mutex_unlock(&a->journal_sync);
    return rc;
}

/* Flush while anything committed or journaled is not known to be on disk — back to back while
 * FLUSHED records wait, paced while only WRITTEN and journaled ones do; after each flush of the
 * WAL, tell the FLUSHED records of the batches committed before it began. */
static void *flusher_main(void *arg)
{
    cl_audit_t *a = arg;
    pthread_setname_np(pthread_self(), "audit-flusher");
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (a->flushed == a->committed && !journal_dirty(a) && !a->writer_done) {
            pthread_cond_wait(&a->to_flush, &a->lock);
        }
        if (a->flushed == a->committed && !journal_dirty(a)) {
            break; /* the writer is done and everything it committed is on disk */
        }
        pace(a);
        uint64_t upto = a->committed;
        int wal = upto != a->flushed;
        clock_gettime(CLOCK_MONOTONIC, &a->flush_started);
        pthread_mutex_unlock(&a->lock);
        int rc = wal ? flush_wal(a) : 0;
        int jrc = sync_journal(a);
        pthread_mutex_lock(&a->lock);
        a->stats.flush_failures += (rc != 0) + (jrc != 0);
        if (!wal) {
            continue;
        }
        a->flushed = upto;
        a->stats.flushes++;
        list_t now = {0};
        while (a->unflushed.head && a->unflushed.head->batch <= upto) {
            queued_t *q = a->unflushed.head;
            a->unflushed.head = q->next;
            list_push(&now, q);
        }
        if (!a->unflushed.head) {
            a->unflushed.tail = NULL;
        }
        pthread_mutex_unlock(&a->lock);
        tell(now.head, rc);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Start the writer and the flusher (under the lock, once). */
static int start_threads(cl_audit_t *a)
{
    if (pthread_create(&a->writer, NULL, writer_main, a) != 0) {
        return CL_ENOMEM;
    }
    if (pthread_create(&a->flusher, NULL, flusher_main, a) != 0) {
        a->stop = 1;
        pthread_cond_signal(&a->cond);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->writer, NULL);
        pthread_mutex_lock(&a->lock);
        a->stop = 0;
        a->writer_done = 0;
        return CL_ENOMEM;
    }
    __atomic_store_n(&a->started, 1, __ATOMIC_RELEASE);
    return 0;
}

int cl_audit_append_async(cl_audit_t *a, const cl_audit_event_t *ev,
                          void (*done)(void *payload, int rc), void *payload, cl_err_t *err)
{
    queued_t *q = make_queued(ev);
    if (!q) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    q->durability = ev->durability;
    q->done = done;
    q->payload = payload;
    pthread_mutex_lock(&a->lock);
    if (!a->started && start_threads(a) != 0) {
        pthread_mutex_unlock(&a->lock);
        free(q);
        return cl_err_set(err, CL_ENOMEM, "cannot start the audit writer");
    }
    list_push(&a->queue, q);
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    return 0;
}

int cl_audit_append_journaled(cl_audit_t *a, const cl_audit_event_t *ev, cl_err_t *err)
{
    char ts[32], small[2048], *big = NULL, stack[4096], *rec = stack;
    const char *src[N_FIELDS];
    if (fields_of(src, ev, ts, small, &big) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    size_t n = encode_record(stack, sizeof stack, src);
    if (n > sizeof stack && (rec = malloc(n)) != NULL) {
        encode_record(rec, n, src);
    }
    free(big);
    if (!rec) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    if (!__atomic_load_n(&a->started, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&a->lock);
        rc = a->started || start_threads(a) == 0
                 ? 0
                 : cl_err_set(err, CL_ENOMEM, "cannot start the audit writer");
        pthread_mutex_unlock(&a->lock);
    }
    if (rc == 0) {
        pthread_rwlock_rdlock(&a->rotate);
        rc = a->journal ? cl_journal_append(a->journal, rec, n, err)
                        : cl_err_set(err, CL_EUNAVAILABLE, "audit: the log is closing");
        pthread_rwlock_unlock(&a->rotate);
    }
    if (rec != stack) {
        free(rec);
    }
    if (rc != 0) {
        return rc;
    }
    __atomic_add_fetch(&a->journaled, 1, __ATOMIC_RELAXED);
    /* one wake-up per turn of the writer, not one per record */
    if (!__atomic_exchange_n(&a->journal_signalled, 1, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&a->lock);
        pthread_cond_signal(&a->cond);
        pthread_mutex_unlock(&a->lock);
    }
    return 0;
}

void cl_audit_settle(cl_audit_t *a)
{
    pthread_rwlock_rdlock(&a->rotate);
    pthread_mutex_lock(&a->lock);
    uint64_t epoch = a->epoch, end = a->journal ? cl_journal_end(a->journal) : 0;
    pthread_rwlock_unlock(&a->rotate);
    if (a->started && !a->writer_done) {
        __atomic_store_n(&a->journal_signalled, 1, __ATOMIC_SEQ_CST);
        a->turn_now = 1;
        pthread_cond_signal(&a->cond);
        /* done when every journal before this one is drained and this one is read to END — or
         * has been retired and drained itself */
        while (!a->writer_done && a->drained <= epoch &&
               !(a->drained == epoch && a->epoch == epoch && a->ingested >= end)) {
            pthread_cond_wait(&a->settled, &a->lock);
        }
    }
    pthread_mutex_unlock(&a->lock);
}

int cl_audit_count(int64_t *out, cl_audit_t *a, const char *event, cl_err_t *err)
{
    *out = 0;
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_pool_get(&db, a->pool, err);
    rc = rc ? rc
            : cl_sqlite_cached(
                  &st, db, "SELECT count(*) FROM audit_log WHERE ?1 IS NULL OR event = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, event, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        *out = cl_sqlite_column_int64(st, 0);
        cl_sqlite_reset(st);
        rc = 0;
    }
    return rc;
}
