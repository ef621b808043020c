/* The insight engine end to end on generated cubes: no findings on pure noise at the default
 * thresholds, planted changes found with the right type and path and linked to the KPI change they
 * explain, byte-identical JSON across runs, stable ids, and clear refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/engine.h"
#include "../support/cube_fixture.h"

#include "../support/catalog_fixture.h"

static const cl_week_t LAST = {2026, 43}; /* frame index 59 of cube_make */

static cl_insight_t *run(const cl_frame_t *f, cl_window_t win)
{
    cl_insight_scope_t scope = {"electronics", "north_america", win, LAST};
    cl_insight_t *r = NULL;
    cl_err_t err;
    if (cl_insight_run(&r, f, cat, &scope, NULL, &err) != 0) {
        fail_msg("%s", err.msg);
    }
    return r;
}

static char *dump(const cl_insight_t *r)
{
    json_t *j = cl_findings_json(&r->findings, cat, r->scope.window);
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(j);
    return s;
}

static void show(const char *what, const cl_insight_t *r)
{
    if (!getenv("CATLENS_TEST_SHOW")) {
        return;
    }
    printf("# %s (%s): %zu findings\n", what, cl_window_name(r->scope.window), r->findings.n);
    for (size_t m = 0; m < r->n_metrics; m++) {
        const cl_kpi_t *k = &r->kpis[m];
        if (fabs(k->sig.z) >= 2) {
            printf("#   kpi %s %.2f%% z=%.2f scale=%.4f n=%zu\n", cl_catalog_at(cat, m)->id,
                   k->change_pct, k->sig.z, k->sig.scale, k->sig.history);
        }
    }
    for (size_t i = 0; i < r->findings.n; i++) {
        const cl_finding_t *f = &r->findings.items[i];
        printf("#   %d %s %s z=%.2f stake=%.0f explains=%s | %s\n", f->rank,
               cl_finding_type_name(f->type), cl_catalog_at(cat, f->metric)->id, f->sig.z,
               f->value_at_stake, f->explains, f->title);
    }
}

static const cl_finding_t *find(const cl_insight_t *r, cl_finding_type_t type, const char *metric,
                                const char *dim, const char *value)
{
    for (size_t i = 0; i < r->findings.n; i++) {
        const cl_finding_t *f = &r->findings.items[i];
        if (f->type != type || strcmp(cl_catalog_at(cat, f->metric)->id, metric) != 0) {
            continue;
        }
        if (!dim && f->path_len == 0) {
            return f;
        }
        for (size_t k = 0; dim && k < f->path_len; k++) {
            if (strcmp(f->path_dim[k], dim) == 0 && strcmp(f->path_value[k], value) == 0) {
                return f;
            }
        }
    }
    return NULL;
}

/* Property: pure noise gives no finding at the default thresholds, for every window and many seeds.
 * (A season or a trend is not noise: a seasonal upswing is a real QoQ change, a trend a real YoY
 * change, so both are left out here; the anomaly check is what says they were expected.) */
static void test_engine__no_findings_on_pure_noise(void **state)
{
    (void)state;
    size_t total = 0;
    uint64_t seeds =
        getenv("CATLENS_TEST_SEEDS") ? strtoull(getenv("CATLENS_TEST_SEEDS"), NULL, 10) : 30;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        cube_opts_t o = {.seed = seed, .noise = 0.08, .season = 0, .scale = 2000, .with_pulse = 1};
        cl_frame_t *f = cube_make(cat, &o);
        for (int win = 0; win < CL_WINDOW_COUNT; win++) {
            cl_insight_t *r = run(f, (cl_window_t)win);
            if (r->findings.n) {
                char what[32];
                snprintf(what, sizeof what, "noise seed %llu", (unsigned long long)seed);
                show(what, r);
            }
            total += r->findings.n;
            cl_insight_free(r);
        }
        cl_frame_free(f);
    }
    assert_int_equal(total, 0);
}

static const cl_finding_t *by_id(const cl_insight_t *r, const char *id)
{
    for (size_t i = 0; i < r->findings.n; i++) {
        if (strcmp(r->findings.items[i].id, id) == 0) {
            return &r->findings.items[i];
        }
    }
    return NULL;
}

