/* Root-cause localisation on hand-made cubes: additive causes at depth 1, 2 and 3, two at once, a
 * ratio drop in a small segment, a ratio moved by mix, hierarchies, two causes that cross, pure
 * noise, determinism, the builder, the baseline settled from its periods (an incident's onset left
 * out, the noise measured), the text form and bad input. Noise comes from a fixed xorshift
 * stream. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "insights/rca.h"

#include "../support/xorshift.h"

/* A full cube over attributes with the given cardinalities; value names "<attr><k>". */
typedef struct {
    cl_rca_builder_t *b;
    size_t n_attrs;
    int card[6];
    char names[6][8];
} cube_t;

static void cube_init(cube_t *c, int ratio, size_t n_attrs, const int *card)
{
    const char *names[6];
    c->n_attrs = n_attrs;
    for (size_t a = 0; a < n_attrs; a++) {
        snprintf(c->names[a], sizeof(c->names[a]), "%c", (char)('a' + a));
        names[a] = c->names[a];
        c->card[a] = card[a];
    }
    cl_err_t err;
    assert_int_equal(cl_rca_builder_new(&c->b, n_attrs, names, ratio, &err), 0);
}

/* Visit every leaf: CODES holds its value indexes. */
typedef void (*leaf_fn)(cube_t *c, const int *codes, test_rng_t *r, void *payload);

static void cube_fill(cube_t *c, leaf_fn fn, void *payload, uint64_t seed)
{
    test_rng_t r = {seed};
    int codes[6] = {0};
    for (;;) {
        fn(c, codes, &r, payload);
        size_t a = c->n_attrs;
        while (a > 0 && ++codes[a - 1] == c->card[a - 1]) {
            codes[--a] = 0;
        }
        if (a == 0) {
            return;
        }
    }
}

static void add_leaf(cube_t *c, const int *codes, double cur, double base, double cur_den,
                     double base_den)
{
    char buf[6][16];
    const char *values[6];
    for (size_t a = 0; a < c->n_attrs; a++) {
        snprintf(buf[a], sizeof(buf[a]), "%c%d", (char)('a' + a), codes[a] + 1);
        values[a] = buf[a];
    }
    cl_err_t err;
    assert_int_equal(cl_rca_builder_add(c->b, values, cur, base, cur_den, base_den, &err), 0);
}

/* An anomaly: value index per attribute (-1 = any) and a factor. */
typedef struct {
    int at[2][6];
    double factor[2];
    int n;
} plan_t;

static int in_element(const int *at, const int *codes, size_t n)
{
    for (size_t a = 0; a < n; a++) {
        if (at[a] >= 0 && at[a] != codes[a]) {
            return 0;
        }
    }
    return 1;
}

static void additive_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    const plan_t *p = payload;
    double base = 50 + 100 * test_uniform(r);
    double cur = base * (1 + 0.04 * (test_uniform(r) - 0.5));
    for (int k = 0; k < p->n; k++) {
        if (in_element(p->at[k], codes, c->n_attrs)) {
            cur = base * p->factor[k];
        }
    }
    add_leaf(c, codes, cur, base, 0, 0);
}

static cl_rca_result_t *run(cube_t *c, int depth)
{
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.max_depth = depth;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_rca_run(&res, cl_rca_builder_cube(c->b), &opt, &err);
    if (rc != 0) {
        fail_msg("cl_rca_run: %s", err.msg);
    }
    return res;
}

static void assert_elements(cube_t *c, const cl_rca_result_t *res, const char *want)
{
    char got[512] = "";
    size_t len = 0;
    for (size_t k = 0; k < res->n_elements && len < sizeof(got); k++) {
        char one[128];
        cl_rca_element_format(one, sizeof(one), cl_rca_builder_cube(c->b), &res->elements[k]);
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", k ? ";" : "", one);
    }
    assert_string_equal(got, want);
}

static void check_additive(const plan_t *plan, size_t n_attrs, const int *card, const char *want)
{
    cube_t c;
    cube_init(&c, 0, n_attrs, card);
    cube_fill(&c, additive_leaf, (void *)plan, 42);
    cl_rca_result_t *res = run(&c, 3);
    assert_elements(&c, res, want);
    assert_true(res->confidence > 0.5);
    for (size_t k = 0; k < res->n_elements; k++) {
        assert_true(res->elements[k].score > 0);
        assert_true(res->elements[k].confidence > 0.5);
    }
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

static void test_rca__additive_depth_1(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    plan_t p = {{{1, -1, -1, -1, -1, -1}}, {0.5}, 1};
    check_additive(&p, 3, card, "a=a2");
}

static void test_rca__additive_depth_2(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    plan_t p = {{{0, 2, -1, -1, -1, -1}}, {1.8}, 1};
    check_additive(&p, 3, card, "a=a1&b=b3");
}

static void test_rca__additive_depth_3(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3, 3};
    plan_t p = {{{2, 1, 0, -1, -1, -1}}, {0.3}, 1};
    check_additive(&p, 4, card, "a=a3&b=b2&c=c1");
}

static void test_rca__two_elements_at_once(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    plan_t p = {{{0, -1, -1, -1, -1, -1}, {-1, 3, 1, -1, -1, -1}}, {0.6, 0.4}, 2};
    cube_t c;
    cube_init(&c, 0, 3, card);
    cube_fill(&c, additive_leaf, &p, 7);
    cl_rca_result_t *res = run(&c, 3);
    assert_elements(&c, res, "a=a1;b=b4&c=c2"); /* ranked by |explained|: a1 is the larger */
    /* contributions of an additive KPI are exact: each is the segment's own change */
    const cl_rca_element_t *e = &res->elements[0];
    assert_true(fabs(e->explained - (e->cur_num - e->base_num)) < 1e-6);
    assert_true(res->explained_share > 0.8 && res->explained_share < 1.2);
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* Conversion: sessions per leaf ~1000, rate 5%; segment a=a3&b=b2 (two small leaves: ~1.2% of
 * sessions) converts at 0.4% instead. The baseline is a mean over 4 periods (4 weeks), so its 24
 * conversions in the segment rest on 96, and the drop to about 2 is clear. */
static void small_ratio_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)payload;
    int small = codes[0] == 2 && codes[1] == 1;
    double den0 = small ? 240 : 900 + 200 * test_uniform(r);
    double den1 = den0 * (1 + 0.04 * (test_uniform(r) - 0.5));
    double rate = 0.05, rate1 = small ? 0.004 : 0.05;
    double num0 = floor(den0 * rate + test_uniform(r)),
           num1 = floor(den1 * rate1 + test_uniform(r));
    add_leaf(c, codes, num1, num0, den1, den0);
}

