/* rca.c — root-cause localisation: turns a cube into per-leaf signals, runs the search on each and
 * states what the found elements explain.
 *
 * Why signals: an additive KPI has one (each leaf's value against its baseline). A ratio KPI moves
 * for two different reasons, and a category manager acts differently on each: a segment's own
 * ratio moved (rate: paid search converts worse), or the segment's share of the denominator moved
 * while its ratio differs from the rest (mix: traffic shifted to a weaker source). So a ratio gets
 * a rate signal (each leaf's numerator against its baseline ratio times its current denominator)
 * and a mix signal (each leaf's denominator against its baseline), searched separately; a mix
 * element is kept only when its effect on the ratio is significant and larger than its rate
 * effect. What an element explains is an exact counterfactual, so the parts add up.
 *
 * Each signal's noise is calibrated on the data itself. Amounts: var(x) = a/m + b per leaf of size
 * m (Poisson-like plus multiplicative noise), fitted robustly (medians in size bins). Counts
 * (viewers, stalls, orders): the count itself against its expectation, with the variance of a
 * negative binomial, lambda(1 + b lambda), b fitted robustly on the leaves large enough to show it;
 * a transformed count cannot stand in for the count when most leaves expect less than one event
 * (the RS cubes), because its null distribution is then lumpy, skewed and off-centre.
 * docs/rca.md has the derivations. */
#include "insights/rca.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/rca_search.h"
#include "insights/stats.h"

#define VAR_FLOOR 1e-6
#define BIN_LEAVES 30
#define MAX_BINS 8

typedef struct {
    size_t n;
    int counts; /* 1: x = y / lambda, m = lambda (the count family); 0: amounts */
    size_t *leaf;
    double *x, *w, *m;
    double *v;      /* counts: the relative variance of lambda itself (the baseline's own noise) */
    int made;       /* allocated and filled: its weights are to be calibrated */
    double b_floor; /* counts: the dispersion measured on the baseline, a floor under the fit */
} signal_t;

static void signal_free(signal_t *s)
{
    free(s->leaf);
    free(s->x);
    free(s->w);
    free(s->m);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int signal_alloc(signal_t *s, size_t n, cl_err_t *err)
{
    memset(s, 0, sizeof(*s));
    size_t k = n ? n : 1;
    s->leaf = calloc(k, sizeof(size_t));
    s->x = calloc(k, sizeof(double));
    s->w = calloc(k, sizeof(double));
    s->m = calloc(k, sizeof(double));
    s->v = calloc(k, sizeof(double));
    if (!s->leaf || !s->x || !s->w || !s->m || !s->v) {
        signal_free(s);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    s->made = 1;
    return 0;
}

/* Leaf deviation of amount OBS against expected EXP, relative, with its size m for the noise
 * model: symmetric, (obs - exp) / mean, bounded in [-2, 2] and defined for zeros and negative
 * amounts (returns, net revenue). */
static void signal_push(signal_t *s, size_t leaf, double obs, double exp)
{
    double m = 0.5 * (fabs(obs) + fabs(exp));
    if (!(m > 0)) {
        return; /* nothing observed, nothing expected: no information */
    }
    s->leaf[s->n] = leaf;
    s->x[s->n] = (obs - exp) / m;
    s->m[s->n] = m;
    s->n++;
}

/* A count Y against its expectation LAMBDA, itself estimated from EVENTS baseline events (its
 * relative variance 1 / EVENTS): x = Y / LAMBDA (1 = as expected), m = LAMBDA. A leaf nothing was
 * expected of carries no information (its count cannot be weighed). */
static void count_push(signal_t *s, size_t leaf, double y, double lambda, double events)
{
    if (!(lambda > 0)) {
        return;
    }
    s->leaf[s->n] = leaf;
    s->x[s->n] = y / lambda;
    s->m[s->n] = lambda;
    s->v[s->n] = 1 / events;
    s->n++;
}

/* ---- noise model ------------------------------------------------------------------------ */

typedef struct {
    double key;
    size_t idx;
} keyed_t;

static int keyed_before(const keyed_t *x, const keyed_t *y)
{
    return x->key != y->key ? x->key < y->key : x->idx < y->idx;
}

/* Sort V (N items) by key, then index: a total order, so the order qsort gave with the same
 * comparison, by a bottom-up merge sort with the comparison inlined (TMP: N items of scratch).
 * Keys are finite (leaf sizes). */
static void sort_keyed(keyed_t *v, keyed_t *tmp, size_t n)
{
    keyed_t *a = v, *b = tmp;
    for (size_t run = 1; run < n; run *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * run) {
            size_t mid = lo + run < n ? lo + run : n, hi = lo + 2 * run < n ? lo + 2 * run : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                b[k++] = keyed_before(&a[j], &a[i]) ? a[j++] : a[i++];
            }
            while (i < mid) {
                b[k++] = a[i++];
            }
            while (j < hi) {
                b[k++] = a[j++];
            }
        }
        keyed_t *t = a;
        a = b;
        b = t;
    }
    if (a != v) {
        memcpy(v, a, n * sizeof(*v));
    }
}

/* Amounts: fit var(x) = a/m + b on size bins (robust spread in each), then set each leaf's
 * weight. */
