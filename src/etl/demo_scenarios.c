/* demo_scenarios.c — where the planted changes go and what they do. Placement depends on the seed
 * but always lands in big slices (top regions and categories by orders), so that a change a
 * category manager would notice in a WBR is visible above the noise at the default size. */
#include "etl/demo_scenarios.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl/demo_rng.h"

static const char *const IDS[CL_DEMO_SCN_COUNT] = {
    "conversion_drop", "country_drop",     "mix_shift",
    "return_spike",    "budget_overspend", "pulse_surge",
};

const char *cl_demo_scn_id(cl_demo_scn_kind_t kind)
{
    return (int)kind >= 0 && kind < CL_DEMO_SCN_COUNT ? IDS[kind] : "unknown";
}

/* Expected orders per session-share unit of each region x L1, to rank slices by size. */
static void slice_sizes(double size[CL_DEMO_REGIONS][CL_DEMO_L1], const cl_demo_world_t *w)
{
    double region[CL_DEMO_REGIONS] = {0};
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        region[cl_demo_countries[c].region] += w->country_share[c];
    }
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        for (int i = 0; i < CL_DEMO_L1; i++) {
            size[r][i] = 0.0;
        }
        for (int g = 0; g < CL_DEMO_L2; g++) {
            int l1 = cl_demo_l2s[g].parent;
            size[r][l1] += region[r] * w->l2_share[r][g] * cl_demo_l1s[l1].cr;
        }
    }
}

/* Indices 0..N-1 sorted by VALUE, largest first (insertion sort: N <= 12). */
static void rank(int *out, const double *value, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = i;
    }
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && value[out[j]] > value[out[j - 1]]; j--) {
            int t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    }
}

/* Largest country of region R and its share of the region. */
static int largest_country(const cl_demo_world_t *w, int r, double *share)
{
    int best = -1;
    double total = 0.0;
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        if (cl_demo_countries[c].region == r) {
            total += w->country_share[c];
            if (best < 0 || w->country_share[c] > w->country_share[best]) {
                best = c;
            }
        }
    }
    *share = best >= 0 && total > 0.0 ? w->country_share[best] / total : 1.0;
    return best;
}

typedef struct {
    const cl_demo_world_t *w;
    double size[CL_DEMO_REGIONS][CL_DEMO_L1];
    double orders[CL_DEMO_REGIONS][CL_DEMO_L1]; /* expected orders a week */
    int used[CL_DEMO_L1];
    uint64_t seed;
} picker_t;

static int l1_allowed(cl_demo_scn_kind_t kind, int l1)
{
    const cl_demo_l1_t *c = &cl_demo_l1s[l1];
    switch (kind) {
    case CL_DEMO_SCN_MIX_SHIFT:
        return c->price_sigma >= 0.55; /* a wide price range: bands differ a lot in price */
    case CL_DEMO_SCN_RETURN_SPIKE:
        return c->return_rate >= 0.05 && c->return_rate <= 0.13;
    default:
        return 1;
    }
}

static int region_allowed(const picker_t *pk, cl_demo_scn_kind_t kind, int r)
{
    if (kind != CL_DEMO_SCN_COUNTRY_DROP) {
        return 1;
    }
    double share = 1.0;
    (void)largest_country(pk->w, r, &share);
    return share >= 0.5 && share <= 0.9; /* localisable: other countries exist */
}

/* Pick region and L1 for KIND: the region among the TOP_R largest allowed, the L1 among the
 * TOP_L largest unused allowed ones in that region, each by the seed. Six scenarios in twelve
 * categories: an allowed unused one always exists. */