static void test_rca__ratio_drop_in_small_segment(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 2};
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, small_ratio_leaf, NULL, 3);
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.counts = 1;
    opt.base_periods = 4;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
    assert_elements(&c, res, "a=a3&b=b2");
    assert_int_equal(res->elements[0].kind, CL_RCA_KIND_RATE);
    assert_true(res->elements[0].cur_ratio < 0.01 && res->elements[0].base_ratio > 0.04);
    assert_true(res->elements[0].explained < 0);
    assert_true(fabs(res->elements[0].explained - res->elements[0].rate_effect -
                     res->elements[0].mix_effect) < 1e-12);
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* Conversion by traffic source a: rates 5%, 1%, 8%, 3%. Source a2 (weak) triples its sessions;
 * every rate stays: the total rate falls by mix alone. */
static void mix_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)payload;
    static const double rates[] = {0.05, 0.01, 0.08, 0.03};
    double den0 = 2000 + 400 * test_uniform(r);
    double den1 = den0 * (codes[0] == 1 ? 3.0 : 1.0) * (1 + 0.02 * (test_uniform(r) - 0.5));
    double num0 = floor(den0 * rates[codes[0]] + test_uniform(r));
    double num1 = floor(den1 * rates[codes[0]] + test_uniform(r));
    add_leaf(c, codes, num1, num0, den1, den0);
}

static void test_rca__ratio_moved_by_mix(void **state)
{
    (void)state;
    static const int card[] = {4, 3, 3};
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, mix_leaf, NULL, 11);
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.counts = 1;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
    assert_elements(&c, res, "a=a2");
    const cl_rca_element_t *e = &res->elements[0];
    assert_int_equal(e->kind, CL_RCA_KIND_MIX);
    assert_true(res->total_change < 0 && e->explained < 0);
    assert_true(fabs(e->mix_effect) > 5 * fabs(e->rate_effect));
    assert_true(e->share > 0.7);
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* a (l1, 3 values) with b (l2) under it: b's value k belongs to a = k / 3. */
static void hier_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    const plan_t *p = payload;
    if (codes[1] / 3 != codes[0]) {
        return; /* b's value k exists only under a = k / 3 */
    }
    double base = 50 + 100 * test_uniform(r);
    double cur = base * (1 + 0.04 * (test_uniform(r) - 0.5));
    if (in_element(p->at[0], codes, c->n_attrs)) {
        cur = base * p->factor[0];
    }
    add_leaf(c, codes, cur, base, 0, 0);
}

static void check_hierarchy(const plan_t *p, const char *want)
{
    static const int card[] = {3, 9, 4};
    cube_t c;
    cube_init(&c, 0, 3, card);
    cl_err_t err;
    assert_int_equal(cl_rca_builder_set_parent(c.b, 1, 0, &err), 0);
    cube_fill(&c, hier_leaf, (void *)p, 5);
    cl_rca_result_t *res = run(&c, 3);
    assert_elements(&c, res, want);
    for (size_t k = 0; k < res->n_elements; k++) {
        int has_a = 0, has_b = 0;
        for (int j = 0; j < res->elements[k].depth; j++) {
            has_a |= res->elements[k].pairs[j].attr == 0;
            has_b |= res->elements[k].pairs[j].attr == 1;
        }
        assert_false(has_a && has_b); /* never a parent and its own child */
    }
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

static void test_rca__hierarchy_parent_level(void **state)
{
    (void)state;
    plan_t p = {{{1, -1, -1, -1, -1, -1}}, {0.5}, 1};
    check_hierarchy(&p, "a=a2");
}

static void test_rca__hierarchy_child_level(void **state)
{
    (void)state;
    plan_t p = {{{-1, 4, -1, -1, -1, -1}}, {1.7}, 1}; /* b5 sits under a2 */
    check_hierarchy(&p, "b=b5");
}

static void test_rca__pure_noise_is_quiet(void **state)
{
    (void)state;
    static const int card[] = {5, 6, 4};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        plan_t p = {{{-1}}, {1}, 0};
        cube_t c;
        cube_init(&c, 0, 3, card);
        cube_fill(&c, additive_leaf, &p, seed * 7919);
        cl_rca_result_t *res = run(&c, 3);
        assert_true(res->n_elements == 0 || res->confidence < 0.3);
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
}

/* ---- counts: sparse leaves, causes whose leaves move by different factors ----------------- */

static double binomial(test_rng_t *r, double n, double p)
{
    double k = 0;
    for (int i = 0; i < (int)n; i++) {
        k += test_uniform(r) < p;
    }
    return k;
}

/* A stall-rate cube of sparse leaves: 5 to 60 viewers, a 2 % rate, so most leaves expect less than
 * one stall. PAYLOAD (may be NULL): a plan whose first element's rate is multiplied. */
static void sparse_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    const plan_t *p = payload;
    double den0 = floor(5 + 55 * test_uniform(r)),
           den1 = floor(den0 * (0.9 + 0.2 * test_uniform(r)));
    double q1 = 0.02;
    if (p && p->n > 0 && in_element(p->at[0], codes, c->n_attrs)) {
        q1 *= p->factor[0];
    }
    add_leaf(c, codes, binomial(r, den1, q1), binomial(r, den0, 0.02), den1, den0);
}