/* Conversion falls 35 % on mobile paid search in the last week of a steady slice: conversion
 * rate's KPI change, a driver in paid search or on mobile that explains it, and revenue's change
 * told with its conversion effect, all linked. */
static void test_engine__conversion_drop_is_found_and_explained(void **state)
{
    (void)state;
    cube_effect_t eff = {"orders", 0.65, 59, NULL, "mobile", "paid_search"};
    cube_opts_t o = {.seed = 7,
                     .noise = 0.03,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 20000,
                     .effects = &eff,
                     .n_effects = 1,
                     .with_pulse = 1};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = run(f, CL_WINDOW_WOW);
    show("conversion drop", r);
    const cl_finding_t *cr = find(r, CL_FINDING_KPI_CHANGE, "conversion_rate", NULL, NULL);
    assert_non_null(cr);
    assert_int_equal(cr->direction, -1);
    assert_int_equal(cr->favourable, 0);
    assert_string_equal(cl_catalog_change_unit(cl_catalog_at(cat, cr->metric)), "pp");
    assert_true(cr->sig.level == CL_SIG_HIGH);
    /* localised across dimensions: exactly mobile × paid search, superseding one-dimension drivers
     */
    const cl_finding_t *rc =
        find(r, CL_FINDING_ROOT_CAUSE, "conversion_rate", "traffic_l1", "paid_search");
    assert_non_null(rc);
    assert_int_equal(rc->path_len, 2);
    assert_string_equal(rc->path_dim[0], "device_type");
    assert_string_equal(rc->path_value[0], "mobile");
    assert_string_equal(rc->explains, cr->id);
    assert_true(cl_finding_get(rc, "share_of_change") >= 50);
    assert_null(find(r, CL_FINDING_DRIVER, "conversion_rate", "traffic_l1", "paid_search"));
    const cl_finding_t *rev = find(r, CL_FINDING_KPI_CHANGE, "revenue", NULL, NULL);
    if (rev) {
        assert_true(cl_finding_get(rev, "conversion_effect") < 0);
        assert_string_equal(cr->explains, rev->id);
        assert_null(find(r, CL_FINDING_KPI_CHANGE, "orders", NULL, NULL));
    }
    /* every link points at a finding of the list */
    for (size_t i = 0; i < r->findings.n; i++) {
        const cl_finding_t *x = &r->findings.items[i];
        assert_true(!x->explains[0] || by_id(r, x->explains));
        assert_int_equal(x->rank, (int)i + 1);
    }
    cl_insight_free(r);
    cl_frame_free(f);
}

/* The same drop in a noisy slice, where the slice's conversion does not move beyond its noise:
 * the segment still carries the story (a finding on paid search and/or mobile). */
static void test_engine__conversion_drop_in_a_noisy_slice_is_localised(void **state)
{
    (void)state;
    cube_effect_t eff = {"orders", 0.65, 59, NULL, "mobile", "paid_search"};
    cube_opts_t o = {.seed = 7,
                     .noise = 0.15,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 2000,
                     .effects = &eff,
                     .n_effects = 1,
                     .with_pulse = 1};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = run(f, CL_WINDOW_WOW);
    show("noisy conversion drop", r);
    assert_null(find(r, CL_FINDING_KPI_CHANGE, "conversion_rate", NULL, NULL));
    int localised = 0;
    for (size_t i = 0; i < r->findings.n; i++) {
        const cl_finding_t *x = &r->findings.items[i];
        const char *mid = cl_catalog_at(cat, x->metric)->id;
        int conv = !strcmp(mid, "conversion_rate") || !strcmp(mid, "orders");
        for (size_t k = 0; conv && x->direction < 0 && k < x->path_len; k++) {
            localised |=
                (!strcmp(x->path_dim[k], "traffic_l1") &&
                 !strcmp(x->path_value[k], "paid_search")) ||
                (!strcmp(x->path_dim[k], "device_type") && !strcmp(x->path_value[k], "mobile"));
        }
    }
    assert_true(localised);
    cl_insight_free(r);
    cl_frame_free(f);
}

