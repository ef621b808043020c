/* rca_state.h — internal to the root-cause search (rca_search.c and its modules rca_cuboids.c,
 * rca_tables.c, rca_model.c, rca_greedy.c): the state of one search over one signal and the one
 * way an element's statistics are summed. Each module's header says which part of the state it
 * owns; nothing outside those files includes this.
 * Thread safety: a state belongs to one search on one thread. */
#ifndef CL_INSIGHTS_RCA_STATE_H
#define CL_INSIGHTS_RCA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "insights/rca_search.h"

/* An element's sums over its leaves: count, weight, Σ w x, the second term (t2) and the null's cost
 */
typedef struct {
    double n, w, s1, s2, c0;
} rca_stats_t;

typedef struct {
    int depth;
    uint32_t mask;
    int attrs[CL_RCA_MAX_DEPTH];
    uint64_t stride[CL_RCA_MAX_DEPTH];
    uint64_t size;
} rca_cuboid_t;

typedef struct {
    uint64_t key;
    double score;
    int cuboid;
    int alive;
} rca_pick_t;

/* An element of the greedy's current step (the incremental greedy, below): its statistics over the
 * pool, its gain and its first pool leaf (the aggregation's order, which breaks ties). */
typedef struct {
    rca_stats_t st;
    double gain;
    uint32_t first;
    int able; /* a candidate, but for its size against the pool's: w > 0, the question's
               * direction, and its shift alone pays for it */
} rca_cand_t;

typedef struct {
    const cl_rca_cube_t *cube;
    const rca_signal_t *sig;
    int max_depth;
    size_t n_cuboids, cap_cuboids;
    rca_cuboid_t *cuboids;
    /* The elements of every cuboid, numbered in order of their first signal leaf, and their leaves:
     * NULL when there would be too many links (keys are then computed as needed and hashed). */
    uint32_t *ids;      /* n_cuboids × n: each signal leaf's element in each cuboid */
    size_t *elem_off;   /* n_cuboids + 1: cuboid ci's elements are elem_off[ci] .. [ci + 1] - 1 */
    uint64_t *elem_key; /* per element: its key in its cuboid */
    size_t *mem_off; /* per element + 1: its leaves are members[mem_off[e] .. mem_off[e + 1] - 1] */
    uint32_t *members; /* the leaves of each element, in leaf order */
    size_t max_elems;  /* most elements in one cuboid */
    int borrowed;      /* ids, elem_off, elem_key, mem_off, members are the signal's shared
                        * numbering's (its leaves are the numbered ones): read-only, not freed */
    /* the incremental greedy's state (NULL without ids) */
    rca_cand_t *cand; /* per element */
    uint32_t *stamp;  /* per element: the epoch in which it was last marked as touched by a move */
    uint32_t epoch;
    int *cb_best;  /* per cuboid: its best element (index within the cuboid), or -1 */
    size_t *moved; /* the leaves the last pick took out of the pool */
    size_t n_moved;
    uint32_t *aff; /* scratch: the elements of one cuboid the move touched */
    double log_k[CL_RCA_MAX_DEPTH + 1];
    double log_km[CL_RCA_MAX_DEPTH + 1]; /* log_k[d] + log(max_depth): an element's name, once */
    double *half_log1p; /* per leaf count k = 0 .. n: 0.5 log1p(k), a parameter's cost, once */
    size_t n_candidates;
    /* the null: x ~ t_nu(mu, phi / w) (nu = 0: Gaussian) */
    double mu, phi, nu; /* counts: mu is the level f0, phi 1, nu 0 */
    double *c0;
    double *fit; /* 5n scratch for the null fit: the leaves outside, packed, and the fit's own */
    double *t2;  /* per leaf, the second aggregated term: amounts w x^2, counts w x log lambda */
    /* the state */
    int *owner;
    unsigned char *active;
    rca_pick_t picks[RCA_SEARCH_MAX_FOUND];
    size_t n_picks;
    /* aggregation scratch: a dense table for small cuboids, open addressing for the rest */
    rca_stats_t *dense;
    size_t dense_cap;
    rca_stats_t *hstats;
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
} rca_state_t;

/* 1 if signal leaf I is in the pool: outside every element and active. */
static inline int rca_in_pool(const rca_state_t *s, size_t i)
{
    return s->owner[i] < 0 && s->active[i];
}

/* Add signal leaf I to ST: the one place an element's statistics are summed, so that every way of
 * summing them (a whole aggregation, one element again) gives the same bits in the same order. */
static inline void rca_add_leaf(rca_stats_t *st, const rca_state_t *s, size_t i)
{
    double w = s->sig->w[i], x = s->sig->x[i];
    st->n += 1;
    st->w += w;
    st->s1 += w * x;
    st->s2 += s->t2[i];
    st->c0 += s->c0[i];
}

#endif
