/* detect_kpi.c — the headline findings: which KPIs really changed in the window, and the revenue
 * story (revenue's change split into traffic, conversion and basket, with the volume KPIs that move
 * with revenue folded into it so one change does not read as four). */
#include "insights/detect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "insights/format.h"

static void kpi_title(cl_finding_t *fd, const cl_metric_t *m, const cl_kpi_t *k, cl_window_t win)
{
    char cur[64], chg[64], mag[64];
    cl_format_value(cur, sizeof cur, m, k->current);
    cl_format_change(chg, sizeof chg, m, k->change);
    if (m->unit == CL_UNIT_PERCENT) {
        cl_format_number(mag, sizeof mag, fabs(k->change), m->decimals);
        snprintf(fd->title, sizeof fd->title, "%s %s %s pp %s to %s", m->label,
                 cl_detect_verb(k->change), mag, cl_window_name(win), cur);
    } else {
        cl_format_number(mag, sizeof mag, fabs(k->change_pct), 1);
        snprintf(fd->title, sizeof fd->title, "%s %s %s%% %s to %s (%s)", m->label,
                 cl_detect_verb(k->change), mag, cl_window_name(win), cur, chg);
    }
}

int cl_detect_kpi_changes(cl_detect_t *d)
{
    const cl_insight_options_t *opt = d->opt;
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        const cl_kpi_t *k = &d->r->kpis[i];
        const cl_metric_t *m = cl_catalog_at(d->cat, i);
        d->kpi_finding[i] = CL_DETECT_NONE;
        if (!k->available || k->change == 0 ||
            fabs(k->sig.z) < fmin(opt->z_kpi, opt->z_kpi_explained) ||
            (m->kind == CL_METRIC_ADDITIVE && !strcmp(m->group, "finance"))) {
            continue; /* plans are inputs, not news: pacing and attainment report on them */
        }
        double stake = cl_detect_stake(d, i, k->change);
        if (!cl_detect_material(d, stake)) {
            continue;
        }
        cl_finding_t *fd = NULL;
        int rc = cl_detect_add(&fd, &d->kpi_finding[i], d, CL_FINDING_KPI_CHANGE, i);
        if (rc != 0) {
            return rc;
        }
        fd->impact = k->change;
        fd->value_at_stake = stake;
        fd->sig = k->sig;
        cl_detect_direction(fd, m, k->change);
        cl_finding_number(fd, "current", k->current);
        cl_finding_number(fd, "previous", k->previous);
        cl_finding_number(fd, "change", k->change);
        cl_finding_number(fd, "change_pct", k->change_pct);
        kpi_title(fd, m, k, d->r->scope.window);
        cl_finding_make_id(fd, d->cat, &d->r->scope);
    }
    return 0;
}

static void drop_kpi(cl_detect_t *d, size_t metric)
{
    d->folded[metric] = 1;
    cl_detect_drop_tree(d, d->kpi_finding[metric]);
    d->kpi_finding[metric] = CL_DETECT_NONE;
}

/* A KPI change below the stand-alone threshold is news only when a segment carries it with a
 * strong signal of its own: joint evidence that noise rarely produces. */
void cl_detect_prune_unexplained(cl_detect_t *d)
{
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        cl_finding_t *fd = cl_detect_at(d, d->kpi_finding[i]);
        if (fd && fabs(fd->sig.z) < d->opt->z_kpi && d->driver_z[i] < d->opt->z_driver_strong) {
            /* root causes stand on their own evidence; drivers only explained this change */
            for (size_t j = 0; j < d->r->findings.n; j++) {
                cl_finding_t *x = &d->r->findings.items[j];
                if (x->type == CL_FINDING_ROOT_CAUSE && strcmp(x->explains, fd->id) == 0) {
                    x->explains[0] = '\0';
                }
            }
            cl_detect_drop_tree(d, d->kpi_finding[i]);
            d->kpi_finding[i] = CL_DETECT_NONE;
        }
    }
}

static int is_decision(const cl_detect_t *d, size_t metric)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    return metric == d->roles.spend || strcmp(m->group, "finance") == 0;
}

static int is_segment(const cl_finding_t *f)
{
    return !f->dropped && (f->type == CL_FINDING_DRIVER || f->type == CL_FINDING_ROOT_CAUSE);
}

/* 1 when a segment finding explaining FD sits on the same (or a nested) segment, moving the same
 * way, as a segment finding of a funnel metric (visits, conversion, basket, orders, revenue) — with
 * or without a KPI change of its own: FD's change is that funnel story seen from marketing. */
