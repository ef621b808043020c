/* pacing.c — budget pacing (pacing.h). A category manager learns of an overspend at quarter end
 * when it is too late; the projection says it in week 3. */
#include "insights/pacing.h"

#include <math.h>

#include "insights/stats.h"

cl_pacing_t cl_pacing_compute(const cl_frame_t *f, const double *totals, size_t stride,
                              size_t spend, size_t budget, const cl_period_t *p, long t)
{
    cl_pacing_t r = {0};
    cl_week_t w = cl_week_add(f->first_week, (int)t);
    r.quarter = cl_week_retail_period(w).quarter;
    int first_wk = (r.quarter - 1) * 13 + 1;
    int last_wk = r.quarter == 4 ? cl_week_weeks_in_year(w.year) : r.quarter * 13;
    r.first_week = (cl_week_t){w.year, first_wk};
    r.last_week = (cl_week_t){w.year, last_wk};
    r.weeks_total = last_wk - first_wk + 1;
    r.weeks_elapsed = w.week - first_wk + 1;
    long q0 = cl_frame_week_index(f, r.first_week);
    if (q0 < 0) {
        return r;
    }
    r.spend_to_date = cl_stats_sum(totals + spend, stride, q0, t);
    r.budget_to_date = cl_stats_sum(totals + budget, stride, q0, t);
    double last_budget = totals[(size_t)t * stride + budget];
    long rr_first = t - 3 >= 0 ? t - 3 : 0;
    r.run_rate = cl_stats_sum(totals + spend, stride, rr_first, t) / (double)(t - rr_first + 1);
    r.period_spend = cl_stats_sum(totals + spend, stride, p->cur_first, p->cur_last);
    r.period_budget = cl_stats_sum(totals + budget, stride, p->cur_first, p->cur_last);
    r.period_utilisation_pct = r.period_budget > 0 ? 100 * r.period_spend / r.period_budget : NAN;
    if (!isfinite(r.spend_to_date) || !isfinite(r.budget_to_date) || r.budget_to_date <= 0 ||
        !isfinite(last_budget) || !isfinite(r.run_rate)) {
        return r;
    }
    int remaining = r.weeks_total - r.weeks_elapsed;
    r.utilisation_to_date_pct = 100 * r.spend_to_date / r.budget_to_date;
    r.projected_spend = r.spend_to_date + remaining * r.run_rate;
    r.budget_total = r.budget_to_date + remaining * last_budget;
    r.projected_utilisation_pct = 100 * r.projected_spend / r.budget_total;
    r.projected_over_under = r.projected_spend - r.budget_total;
    r.ok = 1;
    return r;
}
