/* DuckDB wrapper: bound parameters stay data, errors are clear, results read back exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warehouse/db.h"

static cl_db_t *open_memory(void)
{
    cl_db_t *db = NULL;
    cl_err_t err;
    cl_db_options_t opt = {.threads = 1, .memory_limit = "256MB"};
    if (cl_db_open(&db, NULL, &opt, &err) != 0) {
        fail_msg("open: %s", err.msg);
    }
    return db;
}

static void test_db__bound_text_is_data_not_sql(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    assert_int_equal(cl_db_exec(db,
                                "CREATE TABLE t(name VARCHAR, n BIGINT); "
                                "INSERT INTO t VALUES ('books', 1), ('toys', 2)",
                                &err),
                     0);
    cl_db_stmt_t *st = NULL;
    assert_int_equal(cl_db_prepare(&st, db, "SELECT count(*) FROM t WHERE name = ?", &err), 0);
    assert_int_equal(cl_db_stmt_param_count(st), 1);
    /* would match every row, or drop the table, if spliced into the SQL text */
    const char *evil[] = {"x' OR '1'='1", "books'; DROP TABLE t; --", "\\' OR 1=1 --"};
    for (size_t i = 0; i < 3; i++) {
        cl_db_result_t *r = NULL;
        assert_int_equal(cl_db_bind_text(st, 1, evil[i], &err), 0);
        assert_int_equal(cl_db_stmt_run(&r, st, &err), 0);
        assert_int_equal(cl_db_result_int64(r, 0, 0), 0);
        cl_db_result_free(r);
    }
    cl_db_result_t *r = NULL;
    assert_int_equal(cl_db_query(&r, db, "SELECT count(*) FROM t", &err), 0);
    assert_int_equal(cl_db_result_int64(r, 0, 0), 2);
    cl_db_result_free(r);
    cl_db_stmt_free(st);
    cl_db_close(db);
}

static void test_db__named_parameters_and_types(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    cl_db_stmt_t *st = NULL;
    assert_int_equal(
        cl_db_prepare(&st, db, "SELECT $a::BIGINT + 1 AS a, $b::DOUBLE * 2 AS b, $c AS c, $d AS d",
                      &err),
        0);
    size_t ia, ib, ic, id;
    assert_int_equal(cl_db_param_index(&ia, st, "a", &err), 0);
    assert_int_equal(cl_db_param_index(&ib, st, "b", &err), 0);
    assert_int_equal(cl_db_param_index(&ic, st, "c", &err), 0);
    assert_int_equal(cl_db_param_index(&id, st, "d", &err), 0);
    assert_int_equal(cl_db_param_index(&id, st, "nope", &err), CL_EINVAL);
    assert_int_equal(cl_db_bind_int64(st, ia, 41, &err), 0);
    assert_int_equal(cl_db_bind_double(st, ib, 1.25, &err), 0);
    assert_int_equal(cl_db_bind_text(st, ic, "héllo", &err), 0);
    assert_int_equal(cl_db_bind_null(st, id, &err), 0);
    cl_db_result_t *r = NULL;
    assert_int_equal(cl_db_stmt_run(&r, st, &err), 0);
    assert_int_equal(cl_db_result_rows(r), 1);
    assert_int_equal(cl_db_result_cols(r), 4);
    assert_int_equal(cl_db_result_col_index(r, "b"), 1);
    assert_int_equal(cl_db_result_int64(r, 0, 0), 42);
    assert_true(cl_db_result_double(r, 0, 1) == 2.5);
    char *c = cl_db_result_text(r, 0, 2);
    assert_string_equal(c, "héllo");
    free(c);
    assert_true(cl_db_result_is_null(r, 0, 3));
    assert_null(cl_db_result_text(r, 0, 3));
    cl_db_result_free(r);
    cl_db_stmt_free(st);
    cl_db_close(db);
}

static void test_db__errors_are_clear(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_db_exec(db, "SELECT * FROM missing_table", &err), CL_EQUERY);
    assert_non_null(strstr(err.msg, "missing_table"));
    assert_null(strchr(err.msg, '\n'));
    cl_db_stmt_t *st = NULL;
    assert_int_equal(cl_db_prepare(&st, db, "SELEC 1", &err), CL_EQUERY);
    assert_null(st);
    cl_db_close(db);

    cl_db_options_t bad = {.memory_limit = "lots"};
    assert_int_not_equal(cl_db_open(&db, NULL, &bad, &err), 0);
    assert_null(db);
    cl_db_options_t ro = {.read_only = 1};
    assert_int_equal(cl_db_open(&db, "/nonexistent/dir/x.duckdb", &ro, &err), CL_EIO);
}