static int calibrate(signal_t *s, cl_err_t *err)
{
    if (s->n == 0) {
        return 0;
    }
    keyed_t *order = calloc(2 * s->n, sizeof(*order));
    double *tmp = calloc(s->n, sizeof(double));
    if (!order || !tmp) {
        free(order);
        free(tmp);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t i = 0; i < s->n; i++) {
        order[i].key = s->m[i];
        order[i].idx = i;
    }
    sort_keyed(order, order + s->n, s->n);
    size_t bins = s->n / BIN_LEAVES;
    bins = bins < 1 ? 1 : bins > MAX_BINS ? MAX_BINS : bins;
    double su = 0, suu = 0, sv = 0, suv = 0, sn = 0, v_all = 0;
    for (size_t b = 0; b < bins; b++) {
        size_t lo = b * s->n / bins, hi = (b + 1) * s->n / bins, k = hi - lo;
        for (size_t j = 0; j < k; j++) {
            tmp[j] = s->m[order[lo + j].idx];
        }
        double mb = cl_stats_median_inplace(tmp, k);
        for (size_t j = 0; j < k; j++) {
            tmp[j] = s->x[order[lo + j].idx];
        }
        double centre = cl_stats_median_inplace(tmp, k);
        for (size_t j = 0; j < k; j++) {
            tmp[j] = fabs(s->x[order[lo + j].idx] - centre);
        }
        double mad = 1.4826 * cl_stats_median_inplace(tmp, k), vb = mad * mad, u = 1.0 / mb;
        su += k * u;
        suu += k * u * u;
        sv += k * vb;
        suv += k * u * vb;
        sn += k;
        v_all = vb;
    }
    double a, b;
    double det = sn * suu - su * su;
    if (bins < 2 || !(fabs(det) > 1e-12 * sn * suu)) {
        /* one bin: the size dependence cannot be seen; amounts are taken as relative */
        a = 0;
        b = v_all;
    } else {
        a = (sn * suv - su * sv) / det;
        b = (sv - a * su) / sn;
        if (a < 0) {
            a = 0;
            b = sv / sn;
        } else if (b < 0) {
            b = 0;
            a = suv / suu;
        }
    }
    if (b < VAR_FLOOR) {
        b = VAR_FLOOR;
    }
    for (size_t i = 0; i < s->n; i++) {
        s->w[i] = 1.0 / (a / s->m[i] + b);
    }
    free(order);
    free(tmp);
    return 0;
}

/* Counts: the negative-binomial weights of a count signal (rca_count_calibrate). */
static int calibrate_counts(signal_t *s, double b_floor, cl_err_t *err)
{
    return rca_count_calibrate(s->w, s->x, s->m, s->v, s->n, b_floor, err);
}

/* ---- validation and totals -------------------------------------------------------------- */

static int ok_den(double v)
{
    return isfinite(v) && v >= 0;
}

static int validate(const cl_rca_cube_t *c, cl_err_t *err)
{
    if (!c || c->n_attrs == 0 || !c->attrs) {
        return cl_err_set(err, CL_EINVAL, "rca: the cube has no attributes");
    }
    if (c->n_attrs > CL_RCA_MAX_ATTRS) {
        return cl_err_set(err, CL_EINVAL, "rca: %zu attributes; at most %d", c->n_attrs,
                          CL_RCA_MAX_ATTRS);
    }
    if ((c->cur_den == NULL) != (c->base_den == NULL)) {
        return cl_err_set(err, CL_EINVAL, "rca: a ratio KPI needs both denominators");
    }
    if (c->n_leaves > 0 && (!c->codes || !c->cur_num || !c->base_num)) {
        return cl_err_set(err, CL_EINVAL, "rca: the cube has leaves but no codes or values");
    }
    for (size_t a = 0; a < c->n_attrs; a++) {
        int p = c->attrs[a].parent;
        if (p >= (int)c->n_attrs || p == (int)a) {
            return cl_err_set(err, CL_EINVAL, "rca: attribute %zu has a bad parent", a);
        }
        int guard = 0;
        for (; p >= 0 && guard <= CL_RCA_MAX_ATTRS; p = c->attrs[p].parent) {
            guard++;
        }
        if (guard > CL_RCA_MAX_ATTRS) {
            return cl_err_set(err, CL_EINVAL, "rca: the attribute hierarchy has a cycle");
        }
    }
    for (size_t i = 0; i < c->n_leaves; i++) {
        for (size_t a = 0; a < c->n_attrs; a++) {
            if (c->codes[i * c->n_attrs + a] >= c->attrs[a].n_values) {
                return cl_err_set(err, CL_EINVAL, "rca: leaf %zu has a value code out of range", i);
            }
        }
        if (!isfinite(c->cur_num[i]) || !isfinite(c->base_num[i]) ||
            (c->cur_den && (!ok_den(c->cur_den[i]) || !ok_den(c->base_den[i])))) {
            return cl_err_set(err, CL_EINVAL,
                              "rca: leaf %zu has a non-finite value or a negative denominator", i);
        }
    }
    return 0;
}

typedef struct {
    double v, d, f, g; /* current num, current den, baseline num, baseline den */
} sums_t;

static void leaf_sums(const cl_rca_cube_t *c, size_t i, sums_t *s)
{
    s->v += c->cur_num[i];
    s->f += c->base_num[i];
    if (c->cur_den) {
        s->d += c->cur_den[i];
        s->g += c->base_den[i];
    }
}

static double ratio(double num, double den)
{
    return den > 0 ? num / den : 0;
}

/* ---- signals ---------------------------------------------------------------------------- */

/* Counts of a ratio KPI; the baseline holds the means of P periods, so its counts are P times
 * its values. Rate: a leaf's stalls (conversions) against its current viewers times its baseline
 * ratio, estimated with half an event of prior at the cube's ratio (Jeffreys: the ratio of a leaf
 * that had no event in the baseline is small, not zero, and a leaf new since the baseline gets
 * the cube's ratio). Mix: its viewers against its baseline viewers (with half a viewer of prior,
 * so that a leaf new since the baseline can be weighed). Either way the expectation is itself an
 * estimate, as noisy as the baseline events it rests on. */
