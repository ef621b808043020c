/* session.c — sessions in SQLite. Ids and sign-in states are looked up by their SHA-256, never
 * stored raw; the CSRF token is stored raw because the server must hand it back to the page. */
#include "auth/session.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/jwt.h"
#include "store/sqlite.h"

static const cl_sqlite_migration_t MIGRATIONS[] = {
    {"sessions", 1,
     "CREATE TABLE sessions ("
     " id_hash TEXT PRIMARY KEY,"
     " user_json TEXT NOT NULL,"
     " csrf TEXT NOT NULL,"
     " created_at INTEGER NOT NULL,"
     " last_seen INTEGER NOT NULL,"
     " expires_at INTEGER NOT NULL);"
     "CREATE INDEX sessions_expiry ON sessions(expires_at);"
     "CREATE TABLE login_states ("
     " state_hash TEXT PRIMARY KEY,"
     " browser_hash TEXT NOT NULL,"
     " nonce TEXT NOT NULL,"
     " verifier TEXT NOT NULL,"
     " return_to TEXT NOT NULL,"
     " created_at INTEGER NOT NULL);"},
};

struct cl_sessions {
    cl_sqlite_pool_t *pool;
    cl_session_limits_t limits;
};

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* Hex SHA-256 of S. */
static void digest(char out[65], const char *s)
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), d);
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = HEX[d[i] >> 4];
        out[2 * i + 1] = HEX[d[i] & 15];
    }
    out[64] = '\0';
}

int cl_sessions_token(char out[CL_SESSION_TOKEN_LEN], cl_err_t *err)
{
    unsigned char r[32];
    if (RAND_bytes(r, sizeof r) != 1) {
        return cl_err_set(err, CL_EIO, "no randomness for a session token");
    }
    cl_base64url_encode(out, r, sizeof r);
    return 0;
}

