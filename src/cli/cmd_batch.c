/* cmd_batch.c — `catlens batch`: precompute every report of a week's snapshot — each category ×
 * region (and "all") × window — through the app's own report pipeline (app/reports.h), so that the
 * app serves them as cache hits: same documents, same keys, same archive (state/app.db), same
 * cache (Redis when cache.redis_url is set). A report is done once it is archived with its summary;
 * a rerun skips what is done, so an interrupted or partly failed batch resumes where it stopped.
 * Summaries are written by the AI service for the batch's service identity (BATCH_USER), whose
 * budget and rate limit are its own (ai.budgets.users, ai.rate_limits.users). */
#include "cli/cli.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/reports.h"
#include "cache/cache.h"
#include "core/calendar.h"
#include "core/file.h"
#include "core/log.h"
#include "etl/snapshot.h"
#include "report/report.h"
#include "store/archive.h"

#define BATCH_USER "catlens-batch"
#define BATCH_ROLE "admin"
#define MAX_JOBS 64

#define USAGE                                                                                      \
    "usage: catlens batch [--week YYYY-Www] [--jobs N] [--config PATH]\n"                          \
    "\n"                                                                                           \
    "Precompute every report of the week's published snapshot: each category x region (and\n"      \
    "\"all\") x window (WoW, MoM, QoQ, YoY), with its summary from the AI service (ai.url), "      \
    "into\n"                                                                                       \
    "the report archive (paths.state/app.db) and the cache, where catlens app serves them as\n"    \
    "cache hits. A report is done once archived with its summary; a rerun skips what is done, "    \
    "so\n"                                                                                         \
    "an interrupted batch resumes where it stopped. Reports whose summary the AI service could\n"  \
    "not write are not kept and are retried by the next run. Summaries are charged to the user\n"  \
    "\"" BATCH_USER "\" (give it a budget in ai.budgets.users).\n"                                 \
    "\n"                                                                                           \
    "  --week W       the ISO week (default: the last week that has ended)\n"                      \
    "  --jobs N       reports made at once, 1-64 (default app.report.builders)\n"                  \
    "  --config PATH  configuration file (default CATLENS_CONFIG or config/catlens.yaml)\n"        \
    "\n"                                                                                           \
    "One progress line per report on stderr, a closing line on stdout. SIGINT or SIGTERM: the\n"   \
    "reports in progress finish, nothing more starts.\n"                                           \
    "Exit codes: 0 every report done (or not applicable: too little history for its window),\n"    \
    "1 some failed or are incomplete (rerun to finish them), 2 bad option or no snapshot for\n"    \
    "the week, 3 configuration, 130 interrupted.\n"

typedef struct {
    const char *week, *config;
    int jobs;
} batch_args_t;

static int parse_args(batch_args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"week", required_argument, NULL, 'w'},
        {"jobs", required_argument, NULL, 'j'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        char *end = NULL;
        switch (ch) {
        case 'w':
            a->week = optarg;
            break;
        case 'j':
            a->jobs = (int)strtol(optarg, &end, 10);
            if (!*optarg || *end || a->jobs < 1 || a->jobs > MAX_JOBS) {
                fprintf(stderr, "catlens batch: --jobs must be a number from 1 to %d\n", MAX_JOBS);
                return 2;
            }
            break;
        case 'c':
            a->config = optarg;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 1;
        default:
            return cl_cli_bad_option("batch", argv[optind - 1], 0, USAGE);
        }
    }
    if (optind < argc) {
        return cl_cli_unexpected_argument("batch", argv[optind]);
    }
    return 0;
}

/* ---- the run: at most JOBS reports in progress, each answered on a pipeline thread */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    g_stop = sig;
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int total, answered, in_flight;
    int built, skipped, not_applicable, incomplete, failed;
    double t0;
} batch_t;

