/* The audit log (append-only, group commit, everything queued is written at close) and the report
 * archive (last good report of a category × region × window, feedback). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/archive.h"
#include "store/audit.h"
#include "store/sqlite.h"
#include "../support/tmpdir.h"

static char dir[256], path[320];

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/audit.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(dir);
    return 0;
}

static void test_audit__records_are_appended_and_never_changed(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    json_t *detail =
        json_pack("{s:s,s:s}", "category", "toys", "region", "x'); DROP TABLE audit_log; --");
    cl_audit_event_t ev = {.event = "denied",
                           .outcome = "denied",
                           .user_id = "catmgr",
                           .role = "category_manager",
                           .team = "t",
                           .request_id = "r1",
                           .client = "127.0.0.1",
                           .detail = detail};
    assert_int_equal(cl_audit_append(a, &ev, &err), 0);
    cl_audit_event_t login = {.event = "login"};
    assert_int_equal(cl_audit_append(a, &login, &err), 0);
    json_decref(detail);
    int64_t n = 0;
    assert_int_equal(cl_audit_count(&n, a, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cl_audit_count(&n, a, "denied", &err), 0);
    assert_int_equal(n, 1);

    cl_sqlite_t *db = NULL;
    assert_int_equal(cl_sqlite_open(&db, path, NULL, &err), 0);
    assert_int_equal(cl_sqlite_exec(db, "UPDATE audit_log SET outcome = 'ok'", &err), CL_ECONFLICT);
    assert_non_null(strstr(err.msg, "append-only"));
    assert_int_equal(cl_sqlite_exec(db, "DELETE FROM audit_log", &err), CL_ECONFLICT);
    cl_sqlite_stmt_t *st = NULL;
    assert_int_equal(
        cl_sqlite_prepare(&st, db, "SELECT detail, outcome FROM audit_log WHERE event = 'denied'",
                          &err),
        0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_non_null(strstr(cl_sqlite_column_text(st, 0), "DROP TABLE")); /* stored as data */
    cl_sqlite_reset(st);
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    cl_audit_close(a);
}

typedef struct {
    pthread_mutex_t lock;
    int done, failed;
} tally_t;

static void on_done(void *payload, int rc)
{
    tally_t *t = payload;
    pthread_mutex_lock(&t->lock);
    t->done++;
    t->failed += rc != 0;
    pthread_mutex_unlock(&t->lock);
}

static void test_audit__group_commit_calls_back_once_per_record_and_close_drains(void **state)
{
    (void)state;
    cl_audit_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    tally_t t = {.lock = PTHREAD_MUTEX_INITIALIZER};
    for (int i = 0; i < 1500; i++) {
        char rid[32];
        snprintf(rid, sizeof rid, "req-%d", i);
        cl_audit_event_t ev = {.event = "report_view", .request_id = rid};
        assert_int_equal(cl_audit_append_async(a, &ev, on_done, &t, &err), 0);
    }
    cl_audit_close(a); /* waits for the writer: everything queued is written */
    assert_int_equal(t.done, 1500);
    assert_int_equal(t.failed, 0);
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    int64_t n = 0;
    assert_int_equal(cl_audit_count(&n, a, "report_view", &err), 0);
    assert_int_equal(n, 1500);
    cl_audit_close(a);
}