static void pick(picker_t *pk, cl_demo_scenario_t *s, int top_r, int top_l)
{
    double totals[CL_DEMO_REGIONS];
    int order[CL_DEMO_REGIONS], cand[CL_DEMO_REGIONS], n = 0;
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        totals[r] = 0.0;
        for (int i = 0; i < CL_DEMO_L1; i++) {
            totals[r] += pk->size[r][i];
        }
    }
    rank(order, totals, CL_DEMO_REGIONS);
    for (int i = 0; i < CL_DEMO_REGIONS && n < top_r; i++) {
        if (region_allowed(pk, s->kind, order[i])) {
            cand[n++] = order[i];
        }
    }
    uint64_t h = cl_demo_hash(pk->seed, 0x73636e /* scn */, (uint64_t)s->kind, 0, 0);
    s->region = cand[h % (uint64_t)n];
    int l1order[CL_DEMO_L1], lc[CL_DEMO_L1], m = 0;
    double size[CL_DEMO_L1];
    for (int i = 0; i < CL_DEMO_L1; i++) { /* a category's size over every region, or in one */
        size[i] = 0.0;
        for (int r = 0; r < CL_DEMO_REGIONS; r++) {
            size[i] += top_r == CL_DEMO_REGIONS || r == s->region ? pk->size[r][i] : 0.0;
        }
    }
    rank(l1order, size, CL_DEMO_L1);
    for (int i = 0; i < CL_DEMO_L1 && m < top_l; i++) {
        int l1 = l1order[i];
        if (!pk->used[l1] && l1_allowed(s->kind, l1)) {
            lc[m++] = l1;
        }
    }
    s->l1 = lc[cl_demo_mix64(h) % (uint64_t)m];
    pk->used[s->l1] = 1;
}

/* ---- how strong: visible above the noise of the data's size ------------------------------- */

/* The expected z of a planted change compared week on week (docs/data-model.md, "Scenarios"):
 * a relative change E of a count of N expected events a week has Poisson noise from both weeks,
 * so z = E N / sqrt(N + N (1 +- E)). Planted changes aim at this z: a root-cause search that
 * names one segment among thousands needs about 4 after paying for the search, and the realised
 * noise moves it by about 1. */
#define PLANT_Z 7.0

static double z_of(double e, double n, int rise)
{
    return n > 0.0 ? e * sqrt(n) / sqrt(2.0 + (rise ? e : -e)) : 0.0;
}

/* The smallest change from BASE (what the scenario plants when the data is large enough) to
 * CAP, in steps of 0.01, whose z on N events reaches PLANT_Z; CAP when none does. */
static double strength(double n, double base, double cap, int rise)
{
    for (int k = 0; base + 0.01 * k < cap; k++) {
        double e = base + 0.01 * k;
        if (z_of(e, n, rise) >= PLANT_Z) {
            return e;
        }
    }
    return cap;
}

/* Expected orders a week of each region x L1 for LINES_PER_WEEK order lines a week in all. */
static void slice_orders(picker_t *pk, double lines_per_week)
{
    double total = 0.0;
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        for (int i = 0; i < CL_DEMO_L1; i++) {
            total += pk->size[r][i] * pk->w->lines_mean[i];
        }
    }
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        for (int i = 0; i < CL_DEMO_L1; i++) {
            pk->orders[r][i] = total > 0.0 ? lines_per_week * pk->size[r][i] / total : 0.0;
        }
    }
}

/* The share of region R's orders from mobile sessions of traffic L1 SOURCE (NULL: any). */
static double mobile_source_share(const cl_demo_world_t *w, int r, const char *source)
{
    double all = 0.0, seg = 0.0;
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
            const cl_demo_devchan_t *dc = &cl_demo_devchans[k];
            double ts = dc->app ? w->app_traffic_share[t] : w->traffic_share[t];
            double o = ts * w->devchan_share[r][k] * cl_demo_traffic[t].cr * dc->cr;
            all += o;
            if (strcmp(dc->device_type, "mobile") == 0 &&
                (!source || strcmp(cl_demo_traffic[t].l1, source) == 0)) {
                seg += o;
            }
        }
    }
    return all > 0.0 ? seg / all : 0.0;
}

/* The conversion drop: paid_search on mobile (a broken landing page for search ads) when that
 * segment is big enough for the planted 35 %. In smaller data every single source's mobile
 * segment is either too small to tell from noise or nearly one customer type (direct and email
 * visitors are mostly returning ones, so the change would be as much theirs as the source's):
 * then the drop hits every mobile session (a broken mobile checkout), by what that needs. */
