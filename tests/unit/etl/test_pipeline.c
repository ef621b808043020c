/* Pipeline loader: a pipeline file's mistakes are caught at load time, naming file and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "etl/pipeline.h"

#define STEP_OK                                                                                    \
    "steps:\n"                                                                                     \
    "  - id: a\n"                                                                                  \
    "    description: d\n"                                                                         \
    "    sql: SELECT * FROM t WHERE week = $week\n"
#define OUTPUTS_OK                                                                                 \
    "outputs:\n"                                                                                   \
    "  - table: t\n"                                                                               \
    "    description: d\n"                                                                         \
    "    key: [week]\n"

static int parse(cl_pipeline_t **out, const char *text, cl_err_t *err)
{
    cl_err_clear(err);
    return cl_pipeline_parse(out, text, strlen(text), "p.yaml", err);
}

static void expect_error(const char *text, const char *needle)
{
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    int rc = parse(&p, text, &err);
    assert_int_equal(rc, CL_EINVAL);
    assert_null(p);
    if (!strstr(err.msg, needle)) {
        fail_msg("'%s' not in '%s'", needle, err.msg);
    }
    assert_non_null(strstr(err.msg, "p.yaml"));
}

static cl_pipeline_t *load_ok(const char *path)
{
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    if (cl_pipeline_load(&p, path, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    return p;
}

static void test_pipeline__demo_pipeline_loads(void **state)
{
    (void)state;
    cl_pipeline_t *p = load_ok("config/pipeline/demo.yaml");
    assert_string_equal(p->name, "demo");
    assert_true(p->n_steps >= 8);
    /* the cubes are built week by week: a for_each_week step holds the source and cube steps */
    const cl_pipeline_step_t *loop = NULL;
    for (size_t i = 0; i < p->n_steps; i++) {
        loop = p->steps[i].for_each_week ? &p->steps[i] : loop;
    }
    assert_non_null(loop);
    assert_int_equal(loop->n_sql, 0);
    assert_true(loop->n_steps >= 8);
    assert_string_equal(loop->steps[0].id, "src_orders");
    assert_true(loop->steps[0].n_sql > 1);
    assert_int_equal(p->n_outputs, 5);
    assert_string_equal(p->outputs[0].table, "sales_cube");
    assert_int_equal(p->outputs[0].n_partition_by, 2);
    cl_pipeline_free(p);
}

