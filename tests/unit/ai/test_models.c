/* test_models.c — config/models.yaml: the shipped file loads, prices default sensibly, unpriced
 * models are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/models.h"

static void test_models__shipped_file_loads(void **state)
{
    (void)state;
    cl_models_t *m = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_models_load(&m, "config/models.yaml", &err);
    if (rc != 0) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, 0);
    const cl_model_t *d = cl_models_find(m, NULL);
    assert_string_equal(d->name, "offline");
    assert_int_equal(d->provider, CL_PROVIDER_OFFLINE);
    const cl_model_t *g = cl_models_find(m, "gpt-4o-mini");
    assert_int_equal(g->price.reasoning, 600000);
    assert_string_equal(g->api_key_env, "OPENAI_API_KEY");
    const cl_model_t *a = cl_models_find(m, "claude-3-5-haiku");
    assert_int_equal(a->price.cache_write, 1000000);
    assert_string_equal(a->model, "claude-3-5-haiku-latest");
    assert_int_equal(m->nchain, 1);
    assert_string_equal(m->prompt_version, "v1");
    cl_models_free(m);
}

static const char BASE[] =
    "default: a\nmodels:\n  a: {provider: offline, price: {input: 0, output: 0}}\n"
    "  b: {provider: openai, endpoint: 'http://x', price: {input: 7, output: 9}}\n"
    "  free: {provider: openai, endpoint: 'http://x'}\n";

static void test_models__defaults_and_refusal_of_unpriced(void **state)
{
    (void)state;
    cl_models_t *m = NULL;
    assert_int_equal(cl_models_parse(&m, BASE, sizeof BASE - 1, "t.yaml", NULL), 0);
    const cl_model_t *b = cl_models_find(m, "b");
    assert_int_equal(b->price.cached_input, 7);
    assert_int_equal(b->price.reasoning, 9);
    assert_int_equal(b->price.cache_write, 7);
    const cl_model_t *out = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_models_find_priced(&out, m, "free", &err), CL_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err.msg, "no price"));
    assert_int_equal(cl_models_find_priced(&out, m, "nope", NULL), CL_ENOTFOUND);
    assert_int_equal(cl_models_find_priced(&out, m, "b", NULL), 0);
    assert_int_equal(m->retry.max_attempts, 3);
    cl_models_free(m);
}

static void test_models__bad_files_name_the_problem(void **state)
{
    (void)state;
    struct {
        const char *yaml, *want;
    } cases[] = {
        {"models:\n  a: {provider: skynet}\n", "models.a: 'provider'"},
        {"models:\n  a: {provider: openai, price: {input: 1, output: 1}}\n",
         "'endpoint' is required"},
        {"models:\n  a: {provider: offline, price: {input: -1, output: 1}}\n",
         "'input' must be an integer"},
        {"models:\n  a: {provider: offline, price: {input: 1}}\n", "needs 'input' and 'output'"},
        {"models:\n  a: {provider: offline, colour: red}\n", "unknown key 'colour'"},
        {"default: zz\nmodels:\n  a: {provider: offline}\n", "'default' names no model"},
        {"chain: [a]\nmodels:\n  a: {provider: offline}\n", "has no price"},
        {"chain: [q]\nmodels:\n  a: {provider: offline}\n", "no such model"},
        {"retry: {max_attempts: 99}\nmodels:\n  a: {provider: offline}\n", "max_attempts"},
        {"models: {}\n", "at least one model"},
        {"oops: 1\nmodels:\n  a: {provider: offline}\n", "unknown key 'oops'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_models_t *m = NULL;
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(cl_models_parse(&m, cases[i].yaml, strlen(cases[i].yaml), "t.yaml", &err),
                         CL_ECONFIG);
        if (!strstr(err.msg, cases[i].want) || strncmp(err.msg, "t.yaml", 6) != 0) {
            print_error("case %zu: '%s' lacks '%s'\n", i, err.msg, cases[i].want);
            fail();
        }
        assert_null(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models__shipped_file_loads),
        cmocka_unit_test(test_models__defaults_and_refusal_of_unpriced),
        cmocka_unit_test(test_models__bad_files_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
