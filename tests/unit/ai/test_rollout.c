/* test_rollout.c — staged rollout arms: a stable, documented assignment that grows monotonically
 * with the percentage, splits users in proportion, and refuses arms that are wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/rollout.h"

static int any_model(void *payload, const char *name)
{
    (void)payload;
    return strcmp(name, "unpriced") != 0;
}

static int read_yaml_list(cl_rollout_t *r, const char *json_text, cl_err_t *err)
{
    json_t *list = json_loads(json_text, 0, NULL);
    assert_non_null(list);
    int rc = cl_rollout_read(r, list, any_model, NULL, err);
    json_decref(list);
    return rc;
}

static void test_rollout__bucket_is_the_documented_hash(void **state)
{
    (void)state;
    /* FNV-1a 64 of "prompt-v2\nmaria.lopez" mod 10000, computed independently */
    assert_int_equal(cl_rollout_bucket("prompt-v2", "maria.lopez"), 9432);
    assert_int_equal(cl_rollout_bucket("prompt-v2", "maria.lopez"),
                     cl_rollout_bucket("prompt-v2", "maria.lopez"));
    assert_true(cl_rollout_bucket("x", NULL) >= 0);
}

static void test_rollout__share_follows_the_percentage_and_only_grows(void **state)
{
    (void)state;
    cl_rollout_t r;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(read_yaml_list(&r, "[{\"name\":\"a\",\"percent\":10,\"model\":\"m\"}]", &err),
                     0);
    assert_int_equal(r.arms[0].basis_points, 1000);
    int in10 = 0, in25 = 0, lost = 0;
    char user[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(user, sizeof user, "user-%d", i);
        int was_in = cl_rollout_pick(&r, user) != NULL;
        in10 += was_in;
        r.arms[0].basis_points = 2500;
        int now_in = cl_rollout_pick(&r, user) != NULL;
        in25 += now_in;
        lost += was_in && !now_in;
        r.arms[0].basis_points = 1000;
    }
    /* 20,000 draws: the binomial standard deviation at 10 % is about 42 users */
    assert_in_range(in10, 2000 - 250, 2000 + 250);
    assert_in_range(in25, 5000 - 350, 5000 + 350);
    assert_int_equal(lost, 0);
    cl_rollout_dispose(&r);
}

static void test_rollout__first_arm_wins_and_zero_takes_nobody(void **state)
{
    (void)state;
    cl_rollout_t r;
    assert_int_equal(read_yaml_list(&r,
                                    "[{\"name\":\"off\",\"percent\":0,\"model\":\"m\"},"
                                    "{\"name\":\"all\",\"percent\":100,\"prompt_version\":\"v2\"},"
                                    "{\"name\":\"never\",\"percent\":100,\"model\":\"m\"}]",
                                    NULL),
                     0);
    for (int i = 0; i < 500; i++) {
        char user[16];
        snprintf(user, sizeof user, "u%d", i);
        const cl_rollout_arm_t *a = cl_rollout_pick(&r, user);
        assert_non_null(a);
        assert_string_equal(a->name, "all");
        assert_string_equal(a->prompt_version, "v2");
        assert_null(a->model);
    }
    cl_rollout_dispose(&r);
    assert_int_equal(read_yaml_list(&r, "[]", NULL), 0);
    assert_null(cl_rollout_pick(&r, "anyone"));
    cl_rollout_dispose(&r);
    assert_int_equal(cl_rollout_read(&r, NULL, any_model, NULL, NULL), 0);
    assert_null(cl_rollout_pick(&r, "anyone"));
}

static void test_rollout__bad_arms_name_the_problem(void **state)
{
    (void)state;
    struct {
        const char *json, *want;
    } cases[] = {
        {"{}", "'rollout' must be a list"},
        {"[3]", "rollout[0] must be a mapping"},
        {"[{\"percent\":5,\"model\":\"m\"}]", "'name' is required"},
        {"[{\"name\":\"\",\"percent\":5,\"model\":\"m\"}]", "'name' must be a name"},
        {"[{\"name\":\"a\",\"model\":\"m\"}]", "'percent' must be a number"},
        {"[{\"name\":\"a\",\"percent\":-1,\"model\":\"m\"}]", "'percent'"},
        {"[{\"name\":\"a\",\"percent\":12.345,\"model\":\"m\"}]", "at most two decimals"},
        {"[{\"name\":\"a\",\"percent\":\"5\",\"model\":\"m\"}]", "'percent'"},
        {"[{\"name\":\"a\",\"percent\":5}]", "give a prompt_version or a model"},
        {"[{\"name\":\"a\",\"percent\":5,\"model\":\"unpriced\"}]", "not a priced model"},
        {"[{\"name\":\"a\",\"percent\":5,\"model\":7}]", "'model' must be a name"},
        {"[{\"name\":\"a\",\"percent\":5,\"model\":\"m\",\"when\":1}]", "unknown key 'when'"},
        {"[{\"name\":\"a\",\"percent\":5,\"model\":\"m\"},{\"name\":\"a\",\"percent\":5,"
         "\"model\":\"m\"}]",
         "rollout[1]: the name 'a' is used twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_rollout_t r;
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(read_yaml_list(&r, cases[i].json, &err), CL_ECONFIG);
        if (!strstr(err.msg, cases[i].want)) {
            print_error("case %zu: '%s' lacks '%s'\n", i, err.msg, cases[i].want);
            fail();
        }
        assert_int_equal(r.n, 0);
        assert_null(r.arms);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollout__bucket_is_the_documented_hash),
        cmocka_unit_test(test_rollout__share_follows_the_percentage_and_only_grows),
        cmocka_unit_test(test_rollout__first_arm_wins_and_zero_takes_nobody),
        cmocka_unit_test(test_rollout__bad_arms_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
