/* input.c — read a summary request once into the views every later stage needs, so that the
 * encoder, the renderer and the guardrails agree on what each figure is, in which unit and with how
 * many decimals. */
#include "ai/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/schemas.h"

static const char *str_or(json_t *obj, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : fallback;
}

static int tri_bool(json_t *v)
{
    return json_is_boolean(v) ? (json_is_true(v) ? 1 : 0) : -1;
}

static int parse_unit(cl_ai_unit_t *out, const char *s)
{
    static const char *const names[] = {"currency", "percent", "count", "index", "ratio"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (cl_ai_unit_t)i;
            return 0;
        }
    }
    return -1;
}

static cl_ai_direction_t parse_direction(const char *s)
{
    if (strcmp(s, "lower_is_better") == 0) {
        return CL_AI_LOWER_IS_BETTER;
    }
    return strcmp(s, "neutral") == 0 ? CL_AI_NEUTRAL : CL_AI_HIGHER_IS_BETTER;
}

static int read_metrics(cl_ai_input_t *in, cl_err_t *err)
{
    json_t *arr = json_object_get(in->report, "metrics");
    in->nmetrics = json_array_size(arr);
    in->metrics = calloc(in->nmetrics ? in->nmetrics : 1, sizeof *in->metrics);
    if (!in->metrics) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->nmetrics; i++) {
        json_t *m = json_array_get(arr, i);
        cl_ai_metric_t *out = &in->metrics[i];
        out->id = str_or(m, "id", "");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(in->metrics[j].id, out->id) == 0) {
                return cl_err_set(err, CL_EINVAL, "report.metrics[%zu].id: duplicate metric '%s'",
                                  i, out->id);
            }
        }
        out->label = str_or(m, "label", out->id);
        out->description = str_or(m, "description", "");
        if (parse_unit(&out->unit, str_or(m, "unit", "")) != 0) {
            return cl_err_set(err, CL_EINVAL, "report.metrics[%zu].unit: unknown unit", i);
        }
        const char *fmt = str_or(m, "format", "count0");
        out->decimals = fmt[strlen(fmt) - 1] - '0'; /* the schema guarantees a trailing digit 0-3 */
        out->direction = parse_direction(str_or(m, "direction", "neutral"));
    }
    return 0;
}

static int read_findings(cl_ai_input_t *in, cl_err_t *err)
{
    json_t *arr = json_object_get(in->report, "findings");
    in->nfindings = json_array_size(arr);
    in->findings = calloc(in->nfindings ? in->nfindings : 1, sizeof *in->findings);
    if (!in->findings) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->nfindings; i++) {
        json_t *f = json_array_get(arr, i);
        cl_ai_finding_t *out = &in->findings[i];
        out->obj = f;
        out->id = str_or(f, "id", "");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(in->findings[j].id, out->id) == 0) {
                return cl_err_set(err, CL_EINVAL, "report.findings[%zu].id: duplicate finding", i);
            }
        }
        snprintf(out->handle, sizeof out->handle, "F%zu", i + 1);
        out->type = str_or(f, "type", "");
        out->metric = cl_ai_input_metric(in, str_or(f, "metric", ""));
        if (!out->metric) {
            return cl_err_set(err, CL_EINVAL,
                              "report.findings[%zu].metric: not among report.metrics", i);
        }
        out->path = json_object_get(f, "path");
        const char *dir = str_or(f, "direction", "flat");
        out->direction = strcmp(dir, "up") == 0 ? 1 : strcmp(dir, "down") == 0 ? -1 : 0;
        out->favourable = tri_bool(json_object_get(f, "favourable"));
        out->level = str_or(json_object_get(f, "significance"), "level", "");
    }
    return 0;
}

