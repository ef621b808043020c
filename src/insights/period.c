/* period.c — every analysis asks "what was this metric over these weeks?"; answering it in one
 * place keeps windows, missing-value rules and ratio arithmetic the same in tiles, breakdowns,
 * significance and findings. */
#include "insights/period.h"

#include <math.h>
#include <string.h>

#include "insights/stats.h"

int cl_period_at(cl_period_t *out, const cl_frame_t *f, cl_window_t win, long t)
{
    if (t < 0 || (size_t)t >= f->n_weeks) {
        return -1;
    }
    /* frame weeks are consecutive: only YoY needs the calendar (52 or 53 weeks back) */
    int n = cl_window_weeks(win);
    out->weeks = n;
    out->cur_last = t;
    out->cur_first = t - (n - 1);
    if (win == CL_WINDOW_YOY) {
        cl_week_t w = cl_week_add(f->first_week, (int)t);
        out->prev_first = out->prev_last = cl_frame_week_index(f, cl_week_year_ago(w));
    } else {
        out->prev_last = t - n;
        out->prev_first = t - (2 * n - 1);
    }
    return out->cur_first < 0 || out->cur_last < 0 || out->prev_first < 0 || out->prev_last < 0 ? -1
                                                                                                : 0;
}

void cl_period_fill_totals(double *out, const cl_frame_t *f, const cl_catalog_t *cat)
{
    size_t m_n = f->n_measures;
    memcpy(out, f->totals, f->n_weeks * m_n * sizeof *out);
    for (size_t m = 0; m < m_n && m < cl_catalog_count(cat); m++) {
        const cl_metric_t *metric = cl_catalog_at(cat, m);
        if (metric->kind != CL_METRIC_ADDITIVE || f->na[m]) {
            continue; /* a measure the source cannot provide stays not available */
        }
        double last = NAN;
        for (size_t w = 0; w < f->n_weeks; w++) {
            double *v = &out[w * m_n + m];
            if (!isnan(*v)) {
                last = *v;
            } else if (metric->missing == CL_MISSING_ZERO) {
                *v = 0.0;
            } else if (metric->missing == CL_MISSING_PREVIOUS) {
                *v = last;
            }
        }
    }
}

void cl_period_sums(double *num, double *den, const cl_catalog_t *cat, size_t metric,
                    const double *base, size_t stride, long first, long last)
{
    const cl_metric_t *m = cl_catalog_at(cat, metric);
    if (m->kind == CL_METRIC_ADDITIVE) {
        *num = cl_stats_sum(base + metric, stride, first, last);
        *den = 1.0;
        return;
    }
    *num = cl_stats_sum(base + m->numerator, stride, first, last);
    *den = cl_stats_sum(base + m->denominator, stride, first, last);
}

double cl_period_ratio(const cl_metric_t *m, double num, double den)
{
    if (m->kind == CL_METRIC_ADDITIVE) {
        return num;
    }
    if (isnan(num) || isnan(den) || den == 0.0) {
        return NAN;
    }
    return m->scale * num / den;
}

double cl_period_value(const cl_catalog_t *cat, size_t metric, const double *base, size_t stride,
                       long first, long last)
{
    double n, d;
    cl_period_sums(&n, &d, cat, metric, base, stride, first, last);
    return cl_period_ratio(cl_catalog_at(cat, metric), n, d);
}
