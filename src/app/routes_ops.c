/* routes_ops.c — POST /feedback, GET /usage, GET /healthz, GET /metrics, GET /openapi.json. */
#include "app/internal.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "http/body.h"

#define SUMMARY_REASON "summary service not configured"

/* ---- POST /feedback
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    const char *category, *region, *window, *week, *snapshot, *target, *finding_id, *rating,
        *comment;
    char window_name[8], week_key[CL_WEEK_KEY_LEN];
} feedback_in_t;

static int one_of(const char *v, const char *a, const char *b, const char *field, cl_err_t *err)
{
    if (strcmp(v, a) == 0 || strcmp(v, b) == 0) {
        return 0;
    }
    return cl_err_set(err, CL_EINVAL, "field '%s' must be '%s' or '%s'", field, a, b);
}

static int parse_feedback(feedback_in_t *f, const json_t *body, cl_err_t *err)
{
    static const char *const FIELDS[] = {"category", "region",     "window", "week",    "snapshot",
                                         "target",   "finding_id", "rating", "comment", NULL};
    cl_window_t win;
    cl_week_t wk;
    int rc = cl_body_only(body, FIELDS, err);
    rc = rc ? rc : cl_body_string(&f->category, body, "category", 128, 1, err);
    rc = rc ? rc : cl_body_string(&f->region, body, "region", 128, 1, err);
    rc = rc ? rc : cl_body_string(&f->window, body, "window", 8, 1, err);
    rc = rc ? rc : cl_body_string(&f->week, body, "week", 16, 1, err);
    rc = rc ? rc : cl_body_string(&f->snapshot, body, "snapshot", 64, 0, err);
    rc = rc ? rc : cl_body_string(&f->target, body, "target", 16, 1, err);
    rc = rc ? rc : cl_body_string(&f->finding_id, body, "finding_id", 64, 0, err);
    rc = rc ? rc : cl_body_string(&f->rating, body, "rating", 16, 1, err);
    rc = rc ? rc : cl_body_string(&f->comment, body, "comment", 2000, 0, err);
    rc = rc ? rc : cl_window_parse(&win, f->window, err);
    rc = rc ? rc : cl_week_parse(&wk, f->week, err);
    rc = rc ? rc : one_of(f->target, "report", "finding", "target", err);
    rc = rc ? rc : one_of(f->rating, "useful", "not_useful", "rating", err);
    if (rc == 0 && (strcmp(f->target, "finding") == 0) != (f->finding_id != NULL)) {
        rc = cl_err_set(err, CL_EINVAL,
                        "field 'finding_id' is required for a finding, and only for one");
    }
    if (rc == 0) {
        snprintf(f->window_name, sizeof f->window_name, "%s", cl_window_name(win));
        cl_week_format(f->week_key, wk);
    }
    return rc;
}

static int on_feedback(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    json_t *body = NULL;
    int rc = app_session(&s, app, req, 1, err);
    if (rc == CL_EFORBIDDEN) {
        return app_deny(app, req, s ? s->user : NULL, NULL, err);
    }
    feedback_in_t f = {0};
    rc = rc ? rc : cl_http_req_json(&body, req, err);
    rc = rc ? rc : parse_feedback(&f, body, err);
    if (rc != 0) {
        json_decref(body);
        return rc;
    }
    if (cl_user_may_view(s->user, f.category, f.region, err) != 0) {
        json_t *detail = json_pack("{s:s,s:s}", "category", f.category, "region", f.region);
        json_decref(body);
        return app_deny(app, req, s->user, detail, err);
    }
    cl_feedback_t rec = {
        .user_id = s->user->id,
        .team = s->user->team,
        .role = cl_role_name(s->user->role),
        .category = f.category,
        .region = f.region,
        .window = f.window_name,
        .week = f.week_key,
        .snapshot = f.snapshot,
        .target = f.target,
        .finding_id = f.finding_id,
        .rating = f.rating,
        .comment = f.comment,
        .request_id = cl_http_req_id(req),
    };
    int64_t id = 0;
    rc = cl_archive_feedback(&id, app->archive, &rec, err);
    json_t *detail =
        rc ? NULL
           : json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s}", "id", (json_int_t)id, "category",
                       f.category, "region", f.region, "window", f.window_name, "week", f.week_key,
                       "target", f.target, "finding_id", f.finding_id, "rating", f.rating);
    json_decref(body);
    rc = rc ? rc : cl_http_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id), err);
    if (rc != 0) {
        json_decref(detail);
        return rc;
    }
    return app_reply_audited(app, req, s->user, "feedback", "ok", detail);
}

/* ---- GET /usage
 * --------------------------------------------------------------------------------------------------
 * The AI service keeps the ledger (spend, reservations and limits per user and team and period);
 * the app asks it for the signed-in user and their team only — every team for leadership and admin
 * — so what a user may see is decided here, never by the caller's query. */

#define NO_TEAM "unassigned"
#define USAGE_TIMEOUT_MS 5000

static json_t *empty_account(const char *id)
{
    return json_pack("{s:s,s:i,s:n,s:n,s:i}", "id", id, "spent_micros", 0, "budget_micros",
                     "remaining_micros", "calls", 0);
}

/* One standing of the AI service's ledger ({id, spent_micros, reserved_micros, limit_micros,
 * remaining_micros}, -1 = unlimited) as a UsageAccount (null budget and remaining = unlimited). */