static int read_tiles(cl_ai_input_t *in, cl_err_t *err)
{
    json_t *kpis = json_object_get(in->report, "kpis");
    json_t *derived = json_object_get(in->report, "derived");
    size_t nk = json_array_size(kpis);
    in->ntiles = nk + json_array_size(derived);
    in->tiles = calloc(in->ntiles ? in->ntiles : 1, sizeof *in->tiles);
    if (!in->tiles) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->ntiles; i++) {
        json_t *t = i < nk ? json_array_get(kpis, i) : json_array_get(derived, i - nk);
        cl_ai_tile_t *out = &in->tiles[i];
        out->obj = t;
        out->derived = i >= nk;
        out->metric = cl_ai_input_metric(in, str_or(t, "metric", ""));
        if (!out->metric) {
            return cl_err_set(err, CL_EINVAL, "report.%s[%zu].metric: not among report.metrics",
                              out->derived ? "derived" : "kpis", out->derived ? i - nk : i);
        }
        out->available = json_is_true(json_object_get(t, "available"));
        out->favourable = tri_bool(json_object_get(t, "favourable"));
    }
    return 0;
}

int cl_ai_input_new(cl_ai_input_t **out, json_t *request, cl_err_t *err)
{
    *out = NULL;
    int rc = cl_schemas_validate(CL_SCHEMA_SUMMARY_REQUEST, request, err);
    if (rc != 0) {
        return rc;
    }
    cl_ai_input_t *in = calloc(1, sizeof *in);
    if (!in) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    in->doc = json_incref(request);
    in->report = json_object_get(request, "report");
    in->category = str_or(in->report, "category", "");
    in->region = str_or(in->report, "region", "");
    in->window = str_or(in->report, "window", "");
    in->week = str_or(in->report, "week", "");
    in->currency = str_or(in->report, "currency", "USD");
    json_t *user = json_object_get(request, "user");
    in->user_id = str_or(user, "id", "");
    in->team = str_or(user, "team", "");
    in->role = str_or(user, "role", "");
    if ((rc = read_metrics(in, err)) != 0 || (rc = read_findings(in, err)) != 0 ||
        (rc = read_tiles(in, err)) != 0) {
        cl_ai_input_free(in);
        return rc;
    }
    *out = in;
    return 0;
}

void cl_ai_input_free(cl_ai_input_t *in)
{
    if (!in) {
        return;
    }
    free(in->metrics);
    free(in->findings);
    free(in->tiles);
    json_decref(in->doc);
    free(in);
}

const cl_ai_metric_t *cl_ai_input_metric(const cl_ai_input_t *in, const char *id)
{
    for (size_t i = 0; i < in->nmetrics; i++) {
        if (strcmp(in->metrics[i].id, id) == 0) {
            return &in->metrics[i];
        }
    }
    return NULL;
}

const cl_ai_finding_t *cl_ai_input_finding(const cl_ai_input_t *in, const char *handle_or_id)
{
    for (size_t i = 0; i < in->nfindings; i++) {
        if (strcmp(in->findings[i].handle, handle_or_id) == 0 ||
            strcmp(in->findings[i].id, handle_or_id) == 0) {
            return &in->findings[i];
        }
    }
    return NULL;
}

