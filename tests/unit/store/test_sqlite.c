/* SQLite door: WAL and durability settings, migrations, bound values, transactions, busy writers,
 * one connection per thread, and commits that survive the process being killed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "../support/tmpdir.h"

static const cl_sqlite_migration_t NOTES_V1[] = {
    {"notes", 1, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"},
};
static const cl_sqlite_migration_t NOTES_V2[] = {
    {"notes", 1, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"},
    {"other", 1, "CREATE TABLE other(x INTEGER)"},
    {"notes", 2, "ALTER TABLE notes ADD COLUMN author TEXT"},
};

static char dir[256];
static char path[320];

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/state.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(dir);
    return 0;
}

static cl_sqlite_t *open_db(const cl_sqlite_migration_t *m, size_t n, cl_sqlite_sync_t sync)
{
    cl_sqlite_t *db = NULL;
    cl_err_t err;
    cl_sqlite_options_t opt = {.sync = sync, .migrations = m, .n_migrations = n};
    if (cl_sqlite_open(&db, path, &opt, &err) != 0) {
        fail_msg("open: %s", err.msg);
    }
    return db;
}

static int64_t count_rows(cl_sqlite_t *db, const char *sql)
{
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    assert_int_equal(cl_sqlite_cached(&st, db, sql, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    int64_t n = cl_sqlite_column_int64(st, 0);
    cl_sqlite_reset(st);
    return n;
}

static void insert_note(cl_sqlite_t *db, const char *body, int want)
{
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    assert_int_equal(cl_sqlite_cached(&st, db, "INSERT INTO notes(body) VALUES (?1)", &err), 0);
    assert_int_equal(cl_sqlite_bind_text(st, 1, body, &err), 0);
    assert_int_equal(cl_sqlite_run(st, &err), want);
}

static void test_sqlite__wal_private_file_and_sync_level(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_FULL);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_string_equal(cl_sqlite_path(db), path);
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    assert_int_equal(cl_sqlite_prepare(&st, db, "PRAGMA journal_mode", &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_string_equal(cl_sqlite_column_text(st, 0), "wal");
    cl_sqlite_stmt_free(st);
    assert_int_equal(count_rows(db, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(count_rows(db, "PRAGMA foreign_keys"), 1);
    cl_sqlite_close(db);
    db = open_db(NULL, 0, CL_SQLITE_SYNC_NORMAL);
    assert_int_equal(count_rows(db, "PRAGMA synchronous"), 1); /* NORMAL */
    cl_sqlite_close(db);
}

