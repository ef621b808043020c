/* demo_gen.c — one week of demo data, cell by cell. The generation is a plain nested loop in C
 * (day, country, L2, traffic, device/channel, customer type) feeding DuckDB appenders; DuckDB then
 * writes each table of the week as one Parquet file. One week at a time bounds memory to a week's
 * rows, whatever the total size. */
#include "etl/demo_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl/demo_rng.h"

#define LANDING 0.9 /* sessions per paid click */
#define MAX_UNITS 12

/* Random-stream tags (arbitrary constants, one per use). */
enum {
    TAG_CELL = 0x63656c6c,
    TAG_DAYNOISE = 0x646e6f69,
    TAG_WEEKNOISE = 0x776e6f69,
    TAG_CUSTOMER = 0x63757374,
    TAG_MARKETING = 0x6d6b7467,
};

/* Everything about one country on one day that does not depend on the finer cell. */
typedef struct {
    double base[CL_DEMO_L1]; /* expected sessions for a cell share of 1, with noise and effects */
    double plan[CL_DEMO_L1]; /* the same without noise or planted effects */
    double cr[CL_DEMO_L1];   /* conversion before traffic/device/customer factors */
    double cr_plan[CL_DEMO_L1];
    double promo[CL_DEMO_L1]; /* promo share of lines */
    double price_level;       /* local price level x inflation */
} country_day_t;

#define SUBCELLS (CL_DEMO_TRAFFIC * CL_DEMO_DEVCHAN * CL_DEMO_CTYPES)

/* A region's split of one day's sessions over traffic x device/channel x customer type. */
typedef struct {
    double w[SUBCELLS], cum[SUBCELLS];
    double conv;                     /* sum of weight x conversion factor */
    double conv_new;                 /* the same over new customers only */
    double traffic[CL_DEMO_TRAFFIC]; /* weight of each paid source (0 for unpaid) */
} day_mix_t;

typedef struct {
    const cl_demo_gen_t *g;
    const cl_demo_world_t *w;
    day_mix_t mix[CL_DEMO_REGIONS];
    cl_demo_effects_t fx;
    int64_t week_index, week_key, monday, day, seq;
    int64_t seq_new[CL_DEMO_COUNTRIES];
    double paid[CL_DEMO_COUNTRIES][CL_DEMO_L1][CL_DEMO_TRAFFIC];      /* sessions today */
    double paid_plan[CL_DEMO_COUNTRIES][CL_DEMO_L1][CL_DEMO_TRAFFIC]; /* expected today */
    cl_db_appender_t *orders, *lines, *sessions, *marketing;
    cl_demo_week_stats_t *st;
    cl_err_t *err;
} week_t;

/* What a cell is: the indices of its dimensions. */
typedef struct {
    int c, r, g, l1, t, k, u;
} cell_t;

static double years_from(int64_t day, int64_t ref)
{
    return (double)(day - ref) / 365.25;
}

static void country_day(country_day_t *cd, const week_t *wk, int c)
{
    const cl_demo_world_t *w = wk->w;
    int r = cl_demo_countries[c].region;
    uint64_t seed = w->seed;
    int64_t end_day = cl_week_monday(wk->g->end_week) + 6;
    double dn = cl_demo_noise_of(
        cl_demo_hash(seed, TAG_DAYNOISE, (uint64_t)wk->day, (uint64_t)c, 99), 0.03);
    for (int i = 0; i < CL_DEMO_L1; i++) {
        const cl_demo_l1_t *l1 = &cl_demo_l1s[i];
        cl_demo_dayfx_t fx =
            cl_demo_day_effect(wk->day, cl_demo_regions[r].holiday_group, l1->tags);
        double plan = wk->g->scale * w->country_share[c] * cl_demo_season(l1->season, wk->day) *
                      fx.traffic * exp(w->growth[r][i] * years_from(wk->day, end_day));
        uint64_t wh =
            cl_demo_hash(seed, TAG_WEEKNOISE, (uint64_t)wk->week_index, (uint64_t)r, (uint64_t)i);
        double noise = dn * cl_demo_noise_of(wh, 0.025) *
                       cl_demo_noise_of(cl_demo_hash(seed, TAG_DAYNOISE, (uint64_t)wk->day,
                                                     (uint64_t)c, (uint64_t)i),
                                        0.04);
        cd->plan[i] = plan;
        cd->base[i] = plan * noise * wk->fx.sessions[c][i];
        cd->cr_plan[i] = l1->cr * w->cr_tilt[c][i] * fx.conversion;
        cd->cr[i] = cd->cr_plan[i] * cl_demo_noise_of(cl_demo_mix64(wh), 0.02);
        cd->promo[i] = fx.promo_share > l1->promo_share ? fx.promo_share : l1->promo_share;
    }
    cd->price_level = cl_demo_countries[c].price_level * cl_demo_inflation(wk->day);
}

