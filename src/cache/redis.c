/* redis.c — the Redis backend. Each thread keeps its own hiredis connection (hiredis contexts are
 * not thread-safe). A failure anywhere bumps a shared generation and closes the door for retry_ms:
 * every thread then skips Redis without waiting for its own timeout, and each reconnects (dropping
 * its stale connection) once the door reopens. */
#include "cache/internal.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define MODULE "cache"

/* INCR that sets the expiry when it creates the counter (or finds one without expiry). */
static const char INCR_SCRIPT[] =
    "local v = redis.call('INCR', KEYS[1]) "
    "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
    "return v";

typedef struct conn {
    struct conn *next;
    cl_cache_redis_t *owner;
    redisContext *ctx;
    uint64_t generation; /* of the owner when this connection was made */
} conn_t;

struct cl_cache_redis {
    char host[256];
    char unix_path[512];
    int port, db;
    char user[128], password[256];
    int timeout_ms, retry_ms;
    pthread_key_t key;
    pthread_mutex_t lock;
    conn_t *conns;
    int64_t closed_until_ms; /* atomic: no attempts before this */
    uint64_t generation;     /* atomic: bumped on every failure */
    uint64_t errors, reconnects;
    int logged_down; /* atomic: one warning per outage */
};

/* A database number: the whole of S, decimal, 0-1000. 0 on success, -1 otherwise. */
static int parse_db(const char *s, int *db)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < 0 || v > 1000) {
        return -1;
    }
    *db = (int)v;
    return 0;
}

static int parse_url(cl_cache_redis_t *r, const char *url, cl_err_t *err)
{
    r->port = 6379;
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7;
        size_t n = strcspn(path, "?");
        if (n == 0 || n >= sizeof r->unix_path || path[0] != '/') {
            return cl_err_set(err, CL_ECONFIG,
                              "cache.redis_url: unix:// needs an absolute socket path");
        }
        memcpy(r->unix_path, path, n);
        if (path[n] == '?' &&
            (strncmp(path + n, "?db=", 4) != 0 || parse_db(path + n + 4, &r->db))) {
            return cl_err_set(err, CL_ECONFIG,
                              "cache.redis_url: only ?db=N (0-1000) may follow the socket path");
        }
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        return cl_err_set(err, CL_ECONFIG, "cache.redis_url must start with redis:// or unix://");
    }
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : 0;
        const char *pw = colon ? colon + 1 : p;
        size_t plen = (size_t)(at - pw);
        if (ulen >= sizeof r->user || plen >= sizeof r->password) {
            return cl_err_set(err, CL_ECONFIG, "cache.redis_url: user or password too long");
        }
        memcpy(r->user, p, ulen);
        memcpy(r->password, pw, plen);
        p = at + 1;
    }
    size_t hlen = strcspn(p, ":/");
    if (hlen == 0 || hlen >= sizeof r->host) {
        return cl_err_set(err, CL_ECONFIG, "cache.redis_url has no host");
    }
    memcpy(r->host, p, hlen);
    p += hlen;
    if (*p == ':') {
        char *end = NULL;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) {
            return cl_err_set(err, CL_ECONFIG, "cache.redis_url has a bad port");
        }
        r->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        if (parse_db(p + 1, &r->db)) {
            return cl_err_set(err, CL_ECONFIG, "cache.redis_url has a bad database number");
        }
    } else if (*p && strcmp(p, "/") != 0) {
        return cl_err_set(err, CL_ECONFIG,
                          "cache.redis_url has trailing characters after the host");
    }
    return 0;
}