static cl_rca_result_t *run_counts(cube_t *c)
{
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.counts = 1;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    if (cl_rca_run(&res, cl_rca_builder_cube(c->b), &opt, &err) != 0) {
        fail_msg("cl_rca_run: %s", err.msg);
    }
    return res;
}

static void test_rca__sparse_counts_noise_is_quiet(void **state)
{
    (void)state;
    static const int card[] = {4, 6, 5};
    for (uint64_t seed = 1; seed <= 5; seed++) {
        cube_t c;
        cube_init(&c, 1, 3, card);
        cube_fill(&c, sparse_leaf, NULL, seed * 104729);
        cl_rca_result_t *res = run_counts(&c);
        assert_int_equal(res->n_elements, 0); /* a lumpy null is still a null */
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
}

static void test_rca__sparse_counts_segment_found(void **state)
{
    (void)state;
    static const int card[] = {4, 6, 5};
    plan_t p = {{{-1, 2, -1, -1, -1, -1}}, {5}, 1}; /* b=b3: 30 leaves, ~1 stall each expected */
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, sparse_leaf, &p, 17);
    cl_rca_result_t *res = run_counts(&c);
    assert_elements(&c, res, "b=b3");
    assert_int_equal(res->elements[0].kind, CL_RCA_KIND_RATE);
    assert_true(res->elements[0].shift > 1); /* a rise of several times */
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* Large leaves (~800 viewers, 3 %). CAUSE: inside a=a3 the rate rises by a factor that depends on
 * b (a CDN failing worse at some bitrates), or, with only_one set, only b=b2 moves. */
typedef struct {
    int only_one;
    double majority; /* > 0: a=a1 holds this share of the viewers and its rate rises 4-fold */
} parent_plan_t;

static void parent_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    static const double by_b[] = {1.8, 3, 6, 12, 2.5};
    const parent_plan_t *p = payload;
    double den0 = 700 + 200 * test_uniform(r), q1 = 0.03;
    if (p->majority > 0) {
        den0 *= codes[0] == 0 ? p->majority / (1 - p->majority) * 3 : 1;
        q1 *= codes[0] == 0 ? 4 : 1;
    } else if (codes[0] == 2 && (!p->only_one || codes[1] == 1)) {
        q1 *= p->only_one ? 4 : by_b[codes[1]];
    }
    double den1 = floor(den0 * (0.97 + 0.06 * test_uniform(r)));
    den0 = floor(den0);
    add_leaf(c, codes, floor(den1 * q1 + test_uniform(r)), floor(den0 * 0.03 + test_uniform(r)),
             den1, den0);
}

static void check_parent_plan(const parent_plan_t *p, const char *want)
{
    static const int card[] = {4, 5, 3};
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, parent_leaf, (void *)p, 23);
    cl_rca_result_t *res = run_counts(&c);
    assert_elements(&c, res, want);
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

static void test_rca__parent_when_children_move_by_different_factors(void **state)
{
    (void)state;
    parent_plan_t p = {0, 0};
    check_parent_plan(&p, "a=a3"); /* not five children, one per factor */
}

static void test_rca__child_when_the_rest_of_the_parent_is_normal(void **state)
{
    (void)state;
    parent_plan_t p = {1, 0};
    check_parent_plan(&p, "a=a3&b=b2");
}

static void test_rca__anomalous_majority_is_not_the_norm(void **state)
{
    (void)state;
    parent_plan_t p = {0, 0.6};    /* a=a1: 60 % of the viewers, its rate 4-fold */
    check_parent_plan(&p, "a=a1"); /* and the normal 40 % are not reported as a drop */
}

/* Two incidents that cross: inside a=a3 the rate rises by a factor that depends on b (as in
 * parent_leaf), and b=b2 rises 4-fold in every a (their crossing a=a3&b=b2 too). */
static void crossing_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    static const double by_b[] = {1.8, 3, 6, 12, 2.5};
    (void)payload;
    double den0 = 700 + 200 * test_uniform(r), q1 = 0.03;
    if (codes[0] == 2) {
        q1 *= by_b[codes[1]];
    } else if (codes[1] == 1) {
        q1 *= 4;
    }
    double den1 = floor(den0 * (0.97 + 0.06 * test_uniform(r)));
    den0 = floor(den0);
    add_leaf(c, codes, floor(den1 * q1 + test_uniform(r)), floor(den0 * 0.03 + test_uniform(r)),
             den1, den0);
}

static void test_rca__parent_beside_a_crossing_cause(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, crossing_leaf, NULL, 23);
    cl_rca_result_t *res = run_counts(&c);
    /* a=a3 is named once although b=b2 holds part of it: the leaves another rising element
     * explains say nothing about whether a=a3's rest is normal */
    assert_elements(&c, res, "a=a3;b=b2");
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* a=a1's stall rate rises 4-fold while a=a3's falls to 40 %: an incident and a counter-move. */
static void updown_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)payload;
    double den0 = floor(700 + 200 * test_uniform(r)),
           den1 = floor(den0 * (0.97 + 0.06 * test_uniform(r)));
    double q1 = 0.03 * (codes[0] == 0 ? 4 : codes[0] == 2 ? 0.4 : 1);
    add_leaf(c, codes, floor(den1 * q1 + test_uniform(r)), floor(den0 * 0.03 + test_uniform(r)),
             den1, den0);
}

static void test_rca__direction_keeps_the_incident_only(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    static const char *const want[] = {"a=a3", "a=a1;a=a3", "a=a1"}; /* direction -1, 0, +1 */
    for (int dir = -1; dir <= 1; dir++) {
        cube_t c;
        cube_init(&c, 1, 3, card);
        cube_fill(&c, updown_leaf, NULL, 31);
        cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
        opt.counts = 1;
        opt.direction = dir;
        cl_rca_result_t *res = NULL;
        cl_err_t err;
        assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
        assert_elements(&c, res, want[dir + 1]);
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
    cube_t c;
    cube_init(&c, 1, 3, card);
    cube_fill(&c, updown_leaf, NULL, 31);
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.direction = 2;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), CL_EINVAL);
    assert_null(res);
    assert_non_null(strstr(err.msg, "direction"));
    cl_rca_builder_free(c.b);
}

