/* period.h — windows over a frame, and a metric's value over a period.
 *
 * A window (WoW, MoM 4 v 4, QoQ 13 v 13, YoY) ending at frame week T compares two inclusive ranges
 * of frame week indices. A metric's value over a range is the sum of its measure (additive) or
 * scale × ΣN / ΣD (ratio) over the weeks, NaN when any week is missing or a ratio's denominator is
 * zero. Series are read as BASE[w × STRIDE + measure] (the frame's totals or a segment's cells).
 * The missing-value rules of the catalog are applied once to the slice totals by
 * cl_period_fill_totals. Pure; thread-safe. */
#ifndef CL_INSIGHTS_PERIOD_H
#define CL_INSIGHTS_PERIOD_H

#include <stddef.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "insights/frame.h"

typedef struct {
    long cur_first, cur_last; /* frame week indices, inclusive */
    long prev_first, prev_last;
    int weeks; /* weeks in each range */
} cl_period_t;

/* The ranges of window WIN ending at frame week T. Returns 0, or -1 when a range falls outside the
 * frame (not enough history). */
int cl_period_at(cl_period_t *out, const cl_frame_t *f, cl_window_t win, long t);

/* Copy the frame's totals into OUT (n_weeks × n_measures) applying each additive metric's missing
 * rule: zero turns NaN into 0, previous carries the last known week forward (NaN before the first),
 * not_available keeps NaN. */
void cl_period_fill_totals(double *out, const cl_frame_t *f, const cl_catalog_t *cat);

/* Numerator and denominator sums of metric METRIC over weeks [FIRST, LAST] (for an additive metric
 * *den is 1). NaN when a week is missing. */
void cl_period_sums(double *num, double *den, const cl_catalog_t *cat, size_t metric,
                    const double *base, size_t stride, long first, long last);

/* The metric's value over [FIRST, LAST]: additive sum, or scale × N / D (NaN when D is 0). */
double cl_period_value(const cl_catalog_t *cat, size_t metric, const double *base, size_t stride,
                       long first, long last);

/* Value from sums: additive N; ratio scale × N / D or NaN. */
double cl_period_ratio(const cl_metric_t *m, double num, double den);

#endif