static int device_os(cl_demo_rng_t *rng, const cell_t *x)
{
    double u = cl_demo_rng_unit(rng);
    const char *type = cl_demo_devchans[x->k].device_type;
    if (type[0] == 'm') {
        return u < cl_demo_regions[x->r].ios_share ? CL_DEMO_OS_IOS : CL_DEMO_OS_ANDROID;
    }
    if (type[0] == 't') {
        return u < 0.7 ? CL_DEMO_OS_IPADOS : CL_DEMO_OS_ANDROID;
    }
    return u < 0.72 ? CL_DEMO_OS_WINDOWS : u < 0.97 ? CL_DEMO_OS_MACOS : CL_DEMO_OS_LINUX;
}

/* The city (index in the city dictionary) of a session or order in country C. */
static int city(const week_t *wk, cl_demo_rng_t *rng, int c)
{
    const cl_demo_country_t *ct = &cl_demo_countries[c];
    return wk->g->dicts.city_base[c] +
           (int)cl_demo_rng_pick(rng, ct->city_weight, (size_t)ct->n_cities);
}

static void en(cl_db_appender_t *a, int index)
{
    cl_db_append_enum(a, (uint32_t)index);
}

/* A row of the L2 (L3 = 0) or L3 table in [FIRST, FIRST + N) by the rows' weights. */
static int pick_row(cl_demo_rng_t *rng, int first, int n, int l3)
{
    double wt[8];
    for (int i = 0; i < n && i < 8; i++) {
        wt[i] = l3 ? cl_demo_l3s[first + i].weight : cl_demo_l2s[first + i].weight;
    }
    return first + (int)cl_demo_rng_pick(rng, wt, (size_t)(n < 8 ? n : 8));
}

/* The category of line LINE_NO (0-based) of an order that landed in L2 G. */
static int line_l2(cl_demo_rng_t *rng, const cl_demo_world_t *w, const cell_t *x, int line_no)
{
    if (line_no == 0) {
        return x->g;
    }
    if (cl_demo_rng_unit(rng) < cl_demo_l1s[x->l1].same_l1) {
        return pick_row(rng, w->l2_first[x->l1], w->l2_count[x->l1], 0);
    }
    /* another category, in proportion to the region's category mix */
    return (int)cl_demo_rng_pick(rng, w->l2_share[x->r], CL_DEMO_L2);
}

typedef struct {
    int64_t net_cents;
    int tier;
} line_out_t;

