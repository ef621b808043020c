/* session.h — server-side sessions and pending sign-ins, kept in SQLite (WAL).
 *
 * Owns: sessions (a random 256-bit id the browser holds in an HttpOnly cookie, of which only the
 * SHA-256 is stored, so a copy of the database opens no session; the signed-in user; a CSRF token;
 * idle and absolute expiry) and the short-lived state of OpenID Connect sign-ins in progress
 * (state, nonce, PKCE verifier, a hash binding it to the browser that started it, where to go
 * afterwards), each usable exactly once.
 *
 * Session ids rotate at sign-in: cl_sessions_create() deletes the session the browser had before,
 * so an id planted before sign-in (session fixation) is worthless after it. Lookups slide the idle
 * expiry forward (written at most once a minute per session, not on every request).
 *
 * Lookups are served from a cache kept with each thread's connection (at most 256 sessions per
 * thread): a sign-out, sign-in, expiry or revocation made through this process is seen by the very
 * next lookup on every thread (an atomic generation, moved on by every committed write); one
 * committed by another process sharing the file (the sqlite3 shell, a second app) within 1 ms
 * (SQLite's PRAGMA data_version of a connection that never writes, read at most once a millisecond
 * for the whole process; a change moves the generation on). The idle and absolute expiry are
 * applied to the cached timestamps.
 *
 * Errors: CL_EUNAUTH (no such session, expired, or a sign-in state that is unknown, used, expired
 * or from another browser), CL_EIO / CL_EUNAVAILABLE (the database), CL_ENOMEM. Thread safety:
 * shared by all threads; each thread uses its own SQLite connection. */
#ifndef CL_AUTH_SESSION_H
#define CL_AUTH_SESSION_H

#include <stdint.h>
#include <jansson.h>

#include "auth/user.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_SESSION_TOKEN_LEN 44 /* 32 random bytes in base64url + NUL */
#define CL_LOGIN_MAX_AGE_S 600

typedef struct cl_sessions cl_sessions_t;

typedef struct {
    int idle_s;     /* a session unused this long ends */
    int absolute_s; /* a session ends this long after sign-in, used or not */
} cl_session_limits_t;

typedef struct {
    char id[CL_SESSION_TOKEN_LEN];   /* for the session cookie */
    char csrf[CL_SESSION_TOKEN_LEN]; /* for the X-CSRF-Token header */
    int64_t expires_at;              /* absolute expiry, seconds since the epoch */
} cl_session_ticket_t;

typedef struct {
    char nonce[CL_SESSION_TOKEN_LEN];
    char verifier[CL_SESSION_TOKEN_LEN * 2];
    char return_to[256];
} cl_login_state_t;

/* Open (creating, migrating) the session database at PATH. *out is new: cl_sessions_close(). */
CL_NODISCARD int cl_sessions_open(cl_sessions_t **out, const char *path,
                                  const cl_session_limits_t *limits, cl_err_t *err);
void cl_sessions_close(cl_sessions_t *s);

/* 32 random bytes as base64url into OUT. Returns 0 or CL_EIO (no randomness). */
CL_NODISCARD int cl_sessions_token(char out[CL_SESSION_TOKEN_LEN], cl_err_t *err);

/* Start a session for USER (borrowed JSON), ending REPLACES (the id the browser sent, or NULL) in
 * the same transaction. Returns 0 or a database error. */
CL_NODISCARD int cl_sessions_create(cl_session_ticket_t *out, cl_sessions_t *s, const json_t *user,
                                    const char *replaces, cl_err_t *err);

/* The session with id SID: *user is a new reference (json_decref) to a document the caller must
 * not modify (the cache shares it); CSRF gets its token (may be NULL). Returns 0, CL_EUNAUTH ("not
 * signed in" / "your session has expired") or a database error. */
CL_NODISCARD int cl_sessions_lookup(json_t **user, char csrf[CL_SESSION_TOKEN_LEN],
                                    cl_sessions_t *s, const char *sid, cl_err_t *err);

/* cl_sessions_lookup, with the user parsed and checked: *user is a new reference (cl_user_free) to
 * a cl_user_t the cache shares, parsed once per cached session rather than once per request.
 * Returns as cl_sessions_lookup, and CL_EINVAL when the stored user document is malformed. */
CL_NODISCARD int cl_sessions_lookup_user(cl_user_t **user, char csrf[CL_SESSION_TOKEN_LEN],
                                         cl_sessions_t *s, const char *sid, cl_err_t *err);

/* End session SID (absent is fine). Returns 0 or a database error. */
CL_NODISCARD int cl_sessions_delete(cl_sessions_t *s, const char *sid, cl_err_t *err);

/* Record a sign-in in progress under STATE, bound to the browser token BROWSER. */
CL_NODISCARD int cl_sessions_put_login(cl_sessions_t *s, const char *state, const char *browser,
                                       const cl_login_state_t *login, cl_err_t *err);

/* Take (and delete) the sign-in STATE, checking it is younger than CL_LOGIN_MAX_AGE_S and was
 * started by BROWSER. A state can be taken once: a replayed callback gets CL_EUNAUTH. */
CL_NODISCARD int cl_sessions_take_login(cl_login_state_t *out, cl_sessions_t *s, const char *state,
                                        const char *browser, cl_err_t *err);

/* Delete expired sessions and sign-ins. Returns 0 or a database error. */
CL_NODISCARD int cl_sessions_purge(cl_sessions_t *s, cl_err_t *err);

/* Lookups served from the cache and from the database, since open (for metrics and tests). */
void cl_sessions_cache_stats(cl_sessions_t *s, uint64_t *hits, uint64_t *misses);

/* Sessions alive now (for metrics). */
CL_NODISCARD int cl_sessions_count(int64_t *out, cl_sessions_t *s, cl_err_t *err);

#endif
