/* metrics.c — the metrics registry behind GET /metrics. Updates happen on every request, so each
 * family has its own lock and a series is found by a hash of its label values; rendering is rare
 * and takes its time. */
#include "http/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOOKS 16

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

typedef struct series {
    struct series *next;
    uint64_t hash;
    char **values;
    double value;   /* counter, gauge; histogram: sum */
    uint64_t count; /* histogram */
    uint64_t *le;   /* histogram: per-bucket counts (not cumulative) */
} series_t;

struct cl_metric_family {
    struct cl_metric_family *next;
    cl_metrics_t *owner;
    kind_t kind;
    char *name, *help;
    size_t n_labels;
    char *labels[CL_METRICS_MAX_LABELS];
    double *buckets;
    size_t n_buckets;
    pthread_mutex_t lock;
    series_t *series;
    size_t n_series;
};

struct cl_metrics {
    cl_metric_family_t *families, *tail, *dropped;
    pthread_mutex_t render_lock;
    struct {
        void (*fn)(void *);
        void *payload;
    } hooks[MAX_HOOKS];
    size_t n_hooks;
};

const double CL_METRICS_LATENCY_BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10,   20};
const size_t CL_METRICS_LATENCY_BUCKETS_N = sizeof CL_METRICS_LATENCY_BUCKETS / sizeof(double);

static int name_ok(const char *s, int allow_colon)
{
    if (!s || !*s || (*s >= '0' && *s <= '9')) {
        return 0;
    }
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (allow_colon && c == ':'))) {
            return 0;
        }
    }
    return 1;
}

static void family_free(cl_metric_family_t *f)
{
    series_t *s = f->series;
    while (s) {
        series_t *next = s->next;
        for (size_t i = 0; i < f->n_labels; i++) {
            free(s->values[i]);
        }
        free(s->values);
        free(s->le);
        free(s);
        s = next;
    }
    for (size_t i = 0; i < f->n_labels; i++) {
        free(f->labels[i]);
    }
    pthread_mutex_destroy(&f->lock);
    free(f->buckets);
    free(f->name);
    free(f->help);
    free(f);
}

static cl_metric_family_t *declare(cl_metrics_t *m, kind_t kind, const char *name, const char *help,
                                   const char *const labels[], const double *buckets, size_t nb)
{
    if (!m || !name_ok(name, 1)) {
        return NULL;
    }
    for (cl_metric_family_t *f = m->families; f; f = f->next) {
        if (strcmp(f->name, name) == 0) {
            return f->kind == kind ? f : NULL;
        }
    }
    cl_metric_family_t *f = calloc(1, sizeof *f);
    if (!f) {
        return NULL;
    }
    pthread_mutex_init(&f->lock, NULL);
    f->owner = m;
    f->kind = kind;
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    int ok = f->name && f->help;
    for (size_t i = 0; ok && labels && labels[i]; i++) {
        ok = i < CL_METRICS_MAX_LABELS && name_ok(labels[i], 0) &&
             (f->labels[i] = strdup(labels[i]));
        f->n_labels += ok;
    }
    if (ok && kind == KIND_HISTOGRAM) {
        f->buckets = malloc((nb ? nb : 1) * sizeof(double));
        ok = f->buckets != NULL;
        for (size_t i = 0; ok && i < nb; i++) {
            ok = i == 0 || buckets[i] > buckets[i - 1];
            f->buckets[i] = buckets[i];
        }
        f->n_buckets = nb;
    }
    if (!ok) {
        family_free(f);
        return NULL;
    }
    if (m->tail) {
        m->tail->next = f;
    } else {
        m->families = f;
    }
    m->tail = f;
    return f;
}

cl_metric_family_t *cl_metrics_counter(cl_metrics_t *m, const char *name, const char *help,
                                       const char *const labels[])
{
    return declare(m, KIND_COUNTER, name, help, labels, NULL, 0);
}

cl_metric_family_t *cl_metrics_gauge(cl_metrics_t *m, const char *name, const char *help,
                                     const char *const labels[])
{
    return declare(m, KIND_GAUGE, name, help, labels, NULL, 0);
}

cl_metric_family_t *cl_metrics_histogram(cl_metrics_t *m, const char *name, const char *help,
                                         const char *const labels[], const double *buckets,
                                         size_t n_buckets)
{
    return declare(m, KIND_HISTOGRAM, name, help, labels, buckets, n_buckets);
}