static void gen_line(line_out_t *out, week_t *wk, cl_demo_rng_t *rng, const cell_t *x,
                     const country_day_t *cd, int64_t order_id, int line_no)
{
    const cl_demo_world_t *w = wk->w;
    int g = line_l2(rng, w, x, line_no);
    int l1 = cl_demo_l2s[g].parent, l3 = pick_row(rng, w->l3_first[g], w->l3_count[g], 1);
    const cl_demo_l1_t *cat = &cl_demo_l1s[l1];
    int k = cl_demo_product_index(cl_demo_rng_unit(rng));
    double keep_low = wk->fx.keep_low[x->r][l1];
    if (keep_low > 0.0 && w->products[l3][k].band >= 2 && cl_demo_rng_unit(rng) < keep_low) {
        for (int tries = 0; tries < 16 && w->products[l3][k].band >= 2; tries++) {
            k = cl_demo_product_index(cl_demo_rng_unit(rng));
        }
    }
    const cl_demo_product_t *p = &w->products[l3][k];
    int64_t price = llround((double)p->price_cents * cd->price_level);
    int units = 1;
    double more = cat->extra_units / (1.0 + cat->extra_units);
    while (units < MAX_UNITS && cl_demo_rng_unit(rng) < more) {
        units++;
    }
    int64_t gross = price * units, discount = 0;
    int promo = cl_demo_rng_unit(rng) < cd->promo[l1];
    if (promo) {
        double depth =
            floor(cat->discount_depth * (0.5 + cl_demo_rng_unit(rng)) * 20.0 + 0.5) / 20.0;
        depth = depth < 0.05 ? 0.05 : depth > 0.6 ? 0.6 : depth;
        discount = llround((double)gross * depth);
    }
    double pr = cat->return_rate * cl_demo_tier_returns[p->tier] * cl_demo_band_returns[p->band] *
                wk->fx.returns[x->r][l1][p->tier];
    int ru = (int)cl_demo_rng_binomial(rng, units, pr > 0.9 ? 0.9 : pr);
    int64_t rr = ru ? (gross - discount) * ru / units : 0;
    cl_db_appender_t *a = wk->lines;
    cl_db_append_int64(a, order_id);
    cl_db_append_int32(a, line_no + 1);
    cl_db_append_date(a, (int32_t)wk->day);
    cl_db_append_int32(a, l3 * 1000 + k);
    en(a, l1);
    en(a, g);
    en(a, l3);
    en(a, p->tier);
    en(a, p->band);
    cl_db_append_bool(a, promo);
    cl_db_append_int32(a, units);
    cl_db_append_decimal(a, gross);
    cl_db_append_decimal(a, discount);
    cl_db_append_int32(a, ru);
    cl_db_append_decimal(a, rr);
    out->net_cents = gross - discount;
    out->tier = p->tier;
}

/* Hour-of-day weights of orders on the web and in the app. */
static const double DIURNAL[2][24] = {
    {.6,  .35, .2,  .15, .15, .25, .5,  1.0, 1.4, 1.6, 1.7, 1.8,
     1.9, 1.8, 1.7, 1.7, 1.8, 1.9, 2.1, 2.4, 2.6, 2.4, 1.8, 1.1},
    {.8,  .5,  .3,  .2,  .2,  .3,  .6,  1.0, 1.2, 1.2, 1.3, 1.4,
     1.5, 1.4, 1.3, 1.3, 1.5, 1.7, 2.0, 2.5, 2.9, 2.8, 2.1, 1.3},
};

/* The pseudonymous key of the customer of an order: a new customer gets the next slot of this
 * week's cohort in the country; a returning one a slot of an earlier cohort. */
static int64_t customer(week_t *wk, cl_demo_rng_t *rng, const cell_t *x)
{
    uint64_t seed = wk->w->seed, h;
    if (x->u == 0) {
        int64_t slot = wk->seq_new[x->c]++;
        h = cl_demo_hash(seed, TAG_CUSTOMER, (uint64_t)x->c, (uint64_t)wk->week_index,
                         (uint64_t)slot);
    } else {
        /* joined 1..156 weeks ago, recent cohorts and early (loyal) slots more likely */
        int back = 1;
        while (back < 156 && cl_demo_rng_unit(rng) > 0.05) {
            back++;
        }
        int64_t slot = (int64_t)((double)wk->g->pool[x->c] * pow(cl_demo_rng_unit(rng), 1.6));
        h = cl_demo_hash(seed, TAG_CUSTOMER, (uint64_t)x->c, (uint64_t)(wk->week_index - back),
                         (uint64_t)slot);
    }
    return (int64_t)(h & INT64_MAX);
}