static int count_signals(signal_t *main, signal_t *mix, const cl_rca_cube_t *c, const sums_t *tot,
                         double p, double b_floor, cl_err_t *err)
{
    double r0 = tot->g > 0 && tot->f > 0 ? tot->f / tot->g : tot->d > 0 ? tot->v / tot->d : 0;
    r0 = r0 > 1e-9 ? r0 : 1e-9;
    for (size_t i = 0; i < c->n_leaves; i++) {
        double f = p * c->base_num[i], g = p * c->base_den[i];
        count_push(main, i, c->cur_num[i], c->cur_den[i] * (f + 0.5) / (g + 0.5 / r0), f + 0.5);
        if (!(c->cur_den[i] == 0 && g == 0)) {
            count_push(mix, i, c->cur_den[i], (g + 0.5) / p, g + 0.5);
        }
    }
    main->b_floor = b_floor;
    mix->b_floor = 0;
    (void)err;
    return 0;
}

/* The signals of cube C (a ratio's mix signal too), weights not yet calibrated
 * (calibrate_signal). */
static int make_signals(signal_t *main, signal_t *mix, const cl_rca_cube_t *c, int counts,
                        double periods, double b_floor, const sums_t *tot, cl_err_t *err)
{
    int rc = signal_alloc(main, c->n_leaves, err);
    if (rc == 0 && c->cur_den) {
        rc = signal_alloc(mix, c->n_leaves, err);
    }
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; counts && i < c->n_leaves; i++) {
        if (c->cur_num[i] < 0 || c->base_num[i] < 0) {
            counts = 0; /* negative "counts": weigh them as amounts */
        }
    }
    main->counts = mix->counts = counts;
    if (!c->cur_den) {
        for (size_t i = 0; i < c->n_leaves; i++) {
            double f = periods * c->base_num[i];
            if (counts && !(c->cur_num[i] == 0 && f == 0)) {
                count_push(main, i, c->cur_num[i], (f + 0.5) / periods, f + 0.5);
            } else if (!counts) {
                signal_push(main, i, c->cur_num[i], c->base_num[i]);
            }
        }
        main->b_floor = b_floor;
        return 0;
    }
    if (counts) {
        return count_signals(main, mix, c, tot, periods, b_floor, err);
    }
    /* Amounts: a leaf's expected numerator is its own baseline ratio times its current
     * denominator; a leaf new since the baseline gets the cube's ratio. */
    double r0 = tot->g > 0 ? tot->f / tot->g : ratio(tot->v, tot->d);
    for (size_t i = 0; i < c->n_leaves; i++) {
        double g = c->base_den[i];
        double q = g > 0 ? c->base_num[i] / g : r0;
        signal_push(main, i, c->cur_num[i], c->cur_den[i] * q);
        signal_push(mix, i, c->cur_den[i], g);
    }
    return 0;
}

/* The weights of S (made by make_signals): its noise model, calibrated on it. */
static int calibrate_signal(signal_t *s, cl_err_t *err)
{
    if (!s->made) {
        return 0;
    }
    return s->counts ? calibrate_counts(s, s->b_floor, err) : calibrate(s, err);
}

/* Search signal S. MIX: it is the mix signal, whose common level (the overall volume change) is
 * always fitted: share shifts are defined against it. */
static int search_signal(rca_search_result_t *out, const cl_rca_cube_t *c, const signal_t *s,
                         int depth, int max_el, int direction, int mix,
                         const rca_numbering_t *numbering, cl_err_t *err)
{
    rca_signal_t sig = {s->n, s->leaf, s->x, s->w, s->counts, s->m, direction, !mix, numbering};
    return rca_search(out, c, &sig, depth, max_el, err);
}

/* ---- elements and effects --------------------------------------------------------------- */

static void fill_numbers(cl_rca_element_t *el, const cl_rca_cube_t *c)
{
    sums_t s = {0};
    size_t n = 0;
    for (size_t i = 0; i < c->n_leaves; i++) {
        if (rca_leaf_matches(c, i, el->pairs, el->depth)) {
            leaf_sums(c, i, &s);
            n++;
        }
    }
    el->n_leaves = n;
    el->cur_num = s.v;
    el->base_num = s.f;
    el->cur_den = s.d;
    el->base_den = s.g;
    el->cur_ratio = ratio(s.v, s.d);
    el->base_ratio = ratio(s.f, s.g);
}

/* Each leaf counts for the first element (in EL order) holding it. OWNED gets n_el + 1 sums: the
 * elements', then the rest's. */
static void owned_sums(sums_t *owned, const cl_rca_element_t *el, size_t n_el,
                       const cl_rca_cube_t *c)
{
    memset(owned, 0, (n_el + 1) * sizeof(*owned));
    for (size_t i = 0; i < c->n_leaves; i++) {
        size_t k = 0;
        while (k < n_el && !rca_leaf_matches(c, i, el[k].pairs, el[k].depth)) {
            k++;
        }
        leaf_sums(c, i, &owned[k]);
    }
}

/* Mix and rate effect of segment E against the rest R (current ratio), exact:
 * explained = (w'_e - w_e)(r_e - r'_R) + w'_e (r'_e - r_e). */
static void ratio_effects(double *mix, double *rate, const sums_t *e, const sums_t *rest,
                          const sums_t *tot)
{
    double w1 = tot->d > 0 ? e->d / tot->d : 0, w0 = tot->g > 0 ? e->g / tot->g : 0;
    double r1 = e->d > 0 ? e->v / e->d : ratio(e->f, e->g);
    double r0 = e->g > 0 ? e->f / e->g : r1;
    double rr = rest->d > 0 ? rest->v / rest->d : ratio(tot->f, tot->g);
    *mix = (w1 - w0) * (r0 - rr);
    *rate = w1 * (r1 - r0);
}

