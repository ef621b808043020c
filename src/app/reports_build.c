/* reports_build.c — making one report for every request waiting on it: from the cache or the
 * archive when someone already made it, else built on a builder thread; then the summary, asked of
 * the AI service without any thread waiting for it; then kept (archived when good, cached) and
 * delivered. When it cannot be built, the last good archived report is delivered instead, stale;
 * when only the summary fails, the fresh report is delivered without one, degraded. */
#include "app/reports_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/schemas.h"
#include "core/log.h"
#include "http/gzip.h"
#include "insights/engine.h"

#define MODULE "app"
#define NOT_CONFIGURED "summary service not configured"

static void build_job(cl_report_ctx_t *ctx, void *payload);
static void finalize_job(cl_report_ctx_t *ctx, void *payload);

static void affinity(char *out, size_t n, const flight_t *f)
{
    snprintf(out, n, "%s|%s", f->key.category, f->key.region);
}

int reports_start(flight_t *f, cl_err_t *err)
{
    char a[2 * CL_REPORTS_NAME_MAX + 2];
    affinity(a, sizeof a, f);
    return cl_builders_submit(f->r->builders, a, build_job, f, err);
}

/* ---- delivery */

static void deliver_error(flight_t *f, const cl_err_t *e)
{
    cl_reports_result_t res = {.rc = e->code ? e->code : CL_EINTERNAL, .err = e};
    reports_deliver(f, &res);
}

/* Deliver GZ (stolen) to every waiter of F. */
static void deliver_gz(flight_t *f, char *gz, size_t len, const char *cache, int stale,
                       int degraded, const char *snapshot)
{
    char snap[CL_SNAPSHOT_ID_MAX];
    snprintf(snap, sizeof snap, "%s", snapshot);
    cl_reports_result_t res = {.gz = gz,
                               .gz_len = len,
                               .cache = cache,
                               .stale = stale,
                               .degraded = degraded,
                               .snapshot = snap,
                               .why = f->why[0] ? f->why : NULL};
    reports_deliver(f, &res);
    free(gz);
}

/* ---- stale fallback */

static const char *reason_code(int code, int unusable)
{
    if (unusable) {
        return code == CL_ENOTFOUND ? "snapshot_missing" : "snapshot_unreadable";
    }
    switch (code) {
    case CL_EUNAVAILABLE:
    case CL_ETIMEOUT:
        return "engine_unavailable";
    case CL_EQUERY:
    case CL_EDATA:
    case CL_EIO:
        return "engine_error";
    default:
        return "report_failed";
    }
}

/* The report of F cannot be made (CAUSE, whose message may name server paths and is logged, not
 * shown): the last good archived one, stale, or an error. */
static void fallback(flight_t *f, const cl_err_t *cause, int unusable)
{
    cl_reports_t *r = f->r;
    const cl_reports_key_t *k = &f->key;
    const char *code = reason_code(cause->code, unusable);
    char what[CL_ERR_MSG_MAX];
    snprintf(what, sizeof what, "%s",
             unusable && cause->code == CL_ENOTFOUND ? cause->msg
             : unusable                              ? "the week's snapshot cannot be read"
                                                     : "the report engine failed");
    cl_logf(CL_LOG_WARN, MODULE, "report_failed", "%s x %s %s %s: %s (%s)", k->category, k->region,
            k->window_name, k->week_key, cause->msg, code);
    cl_err_t none;
    if (cause->code == CL_ENOTFOUND) {
        none = *cause; /* a week without a snapshot and nothing archived: 404 */
    } else {
        cl_err_set(&none, CL_EUNAVAILABLE,
                   "the report of %s cannot be made right now (%s) and nothing earlier is "
                   "archived",
                   k->week_key, what);
    }
    cl_archived_t old = {0};
    cl_archive_key_t ak = {k->category, k->region, k->window_name, k->week_key, NULL, NULL};
    cl_err_t e;
    char *text = NULL;
    size_t n = 0;
    json_t *doc = NULL;
    if (r->opt.stale_fallback && cl_archive_latest(&old, r->archive, &ak, &e) == 0 &&
        cl_gzip_decompress(&text, &n, old.gz, old.gz_len, 64u << 20, &e) == 0) {
        doc = json_loads(text, 0, NULL);
    }
    free(text);
    free(old.gz);
    if (!doc) {
        deliver_error(f, &none);
        return;
    }
    char msg[2 * CL_ERR_MSG_MAX];
    snprintf(msg, sizeof msg,
             "the report of %s could not be made (%s); this is the last good one, of %s "
             "(snapshot %s)",
             k->week_key, what, old.week, old.snapshot);
    int degraded = json_is_true(json_object_get(json_object_get(doc, "meta"), "degraded"));
    reports_set_meta(doc, "miss", 1, degraded,
                     json_pack("[{s:s,s:s}]", "code", code, "message", msg), NULL);
    char *gz = NULL;
    size_t len = 0;
    int rc = reports_gzip(&gz, &len, doc, "", 0, &e);
    json_decref(doc);
    if (rc != 0) {
        deliver_error(f, &e);
        return;
    }
    snprintf(f->why, sizeof f->why, "%s", msg);
    const char *labels[] = {code};
    cl_metrics_inc(r->m_stale, labels, 1);
    cl_logf(CL_LOG_WARN, MODULE, "served_stale", "%s", msg);
    deliver_gz(f, gz, len, "miss", 1, degraded, old.snapshot);
}

