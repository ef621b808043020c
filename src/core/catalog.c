/* catalog.c — the metric catalog is the vocabulary every report, finding and prompt is written in: a
 * wrong unit or direction would make the product say "good" about bad news. So the loader is strict,
 * checks the catalog as a whole (references between metrics) and names the metric and key of every
 * mistake before anything runs. */
#include "core/catalog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/file.h"
#include "core/yaml.h"

#define CATALOG_MAX_BYTES ((size_t)1024 * 1024)
#define CATALOG_MAX_METRICS 512
#define CATALOG_ID_MAX 64

struct cl_catalog {
    cl_metric_t *metrics;
    size_t n;
};

static const char *const UNIT_NAMES[] = {"currency", "percent", "count", "index", "ratio"};
static const char *const DIR_NAMES[] = {"higher_is_better", "lower_is_better", "neutral"};
static const char *const MISSING_NAMES[] = {"zero", "previous", "not_available"};

const char *cl_unit_name(cl_unit_t unit)
{
    return (size_t)unit < CL_ARRAY_LEN(UNIT_NAMES) ? UNIT_NAMES[unit] : "count";
}

const char *cl_direction_name(cl_direction_t dir)
{
    return (size_t)dir < CL_ARRAY_LEN(DIR_NAMES) ? DIR_NAMES[dir] : "neutral";
}

const char *cl_missing_name(cl_missing_t missing)
{
    return (size_t)missing < CL_ARRAY_LEN(MISSING_NAMES) ? MISSING_NAMES[missing] : "zero";
}

const char *cl_catalog_change_unit(const cl_metric_t *metric)
{
    return metric->unit == CL_UNIT_PERCENT ? "pp" : cl_unit_name(metric->unit);
}

const char *cl_catalog_unit_suffix(const cl_metric_t *metric)
{
    switch (metric->unit) {
    case CL_UNIT_PERCENT:
        return "%";
    case CL_UNIT_RATIO:
        return "x";
    default:
        return "";
    }
}

/* What a validation error needs: the file name, where we are and the error sink. */
typedef struct {
    const char *file;
    cl_err_t *err;
    char where[CATALOG_ID_MAX + 32]; /* "metrics[3] (roas)" */
} ctx_t;

static int bad(ctx_t *c, const char *key, const char *fmt, const char *arg)
{
    char what[160];
    snprintf(what, sizeof what, fmt, arg ? arg : "");
    if (key) {
        return cl_err_set(c->err, CL_ECONFIG, "%s: %s.%s: %s", c->file, c->where, key, what);
    }
    return cl_err_set(c->err, CL_ECONFIG, "%s: %s: %s", c->file, c->where, what);
}

static int is_id(const char *s)
{
    size_t n = 0;
    if (!s || !*s) {
        return 0;
    }
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
            return 0;
        }
    }
    return n < CATALOG_ID_MAX;
}

/* A column or table name: an identifier that cannot start with a digit. */
static int is_column(const char *s)
{
    return is_id(s) && !(s[0] >= '0' && s[0] <= '9');
}

static int only_keys(ctx_t *c, json_t *obj, const char *const *allowed, const char *kind_hint)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++) {
            ok |= strcmp(allowed[i], k) == 0;
        }
        if (!ok) {
            return kind_hint ? bad(c, k, kind_hint, NULL) : bad(c, k, "unknown key", NULL);
        }
    }
    return 0;
}

/* The string at OBJ.NAME (required unless OPTIONAL): *out is borrowed from OBJ or NULL. */
static int get_str(const char **out, ctx_t *c, json_t *obj, const char *name, int optional)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        return optional ? 0 : bad(c, name, "is required", NULL);
    }
    if (!json_is_string(v)) {
        return bad(c, name, "must be a string", NULL);
    }
    if (!*json_string_value(v)) {
        return bad(c, name, "must not be empty", NULL);
    }
    *out = json_string_value(v);
    return 0;
}

/* Map S to its index in NAMES (N of them), else an error listing the choices. */
static int get_choice(int *out, ctx_t *c, json_t *obj, const char *name, const char *const *names,
                      size_t n, const char *choices)
{
    const char *s = NULL;
    int rc = get_str(&s, c, obj, name, 0);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    char what[160];
    snprintf(what, sizeof what, "'%.40s' is not one of %s", s, choices);
    return bad(c, name, "%s", what);
}

