/* detect_rca.c — root causes: which combinations of dimension values (up to three: mobile × paid
 * search) explain a KPI's change, searched by src/insights/rca.h over the leaves of the slice.
 * Drivers look at one dimension at a time; a root cause found across dimensions supersedes the
 * drivers it contains or refines, so the report names the segment once, at its true grain. */
#include "insights/detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/format.h"
#include "insights/rca.h"

/* nats of evidence (the localiser's leave-one-out description length saved, already net of the
 * cost of naming one of the cube's many segments): 8 nats, a likelihood ratio of ~3,000 and
 * |z| = 4 by z = sqrt(2 × nats). Measured: no false root cause in 1,200 pure-noise reports of the
 * test cubes; planted causes score 10 (the demo's conversion drop on 1.5 M lines a week) to
 * several hundred. */
#define RC_MIN_SCORE 8.0
#define RC_MAX_HELD 0.95

typedef struct {
    cl_rca_attr_t attrs[CL_FRAME_MAX_LEAF_DIMS];
    cl_rca_cube_t cube;
    double *cur_num, *base_num, *cur_den, *base_den;
} rc_cube_t;

static int leaf_measure(const cl_frame_leaves_t *l, size_t metric)
{
    for (size_t k = 0; k < l->n_measures; k++) {
        if (l->measures[k] == metric) {
            return (int)k;
        }
    }
    return -1;
}

static void cube_free(rc_cube_t *c)
{
    free(c->cur_num);
    free(c->base_num);
    free(c->cur_den);
    free(c->base_den);
}

/* The cube of METRIC over grain L for the report window; 1 when built, 0 when the grain lacks
 * the metric's measures. */
