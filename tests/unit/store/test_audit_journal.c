/* The audit journal: journaled records reach audit_log exactly once — after a clean close, after a
 * process dies without closing (the next open moves its journal in), with a torn last record (an
 * append cut short by the crash: dropped), across journal rotations — and a journal that a live
 * process holds is left alone. Also the journal file's own rules (store/journal.h). This file
 * includes audit.c to shrink the rotation size. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "../../../src/store/audit.c"
#include "store/journal.h"
#include "store/sqlite.h"
#include "../support/tmpdir.h"

static char dir[256], path[320], prefix[340];

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/audit.db", dir);
    snprintf(prefix, sizeof prefix, "%s.journal", path);
    journal_rotate_bytes = 64u << 20;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(dir);
    return 0;
}

static int journals(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        n += strncmp(e->d_name, "audit.db.journal.", 17) == 0;
    }
    if (d) {
        closedir(d);
    }
    return n;
}

/* Rows of audit.db matching WHERE (the test's own SQL), read through a connection of its own. */
static int64_t rows(const char *where)
{
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    cl_err_t err;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE %s", where);
    assert_int_equal(cl_sqlite_open(&db, path, NULL, &err), 0);
    assert_int_equal(cl_sqlite_prepare(&st, db, sql, &err), 0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    int64_t n = cl_sqlite_column_int64(st, 0);
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    return n;
}

static void append_views(cl_audit_t *a, const char *tag, int n)
{
    cl_err_t err;
    json_t *detail = json_pack("{s:s,s:s}", "category", "toys", "region", "europe");
    for (int i = 0; i < n; i++) {
        char rid[32];
        snprintf(rid, sizeof rid, "%s%d", tag, i);
        cl_audit_event_t ev = {
            .event = "report_view", .request_id = rid, .user_id = "catmgr", .detail = detail};
        assert_int_equal(cl_audit_append_journaled(a, &ev, &err), 0);
    }
    json_decref(detail);
}

static void test_audit_journal__records_reach_the_log_once_and_close_removes_the_journal(void **s)
{
    (void)s;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    assert_int_equal(journals(), 1);
    append_views(a, "v", 500);
    cl_audit_settle(a);
    int64_t n = 0;
    assert_int_equal(cl_audit_count(&n, a, "report_view", &err), 0);
    assert_int_equal(n, 500); /* all of them, right after the settle */
    cl_audit_stats_t st;
    cl_audit_stats(&st, a);
    assert_int_equal(st.journaled, 500);
    cl_audit_close(a);
    assert_int_equal(journals(), 0);
    assert_int_equal(rows("event = 'report_view'"), 500);
    assert_int_equal(rows("request_id = 'v499' AND user_id = 'catmgr' AND outcome = 'ok' AND "
                          "detail = '{\"category\":\"toys\",\"region\":\"europe\"}'"),
                     1);
}

/* A child process appends and dies without closing (SIGKILL): its journal stays, and the next open
 * moves every record in, once, and deletes it. */
static void test_audit_journal__a_killed_process_loses_nothing(void **s)
{
    (void)s;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cl_audit_t *a = NULL;
        cl_err_t err;
        if (cl_audit_open(&a, path, &err) != 0) {
            _exit(2);
        }
        append_views(a, "k", 300);
        cl_audit_settle(a); /* some in audit_log already (offset recorded), then more */
        append_views(a, "m", 200);
        char ok = 'y';
        if (write(pipefd[1], &ok, 1) != 1) {
            _exit(3);
        }
        pause(); /* killed here: no close, no drain */
        _exit(0);
    }
    close(pipefd[1]);
    char c = 0;
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    close(pipefd[0]);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(journals(), 1); /* left behind */

    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    assert_int_equal(journals(), 1); /* the orphan is gone, this process's own is there */
    assert_int_equal(rows("request_id LIKE 'k%'"), 300);
    assert_int_equal(rows("request_id LIKE 'm%'"), 200);
    assert_int_equal(rows("1"), 500); /* nothing twice */
    cl_audit_close(a);
}

