/* app.c — the app backend assembled: configuration into an HTTP server, auth, cache, archive and
 * audit; the signed-in request; audited replies; metrics fed from the modules' own counters. The
 * routes live in routes_*.c, one file per group of endpoints. */
#include "app/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "http/cookie.h"
#include "core/log.h"

#define MODULE "app"

/* ---- configuration
 * --------------------------------------------------------------------------------------- */

typedef struct {
    int slow_threads, max_body_kb, idle_timeout_s, max_connections, max_per_ip, access_log;
    cl_reports_options_t reports; /* app.report */
} app_settings_t;

static int read_settings(app_settings_t *s, const cl_config_t *cfg, cl_err_t *err)
{
    static const char *const HTTP_KEYS[] = {
        "slow_threads", "max_body_kb", "idle_timeout_s", "max_connections", "max_per_ip",
        "access_log",   NULL};
    const json_t *http = cl_config_section(cfg, "app.http");
    int rc = cl_config_check_keys(http, "app.http", HTTP_KEYS, err);
    rc = rc ? rc : cl_reports_options_read(&s->reports, cfg, err);
    rc = rc ? rc
            : cl_config_int(&s->slow_threads, http, "app.http", "slow_threads", 32, 1, 1024, err);
    rc = rc ? rc
            : cl_config_int(&s->max_body_kb, http, "app.http", "max_body_kb", 64, 1, 16384, err);
    rc = rc ? rc
            : cl_config_int(&s->idle_timeout_s, http, "app.http", "idle_timeout_s", 15, 1, 3600,
                            err);
    rc = rc ? rc
            : cl_config_int(&s->max_connections, http, "app.http", "max_connections", 1024, 1,
                            100000, err);
    rc = rc ? rc
            : cl_config_int(&s->max_per_ip, http, "app.http", "max_per_ip", 256, 1, 100000, err);
    rc = rc ? rc : cl_config_int(&s->access_log, http, "app.http", "access_log", 1, 0, 1, err);
    return rc;
}

/* ---- metrics
 * ------------------------------------------------------------------------------------------------
 */

static void on_render(void *payload)
{
    cl_app_t *app = payload;
    cl_cache_stats_t st;
    cl_cache_stats(&st, app->cache);
    static const char *const OPS[][1] = {{"hit"}, {"miss"}, {"set"}, {"eviction"}};
    const uint64_t vals[] = {st.hits, st.misses, st.sets, st.evictions};
    for (size_t i = 0; i < 4; i++) {
        cl_metrics_set(app->m_cache_ops, OPS[i], (double)vals[i]);
    }
    cl_metrics_set(app->m_cache_errors, NULL, (double)st.errors);
    cl_metrics_set(app->m_cache_reconnects, NULL, (double)st.reconnects);
    cl_metrics_set(app->m_cache_up, NULL, st.backend_up);
    cl_audit_stats_t au;
    cl_audit_stats(&au, app->audit);
    cl_metrics_set(app->m_audit_batches, NULL, (double)au.batches);
    cl_metrics_set(app->m_audit_flushes, NULL, (double)au.flushes);
    cl_metrics_set(app->m_audit_flush_failures, NULL, (double)au.flush_failures);
    cl_metrics_set(app->m_audit_journaled, NULL, (double)au.journaled);
    uint64_t hits = 0, misses = 0;
    cl_sessions_cache_stats(cl_auth_sessions(app->auth), &hits, &misses);
    static const char *const HIT[] = {"hit"}, *const MISS[] = {"miss"};
    cl_metrics_set(app->m_session_cache, HIT, (double)hits);
    cl_metrics_set(app->m_session_cache, MISS, (double)misses);
    int64_t n = 0;
    if (cl_sessions_count(&n, cl_auth_sessions(app->auth), NULL) == 0) {
        cl_metrics_set(app->m_sessions, NULL, (double)n);
    }
}

