/* Runner, engine and snapshot: a failed check publishes nothing, a published snapshot carries a
 * true manifest, re-runs are idempotent, late sources are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <jansson.h>

#include "etl/runner.h"
#include "../support/source_fixture.h"
#include "../support/tmpdir.h"

typedef struct {
    char dir[256];
    char source[512];
    char warehouse[512];
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    tmpdir_make(f->dir);
    snprintf(f->source, sizeof f->source, "%s/source", f->dir);
    snprintf(f->warehouse, sizeof f->warehouse, "%s/warehouse", f->dir);
    fixture_opts_t o = {.last_week = "2026-W47", .weeks = 2};
    if (fixture_make_source(f->source, &o) != 0) {
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    tmpdir_remove(f->dir);
    free(f);
    return 0;
}

#define PIPE_HEAD "name: t\nversion: 7\n" PIPE_HEAD_STEPS
#define PIPE_HEAD_STEPS                                                                            \
    "params:\n  orders_glob: \"{source}/orders/*/*.parquet\"\n"                                    \
    "steps:\n"                                                                                     \
    "  - id: orders_week\n"                                                                        \
    "    description: orders of the window\n"                                                      \
    "    table: orders_week\n"                                                                     \
    "    sql: CREATE TABLE orders_week AS SELECT order_id, week, region FROM "                     \
    "read_parquet($orders_glob, hive_partitioning = true) WHERE week BETWEEN $first_week AND "     \
    "$week\n"
#define PIPE_OUT                                                                                   \
    "outputs:\n  - table: orders_week\n    description: o\n    partition_by: [region]\n"           \
    "    key: [week, order_id]\n"

static cl_pipeline_t *pipeline(const char *text)
{
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    if (cl_pipeline_parse(&p, text, strlen(text), "t.yaml", &err) != 0) {
        fail_msg("%s", err.msg);
    }
    return p;
}

