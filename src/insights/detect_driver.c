/* detect_driver.c — why did a KPI change? The segments that carry a disproportionate part of the
 * change (drivers) and, for ratios, whether the change came from the mix of segments or from their
 * own rates. Each finding names the KPI change it explains, so the report reads "revenue fell 8 %,
 * 64 % of it in paid search" as one story. */
#include "insights/detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/format.h"

#define MAX_CANDIDATES 256
#define CHILD_KEEPS_PCT 80.0 /* a child segment replaces its parent when it carries this much */
#define DRIVER_EXCESS_PP 20.0

typedef struct {
    size_t dim, value, row;
    double contribution;
    int removed;
} candidate_t;

static size_t root_dim(const cl_frame_t *f, size_t dim)
{
    while (f->dims[dim].parent != CL_FRAME_NONE) {
        dim = f->dims[dim].parent;
    }
    return dim;
}

static int cmp_candidates(const void *a, const void *b)
{
    const candidate_t *x = a, *y = b;
    double ax = fabs(x->contribution), ay = fabs(y->contribution);
    if (ax != ay) {
        return ax > ay ? -1 : 1;
    }
    if (x->dim != y->dim) {
        return x->dim < y->dim ? -1 : 1;
    }
    return (x->value > y->value) - (x->value < y->value);
}

/* A driver of a KPI change carries a big share of the change, more than its weight; a segment
 * change on its own (STANDALONE, no KPI change to explain) needs only to be material here and very
 * significant later. */
static int qualifies(const cl_detect_t *d, size_t metric, const cl_breakdown_row_t *row,
                     double change, int standalone)
{
    if (!cl_detect_material(d, cl_detect_stake(d, metric, row->contribution))) {
        return 0;
    }
    if (standalone) {
        return row->contribution != 0;
    }
    double share_avg = (row->share_current + row->share_previous) / 2;
    return row->contribution * change > 0 && row->contribution_pct >= d->opt->driver_share_pct &&
           row->contribution_pct - share_avg >= DRIVER_EXCESS_PP;
}

static size_t collect(candidate_t *c, cl_detect_t *d, size_t metric, double change, int standalone)
{
    size_t n = 0;
    for (size_t dim = 0; dim < d->f->n_dims; dim++) {
        const cl_breakdown_t *b = cl_insight_breakdown(d->r, dim, metric);
        if (!b || !b->available || b->n_rows < 2 ||
            (!standalone && b->total_change * change <= 0)) {
            continue;
        }
        for (size_t i = 0; i < b->n_rows && n < MAX_CANDIDATES; i++) {
            const cl_breakdown_row_t *row = &b->rows[i];
            if (!qualifies(d, metric, row, change, standalone)) {
                continue;
            }
            c[n++] = (candidate_t){dim, row->value, i, row->contribution, 0};
        }
    }
    /* a hierarchy says the same thing twice: keep the child when it carries most of its parent */
    for (size_t i = 0; i < n; i++) {
        size_t pdim = d->f->dims[c[i].dim].parent;
        if (pdim == CL_FRAME_NONE) {
            continue;
        }
        size_t pval = d->f->dims[c[i].dim].parents[c[i].value];
        for (size_t j = 0; j < n; j++) {
            if (c[j].dim == pdim && c[j].value == pval) {
                int child_wins =
                    fabs(c[i].contribution) >= CHILD_KEEPS_PCT / 100 * fabs(c[j].contribution);
                c[child_wins ? j : i].removed = 1;
            }
        }
    }
    qsort(c, n, sizeof *c, cmp_candidates);
    return n;
}

/* The segment's own significance: its rate for a rate-driven ratio change, else its volume
 * (computed ahead when cl_detect_segment_sigs_ahead ran). */
