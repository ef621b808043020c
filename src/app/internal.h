/* internal.h — what the app's route files share: the app structure, the signed-in request, audited
 * replies and the warehouse helpers. Not for use outside src/app/. */
#ifndef CL_APP_INTERNAL_H
#define CL_APP_INTERNAL_H

#include <jansson.h>

#include "app/app.h"
#include "app/reports.h"
#include "auth/auth.h"
#include "cache/cache.h"
#include "http/http.h"
#include "http/metrics.h"
#include "store/archive.h"
#include "store/audit.h"

struct cl_app {
    const cl_config_t *cfg;
    cl_http_server_t *http;
    cl_metrics_t *metrics;
    cl_auth_t *auth;
    cl_cache_t *cache;
    cl_audit_t *audit;
    cl_archive_t *archive;
    cl_reports_t *reports;
    char *openapi; /* the OpenAPI document as JSON text */
    int started;

    cl_metric_family_t *m_report_cache; /* {result} */
    cl_metric_family_t *m_denials;      /* {route} */
    cl_metric_family_t *m_logins;       /* {mode, outcome} */
    cl_metric_family_t *m_audit_failures, *m_audit_batches, *m_audit_flushes,
        *m_audit_flush_failures, *m_audit_journaled;
    cl_metric_family_t *m_cache_ops, *m_cache_errors, *m_cache_reconnects, *m_cache_up, *m_sessions;
    cl_metric_family_t *m_session_cache; /* {result} */
};

/* The signed-in user of a request (freed with the request). */
typedef struct {
    cl_user_t *user;
    char sid[CL_SESSION_TOKEN_LEN];
    char csrf[CL_SESSION_TOKEN_LEN];
} app_session_t;

/* The session of REQ: CL_EUNAUTH when not signed in. With STATE_CHANGING, the CSRF rule must hold
 * too: when it does not, CL_EFORBIDDEN is returned with *out set (so the caller can audit who was
 * refused, with app_deny). *out lives as long as REQ. */
CL_NODISCARD int app_session(app_session_t **out, cl_app_t *app, cl_http_req_t *req,
                             int state_changing, cl_err_t *err);

/* Append an audit record for REQ now (synchronously durable). Failures are logged and counted, and
 * returned. */
CL_NODISCARD int app_audit_now(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u,
                               const char *event, const char *outcome, json_t *detail,
                               cl_err_t *err);

/* Audit REQ, whose reply is made, as its event needs (durability_of in app.c): a report_view goes
 * into the audit journal and the reply at once (0); every other event is queued and the reply held
 * until the record is on disk (group commit; CL_HTTP_DEFERRED) — as is a report_view the journal
 * cannot take, until it is committed. The handler returns what this returns (or an error when
 * nothing could be queued). DETAIL is stolen. If the record cannot be written the reply becomes a
 * 503. */
int app_reply_audited(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                      const char *outcome, json_t *detail);

/* app_reply_audited with the detail already written as JSON (DETAIL_TEXT: compact, keys sorted,
 * what json_dumps would write; borrowed), so that a cached view dumps no JSON. */
int app_reply_audited_text(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                           const char *outcome, const char *detail_text);

/* For a parked request (cl_http_park) whose reply is made, on any thread: audit it and release it
 * once the record is as durable as app_reply_audited says. DETAIL is stolen. If the record cannot
 * be written the reply becomes a 503. */
void app_release_audited(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, const char *event,
                         const char *outcome, json_t *detail);

/* Refuse: set a 403 reply from ERR (already set by the access rule), count it, audit it (held). */
int app_deny(cl_app_t *app, cl_http_req_t *req, const cl_user_t *u, json_t *detail,
             const cl_err_t *err);

/* Set-Cookie NAME=VALUE with the app's attributes (Path=/, SameSite=Lax, Secure unless relaxed in
 * dev; HttpOnly when HTTP_ONLY). MAX_AGE seconds; < 0 deletes. */
CL_NODISCARD int app_cookie(cl_app_t *app, cl_http_req_t *req, const char *name, const char *value,
                            long max_age, int http_only, cl_err_t *err);

/* The published weeks (the entries of WAREHOUSE/current/), newest first, as a JSON array of week
 * keys. */
CL_NODISCARD int app_weeks(json_t **out, const char *warehouse, cl_err_t *err);

/* 1 if the JSON array A holds the string S. */
int app_json_has(const json_t *a, const char *s);

/* Register N routes. Returns 0 or the error of cl_http_route. */
CL_NODISCARD int app_add_routes(cl_app_t *app, const cl_http_route_t *routes, size_t n,
                                cl_err_t *err);

/* Route groups. */
CL_NODISCARD int app_routes_auth(cl_app_t *app, cl_err_t *err);
CL_NODISCARD int app_routes_report(cl_app_t *app, cl_err_t *err);
CL_NODISCARD int app_routes_ops(cl_app_t *app, cl_err_t *err);

/* The embedded OpenAPI document (generated from docs/api/openapi.yaml at build time). */
extern const char cl_openapi_json[];

#endif
