/* ID tokens: signatures (RS256, PS256, ES256), the algorithms refused, key selection by kid, and
 * every claim check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/jwt.h"
#include "../support/jws_sign.h"

static EVP_PKEY *rsa, *ec, *other;
static cl_jwks_t *keys;

static int group_setup(void **state)
{
    (void)state;
    rsa = jws_rsa_key();
    ec = jws_ec_key();
    other = jws_rsa_key();
    json_t *set =
        json_pack("{s:[o,o,o]}", "keys", jws_jwk(rsa, "r1", NULL), jws_jwk(ec, "e1", "ES256"),
                  json_pack("{s:s,s:s,s:s}", "kty", "oct", "k", "c2VjcmV0", "kid", "hmac"));
    char *text = json_dumps(set, 0);
    json_decref(set);
    int rc = cl_jwks_parse(&keys, text, strlen(text), NULL);
    free(text);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    cl_jwks_free(keys);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(other);
    return 0;
}

static const char CLAIMS[] =
    "{\"iss\":\"https://idp\",\"sub\":\"u1\",\"aud\":\"catlens\",\"nonce\":\"n1\","
    "\"iat\":1000,\"exp\":2000}";

static int verify(const char *token, json_t **claims)
{
    cl_err_t err;
    return cl_jwt_verify(claims, token, keys,
                         (const char *const[]){"RS256", "PS256", "ES256", NULL}, &err);
}

static void test_jwt__good_signatures_verify(void **state)
{
    (void)state;
    assert_int_equal(cl_jwks_count(keys), 2); /* the HMAC key is not a public key: skipped */
    const struct {
        EVP_PKEY *key;
        const char *alg, *header;
    } cases[] = {
        {rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\"}"},
        {rsa, "PS256", "{\"alg\":\"PS256\",\"kid\":\"r1\"}"},
        {ec, "ES256", "{\"alg\":\"ES256\",\"kid\":\"e1\"}"},
        {rsa, "RS256", "{\"alg\":\"RS256\"}"}, /* no kid: the only RSA key */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *tok = jws_sign(cases[i].key, cases[i].alg, cases[i].header, CLAIMS);
        json_t *claims = NULL;
        assert_int_equal(verify(tok, &claims), 0);
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), "u1");
        json_decref(claims);
        free(tok);
    }
}

static void test_jwt__tampering_and_wrong_keys_are_refused(void **state)
{
    (void)state;
    json_t *claims = NULL;
    char *tok = jws_sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\"}", CLAIMS);
    char *dot = strchr(tok, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A'; /* payload changed, signature kept */
    assert_int_equal(verify(tok, &claims), CL_EUNAUTH);
    free(tok);
    tok = jws_sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\"}", CLAIMS);
    size_t n = strlen(tok);
    tok[n - 5] = tok[n - 5] == 'A' ? 'B' : 'A'; /* signature changed */
    assert_int_equal(verify(tok, &claims), CL_EUNAUTH);
    free(tok);
    tok = jws_sign(other, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\"}",
                   CLAIMS); /* another key, same kid */
    assert_int_equal(verify(tok, &claims), CL_EUNAUTH);
    free(tok);
    tok = jws_sign(other, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rotated\"}", CLAIMS);
    assert_int_equal(verify(tok, &claims),
                     CL_ENOTFOUND); /* unknown kid: the caller refreshes the key set */
    free(tok);
    tok = jws_sign(rsa, "RS256", "{\"alg\":\"ES256\",\"kid\":\"r1\"}",
                   CLAIMS); /* alg of another key type */
    assert_int_equal(verify(tok, &claims), CL_ENOTFOUND);
    free(tok);
    tok = jws_sign(ec, "ES256", "{\"alg\":\"ES256\",\"kid\":\"e1\",\"crit\":[\"x\"]}", CLAIMS);
    assert_int_equal(verify(tok, &claims), CL_EUNAUTH);
    free(tok);
    assert_null(claims);

    const char *bad[] = {
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.",                        /* alg none */
        "eyJhbGciOiJIUzI1NiIsImtpZCI6ImhtYWMifQ.eyJzdWIiOiJ1MSJ9.c2ln", /* HS256 */
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.!!!",
        "eyJhbGciOiJSUzI1NiJ9=.eyJzdWIiOiJ1MSJ9.c2ln",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = verify(bad[i], &claims);
        if (rc != CL_EUNAUTH && rc != CL_ENOTFOUND) {
            fail_msg("'%s' gave %d", bad[i], rc);
        }
    }
    cl_err_t err;
    assert_int_equal(
        verify(tok = jws_sign(ec, "ES256", "{\"alg\":\"ES256\",\"kid\":\"e1\"}", CLAIMS), &claims),
        0);
    json_decref(claims);
    assert_int_equal(cl_jwt_verify(&claims, tok, keys, NULL, &err),
                     0); /* default allow-list has ES256 */
    json_decref(claims);
    assert_int_equal(cl_jwt_verify(&claims, tok, keys, (const char *const[]){"RS256", NULL}, &err),
                     CL_EUNAUTH);
    free(tok);
}