static int declare_metrics(cl_app_t *app, cl_err_t *err)
{
    cl_metrics_t *m = app->metrics;
    static const char *const RESULT[] = {"result", NULL}, *const ROUTE[] = {"route", NULL},
                             *const LOGIN[] = {"mode", "outcome", NULL}, *const OP[] = {"op", NULL};
    app->m_report_cache = cl_metrics_counter(m, "catlens_report_cache_total",
                                             "Report lookups by cache result", RESULT);
    app->m_denials = cl_metrics_counter(m, "catlens_denials_total",
                                        "Requests refused for lack of access", ROUTE);
    app->m_logins =
        cl_metrics_counter(m, "catlens_logins_total", "Sign-ins by mode and outcome", LOGIN);
    app->m_audit_failures =
        cl_metrics_counter(m, "catlens_audit_failures_total", "Audit records that failed", NULL);
    app->m_audit_batches = cl_metrics_counter(m, "catlens_audit_batches_total",
                                              "Audit transactions committed (group commit)", NULL);
    app->m_audit_flushes = cl_metrics_counter(m, "catlens_audit_flushes_total",
                                              "fdatasync calls of the audit WAL", NULL);
    app->m_audit_flush_failures = cl_metrics_counter(
        m, "catlens_audit_flush_failures_total", "Failed fdatasync calls of the audit WAL", NULL);
    app->m_audit_journaled = cl_metrics_counter(
        m, "catlens_audit_journaled_total", "Audit records appended to the audit journal", NULL);
    app->m_cache_ops =
        cl_metrics_counter(m, "catlens_cache_operations_total", "Cache operations by kind", OP);
    app->m_cache_errors =
        cl_metrics_counter(m, "catlens_cache_backend_errors_total",
                           "Redis failures served as misses or dropped writes", NULL);
    app->m_cache_reconnects =
        cl_metrics_counter(m, "catlens_cache_reconnects_total", "Redis reconnections", NULL);
    app->m_cache_up = cl_metrics_gauge(m, "catlens_cache_backend_up",
                                       "1 when the cache backend is reachable", NULL);
    app->m_sessions = cl_metrics_gauge(m, "catlens_sessions_active", "Sessions alive", NULL);
    app->m_session_cache = cl_metrics_counter(m, "catlens_session_cache_total",
                                              "Session lookups by cache result", RESULT);
    if (!app->m_report_cache || !app->m_denials || !app->m_logins || !app->m_audit_failures ||
        !app->m_audit_batches || !app->m_audit_flushes || !app->m_audit_flush_failures ||
        !app->m_audit_journaled || !app->m_cache_ops || !app->m_cache_errors ||
        !app->m_cache_reconnects || !app->m_cache_up || !app->m_sessions || !app->m_session_cache) {
        return cl_err_set(err, CL_ENOMEM, "cannot declare the app's metrics");
    }
    return cl_metrics_on_render(m, on_render, app, err);
}

/* ---- lifecycle
 * ------------------------------------------------------------------------------------------------
 */

static int open_stores(cl_app_t *app, const app_settings_t *s, cl_err_t *err)
{
    const cl_config_t *cfg = app->cfg;
    char path[4096];
    int rc = cl_file_mkdirs(cfg->state_dir, err);
    rc = rc ? rc : cl_auth_open(&app->auth, cfg, err);
    snprintf(path, sizeof path, "%s/audit.db", cfg->state_dir);
    rc = rc ? rc : cl_audit_open(&app->audit, path, err);
    snprintf(path, sizeof path, "%s/app.db", cfg->state_dir);
    rc = rc ? rc : cl_archive_open(&app->archive, path, err);
    cl_cache_options_t copt = {
        .redis_url = cfg->redis_url,
        .prefix = "catlens:",
        .max_entries = 100000,
        .max_bytes = (size_t)s->reports.cache_mb << 20,
    };
    rc = rc ? rc : cl_cache_open(&app->cache, &copt, err);
    rc = rc ? rc
            : cl_reports_open(&app->reports, cfg, &s->reports, app->cache, app->archive,
                              app->metrics, err);
    return rc;
}

