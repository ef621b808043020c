/* Breakdowns: a hand-computed additive and ratio example over a tiny frame, missing measures, and
 * on random cubes every dimension's contributions sum to the slice's change (additive and ratio).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "insights/breakdown.h"
#include "insights/kpi.h"
#include "../support/cube_fixture.h"

#include "../support/catalog_fixture.h"

#define M(id) cube_m(cat, id)

/* channel web / app over 2 weeks: revenue web 100 → 90, app 50 → 80; visits web 1000 → 1000,
 * app 1000 → 2000; orders web 10 → 10, app 5 → 12. */
static cl_frame_t *tiny(void)
{
    cl_frame_t *f = NULL;
    cl_err_t err;
    size_t d, web, app;
    assert_int_equal(cl_frame_new(&f, (cl_week_t){2026, 46}, 2, cl_catalog_count(cat), &err), 0);
    assert_int_equal(cl_frame_add_dim(&d, f, "channel", CL_FRAME_NONE, &err), 0);
    assert_int_equal(cl_frame_value(&web, f, d, "web", CL_FRAME_NONE, &err), 0);
    assert_int_equal(cl_frame_value(&app, f, d, "app", CL_FRAME_NONE, &err), 0);
    const char *ids[] = {"revenue", "visits", "orders"};
    double vals[3][2][2] = {
        {{100, 90}, {50, 80}}, {{1000, 1000}, {1000, 2000}}, {{10, 10}, {5, 12}}};
    for (size_t m = 0; m < 3; m++) {
        cl_frame_set_has(f, d, M(ids[m]));
        for (size_t w = 0; w < 2; w++) {
            *cl_frame_cell(f, d, web, w, M(ids[m])) = vals[m][0][w];
            *cl_frame_cell(f, d, app, w, M(ids[m])) = vals[m][1][w];
            *cl_frame_total(f, w, M(ids[m])) = vals[m][0][w] + vals[m][1][w];
        }
    }
    return f;
}

static void test_breakdown__additive_hand_example(void **state)
{
    (void)state;
    cl_frame_t *f = tiny();
    cl_period_t p;
    cl_err_t err;
    assert_int_equal(cl_period_at(&p, f, CL_WINDOW_WOW, 1), 0);
    cl_breakdown_t b;
    assert_int_equal(cl_breakdown_compute(&b, cat, M("revenue"), f, 0, &p, &err), 0);
    assert_true(b.available);
    assert_true(b.total_change == 20);
    /* sorted by |contribution|: app +30 first, then web −10 */
    assert_string_equal(f->dims[0].values[b.rows[0].value], "app");
    assert_true(b.rows[0].contribution == 30 && b.rows[1].contribution == -10);
    assert_true(fabs(b.rows[0].contribution_pct - 150) < 1e-12);
    assert_true(fabs(b.rows[1].contribution_pct + 50) < 1e-12);
    assert_true(fabs(b.rows[0].share_previous - 100.0 / 3) < 1e-12);
    assert_true(fabs(b.rows[0].share_current - 800.0 / 17) < 1e-12);
    assert_true(fabs(b.rows[0].change_pct - 60) < 1e-12);
    assert_true(isnan(b.rows[0].mix_effect));
    cl_breakdown_dispose(&b);
    cl_frame_free(f);
}

/* Conversion: web 1.0 % → 1.0 %, app 0.5 % → 0.6 %; overall 0.75 % → 22/3000 = 0.7333 %. Shares of
 * visits 50/50 → 33.3/66.7, R̄ = 0.741667. web: mix (1/3 − 1/2)(1 − R̄) = −0.0430556, rate 0;
 * app: mix (2/3 − 1/2)(0.55 − R̄) = −0.0319444, rate (7/12)(0.1) = 0.0583333. */
