/* Demo data randomness: the same inputs give the same values, and the distributions have the
 * moments the generator relies on (so calibrated sizes and planted effects come out as planned). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "etl/demo_rng.h"

static void test_demo_rng__hash_is_a_pure_function_of_its_inputs(void **state)
{
    (void)state;
    assert_true(cl_demo_hash(42, 1, 2, 3, 4) == cl_demo_hash(42, 1, 2, 3, 4));
    assert_true(cl_demo_hash(42, 1, 2, 3, 4) != cl_demo_hash(43, 1, 2, 3, 4));
    assert_true(cl_demo_hash(42, 1, 2, 3, 4) != cl_demo_hash(42, 2, 1, 3, 4));
    assert_true(cl_demo_hash(42, 0, 0, 0, 0) != cl_demo_hash(42, 0, 0, 0, 1));
    /* a known value: changing the hash changes every demo data set, so it is pinned */
    assert_true(cl_demo_mix64(0) == 0);
    assert_true(cl_demo_mix64(1) == 0x5692161d100b05e5ULL);
}

static void test_demo_rng__streams_repeat_for_the_same_seed(void **state)
{
    (void)state;
    cl_demo_rng_t a, b, c;
    cl_demo_rng_init(&a, 7);
    cl_demo_rng_init(&b, 7);
    cl_demo_rng_init(&c, 8);
    int differs = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = cl_demo_rng_next(&a);
        assert_true(x == cl_demo_rng_next(&b));
        differs += x != cl_demo_rng_next(&c);
    }
    assert_true(differs > 95);
}

static void test_demo_rng__uniforms_cover_the_unit_interval(void **state)
{
    (void)state;
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 1);
    int bins[10] = {0};
    for (int i = 0; i < 100000; i++) {
        double u = cl_demo_rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        bins[(int)(u * 10)]++;
        uint32_t k = cl_demo_rng_below(&r, 7);
        assert_true(k < 7);
    }
    for (int i = 0; i < 10; i++) {
        assert_in_range(bins[i], 9500, 10500);
    }
}

/* Mean and variance of N draws of DRAW. */
static void moments(double *mean, double *var, double (*draw)(cl_demo_rng_t *, double), double p,
                    int n)
{
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 12345);
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double x = draw(&r, p);
        s += x;
        s2 += x * x;
    }
    *mean = s / n;
    *var = s2 / n - *mean * *mean;
}

static double draw_poisson(cl_demo_rng_t *r, double lambda)
{
    return (double)cl_demo_rng_poisson(r, lambda);
}

static double draw_binomial_50(cl_demo_rng_t *r, double p)
{
    return (double)cl_demo_rng_binomial(r, 50, p);
}

static double draw_binomial_5000(cl_demo_rng_t *r, double p)
{
    return (double)cl_demo_rng_binomial(r, 5000, p);
}

static double draw_normal(cl_demo_rng_t *r, double unused)
{
    (void)unused;
    return cl_demo_rng_normal(r);
}

static double draw_round(cl_demo_rng_t *r, double x)
{
    return (double)cl_demo_rng_round(r, x);
}

static void test_demo_rng__poisson_has_mean_and_variance_lambda(void **state)
{
    (void)state;
    const double lambdas[] = {0.01, 0.3, 2.5, 11.9, 12.0, 40.0, 900.0};
    for (size_t i = 0; i < sizeof lambdas / sizeof lambdas[0]; i++) {
        double m, v, l = lambdas[i];
        moments(&m, &v, draw_poisson, l, 200000);
        assert_true(fabs(m - l) < 0.02 * l + 0.002);
        assert_true(fabs(v - l) < 0.05 * l + 0.002);
    }
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 3);
    assert_int_equal(cl_demo_rng_poisson(&r, 0.0), 0);
    assert_int_equal(cl_demo_rng_poisson(&r, -1.0), 0);
}

static void test_demo_rng__binomial_has_mean_np_and_stays_in_range(void **state)
{
    (void)state;
    const double ps[] = {0.001, 0.03, 0.5, 0.97};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double m, v, p = ps[i];
        moments(&m, &v, draw_binomial_50, p, 100000);
        assert_true(fabs(m - 50 * p) < 0.02 * 50 * p + 0.01);
        assert_true(fabs(v - 50 * p * (1 - p)) < 0.06 * 50 * p * (1 - p) + 0.01);
        moments(&m, &v, draw_binomial_5000, p, 50000);
        assert_true(fabs(m - 5000 * p) < 0.01 * 5000 * p + 0.05);
    }
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 9);
    for (int i = 0; i < 10000; i++) {
        int64_t k = cl_demo_rng_binomial(&r, 3, 0.6);
        assert_in_range(k, 0, 3);
    }
    assert_int_equal(cl_demo_rng_binomial(&r, 10, 0.0), 0);
    assert_int_equal(cl_demo_rng_binomial(&r, 10, 1.0), 10);
    assert_int_equal(cl_demo_rng_binomial(&r, 0, 0.5), 0);
}

static void test_demo_rng__normal_and_noise_have_the_documented_moments(void **state)
{
    (void)state;
    double m, v;
    moments(&m, &v, draw_normal, 0, 200000);
    assert_true(fabs(m) < 0.01);
    assert_true(fabs(v - 1.0) < 0.02);
    double s = 0;
    for (uint64_t i = 0; i < 200000; i++) {
        s += cl_demo_noise_of(cl_demo_hash(1, i, 0, 0, 0), 0.2);
    }
    assert_true(fabs(s / 200000 - 1.0) < 0.005); /* mean-one noise keeps calibrated sizes */
}

static void test_demo_rng__random_rounding_keeps_the_expectation(void **state)
{
    (void)state;
    double m, v;
    moments(&m, &v, draw_round, 2.25, 100000);
    assert_true(fabs(m - 2.25) < 0.01);
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 5);
    for (int i = 0; i < 1000; i++) {
        int64_t k = cl_demo_rng_round(&r, 2.25);
        assert_true(k == 2 || k == 3);
    }
}

static void test_demo_rng__pick_follows_the_weights(void **state)
{
    (void)state;
    const double w[4] = {0.5, 0.0, 0.3, 0.2};
    int n[4] = {0};
    cl_demo_rng_t r;
    cl_demo_rng_init(&r, 11);
    for (int i = 0; i < 100000; i++) {
        n[cl_demo_rng_pick(&r, w, 4)]++;
    }
    assert_in_range(n[0], 49000, 51000);
    assert_int_equal(n[1], 0);
    assert_in_range(n[2], 29000, 31000);
    assert_in_range(n[3], 19000, 21000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_rng__hash_is_a_pure_function_of_its_inputs),
        cmocka_unit_test(test_demo_rng__streams_repeat_for_the_same_seed),
        cmocka_unit_test(test_demo_rng__uniforms_cover_the_unit_interval),
        cmocka_unit_test(test_demo_rng__poisson_has_mean_and_variance_lambda),
        cmocka_unit_test(test_demo_rng__binomial_has_mean_np_and_stays_in_range),
        cmocka_unit_test(test_demo_rng__normal_and_noise_have_the_documented_moments),
        cmocka_unit_test(test_demo_rng__random_rounding_keeps_the_expectation),
        cmocka_unit_test(test_demo_rng__pick_follows_the_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