/* Exact counts (no noise), a (4 values) x b (3): every leaf 5000 viewers with 250 stalls in both
 * periods, except a=a2, whose viewers double (5000 -> 10000) at an unchanged rate Q. The share
 * shift of a2 is certain (w 0.25 -> 0.40); its effect on the KPI is (w' - w)(Q - r'_R) = 0.15 (Q -
 * 0.05). At Q = 4.8 % that is -0.0003, against a KPI noise of about sqrt(9*250*2 + 3*480*3) / 75000
 * = 0.00125 (Poisson, widened by the baseline's own noise): z = 0.24, under the report bar, so no
 * mix cause. At Q = 1 % it is -0.006 against about 0.001: z = 6, a cause. */
static void share_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)r;
    double q = *(const double *)payload;
    int moved = codes[0] == 1;
    double den0 = 5000, den1 = moved ? 10000 : 5000, rate = moved ? q : 0.05;
    add_leaf(c, codes, den1 * rate, den0 * rate, den1, den0);
}

static void test_rca__mix_cause_must_be_material(void **state)
{
    (void)state;
    static const int card[] = {4, 3};
    static const double rates[] = {0.048, 0.01};
    static const char *const want[] = {"", "a=a2"};
    for (int k = 0; k < 2; k++) {
        cube_t c;
        cube_init(&c, 1, 2, card);
        cube_fill(&c, share_leaf, (void *)&rates[k], 1);
        cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
        opt.counts = 1;
        cl_rca_result_t *res = NULL;
        cl_err_t err;
        assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
        assert_elements(&c, res, want[k]);
        if (k == 1) {
            const cl_rca_element_t *e = &res->elements[0];
            assert_int_equal(e->kind, CL_RCA_KIND_MIX);
            /* w 0.25 -> 0.40, rate 1 % against the rest's 5 %: exactly -0.006 */
            assert_true(fabs(e->mix_effect - 0.15 * (0.01 - 0.05)) < 1e-12);
        }
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
}

/* Exact counts, a (4) x b (3), 5000 viewers and 250 stalls a leaf in both periods, except a=a1:
 * rate 10 % in the baseline (500 stalls a leaf), 13 % now, on 2000 viewers a leaf instead of 5000.
 * Its stalls rose against its viewers (x1.3: a clear rate element), but its share fell from 0.25
 * to 6000 / 51000 while its rate was twice the rest's, so its effect on the KPI is
 * mix + rate = (6000/51000 - 0.25)(0.10 - 0.05) + (6000/51000)(0.13 - 0.10) = -0.00309: it lowered
 * the stall rate. Asked about a rise (+1), it is no cause; asked either way, it is the segment
 * that moved (rate: its own rate moved most); asked about a fall (-1), its share shift is (mix).
 * That one must be material: with a baseline of 4 periods the KPI's noise is about
 * sqrt(9*250*1.25 + 3*200*1.1) / 51000 = 0.00116 (Poisson widened by the baseline's own noise,
 * d = 1 + mu / (4 * events)), z = 0.00309 / 0.00116 = 2.7, 0.5 z^2 = 3.5 >= log 20; with a
 * baseline of one period d doubles, z = 2.2, 0.5 z^2 = 2.3: not shown. */
static void shrink_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)r;
    (void)payload;
    if (codes[0] == 0) {
        add_leaf(c, codes, 260, 500, 2000, 5000);
    } else {
        add_leaf(c, codes, 250, 250, 5000, 5000);
    }
}

static void test_rca__direction_is_the_effect_on_the_kpi(void **state)
{
    (void)state;
    static const int card[] = {4, 3};
    static const char *const want[] = {"a=a1", "a=a1", ""}; /* direction -1, 0, +1 */
    static const cl_rca_kind_t kind[] = {CL_RCA_KIND_MIX, CL_RCA_KIND_RATE};
    for (int dir = -1; dir <= 1; dir++) {
        cube_t c;
        cube_init(&c, 1, 2, card);
        cube_fill(&c, shrink_leaf, NULL, 1);
        cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
        opt.counts = 1;
        opt.base_periods = 4;
        opt.direction = dir;
        cl_rca_result_t *res = NULL;
        cl_err_t err;
        assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
        assert_elements(&c, res, want[dir + 1]);
        if (dir <= 0 && res->n_elements == 1) {
            const cl_rca_element_t *e = &res->elements[0];
            double w1 = 6000.0 / 51000.0;
            assert_int_equal(e->kind, kind[dir + 1]);
            assert_true(fabs(e->mix_effect - (w1 - 0.25) * (0.10 - 0.05)) < 1e-12);
            assert_true(fabs(e->rate_effect - w1 * (0.13 - 0.10)) < 1e-12);
            assert_true(e->explained < 0);
        }
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
    /* the same cube with a baseline of one period: the fall's share shift is within the noise */
    cube_t c;
    cube_init(&c, 1, 2, card);
    cube_fill(&c, shrink_leaf, NULL, 1);
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.counts = 1;
    opt.direction = -1;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
    assert_elements(&c, res, "");
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

/* Exact counts, a (2) x b (10): a=a1's ten leaves have 300 viewers and 6 stalls a minute in the
 * baseline, 18 now (x3); a=a2's ten have 100 viewers and 2 stalls throughout. The incident holds
 * 180 of the 200 stalls: the leaves expect 6 and 2 events, too few for any one of them to say
 * which group is the norm, and the fitted level settles near a1's (2.5). Held at the baseline's
 * level, a1 is one element at x3; asked about a rise (+1), the fitted level has no element to
 * offer (a2 fell against it) and the baseline's is far shorter, so that is the model: a=a1,
 * explained w'(r' - r) = 0.75 * (0.06 - 0.02) = 0.03, the whole change, and no drift. (Asked
 * either way, "a1 rose x3" and "a2 fell to a third" are mirror images that differ by the fitted
 * level's ½ log 20 = 1.5 nats, under the report bar: the fitted level is kept, as before.) */
static void majority_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)r;
    (void)payload;
    if (codes[0] == 0) {
        add_leaf(c, codes, 18, 6, 300, 300);
    } else {
        add_leaf(c, codes, 2, 2, 100, 100);
    }
}