static char *dup(ctx_t *c, const char *s, int *rc)
{
    if (!s || *rc != 0) {
        return NULL;
    }
    char *d = strdup(s);
    if (!d) {
        *rc = cl_err_set(c->err, CL_ENOMEM, "out of memory");
    }
    return d;
}

/* format: "<unit word><one digit 0-4>", the unit word being the metric's own unit. */
static int check_format(ctx_t *c, cl_metric_t *m)
{
    const char *unit = cl_unit_name(m->unit);
    size_t n = strlen(unit);
    const char *f = m->format;
    if (strncmp(f, unit, n) != 0 || !(f[n] >= '0' && f[n] <= '4') || f[n + 1] != '\0') {
        char what[160];
        snprintf(what, sizeof what, "'%.40s' must be %s0 .. %s4 (the unit, then decimals)", f,
                 unit, unit);
        return bad(c, "format", "%s", what);
    }
    m->decimals = f[n] - '0';
    return 0;
}

static const char *const ADDITIVE_KEYS[] = {
    "id",   "label",     "description", "kind",    "group", "unit",
    "direction", "format", "missing",  "table", "measure", NULL,
};
static const char *const RATIO_KEYS[] = {
    "id",        "label",  "description", "kind",      "group",       "unit", "direction",
    "format",    "missing", "numerator",  "denominator", "scale",     NULL,
};

static int parse_scale(ctx_t *c, cl_metric_t *m, json_t *obj)
{
    json_t *v = json_object_get(obj, "scale");
    m->scale = 1.0;
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_number(v)) {
        return bad(c, "scale", "must be a number (e.g. 100 for a percent)", NULL);
    }
    m->scale = json_number_value(v);
    if (!isfinite(m->scale) || m->scale <= 0) {
        return bad(c, "scale", "must be a finite number greater than 0", NULL);
    }
    return 0;
}

/* One metric's own keys; references to other metrics are resolved in resolve_ratios(). The ratio's
 * operand ids are kept in *num and *den (borrowed from OBJ). */
