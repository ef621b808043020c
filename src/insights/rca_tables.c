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
        s->log_km[d] = s->log_k[d] + log((double)s->max_depth);
    }
}

static void free_ids(rca_state_t *s)
{
    if (!s->borrowed) {
        free(s->ids);
        free(s->elem_off);
        free(s->elem_key);
        free(s->mem_off);
        free(s->members);
    }
    s->borrowed = 0;
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

struct rca_numbering {
    const uint32_t *codes; /* the cube it numbers (its codes), to check a search's cube against */
    size_t n_cube;         /* the cube's leaves */
    uint32_t *pos; /* n_cube: a cube leaf's place among the numbered leaves (UINT32_MAX: not one) */
    size_t n_leaves, n_cuboids; /* the numbered leaves (some of the cube's, in cube order) */
    int max_depth;
    rca_cuboid_t *cuboids; /* the cuboids it numbers (a search's must be the same) */
    uint32_t *ids;         /* n_cuboids × n_leaves: each cube leaf's element in each cuboid */
    size_t *elem_off;      /* n_cuboids + 1 */
    uint64_t *elem_key;    /* per element: its key */
    size_t *mem_off;       /* per element + 1: its leaves in members */
    uint32_t *members;     /* numbered leaves (places), element by element, in leaf order */
    size_t max_elems;      /* most elements in one cuboid */
};

/* 1 if NB numbers the leaves of S's cube for S's cuboids, among them every signal leaf, and S's
 * signal leaves are in strictly increasing cube order (as rca.c's signals are), so that the
 * derived numbering is S's own. */
static int numbering_fits(const rca_state_t *s, const rca_numbering_t *nb)
{
    const rca_signal_t *g = s->sig;
    if (!nb || nb->codes != s->cube->codes || nb->n_cube != s->cube->n_leaves ||
        nb->n_cuboids != s->n_cuboids || nb->max_depth != s->max_depth ||
        memcmp(nb->cuboids, s->cuboids, s->n_cuboids * sizeof(rca_cuboid_t)) != 0) {
        return 0;
    }
    for (size_t i = 0; i < g->n; i++) {
        if (g->leaf[i] >= nb->n_cube || nb->pos[g->leaf[i]] == UINT32_MAX ||
            (i > 0 && g->leaf[i] <= g->leaf[i - 1])) {
            return 0;
        }
    }
    return 1;
}

/* number_cuboid from NB: signal leaf i's element is the one its cube leaf's element in NB is
 * given the first time a signal leaf meets it (REMAP: NB's element -> ours, UINT32_MAX = none
 * yet), so elements are numbered in order of their first signal leaf with NB's keys, exactly as
 * number_cuboid numbers them; an element's leaves are its NB leaves that are signal leaves
 * (SIGIDX: NB's place -> signal leaf), in leaf order. INV: ours -> NB's (scratch). */
static size_t derive_cuboid(rca_state_t *s, const rca_numbering_t *nb, size_t ci, size_t e0,
                            uint32_t *remap, uint32_t *inv, const uint32_t *sigidx)
{
    size_t n = s->sig->n, n_elems = 0, f0 = nb->elem_off[ci];
    const uint32_t *fid = nb->ids + ci * nb->n_leaves;
    const size_t *leaf = s->sig->leaf;
    uint32_t *id = s->ids + ci * n;
    for (size_t i = 0; i < n; i++) {
        uint32_t f = fid[nb->pos[leaf[i]]];
        if (remap[f] == UINT32_MAX) {
            s->elem_key[e0 + n_elems] = nb->elem_key[f0 + f];
            inv[n_elems] = f;
            remap[f] = (uint32_t)n_elems++;
        }
        id[i] = remap[f];
    }
    size_t *off = s->mem_off + e0, at = ci * n;
    for (size_t k = 0; k < n_elems; k++) {
        off[k] = at;
        for (size_t m = nb->mem_off[f0 + inv[k]]; m < nb->mem_off[f0 + inv[k] + 1]; m++) {
            uint32_t j = sigidx[nb->members[m]];
            s->members[at] = j; /* kept when a signal leaf (no branch: which are is random) */
            at += j != UINT32_MAX;
        }
        remap[inv[k]] = UINT32_MAX;
    }
    off[n_elems] = at; /* = (ci + 1) n: every signal leaf is in one element */
    return n_elems;
}

/* Number every cuboid of S (its ids, elem_off, elem_key, mem_off, members, max_elems): from the
 * signal's shared numbering when it fits, else key by key. Returns 0 or -1 (memory short). */
static int number_all(rca_state_t *s)
{
    const rca_numbering_t *nb = s->sig->numbering;
    uint32_t *remap = NULL, *inv = NULL, *sigidx = NULL;
    if (numbering_fits(s, nb)) {
        remap = malloc((nb->max_elems ? nb->max_elems : 1) * sizeof(uint32_t));
        inv = malloc((s->sig->n ? s->sig->n : 1) * sizeof(uint32_t));
        sigidx = malloc((nb->n_leaves ? nb->n_leaves : 1) * sizeof(uint32_t));
        if (!remap || !inv || !sigidx) {
            free(remap);
            free(inv);
            free(sigidx);
            remap = inv = sigidx = NULL;
        } else {
            memset(remap, 0xff, (nb->max_elems ? nb->max_elems : 1) * sizeof(uint32_t));
            memset(sigidx, 0xff, (nb->n_leaves ? nb->n_leaves : 1) * sizeof(uint32_t));
            for (size_t i = 0; i < s->sig->n; i++) {
                sigidx[nb->pos[s->sig->leaf[i]]] = (uint32_t)i;
            }
        }
    }
    size_t e = 0;
    for (size_t ci = 0; ci < s->n_cuboids; ci++) {
        s->elem_off[ci] = e;
        size_t k =
            remap ? derive_cuboid(s, nb, ci, e, remap, inv, sigidx) : number_cuboid(s, ci, e);
        s->max_elems = k > s->max_elems ? k : s->max_elems;
        e += k;
    }
    s->elem_off[s->n_cuboids] = e;
    s->mem_off[e] = s->n_cuboids * s->sig->n;
    free(remap);
    free(inv);
    free(sigidx);
    return 0;
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
    rca_numbering_t *nb = (rca_numbering_t *)s->sig->numbering;
    int borrow = numbering_fits(s, nb) && nb->n_leaves == n;
    s->borrowed = borrow;
    if (borrow) {
        /* the signal's leaves are the numbered ones (all of them, in order): the numbering is
         * the signal's own, read-only from here on */
        s->ids = nb->ids;
        s->members = nb->members;
        s->elem_off = nb->elem_off;
        s->elem_key = nb->elem_key;
        s->mem_off = nb->mem_off;
        s->max_elems = nb->max_elems;
    } else {
        s->ids = malloc(links * sizeof(uint32_t));
        s->members = malloc((links + 1) * sizeof(uint32_t)); /* + 1: derive_cuboid's last store */
        s->elem_off = malloc((s->n_cuboids + 1) * sizeof(size_t));
        s->elem_key = malloc(links * sizeof(uint64_t));
        s->mem_off = malloc((links + 1) * sizeof(size_t));
    }
    s->cb_best = malloc(s->n_cuboids * sizeof(int));
    s->moved = malloc(n * sizeof(size_t));
    s->aff = malloc(n * sizeof(uint32_t));
    if (!s->ids || !s->members || !s->elem_off || !s->elem_key || !s->mem_off || !s->cb_best ||
        !s->moved || !s->aff) {
        free_ids(s);
        return;
    }
    if (!borrow) {
        (void)number_all(s);
    }
    size_t e = s->elem_off[s->n_cuboids];
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

/* The sizes of S's aggregation tables: cuboids up to this many keys aggregate into a dense
 * table, sized for the largest of them; the rest into open addressing of at least 2n slots. */
static void table_sizes(rca_state_t *s)
{
    size_t n = s->sig->n;
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
}

void rca_numbering_make(rca_numbering_t **out, const cl_rca_cube_t *cube, int max_depth,
                        const size_t *leaves, size_t n)
{
    *out = NULL;
    rca_state_t s;
    memset(&s, 0, sizeof(s));
    rca_signal_t sig;
    memset(&sig, 0, sizeof(sig));
    size_t *leaf = malloc((n ? n : 1) * sizeof(size_t));
    rca_numbering_t *nb = calloc(1, sizeof(*nb));
    s.cube = cube;
    s.sig = &sig;
    s.max_depth = max_depth;
    sig.n = n;
    sig.leaf = leaf;
    uint32_t *pos = calloc(cube->n_leaves ? cube->n_leaves : 1, sizeof(uint32_t));
    if (!leaf || !nb || !pos || n == 0 || n > UINT32_MAX || rca_cuboids_make(&s, NULL) != 0 ||
        s.n_cuboids == 0 || s.n_cuboids > KEYS_MAX / n) {
        goto done;
    }
    memset(pos, 0xff, (cube->n_leaves ? cube->n_leaves : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        if (leaves[i] >= cube->n_leaves || (i > 0 && leaves[i] <= leaves[i - 1])) {
            goto done; /* not cube leaves in cube order */
        }
        leaf[i] = leaves[i];
        pos[leaves[i]] = (uint32_t)i;
    }
    table_sizes(&s);
    size_t links = s.n_cuboids * n;
    s.dense = calloc(s.dense_cap, sizeof(rca_stats_t));
    s.hstats = calloc(s.hcap, sizeof(rca_stats_t));
    s.hkeys = calloc(s.hcap, sizeof(uint64_t));
    s.touched = calloc(n, sizeof(size_t));
    s.ids = malloc(links * sizeof(uint32_t));
    s.members = malloc(links * sizeof(uint32_t));
    s.elem_off = malloc((s.n_cuboids + 1) * sizeof(size_t));
    s.elem_key = malloc(links * sizeof(uint64_t));
    s.mem_off = malloc((links + 1) * sizeof(size_t));
    if (!s.dense || !s.hstats || !s.hkeys || !s.touched || !s.ids || !s.members || !s.elem_off ||
        !s.elem_key || !s.mem_off || number_all(&s) != 0) {
        goto done;
    }
    *nb = (rca_numbering_t){cube->codes, cube->n_leaves, pos,        n,          s.n_cuboids,
                            max_depth,   s.cuboids,      s.ids,      s.elem_off, s.elem_key,
                            s.mem_off,   s.members,      s.max_elems};
    pos = NULL;
    s.cuboids = NULL;
    s.ids = s.members = NULL;
    s.elem_off = s.mem_off = NULL;
    s.elem_key = NULL;
    *out = nb;
    nb = NULL;
done:
    free(nb);
    free(pos);
    free(leaf);
    s.borrowed = 0; /* its arrays are its own (or stolen above) */
    rca_tables_free(&s);
}

void rca_numbering_free(rca_numbering_t *nb)
{
    if (nb) {
        free(nb->pos);
        free(nb->cuboids);
        free(nb->ids);
        free(nb->elem_off);
        free(nb->elem_key);
        free(nb->mem_off);
        free(nb->members);
        free(nb);
    }
}

int rca_tables_alloc(rca_state_t *s, cl_err_t *err)
{
    size_t n = s->sig->n;
    table_sizes(s);
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
    s->half_log1p = malloc((n + 1) * sizeof(double));
    if (!s->c0 || !s->t2 || !s->fit || !s->owner || !s->active || !s->pool || !s->dense ||
        !s->hstats || !s->hkeys || !s->touched || !s->half_log1p) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    make_ids(s);
    for (size_t c = 0; c <= n; c++) { /* an element holds at most the n signal leaves */
        s->half_log1p[c] = 0.5 * log1p((double)c);
    }
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
    free(s->half_log1p);
}