static void test_db__quote_literal(void **state)
{
    (void)state;
    char buf[64];
    cl_err_t err;
    assert_int_equal(cl_db_quote_literal(buf, sizeof buf, "/tmp/it's.parquet", &err), 0);
    assert_string_equal(buf, "'/tmp/it''s.parquet'");
    assert_int_equal(cl_db_quote_literal(buf, sizeof buf, "a\nb", &err), CL_EINVAL);
    assert_int_equal(cl_db_quote_literal(buf, 8, "abcdefgh", &err), CL_EINVAL);
}

static void test_db__appender_stores_every_type_exactly(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    assert_int_equal(cl_db_exec(db,
                                "CREATE TYPE colour AS ENUM ('red', 'green'); "
                                "CREATE TABLE t(i BIGINT, j INTEGER, d DOUBLE, b BOOLEAN, "
                                "s VARCHAR, day DATE, ts TIMESTAMP, m DECIMAL(18,2), c colour)",
                                &err),
                     0);
    cl_db_appender_t *a = NULL;
    assert_int_equal(cl_db_appender_open(&a, db, "t", &err), 0);
    /* more rows than one chunk, so chunk hand-over is exercised */
    for (int n = 0; n < 5000; n++) {
        cl_db_append_int64(a, n);
        cl_db_append_int32(a, -n);
        cl_db_append_double(a, n / 4.0);
        cl_db_append_bool(a, n % 2);
        if (n % 3 == 0) {
            cl_db_append_null(a);
        } else {
            cl_db_append_text(a, "a longer text than twelve bytes", n % 31);
        }
        cl_db_append_date(a, 20000 + n % 7);
        cl_db_append_timestamp(a, (int64_t)n * 1000000);
        cl_db_append_decimal(a, 1234 + n);
        cl_db_append_enum(a, (uint32_t)(n % 2));
        assert_int_equal(cl_db_appender_end_row(a, &err), 0);
    }
    assert_int_equal(cl_db_appender_close(a, &err), 0);
    cl_db_result_t *r = NULL;
    assert_int_equal(
        cl_db_query(&r, db,
                    "SELECT count(*), sum(i), sum(j), sum(d), count(*) FILTER (b), count(s), "
                    "max(length(s)), min(day)::VARCHAR, max(ts)::VARCHAR, sum(m)::VARCHAR, "
                    "count(*) FILTER (c = 'green') FROM t",
                    &err),
        0);
    assert_int_equal(cl_db_result_int64(r, 0, 0), 5000);
    assert_int_equal(cl_db_result_int64(r, 0, 1), 12497500);
    assert_int_equal(cl_db_result_int64(r, 0, 2), -12497500);
    assert_true(cl_db_result_double(r, 0, 3) == 12497500 / 4.0);
    assert_int_equal(cl_db_result_int64(r, 0, 4), 2500);
    assert_int_equal(cl_db_result_int64(r, 0, 5), 3333);
    assert_int_equal(cl_db_result_int64(r, 0, 6), 30);
    char *v = cl_db_result_text(r, 0, 7);
    assert_string_equal(v, "2024-10-04");
    free(v);
    v = cl_db_result_text(r, 0, 8);
    assert_string_equal(v, "1970-01-01 01:23:19");
    free(v);
    v = cl_db_result_text(r, 0, 9);
    assert_string_equal(v, "186675.00"); /* (5000 * 1234 + 12497500) cents */
    free(v);
    assert_int_equal(cl_db_result_int64(r, 0, 10), 2500);
    cl_db_result_free(r);
    cl_db_close(db);
}

static void test_db__appender_refuses_mismatched_rows(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    assert_int_equal(cl_db_exec(db,
                                "CREATE TYPE colour AS ENUM ('red', 'green'); "
                                "CREATE TABLE t(i BIGINT, c colour)",
                                &err),
                     0);
    cl_db_appender_t *a = NULL;
    assert_int_equal(cl_db_appender_open(&a, db, "nope", &err), CL_ENOTFOUND);
    assert_null(a);
    assert_non_null(strstr(err.msg, "nope"));
    /* a value of the wrong type */
    assert_int_equal(cl_db_appender_open(&a, db, "t", &err), 0);
    cl_db_append_int32(a, 1);
    cl_db_append_enum(a, 0);
    assert_int_equal(cl_db_appender_end_row(a, &err), CL_EQUERY);
    assert_non_null(strstr(err.msg, "column 1 has another type than the INTEGER"));
    assert_int_equal(cl_db_appender_close(a, &err), CL_EQUERY);
    /* too few values, and an ENUM index past the dictionary */
    assert_int_equal(cl_db_appender_open(&a, db, "t", &err), 0);
    cl_db_append_int64(a, 1);
    assert_int_equal(cl_db_appender_end_row(a, &err), CL_EQUERY);
    assert_non_null(strstr(err.msg, "1 values"));
    assert_int_equal(cl_db_appender_close(a, &err), CL_EQUERY);
    assert_int_equal(cl_db_appender_open(&a, db, "t", &err), 0);
    cl_db_append_int64(a, 1);
    cl_db_append_enum(a, 2);
    assert_int_equal(cl_db_appender_end_row(a, &err), CL_EQUERY);
    assert_int_equal(cl_db_appender_close(a, &err), CL_EQUERY);
    assert_int_equal(cl_db_appender_close(NULL, &err), 0);
    /* nothing of the failed rows reached the table */
    cl_db_result_t *r = NULL;
    assert_int_equal(cl_db_query(&r, db, "SELECT count(*) FROM t", &err), 0);
    assert_int_equal(cl_db_result_int64(r, 0, 0), 0);
    cl_db_result_free(r);
    cl_db_close(db);
}