static int funnel_segment_explains(const cl_detect_t *d, const cl_finding_t *fd)
{
    const cl_findings_t *l = &d->r->findings;
    for (size_t i = 0; i < l->n; i++) {
        const cl_finding_t *x = &l->items[i];
        if (!is_segment(x) || strcmp(x->explains, fd->id) != 0) {
            continue;
        }
        for (size_t j = 0; j < l->n; j++) {
            const cl_finding_t *y = &l->items[j];
            if (is_segment(y) && cl_detect_upstream(d, y->metric) < 5 &&
                y->direction == x->direction &&
                (cl_finding_path_within(x, y) || cl_finding_path_within(y, x))) {
                return 1;
            }
        }
    }
    return 0;
}

/* Consequences are not separate stories:
 * - a ratio (other than the funnel's conversion and basket, and ROAS / CPC, which channel findings
 *   explain) whose numerator or denominator has a KPI finding moves because that one moved (a
 *   conversion drop raises cost per conversion);
 * - a volume outside the funnel (paid conversions, paid revenue, clicks) whose change sits in the
 *   same segment as a funnel metric's segment finding, the same way, is that funnel story seen
 *   from marketing.
 * Decisions (spend, plans) are never folded: they may be the cause. */
void cl_detect_fold_consequences(cl_detect_t *d)
{
    const cl_insight_roles_t *ro = &d->roles;
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        const cl_metric_t *m = cl_catalog_at(d->cat, i);
        if (!cl_detect_at(d, d->kpi_finding[i]) || m->kind != CL_METRIC_RATIO ||
            cl_detect_upstream(d, i) < 5 || i == ro->roas || i == ro->cpc) {
            continue;
        }
        if (cl_detect_at(d, d->kpi_finding[m->numerator]) ||
            cl_detect_at(d, d->kpi_finding[m->denominator])) {
            drop_kpi(d, i);
        }
    }
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        cl_finding_t *fd = cl_detect_at(d, d->kpi_finding[i]);
        if (fd && cl_detect_upstream(d, i) == 5 && !is_decision(d, i) &&
            cl_catalog_at(d->cat, i)->kind == CL_METRIC_ADDITIVE &&
            funnel_segment_explains(d, fd)) {
            drop_kpi(d, i);
        }
    }
}

/* Volume KPIs moving with revenue are the same story: fold them into revenue's finding. */
static void fold_volume(cl_detect_t *d, cl_finding_t *rev, size_t metric, const char *name)
{
    cl_finding_t *fd = metric == CL_FRAME_NONE ? NULL : cl_detect_at(d, d->kpi_finding[metric]);
    if (!fd || fd->direction != rev->direction) {
        return;
    }
    drop_kpi(d, metric);
    cl_finding_number(rev, name, d->r->kpis[metric].change_pct);
}

/* Other volumes (discounts, returns, new customers, paid revenue and conversions, clicks) that
 * move in proportion to revenue — within a quarter of its relative change — are the same volume
 * story too. Not visits (a factor of the split, linked instead), spend or plans (decisions). */
static void fold_proportional(cl_detect_t *d, cl_finding_t *rev)
{
    const cl_insight_roles_t *ro = &d->roles;
    double rev_pct = d->r->kpis[ro->revenue].change_pct;
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        const cl_metric_t *m = cl_catalog_at(d->cat, i);
        cl_finding_t *fd = cl_detect_at(d, d->kpi_finding[i]);
        if (!fd || i == ro->revenue || i == ro->visits || i == ro->spend ||
            m->kind != CL_METRIC_ADDITIVE || strcmp(m->group, "finance") == 0 ||
            fd->direction != rev->direction) {
            continue;
        }
        double pct = d->r->kpis[i].change_pct;
        if (isfinite(pct) && fabs(pct - rev_pct) <= 0.25 * fabs(rev_pct)) {
            drop_kpi(d, i);
        }
    }
}

/* A ratio against a plan (denominator in the finance group: target attainment, budget
 * utilisation) moves because its numerator moved: the numerator's finding tells it. */
static void fold_plan_ratios(cl_detect_t *d)
{
    for (size_t i = 0; i < d->r->n_metrics; i++) {
        const cl_metric_t *m = cl_catalog_at(d->cat, i);
        cl_finding_t *fd = cl_detect_at(d, d->kpi_finding[i]);
        if (!fd || m->kind != CL_METRIC_RATIO ||
            strcmp(cl_catalog_at(d->cat, m->denominator)->group, "finance") != 0) {
            continue;
        }
        cl_finding_t *num = cl_detect_at(d, d->kpi_finding[m->numerator]);
        if (num && num->direction == fd->direction) {
            drop_kpi(d, i);
        }
    }
}

/* The factor KPIs of the split explain the revenue story they are part of. */
static void link_factor(cl_detect_t *d, size_t metric, const char *parent_id)
{
    cl_finding_t *fd = metric == CL_FRAME_NONE ? NULL : cl_detect_at(d, d->kpi_finding[metric]);
    if (fd) {
        snprintf(fd->explains, sizeof fd->explains, "%s", parent_id);
    }
}

