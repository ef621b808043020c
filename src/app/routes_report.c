/* routes_report.c — GET /category-list and POST /wbr.
 *
 * POST /wbr, in order: the session and its CSRF token; a strict body; the access rule (403 and an
 * audit record before anything about the data is looked at, so a refused user learns nothing); the
 * week's snapshot and whether the category and region exist in it (404); then the cache, whose key
 * and envelope carry the whole identity of the report (snapshot, category, region, window, week)
 * and are checked again on every hit; on a miss the report is built on a slow thread, archived,
 * cached pre-compressed and served. When it cannot be built the last good archived report of that
 * category × region × window is served instead, flagged stale with the reason. Every served report
 * is audited, and the response leaves only once its audit record is durable. */
#include "app/internal.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/log.h"
#include "etl/snapshot.h"
#include "http/body.h"
#include "http/gzip.h"

#define MAX_NAME 128
#define ENVELOPE_MAGIC "CLWBR1\n"
#define SUMMARY_REASON "summary service not configured"

typedef struct {
    cl_app_t *app;
    app_session_t *session;
    char category[MAX_NAME + 1], region[MAX_NAME + 1], window[8], week[CL_WEEK_KEY_LEN];
    char *snapshot_dir; /* resolved folder (malloc) */
    char snapshot[CL_SNAPSHOT_ID_MAX];
    char cache_key[80];
    char header[4 * MAX_NAME + 64]; /* the envelope header: the report's identity */
    size_t header_len;
} wbr_t;

static void free_wbr(void *p)
{
    wbr_t *w = p;
    free(w->snapshot_dir);
}

/* ---- GET /category-list
 * -------------------------------------------------------------------------------------- */

static json_t *visible(const json_t *all, const cl_user_t *u,
                       int (*sees)(const cl_user_t *, const char *))
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        if (sees(u, json_string_value(v))) {
            json_array_append(out, v);
        }
    }
    return out;
}

static int on_category_list(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    json_t *weeks = NULL, *cats = NULL, *regs = NULL;
    int rc = app_session(&s, app, req, 0, err);
    rc = rc ? rc : app_weeks(&weeks, app->cfg->warehouse_dir, err);
    if (rc != 0) {
        return rc;
    }
    char *snap = NULL;
    const char *latest = json_string_value(json_array_get(weeks, 0));
    if (latest && cl_snapshot_resolve(&snap, app->cfg->warehouse_dir, latest, NULL) == 0) {
        rc = app_dimensions(&cats, &regs, snap, err);
    }
    free(snap);
    if (rc != 0) {
        json_decref(weeks);
        return rc;
    }
    json_t *vis_cats = visible(cats, s->user, cl_user_sees_category);
    json_t *vis_regs = visible(regs, s->user, cl_user_sees_region);
    if (cl_user_sees_region(s->user, CL_REGION_ALL) && json_array_size(vis_regs) > 0) {
        json_array_insert_new(vis_regs, 0, json_string(CL_REGION_ALL));
    }
    json_decref(cats);
    json_decref(regs);
    json_t *windows = json_array();
    for (int i = 0; i < CL_WINDOW_COUNT; i++) {
        json_array_append_new(windows, json_string(cl_window_name((cl_window_t)i)));
    }
    json_t *doc = json_pack("{s:o,s:o,s:o,s:o,s:s?}", "categories", vis_cats, "regions", vis_regs,
                            "windows", windows, "weeks", weeks, "latest_week", latest);
    return cl_http_reply_json(req, 200, doc, err);
}

/* ---- POST /wbr: request
 * ---------------------------------------------------------------------------------------- */

static int name_field(char *out, const json_t *body, const char *key, cl_err_t *err)
{
    const char *v = NULL;
    int rc = cl_body_string(&v, body, key, MAX_NAME, 1, err);
    if (rc != 0) {
        return rc;
    }
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            return cl_err_set(err, CL_EINVAL, "field '%s' holds a control character", key);
        }
    }
    snprintf(out, MAX_NAME + 1, "%s", v);
    return 0;
}

