/* demo_rng.h — deterministic randomness for the demo data generator.
 *
 * Owns: a counter-based hash (splitmix64 finaliser over a seed and up to four keys) and a small
 * sequential stream seeded from it, plus the distributions the generator draws from. Every random
 * value of the demo data is a function of (seed, what it is for, where it is), never of a global
 * state or of the order in which threads run, so the same seed gives byte-identical data on any
 * number of threads. Integer arithmetic only, except where a distribution needs exp/log/sqrt/cos
 * (glibc's are deterministic for the same input). Thread safety: pure functions; a
 * cl_demo_rng_t belongs to one thread. */
#ifndef CL_ETL_DEMO_RNG_H
#define CL_ETL_DEMO_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Mix one 64-bit value (the splitmix64 finaliser): a bijection with good avalanche. */
uint64_t cl_demo_mix64(uint64_t x);

/* A hash of SEED and four keys; different key tuples give independent-looking values. */
uint64_t cl_demo_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* A uniform double in [0, 1) from the top 53 bits of H. */
double cl_demo_unit(uint64_t h);

/* A standard normal value from a hash (Box–Muller over two derived uniforms). */
double cl_demo_normal_of(uint64_t h);

/* A multiplicative noise factor with mean 1: exp(sigma * z - sigma^2 / 2) with z = normal_of(H). */
double cl_demo_noise_of(uint64_t h, double sigma);

/* A sequential stream: a splitmix64 generator. Initialise it from a hash of where it is used. */
typedef struct {
    uint64_t state;
} cl_demo_rng_t;

void cl_demo_rng_init(cl_demo_rng_t *r, uint64_t seed);
uint64_t cl_demo_rng_next(cl_demo_rng_t *r);
/* Uniform in [0, 1). */
double cl_demo_rng_unit(cl_demo_rng_t *r);
/* Uniform integer in [0, n) (n > 0), by multiply-shift (bias below 2^-32 for n < 2^32). */
uint32_t cl_demo_rng_below(cl_demo_rng_t *r, uint32_t n);
/* Standard normal (Box–Muller, one value per call). */
double cl_demo_rng_normal(cl_demo_rng_t *r);
/* Poisson(lambda), lambda >= 0: inversion below 12, else the normal approximation with continuity
 * correction, clamped at 0. */
int64_t cl_demo_rng_poisson(cl_demo_rng_t *r, double lambda);
/* Binomial(n, p), 0 <= p <= 1: inversion when n*p < 12 (or n small), else the normal
 * approximation, clamped to [0, n]. */
int64_t cl_demo_rng_binomial(cl_demo_rng_t *r, int64_t n, double p);
/* Round X to an integer at random, up with probability frac(X): the expectation is X. */
int64_t cl_demo_rng_round(cl_demo_rng_t *r, double x);
/* An index in [0, n) drawn with probability weight[i] / sum (weights >= 0, sum > 0). Linear scan:
 * for the short tables (< 16 entries) it is used with. */
size_t cl_demo_rng_pick(cl_demo_rng_t *r, const double *weight, size_t n);

#endif
