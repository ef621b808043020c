/* Report assembly over a snapshot the real ETL published from the test fixture: the document has
 * the contract's shape, its numbers equal independent queries over the snapshot's Parquet, its
 * breakdowns add up, it is byte-identical across contexts, missing measures are not invented, and
 * bad requests are refused with the right code and a clear message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "etl/pipeline.h"
#include "etl/runner.h"
#include "etl/snapshot.h"
#include "report/report.h"
#include "../support/source_fixture.h"
#include "../support/tmpdir.h"

typedef struct {
    char dir[256], source[512], warehouse[512];
    char *snap;
    cl_catalog_t *cat;
    cl_db_t *db;
    cl_report_ctx_t *ctx;
} fx_t;

static fx_t fx;
static const cl_week_t WEEK = {2026, 47};

static int setup(void **state)
{
    (void)state;
    cl_err_t err;
    tmpdir_make(fx.dir);
    snprintf(fx.source, sizeof fx.source, "%s/source", fx.dir);
    snprintf(fx.warehouse, sizeof fx.warehouse, "%s/warehouse", fx.dir);
    fixture_opts_t o = {.last_week = "2026-W47", .weeks = 60};
    cl_pipeline_t *p = NULL;
    if (fixture_make_source(fx.source, &o) != 0 ||
        cl_pipeline_load(&p, "config/pipeline/demo.yaml", &err) != 0) {
        return -1;
    }
    cl_etl_options_t opt = {.pipeline = p,
                            .week = "2026-W47",
                            .source_dir = fx.source,
                            .warehouse_dir = fx.warehouse,
                            .history_weeks = 60,
                            .engine = {.threads = 2, .memory_limit = "1GB"}};
    cl_etl_result_t res;
    int rc = cl_etl_run(&res, &opt, &err);
    cl_pipeline_free(p);
    if (rc != 0) {
        fprintf(stderr, "etl: %s\n", err.msg);
        return -1;
    }
    cl_db_options_t dbo = {.threads = 2};
    rc = cl_snapshot_resolve(&fx.snap, fx.warehouse, "2026-W47", &err);
    rc = rc ? rc : cl_catalog_load(&fx.cat, "config/metrics.yaml", &err);
    rc = rc ? rc : cl_db_open(&fx.db, NULL, &dbo, &err);
    rc = rc ? rc : cl_report_ctx_open(&fx.ctx, fx.db, fx.cat, &err);
    if (rc != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
    }
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    cl_report_ctx_close(fx.ctx);
    cl_db_close(fx.db);
    cl_catalog_free(fx.cat);
    free(fx.snap);
    tmpdir_remove(fx.dir);
    return 0;
}

/* cp -r SRC DST (files and folders; copies are writable) */
static void copy_tree(const char *src, const char *dst)
{
    assert_int_equal(mkdir(dst, 0755), 0);
    DIR *d = opendir(src);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char from[2048], to[2048];
        snprintf(from, sizeof from, "%s/%s", src, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
        struct stat st;
        assert_int_equal(stat(from, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            copy_tree(from, to);
            continue;
        }
        FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
        assert_non_null(in);
        assert_non_null(out);
        char buf[65536];
        for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;) {
            assert_int_equal(fwrite(buf, 1, n, out), n);
        }
        fclose(in);
        fclose(out);
    }
    closedir(d);
}

static json_t *build(cl_report_ctx_t *ctx, const char *snap, const char *category,
                     const char *region, cl_window_t win)
{
    cl_report_request_t req = {category, region, win, WEEK, "2026-11-24T10:00:00Z"};
    json_t *doc = NULL;
    cl_err_t err;
    if (cl_report_build(&doc, ctx, snap, &req, &err) != 0) {
        fail_msg("build: %s", err.msg);
    }
    return doc;
}

