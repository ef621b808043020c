/* anomaly.h — is this week's value what trend and seasonality predicted?
 *
 * Expected value for week T of a weekly series X (values of one metric for the slice or a segment):
 *   seasonal (a year of history): X[T−52] × exp(median over u in [T−8, T−1] of ln(X[u] / X[u−52]))
 *       — the same week last year, grown by the recent year-over-year growth (≥ 4 such pairs);
 *   trend (less history): the Theil–Sen line through the previous CL_ANOMALY_TREND_WEEKS weeks,
 *       extrapolated to T.
 * z = ln(X[T] / expected) / s, with s the robust scale of the series' week-to-week log changes (an
 * upper bound of the residual noise, so z errs on the quiet side). Values must be positive.
 * Pure; thread-safe. */
#ifndef CL_INSIGHTS_ANOMALY_H
#define CL_INSIGHTS_ANOMALY_H

#include <stdatomic.h>
#include <stddef.h>

#define CL_ANOMALY_TREND_WEEKS 13

typedef struct {
    int ok; /* 0: not enough positive history */
    double actual, expected;
    double deviation; /* actual − expected */
    double deviation_pct;
    double z;
    const char *method; /* "seasonal" | "trend" */
} cl_anomaly_t;

/* Expected value and z for X[T] (N values, NaN missing). */
cl_anomaly_t cl_anomaly_check(const double *x, size_t n, long t);

/* A slot for one series' cl_anomaly_check at one week, shared by runs that ask the same (a
 * slice's windows: signif.h's memo): starts zeroed, filled at most once by whichever caller claims
 * it first (atomic), only read afterwards. */
typedef struct {
    atomic_int state; /* 0 empty, 1 being filled, 2 filled */
    cl_anomaly_t a;
} cl_anomaly_memo_t;

/* cl_anomaly_check(X, N, T) bit for bit, taken from SLOT when filled (X is then not read), else
 * computed and stored there. SLOT NULL = cl_anomaly_check. Thread-safe on a shared slot. */
cl_anomaly_t cl_anomaly_check_memo(const double *x, size_t n, long t, cl_anomaly_memo_t *slot);

/* Whether SLOT is filled (then cl_anomaly_check_memo does not read X). */
int cl_anomaly_memo_ready(const cl_anomaly_memo_t *slot);

#endif