static void test_archive__latest_good_report_and_feedback(void **state)
{
    (void)state;
    char p[320];
    snprintf(p, sizeof p, "%s/app.db", dir);
    cl_archive_t *a = NULL;
    cl_err_t err;
    assert_int_equal(cl_archive_open(&a, p, &err), 0);
    cl_archived_t got;
    cl_archive_key_t k46 = {"toys", "europe", "WoW", "2026-W46", "2026-W46.aaa", NULL};
    cl_archive_key_t k47 = {"toys", "europe", "WoW", "2026-W47", "2026-W47.bbb", NULL};
    cl_archive_key_t other = {"toys", "asia", "WoW", "2026-W47", "2026-W47.bbb", NULL};
    assert_int_equal(cl_archive_latest(&got, a, &k47, &err), CL_ENOTFOUND);
    assert_int_equal(cl_archive_put(a, &k46, "\x1f\x8b-46", 5, 0, &err), 0);
    assert_int_equal(cl_archive_put(a, &other, "\x1f\x8b-as", 5, 0, &err), 0);
    assert_int_equal(cl_archive_latest(&got, a, &k47, &err),
                     0); /* W47 missing: the latest earlier week */
    assert_string_equal(got.week, "2026-W46");
    assert_string_equal(got.snapshot, "2026-W46.aaa");
    assert_memory_equal(got.gz, "\x1f\x8b-46", 5);
    free(got.gz);
    assert_int_equal(cl_archive_put(a, &k47, "\x1f\x8b-47", 5, 0, &err), 0);
    assert_int_equal(cl_archive_latest(&got, a, &k47, &err), 0);
    assert_string_equal(got.week, "2026-W47");
    assert_memory_equal(got.gz, "\x1f\x8b-47", 5);
    free(got.gz);
    assert_int_equal(cl_archive_put(a, &k47, "\x1f\x8b-48", 5, 1, &err),
                     0);                                      /* a rebuild replaces it */
    assert_int_equal(cl_archive_get(&got, a, &k47, &err), 0); /* exactly this snapshot's */
    assert_memory_equal(got.gz, "\x1f\x8b-48", 5);
    assert_int_equal(got.summarised, 1);
    free(got.gz);
    /* a report made by another engine version is not this one's: built again, still a fallback */
    cl_archive_key_t k47e = {"toys", "europe", "WoW", "2026-W47", "2026-W47.bbb", "engine-2"};
    assert_int_equal(cl_archive_get(&got, a, &k47e, &err), CL_ENOTFOUND);
    assert_int_equal(cl_archive_latest(&got, a, &k47e, &err), 0);
    assert_memory_equal(got.gz, "\x1f\x8b-48", 5);
    free(got.gz);
    assert_int_equal(cl_archive_put(a, &k47e, "\x1f\x8b-e2", 5, 1, &err), 0);
    assert_int_equal(cl_archive_get(&got, a, &k47e, &err), 0);
    assert_memory_equal(got.gz, "\x1f\x8b-e2", 5);
    free(got.gz);
    assert_int_equal(cl_archive_get(&got, a, &k47, &err), CL_ENOTFOUND); /* replaced */
    cl_archive_key_t k47b = {"toys", "europe", "WoW", "2026-W47", "2026-W47.ccc", NULL};
    assert_int_equal(cl_archive_get(&got, a, &k47b, &err), CL_ENOTFOUND); /* another snapshot */
    cl_archive_key_t k45 = {"toys", "europe", "WoW", "2026-W45", NULL, NULL};
    assert_int_equal(cl_archive_latest(&got, a, &k45, &err), CL_ENOTFOUND); /* never a later week */
    cl_archive_key_t mom = {"toys", "europe", "MoM", "2026-W47", NULL, NULL};
    assert_int_equal(cl_archive_latest(&got, a, &mom, &err),
                     CL_ENOTFOUND); /* never another window */

    cl_feedback_t f = {.user_id = "u",
                       .category = "toys",
                       .region = "europe",
                       .window = "WoW",
                       .week = "2026-W47",
                       .target = "finding",
                       .finding_id = "f-1",
                       .rating = "useful",
                       .comment = "'); --"};
    int64_t id = 0;
    assert_int_equal(cl_archive_feedback(&id, a, &f, &err), 0);
    assert_true(id > 0);
    f.rating = "meh";
    assert_int_equal(cl_archive_feedback(&id, a, &f, &err),
                     CL_ECONFLICT); /* the schema checks too */
    int64_t reports = 0, feedback = 0;
    assert_int_equal(cl_archive_counts(&reports, &feedback, a, &err), 0);
    assert_int_equal(reports, 3);
    assert_int_equal(feedback, 1);
    cl_archive_close(a);
}

