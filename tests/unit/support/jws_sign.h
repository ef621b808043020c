/* jws_sign.h — make keys, JWK Sets and signed tokens in tests, with OpenSSL, independently of
 * src/auth/jwt.c. */
#ifndef CL_TEST_JWS_SIGN_H
#define CL_TEST_JWS_SIGN_H

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void jws_b64url(char *out, const unsigned char *in, size_t len)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t j = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);
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

static inline EVP_PKEY *jws_rsa_key(void)
{
    return EVP_RSA_gen(2048);
}

static inline EVP_PKEY *jws_ec_key(void)
{
    return EVP_EC_gen("P-256");
}

static inline void jws_bn_member(json_t *jwk, const char *name, const BIGNUM *bn, int pad)
{
    unsigned char buf[1024];
    int n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
    char text[1400];
    jws_b64url(text, buf, (size_t)n);
    json_object_set_new(jwk, name, json_string(text));
}

/* The public JWK of KEY with KID (and ALG when not NULL). */
static inline json_t *jws_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
    json_t *jwk = json_object();
    if (EVP_PKEY_is_a(key, "RSA")) {
        BIGNUM *n = NULL, *e = NULL;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
        json_object_set_new(jwk, "kty", json_string("RSA"));
        jws_bn_member(jwk, "n", n, 0);
        jws_bn_member(jwk, "e", e, 0);
        BN_free(n);
        BN_free(e);
    } else {
        BIGNUM *x = NULL, *y = NULL;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        json_object_set_new(jwk, "kty", json_string("EC"));
        json_object_set_new(jwk, "crv", json_string("P-256"));
        jws_bn_member(jwk, "x", x, 32);
        jws_bn_member(jwk, "y", y, 32);
        BN_free(x);
        BN_free(y);
    }
    json_object_set_new(jwk, "kid", json_string(kid));
    json_object_set_new(jwk, "use", json_string("sig"));
    if (alg) {
        json_object_set_new(jwk, "alg", json_string(alg));
    }
    return jwk;
}

/* Sign HEADER.CLAIMS (both JSON text) with KEY under ALG (RS256, PS256, ES256). New string: free().
 */
static inline char *jws_sign(EVP_PKEY *key, const char *alg, const char *header, const char *claims)
{
    size_t hl = strlen(header), cl = strlen(claims);
    char *out = malloc(2 * (hl + cl) + 2048);
    jws_b64url(out, (const unsigned char *)header, hl);
    size_t p = strlen(out);
    out[p++] = '.';
    jws_b64url(out + p, (const unsigned char *)claims, cl);
    p += strlen(out + p);
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key);
    if (strcmp(alg, "PS256") == 0) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    EVP_DigestSign(md, sig, &sig_len, (const unsigned char *)out, p);
    EVP_MD_CTX_free(md);
    if (strcmp(alg, "ES256") == 0) { /* DER → r || s */
        const unsigned char *q = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)sig_len);
        unsigned char raw[64];
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
        memcpy(sig, raw, 64);
        sig_len = 64;
    }
    out[p++] = '.';
    jws_b64url(out + p, sig, sig_len);
    return out;
}

#endif
