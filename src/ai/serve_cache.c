/* serve_cache.c — the two uses the AI service makes of the shared cache (src/cache: Redis when
 * configured, else in-process): the exact-match request cache and the per-user rate limit. Keys
 * carry the whole identity: a summary key is sha256(model + prompt version + input), a rate-limit
 * key the user and the minute. */
#include "ai/service_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define DEFAULT_PER_MINUTE 30

int cl_ai_cache_open(cl_ai_service_t *svc, cl_err_t *err)
{
    cl_cache_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.redis_url = svc->cfg->redis_url;
    opt.prefix = "catlens:ai:";
    return cl_cache_open(&svc->cache, &opt, err);
}

int cl_ai_cache_get(json_t **out, cl_ai_service_t *svc, const char *key)
{
    char k[96];
    snprintf(k, sizeof k, "sum:%s", key);
    char *text = NULL;
    size_t len = 0;
    if (cl_cache_get(&text, &len, svc->cache, k, NULL) != 0) {
        return CL_ENOTFOUND;
    }
    *out = json_loadb(text, len, 0, NULL);
    free(text);
    return json_is_object(*out) ? 0 : CL_ENOTFOUND;
}

void cl_ai_cache_put(cl_ai_service_t *svc, const char *key, json_t *response)
{
    if (svc->cache_ttl_s <= 0) {
        return;
    }
    char k[96];
    snprintf(k, sizeof k, "sum:%s", key);
    char *text = json_dumps(response, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cl_err_t err;
    cl_err_clear(&err);
    if (text &&
        cl_cache_set(svc->cache, k, text, strlen(text), svc->cache_ttl_s * 1000, &err) != 0) {
        cl_log(CL_LOG_WARN, "ai", "cache_set_failed", json_pack("{s:s}", "error", err.msg));
    }
    free(text);
}

static int64_t limit_of(const cl_ai_service_t *svc, const char *table, const char *role)
{
    json_t *v = json_object_get(json_object_get(svc->rate_limits, table), role);
    return json_is_integer(v)                 ? (int64_t)json_integer_value(v)
           : strcmp(table, "per_minute") == 0 ? DEFAULT_PER_MINUTE
                                              : -1;
}

/* Count one request against the window of KEY_BASE ending now: 1 when over LIMIT (-1: unlimited).
 * A sliding-window counter: this minute's count plus last minute's, weighted by the part of last
 * minute still inside the window. Fixed minute windows would let a burst straddling a minute
 * boundary through at twice the limit. */
static int over(cl_ai_service_t *svc, const char *key_base, int64_t minute, double elapsed_frac,
                int64_t limit)
{
    if (limit < 0) {
        return 0;
    }
    char key[256];
    int64_t n = 0;
    cl_err_t cerr;
    cl_err_clear(&cerr);
    snprintf(key, sizeof key, "%s:%lld", key_base, (long long)minute);
    /* Two minutes of life: the next minute still reads this one as its previous. */
    if (cl_cache_incr(&n, svc->cache, key, 120000, &cerr) != 0) {
        cl_log(CL_LOG_WARN, "ai", "rate_limit_unavailable", json_pack("{s:s}", "error", cerr.msg));
        return 0; /* the cache keeps counting in process when Redis is away; this is a bad key */
    }
    double previous = 0;
    char *text = NULL;
    size_t len = 0;
    snprintf(key, sizeof key, "%s:%lld", key_base, (long long)(minute - 1));
    if (cl_cache_get(&text, &len, svc->cache, key, &cerr) == 0) {
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        previous = (end != text && v > 0) ? (double)v : 0;
        free(text);
    }
    return (double)n + previous * (1.0 - elapsed_frac) > (double)limit;
}

int cl_ai_rate_limit(cl_ai_service_t *svc, const char *user, const char *role, int64_t now_ms,
                     int *retry_after_s, cl_err_t *err)
{
    int64_t minute = now_ms / 60000;
    int64_t per_user = limit_of(svc, "per_minute", role);
    int64_t per_role = limit_of(svc, "per_role_per_minute", role);
    /* a user of its own (a service identity such as the weekly batch): its limit replaces the
     * role's, and it does not count against the role's shared limit */
    json_t *own = json_object_get(json_object_get(svc->rate_limits, "users"), user);
    if (json_is_integer(own)) {
        per_user = (int64_t)json_integer_value(own);
        per_role = -1;
    }
    double elapsed = (double)(now_ms - minute * 60000) / 60000.0;
    char k[224];
    snprintf(k, sizeof k, "rl:user:%s", user);
    int user_over = over(svc, k, minute, elapsed, per_user);
    snprintf(k, sizeof k, "rl:role:%s", role);
    int role_over = !user_over && over(svc, k, minute, elapsed, per_role);
    if (!user_over && !role_over) {
        return 0;
    }
    int wait = (int)(((minute + 1) * 60000 - now_ms + 999) / 1000);
    *retry_after_s = wait > 0 ? wait : 1;
    const char *labels[] = {role};
    cl_metrics_inc(svc->m.rate_limited, labels, 1);
    if (user_over) {
        return cl_err_set(err, CL_ERATELIMIT,
                          "rate limit: %lld summaries a minute per %s; retry in %d s",
                          (long long)per_user, role, *retry_after_s);
    }
    return cl_err_set(err, CL_ERATELIMIT,
                      "rate limit: %lld summaries a minute for all %s users; retry in %d s",
                      (long long)per_role, role, *retry_after_s);
}