/* One number from the snapshot, computed by DuckDB directly. */
static double query(const char *table, const char *expr, const char *where)
{
    char lit[1200], sql[2400];
    cl_err_t err;
    char glob[1100];
    snprintf(glob, sizeof glob, "%s/%s/*/*/*.parquet", fx.snap, table);
    assert_int_equal(cl_db_quote_literal(lit, sizeof lit, glob, &err), 0);
    snprintf(sql, sizeof sql,
             "SELECT (%s)::DOUBLE FROM read_parquet(%s, hive_partitioning = true) WHERE %s", expr,
             lit, where);
    cl_db_result_t *r = NULL;
    if (cl_db_query(&r, fx.db, sql, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    double v = cl_db_result_double(r, 0, 0);
    cl_db_result_free(r);
    return v;
}

static json_t *tile(json_t *doc, const char *metric)
{
    const char *lists[2] = {"kpis", "derived"};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(doc, lists[l]), i, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "metric")), metric) == 0) {
                return t;
            }
        }
    }
    fail_msg("no tile %s", metric);
    return NULL;
}

static double getn(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        fail_msg("%s is not a number", key);
    }
    return json_number_value(v);
}

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1 + fabs(b)))

static void test_report__shape_and_meta(void **state)
{
    (void)state;
    json_t *doc = build(fx.ctx, fx.snap, "electronics", "north_america", CL_WINDOW_WOW);
    assert_string_equal(json_string_value(json_object_get(doc, "window")), "WoW");
    assert_string_equal(json_string_value(json_object_get(doc, "week")), "2026-W47");
    json_t *periods = json_object_get(doc, "periods");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(periods, "previous"), "first")),
        "2026-W46");
    size_t additive = 0;
    for (size_t i = 0; i < cl_catalog_count(fx.cat); i++) {
        additive += cl_catalog_at(fx.cat, i)->kind == CL_METRIC_ADDITIVE;
    }
    assert_int_equal(json_array_size(json_object_get(doc, "kpis")), additive);
    assert_int_equal(json_array_size(json_object_get(doc, "derived")),
                     cl_catalog_count(fx.cat) - additive);
    assert_int_equal(json_array_size(json_object_get(doc, "metrics")), cl_catalog_count(fx.cat));
    assert_true(json_is_null(json_object_get(doc, "summary")));
    assert_true(json_is_array(json_object_get(doc, "findings")));
    json_t *meta = json_object_get(doc, "meta");
    assert_string_equal(json_string_value(json_object_get(meta, "generated_at")),
                        "2026-11-24T10:00:00Z");
    assert_string_equal(json_string_value(json_object_get(meta, "engine_version")),
                        CL_INSIGHTS_VERSION);
    const char *id = json_string_value(json_object_get(meta, "snapshot"));
    assert_non_null(strstr(fx.snap, id));
    json_t *spark = json_object_get(tile(doc, "revenue"), "sparkline");
    assert_int_equal(json_array_size(spark), 13);
    assert_string_equal(json_string_value(json_object_get(json_array_get(spark, 12), "week")),
                        "2026-W47");
    json_decref(doc);
}

static void test_report__numbers_equal_the_snapshot(void **state)
{
    (void)state;
    json_t *doc = build(fx.ctx, fx.snap, "electronics", "north_america", CL_WINDOW_WOW);
    const char *cur =
        "region = 'north_america' AND category_l1 = 'electronics' AND week = '2026-W47'";
    const char *prev =
        "region = 'north_america' AND category_l1 = 'electronics' AND week = '2026-W46'";
    json_t *rev = tile(doc, "revenue");
    CLOSE(getn(rev, "current"), query("sales_cube", "sum(revenue)", cur));
    CLOSE(getn(rev, "previous"), query("sales_cube", "sum(revenue)", prev));
    CLOSE(getn(rev, "change"), getn(rev, "current") - getn(rev, "previous"));
    json_t *cr = tile(doc, "conversion_rate");
    CLOSE(getn(cr, "current"), 100 * query("sales_cube", "sum(orders) / sum(visits)", cur));
    assert_string_equal(json_string_value(json_object_get(cr, "change_unit")), "pp");
    json_t *spend = tile(doc, "spend");
    CLOSE(getn(spend, "current"), query("marketing_cube", "sum(spend)", cur));
    json_t *roas = tile(doc, "roas");
    CLOSE(getn(roas, "current"),
          query("marketing_cube",
                "sum(CASE WHEN spend > 0 THEN attributed_revenue ELSE 0 END) / sum(spend)", cur));
    json_t *util = tile(doc, "budget_utilisation");
    CLOSE(getn(util, "current"), 100 * query("marketing_cube", "sum(spend)", cur) /
                                     query("budget", "sum(marketing_budget)", cur));
    json_decref(doc);

    /* QoQ sums 13 weeks; region all sums every region */
    doc = build(fx.ctx, fx.snap, "books", "all", CL_WINDOW_QOQ);
    CLOSE(getn(tile(doc, "orders"), "current"),
          query("sales_cube", "sum(orders)",
                "category_l1 = 'books' AND week BETWEEN '2026-W35' AND '2026-W47'"));
    CLOSE(getn(tile(doc, "visits"), "previous"),
          query("sales_cube", "sum(visits)",
                "category_l1 = 'books' AND week BETWEEN '2026-W22' AND '2026-W34'"));
    json_decref(doc);
}

