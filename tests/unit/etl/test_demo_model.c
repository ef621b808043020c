/* Demo model and world: the hierarchies hold together, the seed decides the world and nothing
 * else does, the catalogue follows the price-band rule, and the sizing maths is consistent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etl/demo_gen.h"
#include "etl/demo_model.h"

static cl_demo_world_t *world(uint64_t seed)
{
    cl_demo_world_t *w = malloc(sizeof *w);
    assert_non_null(w);
    cl_demo_world_init(w, seed);
    return w;
}

static void test_demo_model__hierarchies_are_consistent(void **state)
{
    (void)state;
    int regions_with_countries[CL_DEMO_REGIONS] = {0};
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        const cl_demo_country_t *ct = &cl_demo_countries[c];
        assert_in_range(ct->region, 0, CL_DEMO_REGIONS - 1);
        assert_in_range(ct->n_cities, 1, CL_DEMO_MAX_CITIES);
        regions_with_countries[ct->region]++;
        double s = 0;
        for (int i = 0; i < ct->n_cities; i++) {
            assert_non_null(ct->cities[i]);
            s += ct->city_weight[i];
        }
        assert_true(fabs(s - 1.0) < 1e-9);
    }
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        assert_true(regions_with_countries[r] >= 2); /* a region has several countries */
        double s = 0;
        for (int i = 0; i < CL_DEMO_PAYMENTS; i++) {
            s += cl_demo_regions[r].payment[i];
        }
        assert_true(fabs(s - 1.0) < 1e-9);
    }
    cl_demo_world_t *w = world(42);
    for (int i = 0; i < CL_DEMO_L1; i++) {
        assert_true(w->l2_count[i] >= 2);
        for (int g = w->l2_first[i]; g < w->l2_first[i] + w->l2_count[i]; g++) {
            assert_int_equal(cl_demo_l2s[g].parent, i);
            assert_true(w->l3_count[g] >= 1);
            for (int k = w->l3_first[g]; k < w->l3_first[g] + w->l3_count[g]; k++) {
                assert_int_equal(cl_demo_l3s[k].parent, g);
            }
        }
    }
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        double s = 0, d = 0;
        for (int g = 0; g < CL_DEMO_L2; g++) {
            s += w->l2_share[r][g];
        }
        for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
            d += w->devchan_share[r][k];
        }
        assert_true(fabs(s - 1.0) < 1e-9 && fabs(d - 1.0) < 1e-9);
    }
    free(w);
}

static void test_demo_model__the_seed_decides_the_world(void **state)
{
    (void)state;
    cl_demo_world_t *a = world(42), *b = world(42), *c = world(43);
    assert_memory_equal(a, b, sizeof *a);
    assert_memory_not_equal(a->products, c->products, sizeof a->products);
    assert_true(a->cat_tilt[0][0] != c->cat_tilt[0][0]);
    free(a);
    free(b);
    free(c);
}

static void test_demo_model__catalogue_prices_follow_their_band(void **state)
{
    (void)state;
    assert_int_equal(cl_demo_band_of(-2.0), 0);
    assert_int_equal(cl_demo_band_of(0.0), 1);
    assert_int_equal(cl_demo_band_of(1.0), 2);
    assert_int_equal(cl_demo_band_of(2.0), 3);
    cl_demo_world_t *w = world(7);
    int bands[CL_DEMO_BANDS] = {0}, tiers[CL_DEMO_TIERS] = {0};
    for (int i = 0; i < CL_DEMO_L3; i++) {
        double lo = 1e18, hi = 0; /* a budget item never costs more than a luxury one */
        for (int k = 0; k < CL_DEMO_PRODUCTS_PER_L3; k++) {
            const cl_demo_product_t *p = &w->products[i][k];
            assert_true(p->price_cents > 0);
            bands[p->band]++;
            tiers[p->tier]++;
            if (p->band == 0 && p->price_cents > hi) {
                hi = p->price_cents;
            }
            if (p->band == 3 && p->price_cents < lo) {
                lo = p->price_cents;
            }
            /* shelf prices end in 9 cents */
            assert_int_equal(p->price_cents % 10, 9);
        }
        assert_true(hi <= lo);
    }
    double n = CL_DEMO_L3 * CL_DEMO_PRODUCTS_PER_L3;
    assert_true(fabs(bands[0] / n - 0.29) < 0.02 && fabs(bands[3] / n - 0.08) < 0.02);
    assert_true(fabs(tiers[0] / n - 0.45) < 0.02 && fabs(tiers[3] / n - 0.12) < 0.02);
    free(w);
}

static void test_demo_model__sizing_helpers(void **state)
{
    (void)state;
    assert_true(fabs(cl_demo_lines_mean(0.0) - 1.0) < 1e-12);
    assert_true(fabs(cl_demo_lines_mean(0.5) - 1.5) < 1e-3);
    assert_true(cl_demo_lines_mean(50.0) <= CL_DEMO_MAX_LINES + 1e-9); /* capped */
    assert_int_equal(cl_demo_product_index(0.0), 0);
    assert_int_equal(cl_demo_product_index(0.9999999), CL_DEMO_PRODUCTS_PER_L3 - 1);
    assert_true(cl_demo_inflation(cl_days_from_civil(2026, 1, 1)) > 1.02);
    cl_demo_world_t *w = world(42);
    for (int i = 0; i < CL_DEMO_L1; i++) {
        assert_true(fabs(cl_demo_mix_shift_ratio(w, i, 0.0) - 1.0) < 1e-12);
        double r = cl_demo_mix_shift_ratio(w, i, 0.6);
        assert_true(r < 0.95 && r > 0.5); /* dropping premium picks lowers the line value */
        assert_true(cl_demo_expected_price(w, i) > 0);
    }
    /* expected lines scale with the number of weeks; the scale reaches the requested size */
    cl_week_t end = {2026, 47};
    double one = cl_demo_gen_expected_lines(w, end, 1, NULL);
    double four = cl_demo_gen_expected_lines(w, end, 4, NULL);
    assert_true(one > 0 && four > 3 * one && four < 5 * one);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_model__hierarchies_are_consistent),
        cmocka_unit_test(test_demo_model__the_seed_decides_the_world),
        cmocka_unit_test(test_demo_model__catalogue_prices_follow_their_band),
        cmocka_unit_test(test_demo_model__sizing_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
