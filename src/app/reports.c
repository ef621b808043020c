/* reports.c — the report pipeline's front: options, keys (a report's identity and where its
 * snapshot is), the dimensions of each snapshot (read once: snapshots never change), the cache
 * envelope, and single flight — a request joins the report being made for the same key, or starts
 * it. The making itself is reports_build.c. */
#include "app/reports_internal.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/log.h"
#include "http/gzip.h"
#include "insights/engine.h"

#define MODULE "app"

double reports_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- options, open, close */

int cl_reports_options_read(cl_reports_options_t *o, const cl_config_t *cfg, cl_err_t *err)
{
    static const char *const KEYS[] = {"cache_ttl_s", "degraded_ttl_s",   "cache_mb", "builders",
                                       "db_threads",  "summary_findings", NULL};
    const json_t *s = cl_config_section(cfg, "app.report");
    const char *w = "app.report";
    memset(o, 0, sizeof *o);
    o->stale_fallback = 1;
    o->read_cache = 1;
    int rc = cl_config_check_keys(s, w, KEYS, err);
    rc = rc ? rc : cl_config_int(&o->cache_ttl_s, s, w, "cache_ttl_s", 3600, 1, 30 * 86400, err);
    rc = rc ? rc : cl_config_int(&o->degraded_ttl_s, s, w, "degraded_ttl_s", 60, 1, 86400, err);
    rc = rc ? rc : cl_config_int(&o->cache_mb, s, w, "cache_mb", 256, 1, 65536, err);
    rc = rc ? rc : cl_config_int(&o->builders, s, w, "builders", 2, 1, 64, err);
    rc = rc ? rc : cl_config_int(&o->db_threads, s, w, "db_threads", 2, 1, 256, err);
    rc = rc ? rc : cl_config_int(&o->summary_findings, s, w, "summary_findings", 20, 1, 60, err);
    return rc;
}

static void declare_metrics(cl_reports_t *r, cl_metrics_t *m)
{
    static const char *const OUTCOME[] = {"outcome", NULL}, *const REASON[] = {"reason", NULL};
    static const double SECONDS[] = {0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10};
    r->m_builds = cl_metrics_counter(m, "catlens_report_builds_total",
                                     "Reports made for requests, by where they came from", OUTCOME);
    r->m_build_s = cl_metrics_histogram(m, "catlens_report_build_seconds",
                                        "Time to build a report (read, engine, document)", NULL,
                                        SECONDS, CL_ARRAY_LEN(SECONDS));
    r->m_joined = cl_metrics_counter(m, "catlens_report_flight_joins_total",
                                     "Requests that joined a report already being made", NULL);
    r->m_summaries = cl_metrics_counter(m, "catlens_report_summaries_total",
                                        "Summaries of new reports, by outcome", OUTCOME);
    r->m_stale = cl_metrics_counter(m, "catlens_report_stale_total",
                                    "Reports served stale, by reason", REASON);
    r->m_in_flight = cl_metrics_gauge(m, "catlens_report_requests_waiting",
                                      "Requests waiting for a report being made", NULL);
}

static int open_ai(cl_reports_t *r, cl_err_t *err)
{
    const char *url = r->cfg->ai_url;
    r->ai_timeout_ms = r->cfg->ai_timeout_ms;
    if (!url || !*url) {
        return 0;
    }
    const char *token = getenv("CATLENS_AI_TOKEN");
    return cl_ai_client_new(&r->ai, url, token && *token ? token : NULL, err);
}

