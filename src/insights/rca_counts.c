/* rca_counts.c — the count family of the root-cause search: what a leaf of counts (viewers,
 * stalls, orders, sessions) costs at a given level, the common level of a count signal, and its
 * noise.
 *
 * Why a family of its own: a transformed count (square root, relative deviation) cannot stand in
 * for the count when most leaves expect less than one event, as in the RS cubes: its null
 * distribution is then lumpy, skewed and off-centre, a location-scale fit settles on the value of
 * the zero counts, and a median spread is zero. So counts are weighed as counts: a leaf with count
 * y against its expectation lambda, at level f, has mean f lambda and the variance of a negative
 * binomial, f lambda (1 + b f lambda); its cost is the corresponding quasi-likelihood. The level
 * of the leaves that did not move is fitted as the normal part of a mixture; b on the leaves large
 * enough to show it. Pure, reentrant. */
#include <math.h>
#include <stdlib.h>

#include "insights/rca_search.h"
#include "insights/stats.h"

double rca_count_cost(double f, double x, double w, double lambda)
{
    return x > 0 ? w * (f - x * log(f * lambda)) : w * f;
}

#define LEVEL_GRID 12
#define LEVEL_SPAN log(30.0) /* the broad alternative: a level up to 30 times off, either way */
#define LEVEL_ITERS 30
#define EXP_ZERO (-746.0) /* exp(x) is exactly 0 for x below about -745.13 */

/* The common level as the normal component of a two-part mixture fitted by EM from level 1: a
 * leaf is either at the common level f0 (quasi-Poisson around f0 lambda) or off it by any factor
 * between 1/30 and 30 (log-uniform). Large leaves dominate the normal part, as their precision
 * says they should; a leaf that expected 0.04 events and saw one, or a segment that rose tenfold,
 * goes to the broad part and does not move f0; and starting at "nothing changed", an anomaly
 * that holds most of the volume (RS case 14: 55 % of the viewers) cannot pose as the norm. */
double rca_count_level(const double *y, const double *w, size_t n)
{
    double f = 1, pi = 0.05, step = 2 * LEVEL_SPAN / (LEVEL_GRID - 1);
    double lgs[LEVEL_GRID], growth[LEVEL_GRID];
    for (int k = 0; k < LEVEL_GRID; k++) {
        lgs[k] = -LEVEL_SPAN + k * step;
        growth[k] = exp(lgs[k]) - 1;
    }
    for (int it = 0; it < LEVEL_ITERS; it++) {
        double num = 0, den = 0, sp = 0, cnt = 0;
        for (size_t i = 0; i < n; i++) {
            /* the quasi-likelihood ratio of level f e^lg to level f, averaged over the grid */
            double m = f * w[i], r = 0; /* y/d and f lambda/d */
            for (int k = 0; k < LEVEL_GRID; k++) {
                double a = y[i] * lgs[k] - m * growth[k];
                if (a > EXP_ZERO) { /* below, exp() is exactly 0 and adds nothing */
                    r += exp(fmin(a, 700));
                }
            }
            r /= LEVEL_GRID;
            double post = pi * r / (pi * r + 1 - pi); /* P(off the common level) */
            num += (1 - post) * y[i];
            den += (1 - post) * w[i];
            sp += post;
            cnt += 1;
        }
        double next = den > 0 && num > 0 ? num / den : f;
        pi = cnt > 0 ? fmin(fmax(sp / cnt, 1e-3), 0.5) : pi;
        int done = fabs(next - f) < 1e-7 * f;
        f = next;
        if (done) {
            break;
        }
    }
    return f;
}

#define COUNT_MIN_MEAN 5.0    /* leaves expecting fewer events cannot show overdispersion */
#define COUNT_MIN_LEAVES 30   /* fewer large leaves than this cannot tell it either */
#define MEDIAN_CHI2_1 0.45494 /* the median of a chi-square with one degree of freedom */

/* The median over the large leaves of their squared Pearson residual at level F, dispersion B. */
static double median_z2(const double *x, const double *lambda, const double *v, size_t n, double f,
                        double b, double *tmp)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double mu = lambda[i] * f;
        if (mu >= COUNT_MIN_MEAN) {
            double d = x[i] * lambda[i] - mu;
            tmp[k++] = d * d / (mu * (1 + (b + (v ? v[i] : 0)) * mu));
        }
    }
    if (k == 0) {
        return 0;
    }
    if (k % 2) {
        return cl_stats_select(tmp, k, k / 2);
    }
    double lo = cl_stats_select(tmp, k, k / 2 - 1);
    return 0.5 * (lo + cl_stats_select(tmp, k, k / 2));
}

int rca_count_calibrate(double *w, const double *x, const double *lambda, const double *v, size_t n,
                        cl_err_t *err)
{
    if (n == 0) {
        return 0;
    }
    double *tmp = calloc(n, sizeof(double));
    if (!tmp) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = lambda[i] / (1 + (v ? v[i] : 0) * lambda[i]); /* no overdispersion, for the level */
        tmp[i] = x[i] * w[i];
    }
    double f = rca_count_level(tmp, w, n), b = 0;
    size_t large = 0;
    for (size_t i = 0; i < n; i++) {
        large += lambda[i] * f >= COUNT_MIN_MEAN;
    }
    if (large >= COUNT_MIN_LEAVES && median_z2(x, lambda, v, n, f, 0, tmp) > MEDIAN_CHI2_1) {
        double lo = 0, hi = 1;
        while (hi < 1e6 && median_z2(x, lambda, v, n, f, hi, tmp) > MEDIAN_CHI2_1) {
            hi *= 4;
        }
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            *(median_z2(x, lambda, v, n, f, mid, tmp) > MEDIAN_CHI2_1 ? &lo : &hi) = mid;
        }
        b = 0.5 * (lo + hi);
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = lambda[i] / (1 + (b + (v ? v[i] : 0)) * lambda[i] * f);
    }
    free(tmp);
    return 0;
}