static void test_pipeline__minimal_pipeline_parses(void **state)
{
    (void)state;
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    int rc = parse(&p,
                   "name: x\nversion: 3\nparams:\n  g: \"{source}/a/*.parquet\"\n" STEP_OK
                   "    when_exists: [a/b.csv]\n"
                   "    checks:\n      - {id: c, description: d, sql: 'SELECT 1 WHERE $g = 1', "
                   "severity: warn}\n" OUTPUTS_OK,
                   &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    assert_string_equal(p->version, "3");
    assert_int_equal(p->n_params, 1);
    assert_int_equal(p->steps[0].n_when_exists, 1);
    assert_int_equal(p->steps[0].checks[0].severity, CL_CHECK_WARN);
    cl_pipeline_free(p);
}

static void test_pipeline__ga4_pipeline_loads(void **state)
{
    (void)state;
    cl_pipeline_t *p = load_ok("config/pipeline/ga4.yaml");
    assert_string_equal(p->name, "ga4");
    assert_int_equal(p->n_requires, 1);
    assert_string_equal(p->requires[0], "events");
    assert_non_null(p->watermark.sql);
    assert_int_equal(p->n_outputs, 5);
    /* the same tables as the demo pipeline, in the same order */
    static const char *const tables[] = {"sales_cube", "order_attrs_cube", "marketing_cube",
                                         "budget", "market_pulse"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(p->outputs[i].table, tables[i]);
    }
    assert_int_equal(p->outputs[2].n_not_available, 3);
    assert_string_equal(p->outputs[2].not_available[2], "spend");
    assert_int_equal(p->outputs[4].n_measures, 1);
    cl_pipeline_free(p);
}

static void test_pipeline__watermark_requires_and_availability_parse(void **state)
{
    (void)state;
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    int rc =
        parse(&p,
              "name: x\nversion: 1\nrequires: [events, more/data.csv]\n"
              "watermark:\n  description: latest day\n"
              "  sql: SELECT 'e' AS source_table, $week_end AS loaded_through\n" STEP_OK OUTPUTS_OK
              "    measures: [a, b]\n    not_available: [b]\n",
              &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(p->n_requires, 2);
    assert_string_equal(p->requires[1], "more/data.csv");
    assert_string_equal(p->watermark.description, "latest day");
    assert_non_null(strstr(p->watermark.sql, "$week_end"));
    assert_int_equal(p->outputs[0].n_measures, 2);
    assert_int_equal(p->outputs[0].n_not_available, 1);
    assert_string_equal(p->outputs[0].not_available[0], "b");
    cl_pipeline_free(p);

    assert_int_equal(parse(&p, "name: x\nversion: 1\n" STEP_OK OUTPUTS_OK, &err), 0);
    assert_null(p->watermark.sql);
    assert_int_equal(p->n_requires, 0);
    assert_int_equal(p->outputs[0].n_not_available, 0);
    cl_pipeline_free(p);

    char **names = NULL;
    assert_int_equal(cl_pipeline_sql_params(&names, "SELECT $first_week_start", &err), 0);
    assert_string_equal(names[0], "first_week_start");
    cl_pipeline_names_free(names);
    assert_int_equal(parse(&p,
                           "name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                           "    sql: SELECT $first_week_start::DATE\n" OUTPUTS_OK,
                           &err),
                     0);
    cl_pipeline_free(p);
}

static void test_pipeline__bad_watermark_requires_and_availability(void **state)
{
    (void)state;
    expect_error("name: x\nversion: 1\nwatermark: SELECT 1\n" STEP_OK OUTPUTS_OK,
                 "watermark: must be a mapping");
    expect_error("name: x\nversion: 1\nwatermark:\n  description: d\n" STEP_OK OUTPUTS_OK,
                 "watermark.sql: is required");
    expect_error("name: x\nversion: 1\nwatermark:\n  sql: SELECT 1\n" STEP_OK OUTPUTS_OK,
                 "watermark.description: is required");
    expect_error("name: x\nversion: 1\nwatermark:\n  description: d\n  sql: SELECT 1\n"
                 "  when: now\n" STEP_OK OUTPUTS_OK,
                 "watermark.when: unknown key");
    expect_error(
        "name: x\nversion: 1\nwatermark:\n  description: d\n  sql: SELECT $wk\n" STEP_OK OUTPUTS_OK,
        "watermark.sql: unknown parameter $wk");
    expect_error("name: x\nversion: 1\nrequires: [/etc]\n" STEP_OK OUTPUTS_OK,
                 "requires: paths must be relative to the source");
    expect_error("name: x\nversion: 1\nrequires: events\n" STEP_OK OUTPUTS_OK,
                 "requires: must be a list");
    expect_error("name: x\nversion: 1\n" STEP_OK OUTPUTS_OK "    not_available: [\"a b\"]\n",
                 "outputs[0].not_available: items must be identifiers");
    expect_error("name: x\nversion: 1\n" STEP_OK OUTPUTS_OK "    measures: [1]\n",
                 "outputs[0].measures: items must be identifiers");
}

static void test_pipeline__bad_yaml_is_refused(void **state)
{
    (void)state;
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    assert_int_equal(parse(&p, "name: [unclosed\n", &err), CL_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err.msg, "p.yaml"));
}

static void test_pipeline__unknown_keys_are_named(void **state)
{
    (void)state;
    expect_error("name: x\nversion: 1\nfrobnicate: 1\n" STEP_OK OUTPUTS_OK, "frobnicate: unknown");
    expect_error("name: x\nversion: 1\n" STEP_OK "    sqll: x\n" OUTPUTS_OK,
                 "steps[0].sqll: unknown key");
    expect_error(
        "name: x\nversion: 1\n" STEP_OK
        "    checks:\n      - {id: c, description: d, sql: 'SELECT 1', level: 2}\n" OUTPUTS_OK,
        "steps[0].checks[0].level: unknown key");
    expect_error("name: x\nversion: 1\n" STEP_OK OUTPUTS_OK "    sort: [a]\n",
                 "outputs[0].sort: unknown key");
}

static void test_pipeline__missing_sql_is_named(void **state)
{
    (void)state;
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n" OUTPUTS_OK,
                 "steps[0].sql: is required");
    expect_error("name: x\nversion: 1\n" STEP_OK
                 "    checks:\n      - {id: c, description: d}\n" OUTPUTS_OK,
                 "steps[0].checks[0].sql: is required");
    expect_error("name: x\nversion: 1\n" OUTPUTS_OK, "steps: must be a non-empty list");
    expect_error("version: 1\n" STEP_OK OUTPUTS_OK, "name: is required");
}

