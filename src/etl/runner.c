/* runner.c — the weekly ETL run. Budgets get decided on these numbers, so a run either publishes
 * a snapshot that passed every check or publishes nothing and says exactly why (which step,
 * which check, which table and days), leaving a record of the attempt either way. */
#include "etl/runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/file.h"
#include "core/log.h"

#define MODULE "etl"
#define MAX_PARAMS 64
#define WATERMARK_ROWS_MAX 64
#define AVAIL_COLS_MAX 64
#define CL_LOOP_STEPS_MAX 64
#define CL_LOOP_WORKERS_MAX 8

typedef struct {
    const cl_etl_options_t *opt;
    cl_etl_engine_t *engine;
    cl_etl_param_t params[MAX_PARAMS];
    size_t n_params;
    char texts[MAX_PARAMS][1024]; /* storage for the text values */
    json_t *checks;               /* manifest check results */
    json_t *tables;               /* manifest tables */
    cl_etl_result_t *out;
    size_t step_no; /* 1-based, for progress lines */
} run_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void date_text(char out[16], int64_t days)
{
    int y, m, d;
    cl_civil_from_days(days, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* Built-in parameters, then the pipeline's templates expanded with them. */
static int add_param(run_t *r, const char *name, const char *text, int64_t num, int is_int,
                     cl_err_t *err)
{
    if (r->n_params == MAX_PARAMS) {
        return cl_err_set(err, CL_EINVAL, "too many pipeline parameters");
    }
    size_t i = r->n_params++;
    int w = snprintf(r->texts[i], sizeof r->texts[i], "%s", text);
    if (w < 0 || (size_t)w >= sizeof r->texts[i]) {
        return cl_err_set(err, CL_EINVAL, "parameter %s: value longer than 1023 bytes", name);
    }
    r->params[i] =
        (cl_etl_param_t){name, is_int ? CL_ETL_PARAM_INT : CL_ETL_PARAM_TEXT, r->texts[i], num};
    return 0;
}

static const char *builtin_text(const run_t *r, const char *name, size_t len)
{
    for (size_t i = 0; i < r->n_params; i++) {
        if (strlen(r->params[i].name) == len && strncmp(r->params[i].name, name, len) == 0) {
            return r->texts[i];
        }
    }
    return NULL;
}

static int expand(char *out, size_t cap, const run_t *r, const char *tmpl, cl_err_t *err)
{
    size_t o = 0;
    for (const char *s = tmpl; *s;) {
        const char *e = *s == '{' ? strchr(s, '}') : NULL;
        const char *val = e ? builtin_text(r, s + 1, (size_t)(e - s - 1)) : NULL;
        size_t n = val ? strlen(val) : 1;
        if (o + n + 1 > cap) {
            return cl_err_set(err, CL_EINVAL, "parameter template expands beyond %zu bytes", cap);
        }
        memcpy(out + o, val ? val : s, n);
        o += n;
        s = val ? e + 1 : s + 1;
    }
    out[o] = '\0';
    return 0;
}

static int build_params(run_t *r, cl_week_t w, cl_err_t *err)
{
    const cl_etl_options_t *opt = r->opt;
    char first[CL_WEEK_KEY_LEN], first_start[16], start[16], end[16], hist[16];
    cl_week_t fw = cl_week_add(w, -(opt->history_weeks - 1));
    cl_week_format(first, fw);
    date_text(first_start, cl_week_monday(fw));
    date_text(start, cl_week_monday(w));
    date_text(end, cl_week_monday(w) + 6);
    snprintf(hist, sizeof hist, "%d", opt->history_weeks);
    int rc = add_param(r, "week", opt->week, 0, 0, err);
    rc = rc ? rc : add_param(r, "first_week", first, 0, 0, err);
    rc = rc ? rc : add_param(r, "first_week_start", first_start, 0, 0, err);
    rc = rc ? rc : add_param(r, "week_start", start, 0, 0, err);
    rc = rc ? rc : add_param(r, "week_end", end, 0, 0, err);
    rc = rc ? rc : add_param(r, "source", opt->source_dir, 0, 0, err);
    rc = rc ? rc : add_param(r, "history_weeks", hist, opt->history_weeks, 1, err);
    for (size_t i = 0; rc == 0 && i < opt->pipeline->n_params; i++) {
        char val[1024];
        rc = expand(val, sizeof val, r, opt->pipeline->params[i].template_text, err);
        rc = rc ? rc : add_param(r, opt->pipeline->params[i].name, val, 0, 0, err);
    }
    return rc;
}

static int severity_code(cl_check_severity_t s)
{
    return s == CL_CHECK_PARTIAL ? CL_EPARTIAL : s == CL_CHECK_WARN ? 0 : CL_EDATA;
}

static const char *severity_name(cl_check_severity_t s)
{
    return s == CL_CHECK_PARTIAL ? "partial" : s == CL_CHECK_WARN ? "warn" : "error";
}

static int run_checks(run_t *r, const cl_pipeline_step_t *st, cl_err_t *err)
{
    for (size_t i = 0; i < st->n_checks; i++) {
        const cl_pipeline_check_t *c = &st->checks[i];
        cl_etl_check_result_t res;
        double t0 = now_seconds();
        int rc = r->engine->ops->check(&res, r->engine, c->sql, r->params, r->n_params, err);
        if (rc != 0) {
            return cl_err_wrap(err, "step '%s', check '%s'", st->id, c->id);
        }
        cl_log(CL_LOG_DEBUG, MODULE, "check_done",
               json_pack("{s:s, s:s, s:I, s:f}", "step", st->id, "check", c->id, "failing_rows",
                         (json_int_t)res.failing_rows, "seconds", now_seconds() - t0));
        const char *status = res.failing_rows == 0          ? "pass"
                             : c->severity == CL_CHECK_WARN ? "warn"
                                                            : "fail";
        json_array_append_new(
            r->checks, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "step", st->id, "check",
                                 c->id, "description", c->description, "severity",
                                 severity_name(c->severity), "status", status, "failing_rows",
                                 (json_int_t)res.failing_rows, "sample", res.sample));
        if (res.failing_rows == 0) {
            r->out->checks_passed++;
            continue;
        }
        if (c->severity == CL_CHECK_WARN) {
            r->out->checks_warned++;
            cl_logf(CL_LOG_WARN, MODULE, "check_warn", "step %s, check %s: %lld rows: %s", st->id,
                    c->id, (long long)res.failing_rows, res.sample);
            continue;
        }
        /* the sample comes before the description: a 256-byte message must keep the evidence */
        return cl_err_set(err, severity_code(c->severity),
                          "step '%s', check '%s' failed: %lld failing row(s): %s (%s)", st->id,
                          c->id, (long long)res.failing_rows, res.sample, c->description);
    }
    return 0;
}

static int source_has(const char *source, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", source, rel);
    return cl_file_exists(path);
}

/* The statements of ST, in order, on E; a failure names the step, the statement of a list and
 * the week of a loop (WEEK, or NULL). */
static int run_statements(cl_etl_engine_t *e, const cl_pipeline_step_t *st, const char *week,
                          const cl_etl_param_t *params, size_t n, cl_err_t *err)
{
    for (size_t i = 0; i < st->n_sql; i++) {
        int rc = e->ops->exec(e, st->sql[i], params, n, err);
        if (rc == 0) {
            continue;
        }
        char where[64] = "", stmt[32] = "";
        if (week) {
            snprintf(where, sizeof where, ", week %s", week);
        }
        if (st->n_sql > 1) {
            snprintf(stmt, sizeof stmt, ", statement %zu", i + 1);
        }
        return cl_err_wrap(err, "step '%s'%s%s", st->id, where, stmt);
    }
    return 0;
}

/* After a step's statements (which took SPENT seconds): its table's rows, its checks, its log
 * line and its progress line (indented for the steps of a loop). */
static int finish_step(run_t *r, const cl_pipeline_step_t *st, int in_loop, double spent,
                       cl_err_t *err)
{
    double t0 = now_seconds();
    int64_t rows = -1;
    if (st->table && r->engine->ops->count_rows(&rows, r->engine, st->table, err) != 0) {
        return cl_err_wrap(err, "step '%s'", st->id);
    }
    int rc = run_checks(r, st, err);
    double secs = spent + now_seconds() - t0;
    cl_log(CL_LOG_INFO, MODULE, "step_done",
           json_pack("{s:s, s:I, s:f, s:i}", "step", st->id, "rows", (json_int_t)rows, "seconds",
                     secs, "ok", rc == 0));
    if (r->opt->progress) {
        char count[32] = "";
        if (rows >= 0) {
            snprintf(count, sizeof count, "%lld rows", (long long)rows);
        }
        fprintf(r->opt->progress, "[%2zu/%zu] %s%-*s %17s %7.2fs%s\n", r->step_no,
                r->opt->pipeline->n_steps, in_loop ? "  " : "", in_loop ? 20 : 22, st->id, count,
                secs, rc ? "  CHECK FAILED" : "");
    }
    return rc;
}

/* A for_each_week step: every week of the window through the loop's steps, on up to
 * opt->workers engine sessions at once (one week per session at a time, weeks handed out oldest
 * first), then each loop step's rows and checks. The first failure stops handing out weeks; the
 * failure of the earliest week is the one reported, so the message does not depend on timing. */
typedef struct {
    run_t *r;
    const cl_pipeline_step_t *loop;
    cl_week_t first;
    int n_weeks;
    pthread_mutex_t mu;
    int next;        /* the next week to hand out, 0-based */
    int failed_week; /* the earliest failed week, or n_weeks */
    int rc;
    cl_err_t err;
    double seconds[CL_LOOP_STEPS_MAX]; /* per loop step, summed over weeks */
} loop_t;

typedef struct {
    loop_t *l;
    cl_etl_engine_t *engine; /* this worker's session */
    pthread_t thread;
    int started;
} worker_t;

static int build_week(worker_t *w, int index, cl_err_t *err)
{
    loop_t *l = w->l;
    run_t *r = l->r;
    char key[CL_WEEK_KEY_LEN];
    cl_etl_param_t params[MAX_PARAMS + 1];
    memcpy(params, r->params, r->n_params * sizeof *params);
    cl_week_format(key, cl_week_add(l->first, index));
    params[r->n_params] = (cl_etl_param_t){CL_PIPELINE_BATCH_WEEK, CL_ETL_PARAM_TEXT, key, 0};
    double t_week = now_seconds();
    for (size_t i = 0; i < l->loop->n_steps; i++) {
        double t0 = now_seconds();
        int rc = run_statements(w->engine, &l->loop->steps[i], key, params, r->n_params + 1, err);
        pthread_mutex_lock(&l->mu);
        l->seconds[i] += now_seconds() - t0;
        pthread_mutex_unlock(&l->mu);
        if (rc != 0) {
            return rc;
        }
    }
    if (r->opt->progress) {
        fprintf(r->opt->progress, "[%2zu/%zu] %-22s week %s (%d of %d) %7.2fs\n", r->step_no,
                r->opt->pipeline->n_steps, l->loop->id, key, index + 1, l->n_weeks,
                now_seconds() - t_week);
    }
    return 0;
}

static void *work(void *arg)
{
    worker_t *w = arg;
    loop_t *l = w->l;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        int index = l->rc == 0 && l->next < l->n_weeks ? l->next++ : -1;
        pthread_mutex_unlock(&l->mu);
        if (index < 0) {
            return NULL;
        }
        cl_err_t err;
        int rc = build_week(w, index, &err);
        if (rc != 0) {
            pthread_mutex_lock(&l->mu);
            if (index < l->failed_week) {
                l->failed_week = index;
                l->rc = rc;
                l->err = err;
            }
            pthread_mutex_unlock(&l->mu);
            return NULL;
        }
    }
}

