/* log.c — the JSON-lines log sink. One mutex keeps lines whole when several worker threads log at
 * once; the level check happens before any formatting so that debug logging costs nothing when it
 * is off. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *sink;
static int level_threshold = -1; /* -1: not yet read from the environment */

static const char *LEVEL_NAMES[] = {"debug", "info", "warn", "error", "off"};

int cl_log_level_parse(cl_log_level_t *out, const char *name)
{
    for (int i = 0; i <= CL_LOG_OFF; i++) {
        if (name && strcmp(name, LEVEL_NAMES[i]) == 0) {
            *out = (cl_log_level_t)i;
            return 0;
        }
    }
    return CL_EINVAL;
}

static int threshold(void)
{
    int t = __atomic_load_n(&level_threshold, __ATOMIC_RELAXED);
    if (t < 0) {
        cl_log_level_t parsed = CL_LOG_INFO;
        if (cl_log_level_parse(&parsed, getenv("CATLENS_LOG_LEVEL")) != 0) {
            parsed = CL_LOG_INFO;
        }
        t = (int)parsed;
        __atomic_store_n(&level_threshold, t, __ATOMIC_RELAXED);
    }
    return t;
}

void cl_log_set_level(cl_log_level_t level)
{
    __atomic_store_n(&level_threshold, (int)level, __ATOMIC_RELAXED);
}

void cl_log_set_sink(FILE *f)
{
    pthread_mutex_lock(&sink_lock);
    sink = f;
    pthread_mutex_unlock(&sink_lock);
}

static void format_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

int cl_log_enabled(cl_log_level_t level)
{
    return (int)level >= threshold() && level < CL_LOG_OFF;
}

void cl_log(cl_log_level_t level, const char *module, const char *event, json_t *fields)
{
    if (!cl_log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char ts[32];
    format_now(ts, sizeof ts);
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(LEVEL_NAMES[level]));
    json_object_set_new(line, "module", json_string(module ? module : "-"));
    json_object_set_new(line, "event", json_string(event ? event : "-"));
    if (json_is_object(fields)) {
        json_object_update_missing(line, fields);
    }
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text) {
        return;
    }
    pthread_mutex_lock(&sink_lock);
    FILE *out = sink ? sink : stderr;
    fputs(text, out);
    fputc('\n', out);
    fflush(out);
    pthread_mutex_unlock(&sink_lock);
    free(text);
}

void cl_logf(cl_log_level_t level, const char *module, const char *event, const char *fmt, ...)
{
    if (!cl_log_enabled(level)) {
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cl_log(level, module, event, json_pack("{s:s}", "msg", msg));
}
