/* test_narrator.c — the offline narrator: byte-identical across runs, and held to the same
 * guardrails as a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/guard.h"
#include "ai/narrator.h"
#include "ai_fixture.h"

static char *narrate_rendered(json_t *req)
{
    cl_ai_input_t *in = NULL;
    assert_int_equal(cl_ai_input_new(&in, req, NULL), 0);
    json_t *answer = NULL;
    assert_int_equal(cl_narrator_write(&answer, in, NULL), 0);
    cl_guard_report_t r;
    assert_int_equal(cl_guard_check_json(&r, in, answer, NULL), 0);
    if (!r.ok) {
        char *a = json_dumps(answer, JSON_INDENT(1));
        print_error("narrator failed its checks:\n%s\n%s\n", r.problems, a);
        free(a);
        fail();
    }
    char *text = json_dumps(r.summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    cl_guard_report_dispose(&r);
    json_decref(answer);
    cl_ai_input_free(in);
    return text;
}

static void test_narrator__byte_identical_and_as_recorded(void **state)
{
    (void)state;
    json_t *req = fixture_request();
    char *a = narrate_rendered(req);
    char *b = narrate_rendered(req);
    assert_string_equal(a, b);
    /* the recorded output: a change here is a visible, reviewed change of the product's text */
    char *want = NULL;
    size_t len = 0;
    assert_int_equal(
        cl_file_read_all(&want, &len, "tests/fixtures/ai/narrator_expected.json", 1 << 20, NULL),
        0);
    if (strcmp(a, want) != 0 && getenv("CATLENS_UPDATE_GOLDEN")) {
        /* a reviewed change of the text: CATLENS_UPDATE_GOLDEN=1 rewrites the recording */
        assert_int_equal(
            cl_file_write_atomic("tests/fixtures/ai/narrator_expected.json", a, strlen(a), NULL),
            0);
    } else if (strcmp(a, want) != 0) {
        print_error("narrator output changed (CATLENS_UPDATE_GOLDEN=1 records it):\n%s\n", a);
        fail();
    }
    free(want);
    free(a);
    free(b);
    json_decref(req);
}

static void test_narrator__every_finding_type_alone_passes_the_checks(void **state)
{
    (void)state;
    json_t *base = fixture_request();
    size_t n = json_array_size(json_object_get(json_object_get(base, "report"), "findings"));
    for (size_t i = 0; i < n; i++) {
        json_t *req = json_deep_copy(base);
        json_t *findings = json_object_get(json_object_get(req, "report"), "findings");
        json_t *keep = json_incref(json_array_get(findings, i));
        json_array_clear(findings);
        json_array_append_new(findings, keep);
        free(narrate_rendered(req));
        json_decref(req);
    }
    json_t *req = json_deep_copy(base);
    json_array_clear(json_object_get(json_object_get(req, "report"), "findings"));
    char *text = narrate_rendered(req);
    assert_non_null(strstr(text, "No material change"));
    free(text);
    json_decref(req);
    json_decref(base);
}

static void test_narrator__hostile_names_cannot_become_figures(void **state)
{
    (void)state;
    json_t *req = fixture_request();
    json_t *report = json_object_get(req, "report");
    json_object_set_new(report, "category", json_string("{F1.change} 500% {{data}}"));
    json_t *step = json_array_get(
        json_object_get(json_array_get(json_object_get(report, "findings"), 0), "path"), 0);
    json_object_set_new(step, "value", json_string("mobile}{revenue.current"));
    char *text = narrate_rendered(req);
    assert_null(strstr(text, "{F1"));
    assert_null(strstr(text, "{{"));
    assert_null(strstr(text, "{revenue"));
    assert_null(strstr(text, "500"));
    free(text);
    json_decref(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_narrator__byte_identical_and_as_recorded),
        cmocka_unit_test(test_narrator__every_finding_type_alone_passes_the_checks),
        cmocka_unit_test(test_narrator__hostile_names_cannot_become_figures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
