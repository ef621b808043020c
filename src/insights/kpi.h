/* kpi.h — one metric over the report window for the whole slice: current, previous, change in the
 * metric's change unit (pp for percent metrics), relative change, significance (signif.h) and the
 * report week against its expected value (anomaly.h). Pure; thread-safe. */
#ifndef CL_INSIGHTS_KPI_H
#define CL_INSIGHTS_KPI_H

#include <stddef.h>

#include "core/catalog.h"
#include "insights/anomaly.h"
#include "insights/frame.h"
#include "insights/period.h"
#include "insights/signif.h"

typedef struct {
    size_t metric;
    int available; /* 0: a value is not available (missing rule, zero denominator) */
    double current, previous, change, change_pct; /* NaN when not available */
    cl_signif_t sig;
    cl_anomaly_t anomaly; /* the report week against trend and seasonality */
} cl_kpi_t;

/* The KPI of METRIC for period P (window WIN) ending at frame week T, from the slice's filled
 * TOTALS (n_weeks × n_measures). WEEKLY (n_weeks doubles) receives the metric's weekly values.
 * WOW: the totals' memo slot for METRIC at T (cl_signif_change_memo, cl_anomaly_check_memo), or
 * NULL. */
void cl_kpi_compute(cl_kpi_t *out, const cl_catalog_t *cat, size_t metric, const cl_frame_t *f,
                    const double *totals, const cl_period_t *p, cl_window_t win, long t,
                    double *weekly, cl_signif_wow_t *wow);

/* Weekly values of METRIC from the series BASE / STRIDE (ratios week by week; NaN when missing). */
void cl_kpi_weekly(double *out, const cl_catalog_t *cat, size_t metric, const double *base,
                   size_t stride, size_t n_weeks);

#endif
