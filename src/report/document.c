/* document.c — the WBR document (contracts §4) from an engine result. The shape is for the UI and
 * the AI service: every number is a plain JSON number (null when not available), every table says
 * what it is about, and the metric definitions travel with the figures. */
#include "report/document.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "insights/finding.h"

/* Collects allocation failures so assembly code reads as a list of fields. */
typedef struct {
    int failed;
} build_t;

static json_t *num(double v)
{
    return cl_json_number(v);
}

static void set(build_t *b, json_t *obj, const char *key, json_t *v)
{
    if (!obj || !v || json_object_set_new(obj, key, v) != 0) {
        b->failed = 1;
    }
}

static void push(build_t *b, json_t *arr, json_t *v)
{
    if (!arr || !v || json_array_append_new(arr, v) != 0) {
        b->failed = 1;
    }
}

static json_t *week_key(cl_week_t w)
{
    char k[CL_WEEK_KEY_LEN];
    cl_week_format(k, w);
    return json_string(k);
}

static json_t *frame_week(const cl_frame_t *f, long index)
{
    return week_key(cl_week_add(f->first_week, (int)index));
}

static json_t *range(build_t *b, const cl_frame_t *f, long first, long last)
{
    json_t *o = json_object();
    set(b, o, "first", frame_week(f, first));
    set(b, o, "last", frame_week(f, last));
    return o;
}

static json_t *significance(build_t *b, const cl_signif_t *s)
{
    json_t *o = json_object();
    set(b, o, "score", num(s->z));
    set(b, o, "level", json_string(cl_signif_level_name(s->level)));
    set(b, o, "method", json_string(s->method ? s->method : "none"));
    return o;
}

static json_t *definitions(build_t *b, const cl_catalog_t *cat)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        json_t *o = json_object();
        set(b, o, "id", json_string(m->id));
        set(b, o, "label", json_string(m->label));
        set(b, o, "description", json_string(m->description));
        set(b, o, "kind", json_string(m->kind == CL_METRIC_RATIO ? "ratio" : "additive"));
        set(b, o, "unit", json_string(cl_unit_name(m->unit)));
        set(b, o, "change_unit", json_string(cl_catalog_change_unit(m)));
        set(b, o, "format", json_string(m->format));
        set(b, o, "direction", json_string(cl_direction_name(m->direction)));
        set(b, o, "missing", json_string(cl_missing_name(m->missing)));
        set(b, o, "group", json_string(m->group));
        if (m->kind == CL_METRIC_RATIO) {
            set(b, o, "numerator", json_string(cl_catalog_at(cat, m->numerator)->id));
            set(b, o, "denominator", json_string(cl_catalog_at(cat, m->denominator)->id));
        }
        push(b, arr, o);
    }
    return arr;
}

static json_t *favourable(const cl_metric_t *m, const cl_kpi_t *k)
{
    if (!k->available || k->change == 0 || m->direction == CL_DIR_NEUTRAL) {
        return json_null();
    }
    return json_boolean((k->change > 0) == (m->direction == CL_DIR_HIGHER_IS_BETTER));
}

static json_t *tile(build_t *b, const cl_insight_t *r, const cl_frame_t *f, const cl_catalog_t *cat,
                    size_t i)
{
    const cl_metric_t *m = cl_catalog_at(cat, i);
    const cl_kpi_t *k = &r->kpis[i];
    json_t *o = json_object(), *spark = json_array();
    set(b, o, "metric", json_string(m->id));
    set(b, o, "label", json_string(m->label));
    set(b, o, "kind", json_string(m->kind == CL_METRIC_RATIO ? "ratio" : "additive"));
    set(b, o, "unit", json_string(cl_unit_name(m->unit)));
    set(b, o, "format", json_string(m->format));
    set(b, o, "direction", json_string(cl_direction_name(m->direction)));
    set(b, o, "available", json_boolean(k->available));
    set(b, o, "current", num(k->current));
    set(b, o, "previous", num(k->previous));
    set(b, o, "change", num(k->change));
    set(b, o, "change_pct", num(k->change_pct));
    set(b, o, "change_unit", json_string(cl_catalog_change_unit(m)));
    set(b, o, "favourable", favourable(m, k));
    set(b, o, "significance", significance(b, &k->sig));
    set(b, o, "expected", num(k->anomaly.ok ? k->anomaly.expected : NAN));
    set(b, o, "anomaly_zscore", num(k->anomaly.ok ? k->anomaly.z : NAN));
    long first = r->t - CL_REPORT_SPARKLINE_WEEKS + 1;
    for (long w = first < 0 ? 0 : first; w <= r->t; w++) {
        json_t *p = json_object();
        set(b, p, "week", frame_week(f, w));
        set(b, p, "value", num(r->weekly[i * r->n_weeks + (size_t)w]));
        push(b, spark, p);
    }
    set(b, o, "sparkline", spark);
    return o;
}