static void test_sqlite__migrations_apply_once_and_in_order(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    insert_note(db, "kept", 0);
    int v = 0;
    cl_err_t err;
    assert_int_equal(cl_sqlite_schema_version(&v, db, "notes", &err), 0);
    assert_int_equal(v, 1);
    cl_sqlite_close(db);

    db = open_db(NOTES_V2, 3, CL_SQLITE_SYNC_NORMAL); /* v1 is not re-run: the row survives */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes"), 1);
    assert_int_equal(
        count_rows(db, "SELECT count(*) FROM pragma_table_info('notes') WHERE name='author'"), 1);
    assert_int_equal(cl_sqlite_schema_version(&v, db, "notes", &err), 0);
    assert_int_equal(v, 2);
    assert_int_equal(cl_sqlite_schema_version(&v, db, "other", &err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(cl_sqlite_schema_version(&v, db, "nobody", &err), 0);
    assert_int_equal(v, 0);
    cl_sqlite_close(db);
}

static void test_sqlite__newer_schema_and_bad_numbering_are_refused(void **state)
{
    (void)state;
    cl_sqlite_close(open_db(NOTES_V2, 3, CL_SQLITE_SYNC_NORMAL));
    cl_sqlite_t *db = NULL;
    cl_err_t err;
    cl_sqlite_options_t opt = {.migrations = NOTES_V1, .n_migrations = 1};
    assert_int_equal(cl_sqlite_open(&db, path, &opt, &err), CL_ECONFIG);
    assert_null(db);
    assert_non_null(strstr(err.msg, "newer than this catlens knows"));

    static const cl_sqlite_migration_t gap[] = {{"gap", 1, "SELECT 1"}, {"gap", 3, "SELECT 1"}};
    opt = (cl_sqlite_options_t){.migrations = gap, .n_migrations = 2};
    assert_int_equal(cl_sqlite_open(&db, path, &opt, &err), CL_ECONFIG);
    assert_non_null(strstr(err.msg, "numbered 1, 2"));
}

static void test_sqlite__failed_migration_changes_nothing(void **state)
{
    (void)state;
    static const cl_sqlite_migration_t bad[] = {
        {"notes", 1, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"},
        {"notes", 2, "CREATE TABLE half(x INTEGER); THIS IS NOT SQL"},
    };
    cl_sqlite_t *db = NULL;
    cl_err_t err;
    cl_sqlite_options_t opt = {.migrations = bad, .n_migrations = 2};
    assert_int_equal(cl_sqlite_open(&db, path, &opt, &err), CL_EINTERNAL);
    assert_non_null(strstr(err.msg, "migration notes v2"));
    db = open_db(NULL, 0, CL_SQLITE_SYNC_NORMAL);
    int v = 0;
    assert_int_equal(cl_sqlite_schema_version(&v, db, "notes", &err), 0);
    assert_int_equal(v, 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
    cl_sqlite_close(db);
}

static void test_sqlite__bound_values_stay_data(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    const char *evil = "x'); DROP TABLE notes; --";
    insert_note(db, evil, 0);
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    assert_int_equal(
        cl_sqlite_prepare(&st, db, "SELECT body, length(body) FROM notes WHERE body = :b", &err),
        0);
    int idx = cl_sqlite_param_index(st, ":b");
    assert_int_equal(idx, 1);
    assert_int_equal(cl_sqlite_param_index(st, ":nope"), 0);
    assert_int_equal(cl_sqlite_bind_text(st, idx, evil, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_string_equal(cl_sqlite_column_text(st, 0), evil);
    assert_int_equal(cl_sqlite_column_int64(st, 1), (int64_t)strlen(evil));
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_DONE);
    assert_int_equal(cl_sqlite_bind_text(st, 9, "x", &err), CL_EINVAL);
    cl_sqlite_stmt_free(st);

    const unsigned char blob[] = {0, 1, 2, 0, 255};
    assert_int_equal(cl_sqlite_prepare(&st, db, "SELECT ?1, ?2, ?3, ?4", &err), 0);
    assert_int_equal(cl_sqlite_bind_blob(st, 1, blob, sizeof blob, &err), 0);
    assert_int_equal(cl_sqlite_bind_double(st, 2, 2.5, &err), 0);
    assert_int_equal(cl_sqlite_bind_null(st, 3, &err), 0);
    assert_int_equal(cl_sqlite_bind_int64(st, 4, INT64_MIN, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    size_t len = 0;
    const void *got = cl_sqlite_column_blob(st, 0, &len);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(got, blob, sizeof blob);
    assert_true(cl_sqlite_column_double(st, 1) == 2.5);
    assert_true(cl_sqlite_column_is_null(st, 2));
    assert_null(cl_sqlite_column_text(st, 2));
    assert_true(cl_sqlite_column_int64(st, 3) == INT64_MIN);
    cl_sqlite_reset(st);
    cl_sqlite_stmt_free(st);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes"), 1);
    cl_sqlite_close(db);
}

static void test_sqlite__errors_have_the_right_codes(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_err_t err;
    insert_note(db, "same", 0);
    insert_note(db, "same", CL_ECONFLICT);
    cl_sqlite_stmt_t *st = NULL;
    assert_int_equal(cl_sqlite_prepare(&st, db, "SELECT * FROM no_such_table", &err), CL_EINTERNAL);
    assert_null(st);
    assert_non_null(strstr(err.msg, "no_such_table"));
    assert_int_equal(cl_sqlite_prepare(&st, db, "SELECT 1", &err), 0);
    assert_int_equal(cl_sqlite_run(st, &err), CL_EINTERNAL); /* rows where none were expected */
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);

    char nowhere[400];
    snprintf(nowhere, sizeof nowhere, "%s/missing/dir/x.db", dir);
    assert_int_equal(cl_sqlite_open(&db, nowhere, NULL, &err), CL_EIO);
    assert_non_null(strstr(err.msg, "cannot create"));
    cl_sqlite_options_t ro = {.read_only = 1};
    assert_int_equal(cl_sqlite_open(&db, nowhere, &ro, &err), CL_EIO);
}

static void test_sqlite__rollback_keeps_nothing_and_commit_keeps_all(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_err_t err;
    assert_int_equal(cl_sqlite_begin(db, &err), 0);
    insert_note(db, "a", 0);
    insert_note(db, "b", 0);
    cl_sqlite_rollback(db);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes"), 0);
    assert_int_equal(cl_sqlite_begin(db, &err), 0);
    insert_note(db, "a", 0);
    assert_int_equal(cl_sqlite_changes(db), 1);
    assert_true(cl_sqlite_last_rowid(db) > 0);
    insert_note(db, "b", 0);
    assert_int_equal(cl_sqlite_commit(db, &err), 0);
    cl_sqlite_rollback(db); /* nothing open: harmless */
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes"), 2);
    cl_sqlite_close(db);
}

static void test_sqlite__second_writer_waits_then_reports_busy(void **state)
{
    (void)state;
    cl_sqlite_t *a = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_sqlite_t *b = NULL;
    cl_err_t err;
    cl_sqlite_options_t quick = {.busy_timeout_ms = 50};
    assert_int_equal(cl_sqlite_open(&b, path, &quick, &err), 0);
    assert_int_equal(cl_sqlite_begin(a, &err), 0);
    assert_int_equal(cl_sqlite_begin(b, &err), CL_EUNAVAILABLE);
    /* WAL: a reader is not blocked by the open write transaction */
    assert_int_equal(count_rows(b, "SELECT count(*) FROM notes"), 0);
    cl_sqlite_rollback(a);
    assert_int_equal(cl_sqlite_begin(b, &err), 0);
    cl_sqlite_rollback(b);
    cl_sqlite_close(a);
    cl_sqlite_close(b);
}

static void test_sqlite__cached_statements_are_reused(void **state)
{
    (void)state;
    cl_sqlite_t *db = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_sqlite_stmt_t *a = NULL, *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_sqlite_cached(&a, db, "SELECT ?1", &err), 0);
    assert_int_equal(cl_sqlite_bind_int64(a, 1, 7, &err), 0);
    assert_int_equal(cl_sqlite_cached(&b, db, "SELECT ?1", &err), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(cl_sqlite_step(b, &err), CL_SQLITE_ROW);
    assert_true(cl_sqlite_column_is_null(b, 0)); /* bindings were cleared */
    cl_sqlite_stmt_free(b);                      /* ignored for cached statements */
    /* more distinct statements than slots: older ones are evicted, everything still works */
    for (int i = 0; i < 80; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d", i);
        assert_int_equal(cl_sqlite_cached(&a, db, sql, &err), 0);
        assert_int_equal(cl_sqlite_step(a, &err), CL_SQLITE_ROW);
        assert_int_equal(cl_sqlite_column_int64(a, 0), i);
    }
    cl_sqlite_close(db);
}

struct worker {
    cl_sqlite_pool_t *pool;
    cl_sqlite_t *seen[2];
    int id, failures;
};

static void *pool_worker(void *arg)
{
    struct worker *w = arg;
    cl_err_t err;
    for (int i = 0; i < 25; i++) {
        cl_sqlite_t *db = NULL;
        if (cl_sqlite_pool_get(&db, w->pool, &err) != 0) {
            w->failures++;
            continue;
        }
        w->seen[i == 0 ? 0 : 1] = db;
        char body[64];
        snprintf(body, sizeof body, "thread %d note %d", w->id, i);
        cl_sqlite_stmt_t *st = NULL;
        int rc = cl_sqlite_cached(&st, db, "INSERT INTO notes(body) VALUES (?1)", &err);
        rc = rc ? rc : cl_sqlite_bind_text(st, 1, body, &err);
        rc = rc ? rc : cl_sqlite_run(st, &err);
        w->failures += rc != 0;
    }
    return NULL;
}

static void test_sqlite__pool_gives_each_thread_its_connection(void **state)
{
    (void)state;
    cl_sqlite_pool_t *pool = NULL;
    cl_err_t err;
    cl_sqlite_options_t opt = {.migrations = NOTES_V1, .n_migrations = 1};
    assert_int_equal(cl_sqlite_pool_new(&pool, path, &opt, &err), 0);
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.pool = pool, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, pool_worker, &w[i]), 0);
    }
    for (int i = 0; i < 2;
         i++) { /* two threads end before the pool is freed: their destructors close */
        pthread_join(t[i], NULL);
    }
    cl_sqlite_t *mine = NULL;
    assert_int_equal(cl_sqlite_pool_get(&mine, pool, &err), 0);
    for (int i = 2; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w[i].failures, 0);
        assert_ptr_equal(w[i].seen[0], w[i].seen[1]);
    }
    assert_int_equal(count_rows(mine, "SELECT count(*) FROM notes"), 100);
    cl_sqlite_pool_free(pool);
}

/* A child commits and is killed with SIGKILL before closing anything: every committed row is there
 * afterwards. */
static void test_sqlite__commits_survive_a_killed_process(void **state)
{
    (void)state;
    cl_sqlite_close(open_db(NOTES_V1, 1, CL_SQLITE_SYNC_FULL));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cl_sqlite_t *db = NULL;
        cl_sqlite_options_t opt = {.sync = CL_SQLITE_SYNC_FULL};
        if (cl_sqlite_open(&db, path, &opt, NULL) != 0) {
            _exit(3);
        }
        for (int i = 0; i < 20; i++) {
            char body[32];
            snprintf(body, sizeof body, "audit %d", i);
            cl_sqlite_stmt_t *st = NULL;
            if (cl_sqlite_cached(&st, db, "INSERT INTO notes(body) VALUES (?1)", NULL) != 0 ||
                cl_sqlite_bind_text(st, 1, body, NULL) != 0 || cl_sqlite_run(st, NULL) != 0) {
                _exit(4);
            }
        }
        cl_sqlite_stmt_t *st = NULL; /* an open, uncommitted transaction at the moment of death */
        if (cl_sqlite_begin(db, NULL) != 0 ||
            cl_sqlite_cached(&st, db, "INSERT INTO notes(body) VALUES ('never')", NULL) != 0 ||
            cl_sqlite_run(st, NULL) != 0) {
            _exit(5);
        }
        raise(SIGKILL);
        _exit(6);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cl_sqlite_t *db = open_db(NULL, 0, CL_SQLITE_SYNC_FULL);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes WHERE body LIKE 'audit %'"), 20);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM notes WHERE body = 'never'"), 0);
    cl_sqlite_close(db);
}