static int run_loop(run_t *r, const cl_pipeline_step_t *st, cl_err_t *err)
{
    if (st->n_steps > CL_LOOP_STEPS_MAX) {
        return cl_err_set(err, CL_EINVAL, "step '%s': more than %d steps", st->id,
                          CL_LOOP_STEPS_MAX);
    }
    if (r->opt->history_weeks < 1) { /* cl_etl_run refuses it: with no week there is no worker */
        return cl_err_set(err, CL_EINVAL, "step '%s': no weeks to run", st->id);
    }
    loop_t l = {.r = r, .loop = st, .n_weeks = r->opt->history_weeks};
    cl_week_t w;
    if (cl_week_parse(&w, r->opt->week, err) != 0) {
        return CL_EINVAL; /* validated before the run started */
    }
    l.first = cl_week_add(w, -(l.n_weeks - 1));
    l.failed_week = l.n_weeks;
    int n = r->opt->workers > 1 ? r->opt->workers : 1;
    n = n > l.n_weeks ? l.n_weeks : n;
    n = r->engine->ops->open_session ? (n > CL_LOOP_WORKERS_MAX ? CL_LOOP_WORKERS_MAX : n) : 1;
    worker_t workers[CL_LOOP_WORKERS_MAX] = {{0}};
    int rc = 0;
    double t0 = now_seconds();
    pthread_mutex_init(&l.mu, NULL);
    for (int i = 0; i < n; i++) {
        workers[i].l = &l;
        workers[i].engine = r->engine;
        if (i > 0) {
            rc = rc ? rc : r->engine->ops->open_session(&workers[i].engine, r->engine, err);
        }
    }
    for (int i = 1; rc == 0 && i < n; i++) {
        if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0) {
            pthread_mutex_lock(&l.mu);
            l.next = l.n_weeks; /* stop the workers already started */
            pthread_mutex_unlock(&l.mu);
            rc = cl_err_set(err, CL_ENOMEM, "cannot start a worker thread");
        }
        workers[i].started = rc == 0;
    }
    if (rc == 0) {
        work(&workers[0]);
    }
    for (int i = 1; i < n; i++) {
        if (workers[i].started) {
            pthread_join(workers[i].thread, NULL);
        }
        if (workers[i].engine != r->engine) {
            cl_etl_engine_close(workers[i].engine);
        }
    }
    pthread_mutex_destroy(&l.mu);
    if (rc == 0 && l.rc != 0) {
        *err = l.err;
        rc = l.rc;
    }
    cl_log(CL_LOG_INFO, MODULE, "loop_done",
           json_pack("{s:s, s:i, s:i, s:f, s:i}", "step", st->id, "weeks", l.n_weeks, "sessions", n,
                     "seconds", now_seconds() - t0, "ok", rc == 0));
    for (size_t i = 0; rc == 0 && i < st->n_steps; i++) {
        rc = finish_step(r, &st->steps[i], 1, l.seconds[i], err);
    }
    return rc;
}

