/* finding.c — findings: ids, numbers, ranking and the contracts §2 JSON. Everything here is a pure
 * function of the findings' content, so two runs over the same snapshot write the same bytes. */
#include "insights/finding.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

static const char *const TYPE_NAMES[CL_FINDING_TYPE_COUNT] = {
    "kpi_change", "driver",       "root_cause",           "mix_rate",      "revenue_split",
    "anomaly",    "market_pulse", "marketing_efficiency", "budget_pacing",
};

const char *cl_finding_type_name(cl_finding_type_t type)
{
    return (size_t)type < CL_FINDING_TYPE_COUNT ? TYPE_NAMES[type] : "kpi_change";
}

int cl_findings_add(cl_finding_t **out, cl_findings_t *list, cl_finding_type_t type, size_t metric,
                    cl_err_t *err)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 32;
        cl_finding_t *items = realloc(list->items, cap * sizeof *items);
        if (!items) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        list->items = items;
        list->cap = cap;
    }
    cl_finding_t *f = &list->items[list->n++];
    memset(f, 0, sizeof *f);
    f->type = type;
    f->metric = metric;
    f->favourable = -1;
    f->impact = NAN;
    *out = f;
    return 0;
}

int cl_finding_path_add(cl_finding_t *f, const char *dim, const char *value, cl_err_t *err)
{
    if (f->path_len == CL_FINDING_PATH_MAX) {
        return cl_err_set(err, CL_EINVAL, "finding path longer than %d", CL_FINDING_PATH_MAX);
    }
    char *d = strdup(dim), *v = strdup(value);
    if (!d || !v) {
        free(d);
        free(v);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    size_t at = f->path_len;
    while (at > 0 && strcmp(f->path_dim[at - 1], d) > 0) {
        f->path_dim[at] = f->path_dim[at - 1];
        f->path_value[at] = f->path_value[at - 1];
        at--;
    }
    f->path_dim[at] = d;
    f->path_value[at] = v;
    f->path_len++;
    return 0;
}

int cl_finding_set_dimension(cl_finding_t *f, const char *dim, cl_err_t *err)
{
    free(f->dimension);
    f->dimension = strdup(dim);
    return f->dimension ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

void cl_finding_number(cl_finding_t *f, const char *name, double value)
{
    for (size_t i = 0; i < f->n_numbers; i++) {
        if (strcmp(f->numbers[i].name, name) == 0) {
            f->numbers[i].value = value;
            return;
        }
    }
    if (f->n_numbers < CL_FINDING_NUMBERS_MAX) {
        f->numbers[f->n_numbers++] = (cl_finding_number_t){name, value};
    }
}

double cl_finding_get(const cl_finding_t *f, const char *name)
{
    for (size_t i = 0; i < f->n_numbers; i++) {
        if (strcmp(f->numbers[i].name, name) == 0) {
            return f->numbers[i].value;
        }
    }
    return NAN;
}

static void feed(EVP_MD_CTX *md, const char *s)
{
    EVP_DigestUpdate(md, s, strlen(s));
}

void cl_finding_make_id(cl_finding_t *f, const cl_catalog_t *cat, const cl_insight_scope_t *scope)
{
    char week[CL_WEEK_KEY_LEN];
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    cl_week_format(week, scope->week);
    const cl_metric_t *m = cl_catalog_at(cat, f->metric);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        snprintf(f->id, sizeof f->id, "f-unhashable");
        return;
    }
    const char *parts[] = {cl_finding_type_name(f->type),
                           m ? m->id : "",
                           cl_window_name(scope->window),
                           week,
                           scope->category,
                           scope->region};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        feed(md, parts[i]);
        feed(md, "|");
    }
    for (size_t i = 0; i < f->path_len; i++) {
        feed(md, i ? "&" : "");
        feed(md, f->path_dim[i]);
        feed(md, "=");
        feed(md, f->path_value[i]);
    }
    if (f->dimension) { /* a split over a dimension, not a segment of it */
        feed(md, "|by=");
        feed(md, f->dimension);
    }
    EVP_DigestFinal_ex(md, dig, &dlen);
    EVP_MD_CTX_free(md);
    static const char hex[] = "0123456789abcdef";
    f->id[0] = 'f';
    f->id[1] = '-';
    for (size_t i = 0; i < 6; i++) {
        f->id[2 + 2 * i] = hex[dig[i] >> 4];
        f->id[3 + 2 * i] = hex[dig[i] & 15];
    }
    f->id[14] = '\0';
}

int cl_finding_path_within(const cl_finding_t *f, const cl_finding_t *parent)
{
    for (size_t i = 0; i < parent->path_len; i++) {
        int found = 0;
        for (size_t j = 0; j < f->path_len && !found; j++) {
            found = strcmp(f->path_dim[j], parent->path_dim[i]) == 0 &&
                    strcmp(f->path_value[j], parent->path_value[i]) == 0;
        }
        if (!found) {
            return 0;
        }
    }
    return 1;
}

static void dispose_one(cl_finding_t *f)
{
    for (size_t i = 0; i < f->path_len; i++) {
        free(f->path_dim[i]);
        free(f->path_value[i]);
    }
    free(f->dimension);
    f->path_len = 0;
    f->dimension = NULL;
}