static void plan_conversion(cl_demo_scenario_t *s, const picker_t *pk)
{
    double slice = pk->orders[s->region][s->l1];
    double n = slice * mobile_source_share(pk->w, s->region, "paid_search");
    s->traffic_l1 = "paid_search";
    if (z_of(s->effect, n, 0) < PLANT_Z) {
        s->traffic_l1 = NULL;
        n = slice * mobile_source_share(pk->w, s->region, NULL);
    }
    s->effect = strength(n, s->effect, 0.8, 0);
}

/* The share of L1's lines sold by bronze-tier sellers. */
static double bronze_share(const cl_demo_world_t *w, int l1)
{
    double all = 0.0, bronze = 0.0;
    for (int g = w->l2_first[l1]; g < w->l2_first[l1] + w->l2_count[l1]; g++) {
        for (int i = w->l3_first[g]; i < w->l3_first[g] + w->l3_count[g]; i++) {
            double pw = cl_demo_l2s[g].weight * cl_demo_l3s[i].weight, n = CL_DEMO_PRODUCTS_PER_L3;
            for (int k = 0; k < CL_DEMO_PRODUCTS_PER_L3; k++) {
                double pop = pw * (sqrt((k + 1) / n) - sqrt(k / n));
                all += pop;
                bronze += w->products[i][k].tier == CL_DEMO_TIERS - 1 ? pop : 0.0;
            }
        }
    }
    return all > 0.0 ? bronze / all : 0.0;
}

/* The z of the AOV fall of keep-low probability P over ORDERS orders (see mix_strength). */
static double mix_z(const cl_demo_world_t *w, int l1, double orders, double p)
{
    return (1.0 - cl_demo_mix_shift_ratio(w, l1, p)) * sqrt(orders / 2.0);
}

/* The keep-low probability whose AOV fall reaches PLANT_Z against the week-on-week noise of the
 * slice's AOV (an order's value varies about as much as its mean: z = m sqrt(N / 2)), from 0.6
 * to 0.8 (past that the orders anchored on premium lines vanish and the fall reads as a rate
 * change, not a mix). */
static double mix_strength(const cl_demo_world_t *w, int l1, double orders, double base)
{
    for (int k = 0; base + 0.01 * k < 0.8; k++) {
        double p = base + 0.01 * k;
        if (mix_z(w, l1, orders, p) >= PLANT_Z) {
            return p;
        }
    }
    return 0.8;
}

/* The pulse jump that stands out of the gap's week-on-week noise: the index's own (about 3 %) and
 * the category's revenue growth over every region (an order's value varies about as much as its
 * mean: relative noise sqrt(4 / N) for N orders a week), aiming at PLANT_Z less two (a gap is
 * one number, not a search), from BASE to 0.4. */
static double pulse_strength(const picker_t *pk, int l1, double base)
{
    double orders = 0.0;
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        orders += pk->orders[r][l1];
    }
    double noise = sqrt(0.03 * 0.03 + (orders > 0.0 ? 4.0 / orders : 1.0));
    double e = ceil(100.0 * (PLANT_Z - 2.0) * noise) / 100.0;
    return e < base ? base : e > 0.4 ? 0.4 : e;
}

/* Scale each scenario's effect to the data's size: at least its planted base (what a large
 * data set gets), more when the segment is too small for the base to stand out of the noise,
 * never past a believable cap. The ground truth carries the effect actually planted. */
static void plan_strengths(cl_demo_plan_t *p, const picker_t *pk)
{
    const double how_mix_base = 0.60;
    const cl_demo_world_t *w = pk->w;
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        cl_demo_scenario_t *s = &p->s[k];
        double slice = s->region >= 0 ? pk->orders[s->region][s->l1] : 0.0, share = 1.0;
        switch (s->kind) {
        case CL_DEMO_SCN_CONVERSION_DROP:
            plan_conversion(s, pk);
            break;
        case CL_DEMO_SCN_COUNTRY_DROP:
            (void)largest_country(w, s->region, &share);
            /* revenue: an order's value varies about as much as its mean, halving the count */
            s->effect = strength(slice * share / 2.0, s->effect, 0.7, 0);
            break;
        case CL_DEMO_SCN_MIX_SHIFT:
            s->effect = mix_strength(w, s->l1, slice, s->effect);
            if (mix_z(w, s->l1, slice, s->effect) < PLANT_Z) {
                /* a week cannot show it: premium lines out of stock for four weeks, seen MoM */
                s->weeks = 4;
                s->effect = mix_strength(w, s->l1, 4.0 * slice, how_mix_base);
            }
            break;
        case CL_DEMO_SCN_RETURN_SPIKE: {
            double returns = slice * w->lines_mean[s->l1] * bronze_share(w, s->l1) *
                             cl_demo_l1s[s->l1].return_rate *
                             cl_demo_tier_returns[CL_DEMO_TIERS - 1];
            s->effect = strength(returns, s->effect, 3.0, 1);
            break;
        }
        case CL_DEMO_SCN_PULSE_SURGE:
            s->effect = pulse_strength(pk, s->l1, s->effect);
            break;
        default:
            break;
        }
    }
}

