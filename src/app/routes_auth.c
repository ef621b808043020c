/* routes_auth.c — GET /login-url, GET /auth/callback, GET /auth-me, POST /logout.
 *
 * Sign-in ends the same way whatever the mode: the session the browser had (if any) is ended, a new
 * one is made (session fixation gets nowhere), the session cookie (HttpOnly) and the CSRF cookie
 * (readable by the page) are set, the sign-in is audited and the browser goes back to where it
 * started. The OIDC steps talk to the identity provider, so they run as deferred work and never
 * hold a worker thread. */
#include "app/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"

/* Where to send the browser after sign-in: a path of this site only (no "//host", no "/\\host"),
 * else "/". */
static const char *safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 200) {
        return "/";
    }
    for (const char *p = next; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == '\\') {
            return "/";
        }
    }
    return next;
}

static void count_login(cl_app_t *app, const char *outcome)
{
    const char *labels[] = {cl_auth_mode(app->auth) == CL_AUTH_DEV ? "dev" : "oidc", outcome};
    cl_metrics_inc(app->m_logins, labels, 1);
}

/* A failed sign-in: reply ERR, count and audit it. */
static int login_failed(cl_app_t *app, cl_http_req_t *req, const cl_err_t *err, const char *who)
{
    count_login(app, "failed");
    cl_http_reply_error(req, err);
    json_t *detail =
        json_pack("{s:s,s:s,s:s?}", "mode", cl_auth_mode(app->auth) == CL_AUTH_DEV ? "dev" : "oidc",
                  "reason", err->msg, "who", who);
    return app_reply_audited(app, req, NULL, "login_failed", "failed", detail);
}

static int finish_login(cl_app_t *app, cl_http_req_t *req, json_t *user_doc, const char *next,
                        cl_err_t *err)
{
    cl_user_t *user = NULL;
    cl_session_ticket_t t;
    int rc = cl_user_from_json(&user, user_doc, err);
    rc = rc ? rc
            : cl_sessions_create(&t, cl_auth_sessions(app->auth), user_doc,
                                 cl_http_req_cookie(req, CL_AUTH_SESSION_COOKIE), err);
    long age = cl_auth_session_seconds(app->auth);
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_SESSION_COOKIE, t.id, age, 1, err);
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_CSRF_COOKIE, t.csrf, age, 0, err);
    rc = rc ? rc : cl_http_reply_redirect(req, safe_next(next), err);
    if (rc != 0) {
        cl_user_free(user);
        return rc;
    }
    count_login(app, "ok");
    cl_http_req_log_text(req, "user", user->id);
    cl_err_t purge;
    if (cl_sessions_purge(cl_auth_sessions(app->auth), &purge) != 0) {
        /* expired rows stay until the next sign-in: harmless */
    }
    json_t *detail =
        json_pack("{s:s}", "mode", cl_auth_mode(app->auth) == CL_AUTH_DEV ? "dev" : "oidc");
    rc = app_reply_audited(app, req, user, "login", "ok", detail);
    cl_user_free(user);
    return rc;
}

/* ---- dev mode
 * ----------------------------------------------------------------------------------------------------
 */

static int list_dev_users(cl_app_t *app, cl_http_req_t *req, cl_err_t *err)
{
    json_t *users = json_array();
    const json_t *all = cl_config_section(app->cfg, "auth.users");
    size_t i;
    json_t *u;
    json_array_foreach(all, i, u)
    {
        json_t *id = json_object_get(u, "id");
        json_array_append_new(users, json_pack("{s:O,s:O?,s:O?,s:O?}", "name", id, "label",
                                               json_object_get(u, "name"), "role",
                                               json_object_get(u, "role"), "team",
                                               json_object_get(u, "team")));
    }
    return cl_http_reply_json(req, 200, json_pack("{s:s,s:o}", "mode", "dev", "users", users), err);
}

static int dev_login(cl_app_t *app, cl_http_req_t *req, cl_err_t *err)
{
    const char *name = cl_http_req_query(req, "user");
    if (!name) {
        const char *accept = cl_http_req_header(req, "Accept");
        if (accept && strstr(accept, "application/json")) {
            return list_dev_users(app, req, err);
        }
        return cl_err_set(err, CL_EINVAL, "dev sign-in: pass ?user=NAME (one of auth.users)");
    }
    json_t *doc = NULL;
    int rc = cl_auth_dev_user(&doc, app->auth, name, err);
    if (rc == CL_ENOTFOUND) {
        return login_failed(app, req, err, name);
    }
    rc = rc ? rc : finish_login(app, req, doc, cl_http_req_query(req, "next"), err);
    json_decref(doc);
    return rc;
}

/* ---- OpenID Connect
 * -------------------------------------------------------------------------------------------- */