static int run_steps(run_t *r, cl_err_t *err)
{
    const cl_pipeline_t *p = r->opt->pipeline;
    for (size_t i = 0; i < p->n_steps; i++) {
        const cl_pipeline_step_t *st = &p->steps[i];
        int skip = 0;
        r->step_no = i + 1;
        for (size_t j = 0; j < st->n_when_exists; j++) {
            skip |= !source_has(r->opt->source_dir, st->when_exists[j]);
        }
        if (skip) {
            if (r->opt->progress) {
                fprintf(r->opt->progress, "[%2zu/%zu] %-22s skipped (no %s)\n", i + 1, p->n_steps,
                        st->id, st->when_exists[0]);
            }
            continue;
        }
        double t0 = now_seconds();
        int rc = st->for_each_week
                     ? run_loop(r, st, err)
                     : run_statements(r->engine, st, NULL, r->params, r->n_params, err);
        rc = rc || st->for_each_week ? rc : finish_step(r, st, 0, now_seconds() - t0, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static json_t *str_list(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

/* Append NAME to the JSON array LIST unless it is there already. */
static void add_unique(json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), name) == 0) {
            return;
        }
    }
    json_array_append_new(list, json_string(name));
}

/* The output's not-available columns: those it declares (proven NULL in every row: a value there
 * would have been invented) and the measures that hold no value at all (e.g. an absent feed).
 * *out is new. */