static void explain(cl_rca_element_t *el, size_t n_el, sums_t *owned, const cl_rca_cube_t *c,
                    const sums_t *tot, double change)
{
    owned_sums(owned, el, n_el, c);
    for (size_t k = 0; k < n_el; k++) {
        if (c->cur_den) {
            ratio_effects(&el[k].mix_effect, &el[k].rate_effect, &owned[k], &owned[n_el], tot);
            el[k].explained = el[k].mix_effect + el[k].rate_effect;
        } else {
            el[k].explained = owned[k].v - owned[k].f;
        }
        el[k].share = change != 0 ? el[k].explained / change : 0;
    }
}

static int overlaps(const cl_rca_cube_t *c, const cl_rca_element_t *a, const cl_rca_element_t *b)
{
    for (size_t i = 0; i < c->n_leaves; i++) {
        if (rca_leaf_matches(c, i, a->pairs, a->depth) &&
            rca_leaf_matches(c, i, b->pairs, b->depth)) {
            return 1;
        }
    }
    return 0;
}

static void from_found(cl_rca_element_t *el, const rca_found_t *f, cl_rca_kind_t kind,
                       const cl_rca_cube_t *c)
{
    memset(el, 0, sizeof(*el));
    el->depth = f->depth;
    memcpy(el->pairs, f->pairs, sizeof(el->pairs));
    el->kind = kind;
    el->score = f->score;
    el->shift = f->shift;
    el->confidence = 1.0 / (1.0 + exp(-f->score));
    fill_numbers(el, c);
}

/* Keep a mix element when its effect on the ratio is significant against the denominator's noise
 * (its segment's share could not have moved that much by chance, Bonferroni over the candidates,
 * with the report bar of rate elements on top) and larger than its rate effect, and when it does
 * not overlap a rate element. */
static int mix_worth_it(const cl_rca_element_t *cand, const cl_rca_element_t *el, size_t n_el,
                        const cl_rca_cube_t *c, const signal_t *mix, const sums_t *tot,
                        double log_candidates, int direction)
{
    for (size_t k = 0; k < n_el; k++) {
        if (overlaps(c, cand, &el[k])) {
            return 0;
        }
    }
    sums_t e = {0}, rest = {0};
    double var_d = 0;
    size_t j = 0;
    for (size_t i = 0; i < c->n_leaves; i++) {
        int in = rca_leaf_matches(c, i, cand->pairs, cand->depth);
        int taken = 0;
        for (size_t k = 0; !in && k < n_el && !taken; k++) {
            taken = rca_leaf_matches(c, i, el[k].pairs, el[k].depth);
        }
        if (in) {
            leaf_sums(c, i, &e);
        } else if (!taken) {
            leaf_sums(c, i, &rest);
        }
        while (j < mix->n && mix->leaf[j] < i) {
            j++;
        }
        if (in && j < mix->n && mix->leaf[j] == i) {
            var_d += mix->m[j] * mix->m[j] / mix->w[j];
        }
    }
    double mx, rt;
    ratio_effects(&mx, &rt, &e, &rest, tot);
    double rr = rest.d > 0 ? rest.v / rest.d : ratio(tot->f, tot->g);
    double se = fabs(ratio(e.f, e.g) - rr) * sqrt(var_d) * (tot->d - e.d) / (tot->d * tot->d);
    if (!(se > 0) || fabs(mx) <= fabs(rt) || direction * mx < 0) {
        return 0; /* not significant, not mostly mix, or moved the KPI the other way */
    }
    double z = mx / se; /* its evidence net of the search's multiplicity, at the report bar */
    return 0.5 * z * z - log_candidates > RCA_EVIDENCE_BAR;
}

static int cmp_element(const void *a, const void *b)
{
    const cl_rca_element_t *x = a, *y = b;
    if (fabs(x->explained) != fabs(y->explained)) {
        return fabs(x->explained) > fabs(y->explained) ? -1 : 1;
    }
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->depth != y->depth) {
        return x->depth < y->depth ? -1 : 1;
    }
    return memcmp(x->pairs, y->pairs, sizeof(x->pairs));
}

static void summarise(cl_rca_result_t *r)
{
    double certainty = 1, expl = 0;
    for (size_t k = 0; k < r->n_elements; k++) {
        certainty = fmin(certainty, r->elements[k].confidence);
        expl += r->elements[k].explained;
    }
    r->explained = expl;
    r->explained_share = r->total_change != 0 ? expl / r->total_change : 0;
    double denom = fabs(expl) + fabs(r->total_change - expl);
    r->confidence = r->n_elements && denom > 0 ? certainty * fabs(expl) / denom : 0;
}

/* The standard error of the KPI's change under the null of the main signal: what the KPI would
 * move by from its leaves' own noise alone. Counts: var(y) = f0 lambda d = f0 lambda^2 / w per leaf
 * (the negative binomial of rca_counts.c at the fitted level f0); amounts: var(obs - exp) =
 * m^2 phi / w (the calibrated relative noise at the null's scale). A ratio divides the numerator's
 * noise by the current denominator. */
static double kpi_noise(const signal_t *s, const rca_search_result_t *res, const cl_rca_cube_t *c,
                        const sums_t *tot)
{
    double var = 0, f0 = fmax(res->drift + 1, 0);
    for (size_t j = 0; j < s->n; j++) {
        if (s->w[j] > 0) {
            var += (s->counts ? f0 : res->phi) * s->m[j] * s->m[j] / s->w[j];
        }
    }
    double se = sqrt(var);
    return c->cur_den ? (tot->d > 0 ? se / tot->d : 0) : se;
}

