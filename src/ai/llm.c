/* llm.c — the retry loop, once for every provider: classify each attempt, wait as retry.h says, and
 * tell the breaker. Keys are read at call time from the environment (rotating a key needs no
 * restart) and never logged. */
#include "ai/llm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/retry.h"
#include "core/log.h"

static uint64_t real_now(void *payload)
{
    (void)payload;
    return cl_llm_now_ms();
}

static void real_sleep(void *payload, long ms)
{
    (void)payload;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static double real_random(void *payload)
{
    (void)payload;
    static __thread unsigned int seed;
    if (seed == 0) {
        seed = (unsigned int)cl_llm_now_ms() ^ (unsigned int)(uintptr_t)&seed;
    }
    return (double)rand_r(&seed) / ((double)RAND_MAX + 1.0);
}

uint64_t cl_llm_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static cl_llm_clock_t clock_of(const cl_llm_env_t *env)
{
    cl_llm_clock_t c = env->clock;
    if (!c.now_ms) {
        c.now_ms = real_now;
    }
    if (!c.sleep_ms) {
        c.sleep_ms = real_sleep;
    }
    if (!c.random01) {
        c.random01 = real_random;
    }
    return c;
}

/* The error for a final failed attempt. */
static int final_error(int rc, int status, const char *model, cl_err_t *err)
{
    if (rc != 0) {
        return rc; /* err already says what the transport saw */
    }
    if (status == 429) {
        return cl_err_set(err, CL_ERATELIMIT, "model %s: rate limited by the provider", model);
    }
    if (status >= 500) {
        return cl_err_set(err, CL_EUNAVAILABLE, "model %s: provider error %d", model, status);
    }
    return cl_err_set(err, CL_EINVAL, "model %s: provider refused the request (%d)", model, status);
}

static int attempt_loop(cl_llm_reply_t *out, const cl_llm_env_t *env, const cl_llm_call_t *call,
                        const cl_wire_request_t *req, cl_llm_stats_t *stats, cl_err_t *err)
{
    cl_llm_clock_t clk = clock_of(env);
    const cl_model_t *m = call->model;
    const cl_provider_t *p = cl_provider_for(m->provider);
    for (int attempt = 1;; attempt++) {
        if (!cl_breaker_allow(env->breaker, m->name, clk.now_ms(clk.payload))) {
            return cl_err_set(err, CL_EUNAVAILABLE, "model %s: circuit open", m->name);
        }
        cl_wire_result_t res;
        cl_err_t terr;
        cl_err_clear(&terr);
        int rc = cl_transport_send(env->transport, req, m->timeout_ms, &res, &terr);
        stats->attempts++;
        stats->last_status = res.status;
        int ok = rc == 0 && res.status >= 200 && res.status < 300;
        if (ok) {
            rc = p->parse(out, res.body, res.len, err);
            cl_breaker_record(env->breaker, m->name, rc == 0, clk.now_ms(clk.payload));
            cl_wire_result_dispose(&res);
            return rc; /* a malformed 2xx is not retried: the chain moves on */
        }
        cl_breaker_record(env->breaker, m->name, 0, clk.now_ms(clk.payload));
        long retry_after = res.retry_after_ms;
        cl_wire_result_dispose(&res);
        if (err && rc != 0) {
            *err = terr;
        }
        long wait = -1;
        if (cl_retry_classify(rc, stats->last_status) == CL_RETRY_YES &&
            attempt < env->retry->max_attempts) {
            wait = cl_retry_delay_ms(env->retry, attempt, retry_after, clk.random01(clk.payload));
        }
        if (wait < 0) {
            if (retry_after > env->retry->max_retry_after_ms) {
                return cl_err_set(err, CL_ERATELIMIT, "model %s: provider asks to wait %ld ms",
                                  m->name, retry_after);
            }
            return final_error(rc, stats->last_status, m->name, err);
        }
        cl_log(CL_LOG_INFO, "ai", "provider_retry",
               json_pack("{s:s,s:i,s:i,s:I}", "model", m->name, "attempt", attempt, "status",
                         stats->last_status, "wait_ms", (json_int_t)wait));
        clk.sleep_ms(clk.payload, wait);
        stats->waited_ms += wait;
    }
}

int cl_llm_call(cl_llm_reply_t *out, const cl_llm_env_t *env, const cl_llm_call_t *call,
                cl_llm_stats_t *stats, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    cl_llm_stats_t local;
    stats = stats ? stats : &local;
    memset(stats, 0, sizeof *stats);
    const cl_model_t *m = call->model;
    const cl_provider_t *p = cl_provider_for(m->provider);
    if (p->answer) {
        return p->answer(out, call, err);
    }
    const char *key = m->api_key_env ? getenv(m->api_key_env) : NULL;
    if (m->api_key_env && (!key || !*key)) {
        return cl_err_set(err, CL_ECONFIG, "model %s: environment variable %s is not set", m->name,
                          m->api_key_env);
    }
    cl_wire_request_t req;
    int rc = p->build(&req, call, key, err);
    if (rc != 0) {
        return rc;
    }
    rc = attempt_loop(out, env, call, &req, stats, err);
    cl_wire_request_dispose(&req);
    return rc;
}
