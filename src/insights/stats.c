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

/* The weighted high median of V[0..N) with weights W (all > 0; both reordered): the smallest v
 * whose own weight and those of the values below it reach half of TOTAL. A quickselect on the
 * weights: O(n) on average, deterministic (middle pivot). */
static double weighted_median(double *v, size_t *w, size_t n, size_t total)
{
    size_t lo = 0, hi = n, below = 0; /* the answer is in [lo, hi); BELOW = weight left of lo */
    for (;;) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t a = lo, b = lo, wl = 0, we = 0; /* [lo, a) < pivot, [a, b) == pivot */
        for (size_t i = lo; i < hi; i++) {
            if (v[i] <= pivot) {
                double tv = v[i];
                size_t tw = w[i];
                v[i] = v[b];
                w[i] = w[b];
                if (tv < pivot) {
                    v[b] = v[a];
                    w[b] = w[a];
                    v[a] = tv;
                    w[a] = tw;
                    a++;
                    wl += tw;
                } else {
                    v[b] = tv;
                    w[b] = tw;
                    we += tw;
                }
                b++;
            }
        }
        if (2 * (below + wl) >= total) {
            hi = a; /* half the weight lies strictly below the pivot */
        } else if (2 * (below + wl + we) >= total) {
            return pivot;
        } else {
            below += wl + we;
            lo = b;
        }
    }
}

/* The K-th smallest (1-based) of the pairwise distances Y[j] − Y[i], i < j, of the ascending
 * Y[0..N): a selection in the sorted matrix of distances (row i ascends in j, column j descends
 * in i), after Johnson & Mizoguchi and Croux & Rousseeuw (1992), O(n log n) instead of the
 * O(n²) of listing every distance. Each row keeps the columns [lo, hi] still in the running;
 * a pivot (the weighted median of the rows' middle candidates) is counted against every row in
 * O(n) (the boundary column moves right as the row goes down), and the rows' ranges shrink to
 * the side of the pivot the answer lies on, until few candidates are left to select among.
 * Every value compared is a distance Y[j] − Y[i] computed as that subtraction, so the answer is
 * bit for bit the distance a full listing would select (|a − b| = max − min exactly). */
static double kth_distance(const double *y, size_t n, size_t k)
{
    size_t lo[CL_STATS_QN_MAX], hi[CL_STATS_QN_MAX], below[CL_STATS_QN_MAX], upto[CL_STATS_QN_MAX];
    double mid[CL_STATS_QN_MAX], cand[4 * CL_STATS_QN_MAX];
    size_t weight[CL_STATS_QN_MAX];
    size_t left = 0; /* distances known to be below the answer: those left of every row's lo */
    size_t rows = n - 1;
    for (size_t i = 0; i < rows; i++) {
        lo[i] = i + 1;
        hi[i] = n - 1;
    }
    for (;;) {
        size_t total = 0, m = 0;
        for (size_t i = 0; i < rows; i++) {
            if (lo[i] <= hi[i]) {
                size_t w = hi[i] - lo[i] + 1;
                total += w;
                mid[m] = y[lo[i] + (w - 1) / 2] - y[i];
                weight[m++] = w;
            }
        }
        if (total <= sizeof cand / sizeof cand[0]) {
            size_t c = 0;
            for (size_t i = 0; i < rows; i++) {
                for (size_t j = lo[i]; j <= hi[i]; j++) {
                    cand[c++] = y[j] - y[i];
                }
            }
            return cl_stats_select(cand, c, k - left - 1);
        }
        double pivot = weighted_median(mid, weight, m, total);
        /* below[i]: distances of row i < pivot; upto[i]: <= pivot (whole rows, not just the
         * candidates) */
        size_t n_below = 0, n_upto = 0, b = 0, u = 0;
        for (size_t i = 0; i < rows; i++) {
            b = b > i ? b : i;
            while (b + 1 < n && y[b + 1] - y[i] < pivot) {
                b++;
            }
            u = u > b ? u : b;
            while (u + 1 < n && y[u + 1] - y[i] <= pivot) {
                u++;
            }
            below[i] = b - i;
            upto[i] = u - i;
            n_below += below[i];
            n_upto += upto[i];
        }
        if (k <= n_below) { /* the answer is below the pivot */
            for (size_t i = 0; i < rows; i++) {
                hi[i] = hi[i] < i + below[i] ? hi[i] : i + below[i];
            }
        } else if (k > n_upto) { /* above it */
            left = 0;
            for (size_t i = 0; i < rows; i++) {
                lo[i] = lo[i] > i + upto[i] + 1 ? lo[i] : i + upto[i] + 1;
                left += lo[i] - i - 1;
            }
        } else {
            return pivot;
        }
    }
}

double cl_stats_qn_scale(const double *v, size_t n, size_t *out_n)
{
    double x[CL_STATS_QN_MAX], y[CL_STATS_QN_MAX];
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
    for (size_t i = 0; i < k; i++) { /* ascending (insertion: at most 64 values) */
        size_t p = i;
        while (p > 0 && y[p - 1] > x[i]) {
            y[p] = y[p - 1];
            p--;
        }
        y[p] = x[i];
    }
    size_t h = k / 2 + 1, rank = h * (h - 1) / 2;
    double q = 2.2219 * kth_distance(y, k, rank);
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
