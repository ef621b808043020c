/* jwt.h — JSON Web Keys and signed JSON Web Tokens (compact JWS), verified with OpenSSL.
 *
 * Owns: parsing a JWK Set (RSA and P-256/P-384 EC public keys; other kinds are skipped), verifying
 * a compact JWS with one of its keys (RS256/384/512, PS256, ES256/384; "none" and HMAC algorithms
 * are always refused, and the key's own "alg", when it has one, must match the token's), and
 * checking the registered claims of an OpenID Connect ID token (iss, aud/azp, exp, nbf, iat with
 * clock skew, nonce). It does not fetch keys (oidc.c does) nor decide what the claims mean for
 * catlens (auth.c does).
 *
 * Tokens and key sets are hostile input: every length is capped (CL_JWT_MAX_TOKEN,
 * CL_JWKS_MAX_KEYS), base64url is decoded strictly, and every failure is a clear error that never
 * echoes the token.
 *
 * Errors: CL_EUNAUTH (malformed token, bad signature, a claim that does not hold), CL_ENOTFOUND (no
 * key with the token's kid: refresh the key set and try again), CL_EINVAL (malformed JWK Set),
 * CL_ENOMEM. Thread safety: a cl_jwks_t is immutable after parsing and may be shared; functions are
 * reentrant. */
#ifndef CL_AUTH_JWT_H
#define CL_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_JWT_MAX_TOKEN 16384
#define CL_JWKS_MAX_KEYS 32

typedef struct cl_jwks cl_jwks_t;

/* Parse a JWK Set document ({"keys": [...]}) of LEN bytes. Keys without "kid" are kept (they match
 * tokens without one); keys with "use" other than "sig" are skipped. *out is new: cl_jwks_free().
 * Returns 0, CL_EINVAL (not a JWK Set, or no usable key) or CL_ENOMEM. */
CL_NODISCARD int cl_jwks_parse(cl_jwks_t **out, const char *json, size_t len, cl_err_t *err);
void cl_jwks_free(cl_jwks_t *jwks);

/* Number of usable keys. */
size_t cl_jwks_count(const cl_jwks_t *jwks);

/* Verify the signature of compact JWS TOKEN with the key of JWKS its header names (by kid, else the
 * only key of a matching type), allowing only the algorithms in ALGS (NULL-terminated; NULL: RS256
 * and ES256). On success *out is the claims object (new: json_decref()). Returns 0, CL_EUNAUTH,
 * CL_ENOTFOUND (kid unknown) or CL_ENOMEM. */
CL_NODISCARD int cl_jwt_verify(json_t **out, const char *token, const cl_jwks_t *jwks,
                               const char *const algs[], cl_err_t *err);

typedef struct {
    const char *issuer;   /* iss must equal it exactly */
    const char *audience; /* must be in aud; when aud has several values, azp must equal it */
    const char *nonce;    /* when not NULL, the nonce claim must equal it */
    int64_t now;          /* seconds since the epoch */
    int skew_s;           /* allowed clock difference */
    int max_age_s;        /* when > 0, iat must be no older than this */
} cl_jwt_expect_t;

/* Check the ID-token claims of CLAIMS against EXPECT: iss, aud/azp, exp (required; exp + skew >
 * now), nbf (now + skew
 * >= nbf), iat (required; iat - skew <= now), sub (required, a non-empty string), nonce. Returns 0
 * or CL_EUNAUTH naming the claim. */
CL_NODISCARD int cl_jwt_check_claims(const json_t *claims, const cl_jwt_expect_t *expect,
                                     cl_err_t *err);

/* Strict base64url (RFC 4648 §5, no padding, no whitespace) of LEN bytes of IN into OUT (capacity
 * CAP). *out_len is the decoded length. Returns 0 or CL_EINVAL. Exposed for the PKCE code and
 * tests. */
CL_NODISCARD int cl_base64url_decode(unsigned char *out, size_t cap, size_t *out_len,
                                     const char *in, size_t len, cl_err_t *err);

/* Base64url without padding of LEN bytes of IN into OUT, which needs 4 * ceil(LEN / 3) + 1 bytes.
 */
void cl_base64url_encode(char *out, const unsigned char *in, size_t len);

#endif
