/* rca_cuboids.c — the lattice of attribute combinations the search aggregates into, and keys. */
#include "insights/rca_cuboids.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CUBOIDS 65536

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

static int add_cuboid(rca_state_t *s, const int *attrs, int depth, cl_err_t *err)
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
        rca_cuboid_t *grown = realloc(s->cuboids, cap * sizeof(*grown));
        if (!grown) {
            return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
        }
        s->cuboids = grown;
        s->cap_cuboids = cap;
    }
    rca_cuboid_t *c = &s->cuboids[s->n_cuboids];
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
int rca_cuboids_make(rca_state_t *s, cl_err_t *err)
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

uint64_t rca_cuboid_key(const rca_state_t *s, const rca_cuboid_t *c, size_t i)
{
    const uint32_t *row = s->cube->codes + s->sig->leaf[i] * s->cube->n_attrs;
    uint64_t key = 0;
    for (int j = 0; j < c->depth; j++) {
        key += (uint64_t)row[c->attrs[j]] * c->stride[j];
    }
    return key;
}

int rca_pick_contains(const rca_state_t *s, const rca_pick_t *a, const rca_pick_t *b)
{
    const rca_cuboid_t *ca = &s->cuboids[a->cuboid], *cb = &s->cuboids[b->cuboid];
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