static int run(cl_etl_result_t *res, fx_t *f, const cl_pipeline_t *p, cl_err_t *err)
{
    cl_etl_options_t opt = {
        .pipeline = p,
        .week = "2026-W47",
        .source_dir = f->source,
        .warehouse_dir = f->warehouse,
        .history_weeks = 2,
        .engine = {.threads = 2, .memory_limit = "256MB"},
    };
    cl_err_clear(err);
    return cl_etl_run(res, &opt, err);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        n += e->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static json_t *load_json(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_runner__failing_check_publishes_nothing(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p =
        pipeline(PIPE_HEAD "    checks:\n"
                           "      - id: no_orders_allowed\n"
                           "        description: fails on purpose\n"
                           "        sql: SELECT order_id FROM orders_week\n" PIPE_OUT);
    cl_etl_result_t res;
    cl_err_t err;
    assert_int_equal(run(&res, f, p, &err), CL_EDATA);
    assert_non_null(strstr(err.msg, "step 'orders_week', check 'no_orders_allowed' failed"));
    assert_non_null(strstr(err.msg, "order_id="));
    char path[700];
    snprintf(path, sizeof path, "%s/snapshots", f->warehouse);
    assert_int_equal(count_entries(path), 0);
    snprintf(path, sizeof path, "%s/current", f->warehouse);
    assert_int_equal(count_entries(path), 0);
    snprintf(path, sizeof path, "%s/.tmp", f->warehouse);
    assert_int_equal(count_entries(path), 0);
    json_t *rec = load_json(res.run_record);
    assert_string_equal(json_string_value(json_object_get(rec, "status")), "failed");
    assert_int_equal(json_integer_value(json_object_get(rec, "exit_code")), 4);
    json_decref(rec);
    cl_pipeline_free(p);
}

static void test_runner__partial_check_exits_partial(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p =
        pipeline(PIPE_HEAD "    checks:\n"
                           "      - id: day_missing\n"
                           "        description: pretend a day is missing\n"
                           "        severity: partial\n"
                           "        sql: SELECT $week_end AS missing_day\n" PIPE_OUT);
    cl_etl_result_t res;
    cl_err_t err;
    assert_int_equal(run(&res, f, p, &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "missing_day=2026-11-22"));
    json_t *rec = load_json(res.run_record);
    assert_string_equal(json_string_value(json_object_get(rec, "status")), "partial");
    json_decref(rec);
    cl_pipeline_free(p);
}

static void test_runner__manifest_is_true_and_rerun_is_idempotent(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p = pipeline(PIPE_HEAD "    checks:\n"
                                          "      - id: warn_me\n"
                                          "        description: a recorded warning\n"
                                          "        severity: warn\n"
                                          "        sql: SELECT 1 AS x\n" PIPE_OUT);
    cl_etl_result_t res, again;
    cl_err_t err;
    int rc = run(&res, f, p, &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(res.snapshot.unchanged, 0);
    assert_int_equal(res.checks_warned, 1);
    assert_true(res.snapshot.files >= 3); /* one per region */
    char path[5000];
    snprintf(path, sizeof path, "%s/manifest.json", res.snapshot.dir);
    json_t *m = load_json(path);
    assert_string_equal(json_string_value(json_object_get(m, "snapshot_id")), res.snapshot.id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "complete");
    assert_string_equal(json_string_value(json_object_get(m, "week")), "2026-W47");
    assert_string_equal(json_string_value(json_object_get(m, "first_week")), "2026-W46");
    assert_non_null(json_object_get(m, "created_at"));
    assert_non_null(json_object_get(json_object_get(m, "source"), "watermark"));
    json_t *pipe = json_object_get(m, "pipeline");
    assert_string_equal(json_string_value(json_object_get(pipe, "version")), "7");
    json_t *t = json_object_get(json_object_get(m, "tables"), "orders_week");
    assert_int_equal(json_integer_value(json_object_get(t, "rows")), res.rows);
    assert_true(res.rows > 0);
    size_t i;
    json_t *file;
    json_array_foreach(json_object_get(t, "files"), i, file)
    {
        char sha[65], full[5000];
        snprintf(full, sizeof full, "%s/%s", res.snapshot.dir,
                 json_string_value(json_object_get(file, "path")));
        assert_int_equal(cl_snapshot_sha256_file(sha, full, 0, &err), 0);
        assert_string_equal(sha, json_string_value(json_object_get(file, "sha256")));
    }
    json_t *chk = json_array_get(json_object_get(m, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(chk, "status")), "warn");
    json_decref(m);

    char *current = NULL;
    assert_int_equal(cl_snapshot_resolve(&current, f->warehouse, "2026-W47", &err), 0);
    char *real = realpath(res.snapshot.dir, NULL);
    assert_string_equal(current, real);
    free(current);
    free(real);

    assert_int_equal(run(&again, f, p, &err), 0);
    assert_int_equal(again.snapshot.unchanged, 1);
    assert_string_equal(again.snapshot.id, res.snapshot.id);
    snprintf(path, sizeof path, "%s/snapshots/2026-W47", f->warehouse);
    assert_int_equal(count_entries(path), 1);
    assert_int_equal(cl_snapshot_resolve(&current, f->warehouse, "2026-W40", &err), CL_ENOTFOUND);
    cl_pipeline_free(p);
}

static void test_runner__watermark_rules(void **state)
{
    fx_t *f = *state;
    json_t *missing = NULL;
    cl_err_t err;
    assert_int_equal(cl_etl_check_watermark(NULL, NULL, f->source, "2026-W47", &err), 0);
    assert_int_equal(cl_etl_check_watermark(NULL, NULL, f->source, "2026-W46", &err), 0);
    assert_int_equal(cl_etl_check_watermark(&missing, NULL, f->source, "2026-W48", &err),
                     CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "missing days 2026-11-23, 2026-11-24"));
    assert_int_equal(json_array_size(json_object_get(json_array_get(missing, 0), "missing_days")),
                     7);
    json_decref(missing);
    char path[700];
    snprintf(path, sizeof path, "%s/none", f->dir);
    assert_int_equal(cl_file_mkdirs(path, &err), 0);
    assert_int_equal(cl_etl_check_watermark(NULL, NULL, path, "2026-W47", &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "_watermark.json"));
    tmpdir_write(path, "_watermark.json", "{\"loaded_through\": \"yesterday\"}");
    assert_int_equal(cl_etl_check_watermark(NULL, NULL, path, "2026-W47", &err), CL_EPARTIAL);
    tmpdir_write(path, "_watermark.json", "{\"loaded_through\": \"2026-11-23T00:00:00.000Z\"}");
    assert_int_equal(cl_etl_check_watermark(NULL, NULL, path, "2026-W47", &err), 0);
}

#define PIPE_WATERMARK(instant_sql)                                                                \
    "watermark:\n  description: from the data\n"                                                   \
    "  sql: SELECT 'orders' AS source_table, " instant_sql " AS loaded_through\n"

static json_t *manifest_of(const cl_etl_result_t *res)
{
    char path[5000];
    snprintf(path, sizeof path, "%s/manifest.json", res->snapshot.dir);
    return load_json(path);
}

static void test_runner__watermark_query_decides_without_a_file(void **state)
{
    fx_t *f = *state;
    char path[700];
    snprintf(path, sizeof path, "%s/_watermark.json", f->source);
    assert_int_equal(unlink(path), 0);
    cl_etl_result_t res;
    cl_err_t err;

    /* no file and no query: completeness cannot be proven */
    cl_pipeline_t *p = pipeline(PIPE_HEAD PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "no readable _watermark.json"));
    cl_pipeline_free(p);

    /* a query that covers the week publishes, and the manifest says how it was decided */
    p = pipeline("name: t\nversion: 7\n" PIPE_WATERMARK("$week_end || 'T23:59:59Z'")
                     PIPE_HEAD_STEPS PIPE_OUT);
    int rc = run(&res, f, p, &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    json_t *m = manifest_of(&res);
    json_t *wm = json_object_get(json_object_get(m, "source"), "watermark");
    assert_string_equal(json_string_value(json_object_get(wm, "method")), "query");
    assert_string_equal(json_string_value(json_object_get(wm, "description")), "from the data");
    assert_string_equal(json_string_value(json_object_get(wm, "loaded_through")),
                        "2026-11-22T23:59:59Z");
    json_decref(m);
    cl_pipeline_free(p);

    /* a query a day short refuses the week, names the day, publishes nothing new */
    p = pipeline("name: t\nversion: 8\n" PIPE_WATERMARK("'2026-11-21T23:59:59Z'")
                     PIPE_HEAD_STEPS PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "table orders is loaded only through 2026-11-21T23:59:59Z"));
    assert_non_null(strstr(err.msg, "missing days 2026-11-22"));
    json_t *rec = load_json(res.run_record);
    assert_string_equal(json_string_value(json_object_get(rec, "status")), "partial");
    assert_int_equal(json_array_size(json_object_get(rec, "missing")), 1);
    json_decref(rec);
    snprintf(path, sizeof path, "%s/snapshots/2026-W47", f->warehouse);
    assert_int_equal(count_entries(path), 1);
    cl_pipeline_free(p);

    /* no instant (an empty source) and a query the engine refuses */
    p = pipeline("name: t\nversion: 9\n" PIPE_WATERMARK("NULL") PIPE_HEAD_STEPS PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "watermark query: table orders has no valid loaded_through"));
    cl_pipeline_free(p);
    p = pipeline("name: t\nversion: 9\n" PIPE_WATERMARK("nonsense(") PIPE_HEAD_STEPS PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), CL_EQUERY);
    assert_non_null(strstr(err.msg, "watermark query: "));
    cl_pipeline_free(p);
}