int cl_metrics_new(cl_metrics_t **out, cl_err_t *err)
{
    cl_metrics_t *m = calloc(1, sizeof *m);
    if (!m) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&m->render_lock, NULL);
    m->dropped = cl_metrics_counter(
        m, "catlens_metrics_dropped_total",
        "Metric updates dropped because a family reached its series limit", NULL);
    *out = m;
    return 0;
}

void cl_metrics_free(cl_metrics_t *m)
{
    if (!m) {
        return;
    }
    cl_metric_family_t *f = m->families;
    while (f) {
        cl_metric_family_t *next = f->next;
        family_free(f);
        f = next;
    }
    pthread_mutex_destroy(&m->render_lock);
    free(m);
}

static uint64_t hash_values(const cl_metric_family_t *f, const char *const values[])
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < f->n_labels; i++) {
        for (const unsigned char *p = (const unsigned char *)(values[i] ? values[i] : ""); *p;
             p++) {
            h = (h ^ *p) * 1099511628211ULL;
        }
        h = (h ^ 0x1f) * 1099511628211ULL;
    }
    return h;
}

/* The series for VALUES, created on first use; called with f->lock held. NULL when full or out of
 * memory. */
static series_t *find_series(cl_metric_family_t *f, const char *const values[])
{
    uint64_t h = hash_values(f, values);
    for (series_t *s = f->series; s; s = s->next) {
        if (s->hash != h) {
            continue;
        }
        size_t i = 0;
        while (i < f->n_labels && strcmp(s->values[i], values[i] ? values[i] : "") == 0) {
            i++;
        }
        if (i == f->n_labels) {
            return s;
        }
    }
    if (f->n_series >= CL_METRICS_MAX_SERIES) {
        return NULL;
    }
    series_t *s = calloc(1, sizeof *s);
    if (!s) {
        return NULL;
    }
    s->hash = h;
    s->values = calloc(f->n_labels ? f->n_labels : 1, sizeof(char *));
    s->le = f->kind == KIND_HISTOGRAM ? calloc(f->n_buckets + 1, sizeof(uint64_t)) : NULL;
    int ok = s->values && (f->kind != KIND_HISTOGRAM || s->le);
    for (size_t i = 0; ok && i < f->n_labels; i++) {
        ok = (s->values[i] = strdup(values[i] ? values[i] : "")) != NULL;
    }
    if (!ok) {
        for (size_t i = 0; s->values && i < f->n_labels; i++) {
            free(s->values[i]);
        }
        free(s->values);
        free(s->le);
        free(s);
        return NULL;
    }
    s->next = f->series;
    f->series = s;
    f->n_series++;
    return s;
}

static void update(cl_metric_family_t *f, const char *const values[], double v, int op)
{
    if (!f) {
        return;
    }
    static const char *const none[CL_METRICS_MAX_LABELS] = {NULL};
    pthread_mutex_lock(&f->lock);
    series_t *s = find_series(f, values ? values : none);
    if (s && op == 0) {
        s->value += v;
    } else if (s && op == 1) {
        s->value = v;
    } else if (s && s->le) { /* an observation: only a histogram's series has buckets */
        size_t b = 0;
        while (b < f->n_buckets && v > f->buckets[b]) {
            b++;
        }
        s->le[b]++;
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&f->lock);
    if (!s && f != f->owner->dropped) {
        update(f->owner->dropped, NULL, 1, 0);
    }
}

void cl_metrics_inc(cl_metric_family_t *f, const char *const values[], double by)
{
    if (f && f->kind != KIND_HISTOGRAM && (f->kind == KIND_GAUGE || by >= 0)) {
        update(f, values, by, 0);
    }
}

void cl_metrics_set(cl_metric_family_t *f, const char *const values[], double v)
{
    if (f && f->kind != KIND_HISTOGRAM) {
        update(f, values, v, 1);
    }
}

void cl_metrics_observe(cl_metric_family_t *f, const char *const values[], double v)
{
    if (f && f->kind == KIND_HISTOGRAM && !isnan(v)) {
        update(f, values, v, 2);
    }
}

