/* LMDI revenue split: a hand-computed example, refusals, and on random inputs the three effects sum
 * to the revenue change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "insights/lmdi.h"
#include "../support/cube_fixture.h"

/* Visits 1000 → 1100 (+10 %), orders 20 → 22 (conversion flat at 2 %), revenue 2000 → 2420 (basket
 * 100 → 110, +10 %). ln(1.21) = 2 ln(1.1), so traffic and basket take half of +420 each. */
static void test_lmdi__hand_example(void **state)
{
    (void)state;
    cl_lmdi_revenue_t s;
    assert_int_equal(cl_lmdi_revenue(&s, 1000, 20, 2000, 1100, 22, 2420), 0);
    assert_true(fabs(s.traffic_effect - 210) < 1e-9);
    assert_true(fabs(s.conversion_effect) < 1e-9);
    assert_true(fabs(s.basket_effect - 210) < 1e-9);
    assert_true(s.change == 420);
    assert_true(fabs(s.conversion[1] - 0.02) < 1e-15 && fabs(s.basket[1] - 110) < 1e-12);
}

/* Traffic up 25 %, conversion down 20 %, basket flat: revenue flat, effects ± L × ln 1.25. */
static void test_lmdi__offsetting_factors(void **state)
{
    (void)state;
    cl_lmdi_revenue_t s;
    assert_int_equal(cl_lmdi_revenue(&s, 800, 40, 4000, 1000, 40, 4000), 0);
    assert_true(fabs(s.traffic_effect - 4000 * log(1.25)) < 1e-9);
    assert_true(fabs(s.conversion_effect + 4000 * log(1.25)) < 1e-9);
    assert_true(fabs(s.basket_effect) < 1e-12);
}

static void test_lmdi__refuses_zero_factors(void **state)
{
    (void)state;
    cl_lmdi_revenue_t s;
    assert_int_equal(cl_lmdi_revenue(&s, 0, 20, 2000, 1100, 22, 2420), -1);
    assert_int_equal(cl_lmdi_revenue(&s, 1000, 20, 2000, 1100, 0, 0), -1);
    assert_true(s.change == -2000);
    double e[2], x0[2] = {1, NAN}, x1[2] = {1, 2};
    assert_int_equal(cl_lmdi_split(e, x0, x1, 2), -1);
}

static void test_lmdi__parts_sum_to_change_on_random_inputs(void **state)
{
    (void)state;
    cube_rng_t rng = {99};
    for (int i = 0; i < 5000; i++) {
        double v0 = 1 + cube_uniform(&rng) * 1e6, v1 = v0 * exp(cube_normal(&rng) * 0.3);
        double o0 = v0 * 0.05 * cube_uniform(&rng) + 1, o1 = o0 * exp(cube_normal(&rng) * 0.3);
        double r0 = o0 * (10 + 200 * cube_uniform(&rng)), r1 = r0 * exp(cube_normal(&rng) * 0.3);
        if (i % 97 == 0) {
            r1 = r0; /* no change at all */
        }
        cl_lmdi_revenue_t s;
        assert_int_equal(cl_lmdi_revenue(&s, v0, o0, r0, v1, o1, r1), 0);
        double sum = s.traffic_effect + s.conversion_effect + s.basket_effect;
        assert_true(fabs(sum - (r1 - r0)) <= 1e-9 * fmax(r0, r1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lmdi__hand_example),
        cmocka_unit_test(test_lmdi__offsetting_factors),
        cmocka_unit_test(test_lmdi__refuses_zero_factors),
        cmocka_unit_test(test_lmdi__parts_sum_to_change_on_random_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