void cl_demo_plan_init(cl_demo_plan_t *p, const cl_demo_world_t *w, cl_week_t end_week,
                       double lines_per_week)
{
    memset(p, 0, sizeof *p);
    p->end_week = end_week;
    picker_t pk = {.w = w, .seed = w->seed};
    slice_sizes(pk.size, w);
    slice_orders(&pk, lines_per_week);
    static const struct {
        int top_r, top_l, weeks;
        double effect;
    } how[CL_DEMO_SCN_COUNT] = {
        [CL_DEMO_SCN_CONVERSION_DROP] = {1, 2, 1, 0.35},
        [CL_DEMO_SCN_COUNTRY_DROP] = {2, 1, 1, 0.28},
        [CL_DEMO_SCN_MIX_SHIFT] = {1, 1, 1, 0.60},
        [CL_DEMO_SCN_RETURN_SPIKE] = {2, 2, 1, 1.00},
        [CL_DEMO_SCN_BUDGET_OVERSPEND] = {3, 3, 4, 0.40},
        [CL_DEMO_SCN_PULSE_SURGE] = {CL_DEMO_REGIONS, 1, 1, 0.20},
    };
    /* the scenarios that need the most volume choose first: the mix shift (an AOV change) and
     * the market pulse (a category's growth, over every region), then the segment ones */
    static const cl_demo_scn_kind_t ORDER[CL_DEMO_SCN_COUNT] = {
        CL_DEMO_SCN_MIX_SHIFT,    CL_DEMO_SCN_PULSE_SURGE,  CL_DEMO_SCN_CONVERSION_DROP,
        CL_DEMO_SCN_COUNTRY_DROP, CL_DEMO_SCN_RETURN_SPIKE, CL_DEMO_SCN_BUDGET_OVERSPEND,
    };
    for (int j = 0; j < CL_DEMO_SCN_COUNT; j++) {
        int k = (int)ORDER[j];
        cl_demo_scenario_t *s = &p->s[k];
        s->kind = (cl_demo_scn_kind_t)k;
        s->country = -1;
        s->weeks = how[k].weeks;
        s->effect = how[k].effect;
        pick(&pk, s, how[k].top_r, how[k].top_l);
        if (k == CL_DEMO_SCN_COUNTRY_DROP) {
            double share;
            s->country = largest_country(w, s->region, &share);
        } else if (k == CL_DEMO_SCN_PULSE_SURGE) {
            s->region = -1;
        }
    }
    plan_strengths(p, &pk);
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        cl_demo_scenario_t *s = &p->s[k];
        s->magnitude = k == CL_DEMO_SCN_MIX_SHIFT
                           ? 1.0 - cl_demo_mix_shift_ratio(w, s->l1, s->effect)
                           : s->effect;
    }
}

static int active(const cl_demo_scenario_t *s, cl_week_t end, cl_week_t w)
{
    int64_t back = cl_week_index(end) - cl_week_index(w);
    return back >= 0 && back < s->weeks;
}

static void fill_ones(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = 1.0;
    }
}

