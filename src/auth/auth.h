/* auth.h — sign-in for catlens services: configuration (auth.*), dev users, the OpenID Connect
 * mapping of groups and claims to roles and scopes, sessions, cookies and the CSRF rule.
 *
 * Configuration (config/catlens.yaml):
 *   auth.mode: dev | oidc            dev is refused in the prod environment (by the config loader)
 *   auth.users: [{id, name, email, role, team, categories, regions}]     dev mode's users
 *   auth.session: {idle_minutes: 30, absolute_hours: 12, cookie_secure: true}   cookie_secure false
 * only in dev auth.oidc: {issuer, client_id, redirect_uri, scopes, token_auth, skew_seconds,
 * jwks_min_refresh_seconds, groups_claim: groups, team_claim, name_claim: name, email_claim: email,
 *               roles: [{group | group_prefix, role, categories, regions, team, scope_from_group:
 * categories|regions}]} The client secret comes only from the environment:
 * CATLENS_OIDC_CLIENT_SECRET. Role mapping: the rules are tried in order; the first rule whose
 * group (exact) or group_prefix matches one of the user's groups decides the role; every matching
 * rule of that role adds its categories and regions (with scope_from_group, the rest of the group
 * name after the prefix is a category or region). No match: no access.
 *
 * CSRF (the scheme the web UI follows): every POST, PUT, PATCH and DELETE must carry the header
 * X-CSRF-Token with the session's token (given by GET /auth-me as csrf_token and in the readable
 * cookie catlens_csrf), and, when the browser sends Origin or Sec-Fetch-Site, come from this site.
 * The session cookie is HttpOnly; Secure; SameSite=Lax. JSON endpoints also require Content-Type:
 * application/json, which plain cross-site forms cannot send.
 *
 * Errors: CL_ECONFIG, CL_EUNAUTH (not signed in, bad or missing CSRF token), CL_EFORBIDDEN (no
 * role), CL_ENOTFOUND (no such dev user), CL_ENOMEM. Thread safety: built once, then shared
 * read-only (sessions and OIDC lock inside). */
#ifndef CL_AUTH_AUTH_H
#define CL_AUTH_AUTH_H

#include <jansson.h>

#include "auth/oidc.h"
#include "auth/session.h"
#include "auth/user.h"
#include "core/config.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_AUTH_SESSION_COOKIE "catlens_session"
#define CL_AUTH_CSRF_COOKIE "catlens_csrf"
#define CL_AUTH_LOGIN_COOKIE "catlens_login"
#define CL_AUTH_CSRF_HEADER "X-CSRF-Token"

typedef struct cl_auth cl_auth_t;

typedef enum { CL_AUTH_DEV = 0, CL_AUTH_OIDC } cl_auth_mode_t;

/* Read auth.* from CFG and open the session store at STATE_DIR/sessions.db (STATE_DIR is created).
 * Nothing is fetched from the identity provider yet. *out is new: cl_auth_close(). */
CL_NODISCARD int cl_auth_open(cl_auth_t **out, const cl_config_t *cfg, cl_err_t *err);
void cl_auth_close(cl_auth_t *a);

cl_auth_mode_t cl_auth_mode(const cl_auth_t *a);
cl_sessions_t *cl_auth_sessions(cl_auth_t *a); /* borrowed */
cl_oidc_t *cl_auth_oidc(cl_auth_t *a);         /* borrowed; NULL in dev mode */
int cl_auth_cookie_secure(const cl_auth_t *a);
int cl_auth_session_seconds(const cl_auth_t *a); /* absolute lifetime: the cookies' Max-Age */

/* Dev mode: the configured user NAME (by id) as a user document. *out is new. Returns 0,
 * CL_ENOTFOUND or CL_ENOMEM. */
CL_NODISCARD int cl_auth_dev_user(json_t **out, const cl_auth_t *a, const char *name,
                                  cl_err_t *err);

/* OIDC: the user document for verified CLAIMS (sub → id; name, email, team and groups through the
 * configured claim names; role and scopes through auth.oidc.roles). *out is new. Returns 0,
 * CL_EFORBIDDEN ("your account has no catlens role") or CL_ENOMEM. */
CL_NODISCARD int cl_auth_map_claims(json_t **out, const cl_auth_t *a, const json_t *claims,
                                    cl_err_t *err);

/* The CSRF rule for a state-changing request: TOKEN (the X-CSRF-Token header) must equal EXPECTED
 * (the session's), compared in constant time; ORIGIN (the Origin header) and SITE (Sec-Fetch-Site)
 * when present must say same origin as HOST (the Host header). Returns 0 or CL_EFORBIDDEN with the
 * reason. */
CL_NODISCARD int cl_auth_check_csrf(const char *token, const char *expected, const char *origin,
                                    const char *site, const char *host, cl_err_t *err);

#endif
