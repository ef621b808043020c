/* rca_null.c — the null of the amount family of the root-cause search: the deviations of leaves
 * outside every element follow a Student-t around a common drift, whose centre, scale and degrees
 * of freedom are fitted to the data (docs/rca.md, "The model").
 *
 * Why a module of its own: the fit is the search's inner loop for amounts (it runs before every
 * round, ten EM fits each), so it is written for speed — the leaves it fits are packed into
 * contiguous arrays, each EM step's weights are computed once, and what does not depend on the
 * leaf is computed once per fit — while every floating-point operation stays the one the
 * definition prescribes, in the same order: each EM step is the plain two-pass step's, bit for
 * bit. The scale's steps are extrapolated towards their fixed point (fit_fixed), which the plain
 * steps reach only slowly. Pure, reentrant. */
#include <math.h>
#include <string.h>

#include "insights/rca_search.h"

#define PHI_FLOOR 0.1 /* the calibrated noise model may be off by a factor, not by orders */
#define NULL_ITERS 40

/* The part of a leaf's cost under t_nu(mu, phi / w) that does not depend on the leaf. */
static double cost_constant(double nu, double phi)
{
    if (nu <= 0) {
        return 0.5 * log(2 * M_PI * phi);
    }
    return lgamma(nu / 2) - lgamma((nu + 1) / 2) + 0.5 * log(nu * M_PI * phi);
}

/* A leaf's cost given the constant K of its fit. */
static double leaf_cost(double k, double nu, double mu, double phi, double x, double w)
{
    double z2 = w * (x - mu) * (x - mu) / phi;
    if (nu <= 0) {
        return k + 0.5 * z2;
    }
    return k + 0.5 * (nu + 1) * log1p(z2 / nu);
}

static int converged(double mu_new, double mu, double phi_new, double phi)
{
    return fabs(mu_new - mu) < 1e-12 && fabs(phi_new - phi) < 1e-12 * phi;
}

/* Two lanes of doubles (GCC and clang vector extensions; SSE2 on x86-64): each
 * lane's division is the IEEE division of its own operands, so the weights below are the scalar
 * code's, bit for bit, two at a time (the divisions are the fit's cost). */
typedef double v2d __attribute__((vector_size(16)));

static v2d load2(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* One EM step's sums at a fixed centre over the N leaves, in leaf order: *SW = sum of u and
 * *Q = sum of u d d, u being the leaf's t weight times its own, (nu + 1) / (nu + WD2 / phi) W
 * (nu > 0), or W (Gaussian). Why one pass: the weights' divisions (two at a time) and the two
 * sums' additions (a chain each, leaf after leaf) then overlap, where a pass of divisions and a
 * pass of additions took the sum of both; every operation and each sum's order are the two
 * passes', so the bits are too. */
static void fixed_sums(double *sw_out, double *q_out, double nu, double phi, const double *w,
                       const double *d, const double *wd2, size_t n)
{
    double sw = 0, q = 0;
    size_t i = 0;
    if (nu > 0) {
        const v2d nu1 = {nu + 1, nu + 1}, nuv = {nu, nu}, phiv = {phi, phi};
        for (; i + 2 <= n; i += 2) {
            v2d dd = load2(d + i);
            v2d u = nu1 / (nuv + load2(wd2 + i) / phiv) * load2(w + i);
            v2d t = u * dd * dd;
            sw += u[0];
            q += t[0];
            sw += u[1];
            q += t[1];
        }
        for (; i < n; i++) {
            double u = (nu + 1) / (nu + wd2[i] / phi) * w[i];
            sw += u;
            q += u * d[i] * d[i];
        }
    } else {
        for (; i < n; i++) {
            double u = 1.0 * w[i];
            sw += u;
            q += u * d[i] * d[i];
        }
    }
    *sw_out = sw;
    *q_out = q;
}

/* U[i] = (nu + 1) / (nu + W[i] (X[i] - MU)^2 / phi) for the N leaves (nu > 0): the EM weights
 * of a step of the free fit. */
static void c_weights(double *u, double nu, double mu, double phi, const double *x, const double *w,
                      size_t n)
{
    const v2d nu1 = {nu + 1, nu + 1}, nuv = {nu, nu}, muv = {mu, mu}, phiv = {phi, phi};
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        v2d d = load2(x + i) - muv;
        v2d r = nu1 / (nuv + load2(w + i) * d * d / phiv);
        memcpy(u + i, &r, sizeof r);
    }
    for (; i < n; i++) {
        double d = x[i] - mu;
        u[i] = (nu + 1) / (nu + w[i] * d * d / phi);
    }
}

/* The centre and scale of the t null with NU degrees of freedom over the N leaves (X, W), by EM
 * from MU0 and phi 1. U is scratch (N doubles): the EM weights of the step. Returns the total
 * cost. */