/* ---- made before: the cache, the archive */

static int from_cache(flight_t *f)
{
    char *gz = NULL;
    size_t len = 0;
    int degraded = 0;
    if (cl_reports_cached(&gz, &len, &degraded, f->r, &f->key) != 0) {
        return 0;
    }
    const char *labels[] = {"cached"};
    cl_metrics_inc(f->r->m_builds, labels, 1);
    deliver_gz(f, gz, len, "hit", 0, degraded, f->key.snapshot);
    return 1;
}

/* A good report archived under exactly this key (precomputed by the batch, or made by another
 * instance) is served as a cache hit, and cached here. One without a summary counts only while no
 * summaries are configured. */
static int from_archive(flight_t *f)
{
    cl_reports_t *r = f->r;
    const cl_reports_key_t *k = &f->key;
    cl_archive_key_t ak = {k->category, k->region,   k->window_name,
                           k->week_key, k->snapshot, CL_INSIGHTS_VERSION};
    cl_archived_t a = {0};
    cl_err_t e;
    int rc = cl_archive_get(&a, r->archive, &ak, &e);
    if (rc != 0 || (!a.summarised && r->ai)) {
        if (rc != 0 && rc != CL_ENOTFOUND) {
            cl_logf(CL_LOG_WARN, MODULE, "archive_failed", "%s", e.msg);
        }
        free(a.gz);
        return 0;
    }
    reports_cache_put(r, k, a.gz, a.gz_len, r->opt.cache_ttl_s, 0);
    const char *labels[] = {"precomputed"};
    cl_metrics_inc(r->m_builds, labels, 1);
    deliver_gz(f, a.gz, a.gz_len, "hit", 0, 0, k->snapshot);
    return 1;
}

/* ---- the summary */

static const char *summary_code(int rc)
{
    switch (rc) {
    case CL_ETIMEOUT:
        return "summary_timeout";
    case CL_EUNAVAILABLE:
        return "summary_unavailable";
    case CL_EBUDGET:
        return "summary_budget";
    case CL_ERATELIMIT:
        return "summary_rate_limited";
    default:
        return "summary_failed";
    }
}

/* The request of F's summary, made of DOC when the AI service was never asked. */
static int summary_request(flight_t *f, json_t *doc, cl_err_t *err)
{
    if (f->request) {
        return 0;
    }
    cl_ai_user_t who = {f->user, f->team, f->role};
    return cl_ai_client_request(&f->request, doc, f->r->catalog, &who, f->r->opt.summary_findings,
                                0, NULL, err);
}

/* No summary from the AI service (WHY, in words): the app's own, from the offline narrator, set on
 * DOC. Returns 1 when written; else DOC keeps summary null. */
static int local_summary(flight_t *f, json_t *doc, const char *why)
{
    json_t *s = NULL;
    cl_err_t e;
    int rc = summary_request(f, doc, &e);
    rc = rc ? rc : reports_local_summary(&s, f->request, why, &e);
    if (rc != 0) {
        cl_logf(CL_LOG_ERROR, MODULE, "local_summary_failed", "%s x %s %s %s: %s", f->key.category,
                f->key.region, f->key.window_name, f->key.week_key, e.msg);
        return 0;
    }
    json_object_set_new(doc, "summary", s);
    return 1;
}

/* Keep DOC (stolen) with its summary — the AI service's, else the app's own, flagged — and deliver
 * it. */
