/* demo_data.c — the demo-data run: checks the options, builds the world and the scenario plan,
 * generates the weeks on worker threads (each with its own in-memory DuckDB, one thread each, so
 * each Parquet file is written by one writer and comes out byte-identical), then writes the files
 * that span weeks (budgets, market pulse, watermark, ground truth) and swaps the tree into place.
 */
#include "etl/demo_data.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "etl/demo_gen.h"
#include "etl/demo_rng.h"
#include "warehouse/db.h"

#define GT_MAX (1 << 20)

/* 1 if DIR is missing or empty, 2 if it holds earlier demo-data output, 0 otherwise. */
static int dir_replaceable(const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        return errno == ENOENT ? 1 : 0;
    }
    if (!S_ISDIR(sb.st_mode)) {
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    int empty = 1;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    if (empty) {
        return 1;
    }
    char path[4200], *text = NULL;
    size_t len = 0;
    cl_err_t err;
    snprintf(path, sizeof path, "%s/ground_truth.json", dir);
    if (cl_file_read_all(&text, &len, path, GT_MAX, &err) != 0) {
        return 0;
    }
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    const char *gen = json_string_value(json_object_get(doc, "generator"));
    int ours = gen && strncmp(gen, "catlens demo-data", 17) == 0;
    json_decref(doc);
    return ours ? 2 : 0;
}

int cl_demo_validate(const cl_demo_options_t *opt, cl_err_t *err)
{
    if (!opt->out_dir || !*opt->out_dir) {
        return cl_err_set(err, CL_EINVAL, "--out DIR is required");
    }
    if (strlen(opt->out_dir) > 3000) {
        return cl_err_set(err, CL_EINVAL, "--out: path too long");
    }
    if (opt->weeks < 1 || opt->weeks > CL_DEMO_MAX_WEEKS) {
        return cl_err_set(err, CL_EINVAL, "--weeks must be between 1 and %d", CL_DEMO_MAX_WEEKS);
    }
    int64_t min = (int64_t)opt->weeks * CL_DEMO_MIN_LINES_PER_WEEK;
    if (opt->lines < min || opt->lines > CL_DEMO_MAX_LINES_TOTAL) {
        return cl_err_set(
            err, CL_EINVAL, "--orders must be between %lld (%d order lines a week) and %lld",
            (long long)min, CL_DEMO_MIN_LINES_PER_WEEK, (long long)CL_DEMO_MAX_LINES_TOTAL);
    }
    if (opt->seed > (1ULL << 53)) {
        return cl_err_set(err, CL_EINVAL, "--seed must be between 0 and 9007199254740992");
    }
    if (opt->threads < 1 || opt->threads > 64) {
        return cl_err_set(err, CL_EINVAL, "--threads must be between 1 and 64");
    }
    cl_week_t first = cl_week_add(opt->end_week, -(opt->weeks - 1));
    if (first.year < 1971 || opt->end_week.year > 9998) {
        return cl_err_set(err, CL_EINVAL, "--end-week and --weeks reach outside 1971..9998");
    }
    if (dir_replaceable(opt->out_dir) == 0) {
        return cl_err_set(err, CL_EINVAL,
                          "--out %.200s exists and is neither empty nor earlier demo-data output "
                          "(no ground_truth.json from catlens demo-data): refusing to replace it",
                          opt->out_dir);
    }
    return 0;
}

typedef struct {
    const cl_demo_options_t *opt;
    const cl_demo_gen_t *gen;
    const char *staging;
    cl_demo_week_stats_t *stats; /* one per week */
    pthread_mutex_t lock;
    int next, done, failed;
    cl_err_t err; /* the first failure */
} run_t;

static void week_done(run_t *run, int index, const cl_demo_week_stats_t *st)
{
    pthread_mutex_lock(&run->lock);
    run->done++;
    if (run->opt->progress) {
        char week[CL_WEEK_KEY_LEN];
        cl_week_format(week, cl_week_add(run->opt->end_week, index - (run->opt->weeks - 1)));
        fprintf(run->opt->progress, "demo-data: %s done (%d/%d): %lld orders, %lld lines\n", week,
                run->done, run->opt->weeks, (long long)st->orders, (long long)st->lines);
    }
    pthread_mutex_unlock(&run->lock);
}