/* The index by kind and time holds the security records only: a log made before it (schema
 * version 2, the index of every record) is migrated at open, its rows kept; the views that
 * follow are not in the index, the security records are, and a query that says so uses it. */
static void test_audit__only_security_records_are_indexed(void **state)
{
    (void)state;
    static const cl_sqlite_migration_t before[] = {
        {"audit", 1,
         "CREATE TABLE audit_log ("
         " id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, event TEXT NOT NULL,"
         " outcome TEXT NOT NULL, user_id TEXT, role TEXT, team TEXT, request_id TEXT,"
         " client TEXT, detail TEXT NOT NULL);"
         "CREATE INDEX audit_log_event ON audit_log(event, ts);"
         "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
         " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
         "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
         " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"},
        {"audit", 2,
         "CREATE TABLE audit_journal (name TEXT PRIMARY KEY, offset INTEGER NOT NULL);"},
    };
    cl_err_t err;
    cl_sqlite_t *db = NULL;
    cl_sqlite_options_t opt = {.migrations = before, .n_migrations = 2};
    assert_int_equal(cl_sqlite_open(&db, path, &opt, &err), 0);
    assert_int_equal(cl_sqlite_exec(db,
                                    "INSERT INTO audit_log(ts, event, outcome, detail) VALUES"
                                    " ('2026-01-01T00:00:00.000Z', 'login', 'ok', '{}'),"
                                    " ('2026-01-01T00:00:01.000Z', 'report_view', 'ok', '{}')",
                                    &err),
                     0);
    cl_sqlite_close(db);
    db = NULL;

    cl_audit_t *a = NULL;
    assert_int_equal(cl_audit_open(&a, path, &err), 0);
    cl_audit_event_t denied = {.event = "denied", .outcome = "denied", .user_id = "u"};
    assert_int_equal(cl_audit_append(a, &denied, &err), 0);
    for (int i = 0; i < 40; i++) {
        cl_audit_event_t view = {.event = "report_view", .user_id = "u"};
        assert_int_equal(cl_audit_append_journaled(a, &view, &err), 0);
    }
    cl_audit_settle(a);
    int64_t n = 0;
    assert_int_equal(cl_audit_count(&n, a, NULL, &err), 0);
    assert_int_equal(n, 2 + 1 + 40);

    assert_int_equal(cl_sqlite_open(&db, path, NULL, &err), 0);
    cl_sqlite_stmt_t *st = NULL;
    assert_int_equal(cl_sqlite_prepare(&st, db,
                                       "SELECT group_concat(name, ',') FROM (SELECT name FROM"
                                       " sqlite_master WHERE type = 'index' AND tbl_name ="
                                       " 'audit_log' ORDER BY name)",
                                       &err),
                     0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_string_equal(cl_sqlite_column_text(st, 0), "audit_log_security");
    cl_sqlite_stmt_free(st);
    st = NULL;
    /* the index's entries: the security records, old and new */
    assert_int_equal(cl_sqlite_prepare(&st, db,
                                       "SELECT group_concat(event, ',') FROM (SELECT event FROM"
                                       " audit_log INDEXED BY audit_log_security"
                                       " WHERE event <> 'report_view' ORDER BY event, ts)",
                                       &err),
                     0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_string_equal(cl_sqlite_column_text(st, 0), "denied,login");
    cl_sqlite_stmt_free(st);
    st = NULL;
    assert_int_equal(cl_sqlite_prepare(&st, db,
                                       "EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE"
                                       " event = 'denied' AND event <> 'report_view'"
                                       " AND ts >= '2026'",
                                       &err),
                     0);
    assert_int_equal(cl_sqlite_step(st, &err), CL_SQLITE_ROW);
    assert_non_null(strstr(cl_sqlite_column_text(st, 3), "USING INDEX audit_log_security"));
    cl_sqlite_stmt_free(st);
    cl_sqlite_close(db);
    cl_audit_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit__records_are_appended_and_never_changed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_audit__group_commit_calls_back_once_per_record_and_close_drains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__only_security_records_are_indexed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_archive__latest_good_report_and_feedback, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