static int oidc_begin(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    cl_oidc_request_t r;
    char browser[CL_SESSION_TOKEN_LEN];
    int rc = cl_oidc_begin(&r, cl_auth_oidc(app->auth), err);
    rc = rc ? rc : cl_sessions_token(browser, err);
    if (rc == 0) {
        cl_login_state_t ls = {0};
        snprintf(ls.nonce, sizeof ls.nonce, "%s", r.nonce);
        snprintf(ls.verifier, sizeof ls.verifier, "%s", r.verifier);
        snprintf(ls.return_to, sizeof ls.return_to, "%s",
                 safe_next(cl_http_req_query(req, "next")));
        rc = cl_sessions_put_login(cl_auth_sessions(app->auth), r.state, browser, &ls, err);
    }
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_LOGIN_COOKIE, browser, CL_LOGIN_MAX_AGE_S, 1, err);
    rc = rc ? rc : cl_http_reply_redirect(req, r.url, err);
    free(r.url);
    return rc;
}

static int oidc_callback(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    const char *idp_error = cl_http_req_query(req, "error");
    if (idp_error) {
        cl_err_set(err, CL_EUNAUTH, "the identity provider did not sign you in (%.60s)", idp_error);
        return login_failed(app, req, err, NULL);
    }
    cl_login_state_t ls;
    json_t *claims = NULL, *user = NULL;
    int rc =
        cl_sessions_take_login(&ls, cl_auth_sessions(app->auth), cl_http_req_query(req, "state"),
                               cl_http_req_cookie(req, CL_AUTH_LOGIN_COOKIE), err);
    rc = rc ? rc
            : cl_oidc_finish(&claims, cl_auth_oidc(app->auth), cl_http_req_query(req, "code"),
                             ls.verifier, ls.nonce, err);
    rc = rc ? rc : cl_auth_map_claims(&user, app->auth, claims, err);
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    if (rc == CL_EUNAUTH || rc == CL_EFORBIDDEN || rc == CL_EUNAVAILABLE || rc == CL_ETIMEOUT) {
        char who[128];
        snprintf(who, sizeof who, "%s", sub ? sub : "");
        json_decref(claims);
        return login_failed(app, req, err, who[0] ? who : NULL);
    }
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_LOGIN_COOKIE, "", -1, 1, err);
    rc = rc ? rc : finish_login(app, req, user, ls.return_to, err);
    json_decref(claims);
    json_decref(user);
    return rc;
}

static int on_login_url(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    if (cl_auth_mode(app->auth) == CL_AUTH_DEV) {
        return dev_login(app, req, err);
    }
    return cl_http_defer(req, oidc_begin, app);
}

static int on_callback(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    if (cl_auth_mode(app->auth) != CL_AUTH_OIDC) {
        return cl_err_set(err, CL_ENOTFOUND, "single sign-on is not configured (auth.mode is dev)");
    }
    return cl_http_defer(req, oidc_callback, app);
}

/* ---- the session
 * ------------------------------------------------------------------------------------------------
 */

static json_t *list_of(char **items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(items[i]));
    }
    return a;
}

static int on_auth_me(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    int rc = app_session(&s, app, req, 0, err);
    if (rc != 0) {
        return rc;
    }
    const cl_user_t *u = s->user;
    json_t *doc =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:o,s:o},s:s,s:s}", "id", u->id, "name", u->name,
                  "email", u->email, "role", cl_role_name(u->role), "team", u->team, "scopes",
                  "categories", list_of(u->categories, u->n_categories), "regions",
                  list_of(u->regions, u->n_regions), "csrf_token", s->csrf, "auth_mode",
                  cl_auth_mode(app->auth) == CL_AUTH_DEV ? "dev" : "oidc");
    return cl_http_reply_json(req, 200, doc, err);
}

static int on_logout(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    int rc = app_session(&s, app, req, 1, err);
    if (rc == CL_EFORBIDDEN) {
        return app_deny(app, req, s ? s->user : NULL, NULL, err);
    }
    rc = rc ? rc : cl_sessions_delete(cl_auth_sessions(app->auth), s->sid, err);
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_SESSION_COOKIE, "", -1, 1, err);
    rc = rc ? rc : app_cookie(app, req, CL_AUTH_CSRF_COOKIE, "", -1, 0, err);
    rc = rc ? rc : cl_http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1), err);
    if (rc != 0) {
        return rc;
    }
    return app_reply_audited(app, req, s->user, "logout", "ok", NULL);
}

int app_routes_auth(cl_app_t *app, cl_err_t *err)
{
    const cl_http_route_t routes[] = {
        {"GET", "/login-url", on_login_url, app, 0},
        {"GET", "/auth/callback", on_callback, app, 0},
        {"GET", "/auth-me", on_auth_me, app, 0},
        {"POST", "/logout", on_logout, app, 0},
    };
    return app_add_routes(app, routes, CL_ARRAY_LEN(routes), err);
}
