/* breakdown.h — one metric over the values of one dimension for one window: current, previous,
 * change, contribution to the total change and share shift.
 *
 * Additive metric: contribution_i = change_i; contributions sum to the total change exactly (the
 * values of a dimension partition the slice). Shares are of the metric itself.
 * Ratio metric: contribution_i = mix_i + rate_i of mixrate.h, which also sum to the total change
 * exactly; shares are of the denominator (for conversion rate, the share of visits), current and
 * previous are the segment's own rate.
 * contribution_pct = 100 × contribution / total change (NaN when the total did not change).
 * Rows are sorted by |contribution| (largest first), ties by the value's position in the
 * frame (the reader adds values in sorted order), so output is stable.
 * Pure; thread-safe. */
#ifndef CL_INSIGHTS_BREAKDOWN_H
#define CL_INSIGHTS_BREAKDOWN_H

#include <stddef.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/frame.h"
#include "insights/period.h"

typedef struct {
    size_t value; /* index into the dimension's values */
    double current, previous, change, change_pct;
    double contribution, contribution_pct;
    double share_current, share_previous, share_shift_pp; /* percent, pp */
    double mix_effect, rate_effect;                       /* ratio metrics; NaN for additive */
    double num[2], den[2];                                /* sums behind the row ([0] previous) */
} cl_breakdown_row_t;

typedef struct {
    size_t dim, metric;
    int available; /* 0: the dimension does not carry the metric's measures, or data is missing */
    double current, previous, total_change; /* over the whole slice, from the segments */
    double mix_effect, rate_effect;         /* ratio metrics: totals; NaN for additive */
    size_t n_rows;
    cl_breakdown_row_t *rows; /* new: cl_breakdown_dispose() */
} cl_breakdown_t;

/* The breakdown of METRIC by dimension DIM of F for period P. An unavailable breakdown returns 0
 * with out->available = 0 and no rows. Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_breakdown_compute(cl_breakdown_t *out, const cl_catalog_t *cat, size_t metric,
                                      const cl_frame_t *f, size_t dim, const cl_period_t *p,
                                      cl_err_t *err);
void cl_breakdown_dispose(cl_breakdown_t *b);

/* 1 when dimension DIM carries every measure METRIC needs. */
int cl_breakdown_carries(const cl_catalog_t *cat, size_t metric, const cl_frame_t *f, size_t dim);

#endif
