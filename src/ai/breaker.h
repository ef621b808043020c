/* breaker.h — a circuit breaker per model.
 *
 * Closed: calls go through; FAILURES consecutive failed attempts open it. Open: calls are refused
 * at once (the fallback chain takes over) until COOLDOWN_MS have passed. Half-open: one probe call
 * goes through; its success closes the breaker, its failure opens it for another cooldown. Time
 * comes from the caller (milliseconds of a monotonic clock), so tests can drive it. Thread safety:
 * every function may be called from any thread. */
#ifndef CL_AI_BREAKER_H
#define CL_AI_BREAKER_H

#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_breaker cl_breaker_t;

typedef enum { CL_BREAKER_CLOSED = 0, CL_BREAKER_OPEN, CL_BREAKER_HALF_OPEN } cl_breaker_state_t;

/* Returns 0 or CL_ENOMEM. *out is new: cl_breaker_free(). */
CL_NODISCARD int cl_breaker_new(cl_breaker_t **out, int failures, int cooldown_ms, cl_err_t *err);
void cl_breaker_free(cl_breaker_t *b);

/* May a call to KEY start at NOW_MS? 1 yes (closed, or the half-open probe), 0 no. A caller told
 * yes must call cl_breaker_record once. */
int cl_breaker_allow(cl_breaker_t *b, const char *key, uint64_t now_ms);

/* The outcome of an attempt allowed for KEY. */
void cl_breaker_record(cl_breaker_t *b, const char *key, int success, uint64_t now_ms);

cl_breaker_state_t cl_breaker_state(cl_breaker_t *b, const char *key, uint64_t now_ms);
const char *cl_breaker_state_name(cl_breaker_state_t s);

#endif
