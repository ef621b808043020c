/* session.c — sessions in SQLite. Ids and sign-in states are looked up by their SHA-256, never
 * stored raw; the CSRF token is stored raw because the server must hand it back to the page.
 *
 * Each thread's connection keeps the sessions it read (a small set-associative cache, evicting the
 * least recently used of a set). Within the process, every committed write to the sessions (a
 * sign-in, rotation, sign-out, expiry, idle touch, purge) moves an atomic generation on, and a
 * cache that has not seen the current generation is emptied before it is used: a sign-out answered
 * on one thread is refused by the very next lookup on every thread. Other processes' commits (a
 * revocation with the sqlite3 shell, a second app sharing the file) change PRAGMA data_version of
 * a connection of the process's own that never writes (the watch), read at most once a millisecond
 * for the whole process by whichever lookup comes first: a change moves the generation on, so it
 * is seen within 1 ms by every thread. The expiry rules are applied to the cached timestamps on
 * every hit; a hit also keeps the user parsed (cl_user_t, reference-counted) for
 * cl_sessions_lookup_user. */
#include "auth/session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/jwt.h"
#include "auth/user.h"
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

#define CACHE_SETS 64
#define CACHE_WAYS 4 /* at most 256 sessions per thread */
#define TOUCH_EVERY_S 60

typedef struct {
    unsigned char key[SHA256_DIGEST_LENGTH]; /* the id's SHA-256; all zero: free */
    json_t *user;
    cl_user_t *parsed; /* USER parsed, once asked for (a reference); NULL until then */
    char csrf[CL_SESSION_TOKEN_LEN];
    int64_t last_seen, expires_at;
    uint64_t used; /* for eviction */
} cached_t;

typedef struct {
    uint64_t generation; /* session_generation when the entries were read */
    uint64_t clock;
    size_t n;
    cached_t slot[CACHE_SETS][CACHE_WAYS];
} cache_t;

/* Bumped (after its commit) by every write to a sessions table in this process — sign-in,
 * rotation, sign-out, expiry, the idle touch, a purge —: a cache that has not seen the current
 * value is emptied before it is used, so a sign-out answered on one thread is refused by the very
 * next lookup on every other. Changes made by other processes are seen through PRAGMA
 * data_version of the watch connection, read at most once per DATA_VERSION_EVERY_NS for the
 * process: a change moves the generation on too. */
static uint64_t session_generation; /* atomic */

#define DATA_VERSION_EVERY_NS 1000000LL /* 1 ms */

struct cl_sessions {
    cl_sqlite_pool_t *pool;
    cl_session_limits_t limits;
    uint64_t hits, misses; /* atomics */
    /* The watch: a connection that never writes, whose data_version changes with every commit of
     * any other connection. Read under watch_lock; watched_ns (atomic, written under the lock) is
     * when the last read began, so a lookup that sees it less than DATA_VERSION_EVERY_NS old knows
     * every commit before then has moved the generation on. */
    pthread_mutex_t watch_lock;
    cl_sqlite_t *watch;
    int64_t watch_version; /* -1: not read yet */
    int64_t watched_ns;
};

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md; /* fetched once: EVP_sha256() would look it up on every digest */

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256 of S, raw (D) and in hex (HEX, may be NULL). */
static void digest2(unsigned char d[SHA256_DIGEST_LENGTH], char hex[65], const char *s)
{
    pthread_once(&sha256_once, fetch_sha256);
    if (!sha256_md || !EVP_Digest(s, strlen(s), d, NULL, sha256_md, NULL)) {
        SHA256((const unsigned char *)s, strlen(s), d);
    }
    if (hex) {
        static const char HEX[] = "0123456789abcdef";
        for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
            hex[2 * i] = HEX[d[i] >> 4];
            hex[2 * i + 1] = HEX[d[i] & 15];
        }
        hex[64] = '\0';
    }
}

/* digest2 of a session id (CL_SESSION_TOKEN_LEN - 1 characters), through the thread's last few:
 * a browser sends the same id with every request, and the digest was a tenth of a lookup. The ids
 * are compared in constant time. */