const cl_ai_tile_t *cl_ai_input_tile(const cl_ai_input_t *in, const char *metric_id)
{
    for (size_t i = 0; i < in->ntiles; i++) {
        if (strcmp(in->tiles[i].metric->id, metric_id) == 0) {
            return &in->tiles[i];
        }
    }
    return NULL;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static cl_fig_unit_t metric_fig_unit(const cl_ai_metric_t *m)
{
    static const cl_fig_unit_t map[] = {CL_FIG_CURRENCY, CL_FIG_PERCENT, CL_FIG_COUNT, CL_FIG_INDEX,
                                        CL_FIG_RATIO};
    return map[m->unit];
}

void cl_ai_field_unit(cl_fig_unit_t *unit, int *decimals, int *is_change,
                      const cl_ai_metric_t *metric, const char *field)
{
    static const char *const level_fields[] = {"current", "previous", "expected", NULL};
    static const char *const change_fields[] = {
        "change",         "contribution",      "impact",        "mix_effect", "rate_effect",
        "traffic_effect", "conversion_effect", "basket_effect", NULL};
    static const char *const money_fields[] = {"budget", "spend", NULL};
    *is_change = 0;
    *decimals = metric->decimals;
    *unit = metric_fig_unit(metric);
    for (size_t i = 0; level_fields[i]; i++) {
        if (strcmp(field, level_fields[i]) == 0) {
            return;
        }
    }
    for (size_t i = 0; change_fields[i]; i++) {
        if (strcmp(field, change_fields[i]) == 0) {
            *is_change = 1;
            *unit = metric->unit == CL_AI_UNIT_PERCENT ? CL_FIG_PP : *unit;
            return;
        }
    }
    for (size_t i = 0; money_fields[i]; i++) {
        if (strcmp(field, money_fields[i]) == 0) {
            *unit = CL_FIG_CURRENCY;
            *decimals = 0;
            return;
        }
    }
    *decimals = 1;
    if (has_suffix(field, "_pp")) {
        *unit = CL_FIG_PP;
        *is_change = 1;
    } else if (has_suffix(field, "_pct") || strncmp(field, "share_", 6) == 0) {
        *unit = CL_FIG_PERCENT;
        *is_change =
            strcmp(field, "change_pct") == 0; /* share_of_change is a share, not a direction */
    } else {
        *unit = CL_FIG_PLAIN; /* zscore and other plain numbers */
    }
}

static cl_fig_unit_t impact_unit(const char *name, cl_fig_unit_t fallback)
{
    static const char *const names[] = {"currency", "percent", "pp", "count", "index", "ratio"};
    static const cl_fig_unit_t units[] = {CL_FIG_CURRENCY, CL_FIG_PERCENT, CL_FIG_PP,
                                          CL_FIG_COUNT,    CL_FIG_INDEX,   CL_FIG_RATIO};
    for (size_t i = 0; name && i < CL_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            return units[i];
        }
    }
    return fallback;
}

static int sign_of(double v)
{
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

int cl_ai_input_figure(cl_ai_figure_t *out, const cl_ai_input_t *in, const char *ref,
                       const char *field)
{
    memset(out, 0, sizeof *out);
    json_t *v = NULL;
    const cl_ai_finding_t *f = ref[0] == 'F' ? cl_ai_input_finding(in, ref) : NULL;
    if (f) {
        v = strcmp(field, "impact") == 0
                ? json_object_get(f->obj, "impact")
                : json_object_get(json_object_get(f->obj, "numbers"), field);
        out->finding = f;
        out->metric = f->metric;
        out->direction = f->direction;
        out->favourable = f->favourable;
    } else if (ref[0] != 'F') {
        const cl_ai_tile_t *t = cl_ai_input_tile(in, ref);
        static const char *const tile_fields[] = {"current", "previous", "change", "change_pct",
                                                  NULL};
        int known = 0;
        for (size_t i = 0; tile_fields[i]; i++) {
            known = known || strcmp(tile_fields[i], field) == 0;
        }
        if (!t || !t->available || !known) {
            return CL_ENOTFOUND;
        }
        v = json_object_get(t->obj, field);
        out->tile = t;
        out->metric = t->metric;
        out->direction = sign_of(json_number_value(json_object_get(t->obj, "change")));
        out->favourable = t->favourable;
    }
    if (!json_is_number(v)) {
        return CL_ENOTFOUND;
    }
    out->value = json_number_value(v);
    snprintf(out->field, sizeof out->field, "%s", field);
    cl_ai_field_unit(&out->unit, &out->decimals, &out->is_change, out->metric, field);
    if (f && strcmp(field, "impact") == 0) {
        out->unit =
            impact_unit(json_string_value(json_object_get(f->obj, "impact_unit")), out->unit);
    }
    return 0;
}
