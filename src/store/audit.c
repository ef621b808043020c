/* audit.c — the audit log. Kept in a file of its own so that its durability (FULL) does not slow
 * the session and archive writes, and so that it can be shipped or retained on its own schedule. */
#include "store/audit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
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
};

#define BATCH_MAX 512

typedef struct queued {
    struct queued *next;
    char *fields[9]; /* ts, event, outcome, user_id, role, team, request_id, client, detail (NULL
                        allowed) */
    void (*done)(void *, int);
    void *payload;
} queued_t;

struct cl_audit {
    cl_sqlite_pool_t *pool;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    queued_t *head, *tail;
    int stop, started;
    pthread_t writer;
};

int cl_audit_open(cl_audit_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    cl_audit_t *a = calloc(1, sizeof *a);
    if (!a) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_sqlite_options_t opt = {
        .sync = CL_SQLITE_SYNC_FULL, .migrations = MIGRATIONS, .n_migrations = 1};
    int rc = cl_sqlite_pool_new(&a->pool, path, &opt, err);
    if (rc != 0) {
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
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
        pthread_join(a->writer, NULL); /* it writes everything queued before it exits */
    }
    cl_sqlite_pool_free(a->pool);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    free(a);
}

static void utc_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static int insert(cl_sqlite_t *db, char *const vals[9], cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(
        &st, db,
        "INSERT INTO audit_log(ts, event, outcome, user_id, role, team, request_id, client, "
        "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        err);
    for (int i = 0; rc == 0 && i < 9; i++) {
        rc = cl_sqlite_bind_text(st, i + 1, vals[i], err);
    }
    return rc ? rc : cl_sqlite_run(st, err);
}

static void free_fields(char *f[9])
{
    for (int i = 0; i < 9; i++) {
        free(f[i]);
    }
}

/* Copy EV into F (ts now, outcome defaulted, detail as JSON text). Returns 0 or CL_ENOMEM. */
static int copy_fields(char *f[9], const cl_audit_event_t *ev)
{
    char ts[32];
    utc_now(ts);
    const char *src[8] = {ts,
                          ev->event,
                          ev->outcome ? ev->outcome : "ok",
                          ev->user_id,
                          ev->role,
                          ev->team,
                          ev->request_id,
                          ev->client};
    int ok = 1;
    for (int i = 0; i < 8; i++) {
        f[i] = src[i] ? strdup(src[i]) : NULL;
        ok &= !src[i] || f[i] != NULL;
    }
    f[8] = ev->detail ? json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (!ok || !f[8]) {
        free_fields(f);
        return CL_ENOMEM;
    }
    return 0;
}

int cl_audit_append(cl_audit_t *a, const cl_audit_event_t *ev, cl_err_t *err)
{
    char *f[9];
    if (copy_fields(f, ev) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, a->pool, err);
    rc = rc ? rc : insert(db, f, err);
    free_fields(f);
    return rc ? cl_err_wrap(err, "audit") : 0;
}

/* Commit one batch: all of it or none of it; then tell every caller. */
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
    if (rc != 0 && db) {
        cl_sqlite_rollback(db);
        cl_logf(CL_LOG_ERROR, "audit", "write_failed", "%s", err.msg);
    }
    while (batch) {
        queued_t *next = batch->next;
        batch->done(batch->payload, rc);
        free_fields(batch->fields);
        free(batch);
        batch = next;
    }
}

static void *writer_main(void *arg)
{
    cl_audit_t *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->head && !a->stop) {
            pthread_cond_wait(&a->cond, &a->lock);
        }
        if (!a->head) {
            break;
        }
        queued_t *batch = a->head, *last = batch;
        for (int n = 1; n < BATCH_MAX && last->next; n++) {
            last = last->next;
        }
        a->head = last->next;
        if (!a->head) {
            a->tail = NULL;
        }
        last->next = NULL;
        pthread_mutex_unlock(&a->lock);
        write_batch(a, batch);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

int cl_audit_append_async(cl_audit_t *a, const cl_audit_event_t *ev,
                          void (*done)(void *payload, int rc), void *payload, cl_err_t *err)
{
    queued_t *q = calloc(1, sizeof *q);
    if (!q || copy_fields(q->fields, ev) != 0) {
        free(q);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    q->done = done;
    q->payload = payload;
    pthread_mutex_lock(&a->lock);
    if (!a->started) {
        if (pthread_create(&a->writer, NULL, writer_main, a) != 0) {
            pthread_mutex_unlock(&a->lock);
            free_fields(q->fields);
            free(q);
            return cl_err_set(err, CL_ENOMEM, "cannot start the audit writer");
        }
        a->started = 1;
    }
    if (a->tail) {
        a->tail->next = q;
    } else {
        a->head = q;
    }
    a->tail = q;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    return 0;
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
