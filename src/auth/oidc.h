/* oidc.h — the OpenID Connect relying party: authorization code flow with PKCE (S256), state and
 * nonce, against any standard identity provider.
 *
 * Owns: the provider's discovery document (fetched from ISSUER/.well-known/openid-configuration on
 * first use; its issuer must equal the configured one exactly), its JWK Set (cached; fetched again
 * when a token names a key it does not know — key rotation — but at most once per
 * jwks_min_refresh_s), the authorization URL, the code-for-token exchange (client_secret_basic or
 * client_secret_post) and ID-token verification (signature, iss, aud/azp, exp, iat, nbf with clock
 * skew, nonce). It does not map claims to catlens users (auth.c) nor keep sign-in state
 * (session.c).
 *
 * Network calls use libcurl with timeouts and certificate verification; an http:// issuer is
 * refused unless it is on loopback (tests, local development). The client secret comes from the
 * caller (who reads it from the environment) and is never logged.
 *
 * Errors: CL_ECONFIG (bad options), CL_EUNAVAILABLE / CL_ETIMEOUT (the provider cannot be reached
 * or answers nonsense), CL_EUNAUTH (the provider refused the code, or the ID token failed a check),
 * CL_ENOMEM. Thread safety: one cl_oidc_t is shared by all threads; metadata and keys are guarded
 * by a mutex. */
#ifndef CL_AUTH_OIDC_H
#define CL_AUTH_OIDC_H

#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_oidc cl_oidc_t;

typedef struct {
    const char *issuer; /* e.g. "https://login.example.com/realms/corp" */
    const char *client_id;
    const char *client_secret; /* may be NULL for public clients (PKCE only) */
    const char *redirect_uri;  /* this app's /auth/callback as the provider knows it */
    const char *scopes;        /* NULL: "openid profile email" */
    const char *token_auth;    /* "client_secret_basic" (default) or "client_secret_post" */
    int timeout_ms;            /* per HTTP call; 0: 5000 */
    int skew_s;                /* clock skew allowed on exp/iat/nbf; 0: 60 */
    int jwks_min_refresh_s;    /* 0: 30 */
} cl_oidc_options_t;

/* The parts of a sign-in that the browser must not see but the callback needs. */
typedef struct {
    char state[48];
    char nonce[48];
    char verifier[96];
    char *url; /* the authorization URL to redirect to; new: free() */
} cl_oidc_request_t;

/* Check and copy OPT; nothing is fetched yet. *out is new: cl_oidc_free(). */
CL_NODISCARD int cl_oidc_new(cl_oidc_t **out, const cl_oidc_options_t *opt, cl_err_t *err);
void cl_oidc_free(cl_oidc_t *o);

/* Fetch the discovery document and keys if not done yet. Returns 0 or an error. */
CL_NODISCARD int cl_oidc_discover(cl_oidc_t *o, cl_err_t *err);

/* A fresh state, nonce and PKCE verifier, and the authorization URL that carries state, nonce and
 * the S256 challenge. Discovers first when needed. */
CL_NODISCARD int cl_oidc_begin(cl_oidc_request_t *out, cl_oidc_t *o, cl_err_t *err);

/* Exchange CODE (with VERIFIER) for tokens and verify the ID token against NONCE. *claims is new
 * (json_decref). */
CL_NODISCARD int cl_oidc_finish(json_t **claims, cl_oidc_t *o, const char *code,
                                const char *verifier, const char *nonce, cl_err_t *err);

/* Number of JWK Set fetches so far (for tests and metrics). */
int cl_oidc_jwks_fetches(cl_oidc_t *o);

#endif