static int check(const char *claims_json, const char *nonce, int64_t now)
{
    json_t *c = json_loads(claims_json, 0, NULL);
    cl_jwt_expect_t x = {
        .issuer = "https://idp", .audience = "catlens", .nonce = nonce, .now = now, .skew_s = 60};
    cl_err_t err;
    int rc = cl_jwt_check_claims(c, &x, &err);
    json_decref(c);
    return rc;
}

static void test_jwt__claims_are_checked_with_clock_skew(void **state)
{
    (void)state;
    assert_int_equal(check(CLAIMS, "n1", 1500), 0);
    assert_int_equal(check(CLAIMS, "n1", 2059), 0);          /* within skew after exp */
    assert_int_equal(check(CLAIMS, "n1", 2060), CL_EUNAUTH); /* expired */
    assert_int_equal(check(CLAIMS, "n1", 941), 0);           /* iat slightly in the future: skew */
    assert_int_equal(check(CLAIMS, "n1", 900), CL_EUNAUTH);  /* iat too far in the future */
    assert_int_equal(check(CLAIMS, "other", 1500), CL_EUNAUTH);
    assert_int_equal(check(CLAIMS, NULL, 1500), 0);
    const char *bad[] = {
        "{\"iss\":\"https://evil\",\"sub\":\"u\",\"aud\":\"catlens\",\"iat\":1000,\"exp\":2000}",
        "{\"iss\":\"https://idp\",\"sub\":\"u\",\"aud\":\"other\",\"iat\":1000,\"exp\":2000}",
        "{\"iss\":\"https://"
        "idp\",\"sub\":\"u\",\"aud\":[\"other\",\"catlens\"],\"iat\":1000,\"exp\":2000}",
        "{\"iss\":\"https://"
        "idp\",\"sub\":\"u\",\"aud\":[\"other\",\"catlens\"],\"azp\":\"other\",\"iat\":1000,"
        "\"exp\":2000}",
        "{\"iss\":\"https://idp\",\"sub\":\"u\",\"aud\":\"catlens\",\"iat\":1000}",
        "{\"iss\":\"https://idp\",\"sub\":\"u\",\"aud\":\"catlens\",\"exp\":2000}",
        "{\"iss\":\"https://idp\",\"sub\":\"\",\"aud\":\"catlens\",\"iat\":1000,\"exp\":2000}",
        "{\"iss\":\"https://"
        "idp\",\"sub\":\"u\",\"aud\":\"catlens\",\"iat\":1000,\"exp\":2000,\"nbf\":1800}",
        "{\"iss\":\"https://idp\",\"sub\":\"u\",\"aud\":[],\"iat\":1000,\"exp\":2000}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (check(bad[i], NULL, 1500) != CL_EUNAUTH) {
            fail_msg("accepted: %s", bad[i]);
        }
    }
    assert_int_equal(
        check("{\"iss\":\"https://"
              "idp\",\"sub\":\"u\",\"aud\":[\"other\",\"catlens\"],\"azp\":\"catlens\","
              "\"iat\":1000,\"exp\":2000}",
              NULL, 1500),
        0);
}

static void test_jwt__base64url_is_strict(void **state)
{
    (void)state;
    unsigned char out[16];
    size_t n = 0;
    cl_err_t err;
    assert_int_equal(cl_base64url_decode(out, sizeof out, &n, "aGk", 3, &err), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "hi", 2);
    assert_int_equal(cl_base64url_decode(out, sizeof out, &n, "aGk=", 4, &err), CL_EINVAL);
    assert_int_equal(cl_base64url_decode(out, sizeof out, &n, "aGl", 3, &err),
                     CL_EINVAL); /* non-canonical */
    assert_int_equal(cl_base64url_decode(out, sizeof out, &n, "a", 1, &err), CL_EINVAL);
    assert_int_equal(cl_base64url_decode(out, sizeof out, &n, "a+/b", 4, &err), CL_EINVAL);
    assert_int_equal(cl_base64url_decode(out, 1, &n, "aGk", 3, &err), CL_EINVAL);
    char enc[16];
    cl_base64url_encode(enc, (const unsigned char *)"\xfb\xff", 2);
    assert_string_equal(enc, "-_8");
    cl_jwks_t *none = NULL;
    assert_int_equal(cl_jwks_parse(&none, "{\"keys\":[]}", 11, &err), CL_EINVAL);
    assert_int_equal(cl_jwks_parse(&none, "[1]", 3, &err), CL_EINVAL);
    assert_null(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwt__good_signatures_verify),
        cmocka_unit_test(test_jwt__tampering_and_wrong_keys_are_refused),
        cmocka_unit_test(test_jwt__claims_are_checked_with_clock_skew),
        cmocka_unit_test(test_jwt__base64url_is_strict),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
