/* test_figures.c — every number of a summary is rendered here, with the unit and decimals of its
 * metric. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/figures.h"
#include "ai_fixture.h"

static int setup(void **state)
{
    json_t *req = fixture_request();
    cl_ai_input_t *in = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    if (cl_ai_input_new(&in, req, &err) != 0) {
        print_error("%s\n", err.msg);
        return -1;
    }
    json_decref(req);
    *state = in;
    return 0;
}

static int teardown(void **state)
{
    cl_ai_input_free(*state);
    return 0;
}

static void test_figures__format_per_unit(void **state)
{
    (void)state;
    char buf[64];
    struct {
        double v;
        cl_fig_unit_t unit;
        int decimals, scale, is_signed;
        const char *currency, *want;
    } cases[] = {
        {182340.5, CL_FIG_CURRENCY, 0, 0, 0, "USD", "$182,341"},
        {182340.5, CL_FIG_CURRENCY, 1, 1, 0, "USD", "$182.3K"},
        {-2310.0, CL_FIG_CURRENCY, 0, 0, 1, "USD", "-$2,310"},
        {-2310.0, CL_FIG_CURRENCY, 0, 0, 0, "EUR",
         "\xe2\x82\xac"
         "2,310"},
        {1234.5, CL_FIG_CURRENCY, 2, 0, 0, "CHF", "CHF 1,234.50"},
        {6.63, CL_FIG_PERCENT, 1, 0, 0, "USD", "6.6%"},
        {6.63, CL_FIG_PERCENT, 1, 0, 1, "USD", "+6.6%"},
        {-1.3, CL_FIG_PP, 2, 0, 0, "USD", "1.30 pp"},
        {-0.004, CL_FIG_PP, 1, 0, 1, "USD", "0.0 pp"},
        {2481, CL_FIG_COUNT, 0, 0, 0, "USD", "2,481"},
        {1234567, CL_FIG_COUNT, 0, 0, 0, "USD", "1,234,567"},
        {7.44, CL_FIG_RATIO, 2, 0, 0, "USD", "7.44x"},
        {3.2, CL_FIG_PLAIN, 1, 0, 0, "USD", "3.2"},
        {103.25, CL_FIG_INDEX, 1, 0, 0, "USD", "103.3"},
        {999.96, CL_FIG_COUNT, 1, 0, 0, "USD", "1,000.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_fig_format(buf, sizeof buf, cases[i].v, cases[i].unit, cases[i].decimals, cases[i].scale,
                      cases[i].is_signed, cases[i].currency);
        if (strcmp(buf, cases[i].want) != 0) {
            print_error("case %zu: got '%s', want '%s'\n", i, buf, cases[i].want);
            fail();
        }
    }
}

static void test_figures__parse_grammar(void **state)
{
    (void)state;
    cl_placeholder_t ph;
    assert_int_equal(cl_fig_parse(&ph, "{F12.change_pct|0|signed} rest", 30), 25);
    assert_string_equal(ph.ref, "F12");
    assert_string_equal(ph.field, "change_pct");
    assert_int_equal(ph.decimals, 0);
    assert_int_equal(ph.is_signed, 1);
    assert_int_equal(cl_fig_parse(&ph, "{revenue.current|k}", 19), 19);
    assert_int_equal(ph.scale, 1);
    const char *bad[] = {"{F.change}",        "{F1change}",    "{F1.}",
                         "{Revenue.current}", "{F1.change|7}", "{F1.change|5}",
                         "{F1.change|loud}",  "{F1.change",    "{}",
                         "{F1.change }",      "{ F1.change}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cl_fig_parse(&ph, bad[i], strlen(bad[i])), 0);
    }
}

static void test_figures__render_uses_metric_units_and_records_spans(void **state)
{
    const cl_ai_input_t *in = *state;
    cl_fig_spans_t spans;
    cl_fig_spans_init(&spans);
    char *out = NULL;
    assert_int_equal(
        cl_fig_render(
            &out, &spans, in,
            "Conversion fell {F1.change} to {F1.current} (\xc3\xa9 {revenue.change_pct}); "
            "revenue {revenue.current}, ROAS {roas.current}, tv_audio {F3.share_of_change}",
            CL_PART_BULLET, 2, NULL),
        0);
    assert_string_equal(
        out, "Conversion fell 2.20 pp to 0.90% (\xc3\xa9 6.6%); revenue $182,341, ROAS 7.44x, "
             "tv_audio 71.6%");
    assert_int_equal(spans.n, 6);
    assert_int_equal(spans.items[0].start, 16);
    assert_int_equal(spans.items[0].end, 23);
    assert_string_equal(spans.items[0].fig.finding->id, "f-9c1e0b2d4f3a");
    /* é is one UTF-16 unit: "(é " puts the third figure at 36 */
    assert_int_equal(spans.items[2].start, 36);
    assert_null(spans.items[3].fig.finding);
    assert_int_equal(spans.items[0].part, CL_PART_BULLET);
    assert_int_equal(spans.items[0].index, 2);
    json_t *j = cl_fig_spans_json(&spans);
    assert_int_equal(json_array_size(j), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "part")), "bullet");
    json_decref(j);
    free(out);
    cl_fig_spans_dispose(&spans);
}

static void test_figures__unknown_and_unavailable_figures_are_errors(void **state)
{
    const cl_ai_input_t *in = *state;
    const char *bad[] = {"{F99.change}",     "{F1.nonexistent}",    "{ga4_spend.current}",
                         "{profit.current}", "{revenue.sparkline}", "a } alone",
                         "{F1.change"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(cl_fig_render(&out, NULL, in, bad[i], CL_PART_HEADLINE, 0, &err),
                         CL_EINVAL);
        assert_null(out);
        assert_true(strlen(err.msg) > 0);
    }
}

static void test_figures__field_units(void **state)
{
    const cl_ai_input_t *in = *state;
    const cl_ai_metric_t *conv = cl_ai_input_metric(in, "conversion_rate");
    cl_fig_unit_t u;
    int d, ch;
    cl_ai_field_unit(&u, &d, &ch, conv, "current");
    assert_int_equal(u, CL_FIG_PERCENT);
    assert_int_equal(d, 2);
    cl_ai_field_unit(&u, &d, &ch, conv, "mix_effect");
    assert_int_equal(u, CL_FIG_PP);
    assert_true(ch);
    cl_ai_field_unit(&u, &d, &ch, conv, "share_shift_pp");
    assert_int_equal(u, CL_FIG_PP);
    cl_ai_field_unit(&u, &d, &ch, conv, "zscore");
    assert_int_equal(u, CL_FIG_PLAIN);
    cl_ai_field_unit(&u, &d, &ch, cl_ai_input_metric(in, "roas"), "spend");
    assert_int_equal(u, CL_FIG_CURRENCY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures__format_per_unit),
        cmocka_unit_test(test_figures__parse_grammar),
        cmocka_unit_test_setup_teardown(test_figures__render_uses_metric_units_and_records_spans,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures__unknown_and_unavailable_figures_are_errors,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures__field_units, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