static int parse_request(wbr_t *w, cl_http_req_t *req, cl_err_t *err)
{
    static const char *const FIELDS[] = {"category", "region", "window", "week", NULL};
    json_t *body = NULL;
    const char *window = NULL, *week = NULL;
    cl_window_t win;
    cl_week_t wk;
    int rc = cl_http_req_json(&body, req, err);
    rc = rc ? rc : cl_body_only(body, FIELDS, err);
    rc = rc ? rc : name_field(w->category, body, "category", err);
    rc = rc ? rc : name_field(w->region, body, "region", err);
    rc = rc ? rc : cl_body_string(&window, body, "window", 8, 1, err);
    rc = rc ? rc : cl_body_string(&week, body, "week", 16, 1, err);
    rc = rc ? rc : cl_window_parse(&win, window, err);
    rc = rc ? rc : cl_week_parse(&wk, week, err);
    if (rc == 0) {
        snprintf(w->window, sizeof w->window, "%s", cl_window_name(win));
        cl_week_format(w->week, wk);
    }
    json_decref(body);
    return rc;
}

static json_t *identity(const wbr_t *w)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "category", w->category, "region", w->region,
                     "window", w->window, "week", w->week, "snapshot", w->snapshot);
}

/* The report's identity as the envelope header, and the cache key derived from it. */
static void make_key(wbr_t *w)
{
    int n = snprintf(w->header, sizeof w->header, "%s%s\n%s\n%s\n%s\n%s\n", ENVELOPE_MAGIC,
                     w->snapshot, w->category, w->region, w->window, w->week);
    w->header_len = n > 0 && (size_t)n < sizeof w->header ? (size_t)n : 0;
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)w->header, w->header_len, d);
    static const char HEX[] = "0123456789abcdef";
    int k = snprintf(w->cache_key, sizeof w->cache_key, "wbr:v1:");
    for (size_t i = 0; i < 24; i++) {
        w->cache_key[k++] = HEX[d[i] >> 4];
        w->cache_key[k++] = HEX[d[i] & 15];
    }
    w->cache_key[k] = '\0';
}

/* ---- serving
 * ---------------------------------------------------------------------------------------------------
 */

static int audited_view(wbr_t *w, cl_http_req_t *req, const char *cache, int stale,
                        const char *snapshot)
{
    json_t *detail = identity(w);
    json_object_set_new(detail, "snapshot", json_string(snapshot));
    json_object_set_new(detail, "cache", json_string(cache));
    json_object_set_new(detail, "stale", json_boolean(stale));
    cl_http_req_log(req, "cache", json_string(cache));
    return app_reply_audited(w->app, req, w->session->user, "report_view", "ok", detail);
}

/* A cached envelope is served only if its header is exactly this request's identity. */
static int serve_cached(wbr_t *w, cl_http_req_t *req, char *blob, size_t len, cl_err_t *err)
{
    if (w->header_len == 0 || len <= w->header_len || memcmp(blob, w->header, w->header_len) != 0) {
        free(blob);
        cl_logf(CL_LOG_WARN, "app", "cache_mismatch",
                "a cached report did not match its key: ignored");
        return CL_ENOTFOUND;
    }
    size_t gz_len = len - w->header_len;
    memmove(blob, blob + w->header_len, gz_len);
    int rc = cl_http_reply_gzipped(req, 200, "application/json", blob, gz_len, err);
    return rc ? rc : audited_view(w, req, "hit", 0, w->snapshot);
}

/* Build the report of W. This is where src/report/ plugs in: cl_report_build() per
 * docs/contracts.md §7. */
static int build_report(json_t **out, wbr_t *w, cl_err_t *err)
{
    (void)w;
    *out = NULL;
    return cl_err_set(err, CL_EUNAVAILABLE, "the report engine is not built into this catlens yet");
}