static int not_available(json_t **out, run_t *r, const cl_pipeline_output_t *o, cl_err_t *err)
{
    const char *cols[AVAIL_COLS_MAX];
    int64_t counts[AVAIL_COLS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < o->n_not_available && n < AVAIL_COLS_MAX; i++) {
        cols[n++] = o->not_available[i];
    }
    for (size_t i = 0; i < o->n_measures && n < AVAIL_COLS_MAX; i++) {
        cols[n++] = o->measures[i];
    }
    if (n < o->n_not_available + o->n_measures) {
        return cl_err_set(err, CL_EINVAL, "more than %d measures", AVAIL_COLS_MAX);
    }
    *out = json_array();
    if (n == 0) {
        return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (!r->engine->ops->count_values) {
        return cl_err_set(err, CL_EINVAL, "engine %s cannot count column values",
                          r->engine->ops->name);
    }
    int rc = r->engine->ops->count_values(counts, r->engine, o->table, cols, n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i < o->n_not_available && counts[i] > 0) {
            rc = cl_err_set(err, CL_EDATA,
                            "column %s is declared not available but %lld row(s) hold a value "
                            "(a measure the source lacks must stay NULL, never be invented)",
                            cols[i], (long long)counts[i]);
        } else if (counts[i] == 0) {
            add_unique(*out, cols[i]);
        }
    }
    return rc;
}

