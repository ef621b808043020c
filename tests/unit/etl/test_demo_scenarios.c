/* Planted scenarios: placed by the seed in big, distinct slices; active only in their weeks and
 * only on their path; described by a ground truth in the shape of docs/contracts.md §6. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "etl/demo_scenarios.h"

/* order lines a week: large enough for every base effect (100 M) and the default make run size
 * (1 M lines over 60 weeks) */
#define LARGE 1e8
#define DEFAULT (1e6 / 60)

typedef struct {
    cl_demo_world_t w;
    cl_demo_plan_t p;
    cl_demo_effects_t fx;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = malloc(sizeof *f);
    if (!f) {
        return -1;
    }
    cl_demo_world_init(&f->w, 42);
    cl_demo_plan_init(&f->p, &f->w, (cl_week_t){2026, 47}, LARGE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_demo_scenarios__placement_is_seeded_and_distinct(void **state)
{
    fixture_t *f = *state;
    cl_demo_plan_t again;
    cl_demo_plan_init(&again, &f->w, (cl_week_t){2026, 47}, LARGE);
    assert_memory_equal(&again, &f->p, sizeof again);
    int used[CL_DEMO_L1] = {0};
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        const cl_demo_scenario_t *s = &f->p.s[k];
        assert_int_equal(s->kind, k);
        assert_in_range(s->l1, 0, CL_DEMO_L1 - 1);
        assert_int_equal(used[s->l1]++, 0); /* one category per scenario: none masks another */
        assert_true(s->magnitude > 0.05 && s->magnitude <= 1.0);
        if (k == CL_DEMO_SCN_PULSE_SURGE) {
            assert_int_equal(s->region, -1);
        } else {
            assert_in_range(s->region, 0, CL_DEMO_REGIONS - 1);
        }
    }
    const cl_demo_scenario_t *cd = &f->p.s[CL_DEMO_SCN_COUNTRY_DROP];
    assert_int_equal(cl_demo_countries[cd->country].region, cd->region);
    /* the conversion drop goes to the biggest region, its slice being a small part of it */
    const char *r = cl_demo_regions[f->p.s[CL_DEMO_SCN_CONVERSION_DROP].region].id;
    assert_string_equal(r, "north_america");
    /* another seed moves at least one scenario */
    cl_demo_world_t *w2 = malloc(sizeof *w2);
    cl_demo_plan_t p2;
    cl_demo_world_init(w2, 7);
    cl_demo_plan_init(&p2, w2, (cl_week_t){2026, 47}, LARGE);
    int moved = 0;
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        moved += p2.s[k].l1 != f->p.s[k].l1 || p2.s[k].region != f->p.s[k].region;
    }
    assert_true(moved > 0);
    free(w2);
}

static int ones(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] != 1.0) {
            return 0;
        }
    }
    return 1;
}

static void test_demo_scenarios__effects_only_in_their_weeks(void **state)
{
    fixture_t *f = *state;
    /* long before: nothing */
    cl_demo_effects_for_week(&f->fx, &f->p, (cl_week_t){2026, 30});
    assert_int_equal(f->fx.any, 0);
    assert_true(ones(&f->fx.cr[0][0][0][0], sizeof f->fx.cr / sizeof(double)));
    /* three weeks before the end: only the budget overspend (four weeks long) */
    cl_demo_effects_for_week(&f->fx, &f->p, (cl_week_t){2026, 44});
    const cl_demo_scenario_t *b = &f->p.s[CL_DEMO_SCN_BUDGET_OVERSPEND];
    assert_int_equal(f->fx.any, 1);
    assert_true(f->fx.cpc[b->region][b->l1] == 1.4);
    assert_true(ones(f->fx.pulse, CL_DEMO_L1));
    cl_demo_effects_for_week(&f->fx, &f->p, (cl_week_t){2026, 43});
    assert_true(f->fx.cpc[b->region][b->l1] == 1.0);
    /* after the end week: nothing */
    cl_demo_effects_for_week(&f->fx, &f->p, (cl_week_t){2026, 48});
    assert_int_equal(f->fx.any, 0);
}

static void test_demo_scenarios__effects_only_on_their_path(void **state)
{
    fixture_t *f = *state;
    cl_demo_effects_for_week(&f->fx, &f->p, (cl_week_t){2026, 47});
    const cl_demo_scenario_t *c = &f->p.s[CL_DEMO_SCN_CONVERSION_DROP];
    int hit = 0;
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        for (int l = 0; l < CL_DEMO_L1; l++) {
            for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
                for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
                    int on = r == c->region && l == c->l1 &&
                             strcmp(cl_demo_traffic[t].l1, "paid_search") == 0 &&
                             strcmp(cl_demo_devchans[k].device_type, "mobile") == 0;
                    assert_true(f->fx.cr[r][l][t][k] == (on ? 0.65 : 1.0));
                    hit += on;
                }
            }
        }
    }
    assert_int_equal(hit, 4); /* google_ads and bing_ads, mobile web and mobile app */
    const cl_demo_scenario_t *rs = &f->p.s[CL_DEMO_SCN_RETURN_SPIKE];
    assert_true(f->fx.returns[rs->region][rs->l1][CL_DEMO_TIERS - 1] == 2.0);
    assert_true(f->fx.returns[rs->region][rs->l1][0] == 1.0);
    const cl_demo_scenario_t *cd = &f->p.s[CL_DEMO_SCN_COUNTRY_DROP];
    assert_true(f->fx.sessions[cd->country][cd->l1] == 0.72);
    const cl_demo_scenario_t *m = &f->p.s[CL_DEMO_SCN_MIX_SHIFT];
    assert_true(f->fx.keep_low[m->region][m->l1] == 0.6);
    assert_true(f->fx.pulse[f->p.s[CL_DEMO_SCN_PULSE_SURGE].l1] == 1.2);
}

