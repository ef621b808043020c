/* retry.h — the one retry policy of provider calls: what is safe to retry, and how long to wait.
 *
 * Safe to retry: no response at all (connection refused or cut, timeout) and the statuses that say
 * "not now" (408, 409, 425, 429, 500, 502, 503, 504, 529 Anthropic "overloaded"). Never retried:
 * other 4xx (the request is wrong or not allowed; sending it again changes nothing), a 2xx whose
 * body is not the provider's format, a missing key. A summary call has no side effect but its cost,
 * so resending is safe; the budget reservation covers every attempt. Delay before attempt N+1: full
 * jitter, uniform in [0, min(max_ms, base_ms * 2^(N-1))]; when the provider sent Retry-After, at
 * least that long, and if that is beyond max_retry_after_ms the call gives up at once (the fallback
 * chain is faster than waiting). Thread safety: pure functions. */
#ifndef CL_AI_RETRY_H
#define CL_AI_RETRY_H

#include "ai/models.h"

typedef enum { CL_RETRY_NO = 0, CL_RETRY_YES } cl_retry_verdict_t;

/* Judge one attempt: TRANSPORT_RC is cl_transport_send's result, STATUS the HTTP status (0 for
 * none). */
cl_retry_verdict_t cl_retry_classify(int transport_rc, int status);

/* Milliseconds to wait before the next attempt after FAILURES failed attempts (1 = the first
 * failed), given RETRY_AFTER_MS (-1: none) and R01, a uniform random number in [0, 1). Returns -1
 * when the call must not wait (Retry-After beyond the policy's maximum). */
long cl_retry_delay_ms(const cl_retry_policy_t *p, int failures, long retry_after_ms, double r01);

#endif