static void tiles(build_t *b, json_t *doc, const cl_insight_t *r, const cl_frame_t *f,
                  const cl_catalog_t *cat)
{
    json_t *kpis = json_array(), *derived = json_array();
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        int ratio = cl_catalog_at(cat, i)->kind == CL_METRIC_RATIO;
        push(b, ratio ? derived : kpis, tile(b, r, f, cat, i));
    }
    set(b, doc, "kpis", kpis);
    set(b, doc, "derived", derived);
}

static json_t *row_json(build_t *b, const cl_frame_t *f, const cl_breakdown_t *bd,
                        const cl_breakdown_row_t *row, int ratio)
{
    const cl_frame_dim_t *d = &f->dims[bd->dim];
    json_t *o = json_object();
    set(b, o, "value", json_string(d->values[row->value]));
    if (d->parent != CL_FRAME_NONE) {
        set(b, o, "parent_value", json_string(f->dims[d->parent].values[d->parents[row->value]]));
    }
    set(b, o, "current", num(row->current));
    set(b, o, "previous", num(row->previous));
    set(b, o, "change", num(row->change));
    set(b, o, "change_pct", num(row->change_pct));
    set(b, o, "contribution", num(row->contribution));
    set(b, o, "contribution_pct", num(row->contribution_pct));
    set(b, o, "share_current", num(row->share_current));
    set(b, o, "share_previous", num(row->share_previous));
    set(b, o, "share_shift_pp", num(row->share_shift_pp));
    if (ratio) {
        set(b, o, "mix_effect", num(row->mix_effect));
        set(b, o, "rate_effect", num(row->rate_effect));
    }
    return o;
}

/* The rows beyond the table's length, summed so that contributions still add up. */
static json_t *other(build_t *b, const cl_breakdown_t *bd, int ratio)
{
    if (bd->n_rows <= CL_REPORT_BREAKDOWN_ROWS) {
        return json_null();
    }
    double cur = 0, prev = 0, contrib = 0, sc = 0, sp = 0;
    for (size_t i = CL_REPORT_BREAKDOWN_ROWS; i < bd->n_rows; i++) {
        const cl_breakdown_row_t *row = &bd->rows[i];
        cur += row->num[1];
        prev += row->num[0];
        contrib += row->contribution;
        sc += row->share_current;
        sp += row->share_previous;
    }
    json_t *o = json_object();
    set(b, o, "values", json_integer((json_int_t)(bd->n_rows - CL_REPORT_BREAKDOWN_ROWS)));
    set(b, o, "current", num(ratio ? NAN : cur));
    set(b, o, "previous", num(ratio ? NAN : prev));
    set(b, o, "contribution", num(contrib));
    set(b, o, "share_current", num(sc));
    set(b, o, "share_previous", num(sp));
    return o;
}

static json_t *breakdown_json(build_t *b, const cl_frame_t *f, const cl_catalog_t *cat,
                              const cl_breakdown_t *bd)
{
    const cl_frame_dim_t *d = &f->dims[bd->dim];
    int ratio = cl_catalog_at(cat, bd->metric)->kind == CL_METRIC_RATIO;
    json_t *o = json_object(), *rows = json_array(), *total = json_object();
    set(b, o, "dimension", json_string(d->name));
    set(b, o, "parent",
        d->parent == CL_FRAME_NONE ? json_null() : json_string(f->dims[d->parent].name));
    set(b, o, "metric", json_string(cl_catalog_at(cat, bd->metric)->id));
    set(b, total, "current", num(bd->current));
    set(b, total, "previous", num(bd->previous));
    set(b, total, "change", num(bd->total_change));
    if (ratio) {
        set(b, total, "mix_effect", num(bd->mix_effect));
        set(b, total, "rate_effect", num(bd->rate_effect));
    }
    set(b, o, "total", total);
    for (size_t i = 0; i < bd->n_rows && i < CL_REPORT_BREAKDOWN_ROWS; i++) {
        push(b, rows, row_json(b, f, bd, &bd->rows[i], ratio));
    }
    set(b, o, "rows", rows);
    set(b, o, "other", other(b, bd, ratio));
    return o;
}