static int open_http(cl_app_t *app, const app_settings_t *s, cl_err_t *err)
{
    const cl_config_t *cfg = app->cfg;
    cl_http_options_t opt = {
        .service = "app",
        .host = cfg->app_host,
        .port = cfg->app_port,
        .threads = cfg->app_threads,
        .slow_threads = s->slow_threads,
        .max_body = (size_t)s->max_body_kb * 1024,
        .idle_timeout_s = s->idle_timeout_s,
        .max_connections = s->max_connections,
        .max_per_ip = s->max_per_ip,
        .hsts = strcmp(cfg->env, "prod") == 0,
        .static_dir = cfg->web_dir,
        .metrics = app->metrics,
        .access_log = s->access_log,
    };
    int rc = cl_http_server_new(&app->http, &opt, err);
    rc = rc ? rc : app_routes_auth(app, err);
    rc = rc ? rc : app_routes_report(app, err);
    return rc ? rc : app_routes_ops(app, err);
}

int cl_app_open(cl_app_t **out, const cl_config_t *cfg, cl_err_t *err)
{
    *out = NULL;
    cl_app_t *app = calloc(1, sizeof *app);
    if (!app) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    app->cfg = cfg;
    app_settings_t s = {0};
    int rc = read_settings(&s, cfg, err);
    rc = rc ? rc : cl_metrics_new(&app->metrics, err);
    rc = rc ? rc : declare_metrics(app, err);
    rc = rc ? rc : open_stores(app, &s, err);
    rc = rc ? rc : open_http(app, &s, err);
    rc = rc ? rc : cl_sessions_purge(cl_auth_sessions(app->auth), err);
    if (rc != 0) {
        cl_app_close(app);
        return rc;
    }
    cl_logf(CL_LOG_INFO, MODULE, "ready", "auth %s, cache %s, warehouse %s, summaries %s",
            cfg->auth_mode, cl_cache_backend(app->cache), cfg->warehouse_dir,
            cl_reports_summaries(app->reports) ? cfg->ai_url : "not configured");
    *out = app;
    return 0;
}

int cl_app_start(cl_app_t *app, cl_err_t *err)
{
    int rc = cl_http_server_start(app->http, err);
    app->started = rc == 0;
    return rc;
}

int cl_app_port(const cl_app_t *app)
{
    return cl_http_server_port(app->http);
}

void cl_app_shutdown(cl_app_t *app, int grace_ms)
{
    if (app && app->started) {
        cl_http_server_shutdown(app->http, grace_ms);
        app->started = 0;
    }
}

void cl_app_close(cl_app_t *app)
{
    if (!app) {
        return;
    }
    cl_app_shutdown(app, 0);
    /* the daemon has stopped, so no request waits on a report any more; audit records still queued
     * are written now, and the replies held for them are released before the server's structures
     * go */
    cl_reports_close(app->reports);
    cl_audit_close(app->audit);
    cl_http_server_free(app->http);
    cl_archive_close(app->archive);
    cl_cache_close(app->cache);
    cl_auth_close(app->auth);
    cl_metrics_free(app->metrics);
    free(app->openapi);
    free(app);
}

/* ---- signed-in requests, audit, cookies
 * ------------------------------------------------------------------------ */

static void free_session(void *p)
{
    app_session_t *s = p;
    cl_user_free(s->user);
}