static void test_breakdown__ratio_hand_example(void **state)
{
    (void)state;
    cl_frame_t *f = tiny();
    cl_period_t p;
    cl_err_t err;
    assert_int_equal(cl_period_at(&p, f, CL_WINDOW_WOW, 1), 0);
    cl_breakdown_t b;
    assert_int_equal(cl_breakdown_compute(&b, cat, M("conversion_rate"), f, 0, &p, &err), 0);
    assert_true(b.available);
    double rbar = (0.75 + 2200.0 / 3000) / 2;
    assert_true(fabs(b.previous - 0.75) < 1e-12 && fabs(b.current - 2200.0 / 3000) < 1e-12);
    const cl_breakdown_row_t *web = b.rows[0].value == 0 ? &b.rows[0] : &b.rows[1];
    const cl_breakdown_row_t *app = b.rows[0].value == 0 ? &b.rows[1] : &b.rows[0];
    assert_true(fabs(web->mix_effect - (1.0 / 3 - 0.5) * (1 - rbar)) < 1e-12);
    assert_true(fabs(web->rate_effect) < 1e-12);
    assert_true(fabs(app->mix_effect - (2.0 / 3 - 0.5) * (0.55 - rbar)) < 1e-12);
    assert_true(fabs(app->rate_effect - 7.0 / 12 * 0.1) < 1e-12);
    assert_true(fabs(web->contribution + app->contribution - b.total_change) < 1e-12);
    assert_true(fabs(b.mix_effect + b.rate_effect - b.total_change) < 1e-12);
    assert_true(fabs(app->share_current - 200.0 / 3) < 1e-12);
    cl_breakdown_dispose(&b);
    /* AOV needs revenue and orders: carried; spend is not: unavailable, no rows */
    assert_int_equal(cl_breakdown_compute(&b, cat, M("roas"), f, 0, &p, &err), 0);
    assert_false(b.available);
    assert_int_equal(b.n_rows, 0);
    cl_breakdown_dispose(&b);
    cl_frame_free(f);
}

static void test_breakdown__missing_values_make_it_unavailable(void **state)
{
    (void)state;
    cl_frame_t *f = tiny();
    cl_period_t p;
    cl_err_t err;
    *cl_frame_cell(f, 0, 1, 1, M("revenue")) = NAN;
    assert_int_equal(cl_period_at(&p, f, CL_WINDOW_WOW, 1), 0);
    cl_breakdown_t b;
    assert_int_equal(cl_breakdown_compute(&b, cat, M("revenue"), f, 0, &p, &err), 0);
    assert_false(b.available);
    cl_breakdown_dispose(&b);
    cl_frame_free(f);
}

/* Property: on random cubes, for every dimension, metric and window, contributions sum to the
 * breakdown's total change, which equals the KPI's change from the slice totals. */
static void test_breakdown__contributions_sum_to_total_on_random_cubes(void **state)
{
    (void)state;
    double *weekly = malloc(60 * sizeof *weekly);
    double *totals = malloc(60 * cl_catalog_count(cat) * sizeof *totals);
    for (uint64_t seed = 1; seed <= 6; seed++) {
        cube_effect_t eff = {"orders", 0.6 + 0.1 * (double)seed, 55, NULL, "mobile", NULL};
        cube_opts_t o = {.seed = seed,
                         .noise = 0.2,
                         .season = 0.2,
                         .trend = 0.003,
                         .scale = 500,
                         .effects = &eff,
                         .n_effects = 1};
        cl_frame_t *f = cube_make(cat, &o);
        assert_non_null(f);
        cl_period_fill_totals(totals, f, cat);
        for (int win = 0; win < CL_WINDOW_COUNT; win++) {
            cl_period_t p;
            assert_int_equal(cl_period_at(&p, f, (cl_window_t)win, 59), 0);
            for (size_t m = 0; m < cl_catalog_count(cat); m++) {
                cl_kpi_t k;
                cl_kpi_compute(&k, cat, m, f, totals, &p, (cl_window_t)win, 59, weekly, NULL);
                for (size_t d = 0; d < f->n_dims; d++) {
                    cl_breakdown_t b;
                    cl_err_t err;
                    assert_int_equal(cl_breakdown_compute(&b, cat, m, f, d, &p, &err), 0);
                    if (!b.available) {
                        cl_breakdown_dispose(&b);
                        continue;
                    }
                    double sum = 0, mix = 0, rate = 0;
                    for (size_t i = 0; i < b.n_rows; i++) {
                        sum += b.rows[i].contribution;
                        mix += isnan(b.rows[i].mix_effect) ? 0 : b.rows[i].mix_effect;
                        rate += isnan(b.rows[i].rate_effect) ? 0 : b.rows[i].rate_effect;
                    }
                    double tol = 1e-9 * (1 + fabs(k.previous) + fabs(k.current));
                    assert_true(fabs(sum - b.total_change) <= tol);
                    assert_true(fabs(b.total_change - k.change) <= tol);
                    if (cl_catalog_at(cat, m)->kind == CL_METRIC_RATIO) {
                        assert_true(fabs(mix + rate - k.change) <= tol);
                    }
                    cl_breakdown_dispose(&b);
                }
            }
        }
        cl_frame_free(f);
    }
    free(weekly);
    free(totals);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breakdown__additive_hand_example),
        cmocka_unit_test(test_breakdown__ratio_hand_example),
        cmocka_unit_test(test_breakdown__missing_values_make_it_unavailable),
        cmocka_unit_test(test_breakdown__contributions_sum_to_total_on_random_cubes),
    };
    return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
