/* rca_search.c — the search behind cl_rca_run: which elements (combinations of attribute values)
 * best explain one signal of per-leaf deviations.
 *
 * Why a description-length search and not a threshold on a score: a root-cause set is a model of
 * the data ("these segments moved, the rest is noise around a common drift"), and the best model is
 * the one that describes the deviations in the fewest nats once naming each segment is paid for.
 * That one rule weighs explanatory power against parsimony, prefers a child over its parent when
 * the rest of the parent is normal, prefers the parent when its children would cover it anyway,
 * and needs no threshold tuned to a data set. The null is a Student-t whose degrees of freedom are
 * fitted to the data, so heavy-tailed noise in normal leaves does not pass for a root cause.
 *
 * Steps: fit the null (drift, scale, tails) on the leaves outside the current elements; greedily
 * add the element that saves the most; refine every element by trying to replace it with finer
 * elements inside it; drop elements that no longer pay for themselves; refit the null on the
 * leaves left outside and search once more. Every step visits leaves in input order and breaks ties
 * by depth, then cuboid, then key: the result is deterministic. */
#include "insights/rca_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CUBOIDS 65536
#define ROUNDS 2
#define DENSE_MAX ((uint64_t)1 << 22) /* largest key space aggregated into a dense table */
#define KEYS_MAX ((size_t)1 << 24)    /* most leaf-element links kept for all cuboids at once */

typedef struct {
    double n, w, s1, s2, c0;
} stats_t;

typedef struct {
    int depth;
    uint32_t mask;
    int attrs[CL_RCA_MAX_DEPTH];
    uint64_t stride[CL_RCA_MAX_DEPTH];
    uint64_t size;
} cuboid_t;

typedef struct {
    uint64_t key;
    double score;
    int cuboid;
    int alive;
} pick_t;

/* An element of the greedy's current step (the incremental greedy, below): its statistics over the
 * pool, its gain and its first pool leaf (the aggregation's order, which breaks ties). */
typedef struct {
    stats_t st;
    double gain;
    uint32_t first;
    int able; /* a candidate, but for its size against the pool's: w > 0, the question's
               * direction, and its shift alone pays for it */
} cand_t;

typedef struct {
    const cl_rca_cube_t *cube;
    const rca_signal_t *sig;
    int max_depth;
    size_t n_cuboids, cap_cuboids;
    cuboid_t *cuboids;
    /* The elements of every cuboid, numbered in order of their first signal leaf, and their leaves:
     * NULL when there would be too many links (keys are then computed as needed and hashed). */
    uint32_t *ids;      /* n_cuboids × n: each signal leaf's element in each cuboid */
    size_t *elem_off;   /* n_cuboids + 1: cuboid ci's elements are elem_off[ci] .. [ci + 1] - 1 */
    uint64_t *elem_key; /* per element: its key in its cuboid */
    size_t *mem_off; /* per element + 1: its leaves are members[mem_off[e] .. mem_off[e + 1] - 1] */
    uint32_t *members; /* the leaves of each element, in leaf order */
    size_t max_elems;  /* most elements in one cuboid */
    /* the incremental greedy's state (NULL without ids) */
    cand_t *cand;    /* per element */
    uint32_t *stamp; /* per element: the epoch in which it was last marked as touched by a move */
    uint32_t epoch;
    int *cb_best;  /* per cuboid: its best element (index within the cuboid), or -1 */
    size_t *moved; /* the leaves the last pick took out of the pool */
    size_t n_moved;
    uint32_t *aff; /* scratch: the elements of one cuboid the move touched */
    double log_k[CL_RCA_MAX_DEPTH + 1];
    size_t n_candidates;
    /* the null: x ~ t_nu(mu, phi / w) (nu = 0: Gaussian) */
    double mu, phi, nu; /* counts: mu is the level f0, phi 1, nu 0 */
    double *c0;
    double *fit; /* 4n scratch for the null fit: the leaves outside, packed, and the fit's own */
    double *t2;  /* per leaf, the second aggregated term: amounts w x^2, counts w x log lambda */
    /* the state */
    int *owner;
    unsigned char *active;
    pick_t picks[RCA_SEARCH_MAX_FOUND];
    size_t n_picks;
    /* aggregation scratch: a dense table for small cuboids, open addressing for the rest */
    stats_t *dense;
    size_t dense_cap;
    stats_t *hstats;
    uint64_t *hkeys; /* key + 1; 0 = empty */
    size_t hcap;     /* power of two */
    size_t *touched;
    size_t n_touched;
    int hashed;
    size_t *pool; /* the signal leaves in the pool (outside every element, active), in order */
    size_t n_pool;
    int level_fixed; /* counts: the null's level is held at 1 (the baseline), not fitted */
    int fit_all;     /* counts: the last fit of the level saw every signal leaf (none owned) */
    int plain;       /* every greedy step aggregates afresh (rca_search_plain) */
} search_t;

int rca_leaf_matches(const cl_rca_cube_t *cube, size_t leaf, const cl_rca_pair_t *pairs, int depth)
{
    const uint32_t *row = cube->codes + leaf * cube->n_attrs;
    for (int j = 0; j < depth; j++) {
        if (row[pairs[j].attr] != pairs[j].value) {
            return 0;
        }
    }
    return 1;
}

/* ---- cuboids ---------------------------------------------------------------------------- */

