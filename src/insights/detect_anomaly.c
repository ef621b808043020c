/* detect_anomaly.c — weeks that trend and seasonality did not predict, for every KPI of the slice
 * and for the KPIs that matter (revenue, visits, conversion) in its major segments. An anomaly that
 * is the same event as a KPI change or a driver is folded into that finding (numbers expected and
 * anomaly_zscore); a segment anomaly that merely mirrors the slice's is not repeated. */
#include "insights/detect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/anomaly.h"
#include "insights/format.h"
#include "insights/kpi.h"

static void fold(cl_finding_t *fd, const cl_anomaly_t *a)
{
    cl_finding_number(fd, "expected", a->expected);
    cl_finding_number(fd, "anomaly_zscore", a->z);
    cl_finding_number(fd, "anomaly_deviation_pct", a->deviation_pct);
}

static int emit(cl_detect_t *d, size_t metric, size_t dim, size_t value, const cl_anomaly_t *a,
                const char *parent)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, CL_FINDING_ANOMALY, metric);
    if (rc == 0 && dim != CL_FRAME_NONE) {
        rc = cl_detect_path(fd, d->f, dim, value, d->err);
    }
    if (rc != 0) {
        return rc;
    }
    fd->impact = a->deviation;
    fd->value_at_stake = cl_detect_stake_week(d, metric, a->deviation);
    fd->sig = (cl_signif_t){.z = a->z,
                            .level = cl_signif_level(a->z),
                            .method = strcmp(a->method, "seasonal") == 0 ? "robust_z_seasonal"
                                                                         : "robust_z_trend"};
    cl_detect_direction(fd, m, a->deviation);
    cl_finding_number(fd, "current", a->actual);
    cl_finding_number(fd, "expected", a->expected);
    cl_finding_number(fd, "deviation", a->deviation);
    cl_finding_number(fd, "deviation_pct", a->deviation_pct);
    cl_finding_number(fd, "zscore", a->z);
    char week[CL_WEEK_KEY_LEN], cur[64], exp_[64], pct[32], where[192] = "";
    cl_week_format(week, d->r->scope.week);
    cl_format_value(cur, sizeof cur, m, a->actual);
    cl_format_value(exp_, sizeof exp_, m, a->expected);
    cl_format_number(pct, sizeof pct, fabs(a->deviation_pct), 1);
    if (dim != CL_FRAME_NONE) {
        snprintf(where, sizeof where, " in ");
        cl_format_segment_append(where, sizeof where, d->f->dims[dim].name,
                                 d->f->dims[dim].values[value]);
    }
    snprintf(fd->title, sizeof fd->title, "%s%s was %s in %s, %s%% %s the expected %s", m->label,
             where, cur, week, pct, a->deviation < 0 ? "below" : "above", exp_);
    if (parent) {
        snprintf(fd->explains, sizeof fd->explains, "%s", parent);
    }
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

/* A volume outside the funnel (product views, impressions, discounts …; not spend, a decision)
 * moving the way a funnel volume (visits, orders, revenue) moved this week — as an anomaly or a
 * KPI change — is the funnel's event, not its own. */
static int same_event_as_funnel(const cl_detect_t *d, size_t metric, const cl_anomaly_t *a)
{
    const cl_insight_roles_t *ro = &d->roles;
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    size_t funnel[3] = {ro->visits, ro->orders, ro->revenue};
    if (cl_detect_upstream(d, metric) < 5 || metric == ro->spend || m->kind != CL_METRIC_ADDITIVE) {
        return 0;
    }
    for (size_t i = 0; i < 3; i++) {
        if (funnel[i] == CL_FRAME_NONE) {
            continue;
        }
        const cl_anomaly_t *fa = &d->r->kpis[funnel[i]].anomaly;
        const cl_finding_t *k = cl_detect_at((cl_detect_t *)d, d->kpi_finding[funnel[i]]);
        if ((fa->ok && fabs(fa->z) >= d->opt->z_anomaly && fa->deviation * a->deviation > 0) ||
            (k && k->direction * a->deviation > 0)) {
            return 1;
        }
    }
    return 0;
}

/* A ratio's anomaly that its numerator's (same sign) or denominator's (opposite sign) anomaly
 * explains is the component's story: a spend spike makes ROAS dip and CPC jump the same week. */
static int component_explains(const cl_detect_t *d, size_t metric, const cl_anomaly_t *a)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    if (m->kind != CL_METRIC_RATIO) {
        return 0;
    }
    const cl_anomaly_t *n = &d->r->kpis[m->numerator].anomaly;
    const cl_anomaly_t *q = &d->r->kpis[m->denominator].anomaly;
    return (n->ok && fabs(n->z) >= d->opt->z_anomaly && n->deviation * a->deviation > 0) ||
           (q->ok && fabs(q->z) >= d->opt->z_anomaly && q->deviation * a->deviation < 0);
}