int cl_sessions_open(cl_sessions_t **out, const char *path, const cl_session_limits_t *limits,
                     cl_err_t *err)
{
    *out = NULL;
    cl_sessions_t *s = calloc(1, sizeof *s);
    if (!s) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    s->limits = *limits;
    cl_sqlite_options_t opt = {
        .sync = CL_SQLITE_SYNC_NORMAL, .migrations = MIGRATIONS, .n_migrations = 1};
    int rc = cl_sqlite_pool_new(&s->pool, path, &opt, err);
    if (rc != 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void cl_sessions_close(cl_sessions_t *s)
{
    if (s) {
        cl_sqlite_pool_free(s->pool);
        free(s);
    }
}

static int stmt(cl_sqlite_stmt_t **st, cl_sessions_t *s, const char *sql, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, s->pool, err);
    return rc ? rc : cl_sqlite_cached(st, db, sql, err);
}

static int delete_session(cl_sessions_t *s, const char *sid, cl_err_t *err)
{
    char h[65];
    digest(h, sid);
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, s, "DELETE FROM sessions WHERE id_hash = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, h, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

int cl_sessions_create(cl_session_ticket_t *out, cl_sessions_t *s, const json_t *user,
                       const char *replaces, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    char *text = json_dumps(user, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_sqlite_t *db = NULL;
    int rc = cl_sessions_token(out->id, err);
    rc = rc ? rc : cl_sessions_token(out->csrf, err);
    rc = rc ? rc : cl_sqlite_pool_get(&db, s->pool, err);
    rc = rc ? rc : cl_sqlite_begin(db, err);
    if (rc != 0) {
        free(text);
        return rc;
    }
    if (replaces && *replaces) {
        rc = delete_session(s, replaces, err);
    }
    int64_t now = now_s();
    out->expires_at = now + s->limits.absolute_s;
    char h[65];
    digest(h, out->id);
    cl_sqlite_stmt_t *st = NULL;
    rc = rc ? rc
            : stmt(&st, s,
                   "INSERT INTO sessions(id_hash, user_json, csrf, created_at, last_seen, "
                   "expires_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                   err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, h, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, text, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 3, out->csrf, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 4, now, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 5, out->expires_at, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    rc = rc ? rc : cl_sqlite_commit(db, err);
    if (rc != 0) {
        cl_sqlite_rollback(db);
        memset(out, 0, sizeof *out);
    }
    free(text);
    return rc;
}

static int touch(cl_sessions_t *s, const char *h, int64_t now, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, s, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, h, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, now, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

int cl_sessions_lookup(json_t **user, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s,
                       const char *sid, cl_err_t *err)
{
    *user = NULL;
    if (!sid || strlen(sid) != CL_SESSION_TOKEN_LEN - 1) {
        return cl_err_set(err, CL_EUNAUTH, "not signed in");
    }
    char h[65];
    digest(h, sid);
    cl_sqlite_stmt_t *st = NULL;
    int rc =
        stmt(&st, s,
             "SELECT user_json, csrf, last_seen, expires_at FROM sessions WHERE id_hash = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, h, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc < 0) {
        return rc;
    }
    if (rc == CL_SQLITE_DONE) {
        return cl_err_set(err, CL_EUNAUTH, "not signed in");
    }
    int64_t now = now_s(), last = cl_sqlite_column_int64(st, 2),
            expires = cl_sqlite_column_int64(st, 3);
    if (now >= expires || now - last >= s->limits.idle_s) {
        cl_sqlite_reset(st);
        if (delete_session(s, sid, err) != 0) {
            /* gone or not, the answer is the same */
        }
        return cl_err_set(err, CL_EUNAUTH, "your session has expired; sign in again");
    }
    *user = json_loads(cl_sqlite_column_text(st, 0), 0, NULL);
    if (csrf) {
        snprintf(csrf, CL_SESSION_TOKEN_LEN, "%s", cl_sqlite_column_text(st, 1));
    }
    cl_sqlite_reset(st);
    if (!*user) {
        return cl_err_set(err, CL_EINTERNAL, "a stored session is unreadable");
    }
    return now - last >= 60 ? touch(s, h, now, err) : 0;
}

int cl_sessions_delete(cl_sessions_t *s, const char *sid, cl_err_t *err)
{
    return sid && *sid ? delete_session(s, sid, err) : 0;
}

int cl_sessions_put_login(cl_sessions_t *s, const char *state, const char *browser,
                          const cl_login_state_t *login, cl_err_t *err)
{
    char sh[65], bh[65];
    digest(sh, state);
    digest(bh, browser);
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, s,
                  "INSERT INTO login_states(state_hash, browser_hash, nonce, verifier, return_to, "
                  "created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, sh, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, bh, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 3, login->nonce, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 4, login->verifier, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 5, login->return_to, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 6, now_s(), err);
    return rc ? rc : cl_sqlite_run(st, err);
}

int cl_sessions_take_login(cl_login_state_t *out, cl_sessions_t *s, const char *state,
                           const char *browser, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!state || !*state || strlen(state) > 128) {
        return cl_err_set(err, CL_EUNAUTH, "the sign-in state is missing; start again");
    }
    char sh[65], bh[65];
    digest(sh, state);
    digest(bh, browser ? browser : "");
    cl_sqlite_stmt_t *st = NULL;
    /* DELETE … RETURNING makes taking a state atomic: two callbacks racing with one state cannot
     * both win */
    int rc = stmt(&st, s,
                  "DELETE FROM login_states WHERE state_hash = ?1 "
                  "RETURNING browser_hash, nonce, verifier, return_to, created_at",
                  err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, sh, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc < 0) {
        return rc;
    }
    if (rc == CL_SQLITE_DONE) {
        return cl_err_set(err, CL_EUNAUTH,
                          "this sign-in is unknown or was already used; start again");
    }
    int same_browser = strcmp(cl_sqlite_column_text(st, 0), bh) == 0;
    int fresh = now_s() - cl_sqlite_column_int64(st, 4) < CL_LOGIN_MAX_AGE_S;
    snprintf(out->nonce, sizeof out->nonce, "%s", cl_sqlite_column_text(st, 1));
    snprintf(out->verifier, sizeof out->verifier, "%s", cl_sqlite_column_text(st, 2));
    snprintf(out->return_to, sizeof out->return_to, "%s", cl_sqlite_column_text(st, 3));
    rc = cl_sqlite_step(st, err); /* finish the statement so the delete commits */
    if (rc < 0) {
        return rc;
    }
    if (!same_browser) {
        return cl_err_set(err, CL_EUNAUTH,
                          "this sign-in was started in another browser; start again");
    }
    if (!fresh) {
        return cl_err_set(err, CL_EUNAUTH, "this sign-in took too long; start again");
    }
    return 0;
}

int cl_sessions_purge(cl_sessions_t *s, cl_err_t *err)
{
    int64_t now = now_s();
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, s, "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen <= ?2", err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 1, now, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, now - s->limits.idle_s, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    rc = rc ? rc : stmt(&st, s, "DELETE FROM login_states WHERE created_at <= ?1", err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 1, now - CL_LOGIN_MAX_AGE_S, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

int cl_sessions_count(int64_t *out, cl_sessions_t *s, cl_err_t *err)
{
    *out = 0;
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, s, "SELECT count(*) FROM sessions WHERE expires_at > ?1", err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 1, now_s(), err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        *out = cl_sqlite_column_int64(st, 0);
        cl_sqlite_reset(st);
        return 0;
    }
    return rc;
}
