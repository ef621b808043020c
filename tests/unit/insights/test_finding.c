/* Findings: ids are the documented sha256 prefix, paths sort by dimension, JSON has the contract's
 * shape (NaN as null), ranking puts a story's headline before its reasons, ties go by id, and
 * cutting the list clears links to findings no longer in it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "insights/finding.h"
#include "insights/format.h"

#include "../support/catalog_fixture.h"

static const cl_insight_scope_t SCOPE = {"electronics", "north_america", CL_WINDOW_WOW, {2026, 47}};

static void test_finding__id_is_sha256_of_the_documented_key(void **state)
{
    (void)state;
    cl_findings_t list = {0};
    cl_finding_t *f = NULL;
    cl_err_t err;
    size_t cr = 0;
    assert_non_null(cl_catalog_find(cat, "conversion_rate", &cr));
    assert_int_equal(cl_findings_add(&f, &list, CL_FINDING_ROOT_CAUSE, cr, &err), 0);
    assert_int_equal(cl_finding_path_add(f, "traffic_l1", "paid_search", &err), 0);
    assert_int_equal(cl_finding_path_add(f, "device_type", "mobile", &err), 0);
    assert_string_equal(f->path_dim[0], "device_type"); /* sorted by dimension name */
    cl_finding_make_id(f, cat, &SCOPE);
    const char *key = "root_cause|conversion_rate|WoW|2026-W47|electronics|north_america|"
                      "device_type=mobile&traffic_l1=paid_search";
    unsigned char dig[32];
    unsigned int n = 0;
    EVP_Digest(key, strlen(key), dig, &n, EVP_sha256(), NULL);
    char want[15];
    snprintf(want, sizeof want, "f-%02x%02x%02x%02x%02x%02x", dig[0], dig[1], dig[2], dig[3],
             dig[4], dig[5]);
    assert_string_equal(f->id, want);
    cl_findings_dispose(&list);
}

static void test_finding__json_shape(void **state)
{
    (void)state;
    cl_findings_t list = {0};
    cl_finding_t *f = NULL;
    cl_err_t err;
    size_t cr = 0;
    cl_catalog_find(cat, "conversion_rate", &cr);
    assert_int_equal(cl_findings_add(&f, &list, CL_FINDING_KPI_CHANGE, cr, &err), 0);
    f->impact = -0.42;
    f->direction = -1;
    f->favourable = 0;
    f->sig = (cl_signif_t){.z = -4.5, .level = CL_SIG_HIGH, .method = "robust_z"};
    cl_finding_number(f, "current", 2.1);
    cl_finding_number(f, "change_pct", NAN);
    cl_finding_number(f, "current", 2.2); /* replaces */
    snprintf(f->title, sizeof f->title, "Conversion rate fell");
    cl_finding_make_id(f, cat, &SCOPE);
    cl_findings_rank(&list, 0);
    json_t *j = cl_findings_json(&list, cat, CL_WINDOW_WOW);
    char *s = json_dumps(json_array_get(j, 0), JSON_COMPACT | JSON_REAL_PRECISION(15));
    char want[1024];
    snprintf(want, sizeof want,
             "{\"id\":\"%s\",\"rank\":1,\"type\":\"kpi_change\",\"metric\":\"conversion_rate\","
             "\"window\":\"WoW\",\"path\":[],\"direction\":\"down\",\"favourable\":false,"
             "\"impact\":-0.42,\"impact_unit\":\"pp\",\"value_at_stake\":0.0,\"significance\":"
             "{\"score\":-4.5,\"level\":\"high\",\"method\":\"robust_z\"},\"numbers\":{\"current\":"
             "2.2,\"change_pct\":null},\"title\":\"Conversion rate fell\",\"explains\":null}",
             f->id);
    assert_string_equal(s, want);
    free(s);
    json_decref(j);
    cl_findings_dispose(&list);
}

static cl_finding_t *add(cl_findings_t *l, const char *value, double stake, double z,
                         const char *explains)
{
    cl_finding_t *f = NULL;
    cl_err_t err;
    assert_int_equal(cl_findings_add(&f, l, CL_FINDING_DRIVER, 0, &err), 0);
    assert_int_equal(cl_finding_path_add(f, "channel", value, &err), 0);
    f->value_at_stake = stake;
    f->sig.z = z;
    cl_finding_make_id(f, cat, &SCOPE);
    snprintf(f->explains, sizeof f->explains, "%s", explains ? explains : "");
    return f;
}

