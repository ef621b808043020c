/* engine.c — runs the analyses of one category × region × window in a fixed order and hands their
 * results to the detectors (detect_*.c), which decide what is worth a finding. Everything is
 * computed from the frame: nothing is read, cached or remembered between runs. */
#include "insights/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights/detect.h"

void cl_insight_options_default(cl_insight_options_t *opt)
{
    *opt = (cl_insight_options_t){
        .z_kpi = 3.5,
        .z_kpi_explained = 2.5,
        .z_driver_strong = 5.0,
        .z_segment = 2.5,
        .z_channel = 3.5,
        .z_anomaly = 4.0,
        .z_anomaly_segment = 4.5,
        .z_pulse = 3.5,
        .materiality_pct = 0.5,
        .driver_share_pct = 25.0,
        .mix_share_pct = 30.0,
        .pulse_gap_pp = 2.0,
        .pacing_tolerance_pct = 5.0,
        .channel_change_pct = 10.0,
        .channel_spend_share_pct = 5.0,
        .major_segment_share_pct = 10.0,
        .max_drivers = 2,
        .max_findings = 12,
    };
}

static size_t role(const cl_catalog_t *cat, const char *id)
{
    size_t i = 0;
    return cl_catalog_find(cat, id, &i) ? i : CL_FRAME_NONE;
}

void cl_insight_roles(cl_insight_roles_t *out, const cl_catalog_t *cat)
{
    out->revenue = role(cat, "revenue");
    out->visits = role(cat, "visits");
    out->orders = role(cat, "orders");
    out->gross_revenue = role(cat, "gross_revenue");
    out->units = role(cat, "units");
    out->conversion_rate = role(cat, "conversion_rate");
    out->aov = role(cat, "aov");
    out->spend = role(cat, "spend");
    out->budget = role(cat, "budget");
    out->budget_utilisation = role(cat, "budget_utilisation");
    out->roas = role(cat, "roas");
    out->cpc = role(cat, "cpc");
    out->paid_revenue = role(cat, "paid_revenue");
    out->return_rate = role(cat, "return_rate");
    out->discount_rate = role(cat, "discount_rate");
}

const cl_breakdown_t *cl_insight_breakdown(const cl_insight_t *r, size_t dim, size_t metric)
{
    if (!r || dim >= r->n_dims || metric >= r->n_metrics) {
        return NULL;
    }
    return &r->breakdowns[dim * r->n_metrics + metric];
}

void cl_insight_free(cl_insight_t *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; r->breakdowns && i < r->n_dims * r->n_metrics; i++) {
        cl_breakdown_dispose(&r->breakdowns[i]);
    }
    free(r->breakdowns);
    free(r->totals);
    free(r->weekly);
    free(r->kpis);
    cl_findings_dispose(&r->findings);
    free(r);
}

