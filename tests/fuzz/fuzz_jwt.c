/* fuzz_jwt.c — ID tokens and JWK Sets from an identity provider (src/auth/jwt.c): the input is
 * tried as a compact JWS against a fixed key set, as a JWK Set, and as base64url. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/jwt.h"
#include "../unit/support/jws_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cl_jwks_t *keys;

static void make_keys(void)
{
    EVP_PKEY *ec = jws_ec_key();
    json_t *set = json_pack("{s:[o]}", "keys", jws_jwk(ec, "e1", NULL));
    char *text = json_dumps(set, 0);
    if (cl_jwks_parse(&keys, text, strlen(text), NULL) != 0) {
        abort();
    }
    free(text);
    json_decref(set);
    EVP_PKEY_free(ec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!keys) {
        make_keys();
    }
    char *s = malloc(size + 1);
    if (!s) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    json_t *claims = NULL;
    if (cl_jwt_verify(&claims, s, keys, NULL, NULL) == 0) {
        cl_jwt_expect_t x = {.issuer = "https://idp",
                             .audience = "catlens",
                             .nonce = "n",
                             .now = 1000,
                             .skew_s = 60};
        if (cl_jwt_check_claims(claims, &x, NULL) == 0) {
            /* a random input cannot carry a valid signature of our key */
        }
        json_decref(claims);
    }
    cl_jwks_t *other = NULL;
    if (cl_jwks_parse(&other, s, size, NULL) == 0) {
        cl_jwks_free(other);
    }
    unsigned char out[4096];
    size_t n = 0;
    if (cl_base64url_decode(out, sizeof out, &n, s, size, NULL) == 0 && n > sizeof out) {
        abort();
    }
    free(s);
    return 0;
}
