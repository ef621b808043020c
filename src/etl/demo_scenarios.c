/* demo_scenarios.c — where the planted changes go and what they do. Placement depends on the seed
 * but always lands in big slices (top regions and categories by orders), so that a change a
 * category manager would notice in a WBR is visible above the noise at the default size. */
#include "etl/demo_scenarios.h"

#include <stdio.h>
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
    rank(l1order, pk->size[s->region], CL_DEMO_L1);
    for (int i = 0; i < CL_DEMO_L1 && m < top_l; i++) {
        int l1 = l1order[i];
        if (!pk->used[l1] && l1_allowed(s->kind, l1)) {
            lc[m++] = l1;
        }
    }
    s->l1 = lc[cl_demo_mix64(h) % (uint64_t)m];
    pk->used[s->l1] = 1;
}

void cl_demo_plan_init(cl_demo_plan_t *p, const cl_demo_world_t *w, cl_week_t end_week)
{
    memset(p, 0, sizeof *p);
    p->end_week = end_week;
    picker_t pk = {.w = w, .seed = w->seed};
    slice_sizes(pk.size, w);
    static const struct {
        int top_r, top_l, weeks;
        double effect;
    } how[CL_DEMO_SCN_COUNT] = {
        [CL_DEMO_SCN_CONVERSION_DROP] = {1, 3, 1, 0.35},
        [CL_DEMO_SCN_COUNTRY_DROP] = {3, 3, 1, 0.28},
        [CL_DEMO_SCN_MIX_SHIFT] = {2, 2, 1, 0.60},
        [CL_DEMO_SCN_RETURN_SPIKE] = {2, 2, 1, 1.00},
        [CL_DEMO_SCN_BUDGET_OVERSPEND] = {3, 3, 4, 0.40},
        [CL_DEMO_SCN_PULSE_SURGE] = {CL_DEMO_REGIONS, CL_DEMO_L1, 1, 0.20},
    };
    for (int k = 0; k < CL_DEMO_SCN_COUNT; k++) {
        cl_demo_scenario_t *s = &p->s[k];
        s->kind = (cl_demo_scn_kind_t)k;
        s->country = -1;
        s->weeks = how[k].weeks;
        s->effect = how[k].effect;
        pick(&pk, s, how[k].top_r, how[k].top_l);
        s->magnitude = s->effect;
        if (k == CL_DEMO_SCN_COUNTRY_DROP) {
            double share;
            s->country = largest_country(w, s->region, &share);
        } else if (k == CL_DEMO_SCN_MIX_SHIFT) {
            s->magnitude = 1.0 - cl_demo_mix_shift_ratio(w, s->l1, s->effect);
        } else if (k == CL_DEMO_SCN_PULSE_SURGE) {
            s->region = -1;
        }
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
                    if (strcmp(cl_demo_traffic[t].l1, "paid_search") == 0 &&
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
        return json_pack("[{s:s,s:s},{s:s,s:s}]", "dimension", "device_type", "value", "mobile",
                         "dimension", "traffic_l1", "value", "paid_search");
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
        snprintf(
            out, cap,
            "Conversion of paid_search sessions on mobile fell %d%% in %s x %s in %s (a broken "
            "mobile landing page for search ads); traffic and other sources unchanged.",
            pct, cat, reg, week);
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
                 "Premium and luxury items lost share to budget and mid ones in %s x %s in %s "
                 "(premium lines out of stock): AOV fell about %d%% from the price-band mix while "
                 "prices within each band and conversion held.",
                 cat, reg, week, pct);
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
                 "and sales of %s did not follow: the market grew faster than we did.",
                 cat, pct, week, cat);
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
        "conversion_rate", "revenue", "aov", "return_rate", "budget_utilisation", "pulse_index",
    };
    static const char *const dir[CL_DEMO_SCN_COUNT] = {"down", "down", "down", "up", "up", "up"};
    char week[CL_WEEK_KEY_LEN], first[CL_WEEK_KEY_LEN], text[512];
    cl_week_format(week, end);
    cl_week_format(first, cl_week_add(end, -(s->weeks - 1)));
    describe(text, sizeof text, s, week, first);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:f, s:s, s:s, s:i}", "id",
        cl_demo_scn_id(s->kind), "finding_type", type[s->kind], "metric", metric[s->kind], "window",
        s->kind == CL_DEMO_SCN_BUDGET_OVERSPEND ? "MoM" : "WoW", "week", week, "category",
        cl_demo_l1s[s->l1].id, "region", s->region >= 0 ? cl_demo_regions[s->region].id : "all",
        "path", path_of(s), "direction", dir[s->kind], "magnitude",
        (double)(long long)(s->magnitude * 1e4 + 0.5) / 1e4, "description", text, "first_week",
        first, "weeks", s->weeks);
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