static int gen_order(week_t *wk, cl_demo_rng_t *rng, const cell_t *x, const country_day_t *cd)
{
    const cl_demo_traffic_t *t = &cl_demo_traffic[x->t];
    const cl_demo_devchan_t *dc = &cl_demo_devchans[x->k];
    int64_t order_id = wk->week_key * 1000000000LL + ++wk->seq;
    int64_t second =
        (int64_t)cl_demo_rng_pick(rng, DIURNAL[dc->app], 24) * 3600 + cl_demo_rng_below(rng, 3600);
    int64_t cust = customer(wk, rng, x);
    int cty = city(wk, rng, x->c), os = device_os(rng, x);
    int camp = t->n_campaigns
                   ? (int)cl_demo_rng_pick(rng, t->campaign_weight, (size_t)t->n_campaigns)
                   : -1;
    int pay = (int)cl_demo_rng_pick(rng, cl_demo_regions[x->r].payment, CL_DEMO_PAYMENTS);
    int64_t extra = cl_demo_rng_poisson(rng, cl_demo_l1s[x->l1].extra_lines);
    int n_lines = 1 + (int)(extra < CL_DEMO_MAX_LINES - 1 ? extra : CL_DEMO_MAX_LINES - 1);
    int first_tier = 0;
    for (int i = 0; i < n_lines; i++) {
        line_out_t lo;
        gen_line(&lo, wk, rng, x, cd, order_id, i);
        first_tier = i == 0 ? lo.tier : first_tier;
        int rc = cl_db_appender_end_row(wk->lines, wk->err);
        if (rc != 0) {
            return rc;
        }
    }
    double uf = cl_demo_rng_unit(rng);
    int fulfil = first_tier != 0 && uf < 0.85 ? CL_DEMO_FUL_MARKETPLACE
                 : uf < 0.62                  ? CL_DEMO_FUL_STANDARD
                 : uf < 0.87                  ? CL_DEMO_FUL_EXPRESS
                                              : CL_DEMO_FUL_PICKUP;
    const cl_demo_dicts_t *d = &wk->g->dicts;
    cl_db_appender_t *a = wk->orders;
    cl_db_append_int64(a, order_id);
    cl_db_append_timestamp(a, (wk->day * 86400 + second) * 1000000);
    cl_db_append_date(a, (int32_t)wk->day);
    cl_db_append_int64(a, cust);
    en(a, x->u);
    en(a, x->r);
    en(a, x->c);
    en(a, cty);
    en(a, d->channel[x->k]);
    en(a, d->device_type[x->k]);
    en(a, os);
    en(a, d->traffic_l1[x->t]);
    en(a, x->t);
    if (camp >= 0) {
        en(a, d->campaign_base[x->t] + camp);
    } else {
        cl_db_append_null(a);
    }
    en(a, pay);
    en(a, fulfil);
    wk->st->orders++;
    wk->st->lines += n_lines;
    return cl_db_appender_end_row(a, wk->err);
}

static int session_row(week_t *wk, cl_demo_rng_t *rng, const cell_t *x, int64_t n, int64_t orders)
{
    const cl_demo_l1_t *cat = &cl_demo_l1s[x->l1];
    int64_t views = cl_demo_rng_round(rng, (double)n * cat->views *
                                               cl_demo_noise_of(cl_demo_rng_next(rng), 0.1));
    int64_t carts = orders + cl_demo_rng_binomial(rng, n - orders, cat->cart_rate);
    const cl_demo_dicts_t *d = &wk->g->dicts;
    cl_db_appender_t *a = wk->sessions;
    cl_db_append_date(a, (int32_t)wk->day);
    en(a, x->r);
    en(a, x->c);
    en(a, city(wk, rng, x->c));
    en(a, d->channel[x->k]);
    en(a, d->device_type[x->k]);
    en(a, device_os(rng, x));
    en(a, d->traffic_l1[x->t]);
    en(a, x->t);
    en(a, x->u);
    en(a, x->l1);
    en(a, x->g);
    cl_db_append_int64(a, n);
    cl_db_append_int64(a, views);
    cl_db_append_int64(a, carts);
    wk->st->sessions += n;
    wk->st->session_rows++;
    return cl_db_appender_end_row(a, wk->err);
}

/* One cell with N sessions: its row, then the orders they convert into. */
static int gen_cell(week_t *wk, const cell_t *x, const country_day_t *cd, int64_t n)
{
    const cl_demo_traffic_t *t = &cl_demo_traffic[x->t];
    double f = t->cr * cl_demo_devchans[x->k].cr * cl_demo_ctype_cr[x->u];
    uint64_t key = ((((uint64_t)x->g * CL_DEMO_COUNTRIES + (uint64_t)x->c) * CL_DEMO_TRAFFIC +
                     (uint64_t)x->t) *
                        CL_DEMO_DEVCHAN +
                    (uint64_t)x->k) *
                       2 +
                   (uint64_t)x->u;
    cl_demo_rng_t rng;
    cl_demo_rng_init(&rng, cl_demo_hash(wk->w->seed, TAG_CELL, (uint64_t)wk->day, key, 0));
    double p = cd->cr[x->l1] * f * wk->fx.cr[x->r][x->l1][x->t][x->k];
    int64_t orders = cl_demo_rng_binomial(&rng, n, p > 0.6 ? 0.6 : p);
    if (t->paid) {
        wk->paid[x->c][x->l1][x->t] += (double)n;
    }
    int rc = session_row(wk, &rng, x, n, orders);
    for (int64_t o = 0; rc == 0 && o < orders; o++) {
        rc = gen_order(wk, &rng, x, cd);
    }
    return rc;
}

