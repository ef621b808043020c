/* test_template.c — the prompt template language: variables only, checked, values never re-scanned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/template.h"

static void test_template__substitutes_variables(void **state)
{
    (void)state;
    cl_tpl_var_t vars[] = {{"data", "D"}, {"tools", "T"}};
    char *out = NULL;
    assert_int_equal(
        cl_template_render(&out, "a {{data}} b {{ tools }} c {F1.change} {x}", vars, 2, NULL), 0);
    assert_string_equal(out, "a D b T c {F1.change} {x}");
    free(out);
    assert_int_equal(cl_template_render(&out, "", vars, 2, NULL), 0);
    assert_string_equal(out, "");
    free(out);
}

static void test_template__values_are_not_rescanned(void **state)
{
    (void)state;
    cl_tpl_var_t vars[] = {{"data", "{{tools}} }} {{"}, {"tools", "SECRET"}};
    char *out = NULL;
    assert_int_equal(cl_template_render(&out, "[{{data}}]", vars, 2, NULL), 0);
    assert_string_equal(out, "[{{tools}} }} {{]");
    free(out);
}

static void test_template__malformed_and_unknown_are_errors(void **state)
{
    (void)state;
    const char *bad[] = {"{{",     "{{data", "{{ }}",   "{{Data}}",
                         "{{1x}}", "a }} b", "{{data}", "{{da ta}}"};
    cl_tpl_var_t vars[] = {{"data", "D"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        assert_int_equal(cl_template_render(&out, bad[i], vars, 1, NULL), CL_EINVAL);
        assert_null(out);
    }
    char *out = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_template_render(&out, "{{missing}}", vars, 1, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "missing"));
}

static void test_template__check_limits_variables(void **state)
{
    (void)state;
    static const char *const allowed[] = {"data", NULL};
    assert_int_equal(cl_template_check("x {{data}}", allowed, NULL), 0);
    assert_int_equal(cl_template_check("x {{tools}}", allowed, NULL), CL_EINVAL);
    assert_int_equal(cl_template_check("x {{data}}", NULL, NULL), CL_EINVAL);
    assert_int_equal(cl_template_check("plain {text}", NULL, NULL), 0);
}

static void test_template__size_is_capped(void **state)
{
    (void)state;
    size_t n = CL_TEMPLATE_MAX_BYTES + 2;
    char *big = malloc(n);
    memset(big, 'a', n - 1);
    big[n - 1] = '\0';
    char *out = NULL;
    assert_int_equal(cl_template_render(&out, big, NULL, 0, NULL), CL_ETOOBIG);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template__substitutes_variables),
        cmocka_unit_test(test_template__values_are_not_rescanned),
        cmocka_unit_test(test_template__malformed_and_unknown_are_errors),
        cmocka_unit_test(test_template__check_limits_variables),
        cmocka_unit_test(test_template__size_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