static void test_runner__watermark_rows(void **state)
{
    (void)state;
    json_t *doc = NULL, *missing = NULL;
    cl_err_t err;
    json_t *rows = json_array();
    assert_int_equal(cl_etl_watermark_from_rows(&doc, rows, "d", &err), CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "returned no rows"));
    json_array_append_new(rows, json_pack("{s:s, s:s}", "source_table", "a", "loaded_through",
                                          "2026-11-22T23:59:59Z"));
    json_array_append_new(rows, json_pack("{s:s, s:s}", "source_table", "b", "loaded_through",
                                          "2026-11-20T23:59:59Z"));
    assert_int_equal(cl_etl_watermark_from_rows(&doc, rows, "d", &err), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "loaded_through")),
                        "2026-11-20T23:59:59Z");
    assert_int_equal(cl_etl_watermark_eval(&missing, doc, "watermark query", "2026-W47", &err),
                     CL_EPARTIAL);
    assert_non_null(strstr(err.msg, "table b is loaded only through 2026-11-20T23:59:59Z; "
                                    "missing days 2026-11-21, 2026-11-22"));
    json_decref(missing);
    assert_int_equal(cl_etl_watermark_eval(NULL, doc, "watermark query", "2026-W46", &err), 0);
    assert_int_equal(cl_etl_watermark_eval(NULL, doc, "q", "2026-W99", &err), CL_EINVAL);
    json_decref(doc);
    json_array_append_new(rows, json_pack("{s:n}", "loaded_through"));
    assert_int_equal(cl_etl_watermark_from_rows(&doc, rows, "d", &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "row 3 has no source_table"));
    json_decref(rows);
}

