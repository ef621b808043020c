/* detect_market.c — the findings that look outward and at money spent: growth against the market
 * pulse, channel efficiency (ROAS, cost per click) and marketing budget pacing. */
#include "insights/detect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "insights/format.h"
#include "insights/stats.h"

int cl_detect_pulse(cl_detect_t *d)
{
    const cl_pulse_t *p = &d->r->pulse;
    size_t rev = d->roles.revenue;
    if (rev == CL_FRAME_NONE || !p->ok || fabs(p->gap_pp) < d->opt->pulse_gap_pp ||
        fabs(p->sig.z) < d->opt->z_pulse || !cl_detect_material(d, fabs(p->impact))) {
        return 0;
    }
    /* a flat market and a moving category is the category's own change, already a finding */
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[rev]);
    if (k && k->direction * p->gap_pp > 0 &&
        fabs(p->market_growth_pct) < fabs(p->internal_growth_pct) / 2) {
        cl_finding_number(k, "market_growth_pct", p->market_growth_pct);
        cl_finding_number(k, "gap_pp", p->gap_pp);
        return 0;
    }
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, CL_FINDING_MARKET_PULSE, rev);
    if (rc != 0) {
        return rc;
    }
    fd->impact = p->impact;
    fd->value_at_stake = fabs(p->impact);
    fd->sig = p->sig;
    fd->direction = p->gap_pp > 0 ? 1 : -1;
    fd->favourable = p->gap_pp > 0;
    cl_finding_number(fd, "current", p->revenue_current);
    cl_finding_number(fd, "previous", p->revenue_previous);
    cl_finding_number(fd, "expected", p->expected_revenue);
    cl_finding_number(fd, "internal_growth_pct", p->internal_growth_pct);
    cl_finding_number(fd, "market_growth_pct", p->market_growth_pct);
    cl_finding_number(fd, "gap_pp", p->gap_pp);
    cl_finding_number(fd, "pulse_current", p->pulse_current);
    cl_finding_number(fd, "pulse_previous", p->pulse_previous);
    char in[32], mk[32], gap[32], imp[64];
    cl_format_number(in, sizeof in, fabs(p->internal_growth_pct), 1);
    cl_format_pct(mk, sizeof mk, p->market_growth_pct);
    cl_format_number(gap, sizeof gap, p->gap_pp, 1);
    cl_format_change(imp, sizeof imp, cl_catalog_at(d->cat, rev), p->impact);
    snprintf(fd->title, sizeof fd->title,
             "Revenue %s %s%% %s while the market moved %s: %s pp %s than the market (%s against "
             "market pace)",
             cl_detect_verb(p->internal_growth_pct), in, cl_window_name(d->r->scope.window), mk,
             gap + (gap[0] == '-'), p->gap_pp < 0 ? "slower" : "faster", imp);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

static const cl_breakdown_row_t *row_of(const cl_breakdown_t *b, size_t value)
{
    for (size_t i = 0; b && b->available && i < b->n_rows; i++) {
        if (b->rows[i].value == value) {
            return &b->rows[i];
        }
    }
    return NULL;
}

static int channel_finding(cl_detect_t *d, size_t metric, size_t dim, const cl_breakdown_row_t *row,
                           const cl_breakdown_row_t *spend, const cl_signif_t *sig)
{
    const cl_metric_t *m = cl_catalog_at(d->cat, metric);
    cl_finding_t *fd = NULL;
    int rc = cl_detect_segment(&fd, d, CL_FINDING_MARKETING_EFFICIENCY, metric, dim, row, sig);
    if (rc != 0) {
        return rc;
    }
    cl_detect_direction(fd, m, row->change); /* the channel's own ratio moved this way */
    cl_finding_number(fd, "spend", spend->current);
    cl_finding_number(fd, "spend_previous", spend->previous);
    cl_finding_number(fd, "spend_share_pct", spend->share_current);
    cl_finding_t *k = cl_detect_at(d, d->kpi_finding[metric]);
    if (k && k->direction * row->contribution > 0) {
        snprintf(fd->explains, sizeof fd->explains, "%s", k->id);
    }
    char cur[64], prev[64], pct[32], sp[64];
    cl_format_value(cur, sizeof cur, m, row->current);
    cl_format_value(prev, sizeof prev, m, row->previous);
    cl_format_pct(pct, sizeof pct, row->change_pct);
    cl_format_number(sp, sizeof sp, spend->current, 0);
    snprintf(fd->title, sizeof fd->title, "%s of %s %s %s from %s to %s (%s) on %s spend", m->label,
             d->f->dims[dim].values[row->value], cl_detect_verb(row->change),
             cl_window_name(d->r->scope.window), prev, cur, pct, sp);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    return 0;
}

