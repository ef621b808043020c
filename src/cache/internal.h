/* internal.h — the two cache backends behind cache.h. Not for use outside src/cache/. Keys passed
 * here are already validated and prefixed. */
#ifndef CL_CACHE_INTERNAL_H
#define CL_CACHE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/* ---- in-process: sharded hash table + LRU; thread-safe ---- */
typedef struct cl_cache_mem cl_cache_mem_t;

int cl_cache_mem_new(cl_cache_mem_t **out, size_t max_entries, size_t max_bytes);
void cl_cache_mem_free(cl_cache_mem_t *m);
/* 0 (hit, *out new), CL_ENOTFOUND, CL_ENOMEM */
int cl_cache_mem_get(cl_cache_mem_t *m, const char *key, char **out, size_t *out_len);
/* As cl_cache_mem_get without the copy: *out (NUL-terminated) is the entry's own value, unchanged
 * until cl_cache_mem_release(*ref), also if the entry is replaced, dropped or the cache freed. */
int cl_cache_mem_get_shared(cl_cache_mem_t *m, const char *key, const char **out, size_t *out_len,
                            void **ref);
void cl_cache_mem_release(void *ref);
/* 0, CL_ENOMEM; a value that can never fit is dropped (0) */
int cl_cache_mem_set(cl_cache_mem_t *m, const char *key, const void *value, size_t len, int ttl_ms);
void cl_cache_mem_delete(cl_cache_mem_t *m, const char *key);
/* 0, CL_EINVAL (not a counter), CL_ENOMEM */
int cl_cache_mem_incr(cl_cache_mem_t *m, const char *key, int ttl_ms, int64_t *out);
uint64_t cl_cache_mem_evictions(cl_cache_mem_t *m);

/* ---- Redis via hiredis, one connection per thread ---- */
typedef struct cl_cache_redis cl_cache_redis_t;

/* Parse URL; no connection is made. Returns 0, CL_ECONFIG or CL_ENOMEM. */
int cl_cache_redis_new(cl_cache_redis_t **out, const char *url, int timeout_ms, int retry_ms,
                       cl_err_t *err);
void cl_cache_redis_free(cl_cache_redis_t *r);
/* Each returns 0 / CL_ENOTFOUND (get) / CL_EINVAL (incr on a non-counter), or CL_EUNAVAILABLE when
 * Redis could not be used (the caller degrades). */
int cl_cache_redis_get(cl_cache_redis_t *r, const char *key, char **out, size_t *out_len);
int cl_cache_redis_set(cl_cache_redis_t *r, const char *key, const void *value, size_t len,
                       int ttl_ms);
int cl_cache_redis_delete(cl_cache_redis_t *r, const char *key);
int cl_cache_redis_incr(cl_cache_redis_t *r, const char *key, int ttl_ms, int64_t *out);
void cl_cache_redis_counts(cl_cache_redis_t *r, uint64_t *errors, uint64_t *reconnects, int *up);

/* Milliseconds on the monotonic clock. */
int64_t cl_cache_now_ms(void);

#endif