/* Every breakdown's contributions (rows and other) add up to its total change, which is the tile's.
 */
static void test_report__breakdowns_add_up(void **state)
{
    (void)state;
    for (int win = 0; win < CL_WINDOW_COUNT; win++) {
        json_t *doc = build(fx.ctx, fx.snap, "electronics", "all", (cl_window_t)win);
        size_t i, j, n = 0;
        json_t *b, *row;
        json_array_foreach(json_object_get(doc, "breakdowns"), i, b)
        {
            double sum = 0;
            json_array_foreach(json_object_get(b, "rows"), j, row)
            {
                sum += getn(row, "contribution");
            }
            json_t *other = json_object_get(b, "other");
            sum += json_is_null(other) ? 0 : getn(other, "contribution");
            json_t *total = json_object_get(b, "total");
            double change = getn(total, "change");
            assert_true(fabs(sum - change) <= 1e-9 * (1 + fabs(getn(total, "previous"))));
            const char *metric = json_string_value(json_object_get(b, "metric"));
            CLOSE(change, getn(tile(doc, metric), "change"));
            n++;
        }
        assert_true(n > 20);
        json_t *split = json_object_get(json_object_get(doc, "decompositions"), "revenue_split");
        assert_true(json_is_true(json_object_get(split, "available")));
        CLOSE(getn(split, "traffic_effect") + getn(split, "conversion_effect") +
                  getn(split, "basket_effect"),
              getn(split, "change"));
        json_decref(doc);
    }
}

static char *dump_build(const char *snap, const char *category, const char *region, cl_window_t w)
{
    cl_report_ctx_t *ctx = NULL;
    cl_err_t err;
    assert_int_equal(cl_report_ctx_open(&ctx, fx.db, fx.cat, &err), 0);
    json_t *doc = build(ctx, snap, category, region, w);
    char *s = json_dumps(doc, CL_REPORT_JSON_FLAGS);
    json_decref(doc);
    cl_report_ctx_close(ctx);
    return s;
}

static void test_report__byte_identical_and_any_path(void **state)
{
    (void)state;
    char *a = dump_build(fx.snap, "toys", "europe", CL_WINDOW_MOM);
    char *b = dump_build(fx.snap, "toys", "europe", CL_WINDOW_MOM);
    assert_string_equal(a, b);
    /* a copy of the snapshot under a path with quotes gives the same document: paths are bound */
    char copy[700];
    snprintf(copy, sizeof copy, "%s/it's \"a\" copy", fx.dir);
    copy_tree(fx.snap, copy);
    char *c = dump_build(copy, "toys", "europe", CL_WINDOW_MOM);
    assert_string_equal(a, c);
    free(a);
    free(b);
    free(c);
}