static int is_ancestor(const cl_rca_cube_t *cube, int anc, int a)
{
    for (int p = cube->attrs[a].parent, guard = 0; p >= 0 && guard < CL_RCA_MAX_ATTRS;
         p = cube->attrs[p].parent, guard++) {
        if (p == anc) {
            return 1;
        }
    }
    return 0;
}

static int add_cuboid(search_t *s, const int *attrs, int depth, cl_err_t *err)
{
    const cl_rca_cube_t *cube = s->cube;
    for (int i = 0; i < depth; i++) {
        for (int j = 0; j < depth; j++) {
            if (i != j && is_ancestor(cube, attrs[i], attrs[j])) {
                return 0; /* a parent and its own child: never in one element */
            }
        }
    }
    if (s->n_cuboids >= MAX_CUBOIDS) {
        return cl_err_set(err, CL_ETOOBIG,
                          "rca: more than %d attribute combinations; lower the depth", MAX_CUBOIDS);
    }
    if (s->n_cuboids == s->cap_cuboids) {
        size_t cap = s->cap_cuboids ? 2 * s->cap_cuboids : 64;
        cuboid_t *grown = realloc(s->cuboids, cap * sizeof(*grown));
        if (!grown) {
            return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
        }
        s->cuboids = grown;
        s->cap_cuboids = cap;
    }
    cuboid_t *c = &s->cuboids[s->n_cuboids];
    memset(c, 0, sizeof(*c));
    c->depth = depth;
    c->size = 1;
    for (int j = 0; j < depth; j++) {
        uint64_t nv = cube->attrs[attrs[j]].n_values ? cube->attrs[attrs[j]].n_values : 1;
        c->attrs[j] = attrs[j];
        c->mask |= 1u << attrs[j];
        c->stride[j] = c->size;
        if (c->size > UINT64_MAX / nv) {
            return cl_err_set(err, CL_ETOOBIG, "rca: too many values in one attribute combination");
        }
        c->size *= nv;
    }
    s->n_cuboids++;
    return 0;
}

/* Every subset of up to max_depth attributes, by depth, then in lexicographic order. */
static int make_cuboids(search_t *s, cl_err_t *err)
{
    int n = (int)s->cube->n_attrs;
    for (int d = 1; d <= s->max_depth; d++) {
        int idx[CL_RCA_MAX_DEPTH];
        for (int j = 0; j < d; j++) {
            idx[j] = j;
        }
        for (;;) {
            int rc = add_cuboid(s, idx, d, err);
            if (rc != 0) {
                return rc;
            }
            int j = d - 1;
            while (j >= 0 && idx[j] == n - d + j) {
                j--;
            }
            if (j < 0) {
                break;
            }
            idx[j]++;
            for (int k = j + 1; k < d; k++) {
                idx[k] = idx[k - 1] + 1;
            }
        }
    }
    return 0;
}

static uint64_t leaf_key(const search_t *s, const cuboid_t *c, size_t i)
{
    const uint32_t *row = s->cube->codes + s->sig->leaf[i] * s->cube->n_attrs;
    uint64_t key = 0;
    for (int j = 0; j < c->depth; j++) {
        key += (uint64_t)row[c->attrs[j]] * c->stride[j];
    }
    return key;
}

/* ---- aggregation ------------------------------------------------------------------------ */

static stats_t *slot_for(search_t *s, uint64_t key)
{
    if (!s->hashed) {
        stats_t *st = &s->dense[key];
        if (st->n == 0) {
            s->touched[s->n_touched++] = (size_t)key;
        }
        return st;
    }
    size_t mask = s->hcap - 1;
    size_t h = (size_t)((key + 1) * 0x9E3779B97F4A7C15ull >> 17) & mask;
    while (s->hkeys[h] != 0 && s->hkeys[h] != key + 1) {
        h = (h + 1) & mask;
    }
    if (s->hkeys[h] == 0) {
        s->hkeys[h] = key + 1;
        s->touched[s->n_touched++] = h;
    }
    return &s->hstats[h];
}

static uint64_t touched_key(const search_t *s, size_t ci, size_t t)
{
    size_t slot = s->touched[t];
    if (s->ids) {
        return s->elem_key[s->elem_off[ci] + slot];
    }
    return s->hashed ? s->hkeys[slot] - 1 : (uint64_t)slot;
}

static stats_t *touched_stats(search_t *s, size_t t)
{
    size_t slot = s->touched[t];
    return s->hashed ? &s->hstats[slot] : &s->dense[slot];
}

static void clear_table(search_t *s)
{
    for (size_t t = 0; t < s->n_touched; t++) {
        size_t slot = s->touched[t];
        if (s->hashed) {
            s->hkeys[slot] = 0;
            memset(&s->hstats[slot], 0, sizeof(stats_t));
        } else {
            memset(&s->dense[slot], 0, sizeof(stats_t));
        }
    }
    s->n_touched = 0;
}

static int in_pool(const search_t *s, size_t i)
{
    return s->owner[i] < 0 && s->active[i];
}

/* The key of signal leaf I in cuboid CI. */
static uint64_t key_of(const search_t *s, size_t ci, size_t i)
{
    if (s->ids) {
        return s->elem_key[s->elem_off[ci] + s->ids[ci * s->sig->n + i]];
    }
    return leaf_key(s, &s->cuboids[ci], i);
}

/* List the pool's leaves (outside every element, active), in leaf order: aggregations visit only
 * them, in the order a pass over every leaf would. */
static void collect_pool(search_t *s)
{
    s->n_pool = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (in_pool(s, i)) {
            s->pool[s->n_pool++] = i;
        }
    }
}