static void split_numbers(cl_finding_t *fd, const cl_lmdi_revenue_t *s)
{
    cl_finding_number(fd, "traffic_effect", s->traffic_effect);
    cl_finding_number(fd, "conversion_effect", s->conversion_effect);
    cl_finding_number(fd, "basket_effect", s->basket_effect);
}

/* Append ": traffic +1,200, conversion -3,400, basket -100" to a revenue title. */
static void split_title(char *title, size_t cap, const cl_metric_t *rev, const cl_lmdi_revenue_t *s)
{
    char t[64], c[64], b[64];
    size_t len = strlen(title);
    cl_format_change(t, sizeof t, rev, s->traffic_effect);
    cl_format_change(c, sizeof c, rev, s->conversion_effect);
    cl_format_change(b, sizeof b, rev, s->basket_effect);
    snprintf(title + len, cap - len, ": traffic %s, conversion %s, basket %s", t, c, b);
}

/* Without a revenue change, offsetting factors are a story of their own ("traffic up, conversion
 * down, revenue flat"): two material effects of opposite sign whose KPIs really moved. */
static int offsetting_split(cl_detect_t *d)
{
    const cl_lmdi_revenue_t *s = &d->r->split;
    const cl_insight_roles_t *ro = &d->roles;
    size_t metrics[3] = {ro->visits, ro->conversion_rate, ro->aov};
    double eff[3] = {s->traffic_effect, s->conversion_effect, s->basket_effect};
    int up = 0, down = 0;
    double best_z = 0, stake = 0;
    for (int i = 0; i < 3; i++) {
        if (metrics[i] == CL_FRAME_NONE || !cl_detect_material(d, fabs(eff[i])) ||
            fabs(d->r->kpis[metrics[i]].sig.z) < d->opt->z_kpi) {
            continue;
        }
        up += eff[i] > 0;
        down += eff[i] < 0;
        best_z = fmax(best_z, fabs(d->r->kpis[metrics[i]].sig.z));
        stake = fmax(stake, fabs(eff[i]));
    }
    if (!up || !down) {
        return 0;
    }
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, &d->split_finding, d, CL_FINDING_REVENUE_SPLIT, ro->revenue);
    if (rc != 0) {
        return rc;
    }
    const cl_metric_t *rev = cl_catalog_at(d->cat, ro->revenue);
    const cl_kpi_t *k = &d->r->kpis[ro->revenue];
    fd->impact = s->change;
    fd->value_at_stake = stake;
    fd->sig = k->sig;
    fd->sig.z = best_z;
    fd->sig.level = cl_signif_level(best_z);
    cl_detect_direction(fd, rev, s->change);
    cl_finding_number(fd, "current", s->revenue[1]);
    cl_finding_number(fd, "previous", s->revenue[0]);
    cl_finding_number(fd, "change", s->change);
    cl_finding_number(fd, "change_pct", k->change_pct);
    split_numbers(fd, s);
    char pct[32];
    cl_format_pct(pct, sizeof pct, k->change_pct);
    snprintf(fd->title, sizeof fd->title, "Revenue %s %s with offsetting drivers",
             cl_window_name(d->r->scope.window), pct);
    split_title(fd->title, sizeof fd->title, rev, s);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

int cl_detect_revenue_story(cl_detect_t *d)
{
    const cl_insight_roles_t *ro = &d->roles;
    d->split_finding = CL_DETECT_NONE;
    if (ro->revenue == CL_FRAME_NONE) {
        return 0;
    }
    cl_finding_t *rev = cl_detect_at(d, d->kpi_finding[ro->revenue]);
    fold_plan_ratios(d);
    if (rev) {
        fold_proportional(d, rev);
        fold_volume(d, rev, ro->gross_revenue, "gross_revenue_change_pct");
        fold_volume(d, rev, ro->orders, "orders_change_pct");
        fold_volume(d, rev, ro->units, "units_change_pct");
    }
    if (!d->r->has_split) {
        return 0;
    }
    if (rev) {
        split_numbers(rev, &d->r->split);
        split_title(rev->title, sizeof rev->title, cl_catalog_at(d->cat, ro->revenue),
                    &d->r->split);
        d->split_finding = d->kpi_finding[ro->revenue];
    } else {
        int rc = offsetting_split(d);
        if (rc != 0) {
            return rc;
        }
    }
    cl_finding_t *parent = cl_detect_at(d, d->split_finding);
    if (parent) {
        char id[CL_FINDING_ID_LEN];
        snprintf(id, sizeof id, "%s", parent->id);
        link_factor(d, ro->visits, id);
        link_factor(d, ro->conversion_rate, id);
        link_factor(d, ro->aov, id);
    }
    return 0;
}
