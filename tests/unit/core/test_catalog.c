/* Metric catalog: the shipped catalog loads with every metric the product needs, and every mistake in
 * a catalog is a CL_ECONFIG that names the file, the metric and the key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"

#define REVENUE                                                                                    \
    "  - id: revenue\n    label: Revenue\n    description: d\n    kind: additive\n"               \
    "    table: sales_cube\n    measure: revenue\n    unit: currency\n"                            \
    "    direction: higher_is_better\n    format: currency0\n    missing: zero\n    group: sales\n"
#define ORDERS                                                                                     \
    "  - id: orders\n    label: Orders\n    description: d\n    kind: additive\n"                  \
    "    table: sales_cube\n    measure: orders\n    unit: count\n"                                \
    "    direction: higher_is_better\n    format: count0\n    missing: zero\n    group: sales\n"
#define AOV_HEAD                                                                                   \
    "  - id: aov\n    label: AOV\n    description: d\n    kind: ratio\n    unit: currency\n"      \
    "    direction: higher_is_better\n    format: currency2\n    missing: not_available\n"         \
    "    group: sales\n"

static int parse(cl_catalog_t **out, const char *text, cl_err_t *err)
{
    cl_err_clear(err);
    return cl_catalog_parse(out, text, strlen(text), "metrics.yaml", err);
}

static void expect_error(const char *text, const char *needle)
{
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    int rc = parse(&cat, text, &err);
    assert_int_equal(rc, CL_ECONFIG);
    assert_int_equal(err.code, CL_ECONFIG);
    assert_null(cat);
    if (!strstr(err.msg, needle)) {
        fail_msg("'%s' not in '%s'", needle, err.msg);
    }
    assert_non_null(strstr(err.msg, "metrics.yaml"));
}

static void test_catalog__shipped_catalog_has_every_metric(void **state)
{
    (void)state;
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    if (cl_catalog_load(&cat, "config/metrics.yaml", &err) != 0) {
        fail_msg("%s", err.msg);
    }
    static const char *const need[] = {
        "revenue",      "orders",          "units",       "visits",     "conversions",
        "new_customers", "spend",          "impressions", "clicks",     "budget",
        "returns",      "discounts",       "conversion_rate", "aov",    "roas",
        "cpc",          "ctr",             "budget_utilisation", "return_rate",
        "discount_rate", "new_customer_share",
    };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        if (!cl_catalog_find(cat, need[i], NULL)) {
            fail_msg("metric %s is missing", need[i]);
        }
    }
    size_t idx = 0;
    const cl_metric_t *cr = cl_catalog_find(cat, "conversion_rate", &idx);
    assert_int_equal(cr->kind, CL_METRIC_RATIO);
    assert_string_equal(cl_catalog_at(cat, cr->numerator)->id, "orders");
    assert_string_equal(cl_catalog_at(cat, cr->denominator)->id, "visits");
    assert_true(cr->scale == 100.0);
    assert_int_equal(cr->decimals, 2);
    assert_string_equal(cl_catalog_change_unit(cr), "pp");
    assert_ptr_equal(cl_catalog_at(cat, idx), cr);
    const cl_metric_t *rev = cl_catalog_find(cat, "revenue", NULL);
    assert_string_equal(rev->table, "sales_cube");
    assert_string_equal(rev->measure, "revenue");
    assert_string_equal(cl_catalog_change_unit(rev), "currency");
    assert_int_equal(cl_catalog_find(cat, "spend", NULL)->missing, CL_MISSING_NA);
    assert_int_equal(cl_catalog_find(cat, "budget", NULL)->missing, CL_MISSING_PREVIOUS);
    assert_int_equal(cl_catalog_find(cat, "cpc", NULL)->direction, CL_DIR_LOWER_IS_BETTER);
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        assert_true(m->kind == CL_METRIC_ADDITIVE || m->missing == CL_MISSING_NA);
    }
    assert_null(cl_catalog_at(cat, cl_catalog_count(cat)));
    assert_null(cl_catalog_find(cat, "nope", NULL));
    cl_catalog_free(cat);
}

static void test_catalog__ratio_may_reference_later_metrics(void **state)
{
    (void)state;
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    int rc = parse(&cat,
                   "metrics:\n" AOV_HEAD "    numerator: revenue\n    denominator: orders\n" REVENUE
                       ORDERS,
                   &err);
    if (rc != 0) {
        fail_msg("%s", err.msg);
    }
    const cl_metric_t *aov = cl_catalog_at(cat, 0);
    assert_int_equal(aov->numerator, 1);
    assert_int_equal(aov->denominator, 2);
    assert_true(aov->scale == 1.0);
    assert_null(aov->measure);
    cl_catalog_free(cat);
}

static void test_catalog__unknown_key(void **state)
{
    (void)state;
    expect_error("metrics:\n" REVENUE "    colour: blue\n", "metrics[0] (revenue).colour: unknown key");
    expect_error("metrics:\n" REVENUE "units: []\n", "units: unknown key");
    expect_error("metrics:\n" AOV_HEAD "    numerator: revenue\n    denominator: orders\n"
                 "    measure: x\n" REVENUE ORDERS,
                 "metrics[0] (aov).measure: is only for additive metrics");
    expect_error("metrics:\n" REVENUE "    scale: 100\n",
                 "metrics[0] (revenue).scale: is only for ratio metrics");
}

static void test_catalog__bad_unit_direction_missing_format(void **state)
{
    (void)state;
    const char *base = "metrics:\n  - id: revenue\n    label: Revenue\n    description: d\n"
                       "    kind: additive\n    table: sales_cube\n    measure: revenue\n"
                       "    group: sales\n";
    char text[1024];
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: dollars\n    direction: higher_is_better\n    format: currency0\n"
             "    missing: zero\n");
    expect_error(text, "metrics[0] (revenue).unit: 'dollars' is not one of currency, percent");
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: currency\n    direction: up\n    format: currency0\n    missing: zero\n");
    expect_error(text, "metrics[0] (revenue).direction: 'up' is not one of");
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: currency\n    direction: neutral\n    format: currency0\n"
             "    missing: none\n");
    expect_error(text, "metrics[0] (revenue).missing: 'none' is not one of zero, previous");
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: currency\n    direction: neutral\n    format: percent1\n"
             "    missing: zero\n");
    expect_error(text, "metrics[0] (revenue).format: 'percent1' must be currency0 .. currency4");
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: currency\n    direction: neutral\n    format: \"%.2f\"\n"
             "    missing: zero\n");
    expect_error(text, "metrics[0] (revenue).format:");
    snprintf(text, sizeof text, "%s%s", base,
             "    unit: currency\n    direction: neutral\n    format: currency9\n"
             "    missing: zero\n");
    expect_error(text, "(revenue).format: 'currency9'");
}

static void test_catalog__ratio_of_a_ratio(void **state)
{
    (void)state;
    expect_error("metrics:\n" REVENUE ORDERS AOV_HEAD
                 "    numerator: revenue\n    denominator: orders\n"
                 "  - id: aov_per_order\n    label: x\n    description: d\n    kind: ratio\n"
                 "    numerator: aov\n    denominator: orders\n    unit: currency\n"
                 "    direction: neutral\n    format: currency2\n    missing: not_available\n"
                 "    group: sales\n",
                 "metrics[3] (aov_per_order).numerator: 'aov' is a ratio; a ratio's operands must "
                 "be additive metrics");
}

static void test_catalog__duplicate_id(void **state)
{
    (void)state;
    expect_error("metrics:\n" REVENUE ORDERS REVENUE,
                 "metrics[2] (revenue).id: duplicate id (first defined at metrics[0])");
}

static void test_catalog__dangling_operand(void **state)
{
    (void)state;
    expect_error("metrics:\n" REVENUE AOV_HEAD "    numerator: revenue\n    denominator: order\n",
                 "metrics[1] (aov).denominator: 'order' is not a metric of this catalog");
    expect_error("metrics:\n" ORDERS AOV_HEAD "    numerator: net_sales\n    denominator: orders\n",
                 "metrics[1] (aov).numerator: 'net_sales' is not a metric of this catalog");
    expect_error("metrics:\n" ORDERS AOV_HEAD "    denominator: orders\n",
                 "metrics[1] (aov).numerator: is required");
    expect_error("metrics:\n" ORDERS AOV_HEAD "    numerator: orders\n    denominator: orders\n",
                 "(aov).denominator: must differ from the numerator");
}

static void test_catalog__ratio_rules(void **state)
{
    (void)state;
    expect_error("metrics:\n" REVENUE ORDERS
                 "  - id: aov\n    label: AOV\n    description: d\n    kind: ratio\n"
                 "    numerator: revenue\n    denominator: orders\n    unit: currency\n"
                 "    direction: neutral\n    format: currency2\n    missing: zero\n"
                 "    group: sales\n",
                 "metrics[2] (aov).missing: a ratio over a zero or missing denominator is never "
                 "invented");
    expect_error("metrics:\n" REVENUE ORDERS AOV_HEAD
                 "    numerator: revenue\n    denominator: orders\n    scale: 0\n",
                 "(aov).scale: must be a finite number greater than 0");
    expect_error("metrics:\n" REVENUE ORDERS AOV_HEAD
                 "    numerator: revenue\n    denominator: orders\n    scale: lots\n",
                 "(aov).scale: must be a number");
}

static void test_catalog__required_and_typed_keys(void **state)
{
    (void)state;
    expect_error("metrics:\n  - id: Revenue\n", "metrics[0].id: 'Revenue' must match [a-z0-9_]+");
    expect_error("metrics:\n  - label: x\n", "metrics[0].id: is required");
    expect_error("metrics:\n  - id: x\n    kind: sum\n", "metrics[0] (x).kind: 'sum' is not one of");
    expect_error("metrics:\n  - id: x\n    kind: additive\n    label: [a]\n",
                 "metrics[0] (x).label: must be a string");
    expect_error("metrics:\n  - id: x\n    kind: additive\n    label: ''\n",
                 "metrics[0] (x).label: must not be empty");
    expect_error("metrics:\n  - id: x\n    kind: additive\n    label: X\n    description: d\n"
                 "    group: g\n    unit: count\n    direction: neutral\n    format: count0\n"
                 "    missing: zero\n    table: sales_cube\n    measure: \"a b\"\n",
                 "metrics[0] (x).measure: 'a b' must be a column name");
    expect_error("metrics:\n  - id: x\n    kind: additive\n    label: X\n    description: d\n"
                 "    group: g\n    unit: count\n    direction: neutral\n    format: count0\n"
                 "    missing: zero\n    measure: m\n",
                 "metrics[0] (x).table: is required");
    expect_error("metrics: []\n", "metrics: must be a non-empty list");
    expect_error("version: 1\n", "metrics: must be a non-empty list");
    expect_error("- a\n", "(document): must be a mapping");
    expect_error("metrics:\n  - 3\n", "metrics[0]: must be a mapping");
}

static void test_catalog__syntax_error_is_config_error(void **state)
{
    (void)state;
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    assert_int_equal(parse(&cat, "metrics: [\n", &err), CL_ECONFIG);
    assert_non_null(strstr(err.msg, "metrics.yaml"));
    assert_int_equal(parse(&cat, "metrics:\n  - &a {id: x}\n  - *a\n", &err), CL_ECONFIG);
    assert_null(cat);
}

static void test_catalog__missing_file(void **state)
{
    (void)state;
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    assert_int_equal(cl_catalog_load(&cat, "config/no-such-metrics.yaml", &err), CL_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no-such-metrics.yaml"));
    assert_null(cat);
}

static void test_catalog__names(void **state)
{
    (void)state;
    assert_string_equal(cl_unit_name(CL_UNIT_RATIO), "ratio");
    assert_string_equal(cl_direction_name(CL_DIR_LOWER_IS_BETTER), "lower_is_better");
    assert_string_equal(cl_missing_name(CL_MISSING_NA), "not_available");
    assert_string_equal(cl_missing_name(CL_MISSING_PREVIOUS), "previous");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog__shipped_catalog_has_every_metric),
        cmocka_unit_test(test_catalog__ratio_may_reference_later_metrics),
        cmocka_unit_test(test_catalog__unknown_key),
        cmocka_unit_test(test_catalog__bad_unit_direction_missing_format),
        cmocka_unit_test(test_catalog__ratio_of_a_ratio),
        cmocka_unit_test(test_catalog__duplicate_id),
        cmocka_unit_test(test_catalog__dangling_operand),
        cmocka_unit_test(test_catalog__ratio_rules),
        cmocka_unit_test(test_catalog__required_and_typed_keys),
        cmocka_unit_test(test_catalog__syntax_error_is_config_error),
        cmocka_unit_test(test_catalog__missing_file),
        cmocka_unit_test(test_catalog__names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