static void *worker(void *arg)
{
    run_t *run = arg;
    cl_err_t err;
    cl_err_clear(&err);
    cl_db_t *db = NULL;
    cl_db_options_t dbo = {.threads = 1, .memory_limit = "2GB"};
    int rc = cl_db_open(&db, NULL, &dbo, &err);
    rc = rc ? rc : cl_db_exec(db, "SET preserve_insertion_order = true", &err);
    rc = rc ? rc : cl_demo_gen_create_tables(run->gen, db, &err);
    while (rc == 0) {
        pthread_mutex_lock(&run->lock);
        int i = run->failed ? run->opt->weeks : run->next++;
        pthread_mutex_unlock(&run->lock);
        if (i >= run->opt->weeks) {
            break;
        }
        cl_week_t w = cl_week_add(run->opt->end_week, i - (run->opt->weeks - 1));
        rc = cl_demo_gen_week(&run->stats[i], run->gen, db, run->staging, w, &err);
        if (rc == 0) {
            week_done(run, i, &run->stats[i]);
        }
    }
    cl_db_close(db);
    if (rc != 0) {
        pthread_mutex_lock(&run->lock);
        if (!run->failed) {
            run->failed = 1;
            run->err = err;
        }
        pthread_mutex_unlock(&run->lock);
    }
    return NULL;
}

static int run_workers(run_t *run, cl_err_t *err)
{
    int n = run->opt->threads < run->opt->weeks ? run->opt->threads : run->opt->weeks;
    pthread_t tid[64];
    int started = 0;
    for (; started < n; started++) {
        if (pthread_create(&tid[started], NULL, worker, run) != 0) {
            break;
        }
    }
    if (started == 0) {
        return cl_err_set(err, CL_EIO, "cannot start a worker thread");
    }
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
    }
    if (run->failed) {
        *err = run->err;
        return err->code ? err->code : CL_EINTERNAL;
    }
    return 0;
}

static cl_week_t week_at(const cl_demo_options_t *opt, int i)
{
    return cl_week_add(opt->end_week, i - (opt->weeks - 1));
}

/* Finance's plan: the expected spend and revenue of each week, as a planner would have set it
 * (close to what happens, but not the noise and not the planted changes). */
static int write_budgets(const run_t *run, cl_err_t *err)
{
    const cl_demo_options_t *opt = run->opt;
    cl_db_t *db = NULL;
    cl_db_appender_t *a = NULL;
    cl_db_options_t dbo = {.threads = 1, .memory_limit = "512MB"};
    int rc = cl_db_open(&db, NULL, &dbo, err);
    rc = rc ? rc
            : cl_db_exec(db,
                         "CREATE TABLE budgets (week VARCHAR, region VARCHAR, "
                         "category_l1 VARCHAR, marketing_budget DECIMAL(18,2), "
                         "revenue_target DECIMAL(18,2))",
                         err);
    rc = rc ? rc : cl_db_appender_open(&a, db, "budgets", err);
    for (int i = 0; rc == 0 && i < opt->weeks; i++) {
        char week[CL_WEEK_KEY_LEN];
        cl_week_t w = week_at(opt, i);
        cl_week_format(week, w);
        const cl_demo_week_stats_t *st = &run->stats[i];
        for (int r = 0; rc == 0 && r < CL_DEMO_REGIONS; r++) {
            for (int l = 0; rc == 0 && l < CL_DEMO_L1; l++) {
                uint64_t h = cl_demo_hash(opt->seed, 0x62756467 /* budg */,
                                          (uint64_t)cl_week_index(w), (uint64_t)r, (uint64_t)l);
                double budget = st->plan_spend[r][l] * cl_demo_noise_of(h, 0.05);
                double target =
                    st->plan_revenue[r][l] * 1.03 * cl_demo_noise_of(cl_demo_mix64(h), 0.04);
                cl_db_append_text(a, week, strlen(week));
                cl_db_append_text(a, cl_demo_regions[r].id, strlen(cl_demo_regions[r].id));
                cl_db_append_text(a, cl_demo_l1s[l].id, strlen(cl_demo_l1s[l].id));
                cl_db_append_decimal(a, llround(budget * 100.0));
                /* targets are set in whole hundreds */
                cl_db_append_decimal(a, llround(target / 100.0) * 10000);
                rc = cl_db_appender_end_row(a, err);
            }
        }
    }
    int rc2 = cl_db_appender_close(a, rc ? NULL : err);
    rc = rc ? rc : rc2;
    char folder[4096], path[4200], lit[4300], sql[4400];
    snprintf(folder, sizeof folder, "%s/budgets", run->staging);
    snprintf(path, sizeof path, "%s/budgets.parquet", folder);
    rc = rc ? rc : cl_file_mkdirs(folder, err);
    rc = rc ? rc : cl_db_quote_literal(lit, sizeof lit, path, err);
    if (rc == 0) {
        snprintf(sql, sizeof sql, "COPY budgets TO %s (FORMAT parquet, COMPRESSION zstd)", lit);
        rc = cl_db_exec(db, sql, err);
    }
    cl_db_close(db);
    return rc;
}