typedef struct {
    batch_t *b;
    cl_reports_key_t key;
    double started;
} item_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One report answered: count it and say so. */
static void on_done(void *payload, const cl_reports_result_t *res)
{
    item_t *it = payload;
    batch_t *b = it->b;
    const cl_reports_key_t *k = &it->key;
    const char *what;
    char why[2 * CL_ERR_MSG_MAX + 16] = "";
    pthread_mutex_lock(&b->lock);
    if (res->rc == CL_EINVAL) {
        what = "not applicable";
        snprintf(why, sizeof why, ": %s", res->err->msg);
        b->not_applicable++;
    } else if (res->rc != 0) {
        what = "FAILED";
        snprintf(why, sizeof why, ": %s", res->err->msg);
        b->failed++;
    } else if (strcmp(res->cache, "hit") == 0) {
        what = "already done";
        b->skipped++;
    } else if (res->degraded) {
        what = "incomplete, retried by the next run";
        snprintf(why, sizeof why, ": %s", res->why ? res->why : "no summary");
        b->incomplete++;
    } else {
        what = "built";
        b->built++;
    }
    int n = ++b->answered;
    fprintf(stderr, "catlens batch: [%*d/%d] %s x %s x %s: %s%s (%.2f s)\n",
            b->total >= 1000 ? 4 : 3, n, b->total, k->category, k->region, k->window_name, what,
            why, now_s() - it->started);
    b->in_flight--;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
    cl_reports_key_dispose(&it->key);
    free(it);
}

/* Wait until fewer than MAX reports are in progress (0: until none). */
static void wait_below(batch_t *b, int max)
{
    pthread_mutex_lock(&b->lock);
    while (b->in_flight > 0 && b->in_flight >= (max > 0 ? max : 1)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&b->changed, &b->lock, &ts);
        if (max > 0 && g_stop) {
            break;
        }
    }
    pthread_mutex_unlock(&b->lock);
}

/* Ask for the report of CATEGORY x REGION x WINDOW. */
static int submit(batch_t *b, cl_reports_t *r, const char *category, const char *region,
                  cl_window_t window, cl_week_t week, cl_err_t *err)
{
    item_t *it = calloc(1, sizeof *it);
    if (!it) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    it->b = b;
    it->started = now_s();
    int rc = cl_reports_locate(&it->key, r, category, region, window, week, err);
    if (rc != 0) {
        free(it);
        return rc;
    }
    pthread_mutex_lock(&b->lock);
    b->in_flight++;
    pthread_mutex_unlock(&b->lock);
    static const cl_ai_user_t who = {BATCH_USER, BATCH_USER, BATCH_ROLE};
    rc = cl_reports_request(r, &it->key, &who, on_done, it, err);
    if (rc != 0) {
        pthread_mutex_lock(&b->lock);
        b->in_flight--;
        pthread_mutex_unlock(&b->lock);
        cl_reports_key_dispose(&it->key);
        free(it);
    }
    return rc;
}

/* Every category x region (with "all") x window of DIMS, JOBS at a time, slice by slice (the
 * four windows of a slice read the warehouse once). */
static int run_all(batch_t *b, cl_reports_t *r, json_t *dims, cl_week_t week, int jobs,
                   cl_err_t *err)
{
    json_t *cats = json_object_get(dims, "categories");
    json_t *regions = json_deep_copy(json_object_get(dims, "regions"));
    json_array_append_new(regions, json_string(CL_REPORT_REGION_ALL));
    b->total = (int)(json_array_size(cats) * json_array_size(regions)) * CL_WINDOW_COUNT;
    int rc = 0;
    size_t i, j;
    json_t *c, *g;
    json_array_foreach(cats, i, c)
    {
        json_array_foreach(regions, j, g)
        {
            for (int w = 0; rc == 0 && !g_stop && w < CL_WINDOW_COUNT; w++) {
                wait_below(b, jobs);
                if (!g_stop) {
                    rc = submit(b, r, json_string_value(c), json_string_value(g), (cl_window_t)w,
                                week, err);
                }
            }
        }
    }
    wait_below(b, 0);
    json_decref(regions);
    return rc;
}

/* ---- setup */

typedef struct {
    cl_config_t *cfg;
    cl_archive_t *archive;
    cl_cache_t *cache;
    cl_reports_t *reports;
} batch_env_t;