static int slice_anomalies(cl_detect_t *d)
{
    for (size_t metric = 0; metric < d->r->n_metrics; metric++) {
        const cl_anomaly_t *a = &d->r->kpis[metric].anomaly;
        if (!a->ok || fabs(a->z) < d->opt->z_anomaly ||
            !cl_detect_material(d, cl_detect_stake_week(d, metric, a->deviation)) ||
            same_event_as_funnel(d, metric, a) || component_explains(d, metric, a) ||
            d->folded[metric] ||
            (cl_catalog_at(d->cat, metric)->kind == CL_METRIC_ADDITIVE &&
             !strcmp(cl_catalog_at(d->cat, metric)->group, "finance"))) {
            continue;
        }
        cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
        int same = k && k->direction * a->deviation > 0;
        if (same && d->r->scope.window == CL_WINDOW_WOW) {
            fold(k, a);
            continue;
        }
        char parent[CL_FINDING_ID_LEN] = "";
        if (same) {
            snprintf(parent, sizeof parent, "%s", k->id);
        }
        int rc = emit(d, metric, CL_FRAME_NONE, 0, a, same ? parent : NULL);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* A segment finding on the same or a nested segment, moving the same way, already tells this
 * week's story: a driver or root cause (any metric: one segment, one story), or an earlier
 * segment anomaly (metrics are visited upstream first). */
static cl_finding_t *story_on(cl_detect_t *d, size_t dim, size_t value, double deviation)
{
    cl_finding_t probe = {0};
    if (cl_detect_path(&probe, d->f, dim, value, NULL) != 0) {
        return NULL;
    }
    cl_finding_t *hit = NULL;
    for (size_t i = 0; i < d->r->findings.n && !hit; i++) {
        cl_finding_t *fd = &d->r->findings.items[i];
        int segment = fd->type == CL_FINDING_DRIVER || fd->type == CL_FINDING_ROOT_CAUSE ||
                      (fd->type == CL_FINDING_ANOMALY && fd->path_len > 0);
        if (segment && !fd->dropped && fd->direction * deviation > 0 &&
            (cl_finding_path_within(fd, &probe) || cl_finding_path_within(&probe, fd))) {
            hit = fd;
        }
    }
    for (size_t i = 0; i < probe.path_len; i++) {
        free(probe.path_dim[i]);
        free(probe.path_value[i]);
    }
    return hit;
}

static int segment_anomaly(cl_detect_t *d, size_t metric, size_t dim, size_t value, double *weekly)
{
    const double *base = cl_frame_cell(d->f, dim, value, 0, 0);
    cl_signif_wow_t *memo = cl_signif_memo_cell(d->memo, dim, value, metric);
    cl_anomaly_memo_t *slot = memo ? &memo->anomaly : NULL;
    if (!cl_anomaly_memo_ready(slot)) {
        cl_kpi_weekly(weekly, d->cat, metric, base, d->f->n_measures, d->f->n_weeks);
    }
    cl_anomaly_t a = cl_anomaly_check_memo(weekly, d->f->n_weeks, d->r->t, slot);
    if (!a.ok || fabs(a.z) < d->opt->z_anomaly_segment ||
        !cl_detect_material(d, cl_detect_stake_week(d, metric, a.deviation))) {
        return 0;
    }
    const cl_anomaly_t *total = &d->r->kpis[metric].anomaly;
    if (total->ok && fabs(total->z) >= d->opt->z_anomaly && total->deviation * a.deviation > 0 &&
        fabs(a.deviation_pct) < 2 * fabs(total->deviation_pct)) {
        return 0; /* the slice's anomaly, seen again in one of its big segments */
    }
    cl_finding_t *drv = story_on(d, dim, value, a.deviation);
    if (drv) {
        if (drv->type != CL_FINDING_ANOMALY && drv->metric == metric) {
            fold(drv, &a);
        }
        return 0;
    }
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
    char parent[CL_FINDING_ID_LEN] = "";
    if (k && k->direction * a.deviation > 0) {
        snprintf(parent, sizeof parent, "%s", k->id);
    }
    return emit(d, metric, dim, value, &a, parent[0] ? parent : NULL);
}

int cl_detect_anomalies(cl_detect_t *d)
{
    int rc = slice_anomalies(d);
    const cl_insight_roles_t *ro = &d->roles;
    size_t metrics[3] = {ro->visits, ro->conversion_rate, ro->revenue}; /* upstream first */
    double *weekly = malloc(d->f->n_weeks * sizeof *weekly);
    if (!weekly) {
        return cl_err_set(d->err, CL_ENOMEM, "out of memory");
    }
    for (size_t dim = 0; rc == 0 && ro->revenue != CL_FRAME_NONE && dim < d->f->n_dims; dim++) {
        const cl_breakdown_t *shares = cl_insight_breakdown(d->r, dim, ro->revenue);
        if (d->f->dims[dim].parent != CL_FRAME_NONE || !shares || !shares->available ||
            shares->n_rows < 2) {
            continue;
        }
        for (size_t i = 0; rc == 0 && i < shares->n_rows; i++) {
            const cl_breakdown_row_t *row = &shares->rows[i];
            if (fmax(row->share_current, row->share_previous) < d->opt->major_segment_share_pct) {
                continue;
            }
            for (size_t j = 0; rc == 0 && j < 3; j++) {
                if (metrics[j] != CL_FRAME_NONE &&
                    cl_breakdown_carries(d->cat, metrics[j], d->f, dim)) {
                    rc = segment_anomaly(d, metrics[j], dim, row->value, weekly);
                }
            }
        }
    }
    free(weekly);
    return rc;
}