/* Add signal leaf I to ST: the one place an element's statistics are summed, so that every way of
 * summing them (a whole aggregation, one element again) gives the same bits in the same order. */
static inline void add_leaf(stats_t *st, const search_t *s, size_t i)
{
    double w = s->sig->w[i], x = s->sig->x[i];
    st->n += 1;
    st->w += w;
    st->s1 += w * x;
    st->s2 += s->t2[i];
    st->c0 += s->c0[i];
}

/* Aggregate the pool's leaves (collect_pool) into the elements of cuboid CI: with element ids into
 * the dense table by id (the touched list holds ids), else by key. */
static void aggregate(search_t *s, size_t ci)
{
    if (s->ids) {
        const uint32_t *id = s->ids + ci * s->sig->n;
        s->hashed = 0;
        for (size_t k = 0; k < s->n_pool; k++) {
            size_t i = s->pool[k];
            stats_t *st = &s->dense[id[i]];
            if (st->n == 0) {
                s->touched[s->n_touched++] = id[i];
            }
            add_leaf(st, s, i);
        }
        return;
    }
    s->hashed = s->cuboids[ci].size > s->dense_cap;
    for (size_t k = 0; k < s->n_pool; k++) {
        size_t i = s->pool[k];
        add_leaf(slot_for(s, key_of(s, ci, i)), s, i);
    }
}

/* ---- the model -------------------------------------------------------------------------- */

/* Counts: the null's level over the leaves outside every element (rca_count_level), then price
 * each leaf. */
static void fit_null_counts(search_t *s)
{
    const rca_signal_t *g = s->sig;
    double *y = s->fit, *w = s->fit + g->n;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (s->owner[i] < 0) {
            y[n] = g->x[i] * g->w[i];
            w[n++] = g->w[i];
        }
    }
    double f = s->level_fixed ? 1.0 : rca_count_level(y, w, n);
    s->fit_all = n == g->n;
    s->mu = f;
    s->phi = 1;
    s->nu = 0;
    for (size_t i = 0; i < g->n; i++) {
        s->c0[i] = rca_count_cost(f, g->x[i], g->w[i], g->lambda[i]);
    }
}

/* Fit the null on the leaves outside every element, then price each leaf. The centre (drift) is
 * the Cauchy fit from MU0 (the baseline at first): it settles on the local mode nearest the
 * baseline, so a tight anomalous majority cannot pose as the norm. Scale and tail weight are then
 * fitted by maximum likelihood over a grid of degrees of freedom. */
static void fit_null(search_t *s, double mu0)
{
    const rca_signal_t *g = s->sig;
    if (g->counts) {
        fit_null_counts(s);
        return;
    }
    double *x = s->fit, *w = s->fit + g->n;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (s->owner[i] < 0) {
            x[n] = g->x[i];
            w[n++] = g->w[i];
        }
    }
    rca_tnull_t t;
    rca_tnull_fit(&t, x, w, n, mu0, s->fit + 2 * g->n);
    s->mu = t.mu;
    s->phi = t.phi;
    s->nu = t.nu;
    rca_tnull_price(s->c0, &t, g->x, g->w, g->n);
}

/* The cost of describing an element's leaves (Gaussian around its own shift, at least as wide as
 * the null), plus its parsimony cost; *shift_ok says whether its mean shift alone pays for it. */
static double element_cost(const search_t *s, const stats_t *st, int depth, int *shift_ok)
{
    if (s->sig->counts) {
        /* one level for the element: f = Σy/d / Σlambda/d; its gain over the null is the
         * likelihood ratio S1 log(f / f0) - W (f - f0), all of it owed to the shift */
        double f = st->s1 / st->w,
               pen = s->log_k[depth] + log((double)s->max_depth) + 0.5 * log1p(st->n);
        double lr = (st->s1 > 0 ? st->s1 * log(f / s->mu) : 0) - st->w * (f - s->mu);
        *shift_ok = lr > pen;
        return (st->s1 > 0 ? st->w * f - st->s1 * log(f) : 0) - st->s2 + pen;
    }
    double delta = st->s1 / st->w;
    double q = fmax(st->s2 - st->s1 * delta, 0);
    double phi_e = q / st->n;
    int inflated = phi_e > s->phi;
    double phi = inflated ? phi_e : s->phi;
    double pen =
        s->log_k[depth] + log((double)s->max_depth) + 0.5 * log1p(st->n) * (inflated ? 2 : 1);
    double t2 = (delta - s->mu) * (delta - s->mu) * st->w / phi;
    *shift_ok = 0.5 * t2 > pen;
    return 0.5 * st->n * log(2 * M_PI * phi) + q / (2 * phi) + pen;
}

/* ---- search ----------------------------------------------------------------------------- */

/* The best element to add from the pool, among cuboids strictly finer than MUST (0: all).
 * Returns its gain (<= 0: none worth adding). */
static double best_candidate(search_t *s, uint32_t must, pick_t *best)
{
    collect_pool(s);
    double pool = (double)s->n_pool;
    double best_gain = 0;
    best->cuboid = -1;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        const cuboid_t *c = &s->cuboids[ci];
        if ((c->mask & must) != must || c->mask == must) {
            continue;
        }
        aggregate(s, ci);
        for (size_t t = 0; t < s->n_touched; t++) {
            stats_t *st = touched_stats(s, t);
            if (st->n >= pool || st->w <= 0) {
                continue; /* the whole pool is the drift, not an element */
            }
            if (s->sig->direction * (st->s1 / st->w - s->mu) < 0) {
                continue; /* moved the way the question does not ask about */
            }
            int ok;
            double gain = st->c0 - element_cost(s, st, c->depth, &ok);
            if (ok && gain > best_gain) {
                best_gain = gain;
                best->cuboid = (int)ci;
                best->key = touched_key(s, ci, t);
            }
        }
        clear_table(s);
    }
    return best_gain;
}