static void test_rca__level_held_at_the_baseline_when_shorter(void **state)
{
    (void)state;
    static const int card[] = {2, 10};
    static const char *const want[] = {"a=a2", "a=a1"}; /* direction 0, +1 */
    for (int dir = 0; dir <= 1; dir++) {
        cube_t c;
        cube_init(&c, 1, 2, card);
        cube_fill(&c, majority_leaf, NULL, 1);
        cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
        opt.counts = 1;
        opt.base_periods = 4;
        opt.direction = dir;
        cl_rca_result_t *res = NULL;
        cl_err_t err;
        assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
        assert_elements(&c, res, want[dir]);
        if (dir == 1) {
            assert_true(fabs(res->elements[0].explained - 0.75 * (0.06 - 0.02)) < 1e-12);
            assert_true(res->drift == 0);
        }
        cl_rca_result_free(res);
        cl_rca_builder_free(c.b);
    }
}

/* Exact counts, a (4) x b (3), 1000 viewers and 50 stalls a leaf in the baseline; now every leaf
 * has 75 (x1.5: a common move) and a=a1's have 150 (x3). At the baseline's level the common move
 * would take an element per value of a; the fitted level (1.5) describes it with one parameter,
 * so it stays the drift, and a=a1 is the one cause: explained 0.25 * (0.15 - 0.05) = 0.025. */
static void common_leaf(cube_t *c, const int *codes, test_rng_t *r, void *payload)
{
    (void)r;
    (void)payload;
    add_leaf(c, codes, codes[0] == 0 ? 150 : 75, 50, 1000, 1000);
}

static void test_rca__common_move_stays_the_drift(void **state)
{
    (void)state;
    static const int card[] = {4, 3};
    cube_t c;
    cube_init(&c, 1, 2, card);
    cube_fill(&c, common_leaf, NULL, 1);
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.counts = 1;
    opt.base_periods = 4;
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, cl_rca_builder_cube(c.b), &opt, &err), 0);
    assert_elements(&c, res, "a=a1");
    assert_true(fabs(res->elements[0].explained - 0.25 * (0.15 - 0.05)) < 1e-12);
    assert_true(fabs(res->drift - 0.5) < 0.01);
    cl_rca_result_free(res);
    cl_rca_builder_free(c.b);
}

static void test_rca__deterministic(void **state)
{
    (void)state;
    static const int card[] = {4, 5, 3};
    plan_t p = {{{0, -1, -1, -1, -1, -1}, {-1, 3, 1, -1, -1, -1}}, {0.6, 0.4}, 2};
    cl_rca_result_t *res[2];
    for (int k = 0; k < 2; k++) {
        cube_t c;
        cube_init(&c, 0, 3, card);
        cube_fill(&c, additive_leaf, &p, 99);
        res[k] = run(&c, 3);
        cl_rca_builder_free(c.b);
    }
    assert_int_equal(res[0]->n_elements, res[1]->n_elements);
    assert_memory_equal(res[0]->elements, res[1]->elements,
                        res[0]->n_elements * sizeof(cl_rca_element_t));
    assert_memory_equal(&res[0]->confidence, &res[1]->confidence, sizeof(double));
    cl_rca_result_free(res[0]);
    cl_rca_result_free(res[1]);
}

/* Several localisations at once (cl_rca_run_many), on one thread and on three: each result is
 * cl_rca_run's, bit for bit (additive, ratio with counts and baseline periods, a ratio by mix), and
 * a bad cube among them fails alone. */
static void assert_same_result(const cl_rca_result_t *a, const cl_rca_result_t *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n_elements, b->n_elements);
    if (a->n_elements) {
        assert_memory_equal(a->elements, b->elements, a->n_elements * sizeof(cl_rca_element_t));
    }
    assert_memory_equal(&a->cur_kpi, &b->cur_kpi, sizeof(*a) - offsetof(cl_rca_result_t, cur_kpi));
}

static void count_side(void *arg, size_t i)
{
    assert_int_equal(i, 0);
    (*(int *)arg)++;
}

static void test_rca__run_many_is_run(void **state)
{
    (void)state;
    static const int card_a[] = {4, 5, 3}, card_r[] = {4, 5, 2}, card_m[] = {4, 3};
    plan_t p = {{{0, -1, -1, -1, -1, -1}, {-1, 3, 1, -1, -1, -1}}, {0.6, 0.4}, 2};
    cube_t c[3];
    cube_init(&c[0], 0, 3, card_a);
    cube_fill(&c[0], additive_leaf, &p, 99);
    cube_init(&c[1], 1, 3, card_r);
    cube_fill(&c[1], small_ratio_leaf, NULL, 3);
    cube_init(&c[2], 1, 2, card_m);
    cube_fill(&c[2], mix_leaf, NULL, 5);
    cl_rca_cube_t cubes[4];
    cl_rca_options_t opts[4];
    for (int k = 0; k < 3; k++) {
        cubes[k] = *cl_rca_builder_cube(c[k].b);
        opts[k] = (cl_rca_options_t)CL_RCA_OPTIONS_INIT;
        opts[k].max_depth = 3;
    }
    opts[1].counts = 1;
    opts[1].base_periods = 4;
    opts[3] = opts[0];
    opts[3].max_depth = 99; /* refused: alone */
    cubes[3] = cubes[0];
    cl_rca_result_t *want[3];
    cl_err_t err;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(cl_rca_run(&want[k], &cubes[k], &opts[k], &err), 0);
    }
    cl_parallel_threads_t three;
    cl_parallel_threads_init(&three, 3, NULL);
    const cl_parallel_t *hooks[] = {NULL, &three.hook};
    for (int h = 0; h < 2; h++) {
        cl_rca_result_t *got[4];
        int rcs[4];
        cl_err_t errs[4];
        int sides = 0; /* the caller's side task runs once, with or without a hook */
        assert_int_equal(
            cl_rca_run_many(got, rcs, errs, cubes, opts, 4, hooks[h], count_side, &sides, &err), 0);
        assert_int_equal(sides, 1);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(rcs[k], 0);
            assert_same_result(want[k], got[k]);
            cl_rca_result_free(got[k]);
        }
        assert_int_equal(rcs[3], CL_EINVAL);
        assert_null(got[3]);
        assert_non_null(strstr(errs[3].msg, "max_depth"));
    }
    for (int k = 0; k < 3; k++) {
        cl_rca_result_free(want[k]);
        cl_rca_builder_free(c[k].b);
    }
}