/* A result read in chunks: every row once, long and short texts and NULLs exact, wrong types
 * refused. */
static void test_db__chunks_read_every_row(void **state)
{
    (void)state;
    cl_db_t *db = open_memory();
    cl_err_t err;
    cl_db_result_t *r = NULL;
    assert_int_equal(
        cl_db_query(&r, db,
                    "SELECT i::DOUBLE AS x, CASE WHEN i % 7 = 0 THEN NULL WHEN i % 2 "
                    "= 0 THEN 'short' || i ELSE 'a value longer than twelve ' || i "
                    "END AS s, CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 0.5)::DOUBLE END AS y "
                    "FROM range(5000) t(i)",
                    &err),
        0);
    size_t seen = 0;
    double sum_x = 0, sum_y = 0;
    size_t nulls_s = 0, nulls_y = 0, long_ok = 0;
    const char **ptr = malloc(5000 * sizeof *ptr);
    uint32_t *len = malloc(5000 * sizeof *len);
    for (;;) {
        cl_db_chunk_t *c = NULL;
        assert_int_equal(cl_db_result_chunk(&c, r, &err), 0);
        if (!c) {
            break;
        }
        size_t n = cl_db_chunk_rows(c);
        const double *x = NULL, *y = NULL;
        const uint64_t *vx = NULL, *vy = NULL;
        assert_int_equal(cl_db_chunk_doubles(&x, &vx, c, 0, &err), 0);
        assert_int_equal(cl_db_chunk_doubles(&y, &vy, c, 2, &err), 0);
        assert_int_equal(cl_db_chunk_texts(ptr, len, c, 1, &err), 0);
        assert_int_equal(cl_db_chunk_doubles(&x, &vx, c, 1, &err), CL_EINVAL);
        assert_int_equal(cl_db_chunk_texts(ptr, len, c, 0, &err), CL_EINVAL);
        assert_int_equal(cl_db_chunk_doubles(&x, &vx, c, 3, &err), CL_EINVAL);
        assert_int_equal(cl_db_chunk_doubles(&x, &vx, c, 0, &err), 0);
        assert_int_equal(cl_db_chunk_texts(ptr, len, c, 1, &err), 0);
        for (size_t i = 0; i < n; i++) {
            long id = (long)x[i];
            sum_x += x[i];
            int y_valid = !vy || (vy[i / 64] >> (i % 64) & 1);
            nulls_y += !y_valid;
            sum_y += y_valid ? y[i] : 0;
            if (!ptr[i]) {
                nulls_s++;
                assert_int_equal(id % 7, 0);
                continue;
            }
            char want[64];
            snprintf(want, sizeof want, id % 2 ? "a value longer than twelve %ld" : "short%ld", id);
            assert_int_equal(len[i], strlen(want));
            assert_memory_equal(ptr[i], want, len[i]);
            long_ok += id % 2;
        }
        seen += n;
        cl_db_chunk_free(c);
    }
    assert_int_equal(seen, 5000);
    assert_true(sum_x == 4999.0 * 5000 / 2);
    assert_int_equal(nulls_s, 715);
    assert_int_equal(nulls_y, 1000);
    assert_true(sum_y == 0.5 * (4999.0 * 5000 / 2 - 5.0 * 999 * 1000 / 2));
    assert_true(long_ok > 2000);
    free(ptr);
    free(len);
    cl_db_result_free(r);
    cl_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db__bound_text_is_data_not_sql),
        cmocka_unit_test(test_db__named_parameters_and_types),
        cmocka_unit_test(test_db__errors_are_clear),
        cmocka_unit_test(test_db__quote_literal),
        cmocka_unit_test(test_db__appender_stores_every_type_exactly),
        cmocka_unit_test(test_db__appender_refuses_mismatched_rows),
        cmocka_unit_test(test_db__chunks_read_every_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