static cl_signif_t segment_sig(const cl_detect_t *d, size_t metric, const candidate_t *c,
                               const cl_breakdown_row_t *row)
{
    for (size_t i = 0; i < d->n_sigs; i++) {
        const cl_detect_sig_t *s = &d->sigs[i];
        if (s->metric == metric && s->dim == c->dim && s->value == c->value) {
            return s->sig;
        }
    }
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    size_t which = metric;
    if (m->kind == CL_METRIC_RATIO && fabs(row->mix_effect) > fabs(row->rate_effect)) {
        which = m->denominator;
    }
    const double *base = cl_frame_cell(d->f, c->dim, c->value, 0, 0);
    return cl_signif_change_memo(d->cat, which, d->f, base, d->f->n_measures, d->r->scope.window,
                                 d->r->t, cl_signif_memo_cell(d->memo, c->dim, c->value, which));
}

static void driver_title(cl_finding_t *fd, const cl_detect_t *d, const cl_metric_t *m,
                         const candidate_t *c, const cl_breakdown_row_t *row)
{
    char where[192] = "", contrib[64], share[32], mag[64];
    size_t dim = c->dim, value = c->value;
    /* "Traffic source: Social \u203a Facebook": the hierarchy's root label, then its values root
     * first */
    size_t root = dim;
    while (dim != CL_FRAME_NONE) {
        char part[192], val[96];
        cl_format_dimension_value(val, sizeof val, d->f->dims[dim].values[value]);
        snprintf(part, sizeof part, "%s%s%s", val, where[0] ? " \u203a " : "", where);
        snprintf(where, sizeof where, "%s", part);
        value = d->f->dims[dim].parents[value];
        root = dim;
        dim = d->f->dims[dim].parent;
    }
    char label[64], part[256];
    cl_format_dimension(label, sizeof label, d->f->dims[root].name);
    snprintf(part, sizeof part, "%s: %s", label, where);
    snprintf(where, sizeof where, "%s", part);
    cl_format_change(contrib, sizeof contrib, m, row->contribution);
    cl_format_number(share, sizeof share, row->contribution_pct, 0);
    if (m->kind == CL_METRIC_RATIO && fabs(row->mix_effect) > fabs(row->rate_effect)) {
        char s0[32], s1[32];
        cl_format_number(s0, sizeof s0, row->share_previous, 1);
        cl_format_number(s1, sizeof s1, row->share_current, 1);
        snprintf(
            fd->title, sizeof fd->title,
            "%s %s %s: the share of %s went from %s%% to %s%% (mix, %s%% of the slice's change)",
            m->label, contrib, cl_window_name(d->r->scope.window), where, s0, s1, share);
        return;
    }
    if (m->unit == CL_UNIT_PERCENT) {
        cl_format_number(mag, sizeof mag, fabs(row->change), m->decimals);
        snprintf(fd->title, sizeof fd->title,
                 "%s %s %s pp %s in %s (%s of the slice's change, %s%%)", m->label,
                 cl_detect_verb(row->change), mag, cl_window_name(d->r->scope.window), where,
                 contrib, share);
    } else {
        cl_format_number(mag, sizeof mag, fabs(row->change_pct), 1);
        snprintf(fd->title, sizeof fd->title,
                 "%s %s %s%% %s in %s (%s, %s%% of the slice's change)", m->label,
                 cl_detect_verb(row->change), mag, cl_window_name(d->r->scope.window), where,
                 contrib, share);
    }
}

static int add_driver(cl_detect_t *d, size_t metric, const candidate_t *c,
                      const cl_breakdown_row_t *row, const cl_signif_t *sig, const char *parent)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *fd = NULL;
    int rc = cl_detect_segment(&fd, d, CL_FINDING_DRIVER, metric, c->dim, row, sig);
    if (rc != 0) {
        return rc;
    }
    cl_finding_number(fd, "total_change", d->r->kpis[metric].change);
    driver_title(fd, d, m, c, row);
    if (parent) {
        snprintf(fd->explains, sizeof fd->explains, "%s", parent);
    }
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

static int is_marketing_ratio(const cl_detect_t *d, size_t metric)
{
    const cl_insight_roles_t *ro = &d->roles;
    return metric == ro->roas || metric == ro->cpc;
}