static void test_pipeline__unknown_param_is_named(void **state)
{
    (void)state;
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    sql: SELECT $wek\n" OUTPUTS_OK,
                 "steps[0].sql: unknown parameter $wek");
    expect_error("name: x\nversion: 1\n" STEP_OK
                 "    checks:\n      - {id: c, description: d, sql: 'SELECT $nope'}\n" OUTPUTS_OK,
                 "steps[0].checks[0].sql: unknown parameter $nope");
    expect_error("name: x\nversion: 1\nparams:\n  g: \"{sauce}/x\"\n" STEP_OK OUTPUTS_OK,
                 "params.g: unknown built-in {sauce}");
    expect_error("name: x\nversion: 1\nparams:\n  week: x\n" STEP_OK OUTPUTS_OK,
                 "params.week: must be an identifier that is not a built-in");
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    sql: SELECT $1\n" OUTPUTS_OK,
                 "positional parameter $1");
}

static void test_pipeline__bad_identifiers_and_values(void **state)
{
    (void)state;
    expect_error("name: x\nversion: 1\n" STEP_OK OUTPUTS_OK "    partition_by: [\"a; DROP\"]\n",
                 "outputs[0].partition_by: items must be identifiers");
    expect_error(
        "name: x\nversion: 1\n" STEP_OK
        "    checks:\n      - {id: c, description: d, sql: 'SELECT 1', severity: meh}\n" OUTPUTS_OK,
        "severity: must be error, partial or warn");
    expect_error("name: x\nversion: 1\n" STEP_OK
                 "  - id: a\n    description: d\n    sql: x\n" OUTPUTS_OK,
                 "steps[1].id: duplicate step id");
    expect_error("name: x\nversion: 1\n" STEP_OK "    when_exists: [../etc/passwd]\n" OUTPUTS_OK,
                 "must be relative to the source");
    expect_error("name: Bad-Name\nversion: 1\n" STEP_OK OUTPUTS_OK, "name: must be an identifier");
}

#define LOOP_HEAD                                                                                  \
    "name: x\nversion: 1\nsteps:\n"                                                                \
    "  - id: weeks\n"                                                                              \
    "    description: each week\n"                                                                 \
    "    for_each_week: true\n"                                                                    \
    "    steps:\n"