static int export_outputs(run_t *r, const char *staging, cl_err_t *err)
{
    const cl_pipeline_t *p = r->opt->pipeline;
    for (size_t i = 0; i < p->n_outputs; i++) {
        const cl_pipeline_output_t *o = &p->outputs[i];
        char dest[CL_SNAPSHOT_PATH_MAX];
        double t0 = now_seconds();
        int64_t rows = 0;
        snprintf(dest, sizeof dest, "%s/%s", staging, o->table);
        cl_etl_export_t spec = {o->table,
                                dest,
                                (const char *const *)o->partition_by,
                                o->n_partition_by,
                                (const char *const *)o->key,
                                o->n_key};
        json_t *na = NULL;
        int rc = r->engine->ops->count_rows(&rows, r->engine, o->table, err);
        rc = rc ? rc : not_available(&na, r, o, err);
        rc = rc ? rc : r->engine->ops->export_parquet(r->engine, &spec, err);
        if (rc != 0) {
            json_decref(na);
            return cl_err_wrap(err, "output '%s'", o->table);
        }
        r->out->rows += rows;
        json_object_set_new(r->tables, o->table,
                            json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "rows", (json_int_t)rows,
                                      "description", o->description, "partition_by",
                                      str_list(o->partition_by, o->n_partition_by), "key",
                                      str_list(o->key, o->n_key), "measures",
                                      str_list(o->measures, o->n_measures), "not_available", na));
        if (r->opt->progress) {
            fprintf(r->opt->progress, "[export] %-22s %12lld rows %7.2fs\n", o->table,
                    (long long)rows, now_seconds() - t0);
        }
    }
    return 0;
}