int cl_reports_open(cl_reports_t **out, const cl_config_t *cfg, const cl_reports_options_t *opt,
                    cl_cache_t *cache, cl_archive_t *archive, cl_metrics_t *metrics, cl_err_t *err)
{
    *out = NULL;
    cl_reports_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    static uint64_t serials; /* atomic */
    r->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
    r->cfg = cfg;
    r->opt = *opt;
    r->cache = cache;
    r->archive = archive;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->idle, NULL);
    declare_metrics(r, metrics);
    int rc = cl_catalog_load(&r->catalog, cfg->metrics_path, err);
    rc = rc ? rc : cl_builders_new(&r->builders, r->catalog, opt->builders, opt->db_threads, err);
    rc = rc ? rc : open_ai(r, err);
    if (rc != 0) {
        cl_reports_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void cl_reports_close(cl_reports_t *r)
{
    if (!r) {
        return;
    }
    pthread_mutex_lock(&r->lock);
    while (r->waiting > 0) {
        pthread_cond_wait(&r->idle, &r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    cl_builders_free(r->builders);
    cl_ai_client_free(r->ai);
    for (size_t i = 0; i < REPORTS_RESOLVE_SLOTS; i++) {
        free(r->resolved[i].dir);
    }
    for (size_t i = 0; i < REPORTS_DIMS_SLOTS; i++) {
        free(r->dims[i].dir);
        json_decref(r->dims[i].doc);
    }
    cl_catalog_free(r->catalog);
    pthread_cond_destroy(&r->idle);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

int cl_reports_summaries(const cl_reports_t *r)
{
    return r->ai != NULL;
}

const cl_catalog_t *cl_reports_catalog(const cl_reports_t *r)
{
    return r->catalog;
}

/* ---- dimensions, read once per snapshot */

typedef struct {
    const char *dir;
    json_t *doc;
    int rc;
    cl_err_t *err;
} dims_job_t;

static void read_dims(cl_report_ctx_t *ctx, void *payload)
{
    dims_job_t *j = payload;
    j->rc = cl_report_dimensions(&j->doc, ctx, j->dir, j->err);
}

int cl_reports_dimensions(json_t **out, cl_reports_t *r, const char *snapshot_dir, cl_err_t *err)
{
    *out = NULL;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < REPORTS_DIMS_SLOTS; i++) {
        dims_slot_t *s = &r->dims[i];
        if (s->dir && strcmp(s->dir, snapshot_dir) == 0) {
            s->used = ++r->dims_clock;
            *out = json_incref(s->doc);
            pthread_mutex_unlock(&r->lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&r->lock);
    dims_job_t j = {snapshot_dir, NULL, 0, err};
    cl_builders_with_ctx(r->builders, read_dims, &j);
    if (j.rc != 0) {
        return j.rc;
    }
    char *dir = strdup(snapshot_dir);
    if (!dir) {
        json_decref(j.doc);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    pthread_mutex_lock(&r->lock);
    dims_slot_t *old = &r->dims[0];
    for (size_t i = 1; i < REPORTS_DIMS_SLOTS; i++) {
        if (r->dims[i].used < old->used) {
            old = &r->dims[i];
        }
    }
    free(old->dir);
    json_decref(old->doc);
    old->dir = dir;
    old->doc = json_incref(j.doc);
    old->used = ++r->dims_clock;
    pthread_mutex_unlock(&r->lock);
    *out = j.doc;
    return 0;
}

/* ---- keys */

static int copy_name(char *out, const char *what, const char *v, cl_err_t *err)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > CL_REPORTS_NAME_MAX) {
        return cl_err_set(err, CL_EINVAL, "%s must be 1 to %d characters", what,
                          CL_REPORTS_NAME_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
            return cl_err_set(err, CL_EINVAL, "%s holds a control character", what);
        }
    }
    memcpy(out, v, n + 1);
    return 0;
}

/* The identity as the envelope header, and the cache key derived from it. The engine's version is
 * part of it: after an upgrade that changes findings or their text, reports of the same snapshot
 * are built again instead of served from the cache or the archive as they were. */
static void make_key(cl_reports_key_t *k)
{
    int n = snprintf(k->header, sizeof k->header, "%s%s\n%s\n%s\n%s\n%s\n%s\n",
                     REPORTS_ENVELOPE_MAGIC, CL_INSIGHTS_VERSION, k->snapshot, k->category,
                     k->region, k->window_name, k->week_key);
    k->header_len = n > 0 && (size_t)n < sizeof k->header ? (size_t)n : 0;
    /* the thread's last few keys: a cached view of the same report asks again and again, and the
     * digest was a tenth of its lookup */
    static __thread struct {
        size_t len;
        char header[sizeof k->header];
        char key[sizeof k->cache_key];
    } recent[4];
    static __thread unsigned next;
    for (size_t i = 0; i < CL_ARRAY_LEN(recent); i++) {
        if (recent[i].len == k->header_len && k->header_len > 0 &&
            memcmp(recent[i].header, k->header, k->header_len) == 0) {
            memcpy(k->cache_key, recent[i].key, sizeof k->cache_key);
            return;
        }
    }
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)k->header, k->header_len, d);
    static const char HEX[] = "0123456789abcdef";
    int at = snprintf(k->cache_key, sizeof k->cache_key, "wbr:v1:");
    for (size_t i = 0; i < 24; i++) {
        k->cache_key[at++] = HEX[d[i] >> 4];
        k->cache_key[at++] = HEX[d[i] & 15];
    }
    k->cache_key[at] = '\0';
    if (k->header_len > 0) {
        unsigned i = next++ % CL_ARRAY_LEN(recent);
        recent[i].len = k->header_len;
        memcpy(recent[i].header, k->header, k->header_len);
        memcpy(recent[i].key, k->cache_key, sizeof k->cache_key);
    }
}

static int json_has(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether KEY's category and region are in its snapshot; an unreadable snapshot makes KEY
 * unusable. */
static int check_dimensions(cl_reports_key_t *k, cl_reports_t *r, cl_err_t *err)
{
    json_t *dims = NULL;
    cl_err_t why;
    if (cl_reports_dimensions(&dims, r, k->snapshot_dir, &why) != 0) {
        k->unusable = why.code == CL_ENOMEM ? CL_ENOMEM : CL_EDATA;
        snprintf(k->why, sizeof k->why, "the snapshot of %s cannot be read: %s", k->week_key,
                 why.msg);
        return 0;
    }
    int rc = 0;
    if (!json_has(json_object_get(dims, "categories"), k->category)) {
        rc = cl_err_set(err, CL_ENOTFOUND, "unknown category '%.64s' in the snapshot of %s",
                        k->category, k->week_key);
    } else if (strcmp(k->region, "all") != 0 &&
               !json_has(json_object_get(dims, "regions"), k->region)) {
        rc = cl_err_set(err, CL_ENOTFOUND, "unknown region '%.64s' in the snapshot of %s",
                        k->region, k->week_key);
    }
    json_decref(dims);
    return rc;
}

static int64_t to_ns(double s)
{
    return (int64_t)(s * 1e9);
}

/* The slot answer for WEEK as *OUT (new) with its slot index and generation. */
static int slot_answer(char **out, size_t *slot, uint64_t *gen, double *resolved_at,
                       const resolve_slot_t *e, size_t i, cl_err_t *err)
{
    *out = strdup(e->dir);
    *slot = i;
    *gen = e->gen;
    *resolved_at = e->resolved_at;
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

/* cl_snapshot_resolve through r->resolved: a realpath() walks and reads every component of the
 * path, which was a tenth of a cached view's CPU; one lstat of the link tells whether the last
 * answer still holds, and a look within REPORTS_RESOLVE_CHECK_S holds for every thread. *SLOT and
 * *GEN say which answer it was (*GEN 0: not kept). */
static int resolve_shared(char **out, size_t *slot_out, uint64_t *gen_out, double *resolved_at,
                          cl_reports_t *r, const char *week, cl_err_t *err)
{
    static uint64_t generations; /* atomic */
    double now = reports_now();
    *gen_out = 0;
    size_t slot = 0;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < REPORTS_RESOLVE_SLOTS; i++) {
        resolve_slot_t *e = &r->resolved[i];
        if (e->dir && strcmp(e->week, week) == 0) {
            if (to_ns(now) - e->checked_ns < to_ns(REPORTS_RESOLVE_CHECK_S) &&
                now - e->resolved_at < REPORTS_RESOLVE_TTL_S) {
                int rc = slot_answer(out, slot_out, gen_out, resolved_at, e, i, err);
                pthread_mutex_unlock(&r->lock);
                return rc; /* another thread looked just now */
            }
            slot = i;
            break;
        }
        if (!e->dir || e->resolved_at < r->resolved[slot].resolved_at) {
            slot = i; /* an empty slot, else the oldest */
        }
    }
    pthread_mutex_unlock(&r->lock);
    char link[CL_SNAPSHOT_PATH_MAX];
    struct stat st;
    int n = snprintf(link, sizeof link, "%s/current/%s", r->cfg->warehouse_dir, week);
    int have = n > 0 && (size_t)n < sizeof link && lstat(link, &st) == 0;
    long long ctime_ns = 0;
    if (have) {
        ctime_ns = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
    }
    pthread_mutex_lock(&r->lock);
    resolve_slot_t *e = &r->resolved[slot];
    if (have && e->dir && strcmp(e->week, week) == 0 && e->dev == (unsigned long long)st.st_dev &&
        e->ino == (unsigned long long)st.st_ino && e->ctime_ns == ctime_ns &&
        now - e->resolved_at < REPORTS_RESOLVE_TTL_S) {
        __atomic_store_n(&e->checked_ns, to_ns(now), __ATOMIC_RELEASE); /* the same link */
        int rc = slot_answer(out, slot_out, gen_out, resolved_at, e, slot, err);
        pthread_mutex_unlock(&r->lock);
        return rc;
    }
    pthread_mutex_unlock(&r->lock);
    int rc = cl_snapshot_resolve(out, r->cfg->warehouse_dir, week, err);
    char *copy = rc == 0 && have ? strdup(*out) : NULL;
    *resolved_at = copy ? now : -1; /* -1: not kept */
    pthread_mutex_lock(&r->lock);
    e = &r->resolved[slot];
    free(e->dir);
    uint64_t gen = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
    /* field by field: gen and checked_ns are read by other threads without the lock */
    e->dir = copy;
    e->dev = have ? (unsigned long long)st.st_dev : 0;
    e->ino = have ? (unsigned long long)st.st_ino : 0;
    e->ctime_ns = ctime_ns;
    e->resolved_at = now;
    snprintf(e->week, sizeof e->week, "%s", week);
    __atomic_store_n(&e->gen, gen, __ATOMIC_RELEASE); /* before checked_ns: see resolve_week */
    __atomic_store_n(&e->checked_ns, copy ? to_ns(now) : 0, __ATOMIC_RELEASE);
    if (copy) {
        *slot_out = slot;
        *gen_out = gen;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* The thread's own copies of recent answers (see REPORTS_RESOLVE_CHECK_S). */
#define THREAD_RESOLVE_SLOTS 2
#define THREAD_RESOLVE_DIR_MAX 1024 /* longer folders are not kept per thread */

typedef struct {
    uint64_t owner; /* cl_reports serial; 0: empty */
    char week[CL_WEEK_KEY_LEN];
    char dir[THREAD_RESOLVE_DIR_MAX];
    size_t slot; /* r->resolved[slot] gave it, at generation gen */
    uint64_t gen;
    double resolved_at;
} thread_resolved_t;

static __thread thread_resolved_t thread_resolved[THREAD_RESOLVE_SLOTS];

/* Whether T's answer still holds at NOW: its slot was looked at within REPORTS_RESOLVE_CHECK_S and
 * still holds T's answer. The look's time is read before the generation, which is written before
 * it: a look that replaced the answer is never taken for one that confirmed it. */
static int copy_holds(const thread_resolved_t *t, const cl_reports_t *r, double now)
{
    const resolve_slot_t *e = &r->resolved[t->slot];
    int64_t checked = __atomic_load_n(&e->checked_ns, __ATOMIC_ACQUIRE);
    uint64_t gen = __atomic_load_n(&e->gen, __ATOMIC_ACQUIRE);
    return gen == t->gen && to_ns(now) - checked < to_ns(REPORTS_RESOLVE_CHECK_S) &&
           now - t->resolved_at < REPORTS_RESOLVE_TTL_S;
}

/* resolve_shared, through the thread's copies: within REPORTS_RESOLVE_CHECK_S of the process's
 * last look at the link (and REPORTS_RESOLVE_TTL_S of the resolution), no lstat, no lock. */
static int resolve_week(char **out, cl_reports_t *r, const char *week, cl_err_t *err)
{
    double now = reports_now();
    thread_resolved_t *t = NULL;
    for (size_t i = 0; i < THREAD_RESOLVE_SLOTS; i++) {
        thread_resolved_t *e = &thread_resolved[i];
        if (e->owner == r->serial && strcmp(e->week, week) == 0) {
            if (copy_holds(e, r, now)) {
                *out = strdup(e->dir);
                return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
            }
            t = e;
            break;
        }
        if (!t || e->resolved_at < t->resolved_at) {
            t = e; /* the oldest */
        }
    }
    double resolved_at = -1;
    size_t slot = 0;
    uint64_t gen = 0;
    int rc = resolve_shared(out, &slot, &gen, &resolved_at, r, week, err);
    size_t n = rc == 0 ? strlen(*out) : 0;
    if (rc == 0 && gen != 0 && n < sizeof t->dir) {
        t->owner = r->serial;
        snprintf(t->week, sizeof t->week, "%s", week);
        memcpy(t->dir, *out, n + 1);
        t->slot = slot;
        t->gen = gen;
        t->resolved_at = resolved_at;
    } else if (t->owner == r->serial && strcmp(t->week, week) == 0) {
        t->owner = 0;
    }
    return rc;
}

/* The thread's last located report whose snapshot was usable and held its category and region:
 * a cached view of the same report is located again and again, and the dimension check (a lock
 * shared by every thread, two list scans) and the envelope header's formatting were most of the
 * lookup. Snapshots are immutable, so a key with the same names and the same snapshot folder (as
 * resolve_week says now, which keeps its own checks) is the same key. */
typedef struct {
    uint64_t owner; /* cl_reports serial; 0: empty */
    char category[CL_REPORTS_NAME_MAX + 1], region[CL_REPORTS_NAME_MAX + 1];
    char window_name[8], week_key[CL_WEEK_KEY_LEN];
    char dir[THREAD_RESOLVE_DIR_MAX];
    char cache_key[sizeof((cl_reports_key_t *)0)->cache_key];
    char header[sizeof((cl_reports_key_t *)0)->header];
    size_t header_len;
} thread_located_t;

static __thread thread_located_t thread_located;

static int same_located(const thread_located_t *m, const cl_reports_t *r, const cl_reports_key_t *k)
{
    return m->owner == r->serial && strcmp(m->dir, k->snapshot_dir) == 0 &&
           strcmp(m->category, k->category) == 0 && strcmp(m->region, k->region) == 0 &&
           strcmp(m->window_name, k->window_name) == 0 && strcmp(m->week_key, k->week_key) == 0;
}

static void keep_located(thread_located_t *m, const cl_reports_t *r, const cl_reports_key_t *k)
{
    if (k->unusable || k->header_len == 0 || strlen(k->snapshot_dir) >= sizeof m->dir) {
        m->owner = 0;
        return;
    }
    m->owner = r->serial;
    memcpy(m->category, k->category, sizeof m->category);
    memcpy(m->region, k->region, sizeof m->region);
    memcpy(m->window_name, k->window_name, sizeof m->window_name);
    memcpy(m->week_key, k->week_key, sizeof m->week_key);
    snprintf(m->dir, sizeof m->dir, "%s", k->snapshot_dir);
    memcpy(m->cache_key, k->cache_key, sizeof m->cache_key);
    memcpy(m->header, k->header, k->header_len);
    m->header_len = k->header_len;
}

/* S into OUT (CAP bytes), cut to fit as snprintf would: without its format parsing, which was
 * the larger part of locating a cached view's key. */
static void copy_cut(char *out, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
}

int cl_reports_locate(cl_reports_key_t *k, cl_reports_t *r, const char *category,
                      const char *region, cl_window_t window, cl_week_t week, cl_err_t *err)
{
    memset(k, 0, sizeof *k);
    int rc = copy_name(k->category, "category", category, err);
    rc = rc ? rc : copy_name(k->region, "region", region, err);
    if (rc != 0) {
        return rc;
    }
    k->window = window;
    k->week = week;
    copy_cut(k->window_name, sizeof k->window_name, cl_window_name(window));
    cl_week_format(k->week_key, week);
    cl_err_t why;
    rc = resolve_week(&k->snapshot_dir, r, k->week_key, &why);
    if (rc == CL_ENOTFOUND) {
        rc = 0;
        k->unusable = CL_ENOTFOUND;
        snprintf(k->why, sizeof k->why, "no snapshot is published for week %s", k->week_key);
    } else if (rc != 0) {
        return cl_err_set(err, rc, "%s", why.msg);
    } else {
        const char *slash = strrchr(k->snapshot_dir, '/');
        copy_cut(k->snapshot, sizeof k->snapshot, slash ? slash + 1 : k->snapshot_dir);
        thread_located_t *m = &thread_located;
        if (same_located(m, r, k)) {
            memcpy(k->cache_key, m->cache_key, sizeof k->cache_key);
            memcpy(k->header, m->header, m->header_len);
            k->header_len = m->header_len;
            return 0;
        }
        rc = check_dimensions(k, r, err);
        if (rc == 0) {
            make_key(k);
            keep_located(m, r, k);
            return 0;
        }
    }
    make_key(k);
    if (rc != 0) {
        cl_reports_key_dispose(k);
    }
    return rc;
}

void cl_reports_key_dispose(cl_reports_key_t *k)
{
    if (k) {
        free(k->snapshot_dir);
        k->snapshot_dir = NULL;
    }
}

/* ---- the cache */

/* A cached value: the envelope header (the identity), one flag byte ('G' good, 'D' degraded), the
 * gzip-compressed document. */
int cl_reports_cached_shared(cl_cache_value_t *out, int *degraded, cl_reports_t *r,
                             const cl_reports_key_t *k)
{
    *out = (cl_cache_value_t){0};
    cl_cache_value_t v;
    size_t head = k->header_len + 1;
    if (k->unusable || k->header_len == 0 ||
        cl_cache_get_shared(&v, r->cache, k->cache_key, NULL) != 0) {
        return CL_ENOTFOUND;
    }
    if (v.len <= head || memcmp(v.data, k->header, k->header_len) != 0 ||
        (v.data[k->header_len] != 'G' && v.data[k->header_len] != 'D')) {
        v.release(v.cls);
        cl_logf(CL_LOG_WARN, MODULE, "cache_mismatch",
                "a cached report did not match its key: ignored");
        return CL_ENOTFOUND;
    }
    if (degraded) {
        *degraded = v.data[k->header_len] == 'D';
    }
    *out = v;
    out->data += head;
    out->len -= head;
    return 0;
}

int cl_reports_cached(char **gz, size_t *gz_len, int *degraded, cl_reports_t *r,
                      const cl_reports_key_t *k)
{
    *gz = NULL;
    *gz_len = 0;
    cl_cache_value_t v;
    int rc = cl_reports_cached_shared(&v, degraded, r, k);
    if (rc != 0) {
        return rc;
    }
    char *copy = malloc(v.len + 1);
    if (copy) {
        memcpy(copy, v.data, v.len);
        copy[v.len] = '\0';
        *gz = copy;
        *gz_len = v.len;
    }
    v.release(v.cls);
    return copy ? 0 : CL_ENOTFOUND;
}

void reports_cache_put(cl_reports_t *r, const cl_reports_key_t *k, const char *gz, size_t len,
                       int ttl_s, int degraded)
{
    size_t head = k->header_len + 1;
    char *blob = malloc(head + len);
    cl_err_t err;
    if (!blob) {
        cl_logf(CL_LOG_WARN, MODULE, "cache_set_failed", "out of memory");
        return;
    }
    memcpy(blob, k->header, k->header_len);
    blob[k->header_len] = degraded ? 'D' : 'G';
    memcpy(blob + head, gz, len);
    if (cl_cache_set(r->cache, k->cache_key, blob, head + len, ttl_s * 1000, &err) != 0) {
        cl_logf(CL_LOG_WARN, MODULE, "cache_set_failed", "%s", err.msg);
    }
    free(blob);
}

/* ---- documents */

void reports_set_meta(json_t *doc, const char *cache, int stale, int degraded, json_t *reasons,
                      const char *summary_reason)
{
    json_t *meta = json_object_get(doc, "meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(doc, "meta", meta);
    }
    json_object_set_new(meta, "cache", json_string(cache));
    json_object_set_new(meta, "stale", json_boolean(stale));
    json_object_set_new(meta, "degraded", json_boolean(degraded));
    if (reasons || !json_object_get(meta, "reasons")) {
        json_object_set_new(meta, "reasons", reasons ? reasons : json_array());
    }
    if (!json_object_get(doc, "summary")) {
        json_object_set_new(doc, "summary", json_null());
    }
    if (summary_reason) {
        json_object_set_new(meta, "summary_reason", json_string(summary_reason));
    }
}

int reports_gzip(char **gz, size_t *len, json_t *doc, const char *prefix, size_t plen,
                 cl_err_t *err)
{
    *gz = NULL;
    char *text = json_dumps(doc, CL_REPORT_JSON_FLAGS);
    if (!text) {
        return cl_err_set(err, CL_ENOMEM, "out of memory serialising the report");
    }
    char *z = NULL;
    size_t zlen = 0;
    int rc = cl_gzip_compress(&z, &zlen, text, strlen(text), 6, err);
    free(text);
    if (rc != 0) {
        return rc;
    }
    char *out = plen ? malloc(plen + zlen) : z;
    if (!out) {
        free(z);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (plen) {
        memcpy(out, prefix, plen);
        memcpy(out + plen, z, zlen);
        free(z);
    }
    *gz = out;
    *len = plen + zlen;
    return 0;
}

/* ---- single flight */

static flight_t *new_flight(cl_reports_t *r, const cl_reports_key_t *key, const cl_ai_user_t *who)
{
    flight_t *f = calloc(1, sizeof *f);
    if (!f) {
        return NULL;
    }
    f->r = r;
    f->key = *key;
    f->key.snapshot_dir = key->snapshot_dir ? strdup(key->snapshot_dir) : NULL;
    if (key->snapshot_dir && !f->key.snapshot_dir) {
        free(f);
        return NULL;
    }
    snprintf(f->user, sizeof f->user, "%s", who && who->id ? who->id : "");
    snprintf(f->team, sizeof f->team, "%s", who && who->team ? who->team : "");
    snprintf(f->role, sizeof f->role, "%s", who && who->role ? who->role : "");
    f->started = reports_now();
    return f;
}

static void free_flight(flight_t *f)
{
    cl_reports_key_dispose(&f->key);
    json_decref(f->doc);
    json_decref(f->request);
    json_decref(f->summary);
    free(f);
}

int cl_reports_request(cl_reports_t *r, const cl_reports_key_t *key, const cl_ai_user_t *who,
                       cl_reports_done_fn done, void *payload, cl_err_t *err)
{
    waiter_t *w = calloc(1, sizeof *w);
    if (!w) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    w->done = done;
    w->payload = payload;
    pthread_mutex_lock(&r->lock);
    flight_t *f = r->flights;
    while (f && strcmp(f->key.cache_key, key->cache_key) != 0) {
        f = f->next;
    }
    int leader = f == NULL;
    if (leader && !(f = new_flight(r, key, who))) {
        pthread_mutex_unlock(&r->lock);
        free(w);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    w->next = f->waiters;
    f->waiters = w;
    if (leader) {
        f->next = r->flights;
        r->flights = f;
    }
    int n = ++r->waiting;
    pthread_mutex_unlock(&r->lock);
    cl_metrics_set(r->m_in_flight, NULL, n);
    if (!leader) {
        cl_metrics_inc(r->m_joined, NULL, 1);
        return 0;
    }
    cl_err_t why;
    if (reports_start(f, &why) != 0) {
        cl_reports_result_t res = {.rc = why.code, .err = &why};
        reports_deliver(f, &res);
    }
    return 0;
}

void reports_deliver(flight_t *f, const cl_reports_result_t *res)
{
    cl_reports_t *r = f->r;
    pthread_mutex_lock(&r->lock);
    for (flight_t **p = &r->flights; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next;
            break;
        }
    }
    waiter_t *w = f->waiters;
    f->waiters = NULL;
    pthread_mutex_unlock(&r->lock);
    int answered = 0;
    while (w) {
        waiter_t *next = w->next;
        w->done(w->payload, res);
        free(w);
        answered++;
        w = next;
    }
    free_flight(f);
    pthread_mutex_lock(&r->lock);
    r->waiting -= answered;
    int n = r->waiting;
    if (n == 0) {
        pthread_cond_broadcast(&r->idle);
    }
    pthread_mutex_unlock(&r->lock);
    cl_metrics_set(r->m_in_flight, NULL, n);
}

int cl_reports_in_progress(cl_reports_t *r)
{
    pthread_mutex_lock(&r->lock);
    int n = r->waiting;
    pthread_mutex_unlock(&r->lock);
    return n;
}