void cl_demo_effects_for_week(cl_demo_effects_t *fx, const cl_demo_plan_t *p, cl_week_t w)
{
    memset(fx, 0, sizeof *fx);
    fill_ones(&fx->cr[0][0][0][0], sizeof fx->cr / sizeof(double));
    fill_ones(&fx->sessions[0][0], sizeof fx->sessions / sizeof(double));
    fill_ones(&fx->returns[0][0][0], sizeof fx->returns / sizeof(double));
    fill_ones(&fx->cpc[0][0], sizeof fx->cpc / sizeof(double));
    fill_ones(fx->pulse, CL_DEMO_L1);
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        const cl_demo_scenario_t *s = &p->s[k];
        if (!active(s, p->end_week, w)) {
            continue;
        }
        fx->any = 1;
        switch (s->kind) {
        case CL_DEMO_SCN_CONVERSION_DROP:
            for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
                for (int d = 0; d < CL_DEMO_DEVCHAN; d++) {
                    if ((!s->traffic_l1 || strcmp(cl_demo_traffic[t].l1, s->traffic_l1) == 0) &&
                        strcmp(cl_demo_devchans[d].device_type, "mobile") == 0) {
                        fx->cr[s->region][s->l1][t][d] = 1.0 - s->effect;
                    }
                }
            }
            break;
        case CL_DEMO_SCN_COUNTRY_DROP:
            fx->sessions[s->country][s->l1] = 1.0 - s->effect;
            break;
        case CL_DEMO_SCN_MIX_SHIFT:
            fx->keep_low[s->region][s->l1] = s->effect;
            break;
        case CL_DEMO_SCN_RETURN_SPIKE:
            fx->returns[s->region][s->l1][CL_DEMO_TIERS - 1] = 1.0 + s->effect;
            break;
        case CL_DEMO_SCN_BUDGET_OVERSPEND:
            fx->cpc[s->region][s->l1] = 1.0 + s->effect;
            break;
        case CL_DEMO_SCN_PULSE_SURGE:
            fx->pulse[s->l1] = 1.0 + s->effect;
            break;
        case CL_DEMO_SCN_COUNT:
            break;
        }
    }
}

static json_t *path_of(const cl_demo_scenario_t *s)
{
    switch (s->kind) {
    case CL_DEMO_SCN_CONVERSION_DROP:
        if (!s->traffic_l1) {
            return json_pack("[{s:s,s:s}]", "dimension", "device_type", "value", "mobile");
        }
        return json_pack("[{s:s,s:s},{s:s,s:s}]", "dimension", "device_type", "value", "mobile",
                         "dimension", "traffic_l1", "value", s->traffic_l1);
    case CL_DEMO_SCN_COUNTRY_DROP:
        return json_pack("[{s:s,s:s}]", "dimension", "country", "value",
                         cl_demo_countries[s->country].code);
    case CL_DEMO_SCN_RETURN_SPIKE:
        return json_pack("[{s:s,s:s}]", "dimension", "seller_tier", "value",
                         cl_demo_tiers[CL_DEMO_TIERS - 1]);
    default:
        return json_array();
    }
}