/* A crash in the middle of an append leaves a torn last record: dropped, the rest moved in. */
static void test_audit_journal__a_torn_last_record_is_dropped(void **s)
{
    (void)s;
    cl_journal_t *j = NULL;
    cl_err_t err;
    assert_int_equal(cl_journal_create(&j, prefix, &err), 0);
    const char *src[N_FIELDS] = {
        "2026-12-02T00:00:00.000Z", "report_view", "ok", "u", "r", "t", "t1", "127.0.0.1", "{}"};
    char rec[512];
    size_t n = encode_record(rec, sizeof rec, src);
    assert_int_equal(cl_journal_append(j, rec, n, &err), 0);
    src[6] = "t2";
    n = encode_record(rec, sizeof rec, src);
    assert_int_equal(cl_journal_append(j, rec, n, &err), 0);
    /* half of a third frame, as a crash would leave it */
    src[6] = "t3";
    n = encode_record(rec, sizeof rec, src);
    unsigned char head[8] = {(unsigned char)n, (unsigned char)(n >> 8), 0, 0, 1, 2, 3, 4};
    uint64_t end = cl_journal_end(j);
    assert_int_equal(pwrite(cl_journal_fd(j), head, 8, (off_t)end), 8);
    assert_int_equal(pwrite(cl_journal_fd(j), rec, n / 2, (off_t)end + 8), (ssize_t)(n / 2));
    char orphan[400];
    snprintf(orphan, sizeof orphan, "%s", cl_journal_path(j));
    /* "die": drop the lock without removing the file */
    int fd = open(orphan, O_RDONLY);
    cl_journal_close(j, 0);
    assert_true(fd >= 0);

    cl_audit_t *a = NULL;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    assert_int_equal(rows("request_id IN ('t1', 't2')"), 2);
    assert_int_equal(rows("request_id = 't3'"), 0);
    assert_int_not_equal(access(orphan, F_OK), 0); /* deleted */
    cl_audit_close(a);
    close(fd);
}

/* A journal whose writer is alive (it holds the lock) is not touched by another process's open. */
static void test_audit_journal__a_live_journal_is_left_alone(void **s)
{
    (void)s;
    cl_journal_t *j = NULL;
    cl_err_t err;
    assert_int_equal(cl_journal_create(&j, prefix, &err), 0);
    const char *src[N_FIELDS] = {
        "2026-12-02T00:00:00.000Z", "report_view", "ok", NULL, NULL, NULL, "live", NULL, "{}"};
    char rec[512];
    size_t n = encode_record(rec, sizeof rec, src);
    assert_int_equal(cl_journal_append(j, rec, n, &err), 0);
    /* flock locks belong to open file descriptions: a second one in this process stands for
     * another process */
    cl_audit_t *a = NULL;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    assert_int_equal(rows("request_id = 'live'"), 0);
    assert_int_equal(access(cl_journal_path(j), F_OK), 0);
    cl_audit_close(a);
    cl_journal_close(j, 1);
}

/* With a tiny rotation size, many journals come and go while records are appended from several
 * threads; every record is in audit_log once, and only the current journal exists. */
typedef struct {
    cl_audit_t *a;
    char tag[8];
} worker_t;

static void *appender(void *p)
{
    worker_t *w = p;
    append_views(w->a, w->tag, 400);
    return NULL;
}