/* 1 if element EL is a cause of the KPI's change in the question's DIRECTION (0: either): its
 * effect on the KPI (the exact counterfactual, explain()) goes that way; and, for a mix element,
 * the effect is material: the KPI without the shift would differ from the KPI with it by more than
 * the KPI's own noise SE allows at the report bar, 0.5 (explained / SE)^2 >= log 20 (the
 * convention of an element's evidence). A mix element is a claim about the KPI ("traffic moved to
 * a weaker source"), so it is judged on the KPI's scale: a segment whose viewers doubled is a
 * significant share shift, but not the KPI's root cause when its effect is within the KPI's noise.
 * A rate element is a claim about its own segment (it broke) and is not held to this: a small
 * segment that truly broke is reported even when the total cannot show it (docs/rca.md). */
static int is_cause(const cl_rca_element_t *el, double se, int direction)
{
    if (direction * el->explained < 0) {
        return 0; /* a leaf group that moved against the question: background */
    }
    if (el->kind != CL_RCA_KIND_MIX || !(se > 0)) {
        return 1;
    }
    double z = el->explained / se;
    return 0.5 * z * z >= RCA_EVIDENCE_BAR;
}

static int build_result(cl_rca_result_t *r, const cl_rca_cube_t *c, const rca_search_result_t *main,
                        const rca_search_result_t *mixr, const signal_t *mainsig,
                        const signal_t *mix, const sums_t *tot, int max_el, int direction,
                        cl_err_t *err)
{
    size_t cap = main->n_found + (mixr ? mixr->n_found : 0);
    r->elements = calloc(cap ? cap : 1, sizeof(*r->elements));
    sums_t *owned = calloc(cap + 1, sizeof(*owned));
    if (!r->elements || !owned) {
        free(owned);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    cl_rca_kind_t kind = c->cur_den ? CL_RCA_KIND_RATE : CL_RCA_KIND_CHANGE;
    for (size_t k = 0; k < main->n_found; k++) {
        from_found(&r->elements[r->n_elements++], &main->found[k], kind, c);
    }
    size_t n_rate = r->n_elements;
    double log_cand = log(fmax((double)(mixr ? mixr->n_candidates : 1), 1));
    for (size_t k = 0; mixr && k < mixr->n_found && r->n_elements < (size_t)max_el; k++) {
        cl_rca_element_t cand;
        from_found(&cand, &mixr->found[k], CL_RCA_KIND_MIX, c);
        if (mix_worth_it(&cand, r->elements, n_rate, c, mix, tot, log_cand, direction)) {
            r->elements[r->n_elements++] = cand;
        }
    }
    explain(r->elements, r->n_elements, owned, c, tot, r->total_change);
    qsort(r->elements, r->n_elements, sizeof(*r->elements), cmp_element);
    explain(r->elements, r->n_elements, owned, c, tot, r->total_change);
    /* drop what is not a cause of the KPI's change (is_cause), one at a time from the least
     * material: the others' effects are stated against the rest, which changes with each drop */
    double se = kpi_noise(mainsig, main, c, tot);
    for (;;) {
        size_t worst = r->n_elements;
        for (size_t k = 0; k < r->n_elements; k++) {
            if (!is_cause(&r->elements[k], se, direction) &&
                (worst == r->n_elements ||
                 fabs(r->elements[k].explained) < fabs(r->elements[worst].explained))) {
                worst = k;
            }
        }
        if (worst == r->n_elements) {
            break;
        }
        memmove(&r->elements[worst], &r->elements[worst + 1],
                (r->n_elements - worst - 1) * sizeof(*r->elements));
        r->n_elements--;
        explain(r->elements, r->n_elements, owned, c, tot, r->total_change);
        qsort(r->elements, r->n_elements, sizeof(*r->elements), cmp_element);
        explain(r->elements, r->n_elements, owned, c, tot, r->total_change);
    }
    free(owned);
    r->drift = main->drift;
    r->n_candidates = main->n_candidates;
    summarise(r);
    return 0;
}

/* One localisation, in three parts so that the searches of several can run at once
 * (cl_rca_run_many): prepare (options, totals, signals), search (each signal: the costly part,
 * independent of the other), finish (the result). */
typedef struct job {
    const cl_rca_cube_t *cube;
    cl_rca_options_t o;
    int depth, max_el, with_mix;
    cl_rca_result_t *r;
    rca_search_result_t res[2];
    signal_t main, mix;
    sums_t tot;
    int rc, search_rc[2];
    cl_err_t search_err[2];
    struct job *twin; /* cl_rca_run_many: a job whose mix search is this one's main search's
                       * fitted-level result (its signal is this one's, bit for bit) */
    int mix_by_twin;  /* this job's mix result comes from another job's main search */
    const rca_numbering_t *numbering; /* cl_rca_run_many: its cube's, shared (NULL: none) */
} job_t;

static int job_prepare(job_t *j, const cl_rca_cube_t *cube, const cl_rca_options_t *opt,
                       cl_err_t *err)
{
    memset(j, 0, sizeof(*j));
    j->cube = cube;
    cl_rca_options_t o = CL_RCA_OPTIONS_INIT;
    if (opt) {
        o = *opt;
    }
    j->o = o;
    if (o.max_depth < 0 || o.max_depth > CL_RCA_MAX_DEPTH || o.max_elements < 0 ||
        o.max_elements > RCA_SEARCH_MAX_FOUND) {
        return cl_err_set(err, CL_EINVAL, "rca: max_depth must be 0..%d and max_elements 0..%d",
                          CL_RCA_MAX_DEPTH, RCA_SEARCH_MAX_FOUND);
    }
    if (o.direction < -1 || o.direction > 1) {
        return cl_err_set(err, CL_EINVAL, "rca: direction must be -1, 0 or 1");
    }
    if (!isfinite(o.dispersion) || o.dispersion < 0) {
        return cl_err_set(err, CL_EINVAL, "rca: dispersion must be finite and >= 0");
    }
    int rc = validate(cube, err);
    if (rc != 0) {
        return rc;
    }
    j->depth = o.max_depth ? o.max_depth : 3;
    if (j->depth > (int)cube->n_attrs) {
        j->depth = (int)cube->n_attrs;
    }
    j->max_el = o.max_elements ? o.max_elements : 10;
    j->r = calloc(1, sizeof(*j->r));
    if (!j->r) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t i = 0; i < cube->n_leaves; i++) {
        leaf_sums(cube, i, &j->tot);
    }
    const sums_t *tot = &j->tot;
    j->r->cur_kpi = cube->cur_den ? ratio(tot->v, tot->d) : tot->v;
    j->r->base_kpi = cube->cur_den ? ratio(tot->f, tot->g) : tot->f;
    j->r->total_change = j->r->cur_kpi - j->r->base_kpi;
    j->with_mix = cube->cur_den && !o.no_mix;
    return make_signals(&j->main, &j->mix, cube, o.counts, o.base_periods > 0 ? o.base_periods : 1,
                        o.dispersion, tot, err);
}