/* Social traffic halves: the story is social's visits, first; the slice's visits and revenue
 * changes, when they clear their noise, are explained by it. */
static void test_engine__traffic_loss_names_the_source(void **state)
{
    (void)state;
    cube_effect_t eff = {"visits", 0.5, 59, NULL, NULL, "social"};
    cube_opts_t o = {.seed = 11,
                     .noise = 0.03,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 2000,
                     .effects = &eff,
                     .n_effects = 1,
                     .with_pulse = 1};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = run(f, CL_WINDOW_WOW);
    show("traffic loss", r);
    const cl_finding_t *src = find(r, CL_FINDING_ROOT_CAUSE, "visits", "traffic_l1", "social");
    if (!src) {
        src = find(r, CL_FINDING_DRIVER, "visits", "traffic_l1", "social");
    }
    assert_non_null(src);
    assert_true(cl_finding_get(src, "share_of_change") > 60);
    assert_int_equal(src->rank, 1);
    /* when the slice's visits change clears its noise, the source explains it, and visits revenue
     */
    const cl_finding_t *v = find(r, CL_FINDING_KPI_CHANGE, "visits", NULL, NULL);
    const cl_finding_t *rev = find(r, CL_FINDING_KPI_CHANGE, "revenue", NULL, NULL);
    if (v) {
        assert_string_equal(src->explains, v->id);
    }
    if (v && rev) {
        assert_string_equal(v->explains, rev->id);
    }
    /* the marketing mirrors of the lost traffic are not stories of their own */
    assert_null(find(r, CL_FINDING_KPI_CHANGE, "clicks", NULL, NULL));
    assert_null(find(r, CL_FINDING_KPI_CHANGE, "conversions", NULL, NULL));
    assert_null(find(r, CL_FINDING_MARKET_PULSE, "revenue", NULL, NULL)); /* the market was flat */
    cl_insight_free(r);
    cl_frame_free(f);
}

/* The market surges 15 % for 4 weeks while the category does not: a market_pulse finding in MoM
 * with a negative gap, unfavourable, revenue lost against the market as impact. */
static void test_engine__market_surge_not_matched(void **state)
{
    (void)state;
    cube_opts_t o = {.seed = 3,
                     .noise = 0.03,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 2000,
                     .with_pulse = 1,
                     .pulse_surge = 1.15,
                     .pulse_from = 56};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = run(f, CL_WINDOW_MOM);
    show("market surge", r);
    const cl_finding_t *p = find(r, CL_FINDING_MARKET_PULSE, "revenue", NULL, NULL);
    assert_non_null(p);
    assert_true(cl_finding_get(p, "gap_pp") < -10);
    assert_true(cl_finding_get(p, "market_growth_pct") > 10);
    assert_true(p->impact < 0);
    assert_int_equal(p->favourable, 0);
    assert_int_equal(p->direction, -1);
    double expected = cl_finding_get(p, "expected");
    assert_true(fabs(cl_finding_get(p, "current") - expected - p->impact) < 1e-6);
    cl_insight_free(r);
    cl_frame_free(f);
}

/* Spend runs 40 % over plan for the last 4 weeks: budget pacing projects an overspend. */
static void test_engine__budget_overspend_is_projected(void **state)
{
    (void)state;
    cube_effect_t eff = {"spend", 1.4, 56, NULL, NULL, NULL};
    cube_opts_t o = {.seed = 5,
                     .noise = 0.08,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 2000,
                     .effects = &eff,
                     .n_effects = 1,
                     .with_pulse = 1};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = run(f, CL_WINDOW_WOW);
    show("overspend", r);
    const cl_finding_t *p = find(r, CL_FINDING_BUDGET_PACING, "budget_utilisation", NULL, NULL);
    assert_non_null(p);
    assert_int_equal(p->direction, 1);
    assert_int_equal(p->favourable, 0);
    assert_true(cl_finding_get(p, "projected_utilisation_pct") > 105);
    assert_true(fabs(cl_finding_get(p, "projected_spend") - cl_finding_get(p, "budget") -
                     cl_finding_get(p, "projected_over_under")) < 1e-6);
    assert_true(r->pacing.quarter == 4 && r->pacing.weeks_total == 14); /* 2026 has 53 weeks */
    cl_insight_free(r);
    cl_frame_free(f);
}