static void assign(search_t *s, size_t pick)
{
    size_t ci = (size_t)s->picks[pick].cuboid;
    s->n_moved = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (in_pool(s, i) && key_of(s, ci, i) == s->picks[pick].key) {
            s->owner[i] = (int)pick;
            if (s->moved) {
                s->moved[s->n_moved++] = i;
            }
        }
    }
}

/* ---- the incremental greedy ------------------------------------------------------------- */

/* Why: a greedy step aggregates every leaf of the pool into every element of every cuboid, and
 * the step after it does so again with the picked element's leaves gone; an element none of whose
 * leaves went has the same leaves, summed in the same order, so the same statistics and gain, bit
 * for bit. So the top-level greedy aggregates everything once, keeps each element's statistics
 * and gain, and after each pick sums again only the elements that lost a leaf (over their own
 * leaves, in leaf order: the order of a whole aggregation). The pick is the one a whole
 * aggregation would make: the largest gain, ties to the earlier cuboid, then to the element whose
 * first pool leaf comes first (the whole aggregation's order). */

/* Gain and candidacy of element C of a cuboid of DEPTH, as best_candidate judges them. */
static void cand_eval(const search_t *s, cand_t *c, int depth)
{
    const stats_t *st = &c->st;
    c->able = 0;
    c->gain = 0;
    if (st->n == 0 || st->w <= 0 || s->sig->direction * (st->s1 / st->w - s->mu) < 0) {
        return;
    }
    int ok;
    c->gain = st->c0 - element_cost(s, st, depth, &ok);
    c->able = ok;
}

/* Sum element E (a global element index) again over its leaves in the pool. */
static void cand_sum(search_t *s, size_t e, int depth)
{
    cand_t *c = &s->cand[e];
    stats_t st = {0}; /* a local sum, kept in registers: the same additions in the same order */
    uint32_t first = UINT32_MAX;
    for (size_t m = s->mem_off[e]; m < s->mem_off[e + 1]; m++) {
        size_t i = s->members[m];
        if (in_pool(s, i)) {
            if (first == UINT32_MAX) {
                first = (uint32_t)i;
            }
            add_leaf(&st, s, i);
        }
    }
    c->st = st;
    c->first = first;
    cand_eval(s, c, depth);
}

/* 1 if element C beats the best so far (gain BEST, element B, or none: B < 0), by the greedy's
 * rule: a larger gain, or as large and first in the aggregation's order; never the whole pool. */
static int cand_beats(const cand_t *c, double pool, double best, const cand_t *b)
{
    if (!c->able || c->st.n >= pool) {
        return 0;
    }
    return c->gain > best || (b && c->gain == best && c->first < b->first);
}

/* The best element of cuboid CI among all of its elements (index within the cuboid, or -1). */
static int cuboid_best(const search_t *s, size_t ci, double pool)
{
    size_t e0 = s->elem_off[ci], n = s->elem_off[ci + 1] - e0;
    int best = -1;
    for (size_t k = 0; k < n; k++) {
        const cand_t *b = best >= 0 ? &s->cand[e0 + (size_t)best] : NULL;
        if (cand_beats(&s->cand[e0 + k], pool, b ? b->gain : 0, b)) {
            best = (int)k;
        }
    }
    return best;
}

/* Step FIRST of the top-level greedy (every cuboid; the pool is what collect_pool lists): aggregate
 * every cuboid. Later steps: sum again the elements that lost a leaf to the last pick (s->moved).
 * Returns the best gain and *BEST as best_candidate(s, 0, best) would. */