/* A ratio of counts beside a count cube of its denominator (conversion = orders / visits beside
 * visits): the ratio's mix signal is the count cube's signal, and cl_rca_run_many calibrates and
 * searches it once (rca_search_twin); each result is still cl_rca_run's, bit for bit. */
static void test_rca__run_many_shares_a_twin_signal(void **state)
{
    (void)state;
    enum { A = 4, B = 5, C = 3, N = A * B * C };
    static uint32_t codes[N * 3];
    static double vc[N], vb[N], oc[N], ob[N];
    static const uint32_t nv[3] = {A, B, C};
    cl_rca_attr_t attrs[3];
    for (int k = 0; k < 3; k++) {
        attrs[k] = (cl_rca_attr_t){k == 0 ? "a" : k == 1 ? "b" : "c", -1, nv[k], NULL};
    }
    test_rng_t r = {77};
    for (size_t i = 0; i < N; i++) {
        codes[3 * i] = (uint32_t)(i / (B * C));
        codes[3 * i + 1] = (uint32_t)(i / C % B);
        codes[3 * i + 2] = (uint32_t)(i % C);
        vb[i] = floor(200 + 300 * test_uniform(&r));
        vc[i] = floor(vb[i] * (codes[3 * i] == 1 ? 0.5 : 1.0) * (0.95 + 0.1 * test_uniform(&r)));
        ob[i] = floor(vb[i] * 0.04 + test_uniform(&r));
        oc[i] = floor(vc[i] * (codes[3 * i + 1] == 2 ? 0.01 : 0.04) + test_uniform(&r));
    }
    cl_rca_cube_t cubes[2] = {{3, attrs, N, codes, vc, vb, NULL, NULL},
                              {3, attrs, N, codes, oc, ob, vc, vb}};
    cl_rca_options_t opts[2];
    for (int k = 0; k < 2; k++) {
        opts[k] = (cl_rca_options_t)CL_RCA_OPTIONS_INIT;
        opts[k].max_depth = 3;
        opts[k].max_elements = 5;
        opts[k].counts = 1;
    }
    cl_rca_result_t *want[2];
    cl_err_t err;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(cl_rca_run(&want[k], &cubes[k], &opts[k], &err), 0);
    }
    assert_true(want[0]->n_elements > 0);
    cl_parallel_threads_t two;
    cl_parallel_threads_init(&two, 2, NULL);
    const cl_parallel_t *hooks[] = {NULL, &two.hook};
    for (int h = 0; h < 2; h++) {
        cl_rca_result_t *got[2];
        int rcs[2];
        cl_err_t errs[2];
        assert_int_equal(
            cl_rca_run_many(got, rcs, errs, cubes, opts, 2, hooks[h], NULL, NULL, &err), 0);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(rcs[k], 0);
            assert_same_result(want[k], got[k]);
            cl_rca_result_free(got[k]);
        }
    }
    cl_rca_result_free(want[0]);
    cl_rca_result_free(want[1]);
}

static void test_rca__builder_sums_and_formats(void **state)
{
    (void)state;
    const char *names[] = {"zone", "isp"};
    cl_rca_builder_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_builder_new(&b, 2, names, 1, &err), 0);
    const char *row[] = {"北", "移动"};
    assert_int_equal(cl_rca_builder_add(b, row, 1, 2, 10, 20, &err), 0);
    assert_int_equal(cl_rca_builder_add(b, row, 3, 4, 30, 40, &err), 0);
    const cl_rca_cube_t *cube = cl_rca_builder_cube(b);
    assert_int_equal(cube->n_leaves, 1);
    assert_true(cube->cur_num[0] == 4 && cube->base_den[0] == 60);
    assert_int_equal(cl_rca_builder_code(b, 1, "移动"), 0);
    assert_int_equal(cl_rca_builder_code(b, 1, "电信"), -1);
    cl_rca_element_t el = {0};
    el.depth = 2;
    el.pairs[0].attr = 0;
    el.pairs[1].attr = 1;
    char buf[64];
    size_t n = cl_rca_element_format(buf, sizeof(buf), cube, &el);
    assert_string_equal(buf, "isp=移动&zone=北"); /* attributes sorted by name */
    assert_int_equal(n, strlen(buf));
    assert_int_equal(cl_rca_element_format(buf, 5, cube, &el), n); /* truncated, length told */
    assert_int_equal(strlen(buf), 4);
    const char *bad[] = {"x", NULL};
    assert_int_equal(cl_rca_builder_add(b, bad, 1, 1, 1, 1, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_add(b, row, 1, 1, -1, 1, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_set_parent(b, 0, 0, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_set_parent(b, 1, 0, &err), 0);
    assert_int_equal(cl_rca_builder_set_parent(b, 0, 1, &err), CL_EINVAL); /* a cycle */
    cl_rca_builder_free(b);
    const char *dup[] = {"a", "a"};
    assert_int_equal(cl_rca_builder_new(&b, 2, dup, 0, &err), CL_EINVAL);
    assert_null(b);
}

/* A two-leaf cube with four baseline periods each (hand-computed in the comments). Leaf a0's
 * incident began in its last baseline period (60 stalls of 100 viewers against 2-4 before). */
static cl_rca_builder_t *periods_cube(void)
{
    const char *names[] = {"a"};
    const char *a0[] = {"a0"}, *a1[] = {"a1"};
    const double p0[4][2] = {{3, 100}, {2, 100}, {4, 100}, {60, 100}};
    const double p1[4][2] = {{5, 200}, {6, 200}, {4, 200}, {5, 200}};
    cl_rca_builder_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 1, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 4, &err), 0);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(cl_rca_builder_add_period(b, a0, k, p0[k][0], p0[k][1], &err), 0);
        assert_int_equal(cl_rca_builder_add_period(b, a1, k, p1[k][0], p1[k][1], &err), 0);
    }
    assert_int_equal(cl_rca_builder_add(b, a0, 70, 0, 100, 0, &err), 0);
    assert_int_equal(cl_rca_builder_add(b, a1, 5, 0, 200, 0, &err), 0);
    return b;
}