/* The drivers of METRIC's KPI change, or (STANDALONE) its very significant segment changes. */
static int drivers_of(cl_detect_t *d, size_t metric, candidate_t *c, int standalone)
{
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
    double change = d->r->kpis[metric].change;
    char parent[CL_FINDING_ID_LEN] = "";
    if (k) {
        snprintf(parent, sizeof parent, "%s", k->id);
    }
    double z_min = standalone ? d->opt->z_driver_strong : d->opt->z_segment;
    size_t n = collect(c, d, metric, change, standalone), kept = 0;
    size_t families[CL_FRAME_MAX_DIMS];
    for (size_t i = 0; i < n && kept < d->opt->max_drivers; i++) {
        if (c[i].removed) {
            continue;
        }
        size_t fam = root_dim(d->f, c[i].dim);
        int seen = 0;
        for (size_t j = 0; j < kept; j++) {
            seen |= families[j] == fam;
        }
        const cl_breakdown_row_t *row =
            &cl_insight_breakdown(d->r, c[i].dim, metric)->rows[c[i].row];
        cl_signif_t sig = segment_sig(d, metric, &c[i], row);
        if (seen || fabs(sig.z) < z_min || sig.z * row->contribution < 0) {
            continue;
        }
        int rc = add_driver(d, metric, &c[i], row, &sig, k ? parent : NULL);
        if (rc != 0) {
            return rc;
        }
        d->driver_z[metric] = fmax(d->driver_z[metric], fabs(sig.z));
        families[kept++] = fam;
    }
    return 0;
}