static void sid_digest(unsigned char d[SHA256_DIGEST_LENGTH], char hex[65], const char *sid)
{
    enum { KEEP = 4 };
    static __thread struct {
        char sid[CL_SESSION_TOKEN_LEN];
        unsigned char d[SHA256_DIGEST_LENGTH];
        char hex[65];
    } recent[KEEP];
    static __thread unsigned next;
    for (size_t i = 0; i < KEEP; i++) {
        if (recent[i].sid[0] && CRYPTO_memcmp(recent[i].sid, sid, CL_SESSION_TOKEN_LEN - 1) == 0) {
            memcpy(d, recent[i].d, SHA256_DIGEST_LENGTH);
            memcpy(hex, recent[i].hex, 65);
            return;
        }
    }
    digest2(d, hex, sid);
    unsigned i = next++ % KEEP;
    memcpy(recent[i].sid, sid, CL_SESSION_TOKEN_LEN);
    memcpy(recent[i].d, d, SHA256_DIGEST_LENGTH);
    memcpy(recent[i].hex, hex, 65);
}

/* Hex SHA-256 of S. */
static void digest(char out[65], const char *s)
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    digest2(d, out, s);
}

/* ---- the per-connection cache
 * ----------------------------------------------------------------------- */

static void cache_clear(cache_t *c)
{
    for (size_t i = 0; c->n > 0 && i < CACHE_SETS; i++) {
        for (size_t w = 0; w < CACHE_WAYS; w++) {
            cached_t *e = &c->slot[i][w];
            if (e->user) {
                json_decref(e->user);
                cl_user_free(e->parsed);
                memset(e, 0, sizeof *e);
                c->n--;
            }
        }
    }
}

static void cache_free(void *p)
{
    cache_t *c = p;
    cache_clear(c);
    free(c);
}

/* DB's cache, made on first use; NULL when out of memory (then every lookup queries). */
static cache_t *cache_of(cl_sqlite_t *db)
{
    cache_t *c = cl_sqlite_userdata(db);
    if (!c && (c = calloc(1, sizeof *c)) != NULL) {
        c->generation = __atomic_load_n(&session_generation, __ATOMIC_ACQUIRE);
        cl_sqlite_set_userdata(db, c, cache_free);
    }
    return c;
}

static cached_t *cache_find(cache_t *c, const unsigned char key[SHA256_DIGEST_LENGTH])
{
    cached_t *set = c->slot[key[0] % CACHE_SETS];
    for (size_t w = 0; w < CACHE_WAYS; w++) {
        if (set[w].user && memcmp(set[w].key, key, SHA256_DIGEST_LENGTH) == 0) {
            set[w].used = ++c->clock;
            return &set[w];
        }
    }
    return NULL;
}

/* Keep USER and PARSED (may be NULL; new references are taken) and the rest under KEY, in a free
 * way or the least recently used one of its set. */
static void cache_put(cache_t *c, const unsigned char key[SHA256_DIGEST_LENGTH], json_t *user,
                      cl_user_t *parsed, const char *csrf, int64_t last_seen, int64_t expires_at)
{
    cached_t *set = c->slot[key[0] % CACHE_SETS], *e = &set[0];
    for (size_t w = 0; w < CACHE_WAYS && e->user; w++) {
        if (!set[w].user || set[w].used < e->used) {
            e = &set[w];
        }
    }
    if (e->user) {
        json_decref(e->user);
        cl_user_free(e->parsed);
    } else {
        c->n++;
    }
    memcpy(e->key, key, SHA256_DIGEST_LENGTH);
    e->user = json_incref(user);
    e->parsed = parsed ? cl_user_ref(parsed) : NULL;
    snprintf(e->csrf, sizeof e->csrf, "%s", csrf);
    e->last_seen = last_seen;
    e->expires_at = expires_at;
    e->used = ++c->clock;
}

/* This thread's connection wrote to the sessions (committed): every thread's cache may be wrong
 * now — this one's data_version will not say so, and the others' may not be read for a
 * millisecond —, so the generation moves on and each cache empties itself at its next lookup.
 * KEEP: the write was this thread's idle touch of an entry it already updated, so its own cache
 * stays valid when no other write came in between. */