static json_t *base_manifest(const run_t *r, json_t *watermark)
{
    const cl_etl_options_t *opt = r->opt;
    char *real = realpath(opt->source_dir, NULL);
    const char *source_path = real ? real : opt->source_dir;
    json_t *m = json_pack(
        "{s:i, s:s, s:s, s:i, s:{s:s, s:s}, s:s, s:{s:s, s:O}, s:O, s:O}", "format", 1, "week",
        opt->week, "first_week", builtin_text(r, "first_week", 10), "history_weeks",
        opt->history_weeks, "pipeline", "name", opt->pipeline->name, "version",
        opt->pipeline->version, "engine", r->engine ? r->engine->ops->describe(r->engine) : "none",
        "source", "path", source_path, "watermark", watermark ? watermark : json_null(), "tables",
        r->tables, "checks", r->checks);
    free(real);
    return m;
}

/* Write the attempt's record; a failure to record is logged, never masks the run's own error. */
static void record(run_t *r, int rc, const cl_err_t *err, json_t *missing, const char *started)
{
    const char *status = rc == 0 ? (r->out->snapshot.unchanged ? "unchanged" : "complete")
                         : rc == CL_EPARTIAL ? "partial"
                                             : "failed";
    char finished[32];
    cl_snapshot_utc_stamp(finished, (long long)time(NULL));
    json_t *rec =
        json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s?, s:s, s:s, s:i, s:O, s:O}", "week",
                  r->opt->week, "status", status, "pipeline", "name", r->opt->pipeline->name,
                  "version", r->opt->pipeline->version, "message", rc == 0 ? "" : err->msg,
                  "snapshot_id", r->out->snapshot.id[0] ? r->out->snapshot.id : NULL, "started_at",
                  started, "finished_at", finished, "exit_code", cl_err_exit_code(rc), "checks",
                  r->checks, "missing", missing ? missing : json_null());
    cl_err_t rerr;
    if (!rec || cl_snapshot_record_run(r->out->run_record, sizeof r->out->run_record,
                                       r->opt->warehouse_dir, r->opt->week, rec, &rerr) != 0) {
        cl_logf(CL_LOG_ERROR, MODULE, "record_failed", "cannot record the run: %s",
                rec ? rerr.msg : "out of memory");
    }
    json_decref(rec);
}

