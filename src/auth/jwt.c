/* jwt.c — ID-token verification with OpenSSL 3. Written against RFC 7515/7517/7518 rather than
 * through a JWT library so that the rules that matter are visible in one place: the algorithm comes
 * from an allow-list (never "none", never HMAC with a public key as secret), the key must be of the
 * algorithm's type, and the signature is checked over the exact bytes received before any claim is
 * read. */
#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KEY_RSA, KEY_EC } key_type_t;

typedef struct {
    char kid[128];
    char alg[16]; /* "" when the JWK names none */
    key_type_t type;
    int ec_bits; /* 256 or 384 */
    EVP_PKEY *pkey;
} jwk_t;

struct cl_jwks {
    size_t n;
    jwk_t keys[CL_JWKS_MAX_KEYS];
};

/* ---- base64url
 * ------------------------------------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

int cl_base64url_decode(unsigned char *out, size_t cap, size_t *out_len, const char *in, size_t len,
                        cl_err_t *err)
{
    if (len % 4 == 1) {
        return cl_err_set(err, CL_EINVAL, "bad base64url length");
    }
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > cap) {
        return cl_err_set(err, CL_EINVAL, "base64url value too long");
    }
    size_t j = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)in[i]);
        if (v < 0) {
            return cl_err_set(err, CL_EINVAL, "bad base64url character");
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[j++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return cl_err_set(err, CL_EINVAL, "non-canonical base64url");
    }
    *out_len = j;
    return 0;
}

void cl_base64url_encode(char *out, const unsigned char *in, size_t len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t j = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= in[i + 2];
        }
        out[j++] = A[(v >> 18) & 63];
        out[j++] = A[(v >> 12) & 63];
        if (i + 1 < len) {
            out[j++] = A[(v >> 6) & 63];
        }
        if (i + 2 < len) {
            out[j++] = A[v & 63];
        }
    }
    out[j] = '\0';
}

/* Decode the base64url string member NAME of JWK into a new BIGNUM (or raw bytes when RAW is not
 * NULL). */
