/* rca_general.c — after the search: state each root cause at the granularity an operator names it.
 *
 * Why: the search finds the shortest description of the deviations, and precise data are described
 * shortest by precise elements. When one incident moves the leaves of a segment by different
 * factors (a CDN failing worse at some bitrates than at others), the shortest description names
 * each group of similar leaves: "cdn=7&bitrate=500", "cdn=7&bitrate=2500", ... An operator names
 * the segment: "cdn=7". The magnitudes inside the segment are detail; what makes the segment the
 * cause is that (nearly) all of it moved the same way while the rest did not.
 *
 * So, for every ancestor A of a found element (the element with some of its pairs dropped), the
 * found elements inside A that moved the same way (G) are weighed against A itself, by description
 * length with the magnitudes left out: naming A once instead of every element of G saves their
 * naming costs; what it costs is the evidence about the rest R of A (its leaves outside G). R,
 * pooled, is either normal (the null: its own noise around the drift) or moved the same way as G
 * by an amount of the same order (log-uniform between a tenth and ten times G's pooled shift).
 * A replaces G when the saving plus the log likelihood ratio of R (moved : normal) is positive.
 * A large normal rest (the S benchmark's causes sit next to thousands of normal leaves) keeps the
 * precise elements; a rest that moved too, or is too small to tell, lets A stand for them.
 *
 * A never holds an element of the other direction, nor overlaps one. It may overlap an element of
 * its own direction that it does not hold (two incidents that cross, "bitrate=500" and
 * "cdn=5&p2p=0"): the leaves that element explains are left out of A's rest, since a leaf another
 * cause explains says nothing about whether the rest of A is normal, and both are reported. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/rca_search.h"

#define GRID 96       /* quadrature points for the rest's marginal likelihood */
#define SPAN log(3.0) /* "moved like G": within a factor of three of G's shift */

typedef struct {
    double w, s1; /* Σw, Σw·x of signal leaves */
} pool_t;

static int is_subset(const cl_rca_pair_t *a, int da, const cl_rca_pair_t *b, int db)
{
    for (int i = 0; i < da; i++) {
        int hit = 0;
        for (int j = 0; j < db && !hit; j++) {
            hit = a[i].attr == b[j].attr && a[i].value == b[j].value;
        }
        if (!hit) {
            return 0;
        }
    }
    return 1;
}

/* The log likelihood of the rest R at shift T in direction SIGN, relative to T = 0. Amounts: the
 * pooled deviation x̄_R ~ N(μ + SIGN T, φ/W_R). Counts: the pooled quasi-Poisson likelihood at the
 * level f0 e^(SIGN T) (T is a log factor there). */
static double rest_loglik(const pool_t *rest, const rca_search_result_t *r, int counts, double t,
                          int sign)
{
    if (counts) {
        double f0 = r->drift + 1, f = f0 * exp(sign * t);
        return rest->s1 * sign * t - rest->w * (f - f0);
    }
    double v = r->phi / rest->w, xr = rest->s1 / rest->w - r->drift, d = xr - sign * t;
    return 0.5 * (xr * xr - d * d) / v;
}

/* log p(R | R moved like G) - log p(R | R normal), with "like G": the shift log-uniform within a
 * factor SPAN of G's pooled shift THETA_C, in G's direction. */
static double rest_evidence(const pool_t *rest, const rca_search_result_t *r, int counts,
                            double theta_c, int sign)
{
    if (!(rest->w > 0) || !(theta_c > 0)) {
        return 0; /* nothing to weigh */
    }
    double lo = log(theta_c) - SPAN, hi = log(theta_c) + SPAN, step = (hi - lo) / GRID;
    double top = -INFINITY, terms[GRID];
    for (int k = 0; k < GRID; k++) {
        terms[k] = rest_loglik(rest, r, counts, exp(lo + (k + 0.5) * step), sign);
        top = fmax(top, terms[k]);
    }
    double sum = 0;
    for (int k = 0; k < GRID; k++) {
        sum += exp(terms[k] - top);
    }
    return top + log(sum / GRID); /* the mean over the log-uniform grid */
}

static double naming_cost(const rca_search_result_t *r, int depth)
{
    return r->log_k[depth] + log((double)r->max_depth);
}

typedef struct {
    int depth;
    cl_rca_pair_t pairs[CL_RCA_MAX_DEPTH];
    double gain;
    unsigned long long members; /* bit k: found[k] is in G */
} ancestor_t;

static int sign_of(const rca_found_t *f, double mu)
{
    return f->shift >= mu ? 1 : -1;
}

typedef struct {
    rca_search_result_t *r;
    const cl_rca_cube_t *cube;
    const rca_signal_t *sig;
    uint64_t *in; /* per signal leaf: bit j set when found[j]'s segment holds it */
} gen_t;

static void mark(gen_t *g)
{
    for (size_t i = 0; i < g->sig->n; i++) {
        g->in[i] = 0;
        for (size_t j = 0; j < g->r->n_found; j++) {
            const rca_found_t *f = &g->r->found[j];
            if (rca_leaf_matches(g->cube, g->sig->leaf[i], f->pairs, f->depth)) {
                g->in[i] |= 1ull << j;
            }
        }
    }
}

/* Weigh ancestor A (pairs, depth) of found element K; fill *out and return 1 if it is a candidate
 * (holds and overlaps no element of the other direction). */
