/* cache.c — the cache interface: key checks and prefixes, statistics, and the degradation rules
 * when Redis is away (miss, drop, count locally). The backends know nothing of those rules. */
#include "cache/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/internal.h"
#include "core/log.h"

#define DEFAULT_ENTRIES 10000
#define DEFAULT_BYTES (256u << 20)
#define FALLBACK_ENTRIES 100000
#define FALLBACK_BYTES (32u << 20)

struct cl_cache {
    char prefix[64];
    cl_cache_mem_t *mem; /* the cache (memory backend) or the counter fallback (Redis backend) */
    cl_cache_redis_t *redis;                     /* NULL: memory backend */
    uint64_t hits, misses, sets, deletes, incrs; /* atomic */
};

int cl_cache_open(cl_cache_t **out, const cl_cache_options_t *opt, cl_err_t *err)
{
    *out = NULL;
    cl_cache_t *c = calloc(1, sizeof *c);
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    const char *prefix = opt && opt->prefix ? opt->prefix : "catlens:";
    if (strlen(prefix) >= sizeof c->prefix) {
        free(c);
        return cl_err_set(err, CL_ECONFIG, "cache key prefix is longer than %zu bytes",
                          sizeof c->prefix - 1);
    }
    snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
    int use_redis = opt && opt->redis_url && opt->redis_url[0];
    size_t entries = use_redis ? FALLBACK_ENTRIES
                               : (opt && opt->max_entries ? opt->max_entries : DEFAULT_ENTRIES);
    size_t bytes =
        use_redis ? FALLBACK_BYTES : (opt && opt->max_bytes ? opt->max_bytes : DEFAULT_BYTES);
    int rc = cl_cache_mem_new(&c->mem, entries, bytes);
    if (rc != 0) {
        free(c);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (use_redis) {
        int timeout = opt->timeout_ms > 0 ? opt->timeout_ms : 250;
        int retry = opt->retry_ms > 0 ? opt->retry_ms : 1000;
        rc = cl_cache_redis_new(&c->redis, opt->redis_url, timeout, retry, err);
        if (rc != 0) {
            cl_cache_close(c);
            return rc;
        }
    }
    *out = c;
    return 0;
}

void cl_cache_close(cl_cache_t *c)
{
    if (!c) {
        return;
    }
    cl_cache_redis_free(c->redis);
    cl_cache_mem_free(c->mem);
    free(c);
}

const char *cl_cache_backend(const cl_cache_t *c)
{
    return c->redis ? "redis" : "memory";
}

/* PREFIX + KEY into OUT, after checking KEY. */
static int full_key(char out[CL_CACHE_MAX_KEY + 64], const cl_cache_t *c, const char *key,
                    cl_err_t *err)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > CL_CACHE_MAX_KEY) {
        return cl_err_set(err, CL_EINVAL, "cache keys must be 1 to %d bytes", CL_CACHE_MAX_KEY);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        if (ch < 0x21 || ch == 0x7f) {
            return cl_err_set(err, CL_EINVAL,
                              "cache keys may not hold spaces or control characters");
        }
    }
    /* the prefix (under 64 bytes) and the key (at most CL_CACHE_MAX_KEY) always fit; copied without
     * snprintf, which was half of a cached report's lookup */
    size_t p = strlen(c->prefix);
    memcpy(out, c->prefix, p);
    memcpy(out + p, key, n + 1);
    return 0;
}

static int check_ttl(int ttl_ms, cl_err_t *err)
{
    return ttl_ms > 0
               ? 0
               : cl_err_set(err, CL_EINVAL, "cache TTL must be positive (got %d ms)", ttl_ms);
}