/* A measure the source cannot provide (listed in the manifest) is not available, never zero. */
static void test_report__not_available_is_not_invented(void **state)
{
    (void)state;
    char copy[600], manifest[700];
    snprintf(copy, sizeof copy, "%s/ga4like", fx.dir);
    copy_tree(fx.snap, copy);
    snprintf(manifest, sizeof manifest, "%s/manifest.json", copy);
    json_t *m = json_load_file(manifest, 0, NULL);
    json_t *mk = json_object_get(json_object_get(m, "tables"), "marketing_cube");
    json_object_set_new(mk, "not_available", json_pack("[s]", "spend"));
    json_object_set_new(m, "snapshot_id", json_string("2026-W47.00000000000000aa"));
    assert_int_equal(json_dump_file(m, manifest, 0), 0);
    json_decref(m);
    json_t *doc = build(fx.ctx, copy, "electronics", "north_america", CL_WINDOW_WOW);
    const char *na[] = {"spend", "roas", "cpc", "cpa", "budget_utilisation"};
    for (size_t i = 0; i < 5; i++) {
        json_t *t = tile(doc, na[i]);
        assert_true(json_is_false(json_object_get(t, "available")));
        assert_true(json_is_null(json_object_get(t, "current")));
    }
    assert_true(json_is_true(json_object_get(tile(doc, "clicks"), "available")));
    json_t *list = json_object_get(json_object_get(doc, "meta"), "not_available");
    assert_true(json_array_size(list) >= 5);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "meta"), "snapshot")),
        "2026-W47.00000000000000aa");
    json_decref(doc);
}

static void expect_refusal(const char *category, const char *region, cl_week_t week, int code,
                           const char *needle)
{
    cl_report_request_t req = {category, region, CL_WINDOW_WOW, week, NULL};
    json_t *doc = NULL;
    cl_err_t err;
    assert_int_equal(cl_report_build(&doc, fx.ctx, fx.snap, &req, &err), code);
    assert_null(doc);
    if (!strstr(err.msg, needle)) {
        fail_msg("'%s' not in '%s'", needle, err.msg);
    }
}

static void test_report__refusals(void **state)
{
    (void)state;
    expect_refusal("garden", "north_america", WEEK, CL_ENOTFOUND,
                   "category 'garden' is not in snapshot 2026-W47.");
    expect_refusal("books", "mars", WEEK, CL_ENOTFOUND, "region 'mars' is not in snapshot");
    expect_refusal("books'; DROP TABLE x; --", "all", WEEK, CL_ENOTFOUND, "is not in snapshot");
    expect_refusal("books", "north_america", (cl_week_t){2026, 46}, CL_EINVAL,
                   "is for week 2026-W47, not 2026-W46");
    expect_refusal("", "north_america", WEEK, CL_EINVAL, "category is required");
    expect_refusal("bo\noks", "north_america", WEEK, CL_EINVAL,
                   "category contains a control character");
    expect_refusal("books", NULL, WEEK, CL_EINVAL, "region is required");
    cl_report_request_t req = {"books", "all", CL_WINDOW_WOW, WEEK, NULL};
    json_t *doc = NULL;
    cl_err_t err;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such-snapshot", fx.dir);
    assert_int_equal(cl_report_build(&doc, fx.ctx, missing, &req, &err), CL_ENOTFOUND);
    assert_int_equal(cl_report_build(&doc, fx.ctx, fx.snap, NULL, &err), CL_EINVAL);
    /* the context still works after refusals */
    doc = build(fx.ctx, fx.snap, "books", "all", CL_WINDOW_YOY);
    json_decref(doc);
}

static void test_report__dimensions(void **state)
{
    (void)state;
    json_t *d = NULL;
    cl_err_t err;
    assert_int_equal(cl_report_dimensions(&d, fx.ctx, fx.snap, &err), 0);
    char *s = json_dumps(json_object_get(d, "categories"), JSON_COMPACT);
    assert_string_equal(s, "[\"books\",\"electronics\",\"toys\"]");
    free(s);
    s = json_dumps(json_object_get(d, "regions"), JSON_COMPACT);
    assert_string_equal(s, "[\"asia\",\"europe\",\"north_america\"]");
    free(s);
    assert_string_equal(json_string_value(json_object_get(d, "week")), "2026-W47");
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report__shape_and_meta),
        cmocka_unit_test(test_report__numbers_equal_the_snapshot),
        cmocka_unit_test(test_report__breakdowns_add_up),
        cmocka_unit_test(test_report__byte_identical_and_any_path),
        cmocka_unit_test(test_report__not_available_is_not_invented),
        cmocka_unit_test(test_report__refusals),
        cmocka_unit_test(test_report__dimensions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