static int cmp_findings(const void *a, const void *b)
{
    const cl_finding_t *x = a, *y = b;
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->rank != y->rank) { /* rank holds the depth while sorting: headlines first */
        return x->rank < y->rank ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

static long parent_of(const cl_findings_t *list, size_t i)
{
    const char *p = list->items[i].explains;
    for (size_t j = 0; p[0] && j < list->n; j++) {
        if (j != i && strcmp(list->items[j].id, p) == 0) {
            return (long)j;
        }
    }
    return -1;
}

/* A story ranks by its strongest part: every finding's score is raised to its best explaining
 * finding's, and its depth (0 for a headline) breaks the tie. */
static void propagate(cl_findings_t *list)
{
    for (size_t i = 0; i < list->n; i++) {
        int depth = 0;
        double score = list->items[i].score;
        for (long p = parent_of(list, i); p >= 0 && depth < 16; p = parent_of(list, (size_t)p)) {
            depth++;
            if (list->items[p].score < score) {
                list->items[p].score = score;
            }
            score = list->items[p].score;
        }
        list->items[i].rank = depth;
    }
}

void cl_findings_rank(cl_findings_t *list, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < list->n; i++) {
        cl_finding_t *f = &list->items[i];
        if (f->dropped) {
            dispose_one(f);
            continue;
        }
        double z = fabs(f->sig.z);
        double stake = isfinite(f->value_at_stake) ? fabs(f->value_at_stake) : 0;
        f->score = stake * (z < 10 ? z : 10);
        list->items[k++] = *f;
    }
    list->n = k;
    /* a link to a finding no longer in the list means nothing */
    for (size_t i = 0; i < list->n; i++) {
        if (parent_of(list, i) < 0) {
            list->items[i].explains[0] = '\0';
        }
    }
    for (size_t pass = 0; pass < 4; pass++) {
        propagate(list);
    }
    if (list->n > 1) {
        qsort(list->items, list->n, sizeof *list->items, cmp_findings);
    }
    if (max && list->n > max) {
        for (size_t i = max; i < list->n; i++) {
            dispose_one(&list->items[i]);
        }
        list->n = max;
    }
    for (size_t i = 0; i < list->n; i++) {
        cl_finding_t *f = &list->items[i];
        f->rank = (int)i + 1;
        if (parent_of(list, i) < 0) {
            f->explains[0] = '\0';
        }
    }
}

json_t *cl_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Set KEY of OBJ to the new reference V; returns -1 when V is NULL (allocation failed). */
static int put(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

json_t *cl_finding_json(const cl_finding_t *f, const cl_catalog_t *cat, cl_window_t window)
{
    const cl_metric_t *m = cl_catalog_at(cat, f->metric);
    json_t *o = json_object(), *path = json_array(), *sig = json_object(), *nums = json_object();
    int rc = o && path && sig && nums ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < f->path_len; i++) {
        json_t *e = json_pack("{s:s, s:s}", "dimension", f->path_dim[i], "value", f->path_value[i]);
        rc = e ? json_array_append_new(path, e) : -1;
    }
    for (size_t i = 0; rc == 0 && i < f->n_numbers; i++) {
        rc = put(nums, f->numbers[i].name, cl_json_number(f->numbers[i].value));
    }
    rc = rc ? rc : put(sig, "score", cl_json_number(f->sig.z));
    rc = rc ? rc : put(sig, "level", json_string(cl_signif_level_name(f->sig.level)));
    rc = rc ? rc : put(sig, "method", json_string(f->sig.method ? f->sig.method : "none"));
    rc = rc ? rc : put(o, "id", json_string(f->id));
    rc = rc ? rc : put(o, "rank", json_integer(f->rank));
    rc = rc ? rc : put(o, "type", json_string(cl_finding_type_name(f->type)));
    rc = rc ? rc : put(o, "metric", json_string(m ? m->id : ""));
    rc = rc ? rc : put(o, "window", json_string(cl_window_name(window)));
    rc = rc ? rc : put(o, "path", json_incref(path));
    if (rc == 0 && f->dimension) {
        rc = put(o, "dimension", json_string(f->dimension));
    }
    rc = rc ? rc
            : put(o, "direction",
                  json_string(f->direction > 0   ? "up"
                              : f->direction < 0 ? "down"
                                                 : "flat"));
    rc = rc ? rc
            : put(o, "favourable", f->favourable < 0 ? json_null() : json_boolean(f->favourable));
    rc = rc ? rc : put(o, "impact", cl_json_number(f->impact));
    rc = rc ? rc : put(o, "impact_unit", json_string(m ? cl_catalog_change_unit(m) : ""));
    rc = rc ? rc : put(o, "value_at_stake", cl_json_number(f->value_at_stake));
    rc = rc ? rc : put(o, "significance", json_incref(sig));
    rc = rc ? rc : put(o, "numbers", json_incref(nums));
    rc = rc ? rc : put(o, "title", json_string(f->title));
    rc = rc ? rc : put(o, "explains", f->explains[0] ? json_string(f->explains) : json_null());
    json_decref(path);
    json_decref(sig);
    json_decref(nums);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *cl_findings_json(const cl_findings_t *list, const cl_catalog_t *cat, cl_window_t window)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < list->n; i++) {
        json_t *f = cl_finding_json(&list->items[i], cat, window);
        if (!f || json_array_append_new(arr, f) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

void cl_findings_dispose(cl_findings_t *list)
{
    if (!list) {
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        dispose_one(&list->items[i]);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}
