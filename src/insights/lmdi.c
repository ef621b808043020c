/* lmdi.c — LMDI-I decomposition (lmdi.h): the method index-decomposition practice settled on
 * because it is exact (no residual to explain away) and symmetric in time and factors. */
#include "insights/lmdi.h"

#include <math.h>

#include "insights/stats.h"

int cl_lmdi_split(double *effects, const double *x0, const double *x1, size_t k)
{
    double y0 = 1, y1 = 1;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(x0[i]) || !isfinite(x1[i]) || x0[i] <= 0 || x1[i] <= 0) {
            return -1;
        }
        y0 *= x0[i];
        y1 *= x1[i];
    }
    if (!isfinite(y0) || !isfinite(y1) || y0 <= 0 || y1 <= 0) {
        return -1;
    }
    double l = cl_stats_logmean(y1, y0);
    for (size_t i = 0; i < k; i++) {
        effects[i] = l * log(x1[i] / x0[i]);
    }
    return 0;
}

int cl_lmdi_revenue(cl_lmdi_revenue_t *out, double visits0, double orders0, double revenue0,
                    double visits1, double orders1, double revenue1)
{
    out->visits[0] = visits0;
    out->visits[1] = visits1;
    out->orders[0] = orders0;
    out->orders[1] = orders1;
    out->revenue[0] = revenue0;
    out->revenue[1] = revenue1;
    out->change = revenue1 - revenue0;
    if (!(visits0 > 0 && orders0 > 0 && revenue0 > 0 && visits1 > 0 && orders1 > 0 &&
          revenue1 > 0)) {
        return -1;
    }
    double x0[3] = {visits0, orders0 / visits0, revenue0 / orders0};
    double x1[3] = {visits1, orders1 / visits1, revenue1 / orders1};
    double e[3];
    if (cl_lmdi_split(e, x0, x1, 3) != 0) {
        return -1;
    }
    out->conversion[0] = x0[1];
    out->conversion[1] = x1[1];
    out->basket[0] = x0[2];
    out->basket[1] = x1[2];
    out->traffic_effect = e[0];
    out->conversion_effect = e[1];
    out->basket_effect = e[2];
    return 0;
}
