/* oidc.c — the relying party. Sign-ins are rare next to report views, so this favours plain,
 * checkable code over speed: one libcurl easy handle per call, a mutex around the provider metadata
 * and keys, and every answer from the provider parsed as hostile input. */
#include "auth/oidc.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/jwt.h"
#include "core/log.h"
#include "http/query.h"

#define MODULE "oidc"
#define MAX_DOC (1u << 20)

static const char *const ALGS[] = {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", NULL};

struct cl_oidc {
    char *issuer, *client_id, *client_secret, *redirect_uri, *scopes;
    int basic_auth, timeout_ms, skew_s, jwks_min_refresh_s;
    pthread_mutex_t lock;
    int discovered;
    char *authorization_endpoint, *token_endpoint, *jwks_uri;
    cl_jwks_t *jwks;
    time_t jwks_fetched_at;
    int jwks_fetches;
};

/* https://, or http:// on loopback only. */
static int url_ok(const char *url)
{
    if (!url) {
        return 0;
    }
    if (strncmp(url, "https://", 8) == 0) {
        return url[8] != '\0';
    }
    static const char *const LOOPBACK[] = {"http://127.0.0.1:", "http://127.0.0.1/",
                                           "http://localhost:", "http://localhost/",
                                           "http://[::1]:"};
    for (size_t i = 0; i < CL_ARRAY_LEN(LOOPBACK); i++) {
        if (strncmp(url, LOOPBACK[i], strlen(LOOPBACK[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

static char *dup_opt(const char *s, const char *deflt)
{
    return strdup(s ? s : deflt);
}

int cl_oidc_new(cl_oidc_t **out, const cl_oidc_options_t *opt, cl_err_t *err)
{
    *out = NULL;
    if (!url_ok(opt->issuer)) {
        return cl_err_set(err, CL_ECONFIG,
                          "auth.oidc.issuer must be an https:// URL (http:// only on loopback)");
    }
    if (!opt->client_id || !*opt->client_id || !url_ok(opt->redirect_uri)) {
        return cl_err_set(err, CL_ECONFIG,
                          "auth.oidc needs client_id and an https:// redirect_uri");
    }
    if (opt->token_auth && strcmp(opt->token_auth, "client_secret_basic") != 0 &&
        strcmp(opt->token_auth, "client_secret_post") != 0) {
        return cl_err_set(err, CL_ECONFIG,
                          "auth.oidc.token_auth must be client_secret_basic or client_secret_post");
    }
    cl_oidc_t *o = calloc(1, sizeof *o);
    if (!o) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&o->lock, NULL);
    o->issuer = dup_opt(opt->issuer, "");
    o->client_id = dup_opt(opt->client_id, "");
    o->client_secret = opt->client_secret ? strdup(opt->client_secret) : NULL;
    o->redirect_uri = dup_opt(opt->redirect_uri, "");
    o->scopes = dup_opt(opt->scopes, "openid profile email");
    o->basic_auth = !opt->token_auth || strcmp(opt->token_auth, "client_secret_basic") == 0;
    o->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 5000;
    o->skew_s = opt->skew_s > 0 ? opt->skew_s : 60;
    o->jwks_min_refresh_s = opt->jwks_min_refresh_s > 0 ? opt->jwks_min_refresh_s : 30;
    if (!o->issuer || !o->client_id || !o->redirect_uri || !o->scopes ||
        (opt->client_secret && !o->client_secret)) {
        cl_oidc_free(o);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *out = o;
    return 0;
}

void cl_oidc_free(cl_oidc_t *o)
{
    if (!o) {
        return;
    }
    if (o->client_secret) {
        memset(o->client_secret, 0, strlen(o->client_secret));
    }
    free(o->issuer);
    free(o->client_id);
    free(o->client_secret);
    free(o->redirect_uri);
    free(o->scopes);
    free(o->authorization_endpoint);
    free(o->token_endpoint);
    free(o->jwks_uri);
    cl_jwks_free(o->jwks);
    pthread_mutex_destroy(&o->lock);
    free(o);
}

/* ---- HTTP
 * ------------------------------------------------------------------------------------------------------
 */

typedef struct {
    char *p;
    size_t len;
    int too_big;
} body_t;

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    body_t *b = payload;
    size_t add = size * n;
    if (b->len + add > MAX_DOC) {
        b->too_big = 1;
        return 0;
    }
    char *np = realloc(b->p, b->len + add + 1);
    if (!np) {
        return 0;
    }
    memcpy(np + b->len, data, add);
    b->len += add;
    np[b->len] = '\0';
    b->p = np;
    return add;
}

/* GET URL, or POST FORM to it. *status is the HTTP status; the body goes to *out (new). */
static int fetch(char **out, long *status, cl_oidc_t *o, const char *url, const char *form,
                 const char *what, cl_err_t *err)
{
    *out = NULL;
    body_t b = {0};
    CURL *c = curl_easy_init();
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "cannot start an HTTP client");
    }
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
        if (o->basic_auth && o->client_secret) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERNAME, o->client_id);
            curl_easy_setopt(c, CURLOPT_PASSWORD, o->client_secret);
        }
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        free(b.p);
        int code = rc == CURLE_OPERATION_TIMEDOUT ? CL_ETIMEOUT : CL_EUNAVAILABLE;
        return cl_err_set(err, code, "the identity provider's %s cannot be reached: %s", what,
                          b.too_big ? "answer too large" : curl_easy_strerror(rc));
    }
    *out = b.p ? b.p : strdup("");
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int fetch_json(json_t **out, cl_oidc_t *o, const char *url, const char *what, cl_err_t *err)
{
    *out = NULL;
    char *body = NULL;
    long status = 0;
    int rc = fetch(&body, &status, o, url, NULL, what, err);
    if (rc != 0) {
        return rc;
    }
    json_t *doc = status == 200 ? json_loads(body, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(body);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return cl_err_set(err, CL_EUNAVAILABLE,
                          "the identity provider's %s answered %ld without a JSON object", what,
                          status);
    }
    *out = doc;
    return 0;
}

/* ---- discovery and keys
 * ------------------------------------------------------------------------------------------ */

static int fetch_jwks_locked(cl_oidc_t *o, cl_err_t *err)
{
    char *body = NULL;
    long status = 0;
    int rc = fetch(&body, &status, o, o->jwks_uri, NULL, "key set", err);
    if (rc != 0) {
        return rc;
    }
    cl_jwks_t *keys = NULL;
    if (status != 200) {
        rc = cl_err_set(err, CL_EUNAVAILABLE, "the identity provider's key set answered %ld",
                        status);
    } else {
        rc = cl_jwks_parse(&keys, body, strlen(body), err);
        if (rc == CL_EINVAL) {
            err->code = rc = CL_EUNAVAILABLE; /* the provider's fault, not the user's */
        }
    }
    free(body);
    o->jwks_fetches++;
    o->jwks_fetched_at = time(NULL);
    if (rc == 0) {
        cl_jwks_free(o->jwks);
        o->jwks = keys;
        cl_logf(CL_LOG_INFO, MODULE, "jwks_fetched", "%zu signing keys from the identity provider",
                cl_jwks_count(keys));
    }
    return rc;
}

static int take_endpoint(char **out, const json_t *doc, const char *name, cl_err_t *err)
{
    const char *v = json_string_value(json_object_get(doc, name));
    if (!url_ok(v)) {
        return cl_err_set(err, CL_EUNAVAILABLE,
                          "the identity provider's discovery document lacks a usable %s", name);
    }
    *out = strdup(v);
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int discover_locked(cl_oidc_t *o, cl_err_t *err)
{
    if (o->discovered) {
        return 0;
    }
    char url[2048];
    size_t n = strlen(o->issuer);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
             (int)(n && o->issuer[n - 1] == '/' ? n - 1 : n), o->issuer);
    json_t *doc = NULL;
    int rc = fetch_json(&doc, o, url, "discovery document", err);
    if (rc != 0) {
        return rc;
    }
    const char *iss = json_string_value(json_object_get(doc, "issuer"));
    if (!iss || strcmp(iss, o->issuer) != 0) {
        json_decref(doc);
        return cl_err_set(err, CL_EUNAVAILABLE,
                          "the identity provider names another issuer than auth.oidc.issuer");
    }
    free(o->authorization_endpoint);
    free(o->token_endpoint);
    free(o->jwks_uri);
    o->authorization_endpoint = o->token_endpoint = o->jwks_uri = NULL;
    rc = take_endpoint(&o->authorization_endpoint, doc, "authorization_endpoint", err);
    rc = rc ? rc : take_endpoint(&o->token_endpoint, doc, "token_endpoint", err);
    rc = rc ? rc : take_endpoint(&o->jwks_uri, doc, "jwks_uri", err);
    json_decref(doc);
    rc = rc ? rc : fetch_jwks_locked(o, err);
    o->discovered = rc == 0;
    return rc;
}

int cl_oidc_discover(cl_oidc_t *o, cl_err_t *err)
{
    pthread_mutex_lock(&o->lock);
    int rc = discover_locked(o, err);
    pthread_mutex_unlock(&o->lock);
    return rc;
}

int cl_oidc_jwks_fetches(cl_oidc_t *o)
{
    pthread_mutex_lock(&o->lock);
    int n = o->jwks_fetches;
    pthread_mutex_unlock(&o->lock);
    return n;
}

/* ---- the flow
 * ------------------------------------------------------------------------------------------------------
 */

static int random_token(char *out, size_t bytes, cl_err_t *err)
{
    unsigned char r[48];
    if (bytes > sizeof r || RAND_bytes(r, (int)bytes) != 1) {
        return cl_err_set(err, CL_EIO, "no randomness for the sign-in");
    }
    cl_base64url_encode(out, r, bytes);
    return 0;
}

int cl_oidc_begin(cl_oidc_request_t *out, cl_oidc_t *o, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = cl_oidc_discover(o, err);
    rc = rc ? rc : random_token(out->state, 32, err);
    rc = rc ? rc : random_token(out->nonce, 32, err);
    rc = rc ? rc
            : random_token(out->verifier, 48, err); /* 64 characters: within RFC 7636's 43..128 */
    if (rc != 0) {
        return rc;
    }
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)out->verifier, strlen(out->verifier), d);
    char challenge[64];
    cl_base64url_encode(challenge, d, sizeof d);
    char qs[4096] = "";
    rc = cl_query_append(qs, sizeof qs, "response_type", "code", err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "client_id", o->client_id, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "redirect_uri", o->redirect_uri, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "scope", o->scopes, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "state", out->state, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "nonce", out->nonce, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "code_challenge", challenge, err);
    rc = rc ? rc : cl_query_append(qs, sizeof qs, "code_challenge_method", "S256", err);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&o->lock);
    size_t len = strlen(o->authorization_endpoint) + strlen(qs) + 2;
    out->url = malloc(len);
    if (out->url) {
        snprintf(out->url, len, "%s%c%s", o->authorization_endpoint,
                 strchr(o->authorization_endpoint, '?') ? '&' : '?', qs);
    }
    pthread_mutex_unlock(&o->lock);
    return out->url ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int exchange(char **id_token, cl_oidc_t *o, const char *code, const char *verifier,
                    cl_err_t *err)
{
    char form[8192] = "";
    int rc = cl_query_append(form, sizeof form, "grant_type", "authorization_code", err);
    rc = rc ? rc : cl_query_append(form, sizeof form, "code", code, err);
    rc = rc ? rc : cl_query_append(form, sizeof form, "redirect_uri", o->redirect_uri, err);
    rc = rc ? rc : cl_query_append(form, sizeof form, "code_verifier", verifier, err);
    if (rc == 0 && (!o->basic_auth || !o->client_secret)) {
        rc = cl_query_append(form, sizeof form, "client_id", o->client_id, err);
        if (rc == 0 && o->client_secret) {
            rc = cl_query_append(form, sizeof form, "client_secret", o->client_secret, err);
        }
    }
    char url[2048];
    pthread_mutex_lock(&o->lock);
    snprintf(url, sizeof url, "%s", o->token_endpoint);
    pthread_mutex_unlock(&o->lock);
    char *body = NULL;
    long status = 0;
    rc = rc ? rc : fetch(&body, &status, o, url, form, "token endpoint", err);
    memset(form, 0, sizeof form);
    if (rc != 0) {
        return rc;
    }
    json_t *doc = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    free(body);
    const char *tok = json_string_value(json_object_get(doc, "id_token"));
    if (status >= 400 && status < 500) {
        const char *e = json_string_value(json_object_get(doc, "error"));
        rc = cl_err_set(err, CL_EUNAUTH, "the identity provider refused the sign-in (%.40s)",
                        e ? e : "no reason");
    } else if (status != 200 || !tok) {
        rc = cl_err_set(err, CL_EUNAVAILABLE,
                        "the identity provider's token endpoint answered %ld without an ID token",
                        status);
    } else {
        *id_token = strdup(tok);
        rc = *id_token ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    json_decref(doc);
    return rc;
}

/* Verify TOKEN's signature; on an unknown key, fetch the key set again (rotation) and retry once.
 */
static int verify(json_t **claims, cl_oidc_t *o, const char *token, cl_err_t *err)
{
    pthread_mutex_lock(&o->lock);
    int rc = cl_jwt_verify(claims, token, o->jwks, ALGS, err);
    if (rc == CL_ENOTFOUND && time(NULL) - o->jwks_fetched_at >= o->jwks_min_refresh_s) {
        cl_logf(CL_LOG_INFO, MODULE, "jwks_refresh",
                "an ID token names an unknown key: fetching the key set again");
        rc = fetch_jwks_locked(o, err);
        rc = rc ? rc : cl_jwt_verify(claims, token, o->jwks, ALGS, err);
    }
    pthread_mutex_unlock(&o->lock);
    if (rc == CL_ENOTFOUND) {
        err->code = rc = CL_EUNAUTH;
    }
    return rc;
}

int cl_oidc_finish(json_t **claims, cl_oidc_t *o, const char *code, const char *verifier,
                   const char *nonce, cl_err_t *err)
{
    *claims = NULL;
    if (!code || !*code || strlen(code) > 2048) {
        return cl_err_set(err, CL_EUNAUTH, "the identity provider sent no authorization code");
    }
    char *token = NULL;
    json_t *c = NULL;
    int rc = cl_oidc_discover(o, err);
    rc = rc ? rc : exchange(&token, o, code, verifier, err);
    rc = rc ? rc : verify(&c, o, token, err);
    if (rc == 0) {
        cl_jwt_expect_t x = {.issuer = o->issuer,
                             .audience = o->client_id,
                             .nonce = nonce,
                             .now = (int64_t)time(NULL),
                             .skew_s = o->skew_s};
        rc = cl_jwt_check_claims(c, &x, err);
    }
    free(token);
    if (rc != 0) {
        json_decref(c);
        return rc;
    }
    *claims = c;
    return 0;
}
