/* rca_tables.c — aggregation tables and the numbering of elements for the root-cause search. */
#include "insights/rca_tables.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights/rca_cuboids.h"

#define DENSE_MAX ((uint64_t)1 << 22) /* largest key space aggregated into a dense table */
#define KEYS_MAX ((size_t)1 << 24)    /* most leaf-element links kept for all cuboids at once */

static rca_stats_t *rca_table_slot(rca_state_t *s, uint64_t key)
{
    if (!s->hashed) {
        rca_stats_t *st = &s->dense[key];
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

uint64_t rca_table_touched_key(const rca_state_t *s, size_t ci, size_t t)
{
    size_t slot = s->touched[t];
    if (s->ids) {
        return s->elem_key[s->elem_off[ci] + slot];
    }
    return s->hashed ? s->hkeys[slot] - 1 : (uint64_t)slot;
}

rca_stats_t *rca_table_touched_stats(rca_state_t *s, size_t t)
{
    size_t slot = s->touched[t];
    return s->hashed ? &s->hstats[slot] : &s->dense[slot];
}

void rca_table_clear(rca_state_t *s)
{
    for (size_t t = 0; t < s->n_touched; t++) {
        size_t slot = s->touched[t];
        if (s->hashed) {
            s->hkeys[slot] = 0;
            memset(&s->hstats[slot], 0, sizeof(rca_stats_t));
        } else {
            memset(&s->dense[slot], 0, sizeof(rca_stats_t));
        }
    }
    s->n_touched = 0;
}

/* The key of signal leaf I in cuboid CI. */
uint64_t rca_key_of(const rca_state_t *s, size_t ci, size_t i)
{
    if (s->ids) {
        return s->elem_key[s->elem_off[ci] + s->ids[ci * s->sig->n + i]];
    }
    return rca_cuboid_key(s, &s->cuboids[ci], i);
}

/* List the pool's leaves (outside every element, active), in leaf order: aggregations visit only
 * them, in the order a pass over every leaf would. */
void rca_pool_collect(rca_state_t *s)
{
    s->n_pool = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (rca_in_pool(s, i)) {
            s->pool[s->n_pool++] = i;
        }
    }
}

/* Aggregate the pool's leaves (collect_pool) into the elements of cuboid CI: with element ids into
 * the dense table by id (the touched list holds ids), else by key. */
void rca_aggregate(rca_state_t *s, size_t ci)
{
    if (s->ids) {
        const uint32_t *id = s->ids + ci * s->sig->n;
        s->hashed = 0;
        for (size_t k = 0; k < s->n_pool; k++) {
            size_t i = s->pool[k];
            rca_stats_t *st = &s->dense[id[i]];
            if (st->n == 0) {
                s->touched[s->n_touched++] = id[i];
            }
            rca_add_leaf(st, s, i);
        }
        return;
    }
    s->hashed = s->cuboids[ci].size > s->dense_cap;
    for (size_t k = 0; k < s->n_pool; k++) {
        size_t i = s->pool[k];
        rca_add_leaf(rca_table_slot(s, rca_key_of(s, ci, i)), s, i);
    }
}

/* Count the distinct elements at each depth: the size of the code that names one. */
void rca_count_candidates(rca_state_t *s)
{
    double per_depth[CL_RCA_MAX_DEPTH + 1] = {0};
    rca_pool_collect(s);
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        size_t n_elems;
        if (s->ids) { /* numbered over every signal leaf, which is the pool now */
            n_elems = s->elem_off[ci + 1] - s->elem_off[ci];
        } else {
            rca_aggregate(s, ci);
            n_elems = s->n_touched;
            rca_table_clear(s);
        }
        per_depth[s->cuboids[ci].depth] += (double)n_elems;
        s->n_candidates += n_elems;
    }
    for (int d = 0; d <= CL_RCA_MAX_DEPTH; d++) {
        s->log_k[d] = log(fmax(per_depth[d], 1));
    }
}

static void free_ids(rca_state_t *s)
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
static size_t number_cuboid(rca_state_t *s, size_t ci, size_t e0)
{
    size_t n = s->sig->n, n_elems = 0;
    uint32_t *id = s->ids + ci * n;
    s->hashed = s->cuboids[ci].size > s->dense_cap;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = rca_cuboid_key(s, &s->cuboids[ci], i);
        rca_stats_t *st = rca_table_slot(s, key);
        if (st->n == 0) {
            s->elem_key[e0 + n_elems] = key;
            st->n = (double)++n_elems;
        }
        id[i] = (uint32_t)st->n - 1;
    }
    rca_table_clear(s);
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
static void make_ids(rca_state_t *s)
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
    s->cand = malloc((e ? e : 1) * sizeof(rca_cand_t));
    s->stamp = calloc(e ? e : 1, sizeof(uint32_t));
    if (s->max_elems > s->dense_cap) { /* aggregations by element number: one slot each */
        rca_stats_t *dense = calloc(s->max_elems, sizeof(rca_stats_t));
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

int rca_tables_alloc(rca_state_t *s, cl_err_t *err)
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
    s->fit = calloc(5 * k, sizeof(double));
    s->owner = calloc(k, sizeof(int));
    s->active = calloc(k, 1);
    s->pool = calloc(k, sizeof(size_t));
    s->dense = calloc(s->dense_cap, sizeof(rca_stats_t));
    s->hstats = calloc(s->hcap, sizeof(rca_stats_t));
    s->hkeys = calloc(s->hcap, sizeof(uint64_t));
    s->touched = calloc(k, sizeof(size_t)); /* one new element per pool leaf at most */
    if (!s->c0 || !s->t2 || !s->fit || !s->owner || !s->active || !s->pool || !s->dense ||
        !s->hstats || !s->hkeys || !s->touched) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    make_ids(s);
    return 0;
}

void rca_tables_free(rca_state_t *s)
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