static json_t *account(const json_t *standing)
{
    json_int_t limit = json_integer_value(json_object_get(standing, "limit_micros"));
    json_t *a =
        json_pack("{s:O?,s:I,s:I}", "id", json_object_get(standing, "id"), "spent_micros",
                  json_integer_value(json_object_get(standing, "spent_micros")), "reserved_micros",
                  json_integer_value(json_object_get(standing, "reserved_micros")));
    json_object_set_new(a, "budget_micros", limit < 0 ? json_null() : json_integer(limit));
    json_object_set_new(a, "remaining_micros",
                        limit < 0 ? json_null()
                                  : json_integer(json_integer_value(
                                        json_object_get(standing, "remaining_micros"))));
    return a;
}

typedef struct {
    cl_app_t *app;
    app_session_t *session;
} usage_t;

static int usage_work(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    usage_t *w = payload;
    cl_app_t *app = w->app;
    const cl_user_t *u = w->session->user;
    int all = cl_user_sees_all_teams(u);
    const char *token = getenv("CATLENS_AI_TOKEN");
    int timeout =
        app->cfg->ai_timeout_ms < USAGE_TIMEOUT_MS ? app->cfg->ai_timeout_ms : USAGE_TIMEOUT_MS;
    json_t *ledger = NULL;
    cl_err_t why;
    if (cl_ai_client_usage(&ledger, app->cfg->ai_url, timeout, token && *token ? token : NULL,
                           u->id, *u->team ? u->team : NO_TEAM, all, &why) != 0) {
        return cl_err_set(err, CL_EUNAVAILABLE, "the AI service's ledger cannot be read now: %s",
                          why.msg);
    }
    json_t *doc = json_pack(
        "{s:s,s:O?,s:o,s:o,s:s}", "currency", "USD", "period", json_object_get(ledger, "period"),
        "user", account(json_object_get(ledger, "user")), "team",
        *u->team ? account(json_object_get(ledger, "team")) : json_null(), "source", "ai");
    if (all) {
        json_t *teams = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(ledger, "teams"), i, t)
        {
            json_array_append_new(teams, account(t));
        }
        json_object_set_new(doc, "teams", teams);
    }
    json_decref(ledger);
    return cl_http_reply_json(req, 200, doc, err);
}

static int on_usage(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    int rc = app_session(&s, app, req, 0, err);
    if (rc != 0) {
        return rc;
    }
    const cl_user_t *u = s->user;
    if (cl_reports_summaries(app->reports)) {
        usage_t *w = cl_http_req_alloc(req, sizeof *w);
        if (!w) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        *w = (usage_t){app, s};
        return cl_http_defer(req, usage_work, w); /* a network call: not on a worker thread */
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char period[16];
    snprintf(period, sizeof period, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    /* no AI service configured: nobody has spent anything */
    json_t *doc = json_pack(
        "{s:s,s:s,s:o,s:o,s:s}", "currency", "USD", "period", period, "user", empty_account(u->id),
        "team", *u->team ? empty_account(u->team) : json_null(), "source", SUMMARY_REASON);
    if (cl_user_sees_all_teams(u)) {
        json_object_set_new(doc, "teams", json_array());
    }
    return cl_http_reply_json(req, 200, doc, err);
}

/* ---- operations
 * ------------------------------------------------------------------------------------------------------
 */

static int on_healthz(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    json_t *weeks = NULL;
    int64_t n = 0;
    cl_err_t check;
    int state_ok = cl_audit_count(&n, app->audit, "login", &check) == 0;
    int wh_ok = app_weeks(&weeks, app->cfg->warehouse_dir, &check) == 0;
    cl_cache_stats_t st;
    cl_cache_stats(&st, app->cache);
    const char *status = !state_ok                                         ? "unavailable"
                         : (json_array_size(weeks) == 0 || !st.backend_up) ? "degraded"
                                                                           : "ok";
    json_t *doc =
        json_pack("{s:s,s:{s:b,s:{s:b,s:I},s:{s:s,s:b}}}", "status", status, "checks", "state",
                  state_ok, "warehouse", "ok", wh_ok, "weeks", (json_int_t)json_array_size(weeks),
                  "cache", "backend", cl_cache_backend(app->cache), "up", st.backend_up);
    json_decref(weeks);
    return cl_http_reply_json(req, state_ok ? 200 : 503, doc, err);
}

static int on_metrics(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    const char *token = getenv("CATLENS_METRICS_TOKEN");
    if (token && *token) {
        const char *auth = cl_http_req_header(req, "Authorization");
        size_t n = strlen(token);
        if (!auth || strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != n ||
            CRYPTO_memcmp(auth + 7, token, n) != 0) {
            return cl_err_set(err, CL_EUNAUTH,
                              "metrics need 'Authorization: Bearer' with CATLENS_METRICS_TOKEN");
        }
    }
    char *text = NULL;
    size_t len = 0;
    int rc = cl_metrics_render(&text, &len, app->metrics, err);
    return rc ? rc
              : cl_http_reply_owned(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
                                    err);
}

static int on_openapi(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    int rc = cl_http_add_header(req, "Cache-Control", "no-cache", err);
    return rc ? rc
              : cl_http_reply(req, 200, "application/json", cl_openapi_json,
                              strlen(cl_openapi_json), err);
}

int app_routes_ops(cl_app_t *app, cl_err_t *err)
{
    const cl_http_route_t routes[] = {
        {"POST", "/feedback", on_feedback, app, 0},   {"GET", "/usage", on_usage, app, 0},
        {"GET", "/healthz", on_healthz, app, 0},      {"GET", "/metrics", on_metrics, app, 0},
        {"GET", "/openapi.json", on_openapi, app, 0},
    };
    return app_add_routes(app, routes, CL_ARRAY_LEN(routes), err);
}