static int open_env(batch_env_t *e, const batch_args_t *a, cl_err_t *err)
{
    int rc = cl_cli_load_config(&e->cfg, a->config);
    if (rc != 0) {
        return cl_err_set(err, rc, "%s", ""); /* already printed */
    }
    cl_reports_options_t opt;
    char path[4096];
    rc = cl_reports_options_read(&opt, e->cfg, err);
    opt.stale_fallback = 0; /* a report that cannot be made is a failure here, not an old one */
    opt.read_cache = 0;     /* done means archived: the cache may have lost it */
    opt.builders = a->jobs > 0 ? a->jobs : opt.builders;
    rc = rc ? rc : cl_file_mkdirs(e->cfg->state_dir, err);
    snprintf(path, sizeof path, "%s/app.db", e->cfg->state_dir);
    rc = rc ? rc : cl_archive_open(&e->archive, path, err);
    cl_cache_options_t copt = {
        .redis_url = e->cfg->redis_url,
        .prefix = "catlens:",
        .max_entries = 100000,
        .max_bytes = (size_t)opt.cache_mb << 20,
    };
    rc = rc ? rc : cl_cache_open(&e->cache, &copt, err);
    rc = rc ? rc : cl_reports_open(&e->reports, e->cfg, &opt, e->cache, e->archive, NULL, err);
    return rc;
}

static void close_env(batch_env_t *e)
{
    cl_reports_close(e->reports);
    cl_cache_close(e->cache);
    cl_archive_close(e->archive);
    cl_config_free(e->cfg);
}

/* The snapshot of WEEK and its categories and regions. */
static int find_snapshot(json_t **dims, char **dir, cl_reports_t *r, const cl_config_t *cfg,
                         const char *week, cl_err_t *err)
{
    int rc = cl_snapshot_resolve(dir, cfg->warehouse_dir, week, err);
    if (rc == CL_ENOTFOUND) {
        return cl_err_set(err, CL_ENOTFOUND, "no snapshot is published for week %s in %s", week,
                          cfg->warehouse_dir);
    }
    return rc ? rc : cl_reports_dimensions(dims, r, *dir, err);
}

static int run(int argc, char **argv)
{
    batch_args_t a = {0};
    int prc = parse_args(&a, argc, argv);
    if (prc != 0) {
        return prc == 1 ? 0 : 2;
    }
    int exit_code = 0;
    batch_env_t e = {0};
    batch_t b = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    json_t *dims = NULL;
    char *dir = NULL, week[CL_WEEK_KEY_LEN];
    cl_err_t err;
    cl_err_clear(&err);
    cl_week_t w = cl_week_last_complete(time(NULL));
    int rc = a.week ? cl_week_parse(&w, a.week, &err) : 0;
    cl_week_format(week, w);
    rc = rc ? rc : open_env(&e, &a, &err);
    rc = rc ? rc : find_snapshot(&dims, &dir, e.reports, e.cfg, week, &err);
    if (rc != 0) {
        goto cleanup;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int jobs = a.jobs > 0 ? a.jobs : 0;
    cl_reports_options_t opt;
    if (!jobs && cl_reports_options_read(&opt, e.cfg, &err) == 0) {
        jobs = opt.builders;
    }
    const char *slash = strrchr(dir, '/');
    fprintf(stderr, "catlens batch: week %s, snapshot %s, %d at a time, summaries %s\n", week,
            slash ? slash + 1 : dir, jobs > 0 ? jobs : 1,
            cl_reports_summaries(e.reports) ? e.cfg->ai_url
                                            : "by the offline narrator (no ai.url)");
    b.t0 = now_s();
    rc = run_all(&b, e.reports, dims, w, jobs > 0 ? jobs : 1, &err);
    if (rc != 0) {
        goto cleanup;
    }
    printf("batch %s: %d reports: %d built, %d already done, %d not applicable, %d incomplete, "
           "%d failed, in %.1f s%s\n",
           week, b.total, b.built, b.skipped, b.not_applicable, b.incomplete, b.failed,
           now_s() - b.t0, g_stop ? " (interrupted: rerun to continue)" : "");
cleanup:
    if (rc != 0) { /* an error (negative code): nothing or not everything was attempted */
        exit_code = err.msg[0] ? cl_cli_fail("batch", &err) : cl_err_exit_code(rc);
    } else {
        exit_code = g_stop ? 130 : b.failed + b.incomplete > 0 || b.answered < b.total ? 1 : 0;
    }
    json_decref(dims);
    free(dir);
    close_env(&e);
    return exit_code;
}

const cl_command_t cl_cmd_batch = {"batch", "precompute every report of a snapshot", USAGE, run};