/* Count the notes from another process: the sqlite3 command, a fresh process with no SQLite state
 * of ours (a plain fork would inherit this process's lock bookkeeping and hide the problem). */
static int64_t count_in_child(void)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        execlp("sqlite3", "sqlite3", path, "SELECT count(*) FROM notes", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return strtoll(buf, NULL, 10);
}

/* Opening a second connection in this process must not drop the first one's locks: another process
 * would then take the file for unused and delete the WAL under the first connection's feet (its
 * writes would vanish). */
static void test_sqlite__a_second_connection_keeps_the_first_ones_locks(void **state)
{
    (void)state;
    cl_sqlite_t *a = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    insert_note(a, "one", 0);
    cl_sqlite_t *b = open_db(NULL, 0, CL_SQLITE_SYNC_NORMAL);
    cl_sqlite_t *c = open_db(NULL, 0, CL_SQLITE_SYNC_NORMAL);
    assert_int_equal(count_rows(b, "SELECT count(*) FROM notes"), 1);
    insert_note(a, "two", 0);
    assert_int_equal(count_in_child(), 2);
    insert_note(c, "three", 0);
    assert_int_equal(count_in_child(), 3);
    cl_sqlite_close(c);
    char wal[400];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0); /* still there: this process has it open */
    cl_sqlite_close(b);
    cl_sqlite_close(a);
}

