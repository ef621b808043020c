/* rca_search.h — internal to src/insights/rca*.c: the search over combinations of attribute values
 * for one signal (per-leaf standardised deviations with weights). Not a public contract; callers
 * outside insights use rca.h.
 *
 * A signal is a set of leaves of one of two families. Amounts: each leaf has a deviation x
 * (relative, in [-2, 2]) and a weight w (the inverse of x's noise variance under the calibrated
 * noise model); leaves outside every element follow a Student-t null around a common drift,
 * leaves inside an element a Gaussian around the element's own shift. Counts: each leaf has a
 * count y = x * lambda against its expected count lambda and a dispersion d = lambda / w; leaves
 * outside every element follow a quasi-Poisson around a common level f0 * lambda, leaves inside an
 * element around their element's own level. The search picks the set of elements that minimises
 * the description length of the signal; each element costs the bits that name it. See
 * docs/rca.md.
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_SEARCH_H
#define CL_INSIGHTS_RCA_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "insights/rca.h"

typedef struct {
    size_t n;             /* leaves in the signal */
    const size_t *leaf;   /* cube leaf index of each */
    const double *x;      /* amounts: deviation; counts: level, count / expected count */
    const double *w;      /* amounts: weight, 1 / var(x); counts: expected count / dispersion */
    int counts;           /* 1: the count family (quasi-Poisson, see rca_search.c) */
    const double *lambda; /* counts: the expected count of each leaf (> 0); amounts: unused */
    int direction;        /* +1 / -1: only elements that moved up / down are candidates; 0: both */
    int level_choice;     /* counts: 1 = the null's level is fitted or held at the baseline's (1),
                           * whichever describes the signal shorter; 0 = always fitted (a mix
                           * signal: share shifts are defined against the common volume change) */
    const struct rca_numbering *numbering; /* NULL, or the elements of every cube leaf at the
                                            * search's depth (rca_numbering_make): the search's
                                            * own numbering is derived from it (the same bits) */
} rca_signal_t;

/* The elements of every cuboid of a cube at a depth, numbered over some of the cube's leaves
 * (rca_tables.c). Several searches over one cube (a window's KPIs on one grain, their mix
 * signals) hold subsets of its leaves; numbered once over their union, each search's numbering
 * (elements in order of their first signal leaf, and their leaves) is derived from this one by
 * renumbering, instead of computing every leaf's key and hashing it again. Read-only once made:
 * shared by searches on any thread. A search whose leaves are not all numbered here numbers its
 * own. */
typedef struct rca_numbering rca_numbering_t;

/* *OUT = the numbering of CUBE's N leaves LEAVES (cube leaf indices, strictly increasing) for
 * searches of depth MAX_DEPTH, or NULL when it would not fit (too many links, memory short, a
 * cuboid the search refuses, leaves out of order): searches then number their own elements,
 * with the same result. */
void rca_numbering_make(rca_numbering_t **out, const cl_rca_cube_t *cube, int max_depth,
                        const size_t *leaves, size_t n);
void rca_numbering_free(rca_numbering_t *nb);

typedef struct {
    int depth;
    cl_rca_pair_t pairs[CL_RCA_MAX_DEPTH]; /* sorted by attribute */
    double score;                          /* leave-one-out net gain, nats (> 0) */
    double shift;                          /* the element's mean deviation (counts: level - 1) */
    size_t n_leaves;                       /* signal leaves it owns */
} rca_found_t;

typedef struct {
    size_t n_found;
    rca_found_t found[64];
    double drift;                       /* the null's centre (counts: level - 1) */
    double phi;                         /* the null's scale factor */
    double nu;                          /* the null's degrees of freedom (0: Gaussian) */
    size_t n_candidates;                /* distinct elements considered */
    int max_depth;                      /* the search's depth bound */
    double log_k[CL_RCA_MAX_DEPTH + 1]; /* log of the distinct elements at each depth */
} rca_search_result_t;

#define RCA_SEARCH_MAX_FOUND 64

/* The report bar: an element is reported only when the data make it at least 20 times more
 * likely than its absence (log 20 nats of net evidence; 'strong' on Kass and Raftery's scale).
 * Weaker candidates stay with the model (the null), not in the report. A reporting convention,
 * not a value fitted to a benchmark. */
#define RCA_EVIDENCE_BAR 2.995732273553991

/* Search SIG over CUBE's attributes, elements of up to MAX_DEPTH pairs, at most MAX_ELEMENTS kept.
 * Returns 0, CL_ENOMEM or CL_ETOOBIG (a combination's key overflows 64 bits). */
CL_NODISCARD int rca_search(rca_search_result_t *out, const cl_rca_cube_t *cube,
                            const rca_signal_t *sig, int max_depth, int max_elements,
                            cl_err_t *err);

