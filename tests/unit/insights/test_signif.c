/* Significance and anomalies on series built by hand: a flat noisy history makes a big move high
 * and a small one low; YoY is judged by weekly noise; too little history gives no score; the
 * seasonal expected value is last year's week grown by recent YoY growth; without a year, a robust
 * trend. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "insights/anomaly.h"
#include "insights/signif.h"
#include "../support/cube_fixture.h"

static cl_catalog_t *cat;
static size_t revenue;

static int setup(void **state)
{
    (void)state;
    cl_err_t err;
    int rc = cl_catalog_load(&cat, "config/metrics.yaml", &err);
    revenue = rc == 0 ? cube_m(cat, "revenue") : 0;
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    cl_catalog_free(cat);
    return 0;
}

/* revenue alternating 1000 ± 20 (log noise ~2 %), then LAST in the final week */
static cl_frame_t *series(size_t weeks, double last)
{
    cl_frame_t *f = NULL;
    cl_err_t err;
    assert_int_equal(cl_frame_new(&f, (cl_week_t){2025, 30}, weeks, cl_catalog_count(cat), &err),
                     0);
    for (size_t w = 0; w < weeks; w++) {
        *cl_frame_total(f, w, revenue) = w + 1 == weeks ? last : 1000 + (w % 2 ? 20 : -20);
    }
    return f;
}

static void test_signif__big_move_is_high_small_is_low(void **state)
{
    (void)state;
    cl_frame_t *f = series(60, 1300);
    cl_signif_t s = cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_WOW, 59);
    assert_string_equal(s.method, "robust_z");
    assert_int_equal(s.level, CL_SIG_HIGH);
    assert_true(s.z > 3);
    assert_int_equal(s.history, CL_SIGNIF_HISTORY);
    /* the alternating history's week-to-week log changes are ±ln(1020/980) = ±0.04 */
    assert_true(fabs(s.scale - 0.04) < 0.02);
    cl_frame_free(f);
    f = series(60, 1020);
    s = cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_WOW, 59);
    assert_int_equal(s.level, CL_SIG_LOW);
    cl_frame_free(f);
}

static void test_signif__yoy_uses_weekly_noise_and_mom_floors(void **state)
{
    (void)state;
    cl_frame_t *f = series(60, 1300);
    cl_signif_t wow =
        cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_WOW, 59);
    cl_signif_t yoy =
        cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_YOY, 59);
    cl_signif_t mom =
        cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_MOM, 59);
    assert_true(yoy.scale == wow.scale);
    /* 4-week sums of an alternating series barely move, but the floor is weekly noise / 2 */
    assert_true(mom.scale >= wow.scale / 2 - 1e-12);
    cl_frame_free(f);
}

static void test_signif__needs_history(void **state)
{
    (void)state;
    cl_frame_t *f = series(6, 2000);
    cl_signif_t s = cl_signif_change(cat, revenue, f, f->totals, f->n_measures, CL_WINDOW_WOW, 5);
    assert_string_equal(s.method, "insufficient_history");
    assert_true(s.z == 0 && s.level == CL_SIG_LOW);
    cl_frame_free(f);
    double gaps[3] = {1, 2, 3};
    cl_signif_t g = cl_signif_from_history(gaps, 3, 10);
    assert_string_equal(g.method, "insufficient_history");
}

static void test_signif__level_names(void **state)
{
    (void)state;
    assert_string_equal(cl_signif_level_name(cl_signif_level(-3.2)), "high");
    assert_string_equal(cl_signif_level_name(cl_signif_level(2.0)), "medium");
    assert_string_equal(cl_signif_level_name(cl_signif_level(1.99)), "low");
}

/* x[u] = 100 × 1.1^(u ≥ 52) × season(u mod 52) with noise-free seasons: the expected value of
 * week 59 is x[7] × 1.1 exactly. */
static void test_anomaly__seasonal_expected_value(void **state)
{
    (void)state;
    double x[60];
    for (int u = 0; u < 60; u++) {
        double season = 1 + 0.3 * sin(6.283185307179586 * (u % 52) / 52.0);
        x[u] = 100 * season * (u >= 52 ? 1.1 : 1.0) * (u % 2 ? 1.01 : 0.99);
    }
    double expected = x[7] * 1.1;
    cl_anomaly_t a = cl_anomaly_check(x, 60, 59);
    assert_true(a.ok);
    assert_string_equal(a.method, "seasonal");
    assert_true(fabs(a.expected - expected) < 1e-9);
    assert_true(fabs(a.z) < 1);
    x[59] = expected * 0.7;
    a = cl_anomaly_check(x, 60, 59);
    assert_true(a.z < -4);
    assert_true(fabs(a.deviation_pct + 30) < 1e-9);
}

static void test_anomaly__trend_without_a_year(void **state)
{
    (void)state;
    double x[20];
    for (int u = 0; u < 20; u++) {
        x[u] = 200 + 5 * u + (u % 2 ? 2 : -2);
    }
    cl_anomaly_t a = cl_anomaly_check(x, 20, 19);
    assert_true(a.ok);
    assert_string_equal(a.method, "trend");
    assert_true(fabs(a.expected - 295) < 3);
    x[5] = NAN;
    x[19] = -1;
    assert_false(cl_anomaly_check(x, 20, 19).ok);
    assert_false(cl_anomaly_check(x, 20, 3).ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signif__big_move_is_high_small_is_low),
        cmocka_unit_test(test_signif__yoy_uses_weekly_noise_and_mom_floors),
        cmocka_unit_test(test_signif__needs_history),
        cmocka_unit_test(test_signif__level_names),
        cmocka_unit_test(test_anomaly__seasonal_expected_value),
        cmocka_unit_test(test_anomaly__trend_without_a_year),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