static void set_meta(json_t *doc, const char *cache, int stale, json_t *reasons)
{
    json_t *meta = json_object_get(doc, "meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(doc, "meta", meta);
    }
    json_object_set_new(meta, "cache", json_string(cache));
    json_object_set_new(meta, "stale", json_boolean(stale));
    if (!json_object_get(meta, "degraded")) {
        json_object_set_new(meta, "degraded", json_false());
    }
    json_object_set_new(meta, "reasons", reasons ? reasons : json_array());
    if (!json_object_get(doc, "summary")) {
        json_object_set_new(doc, "summary", json_null());
    }
    if (json_is_null(json_object_get(doc, "summary"))) {
        json_object_set_new(meta, "summary_reason", json_string(SUMMARY_REASON));
    }
}

static int gzip_doc(char **gz, size_t *len, json_t *doc, const char *prefix, size_t plen,
                    cl_err_t *err)
{
    char *text = json_dumps(doc, JSON_COMPACT);
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
    *gz = malloc(plen + zlen);
    if (!*gz) {
        free(z);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    memcpy(*gz, prefix, plen);
    memcpy(*gz + plen, z, zlen);
    *len = plen + zlen;
    free(z);
    return 0;
}

/* Keep the fresh report: archived (for stale fallback) and cached (marked "hit", pre-compressed).
 * Failures here are logged, never served: the user still gets the report. */
static void keep(wbr_t *w, json_t *doc)
{
    cl_err_t err;
    char *blob = NULL;
    size_t len = 0;
    cl_archive_key_t key = {w->category, w->region, w->window, w->week, w->snapshot};
    set_meta(doc, "miss", 0, NULL);
    if (gzip_doc(&blob, &len, doc, "", 0, &err) != 0 ||
        cl_archive_put(w->app->archive, &key, blob, len, &err) != 0) {
        cl_logf(CL_LOG_ERROR, "app", "archive_failed", "%s", err.msg);
    }
    free(blob);
    blob = NULL;
    set_meta(doc, "hit", 0, NULL);
    if (gzip_doc(&blob, &len, doc, w->header, w->header_len, &err) == 0) {
        if (cl_cache_set(w->app->cache, w->cache_key, blob, len, w->app->report_ttl_s * 1000,
                         &err) != 0) {
            cl_logf(CL_LOG_WARN, "app", "cache_set_failed", "%s", err.msg);
        }
    }
    free(blob);
    set_meta(doc, "miss", 0, NULL);
}

static const char *reason_code(int rc)
{
    switch (rc) {
    case CL_ENOTFOUND:
        return "snapshot_missing";
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

/* The current report could not be made (CAUSE): serve the last good one, flagged stale, or fail
 * with CAUSE. */
static int serve_stale(wbr_t *w, cl_http_req_t *req, const cl_err_t *cause, cl_err_t *err)
{
    cl_archived_t old;
    cl_archive_key_t key = {w->category, w->region, w->window, w->week, NULL};
    cl_err_t lookup;
    if (cl_archive_latest(&old, w->app->archive, &key, &lookup) != 0) {
        *err = *cause;
        return cause->code;
    }
    char *text = NULL;
    size_t n = 0;
    json_t *doc = NULL;
    int rc = cl_gzip_decompress(&text, &n, old.gz, old.gz_len, 64u << 20, err);
    free(old.gz);
    doc = rc == 0 ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!doc) {
        *err = *cause;
        return cause->code;
    }
    const char *code = reason_code(cause->code);
    char msg[CL_ERR_MSG_MAX + 128];
    snprintf(
        msg, sizeof msg,
        "the report of %s could not be made (%s); this is the last good one, of %s (snapshot %s)",
        w->week, cause->msg, old.week, old.snapshot);
    set_meta(doc, "miss", 1, json_pack("[{s:s,s:s}]", "code", code, "message", msg));
    const char *labels[] = {code};
    cl_metrics_inc(w->app->m_stale, labels, 1);
    cl_logf(CL_LOG_WARN, "app", "served_stale", "%s", msg);
    rc = cl_http_reply_json(req, 200, doc, err);
    return rc ? rc : audited_view(w, req, "miss", 1, old.snapshot);
}

static int build_work(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    wbr_t *w = payload;
    json_t *doc = NULL;
    cl_err_t cause;
    int rc = build_report(&doc, w, &cause);
    if (rc != 0) {
        return serve_stale(w, req, &cause, err);
    }
    keep(w, doc);
    rc = cl_http_reply_json(req, 200, doc, err);
    return rc ? rc : audited_view(w, req, "miss", 0, w->snapshot);
}

/* The week's snapshot, and whether CATEGORY and REGION are in it. */
static int locate(wbr_t *w, cl_err_t *err)
{
    int rc = cl_snapshot_resolve(&w->snapshot_dir, w->app->cfg->warehouse_dir, w->week, err);
    if (rc != 0) {
        return rc == CL_ENOTFOUND
                   ? cl_err_set(err, CL_ENOTFOUND, "no snapshot is published for week %s", w->week)
                   : rc;
    }
    const char *slash = strrchr(w->snapshot_dir, '/');
    snprintf(w->snapshot, sizeof w->snapshot, "%s", slash ? slash + 1 : w->snapshot_dir);
    json_t *cats = NULL, *regs = NULL;
    rc = app_dimensions(&cats, &regs, w->snapshot_dir, err);
    if (rc == 0 && !app_json_has(cats, w->category)) {
        rc = cl_err_set(err, CL_ENOTFOUND, "unknown category '%.64s' in the snapshot of %s",
                        w->category, w->week);
    } else if (rc == 0 && strcmp(w->region, CL_REGION_ALL) != 0 && !app_json_has(regs, w->region)) {
        rc = cl_err_set(err, CL_ENOTFOUND, "unknown region '%.64s' in the snapshot of %s",
                        w->region, w->week);
    }
    json_decref(cats);
    json_decref(regs);
    return rc;
}

static int on_wbr(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    wbr_t *w = cl_http_req_alloc(req, sizeof *w);
    if (!w) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    memset(w, 0, sizeof *w);
    w->app = app;
    int rc = cl_http_req_cleanup(req, free_wbr, w, err);
    rc = rc ? rc : app_session(&w->session, app, req, 1, err);
    if (rc == CL_EFORBIDDEN) {
        return app_deny(app, req, w->session ? w->session->user : NULL, NULL, err);
    }
    rc = rc ? rc : parse_request(w, req, err);
    if (rc != 0) {
        return rc;
    }
    if (cl_user_may_view(w->session->user, w->category, w->region, err) != 0) {
        json_t *detail = identity(w);
        json_object_del(detail, "snapshot");
        return app_deny(app, req, w->session->user, detail, err);
    }
    rc = locate(w, err);
    if (rc == CL_ENOTFOUND && !w->snapshot_dir) {
        cl_err_t cause = *err;
        return serve_stale(w, req, &cause,
                           err); /* no snapshot for the week: the last good report, if any */
    }
    if (rc != 0) {
        return rc;
    }
    make_key(w);
    char *blob = NULL;
    size_t len = 0;
    const char *hit[] = {"hit"}, *miss[] = {"miss"};
    if (cl_cache_get(&blob, &len, app->cache, w->cache_key, NULL) == 0) {
        rc = serve_cached(w, req, blob, len, err);
        if (rc != CL_ENOTFOUND) {
            cl_metrics_inc(app->m_report_cache, hit, 1);
            return rc;
        }
    }
    cl_metrics_inc(app->m_report_cache, miss, 1);
    return cl_http_defer(req, build_work, w);
}

int app_routes_report(cl_app_t *app, cl_err_t *err)
{
    const cl_http_route_t routes[] = {
        {"GET", "/category-list", on_category_list, app, 0},
        {"POST", "/wbr", on_wbr, app, 0},
    };
    return app_add_routes(app, routes, CL_ARRAY_LEN(routes), err);
}
