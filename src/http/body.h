/* body.h — JSON request bodies: parsed strictly, then read field by field with clear messages.
 *
 * Owns: turning a request body into a JSON object (size-capped by the server, valid UTF-8, no NUL,
 * no duplicate keys, nesting at most CL_BODY_MAX_DEPTH deep, an object at the top) and typed field
 * reads that produce the message a client needs ("field 'week' is required", "field 'rating' must
 * be an integer between 1 and 5"). It does not know any endpoint's fields: handlers name them.
 *
 * Errors: CL_EINVAL with a message safe to return to the client (it never echoes values back).
 * Thread safety: pure functions. */
#ifndef CL_HTTP_BODY_H
#define CL_HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_BODY_MAX_DEPTH 16

/* Parse BODY (LEN bytes) as one JSON object. *out is new: json_decref(). Returns 0 or CL_EINVAL
 * ("request body is empty", "request body is not valid JSON: … (line L, column C)", "request body
 * must be a JSON object", "nested deeper than 16 levels"). */
CL_NODISCARD int cl_body_parse(json_t **out, const char *body, size_t len, cl_err_t *err);

/* Refuse any key of OBJ not in ALLOWED (NULL-terminated): "unknown field 'x'". Returns 0 or
 * CL_EINVAL. */
CL_NODISCARD int cl_body_only(const json_t *obj, const char *const allowed[], cl_err_t *err);

/* Read string field KEY of OBJ into *out (borrowed from OBJ). When absent or null: CL_EINVAL if
 * REQUIRED, else *out = NULL and 0. A string longer than MAX_LEN bytes, empty when required, or
 * holding a control character is CL_EINVAL. */
CL_NODISCARD int cl_body_string(const char **out, const json_t *obj, const char *key,
                                size_t max_len, int required, cl_err_t *err);

/* Read integer field KEY (a JSON integer in [MIN, MAX]). Absent: CL_EINVAL if REQUIRED, else *out =
 * DEFLT. */
CL_NODISCARD int cl_body_int(int64_t *out, const json_t *obj, const char *key, int64_t min,
                             int64_t max, int required, int64_t deflt, cl_err_t *err);

/* Read boolean field KEY. Absent: *out = DEFLT. Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_body_bool(int *out, const json_t *obj, const char *key, int deflt,
                              cl_err_t *err);

#endif
