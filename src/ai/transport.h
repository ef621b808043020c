/* transport.h — HTTP calls to model providers over one libcurl multi handle.
 *
 * Owns: a curl multi handle and the one thread that drives it, so that any number of calls can be
 * in flight at once while each caller simply waits for its own result. One attempt per call:
 * retries, backoff and circuit breaking are the caller's (llm.h). Responses are read up to
 * CL_TRANSPORT_MAX_BODY bytes; a longer body fails the call. The Retry-After header (seconds or an
 * HTTP date) is returned in milliseconds.
 *
 * Thread safety: cl_transport_send may be called from many threads at once; new/free from one. */
#ifndef CL_AI_TRANSPORT_H
#define CL_AI_TRANSPORT_H

#include <stddef.h>

#include "ai/providers/provider.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_TRANSPORT_MAX_BODY ((size_t)8 * 1024 * 1024)

typedef struct cl_transport cl_transport_t;

typedef struct {
    int status; /* HTTP status; 0 when no response arrived */
    char *body; /* NUL-terminated, possibly empty */
    size_t len;
    long retry_after_ms; /* -1: no Retry-After */
    double elapsed_ms;
} cl_wire_result_t;

/* A transport whose loop thread is running. Returns 0, CL_ENOMEM or CL_EINTERNAL. *out is new:
 * cl_transport_free(), which waits for the thread after failing every call still in flight. */
CL_NODISCARD int cl_transport_new(cl_transport_t **out, cl_err_t *err);
void cl_transport_free(cl_transport_t *t);

/* Send REQ (POST with its body) and wait for the whole response, at most TIMEOUT_MS. Returns 0 when
 * a response arrived (any status: the caller judges it), CL_ETIMEOUT, CL_EUNAVAILABLE (could not
 * connect, connection cut, no reply), CL_ETOOBIG or CL_EIO. *out is filled in every case:
 * cl_wire_result_dispose(). */
CL_NODISCARD int cl_transport_send(cl_transport_t *t, const cl_wire_request_t *req, int timeout_ms,
                                   cl_wire_result_t *out, cl_err_t *err);

void cl_wire_result_dispose(cl_wire_result_t *r);

/* Calls in flight right now. */
int cl_transport_in_flight(cl_transport_t *t);

/* Parse a Retry-After value ("120" or an HTTP date) into milliseconds from NOW_S (epoch seconds);
 * -1 if invalid. */
long cl_transport_retry_after_ms(const char *value, long now_s);

#endif
