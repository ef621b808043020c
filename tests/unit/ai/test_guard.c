/* test_guard.c — the faithfulness golden suite (tests/fixtures/ai/faithfulness.json): every bad
 * answer is rejected by the check that names its fault, every clean answer — legitimate rounding
 * included — is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/guard.h"
#include "ai/guard_scan.h"
#include "ai_fixture.h"

static cl_ai_input_t *input;

static int setup(void **state)
{
    (void)state;
    json_t *req = fixture_request();
    int rc = cl_ai_input_new(&input, req, NULL);
    json_decref(req);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    cl_ai_input_free(input);
    return 0;
}

static json_t *golden_cases(void)
{
    json_t *doc = json_load_file("tests/fixtures/ai/faithfulness.json", 0, NULL);
    assert_non_null(doc);
    return doc;
}

static const char *check_status(json_t *checks, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(checks, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
            return json_string_value(json_object_get(c, "status"));
        }
    }
    return "missing";
}

static void test_guard__golden_suite(void **state)
{
    (void)state;
    json_t *doc = golden_cases();
    size_t i, passes = 0, fails = 0;
    json_t *c;
    int wrong = 0;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        int want_pass = strcmp(json_string_value(json_object_get(c, "expect")), "pass") == 0;
        cl_guard_report_t r;
        assert_int_equal(cl_guard_check_json(&r, input, json_object_get(c, "answer"), NULL), 0);
        if (r.ok != want_pass) {
            print_error("%s: ok=%d, want %d; problems:\n%s", name, r.ok, want_pass, r.problems);
            wrong++;
        } else if (!want_pass) {
            const char *check = json_string_value(json_object_get(c, "check"));
            if (strcmp(check_status(r.checks, check), "fail") != 0) {
                print_error("%s: rejected, but not by '%s':\n%s", name, check, r.problems);
                wrong++;
            }
            fails++;
        } else {
            passes++;
            assert_non_null(r.summary);
        }
        cl_guard_report_dispose(&r);
    }
    assert_int_equal(wrong, 0);
    assert_true(passes >= 5 && fails >= 15);
    json_decref(doc);
}

static void test_guard__literals_are_rendered_by_the_service(void **state)
{
    (void)state;
    json_t *answer = json_parse_or_die(
        "{\"headline\":\"Revenue rose 6.6% to $182K\",\"bullets\":[{\"text\":\"Conversion rate "
        "fell 1.3 points, "
        "{F1.share_of_change|0} of it in paid_search on mobile.\",\"finding_ids\":[]}]}");
    cl_guard_report_t r;
    assert_int_equal(cl_guard_check_json(&r, input, answer, NULL), 0);
    assert_true(r.ok);
    json_t *s = r.summary;
    assert_string_equal(json_string_value(json_object_get(s, "headline")),
                        "Revenue rose 6.6% to $182K");
    json_t *b = json_array_get(json_object_get(s, "bullets"), 0);
    assert_string_equal(json_string_value(json_object_get(b, "text")),
                        "Conversion rate fell 1.3 pp, 65% of it in paid_search on mobile.");
    /* the figure of F1 made the bullet cite F1, so the UI can link it */
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "finding_ids"), 0)),
                        "f-9c1e0b2d4f3a");
    json_t *figs = json_object_get(s, "figures");
    assert_int_equal(json_array_size(figs), 4);
    json_t *f0 = json_array_get(figs, 0);
    assert_string_equal(json_string_value(json_object_get(f0, "field")), "change_pct");
    assert_int_equal(json_integer_value(json_object_get(f0, "start")), 13);
    assert_int_equal(json_integer_value(json_object_get(f0, "end")), 17);
    assert_true(json_is_null(json_object_get(f0, "finding_id")));
    cl_guard_report_dispose(&r);
    json_decref(answer);
}

static void test_guard__answers_in_fences_or_prose_are_read(void **state)
{
    (void)state;
    const char *text =
        "Here is the summary:\n```json\n{\"headline\":\"Revenue rose {revenue.change_pct}\","
        "\"bullets\":[{\"text\":\"Orders grew {orders.change}.\",\"finding_ids\":[]}]}\n```";
    cl_guard_report_t r;
    assert_int_equal(cl_guard_check(&r, input, text, NULL), 0);
    assert_true(r.ok);
    cl_guard_report_dispose(&r);
    assert_int_equal(cl_guard_check(&r, input, "I cannot help with that.", NULL), 0);
    assert_false(r.ok);
    assert_string_equal(check_status(r.checks, "schema"), "fail");
    assert_string_equal(check_status(r.checks, "numbers"), "skipped");
    assert_non_null(strstr(r.problems, "not a JSON object"));
    cl_guard_report_dispose(&r);
}

static void test_guard__problems_name_the_part(void **state)
{
    (void)state;
    json_t *answer = json_parse_or_die(
        "{\"headline\":\"Fine\",\"bullets\":[{\"text\":\"ok\",\"finding_ids\":[]},"
        "{\"text\":\"Revenue rose 12%\",\"finding_ids\":[]}]}");
    cl_guard_report_t r;
    assert_int_equal(cl_guard_check_json(&r, input, answer, NULL), 0);
    assert_false(r.ok);
    assert_null(r.summary);
    assert_non_null(strstr(r.problems, "bullet 2: the number \"12%\""));
    cl_guard_report_dispose(&r);
    json_decref(answer);
}

static void test_guard__literal_parser(void **state)
{
    (void)state;
    cl_literal_t lit;
    assert_int_equal(cl_guard_parse_literal(&lit, "$1,234.5K rest", 14, ' '), 1);
    assert_int_equal(lit.unit, LIT_CURRENCY);
    assert_int_equal(lit.scale, 1);
    assert_int_equal(lit.decimals, 1);
    assert_int_equal(lit.len, 9);
    assert_true(lit.value > 1234.49 && lit.value < 1234.51);
    assert_int_equal(cl_guard_parse_literal(&lit, "-1.3 percentage points.", 23, ' '), 1);
    assert_int_equal(lit.unit, LIT_PP);
    assert_true(lit.negative);
    assert_int_equal(cl_guard_parse_literal(&lit, "5g_phones", 9, ' '), 0);
    assert_int_equal(cl_guard_parse_literal(&lit, "47", 2, 'W'), 0);
    assert_int_equal(cl_guard_parse_literal(&lit, "1,23", 4, ' '), 1);
    assert_int_equal(lit.len, 1); /* "1" then a comma: not a thousands group */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard__golden_suite),
        cmocka_unit_test(test_guard__literals_are_rendered_by_the_service),
        cmocka_unit_test(test_guard__answers_in_fences_or_prose_are_read),
        cmocka_unit_test(test_guard__problems_name_the_part),
        cmocka_unit_test(test_guard__literal_parser),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
