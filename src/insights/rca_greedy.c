/* rca_greedy.c — the greedy step of the root-cause search (docs/rca.md §4), fresh and incremental.
 */
#include "insights/rca_greedy.h"

#include <string.h>

#include "insights/rca_model.h"
#include "insights/rca_tables.h"

/* The best element to add from the pool, among cuboids strictly finer than MUST (0: all).
 * Returns its gain (<= 0: none worth adding). */
static double best_candidate(rca_state_t *s, uint32_t must, rca_pick_t *best)
{
    rca_pool_collect(s);
    double pool = (double)s->n_pool;
    double best_gain = 0;
    best->cuboid = -1;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        const rca_cuboid_t *c = &s->cuboids[ci];
        if ((c->mask & must) != must || c->mask == must) {
            continue;
        }
        rca_aggregate(s, ci);
        for (size_t t = 0; t < s->n_touched; t++) {
            rca_stats_t *st = rca_table_touched_stats(s, t);
            if (st->n >= pool || st->w <= 0) {
                continue; /* the whole pool is the drift, not an element */
            }
            if (s->sig->direction * (st->s1 / st->w - s->mu) < 0) {
                continue; /* moved the way the question does not ask about */
            }
            int ok;
            double gain = st->c0 - rca_model_element_cost(s, st, c->depth, &ok);
            if (ok && gain > best_gain) {
                best_gain = gain;
                best->cuboid = (int)ci;
                best->key = rca_table_touched_key(s, ci, t);
            }
        }
        rca_table_clear(s);
    }
    return best_gain;
}

static void assign(rca_state_t *s, size_t pick)
{
    size_t ci = (size_t)s->picks[pick].cuboid;
    s->n_moved = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (rca_in_pool(s, i) && rca_key_of(s, ci, i) == s->picks[pick].key) {
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
static void cand_eval(const rca_state_t *s, rca_cand_t *c, int depth)
{
    const rca_stats_t *st = &c->st;
    c->able = 0;
    c->gain = 0;
    if (st->n == 0 || st->w <= 0 || s->sig->direction * (st->s1 / st->w - s->mu) < 0) {
        return;
    }
    int ok;
    c->gain = st->c0 - rca_model_element_cost(s, st, depth, &ok);
    c->able = ok;
}

/* Sum element E (a global element index) again over its leaves in the pool. */
static void cand_sum(rca_state_t *s, size_t e, int depth)
{
    rca_cand_t *c = &s->cand[e];
    rca_stats_t st = {0}; /* a local sum, kept in registers: the same additions in the same order */
    uint32_t first = UINT32_MAX;
    for (size_t m = s->mem_off[e]; m < s->mem_off[e + 1]; m++) {
        size_t i = s->members[m];
        if (rca_in_pool(s, i)) {
            if (first == UINT32_MAX) {
                first = (uint32_t)i;
            }
            rca_add_leaf(&st, s, i);
        }
    }
    c->st = st;
    c->first = first;
    cand_eval(s, c, depth);
}

/* 1 if element C beats the best so far (gain BEST, element B, or none: B < 0), by the greedy's
 * rule: a larger gain, or as large and first in the aggregation's order; never the whole pool. */
static int cand_beats(const rca_cand_t *c, double pool, double best, const rca_cand_t *b)
{
    if (!c->able || c->st.n >= pool) {
        return 0;
    }
    return c->gain > best || (b && c->gain == best && c->first < b->first);
}

/* The best element of cuboid CI among all of its elements (index within the cuboid, or -1). */
static int cuboid_best(const rca_state_t *s, size_t ci, double pool)
{
    size_t e0 = s->elem_off[ci], n = s->elem_off[ci + 1] - e0;
    int best = -1;
    for (size_t k = 0; k < n; k++) {
        const rca_cand_t *b = best >= 0 ? &s->cand[e0 + (size_t)best] : NULL;
        if (cand_beats(&s->cand[e0 + k], pool, b ? b->gain : 0, b)) {
            best = (int)k;
        }
    }
    return best;
}

/* Step FIRST of the top-level rca_greedy (every cuboid; the pool is what collect_pool lists):
 * aggregate every cuboid. Later steps: sum again the elements that lost a leaf to the last pick
 * (s->moved). Returns the best gain and *BEST as best_candidate(s, 0, best) would. */
static double best_candidate_inc(rca_state_t *s, int first, rca_pick_t *best)
{
    double pool;
    if (first) {
        rca_pool_collect(s);
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
                memset(&s->cand[e0 + k], 0, sizeof(rca_cand_t));
            }
            rca_aggregate(s, ci);
            for (size_t t = 0; t < s->n_touched; t++) {
                rca_cand_t *c = &s->cand[e0 + s->touched[t]];
                c->st = *rca_table_touched_stats(s, t);
                c->first = UINT32_MAX;
                for (size_t m = s->mem_off[e0 + s->touched[t]]; c->first == UINT32_MAX; m++) {
                    if (rca_in_pool(s, s->members[m])) {
                        c->first = s->members[m];
                    }
                }
                cand_eval(s, c, depth);
            }
            rca_table_clear(s);
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
            const rca_cand_t *b = cb >= 0 ? &s->cand[e0 + (size_t)cb] : NULL;
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

void rca_greedy(rca_state_t *s, uint32_t must, size_t limit)
{
    /* the top-level greedy steps incrementally; a refinement's (inside one element: a small pool,
     * few cuboids) aggregates afresh */
    int inc = must == 0 && s->cand && !s->plain;
    for (int step = 0; s->n_picks < limit; step++) {
        rca_pick_t p;
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
