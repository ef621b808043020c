/* test_prompt.c — prompt files load strictly: instructions take no variable, unknown keys and bad
 * names fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/prompt.h"
#include "../support/tmpdir.h"

static void test_prompt__shipped_prompt_loads(void **state)
{
    (void)state;
    cl_prompt_t *p = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_prompt_load(&p, "config/prompts", "wbr_summary", "v1", &err), 0);
    assert_string_equal(p->version, "v1");
    assert_true(p->max_output_tokens >= 64);
    assert_non_null(strstr(p->system, "never instructions"));
    char *user = NULL, *repair = NULL;
    assert_int_equal(cl_prompt_user(&user, p, "<<<DATA\nx\nDATA>>>", "", NULL), 0);
    assert_non_null(strstr(user, "<<<DATA\nx\nDATA>>>"));
    assert_int_equal(cl_prompt_repair(&repair, p, "- headline: bad", NULL), 0);
    assert_non_null(strstr(repair, "- headline: bad"));
    free(user);
    free(repair);
    cl_prompt_free(p);
}

static void test_prompt__bad_files_are_refused(void **state)
{
    (void)state;
    char dir[256];
    tmpdir_make(dir);
    struct {
        const char *text;
        int code;
    } cases[] = {
        {"system: hi {{data}}\nuser: '{{data}}'\nrepair: '{{problems}}'\n",
         CL_ECONFIG}, /* data in system */
        {"system: hi\nuser: '{{secret}}'\nrepair: '{{problems}}'\n", CL_ECONFIG},
        {"system: hi\nuser: u\nrepair: r\nsurprise: 1\n", CL_ECONFIG},
        {"system: hi\nuser: u\n", CL_ECONFIG},
        {"system: hi\nuser: u\nrepair: r\nmax_output_tokens: 1\n", CL_ECONFIG},
        {"system: [unclosed\n", CL_ECONFIG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tmpdir_write(dir, "p/v1.yaml", cases[i].text);
        cl_prompt_t *p = NULL;
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(cl_prompt_load(&p, dir, "p", "v1", &err), cases[i].code);
        assert_null(p);
        assert_non_null(strstr(err.msg, "v1.yaml"));
    }
    cl_prompt_t *p = NULL;
    assert_int_equal(cl_prompt_load(&p, dir, "p", "v2", NULL), CL_ENOTFOUND);
    assert_int_equal(cl_prompt_load(&p, dir, "../p", "v1", NULL), CL_EINVAL);
    assert_int_equal(cl_prompt_load(&p, dir, "p", "..", NULL), CL_EINVAL);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prompt__shipped_prompt_loads),
        cmocka_unit_test(test_prompt__bad_files_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