/* The metrics shown per dimension: the funnel, and spend and ROAS where marketing is carried. */
static const char *const BREAKDOWN_METRICS[] = {"revenue", "orders", "visits", "conversion_rate",
                                                "aov",     "spend",  "roas",   NULL};

static void breakdowns(build_t *b, json_t *doc, const cl_insight_t *r, const cl_frame_t *f,
                       const cl_catalog_t *cat)
{
    json_t *arr = json_array();
    for (size_t d = 0; d < f->n_dims; d++) {
        for (size_t k = 0; BREAKDOWN_METRICS[k]; k++) {
            size_t m;
            if (!cl_catalog_find(cat, BREAKDOWN_METRICS[k], &m)) {
                continue;
            }
            const cl_breakdown_t *bd = cl_insight_breakdown(r, d, m);
            if (bd && bd->available) {
                push(b, arr, breakdown_json(b, f, cat, bd));
            }
        }
    }
    set(b, doc, "breakdowns", arr);
}

static json_t *pair(build_t *b, double prev, double cur)
{
    json_t *o = json_object();
    set(b, o, "current", num(cur));
    set(b, o, "previous", num(prev));
    return o;
}

static void decompositions(build_t *b, json_t *doc, const cl_insight_t *r, const cl_frame_t *f,
                           const cl_catalog_t *cat)
{
    json_t *o = json_object(), *split = json_object(), *mix = json_array();
    const cl_lmdi_revenue_t *s = &r->split;
    set(b, split, "available", json_boolean(r->has_split));
    set(b, split, "metric", json_string("revenue"));
    set(b, split, "method", json_string("lmdi"));
    set(b, split, "current", num(r->has_split ? s->revenue[1] : NAN));
    set(b, split, "previous", num(r->has_split ? s->revenue[0] : NAN));
    set(b, split, "change", num(r->has_split ? s->change : NAN));
    set(b, split, "traffic_effect", num(r->has_split ? s->traffic_effect : NAN));
    set(b, split, "conversion_effect", num(r->has_split ? s->conversion_effect : NAN));
    set(b, split, "basket_effect", num(r->has_split ? s->basket_effect : NAN));
    set(b, split, "visits", r->has_split ? pair(b, s->visits[0], s->visits[1]) : json_null());
    set(b, split, "conversion_rate",
        r->has_split ? pair(b, 100 * s->conversion[0], 100 * s->conversion[1]) : json_null());
    set(b, split, "aov", r->has_split ? pair(b, s->basket[0], s->basket[1]) : json_null());
    set(b, o, "revenue_split", split);
    for (size_t k = 0; BREAKDOWN_METRICS[k]; k++) {
        size_t m;
        const cl_metric_t *metric = cl_catalog_find(cat, BREAKDOWN_METRICS[k], &m);
        for (size_t d = 0; metric && metric->kind == CL_METRIC_RATIO && d < f->n_dims; d++) {
            const cl_breakdown_t *bd = cl_insight_breakdown(r, d, m);
            if (!bd || !bd->available || f->dims[d].parent != CL_FRAME_NONE || bd->n_rows < 2) {
                continue;
            }
            json_t *e = json_object();
            set(b, e, "metric", json_string(metric->id));
            set(b, e, "dimension", json_string(f->dims[d].name));
            set(b, e, "current", num(bd->current));
            set(b, e, "previous", num(bd->previous));
            set(b, e, "change", num(bd->total_change));
            set(b, e, "mix_effect", num(bd->mix_effect));
            set(b, e, "rate_effect", num(bd->rate_effect));
            push(b, mix, e);
        }
    }
    set(b, o, "mix_rate", mix);
    set(b, doc, "decompositions", o);
}

