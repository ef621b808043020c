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
 * by depth, then cuboid, then key: the result is deterministic.
 *
 * Modules: rca_cuboids (the lattice of attribute combinations, keys), rca_tables (aggregation and
 * the numbering of elements), rca_model (the null and description lengths), rca_greedy (the
 * greedy, incremental); this file: refinement, pruning, roll-up, rounds, the count level's
 * choice and the result. */
#include "insights/rca_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights/rca_cuboids.h"
#include "insights/rca_greedy.h"
#include "insights/rca_model.h"
#include "insights/rca_state.h"
#include "insights/rca_tables.h"

#define ROUNDS 2

static void release(rca_state_t *s, size_t pick)
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
static void refine(rca_state_t *s, size_t k)
{
    size_t limit = RCA_SEARCH_MAX_FOUND;
    if (s->n_picks >= limit) {
        return;
    }
    double before = rca_model_total_cost(s);
    for (size_t i = 0; i < s->sig->n; i++) {
        s->active[i] = s->owner[i] == (int)k;
    }
    release(s, k);
    size_t first = s->n_picks;
    rca_greedy(s, s->cuboids[s->picks[k].cuboid].mask, limit);
    double after = rca_model_total_cost(s);
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
static void prune(rca_state_t *s)
{
    for (int changed = 1; changed;) {
        changed = 0;
        size_t worst = 0;
        double worst_score = INFINITY;
        for (size_t k = 0; k < s->n_picks; k++) {
            if (!s->picks[k].alive) {
                continue;
            }
            rca_stats_t st;
            rca_model_owned_stats(s, k, &st);
            int ok = 0;
            double score = st.n > 0 ? st.c0 - rca_model_element_cost(
                                                  s, &st, s->cuboids[s->picks[k].cuboid].depth, &ok)
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

/* A segment inside another found segment that moved the same way is part of that root cause, not
 * a second one: give its leaves to the enclosing element. */
static void roll_up(rca_state_t *s)
{
    for (size_t a = 0; a < s->n_picks; a++) {
        for (size_t b = 0; b < s->n_picks && s->picks[a].alive; b++) {
            if (a == b || !s->picks[b].alive || !rca_pick_contains(s, &s->picks[a], &s->picks[b])) {
                continue;
            }
            rca_stats_t sa, sb;
            rca_model_owned_stats(s, a, &sa);
            rca_model_owned_stats(s, b, &sb);
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

static void run_round(rca_state_t *s, size_t limit)
{
    s->n_picks = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        s->owner[i] = -1;
    }
    memset(s->active, 1, s->sig->n);
    rca_greedy(s, 0, limit);
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
static int none_owned(const rca_state_t *s)
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
static void search_rounds(rca_state_t *s, size_t limit)
{
    rca_model_fit_null(s, s->sig->counts ? 1.0 : 0.0); /* start from "nothing changed" */
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
            rca_model_fit_null(s, s->mu); /* refit on the leaves left outside, then search again */
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
static int try_baseline_level(rca_state_t *s, size_t limit, cl_err_t *err)
{
    size_t n = s->sig->n;
    double fitted = rca_model_total_cost(s) + 0.5 * log((double)n);
    rca_pick_t picks[RCA_SEARCH_MAX_FOUND];
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
    if (!(rca_model_total_cost(s) <
          fitted - RCA_EVIDENCE_BAR)) { /* not clearly shorter: as before */
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

static void collect(rca_state_t *s, rca_search_result_t *out)
{
    for (size_t k = 0; k < s->n_picks && out->n_found < RCA_SEARCH_MAX_FOUND; k++) {
        if (!s->picks[k].alive || s->picks[k].score <= RCA_EVIDENCE_BAR) {
            continue;
        }
        const rca_cuboid_t *c = &s->cuboids[s->picks[k].cuboid];
        rca_found_t *f = &out->found[out->n_found++];
        memset(f, 0, sizeof(*f));
        f->depth = c->depth;
        for (int j = 0; j < c->depth; j++) {
            uint32_t nv = s->cube->attrs[c->attrs[j]].n_values;
            f->pairs[j].attr = c->attrs[j];
            f->pairs[j].value = (uint32_t)((s->picks[k].key / c->stride[j]) % (nv ? nv : 1));
        }
        rca_stats_t st;
        rca_model_owned_stats(s, k, &st);
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

/* OUT from the state S as it stands: the found elements above the report bar, the null, stated
 * at an operator's granularity, ranked and cut to MAX_ELEMENTS. */
static int finish(rca_search_result_t *out, rca_state_t *s, const cl_rca_cube_t *cube,
                  const rca_signal_t *sig, int max_depth, int max_elements, cl_err_t *err)
{
    collect(s, out);
    out->drift = s->mu;
    out->phi = s->phi;
    out->nu = s->nu;
    out->n_candidates = s->n_candidates;
    out->max_depth = max_depth;
    memcpy(out->log_k, s->log_k, sizeof(out->log_k));
    if (sig->counts) { /* levels to relative deviations */
        out->drift -= 1;
        for (size_t k = 0; k < out->n_found; k++) {
            out->found[k].shift -= 1;
        }
    }
    int rc = rca_generalise(out, cube, sig, err); /* reads no level_choice */
    sort_and_cut(out, max_elements);
    return rc;
}

static int search(rca_search_result_t *out, rca_search_result_t *fitted, const cl_rca_cube_t *cube,
                  const rca_signal_t *sig, int max_depth, int max_elements, int plain,
                  cl_err_t *err)
{
    memset(out, 0, sizeof(*out));
    if (fitted) {
        memset(fitted, 0, sizeof(*fitted));
    }
    rca_state_t s;
    memset(&s, 0, sizeof(s));
    s.plain = plain;
    s.cube = cube;
    s.sig = sig;
    s.max_depth = max_depth;
    int rc = rca_cuboids_make(&s, err);
    if (rc == 0) {
        rc = rca_tables_alloc(&s, err);
    }
    if (rc != 0 || sig->n == 0) {
        rca_tables_free(&s);
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
    rca_count_candidates(&s);
    size_t limit = (size_t)max_elements * 3 < RCA_SEARCH_MAX_FOUND ? (size_t)max_elements * 3
                                                                   : RCA_SEARCH_MAX_FOUND;
    search_rounds(&s, limit);
    int choice = sig->counts && sig->level_choice;
    if (fitted && choice) { /* what the search without the level's choice ends with */
        rc = finish(fitted, &s, cube, sig, max_depth, max_elements, err);
    }
    if (rc == 0 && choice) {
        rc = try_baseline_level(&s, limit, err);
    }
    if (rc == 0) {
        rc = finish(out, &s, cube, sig, max_depth, max_elements, err);
    }
    if (rc == 0 && fitted && !choice) {
        *fitted = *out;
    }
    rca_tables_free(&s);
    return rc;
}

int rca_search(rca_search_result_t *out, const cl_rca_cube_t *cube, const rca_signal_t *sig,
               int max_depth, int max_elements, cl_err_t *err)
{
    return search(out, NULL, cube, sig, max_depth, max_elements, 0, err);
}

int rca_search_twin(rca_search_result_t *out, rca_search_result_t *fitted,
                    const cl_rca_cube_t *cube, const rca_signal_t *sig, int max_depth,
                    int max_elements, cl_err_t *err)
{
    return search(out, fitted, cube, sig, max_depth, max_elements, 0, err);
}

int rca_search_plain(rca_search_result_t *out, const cl_rca_cube_t *cube, const rca_signal_t *sig,
                     int max_depth, int max_elements, cl_err_t *err)
{
    return search(out, NULL, cube, sig, max_depth, max_elements, 1, err);
}