static void count(uint64_t *counter)
{
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

int cl_cache_get(char **out, size_t *out_len, cl_cache_t *c, const char *key, cl_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    char k[CL_CACHE_MAX_KEY + 64];
    int rc = full_key(k, c, key, err);
    if (rc != 0) {
        return rc;
    }
    rc = c->redis ? cl_cache_redis_get(c->redis, k, out, out_len)
                  : cl_cache_mem_get(c->mem, k, out, out_len);
    if (rc == CL_ENOMEM) {
        return cl_err_set(err, CL_ENOMEM, "out of memory reading the cache");
    }
    if (rc == 0) {
        count(&c->hits);
        return 0;
    }
    count(&c->misses);
    return CL_ENOTFOUND; /* a miss, or Redis unreachable: the caller computes the value */
}

int cl_cache_get_shared(cl_cache_value_t *out, cl_cache_t *c, const char *key, cl_err_t *err)
{
    *out = (cl_cache_value_t){0};
    if (c->redis) {
        char *copy = NULL;
        size_t len = 0;
        int rc = cl_cache_get(&copy, &len, c, key, err);
        if (rc == 0) {
            *out = (cl_cache_value_t){copy, len, free, copy};
        }
        return rc;
    }
    char k[CL_CACHE_MAX_KEY + 64];
    int rc = full_key(k, c, key, err);
    if (rc != 0) {
        return rc;
    }
    const char *data = NULL;
    size_t len = 0;
    void *ref = NULL;
    if (cl_cache_mem_get_shared(c->mem, k, &data, &len, &ref) == 0) {
        count(&c->hits);
        *out = (cl_cache_value_t){data, len, cl_cache_mem_release, ref};
        return 0;
    }
    count(&c->misses);
    return CL_ENOTFOUND;
}

int cl_cache_set(cl_cache_t *c, const char *key, const void *value, size_t len, int ttl_ms,
                 cl_err_t *err)
{
    char k[CL_CACHE_MAX_KEY + 64];
    int rc = full_key(k, c, key, err);
    rc = rc ? rc : check_ttl(ttl_ms, err);
    if (rc != 0) {
        return rc;
    }
    count(&c->sets);
    if (c->redis) {
        (void)cl_cache_redis_set(c->redis, k, value, len,
                                 ttl_ms); /* unreachable: dropped, already counted */
        return 0;
    }
    rc = cl_cache_mem_set(c->mem, k, value, len, ttl_ms);
    return rc ? cl_err_set(err, CL_ENOMEM, "out of memory writing the cache") : 0;
}

int cl_cache_delete(cl_cache_t *c, const char *key, cl_err_t *err)
{
    char k[CL_CACHE_MAX_KEY + 64];
    int rc = full_key(k, c, key, err);
    if (rc != 0) {
        return rc;
    }
    count(&c->deletes);
    if (c->redis) {
        (void)cl_cache_redis_delete(c->redis, k);
    }
    cl_cache_mem_delete(c->mem, k); /* also drops a fallback counter */
    return 0;
}

int cl_cache_incr(int64_t *out, cl_cache_t *c, const char *key, int ttl_ms, cl_err_t *err)
{
    *out = 0;
    char k[CL_CACHE_MAX_KEY + 64];
    int rc = full_key(k, c, key, err);
    rc = rc ? rc : check_ttl(ttl_ms, err);
    if (rc != 0) {
        return rc;
    }
    count(&c->incrs);
    rc = c->redis ? cl_cache_redis_incr(c->redis, k, ttl_ms, out) : CL_EUNAVAILABLE;
    if (rc == CL_EUNAVAILABLE) {
        rc = cl_cache_mem_incr(c->mem, k, ttl_ms, out); /* per process while Redis is away */
    }
    if (rc == CL_EINVAL) {
        return cl_err_set(err, CL_EINVAL, "cache key '%.64s' does not hold a counter", key);
    }
    return rc ? cl_err_set(err, CL_ENOMEM, "out of memory counting") : 0;
}

void cl_cache_stats(cl_cache_stats_t *out, cl_cache_t *c)
{
    memset(out, 0, sizeof *out);
    out->hits = __atomic_load_n(&c->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&c->misses, __ATOMIC_RELAXED);
    out->sets = __atomic_load_n(&c->sets, __ATOMIC_RELAXED);
    out->deletes = __atomic_load_n(&c->deletes, __ATOMIC_RELAXED);
    out->incrs = __atomic_load_n(&c->incrs, __ATOMIC_RELAXED);
    out->backend_up = 1;
    if (c->redis) {
        cl_cache_redis_counts(c->redis, &out->errors, &out->reconnects, &out->backend_up);
    } else {
        out->evictions = cl_cache_mem_evictions(c->mem);
    }
}