static void market_pulse(build_t *b, json_t *doc, const cl_insight_t *r, const cl_frame_t *f,
                         const cl_catalog_t *cat)
{
    json_t *o = json_object(), *series = json_array();
    const cl_pulse_t *p = &r->pulse;
    size_t rev = 0;
    const double *revenue =
        cl_catalog_find(cat, "revenue", &rev) ? &r->weekly[rev * r->n_weeks] : NULL;
    long first = r->t - 25 < 0 ? 0 : r->t - 25;
    /* internal index: revenue rebased so that its first four weeks average what the pulse does */
    double rbase = 0, pbase = 0;
    int rn = 0, pn = 0;
    for (long w = first; w < first + 4 && w <= r->t; w++) {
        if (revenue && isfinite(revenue[w])) {
            rbase += revenue[w];
            rn++;
        }
        if (isfinite(f->pulse[w])) {
            pbase += f->pulse[w];
            pn++;
        }
    }
    double scale = rn && rbase > 0 ? (pn ? pbase / pn : 100.0) / (rbase / rn) : NAN;
    for (long w = first; w <= r->t; w++) {
        json_t *e = json_object();
        set(b, e, "week", frame_week(f, w));
        set(b, e, "pulse_index", num(f->pulse[w]));
        set(b, e, "internal_index", num(revenue ? revenue[w] * scale : NAN));
        push(b, series, e);
    }
    set(b, o, "available", json_boolean(p->ok));
    set(b, o, "series", series);
    set(b, o, "market_growth_pct", num(p->ok ? p->market_growth_pct : NAN));
    set(b, o, "internal_growth_pct", num(p->ok ? p->internal_growth_pct : NAN));
    set(b, o, "gap_pp", num(p->ok ? p->gap_pp : NAN));
    set(b, o, "expected_revenue", num(p->ok ? p->expected_revenue : NAN));
    set(b, o, "impact", num(p->ok ? p->impact : NAN));
    set(b, o, "significance", significance(b, &p->sig));
    set(b, doc, "market_pulse", o);
}

static const cl_breakdown_row_t *row_for(const cl_insight_t *r, size_t dim, const cl_catalog_t *cat,
                                         const char *metric, size_t value)
{
    size_t m;
    if (!cl_catalog_find(cat, metric, &m)) {
        return NULL;
    }
    const cl_breakdown_t *bd = cl_insight_breakdown(r, dim, m);
    for (size_t i = 0; bd && bd->available && i < bd->n_rows; i++) {
        if (bd->rows[i].value == value) {
            return &bd->rows[i];
        }
    }
    return NULL;
}

/* Channel rows: every traffic_l1 value with spend in either period, biggest current spend first. */
static json_t *channels(build_t *b, const cl_insight_t *r, const cl_frame_t *f,
                        const cl_catalog_t *cat)
{
    static const char *const metrics[] = {"spend",        "impressions", "clicks",
                                          "paid_revenue", "conversions", "roas",
                                          "cpc",          "ctr",         "cpa"};
    json_t *arr = json_array();
    size_t dim = cl_frame_find_dim(f, "traffic_l1"), spend;
    if (dim == CL_FRAME_NONE || !cl_catalog_find(cat, "spend", &spend)) {
        return arr;
    }
    const cl_breakdown_t *sb = cl_insight_breakdown(r, dim, spend);
    /* breakdown rows are sorted by |contribution|: order them by current spend instead */
    size_t n = sb && sb->available ? sb->n_rows : 0;
    size_t *order = calloc(n + 1, sizeof *order);
    if (!order) {
        b->failed = 1;
        return arr;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sb->rows[i].current > 0 || sb->rows[i].previous > 0) {
            size_t at = k++;
            while (at > 0 && (sb->rows[order[at - 1]].current < sb->rows[i].current ||
                              (sb->rows[order[at - 1]].current == sb->rows[i].current &&
                               sb->rows[order[at - 1]].value > sb->rows[i].value))) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
        }
    }
    for (size_t j = 0; j < k; j++) {
        const cl_breakdown_row_t *srow = &sb->rows[order[j]];
        json_t *o = json_object();
        set(b, o, "traffic_l1", json_string(f->dims[dim].values[srow->value]));
        for (size_t q = 0; q < CL_ARRAY_LEN(metrics); q++) {
            const cl_breakdown_row_t *row = row_for(r, dim, cat, metrics[q], srow->value);
            char prev[48];
            snprintf(prev, sizeof prev, "%s_previous", metrics[q]);
            set(b, o, metrics[q], num(row ? row->current : NAN));
            set(b, o, prev, num(row ? row->previous : NAN));
        }
        set(b, o, "spend_share_pct", num(srow->share_current));
        push(b, arr, o);
    }
    free(order);
    return arr;
}

