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

static int same_sig(cl_signif_t a, cl_signif_t b)
{
    return memcmp(&a.z, &b.z, sizeof a.z) == 0 && memcmp(&a.scale, &b.scale, sizeof a.scale) == 0 &&
           a.level == b.level && a.history == b.history && strcmp(a.method, b.method) == 0;
}

/* The memo (the WoW part shared by a slice's windows) gives cl_signif_change's result bit for bit,
 * whichever window fills a slot first and whether read filled or not: on a positive series (log
 * changes), one crossing zero (differences), one with zeros in its history (both kinds of
 * history, the log one too short), one too short for any, and a positive one whose report weeks
 * are 0 (differences although the WoW log history is long enough). */
static void test_signif__memo_gives_the_same_bits(void **state)
{
    (void)state;
    const size_t weeks = 70;
    for (int shape = 0; shape < 5; shape++) {
        cl_frame_t *f = series(weeks, 1300);
        for (size_t w = 0; w < weeks; w++) {
            double *x = cl_frame_total(f, w, revenue);
            double wiggle = (double)((w * 7919) % 13) - 6;
            *x = shape == 0   ? 1000 + 30 * wiggle
                 : shape == 1 ? 40 * wiggle
                 : shape == 2 ? (w % 3 ? 0 : 500 + 20 * wiggle)
                 : shape == 3 ? (w + 4 < weeks ? NAN : 900 + wiggle)
                              : (w % 7 == 6 ? 0 : 1000 + 30 * wiggle);
        }
        for (long t = 55; t < (long)weeks; t += 7) {
            for (int first = 0; first < CL_WINDOW_COUNT; first++) {
                cl_signif_memo_t memo;
                assert_int_equal(cl_signif_memo_init(&memo, f, cl_catalog_count(cat), t), 0);
                cl_signif_wow_t *slot = cl_signif_memo_totals(&memo, revenue);
                assert_non_null(slot);
                for (int k = 0; k < 2 * CL_WINDOW_COUNT; k++) {
                    cl_window_t win = (cl_window_t)((first + k) % CL_WINDOW_COUNT);
                    cl_signif_t want =
                        cl_signif_change(cat, revenue, f, f->totals, f->n_measures, win, t);
                    cl_signif_t got = cl_signif_change_memo(cat, revenue, f, f->totals,
                                                            f->n_measures, win, t, slot);
                    assert_true(same_sig(want, got));
                }
                /* the anomaly of the report week: the same from an empty and a filled slot */
                for (int k = 0; k < 2; k++) {
                    double x[70];
                    for (size_t w = 0; w < weeks; w++) {
                        x[w] = *cl_frame_total(f, w, revenue);
                    }
                    cl_anomaly_t want = cl_anomaly_check(x, weeks, t);
                    cl_anomaly_t got = cl_anomaly_check_memo(x, weeks, t, &slot->anomaly);
                    assert_int_equal(got.ok, want.ok);
                    assert_true(cl_anomaly_memo_ready(&slot->anomaly));
                    assert_memory_equal(&got.z, &want.z, sizeof got.z);
                    assert_memory_equal(&got.expected, &want.expected, sizeof got.expected);
                    assert_memory_equal(&got.actual, &want.actual, sizeof got.actual);
                    assert_true(got.method == want.method);
                }
                cl_signif_memo_dispose(&memo);
            }
        }
        cl_frame_free(f);
    }
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
        cmocka_unit_test(test_signif__memo_gives_the_same_bits),
        cmocka_unit_test(test_anomaly__seasonal_expected_value),
        cmocka_unit_test(test_anomaly__trend_without_a_year),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