static void test_pipeline__statement_lists_and_week_loops_parse(void **state)
{
    (void)state;
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    int rc =
        parse(&p,
              "name: x\nversion: 1\nsteps:\n"
              "  - id: setup\n    description: d\n"
              "    sql: [CREATE TABLE t (week VARCHAR), 'CREATE TABLE u (n INT)']\n"
              "  - id: weeks\n    description: each week\n    for_each_week: true\n"
              "    steps:\n"
              "      - id: one\n        description: d\n"
              "        sql: INSERT INTO t VALUES ($batch_week)\n"
              "      - id: two\n        description: d\n        table: t\n"
              "        sql: [INSERT INTO u VALUES (1), 'SELECT $batch_week, $week']\n"
              "        checks:\n          - {id: c, description: d, sql: 'SELECT 1 WHERE $week "
              "IS NULL'}\n" OUTPUTS_OK,
              &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(p->n_steps, 2);
    assert_int_equal(p->steps[0].n_sql, 2);
    assert_string_equal(p->steps[0].sql[1], "CREATE TABLE u (n INT)");
    assert_false(p->steps[0].for_each_week);
    const cl_pipeline_step_t *loop = &p->steps[1];
    assert_true(loop->for_each_week);
    assert_int_equal(loop->n_sql, 0);
    assert_int_equal(loop->n_steps, 2);
    assert_int_equal(loop->steps[0].n_sql, 1);
    assert_int_equal(loop->steps[1].n_sql, 2);
    assert_string_equal(loop->steps[1].table, "t");
    assert_int_equal(loop->steps[1].n_checks, 1);
    cl_pipeline_free(p);
}

static void test_pipeline__bad_week_loops_are_named(void **state)
{
    (void)state;
    /* $batch_week is bound only inside a loop's statements */
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    sql: SELECT $batch_week\n" OUTPUTS_OK,
                 "steps[0].sql: $batch_week is bound only in the sql of the steps of a "
                 "for_each_week step");
    expect_error(LOOP_HEAD "      - id: a\n        description: d\n        sql: SELECT 1\n"
                           "        checks:\n          - {id: c, description: d, sql: 'SELECT "
                           "$batch_week'}\n" OUTPUTS_OK,
                 "steps[0].steps[0].checks[0].sql: $batch_week is bound only");
    expect_error(LOOP_HEAD "      - id: a\n        description: d\n"
                           "        sql: [SELECT 1, SELECT $wk]\n" OUTPUTS_OK,
                 "steps[0].steps[0].sql[1]: unknown parameter $wk");
    expect_error("name: x\nversion: 1\nparams:\n  batch_week: \"{week}\"\n" STEP_OK OUTPUTS_OK,
                 "params.batch_week: must be an identifier that is not a built-in parameter");
    /* a loop has steps and nothing of its own to run */
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    for_each_week: true\n    sql: SELECT 1\n"
                 "    steps:\n      - {id: b, description: d, sql: SELECT 1}\n" OUTPUTS_OK,
                 "steps[0].sql: unknown key");
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    for_each_week: true\n    steps: []\n" OUTPUTS_OK,
                 "steps[0].steps: must be a non-empty list");
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n"
                 "    for_each_week: yes please\n"
                 "    steps:\n      - {id: b, description: d, sql: SELECT 1}\n" OUTPUTS_OK,
                 "steps[0].for_each_week: must be true");
    expect_error(LOOP_HEAD
                 "      - id: b\n        description: d\n        for_each_week: true\n"
                 "        steps:\n          - {id: c, description: d, sql: SELECT 1}\n" OUTPUTS_OK,
                 "steps[0].steps[0].for_each_week: a for_each_week step cannot hold another");
    expect_error(LOOP_HEAD
                 "      - {id: b, description: d, sql: SELECT 1, when_exists: [x]}\n" OUTPUTS_OK,
                 "steps[0].steps[0].when_exists: unknown key");
    expect_error("name: x\nversion: 1\nsteps:\n  - id: a\n    description: d\n    sql: SELECT 1\n"
                 "    steps:\n      - {id: b, description: d, sql: SELECT 1}\n" OUTPUTS_OK,
                 "steps[0].steps: only a for_each_week step has steps");
    /* ids are unique across the loop and the pipeline */
    expect_error(LOOP_HEAD "      - {id: weeks, description: d, sql: SELECT 1}\n" OUTPUTS_OK,
                 "steps[0].steps[0].id: duplicate step id");
    expect_error("name: x\nversion: 1\nsteps:\n  - {id: a, description: d, sql: []}\n" OUTPUTS_OK,
                 "steps[0].sql: must not be an empty list");
    expect_error("name: x\nversion: 1\nsteps:\n  - {id: a, description: d, sql: [SELECT 1, "
                 "'']}\n" OUTPUTS_OK,
                 "steps[0].sql[1]: must be a non-empty statement");
    expect_error(
        "name: x\nversion: 1\nsteps:\n  - {id: a, description: d, sql: {x: 1}}\n" OUTPUTS_OK,
        "steps[0].sql: must be a statement or a list of statements");
}

