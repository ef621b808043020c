/* cache.h — one key-value cache with expiry for every service: Redis when `cache.redis_url` is set
 * (shared by all instances), otherwise a bounded in-process cache (LRU by entries and bytes).
 *
 * Owns: keys (namespaced with a prefix), values (opaque bytes), expiry, and an atomic
 * increment-with-expiry for fixed-window rate limits and counters. It does not decide what is
 * cached or who may read it: callers build keys that carry the whole identity of the object (e.g.
 * snapshot + category + region + window + week) and check access before they look anything up.
 *
 * Redis going away never fails a caller: get reads as a miss, set and delete are dropped, and
 * increments continue on an in-process counter so rate limits still hold per process. After a
 * failure the cache stops trying Redis for `retry_ms` (so requests do not each wait for a timeout),
 * then reconnects on the next call; failures and reconnects are counted (cl_cache_stats). Secrets:
 * a password comes from the URL or CATLENS_REDIS_PASSWORD and is never logged (logs name host and
 * port only).
 *
 * Errors: CL_ECONFIG (bad URL or options at open), CL_EINVAL (bad key: empty, longer than
 * CL_CACHE_MAX_KEY, control characters; bad TTL), CL_ENOMEM, CL_ENOTFOUND (a miss). Thread safety:
 * one cl_cache_t is shared by all threads; the Redis backend keeps one connection per thread. */
#ifndef CL_CACHE_CACHE_H
#define CL_CACHE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_CACHE_MAX_KEY 512

typedef struct cl_cache cl_cache_t;

typedef struct {
    const char *redis_url; /* "redis://[:password@]host[:port][/db]" or "unix:///path[?db=N]";
                              NULL/"": memory */
    const char *prefix;    /* prepended to every key; NULL: "catlens:" */
    size_t max_entries;    /* in-process: 0 means 10000 */
    size_t max_bytes;      /* in-process, keys + values: 0 means 256 MiB */
    int timeout_ms;        /* Redis connect and command timeout: 0 means 250 */
    int retry_ms; /* after a Redis failure, wait this long before reconnecting: 0 means 1000 */
} cl_cache_options_t;

typedef struct {
    uint64_t hits, misses, sets, deletes, incrs;
    uint64_t evictions; /* in-process: entries dropped to stay within bounds */
    uint64_t
        errors; /* Redis commands or connections that failed (served as miss / dropped / local) */
    uint64_t reconnects; /* Redis connections made after a failure */
    int backend_up;      /* 1 when Redis is believed reachable (always 1 in process) */
} cl_cache_stats_t;

/* Open a cache with OPT. Redis being down at open is not an error (the cache starts degraded and
 * keeps trying). Returns 0, CL_ECONFIG or CL_ENOMEM. *out is new: cl_cache_close(). */
CL_NODISCARD int cl_cache_open(cl_cache_t **out, const cl_cache_options_t *opt, cl_err_t *err);

/* Close, freeing every connection and entry; no thread may be using it. NULL is fine. */
void cl_cache_close(cl_cache_t *c);

/* "redis" or "memory". */
const char *cl_cache_backend(const cl_cache_t *c);

/* Look KEY up. Returns 0 (hit: *out is new, free(), NUL-terminated, *out_len bytes), CL_ENOTFOUND
 * (miss, also when Redis is unreachable) or CL_EINVAL / CL_ENOMEM. */
CL_NODISCARD int cl_cache_get(char **out, size_t *out_len, cl_cache_t *c, const char *key,
                              cl_err_t *err);

/* A value looked up without a copy (cl_cache_get_shared): DATA (NUL-terminated) and LEN stay valid
 * and unchanged until RELEASE(CLS) is called, once, from any thread — also after the entry was
 * replaced or evicted, or the cache closed. */
typedef struct {
    const char *data;
    size_t len;
    void (*release)(void *cls);
    void *cls;
} cl_cache_value_t;

/* As cl_cache_get, into *OUT: in process the stored value itself (a reference taken on it, no
 * copy); from Redis a copy that RELEASE frees. */
CL_NODISCARD int cl_cache_get_shared(cl_cache_value_t *out, cl_cache_t *c, const char *key,
                                     cl_err_t *err);

/* Store LEN bytes of VALUE under KEY for TTL_MS (> 0) milliseconds. Returns 0 (also when Redis is
 * unreachable and the value was dropped), CL_EINVAL or CL_ENOMEM. A value larger than the
 * in-process byte bound is not stored. */
CL_NODISCARD int cl_cache_set(cl_cache_t *c, const char *key, const void *value, size_t len,
                              int ttl_ms, cl_err_t *err);

/* Remove KEY (absent is fine). Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_cache_delete(cl_cache_t *c, const char *key, cl_err_t *err);

/* Atomically add 1 to the counter KEY and give the new value in *out. The increment that creates
 * the counter also sets its expiry to TTL_MS, so a window starts at its first hit and resets when
 * it expires. Returns 0, CL_EINVAL (bad key or TTL, or KEY holds a non-counter value) or CL_ENOMEM.
 */
CL_NODISCARD int cl_cache_incr(int64_t *out, cl_cache_t *c, const char *key, int ttl_ms,
                               cl_err_t *err);

/* A snapshot of the counters. */
void cl_cache_stats(cl_cache_stats_t *out, cl_cache_t *c);

#endif
