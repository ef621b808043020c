/* err.h — the one error type of catlens.
 *
 * Owns: error codes, the cl_err_t value (code + one-line message, no allocation), and the table
 * that maps each code to an HTTP status, a JSON error.code and a process exit code. Messages never
 * carry secrets or SQL text. Thread safety: cl_err_t is a plain value; each thread passes its own.
 * The mapping functions are pure. */
#ifndef CL_CORE_ERR_H
#define CL_CORE_ERR_H

#include "core/defs.h"

enum {
    CL_OK = 0,
    CL_EINVAL = -1,        /* bad input from a user or a file: 400 */
    CL_ENOTFOUND = -2,     /* no such thing: 404 */
    CL_EIO = -3,           /* file system or network failure */
    CL_ENOMEM = -4,        /* allocation failed */
    CL_ECONFIG = -5,       /* configuration is invalid */
    CL_EDATA = -6,         /* data check failed (reconciliation, not-null keys, row counts) */
    CL_EPARTIAL = -7,      /* source data for the period is missing or incomplete */
    CL_EUNAUTH = -8,       /* not signed in: 401 */
    CL_EFORBIDDEN = -9,    /* signed in, not allowed: 403 */
    CL_ECONFLICT = -10,    /* state conflict: 409 */
    CL_ETOOBIG = -11,      /* payload too large: 413 */
    CL_ERATELIMIT = -12,   /* too many requests: 429 */
    CL_EBUDGET = -13,      /* credit budget exhausted: 402 */
    CL_EUNAVAILABLE = -14, /* a dependency is down: 503 */
    CL_ETIMEOUT = -15,     /* a dependency timed out: 504 */
    CL_EQUERY = -16,       /* the analytics engine failed a query */
    CL_EINTERNAL = -99,    /* a bug: 500 */
};

#define CL_ERR_MSG_MAX 256

typedef struct {
    int code;
    char msg[CL_ERR_MSG_MAX];
} cl_err_t;

/* Reset ERR (may be NULL) to CL_OK with an empty message. */
void cl_err_clear(cl_err_t *err);

/* Record CODE and a printf-formatted one-line message in ERR (may be NULL: then only CODE is
 * returned). Returns CODE, so a failure reads `return cl_err_set(err, CL_EINVAL, "...")`. */
int cl_err_set(cl_err_t *err, int code, const char *fmt, ...) CL_PRINTF(3, 4);

#ifdef __clang_analyzer__
/* The static analyser sees one file at a time, so it cannot know that cl_err_set returns CODE and
 * would follow `return cl_err_set(...)` on as a success. Show it the contract; builds never see
 * this (cl_err_set names the function inside its own expansion). */
#define cl_err_set(err, code, ...) ((void)cl_err_set((err), (code), __VA_ARGS__), (code))
#endif

/* Prefix ERR's message with "CONTEXT: ", keeping its code; returns the code. */
int cl_err_wrap(cl_err_t *err, const char *fmt, ...) CL_PRINTF(2, 3);

/* The stable snake_case name used as error.code in JSON, e.g. "invalid_argument". Never NULL. */
const char *cl_err_name(int code);

/* The HTTP status for CODE (200 for CL_OK, 500 for unknown codes). */
int cl_err_http_status(int code);

/* The process exit code for CODE: 0 ok, 2 usage/input, 3 config, 4 data check, 5 partial data, 1
 * otherwise. */
int cl_err_exit_code(int code);

#endif