static void test_audit_journal__rotation_keeps_every_record_once(void **s)
{
    (void)s;
    journal_rotate_bytes = 4096;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    pthread_t t[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i].a = a;
        snprintf(w[i].tag, sizeof w[i].tag, "w%d_", i);
        assert_int_equal(pthread_create(&t[i], NULL, appender, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    cl_audit_settle(a);
    int64_t n = 0;
    assert_int_equal(cl_audit_count(&n, a, "report_view", &err), 0);
    assert_int_equal(n, 1600);
    /* it rotates right after the turn that read past the size (settle may return before) */
    uint64_t epoch = 0;
    for (int i = 0; i < 500 && epoch == 0; i++) {
        pthread_mutex_lock(&a->lock);
        epoch = a->epoch;
        pthread_mutex_unlock(&a->lock);
        if (epoch == 0) {
            usleep(10 * 1000);
        }
    }
    assert_true(epoch >= 1);
    int now = journals(); /* the current one, and the one before while its last turn deletes it */
    assert_true(now >= 1 && now <= 2);
    cl_audit_close(a);
    assert_int_equal(rows("1"), 1600);
    assert_int_equal(rows("request_id = 'w3_399'"), 1);
    assert_int_equal(journals(), 0);
}

static int count_record(void *ctx, const void *rec, size_t len)
{
    (void)rec;
    (void)len;
    (*(int *)ctx)++;
    return 0;
}

/* The file's own rules: a record over the limit is refused and changes nothing; reads stop at a
 * corrupt frame. */
static void test_audit_journal__journal_limits_and_corruption(void **s)
{
    (void)s;
    cl_journal_t *j = NULL;
    cl_err_t err;
    assert_int_equal(cl_journal_create(&j, prefix, &err), 0);
    static char big[CL_JOURNAL_RECORD_MAX + 1];
    assert_int_equal(cl_journal_append(j, big, sizeof big, &err), CL_EINVAL);
    assert_int_equal(cl_journal_end(j), 0);
    assert_int_equal(cl_journal_append(j, "abc", 3, &err), 0);
    assert_int_equal(cl_journal_append(j, "defg", 4, &err), 0);
    assert_int_equal(cl_journal_end(j), 8 + 3 + 8 + 4);
    /* flip a payload byte of the second record: the read stops before it, torn */
    assert_int_equal(pwrite(cl_journal_fd(j), "X", 1, 8 + 3 + 8), 1);
    uint64_t next = 0;
    int torn = 0;
    int count_calls = 0;
    assert_int_equal(cl_journal_read(cl_journal_fd(j), 0, UINT64_MAX, 1 << 20, count_record,
                                     &count_calls, &next, &torn, &err),
                     0);
    assert_int_equal(count_calls, 1);
    assert_int_equal(next, 11);
    assert_int_equal(torn, 1);
    assert_int_equal(cl_journal_sync(j, &err), 0);
    cl_journal_close(j, 1);
    assert_int_equal(journals(), 0);
}

static int count_bytes(void *ctx, const void *rec, size_t len)
{
    (void)rec;
    *(size_t *)ctx += len;
    return 0;
}

/* Every frame's CRC is zlib's CRC-32 of its payload, whichever way the journal computes it (a
 * carry-less-multiplication fold for 64 bytes and more, where the CPU has one): lengths 1 to 1100
 * at every alignment of the source, each read back whole. */
static void test_audit_journal__frames_carry_zlibs_crc(void **s)
{
    (void)s;
    cl_journal_t *j = NULL;
    cl_err_t err;
    assert_int_equal(cl_journal_create(&j, prefix, &err), 0);
    static unsigned char src[1200];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof src; i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (unsigned char)(x >> 16);
    }
    size_t total = 0;
    for (size_t len = 1; len <= 1100; len++) {
        assert_int_equal(cl_journal_append(j, src + len % 16, len, &err), 0);
        total += len;
    }
    int fd = cl_journal_fd(j);
    uint64_t at = 0;
    for (size_t len = 1; len <= 1100; len++) {
        unsigned char head[8], rec[1100];
        assert_int_equal(pread(fd, head, 8, (off_t)at), 8);
        assert_int_equal(pread(fd, rec, len, (off_t)at + 8), (ssize_t)len);
        uint32_t stored = (uint32_t)head[4] | (uint32_t)head[5] << 8 | (uint32_t)head[6] << 16 |
                          (uint32_t)head[7] << 24;
        assert_int_equal(stored, (uint32_t)crc32(crc32(0L, Z_NULL, 0), rec, (uInt)len));
        at += 8 + len;
    }
    size_t read = 0;
    uint64_t next = 0;
    int torn = 1;
    assert_int_equal(
        cl_journal_read(fd, 0, UINT64_MAX, SIZE_MAX, count_bytes, &read, &next, &torn, &err), 0);
    assert_int_equal(read, total);
    assert_int_equal(next, at);
    assert_int_equal(torn, 0);
    cl_journal_close(j, 1);
}

/* Journal N views straight into A's journal, as cl_audit_append_journaled does but without
 * starting the writer: the test thread plays the writer's turns itself. */
static void journal_views(cl_audit_t *a, const char *tag, int n)
{
    for (int i = 0; i < n; i++) {
        char rid[32], rec[512];
        snprintf(rid, sizeof rid, "%s%d", tag, i);
        const char *src[N_FIELDS] = {
            "2026-01-01T00:00:00.000Z", "report_view", "ok", "u", NULL, NULL, rid, NULL, "{}"};
        size_t len = encode_record(rec, sizeof rec, src);
        assert_true(len <= sizeof rec);
        cl_err_t err;
        assert_int_equal(cl_journal_append(a->journal, rec, len, &err), 0);
    }
}

/* The writer's pacing follows the load: a turn that moves JOURNAL_BUSY_RECORDS or more makes the
 * next one wait the busy interval (larger transactions), a turn of fewer the short one again. */
static void test_audit_journal__turns_grow_under_load(void **s)
{
    (void)s;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    assert_int_equal(a->turn_interval_ns, JOURNAL_TURN_INTERVAL_NS);
    journal_views(a, "burst", JOURNAL_BUSY_RECORDS);
    ingest_journal(a); /* one turn, on this thread: the writer is not running */
    assert_int_equal(a->turn_interval_ns, JOURNAL_BUSY_INTERVAL_NS);
    assert_int_equal(rows("request_id LIKE 'burst%'"), JOURNAL_BUSY_RECORDS);
    journal_views(a, "few", JOURNAL_BUSY_RECORDS - 1);
    ingest_journal(a);
    assert_int_equal(a->turn_interval_ns, JOURNAL_TURN_INTERVAL_NS);
    journal_views(a, "tail", 2);
    cl_audit_close(a); /* the rest is moved in at close, and nothing twice */
    assert_int_equal(rows("event = 'report_view'"), 2 * JOURNAL_BUSY_RECORDS + 1);
    assert_int_equal(journals(), 0);
}

/* Polls audit_log (through a connection of its own, no settle) until it holds N views of TAG or
 * two seconds have passed; returns how many it holds. */
static int64_t wait_views(const char *tag, int64_t n)
{
    char where[128];
    snprintf(where, sizeof where, "event = 'report_view' AND request_id LIKE '%s%%'", tag);
    int64_t got = 0;
    for (int i = 0; i < 400 && (got = rows(where)) < n; i++) {
        usleep(5 * 1000);
    }
    return got;
}

/* Under either pacing every journaled record arrives by itself, without a settle: a burst (busy
 * turns), then a few (short turns again). */
static void test_audit_journal__records_arrive_without_a_settle(void **s)
{
    (void)s;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    append_views(a, "burst", 5 * JOURNAL_BUSY_RECORDS);
    assert_int_equal(wait_views("burst", 5 * JOURNAL_BUSY_RECORDS), 5 * JOURNAL_BUSY_RECORDS);
    append_views(a, "few", 3);
    assert_int_equal(wait_views("few", 3), 3);
    cl_audit_close(a);
    assert_int_equal(rows("event = 'report_view'"), 5 * JOURNAL_BUSY_RECORDS + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_audit_journal__records_reach_the_log_once_and_close_removes_the_journal, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__a_killed_process_loses_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__a_torn_last_record_is_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__a_live_journal_is_left_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__rotation_keeps_every_record_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__journal_limits_and_corruption, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__frames_carry_zlibs_crc, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__turns_grow_under_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_journal__records_arrive_without_a_settle, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