static void test_demo_scenarios__ground_truth_has_the_contract_shape(void **state)
{
    fixture_t *f = *state;
    json_t *gt = cl_demo_ground_truth(&f->p, 42, 60, 1000000);
    assert_non_null(gt);
    assert_int_equal(json_integer_value(json_object_get(gt, "seed")), 42);
    assert_string_equal(json_string_value(json_object_get(gt, "end_week")), "2026-W47");
    assert_int_equal(json_integer_value(json_object_get(gt, "weeks")), 60);
    json_t *list = json_object_get(gt, "scenarios");
    assert_int_equal(json_array_size(list), CL_DEMO_SCN_COUNT);
    const char *types = "|kpi_change|driver|root_cause|mix_rate|revenue_split|anomaly|market_pulse|"
                        "marketing_efficiency|budget_pacing|";
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        const char *keys[] = {"id",       "finding_type", "metric",    "window",     "week",
                              "category", "region",       "direction", "description"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            assert_true(json_is_string(json_object_get(s, keys[k])));
        }
        char needle[64];
        snprintf(needle, sizeof needle, "|%s|",
                 json_string_value(json_object_get(s, "finding_type")));
        assert_non_null(strstr(types, needle));
        assert_true(json_is_number(json_object_get(s, "magnitude")));
        json_t *path = json_object_get(s, "path");
        assert_true(json_is_array(path));
        /* paths are sorted by dimension name */
        for (size_t p = 1; p < json_array_size(path); p++) {
            assert_true(
                strcmp(json_string_value(json_object_get(json_array_get(path, p - 1), "dimension")),
                       json_string_value(json_object_get(json_array_get(path, p), "dimension"))) <
                0);
        }
    }
    json_t *conv = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(conv, "id")), "conversion_drop");
    assert_string_equal(json_string_value(json_object_get(conv, "finding_type")), "root_cause");
    assert_int_equal(json_array_size(json_object_get(conv, "path")), 2);
    json_decref(gt);
}

/* At the default size the planted changes are stronger, within their caps, on segments big
 * enough; the same inputs give the same plan, and the ground truth says what was planted. */
static void test_demo_scenarios__effects_scale_to_the_size(void **state)
{
    fixture_t *f = *state;
    cl_demo_plan_t small, again;
    cl_demo_plan_init(&small, &f->w, (cl_week_t){2026, 47}, DEFAULT);
    cl_demo_plan_init(&again, &f->w, (cl_week_t){2026, 47}, DEFAULT);
    assert_memory_equal(&small, &again, sizeof small);
    static const double cap[CL_DEMO_SCN_COUNT] = {0.8, 0.7, 0.8, 3.0, 0.4, 0.4};
    int stronger = 0;
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        const cl_demo_scenario_t *s = &small.s[k], *big = &f->p.s[k];
        assert_true(s->effect >= big->effect - 1e-12);
        assert_true(s->effect <= cap[k] + 1e-12);
        stronger += s->effect > big->effect + 1e-12;
    }
    assert_true(stronger >= 3);
    /* the conversion drop leaves mobile paid_search (too small) for every mobile session, and
     * the ground truth says so */
    const cl_demo_scenario_t *c = &small.s[CL_DEMO_SCN_CONVERSION_DROP];
    assert_null(c->traffic_l1);
    assert_string_equal(f->p.s[CL_DEMO_SCN_CONVERSION_DROP].traffic_l1, "paid_search");
    json_t *gt = cl_demo_ground_truth(&small, 42, 60, 1000000);
    json_t *cs = json_array_get(json_object_get(gt, "scenarios"), CL_DEMO_SCN_CONVERSION_DROP);
    json_t *path = json_object_get(cs, "path");
    assert_int_equal(json_array_size(path), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(path, 0), "value")),
                        "mobile");
    assert_true(json_real_value(json_object_get(cs, "magnitude")) ==
                (double)(long long)(c->effect * 1e4 + 0.5) / 1e4);
    assert_non_null(
        strstr(json_string_value(json_object_get(cs, "description")), "mobile checkout"));
    cl_demo_effects_for_week(&f->fx, &small, (cl_week_t){2026, 47});
    for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
        int mobile = strcmp(cl_demo_devchans[k].device_type, "mobile") == 0;
        assert_true(f->fx.cr[c->region][c->l1][0][k] == (mobile ? 1.0 - c->effect : 1.0));
    }
    json_decref(gt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_demo_scenarios__placement_is_seeded_and_distinct,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_scenarios__effects_only_in_their_weeks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_demo_scenarios__effects_only_on_their_path, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_demo_scenarios__ground_truth_has_the_contract_shape,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_scenarios__effects_scale_to_the_size, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