static void test_rca__baseline_leaves_out_the_incident_onset(void **state)
{
    (void)state;
    cl_err_t err;
    size_t excluded = 99;
    /* Cube ratio r0 = 89/1200; the bar = log(2 leaves x 4 periods / 0.05) = 5.08 nats.
     * a0, direction +1: its least-moved half is periods 1 and 0 (2 and 3 of 200), ratio
     * (5 + 0.5) / (200 + 0.5 / r0) = 0.02660, so period 2 expects 2.66 (4 is within x3: kept)
     * and period 3 expects 2.66 but saw 60: x22, evidence 60 log(60/2.66) - 57.3 = 129.6 nats:
     * left out. Baseline (3 + 2 + 4) / 3 = 3 of 100. a1 moves within x3 everywhere: 20/4, 200. */
    cl_rca_builder_t *b = periods_cube();
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, &excluded, &err), 0);
    const cl_rca_cube_t *cube = cl_rca_builder_cube(b);
    assert_int_equal(excluded, 1);
    assert_float_equal(cube->base_num[0], 3.0, 1e-12);
    assert_float_equal(cube->base_den[0], 100.0, 1e-12);
    assert_float_equal(cube->base_num[1], 5.0, 1e-12);
    assert_float_equal(cube->base_den[1], 200.0, 1e-12);
    assert_float_equal(cube->cur_num[0], 70.0, 1e-12); /* the current period is untouched */
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, NULL, &err), CL_EINVAL); /* twice */
    const char *a0[] = {"a0"};
    assert_int_equal(cl_rca_builder_add_period(b, a0, 0, 1, 1, &err), CL_EINVAL); /* settled */
    cl_rca_builder_free(b);

    /* Without a direction a high and a low period cannot be told apart: the plain mean. */
    b = periods_cube();
    assert_int_equal(cl_rca_builder_settle_baseline(b, 0, &excluded, &err), 0);
    cube = cl_rca_builder_cube(b);
    assert_int_equal(excluded, 0);
    assert_float_equal(cube->base_num[0], 69.0 / 4, 1e-12);
    cl_rca_builder_free(b);

    /* Direction -1 (incidents lower the ratio): a0's least-moved half is now periods 3 and 2
     * (64 of 200, ratio 64.5 / 206.74 = 0.312), and periods 0 and 1 (3 and 2 where 31.2 were
     * expected, x10 and x16 below, 21.2 and 23.7 nats) are left out: baseline (60 + 4) / 2. */
    b = periods_cube();
    assert_int_equal(cl_rca_builder_settle_baseline(b, -1, &excluded, &err), 0);
    cube = cl_rca_builder_cube(b);
    assert_int_equal(excluded, 2);
    assert_float_equal(cube->base_num[0], 32.0, 1e-12);
    assert_float_equal(cube->base_num[1], 5.0, 1e-12);
    cl_rca_builder_free(b);
}

static void test_rca__baseline_periods_bad_use(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    const char *a0[] = {"a0"};
    cl_rca_builder_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 1, &err), 0);
    assert_int_equal(cl_rca_builder_add_period(b, a0, 0, 1, 1, &err), CL_EINVAL); /* undeclared */
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, NULL, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_set_periods(b, 0, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_set_periods(b, CL_RCA_MAX_PERIODS + 1, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_set_periods(b, 2, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 3, &err), CL_EINVAL);          /* once */
    assert_int_equal(cl_rca_builder_add_period(b, a0, 2, 1, 1, &err), CL_EINVAL); /* range */
    assert_int_equal(cl_rca_builder_add_period(b, a0, -1, 1, 1, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_add_period(b, a0, 0, 1, -1, &err), CL_EINVAL);
    assert_int_equal(cl_rca_builder_add_period(b, a0, 0, NAN, 1, &err), CL_EINVAL);
    assert_true(cl_rca_builder_dispersion(b) == 0); /* not settled */
    assert_int_equal(cl_rca_builder_settle_baseline(b, 2, NULL, &err), CL_EINVAL);
    cl_rca_builder_free(b);
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 1, &err), 0);
    assert_int_equal(cl_rca_builder_add(b, a0, 1, 1, 1, 1, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 2, &err), CL_EINVAL); /* after a row */
    cl_rca_builder_free(b);
    /* an additive builder keeps every period: the plain mean, no dispersion */
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 0, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 2, &err), 0);
    assert_int_equal(cl_rca_builder_add_period(b, a0, 0, 10, 0, &err), 0);
    assert_int_equal(cl_rca_builder_add_period(b, a0, 1, 1000, 0, &err), 0);
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, NULL, &err), 0);
    assert_float_equal(cl_rca_builder_cube(b)->base_num[0], 505.0, 1e-12);
    assert_true(cl_rca_builder_dispersion(b) == 0);
    cl_rca_builder_free(b);
    cl_rca_cube_t none = {0};
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.dispersion = -1;
    cl_rca_result_t *res = NULL;
    assert_int_equal(cl_rca_run(&res, &none, &opt, &err), CL_EINVAL);
    assert_null(res);
}