/* Search signal K of J (0: the main signal, 1: the mix signal). */
static void job_search(job_t *j, int k)
{
    if (k == 0 && j->twin) {
        const signal_t *s = &j->main;
        rca_signal_t sig = {s->n, s->leaf,        s->x, s->w,        s->counts,
                            s->m, j->o.direction, 1,    j->numbering};
        j->search_rc[0] = rca_search_twin(&j->res[0], &j->twin->res[1], j->cube, &sig, j->depth,
                                          j->max_el, &j->search_err[0]);
        j->twin->search_rc[1] = j->search_rc[0];
        j->twin->search_err[1] = j->search_err[0];
        return;
    }
    j->search_rc[k] = k == 0 ? search_signal(&j->res[0], j->cube, &j->main, j->depth, j->max_el,
                                             j->o.direction, 0, j->numbering, &j->search_err[0])
                             : search_signal(&j->res[1], j->cube, &j->mix, j->depth, j->max_el, 0,
                                             1, j->numbering, &j->search_err[1]); /* mix_worth_it */
}

static int job_finish(job_t *j, cl_rca_result_t **out, cl_err_t *err)
{
    int rc = 0;
    for (int k = 0; k < 1 + j->with_mix && rc == 0; k++) {
        if (j->search_rc[k] != 0) {
            rc = j->search_rc[k];
            if (err) {
                *err = j->search_err[k];
            }
        }
    }
    if (rc == 0) {
        rc = build_result(j->r, j->cube, &j->res[0], j->with_mix ? &j->res[1] : NULL, &j->main,
                          &j->mix, &j->tot, j->max_el, j->o.direction, err);
    }
    if (rc == 0) {
        *out = j->r;
        j->r = NULL;
    }
    return rc;
}

static void job_free(job_t *j)
{
    cl_rca_result_free(j->r);
    signal_free(&j->main);
    signal_free(&j->mix);
    j->r = NULL;
}

int cl_rca_run(cl_rca_result_t **out, const cl_rca_cube_t *cube, const cl_rca_options_t *opt,
               cl_err_t *err)
{
    *out = NULL;
    job_t *j = malloc(sizeof(*j));
    if (!j) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    int rc = job_prepare(j, cube, opt, err);
    rc = rc ? rc : calibrate_signal(&j->main, err);
    rc = rc ? rc : calibrate_signal(&j->mix, err);
    if (rc == 0) {
        job_search(j, 0);
        if (j->with_mix) {
            job_search(j, 1);
        }
        rc = job_finish(j, out, err);
    }
    job_free(j);
    free(j);
    return rc;
}

/* cl_rca_run_many: every cube's signals (prepare), their weights (calibrate), then every search,
 * each phase's tasks biggest first (a signal's cost grows with its leaves) so that the last task
 * to start is a small one. A signal another job has too, bit for bit, is calibrated and searched
 * once (twins). */
typedef struct {
    job_t *jobs;
    const cl_rca_cube_t *cubes;
    const cl_rca_options_t *opts;
    int *rcs;
    cl_err_t *errs;
    size_t *order; /* prepare: task t prepares job order[t]; calibrate and search: task t is
                    * signal order[t] % 2 (0 main, 1 mix) of job order[t] / 2; calibrate: an
                    * order[t] >= 2n numbers the cube of group order[t] - 2n */
    size_t n;
    rca_numbering_t **numberings; /* per group of jobs on one cube (same_cube) */
    size_t *group_job;            /* per group: its first job */
    size_t *group_of;             /* per job: its group (SIZE_MAX: none) */
    cl_parallel_task_fn side;     /* the caller's task, the search phase's first (NULL: none) */
    void *side_arg;
} many_t;

