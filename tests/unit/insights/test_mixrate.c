/* Mix and rate effects: a hand-computed two-segment example, new / vanished / denominator-less
 * segments, and on random inputs mix + rate = the ratio's change exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "insights/mixrate.h"
#include "../support/cube_fixture.h"

#define CLOSE(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1 + fabs(b)))

/* Conversion: A 10/100 → 12/150, B 5/100 → 4/50 (percent). R 7.5 % → 8 %. Shares 50/50 → 75/25,
 * R̄ = 7.75. A: mix 0.25 × (9 − 7.75) = 0.3125, rate 0.625 × −2 = −1.25.
 *           B: mix −0.25 × (6.5 − 7.75) = 0.3125, rate 0.375 × 3 = 1.125. */
static void test_mixrate__hand_example(void **state)
{
    (void)state;
    cl_mixrate_in_t in[2] = {{10, 100, 12, 150}, {5, 100, 4, 50}};
    cl_mixrate_out_t out[2];
    double r0, r1, mix, rate;
    assert_int_equal(cl_mixrate_split(out, &r0, &r1, &mix, &rate, in, 2, 100), 0);
    CLOSE(r0, 7.5);
    CLOSE(r1, 8.0);
    CLOSE(out[0].mix, 0.3125);
    CLOSE(out[0].rate, -1.25);
    CLOSE(out[1].mix, 0.3125);
    CLOSE(out[1].rate, 1.125);
    CLOSE(mix, 0.625);
    CLOSE(rate, -0.125);
    CLOSE(mix + rate, r1 - r0);
    CLOSE(out[0].s1, 0.75);
    CLOSE(out[1].r1, 8.0);
}

/* A new segment's and a vanished segment's effect is all mix; a numerator without a denominator
 * is all rate; the parts still add up. */
static void test_mixrate__edge_segments(void **state)
{
    (void)state;
    cl_mixrate_in_t in[4] = {
        {10, 100, 10, 100}, /* steady */
        {0, 0, 6, 50},      /* new */
        {3, 40, 0, 0},      /* vanished */
        {2, 0, 5, 0},       /* orders without visits */
    };
    cl_mixrate_out_t out[4];
    double r0, r1, mix, rate;
    assert_int_equal(cl_mixrate_split(out, &r0, &r1, &mix, &rate, in, 4, 100), 0);
    CLOSE(r0, 100.0 * 15 / 140);
    CLOSE(r1, 100.0 * 21 / 150);
    assert_true(out[1].rate == 0 && out[2].rate == 0);
    assert_true(out[3].mix == 0);
    assert_true(isnan(out[3].r0) && isnan(out[1].r0));
    CLOSE(out[3].rate, 100.0 * (5.0 / 150 - 2.0 / 140));
    CLOSE(mix + rate, r1 - r0);
}

static void test_mixrate__refuses_empty_denominator(void **state)
{
    (void)state;
    cl_mixrate_in_t in[1] = {{1, 0, 1, 10}};
    cl_mixrate_out_t out[1];
    double r0, r1, mix, rate;
    assert_int_equal(cl_mixrate_split(out, &r0, &r1, &mix, &rate, in, 1, 100), -1);
    in[0] = (cl_mixrate_in_t){1, NAN, 1, 10};
    assert_int_equal(cl_mixrate_split(out, &r0, &r1, &mix, &rate, in, 1, 100), -1);
}

/* Property: on random segments (some empty, some new), Σ mix + Σ rate = R1 − R0, and per segment
 * mix + rate is its contribution. */
static void test_mixrate__parts_sum_to_change_on_random_inputs(void **state)
{
    (void)state;
    cube_rng_t rng = {12345};
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = 1 + (size_t)(cube_uniform(&rng) * 12);
        cl_mixrate_in_t in[12] = {{0}};
        cl_mixrate_out_t out[12];
        for (size_t i = 0; i < n; i++) {
            double kind = cube_uniform(&rng);
            in[i].d0 = kind < 0.1 ? 0 : cube_uniform(&rng) * 1e4;
            in[i].d1 = kind > 0.9 ? 0 : cube_uniform(&rng) * 1e4;
            in[i].n0 = in[i].d0 * cube_uniform(&rng) * 0.1 + (kind < 0.05 ? 3 : 0);
            in[i].n1 = in[i].d1 * cube_uniform(&rng) * 0.1;
        }
        in[0].d0 += 1;
        in[0].d1 += 1;
        double r0, r1, mix, rate, sum = 0;
        assert_int_equal(cl_mixrate_split(out, &r0, &r1, &mix, &rate, in, n, 100), 0);
        for (size_t i = 0; i < n; i++) {
            sum += out[i].mix + out[i].rate;
        }
        assert_true(fabs(mix + rate - (r1 - r0)) <= 1e-9 * (1 + fabs(r0)));
        assert_true(fabs(sum - (r1 - r0)) <= 1e-9 * (1 + fabs(r0)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixrate__hand_example),
        cmocka_unit_test(test_mixrate__edge_segments),
        cmocka_unit_test(test_mixrate__refuses_empty_denominator),
        cmocka_unit_test(test_mixrate__parts_sum_to_change_on_random_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