static void finish(flight_t *f, json_t *doc)
{
    cl_reports_t *r = f->r;
    int degraded = 0, summarised = 0, ttl = r->opt.cache_ttl_s;
    json_t *reasons = NULL;
    const char *outcome = "not_configured", *summary_reason = NULL;
    char why[CL_ERR_MSG_MAX + 64], msg[2 * CL_ERR_MSG_MAX];
    cl_err_t bad;
    if (r->ai && f->ai_rc == 0 &&
        cl_schemas_validate(CL_SCHEMA_SUMMARY_RESPONSE, f->summary, &bad) != 0) {
        f->ai_rc = CL_EDATA; /* never pass on what is not a checked summary */
        cl_err_set(&f->ai_err, CL_EDATA, "its reply is not a summary: %.200s", bad.msg);
    }
    if (r->ai && f->ai_rc == 0) {
        json_object_set(doc, "summary", f->summary);
        summarised = 1;
        outcome = "fresh";
    } else {
        if (r->ai) {
            degraded = 1;
            outcome = summary_code(f->ai_rc);
            snprintf(why, sizeof why, "the AI service could not write the summary (%s)",
                     f->ai_err.msg);
            /* the asking user's budget or rate limit is theirs alone: the next user may get one */
            ttl = f->ai_rc == CL_EBUDGET || f->ai_rc == CL_ERATELIMIT ? 0 : r->opt.degraded_ttl_s;
        } else {
            snprintf(why, sizeof why, "%s", NOT_CONFIGURED);
        }
        if (local_summary(f, doc, why)) {
            snprintf(msg, sizeof msg,
                     "%s: the summary shown was written by the offline narrator from the same "
                     "findings, without a model, every figure checked",
                     why);
        } else {
            snprintf(msg, sizeof msg, "%s, and no summary could be written", why);
            summary_reason = msg;
        }
        if (degraded) {
            reasons = json_pack("[{s:s,s:s}]", "code", outcome, "message", msg);
            snprintf(f->why, sizeof f->why, "%s", msg);
        }
    }
    const char *labels[] = {outcome};
    cl_metrics_inc(r->m_summaries, labels, 1);
    reports_set_meta(doc, "hit", 0, degraded, reasons, summary_reason);
    char *gz = NULL;
    size_t len = 0;
    cl_err_t e;
    if (reports_gzip(&gz, &len, doc, "", 0, &e) == 0) {
        cl_archive_key_t ak = {f->key.category, f->key.region,   f->key.window_name,
                               f->key.week_key, f->key.snapshot, CL_INSIGHTS_VERSION};
        if (!degraded && cl_archive_put(r->archive, &ak, gz, len, summarised, &e) != 0) {
            cl_logf(CL_LOG_ERROR, MODULE, "archive_failed", "%s", e.msg);
        }
        if (ttl > 0) {
            reports_cache_put(r, &f->key, gz, len, ttl, degraded);
        }
        free(gz);
        gz = NULL;
    }
    reports_set_meta(doc, "miss", 0, degraded, NULL, NULL);
    int rc = reports_gzip(&gz, &len, doc, "", 0, &e);
    json_decref(doc);
    if (rc != 0) {
        deliver_error(f, &e);
        return;
    }
    deliver_gz(f, gz, len, "miss", 0, degraded, f->key.snapshot);
}

static void on_summary(void *payload, int rc, json_t *summary, const cl_err_t *err)
{
    flight_t *f = payload;
    f->summary = summary;
    f->ai_rc = rc;
    if (rc != 0) {
        f->ai_err = *err;
    }
    char a[2 * CL_REPORTS_NAME_MAX + 2];
    affinity(a, sizeof a, f);
    cl_err_t e;
    if (cl_builders_submit(f->r->builders, a, finalize_job, f, &e) != 0) {
        finalize_job(NULL, f); /* out of memory: finish here rather than lose the requests */
    }
}

static void finalize_job(cl_report_ctx_t *ctx, void *payload)
{
    (void)ctx;
    flight_t *f = payload;
    json_t *doc = f->doc;
    f->doc = NULL;
    finish(f, doc);
}

/* Ask the AI service for DOC's summary (DOC stolen). No thread waits: on_summary finishes. */
static void ask_summary(flight_t *f, json_t *doc)
{
    cl_reports_t *r = f->r;
    if (!r->ai) {
        finish(f, doc);
        return;
    }
    cl_err_t e;
    int rc = summary_request(f, doc, &e);
    f->doc = doc;
    rc = rc ? rc : cl_ai_client_post(r->ai, f->request, r->ai_timeout_ms, on_summary, f, &e);
    if (rc != 0) { /* the call never started: on_summary will not run */
        f->doc = NULL;
        f->ai_rc = rc;
        f->ai_err = e;
        finish(f, doc);
    }
    /* else F may already be finished and freed by another thread */
}

/* ---- the build */

static void build_job(cl_report_ctx_t *ctx, void *payload)
{
    flight_t *f = payload;
    cl_reports_t *r = f->r;
    if (f->key.unusable) {
        cl_err_t cause;
        cl_err_set(&cause, f->key.unusable, "%s", f->key.why);
        fallback(f, &cause, 1);
        return;
    }
    if ((r->opt.read_cache && from_cache(f)) || from_archive(f)) {
        return;
    }
    double t0 = reports_now();
    cl_report_request_t req = {f->key.category, f->key.region, f->key.window, f->key.week, NULL};
    json_t *doc = NULL;
    cl_err_t e;
    int rc = cl_report_build(&doc, ctx, f->key.snapshot_dir, &req, &e);
    cl_metrics_observe(r->m_build_s, NULL, reports_now() - t0);
    const char *labels[] = {rc ? "failed" : "built"};
    cl_metrics_inc(r->m_builds, labels, 1);
    if (rc == CL_EINVAL) {
        deliver_error(f, &e); /* the request itself is wrong (e.g. too little history): say so */
        return;
    }
    if (rc != 0) {
        fallback(f, &e, 0);
        return;
    }
    ask_summary(f, doc);
}
