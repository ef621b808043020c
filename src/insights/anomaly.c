/* anomaly.c — expected value from last year's same week and recent growth, or a robust trend
 * (anomaly.h). Both are medians of many weeks, so one odd week in the history neither creates nor
 * hides an anomaly. */
#include "insights/anomaly.h"

#include <math.h>

#include "insights/frame.h"
#include "insights/stats.h"

#define LOG_FLOOR 1e-3
#define Z_CAP 99.0

static int pos(double v)
{
    return isfinite(v) && v > 0;
}

/* robust scale of ln(x[u] / x[u−1]) for u < t over the last 52 weeks */
static double weekly_noise(const double *x, long t)
{
    double d[52];
    size_t n = 0, used = 0;
    for (long u = t - 1; u >= 1 && n < 52; u--) {
        d[n++] = pos(x[u]) && pos(x[u - 1]) ? log(x[u] / x[u - 1]) : NAN;
    }
    double s = cl_stats_qn_scale(d, n, &used);
    if (used < 8 || !isfinite(s)) {
        return NAN;
    }
    return s > LOG_FLOOR ? s : LOG_FLOOR;
}

static int seasonal(const double *x, long t, double *expected)
{
    double q[8], scratch[8];
    size_t k = 0;
    if (t < 52 || !pos(x[t - 52])) {
        return -1;
    }
    for (long u = t - 8; u <= t - 1; u++) {
        if (u >= 52 && pos(x[u]) && pos(x[u - 52])) {
            q[k++] = log(x[u] / x[u - 52]);
        }
    }
    if (k < 4) {
        return -1;
    }
    *expected = x[t - 52] * exp(cl_stats_median(q, k, scratch));
    return 0;
}

static int trend(const double *x, long t, double *expected)
{
    double y[CL_ANOMALY_TREND_WEEKS], scratch[CL_ANOMALY_TREND_WEEKS * CL_ANOMALY_TREND_WEEKS];
    long first = t - CL_ANOMALY_TREND_WEEKS;
    if (first < 0) {
        return -1;
    }
    size_t finite = 0;
    for (long i = 0; i < CL_ANOMALY_TREND_WEEKS; i++) {
        y[i] = pos(x[first + i]) ? x[first + i] : NAN;
        finite += isfinite(y[i]) ? 1 : 0;
    }
    double slope, icpt;
    if (finite < 8 || cl_stats_theil_sen(y, CL_ANOMALY_TREND_WEEKS, scratch, &slope, &icpt) != 0) {
        return -1;
    }
    *expected = icpt + slope * CL_ANOMALY_TREND_WEEKS;
    return *expected > 0 ? 0 : -1;
}

cl_anomaly_t cl_anomaly_check(const double *x, size_t n, long t)
{
    cl_anomaly_t a = {0};
    if (t < 0 || (size_t)t >= n || !pos(x[t])) {
        return a;
    }
    double s = weekly_noise(x, t);
    if (isnan(s)) {
        return a;
    }
    double e;
    if (seasonal(x, t, &e) == 0) {
        a.method = "seasonal";
    } else if (trend(x, t, &e) == 0) {
        a.method = "trend";
    } else {
        return a;
    }
    a.ok = 1;
    a.actual = x[t];
    a.expected = e;
    a.deviation = x[t] - e;
    a.deviation_pct = 100.0 * a.deviation / e;
    double z = log(x[t] / e) / s;
    a.z = z > Z_CAP ? Z_CAP : z < -Z_CAP ? -Z_CAP : z;
    return a;
}

int cl_anomaly_memo_ready(const cl_anomaly_memo_t *slot)
{
    return slot && atomic_load_explicit(&slot->state, memory_order_acquire) == 2;
}

cl_anomaly_t cl_anomaly_check_memo(const double *x, size_t n, long t, cl_anomaly_memo_t *slot)
{
    if (cl_anomaly_memo_ready(slot)) {
        return slot->a;
    }
    cl_anomaly_t a = cl_anomaly_check(x, n, t);
    int expected = 0;
    if (slot && atomic_compare_exchange_strong_explicit(
                    &slot->state, &expected, 1, memory_order_acq_rel, memory_order_acquire)) {
        slot->a = a;
        atomic_store_explicit(&slot->state, 2, memory_order_release);
    }
    return a;
}