static int cube_make(rc_cube_t *c, const cl_detect_t *d, const cl_frame_leaves_t *l, size_t metric,
                     cl_err_t *err)
{
    const cl_frame_t *f = d->f;
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    int num = leaf_measure(l, m->kind == CL_METRIC_RATIO ? m->numerator : metric);
    int den = m->kind == CL_METRIC_RATIO ? leaf_measure(l, m->denominator) : -1;
    memset(c, 0, sizeof *c);
    if (num < 0 || (m->kind == CL_METRIC_RATIO && den < 0) || l->n_leaves == 0 ||
        f->na[l->measures[num]] || (den >= 0 && f->na[l->measures[den]])) {
        return 0;
    }
    for (size_t i = 0; i < l->n_dims; i++) {
        const cl_frame_dim_t *dd = &f->dims[l->dims[i]];
        c->attrs[i] =
            (cl_rca_attr_t){dd->name, -1, (uint32_t)dd->n_values, (const char *const *)dd->values};
        for (size_t j = 0; j < l->n_dims; j++) {
            if (dd->parent != CL_FRAME_NONE && l->dims[j] == dd->parent) {
                c->attrs[i].parent = (int)j;
            }
        }
    }
    size_t n = l->n_leaves;
    c->cur_num = malloc(n * sizeof(double));
    c->base_num = malloc(n * sizeof(double));
    if (den >= 0) {
        c->cur_den = malloc(n * sizeof(double));
        c->base_den = malloc(n * sizeof(double));
    }
    if (!c->cur_num || !c->base_num || (den >= 0 && (!c->cur_den || !c->base_den))) {
        cube_free(c);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_window_t win = d->r->scope.window;
    for (size_t i = 0; i < n; i++) {
        /* NaN (a missing measure) is not evidence of anything: it counts as nothing */
        double cn = *cl_frame_leaf_sum(l, i, win, 0, (size_t)num);
        double bn = *cl_frame_leaf_sum(l, i, win, 1, (size_t)num);
        c->cur_num[i] = isfinite(cn) ? cn : 0;
        c->base_num[i] = isfinite(bn) ? bn : 0;
        if (den >= 0) {
            double cd = *cl_frame_leaf_sum(l, i, win, 0, (size_t)den);
            double bd = *cl_frame_leaf_sum(l, i, win, 1, (size_t)den);
            c->cur_den[i] = isfinite(cd) && cd > 0 ? cd : 0;
            c->base_den[i] = isfinite(bd) && bd > 0 ? bd : 0;
        }
    }
    c->cube = (cl_rca_cube_t){l->n_dims,  c->attrs,    n,          l->codes,
                              c->cur_num, c->base_num, c->cur_den, c->base_den};
    return 1;
}

static void rc_title(cl_finding_t *fd, const cl_detect_t *d, const cl_metric_t *m,
                     const cl_rca_element_t *el)
{
    char where[256] = "", contrib[64], share[32], mag[64];
    for (size_t i = 0; i < fd->path_len; i++) { /* "Device: Mobile, Traffic source: Paid search" */
        if (i) {
            size_t len = strlen(where);
            snprintf(where + len, sizeof where - len, ", ");
        }
        cl_format_segment_append(where, sizeof where, fd->path_dim[i], fd->path_value[i]);
    }
    cl_format_change(contrib, sizeof contrib, m, el->explained);
    cl_format_number(share, sizeof share, 100 * el->share, 0);
    const char *w = cl_window_name(d->r->scope.window);
    if (m->kind == CL_METRIC_RATIO && el->kind == CL_RCA_KIND_MIX) {
        snprintf(fd->title, sizeof fd->title,
                 "%s %s: the share of %s moved (mix), %s of the slice's %s change (%s%%)", m->label,
                 w, where, contrib, m->label, share);
        return;
    }
    double cur = m->kind == CL_METRIC_RATIO ? m->scale * el->cur_ratio : el->cur_num;
    double prev = m->kind == CL_METRIC_RATIO ? m->scale * el->base_ratio : el->base_num;
    if (m->unit == CL_UNIT_PERCENT) {
        cl_format_number(mag, sizeof mag, fabs(cur - prev), m->decimals);
        snprintf(fd->title, sizeof fd->title,
                 "%s %s %s pp %s in %s (%s of the slice's change, %s%%)", m->label,
                 cl_detect_verb(cur - prev), mag, w, where, contrib, share);
    } else {
        cl_format_number(mag, sizeof mag, prev != 0 ? fabs(100 * (cur - prev) / prev) : 0, 1);
        snprintf(fd->title, sizeof fd->title,
                 "%s %s %s%% %s in %s (%s, %s%% of the slice's change)", m->label,
                 cl_detect_verb(cur - prev), mag, w, where, contrib, share);
    }
}

static int add_root_cause(cl_detect_t *d, const cl_frame_leaves_t *l, size_t metric,
                          const cl_rca_element_t *el)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, CL_FINDING_ROOT_CAUSE, metric);
    for (int i = 0; rc == 0 && i < el->depth; i++) {
        rc = cl_detect_path(fd, d->f, l->dims[el->pairs[i].attr], el->pairs[i].value, d->err);
    }
    if (rc != 0) {
        return rc;
    }
    int ratio = m->kind == CL_METRIC_RATIO;
    double cur = ratio ? m->scale * el->cur_ratio : el->cur_num;
    double prev = ratio ? m->scale * el->base_ratio : el->base_num;
    double impact = ratio ? m->scale * el->explained : el->explained;
    fd->impact = impact;
    fd->value_at_stake = cl_detect_stake(d, metric, impact);
    double z = sqrt(2 * el->score);
    fd->sig = (cl_signif_t){.z = impact < 0 ? -z : z, .method = "rca_mdl"};
    fd->sig.level = cl_signif_level(fd->sig.z);
    cl_detect_direction(fd, m, impact);
    cl_finding_number(fd, "current", cur);
    cl_finding_number(fd, "previous", prev);
    cl_finding_number(fd, "change", cur - prev);
    cl_finding_number(fd, "change_pct", prev != 0 ? 100 * (cur - prev) / fabs(prev) : NAN);
    cl_finding_number(fd, "contribution", impact);
    cl_finding_number(fd, "share_of_change", 100 * el->share);
    if (ratio) {
        cl_finding_number(fd, "mix_effect", m->scale * el->mix_effect);
        cl_finding_number(fd, "rate_effect", m->scale * el->rate_effect);
    }
    cl_finding_number(fd, "confidence", el->confidence);
    cl_finding_number(fd, "evidence_nats", el->score);
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
    if (k && k->direction == fd->direction) {
        snprintf(fd->explains, sizeof fd->explains, "%s", k->id);
    }
    cl_rca_element_t copy = *el;
    copy.explained = impact;
    rc_title(fd, d, m, &copy);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    d->driver_z[metric] = fmax(d->driver_z[metric], z);
    return 0;
}

/* The root causes of one cube, once localised: the elements that pass the engine's bar become
 * findings. RC is the localiser's return code for it. */
static int root_causes_add(cl_detect_t *d, const cl_frame_leaves_t *l, size_t metric,
                           const rc_cube_t *c, const cl_rca_result_t *res, int rc,
                           const cl_err_t *rca_err)
{
    if (rc == CL_EINVAL || rc == CL_ETOOBIG) {
        return 0; /* a cube the localiser refuses (e.g. too many values): no root cause here */
    }
    if (rc != 0) {
        if (d->err) {
            *d->err = *rca_err;
        }
        return rc;
    }
    double num_total = 0;
    for (size_t i = 0; i < c->cube.n_leaves; i++) {
        num_total += fabs(c->cur_num[i]) + fabs(c->base_num[i]);
    }
    for (size_t i = 0; rc == 0 && i < res->n_elements; i++) {
        const cl_rca_element_t *el = &res->elements[i];
        const cl_metric_t *m = cl_catalog_at(d->cat, metric);
        double impact = m->kind == CL_METRIC_RATIO ? m->scale * el->explained : el->explained;
        /* a segment holding (nearly) the whole numerator localises nothing (discounts all sit on
         * promoted lines: "the discount rate moved on promoted lines" is not a cause) */
        double held = num_total > 0 ? (fabs(el->cur_num) + fabs(el->base_num)) / num_total : 1;
        if (el->score >= RC_MIN_SCORE && held < RC_MAX_HELD &&
            cl_detect_material(d, cl_detect_stake(d, metric, impact))) {
            rc = add_root_cause(d, l, metric, el);
        }
    }
    return rc;
}