#define PIPE_NULL_SPEND                                                                            \
    "name: t\nversion: 7\n"                                                                        \
    "params:\n  orders_glob: \"{source}/orders/*/*.parquet\"\n"                                    \
    "steps:\n"                                                                                     \
    "  - id: orders_week\n"                                                                        \
    "    description: orders of the window\n"                                                      \
    "    table: orders_week\n"                                                                     \
    "    sql: CREATE TABLE orders_week AS SELECT order_id, week, region, NULL::DECIMAL(18,2) AS "  \
    "spend, NULL::BIGINT AS clicks FROM read_parquet($orders_glob, hive_partitioning = true) "     \
    "WHERE week BETWEEN $first_week AND $week\n" PIPE_OUT

static void test_runner__not_available_is_proven_and_listed(void **state)
{
    fx_t *f = *state;
    cl_etl_result_t res;
    cl_err_t err;
    cl_pipeline_t *p = pipeline(PIPE_NULL_SPEND "    measures: [order_id, spend, clicks]\n"
                                                "    not_available: [spend]\n");
    int rc = run(&res, f, p, &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    json_t *m = manifest_of(&res);
    json_t *t = json_object_get(json_object_get(m, "tables"), "orders_week");
    json_t *na = json_object_get(t, "not_available");
    /* declared, then the measures without a single value */
    assert_int_equal(json_array_size(na), 2);
    assert_string_equal(json_string_value(json_array_get(na, 0)), "spend");
    assert_string_equal(json_string_value(json_array_get(na, 1)), "clicks");
    assert_int_equal(json_array_size(json_object_get(t, "measures")), 3);
    json_decref(m);
    cl_pipeline_free(p);

    /* a value in a column declared not available would be invented: refused, nothing published */
    p = pipeline(PIPE_NULL_SPEND "    not_available: [spend, order_id]\n");
    assert_int_equal(run(&res, f, p, &err), CL_EDATA);
    assert_non_null(strstr(err.msg, "output 'orders_week': column order_id is declared not "
                                    "available but "));
    char path[700];
    snprintf(path, sizeof path, "%s/snapshots/2026-W47", f->warehouse);
    assert_int_equal(count_entries(path), 1);
    cl_pipeline_free(p);

    /* a pipeline that declares nothing lists nothing */
    p = pipeline(PIPE_HEAD PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), 0);
    m = manifest_of(&res);
    t = json_object_get(json_object_get(m, "tables"), "orders_week");
    assert_int_equal(json_array_size(json_object_get(t, "not_available")), 0);
    json_decref(m);
    cl_pipeline_free(p);
}