static double best_candidate_inc(search_t *s, int first, pick_t *best)
{
    double pool;
    if (first) {
        collect_pool(s);
    } else {
        s->n_pool -= s->n_moved; /* the pool list itself is stale: only its size is used */
    }
    pool = (double)s->n_pool;
    size_t n = s->sig->n;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        int depth = s->cuboids[ci].depth;
        size_t e0 = s->elem_off[ci];
        if (first) {
            size_t ne = s->elem_off[ci + 1] - e0;
            for (size_t k = 0; k < ne; k++) {
                memset(&s->cand[e0 + k], 0, sizeof(cand_t));
            }
            aggregate(s, ci);
            for (size_t t = 0; t < s->n_touched; t++) {
                cand_t *c = &s->cand[e0 + s->touched[t]];
                c->st = *touched_stats(s, t);
                c->first = UINT32_MAX;
                for (size_t m = s->mem_off[e0 + s->touched[t]]; c->first == UINT32_MAX; m++) {
                    if (in_pool(s, s->members[m])) {
                        c->first = s->members[m];
                    }
                }
                cand_eval(s, c, depth);
            }
            clear_table(s);
            s->cb_best[ci] = cuboid_best(s, ci, pool);
            continue;
        }
        const uint32_t *id = s->ids + ci * n;
        size_t n_aff = 0;
        if (++s->epoch == 0) { /* wrapped: forget every mark */
            memset(s->stamp, 0, s->elem_off[s->n_cuboids] * sizeof(uint32_t));
            s->epoch = 1;
        }
        for (size_t r = 0; r < s->n_moved; r++) {
            size_t e = e0 + id[s->moved[r]];
            if (s->stamp[e] != s->epoch) {
                s->stamp[e] = s->epoch;
                s->aff[n_aff++] = id[s->moved[r]];
            }
        }
        for (size_t k = 0; k < n_aff; k++) {
            cand_sum(s, e0 + s->aff[k], depth);
        }
        int cb = s->cb_best[ci];
        if (cb >= 0 &&
            (s->stamp[e0 + (size_t)cb] == s->epoch || s->cand[e0 + (size_t)cb].st.n >= pool)) {
            s->cb_best[ci] = cuboid_best(s, ci, pool); /* the best lost a leaf: look at them all */
            continue;
        }
        /* the best kept its leaves (or there was none): only an element that lost one can beat it
         * (the others, and their sizes against a smaller pool, are as they were) */
        for (size_t k = 0; k < n_aff; k++) {
            const cand_t *b = cb >= 0 ? &s->cand[e0 + (size_t)cb] : NULL;
            if (cand_beats(&s->cand[e0 + s->aff[k]], pool, b ? b->gain : 0, b)) {
                cb = (int)s->aff[k];
            }
        }
        s->cb_best[ci] = cb;
    }
    double best_gain = 0;
    best->cuboid = -1;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        int cb = s->cb_best[ci];
        if (cb >= 0 && s->cand[s->elem_off[ci] + (size_t)cb].gain > best_gain) {
            best_gain = s->cand[s->elem_off[ci] + (size_t)cb].gain;
            best->cuboid = (int)ci;
            best->key = s->elem_key[s->elem_off[ci] + (size_t)cb];
        }
    }
    return best_gain;
}

static void greedy(search_t *s, uint32_t must, size_t limit)
{
    /* the top-level greedy steps incrementally; a refinement's (inside one element: a small pool,
     * few cuboids) aggregates afresh */
    int inc = must == 0 && s->cand && !s->plain;
    for (int step = 0; s->n_picks < limit; step++) {
        pick_t p;
        double gain = inc ? best_candidate_inc(s, step == 0, &p) : best_candidate(s, must, &p);
        if (gain <= 0 || p.cuboid < 0) {
            return;
        }
        p.alive = 1;
        p.score = 0;
        s->picks[s->n_picks] = p;
        assign(s, s->n_picks);
        s->n_picks++;
    }
}

static void owned_stats(const search_t *s, size_t pick, stats_t *st)
{
    stats_t sum = {0}; /* a local sum, kept in registers */
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] == (int)pick) {
            add_leaf(&sum, s, i);
        }
    }
    *st = sum;
}

static double total_cost(const search_t *s)
{
    double cost = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] < 0) {
            cost += s->c0[i];
        }
    }
    for (size_t k = 0; k < s->n_picks; k++) {
        if (!s->picks[k].alive) {
            continue;
        }
        stats_t st;
        owned_stats(s, k, &st);
        if (st.n > 0) {
            int ok;
            cost += element_cost(s, &st, s->cuboids[s->picks[k].cuboid].depth, &ok);
        }
    }
    return cost;
}

static void release(search_t *s, size_t pick)
{
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] == (int)pick) {
            s->owner[i] = -1;
        }
    }
    s->picks[pick].alive = 0;
}

/* Try to replace element K by finer elements inside it; keep the change if it describes the data
 * in fewer nats. The finer elements are refined in turn when the caller reaches them. */
static void refine(search_t *s, size_t k)
{
    size_t limit = RCA_SEARCH_MAX_FOUND;
    if (s->n_picks >= limit) {
        return;
    }
    double before = total_cost(s);
    for (size_t i = 0; i < s->sig->n; i++) {
        s->active[i] = s->owner[i] == (int)k;
    }
    release(s, k);
    size_t first = s->n_picks;
    greedy(s, s->cuboids[s->picks[k].cuboid].mask, limit);
    double after = total_cost(s);
    if (!(after < before - 1e-9) || s->n_picks == first) {
        for (size_t j = first; j < s->n_picks; j++) {
            release(s, j);
        }
        s->n_picks = first;
        s->picks[k].alive = 1;
        for (size_t i = 0; i < s->sig->n; i++) {
            if (s->active[i] && s->owner[i] < 0) {
                s->owner[i] = (int)k;
            }
        }
    }
    memset(s->active, 1, s->sig->n);
}

/* Drop elements that no longer pay for themselves; score the rest by what dropping would cost. */
static void prune(search_t *s)
{
    for (int changed = 1; changed;) {
        changed = 0;
        size_t worst = 0;
        double worst_score = INFINITY;
        for (size_t k = 0; k < s->n_picks; k++) {
            if (!s->picks[k].alive) {
                continue;
            }
            stats_t st;
            owned_stats(s, k, &st);
            int ok = 0;
            double score =
                st.n > 0 ? st.c0 - element_cost(s, &st, s->cuboids[s->picks[k].cuboid].depth, &ok)
                         : -1;
            s->picks[k].score = ok ? score : -1;
            if (s->picks[k].score < worst_score) {
                worst_score = s->picks[k].score;
                worst = k;
            }
        }
        if (worst_score <= 0) {
            release(s, worst);
            changed = 1;
        }
    }
}

