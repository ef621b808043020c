/* The audit log's two durabilities, through the flusher: a WRITTEN record (report_view) is told as
 * soon as its batch is committed — readable by any other connection, while no flush has ended —,
 * a FLUSHED one (login, denied, …) only after a flush that began after its commit; a failed flush
 * fails the FLUSHED records waiting on it and nothing else; close flushes everything. The flush
 * itself (fdatasync) is replaced through audit.c's test seam, so the test can hold it or fail it;
 * this file includes audit.c for that. */
#define _GNU_SOURCE /* audit.c, included below, names its threads */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../../src/store/audit.c"
#include "store/sqlite.h"
#include "../support/tmpdir.h"

static char dir[256], path[320];

/* The fake flush: blocks while HOLD is set, fails while FAIL is set; counts the calls that began.
 */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int hold, fail, began, real;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int fake_sync(int fd)
{
    pthread_mutex_lock(&fake.lock);
    fake.began++;
    pthread_cond_broadcast(&fake.cond);
    while (fake.hold) {
        pthread_cond_wait(&fake.cond, &fake.lock);
    }
    int fail = fake.fail;
    pthread_mutex_unlock(&fake.lock);
    if (fail) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

static void fake_set(int hold, int fail)
{
    pthread_mutex_lock(&fake.lock);
    fake.hold = hold;
    fake.fail = fail;
    pthread_cond_broadcast(&fake.cond);
    pthread_mutex_unlock(&fake.lock);
}

/* Wait (up to 30 s: a hang guard, not a timing) until at least N flushes have begun. */
static void fake_wait_began(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&fake.lock);
    while (fake.began < n) {
        if (pthread_cond_timedwait(&fake.cond, &fake.lock, &until) != 0) {
            break;
        }
    }
    int began = fake.began;
    pthread_mutex_unlock(&fake.lock);
    assert_true(began >= n);
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done, rc;
} told_t;

#define TOLD_INIT                                                                                  \
    {                                                                                              \
        .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .rc = 1               \
    }

static void on_told(void *payload, int rc)
{
    told_t *t = payload;
    pthread_mutex_lock(&t->lock);
    t->done++;
    t->rc = rc;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

/* Wait (hang guard as above) until T was told; returns its rc. */
static int wait_told(told_t *t)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&t->lock);
    while (!t->done) {
        if (pthread_cond_timedwait(&t->cond, &t->lock, &until) != 0) {
            break;
        }
    }
    int done = t->done, rc = t->rc;
    pthread_mutex_unlock(&t->lock);
    assert_int_equal(done, 1);
    return rc;
}

static int told(told_t *t)
{
    pthread_mutex_lock(&t->lock);
    int done = t->done;
    pthread_mutex_unlock(&t->lock);
    return done;
}