static void test_runner__required_path_missing_is_refused(void **state)
{
    fx_t *f = *state;
    cl_etl_result_t res;
    cl_err_t err;
    cl_pipeline_t *p =
        pipeline("name: t\nversion: 7\nrequires: [orders, events]\n" PIPE_HEAD_STEPS PIPE_OUT);
    assert_int_equal(run(&res, f, p, &err), CL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "has no events (pipeline t requires it"));
    assert_false(cl_file_exists(f->warehouse)); /* refused before the warehouse is touched */
    cl_pipeline_free(p);
}

static void test_runner__engine_query_and_count_values(void **state)
{
    (void)state;
    cl_etl_engine_t *e = NULL;
    cl_err_t err;
    assert_int_equal(cl_etl_engine_duckdb_open(&e, NULL, &err), 0);
    cl_etl_param_t params[] = {{"week", CL_ETL_PARAM_TEXT, "2026-W47'--", 0}};
    json_t *rows = NULL;
    assert_int_equal(e->ops->query(&rows, e,
                                   "SELECT $week AS w, NULL AS n, range AS i FROM range(5)", params,
                                   1, 2, &err),
                     0);
    assert_int_equal(json_array_size(rows), 2);
    json_t *r0 = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(r0, "w")), "2026-W47'--");
    assert_true(json_is_null(json_object_get(r0, "n")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "i")), "1");
    json_decref(rows);
    assert_int_equal(e->ops->exec(e,
                                  "CREATE TABLE t AS SELECT range AS a, NULL::INT AS b, "
                                  "CASE WHEN range > 2 THEN 1 END AS c FROM range(5)",
                                  NULL, 0, &err),
                     0);
    const char *cols[] = {"a", "b", "c"};
    int64_t counts[3] = {-1, -1, -1};
    assert_int_equal(e->ops->count_values(counts, e, "t", cols, 3, &err), 0);
    assert_int_equal(counts[0], 5);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[2], 2);
    const char *bad[] = {"a\" FROM x; --"};
    assert_int_equal(e->ops->count_values(counts, e, "t", bad, 1, &err), CL_EINVAL);
    cl_etl_engine_close(e);
}

static void test_runner__second_writer_is_refused(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p = pipeline(PIPE_HEAD PIPE_OUT);
    cl_etl_result_t res;
    cl_err_t err;
    int lock = -1;
    assert_int_equal(cl_snapshot_lock(&lock, f->warehouse, &err), 0);
    assert_int_equal(run(&res, f, p, &err), CL_ECONFLICT);
    assert_non_null(strstr(err.msg, "another catlens etl is writing"));
    cl_snapshot_unlock(lock);
    assert_int_equal(run(&res, f, p, &err), 0);
    cl_pipeline_free(p);
}

/* A week loop: every week of the window goes through the loop's steps (here on two sessions,
 * each with its own TEMP table), the checks see all weeks, and the snapshot is the same on one
 * session as on two. */
