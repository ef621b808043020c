/* err.c — one table that gives every error code its JSON name, HTTP status and exit code, so that
 * the CLI, the HTTP layer and the logs always agree on what a failure means. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef cl_err_set /* err.h's model of cl_err_set for the static analyser; this is the function */

struct code_info {
    int code;
    const char *name;
    int http_status;
    int exit_code;
};

static const struct code_info CODES[] = {
    {CL_OK, "ok", 200, 0},
    {CL_EINVAL, "invalid_argument", 400, 2},
    {CL_ENOTFOUND, "not_found", 404, 2},
    {CL_EIO, "io_error", 500, 1},
    {CL_ENOMEM, "out_of_memory", 500, 1},
    {CL_ECONFIG, "invalid_config", 500, 3},
    {CL_EDATA, "data_check_failed", 500, 4},
    {CL_EPARTIAL, "partial_data", 503, 5},
    {CL_EUNAUTH, "unauthenticated", 401, 2},
    {CL_EFORBIDDEN, "forbidden", 403, 2},
    {CL_ECONFLICT, "conflict", 409, 2},
    {CL_ETOOBIG, "payload_too_large", 413, 2},
    {CL_ERATELIMIT, "rate_limited", 429, 1},
    {CL_EBUDGET, "budget_exhausted", 402, 1},
    {CL_EUNAVAILABLE, "unavailable", 503, 1},
    {CL_ETIMEOUT, "timeout", 504, 1},
    {CL_EQUERY, "query_failed", 500, 1},
    {CL_EINTERNAL, "internal", 500, 1},
};

static const struct code_info *lookup(int code)
{
    for (size_t i = 0; i < CL_ARRAY_LEN(CODES); i++) {
        if (CODES[i].code == code) {
            return &CODES[i];
        }
    }
    return &CODES[CL_ARRAY_LEN(CODES) - 1]; /* unknown codes are internal errors */
}

void cl_err_clear(cl_err_t *err)
{
    if (err) {
        err->code = CL_OK;
        err->msg[0] = '\0';
    }
}

int cl_err_set(cl_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int cl_err_wrap(cl_err_t *err, const char *fmt, ...)
{
    if (!err) {
        return CL_EINTERNAL;
    }
    char prefix[CL_ERR_MSG_MAX];
    char old[CL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

const char *cl_err_name(int code)
{
    return lookup(code)->name;
}

int cl_err_http_status(int code)
{
    return lookup(code)->http_status;
}

int cl_err_exit_code(int code)
{
    return lookup(code)->exit_code;
}

void cl_assert_failed(const char *expr, const char *file, int line)
{
    fprintf(stderr,
            "{\"level\":\"fatal\",\"module\":\"assert\",\"event\":\"assert_failed\","
            "\"expr\":\"%s\",\"file\":\"%s\",\"line\":%d}\n",
            expr, file, line);
#ifndef NDEBUG
    abort();
#endif
}