static json_t *pacing(build_t *b, const cl_pacing_t *p)
{
    json_t *o = json_object();
    set(b, o, "available", json_boolean(p->ok));
    set(b, o, "quarter", json_integer(p->quarter));
    set(b, o, "first_week", p->ok ? week_key(p->first_week) : json_null());
    set(b, o, "last_week", p->ok ? week_key(p->last_week) : json_null());
    set(b, o, "weeks_elapsed", json_integer(p->weeks_elapsed));
    set(b, o, "weeks_total", json_integer(p->weeks_total));
    set(b, o, "spend_to_date", num(p->ok ? p->spend_to_date : NAN));
    set(b, o, "budget_to_date", num(p->ok ? p->budget_to_date : NAN));
    set(b, o, "utilisation_to_date_pct", num(p->ok ? p->utilisation_to_date_pct : NAN));
    set(b, o, "run_rate", num(p->ok ? p->run_rate : NAN));
    set(b, o, "projected_spend", num(p->ok ? p->projected_spend : NAN));
    set(b, o, "budget_total", num(p->ok ? p->budget_total : NAN));
    set(b, o, "projected_utilisation_pct", num(p->ok ? p->projected_utilisation_pct : NAN));
    set(b, o, "projected_over_under", num(p->ok ? p->projected_over_under : NAN));
    set(b, o, "period_spend", num(p->period_spend));
    set(b, o, "period_budget", num(p->period_budget));
    set(b, o, "period_utilisation_pct", num(p->period_utilisation_pct));
    return o;
}

static void marketing(build_t *b, json_t *doc, const cl_insight_t *r, const cl_frame_t *f,
                      const cl_catalog_t *cat)
{
    json_t *o = json_object();
    set(b, o, "channels", channels(b, r, f, cat));
    set(b, o, "budget_pacing", pacing(b, &r->pacing));
    set(b, doc, "marketing", o);
}

int cl_report_document(json_t **out, const cl_insight_t *r, const cl_frame_t *f,
                       const cl_catalog_t *cat, const cl_manifest_t *m, const char *generated_at,
                       cl_err_t *err)
{
    build_t b = {0};
    json_t *doc = json_object(), *periods = json_object(), *meta = json_object(),
           *na = json_array();
    char week[CL_WEEK_KEY_LEN];
    cl_week_format(week, r->scope.week);
    set(&b, doc, "category", json_string(r->scope.category));
    set(&b, doc, "region", json_string(r->scope.region));
    set(&b, doc, "window", json_string(cl_window_name(r->scope.window)));
    set(&b, doc, "week", json_string(week));
    set(&b, periods, "current", range(&b, f, r->period.cur_first, r->period.cur_last));
    set(&b, periods, "previous", range(&b, f, r->period.prev_first, r->period.prev_last));
    set(&b, doc, "periods", periods);
    tiles(&b, doc, r, f, cat);
    breakdowns(&b, doc, r, f, cat);
    decompositions(&b, doc, r, f, cat);
    market_pulse(&b, doc, r, f, cat);
    marketing(&b, doc, r, f, cat);
    set(&b, doc, "findings", cl_findings_json(&r->findings, cat, r->scope.window));
    set(&b, doc, "metrics", definitions(&b, cat));
    set(&b, doc, "summary", json_null());
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        if (!r->kpis[i].available) {
            push(&b, na, json_string(cl_catalog_at(cat, i)->id));
        }
    }
    set(&b, meta, "snapshot", json_string(m->snapshot_id));
    set(&b, meta, "generated_at", json_string(generated_at));
    set(&b, meta, "engine_version", json_string(CL_INSIGHTS_VERSION));
    set(&b, meta, "not_available", na);
    set(&b, doc, "meta", meta);
    if (b.failed) {
        json_decref(doc);
        return cl_err_set(err, CL_ENOMEM, "out of memory assembling the report");
    }
    *out = doc;
    return 0;
}
