/* rca_cuboids.h — internal to the root-cause search: the lattice of cuboids (every combination of
 * up to max_depth attributes, never an attribute with its own ancestor) and the keys of leaves and
 * elements in a cuboid. Owns rca_state_t.cuboids / n_cuboids / cap_cuboids.
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_CUBOIDS_H
#define CL_INSIGHTS_RCA_CUBOIDS_H

#include "insights/rca_state.h"

/* Every subset of up to s->max_depth attributes of s->cube, by depth, then in lexicographic order,
 * into s->cuboids. Returns 0, CL_ETOOBIG (too many cuboids, or a key over 64 bits) or CL_ENOMEM. */
CL_NODISCARD int rca_cuboids_make(rca_state_t *s, cl_err_t *err);

/* The key of signal leaf I in cuboid C: the mixed-radix number of its values of C's attributes. */
uint64_t rca_cuboid_key(const rca_state_t *s, const rca_cuboid_t *c, size_t i);

/* 1 if element A's pairs are a strict subset of B's (A is an ancestor segment of B). */
int rca_pick_contains(const rca_state_t *s, const rca_pick_t *a, const rca_pick_t *b);

#endif
