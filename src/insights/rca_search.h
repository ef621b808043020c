/* rca_search.h — internal to src/insights/rca*.c: the search over combinations of attribute values
 * for one signal (per-leaf standardised deviations with weights). Not a public contract; callers
 * outside insights use rca.h.
 *
 * A signal is a set of leaves, each with a deviation x (relative, in [-2, 2]) and a weight w (the
 * inverse of x's noise variance under the calibrated noise model). The search picks the set of
 * elements that minimises the description length of the signal: leaves outside every element
 * follow a Student-t null around a common drift, leaves inside an element follow a Gaussian
 * around the element's own shift; each element costs the bits that name it. See docs/rca.md.
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_SEARCH_H
#define CL_INSIGHTS_RCA_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "insights/rca.h"

typedef struct {
    size_t n;           /* leaves in the signal */
    const size_t *leaf; /* cube leaf index of each */
    const double *x;    /* deviation */
    const double *w;    /* weight (> 0) */
} rca_signal_t;

typedef struct {
    int depth;
    cl_rca_pair_t pairs[CL_RCA_MAX_DEPTH]; /* sorted by attribute */
    double score;                          /* leave-one-out net gain, nats (> 0) */
    double shift;                          /* the element's mean deviation */
    size_t n_leaves;                       /* signal leaves it owns */
} rca_found_t;

typedef struct {
    size_t n_found;
    rca_found_t found[64];
    double drift;         /* the null's centre */
    double phi;           /* the null's scale factor */
    double nu;            /* the null's degrees of freedom (0: Gaussian) */
    size_t n_candidates;  /* distinct elements considered */
} rca_search_result_t;

#define RCA_SEARCH_MAX_FOUND 64

/* Search SIG over CUBE's attributes, elements of up to MAX_DEPTH pairs, at most MAX_ELEMENTS kept.
 * Returns 0, CL_ENOMEM or CL_ETOOBIG (a combination's key overflows 64 bits). */
CL_NODISCARD int rca_search(rca_search_result_t *out, const cl_rca_cube_t *cube,
                            const rca_signal_t *sig, int max_depth, int max_elements,
                            cl_err_t *err);

/* 1 if cube leaf LEAF holds every pair of EL. */
int rca_leaf_matches(const cl_rca_cube_t *cube, size_t leaf, const cl_rca_pair_t *pairs,
                     int depth);

#endif
