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

#include <stddef.h>

#include "core/calendar.h"
#include "core/catalog.h"
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

/* Significance of an arbitrary change series: CHANGES[i] for earlier end weeks (NaN skipped) and
 * the CURRENT change, as plain differences. Used for gaps (market pulse) and pacing. */
cl_signif_t cl_signif_from_history(const double *changes, size_t n, double current);

/* The level for |z|. */
cl_sig_level_t cl_signif_level(double z);
const char *cl_signif_level_name(cl_sig_level_t level);

#endif