static double fit_free(double nu, double mu0, const double *x, const double *w, size_t n, double *u,
                       double *mu_out, double *phi_out)
{
    double mu = mu0, phi = 1.0;
    for (int it = 0; it < NULL_ITERS && n > 0; it++) {
        double sw = 0, swx = 0, cnt = 0;
        if (nu > 0) {
            c_weights(u, nu, mu, phi, x, w, n);
        }
        for (size_t i = 0; i < n; i++) {
            if (nu <= 0) {
                u[i] = 1.0;
            }
            sw += u[i] * w[i];
            swx += u[i] * w[i] * x[i];
            cnt += 1;
        }
        if (sw <= 0) {
            break;
        }
        double mu_new = swx / sw, q = 0;
        for (size_t i = 0; i < n; i++) {
            double d = x[i] - mu_new;
            q += u[i] * w[i] * d * d;
        }
        double phi_new = fmax(q / cnt, PHI_FLOOR);
        int done = converged(mu_new, mu, phi_new, phi);
        mu = mu_new;
        phi = phi_new;
        if (done) {
            break;
        }
    }
    double cost = 0, k = cost_constant(nu, phi);
    for (size_t i = 0; i < n; i++) {
        cost += leaf_cost(k, nu, mu, phi, x[i], w[i]);
    }
    *mu_out = mu;
    *phi_out = phi;
    return cost;
}

/* One EM step of the scale at a fixed centre (see fit_fixed): the scale after *PHI, which it
 * replaces. Returns 1 when that step converged (or cannot go on: no weight), else 0. */
static int fixed_step(double *phi, double nu, const double *w, const double *d, const double *wd2,
                      size_t n)
{
    double sw, q, cnt = (double)n; /* n ones added one by one: exact below 2^53 */
    fixed_sums(&sw, &q, nu, *phi, w, d, wd2, n);
    if (sw <= 0) {
        return 1;
    }
    double phi_new = fmax(q / cnt, PHI_FLOOR);
    int done = converged(0, 0, phi_new, *phi);
    *phi = phi_new;
    return done;
}

/* The same at a fixed centre MU, whose deviations D and squared weighted deviations WD2 = w d d
 * the caller computed once for the whole grid. Returns the total cost; *phi_out the scale. The
 * sums run over the leaves in order, as the plain EM's do.
 *
 * The scale's EM converges linearly, and slowly for small nu (each step moves phi by a fixed
 * share of its distance to the fixed point): a WBR's fits took 23 steps on average to a
 * tolerance of 1e-12, and a fifth stopped at the cap of 40 short of it. So the fixed point is
 * reached by SQUAREM, as the count level's (rca_counts.c): two steps, a jump along the path
 * their first and second differences trace (in one dimension, Aitken's extrapolation of a
 * geometric approach), one plain step from there. The scale is a plain step's result that moved
 * by less than the tolerance (or the last of NULL_ITERS steps); the likelihood in phi at a fixed
 * centre and nu has one maximum, so the jumps change how fast it is reached, not where. */
static double fit_fixed(double nu, double mu, const double *x, const double *w, const double *d,
                        const double *wd2, size_t n, double *phi_out)
{
    double phi = 1.0;
    for (int steps = 0; steps < NULL_ITERS && n > 0;) {
        double p0 = phi, p1 = phi, p2;
        steps++;
        if (fixed_step(&p1, nu, w, d, wd2, n)) {
            phi = p1;
            break;
        }
        p2 = p1;
        steps++;
        if (fixed_step(&p2, nu, w, d, wd2, n) || steps >= NULL_ITERS) {
            phi = p2;
            break;
        }
        double r = p1 - p0, v = p2 - 2 * p1 + p0;
        double a = v != 0 ? fmin(-fabs(r) / fabs(v), -1) : -1;
        double jump = p0 - 2 * a * r + a * a * v;
        phi = jump > 0 ? fmax(jump, PHI_FLOOR) : p2;
        steps++;
        if (fixed_step(&phi, nu, w, d, wd2, n)) {
            break;
        }
    }
    double cost = 0, k = cost_constant(nu, phi);
    for (size_t i = 0; i < n; i++) {
        cost += leaf_cost(k, nu, mu, phi, x[i], w[i]);
    }
    *phi_out = phi;
    return cost;
}

void rca_tnull_fit(rca_tnull_t *out, const double *x, const double *w, size_t n, double mu0,
                   double *scratch)
{
    static const double grid[] = {1, 2, 3, 5, 8, 13, 21, 34, 0};
    double *d = scratch, *wd2 = scratch + n, centre, phi1;
    (void)fit_free(1, mu0, x, w, n, scratch, &centre, &phi1);
    for (size_t i = 0; i < n; i++) {
        d[i] = x[i] - centre;
        wd2[i] = w[i] * d[i] * d[i];
    }
    double best = INFINITY;
    for (size_t k = 0; k < sizeof(grid) / sizeof(grid[0]); k++) {
        double phi;
        double cost = fit_fixed(grid[k], centre, x, w, d, wd2, n, &phi);
        if (cost < best) {
            best = cost;
            *out = (rca_tnull_t){centre, phi, grid[k]};
        }
    }
    if (!isfinite(best)) {
        *out = (rca_tnull_t){mu0, 1, 0};
    }
}

void rca_tnull_price(double *cost, const rca_tnull_t *t, const double *x, const double *w, size_t n)
{
    double k = cost_constant(t->nu, t->phi);
    for (size_t i = 0; i < n; i++) {
        cost[i] = leaf_cost(k, t->nu, t->mu, t->phi, x[i], w[i]);
    }
}
