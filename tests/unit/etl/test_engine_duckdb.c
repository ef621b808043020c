/* DuckDB engine export: a partitioned table comes out byte-identical every time and on any number
 * of writers, each file sorted by the key, partition values readable back from escaped folder
 * names, NULL partitions refused, ENUM columns written as their text; sessions share tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl/engine.h"
#include "etl/snapshot.h"
#include "warehouse/db.h"
#include "../support/tmpdir.h"

static cl_etl_engine_t *open_engine(int threads)
{
    cl_etl_engine_t *e = NULL;
    cl_err_t err;
    cl_etl_engine_options_t opt = {.threads = threads, .memory_limit = "1GB"};
    if (cl_etl_engine_duckdb_open(&e, &opt, &err) != 0) {
        fail_msg("open: %s", err.msg);
    }
    return e;
}

static void exec(cl_etl_engine_t *e, const char *sql)
{
    cl_err_t err;
    if (e->ops->exec(e, sql, NULL, 0, &err) != 0) {
        fail_msg("%s: %s", sql, err.msg);
    }
}

static const char *const PART[] = {"p"};
static const char *const KEY[] = {"k"};

static void export_to(cl_etl_engine_t *e, const char *dir)
{
    cl_err_t err;
    cl_etl_export_t spec = {"t", dir, PART, 1, KEY, 1};
    if (e->ops->export_parquet(e, &spec, &err) != 0) {
        fail_msg("export: %s", err.msg);
    }
}

/* sha256 of every file under DIR listed in a fixed order, as one line per file. */
static void digest(char *out, size_t cap, const char *dir, int nparts)
{
    out[0] = '\0';
    for (int i = 0; i < nparts; i++) {
        char path[512], sha[65];
        cl_err_t err;
        snprintf(path, sizeof path, "%s/p=v%02d/part-0.parquet", dir, i);
        assert_int_equal(cl_snapshot_sha256_file(sha, path, 0, &err), 0);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s\n", sha);
    }
}

static int64_t query_int(const char *sql)
{
    cl_db_t *db = NULL;
    cl_db_result_t *r = NULL;
    cl_err_t err;
    cl_db_options_t o = {.threads = 1};
    assert_int_equal(cl_db_open(&db, NULL, &o, &err), 0);
    if (cl_db_query(&r, db, sql, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    int64_t v = cl_db_result_int64(r, 0, 0);
    cl_db_result_free(r);
    cl_db_close(db);
    return v;
}

static void test_engine_duckdb__partitioned_export_repeats_and_is_sorted(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], sql[800];
    tmpdir_make(dir);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    /* DuckDB's own PARTITION_BY writer reordered rows inside partitions of a table like this
     * one (1.2 million rows, 108 partitions, demo data) from run to run; the engine must not */
    const char *make = "CREATE TABLE t AS SELECT 'v' || lpad((i % 100)::VARCHAR, 2, '0') AS p, "
                       "i AS k, hash(i) AS v, 'city_' || (i % 37)::VARCHAR AS c, "
                       "'pay_' || (i % 5)::VARCHAR AS pm FROM range(300000) r(i) ORDER BY hash(i)";
    static char da[100 * 66 + 1], db_[100 * 66 + 1];
    cl_etl_engine_t *e = open_engine(2);
    exec(e, make);
    export_to(e, a);
    cl_etl_engine_close(e);
    e = open_engine(2);
    exec(e, make);
    export_to(e, b);
    cl_etl_engine_close(e);
    digest(da, sizeof da, a, 100);
    digest(db_, sizeof db_, b, 100);
    assert_string_equal(da, db_);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT k, lag(k) OVER (PARTITION BY filename ORDER BY "
             "file_row_number) AS prev FROM read_parquet('%s/*/*.parquet', filename = true, "
             "file_row_number = true)) WHERE prev > k",
             a);
    assert_int_equal(query_int(sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT filename) FROM read_parquet('%s/*/*.parquet', filename = true)",
             a);
    assert_int_equal(query_int(sql), 100); /* one file per partition */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM read_parquet('%s/*/*.parquet', hive_partitioning = true) "
             "WHERE p = 'v07' AND k %% 100 = 7",
             a);
    assert_int_equal(query_int(sql), 3000);
    tmpdir_remove(dir);
}