static int parse_metric(ctx_t *c, cl_metric_t *m, json_t *obj, const char **num, const char **den)
{
    const char *s = NULL;
    int rc = 0, kind = 0, v = 0;
    if (!json_is_object(obj)) {
        return bad(c, NULL, "must be a mapping of key: value", NULL);
    }
    rc = get_str(&s, c, obj, "id", 0);
    if (rc == 0 && !is_id(s)) {
        return bad(c, "id", "'%.40s' must match [a-z0-9_]+ (at most 63 characters)", s);
    }
    m->id = dup(c, s, &rc);
    if (rc == 0) {
        char idx[32];
        snprintf(idx, sizeof idx, "%s", c->where);
        snprintf(c->where, sizeof c->where, "%s (%s)", idx, m->id);
    }
    rc = rc ? rc : get_choice(&kind, c, obj, "kind", (const char *const[]){"additive", "ratio"}, 2,
                              "additive, ratio");
    if (rc != 0) {
        return rc;
    }
    m->kind = kind == 0 ? CL_METRIC_ADDITIVE : CL_METRIC_RATIO;
    rc = only_keys(c, obj, m->kind == CL_METRIC_ADDITIVE ? ADDITIVE_KEYS : RATIO_KEYS, NULL);
    if (rc != 0) {
        const char *k;
        json_t *val;
        json_object_foreach(obj, k, val)
        {
            int is_ratio_key = !strcmp(k, "numerator") || !strcmp(k, "denominator") ||
                               !strcmp(k, "scale");
            int is_add_key = !strcmp(k, "table") || !strcmp(k, "measure");
            if (m->kind == CL_METRIC_ADDITIVE && is_ratio_key) {
                return bad(c, k, "is only for ratio metrics (this one is additive)", NULL);
            }
            if (m->kind == CL_METRIC_RATIO && is_add_key) {
                return bad(c, k, "is only for additive metrics (this one is a ratio)", NULL);
            }
        }
        return rc;
    }
    rc = rc ? rc : get_str(&s, c, obj, "label", 0);
    m->label = dup(c, s, &rc);
    rc = rc ? rc : get_str(&s, c, obj, "description", 0);
    m->description = dup(c, s, &rc);
    rc = rc ? rc : get_str(&s, c, obj, "group", 0);
    if (rc == 0 && !is_id(s)) {
        return bad(c, "group", "'%.40s' must match [a-z0-9_]+", s);
    }
    m->group = dup(c, s, &rc);
    rc = rc ? rc : get_choice(&v, c, obj, "unit", UNIT_NAMES, CL_ARRAY_LEN(UNIT_NAMES),
                              "currency, percent, count, index, ratio");
    m->unit = (cl_unit_t)v;
    rc = rc ? rc : get_choice(&v, c, obj, "direction", DIR_NAMES, CL_ARRAY_LEN(DIR_NAMES),
                              "higher_is_better, lower_is_better, neutral");
    m->direction = (cl_direction_t)v;
    rc = rc ? rc : get_choice(&v, c, obj, "missing", MISSING_NAMES, CL_ARRAY_LEN(MISSING_NAMES),
                              "zero, previous, not_available");
    m->missing = (cl_missing_t)v;
    rc = rc ? rc : get_str(&s, c, obj, "format", 0);
    m->format = dup(c, s, &rc);
    rc = rc ? rc : check_format(c, m);
    if (rc != 0) {
        return rc;
    }
    if (m->kind == CL_METRIC_ADDITIVE) {
        m->scale = 1.0;
        rc = get_str(&s, c, obj, "table", 0);
        if (rc == 0 && !is_column(s)) {
            return bad(c, "table", "'%.40s' must be a table name ([a-z_][a-z0-9_]*)", s);
        }
        m->table = dup(c, s, &rc);
        rc = rc ? rc : get_str(&s, c, obj, "measure", 0);
        if (rc == 0 && !is_column(s)) {
            return bad(c, "measure", "'%.40s' must be a column name ([a-z_][a-z0-9_]*)", s);
        }
        m->measure = dup(c, s, &rc);
        return rc;
    }
    rc = get_str(num, c, obj, "numerator", 0);
    rc = rc ? rc : get_str(den, c, obj, "denominator", 0);
    rc = rc ? rc : parse_scale(c, m, obj);
    if (rc == 0 && m->missing != CL_MISSING_NA) {
        return bad(c, "missing",
                   "a ratio over a zero or missing denominator is never invented: use "
                   "not_available",
                   NULL);
    }
    return rc;
}

static int find_index(const cl_catalog_t *cat, const char *id, size_t *out)
{
    for (size_t i = 0; i < cat->n; i++) {
        if (cat->metrics[i].id && strcmp(cat->metrics[i].id, id) == 0) {
            *out = i;
            return 1;
        }
    }
    return 0;
}

static int resolve_operand(ctx_t *c, const cl_catalog_t *cat, const char *key, const char *ref,
                           size_t *out)
{
    if (!find_index(cat, ref, out)) {
        return bad(c, key, "'%.40s' is not a metric of this catalog", ref);
    }
    if (cat->metrics[*out].kind != CL_METRIC_ADDITIVE) {
        return bad(c, key, "'%.40s' is a ratio; a ratio's operands must be additive metrics",
                   ref);
    }
    return 0;
}