/* The numbering of group G's cube over the union of its jobs' signal leaves. */
static void number_group(many_t *m, size_t g)
{
    const job_t *a = &m->jobs[m->group_job[g]];
    size_t n = a->cube->n_leaves, k = 0;
    unsigned char *in = calloc(n ? n : 1, 1);
    size_t *leaves = malloc((n ? n : 1) * sizeof(size_t));
    if (!in || !leaves) {
        free(in);
        free(leaves);
        return; /* no numbering: each search numbers its own */
    }
    for (size_t j = 0; j < m->n; j++) {
        const job_t *b = &m->jobs[j];
        for (int s = 0; m->group_of[j] == g && s < 2; s++) {
            const signal_t *sig = s ? &b->mix : &b->main;
            for (size_t i = 0; sig->made && i < sig->n; i++) {
                in[sig->leaf[i]] = 1;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (in[i]) {
            leaves[k++] = i;
        }
    }
    rca_numbering_make(&m->numberings[g], a->cube, a->depth, leaves, k);
    free(in);
    free(leaves);
}

static void calibrate_task(void *arg, size_t t)
{
    many_t *m = arg;
    if (m->order[t] >= 2 * m->n) {
        number_group(m, m->order[t] - 2 * m->n);
        return;
    }
    job_t *j = &m->jobs[m->order[t] / 2];
    int k = (int)(m->order[t] % 2);
    j->search_rc[k] = calibrate_signal(k ? &j->mix : &j->main, &j->search_err[k]);
}

/* 1 if jobs A and B search one cube of codes at one depth (their searches number the same
 * elements): the same codes, leaves and attributes. */
static int same_cube(const job_t *a, const job_t *b)
{
    const cl_rca_cube_t *c = a->cube, *d = b->cube;
    if (c->codes != d->codes || c->n_leaves != d->n_leaves || c->n_attrs != d->n_attrs ||
        a->depth != b->depth) {
        return 0;
    }
    for (size_t k = 0; k < c->n_attrs; k++) {
        if (c->attrs[k].n_values != d->attrs[k].n_values ||
            c->attrs[k].parent != d->attrs[k].parent) {
            return 0;
        }
    }
    return 1;
}

/* 1 if A's main signal and B's mix signal are the same before calibration, bit for bit, and are
 * calibrated alike: the same weights will come of them. */
static int raw_twins(const job_t *a, const job_t *b)
{
    const signal_t *s = &a->main, *t = &b->mix;
    size_t n = s->n;
    return s->made && t->made && s->counts == t->counts && n == t->n && s->b_floor == t->b_floor &&
           memcmp(s->leaf, t->leaf, n * sizeof(*s->leaf)) == 0 &&
           memcmp(s->x, t->x, n * sizeof(*s->x)) == 0 &&
           memcmp(s->m, t->m, n * sizeof(*s->m)) == 0 && memcmp(s->v, t->v, n * sizeof(*s->v)) == 0;
}

static void prepare_task(void *arg, size_t t)
{
    many_t *m = arg;
    size_t k = m->order[t];
    m->rcs[k] = job_prepare(&m->jobs[k], &m->cubes[k], m->opts ? &m->opts[k] : NULL, &m->errs[k]);
}

static void search_task(void *arg, size_t t)
{
    many_t *m = arg;
    if (m->side) {
        if (t == 0) {
            m->side(m->side_arg, 0);
            return;
        }
        t--;
    }
    job_search(&m->jobs[m->order[t] / 2], (int)(m->order[t] % 2));
}

/* 1 if A's main search (which chooses the count level) runs on B's mix signal, bit for bit: the
 * same cube of codes, leaves, deviations, weights and expected counts, and the same search
 * (direction 0, as a mix search's; depth; elements). A ratio of counts over a count cube's measure
 * (conversion = orders / visits beside visits) has one: its mix signal is the visits' signal. */
static int twins(const job_t *a, const job_t *b)
{
    const signal_t *s = &a->main, *t = &b->mix;
    const cl_rca_cube_t *c = a->cube, *d = b->cube;
    if (!s->counts || !t->counts || s->n != t->n || a->o.direction != 0 || a->depth != b->depth ||
        a->max_el != b->max_el || c->n_attrs != d->n_attrs || c->n_leaves != d->n_leaves) {
        return 0;
    }
    for (size_t k = 0; k < c->n_attrs; k++) {
        if (c->attrs[k].n_values != d->attrs[k].n_values ||
            c->attrs[k].parent != d->attrs[k].parent) {
            return 0;
        }
    }
    size_t n = s->n;
    return (c->codes == d->codes ||
            memcmp(c->codes, d->codes, c->n_leaves * c->n_attrs * sizeof(*c->codes)) == 0) &&
           memcmp(s->leaf, t->leaf, n * sizeof(*s->leaf)) == 0 &&
           memcmp(s->x, t->x, n * sizeof(*s->x)) == 0 &&
           memcmp(s->w, t->w, n * sizeof(*s->w)) == 0 && memcmp(s->m, t->m, n * sizeof(*s->m)) == 0;
}

typedef struct {
    size_t id;
    size_t size;
} task_size_t;

static int by_size(const void *a, const void *b)
{
    const task_size_t *x = a, *y = b;
    if (x->size != y->size) {
        return x->size > y->size ? -1 : 1;
    }
    return (x->id > y->id) - (x->id < y->id);
}

/* ORDER = the ids of SIZES (N of them), biggest first. */
static void order_by_size(size_t *order, task_size_t *sizes, size_t n)
{
    qsort(sizes, n, sizeof(*sizes), by_size);
    for (size_t t = 0; t < n; t++) {
        order[t] = sizes[t].id;
    }
}

int cl_rca_run_many(cl_rca_result_t **out, int *rcs, cl_err_t *errs, const cl_rca_cube_t *cubes,
                    const cl_rca_options_t *opts, size_t n, const cl_parallel_t *par,
                    cl_parallel_task_fn side, void *side_arg, cl_err_t *err)
{
    job_t *jobs = calloc(n ? n : 1, sizeof(*jobs));
    task_size_t *sizes = calloc(3 * n + 1, sizeof(*sizes));
    size_t *order = calloc(3 * n + 1, sizeof(*order));
    if (!jobs || !sizes || !order) {
        free(jobs);
        free(sizes);
        free(order);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    many_t m = {.jobs = jobs,
                .cubes = cubes,
                .opts = opts,
                .rcs = rcs,
                .errs = errs,
                .order = order,
                .n = n,
                .side = side,
                .side_arg = side_arg};
    for (size_t k = 0; k < n; k++) {
        out[k] = NULL;
        sizes[k] = (task_size_t){k, cubes[k].n_leaves * (cubes[k].cur_den ? 2 : 1)};
    }
    order_by_size(order, sizes, n);
    cl_parallel_for(par, n, prepare_task, &m);
    /* calibrate: each signal once (a raw twin takes its twin's weights) */
    size_t *calib_from = calloc(n ? n : 1, sizeof(*calib_from)); /* b's mix from job a + 1 */
    if (!calib_from) {
        for (size_t k = 0; k < n; k++) {
            job_free(&jobs[k]);
        }
        free(jobs);
        free(sizes);
        free(order);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t b = 0; b < n; b++) {
        for (size_t a = 0; a < n && rcs[b] == 0 && !calib_from[b]; a++) {
            if (a != b && rcs[a] == 0 && raw_twins(&jobs[a], &jobs[b])) {
                calib_from[b] = a + 1;
            }
        }
    }
    size_t n_tasks = 0;
    for (size_t k = 0; k < n; k++) {
        if (rcs[k] == 0) {
            sizes[n_tasks++] = (task_size_t){2 * k, jobs[k].main.n};
            if (jobs[k].mix.made && !calib_from[k]) {
                sizes[n_tasks++] = (task_size_t){2 * k + 1, jobs[k].mix.n};
            }
        }
    }
    /* the cubes searched more than once (a window's KPIs on one grain): numbered once, beside
     * the calibrations; each search derives its own numbering from its cube's (rca_numbering_t) */
    size_t *group_of = calloc(n ? n : 1, sizeof(size_t)), n_groups = 0;
    m.group_of = group_of;
    m.group_job = calloc(n ? n : 1, sizeof(size_t));
    m.numberings = calloc(n ? n : 1, sizeof(rca_numbering_t *));
    size_t *searches = calloc(n ? n : 1, sizeof(size_t));
    for (size_t k = 0; group_of && m.group_job && m.numberings && searches && k < n; k++) {
        group_of[k] = SIZE_MAX;
        if (rcs[k] != 0) {
            continue;
        }
        size_t g = 0;
        while (g < n_groups && !same_cube(&jobs[m.group_job[g]], &jobs[k])) {
            g++;
        }
        if (g == n_groups) {
            m.group_job[n_groups++] = k;
        }
        group_of[k] = g;
        searches[g] += 1 + (size_t)jobs[k].with_mix;
    }
    for (size_t g = 0; searches && g < n_groups; g++) {
        if (searches[g] >= 2) {
            sizes[n_tasks++] = (task_size_t){2 * n + g, 2 * cubes[m.group_job[g]].n_leaves};
        }
    }
    free(searches);
    order_by_size(order, sizes, n_tasks);
    cl_parallel_for(par, n_tasks, calibrate_task, &m);
    for (size_t k = 0; k < n; k++) {
        if (rcs[k] != 0) {
            continue;
        }
        jobs[k].numbering = n_groups ? m.numberings[group_of[k]] : NULL;
        if (calib_from[k]) {
            const job_t *a = &jobs[calib_from[k] - 1];
            memcpy(jobs[k].mix.w, a->main.w, a->main.n * sizeof(double));
            jobs[k].search_rc[1] = a->search_rc[0];
            jobs[k].search_err[1] = a->search_err[0];
        }
        for (int s = 0; s < 2 && rcs[k] == 0; s++) { /* main's error first, as cl_rca_run */
            if (jobs[k].search_rc[s] != 0) {
                rcs[k] = jobs[k].search_rc[s];
                errs[k] = jobs[k].search_err[s];
            }
        }
        jobs[k].search_rc[0] = jobs[k].search_rc[1] = 0;
    }
    free(calib_from);
    free(group_of);
    /* search */
    for (size_t b = 0; b < n; b++) {
        for (size_t a = 0; a < n && rcs[b] == 0 && jobs[b].with_mix && !jobs[b].mix_by_twin; a++) {
            if (a != b && rcs[a] == 0 && !jobs[a].twin && twins(&jobs[a], &jobs[b])) {
                jobs[a].twin = &jobs[b];
                jobs[b].mix_by_twin = 1;
            }
        }
    }
    n_tasks = 0;
    for (size_t k = 0; k < n; k++) {
        if (rcs[k] == 0) {
            sizes[n_tasks++] = (task_size_t){2 * k, jobs[k].main.n};
            if (jobs[k].with_mix && !jobs[k].mix_by_twin) {
                sizes[n_tasks++] = (task_size_t){2 * k + 1, jobs[k].mix.n};
            }
        }
    }
    order_by_size(order, sizes, n_tasks);
    cl_parallel_for(par, n_tasks + (side != NULL), search_task, &m);
    for (size_t k = 0; k < n; k++) {
        if (rcs[k] == 0) {
            rcs[k] = job_finish(&jobs[k], &out[k], &errs[k]);
        }
        job_free(&jobs[k]);
    }
    for (size_t g = 0; g < n_groups; g++) {
        rca_numbering_free(m.numberings[g]);
    }
    free(m.numberings);
    free(m.group_job);
    free(jobs);
    free(sizes);
    free(order);
    return 0;
}

void cl_rca_result_free(cl_rca_result_t *result)
{
    if (result) {
        free(result->elements);
        free(result);
    }
}
