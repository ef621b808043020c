/* stats.c — robust statistics for the insight engine (see stats.h for why robust). Sorting is by
 * value with a total order, so results never depend on input order. */
#include "insights/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t finite_copy(double *dst, const double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) {
            dst[k++] = v[i];
        }
    }
    return k;
}

static double sorted_median(double *s, size_t k)
{
    qsort(s, k, sizeof *s, cmp_double);
    return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2.0;
}

double cl_stats_median(const double *v, size_t n, double *scratch)
{
    size_t k = finite_copy(scratch, v, n);
    return k ? sorted_median(scratch, k) : NAN;
}

double cl_stats_select(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) {
                i++;
            }
            while (v[j] > pivot) {
                j--;
            }
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) {
                    break;
                }
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return v[k];
        }
    }
    return v[k];
}

double cl_stats_median_inplace(double *v, size_t n)
{
    if (n % 2) {
        return cl_stats_select(v, n, n / 2);
    }
    double lo = cl_stats_select(v, n, n / 2 - 1);
    return 0.5 * (lo + cl_stats_select(v, n, n / 2));
}

double cl_stats_qn_scale(const double *v, size_t n, size_t *out_n)
{
    double x[CL_STATS_QN_MAX], d[CL_STATS_QN_MAX * (CL_STATS_QN_MAX - 1) / 2];
    size_t k = 0;
    for (size_t i = 0; i < n && k < CL_STATS_QN_MAX; i++) {
        if (isfinite(v[i])) {
            x[k++] = v[i];
        }
    }
    if (out_n) {
        *out_n = k;
    }
    if (k < 2) {
        return NAN;
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i + 1; j < k; j++) {
            d[m++] = fabs(x[i] - x[j]);
        }
    }
    size_t h = k / 2 + 1, rank = h * (h - 1) / 2;
    double q = 2.2219 * cl_stats_select(d, m, rank - 1);
    if (q == 0) {
        /* heavily tied data (a quarter of all pairs equal): the standard deviation is the scale */
        double mean = 0, ss = 0;
        for (size_t i = 0; i < k; i++) {
            mean += x[i];
        }
        mean /= (double)k;
        for (size_t i = 0; i < k; i++) {
            ss += (x[i] - mean) * (x[i] - mean);
        }
        return sqrt(ss / (double)(k - 1));
    }
    /* small-sample consistency (Croux & Rousseeuw 1992) */
    static const double small[10] = {0, 0, 0.399, 0.994, 0.512, 0.844, 0.611, 0.857, 0.669, 0.872};
    double dn = k < 10  ? small[k]
                : k % 2 ? (double)k / ((double)k + 1.4)
                        : (double)k / ((double)k + 3.8);
    return q * dn;
}

double cl_stats_logmean(double a, double b)
{
    if (a == b) {
        return a;
    }
    double la = log(a), lb = log(b);
    if (la == lb) { /* a and b differ by less than log can see */
        return (a + b) / 2.0;
    }
    return (a - b) / (la - lb);
}

int cl_stats_theil_sen(const double *v, size_t n, double *scratch, double *slope, double *intercept)
{
    size_t k = 0, pts = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            continue;
        }
        pts++;
        for (size_t j = i + 1; j < n; j++) {
            if (isfinite(v[j])) {
                scratch[k++] = (v[j] - v[i]) / (double)(j - i);
            }
        }
    }
    if (pts < 3) {
        return -1;
    }
    double b = sorted_median(scratch, k);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) {
            scratch[k++] = v[i] - b * (double)i;
        }
    }
    *slope = b;
    *intercept = sorted_median(scratch, k);
    return 0;
}

double cl_stats_sum(const double *v, size_t stride, long first, long last)
{
    if (first < 0 || last < first) {
        return NAN;
    }
    double s = 0.0;
    for (long i = first; i <= last; i++) {
        double x = v[(size_t)i * stride];
        if (isnan(x)) {
            return NAN;
        }
        s += x;
    }
    return s;
}