static int parse_metrics(ctx_t *c, cl_catalog_t *cat, json_t *arr)
{
    size_t n = json_array_size(arr);
    const char **nums = calloc(n + 1, sizeof *nums);
    const char **dens = calloc(n + 1, sizeof *dens);
    cat->metrics = calloc(n + 1, sizeof *cat->metrics);
    int rc = 0;
    if (!nums || !dens || !cat->metrics) {
        rc = cl_err_set(c->err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        snprintf(c->where, sizeof c->where, "metrics[%zu]", i);
        cat->n = i + 1;
        rc = parse_metric(c, &cat->metrics[i], json_array_get(arr, i), &nums[i], &dens[i]);
        size_t first = 0;
        if (rc == 0 && find_index(cat, cat->metrics[i].id, &first) && first != i) {
            char at[24];
            snprintf(at, sizeof at, "%zu", first);
            rc = bad(c, "id", "duplicate id (first defined at metrics[%s])", at);
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cl_metric_t *m = &cat->metrics[i];
        if (m->kind != CL_METRIC_RATIO) {
            continue;
        }
        snprintf(c->where, sizeof c->where, "metrics[%zu] (%s)", i, m->id);
        rc = resolve_operand(c, cat, "numerator", nums[i], &m->numerator);
        rc = rc ? rc : resolve_operand(c, cat, "denominator", dens[i], &m->denominator);
        if (rc == 0 && m->numerator == m->denominator) {
            rc = bad(c, "denominator", "must differ from the numerator", NULL);
        }
    }
cleanup:
    free(nums);
    free(dens);
    return rc;
}

static int parse_doc(ctx_t *c, cl_catalog_t *cat, json_t *doc)
{
    snprintf(c->where, sizeof c->where, "(document)");
    if (!json_is_object(doc)) {
        return bad(c, NULL, "must be a mapping with a metrics: list", NULL);
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "metrics") != 0 && strcmp(k, "version") != 0) {
            return cl_err_set(c->err, CL_ECONFIG, "%s: %s: unknown key", c->file, k);
        }
    }
    json_t *arr = json_object_get(doc, "metrics");
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        return cl_err_set(c->err, CL_ECONFIG, "%s: metrics: must be a non-empty list", c->file);
    }
    if (json_array_size(arr) > CATALOG_MAX_METRICS) {
        return cl_err_set(c->err, CL_ECONFIG, "%s: metrics: more than %d metrics", c->file,
                          CATALOG_MAX_METRICS);
    }
    return parse_metrics(c, cat, arr);
}

int cl_catalog_parse(cl_catalog_t **out, const char *yaml, size_t len, const char *name,
                     cl_err_t *err)
{
    *out = NULL;
    json_t *doc = NULL;
    cl_catalog_t *cat = NULL;
    int rc = cl_yaml_parse(&doc, yaml, len, name, err);
    if (rc != 0) {
        /* a syntax error in the catalog is a configuration error like any other */
        if (rc == CL_EINVAL) {
            rc = err ? (err->code = CL_ECONFIG) : CL_ECONFIG;
        }
        return rc;
    }
    ctx_t c = {.file = name, .err = err};
    cat = calloc(1, sizeof *cat);
    if (!cat) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = parse_doc(&c, cat, doc);
    if (rc == 0) {
        *out = cat;
        cat = NULL;
    }
cleanup:
    json_decref(doc);
    cl_catalog_free(cat);
    return rc;
}

int cl_catalog_load(cl_catalog_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = cl_file_read_all(&text, &len, path, CATALOG_MAX_BYTES, err);
    if (rc == CL_ETOOBIG) {
        rc = cl_err_set(err, CL_ECONFIG, "%s: the metric catalog is larger than 1 MiB", path);
    }
    if (rc == 0) {
        const char *base = strrchr(path, '/');
        rc = cl_catalog_parse(out, text, len, base ? base + 1 : path, err);
    }
    free(text);
    return rc;
}

void cl_catalog_free(cl_catalog_t *cat)
{
    if (!cat) {
        return;
    }
    for (size_t i = 0; i < cat->n; i++) {
        cl_metric_t *m = &cat->metrics[i];
        free((char *)m->id);
        free((char *)m->label);
        free((char *)m->description);
        free((char *)m->table);
        free((char *)m->measure);
        free((char *)m->format);
        free((char *)m->group);
    }
    free(cat->metrics);
    free(cat);
}

size_t cl_catalog_count(const cl_catalog_t *cat)
{
    return cat ? cat->n : 0;
}

const cl_metric_t *cl_catalog_at(const cl_catalog_t *cat, size_t index)
{
    return cat && index < cat->n ? &cat->metrics[index] : NULL;
}

const cl_metric_t *cl_catalog_find(const cl_catalog_t *cat, const char *id, size_t *index)
{
    size_t i = 0;
    if (!cat || !id || !find_index(cat, id, &i)) {
        return NULL;
    }
    if (index) {
        *index = i;
    }
    return &cat->metrics[i];
}