#define LOOP_PIPE                                                                                  \
    "name: t\nversion: 1\n"                                                                        \
    "params:\n  orders_glob: \"{source}/orders/*/*.parquet\"\n"                                    \
    "steps:\n"                                                                                     \
    "  - id: setup\n    description: the table the weeks append to\n"                              \
    "    sql: CREATE TABLE orders_weekly (week VARCHAR, region VARCHAR, orders BIGINT)\n"          \
    "  - id: weeks\n    description: each week\n    for_each_week: true\n    steps:\n"             \
    "      - id: week_orders\n        description: the week's orders\n"                            \
    "        sql:\n"                                                                               \
    "          - CREATE OR REPLACE TEMP TABLE w AS SELECT order_id, region FROM "                  \
    "read_parquet($orders_glob, hive_partitioning = true) WHERE week = $batch_week\n"              \
    "          - INSERT INTO orders_weekly SELECT $batch_week, region, count(*) FROM w GROUP BY "  \
    "ALL\n"                                                                                        \
    "        table: orders_weekly\n"                                                               \
    "        checks:\n"                                                                            \
    "          - id: every_week\n            description: both weeks are in\n"                     \
    "            sql: SELECT count(DISTINCT week) AS weeks FROM orders_weekly HAVING "             \
    "count(DISTINCT week) <> $history_weeks\n"                                                     \
    "outputs:\n  - table: orders_weekly\n    description: o\n    partition_by: [region]\n"         \
    "    key: [week]\n"

static int run_workers(cl_etl_result_t *res, fx_t *f, const cl_pipeline_t *p, int workers,
                       const char *warehouse, cl_err_t *err)
{
    cl_etl_options_t opt = {
        .pipeline = p,
        .week = "2026-W47",
        .source_dir = f->source,
        .warehouse_dir = warehouse,
        .history_weeks = 2,
        .engine = {.threads = 2, .memory_limit = "256MB"},
        .workers = workers,
    };
    cl_err_clear(err);
    return cl_etl_run(res, &opt, err);
}