/* A growing text buffer for the CSV feed. */
typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static int buf_printf(buf_t *b, const char *fmt, ...) CL_PRINTF(2, 3);
static int buf_printf(buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return CL_EINTERNAL;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return 0;
        }
        size_t cap = (b->cap ? b->cap * 2 : 65536) + (size_t)n;
        char *p = realloc(b->p, cap);
        if (!p) {
            return CL_ENOMEM;
        }
        b->p = p;
        b->cap = cap;
    }
}

/* The external market pulse: the market's demand for each category (our planned demand, growing
 * at the market's own rate) as an index, 100 = the average of the first 52 weeks, with survey
 * noise and the planted surge. */
static int write_pulse(const run_t *run, const cl_demo_plan_t *plan, cl_err_t *err)
{
    const cl_demo_options_t *opt = run->opt;
    buf_t b = {0};
    int rc = buf_printf(&b, "category_l1,week,pulse_index,source\n");
    int base_weeks = opt->weeks < 52 ? opt->weeks : 52;
    cl_demo_effects_t *fx = malloc(sizeof *fx);
    if (!fx) {
        rc = CL_ENOMEM;
    }
    for (int l = 0; rc == 0 && l < CL_DEMO_L1; l++) {
        double base = 0.0;
        for (int i = 0; i < base_weeks; i++) {
            base += run->stats[i].demand[l] / base_weeks;
        }
        for (int i = 0; rc == 0 && i < opt->weeks; i++) {
            cl_week_t w = week_at(opt, i);
            char week[CL_WEEK_KEY_LEN];
            cl_week_format(week, w);
            cl_demo_effects_for_week(fx, plan, w);
            double years = (double)(i - (opt->weeks - 1)) * 7.0 / 365.25;
            uint64_t h = cl_demo_hash(opt->seed, 0x70756c73 /* puls */, (uint64_t)cl_week_index(w),
                                      (uint64_t)l, 0);
            double index = 100.0 * run->stats[i].demand[l] / (base > 0.0 ? base : 1.0) *
                           exp(cl_demo_l1s[l].market_gap * years) * cl_demo_noise_of(h, 0.015) *
                           fx->pulse[l];
            rc = buf_printf(&b, "%s,%s,%.1f,retail_panel_index\n", cl_demo_l1s[l].id, week, index);
        }
    }
    free(fx);
    if (rc != 0) {
        free(b.p);
        return cl_err_set(err, rc, "out of memory writing the market pulse");
    }
    char folder[4096], path[4200];
    snprintf(folder, sizeof folder, "%s/market_pulse", run->staging);
    snprintf(path, sizeof path, "%s/market_pulse.csv", folder);
    rc = cl_file_mkdirs(folder, err);
    rc = rc ? rc : cl_file_write_atomic(path, b.p, b.len, err);
    free(b.p);
    return rc;
}

static int write_json(const char *dir, const char *name, json_t *doc, cl_err_t *err)
{
    if (!doc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory building %s", name);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (!text) {
        return cl_err_set(err, CL_ENOMEM, "out of memory writing %s", name);
    }
    size_t len = strlen(text);
    char *line = realloc(text, len + 2);
    if (!line) {
        free(text);
        return cl_err_set(err, CL_ENOMEM, "out of memory writing %s", name);
    }
    line[len] = '\n';
    int rc = cl_file_write_atomic(path, line, len + 1, err);
    free(line);
    return rc;
}

