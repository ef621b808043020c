/* log.h — structured JSON-lines logging.
 *
 * Owns: the process-wide log sink (stderr by default) and level threshold. Each line is one JSON
 * object:
 *   {"ts":"2026-11-24T10:00:00.123Z","level":"info","module":"etl","event":"step_done", ...fields}
 * Fields are passed as a jansson object; values are escaped by jansson, so data can never break a
 * line. Never log secrets: tokens, keys, cookies and passwords do not go into fields. Thread
 * safety: every function may be called from any thread; lines are written whole under one mutex. */
#ifndef CL_CORE_LOG_H
#define CL_CORE_LOG_H

#include <stdio.h>
#include <jansson.h>

#include "core/defs.h"

typedef enum {
    CL_LOG_DEBUG = 0,
    CL_LOG_INFO = 1,
    CL_LOG_WARN = 2,
    CL_LOG_ERROR = 3,
    CL_LOG_OFF = 4
} cl_log_level_t;

/* Set the minimum level written (default CL_LOG_INFO, or
 * CATLENS_LOG_LEVEL=debug|info|warn|error|off). */
void cl_log_set_level(cl_log_level_t level);

/* Parse "debug", "info", "warn", "error" or "off". Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_log_level_parse(cl_log_level_t *out, const char *name);

/* Redirect lines to SINK (borrowed; NULL restores stderr). Used by tests to capture output. */
void cl_log_set_sink(FILE *sink);

/* Whether a line at LEVEL would be written: a caller can skip building its fields. */
int cl_log_enabled(cl_log_level_t level);

/* Write one line. FIELDS (may be NULL) is stolen: the caller's reference is released. */
void cl_log(cl_log_level_t level, const char *module, const char *event, json_t *fields);

/* Convenience: one line with a "msg" field formatted by printf. */
void cl_logf(cl_log_level_t level, const char *module, const char *event, const char *fmt, ...)
    CL_PRINTF(4, 5);

#endif