int app_session(app_session_t **out, cl_app_t *app, cl_http_req_t *req, int state_changing,
                cl_err_t *err)
{
    *out = NULL;
    const char *sid = cl_http_req_cookie(req, CL_AUTH_SESSION_COOKIE);
    if (!sid) {
        return cl_err_set(err, CL_EUNAUTH, "not signed in");
    }
    app_session_t *s = cl_http_req_alloc(req, sizeof *s);
    if (!s) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    memset(s, 0, sizeof *s);
    int rc = cl_sessions_lookup_user(&s->user, s->csrf, cl_auth_sessions(app->auth), sid, err);
    if (rc == CL_EINVAL) {
        rc = cl_err_set(err, CL_EUNAUTH, "the session is unreadable; sign in again");
    }
    rc = rc ? rc : cl_http_req_cleanup(req, free_session, s, err);
    if (rc != 0) {
        return rc;
    }
    memcpy(s->sid, sid, sizeof s->sid); /* the lookup took only an id of exactly this length */
    cl_http_req_log_text(req, "user", s->user->id);
    if (state_changing) {
        rc = cl_auth_check_csrf(cl_http_req_header(req, CL_AUTH_CSRF_HEADER), s->csrf,
                                cl_http_req_header(req, "Origin"),
                                cl_http_req_header(req, "Sec-Fetch-Site"),
                                cl_http_req_header(req, "Host"), err);
        if (rc != 0) {
            *out = s; /* who it was, for the caller's audit of the denial (app_deny) */
            return rc;
        }
    }
    *out = s;
    return 0;
}

/* How durable EVENT's record is before its reply leaves (the product owner's decision, docs/app.md
 * "Audit"): a report view is written before its reply (to the audit journal: CL_AUDIT_WRITTEN)
 * and flushed as it leaves (a power loss may lose the views of the last few milliseconds); every
 * security record — login, login_failed, logout, denied, feedback and anything new — is on disk
 * first. */
static cl_audit_durability_t durability_of(const char *event)
{
    return strcmp(event, "report_view") == 0 ? CL_AUDIT_WRITTEN : CL_AUDIT_FLUSHED;
}

static void event_of(cl_audit_event_t *ev, cl_http_req_t *req, const cl_user_t *u,
                     const char *event, const char *outcome, const json_t *detail)
{
    *ev = (cl_audit_event_t){
        .durability = durability_of(event),
        .event = event,
        .outcome = outcome,
        .user_id = u ? u->id : NULL,
        .role = u ? cl_role_name(u->role) : NULL,
        .team = u ? u->team : NULL,
        .request_id = cl_http_req_id(req),
        .client = cl_http_req_client(req),
        .detail = detail,
    };
}

int app_audit_now(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                  const char *outcome, json_t *detail, cl_err_t *err)
{
    cl_audit_event_t ev;
    event_of(&ev, req, u, event, outcome, detail);
    int rc = cl_audit_append(app->audit, &ev, err);
    json_decref(detail);
    if (rc != 0) {
        cl_metrics_inc(app->m_audit_failures, NULL, 1);
        cl_logf(CL_LOG_ERROR, MODULE, "audit_failed", "%s", err->msg);
    }
    return rc;
}

typedef struct {
    cl_app_t *app;
    cl_http_req_t *req;
    cl_audit_event_t ev;
    json_t *detail;
} held_t;

static void on_audited(void *payload, int rc)
{
    held_t *h = payload;
    if (rc != 0) {
        cl_metrics_inc(h->app->m_audit_failures, NULL, 1);
        cl_err_t e;
        cl_err_set(&e, CL_EUNAVAILABLE, "the audit log cannot be written; try again shortly");
        cl_http_reply_replace_error(h->req, &e);
    }
    cl_http_release(h->req);
}

static void start_audit(cl_http_req_t *req, void *payload)
{
    held_t *h = payload;
    cl_err_t err;
    if (cl_audit_append_async(h->app->audit, &h->ev, on_audited, h, &err) != 0) {
        on_audited(h, CL_ENOMEM);
    }
    (void)req;
}

static void free_detail(void *p)
{
    json_decref(p);
}

/* The held record of REQ's reply, its strings in the arena (it is queued after the handler
 * returned). DETAIL is stolen. NULL when out of memory. */
static held_t *make_held(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                         const char *outcome, json_t *detail)
{
    held_t *h = cl_http_req_alloc(req, sizeof *h);
    cl_err_t err;
    if (!h || cl_http_req_cleanup(req, free_detail, detail, &err) != 0) {
        if (!h) {
            json_decref(detail);
        }
        return NULL;
    }
    h->app = app;
    h->req = req;
    h->detail = detail;
    event_of(&h->ev, req, u, event, outcome, detail);
    const char **fields[] = {&h->ev.event, &h->ev.outcome, &h->ev.user_id, &h->ev.role,
                             &h->ev.team};
    for (size_t i = 0; i < CL_ARRAY_LEN(fields); i++) {
        if (*fields[i] && !(*fields[i] = cl_http_req_strdup(req, *fields[i]))) {
            return NULL;
        }
    }
    return h;
}

