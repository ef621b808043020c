/* stats.h — the small robust statistics the insight engine stands on: medians, the Qn noise scale,
 * the logarithmic mean of LMDI and a Theil–Sen line.
 *
 * Why robust: a metric's weekly history holds holidays, outages and last year's planted incidents;
 * a mean and standard deviation would let one such week hide every later change. Medians and Qn
 * ignore up to half the history being odd. All functions are pure; NaN inputs are skipped where
 * stated. Thread safety: reentrant, no state. */
#ifndef CL_INSIGHTS_STATS_H
#define CL_INSIGHTS_STATS_H

#include <stddef.h>

/* Median of the finite values among V[0..N) (NaN when there are none). SCRATCH holds N doubles. */
double cl_stats_median(const double *v, size_t n, double *scratch);

/* The K-th smallest (0-based, K < N) of V[0..N), reordering V; no NaN in V. Deterministic (a
 * quickselect with a median-of-three pivot), O(n) on average: the value a full sort would put at
 * index K, without the sort. */
double cl_stats_select(double *v, size_t n, size_t k);

/* Median of V[0..N) (N > 0, no NaN), reordering V: cl_stats_select once or twice, no copy. */
double cl_stats_median_inplace(double *v, size_t n);

/* Rousseeuw–Croux Qn scale of the finite values of V: 2.2219 × the k-th smallest of the pairwise
 * distances |v_i − v_j| (k = C(h, 2), h = ⌊n/2⌋ + 1) with the small-sample factor d_n. As robust as
 * the MAD (50 % breakdown) but 82 % efficient against 37 %, so a 50-week history gives a usable
 * noise scale. When a quarter of all pairs tie (discrete data) Qn is 0 and the sample standard
 * deviation is returned instead. Only the first CL_STATS_QN_MAX finite values are used. NaN with
 * fewer than 2.
 * *out_n (may be NULL) receives the count used. */
#define CL_STATS_QN_MAX 64
double cl_stats_qn_scale(const double *v, size_t n, size_t *out_n);

/* Logarithmic mean L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a; both must be > 0. */
double cl_stats_logmean(double a, double b);

/* Theil–Sen line through the finite points (i, v[i]), i in [0, n): median of pairwise slopes, then
 * the median intercept. Returns 0 and fills *slope, *intercept, or -1 with fewer than 3 points.
 * SCRATCH holds n(n−1)/2 doubles (n ≤ 64 is plenty for weekly histories). */
int cl_stats_theil_sen(const double *v, size_t n, double *scratch, double *slope,
                       double *intercept);

/* Sum of V[first..last] with stride STRIDE (inclusive); NaN if any value is NaN or the range is
 * empty/negative. */
double cl_stats_sum(const double *v, size_t stride, long first, long last);

#endif