/* 1 if element A's pairs are a strict subset of B's (A is an ancestor segment of B). */
static int contains(const search_t *s, const pick_t *a, const pick_t *b)
{
    const cuboid_t *ca = &s->cuboids[a->cuboid], *cb = &s->cuboids[b->cuboid];
    if ((ca->mask & cb->mask) != ca->mask || ca->mask == cb->mask) {
        return 0;
    }
    for (int j = 0; j < ca->depth; j++) {
        int found = 0;
        for (int k = 0; k < cb->depth && !found; k++) {
            if (cb->attrs[k] == ca->attrs[j]) {
                uint32_t va =
                    (uint32_t)(a->key / ca->stride[j] % s->cube->attrs[ca->attrs[j]].n_values);
                uint32_t vb =
                    (uint32_t)(b->key / cb->stride[k] % s->cube->attrs[cb->attrs[k]].n_values);
                if (va != vb) {
                    return 0;
                }
                found = 1;
            }
        }
    }
    return 1;
}

/* A segment inside another found segment that moved the same way is part of that root cause, not
 * a second one: give its leaves to the enclosing element. */
static void roll_up(search_t *s)
{
    for (size_t a = 0; a < s->n_picks; a++) {
        for (size_t b = 0; b < s->n_picks && s->picks[a].alive; b++) {
            if (a == b || !s->picks[b].alive || !contains(s, &s->picks[a], &s->picks[b])) {
                continue;
            }
            stats_t sa, sb;
            owned_stats(s, a, &sa);
            owned_stats(s, b, &sb);
            if (sa.w > 0 && sb.w > 0 && (sa.s1 / sa.w - s->mu) * (sb.s1 / sb.w - s->mu) > 0) {
                for (size_t i = 0; i < s->sig->n; i++) {
                    if (s->owner[i] == (int)b) {
                        s->owner[i] = (int)a;
                    }
                }
                s->picks[b].alive = 0;
            }
        }
    }
}

static void run_round(search_t *s, size_t limit)
{
    s->n_picks = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        s->owner[i] = -1;
    }
    memset(s->active, 1, s->sig->n);
    greedy(s, 0, limit);
    for (size_t k = 0; k < s->n_picks; k++) {
        if (s->picks[k].alive) {
            refine(s, k);
        }
    }
    prune(s);
    roll_up(s);
    prune(s);
}

/* 1 if no signal leaf is owned by an element. */
static int none_owned(const search_t *s)
{
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] >= 0) {
            return 0;
        }
    }
    return 1;
}

/* Fit the null, search, refit the null on the leaves left outside, search again (once: a null
 * held at the baseline's level does not change with the leaves left outside). */
static void search_rounds(search_t *s, size_t limit)
{
    fit_null(s, s->sig->counts ? 1.0 : 0.0); /* start from "nothing changed" */
    int rounds = s->level_fixed ? 1 : ROUNDS;
    for (int round = 0; round < rounds; round++) {
        run_round(s, limit);
        if (round + 1 < rounds && s->sig->counts && s->fit_all && none_owned(s)) {
            /* the level is fitted from scratch on the leaves outside (rca_count_level starts at
             * 1 whatever it is given), and they are the leaves of the last fit: the refit and the
             * next round would repeat this one bit for bit. (Amounts refit from the last centre,
             * which can move it in the last bits: they always search again.) */
            break;
        }
        if (round + 1 < rounds) {
            fit_null(s, s->mu); /* refit on the leaves left outside, then search again */
            for (size_t i = 0; i < s->sig->n; i++) {
                s->owner[i] = -1;
            }
        }
    }
}

/* Counts: the common level is part of the model, so it is chosen like the elements, by
 * description length. The fitted level (a mixture's normal part) costs a parameter, ½ log n; the
 * baseline's level (1: "the leaves outside every element did not move") costs nothing. When an
 * incident holds most of the events, the fitted level can settle between the broken segment and
 * the rest, and each leaf, weighed alone against overdispersed noise, is too weak to say which is
 * which; the segment as a whole is not. So the search is run again with the level held at 1, and
 * that description is kept when it is shorter by the report bar (the data make it at least 20
 * times more likely): a near tie, as when one segment holds nearly all of a slice whose traffic
 * grew 5 % ("the segment rose" or "everything rose"), keeps the fitted level, the common move.
 * A genuine common move (everything else down 20 %) stays with the fitted level: at level 1 it
 * would take an element per segment to describe. */
static int try_baseline_level(search_t *s, size_t limit, cl_err_t *err)
{
    size_t n = s->sig->n;
    double fitted = total_cost(s) + 0.5 * log((double)n);
    pick_t picks[RCA_SEARCH_MAX_FOUND];
    size_t n_picks = s->n_picks;
    double mu = s->mu;
    memcpy(picks, s->picks, sizeof(picks));
    int *owner = malloc(n * sizeof(int));
    double *c0 = malloc(n * sizeof(double));
    if (!owner || !c0) {
        free(owner);
        free(c0);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    memcpy(owner, s->owner, n * sizeof(int));
    memcpy(c0, s->c0, n * sizeof(double));
    s->level_fixed = 1;
    search_rounds(s, limit);
    if (!(total_cost(s) < fitted - RCA_EVIDENCE_BAR)) { /* not clearly shorter: as before */
        memcpy(s->picks, picks, sizeof(picks));
        s->n_picks = n_picks;
        s->mu = mu;
        memcpy(s->owner, owner, n * sizeof(int));
        memcpy(s->c0, c0, n * sizeof(double));
    }
    free(owner);
    free(c0);
    return 0;
}

/* Count the distinct elements at each depth: the size of the code that names one. */
static void count_candidates(search_t *s)
{
    double per_depth[CL_RCA_MAX_DEPTH + 1] = {0};
    collect_pool(s);
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        size_t n_elems;
        if (s->ids) { /* numbered over every signal leaf, which is the pool now */
            n_elems = s->elem_off[ci + 1] - s->elem_off[ci];
        } else {
            aggregate(s, ci);
            n_elems = s->n_touched;
            clear_table(s);
        }
        per_depth[s->cuboids[ci].depth] += (double)n_elems;
        s->n_candidates += n_elems;
    }
    for (int d = 0; d <= CL_RCA_MAX_DEPTH; d++) {
        s->log_k[d] = log(fmax(per_depth[d], 1));
    }
}

