/* retry.c — exponential backoff with full jitter (spreads retries of many callers apart), bounded,
 * and obedient to the provider's Retry-After. */
#include "ai/retry.h"

#include "core/err.h"

cl_retry_verdict_t cl_retry_classify(int transport_rc, int status)
{
    if (transport_rc == CL_ETIMEOUT || transport_rc == CL_EUNAVAILABLE) {
        return CL_RETRY_YES;
    }
    if (transport_rc != 0) {
        return CL_RETRY_NO;
    }
    switch (status) {
    case 408:
    case 409:
    case 425:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529:
        return CL_RETRY_YES;
    default:
        return CL_RETRY_NO;
    }
}

long cl_retry_delay_ms(const cl_retry_policy_t *p, int failures, long retry_after_ms, double r01)
{
    if (retry_after_ms > p->max_retry_after_ms) {
        return -1;
    }
    long cap = p->base_ms;
    for (int i = 1; i < failures && cap < p->max_ms; i++) {
        cap *= 2;
    }
    if (cap > p->max_ms) {
        cap = p->max_ms;
    }
    if (r01 < 0 || r01 >= 1) {
        r01 = 0;
    }
    long jittered = (long)((double)cap * r01);
    return retry_after_ms > jittered ? retry_after_ms : jittered;
}