static void test_finding__ranking_puts_headlines_first(void **state)
{
    (void)state;
    cl_findings_t l = {0};
    char parent[15];
    snprintf(parent, sizeof parent, "%s", add(&l, "web", 100, 3, NULL)->id); /* 300 */
    add(&l, "app", 1000, 5, parent);                                         /* 5000, child */
    add(&l, "store", 400, 10, NULL);                                         /* 4000 */
    add(&l, "kiosk", 10, 1, NULL)->dropped = 1;
    cl_findings_rank(&l, 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].path_value[0], "web"); /* inherits 5000, and is the headline */
    assert_string_equal(l.items[1].path_value[0], "app");
    assert_string_equal(l.items[2].path_value[0], "store");
    assert_string_equal(l.items[1].explains, parent);
    assert_int_equal(l.items[2].rank, 3);
    cl_findings_dispose(&l);

    /* equal scores: by id; a cut list forgets links to what it cut */
    cl_findings_t m = {0};
    char p2[15];
    snprintf(p2, sizeof p2, "%s", add(&m, "a", 1, 1, NULL)->id);
    add(&m, "b", 100, 10, NULL);
    add(&m, "c", 100, 10, NULL);
    cl_findings_rank(&m, 2);
    assert_int_equal(m.n, 2);
    assert_true(strcmp(m.items[0].id, m.items[1].id) < 0);
    cl_findings_dispose(&m);
}

static void test_finding__path_limit_and_within(void **state)
{
    (void)state;
    cl_findings_t l = {0};
    cl_finding_t *f = NULL;
    cl_err_t err;
    assert_int_equal(cl_findings_add(&f, &l, CL_FINDING_DRIVER, 0, &err), 0);
    const char *dims[] = {"d", "c", "b", "a"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cl_finding_path_add(f, dims[i], "v", &err), 0);
    }
    assert_int_equal(cl_finding_path_add(f, "e", "v", &err), CL_EINVAL);
    cl_finding_t parent = {0};
    parent.path_len = 1;
    parent.path_dim[0] = "c";
    parent.path_value[0] = "v";
    assert_true(cl_finding_path_within(f, &parent));
    parent.path_value[0] = "w";
    assert_false(cl_finding_path_within(f, &parent));
    cl_findings_dispose(&l);
}

static void test_format__numbers(void **state)
{
    (void)state;
    char b[64];
    cl_format_number(b, sizeof b, 1234567.891, 2);
    assert_string_equal(b, "1,234,567.89");
    cl_format_number(b, sizeof b, -0.001, 1);
    assert_string_equal(b, "0.0");
    cl_format_number(b, sizeof b, -999.5, 0);
    assert_string_equal(b, "-1,000");
    const cl_metric_t *cr = cl_catalog_find(cat, "conversion_rate", NULL);
    cl_format_change(b, sizeof b, cr, -0.4234);
    assert_string_equal(b, "-0.42 pp");
    cl_format_value(b, sizeof b, cr, 3.14159);
    assert_string_equal(b, "3.14%");
    cl_format_value(b, sizeof b, cl_catalog_find(cat, "roas", NULL), 4.2);
    assert_string_equal(b, "4.20x");
    cl_format_change(b, sizeof b, cl_catalog_find(cat, "revenue", NULL), 11338.6);
    assert_string_equal(b, "+11,339");
    cl_format_pct(b, sizeof b, NAN);
    assert_string_equal(b, "n/a");
}

/* Segments in titles read like the UI: the dimension's label, the value humanised, codes kept;
 * a short buffer truncates rather than overflows. */
static void test_format__segments(void **state)
{
    (void)state;
    char b[96] = "in ";
    cl_format_segment_append(b, sizeof b, "device_type", "mobile");
    assert_string_equal(b, "in Device: Mobile");
    b[0] = '\0';
    cl_format_segment_append(b, sizeof b, "traffic_l1", "paid_search");
    assert_string_equal(b, "Traffic source: Paid search");
    b[0] = '\0';
    cl_format_segment_append(b, sizeof b, "country", "US");
    assert_string_equal(b, "Country: US");
    cl_format_dimension(b, sizeof b, "loyalty_tier"); /* not in the table: its name, humanised */
    assert_string_equal(b, "Loyalty tier");
    char small[8] = "";
    cl_format_segment_append(small, sizeof small, "customer_type", "returning");
    assert_string_equal(small, "Custome");
    cl_format_dimension_value(b, sizeof b, "");
    assert_string_equal(b, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finding__id_is_sha256_of_the_documented_key),
        cmocka_unit_test(test_finding__json_shape),
        cmocka_unit_test(test_finding__ranking_puts_headlines_first),
        cmocka_unit_test(test_finding__path_limit_and_within),
        cmocka_unit_test(test_format__numbers),
        cmocka_unit_test(test_format__segments),
    };
    return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
