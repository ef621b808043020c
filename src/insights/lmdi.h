/* lmdi.h — additive split of a product's change into its factors' effects (LMDI-I).
 *
 * For y = Π x_k, the effect of factor k is L(y1, y0) × ln(x1_k / x0_k), with L the logarithmic
 * mean; the effects sum to y1 − y0 exactly (Σ ln x1_k/x0_k = ln y1/y0), are independent of the
 * factors' order and leave no residual (Ang 2004). Revenue = visits × conversion (orders / visits)
 * × basket (revenue / orders) gives the traffic, conversion and basket effects. Factors must be > 0
 * in both periods. Pure; thread-safe. */
#ifndef CL_INSIGHTS_LMDI_H
#define CL_INSIGHTS_LMDI_H

#include <stddef.h>

/* EFFECTS[k] for the K factors X0[k] → X1[k]. Returns 0, or -1 when a factor is not finite and
 * positive. */
int cl_lmdi_split(double *effects, const double *x0, const double *x1, size_t k);

typedef struct {
    double visits[2], orders[2], revenue[2]; /* [0] previous, [1] current */
    double conversion[2];                    /* orders / visits */
    double basket[2];                        /* revenue / orders */
    double traffic_effect, conversion_effect, basket_effect;
    double change; /* revenue[1] − revenue[0] = sum of the effects */
} cl_lmdi_revenue_t;

/* Revenue split into traffic × conversion × basket. Returns 0, or -1 when visits, orders or
 * revenue is not positive in a period (then there is no split). */
int cl_lmdi_revenue(cl_lmdi_revenue_t *out, double visits0, double orders0, double revenue0,
                    double visits1, double orders1, double revenue1);

#endif
