/* pulse.c — category growth against the external market pulse (pulse.h): a category that grows 5 %
 * while its market grows 15 % is losing share, and a plain growth number would call it good news.
 */
#include "insights/pulse.h"

#include <math.h>

#include "insights/period.h"
#include "insights/stats.h"

static double mean_range(const double *x, long first, long last)
{
    double s = 0;
    long n = 0;
    for (long i = first; i <= last; i++) {
        if (isfinite(x[i])) {
            s += x[i];
            n++;
        }
    }
    return n * 2 >= last - first + 1 && n > 0 ? s / (double)n : NAN;
}

static double sum_range(const double *x, long first, long last)
{
    double s = 0;
    for (long i = first; i <= last; i++) {
        if (!isfinite(x[i])) {
            return NAN;
        }
        s += x[i];
    }
    return s;
}

/* the gap in pp for the window ending at T, filling OUT's numbers; NaN when not computable */
static double gap_at(cl_pulse_t *out, const cl_frame_t *f, const double *revenue, cl_window_t win,
                     long t)
{
    cl_period_t p;
    if (cl_period_at(&p, f, win, t) != 0) {
        return NAN;
    }
    double pc = mean_range(f->pulse, p.cur_first, p.cur_last);
    double pp = mean_range(f->pulse, p.prev_first, p.prev_last);
    double rc = sum_range(revenue, p.cur_first, p.cur_last);
    double rp = sum_range(revenue, p.prev_first, p.prev_last);
    if (!isfinite(pc) || !isfinite(pp) || pp <= 0 || !isfinite(rc) || !isfinite(rp) || rp <= 0) {
        return NAN;
    }
    double mg = pc / pp - 1, ig = rc / rp - 1;
    if (out) {
        out->pulse_current = pc;
        out->pulse_previous = pp;
        out->revenue_current = rc;
        out->revenue_previous = rp;
        out->market_growth_pct = 100 * mg;
        out->internal_growth_pct = 100 * ig;
        out->gap_pp = 100 * (ig - mg);
        out->expected_revenue = rp * (1 + mg);
        out->impact = rc - out->expected_revenue;
    }
    return 100 * (ig - mg);
}

cl_pulse_t cl_pulse_compare(const cl_frame_t *f, const double *revenue, cl_window_t win, long t)
{
    cl_pulse_t out = {0};
    double gap = gap_at(&out, f, revenue, win, t);
    if (isnan(gap)) {
        return (cl_pulse_t){0};
    }
    out.ok = 1;
    cl_window_t hist = win == CL_WINDOW_YOY ? CL_WINDOW_WOW : win;
    double gaps[CL_SIGNIF_HISTORY], weekly[CL_SIGNIF_HISTORY];
    size_t n = 0;
    for (long u = t - 1; u >= 0 && n < CL_SIGNIF_HISTORY; u--, n++) {
        gaps[n] = gap_at(NULL, f, revenue, hist, u);
        weekly[n] = gap_at(NULL, f, revenue, CL_WINDOW_WOW, u);
    }
    out.sig = cl_signif_from_history(gaps, n, gap);
    /* rolling multi-week gaps overlap: their spread is floored at the weekly gaps' / sqrt(weeks) */
    double floor = cl_stats_qn_scale(weekly, n, NULL) / sqrt((double)cl_window_weeks(win));
    if (out.sig.history && isfinite(floor) && floor > out.sig.scale) {
        out.sig.scale = floor;
        out.sig.z = gap / floor;
        out.sig.level = cl_signif_level(out.sig.z);
    }
    return out;
}