static void written(cl_sessions_t *s, int keep)
{
    uint64_t g = __atomic_add_fetch(&session_generation, 1, __ATOMIC_ACQ_REL);
    cl_sqlite_t *db = NULL;
    if (cl_sqlite_pool_get(&db, s->pool, NULL) == 0) {
        cache_t *c = cl_sqlite_userdata(db);
        if (c && keep && c->generation + 1 == g) {
            c->generation = g;
        } else if (c) {
            cache_clear(c);
            c->generation = g;
        }
    }
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
    s->watch_version = -1;
    pthread_mutex_init(&s->watch_lock, NULL);
    cl_sqlite_options_t opt = {
        .sync = CL_SQLITE_SYNC_NORMAL, .migrations = MIGRATIONS, .n_migrations = 1};
    int rc = cl_sqlite_pool_new(&s->pool, path, &opt, err);
    rc = rc ? rc : cl_sqlite_open(&s->watch, path, NULL, err); /* migrated by the pool */
    if (rc != 0) {
        cl_sessions_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void cl_sessions_close(cl_sessions_t *s)
{
    if (s) {
        cl_sqlite_close(s->watch);
        cl_sqlite_pool_free(s->pool);
        pthread_mutex_destroy(&s->watch_lock);
        free(s);
    }
}

/* Read the watch's data_version if no read began in the last DATA_VERSION_EVERY_NS; a change (a
 * commit of any other connection, this process's or another's) moves the generation on. */
static int watch(cl_sessions_t *s, cl_err_t *err)
{
    int64_t t = mono_ns();
    if (t - __atomic_load_n(&s->watched_ns, __ATOMIC_ACQUIRE) < DATA_VERSION_EVERY_NS) {
        return 0;
    }
    int rc = 0;
    pthread_mutex_lock(&s->watch_lock);
    if (t - s->watched_ns >= DATA_VERSION_EVERY_NS) { /* not read by another thread meanwhile */
        int64_t v = 0;
        rc = cl_sqlite_data_version(&v, s->watch, err);
        if (rc == 0) {
            if (v != s->watch_version) {
                __atomic_add_fetch(&session_generation, 1, __ATOMIC_ACQ_REL);
                s->watch_version = v;
            }
            __atomic_store_n(&s->watched_ns, t, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&s->watch_lock);
    return rc;
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
    return rc ? rc : cl_sqlite_run(st, err); /* the caller tells the caches, once committed */
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
    written(s, 0);
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

/* What a lookup hands back: the user's document and/or its parsed form, as new references. */
typedef struct {
    json_t **user;      /* may be NULL */
    cl_user_t **parsed; /* may be NULL */
} found_t;

/* Hand E's user to OUT, parsing it once for the entry when asked for the parsed form. */
static int hand_out(found_t *out, cached_t *e, cl_err_t *err)
{
    if (out->parsed) {
        if (!e->parsed) {
            int rc = cl_user_from_json(&e->parsed, e->user, err);
            if (rc != 0) {
                return rc;
            }
        }
        *out->parsed = cl_user_ref(e->parsed);
    }
    if (out->user) {
        *out->user = json_incref(e->user);
    }
    return 0;
}

static void drop(found_t *out)
{
    if (out->user) {
        json_decref(*out->user);
        *out->user = NULL;
    }
    if (out->parsed) {
        cl_user_free(*out->parsed);
        *out->parsed = NULL;
    }
}

/* The hit path: expiry from the cached timestamps, the idle touch written through and kept. */
static int lookup_cached(found_t *out, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s,
                         cached_t *e, const char *sid, const char *h, cl_err_t *err)
{
    int64_t now = now_s();
    if (now >= e->expires_at || now - e->last_seen >= s->limits.idle_s) {
        if (delete_session(s, sid, err) != 0) {
            /* gone or not, the answer is the same */
        }
        written(s, 0);
        return cl_err_set(err, CL_EUNAUTH, "your session has expired; sign in again");
    }
    int rc = hand_out(out, e, err);
    if (rc != 0) {
        return rc;
    }
    if (csrf) {
        memcpy(csrf, e->csrf, CL_SESSION_TOKEN_LEN); /* NUL-terminated within it (cache_put) */
    }
    if (now - e->last_seen < TOUCH_EVERY_S) {
        return 0;
    }
    rc = touch(s, h, now, err);
    if (rc == 0) {
        e->last_seen = now; /* this connection's own write: the entry stays right */
        written(s, 1);
    } else {
        drop(out);
    }
    return rc;
}

/* The miss path: the row, its expiry, the idle touch; the entry kept in C (may be NULL). */
static int lookup_row(found_t *out, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s,
                      cl_sqlite_t *db, cache_t *c, const unsigned char key[SHA256_DIGEST_LENGTH],
                      const char *sid, const char *h, cl_err_t *err)
{
    __atomic_add_fetch(&s->misses, 1, __ATOMIC_RELAXED);
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_cached(
        &st, db, "SELECT user_json, csrf, last_seen, expires_at FROM sessions WHERE id_hash = ?1",
        err);
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
        written(s, 0);
        return cl_err_set(err, CL_EUNAUTH, "your session has expired; sign in again");
    }
    cached_t e = {.user = json_loads(cl_sqlite_column_text(st, 0), 0, NULL)};
    snprintf(e.csrf, sizeof e.csrf, "%s", cl_sqlite_column_text(st, 1));
    cl_sqlite_reset(st);
    if (!e.user) {
        return cl_err_set(err, CL_EINTERNAL, "a stored session is unreadable");
    }
    rc = hand_out(out, &e, err);
    if (rc == 0 && csrf) {
        memcpy(csrf, e.csrf, sizeof e.csrf);
    }
    if (rc == 0 && now - last >= TOUCH_EVERY_S) {
        rc = touch(s, h, now, err);
        if (rc != 0) {
            drop(out);
        } else {
            written(s, 1);
            last = now;
        }
    }
    if (rc == 0 && c) {
        cache_put(c, key, e.user, e.parsed, e.csrf, last, expires);
    }
    json_decref(e.user);
    cl_user_free(e.parsed);
    return rc;
}

static int lookup(found_t *out, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s, const char *sid,
                  cl_err_t *err)
{
    if (!sid || strlen(sid) != CL_SESSION_TOKEN_LEN - 1) {
        return cl_err_set(err, CL_EUNAUTH, "not signed in");
    }
    unsigned char key[SHA256_DIGEST_LENGTH];
    char h[65];
    sid_digest(key, h, sid);
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, s->pool, err);
    /* the watch first, then the generation, then the row: a change committed in between empties
     * the cache next time */
    rc = rc ? rc : watch(s, err);
    if (rc != 0) {
        return rc;
    }
    cache_t *c = cache_of(db);
    if (c) {
        uint64_t g = __atomic_load_n(&session_generation, __ATOMIC_ACQUIRE);
        if (g != c->generation) {
            cache_clear(c);
            c->generation = g;
        }
        cached_t *e = cache_find(c, key);
        if (e) {
            __atomic_add_fetch(&s->hits, 1, __ATOMIC_RELAXED);
            return lookup_cached(out, csrf, s, e, sid, h, err);
        }
    }
    return lookup_row(out, csrf, s, db, c, key, sid, h, err);
}

int cl_sessions_lookup(json_t **user, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s,
                       const char *sid, cl_err_t *err)
{
    *user = NULL;
    found_t out = {.user = user};
    return lookup(&out, csrf, s, sid, err);
}

int cl_sessions_lookup_user(cl_user_t **user, char csrf[CL_SESSION_TOKEN_LEN], cl_sessions_t *s,
                            const char *sid, cl_err_t *err)
{
    *user = NULL;
    found_t out = {.parsed = user};
    return lookup(&out, csrf, s, sid, err);
}

int cl_sessions_delete(cl_sessions_t *s, const char *sid, cl_err_t *err)
{
    if (!sid || !*sid) {
        return 0;
    }
    int rc = delete_session(s, sid, err);
    written(s, 0);
    return rc;
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
    written(s, 0);
    rc = rc ? rc : stmt(&st, s, "DELETE FROM login_states WHERE created_at <= ?1", err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 1, now - CL_LOGIN_MAX_AGE_S, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

void cl_sessions_cache_stats(cl_sessions_t *s, uint64_t *hits, uint64_t *misses)
{
    *hits = __atomic_load_n(&s->hits, __ATOMIC_RELAXED);
    *misses = __atomic_load_n(&s->misses, __ATOMIC_RELAXED);
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