/* Split N sessions of one country x L2 over the sub-cells (traffic x device/channel x customer
 * type) of the day's mix: one draw per session when few, else sequential binomials. */
static void split_sessions(int64_t *count, const day_mix_t *mix, cl_demo_rng_t *rng, int64_t n)
{
    memset(count, 0, sizeof(int64_t) * (size_t)SUBCELLS);
    if (n < 64) {
        for (int64_t i = 0; i < n; i++) {
            double u = cl_demo_rng_unit(rng) * mix->cum[SUBCELLS - 1];
            int lo = 0, hi = SUBCELLS - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (u < mix->cum[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            count[lo]++;
        }
        return;
    }
    double left = mix->cum[SUBCELLS - 1];
    for (int j = 0; j < SUBCELLS && n > 0; j++) {
        int64_t nj = j + 1 == SUBCELLS ? n : cl_demo_rng_binomial(rng, n, mix->w[j] / left);
        count[j] = nj;
        n -= nj;
        left -= mix->w[j];
    }
}

static int gen_country_day(week_t *wk, int c)
{
    country_day_t cd;
    country_day(&cd, wk, c);
    cell_t x = {.c = c, .r = cl_demo_countries[c].region};
    const day_mix_t *mix = &wk->mix[x.r];
    cl_demo_week_stats_t *st = wk->st;
    int64_t count[SUBCELLS];
    int rc = 0;
    for (x.g = 0; x.g < CL_DEMO_L2 && rc == 0; x.g++) {
        x.l1 = cl_demo_l2s[x.g].parent;
        double share = wk->w->l2_share[x.r][x.g], plan = cd.plan[x.l1] * share;
        st->demand[x.l1] += plan * mix->cum[SUBCELLS - 1];
        st->plan_revenue[x.r][x.l1] += plan * cd.cr_plan[x.l1] * mix->conv *
                                       wk->w->lines_mean[x.l1] * wk->g->line_value[x.l1] *
                                       cd.price_level / 100.0;
        for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
            wk->paid_plan[c][x.l1][t] += plan * mix->traffic[t];
        }
        cl_demo_rng_t rng;
        cl_demo_rng_init(&rng, cl_demo_hash(wk->w->seed, TAG_CELL, (uint64_t)wk->day, (uint64_t)c,
                                            1000 + (uint64_t)x.g));
        int64_t n = cl_demo_rng_poisson(&rng, cd.base[x.l1] * share * mix->cum[SUBCELLS - 1]);
        if (n == 0) {
            continue;
        }
        split_sessions(count, mix, &rng, n);
        for (int j = 0; j < SUBCELLS && rc == 0; j++) {
            if (count[j] > 0) {
                x.t = j / (CL_DEMO_DEVCHAN * CL_DEMO_CTYPES);
                x.k = (j / CL_DEMO_CTYPES) % CL_DEMO_DEVCHAN;
                x.u = j % CL_DEMO_CTYPES;
                rc = gen_cell(wk, &x, &cd, count[j]);
            }
        }
    }
    return rc;
}

/* The day's sub-cell weights of region R. */
static void day_mix(day_mix_t *m, const cl_demo_world_t *w, int r, int64_t day)
{
    double sum = 0.0;
    memset(m, 0, sizeof *m);
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        const cl_demo_traffic_t *tr = &cl_demo_traffic[t];
        for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
            const cl_demo_devchan_t *dc = &cl_demo_devchans[k];
            double ts = dc->app ? w->app_traffic_share[t] : w->traffic_share[t];
            double s = ts * w->devchan_share[r][k] * cl_demo_weekday_factor(day, dc->app);
            for (int u = 0; u < CL_DEMO_CTYPES; u++) {
                int j = (t * CL_DEMO_DEVCHAN + k) * CL_DEMO_CTYPES + u;
                m->w[j] = s * (u == 0 ? tr->new_share : 1.0 - tr->new_share);
                sum += m->w[j];
                m->cum[j] = sum;
                m->conv += m->w[j] * tr->cr * dc->cr * cl_demo_ctype_cr[u];
                m->conv_new += u == 0 ? m->w[j] * tr->cr * dc->cr * cl_demo_ctype_cr[u] : 0.0;
                m->traffic[t] += tr->paid ? m->w[j] : 0.0;
            }
        }
    }
}