static int weigh(ancestor_t *out, const gen_t *g, size_t k, const cl_rca_pair_t *pairs, int depth)
{
    const rca_search_result_t *r = g->r;
    const rca_signal_t *sig = g->sig;
    int sign = sign_of(&r->found[k], r->drift);
    memset(out, 0, sizeof(*out));
    out->depth = depth;
    memcpy(out->pairs, pairs, sizeof(cl_rca_pair_t) * (size_t)depth);
    double saving = -naming_cost(r, depth);
    uint64_t against = 0;
    for (size_t j = 0; j < r->n_found; j++) {
        const rca_found_t *f = &r->found[j];
        if (sign_of(f, r->drift) != sign) {
            against |= 1ull << j;
        }
        if (is_subset(pairs, depth, f->pairs, f->depth)) {
            if (sign_of(f, r->drift) != sign) {
                return 0;
            }
            out->members |= 1ull << j;
            saving += naming_cost(r, f->depth);
        }
    }
    pool_t held = {0, 0}, rest = {0, 0};
    for (size_t i = 0; i < sig->n; i++) {
        if (!rca_leaf_matches(g->cube, sig->leaf[i], pairs, depth)) {
            continue;
        }
        uint64_t other = g->in[i] & ~out->members;
        if (other & against) {
            return 0; /* A overlaps an element of the other direction */
        }
        if (other) {
            continue; /* explained by another element that moved the same way: says nothing
                       * about whether A's rest is normal */
        }
        pool_t *p = g->in[i] ? &held : &rest;
        p->w += sig->w[i];
        p->s1 += sig->w[i] * sig->x[i];
    }
    double theta_c = 0;
    if (held.w > 0 && sig->counts) {
        double f = held.s1 / held.w, f0 = r->drift + 1;
        theta_c = f > 0 && f0 > 0 ? fabs(log(f / f0)) : 0;
    } else if (held.w > 0) {
        theta_c = fabs(held.s1 / held.w - r->drift);
    }
    out->gain = saving + rest_evidence(&rest, r, sig->counts, theta_c, sign);
    return 1;
}

static int same_pairs(const ancestor_t *a, const cl_rca_pair_t *pairs, int depth)
{
    return a->depth == depth && memcmp(a->pairs, pairs, sizeof(cl_rca_pair_t) * (size_t)depth) == 0;
}

/* The best ancestor of any found element; returns its gain (<= 0: none worth it). Each ancestor
 * is weighed once, however many elements it holds. */
static double best_ancestor(ancestor_t *best, const gen_t *g)
{
    ancestor_t seen[RCA_SEARCH_MAX_FOUND * 4];
    size_t n_seen = 0;
    *best = (ancestor_t){0}; /* no ancestor: depth 0, gain 0 */
    for (size_t k = 0; k < g->r->n_found; k++) {
        const rca_found_t *f = &g->r->found[k];
        /* every proper non-empty subset of the element's pairs */
        for (unsigned mask = 1; mask + 1 < (1u << f->depth); mask++) {
            cl_rca_pair_t pairs[CL_RCA_MAX_DEPTH];
            int depth = 0, dup = 0;
            for (int j = 0; j < f->depth; j++) {
                if (mask >> j & 1) {
                    pairs[depth++] = f->pairs[j];
                }
            }
            for (size_t t = 0; t < n_seen && !dup; t++) {
                dup = same_pairs(&seen[t], pairs, depth);
            }
            ancestor_t a;
            if (dup || !weigh(&a, g, k, pairs, depth)) {
                continue;
            }
            if (n_seen < sizeof(seen) / sizeof(seen[0])) {
                seen[n_seen++] = a;
            }
            if (a.gain > best->gain) {
                *best = a;
            }
        }
    }
    return best->gain;
}

static void merge(gen_t *g, const ancestor_t *a)
{
    rca_search_result_t *r = g->r;
    rca_found_t merged;
    memset(&merged, 0, sizeof(merged));
    merged.depth = a->depth;
    memcpy(merged.pairs, a->pairs, sizeof(merged.pairs));
    merged.score = a->gain;
    size_t kept = 0;
    for (size_t j = 0; j < r->n_found; j++) {
        if (a->members >> j & 1) {
            merged.score += r->found[j].score;
        } else {
            r->found[kept++] = r->found[j];
        }
    }
    double w = 0, s1 = 0;
    size_t n = 0;
    for (size_t i = 0; i < g->sig->n; i++) {
        if (rca_leaf_matches(g->cube, g->sig->leaf[i], merged.pairs, merged.depth)) {
            w += g->sig->w[i];
            s1 += g->sig->w[i] * g->sig->x[i];
            n++;
        }
    }
    merged.shift = w > 0 ? s1 / w - (g->sig->counts ? 1 : 0) : 0;
    merged.n_leaves = n;
    r->found[kept++] = merged;
    r->n_found = kept;
}

int rca_generalise(rca_search_result_t *r, const cl_rca_cube_t *cube, const rca_signal_t *sig,
                   cl_err_t *err)
{
    gen_t g = {r, cube, sig, calloc(sig->n ? sig->n : 1, sizeof(uint64_t))};
    if (!g.in) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    ancestor_t a;
    for (;;) {
        mark(&g);
        if (r->n_found == 0 || best_ancestor(&a, &g) <= 0) {
            break;
        }
        merge(&g, &a);
    }
    free(g.in);
    return 0;
}
