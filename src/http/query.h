/* query.h — request targets and query strings, parsed strictly.
 *
 * Owns: splitting a raw request-target ("/path?query") into its decoded path and its query
 * parameters, and the percent-decoding both use. Input is hostile: a bad escape ("%4", "%zz"), an
 * escaped NUL, a control character or invalid UTF-8 anywhere is refused rather than repaired; a
 * parameter given twice is refused too, so two layers can never disagree about which one counts. It
 * does not normalise paths ("/a/../b" stays as is): the static-file handler refuses dot segments
 * itself.
 *
 * Errors: CL_EINVAL with a message safe to show the client, CL_ETOOBIG (more than
 * CL_QUERY_MAX_PARAMS parameters), CL_ENOMEM. Thread safety: pure functions over caller-owned
 * values; a cl_query_t belongs to one thread. */
#ifndef CL_HTTP_QUERY_H
#define CL_HTTP_QUERY_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_QUERY_MAX_PARAMS 64

typedef struct {
    const char *name, *value; /* decoded, NUL-terminated; point into `buf` */
} cl_query_param_t;

typedef struct {
    char *path; /* decoded path, starts with '/'; points into `buf` */
    size_t n_params;
    cl_query_param_t params[CL_QUERY_MAX_PARAMS];
    char *buf; /* owns every string above */
} cl_query_t;

/* Percent-decode IN (LEN bytes) into OUT, which needs LEN + 1 bytes; '+' becomes a space when
 * PLUS_IS_SPACE (query strings, forms). The result is NUL-terminated and its length goes to
 * *out_len. Returns 0 or CL_EINVAL (bad escape, NUL, control character, invalid UTF-8). */
CL_NODISCARD int cl_query_decode(char *out, size_t *out_len, const char *in, size_t len,
                                 int plus_is_space, cl_err_t *err);

/* Parse the raw request-target TARGET (origin form: "/path" with an optional "?query"; a
 * "#fragment" is refused) into OUT. An empty query, empty pairs ("a=1&&b=2") and names without '='
 * (value "") are accepted. Returns 0, CL_EINVAL, CL_ETOOBIG or CL_ENOMEM; on success OUT owns its
 * memory: cl_query_dispose(). On failure OUT is empty. */
CL_NODISCARD int cl_query_parse_target(cl_query_t *out, const char *target, cl_err_t *err);

/* Parse a bare query string or form body QS (LEN bytes, no leading '?') into OUT; OUT->path is
 * NULL. Same rules and errors as cl_query_parse_target. */
CL_NODISCARD int cl_query_parse(cl_query_t *out, const char *qs, size_t len, cl_err_t *err);

/* The decoded value of parameter NAME, or NULL. Borrowed from Q. */
const char *cl_query_get(const cl_query_t *q, const char *name);

/* Free what Q owns and empty it; an empty or zeroed Q is fine. */
void cl_query_dispose(cl_query_t *q);

/* Append NAME=VALUE to the query string being built in OUT (CAP bytes, NUL-terminated, '&' added
 * between pairs), percent-encoding everything but unreserved characters. Returns 0 or CL_ETOOBIG
 * (nothing appended). */
CL_NODISCARD int cl_query_append(char *out, size_t cap, const char *name, const char *value,
                                 cl_err_t *err);

#endif