/* Records of REQUEST_ID as another connection (another process would be the same) sees them. */
static int64_t rows_of(const char *request_id)
{
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    assert_int_equal(cl_sqlite_open(&db, path, NULL, &err), 0);
    assert_int_equal(
        cl_sqlite_prepare(&st, db, "SELECT count(*) FROM audit_log WHERE request_id = ?1", &err),
        0);
    assert_int_equal(cl_sqlite_bind_text(st, 1, request_id, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    int64_t n = cl_sqlite_column_int64(st, 0);
    cl_sqlite_reset(st);
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    return n;
}

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/audit.db", dir);
    sync_wal = fake_sync;
    fake_set(0, 0);
    fake.began = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sync_wal = fdatasync;
    tmpdir_remove(dir);
    return 0;
}

static void test_audit_flush__a_view_is_told_when_written_a_login_when_flushed(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    /* a first record, so that the flusher is in a flush that the test holds */
    fake_set(1, 0);
    told_t first = TOLD_INIT;
    cl_audit_event_t ev0 = {
        .event = "report_view", .request_id = "r0", .durability = CL_AUDIT_WRITTEN};
    assert_int_equal(cl_audit_append_async(a, &ev0, on_told, &first, &err), 0);
    assert_int_equal(wait_told(&first), 0);
    fake_wait_began(1);

    told_t view = TOLD_INIT, login = TOLD_INIT;
    cl_audit_event_t ev1 = {.event = "login", .request_id = "r1"}; /* FLUSHED: the default */
    cl_audit_event_t ev2 = {
        .event = "report_view", .request_id = "r2", .durability = CL_AUDIT_WRITTEN};
    assert_int_equal(cl_audit_append_async(a, &ev1, on_told, &login, &err), 0);
    assert_int_equal(cl_audit_append_async(a, &ev2, on_told, &view, &err), 0);
    assert_int_equal(wait_told(&view), 0); /* committed, while the flush is held */
    assert_int_equal(rows_of("r2"), 1);    /* and in the file for any reader */
    assert_int_equal(rows_of("r1"), 1);    /* the login is committed too … */
    assert_int_equal(told(&login), 0);     /* … but not told: no flush began after it */
    cl_audit_stats_t st;
    cl_audit_stats(&st, a);
    assert_int_equal(st.flushes, 0);

    fake_set(0, 0); /* the held flush ends; it began before the login's commit, so a second one */
    assert_int_equal(wait_told(&login), 0);
    cl_audit_stats(&st, a);
    assert_true(st.flushes >= 2);
    assert_int_equal(st.flush_failures, 0);
    cl_audit_close(a);
}

static void test_audit_flush__a_failed_flush_fails_the_flushed_records_only(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    fake_set(0, 1);
    told_t view = TOLD_INIT, denied = TOLD_INIT;
    cl_audit_event_t ev1 = {
        .event = "report_view", .request_id = "v", .durability = CL_AUDIT_WRITTEN};
    cl_audit_event_t ev2 = {.event = "denied", .outcome = "denied", .request_id = "d"};
    assert_int_equal(cl_audit_append_async(a, &ev1, on_told, &view, &err), 0);
    assert_int_equal(cl_audit_append_async(a, &ev2, on_told, &denied, &err), 0);
    assert_int_equal(wait_told(&view), 0);
    assert_int_equal(wait_told(&denied), CL_EIO); /* the reply held for it becomes a 503 */
    cl_audit_stats_t st;
    cl_audit_stats(&st, a);
    assert_true(st.flush_failures >= 1);
    /* the synchronous append says so too */
    cl_audit_event_t ev3 = {.event = "logout", .request_id = "l"};
    assert_int_equal(cl_audit_append(a, &ev3, &err), CL_EIO);
    fake_set(0, 0);
    assert_int_equal(cl_audit_append(a, &ev3, &err), 0);
    cl_audit_close(a);
}

static void test_audit_flush__close_writes_and_flushes_everything_queued(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    told_t t[300];
    for (int i = 0; i < 300; i++) {
        t[i] = (told_t)TOLD_INIT;
        char rid[16];
        snprintf(rid, sizeof rid, "q%d", i);
        cl_audit_event_t ev = {.event = i % 3 ? "report_view" : "feedback",
                               .request_id = rid,
                               .durability = i % 3 ? CL_AUDIT_WRITTEN : CL_AUDIT_FLUSHED};
        assert_int_equal(cl_audit_append_async(a, &ev, on_told, &t[i], &err), 0);
    }
    cl_audit_close(a); /* returns after the writer and the flusher are done */
    for (int i = 0; i < 300; i++) {
        assert_int_equal(t[i].done, 1);
        assert_int_equal(t[i].rc, 0);
    }
    assert_int_equal(rows_of("q0"), 1);
    assert_int_equal(rows_of("q299"), 1);
    assert_true(fake.began >= 1); /* the last flush came after the last commit */
}

/* While only views wait, the flusher paces its flushes; a lone view is still flushed with no
 * traffic after it, and a login committed during the paced wait is flushed and told. */
static void test_audit_flush__a_lone_view_is_flushed_and_a_login_cuts_the_pace_short(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    told_t v1 = TOLD_INIT, v2 = TOLD_INIT, login = TOLD_INIT;
    cl_audit_event_t ev1 = {
        .event = "report_view", .request_id = "v1", .durability = CL_AUDIT_WRITTEN};
    assert_int_equal(cl_audit_append_async(a, &ev1, on_told, &v1, &err), 0);
    assert_int_equal(wait_told(&v1), 0);
    fake_wait_began(1); /* the first flush: nothing flushed before, so no wait */
    cl_audit_event_t ev2 = {
        .event = "report_view", .request_id = "v2", .durability = CL_AUDIT_WRITTEN};
    assert_int_equal(cl_audit_append_async(a, &ev2, on_told, &v2, &err), 0);
    assert_int_equal(wait_told(&v2), 0);
    fake_wait_began(2); /* nothing else comes: the paced wait ends by itself */

    cl_audit_event_t ev3 = {.event = "login", .request_id = "l1"};
    assert_int_equal(cl_audit_append_async(a, &ev3, on_told, &login, &err), 0);
    assert_int_equal(wait_told(&login), 0);
    cl_audit_stats_t st;
    cl_audit_stats(&st, a);
    assert_true(st.flushes >= 3);
    assert_int_equal(st.flush_failures, 0);
    cl_audit_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_audit_flush__a_view_is_told_when_written_a_login_when_flushed, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_audit_flush__a_failed_flush_fails_the_flushed_records_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_audit_flush__close_writes_and_flushes_everything_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_audit_flush__a_lone_view_is_flushed_and_a_login_cuts_the_pace_short, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