static int member_bytes(unsigned char *buf, size_t cap, size_t *len, const json_t *jwk,
                        const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    return s ? cl_base64url_decode(buf, cap, len, s, strlen(s), NULL) : CL_EINVAL;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
            pkey = NULL;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_key(const json_t *jwk)
{
    unsigned char n[1024], e[16];
    size_t nlen = 0, elen = 0;
    if (member_bytes(n, sizeof n, &nlen, jwk, "n") != 0 ||
        member_bytes(e, sizeof e, &elen, jwk, "e") != 0 || nlen < 256 || elen == 0) {
        return NULL; /* missing, malformed, or a modulus under 2048 bits */
    }
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1) {
        pkey = from_params("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return pkey;
}

static EVP_PKEY *ec_key(const json_t *jwk, int *bits)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    size_t want = 0;
    const char *group = NULL;
    if (crv && strcmp(crv, "P-256") == 0) {
        want = 32, group = "prime256v1", *bits = 256;
    } else if (crv && strcmp(crv, "P-384") == 0) {
        want = 48, group = "secp384r1", *bits = 384;
    } else {
        return NULL;
    }
    unsigned char pub[1 + 2 * 48];
    size_t xlen = 0, ylen = 0;
    if (member_bytes(pub + 1, want, &xlen, jwk, "x") != 0 || xlen != want ||
        member_bytes(pub + 1 + want, want, &ylen, jwk, "y") != 0 || ylen != want) {
        return NULL;
    }
    pub[0] = 0x04; /* uncompressed point */
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * want) == 1) {
        pkey = from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

void cl_jwks_free(cl_jwks_t *jwks)
{
    if (!jwks) {
        return;
    }
    for (size_t i = 0; i < jwks->n; i++) {
        EVP_PKEY_free(jwks->keys[i].pkey);
    }
    free(jwks);
}

size_t cl_jwks_count(const cl_jwks_t *jwks)
{
    return jwks ? jwks->n : 0;
}

static void add_key(cl_jwks_t *s, const json_t *jwk)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    const char *kid = json_string_value(json_object_get(jwk, "kid"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    if (!kty || (use && strcmp(use, "sig") != 0) || (kid && strlen(kid) >= sizeof s->keys[0].kid) ||
        (alg && strlen(alg) >= sizeof s->keys[0].alg) || s->n == CL_JWKS_MAX_KEYS) {
        return;
    }
    jwk_t *k = &s->keys[s->n];
    memset(k, 0, sizeof *k);
    if (strcmp(kty, "RSA") == 0) {
        k->type = KEY_RSA;
        k->pkey = rsa_key(jwk);
    } else if (strcmp(kty, "EC") == 0) {
        k->type = KEY_EC;
        k->pkey = ec_key(jwk, &k->ec_bits);
    }
    if (!k->pkey) {
        return;
    }
    snprintf(k->kid, sizeof k->kid, "%s", kid ? kid : "");
    snprintf(k->alg, sizeof k->alg, "%s", alg ? alg : "");
    s->n++;
}

int cl_jwks_parse(cl_jwks_t **out, const char *json, size_t len, cl_err_t *err)
{
    *out = NULL;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        json_decref(doc);
        return cl_err_set(err, CL_EINVAL, "the identity provider's key set is not a JWK Set");
    }
    cl_jwks_t *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(doc);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *jwk;
    json_array_foreach(keys, i, jwk)
    {
        if (json_is_object(jwk)) {
            add_key(s, jwk);
        }
    }
    json_decref(doc);
    if (s->n == 0) {
        cl_jwks_free(s);
        return cl_err_set(err, CL_EINVAL,
                          "the identity provider's key set has no usable signing key");
    }
    *out = s;
    return 0;
}

/* ---- verification
 * ------------------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    key_type_t type;
    int pss;
    int ec_bits;
    const EVP_MD *(*md)(void);
} alg_t;

static const alg_t ALGS[] = {
    {"RS256", KEY_RSA, 0, 0, EVP_sha256},  {"RS384", KEY_RSA, 0, 0, EVP_sha384},
    {"RS512", KEY_RSA, 0, 0, EVP_sha512},  {"PS256", KEY_RSA, 1, 0, EVP_sha256},
    {"ES256", KEY_EC, 0, 256, EVP_sha256}, {"ES384", KEY_EC, 0, 384, EVP_sha384},
};

static const alg_t *find_alg(const char *name, const char *const allowed[])
{
    static const char *const DEFAULT[] = {"RS256", "ES256", NULL};
    int ok = 0;
    for (const char *const *a = allowed ? allowed : DEFAULT; *a && !ok; a++) {
        ok = strcmp(*a, name) == 0;
    }
    for (size_t i = 0; ok && i < CL_ARRAY_LEN(ALGS); i++) {
        if (strcmp(ALGS[i].name, name) == 0) {
            return &ALGS[i];
        }
    }
    return NULL;
}

static const jwk_t *find_key(const cl_jwks_t *s, const char *kid, const alg_t *alg)
{
    const jwk_t *only = NULL;
    size_t candidates = 0;
    for (size_t i = 0; i < s->n; i++) {
        const jwk_t *k = &s->keys[i];
        if (k->type != alg->type || (alg->type == KEY_EC && k->ec_bits != alg->ec_bits) ||
            (k->alg[0] && strcmp(k->alg, alg->name) != 0)) {
            continue;
        }
        if (kid && strcmp(k->kid, kid) == 0) {
            return k;
        }
        only = k;
        candidates++;
    }
    return !kid && candidates == 1 ? only : NULL;
}

/* ECDSA signatures in JWS are r || s; OpenSSL wants DER. */
static int ec_der(unsigned char *der, size_t cap, size_t *der_len, const unsigned char *raw,
                  size_t len, int bits)
{
    size_t half = (size_t)bits / 8;
    if (len != 2 * half) {
        return -1;
    }
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)half, NULL), *s = BN_bin2bn(raw + half, (int)half, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        ECDSA_SIG_free(sig);
        BN_free(r);
        BN_free(s);
        return -1;
    }
    int n = i2d_ECDSA_SIG(sig, NULL);
    int rc = -1;
    if (n > 0 && (size_t)n <= cap) {
        unsigned char *p = der;
        *der_len = (size_t)i2d_ECDSA_SIG(sig, &p);
        rc = 0;
    }
    ECDSA_SIG_free(sig);
    return rc;
}