static void free_ids(search_t *s)
{
    free(s->ids);
    free(s->elem_off);
    free(s->elem_key);
    free(s->mem_off);
    free(s->members);
    free(s->cand);
    free(s->stamp);
    free(s->cb_best);
    free(s->moved);
    free(s->aff);
    s->ids = NULL;
    s->elem_off = s->mem_off = NULL;
    s->elem_key = NULL;
    s->members = s->stamp = s->aff = NULL;
    s->cand = NULL;
    s->cb_best = NULL;
    s->moved = NULL;
}

/* Number the elements of cuboid CI (from element E0 on) in order of their first signal leaf, the
 * table's count holding an element's number + 1 meanwhile, and list each element's leaves in leaf
 * order (a counting sort). Returns the number of elements. */
static size_t number_cuboid(search_t *s, size_t ci, size_t e0)
{
    size_t n = s->sig->n, n_elems = 0;
    uint32_t *id = s->ids + ci * n;
    s->hashed = s->cuboids[ci].size > s->dense_cap;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = leaf_key(s, &s->cuboids[ci], i);
        stats_t *st = slot_for(s, key);
        if (st->n == 0) {
            s->elem_key[e0 + n_elems] = key;
            st->n = (double)++n_elems;
        }
        id[i] = (uint32_t)st->n - 1;
    }
    clear_table(s);
    size_t *off = s->mem_off + e0; /* off[k] = where element k's leaves start */
    for (size_t k = 0; k <= n_elems; k++) {
        off[k] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        off[id[i] + 1]++;
    }
    off[0] = ci * n;
    for (size_t k = 0; k < n_elems; k++) {
        off[k + 1] += off[k];
    }
    for (size_t i = 0; i < n; i++) {
        s->members[off[id[i]]++] = (uint32_t)i;
    }
    for (size_t k = n_elems; k > 0; k--) { /* back to the starts */
        off[k] = off[k - 1];
    }
    off[0] = ci * n;
    return n_elems;
}

/* Every signal leaf's element in every cuboid and every element's leaves, computed once for all
 * the aggregations of the search, with the incremental greedy's state. Skipped (keys are then
 * computed as needed and hashed, and every greedy step aggregates afresh) when there would be too
 * many links or memory is short: the result is the same either way. */
static void make_ids(search_t *s)
{
    size_t n = s->sig->n, links = s->n_cuboids * n;
    if (n == 0 || s->n_cuboids == 0 || s->n_cuboids > KEYS_MAX / n || n > UINT32_MAX) {
        return;
    }
    s->ids = malloc(links * sizeof(uint32_t));
    s->members = malloc(links * sizeof(uint32_t));
    s->elem_off = malloc((s->n_cuboids + 1) * sizeof(size_t));
    s->elem_key = malloc(links * sizeof(uint64_t));
    s->mem_off = malloc((links + 1) * sizeof(size_t));
    s->cb_best = malloc(s->n_cuboids * sizeof(int));
    s->moved = malloc(n * sizeof(size_t));
    s->aff = malloc(n * sizeof(uint32_t));
    if (!s->ids || !s->members || !s->elem_off || !s->elem_key || !s->mem_off || !s->cb_best ||
        !s->moved || !s->aff) {
        free_ids(s);
        return;
    }
    size_t e = 0;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        s->elem_off[ci] = e;
        size_t k = number_cuboid(s, ci, e);
        s->max_elems = k > s->max_elems ? k : s->max_elems;
        e += k;
    }
    s->elem_off[s->n_cuboids] = e;
    s->mem_off[e] = links;
    s->cand = malloc((e ? e : 1) * sizeof(cand_t));
    s->stamp = calloc(e ? e : 1, sizeof(uint32_t));
    if (s->max_elems > s->dense_cap) { /* aggregations by element number: one slot each */
        stats_t *dense = calloc(s->max_elems, sizeof(stats_t));
        if (dense) {
            free(s->dense);
            s->dense = dense;
            s->dense_cap = s->max_elems;
        }
    }
    if (!s->cand || !s->stamp || s->max_elems > s->dense_cap) {
        free_ids(s);
    }
}

