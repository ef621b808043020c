/* rca_model.h — internal to the root-cause search: the description length of a signal under a
 * set of elements. The null (rca_null.c for amounts, rca_counts.c for counts) prices the leaves
 * outside every element; an element prices its own leaves and its name. Owns rca_state_t's null
 * (mu, phi, nu, c0, fit, fit_all).
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_MODEL_H
#define CL_INSIGHTS_RCA_MODEL_H

#include "insights/rca_state.h"

/* Fit the null on the leaves outside every element (amounts: the Cauchy centre from MU0, then
 * scale and tails; counts: the level, or 1 when s->level_fixed), then price every leaf (s->c0). */
void rca_model_fit_null(rca_state_t *s, double mu0);

/* The cost in nats of describing an element's leaves (sums ST) at DEPTH, its naming cost
 * included; *SHIFT_OK = 1 when its shift alone pays for it. */
double rca_model_element_cost(const rca_state_t *s, const rca_stats_t *st, int depth,
                              int *shift_ok);

/* The sums of the leaves element PICK owns, in leaf order. */
void rca_model_owned_stats(const rca_state_t *s, size_t pick, rca_stats_t *st);

/* The description length of the signal under the live elements. */
double rca_model_total_cost(const rca_state_t *s);

#endif