static void on_thread_exit(void *payload)
{
    conn_t *c = payload;
    cl_cache_redis_t *r = c->owner;
    pthread_mutex_lock(&r->lock);
    for (conn_t **p = &r->conns; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (c->ctx) {
        redisFree(c->ctx);
    }
    free(c);
}

int cl_cache_redis_new(cl_cache_redis_t **out, const char *url, int timeout_ms, int retry_ms,
                       cl_err_t *err)
{
    *out = NULL;
    cl_cache_redis_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = parse_url(r, url, err);
    if (rc != 0) {
        free(r);
        return rc;
    }
    const char *pw = getenv("CATLENS_REDIS_PASSWORD");
    if (pw && *pw) {
        snprintf(r->password, sizeof r->password, "%s", pw);
    }
    r->timeout_ms = timeout_ms;
    r->retry_ms = retry_ms;
    if (pthread_key_create(&r->key, on_thread_exit) != 0) {
        free(r);
        return cl_err_set(err, CL_ENOMEM, "no thread-local key left for the cache");
    }
    pthread_mutex_init(&r->lock, NULL);
    *out = r;
    return 0;
}

void cl_cache_redis_free(cl_cache_redis_t *r)
{
    if (!r) {
        return;
    }
    pthread_key_delete(r->key);
    conn_t *c = r->conns;
    while (c) {
        conn_t *next = c->next;
        if (c->ctx) {
            redisFree(c->ctx);
        }
        free(c);
        c = next;
    }
    pthread_mutex_destroy(&r->lock);
    explicit_bzero(r->password, sizeof r->password);
    free(r);
}

static const char *where(const cl_cache_redis_t *r, char *buf, size_t cap)
{
    if (r->unix_path[0]) {
        snprintf(buf, cap, "%s", r->unix_path);
    } else {
        snprintf(buf, cap, "%s:%d", r->host, r->port);
    }
    return buf;
}

/* Record a failure: close the door, invalidate every thread's connection, count it, warn once per
 * outage. */
static void failed(cl_cache_redis_t *r, conn_t *c, const char *what)
{
    if (c && c->ctx) {
        redisFree(c->ctx);
        c->ctx = NULL;
    }
    __atomic_add_fetch(&r->generation, 1, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&r->closed_until_ms, cl_cache_now_ms() + r->retry_ms, __ATOMIC_RELEASE);
    if (__atomic_exchange_n(&r->logged_down, 1, __ATOMIC_ACQ_REL) == 0) {
        char buf[600];
        cl_logf(CL_LOG_WARN, MODULE, "redis_down",
                "Redis at %s failed (%s): serving misses, retrying every %d ms",
                where(r, buf, sizeof buf), what, r->retry_ms);
    }
}

static int setup_session(cl_cache_redis_t *r, redisContext *ctx)
{
    redisReply *rep = NULL;
    if (r->password[0]) {
        rep = r->user[0] ? redisCommand(ctx, "AUTH %s %s", r->user, r->password)
                         : redisCommand(ctx, "AUTH %s", r->password);
        int ok = rep && rep->type != REDIS_REPLY_ERROR;
        freeReplyObject(rep);
        if (!ok) {
            return -1;
        }
    }
    if (r->db) {
        rep = redisCommand(ctx, "SELECT %d", r->db);
        int ok = rep && rep->type != REDIS_REPLY_ERROR;
        freeReplyObject(rep);
        if (!ok) {
            return -1;
        }
    }
    return 0;
}

/* This thread's live connection, or NULL while Redis is unusable. */
static conn_t *connection(cl_cache_redis_t *r)
{
    if (cl_cache_now_ms() < __atomic_load_n(&r->closed_until_ms, __ATOMIC_ACQUIRE)) {
        return NULL;
    }
    conn_t *c = pthread_getspecific(r->key);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) {
            return NULL;
        }
        c->owner = r;
        pthread_mutex_lock(&r->lock);
        c->next = r->conns;
        r->conns = c;
        pthread_mutex_unlock(&r->lock);
        pthread_setspecific(r->key, c);
    }
    uint64_t gen = __atomic_load_n(&r->generation, __ATOMIC_ACQUIRE);
    if (c->ctx && c->generation == gen) {
        return c;
    }
    if (c->ctx) {
        redisFree(c->ctx); /* made before the last failure: do not trust it */
        c->ctx = NULL;
    }
    struct timeval tv = {r->timeout_ms / 1000, (suseconds_t)(r->timeout_ms % 1000) * 1000};
    redisContext *ctx = r->unix_path[0] ? redisConnectUnixWithTimeout(r->unix_path, tv)
                                        : redisConnectWithTimeout(r->host, r->port, tv);
    if (!ctx || ctx->err || redisSetTimeout(ctx, tv) != REDIS_OK || setup_session(r, ctx) != 0) {
        if (ctx) {
            redisFree(ctx);
        }
        failed(r, c, "connect");
        return NULL;
    }
    c->ctx = ctx;
    c->generation = gen;
    if (gen > 0) {
        __atomic_add_fetch(&r->reconnects, 1, __ATOMIC_RELAXED);
    }
    if (__atomic_exchange_n(&r->logged_down, 0, __ATOMIC_ACQ_REL) == 1) {
        char buf[600];
        cl_logf(CL_LOG_INFO, MODULE, "redis_up", "Redis at %s is back", where(r, buf, sizeof buf));
    }
    return c;
}