static int check_signature(const jwk_t *key, const alg_t *alg, const char *signed_part,
                           size_t signed_len, const unsigned char *sig, size_t sig_len)
{
    unsigned char der[160];
    if (alg->type == KEY_EC) {
        size_t der_len = 0;
        if (ec_der(der, sizeof der, &der_len, sig, sig_len, alg->ec_bits) != 0) {
            return 0;
        }
        sig = der;
        sig_len = der_len;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = md && EVP_DigestVerifyInit(md, &pctx, alg->md(), NULL, key->pkey) == 1;
    if (ok && alg->pss) {
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    ok = ok &&
         EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)signed_part, signed_len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* Decode base64url segment IN (LEN bytes) as a JSON object. */
static json_t *segment_json(const char *in, size_t len)
{
    unsigned char buf[CL_JWT_MAX_TOKEN];
    size_t n = 0;
    if (cl_base64url_decode(buf, sizeof buf, &n, in, len, NULL) != 0) {
        return NULL;
    }
    json_t *doc = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int cl_jwt_verify(json_t **out, const char *token, const cl_jwks_t *jwks, const char *const algs[],
                  cl_err_t *err)
{
    *out = NULL;
    size_t len = token ? strlen(token) : 0;
    const char *d1 = token ? memchr(token, '.', len) : NULL;
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (len == 0 || len > CL_JWT_MAX_TOKEN || !d2 ||
        memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token))) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token is not a compact JWS");
    }
    json_t *header = segment_json(token, (size_t)(d1 - token));
    const char *alg_name = json_string_value(json_object_get(header, "alg"));
    const char *kid = json_string_value(json_object_get(header, "kid"));
    const alg_t *alg = alg_name ? find_alg(alg_name, algs) : NULL;
    int rc = 0;
    if (!header || !alg || json_object_get(header, "crit")) {
        rc = cl_err_set(err, CL_EUNAUTH,
                        "the ID token's header is malformed or uses an algorithm not allowed");
        goto cleanup;
    }
    const jwk_t *key = find_key(jwks, kid, alg);
    if (!key) {
        rc = cl_err_set(err, CL_ENOTFOUND, "no key of the identity provider matches the ID token");
        goto cleanup;
    }
    unsigned char sig[1024];
    size_t sig_len = 0;
    if (cl_base64url_decode(sig, sizeof sig, &sig_len, d2 + 1, len - (size_t)(d2 + 1 - token),
                            NULL) != 0 ||
        !check_signature(key, alg, token, (size_t)(d2 - token), sig, sig_len)) {
        rc = cl_err_set(err, CL_EUNAUTH, "the ID token's signature does not verify");
        goto cleanup;
    }
    json_t *claims = segment_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!claims) {
        rc = cl_err_set(err, CL_EUNAUTH, "the ID token's claims are not a JSON object");
        goto cleanup;
    }
    *out = claims;
cleanup:
    json_decref(header);
    return rc;
}

/* ---- claims
 * ------------------------------------------------------------------------------------------------------
 */

static int number_claim(int64_t *out, const json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 1;
    }
    if (json_is_real(v)) {
        *out = (int64_t)json_real_value(v);
        return 1;
    }
    return 0;
}

static int audience_ok(const json_t *claims, const char *aud)
{
    json_t *v = json_object_get(claims, "aud");
    if (json_is_string(v)) {
        return strcmp(json_string_value(v), aud) == 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        return 0;
    }
    int found = 0;
    size_t i;
    json_t *a;
    json_array_foreach(v, i, a)
    {
        found |= json_is_string(a) && strcmp(json_string_value(a), aud) == 0;
    }
    if (!found) {
        return 0;
    }
    const char *azp = json_string_value(json_object_get(claims, "azp"));
    return json_array_size(v) == 1 ? (!azp || strcmp(azp, aud) == 0)
                                   : (azp && strcmp(azp, aud) == 0);
}

int cl_jwt_check_claims(const json_t *claims, const cl_jwt_expect_t *x, cl_err_t *err)
{
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || !x->issuer || strcmp(iss, x->issuer) != 0) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token was issued by someone else (iss)");
    }
    if (!x->audience || !audience_ok(claims, x->audience)) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token is meant for another client (aud/azp)");
    }
    int64_t exp = 0, iat = 0, nbf = 0;
    if (!number_claim(&exp, claims, "exp") || exp + x->skew_s <= x->now) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token has expired (exp)");
    }
    if (!number_claim(&iat, claims, "iat") || iat - x->skew_s > x->now) {
        return cl_err_set(err, CL_EUNAUTH,
                          "the ID token's issue time is missing or in the future (iat)");
    }
    if (x->max_age_s > 0 && iat + x->max_age_s + x->skew_s < x->now) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token is too old (iat)");
    }
    if (number_claim(&nbf, claims, "nbf") && nbf - x->skew_s > x->now) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token is not valid yet (nbf)");
    }
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    if (!sub || !*sub) {
        return cl_err_set(err, CL_EUNAUTH, "the ID token names no subject (sub)");
    }
    if (x->nonce) {
        const char *nonce = json_string_value(json_object_get(claims, "nonce"));
        if (!nonce || strcmp(nonce, x->nonce) != 0) {
            return cl_err_set(err, CL_EUNAUTH,
                              "the ID token's nonce does not match this sign-in (nonce)");
        }
    }
    return 0;
}