static int channels_of(cl_detect_t *d, size_t metric, size_t dim)
{
    const cl_breakdown_t *b = cl_insight_breakdown(d->r, dim, metric);
    const cl_breakdown_t *sb = cl_insight_breakdown(d->r, dim, d->roles.spend);
    if (!b || !b->available || !sb || !sb->available) {
        return 0;
    }
    for (size_t i = 0; i < b->n_rows; i++) {
        const cl_breakdown_row_t *row = &b->rows[i];
        const cl_breakdown_row_t *spend = row_of(sb, row->value);
        if (!spend || !isfinite(row->change_pct) || !isfinite(row->current) ||
            fmax(spend->share_current, spend->share_previous) < d->opt->channel_spend_share_pct ||
            fabs(row->change_pct) < d->opt->channel_change_pct ||
            !cl_detect_material(d, cl_detect_stake(d, metric, row->contribution))) {
            continue;
        }
        const double *base = cl_frame_cell(d->f, dim, row->value, 0, 0);
        cl_signif_t sig =
            cl_signif_change_memo(d->cat, metric, d->f, base, d->f->n_measures, d->r->scope.window,
                                  d->r->t, cl_signif_memo_cell(d->memo, dim, row->value, metric));
        if (fabs(sig.z) < d->opt->z_channel) {
            continue;
        }
        int rc = channel_finding(d, metric, dim, row, spend, &sig);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int cl_detect_marketing(cl_detect_t *d)
{
    size_t dim = cl_frame_find_dim(d->f, "traffic_l1");
    if (dim == CL_FRAME_NONE || d->roles.spend == CL_FRAME_NONE) {
        return 0;
    }
    size_t metrics[2] = {d->roles.roas, d->roles.cpc};
    for (size_t i = 0; i < 2; i++) {
        if (metrics[i] != CL_FRAME_NONE) {
            int rc = channels_of(d, metrics[i], dim);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* Uncertainty of the projection: the run rate's error over the remaining weeks plus the weeks' own
 * noise, from the robust scale of the last 13 weekly spends. */
static double projection_sigma(const cl_detect_t *d, const cl_pacing_t *p)
{
    double w[13];
    size_t n = 0, stride = d->f->n_measures;
    for (long u = d->r->t; u >= 0 && n < 13; u--) {
        w[n++] = d->r->totals[(size_t)u * stride + d->roles.spend];
    }
    double s = cl_stats_qn_scale(w, n, NULL);
    double remaining = p->weeks_total - p->weeks_elapsed;
    double sigma = isfinite(s) ? remaining * s / 2 + sqrt(remaining) * s : 0;
    double floor = 0.01 * p->budget_total;
    return sigma > floor ? sigma : floor;
}

int cl_detect_pacing(cl_detect_t *d)
{
    const cl_pacing_t *p = &d->r->pacing;
    size_t metric = d->roles.budget_utilisation;
    if (metric == CL_FRAME_NONE || !p->ok) {
        return 0;
    }
    double dev = p->projected_utilisation_pct - 100;
    double z = p->projected_over_under / projection_sigma(d, p);
    if (fabs(dev) < d->opt->pacing_tolerance_pct || fabs(z) < 2) {
        return 0;
    }
    cl_finding_t *fd = NULL;
    int rc = cl_detect_add(&fd, NULL, d, CL_FINDING_BUDGET_PACING, metric);
    if (rc != 0) {
        return rc;
    }
    fd->impact = dev;
    fd->value_at_stake = fabs(p->projected_over_under);
    fd->sig = (cl_signif_t){.z = z > 99 ? 99 : z < -99 ? -99 : z, .method = "projection_z"};
    fd->sig.level = cl_signif_level(fd->sig.z);
    fd->direction = dev > 0 ? 1 : -1;
    fd->favourable = dev > 0 ? 0 : -1; /* overspend is bad; underspend may be a choice */
    cl_finding_number(fd, "budget", p->budget_total);
    cl_finding_number(fd, "spend", p->projected_spend);
    cl_finding_number(fd, "utilisation_pct", p->utilisation_to_date_pct);
    cl_finding_number(fd, "spend_to_date", p->spend_to_date);
    cl_finding_number(fd, "budget_to_date", p->budget_to_date);
    cl_finding_number(fd, "projected_spend", p->projected_spend);
    cl_finding_number(fd, "projected_utilisation_pct", p->projected_utilisation_pct);
    cl_finding_number(fd, "projected_over_under", p->projected_over_under);
    cl_finding_number(fd, "run_rate", p->run_rate);
    cl_finding_number(fd, "weeks_elapsed", p->weeks_elapsed);
    cl_finding_number(fd, "weeks_total", p->weeks_total);
    cl_finding_number(fd, "period_spend", p->period_spend);
    cl_finding_number(fd, "period_budget", p->period_budget);
    cl_finding_number(fd, "period_utilisation_pct", p->period_utilisation_pct);
    char util[32], over[64];
    cl_format_number(util, sizeof util, p->projected_utilisation_pct, 1);
    cl_format_number(over, sizeof over, fabs(p->projected_over_under), 0);
    snprintf(fd->title, sizeof fd->title,
             "Marketing spend is pacing to %s%% of the Q%d budget (%s %s) after %d of %d weeks",
             util, p->quarter, over, dev > 0 ? "over" : "under", p->weeks_elapsed, p->weeks_total);
    cl_finding_make_id(fd, d->cat, &d->r->scope);
    /* the week's spend or utilisation moving the same way is this story, not another one */
    char id[CL_FINDING_ID_LEN];
    snprintf(id, sizeof id, "%s", fd->id);
    int direction = fd->direction;
    for (size_t i = 0; i < d->r->findings.n; i++) {
        cl_finding_t *x = &d->r->findings.items[i];
        if ((x->type != CL_FINDING_ANOMALY && x->type != CL_FINDING_KPI_CHANGE) ||
            x->direction != direction || x->dropped) {
            continue;
        }
        if (x->metric == metric) {
            cl_detect_drop_tree(d, i);
        } else if (x->metric == d->roles.spend && !x->explains[0]) {
            snprintf(x->explains, sizeof x->explains, "%s", id);
        }
    }
    return 0;
}