/* Same input, same bytes; a rebuilt frame from the same seed too; ids do not depend on figures. */
static void test_engine__deterministic_json_and_stable_ids(void **state)
{
    (void)state;
    cube_effect_t eff = {"orders", 0.65, 59, NULL, "mobile", "paid_search"};
    cube_opts_t o = {.seed = 7,
                     .noise = 0.03,
                     .season = 0.15,
                     .trend = 0.002,
                     .scale = 20000,
                     .effects = &eff,
                     .n_effects = 1,
                     .with_pulse = 1};
    cl_frame_t *f1 = cube_make(cat, &o), *f2 = cube_make(cat, &o);
    cl_insight_t *a = run(f1, CL_WINDOW_WOW), *b = run(f1, CL_WINDOW_WOW),
                 *c = run(f2, CL_WINDOW_WOW);
    char *ja = dump(a), *jb = dump(b), *jc = dump(c);
    assert_true(a->findings.n > 0);
    assert_string_equal(ja, jb);
    assert_string_equal(ja, jc);
    eff.factor = 0.55;
    cl_frame_t *f3 = cube_make(cat, &o);
    cl_insight_t *d = run(f3, CL_WINDOW_WOW);
    const cl_finding_t *x = find(a, CL_FINDING_KPI_CHANGE, "conversion_rate", NULL, NULL);
    const cl_finding_t *y = find(d, CL_FINDING_KPI_CHANGE, "conversion_rate", NULL, NULL);
    assert_non_null(x);
    assert_non_null(y);
    assert_string_equal(x->id, y->id);
    assert_true(x->impact != y->impact);
    free(ja);
    free(jb);
    free(jc);
    cl_insight_free(a);
    cl_insight_free(b);
    cl_insight_free(c);
    cl_insight_free(d);
    cl_frame_free(f1);
    cl_frame_free(f2);
    cl_frame_free(f3);
}

/* The default options, run on POOL's THREADS threads (0: the caller's thread alone). */
static cl_insight_options_t options_on(cl_parallel_threads_t *pool, int threads)
{
    cl_parallel_threads_init(pool, threads, NULL);
    cl_insight_options_t opt;
    cl_insight_options_default(&opt);
    opt.parallel = threads ? &pool->hook : NULL;
    return opt;
}

/* A parallel hook (options.parallel: root-cause localisations on 1, 2 or 3 threads) gives the
 * same bytes as the caller's thread alone, for every window. */
static void test_engine__parallel_hook_gives_the_same_bytes(void **state)
{
    (void)state;
    cube_effect_t eff = {"orders", 0.65, 59, NULL, "mobile", "paid_search"};
    cube_opts_t o = {.seed = 11, .noise = 0.03, .scale = 20000, .effects = &eff, .n_effects = 1};
    cl_frame_t *f = cube_make(cat, &o);
    for (int w = 0; w < CL_WINDOW_COUNT; w++) {
        char *want = NULL;
        for (int threads = 0; threads <= 3; threads++) {
            cl_parallel_threads_t pool;
            cl_insight_options_t opt = options_on(&pool, threads);
            cl_insight_scope_t scope = {"electronics", "north_america", (cl_window_t)w, LAST};
            cl_insight_t *r = NULL;
            cl_err_t err;
            if (cl_insight_run(&r, f, cat, &scope, &opt, &err) != 0) {
                fail_msg("%s", err.msg);
            }
            char *got = dump(r);
            if (!want) {
                want = got;
            } else {
                assert_string_equal(want, got);
                free(got);
            }
            cl_insight_free(r);
        }
        free(want);
    }
    cl_frame_free(f);
}

/* cl_insight_run_many: the four windows at once, on 0 to 3 threads, give each window's bytes of
 * cl_insight_run; one window without the history it needs fails the call, naming it, and leaves
 * no result. */