static void test_engine_duckdb__partition_values_are_escaped_and_null_refused(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], sql[600];
    tmpdir_make(dir);
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    cl_etl_engine_t *e = open_engine(1);
    exec(e, "CREATE TABLE t AS SELECT * FROM (VALUES ('home & garden/../x', 1), ('.hidden', 2), "
            "('plain', 3)) v(p, k)");
    export_to(e, a);
    snprintf(sql, sizeof sql,
             "SELECT sum(k) FROM read_parquet('%s/*/*.parquet', hive_partitioning = true) WHERE "
             "p IN ('home & garden/../x', '.hidden', 'plain')",
             a);
    assert_int_equal(query_int(sql), 6);
    snprintf(sql, sizeof sql, "%s/p=home%%20%%26%%20garden%%2F..%%2Fx/part-0.parquet", a);
    assert_true(cl_file_exists(sql));
    exec(e, "INSERT INTO t VALUES (NULL, 4)");
    cl_err_t err;
    cl_etl_export_t spec = {"t", b, PART, 1, KEY, 1};
    assert_int_equal(e->ops->export_parquet(e, &spec, &err), CL_EDATA);
    assert_non_null(strstr(err.msg, "partition column p is NULL"));
    cl_etl_engine_close(e);
    tmpdir_remove(dir);
}

static void test_engine_duckdb__spills_into_a_folder_it_creates(void **state)
{
    (void)state;
    char dir[256], spill[300];
    tmpdir_make(dir);
    snprintf(spill, sizeof spill, "%s/not/yet/spill", dir);
    cl_etl_engine_t *e = NULL;
    cl_err_t err;
    cl_etl_engine_options_t opt = {.threads = 1, .memory_limit = "64MB", .spill_dir = spill};
    assert_int_equal(cl_etl_engine_duckdb_open(&e, &opt, &err), 0);
    /* about 200 MB of sort input: more than the memory limit, so DuckDB must spill */
    exec(e, "CREATE TABLE t AS SELECT i, hash(i)::VARCHAR || repeat('x', 60) AS s "
            "FROM range(2500000) r(i) ORDER BY s");
    assert_true(cl_file_exists(spill));
    cl_etl_engine_close(e);
    tmpdir_remove(dir);
}

static void test_engine_duckdb__writers_do_not_change_the_bytes(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], c[300], wa[400], wb[400];
    tmpdir_make(dir);
    snprintf(a, sizeof a, "%s/one", dir);
    snprintf(b, sizeof b, "%s/two", dir);
    snprintf(c, sizeof c, "%s/four", dir);
    const char *make = "CREATE TABLE t AS SELECT 'v' || lpad((i % 100)::VARCHAR, 2, '0') AS p, "
                       "i AS k, hash(i) AS v FROM range(200000) r(i) ORDER BY hash(i)";
    static char d1[100 * 66 + 1], d2[100 * 66 + 1], d4[100 * 66 + 1];
    const char *dirs[] = {a, b, c};
    char *digests[] = {d1, d2, d4};
    int threads[] = {1, 2, 4};
    for (int i = 0; i < 3; i++) {
        cl_etl_engine_t *e = open_engine(threads[i]);
        exec(e, make);
        export_to(e, dirs[i]);
        /* and the whole table, unpartitioned, into one file */
        char whole[400];
        cl_err_t err;
        snprintf(whole, sizeof whole, "%s/whole", dirs[i]);
        cl_etl_export_t spec = {"t", whole, NULL, 0, KEY, 1};
        assert_int_equal(e->ops->export_parquet(e, &spec, &err), 0);
        cl_etl_engine_close(e);
        digest(digests[i], sizeof d1, dirs[i], 100);
    }
    assert_string_equal(d1, d2);
    assert_string_equal(d1, d4);
    char sa[65], sb[65];
    cl_err_t err;
    snprintf(wa, sizeof wa, "%s/whole/part-0.parquet", a);
    snprintf(wb, sizeof wb, "%s/whole/part-0.parquet", c);
    assert_int_equal(cl_snapshot_sha256_file(sa, wa, 0, &err), 0);
    assert_int_equal(cl_snapshot_sha256_file(sb, wb, 0, &err), 0);
    assert_string_equal(sa, sb);
    tmpdir_remove(dir);
}

/* The history loop's sessions append the weeks in whatever order they finish: the files must not
 * depend on it. The same rows appended in two different orders, in pieces, give the same bytes
 * (the key with the partition is the grain, as the pipelines' checks require). */