/* A report view's record into the journal, and the reply goes at once (docs/app.md "Audit").
 * Returns 0 when it is there; else the reply is to be held for a commit instead. */
static int journaled(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                     const char *outcome, const json_t *detail, const char *detail_text)
{
    if (durability_of(event) != CL_AUDIT_WRITTEN) {
        return -1;
    }
    cl_audit_event_t ev;
    event_of(&ev, req, u, event, outcome, detail);
    ev.detail_text = detail_text;
    cl_err_t err;
    int rc = cl_audit_append_journaled(app->audit, &ev, &err);
    if (rc != 0) {
        cl_logf(CL_LOG_WARN, MODULE, "audit_journal_failed", "%s (the reply waits for a commit)",
                err.msg);
    }
    return rc;
}

int app_reply_audited(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                      const char *outcome, json_t *detail)
{
    if (journaled(app, req, u, event, outcome, detail, NULL) == 0) {
        json_decref(detail);
        return 0;
    }
    held_t *h = make_held(app, req, u, event, outcome, detail);
    if (!h) {
        return cl_err_set(NULL, CL_ENOMEM, "out of memory");
    }
    return cl_http_hold(req, start_audit, h);
}

int app_reply_audited_text(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                           const char *outcome, const char *detail_text)
{
    if (journaled(app, req, u, event, outcome, NULL, detail_text) == 0) {
        return 0;
    }
    /* the journal cannot take it (rare): held for a commit, with the detail as JSON again */
    json_t *detail = json_loads(detail_text, 0, NULL);
    held_t *h = detail ? make_held(app, req, u, event, outcome, detail) : NULL;
    if (!h) {
        return cl_err_set(NULL, CL_ENOMEM, "out of memory");
    }
    return cl_http_hold(req, start_audit, h);
}

void app_release_audited(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                         const char *outcome, json_t *detail)
{
    if (journaled(app, req, u, event, outcome, detail, NULL) == 0) {
        json_decref(detail);
        cl_http_release(req);
        return;
    }
    held_t *h = make_held(app, req, u, event, outcome, detail);
    if (!h) {
        cl_err_t e;
        cl_err_set(&e, CL_ENOMEM, "out of memory");
        cl_http_reply_replace_error(req, &e);
        cl_http_release(req);
        return;
    }
    start_audit(req, h); /* releases REQ once the record is durable (durability_of) */
}

int app_deny(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, json_t *detail,
             const cl_err_t *err)
{
    const char *labels[] = {cl_http_req_route(req)};
    cl_metrics_inc(app->m_denials, labels, 1);
    if (!detail) {
        detail = json_object();
    }
    json_object_set_new(detail, "route", json_string(cl_http_req_route(req)));
    json_object_set_new(detail, "reason", json_string(err->msg));
    cl_http_reply_error(req, err);
    return app_reply_audited(app, req, u, "denied", "denied", detail);
}

int app_cookie(cl_app_t *app, cl_http_req_t *req, const char *name, const char *value, long max_age,
               int http_only, cl_err_t *err)
{
    char line[512];
    cl_cookie_attrs_t a = {
        .max_age = max_age,
        .http_only = http_only,
        .secure = cl_auth_cookie_secure(app->auth),
        .same_site = CL_COOKIE_SAMESITE_LAX,
    };
    int rc = cl_cookie_format(line, sizeof line, name, value, &a, err);
    return rc ? rc : cl_http_add_header(req, "Set-Cookie", line, err);
}

int app_add_routes(cl_app_t *app, const cl_http_route_t *routes, size_t n, cl_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = cl_http_route(app->http, &routes[i], err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int app_json_has(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (s && json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return 1;
        }
    }
    return 0;
}