static int alloc_search(search_t *s, cl_err_t *err)
{
    size_t n = s->sig->n;
    /* cuboids up to this many keys aggregate into a dense table, sized for the largest of them */
    uint64_t dense_max = n * 2 > 65536 ? n * 2 : 65536;
    dense_max = dense_max > DENSE_MAX ? DENSE_MAX : dense_max;
    s->dense_cap = 1;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        uint64_t size = s->cuboids[ci].size;
        if (size <= dense_max && size > s->dense_cap) {
            s->dense_cap = (size_t)size;
        }
    }
    s->hcap = 16;
    while (s->hcap < n * 2) {
        s->hcap <<= 1;
    }
    size_t k = n ? n : 1;
    s->c0 = calloc(k, sizeof(double));
    s->t2 = calloc(k, sizeof(double));
    s->fit = calloc(4 * k, sizeof(double));
    s->owner = calloc(k, sizeof(int));
    s->active = calloc(k, 1);
    s->pool = calloc(k, sizeof(size_t));
    s->dense = calloc(s->dense_cap, sizeof(stats_t));
    s->hstats = calloc(s->hcap, sizeof(stats_t));
    s->hkeys = calloc(s->hcap, sizeof(uint64_t));
    s->touched = calloc(k, sizeof(size_t)); /* one new element per pool leaf at most */
    if (!s->c0 || !s->t2 || !s->fit || !s->owner || !s->active || !s->pool || !s->dense ||
        !s->hstats || !s->hkeys || !s->touched) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    make_ids(s);
    return 0;
}

static void free_search(search_t *s)
{
    free(s->cuboids);
    free_ids(s);
    free(s->c0);
    free(s->t2);
    free(s->fit);
    free(s->owner);
    free(s->active);
    free(s->pool);
    free(s->dense);
    free(s->hstats);
    free(s->hkeys);
    free(s->touched);
}

static int cmp_found(const void *a, const void *b)
{
    const rca_found_t *x = a, *y = b;
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->depth != y->depth) {
        return x->depth < y->depth ? -1 : 1;
    }
    return memcmp(x->pairs, y->pairs, sizeof(x->pairs));
}

static void collect(search_t *s, rca_search_result_t *out)
{
    for (size_t k = 0; k < s->n_picks && out->n_found < RCA_SEARCH_MAX_FOUND; k++) {
        if (!s->picks[k].alive || s->picks[k].score <= RCA_EVIDENCE_BAR) {
            continue;
        }
        const cuboid_t *c = &s->cuboids[s->picks[k].cuboid];
        rca_found_t *f = &out->found[out->n_found++];
        memset(f, 0, sizeof(*f));
        f->depth = c->depth;
        for (int j = 0; j < c->depth; j++) {
            uint32_t nv = s->cube->attrs[c->attrs[j]].n_values;
            f->pairs[j].attr = c->attrs[j];
            f->pairs[j].value = (uint32_t)((s->picks[k].key / c->stride[j]) % (nv ? nv : 1));
        }
        stats_t st;
        owned_stats(s, k, &st);
        f->score = s->picks[k].score;
        f->shift = st.w > 0 ? st.s1 / st.w : 0;
        f->n_leaves = (size_t)st.n;
    }
}

static void sort_and_cut(rca_search_result_t *out, int max_elements)
{
    qsort(out->found, out->n_found, sizeof(out->found[0]), cmp_found);
    if (out->n_found > (size_t)max_elements) {
        out->n_found = (size_t)max_elements;
    }
}

static int search(rca_search_result_t *out, const cl_rca_cube_t *cube, const rca_signal_t *sig,
                  int max_depth, int max_elements, int plain, cl_err_t *err)
{
    memset(out, 0, sizeof(*out));
    search_t s;
    memset(&s, 0, sizeof(s));
    s.plain = plain;
    s.cube = cube;
    s.sig = sig;
    s.max_depth = max_depth;
    int rc = make_cuboids(&s, err);
    if (rc == 0) {
        rc = alloc_search(&s, err);
    }
    if (rc != 0 || sig->n == 0) {
        free_search(&s);
        return rc;
    }
    for (size_t i = 0; i < sig->n; i++) {
        s.owner[i] = -1;
    }
    memset(s.active, 1, sig->n);
    for (size_t i = 0; i < sig->n; i++) {
        double w = sig->w[i], x = sig->x[i];
        s.t2[i] = sig->counts ? (x > 0 ? w * x * log(sig->lambda[i]) : 0) : w * x * x;
    }
    count_candidates(&s);
    size_t limit = (size_t)max_elements * 3 < RCA_SEARCH_MAX_FOUND ? (size_t)max_elements * 3
                                                                   : RCA_SEARCH_MAX_FOUND;
    search_rounds(&s, limit);
    if (sig->counts && sig->level_choice) {
        rc = try_baseline_level(&s, limit, err);
        if (rc != 0) {
            free_search(&s);
            return rc;
        }
    }
    collect(&s, out);
    out->drift = s.mu;
    out->phi = s.phi;
    out->nu = s.nu;
    out->n_candidates = s.n_candidates;
    out->max_depth = max_depth;
    memcpy(out->log_k, s.log_k, sizeof(out->log_k));
    if (sig->counts) { /* levels to relative deviations */
        out->drift -= 1;
        for (size_t k = 0; k < out->n_found; k++) {
            out->found[k].shift -= 1;
        }
    }
    rc = rca_generalise(out, cube, sig, err);
    sort_and_cut(out, max_elements);
    free_search(&s);
    return rc;
}

int rca_search(rca_search_result_t *out, const cl_rca_cube_t *cube, const rca_signal_t *sig,
               int max_depth, int max_elements, cl_err_t *err)
{
    return search(out, cube, sig, max_depth, max_elements, 0, err);
}

int rca_search_plain(rca_search_result_t *out, const cl_rca_cube_t *cube, const rca_signal_t *sig,
                     int max_depth, int max_elements, cl_err_t *err)
{
    return search(out, cube, sig, max_depth, max_elements, 1, err);
}