/* The day's marketing rows: clicks from paid sessions, split over campaigns; impressions through
 * CTR; spend through CPC. */
static int gen_marketing(week_t *wk)
{
    int rc = 0;
    for (int c = 0; c < CL_DEMO_COUNTRIES && rc == 0; c++) {
        const cl_demo_country_t *ct = &cl_demo_countries[c];
        for (int i = 0; i < CL_DEMO_L1 && rc == 0; i++) {
            double cpc_cat = ct->cpc_level * cl_demo_l1s[i].cpc_level;
            for (int t = 0; t < CL_DEMO_TRAFFIC && rc == 0; t++) {
                const cl_demo_traffic_t *tr = &cl_demo_traffic[t];
                if (!tr->paid) {
                    continue;
                }
                wk->st->plan_spend[ct->region][i] +=
                    wk->paid_plan[c][i][t] / LANDING * tr->cpc * cpc_cat;
                cl_demo_rng_t rng;
                cl_demo_rng_init(&rng, cl_demo_hash(wk->w->seed, TAG_MARKETING, (uint64_t)wk->day,
                                                    (uint64_t)c, (uint64_t)i * 64 + (uint64_t)t));
                int64_t clicks =
                    cl_demo_rng_round(&rng, wk->paid[c][i][t] / LANDING *
                                                cl_demo_noise_of(cl_demo_rng_next(&rng), 0.03));
                double left = 1.0;
                for (int j = 0; j < tr->n_campaigns && rc == 0; j++) {
                    double wj = tr->campaign_weight[j];
                    int64_t cj = j + 1 == tr->n_campaigns
                                     ? clicks
                                     : cl_demo_rng_binomial(&rng, clicks, wj / left);
                    clicks -= cj;
                    left -= wj;
                    if (cj == 0) {
                        continue;
                    }
                    int64_t imps =
                        cl_demo_rng_round(&rng, (double)cj / tr->ctr *
                                                    cl_demo_noise_of(cl_demo_rng_next(&rng), 0.10));
                    int64_t spend = llround((double)cj * tr->cpc * cpc_cat * 100.0 *
                                            cl_demo_noise_of(cl_demo_rng_next(&rng), 0.05) *
                                            wk->fx.cpc[ct->region][i]);
                    cl_db_appender_t *a = wk->marketing;
                    cl_db_append_date(a, (int32_t)wk->day);
                    en(a, ct->region);
                    en(a, c);
                    en(a, i);
                    en(a, wk->g->dicts.traffic_l1[t]);
                    en(a, t);
                    en(a, wk->g->dicts.campaign_base[t] + j);
                    cl_db_append_int64(a, imps > cj ? imps : cj);
                    cl_db_append_int64(a, cj);
                    cl_db_append_decimal(a, spend);
                    wk->st->marketing_rows++;
                    rc = cl_db_appender_end_row(a, wk->err);
                }
            }
        }
    }
    return rc;
}

int cl_demo_gen_create_tables(const cl_demo_gen_t *g, cl_db_t *db, cl_err_t *err)
{
    return cl_demo_tables_create(db, &g->dicts, err);
}

static int open_appenders(week_t *wk, cl_db_t *db, cl_err_t *err)
{
    int rc = cl_db_appender_open(&wk->orders, db, "orders", err);
    rc = rc ? rc : cl_db_appender_open(&wk->lines, db, "order_lines", err);
    rc = rc ? rc : cl_db_appender_open(&wk->sessions, db, "sessions_daily", err);
    return rc ? rc : cl_db_appender_open(&wk->marketing, db, "marketing_spend", err);
}

static int close_appenders(week_t *wk, int rc, cl_err_t *err)
{
    cl_db_appender_t *all[4] = {wk->orders, wk->lines, wk->sessions, wk->marketing};
    for (int i = 0; i < 4; i++) {
        cl_err_t e2;
        int r2 = cl_db_appender_close(all[i], rc ? &e2 : err);
        rc = rc ? rc : r2;
    }
    return rc;
}

