/* demo_rng.c — counter-based hashing and the few distributions the demo generator needs. Written
 * here rather than taken from libc because its rand family is neither seedable per use nor
 * reproducible across platforms, and the demo data must be byte-identical for a seed. */
#include "etl/demo_rng.h"

#include <math.h>

#include "core/mix64.h"

uint64_t cl_demo_mix64(uint64_t x)
{
    return cl_mix64(x);
}

uint64_t cl_demo_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    const uint64_t golden = 0x9e3779b97f4a7c15ULL;
    uint64_t h = cl_demo_mix64(seed + golden);
    h = cl_demo_mix64(h ^ (a + golden));
    h = cl_demo_mix64(h ^ (b + 2 * golden));
    h = cl_demo_mix64(h ^ (c + 3 * golden));
    return cl_demo_mix64(h ^ (d + 4 * golden));
}

double cl_demo_unit(uint64_t h)
{
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static double box_muller(double u1, double u2)
{
    /* u1 in (0, 1]: log never sees 0 */
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

double cl_demo_normal_of(uint64_t h)
{
    return box_muller(cl_demo_unit(h), cl_demo_unit(cl_demo_mix64(h ^ 0x5851f42d4c957f2dULL)));
}

double cl_demo_noise_of(uint64_t h, double sigma)
{
    return exp(sigma * cl_demo_normal_of(h) - 0.5 * sigma * sigma);
}

void cl_demo_rng_init(cl_demo_rng_t *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t cl_demo_rng_next(cl_demo_rng_t *r)
{
    r->state += 0x9e3779b97f4a7c15ULL;
    return cl_demo_mix64(r->state);
}

double cl_demo_rng_unit(cl_demo_rng_t *r)
{
    return cl_demo_unit(cl_demo_rng_next(r));
}

uint32_t cl_demo_rng_below(cl_demo_rng_t *r, uint32_t n)
{
    return (uint32_t)(((cl_demo_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double cl_demo_rng_normal(cl_demo_rng_t *r)
{
    double u1 = cl_demo_rng_unit(r);
    return box_muller(u1, cl_demo_rng_unit(r));
}

int64_t cl_demo_rng_poisson(cl_demo_rng_t *r, double lambda)
{
    if (!(lambda > 0.0)) {
        return 0;
    }
    if (lambda < 12.0) {
        double u = cl_demo_rng_unit(r);
        if (u < 1.0 - lambda) {
            return 0; /* exp(-lambda) >= 1 - lambda: no need to compute it */
        }
        double p = exp(-lambda), cdf = p;
        int64_t k = 0;
        while (u >= cdf && k < 200) {
            k++;
            p *= lambda / (double)k;
            cdf += p;
        }
        return k;
    }
    double x = floor(lambda + sqrt(lambda) * cl_demo_rng_normal(r) + 0.5);
    return x < 0.0 ? 0 : (int64_t)x;
}

int64_t cl_demo_rng_binomial(cl_demo_rng_t *r, int64_t n, double p)
{
    if (n <= 0 || !(p > 0.0)) {
        return 0;
    }
    if (p >= 1.0) {
        return n;
    }
    double mean = (double)n * p;
    if (mean < 12.0 || (double)n * (1.0 - p) < 12.0) {
        if (p > 0.5) {
            return n - cl_demo_rng_binomial(r, n, 1.0 - p);
        }
        /* inversion with the recurrence P(k+1) = P(k) (n-k)/(k+1) p/(1-p) */
        double u = cl_demo_rng_unit(r);
        double q = 1.0 - p, ratio = p / q;
        double pk = exp((double)n * log(q)), cdf = pk;
        int64_t k = 0;
        while (u >= cdf && k < n) {
            pk *= (double)(n - k) / (double)(k + 1) * ratio;
            k++;
            cdf += pk;
            if (pk < 1e-300 && cdf < u && (double)k > mean) {
                break; /* lost in rounding: the remaining tail is negligible */
            }
        }
        return k;
    }
    double x = floor(mean + sqrt(mean * (1.0 - p)) * cl_demo_rng_normal(r) + 0.5);
    if (x < 0.0) {
        return 0;
    }
    return x > (double)n ? n : (int64_t)x;
}

int64_t cl_demo_rng_round(cl_demo_rng_t *r, double x)
{
    double f = floor(x);
    return (int64_t)f + (cl_demo_rng_unit(r) < x - f ? 1 : 0);
}

size_t cl_demo_rng_pick(cl_demo_rng_t *r, const double *weight, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += weight[i];
    }
    double u = cl_demo_rng_unit(r) * sum;
    for (size_t i = 0; i + 1 < n; i++) {
        if (u < weight[i]) {
            return i;
        }
        u -= weight[i];
    }
    return n - 1;
}
