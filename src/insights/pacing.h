/* pacing.h — marketing spend against budget: to date in the retail quarter, projected to its end,
 * and over the window's current period.
 *
 * The quarter is the 4-5-4 retail quarter holding the report week (weeks 1–13, 14–26, 27–39,
 * 40–52/53 of the ISO year). Spend to date and budget to date sum the quarter's weeks through the
 * report week. The projection adds the remaining weeks at the recent run rate (mean weekly spend of
 * the last 4 weeks) against the remaining weeks' budget at the last known weekly plan (the
 * `previous` rule: a plan persists until changed). Pure; thread-safe. */
#ifndef CL_INSIGHTS_PACING_H
#define CL_INSIGHTS_PACING_H

#include <stddef.h>

#include "insights/frame.h"
#include "insights/period.h"

typedef struct {
    int ok;      /* 0: no spend or budget for the quarter so far */
    int quarter; /* 1..4 */
    cl_week_t first_week, last_week;
    int weeks_elapsed, weeks_total;
    double spend_to_date, budget_to_date, utilisation_to_date_pct;
    double run_rate; /* mean weekly spend of the last 4 weeks */
    double projected_spend, budget_total, projected_utilisation_pct;
    double projected_over_under; /* projected_spend − budget_total (currency) */
    double period_spend, period_budget, period_utilisation_pct; /* the window's current period */
} cl_pacing_t;

/* Pacing at frame week T from TOTALS (filled, n_weeks × stride) with the measures SPEND and BUDGET;
 * P is the report window (for the period figures). */
cl_pacing_t cl_pacing_compute(const cl_frame_t *f, const double *totals, size_t stride,
                              size_t spend, size_t budget, const cl_period_t *p, long t);

#endif
