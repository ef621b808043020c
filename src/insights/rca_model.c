/* rca_model.c — the null fit and the description length of elements (docs/rca.md §3). */
#include "insights/rca_model.h"

#include <math.h>

/* Counts: the null's level over the leaves outside every element (rca_count_level), then price
 * each leaf. */
static void fit_null_counts(rca_state_t *s)
{
    const rca_signal_t *g = s->sig;
    double *y = s->fit, *w = s->fit + g->n;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (s->owner[i] < 0) {
            y[n] = g->x[i] * g->w[i];
            w[n++] = g->w[i];
        }
    }
    double f = s->level_fixed ? 1.0 : rca_count_level(y, w, n);
    s->fit_all = n == g->n;
    s->mu = f;
    s->phi = 1;
    s->nu = 0;
    for (size_t i = 0; i < g->n; i++) {
        s->c0[i] = rca_count_cost(f, g->x[i], g->w[i], g->lambda[i]);
    }
}

/* Fit the null on the leaves outside every element, then price each leaf. The centre (drift) is
 * the Cauchy fit from MU0 (the baseline at first): it settles on the local mode nearest the
 * baseline, so a tight anomalous majority cannot pose as the norm. Scale and tail weight are then
 * fitted by maximum likelihood over a grid of degrees of freedom. */
void rca_model_fit_null(rca_state_t *s, double mu0)
{
    const rca_signal_t *g = s->sig;
    if (g->counts) {
        fit_null_counts(s);
        return;
    }
    double *x = s->fit, *w = s->fit + g->n;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (s->owner[i] < 0) {
            x[n] = g->x[i];
            w[n++] = g->w[i];
        }
    }
    rca_tnull_t t;
    rca_tnull_fit(&t, x, w, n, mu0, s->fit + 2 * g->n);
    s->mu = t.mu;
    s->phi = t.phi;
    s->nu = t.nu;
    rca_tnull_price(s->c0, &t, g->x, g->w, g->n);
}

/* 0.5 log1p(N) for an element of N leaves, from the state's table: an element's leaf count is a
 * whole number of signal leaves (any other value is computed). */
static double half_log1p_of(const rca_state_t *s, double n)
{
    if (n >= 0 && n <= (double)s->sig->n) {
        size_t k = (size_t)n;
        if ((double)k == n) {
            return s->half_log1p[k];
        }
    }
    return 0.5 * log1p(n);
}

/* The cost of describing an element's leaves (Gaussian around its own shift, at least as wide as
 * the null), plus its parsimony cost; *shift_ok says whether its mean shift alone pays for it. */
double rca_model_element_cost(const rca_state_t *s, const rca_stats_t *st, int depth, int *shift_ok)
{
    if (s->sig->counts) {
        /* one level for the element: f = Σy/d / Σlambda/d; its gain over the null is the
         * likelihood ratio S1 log(f / f0) - W (f - f0), all of it owed to the shift */
        double f = st->s1 / st->w, pen = s->log_km[depth] + half_log1p_of(s, st->n);
        double lr = (st->s1 > 0 ? st->s1 * log(f / s->mu) : 0) - st->w * (f - s->mu);
        *shift_ok = lr > pen;
        return (st->s1 > 0 ? st->w * f - st->s1 * log(f) : 0) - st->s2 + pen;
    }
    double delta = st->s1 / st->w;
    double q = fmax(st->s2 - st->s1 * delta, 0);
    double phi_e = q / st->n;
    int inflated = phi_e > s->phi;
    double phi = inflated ? phi_e : s->phi;
    double pen = s->log_km[depth] + half_log1p_of(s, st->n) * (inflated ? 2 : 1);
    double t2 = (delta - s->mu) * (delta - s->mu) * st->w / phi;
    *shift_ok = 0.5 * t2 > pen;
    return 0.5 * st->n * log(2 * M_PI * phi) + q / (2 * phi) + pen;
}

void rca_model_owned_stats(const rca_state_t *s, size_t pick, rca_stats_t *st)
{
    rca_stats_t sum = {0}; /* a local sum, kept in registers */
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] == (int)pick) {
            rca_add_leaf(&sum, s, i);
        }
    }
    *st = sum;
}

double rca_model_total_cost(const rca_state_t *s)
{
    double cost = 0;
    for (size_t i = 0; i < s->sig->n; i++) {
        if (s->owner[i] < 0) {
            cost += s->c0[i];
        }
    }
    for (size_t k = 0; k < s->n_picks; k++) {
        if (!s->picks[k].alive) {
            continue;
        }
        rca_stats_t st;
        rca_model_owned_stats(s, k, &st);
        if (st.n > 0) {
            int ok;
            cost += rca_model_element_cost(s, &st, s->cuboids[s->picks[k].cuboid].depth, &ok);
        }
    }
    return cost;
}