static void describe(char *out, size_t cap, const cl_demo_scenario_t *s, const char *week,
                     const char *first)
{
    const char *cat = cl_demo_l1s[s->l1].id;
    const char *reg = s->region >= 0 ? cl_demo_regions[s->region].id : "every region";
    int pct = (int)(s->magnitude * 100.0 + 0.5);
    switch (s->kind) {
    case CL_DEMO_SCN_CONVERSION_DROP:
        if (!s->traffic_l1) {
            snprintf(out, cap,
                     "Conversion of mobile sessions fell %d%% in %s x %s in %s (a broken mobile "
                     "checkout after a release); traffic, desktop and tablet unchanged.",
                     pct, cat, reg, week);
            break;
        }
        snprintf(out, cap,
                 "Conversion of %s sessions on mobile fell %d%% in %s x %s in %s (a broken "
                 "mobile landing page for search ads); traffic and other sources unchanged.",
                 s->traffic_l1, pct, cat, reg, week);
        break;
    case CL_DEMO_SCN_COUNTRY_DROP:
        snprintf(out, cap,
                 "Sessions of %s in %s fell %d%% in %s (the site lost search visibility and "
                 "availability in one country), so revenue fell by about as much there; the other "
                 "countries of %s are unchanged.",
                 cat, cl_demo_countries[s->country].code, pct, week, reg);
        break;
    case CL_DEMO_SCN_MIX_SHIFT:
        snprintf(out, cap,
                 "Premium and luxury items lost share to budget and mid ones in %s x %s %s%s "
                 "(premium lines out of stock): AOV fell about %d%% from the price-band mix while "
                 "prices within each band and conversion held.",
                 cat, reg, s->weeks > 1 ? "in the four weeks to " : "in ", week, pct);
        break;
    case CL_DEMO_SCN_RETURN_SPIKE:
        snprintf(out, cap,
                 "The return rate of bronze-tier marketplace sellers in %s x %s rose %d%% in %s (a "
                 "faulty batch); the other seller tiers are unchanged.",
                 cat, reg, pct, week);
        break;
    case CL_DEMO_SCN_BUDGET_OVERSPEND:
        snprintf(out, cap,
                 "CPC of every paid source in %s x %s rose %d%% from %s to %s (competitors bidding "
                 "up) with the same clicks, while finance's marketing budget stayed at plan: spend "
                 "ran about %d%% over budget.",
                 cat, reg, pct, first, week, pct);
        break;
    case CL_DEMO_SCN_PULSE_SURGE:
        snprintf(out, cap,
                 "The external market pulse index of %s jumped %d%% in %s while our own sessions "
                 "and sales of %s did not follow: revenue fell about %d pp behind the market.",
                 cat, pct, week, cat, pct);
        break;
    case CL_DEMO_SCN_COUNT:
        out[0] = '\0';
        break;
    }
}

static json_t *scenario_json(const cl_demo_scenario_t *s, cl_week_t end)
{
    static const char *const type[CL_DEMO_SCN_COUNT] = {
        "root_cause", "root_cause", "mix_rate", "root_cause", "budget_pacing", "market_pulse",
    };
    static const char *const metric[CL_DEMO_SCN_COUNT] = {
        "conversion_rate", "revenue", "aov", "return_rate", "budget_utilisation", "revenue",
    };
    /* a market_pulse finding's direction is the sign of our growth minus the market's */
    static const char *const dir[CL_DEMO_SCN_COUNT] = {"down", "down", "down", "up", "up", "down"};
    if ((int)s->kind < 0 || s->kind >= CL_DEMO_SCN_COUNT) {
        return NULL; /* the plan holds one scenario of each kind; the caller reports the failure */
    }
    char week[CL_WEEK_KEY_LEN], first[CL_WEEK_KEY_LEN], text[512];
    cl_week_format(week, end);
    cl_week_format(first, cl_week_add(end, -(s->weeks - 1)));
    describe(text, sizeof text, s, week, first);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:f, s:s, s:s, s:i}", "id",
        cl_demo_scn_id(s->kind), "finding_type", type[s->kind], "metric", metric[s->kind], "window",
        s->weeks >= 4 ? "MoM" : "WoW", "week", week, "category", cl_demo_l1s[s->l1].id, "region",
        s->region >= 0 ? cl_demo_regions[s->region].id : "all", "path", path_of(s), "direction",
        dir[s->kind], "magnitude", (double)(long long)(s->magnitude * 1e4 + 0.5) / 1e4,
        "description", text, "first_week", first, "weeks", s->weeks);
    if (o && s->kind == CL_DEMO_SCN_MIX_SHIFT) {
        json_object_set_new(o, "dimension", json_string("price_band"));
    }
    return o;
}

json_t *cl_demo_ground_truth(const cl_demo_plan_t *p, uint64_t seed, int weeks, int64_t orders)
{
    char week[CL_WEEK_KEY_LEN];
    cl_week_format(week, p->end_week);
    json_t *list = json_array();
    json_t *doc = json_pack("{s:I, s:s, s:i, s:I, s:s, s:o}", "seed", (json_int_t)seed, "end_week",
                            week, "weeks", weeks, "orders", (json_int_t)orders, "generator",
                            "catlens demo-data 1", "scenarios", list);
    for (int k = 0; doc && k < CL_DEMO_SCN_COUNT; k++) {
        json_t *s = scenario_json(&p->s[k], p->end_week);
        if (!s || json_array_append_new(list, s) != 0) {
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}