static void test_engine_duckdb__append_order_does_not_change_the_bytes(void **state)
{
    (void)state;
    char dir[256], a[300], b[300];
    tmpdir_make(dir);
    snprintf(a, sizeof a, "%s/forward", dir);
    snprintf(b, sizeof b, "%s/shuffled", dir);
    static char df[100 * 66 + 1], ds[100 * 66 + 1];
    const char *orders[] = {"i", "hash(i)"};
    const char *dirs[] = {a, b};
    char *digests[] = {df, ds};
    for (int run = 0; run < 2; run++) {
        char sql[600];
        cl_etl_engine_t *e = open_engine(2);
        exec(e, "CREATE TABLE t (p VARCHAR, k BIGINT, v UBIGINT)");
        /* 30 appends of 10,000 rows ("weeks"), oldest first or newest first */
        for (int week = 0; week < 30; week++) {
            int w = run == 0 ? week : 29 - week;
            snprintf(sql, sizeof sql,
                     "INSERT INTO t SELECT 'v' || lpad((i %% 100)::VARCHAR, 2, '0'), i, hash(i) "
                     "FROM range(%d, %d) r(i) ORDER BY %s",
                     w * 10000, (w + 1) * 10000, orders[run]);
            exec(e, sql);
        }
        export_to(e, dirs[run]);
        cl_etl_engine_close(e);
        digest(digests[run], sizeof df, dirs[run], 100);
    }
    assert_string_equal(df, ds);
    tmpdir_remove(dir);
}

static void test_engine_duckdb__enum_columns_are_written_as_text(void **state)
{
    (void)state;
    char dir[256], a[300], b[300], sql[600];
    tmpdir_make(dir);
    snprintf(a, sizeof a, "%s/text", dir);
    snprintf(b, sizeof b, "%s/enum", dir);
    static char dt[100 * 66 + 1], de[100 * 66 + 1];
    cl_etl_engine_t *e = open_engine(2);
    exec(e, "CREATE TABLE src AS SELECT 'v' || lpad((i % 100)::VARCHAR, 2, '0') AS p, i AS k, "
            "'c' || (i % 7)::VARCHAR AS c FROM range(50000) r(i)");
    exec(e, "CREATE TABLE t AS SELECT * FROM src");
    export_to(e, a);
    /* the same values as ENUMs whose order is the text order, as the demo pipeline makes them */
    exec(e, "CREATE TYPE e_p AS ENUM (SELECT DISTINCT p FROM src ORDER BY p)");
    exec(e, "CREATE TYPE e_c AS ENUM (SELECT DISTINCT c FROM src ORDER BY c)");
    exec(e, "CREATE OR REPLACE TABLE t AS SELECT p::e_p AS p, k, c::e_c AS c FROM src");
    export_to(e, b);
    cl_etl_engine_close(e);
    digest(dt, sizeof dt, a, 100);
    digest(de, sizeof de, b, 100);
    assert_string_equal(dt, de);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM parquet_schema('%s/p=v01/part-0.parquet') WHERE name = 'c' "
             "AND converted_type = 'UTF8'",
             b);
    assert_int_equal(query_int(sql), 1);
    tmpdir_remove(dir);
}

static void test_engine_duckdb__sessions_share_tables_not_temp_tables(void **state)
{
    (void)state;
    cl_etl_engine_t *e = open_engine(2), *s = NULL;
    cl_err_t err;
    int64_t n = 0;
    assert_non_null(e->ops->open_session);
    assert_int_equal(e->ops->open_session(&s, e, &err), 0);
    exec(e, "CREATE TYPE e_w AS ENUM ('a', 'b')");
    exec(e, "CREATE TABLE shared (w e_w, n INTEGER)");
    exec(s, "CREATE TEMP TABLE mine AS SELECT 'b'::e_w AS w, 2 AS n");
    exec(s, "INSERT INTO shared SELECT * FROM mine");
    exec(e, "INSERT INTO shared VALUES ('a', 1)");
    assert_int_equal(e->ops->count_rows(&n, e, "shared", &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(s->ops->count_rows(&n, s, "shared", &err), 0);
    assert_int_equal(n, 2);
    /* a session's temporary tables are its own: the engine does not see them */
    assert_int_equal(e->ops->count_rows(&n, e, "mine", &err), CL_EQUERY);
    assert_string_equal(s->ops->describe(s), e->ops->describe(e));
    cl_etl_engine_close(s);
    assert_int_equal(e->ops->count_rows(&n, e, "shared", &err), 0);
    assert_int_equal(n, 2);
    cl_etl_engine_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_duckdb__partitioned_export_repeats_and_is_sorted),
        cmocka_unit_test(test_engine_duckdb__partition_values_are_escaped_and_null_refused),
        cmocka_unit_test(test_engine_duckdb__spills_into_a_folder_it_creates),
        cmocka_unit_test(test_engine_duckdb__writers_do_not_change_the_bytes),
        cmocka_unit_test(test_engine_duckdb__append_order_does_not_change_the_bytes),
        cmocka_unit_test(test_engine_duckdb__enum_columns_are_written_as_text),
        cmocka_unit_test(test_engine_duckdb__sessions_share_tables_not_temp_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
