/* audit.c — the audit log. Kept in a file of its own so that its flushes do not slow the session
 * and archive writes, and so that it can be shipped or retained on its own schedule. Two threads:
 * the writer commits batches (no fsync), the flusher puts them on disk (fdatasync, back to back).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "store/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    const char *fields[9]; /* ts, event, outcome, user_id, role, team, request_id, client, detail
                              (NULL allowed), in TEXT */
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
    pthread_cond_t cond;     /* to the writer: records queued, or stop */
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
};

/* While only WRITTEN records (report views) wait for a flush, flushes begin at most this often:
 * back to back, a fast disk would be flushed thousands of times a second for records that are
 * already safe from any crash of this process, costing a core's tenth in kernel time. This bounds
 * what a power loss can take: the views committed in the last interval and the flush in progress.
 * A FLUSHED record (a sign-in, a denial) cuts the wait short: its reply is waiting. */
#define VIEW_FLUSH_INTERVAL_NS (5 * 1000000L)

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
    /* NORMAL: a commit writes the WAL and does not wait for the disk; the flusher does that (and
     * checkpoints still sync the WAL before copying it and the database before reusing it). */
    cl_sqlite_options_t opt = {
        .sync = CL_SQLITE_SYNC_NORMAL, .migrations = MIGRATIONS, .n_migrations = 1};
    int rc = cl_sqlite_pool_new(&a->pool, path, &opt, err);
    if (rc != 0) {
        free(a->wal_path);
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&a->to_flush, &monotonic);
    pthread_condattr_destroy(&monotonic);
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
        pthread_join(a->writer, NULL);  /* it writes everything queued before it exits */
        pthread_join(a->flusher, NULL); /* and this one flushes all of it */
    }
    if (a->wal_fd >= 0) {
        close(a->wal_fd); /* no POSIX lock of SQLite's is on the WAL file (they are on the
                             database and -shm files), so closing this descriptor drops none */
    }
    cl_sqlite_pool_free(a->pool);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    pthread_cond_destroy(&a->to_flush);
    free(a->wal_path);
    free(a);
}

void cl_audit_stats(cl_audit_stats_t *out, cl_audit_t *a)
{
    pthread_mutex_lock(&a->lock);
    *out = a->stats;
    pthread_mutex_unlock(&a->lock);
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

static int insert(cl_sqlite_t *db, const char *const vals[9], cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(
        &st, db,
        "INSERT INTO audit_log(ts, event, outcome, user_id, role, team, request_id, client, "
        "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        err);
    for (int i = 0; rc == 0 && i < 9; i++) {
        rc = cl_sqlite_bind_text_borrowed(st, i + 1, vals[i], err); /* they outlive the step */
    }
    return rc ? rc : cl_sqlite_run(st, err);
}

/* A queued copy of EV — ts now, outcome defaulted, detail as JSON text — in one allocation (a
 * cached view makes one record, so this is on every request's path). NULL when out of memory. */
static queued_t *make_queued(const cl_audit_event_t *ev)
{
    char ts[32], small[2048], *big = NULL;
    utc_now(ts);
    const char *detail = "{}";
    if (ev->detail) {
        size_t n = json_dumpb(ev->detail, small, sizeof small - 1, JSON_COMPACT | JSON_SORT_KEYS);
        if (n > 0 && n < sizeof small) {
            small[n] = '\0';
            detail = small;
        } else if (!(detail = big = json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS))) {
            return NULL;
        }
    }
    const char *src[9] = {ts,
                          ev->event,
                          ev->outcome ? ev->outcome : "ok",
                          ev->user_id,
                          ev->role,
                          ev->team,
                          ev->request_id,
                          ev->client,
                          detail};
    size_t len[9], total = 0;
    for (int i = 0; i < 9; i++) {
        len[i] = src[i] ? strlen(src[i]) + 1 : 0;
        total += len[i];
    }
    queued_t *q = calloc(1, sizeof *q + total);
    if (q) {
        char *at = q->text;
        for (int i = 0; i < 9; i++) {
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

static void *writer_main(void *arg)
{
    cl_audit_t *a = arg;
    pthread_setname_np(pthread_self(), "audit-writer"); /* for top and perf */
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->queue.head && !a->stop) {
            pthread_cond_wait(&a->cond, &a->lock);
        }
        if (!a->queue.head) {
            break;
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
static void *flusher_main(void *arg)
{
    cl_audit_t *a = arg;
    pthread_setname_np(pthread_self(), "audit-flusher");
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (a->flushed == a->committed && !a->writer_done) {
            pthread_cond_wait(&a->to_flush, &a->lock);
        }
        if (a->flushed == a->committed) {
            break; /* the writer is done and everything it committed is on disk */
        }
        pace(a);
        uint64_t upto = a->committed;
        clock_gettime(CLOCK_MONOTONIC, &a->flush_started);
        pthread_mutex_unlock(&a->lock);
        int rc = flush_wal(a);
        pthread_mutex_lock(&a->lock);
        a->flushed = upto;
        a->stats.flushes++;
        a->stats.flush_failures += rc != 0;
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
    a->started = 1;
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
