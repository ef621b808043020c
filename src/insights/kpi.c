/* kpi.c — the tiles' numbers: every metric's change in the window, whether it is beyond the
 * metric's own noise, and whether the week is what trend and seasonality predicted. */
#include "insights/kpi.h"

#include <math.h>

void cl_kpi_weekly(double *out, const cl_catalog_t *cat, size_t metric, const double *base,
                   size_t stride, size_t n_weeks)
{
    for (size_t w = 0; w < n_weeks; w++) {
        out[w] = cl_period_value(cat, metric, base, stride, (long)w, (long)w);
    }
}

void cl_kpi_compute(cl_kpi_t *out, const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                    const double *totals, const cl_period_t *p, cl_window_t win, long t,
                    double *weekly, cl_signif_wow_t *wow)
{
    size_t stride = f->n_measures;
    *out = (cl_kpi_t){.metric = metric};
    out->current = cl_period_value(cat, metric, totals, stride, p->cur_first, p->cur_last);
    out->previous = cl_period_value(cat, metric, totals, stride, p->prev_first, p->prev_last);
    out->available = isfinite(out->current) && isfinite(out->previous);
    out->change = out->available ? out->current - out->previous : NAN;
    out->change_pct =
        out->available && out->previous != 0 ? 100.0 * out->change / fabs(out->previous) : NAN;
    if (!isfinite(out->current)) {
        out->current = NAN;
    }
    if (!isfinite(out->previous)) {
        out->previous = NAN;
    }
    out->sig = out->available ? cl_signif_change_memo(cat, metric, f, totals, stride, win, t, wow)
                              : (cl_signif_t){.method = "insufficient_history"};
    cl_kpi_weekly(weekly, cat, metric, totals, stride, f->n_weeks);
    out->anomaly = cl_anomaly_check_memo(weekly, f->n_weeks, t, wow ? &wow->anomaly : NULL);
}
