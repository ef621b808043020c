/* demo_scenarios.h — the changes planted in the demo data for an insight engine to find, and the
 * ground truth that says where they are (docs/contracts.md §6).
 *
 * Six scenarios, each in its own category so they cannot mask one another, in the slices with
 * the most orders (the mix shift and the market pulse, which move a whole slice's ratio, choose
 * first; then the seed picks among the largest that are left; the conversion drop always in the
 * biggest region). Effects below are the bases a large data set gets; a smaller one gets the
 * stronger effect its noise needs (cl_demo_plan_init), and ground_truth.json says what was planted:
 *   conversion_drop   conversion of paid_search sessions on mobile falls 35 % in one category x
 *                     region in the end week (root_cause, path device_type + traffic_l1); when
 *                     that segment is too small for the size, every mobile session's, by up to
 *                     80 % (path device_type);
 *   country_drop      sessions of one category in the largest country of a multi-country region
 *                     fall 28 % (up to 70 %) in the end week (root_cause on revenue, path
 *                     country);
 *   mix_shift         premium and luxury picks are replaced by budget and mid ones 60 % (up to
 *                     80 %) of the time in one category x region in the end week: AOV falls from
 *                     mix, not from prices (mix_rate on aov, dimension price_band);
 *   return_spike      the return rate of bronze-tier sellers doubles (up to x4) in one category
 *                     x region in the end week (root_cause on return_rate, path seller_tier);
 *   budget_overspend  CPC of every paid source rises 40 % in one category x region over the last
 *                     four weeks while the budget stays at plan (budget_pacing, MoM);
 *   pulse_surge       the market pulse of one category jumps 20 % (up to 40 %) in the end week with
 * no internal change (market_pulse on revenue, direction down: we fall behind the market; every
 * region). Everything else is ordinary noise, seasonality and trend. Thread safety: a plan is built
 * once and then read; cl_demo_effects_for_week fills caller-owned storage. */
#ifndef CL_ETL_DEMO_SCENARIOS_H
#define CL_ETL_DEMO_SCENARIOS_H

#include <stdint.h>
#include <jansson.h>

#include "core/calendar.h"
#include "etl/demo_model.h"

typedef enum {
    CL_DEMO_SCN_CONVERSION_DROP = 0,
    CL_DEMO_SCN_COUNTRY_DROP,
    CL_DEMO_SCN_MIX_SHIFT,
    CL_DEMO_SCN_RETURN_SPIKE,
    CL_DEMO_SCN_BUDGET_OVERSPEND,
    CL_DEMO_SCN_PULSE_SURGE,
    CL_DEMO_SCN_COUNT
} cl_demo_scn_kind_t;

typedef struct {
    cl_demo_scn_kind_t kind;
    int region;  /* -1: every region */
    int country; /* -1: not country-specific */
    int l1;
    int weeks;              /* the effect covers the last WEEKS weeks up to the end week */
    double effect;          /* the planted parameter: a relative change (0.35) or a probability */
    double magnitude;       /* the expected relative change of the scenario's metric on its path */
    const char *traffic_l1; /* conversion drop: the traffic source of its segment (static), or
                             * NULL: every source */
} cl_demo_scenario_t;

typedef struct {
    cl_demo_scenario_t s[CL_DEMO_SCN_COUNT];
    cl_week_t end_week;
} cl_demo_plan_t;

/* Choose where each scenario goes for world W (its seed) and END_WEEK, and how strong it is for
 * data of LINES_PER_WEEK order lines a week: each effect is at least its base (below), stronger
 * when its segment is too small for the base to stand out of that size's noise (up to a
 * believable cap), so the planted changes are findable at any size; the same inputs give the
 * same plan. */
void cl_demo_plan_init(cl_demo_plan_t *p, const cl_demo_world_t *w, cl_week_t end_week,
                       double lines_per_week);

/* The multipliers every generated value of one week is subject to; 1 (keep_low 0) where no
 * scenario applies. */
typedef struct {
    int any; /* some scenario is active */
    double cr[CL_DEMO_REGIONS][CL_DEMO_L1][CL_DEMO_TRAFFIC][CL_DEMO_DEVCHAN]; /* conversion */
    double sessions[CL_DEMO_COUNTRIES][CL_DEMO_L1];
    double keep_low[CL_DEMO_REGIONS][CL_DEMO_L1]; /* P(replace a premium+ pick) */
    double returns[CL_DEMO_REGIONS][CL_DEMO_L1][CL_DEMO_TIERS];
    double cpc[CL_DEMO_REGIONS][CL_DEMO_L1];
    double pulse[CL_DEMO_L1];
} cl_demo_effects_t;

/* Fill FX (about 70 KB: not for a small stack) with the effects active in week W. */
void cl_demo_effects_for_week(cl_demo_effects_t *fx, const cl_demo_plan_t *p, cl_week_t w);

/* The ground truth document of docs/contracts.md §6 for plan P: {seed, end_week, weeks,
 * scenarios: [...]} plus generator, orders (the requested size). *new* (json_decref), or NULL
 * when out of memory (or, a programming error, when P holds a scenario of no known kind). */
json_t *cl_demo_ground_truth(const cl_demo_plan_t *p, uint64_t seed, int weeks, int64_t orders);

/* "conversion_drop", ... */
const char *cl_demo_scn_id(cl_demo_scn_kind_t kind);

#endif