static void sigs_ahead(void *arg, size_t i)
{
    (void)i;
    cl_detect_segment_sigs_ahead(arg);
}

#define RC_MAX_CUBES ((size_t)CL_FRAME_MAX_GRAINS * 4)

int cl_detect_root_causes(cl_detect_t *d)
{
    const cl_insight_roles_t *ro = &d->roles;
    /* the funnel's factors (visits and conversion are counts: Poisson-floored noise) on the grain
     * that carries it (the one with visits) — revenue is their product, so its segment changes are
     * theirs (and one-dimension drivers still cover revenue) — then the return rate on any grain
     * that holds it. (The discount rate is not localised: discounts sit on promoted lines by
     * definition, so its only "cause" is the promotion mix, which mix_rate reports.) */
    struct {
        size_t metric;
        int counts, funnel;
    } kpis[4] = {
        {ro->visits, 1, 1}, {ro->conversion_rate, 1, 1}, {ro->aov, 0, 1}, {ro->return_rate, 0, 0}};
    /* every cube first, localised at once (their searches are independent: through the caller's
     * parallel hook when it lends one), then their findings in the fixed order: the same findings
     * whatever the hook does */
    rc_cube_t cubes[RC_MAX_CUBES];
    cl_rca_cube_t rcubes[RC_MAX_CUBES];
    cl_rca_options_t opts[RC_MAX_CUBES];
    cl_rca_result_t *res[RC_MAX_CUBES];
    int rcs[RC_MAX_CUBES];
    cl_err_t errs[RC_MAX_CUBES];
    size_t grain[RC_MAX_CUBES], metric[RC_MAX_CUBES], n = 0;
    int rc = 0;
    for (size_t g = 0; rc == 0 && g < d->f->n_grains; g++) {
        int has_funnel =
            ro->visits != CL_FRAME_NONE && leaf_measure(&d->f->leaves[g], ro->visits) >= 0;
        for (size_t i = 0; rc == 0 && i < 4 && n < RC_MAX_CUBES; i++) {
            if (kpis[i].metric == CL_FRAME_NONE || !d->r->kpis[kpis[i].metric].available ||
                (kpis[i].funnel && !has_funnel)) {
                continue;
            }
            int built = cube_make(&cubes[n], d, &d->f->leaves[g], kpis[i].metric, d->err);
            if (built < 0) {
                rc = built;
            } else if (built > 0) {
                cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
                opt.max_depth = 3;
                opt.max_elements = 5;
                opt.counts = kpis[i].counts;
                opts[n] = opt;
                rcubes[n] = cubes[n].cube;
                grain[n] = g;
                metric[n++] = kpis[i].metric;
            }
        }
    }
    for (size_t k = 0; k < n; k++) {
        res[k] = NULL;
    }
    if (rc == 0) {
        /* with a hook, the segment changes' significances are computed beside the searches */
        rc = cl_rca_run_many(res, rcs, errs, rcubes, opts, n, d->opt->parallel,
                             d->opt->parallel ? sigs_ahead : NULL, d, d->err);
    }
    for (size_t k = 0; k < n; k++) {
        if (rc == 0) {
            rc = root_causes_add(d, &d->f->leaves[grain[k]], metric[k], &cubes[k], res[k], rcs[k],
                                 &errs[k]);
        }
        cl_rca_result_free(res[k]);
        cube_free(&cubes[k]);
    }
    return rc;
}

void cl_detect_rc_supersede(cl_detect_t *d)
{
    cl_findings_t *l = &d->r->findings;
    for (size_t i = 0; i < l->n; i++) {
        const cl_finding_t *rc = &l->items[i];
        if (rc->type != CL_FINDING_ROOT_CAUSE || rc->dropped) {
            continue;
        }
        for (size_t j = 0; j < l->n; j++) {
            cl_finding_t *x = &l->items[j];
            if (x->type == CL_FINDING_DRIVER && !x->dropped && x->metric == rc->metric &&
                x->direction == rc->direction &&
                (cl_finding_path_within(x, rc) || cl_finding_path_within(rc, x))) {
                cl_detect_drop_tree(d, j);
            }
        }
    }
}