int cl_demo_gen_week(cl_demo_week_stats_t *out, const cl_demo_gen_t *g, cl_db_t *db,
                     const char *dir, cl_week_t w, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    week_t *wk = calloc(1, sizeof *wk);
    if (!wk) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    wk->g = g;
    wk->w = g->world;
    wk->st = out;
    wk->err = err;
    wk->week_index = cl_week_index(w);
    wk->week_key = (int64_t)w.year * 100 + w.week;
    wk->monday = cl_week_monday(w);
    cl_demo_effects_for_week(&wk->fx, g->plan, w);
    int rc = open_appenders(wk, db, err);
    for (int d = 0; d < 7 && rc == 0; d++) {
        wk->day = wk->monday + d;
        memset(wk->paid, 0, sizeof wk->paid);
        memset(wk->paid_plan, 0, sizeof wk->paid_plan);
        for (int r = 0; r < CL_DEMO_REGIONS; r++) {
            day_mix(&wk->mix[r], wk->w, r, wk->day);
        }
        for (int c = 0; c < CL_DEMO_COUNTRIES && rc == 0; c++) {
            rc = gen_country_day(wk, c);
        }
        rc = rc ? rc : gen_marketing(wk);
    }
    rc = close_appenders(wk, rc, err);
    char week[CL_WEEK_KEY_LEN];
    cl_week_format(week, w);
    rc = rc ? rc : cl_demo_tables_write_week(db, dir, week, err);
    free(wk);
    return rc;
}

double cl_demo_gen_expected_lines(const cl_demo_world_t *w, cl_week_t end, int weeks,
                                  double new_per_week[CL_DEMO_COUNTRIES])
{
    int64_t end_day = cl_week_monday(end) + 6, first = end_day + 1 - 7LL * weeks;
    double lines = 0.0;
    if (new_per_week) {
        memset(new_per_week, 0, sizeof(double) * CL_DEMO_COUNTRIES);
    }
    for (int64_t day = first; day <= end_day; day++) {
        double mix[CL_DEMO_REGIONS], mix_new[CL_DEMO_REGIONS];
        for (int r = 0; r < CL_DEMO_REGIONS; r++) {
            day_mix_t m;
            day_mix(&m, w, r, day);
            mix[r] = m.conv;
            mix_new[r] = m.conv_new;
        }
        for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
            int r = cl_demo_countries[c].region;
            for (int i = 0; i < CL_DEMO_L1; i++) {
                const cl_demo_l1_t *l1 = &cl_demo_l1s[i];
                cl_demo_dayfx_t fx =
                    cl_demo_day_effect(day, cl_demo_regions[r].holiday_group, l1->tags);
                double share = 0.0;
                for (int g = w->l2_first[i]; g < w->l2_first[i] + w->l2_count[i]; g++) {
                    share += w->l2_share[r][g];
                }
                double orders = w->country_share[c] * cl_demo_season(l1->season, day) * fx.traffic *
                                exp(w->growth[r][i] * years_from(day, end_day)) * share * l1->cr *
                                w->cr_tilt[c][i] * fx.conversion;
                lines += orders * mix[r] * w->lines_mean[i];
                if (new_per_week) {
                    new_per_week[c] += orders * mix_new[r] / weeks;
                }
            }
        }
    }
    return lines;
}

void cl_demo_gen_init(cl_demo_gen_t *g, const cl_demo_world_t *w, const cl_demo_plan_t *p,
                      cl_week_t end, int weeks, int64_t lines)
{
    memset(g, 0, sizeof *g);
    g->world = w;
    g->plan = p;
    g->end_week = end;
    cl_demo_dicts_init(&g->dicts);
    double new_per_week[CL_DEMO_COUNTRIES];
    double unit = cl_demo_gen_expected_lines(w, end, weeks, new_per_week);
    g->scale = unit > 0.0 ? (double)lines / unit : 0.0;
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        int64_t pool = (int64_t)(0.9 * g->scale * new_per_week[c]);
        g->pool[c] = pool > 0 ? pool : 1;
    }
    for (int i = 0; i < CL_DEMO_L1; i++) {
        const cl_demo_l1_t *l1 = &cl_demo_l1s[i];
        g->line_value[i] = cl_demo_expected_price(w, i) * (1.0 + l1->extra_units) *
                           (1.0 - l1->promo_share * l1->discount_depth);
    }
}