static int check_source(const char *source, const cl_pipeline_t *p, cl_err_t *err)
{
    struct stat st;
    if (stat(source, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return cl_err_set(err, CL_ENOTFOUND, "source folder '%s' does not exist", source);
    }
    for (size_t i = 0; i < p->n_requires; i++) {
        if (!source_has(source, p->requires[i])) {
            return cl_err_set(err, CL_ENOTFOUND,
                              "source folder '%s' has no %s (pipeline %s requires it; see its "
                              "documentation for the layout)",
                              source, p->requires[i], p->name);
        }
    }
    return 0;
}

static int open_engine(run_t *r, char *spill, size_t cap, cl_err_t *err)
{
    cl_etl_engine_options_t eo = r->opt->engine;
    if (!eo.spill_dir) {
        snprintf(spill, cap, "%s/.tmp/spill.%ld", r->opt->warehouse_dir, (long)getpid());
        eo.spill_dir = spill;
    }
    cl_etl_engine_open_fn fn =
        r->opt->open_engine ? r->opt->open_engine : cl_etl_engine_duckdb_open;
    return fn(&r->engine, &eo, err);
}

/* The pipeline's watermark query, run on the engine and judged like a _watermark.json. */
static int query_watermark(run_t *r, json_t **missing, json_t **watermark, cl_err_t *err)
{
    const cl_pipeline_watermark_t *wm = &r->opt->pipeline->watermark;
    json_t *rows = NULL;
    if (!r->engine->ops->query) {
        return cl_err_set(err, CL_EINVAL, "engine %s cannot run a watermark query",
                          r->engine->ops->name);
    }
    int rc = r->engine->ops->query(&rows, r->engine, wm->sql, r->params, r->n_params,
                                   WATERMARK_ROWS_MAX, err);
    if (rc != 0) {
        return cl_err_wrap(err, "watermark query");
    }
    rc = cl_etl_watermark_from_rows(watermark, rows, wm->description, err);
    json_decref(rows);
    const char *at = json_string_value(json_object_get(*watermark, "loaded_through"));
    if (rc == 0 && r->opt->progress) {
        fprintf(r->opt->progress, "[watermark] loaded through %s (%s)\n", at ? at : "(unknown)",
                wm->description);
    }
    return rc ? rc
              : cl_etl_watermark_eval(missing, *watermark, "watermark query", r->opt->week, err);
}

/* Everything after the lock: watermark, steps, checks, export, publish. */
static int run_locked(run_t *r, json_t **missing, json_t **watermark, cl_err_t *err)
{
    char spill[CL_SNAPSHOT_PATH_MAX], staging[CL_SNAPSHOT_PATH_MAX];
    int by_query = r->opt->pipeline->watermark.sql != NULL;
    int rc = by_query ? 0
                      : cl_etl_check_watermark(missing, watermark, r->opt->source_dir, r->opt->week,
                                               err);
    rc = rc ? rc : open_engine(r, spill, sizeof spill, err);
    if (rc == 0 && by_query) {
        rc = query_watermark(r, missing, watermark, err);
    }
    rc = rc ? rc : run_steps(r, err);
    rc = rc ? rc
            : cl_snapshot_stage(staging, sizeof staging, r->opt->warehouse_dir, r->opt->week, err);
    rc = rc ? rc : export_outputs(r, staging, err);
    json_t *manifest = rc ? NULL : base_manifest(r, *watermark);
    if (rc == 0 && !manifest) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0 && r->opt->post_export) {
        double t0 = now_seconds();
        cl_etl_engine_close(r->engine); /* its memory is the post-export step's now */
        r->engine = NULL;
        rc = r->opt->post_export(r->opt->post_export_ctx, manifest, staging, err);
        if (rc == 0 && r->opt->progress) {
            fprintf(r->opt->progress, "[post-export] %.2fs\n", now_seconds() - t0);
        }
    }
    rc = rc ? rc
            : cl_snapshot_publish(&r->out->snapshot, r->opt->warehouse_dir, r->opt->week, staging,
                                  manifest, err);
    json_decref(manifest);
    cl_etl_engine_close(r->engine);
    r->engine = NULL;
    return rc;
}

int cl_etl_run(cl_etl_result_t *out, const cl_etl_options_t *opt, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    run_t r = {.opt = opt, .out = out, .checks = json_array(), .tables = json_object()};
    json_t *missing = NULL, *watermark = NULL;
    char started[32];
    cl_week_t w;
    int lock = -1;
    cl_snapshot_utc_stamp(started, (long long)time(NULL));
    int rc = cl_week_parse(&w, opt->week, err);
    if (rc == 0 && (opt->history_weeks < 1 || opt->history_weeks > 520)) {
        rc = cl_err_set(err, CL_EINVAL, "history_weeks must be 1..520");
    }
    rc = rc ? rc : check_source(opt->source_dir, opt->pipeline, err);
    rc = rc ? rc : build_params(&r, w, err);
    if (rc != 0) {
        goto cleanup; /* nothing worth recording: the request itself was wrong */
    }
    rc = cl_snapshot_lock(&lock, opt->warehouse_dir, err);
    if (rc != 0) {
        goto cleanup;
    }
    rc = run_locked(&r, &missing, &watermark, err);
    {
        /* staging and spill files are never kept: a failed run leaves no half snapshot behind */
        char staging[CL_SNAPSHOT_PATH_MAX];
        snprintf(staging, sizeof staging, "%s/.tmp", opt->warehouse_dir);
        cl_err_t ignore;
        if (cl_file_remove_tree(staging, &ignore) != 0) {
            cl_logf(CL_LOG_WARN, MODULE, "cleanup_failed", "%s", ignore.msg);
        }
    }
    record(&r, rc, err, missing, started);
cleanup:
    cl_snapshot_unlock(lock);
    json_decref(missing);
    json_decref(watermark);
    json_decref(r.checks);
    json_decref(r.tables);
    return rc;
}
