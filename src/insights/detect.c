/* detect.c — what every detector needs: the value a finding puts at stake in currency (so findings
 * about orders, conversion and spend can be ranked against each other), materiality, direction and
 * paths. */
#include "insights/detect.h"

#include <math.h>
#include <string.h>

static double kpi_base(const cl_detect_t *d, size_t metric)
{
    const cl_kpi_t *k = &d->r->kpis[metric];
    if (isfinite(k->previous) && k->previous != 0) {
        return k->previous;
    }
    return isfinite(k->current) ? k->current : NAN;
}

double cl_detect_unit_value(const cl_detect_t *d, size_t metric)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    if (m->kind == CL_METRIC_RATIO) {
        /* a change of the ratio at constant denominator moves the numerator by Δ / scale × D */
        double den = kpi_base(d, m->denominator);
        double v = cl_detect_unit_value(d, m->numerator);
        return isfinite(den) ? fabs(den) / m->scale * v : 0;
    }
    if (m->unit == CL_UNIT_CURRENCY) {
        return 1;
    }
    /* a count is worth the revenue per unit of it (revenue per order, per visit, per click) */
    /* valued at the revenue measured with it: paid revenue for marketing-table counts */
    size_t basis = d->roles.revenue;
    size_t paid = d->roles.paid_revenue;
    if (paid != CL_FRAME_NONE && strcmp(cl_catalog_at(d->cat, paid)->table, m->table) == 0) {
        basis = paid;
    }
    double rev = basis != CL_FRAME_NONE ? kpi_base(d, basis) : NAN;
    double own = kpi_base(d, metric);
    return isfinite(rev) && isfinite(own) && own != 0 ? fabs(rev / own) : 0;
}

double cl_detect_stake(const cl_detect_t *d, size_t metric, double impact)
{
    double v = fabs(impact) * cl_detect_unit_value(d, metric);
    return isfinite(v) ? v : 0;
}

double cl_detect_stake_week(const cl_detect_t *d, size_t metric, double impact)
{
    double v = cl_detect_stake(d, metric, impact);
    int weeks = d->r->period.weeks > 0 ? d->r->period.weeks : 1;
    return cl_catalog_at(d->cat, metric)->kind == CL_METRIC_RATIO ? v / weeks : v;
}

int cl_detect_material(const cl_detect_t *d, double stake)
{
    if (!(stake > 0)) {
        return 0;
    }
    if (!isfinite(d->revenue_base) || d->revenue_base <= 0) {
        return 1;
    }
    return stake >= d->opt->materiality_pct / 100.0 * d->revenue_base;
}

void cl_detect_direction(cl_finding_t *fd, const cl_metric_t *m, double change)
{
    fd->direction = change > 0 ? 1 : change < 0 ? -1 : 0;
    if (fd->direction == 0 || m->direction == CL_DIR_NEUTRAL) {
        fd->favourable = -1;
    } else {
        int good_up = m->direction == CL_DIR_HIGHER_IS_BETTER;
        fd->favourable = (fd->direction > 0) == good_up;
    }
}

int cl_detect_path(cl_finding_t *fd, const cl_frame_t *f, size_t dim, size_t value, cl_err_t *err)
{
    while (dim != CL_FRAME_NONE && value != CL_FRAME_NONE) {
        const cl_frame_dim_t *dd = &f->dims[dim];
        int rc = cl_finding_path_add(fd, dd->name, dd->values[value], err);
        if (rc != 0) {
            return rc;
        }
        value = dd->parents[value];
        dim = dd->parent;
    }
    return 0;
}

int cl_detect_add(cl_finding_t **out, size_t *index, cl_detect_t *d, cl_finding_type_t type,
                  size_t metric)
{
    int rc = cl_findings_add(out, &d->r->findings, type, metric, d->err);
    if (rc == 0 && index) {
        *index = d->r->findings.n - 1;
    }
    return rc;
}

int cl_detect_segment(cl_finding_t **out, cl_detect_t *d, cl_finding_type_t type, size_t metric,
                      size_t dim, const cl_breakdown_row_t *row, const cl_signif_t *sig)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, type, metric);
    rc = rc ? rc : cl_detect_path(fd, d->f, dim, row->value, d->err);
    if (rc != 0) {
        return rc;
    }
    fd->impact = row->contribution;
    fd->value_at_stake = cl_detect_stake(d, metric, row->contribution);
    fd->sig = *sig;
    cl_detect_direction(fd, m, row->contribution);
    cl_finding_number(fd, "current", row->current);
    cl_finding_number(fd, "previous", row->previous);
    cl_finding_number(fd, "change", row->change);
    cl_finding_number(fd, "change_pct", row->change_pct);
    cl_finding_number(fd, "contribution", row->contribution);
    cl_finding_number(fd, "share_of_change", row->contribution_pct);
    cl_finding_number(fd, "share_current", row->share_current);
    cl_finding_number(fd, "share_previous", row->share_previous);
    cl_finding_number(fd, "share_shift_pp", row->share_shift_pp);
    if (m->kind == CL_METRIC_RATIO) {
        cl_finding_number(fd, "mix_effect", row->mix_effect);
        cl_finding_number(fd, "rate_effect", row->rate_effect);
    }
    *out = fd;
    return 0;
}

cl_finding_t *cl_detect_at(cl_detect_t *d, size_t index)
{
    return index == CL_DETECT_NONE || index >= d->r->findings.n ? NULL
                                                                : &d->r->findings.items[index];
}

void cl_detect_drop_tree(cl_detect_t *d, size_t index)
{
    cl_finding_t *fd = cl_detect_at(d, index);
    if (!fd || fd->dropped) {
        return;
    }
    fd->dropped = 1;
    for (size_t i = 0; i < d->r->findings.n; i++) {
        if (strcmp(d->r->findings.items[i].explains, d->r->findings.items[index].id) == 0) {
            cl_detect_drop_tree(d, i);
        }
    }
}

int cl_detect_upstream(const cl_detect_t *d, size_t metric)
{
    const cl_insight_roles_t *ro = &d->roles;
    size_t order[5] = {ro->visits, ro->conversion_rate, ro->aov, ro->orders, ro->revenue};
    for (int i = 0; i < 5; i++) {
        if (order[i] == metric) {
            return i;
        }
    }
    return 5;
}

const char *cl_detect_verb(double change)
{
    return change > 0 ? "rose" : change < 0 ? "fell" : "was flat";
}
