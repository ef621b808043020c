/* llm.h — one call to one model, with the retry loop, timeouts and the circuit breaker.
 *
 * The offline narrator answers directly. A network model: the breaker is asked first (open:
 * CL_EUNAVAILABLE at once); the key is read from the environment variable the model names (missing:
 * CL_ECONFIG, never retried); then up to retry.max_attempts attempts of at most the model's
 * timeout_ms each, with the waits of retry.h. Every attempt's outcome goes to the breaker. Time and
 * randomness come from CLOCK, so tests can observe the waits. Thread safety: cl_llm_call may run on
 * many threads at once with one shared cl_llm_env_t. */
#ifndef CL_AI_LLM_H
#define CL_AI_LLM_H

#include <stdint.h>

#include "ai/breaker.h"
#include "ai/models.h"
#include "ai/providers/provider.h"
#include "ai/transport.h"

typedef struct {
    uint64_t (*now_ms)(void *payload); /* monotonic */
    void (*sleep_ms)(void *payload, long ms);
    double (*random01)(void *payload); /* uniform in [0, 1) */
    void *payload;
} cl_llm_clock_t;

typedef struct {
    cl_transport_t *transport;      /* borrowed */
    cl_breaker_t *breaker;          /* borrowed */
    const cl_retry_policy_t *retry; /* borrowed */
    cl_llm_clock_t clock;           /* zeroed: the real clock */
} cl_llm_env_t;

typedef struct {
    int attempts;    /* HTTP attempts made */
    int last_status; /* of the last attempt; 0 when none answered */
    long waited_ms;  /* total backoff */
} cl_llm_stats_t;

/* Call CALL->model. Returns 0 with *out filled (cl_llm_reply_dispose), or CL_EUNAVAILABLE (circuit
 * open, connection failures after the retries), CL_ETIMEOUT, CL_ERATELIMIT (429s after the retries,
 * or a Retry-After beyond the policy), CL_EDATA (a reply not in the provider's format), CL_ECONFIG
 * (no key), CL_EINVAL (the provider refused the request: 4xx). STATS (may be NULL) says what
 * happened. */
CL_NODISCARD int cl_llm_call(cl_llm_reply_t *out, const cl_llm_env_t *env,
                             const cl_llm_call_t *call, cl_llm_stats_t *stats, cl_err_t *err);

/* The real clock's milliseconds (CLOCK_MONOTONIC). */
uint64_t cl_llm_now_ms(void);

#endif