/* Ten leaves of 1000 viewers a period; five at 40, 60, 40, 60 stalls and five at 60, 40, 60, 40,
 * so the cube's ratio is the same in every period and each leaf expects 50. Each leaf's Pearson
 * chi-square over its 4 periods is 4 x 10^2 / (50 (1 + 50 b)) = 8 / (1 + 50 b); its median over
 * the leaves meets the median of a chi-square with 3 degrees of freedom, 3 (1 - 2/27)^3 =
 * 2.381457 (Wilson-Hilferty), at b = (8 / 2.381457 - 1) / 50 = 0.047186. */
static void fill_dispersion(cl_rca_builder_t *b, int common_move)
{
    cl_err_t err;
    for (int i = 0; i < 10; i++) {
        char name[8];
        snprintf(name, sizeof(name), "v%d", i);
        const char *row[] = {name};
        for (int k = 0; k < 4; k++) {
            int high = common_move ? k % 2 : (k + i) % 2;
            assert_int_equal(cl_rca_builder_add_period(b, row, k, high ? 60 : 40, 1000, &err), 0);
        }
        assert_int_equal(cl_rca_builder_add(b, row, 50, 0, 1000, 0, &err), 0);
    }
}

static void test_rca__dispersion_from_the_baseline_periods(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    cl_rca_builder_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 1, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 4, &err), 0);
    fill_dispersion(b, 0);
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, NULL, &err), 0);
    assert_float_equal(cl_rca_builder_dispersion(b), 0.047186, 1e-5);
    cl_rca_builder_free(b);
    /* the same swings, but every leaf at once: a common move of the cube's ratio, no noise */
    assert_int_equal(cl_rca_builder_new(&b, 1, names, 1, &err), 0);
    assert_int_equal(cl_rca_builder_set_periods(b, 4, &err), 0);
    fill_dispersion(b, 1);
    assert_int_equal(cl_rca_builder_settle_baseline(b, 1, NULL, &err), 0);
    assert_true(cl_rca_builder_dispersion(b) == 0);
    cl_rca_builder_free(b);
}

static void test_rca__bad_input(void **state)
{
    (void)state;
    cl_rca_attr_t attrs[1] = {{"a", -1, 2, NULL}};
    uint32_t codes[2] = {0, 5};
    double v[2] = {1, 2}, den[2] = {1, -1};
    cl_rca_cube_t cube = {1, attrs, 2, codes, v, v, NULL, NULL};
    cl_rca_result_t *res = NULL;
    cl_err_t err;
    assert_int_equal(cl_rca_run(&res, &cube, NULL, &err), CL_EINVAL); /* code out of range */
    assert_non_null(strstr(err.msg, "out of range"));
    codes[1] = 1;
    cube.cur_den = den;
    assert_int_equal(cl_rca_run(&res, &cube, NULL, &err), CL_EINVAL); /* one den only */
    cube.base_den = den;
    assert_int_equal(cl_rca_run(&res, &cube, NULL, &err), CL_EINVAL); /* negative den */
    cube.cur_den = cube.base_den = NULL;
    cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
    opt.max_depth = 99;
    assert_int_equal(cl_rca_run(&res, &cube, &opt, &err), CL_EINVAL);
    cube.n_attrs = 0;
    assert_int_equal(cl_rca_run(&res, &cube, NULL, &err), CL_EINVAL);
    assert_null(res);
    cube.n_attrs = 1;
    cube.n_leaves = 0; /* an empty cube is fine: nothing to explain */
    assert_int_equal(cl_rca_run(&res, &cube, NULL, &err), 0);
    assert_int_equal(res->n_elements, 0);
    assert_true(res->confidence == 0);
    cl_rca_result_free(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rca__additive_depth_1),
        cmocka_unit_test(test_rca__additive_depth_2),
        cmocka_unit_test(test_rca__additive_depth_3),
        cmocka_unit_test(test_rca__two_elements_at_once),
        cmocka_unit_test(test_rca__ratio_drop_in_small_segment),
        cmocka_unit_test(test_rca__ratio_moved_by_mix),
        cmocka_unit_test(test_rca__hierarchy_parent_level),
        cmocka_unit_test(test_rca__hierarchy_child_level),
        cmocka_unit_test(test_rca__pure_noise_is_quiet),
        cmocka_unit_test(test_rca__sparse_counts_noise_is_quiet),
        cmocka_unit_test(test_rca__sparse_counts_segment_found),
        cmocka_unit_test(test_rca__parent_when_children_move_by_different_factors),
        cmocka_unit_test(test_rca__child_when_the_rest_of_the_parent_is_normal),
        cmocka_unit_test(test_rca__anomalous_majority_is_not_the_norm),
        cmocka_unit_test(test_rca__parent_beside_a_crossing_cause),
        cmocka_unit_test(test_rca__direction_keeps_the_incident_only),
        cmocka_unit_test(test_rca__mix_cause_must_be_material),
        cmocka_unit_test(test_rca__direction_is_the_effect_on_the_kpi),
        cmocka_unit_test(test_rca__level_held_at_the_baseline_when_shorter),
        cmocka_unit_test(test_rca__common_move_stays_the_drift),
        cmocka_unit_test(test_rca__deterministic),
        cmocka_unit_test(test_rca__run_many_is_run),
        cmocka_unit_test(test_rca__run_many_shares_a_twin_signal),
        cmocka_unit_test(test_rca__builder_sums_and_formats),
        cmocka_unit_test(test_rca__baseline_leaves_out_the_incident_onset),
        cmocka_unit_test(test_rca__baseline_periods_bad_use),
        cmocka_unit_test(test_rca__dispersion_from_the_baseline_periods),
        cmocka_unit_test(test_rca__bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
