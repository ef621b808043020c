/* signif.h — is a change news or noise? The robust z-score of a metric's change in a window against
 * the same metric's own history of changes in that window.
 *
 * Method (docs/insights.md): for every earlier end week t' of the last CL_SIGNIF_HISTORY weeks, the
 * change of the same window ending at t' is computed; the noise scale is the robust scale (Qn, see
 * stats.h) of those changes, and z = change / scale. Changes are log ratios ln(current / previous)
 * when the metric is positive (relative noise is stable across seasons), else plain differences.
 * YoY compares two single weeks, so its noise is that of two single weeks: the WoW history's
 * scale. MoM and QoQ histories overlap (rolling windows), so their scale is floored at the weekly
 * scale / sqrt(weeks), what independent weekly noise would give.
 * With fewer than CL_SIGNIF_MIN_HISTORY earlier changes there is no score (level low, method
 * "insufficient_history"). |z| is capped at 99; high ≥ 3, medium ≥ 2, else low.
 * Pure; thread-safe. */
#ifndef CL_INSIGHTS_SIGNIF_H
#define CL_INSIGHTS_SIGNIF_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "insights/anomaly.h"
#include "insights/frame.h"

#define CL_SIGNIF_HISTORY 52
#define CL_SIGNIF_MIN_HISTORY 8

typedef enum { CL_SIG_LOW = 0, CL_SIG_MEDIUM, CL_SIG_HIGH } cl_sig_level_t;

typedef struct {
    double z; /* signed robust z of the change; 0 without history */
    cl_sig_level_t level;
    const char *method; /* "robust_z" (log changes), "robust_z_abs" (differences),
                           "insufficient_history" */
    double scale;       /* noise scale in the method's unit (log ratio or metric unit) */
    size_t history;     /* earlier changes used */
} cl_signif_t;

/* Significance of METRIC's change in window WIN ending at frame week T, over the series BASE with
 * STRIDE (the slice's filled totals or a segment's cells). */
cl_signif_t cl_signif_change(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                             const double *base, size_t stride, cl_window_t win, long t);

/* The window-independent part of cl_signif_change for one series and metric at one week: the WoW
 * history's counts and robust scales (NaN where not computed), what all four windows of a slice
 * compute alike. A memo (cl_signif_memo_t) holds one per series (the slice's totals, every
 * dimension value's cells) and metric, filled at most once, on first use, by whichever run gets
 * there first (an atomic claim: concurrent runs that find it unfilled compute their own, the same
 * bits), and only read afterwards. */
typedef struct {
    size_t wn, wn_log, wn_abs, used_log, used_abs;
    double qn_log, qn_abs;
} cl_signif_wow_vals_t;

typedef struct {
    atomic_int state; /* 0 empty, 1 being filled, 2 filled */
    cl_signif_wow_vals_t v;
    cl_anomaly_memo_t anomaly; /* the series' weekly values of the metric at the memo's week
                                  (anomaly.h), also the same in every window */
} cl_signif_wow_t;

/* Per slice and report week T: one cl_signif_wow_t per (series, metric), the WoW significance
 * part and the anomaly of the report week. Owned by the caller that
 * runs a slice's windows (cl_insight_run_many); thread-safe to use from concurrent runs. */
typedef struct {
    long t;
    size_t n_metrics, n_dims;
    size_t *first;      /* per dimension: its first value's series index (0 = the totals) */
    cl_signif_wow_t *e; /* n_series × n_metrics */
} cl_signif_memo_t;

/* Returns 0 or CL_ENOMEM (then M holds nothing). */
int cl_signif_memo_init(cl_signif_memo_t *m, const cl_frame_t *f, size_t n_metrics, long t);
void cl_signif_memo_dispose(cl_signif_memo_t *m);
/* The slot of the slice's totals or of DIM's VALUE cells for METRIC; NULL when M is NULL. */
cl_signif_wow_t *cl_signif_memo_totals(const cl_signif_memo_t *m, size_t metric);
cl_signif_wow_t *cl_signif_memo_cell(const cl_signif_memo_t *m, size_t dim, size_t value,
                                     size_t metric);

/* cl_signif_change with the WoW part taken from (or filled into) WOW, the slot of this BASE and
 * METRIC in a memo made for week T: the same result bit for bit. WOW NULL = cl_signif_change. */
cl_signif_t cl_signif_change_memo(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                                  const double *base, size_t stride, cl_window_t win, long t,
                                  cl_signif_wow_t *wow);

/* Significance of an arbitrary change series: CHANGES[i] for earlier end weeks (NaN skipped) and
 * the CURRENT change, as plain differences. Used for gaps (market pulse) and pacing. */
cl_signif_t cl_signif_from_history(const double *changes, size_t n, double current);

/* The level for |z|. */
cl_sig_level_t cl_signif_level(double z);
const char *cl_signif_level_name(cl_sig_level_t level);

#endif
