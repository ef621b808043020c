/* DuckDB wrapper: bound parameters stay data, errors are clear, results read back exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
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
    assert_int_equal(cl_db_exec(db, "CREATE TABLE t(name VARCHAR, n BIGINT); "
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
        cl_db_prepare(&st, db, "SELECT $a::BIGINT + 1 AS a, $b::DOUBLE * 2 AS b, $c AS c, $d AS d", &err), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db__bound_text_is_data_not_sql),
        cmocka_unit_test(test_db__named_parameters_and_types),
        cmocka_unit_test(test_db__errors_are_clear),
        cmocka_unit_test(test_db__quote_literal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
