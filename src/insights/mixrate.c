/* mixrate.c — mix and rate effects of a ratio metric (formulas in mixrate.h). Used for every ratio
 * breakdown, so "conversion fell because traffic moved to weaker sources" and "because sources
 * convert worse" are told apart with numbers that add up. */
#include "insights/mixrate.h"

#include <math.h>

int cl_mixrate_split(cl_mixrate_out_t *out, double *r0, double *r1, double *mix, double *rate,
                     const cl_mixrate_in_t *in, size_t n, double scale)
{
    double n0 = 0, d0 = 0, n1 = 0, d1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(in[i].n0) || !isfinite(in[i].d0) || !isfinite(in[i].n1) ||
            !isfinite(in[i].d1)) {
            return -1;
        }
        n0 += in[i].n0;
        d0 += in[i].d0;
        n1 += in[i].n1;
        d1 += in[i].d1;
    }
    if (d0 == 0 || d1 == 0) {
        return -1;
    }
    double big_r0 = scale * n0 / d0, big_r1 = scale * n1 / d1, rbar = (big_r0 + big_r1) / 2;
    double tm = 0, tr = 0;
    for (size_t i = 0; i < n; i++) {
        const cl_mixrate_in_t *x = &in[i];
        cl_mixrate_out_t *o = &out[i];
        o->s0 = x->d0 / d0;
        o->s1 = x->d1 / d1;
        o->r0 = x->d0 != 0 ? scale * x->n0 / x->d0 : NAN;
        o->r1 = x->d1 != 0 ? scale * x->n1 / x->d1 : NAN;
        double ds = o->s1 - o->s0;
        if (x->d0 != 0 && x->d1 != 0) {
            o->mix = ds * ((o->r0 + o->r1) / 2 - rbar);
            o->rate = (o->s0 + o->s1) / 2 * (o->r1 - o->r0);
        } else if (x->d0 == 0 && x->n0 == 0 && x->d1 != 0) {
            o->mix = o->s1 * (o->r1 - rbar); /* new segment: r0 taken as r1 */
            o->rate = 0;
        } else if (x->d1 == 0 && x->n1 == 0 && x->d0 != 0) {
            o->mix = -o->s0 * (o->r0 - rbar); /* vanished segment: r1 taken as r0 */
            o->rate = 0;
        } else {
            /* a numerator without a denominator: its share of the ratio moved, not a rate */
            double dc = scale * (x->n1 / d1 - x->n0 / d0);
            o->mix = 0;
            o->rate = dc - ds * rbar;
        }
        tm += o->mix;
        tr += o->rate;
    }
    *r0 = big_r0;
    *r1 = big_r1;
    *mix = tm;
    *rate = tr;
    return 0;
}