static void test_runner__week_loop_builds_every_week(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p = pipeline(LOOP_PIPE);
    cl_etl_result_t one, two;
    cl_err_t err;
    char other[600];
    snprintf(other, sizeof other, "%s/other", f->dir);
    if (run_workers(&one, f, p, 1, f->warehouse, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(one.checks_passed, 1);
    if (run_workers(&two, f, p, 2, other, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    assert_string_equal(one.snapshot.id, two.snapshot.id);
    assert_true(one.rows > 0);
    assert_int_equal(one.rows, two.rows);
    cl_pipeline_free(p);
}

static void test_runner__failing_week_is_named_and_publishes_nothing(void **state)
{
    fx_t *f = *state;
    /* the second statement fails in the last week only */
    cl_pipeline_t *p =
        pipeline("name: t\nversion: 1\nsteps:\n"
                 "  - id: setup\n    description: d\n    sql: CREATE TABLE x (week VARCHAR)\n"
                 "  - id: weeks\n    description: d\n    for_each_week: true\n    steps:\n"
                 "      - id: fragile\n        description: d\n        sql:\n"
                 "          - INSERT INTO x VALUES ($batch_week)\n"
                 "          - SELECT CASE WHEN $batch_week = '2026-W47' THEN error('no data') END\n"
                 "outputs:\n  - table: x\n    description: d\n    key: [week]\n");
    cl_etl_result_t res;
    cl_err_t err;
    for (int workers = 1; workers <= 2; workers++) {
        char wh[600];
        snprintf(wh, sizeof wh, "%s/wh%d", f->dir, workers);
        assert_int_equal(run_workers(&res, f, p, workers, wh, &err), CL_EQUERY);
        assert_non_null(strstr(err.msg, "step 'fragile', week 2026-W47, statement 2: "));
        assert_non_null(strstr(err.msg, "no data"));
        char path[700];
        snprintf(path, sizeof path, "%s/snapshots", wh);
        assert_int_equal(count_entries(path), 0);
    }
    cl_pipeline_free(p);
}

/* A fake engine proves the runner reaches the engine only through the vtable. It refuses every
 * statement but those of a week loop, whose bound weeks it records. */
static char fake_weeks[256];

static int fake_exec(cl_etl_engine_t *e, const char *sql, const cl_etl_param_t *p, size_t n,
                     cl_err_t *err)
{
    (void)e;
    int saw_week = 0;
    for (size_t i = 0; i < n; i++) {
        saw_week |= strcmp(p[i].name, "week") == 0 && strcmp(p[i].text, "2026-W47") == 0;
        if (strcmp(p[i].name, "batch_week") == 0) {
            size_t len = strlen(fake_weeks);
            snprintf(fake_weeks + len, sizeof fake_weeks - len, "%s%s:%s", len ? " " : "", sql,
                     p[i].text);
            return 0;
        }
    }
    return cl_err_set(err, CL_EQUERY, "fake engine refused (week bound: %d)", saw_week);
}

static void fake_close(cl_etl_engine_t *e)
{
    free(e);
}

static const cl_etl_engine_ops_t FAKE = {.name = "fake", .exec = fake_exec, .close = fake_close};

static int fake_open(cl_etl_engine_t **out, const cl_etl_engine_options_t *opt, cl_err_t *err)
{
    (void)opt;
    (void)err;
    *out = calloc(1, sizeof **out);
    (*out)->ops = &FAKE;
    return 0;
}

static void test_runner__engine_is_an_interface(void **state)
{
    fx_t *f = *state;
    cl_pipeline_t *p = pipeline(PIPE_HEAD PIPE_OUT);
    cl_etl_options_t opt = {
        .pipeline = p,
        .week = "2026-W47",
        .source_dir = f->source,
        .warehouse_dir = f->warehouse,
        .history_weeks = 2,
        .open_engine = fake_open,
    };
    cl_etl_result_t res;
    cl_err_t err;
    assert_int_equal(cl_etl_run(&res, &opt, &err), CL_EQUERY);
    assert_non_null(strstr(err.msg, "step 'orders_week': fake engine refused (week bound: 1)"));
    opt.week = "2026-W47'; DROP TABLE x; --";
    assert_int_equal(cl_etl_run(&res, &opt, &err), CL_EINVAL);
    cl_pipeline_free(p);
    /* an engine without sessions builds a loop's weeks one at a time, oldest first, and each
     * week runs the loop's steps in order */
    p = pipeline("name: t\nversion: 1\nsteps:\n"
                 "  - id: weeks\n    description: d\n    for_each_week: true\n    steps:\n"
                 "      - {id: a, description: d, sql: 'SELECT 1, $batch_week'}\n"
                 "      - {id: b, description: d, sql: 'SELECT 2, $batch_week'}\n"
                 "  - {id: after, description: d, sql: SELECT 3}\n"
                 "outputs:\n  - table: x\n    description: d\n    key: [week]\n");
    opt.pipeline = p;
    opt.week = "2026-W47";
    opt.workers = 4;
    fake_weeks[0] = '\0';
    assert_int_equal(cl_etl_run(&res, &opt, &err), CL_EQUERY);
    assert_string_equal(fake_weeks,
                        "SELECT 1, $batch_week:2026-W46 SELECT 2, $batch_week:2026-W46 "
                        "SELECT 1, $batch_week:2026-W47 SELECT 2, $batch_week:2026-W47");
    assert_non_null(strstr(err.msg, "step 'after': fake engine refused"));
    cl_pipeline_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runner__failing_check_publishes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runner__partial_check_exits_partial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__manifest_is_true_and_rerun_is_idempotent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__watermark_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__watermark_query_decides_without_a_file, setup,
                                        teardown),
        cmocka_unit_test(test_runner__watermark_rows),
        cmocka_unit_test_setup_teardown(test_runner__not_available_is_proven_and_listed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runner__required_path_missing_is_refused, setup,
                                        teardown),
        cmocka_unit_test(test_runner__engine_query_and_count_values),
        cmocka_unit_test_setup_teardown(test_runner__second_writer_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__week_loop_builds_every_week, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__failing_week_is_named_and_publishes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner__engine_is_an_interface, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