/* Run a command; NULL when the connection failed (already recorded). */
static redisReply *command(cl_cache_redis_t *r, conn_t **out, const char *fmt, ...)
{
    conn_t *c = connection(r);
    *out = c;
    if (!c) {
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c->ctx, fmt, ap);
    va_end(ap);
    if (!rep) {
        failed(r, c, c->ctx && c->ctx->errstr[0] ? "connection lost" : "no reply");
    }
    return rep;
}

int cl_cache_redis_get(cl_cache_redis_t *r, const char *key, char **out, size_t *out_len)
{
    conn_t *c;
    redisReply *rep = command(r, &c, "GET %b", key, strlen(key));
    if (!rep) {
        return CL_EUNAVAILABLE;
    }
    int rc = CL_ENOTFOUND;
    if (rep->type == REDIS_REPLY_STRING) {
        char *copy = malloc(rep->len + 1);
        rc = copy ? 0 : CL_ENOMEM;
        if (copy) {
            memcpy(copy, rep->str, rep->len);
            copy[rep->len] = '\0';
            *out = copy;
            *out_len = rep->len;
        }
    } else if (rep->type == REDIS_REPLY_ERROR) {
        __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
    }
    freeReplyObject(rep);
    return rc;
}

int cl_cache_redis_set(cl_cache_redis_t *r, const char *key, const void *value, size_t len,
                       int ttl_ms)
{
    conn_t *c;
    redisReply *rep =
        command(r, &c, "SET %b %b PX %d", key, strlen(key), value ? value : "", len, ttl_ms);
    if (!rep) {
        return CL_EUNAVAILABLE;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        __atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
    }
    freeReplyObject(rep);
    return 0;
}

int cl_cache_redis_delete(cl_cache_redis_t *r, const char *key)
{
    conn_t *c;
    redisReply *rep = command(r, &c, "DEL %b", key, strlen(key));
    if (!rep) {
        return CL_EUNAVAILABLE;
    }
    freeReplyObject(rep);
    return 0;
}

int cl_cache_redis_incr(cl_cache_redis_t *r, const char *key, int ttl_ms, int64_t *out)
{
    conn_t *c;
    redisReply *rep = command(r, &c, "EVAL %s 1 %b %d", INCR_SCRIPT, key, strlen(key), ttl_ms);
    if (!rep) {
        return CL_EUNAVAILABLE;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_INTEGER) {
        *out = (int64_t)rep->integer;
    } else {
        rc = CL_EINVAL; /* the key holds something that is not a counter */
    }
    freeReplyObject(rep);
    return rc;
}

void cl_cache_redis_counts(cl_cache_redis_t *r, uint64_t *errors, uint64_t *reconnects, int *up)
{
    *errors = __atomic_load_n(&r->errors, __ATOMIC_RELAXED);
    *reconnects = __atomic_load_n(&r->reconnects, __ATOMIC_RELAXED);
    *up = !__atomic_load_n(&r->logged_down, __ATOMIC_ACQUIRE);
}