/* rca_search, and *FITTED = what rca_search gives for SIG with level_choice 0, computed on the way
 * (a count search with the level's choice runs that search first; rca.c: a ratio's mix signal
 * that is another cube's count signal, bit for bit). */
CL_NODISCARD int rca_search_twin(rca_search_result_t *out, rca_search_result_t *fitted,
                                 const cl_rca_cube_t *cube, const rca_signal_t *sig, int max_depth,
                                 int max_elements, cl_err_t *err);

/* rca_search with every greedy step aggregating the pool afresh, as the search was first written:
 * the reference the incremental greedy (rca_search.c) must equal bit for bit (tests). */
CL_NODISCARD int rca_search_plain(rca_search_result_t *out, const cl_rca_cube_t *cube,
                                  const rca_signal_t *sig, int max_depth, int max_elements,
                                  cl_err_t *err);

/* State the found elements of R (the search over SIG) at an operator's granularity
 * (rca_general.c): replace the elements inside an ancestor segment that moved the same way by the
 * ancestor, when the rest of the ancestor (leaves no other element of that direction explains)
 * moved that way too or is too small to tell. Returns 0 or CL_ENOMEM (R unchanged). */
CL_NODISCARD int rca_generalise(rca_search_result_t *r, const cl_rca_cube_t *cube,
                                const rca_signal_t *sig, cl_err_t *err);

/* The null of the amount family (rca_null.c): x ~ t_nu(mu, phi / w); nu = 0 is Gaussian. */
typedef struct {
    double mu, phi, nu;
} rca_tnull_t;

/* Fit the null on the N leaves (X, W) outside every element, in leaf order: the centre by a Cauchy
 * fit from MU0 (it settles on the local mode nearest MU0), then scale and degrees of freedom (a
 * grid from 1 to 34 and Gaussian) by maximum likelihood at that centre. When no fit has a finite
 * cost the null is Gaussian at MU0 with scale 1. SCRATCH holds 3N doubles. */
void rca_tnull_fit(rca_tnull_t *out, const double *x, const double *w, size_t n, double mu0,
                   double *scratch);

/* COST[i] = the cost in nats (negative log density) of leaf (X[i], W[i]) under T, for N leaves. */
void rca_tnull_price(double *cost, const rca_tnull_t *t, const double *x, const double *w,
                     size_t n);

/* The count family (rca_counts.c). */

/* The cost in nats, up to terms that do not depend on F, of a leaf of level X (count / expected
 * count), weight W (expected count / dispersion) and expected count LAMBDA at level F. */
double rca_count_cost(double f, double x, double w, double lambda);

/* The common level f0 of N count leaves, given Y[i] = x w (count / dispersion) and W[i] (expected
 * count / dispersion) of each, robust to anomalous leaves and segments. Returns f0 > 0. */
double rca_count_level(const double *y, const double *w, size_t n);

/* Set the N weights W[i] = LAMBDA[i] / (1 + (b + V[i]) f0 LAMBDA[i]) of a count signal of levels
 * X and expected counts LAMBDA whose own relative variance is V (NULL: exact), with the
 * negative-binomial dispersion b fitted robustly on the leaves that expect at least 5 events (0
 * when fewer than 30 do, or they are no noisier than that), and at least B_FLOOR (a dispersion
 * measured on the baseline's periods; 0 = none). Returns 0 or CL_ENOMEM. */
CL_NODISCARD int rca_count_calibrate(double *w, const double *x, const double *lambda,
                                     const double *v, size_t n, double b_floor, cl_err_t *err);

/* The robust baseline of N leaves from P periods (rca_counts.c): PER holds, per leaf and period,
 * the numerator and the denominator (N × P × 2). Adds each leaf's mean over its kept periods to
 * BASE_NUM[i] and BASE_DEN[i] (BASE_DEN NULL: an additive KPI, every period kept);
 * *N_EXCLUDED = the leaf-periods left out. DIRECTION: the question's (rca.h, cl_rca_options_t).
 * *DISPERSION = the numerator's negative-binomial dispersion over the kept periods (0: counts
 * too few to tell, or amounts); see cl_rca_builder_dispersion. Returns 0 or CL_ENOMEM (then
 * nothing was added). */
CL_NODISCARD int rca_baseline_settle(double *base_num, double *base_den, const double *per,
                                     size_t n, int p, int direction, size_t *n_excluded,
                                     double *dispersion);

/* 1 if cube leaf LEAF holds every pair of EL. */
int rca_leaf_matches(const cl_rca_cube_t *cube, size_t leaf, const cl_rca_pair_t *pairs, int depth);

#endif
