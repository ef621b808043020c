/* pulse.h — is the category growing faster or slower than its market?
 *
 * Market growth = mean pulse index over the window's current weeks / mean over its previous weeks
 * − 1; internal growth = the slice's revenue growth over the same ranges; gap_pp = 100 × (internal
 * − market). The revenue the slice would have had growing with the market is previous × (1 +
 * market growth); impact = current − that (currency: revenue won or lost against the market).
 * Significance: the gap against the history of the same window's gaps at earlier end weeks
 * (robust z of differences). Missing pulse weeks are skipped; a range needs at least half its
 * weeks. Pure; thread-safe. */
#ifndef CL_INSIGHTS_PULSE_H
#define CL_INSIGHTS_PULSE_H

#include <stddef.h>

#include "core/calendar.h"
#include "insights/frame.h"
#include "insights/signif.h"

typedef struct {
    int ok; /* 0: no pulse for the ranges, or no revenue */
    double pulse_current, pulse_previous;
    double revenue_current, revenue_previous;
    double market_growth_pct, internal_growth_pct, gap_pp;
    double expected_revenue; /* previous × (1 + market growth) */
    double impact;           /* current − expected */
    cl_signif_t sig;
} cl_pulse_t;

/* Compare for window WIN ending at frame week T. REVENUE is the slice's weekly revenue (N = frame
 * weeks values, NaN missing). */
cl_pulse_t cl_pulse_compare(const cl_frame_t *f, const double *revenue, cl_window_t win, long t);

#endif