int cl_metrics_on_render(cl_metrics_t *m, void (*fn)(void *payload), void *payload, cl_err_t *err)
{
    if (m->n_hooks == MAX_HOOKS) {
        return cl_err_set(err, CL_ENOMEM, "too many metrics render hooks");
    }
    m->hooks[m->n_hooks].fn = fn;
    m->hooks[m->n_hooks].payload = payload;
    m->n_hooks++;
    return 0;
}

/* ---- rendering
 * ------------------------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} text_t;

static void put(text_t *t, const char *fmt, ...) CL_PRINTF(2, 3);
static void put(text_t *t, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *np = realloc(t->p, cap);
        if (!np) {
            t->failed = 1;
            return;
        }
        t->p = np;
        t->cap = cap;
    }
}

/* Label values and help text: backslash, double quote (values only) and newline are escaped. */
static void put_escaped(text_t *t, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\') {
            put(t, "\\\\");
        } else if (*s == '\n') {
            put(t, "\\n");
        } else if (*s == '"' && quote) {
            put(t, "\\\"");
        } else {
            put(t, "%c", *s);
        }
    }
}

static void put_number(text_t *t, double v)
{
    if (isinf(v)) {
        put(t, v > 0 ? "+Inf" : "-Inf");
    } else if (isnan(v)) {
        put(t, "NaN");
    } else if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        put(t, "%lld", (long long)v);
    } else {
        put(t, "%.17g", v);
    }
}

static void put_labels(text_t *t, const cl_metric_family_t *f, const series_t *s, const char *le)
{
    if (f->n_labels == 0 && !le) {
        return;
    }
    put(t, "{");
    for (size_t i = 0; i < f->n_labels; i++) {
        put(t, "%s%s=\"", i ? "," : "", f->labels[i]);
        put_escaped(t, s->values[i], 1);
        put(t, "\"");
    }
    if (le) {
        put(t, "%sle=\"%s\"", f->n_labels ? "," : "", le);
    }
    put(t, "}");
}

static void render_family(text_t *t, cl_metric_family_t *f)
{
    static const char *const TYPES[] = {"counter", "gauge", "histogram"};
    put(t, "# HELP %s ", f->name);
    put_escaped(t, f->help, 0);
    put(t, "\n# TYPE %s %s\n", f->name, TYPES[f->kind]);
    pthread_mutex_lock(&f->lock);
    for (const series_t *s = f->series; s; s = s->next) {
        if (f->kind != KIND_HISTOGRAM) {
            put(t, "%s", f->name);
            put_labels(t, f, s, NULL);
            put(t, " ");
            put_number(t, s->value);
            put(t, "\n");
            continue;
        }
        uint64_t cum = 0;
        for (size_t b = 0; b <= f->n_buckets; b++) {
            char le[32];
            if (b < f->n_buckets) {
                snprintf(le, sizeof le, "%g", f->buckets[b]);
            } else {
                snprintf(le, sizeof le, "+Inf");
            }
            cum += s->le[b];
            put(t, "%s_bucket", f->name);
            put_labels(t, f, s, le);
            put(t, " %llu\n", (unsigned long long)cum);
        }
        put(t, "%s_sum", f->name);
        put_labels(t, f, s, NULL);
        put(t, " ");
        put_number(t, s->value);
        put(t, "\n%s_count", f->name);
        put_labels(t, f, s, NULL);
        put(t, " %llu\n", (unsigned long long)s->count);
    }
    pthread_mutex_unlock(&f->lock);
}

int cl_metrics_render(char **out, size_t *out_len, cl_metrics_t *m, cl_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    pthread_mutex_lock(&m->render_lock);
    for (size_t i = 0; i < m->n_hooks; i++) {
        m->hooks[i].fn(m->hooks[i].payload);
    }
    text_t t = {.p = malloc(4096), .cap = 4096};
    t.failed = t.p == NULL;
    if (t.p) {
        t.p[0] = '\0';
    }
    for (cl_metric_family_t *f = m->families; f && !t.failed; f = f->next) {
        render_family(&t, f);
    }
    pthread_mutex_unlock(&m->render_lock);
    if (t.failed) {
        free(t.p);
        return cl_err_set(err, CL_ENOMEM, "out of memory rendering metrics");
    }
    *out = t.p;
    *out_len = t.len;
    return 0;
}
