/* cube_fixture.h — random but deterministic cubes for insight-engine tests: a leaf grid of
 * channel × device_type × (traffic_l1 → traffic_l2) with every measure of config/metrics.yaml,
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
    size_t weeks;         /* 60 */
    double noise;         /* per-leaf weekly log-normal sigma, e.g. 0.05 */
    double season;        /* amplitude of a yearly sinusoid on every measure, e.g. 0.1 */
    double trend;         /* weekly growth, e.g. 0.002 */
    double scale;         /* visits per leaf per week, e.g. 2000 */
    const cube_effect_t *effects;
    size_t n_effects;
    int with_pulse;       /* 1: pulse follows demand with small noise */
    double pulse_surge;   /* pulse factor from the last week of a window (planted), 0 = none */
    long pulse_from;
    double budget_factor; /* weekly budget = factor × expected spend (0: 1.0) */
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

static inline void cube_add(cl_frame_t *f, size_t dims[4], size_t vals[4], size_t w, size_t m,
                            double v)
{
    double *t = cl_frame_total(f, w, m);
    *t = isnan(*t) ? v : *t + v;
    for (int d = 0; d < 4; d++) {
        *cl_frame_cell(f, dims[d], vals[d], w, m) += v;
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
    size_t dims[4], ch_v[2], dv_v[3], t1_v[4], t2_v[4];
    int rc = cl_frame_add_dim(&dims[0], f, "channel", CL_FRAME_NONE, &err);
    rc |= cl_frame_add_dim(&dims[1], f, "device_type", CL_FRAME_NONE, &err);
    rc |= cl_frame_add_dim(&dims[2], f, "traffic_l1", CL_FRAME_NONE, &err);
    rc |= cl_frame_add_dim(&dims[3], f, "traffic_l2", dims[2], &err);
    for (size_t i = 0; i < 2; i++) {
        rc |= cl_frame_value(&ch_v[i], f, dims[0], CUBE_CHANNELS[i], CL_FRAME_NONE, &err);
    }
    for (size_t i = 0; i < 3; i++) {
        rc |= cl_frame_value(&dv_v[i], f, dims[1], CUBE_DEVICES[i], CL_FRAME_NONE, &err);
    }
    for (size_t i = 0; i < 4; i++) {
        rc |= cl_frame_value(&t1_v[i], f, dims[2], CUBE_TRAFFIC[i][0], CL_FRAME_NONE, &err);
        rc |= cl_frame_value(&t2_v[i], f, dims[3], CUBE_TRAFFIC[i][1], t1_v[i], &err);
    }
    if (rc != 0) {
        cl_frame_free(f);
        return NULL;
    }
    static const char *const measures[] = {
        "revenue", "gross_revenue", "orders", "units", "new_customers", "returns", "discounts",
        "visits", "product_views", "add_to_carts", "spend", "impressions", "clicks",
        "paid_revenue", "conversions"};
    for (size_t d = 0; d < 4; d++) {
        for (size_t i = 0; i < sizeof measures / sizeof measures[0]; i++) {
            cl_frame_set_has(f, dims[d], cube_m(cat, measures[i]));
        }
    }
    double noise = o->noise;
    for (size_t w = 0; w < weeks; w++) {
        double level = (1 + o->season * sin(6.283185307179586 * (double)w / 52.0)) *
                       exp(o->trend * (double)w);
        double expected_spend = 0;
        for (size_t ch = 0; ch < 2; ch++) {
            for (size_t dv = 0; dv < 3; dv++) {
                for (size_t tr = 0; tr < 4; tr++) {
#define N() exp(noise * cube_normal(&rng))
#define E(id) cube_effect(o, id, (long)w, ch, dv, tr)
                    size_t vals[4] = {ch_v[ch], dv_v[dv], t1_v[tr], t2_v[tr]};
                    double weight = (1.0 + ch) * (dv == 1 ? 2.0 : dv == 0 ? 1.5 : 0.5) *
                                    (tr == 0 ? 2.0 : tr == 3 ? 0.8 : 1.0);
                    double cr = 0.02 + 0.004 * (double)tr + 0.003 * (double)dv;
                    double visits = o->scale * weight * level * N() * E("visits");
                    double orders = visits * cr * N() * E("orders");
                    double revenue = orders * (60 + 10 * (double)dv) * N() * E("revenue");
                    double gross = revenue * (1.1 + 0.02 * N()) * E("gross_revenue");
                    int paid = tr != 0;
                    double spend = paid ? visits * 0.4 * N() * E("spend") : 0;
                    double clicks = paid ? visits * 0.7 * N() * E("clicks") : 0;
                    expected_spend += paid ? o->scale * weight * level * 0.4 : 0;
                    cube_add(f, dims, vals, w, cube_m(cat, "visits"), visits);
                    cube_add(f, dims, vals, w, cube_m(cat, "orders"), orders);
                    cube_add(f, dims, vals, w, cube_m(cat, "revenue"), revenue);
                    cube_add(f, dims, vals, w, cube_m(cat, "gross_revenue"), gross);
                    cube_add(f, dims, vals, w, cube_m(cat, "discounts"), gross - revenue);
                    cube_add(f, dims, vals, w, cube_m(cat, "units"), orders * 1.6 * N());
                    cube_add(f, dims, vals, w, cube_m(cat, "new_customers"),
                             orders * 0.3 * N() * E("new_customers"));
                    cube_add(f, dims, vals, w, cube_m(cat, "returns"),
                             revenue * 0.05 * N() * E("returns"));
                    cube_add(f, dims, vals, w, cube_m(cat, "product_views"), visits * 3 * N());
                    cube_add(f, dims, vals, w, cube_m(cat, "add_to_carts"), visits * 0.1 * N());
                    cube_add(f, dims, vals, w, cube_m(cat, "spend"), spend);
                    cube_add(f, dims, vals, w, cube_m(cat, "clicks"), clicks);
                    cube_add(f, dims, vals, w, cube_m(cat, "impressions"), clicks * 30 * N());
                    cube_add(f, dims, vals, w, cube_m(cat, "paid_revenue"), paid ? revenue : 0);
                    cube_add(f, dims, vals, w, cube_m(cat, "conversions"), paid ? orders : 0);
#undef N
#undef E
                }
            }
        }
        double bf = o->budget_factor > 0 ? o->budget_factor : 1.0;
        *cl_frame_total(f, w, cube_m(cat, "budget")) = expected_spend * bf;
        *cl_frame_total(f, w, cube_m(cat, "revenue_target")) = o->scale * 200;
        if (o->with_pulse) {
            double surge = o->pulse_surge > 0 && (long)w >= o->pulse_from ? o->pulse_surge : 1.0;
            f->pulse[w] = 100 * level * surge * exp(0.01 * cube_normal(&rng));
        }
    }
    return f;
}

#endif