static int freed;

static void count_free(void *p)
{
    (void)p;
    freed++;
}

static void test_sqlite__data_version_moves_for_other_connections_only(void **state)
{
    (void)state;
    cl_sqlite_t *a = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_sqlite_t *b = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_err_t err;
    int64_t v0 = 0, v1 = 0;
    assert_int_equal(cl_sqlite_data_version(&v0, a, &err), 0);
    assert_int_equal(cl_sqlite_exec(a, "INSERT INTO notes(body) VALUES ('mine')", &err), 0);
    assert_int_equal(cl_sqlite_data_version(&v1, a, &err), 0);
    assert_true(v1 == v0); /* its own commit */
    assert_int_equal(cl_sqlite_exec(b, "INSERT INTO notes(body) VALUES ('theirs')", &err), 0);
    assert_int_equal(cl_sqlite_data_version(&v1, a, &err), 0);
    assert_true(v1 != v0); /* another connection's */
    v0 = v1;
    assert_int_equal(cl_sqlite_data_version(&v1, a, &err), 0);
    assert_true(v1 == v0); /* nothing since */
    /* the value a component keeps with a connection goes with it */
    freed = 0;
    cl_sqlite_set_userdata(a, &freed, count_free);
    assert_ptr_equal(cl_sqlite_userdata(a), &freed);
    cl_sqlite_set_userdata(a, &v0, count_free);
    assert_int_equal(freed, 1);
    cl_sqlite_close(a);
    assert_int_equal(freed, 2);
    assert_null(cl_sqlite_userdata(b));
    cl_sqlite_close(b);
}