int cl_detect_drivers(cl_detect_t *d)
{
    candidate_t *c = malloc(MAX_CANDIDATES * sizeof *c);
    if (!c) {
        return cl_err_set(d->err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t metric = 0; rc == 0 && metric < d->r->n_metrics; metric++) {
        if (d->kpi_finding[metric] != CL_DETECT_NONE && !is_marketing_ratio(d, metric)) {
            rc = drivers_of(d, metric, c, 0);
        }
    }
    free(c);
    return rc;
}

/* The metrics segment changes are searched for: the funnel's factors and its result (orders are
 * visits × conversion: told by those two), and the return rate (a seller tier or price band whose
 * returns doubled). */
static void segment_change_metrics(size_t key[5], const cl_insight_roles_t *ro)
{
    key[0] = ro->revenue;
    key[1] = ro->visits;
    key[2] = ro->conversion_rate;
    key[3] = ro->aov;
    key[4] = ro->return_rate;
}

void cl_detect_segment_sigs_ahead(cl_detect_t *d)
{
    size_t key[5];
    segment_change_metrics(key, &d->roles);
    candidate_t *c = malloc(MAX_CANDIDATES * sizeof *c);
    cl_detect_sig_t *sigs = malloc((size_t)5 * MAX_CANDIDATES * sizeof *sigs);
    size_t n_sigs = 0;
    for (size_t i = 0; c && sigs && i < 5; i++) {
        size_t metric = key[i];
        if (metric == CL_FRAME_NONE || d->kpi_finding[metric] != CL_DETECT_NONE ||
            !d->r->kpis[metric].available) {
            continue;
        }
        size_t n = collect(c, d, metric, d->r->kpis[metric].change, 1);
        for (size_t k = 0; k < n; k++) {
            if (!c[k].removed) {
                const cl_breakdown_row_t *row =
                    &cl_insight_breakdown(d->r, c[k].dim, metric)->rows[c[k].row];
                sigs[n_sigs++] = (cl_detect_sig_t){metric, c[k].dim, c[k].value,
                                                   segment_sig(d, metric, &c[k], row)};
            }
        }
    }
    free(c);
    if (sigs && n_sigs == 0) {
        free(sigs);
        sigs = NULL;
    }
    d->sigs = sigs;
    d->n_sigs = sigs ? n_sigs : 0;
}

int cl_detect_segment_changes(cl_detect_t *d)
{
    size_t key[5];
    segment_change_metrics(key, &d->roles);
    candidate_t *c = malloc(MAX_CANDIDATES * sizeof *c);
    if (!c) {
        return cl_err_set(d->err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < 5; i++) {
        if (key[i] != CL_FRAME_NONE && d->kpi_finding[key[i]] == CL_DETECT_NONE &&
            d->r->kpis[key[i]].available) {
            rc = drivers_of(d, key[i], c, 1);
        }
    }
    free(c);
    return rc;
}

/* A and B on the same segment, or one inside the other (social and social / facebook). */
static int nested_path(const cl_finding_t *a, const cl_finding_t *b)
{
    return cl_finding_path_within(a, b) || cl_finding_path_within(b, a);
}

static double weight(const cl_finding_t *f)
{
    return f->value_at_stake * fmin(fabs(f->sig.z), 10);
}

static int is_segment(const cl_finding_t *f)
{
    return f->type == CL_FINDING_DRIVER || f->type == CL_FINDING_ROOT_CAUSE;
}

void cl_detect_dedup_segments(cl_detect_t *d)
{
    cl_findings_t *l = &d->r->findings;
    for (size_t i = 0; i < l->n; i++) {
        cl_finding_t *a = &l->items[i];
        if (a->dropped || !is_segment(a)) {
            continue;
        }
        for (size_t j = 0; j < l->n && !a->dropped; j++) {
            cl_finding_t *b = &l->items[j];
            int ua = cl_detect_upstream(d, a->metric), ub = cl_detect_upstream(d, b->metric);
            if (i == j || b->dropped || !is_segment(b) || b->direction != a->direction ||
                !nested_path(a, b) || ua == 5 || ub == 5) {
                continue; /* only the funnel's metrics are one causal chain */
            }
            /* one segment, one story, told by its most upstream metric (traffic before conversion
             * before revenue; a root cause before a driver), which keeps the largest value at
             * stake of the group */
            int ta = a->type == CL_FINDING_ROOT_CAUSE, tb = b->type == CL_FINDING_ROOT_CAUSE;
            int a_loses = ua != ub   ? ua > ub
                          : ta != tb ? tb
                                     : weight(a) < weight(b) ||
                                           (weight(a) == weight(b) && strcmp(a->id, b->id) > 0);
            cl_finding_t *keep = a_loses ? b : a, *lose = a_loses ? a : b;
            keep->value_at_stake = fmax(keep->value_at_stake, lose->value_at_stake);
            cl_detect_drop_tree(d, a_loses ? i : j);
        }
    }
    /* revenue's own drivers repeat the story when a factor of its split (visits, conversion,
     * basket) explains it and has a segment finding of its own */
    const cl_insight_roles_t *ro = &d->roles;
    cl_finding_t *rev =
        ro->revenue == CL_FRAME_NONE ? NULL : cl_detect_at(d, d->kpi_finding[ro->revenue]);
    if (!rev) {
        return;
    }
    int factor_story = 0;
    size_t factors[3] = {ro->visits, ro->conversion_rate, ro->aov};
    for (size_t k = 0; k < 3 && !factor_story; k++) {
        cl_finding_t *fk =
            factors[k] == CL_FRAME_NONE ? NULL : cl_detect_at(d, d->kpi_finding[factors[k]]);
        for (size_t i = 0; fk && i < l->n && !factor_story; i++) {
            factor_story = is_segment(&l->items[i]) && !l->items[i].dropped &&
                           strcmp(l->items[i].explains, fk->id) == 0;
        }
    }
    for (size_t i = 0; factor_story && i < l->n; i++) {
        cl_finding_t *x = &l->items[i];
        if (x->type == CL_FINDING_DRIVER && strcmp(x->explains, rev->id) == 0) {
            cl_detect_drop_tree(d, i);
        }
    }
}

static int add_mix(cl_detect_t *d, size_t metric, const cl_breakdown_t *b)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
    char parent[CL_FINDING_ID_LEN];
    snprintf(parent, sizeof parent, "%s", k->id);
    cl_signif_t sig = k->sig;
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, CL_FINDING_MIX_RATE, metric);
    rc = rc ? rc : cl_finding_set_dimension(fd, d->f->dims[b->dim].name, d->err);
    if (rc != 0) {
        return rc;
    }
    fd->impact = b->mix_effect;
    fd->value_at_stake = cl_detect_stake(d, metric, b->mix_effect);
    fd->sig = sig;
    cl_detect_direction(fd, m, b->mix_effect);
    cl_finding_number(fd, "current", b->current);
    cl_finding_number(fd, "previous", b->previous);
    cl_finding_number(fd, "change", b->total_change);
    cl_finding_number(fd, "mix_effect", b->mix_effect);
    cl_finding_number(fd, "rate_effect", b->rate_effect);
    cl_finding_number(fd, "share_of_change", 100 * b->mix_effect / b->total_change);
    char chg[64], mix[64], rate[64];
    cl_format_change(chg, sizeof chg, m, b->total_change);
    cl_format_change(mix, sizeof mix, m, b->mix_effect);
    cl_format_change(rate, sizeof rate, m, b->rate_effect);
    snprintf(fd->title, sizeof fd->title,
             "%s %s %s: %s from the mix of %s, %s from rates within it", m->label, chg,
             cl_window_name(d->r->scope.window), mix, d->f->dims[b->dim].name, rate);
    snprintf(fd->explains, sizeof fd->explains, "%s", parent);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

/* The drivers of the ratio on the mix's dimension that are mix themselves (a value's share moved)
 * are the detail of the mix story: the mix finding takes their evidence, they go. */
static void fold_mix_drivers(cl_detect_t *d, size_t metric, size_t dim)
{
    cl_findings_t *l = &d->r->findings;
    cl_finding_t *mix = &l->items[l->n - 1];
    const char *name = d->f->dims[dim].name;
    for (size_t i = 0; i + 1 < l->n; i++) {
        cl_finding_t *x = &l->items[i];
        if (x->type != CL_FINDING_DRIVER || x->dropped || x->metric != metric ||
            strcmp(x->explains, mix->explains) != 0 ||
            fabs(cl_finding_get(x, "mix_effect")) <= fabs(cl_finding_get(x, "rate_effect"))) {
            continue;
        }
        int on_dim = 0;
        for (size_t k = 0; k < x->path_len; k++) {
            on_dim |= strcmp(x->path_dim[k], name) == 0;
        }
        if (on_dim) {
            if (fabs(x->sig.z) > fabs(mix->sig.z)) {
                mix->sig = x->sig;
            }
            mix->value_at_stake = fmax(mix->value_at_stake, x->value_at_stake);
            cl_detect_drop_tree(d, i);
        }
    }
}

int cl_detect_mix(cl_detect_t *d)
{
    for (size_t metric = 0; metric < d->r->n_metrics; metric++) {
        const cl_metric_t *m = cl_catalog_at(d->cat, metric);
        if (m->kind != CL_METRIC_RATIO || d->kpi_finding[metric] == CL_DETECT_NONE) {
            continue;
        }
        const cl_breakdown_t *best = NULL;
        for (size_t dim = 0; dim < d->f->n_dims; dim++) {
            const cl_breakdown_t *b = cl_insight_breakdown(d->r, dim, metric);
            if (b && b->available && b->n_rows >= 2 &&
                (!best || fabs(b->mix_effect) > fabs(best->mix_effect))) {
                best = b;
            }
        }
        if (!best || best->total_change == 0 ||
            100 * fabs(best->mix_effect) < d->opt->mix_share_pct * fabs(best->total_change) ||
            best->mix_effect * best->total_change <= 0 ||
            !cl_detect_material(d, cl_detect_stake(d, metric, best->mix_effect))) {
            continue;
        }
        int rc = add_mix(d, metric, best);
        if (rc != 0) {
            return rc;
        }
        fold_mix_drivers(d, metric, best->dim);
    }
    return 0;
}