static int compute(cl_insight_t *r, const cl_frame_t *f, const cl_catalog_t *cat,
                   const cl_insight_roles_t *ro, cl_signif_memo_t *memo, cl_err_t *err)
{
    cl_period_fill_totals(r->totals, f, cat);
    for (size_t m = 0; m < r->n_metrics; m++) {
        cl_kpi_compute(&r->kpis[m], cat, m, f, r->totals, &r->period, r->scope.window, r->t,
                       &r->weekly[m * r->n_weeks], cl_signif_memo_totals(memo, m));
    }
    for (size_t d = 0; d < r->n_dims; d++) {
        for (size_t m = 0; m < r->n_metrics; m++) {
            int rc = cl_breakdown_compute(&r->breakdowns[d * r->n_metrics + m], cat, m, f, d,
                                          &r->period, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    if (ro->revenue != CL_FRAME_NONE && ro->visits != CL_FRAME_NONE &&
        ro->orders != CL_FRAME_NONE) {
        const cl_kpi_t *v = &r->kpis[ro->visits], *o = &r->kpis[ro->orders],
                       *rv = &r->kpis[ro->revenue];
        r->has_split = cl_lmdi_revenue(&r->split, v->previous, o->previous, rv->previous,
                                       v->current, o->current, rv->current) == 0;
        r->pulse = cl_pulse_compare(f, &r->weekly[ro->revenue * r->n_weeks], r->scope.window, r->t);
    }
    if (ro->spend != CL_FRAME_NONE && ro->budget != CL_FRAME_NONE) {
        r->pacing =
            cl_pacing_compute(f, r->totals, f->n_measures, ro->spend, ro->budget, &r->period, r->t);
    }
    return 0;
}

static int detect(cl_insight_t *r, const cl_frame_t *f, const cl_catalog_t *cat,
                  const cl_insight_options_t *opt, const cl_insight_roles_t *ro,
                  cl_signif_memo_t *memo, cl_err_t *err)
{
    cl_detect_t d = {
        .f = f, .cat = cat, .opt = opt, .r = r, .roles = *ro, .err = err, .memo = memo};
    d.revenue_base = NAN;
    if (ro->revenue != CL_FRAME_NONE) {
        const cl_kpi_t *k = &r->kpis[ro->revenue];
        d.revenue_base = isfinite(k->previous) && k->previous > 0 ? k->previous : k->current;
    }
    d.kpi_finding = malloc(r->n_metrics * sizeof *d.kpi_finding);
    d.driver_z = calloc(r->n_metrics, sizeof *d.driver_z);
    d.folded = calloc(r->n_metrics, 1);
    int rc =
        d.kpi_finding && d.driver_z && d.folded ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    rc = rc ? rc : cl_detect_kpi_changes(&d);
    rc = rc ? rc : cl_detect_drivers(&d);
    rc = rc ? rc : cl_detect_root_causes(&d);
    if (rc == 0) {
        cl_detect_prune_unexplained(&d);
    }
    rc = rc ? rc : cl_detect_segment_changes(&d);
    if (rc == 0) {
        cl_detect_rc_supersede(&d);
    }
    if (rc == 0) {
        cl_detect_fold_consequences(&d);
    }
    rc = rc ? rc : cl_detect_revenue_story(&d);
    if (rc == 0) {
        cl_detect_dedup_segments(&d);
    }
    rc = rc ? rc : cl_detect_mix(&d);
    rc = rc ? rc : cl_detect_anomalies(&d);
    rc = rc ? rc : cl_detect_pulse(&d);
    rc = rc ? rc : cl_detect_marketing(&d);
    rc = rc ? rc : cl_detect_pacing(&d);
    free(d.sigs);
    free(d.kpi_finding);
    free(d.driver_z);
    free(d.folded);
    if (rc == 0) {
        cl_findings_rank(&r->findings, opt->max_findings);
    }
    return rc;
}

/* One run; MEMO: the slice's shared WoW significance parts for the scope's week, or NULL */
static int run_one(cl_insight_t **out, const cl_frame_t *f, const cl_catalog_t *cat,
                   const cl_insight_scope_t *scope, const cl_insight_options_t *opt,
                   cl_signif_memo_t *memo, cl_err_t *err)
{
    *out = NULL;
    cl_insight_options_t defaults;
    if (!opt) {
        cl_insight_options_default(&defaults);
        opt = &defaults;
    }
    char week[CL_WEEK_KEY_LEN];
    cl_week_format(week, scope->week);
    if (f->n_measures < cl_catalog_count(cat)) {
        return cl_err_set(err, CL_EINVAL, "frame has %zu measures for %zu catalog metrics",
                          f->n_measures, cl_catalog_count(cat));
    }
    long t = cl_frame_week_index(f, scope->week);
    if (t < 0) {
        return cl_err_set(err, CL_EINVAL, "week %s is not in the data", week);
    }
    cl_insight_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    r->scope = *scope;
    r->t = t;
    if (cl_period_at(&r->period, f, scope->window, t) != 0) {
        cl_insight_free(r);
        return cl_err_set(err, CL_EINVAL, "not enough history for %s at %s",
                          cl_window_name(scope->window), week);
    }
    r->n_weeks = f->n_weeks;
    r->n_metrics = cl_catalog_count(cat);
    r->n_dims = f->n_dims;
    r->totals = malloc(f->n_weeks * f->n_measures * sizeof *r->totals);
    r->weekly = malloc(r->n_metrics * f->n_weeks * sizeof *r->weekly);
    r->kpis = calloc(r->n_metrics, sizeof *r->kpis);
    r->breakdowns = calloc(r->n_dims * r->n_metrics + 1, sizeof *r->breakdowns);
    int rc = 0;
    if (!r->totals || !r->weekly || !r->kpis || !r->breakdowns) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_insight_roles_t ro;
    cl_insight_roles(&ro, cat);
    if (memo && memo->t != t) {
        memo = NULL;
    }
    rc = rc ? rc : compute(r, f, cat, &ro, memo, err);
    rc = rc ? rc : detect(r, f, cat, opt, &ro, memo, err);
    if (rc != 0) {
        cl_insight_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int cl_insight_run(cl_insight_t **out, const cl_frame_t *f, const cl_catalog_t *cat,
                   const cl_insight_scope_t *scope, const cl_insight_options_t *opt, cl_err_t *err)
{
    return run_one(out, f, cat, scope, opt, NULL, err);
}

/* cl_insight_run_many: one task per scope, each writing only its own result; the WoW parts of
 * every significance, the same in every window, shared through one memo */
typedef struct {
    cl_insight_t **out;
    const cl_frame_t *f;
    const cl_catalog_t *cat;
    const cl_insight_scope_t *scopes;
    cl_insight_options_t opt;
    int *rcs;
    cl_err_t *errs;
    cl_signif_memo_t *memo;
    size_t *order; /* task t runs scope order[t]: the costliest first */
} many_t;

static void run_task(void *arg, size_t t)
{
    many_t *m = arg;
    size_t k = m->order[t];
    m->rcs[k] = run_one(&m->out[k], m->f, m->cat, &m->scopes[k], &m->opt, m->memo, &m->errs[k]);
}

/* Why an order: a slice's four windows cost unevenly (one thread, 50 M lines: e.g. 18 / 26 / 34
 * / 15 ms for WoW / MoM / QoQ / YoY, the root-cause searches growing with the leaves the window
 * sees), and a hook that hands out tasks in order ends soonest when the costliest start first
 * (the longest-first rule). The cost of a scope is estimated by its window's leaves with any
 * activity (a cell of the window, current or previous, not 0) over every leaf grain; the order
 * changes only when the runs happen, never their results. */
static size_t scope_weight(const cl_frame_t *f, cl_window_t win)
{
    size_t w = 0;
    for (size_t g = 0; g < f->n_grains; g++) {
        const cl_frame_leaves_t *l = &f->leaves[g];
        for (size_t i = 0; i < l->n_leaves; i++) {
            const double *c = cl_frame_leaf_sum(l, i, win, 0, 0); /* current, then previous */
            size_t j = 0;
            while (j < 2 * l->n_measures && c[j] == 0) {
                j++;
            }
            w += j < 2 * l->n_measures;
        }
    }
    return w;
}

/* ORDER = the N scopes by weight, heaviest first (ties: in scope order). */
static void order_scopes(size_t *order, const cl_frame_t *f, const cl_insight_scope_t *scopes,
                         size_t n)
{
    size_t weight[CL_WINDOW_COUNT * 4];
    for (size_t k = 0; k < n; k++) {
        order[k] = k;
    }
    if (n > sizeof weight / sizeof weight[0]) {
        return; /* more scopes than four slices' windows: left in scope order */
    }
    for (size_t k = 0; k < n; k++) {
        int known = (int)scopes[k].window >= 0 && (int)scopes[k].window < CL_WINDOW_COUNT;
        weight[k] = known ? scope_weight(f, scopes[k].window) : 0; /* unknown: its run refuses it */
    }
    for (size_t k = 1; k < n; k++) {
        size_t x = order[k], j = k;
        while (j > 0 && weight[order[j - 1]] < weight[x]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

int cl_insight_run_many(cl_insight_t **out, const cl_frame_t *f, const cl_catalog_t *cat,
                        const cl_insight_scope_t *scopes, size_t n, const cl_insight_options_t *opt,
                        cl_err_t *err)
{
    for (size_t k = 0; k < n; k++) {
        out[k] = NULL;
    }
    if (n <= 1) {
        return n ? cl_insight_run(out, f, cat, scopes, opt, err) : 0;
    }
    many_t m = {.out = out, .f = f, .cat = cat, .scopes = scopes};
    m.rcs = malloc(n * sizeof(int));
    m.errs = malloc(n * sizeof(cl_err_t));
    m.order = malloc(n * sizeof(size_t));
    if (!m.rcs || !m.errs || !m.order) {
        free(m.rcs);
        free(m.errs);
        free(m.order);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    order_scopes(m.order, f, scopes, n);
    if (opt) {
        m.opt = *opt;
    } else {
        cl_insight_options_default(&m.opt);
    }
    const cl_parallel_t *par = m.opt.parallel;
    m.opt.parallel = NULL; /* a hook serves one call at a time: the runs are its tasks */
    /* a memo when the scopes share their week and it is in the frame (else none: the same
     * results, computed per run) */
    cl_signif_memo_t memo;
    long t = cl_frame_week_index(f, scopes[0].week);
    int same = t >= 0;
    for (size_t k = 1; k < n && same; k++) {
        same = cl_frame_week_index(f, scopes[k].week) == t;
    }
    if (same && cl_signif_memo_init(&memo, f, cl_catalog_count(cat), t) == 0) {
        m.memo = &memo;
    }
    cl_parallel_for(par, n, run_task, &m);
    if (m.memo) {
        cl_signif_memo_dispose(m.memo);
    }
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        if (m.rcs[k] != 0) {
            rc = m.rcs[k];
            if (err) {
                *err = m.errs[k];
            }
        }
    }
    if (rc != 0) {
        for (size_t k = 0; k < n; k++) {
            cl_insight_free(out[k]);
            out[k] = NULL;
        }
    }
    free(m.rcs);
    free(m.errs);
    free(m.order);
    return rc;
}