static void test_pipeline__sql_params_skip_literals_and_comments(void **state)
{
    (void)state;
    char **names = NULL;
    cl_err_t err;
    assert_int_equal(
        cl_pipeline_sql_params(&names,
                               "SELECT '$notme', \"$nor\" -- $comment\n"
                               "/* $block */ FROM t WHERE a = $week AND b = $g "
                               "AND c = $week AND d = $$ $dollar $$ AND e = 'it''s $x'",
                               &err),
        0);
    assert_non_null(names[0]);
    assert_string_equal(names[0], "week");
    assert_string_equal(names[1], "g");
    assert_null(names[2]);
    cl_pipeline_names_free(names);
}

/* A poor man's fuzz replay until the fuzz harness lands: every prefix (in steps) and a few hundred
 * byte mutations of the demo pipeline must parse or fail cleanly, never crash or leak (ASan). */
static void survives_truncation_and_mutation(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    cl_err_t err;
    assert_int_equal(cl_file_read_all(&text, &len, path, 1 << 20, &err), 0);
    for (size_t n = 0; n <= len; n += 29) {
        cl_pipeline_t *p = NULL;
        int rc = cl_pipeline_parse(&p, text, n, "cut.yaml", &err);
        assert_true(rc == 0 || rc == CL_EINVAL);
        assert_true((rc == 0) == (p != NULL));
        cl_pipeline_free(p);
    }
    uint64_t x = 0x9e3779b97f4a7c15u;
    static const char bytes[] = "{}[]:-$'\"\n #&*!|>%@`\t\\";
    for (int i = 0; i < 400; i++) {
        char *copy = malloc(len + 1);
        memcpy(copy, text, len + 1);
        for (int k = 0; k < 3; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            copy[x % len] = bytes[(x >> 32) % (sizeof bytes - 1)];
        }
        cl_pipeline_t *p = NULL;
        int rc = cl_pipeline_parse(&p, copy, len, "mut.yaml", &err);
        assert_true(rc == 0 || rc == CL_EINVAL);
        cl_pipeline_free(p);
        free(copy);
    }
    free(text);
}

static void test_pipeline__survives_truncation_and_mutation(void **state)
{
    (void)state;
    survives_truncation_and_mutation("config/pipeline/demo.yaml");
    survives_truncation_and_mutation("config/pipeline/ga4.yaml");
}

static void test_pipeline__missing_file(void **state)
{
    (void)state;
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    assert_int_equal(cl_pipeline_load(&p, "config/pipeline/nope.yaml", &err), CL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "nope.yaml does not exist"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline__demo_pipeline_loads),
        cmocka_unit_test(test_pipeline__ga4_pipeline_loads),
        cmocka_unit_test(test_pipeline__minimal_pipeline_parses),
        cmocka_unit_test(test_pipeline__watermark_requires_and_availability_parse),
        cmocka_unit_test(test_pipeline__bad_watermark_requires_and_availability),
        cmocka_unit_test(test_pipeline__bad_yaml_is_refused),
        cmocka_unit_test(test_pipeline__unknown_keys_are_named),
        cmocka_unit_test(test_pipeline__missing_sql_is_named),
        cmocka_unit_test(test_pipeline__unknown_param_is_named),
        cmocka_unit_test(test_pipeline__bad_identifiers_and_values),
        cmocka_unit_test(test_pipeline__statement_lists_and_week_loops_parse),
        cmocka_unit_test(test_pipeline__bad_week_loops_are_named),
        cmocka_unit_test(test_pipeline__sql_params_skip_literals_and_comments),
        cmocka_unit_test(test_pipeline__survives_truncation_and_mutation),
        cmocka_unit_test(test_pipeline__missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
