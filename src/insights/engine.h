/* engine.h — the insight engine: one category × region frame in, everything a weekly business
 * review needs out — KPI deltas with significance, breakdowns with contributions, the revenue
 * split, market pulse, pacing — and the ranked findings (finding.h).
 *
 * Pure: no I/O, no globals, no clocks; the same frame, catalog, scope and options give the same
 * result and byte-identical findings JSON. Methods and thresholds: docs/insights.md.
 *
 * Metric roles: the engine gives these catalog ids their meaning when they exist — revenue, visits,
 * orders, gross_revenue, units (revenue split, materiality, the revenue story), conversion_rate,
 * aov, spend, budget, budget_utilisation, roas, cpc, paid_revenue (marketing and pacing),
 * return_rate, discount_rate (root causes). A catalog without one simply skips the analyses that
 * need it. Ownership: a result is new (cl_insight_free); it borrows nothing from its inputs except
 * the scope's strings, which must outlive it. Thread safety: reentrant; a result is read-only once
 * returned. */
#ifndef CL_INSIGHTS_ENGINE_H
#define CL_INSIGHTS_ENGINE_H

#include <stddef.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "core/parallel.h"
#include "insights/breakdown.h"
#include "insights/finding.h"
#include "insights/frame.h"
#include "insights/kpi.h"
#include "insights/lmdi.h"
#include "insights/pacing.h"
#include "insights/period.h"
#include "insights/pulse.h"

/* The version of what the engine and the summary writer produce for the same data
 * (meta.engine_version; part of every report's cache and archive identity). Bump it whenever
 * findings, their numbers or their text change, so reports already made are built again.
 * insights-2: segment labels in titles.
 * insights-3: the count level's EM and the t null's scale reach their fixed points by SQUAREM
 * (scores and evidence move in their last digits; a fit the old step cap stopped short of its
 * fixed point can now pick other elements). */
#define CL_INSIGHTS_VERSION "insights-3"

typedef struct {
    double z_kpi;                   /* |z| for a KPI change to be a finding on its own (3.5) */
    double z_kpi_explained;         /* ... or with a strong driver (2.5) */
    double z_driver_strong;         /* |z| of that driver's own change; also a segment change
                                       reported without a KPI change (5) */
    double z_segment;               /* |z| of a driver segment's own change (2.5) */
    double z_channel;               /* |z| of a channel's ROAS / CPC change (3.5) */
    double z_anomaly;               /* |z| against the expected value, slice level (4) */
    double z_anomaly_segment;       /* same, for a major segment (4.5) */
    double z_pulse;                 /* |z| of the gap to the market (3.5) */
    double materiality_pct;         /* value at stake ≥ this % of previous-period revenue (0.5) */
    double driver_share_pct;        /* a driver explains ≥ this % of its KPI's change (25) */
    double mix_share_pct;           /* a mix effect is ≥ this % of the ratio's change (30) */
    double pulse_gap_pp;            /* |growth gap| to the market (2 pp) */
    double pacing_tolerance_pct;    /* |projected utilisation − 100| (5) */
    double channel_change_pct;      /* |relative ROAS / CPC change| of a channel (10) */
    double channel_spend_share_pct; /* a channel's share of spend (5) */
    double major_segment_share_pct; /* share of revenue that makes a segment major (10) */
    size_t max_drivers;             /* per KPI change (2) */
    size_t max_findings;            /* findings kept after ranking (12; 0 = all) */
    /* Not a threshold: a parallel-for the caller lends (core/parallel.h), borrowed for the run;
     * NULL (the default) = everything on the caller's thread. The root-cause localisations of a
     * run go through it; the result is the same bit for bit either way. */
    const cl_parallel_t *parallel;
} cl_insight_options_t;

void cl_insight_options_default(cl_insight_options_t *opt);

typedef struct {
    size_t revenue, visits, orders, gross_revenue, units, conversion_rate, aov;
    size_t spend, budget, budget_utilisation, roas, cpc, paid_revenue, return_rate, discount_rate;
} cl_insight_roles_t;

/* Catalog indices of the role metrics (CL_FRAME_NONE when absent). */
void cl_insight_roles(cl_insight_roles_t *out, const cl_catalog_t *cat);

typedef struct cl_insight {
    cl_insight_scope_t scope;
    long t; /* the report week's frame index */
    cl_period_t period;
    size_t n_weeks, n_metrics;
    double *totals; /* the slice's totals after missing rules, n_weeks × n_metrics */
    double *weekly; /* each metric's weekly values, n_metrics × n_weeks */
    cl_kpi_t *kpis; /* per catalog metric */
    size_t n_dims;
    cl_breakdown_t *breakdowns; /* n_dims × n_metrics (available = 0 where not carried) */
    int has_split;
    cl_lmdi_revenue_t split;
    cl_pulse_t pulse;
    cl_pacing_t pacing;
    cl_findings_t findings; /* ranked */
} cl_insight_t;

/* Run the engine for SCOPE over F. The report week must be inside the frame and the window's
 * previous period too. Returns 0, CL_EINVAL (week outside the frame, not enough history for the
 * window, frame narrower than the catalog) or CL_ENOMEM. *out is new: cl_insight_free(). */
CL_NODISCARD int cl_insight_run(cl_insight_t **out, const cl_frame_t *f, const cl_catalog_t *cat,
                                const cl_insight_scope_t *scope, const cl_insight_options_t *opt,
                                cl_err_t *err);
void cl_insight_free(cl_insight_t *r);

/* Run the engine for N scopes over the same frame at once (a slice's four windows): OUT[k] is
 * what cl_insight_run(&OUT[k], F, CAT, &SCOPES[k], OPT, ERR) gives, bit for bit, for each k.
 * When the scopes share their week the runs share what does not depend on the window (each
 * series' WoW significance part and report-week anomaly: signif.h's memo, owned by the call,
 * each slot filled at most once, the same values).
 * With a parallel hook in OPT and N > 1, the N runs are the hook's tasks (each run's root-cause
 * localisations then on its own thread, in order); with N = 1 the hook goes to that run as in
 * cl_insight_run. Returns 0, or the error of the first scope (in order) that failed, with its
 * message in ERR: then every OUT[k] is NULL. Each OUT[k] is new: cl_insight_free(). */
CL_NODISCARD int cl_insight_run_many(cl_insight_t **out, const cl_frame_t *f,
                                     const cl_catalog_t *cat, const cl_insight_scope_t *scopes,
                                     size_t n, const cl_insight_options_t *opt, cl_err_t *err);

/* The breakdown of METRIC by dimension DIM (borrowed). */
const cl_breakdown_t *cl_insight_breakdown(const cl_insight_t *r, size_t dim, size_t metric);

#endif