static void test_engine__run_many_gives_each_windows_bytes(void **state)
{
    (void)state;
    cube_effect_t eff = {"orders", 0.65, 59, NULL, "mobile", "paid_search"};
    cube_opts_t o = {.seed = 11, .noise = 0.03, .scale = 20000, .effects = &eff, .n_effects = 1};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_scope_t scopes[CL_WINDOW_COUNT];
    char *want[CL_WINDOW_COUNT];
    for (int w = 0; w < CL_WINDOW_COUNT; w++) {
        scopes[w] = (cl_insight_scope_t){"electronics", "north_america", (cl_window_t)w, LAST};
        cl_insight_t *r = run(f, (cl_window_t)w);
        want[w] = dump(r);
        cl_insight_free(r);
    }
    cl_err_t err;
    for (int threads = 0; threads <= 3; threads++) {
        cl_parallel_threads_t pool;
        cl_insight_options_t opt = options_on(&pool, threads);
        cl_insight_t *r[CL_WINDOW_COUNT];
        if (cl_insight_run_many(r, f, cat, scopes, CL_WINDOW_COUNT, &opt, &err) != 0) {
            fail_msg("%s", err.msg);
        }
        for (int w = 0; w < CL_WINDOW_COUNT; w++) {
            char *got = dump(r[w]);
            assert_string_equal(want[w], got);
            free(got);
            cl_insight_free(r[w]);
        }
    }
    for (int w = 0; w < CL_WINDOW_COUNT; w++) {
        free(want[w]);
    }
    cl_frame_free(f);
    cube_opts_t short_o = {.seed = 1, .noise = 0.05, .scale = 100, .weeks = 20};
    f = cube_make(cat, &short_o);
    cl_insight_scope_t two[2] = {{"c", "r", CL_WINDOW_WOW, {2026, 3}},
                                 {"c", "r", CL_WINDOW_YOY, {2026, 3}}};
    cl_insight_t *r[2] = {NULL, NULL};
    assert_int_equal(cl_insight_run_many(r, f, cat, two, 2, NULL, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "not enough history for YoY at 2026-W03"));
    assert_null(r[0]);
    assert_null(r[1]);
    cl_frame_free(f);
}

static void test_engine__refusals(void **state)
{
    (void)state;
    cube_opts_t o = {.seed = 1, .noise = 0.05, .scale = 100, .weeks = 20};
    cl_frame_t *f = cube_make(cat, &o);
    cl_insight_t *r = NULL;
    cl_err_t err;
    cl_insight_scope_t scope = {"c", "r", CL_WINDOW_YOY, {2026, 3}};
    assert_int_equal(cl_insight_run(&r, f, cat, &scope, NULL, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "not enough history for YoY at 2026-W03"));
    scope.week = (cl_week_t){2026, 40};
    assert_int_equal(cl_insight_run(&r, f, cat, &scope, NULL, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "week 2026-W40 is not in the data"));
    assert_null(r);
    scope.week = (cl_week_t){2026, 3};
    scope.window = CL_WINDOW_WOW;
    assert_int_equal(cl_insight_run(&r, f, cat, &scope, NULL, &err), 0);
    /* 20 weeks: significance has history, anomalies fall back to the trend model */
    assert_true(r->kpis[0].sig.history > 0);
    cl_insight_free(r);
    cl_frame_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine__no_findings_on_pure_noise),
        cmocka_unit_test(test_engine__conversion_drop_is_found_and_explained),
        cmocka_unit_test(test_engine__conversion_drop_in_a_noisy_slice_is_localised),
        cmocka_unit_test(test_engine__traffic_loss_names_the_source),
        cmocka_unit_test(test_engine__market_surge_not_matched),
        cmocka_unit_test(test_engine__budget_overspend_is_projected),
        cmocka_unit_test(test_engine__deterministic_json_and_stable_ids),
        cmocka_unit_test(test_engine__parallel_hook_gives_the_same_bytes),
        cmocka_unit_test(test_engine__run_many_gives_each_windows_bytes),
        cmocka_unit_test(test_engine__refusals),
    };
    return cmocka_run_group_tests(tests, catalog_setup, catalog_teardown);
}