/* data_version answers from the WAL-index header while no one committed: every commit of another
 * process is still seen — plain ones, one after a checkpoint that restarted the WAL, many in a row
 * —, and reads with nothing in between give the same value. */
static void test_sqlite__data_version_sees_every_commit_of_another_process(void **state)
{
    (void)state;
    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the other process: commits on command */
        close(to_child[1]);
        close(to_parent[0]);
        cl_sqlite_t *b = NULL;
        cl_err_t e;
        cl_sqlite_options_t opt = {.migrations = NOTES_V1, .n_migrations = 1};
        if (cl_sqlite_open(&b, path, &opt, &e) != 0) {
            fprintf(stderr, "open: %s\n", e.msg);
            _exit(2);
        }
        char c;
        int n = 0;
        if (write(to_parent[1], "r", 1) != 1) { /* ready: the parent opens its own now */
            _exit(5);
        }
        while (read(to_child[0], &c, 1) == 1 && c != 'q') {
            if (c == 't' && cl_sqlite_exec(b, "PRAGMA wal_checkpoint(TRUNCATE)", &e) != 0) {
                fprintf(stderr, "checkpoint: %s\n", e.msg);
                _exit(3);
            }
            char sql[96];
            snprintf(sql, sizeof sql, "INSERT INTO notes(body) VALUES ('theirs %d')", n++);
            if (cl_sqlite_exec(b, sql, &e) != 0) {
                fprintf(stderr, "insert: %s\n", e.msg);
                _exit(4);
            }
            if (write(to_parent[1], "k", 1) != 1) {
                _exit(5);
            }
        }
        cl_sqlite_close(b);
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    char ready = 0;
    assert_int_equal(read(to_parent[0], &ready, 1), 1); /* SQLite connections must not cross fork */
    cl_sqlite_t *a = open_db(NOTES_V1, 1, CL_SQLITE_SYNC_NORMAL);
    cl_err_t err;
    int64_t v = 0, w = 0;
    assert_int_equal(cl_sqlite_data_version(&v, a, &err), 0);
    const char *plan = "cccttcctcccccccccccctt";
    for (const char *c = plan; *c; c++) {
        char ok = 0;
        assert_int_equal(write(to_child[1], c, 1), 1);
        if (read(to_parent[0], &ok, 1) != 1) {
            int status = 0;
            waitpid(pid, &status, 0);
            fail_msg("the other process failed at '%c' (exit %d)", *c, WEXITSTATUS(status));
        }
        assert_int_equal(cl_sqlite_data_version(&w, a, &err), 0);
        assert_true(w != v); /* their commit */
        v = w;
        for (int i = 0; i < 3; i++) {
            assert_int_equal(cl_sqlite_data_version(&w, a, &err), 0);
            assert_true(w == v); /* nothing since */
        }
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO notes(body) VALUES ('mine %d')", (int)(c - plan));
        assert_int_equal(cl_sqlite_exec(a, sql, &err), 0);
        assert_int_equal(cl_sqlite_data_version(&w, a, &err), 0);
        assert_true(w == v); /* its own */
    }
    assert_int_equal(write(to_child[1], "q", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(count_rows(a, "SELECT count(*) FROM notes WHERE body LIKE 'theirs %'"),
                     (int64_t)strlen(plan));
    close(to_child[1]);
    close(to_parent[0]);
    cl_sqlite_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sqlite__wal_private_file_and_sync_level, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__migrations_apply_once_and_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__newer_schema_and_bad_numbering_are_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__failed_migration_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__bound_values_stay_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__errors_have_the_right_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__rollback_keeps_nothing_and_commit_keeps_all,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__second_writer_waits_then_reports_busy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__cached_statements_are_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__pool_gives_each_thread_its_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__commits_survive_a_killed_process, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__data_version_moves_for_other_connections_only,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sqlite__data_version_sees_every_commit_of_another_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite__a_second_connection_keeps_the_first_ones_locks,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
