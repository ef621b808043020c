/* cube_fixture.h — random but deterministic cubes for insight-engine tests: a leaf grid of
 * channel × device_type × (traffic_l1 → traffic_l2) × customer_type × country (144 leaves) with
 * every measure of config/metrics.yaml,
 * generated week by week with multiplicative noise, an optional yearly season and trend, and
 * optional planted effects; rolled up into a frame (totals and every dimension, traffic_l2 under
 * traffic_l1) exactly as the report layer would fill it. Test-only. */
#ifndef CL_TEST_CUBE_FIXTURE_H
#define CL_TEST_CUBE_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "insights/frame.h"

typedef struct {
    uint64_t s;
} cube_rng_t;

static inline double cube_uniform(cube_rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return ((double)(r->s >> 11) + 0.5) / 9007199254740992.0;
}

static inline double cube_normal(cube_rng_t *r)
{
    double u = cube_uniform(r), v = cube_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* A count around the expectation X: the normal approximation of Poisson, never negative. */
static inline double cube_count(cube_rng_t *r, double x)
{
    double y = x + sqrt(fmax(x, 0)) * cube_normal(r);
    return y > 0 ? y : 0;
}

/* A planted effect: from week FROM on, multiply MEASURE (a catalog id) by FACTOR in leaves matching
 * the given values (NULL = any). */
typedef struct {
    const char *measure;
    double factor;
    long from_week;
    const char *channel, *device, *traffic_l1;
} cube_effect_t;

typedef struct {
    uint64_t seed;
    size_t weeks;  /* 60 */
    double noise;  /* per-leaf weekly log-normal sigma, e.g. 0.05 */
    double season; /* amplitude of a yearly sinusoid on every measure, e.g. 0.1 */
    double trend;  /* weekly growth, e.g. 0.002 */
    double scale;  /* visits per leaf per week, e.g. 2000 */
    const cube_effect_t *effects;
    size_t n_effects;
    int with_pulse;     /* 1: pulse follows demand with small noise */
    double pulse_surge; /* pulse factor from the last week of a window (planted), 0 = none */
    long pulse_from;
    double budget_factor; /* weekly budget = factor × expected spend (0: 1.0) */
    int no_leaves;        /* 1: no leaf grain (no root-cause localisation) */
} cube_opts_t;

static const char *const CUBE_CHANNELS[] = {"app", "web"};
static const char *const CUBE_DEVICES[] = {"desktop", "mobile", "tablet"};
static const char *const CUBE_TRAFFIC[][2] = {
    {"organic", "seo"}, {"paid_search", "bing"}, {"paid_search", "google"}, {"social", "facebook"}};

static inline size_t cube_m(const cl_catalog_t *cat, const char *id)
{
    size_t i = 0;
    if (!cl_catalog_find(cat, id, &i)) {
        abort();
    }
    return i;
}

static inline int cube_matches(const cube_effect_t *e, size_t ch, size_t dv, size_t tr)
{
    return (!e->channel || strcmp(e->channel, CUBE_CHANNELS[ch]) == 0) &&
           (!e->device || strcmp(e->device, CUBE_DEVICES[dv]) == 0) &&
           (!e->traffic_l1 || strcmp(e->traffic_l1, CUBE_TRAFFIC[tr][0]) == 0);
}

static inline double cube_effect(const cube_opts_t *o, const char *measure, long w, size_t ch,
                                 size_t dv, size_t tr)
{
    double f = 1.0;
    for (size_t i = 0; i < o->n_effects; i++) {
        const cube_effect_t *e = &o->effects[i];
        if (w >= e->from_week && strcmp(e->measure, measure) == 0 && cube_matches(e, ch, dv, tr)) {
            f *= e->factor;
        }
    }
    return f;
}

#define CUBE_DIMS 6
#define CUBE_LEAVES (2 * 3 * 4 * 2 * 3)
static const char *const CUBE_CUSTOMERS[] = {"new", "returning"};
static const char *const CUBE_COUNTRIES[] = {"CA", "MX", "US"};

static inline void cube_add(cl_frame_t *f, const size_t *dims, const size_t *vals, size_t w,
                            size_t m, double v)
{
    double *t = cl_frame_total(f, w, m);
    *t = isnan(*t) ? v : *t + v;
    for (int d = 0; d < CUBE_DIMS; d++) {
        *cl_frame_cell(f, dims[d], vals[d], w, m) += v;
    }
}

static inline int cube_dims(cl_frame_t *f, size_t *dims, size_t (*vals)[4], cl_err_t *err)
{
    static const char *const names[CUBE_DIMS] = {"channel",    "device_type",   "traffic_l1",
                                                 "traffic_l2", "customer_type", "country"};
    int rc = 0;
    for (int d = 0; d < CUBE_DIMS; d++) {
        rc |= cl_frame_add_dim(&dims[d], f, names[d], d == 3 ? dims[2] : CL_FRAME_NONE, err);
    }
    for (size_t i = 0; i < 4; i++) {
        rc |= i < 2 ? cl_frame_value(&vals[0][i], f, dims[0], CUBE_CHANNELS[i], CL_FRAME_NONE, err)
                    : 0;
        rc |= i < 3 ? cl_frame_value(&vals[1][i], f, dims[1], CUBE_DEVICES[i], CL_FRAME_NONE, err)
                    : 0;
        rc |= cl_frame_value(&vals[2][i], f, dims[2], CUBE_TRAFFIC[i][0], CL_FRAME_NONE, err);
        rc |= cl_frame_value(&vals[3][i], f, dims[3], CUBE_TRAFFIC[i][1], vals[2][i], err);
        rc |= i < 2 ? cl_frame_value(&vals[4][i], f, dims[4], CUBE_CUSTOMERS[i], CL_FRAME_NONE, err)
                    : 0;
        rc |= i < 3 ? cl_frame_value(&vals[5][i], f, dims[5], CUBE_COUNTRIES[i], CL_FRAME_NONE, err)
                    : 0;
    }
    return rc;
}

/* leaf index → channel, device, traffic, customer, country */
static inline void cube_decode(size_t leaf, size_t *ch, size_t *dv, size_t *tr, size_t *ct,
                               size_t *co)
{
    *co = leaf % 3;
    leaf /= 3;
    *ct = leaf % 2;
    leaf /= 2;
    *tr = leaf % 4;
    leaf /= 4;
    *dv = leaf % 3;
    *ch = leaf / 3;
}

static inline void cube_leaves(cl_frame_t *f, const cl_catalog_t *cat, const size_t *dims,
                               size_t (*vals)[4], const double *leafv)
{
    cl_err_t err;
    size_t lm[3] = {cube_m(cat, "revenue"), cube_m(cat, "orders"), cube_m(cat, "visits")};
    size_t grain = 0;
    if (cl_frame_leaf_dims(&grain, f, dims, CUBE_DIMS, lm, 3, &err) != 0) {
        abort();
    }
    size_t weeks = f->n_weeks;
    cl_week_t last = cl_week_add(f->first_week, (int)weeks - 1);
    for (size_t leaf = 0; leaf < CUBE_LEAVES; leaf++) {
        size_t ch, dv, tr, ct, co;
        cube_decode(leaf, &ch, &dv, &tr, &ct, &co);
        uint32_t codes[CUBE_DIMS] = {(uint32_t)vals[0][ch], (uint32_t)vals[1][dv],
                                     (uint32_t)vals[2][tr], (uint32_t)vals[3][tr],
                                     (uint32_t)vals[4][ct], (uint32_t)vals[5][co]};
        double sums[CL_WINDOW_COUNT * 2 * 3];
        const double *lv = &leafv[leaf * weeks * 3];
        for (int win = 0; win < CL_WINDOW_COUNT; win++) {
            cl_window_range_t r = cl_window_range((cl_window_t)win, last);
            long idx[4] = {cl_frame_week_index(f, r.cur_first), cl_frame_week_index(f, r.cur_last),
                           cl_frame_week_index(f, r.prev_first),
                           cl_frame_week_index(f, r.prev_last)};
            for (int per = 0; per < 2; per++) {
                for (int k = 0; k < 3; k++) {
                    long a = idx[2 * per], b = idx[2 * per + 1];
                    double sum = 0;
                    for (long u = a; a >= 0 && u <= b; u++) {
                        sum += lv[u * 3 + k];
                    }
                    sums[(win * 2 + per) * 3 + k] = a >= 0 ? sum : NAN;
                }
            }
        }
        if (cl_frame_add_leaf(f, grain, codes, sums, &err) != 0) {
            abort();
        }
    }
}

/* Build the frame for week index 0 = 2025-W36 (60 weeks end at 2026-W43). Returns NULL on error. */
static inline cl_frame_t *cube_make(const cl_catalog_t *cat, const cube_opts_t *o)
{
    cl_frame_t *f = NULL;
    cl_err_t err;
    size_t weeks = o->weeks ? o->weeks : 60;
    cube_rng_t rng = {o->seed * 0x9e3779b97f4a7c15u + 1};
    if (cl_frame_new(&f, (cl_week_t){2025, 36}, weeks, cl_catalog_count(cat), &err) != 0) {
        return NULL;
    }
    size_t dims[CUBE_DIMS], vals[CUBE_DIMS][4];
    double *leafv = calloc(CUBE_LEAVES * weeks * 3, sizeof *leafv);
    if (!leafv || cube_dims(f, dims, vals, &err) != 0) {
        free(leafv);
        cl_frame_free(f);
        return NULL;
    }
    static const char *const measures[] = {
        "revenue", "gross_revenue", "orders", "units",         "new_customers",
        "returns", "discounts",     "visits", "product_views", "add_to_carts",
        "spend",   "impressions",   "clicks", "paid_revenue",  "conversions"};
    for (size_t d = 0; d < CUBE_DIMS; d++) {
        for (size_t i = 0; i < sizeof measures / sizeof measures[0]; i++) {
            cl_frame_set_has(f, dims[d], cube_m(cat, measures[i]));
        }
    }
    double noise = o->noise;
    for (size_t w = 0; w < weeks; w++) {
        double level =
            (1 + o->season * sin(6.283185307179586 * (double)w / 52.0)) * exp(o->trend * (double)w);
        /* the week's common moves (demand, conversion, basket), shared by every leaf */
        double g_visits = exp(noise * cube_normal(&rng));
        double g_conv = exp(noise / 2 * cube_normal(&rng));
        double g_basket = exp(noise / 2 * cube_normal(&rng));
        double expected_spend = 0;
        for (size_t leaf = 0; leaf < CUBE_LEAVES; leaf++) {
            size_t ch, dv, tr, ct, co;
            cube_decode(leaf, &ch, &dv, &tr, &ct, &co);
/* J: a leaf's own 2 % jitter; P: a count drawn around its expectation (normal approximation of
 * Poisson); E: planted effects */
#define J() exp(0.02 * cube_normal(&rng))
#define P(x) cube_count(&rng, (x))
#define E(id) cube_effect(o, id, (long)w, ch, dv, tr)
            size_t v[CUBE_DIMS] = {vals[0][ch], vals[1][dv], vals[2][tr],
                                   vals[3][tr], vals[4][ct], vals[5][co]};
            double weight = (1.0 + (double)ch) *
                            (dv == 1   ? 2.0
                             : dv == 0 ? 1.5
                                       : 0.5) *
                            (tr == 0   ? 2.0
                             : tr == 3 ? 0.8
                                       : 1.0) *
                            (ct ? 0.7 : 0.3) * (co == 2 ? 0.6 : 0.2) * 6;
            double cr = 0.02 + 0.004 * (double)tr + 0.003 * (double)dv;
            double visits = P(o->scale * weight * level * g_visits * J() * E("visits"));
            double orders = P(visits * cr * g_conv * J() * E("orders"));
            double basket = (60 + 10 * (double)dv) * g_basket;
            double revenue = orders * basket *
                             exp(0.6 / sqrt(fmax(orders, 1)) * cube_normal(&rng)) * E("revenue");
            double gross = revenue * (1.1 + 0.02 * J()) * E("gross_revenue");
            int paid = tr != 0;
            /* spend is bought, not earned: it follows the plan, not the week's demand */
            double spend = paid ? o->scale * weight * level * 0.4 * J() * E("spend") : 0;
            double clicks = paid ? P(visits * 0.7 * J() * E("clicks")) : 0;
            expected_spend += paid ? o->scale * weight * level * 0.4 : 0;
            double *lv = &leafv[(leaf * weeks + w) * 3];
            lv[0] = revenue;
            lv[1] = orders;
            lv[2] = visits;
            cube_add(f, dims, v, w, cube_m(cat, "visits"), visits);
            cube_add(f, dims, v, w, cube_m(cat, "orders"), orders);
            cube_add(f, dims, v, w, cube_m(cat, "revenue"), revenue);
            cube_add(f, dims, v, w, cube_m(cat, "gross_revenue"), gross);
            cube_add(f, dims, v, w, cube_m(cat, "discounts"), gross - revenue);
            cube_add(f, dims, v, w, cube_m(cat, "units"), P(orders * 1.6));
            cube_add(f, dims, v, w, cube_m(cat, "new_customers"),
                     P(orders * 0.3 * E("new_customers")));
            cube_add(f, dims, v, w, cube_m(cat, "returns"),
                     revenue * 0.05 * exp(0.5 / sqrt(fmax(orders * 0.05, 1)) * cube_normal(&rng)) *
                         E("returns"));
            cube_add(f, dims, v, w, cube_m(cat, "product_views"), P(visits * 3));
            cube_add(f, dims, v, w, cube_m(cat, "add_to_carts"), P(visits * 0.1));
            cube_add(f, dims, v, w, cube_m(cat, "spend"), spend);
            cube_add(f, dims, v, w, cube_m(cat, "clicks"), clicks);
            cube_add(f, dims, v, w, cube_m(cat, "impressions"), P(clicks * 30));
            cube_add(f, dims, v, w, cube_m(cat, "paid_revenue"), paid ? revenue : 0);
            cube_add(f, dims, v, w, cube_m(cat, "conversions"), paid ? orders : 0);
#undef J
#undef P
#undef E
        }
        double bf = o->budget_factor > 0 ? o->budget_factor : 1.0;
        *cl_frame_total(f, w, cube_m(cat, "budget")) = expected_spend * bf;
        *cl_frame_total(f, w, cube_m(cat, "revenue_target")) = o->scale * 200;
        if (o->with_pulse) {
            double surge = o->pulse_surge > 0 && (long)w >= o->pulse_from ? o->pulse_surge : 1.0;
            f->pulse[w] = 100 * level * surge * exp(0.01 * cube_normal(&rng));
        }
    }
    if (!o->no_leaves) {
        cube_leaves(f, cat, dims, vals, leafv);
    }
    free(leafv);
    return f;
}

#endif
