/* mixrate.h — a ratio metric's change split into mix and rate effects over the segments of one
 * dimension.
 *
 * R = scale × ΣN_i / ΣD_i = Σ s_i r_i with shares s_i = D_i / D and segment rates r_i = scale N_i /
 * D_i. With midpoints (x̄ = (x0 + x1) / 2) and R̄ = (R0 + R1) / 2, for a segment with a denominator
 * in both periods: mix_i  = (s1_i − s0_i) × (r̄_i − R̄)     traffic moved into (out of) a segment
 * above (below) average rate_i = s̄_i × (r1_i − r0_i)           the segment's own rate moved A new
 * segment (no N and no D before) takes r0 = r1, a vanished one r1 = r0, so all of its effect is
 * mix. A segment with a numerator but no denominator in a period has no rate: all its effect (ΔN_i
 * scale / D, less the centring term) is rate. Σ (mix_i + rate_i) = R1 − R0 exactly (the centring
 * term vanishes because Σ Δs_i = 0). docs/insights.md derives it. Pure; thread-safe. */
#ifndef CL_INSIGHTS_MIXRATE_H
#define CL_INSIGHTS_MIXRATE_H

#include <stddef.h>

typedef struct {
    double n0, d0; /* previous period numerator and denominator */
    double n1, d1; /* current period */
} cl_mixrate_in_t;

typedef struct {
    double mix, rate; /* effects, in the ratio's unit */
    double r0, r1;    /* segment rates (NaN without a denominator) */
    double s0, s1;    /* denominator shares, 0..1 */
} cl_mixrate_out_t;

/* Split over N segments (OUT has N entries). *r0 and *r1 receive the overall ratio, *mix and
 * *rate the total effects. Returns 0, or -1 when a period's total denominator is 0 or any input is
 * not finite (nothing is written then). */
int cl_mixrate_split(cl_mixrate_out_t *out, double *r0, double *r1, double *mix, double *rate,
                     const cl_mixrate_in_t *in, size_t n, double scale);

#endif