/* Every table is complete through the end of the end week (Sunday 23:59:59 UTC). */
static json_t *watermark(const cl_demo_options_t *opt)
{
    int y, m, d;
    cl_civil_from_days(cl_week_monday(opt->end_week) + 6, &y, &m, &d);
    char at[32];
    snprintf(at, sizeof at, "%04d-%02d-%02dT23:59:59Z", y, m, d);
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:I}", "loaded_through", at,
                     "tables", "orders", at, "order_lines", at, "sessions_daily", at,
                     "marketing_spend", at, "budgets", at, "market_pulse", at, "generated_by",
                     "catlens demo-data", "seed", (json_int_t)opt->seed);
}

/* Replace OUT with STAGING: rename the old tree aside, the new one in, then remove the old. */
static int swap_into_place(const char *out, const char *staging, cl_err_t *err)
{
    char old[4200];
    snprintf(old, sizeof old, "%s.demo-old-%ld", out, (long)getpid());
    int had = cl_file_exists(out);
    if (had && rename(out, old) != 0) {
        return cl_err_set(err, CL_EIO, "cannot move the previous %.200s aside: %s", out,
                          strerror(errno));
    }
    if (rename(staging, out) != 0) {
        int e = errno;
        if (had && rename(old, out) != 0) {
            return cl_err_set(err, CL_EIO, "cannot restore %.200s from %.200s", out, old);
        }
        return cl_err_set(err, CL_EIO, "cannot move the new tree into %.200s: %s", out,
                          strerror(e));
    }
    return had ? cl_file_remove_tree(old, err) : 0;
}

static int write_tree(run_t *run, cl_demo_world_t *world, cl_demo_plan_t *plan, cl_err_t *err)
{
    const cl_demo_options_t *opt = run->opt;
    int rc = run_workers(run, err);
    rc = rc ? rc : write_budgets(run, err);
    rc = rc ? rc : write_pulse(run, plan, err);
    rc = rc ? rc : write_json(run->staging, "_watermark.json", watermark(opt), err);
    (void)world;
    return rc ? rc
              : write_json(run->staging, "ground_truth.json",
                           cl_demo_ground_truth(plan, opt->seed, opt->weeks, opt->lines), err);
}

int cl_demo_generate(cl_demo_result_t *out, const cl_demo_options_t *opt, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = cl_demo_validate(opt, err);
    if (rc != 0) {
        return rc;
    }
    char dir[3100], staging[3200];
    snprintf(dir, sizeof dir, "%s", opt->out_dir);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) {
        dir[n - 1] = '\0';
    }
    snprintf(staging, sizeof staging, "%s.demo-tmp-%ld", dir, (long)getpid());
    cl_demo_world_t *world = malloc(sizeof *world);
    cl_demo_plan_t *plan = malloc(sizeof *plan);
    cl_demo_gen_t *gen = malloc(sizeof *gen);
    run_t run = {.opt = opt, .gen = gen, .staging = staging};
    run.stats = calloc((size_t)opt->weeks, sizeof *run.stats);
    if (!world || !plan || !gen || !run.stats) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    pthread_mutex_init(&run.lock, NULL);
    cl_demo_world_init(world, opt->seed);
    cl_demo_plan_init(plan, world, opt->end_week, (double)opt->lines / opt->weeks);
    cl_demo_gen_init(gen, world, plan, opt->end_week, opt->weeks, opt->lines);
    rc = cl_file_remove_tree(staging, err);
    rc = rc ? rc : cl_file_mkdirs(staging, err);
    rc = rc ? rc : write_tree(&run, world, plan, err);
    rc = rc ? rc : swap_into_place(dir, staging, err);
    for (int i = 0; rc == 0 && i < opt->weeks; i++) {
        out->orders += run.stats[i].orders;
        out->lines += run.stats[i].lines;
        out->sessions += run.stats[i].sessions;
        out->session_rows += run.stats[i].session_rows;
        out->marketing_rows += run.stats[i].marketing_rows;
    }
    pthread_mutex_destroy(&run.lock);
cleanup:
    if (rc != 0) {
        cl_err_t e2;
        if (cl_file_remove_tree(staging, &e2) != 0 && opt->progress) {
            fprintf(opt->progress, "demo-data: could not remove %s: %s\n", staging, e2.msg);
        }
    }
    free(run.stats);
    free(gen);
    free(plan);
    free(world);
    return rc;
}
