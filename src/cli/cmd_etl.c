/* cmd_etl.c — `catlens etl`: build and publish the weekly snapshot. The command only gathers
 * options and configuration and reports; the work is etl/runner.c. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "core/log.h"
#include "etl/pipeline.h"
#include "etl/runner.h"
#include "report/frames.h"

#define USAGE                                                                                      \
    "usage: catlens etl [--week YYYY-Www] [--pipeline NAME|FILE] [--source DIR]\n"                 \
    "                   [--warehouse DIR] [--config PATH]\n"                                       \
    "\n"                                                                                           \
    "Run a YAML pipeline (config/pipeline/NAME.yaml) over the source data and publish an\n"        \
    "immutable snapshot of the week: hive-partitioned Parquet with etl.history_weeks weeks of\n"   \
    "history ending at the week, and a manifest (row counts, sha256 per file, checks, source\n"    \
    "watermark). Publishing is atomic; re-running an unchanged week finds the same snapshot.\n"    \
    "\n"                                                                                           \
    "  --week W          the ISO week to publish (default: the last week that has ended)\n"        \
    "  --pipeline NAME   pipeline name in paths.pipelines, or a .yaml file (default "              \
    "etl.pipeline)\n"                                                                              \
    "  --source DIR      source data in the layout of docs/data-model.md (default "                \
    "paths.source);\n"                                                                             \
    "                    for --pipeline ga4, a GA4 export in DIR/events/ (docs/ga4.md)\n"          \
    "  --warehouse DIR   where snapshots are published (default paths.warehouse)\n"                \
    "  --config PATH     configuration file (default CATLENS_CONFIG or config/catlens.yaml)\n"     \
    "\n"                                                                                           \
    "Progress lines go to stderr on a terminal (or with CATLENS_PROGRESS=1).\n"                    \
    "Exit codes: 0 published (or unchanged), 2 bad option, 3 configuration, 4 a data check\n"      \
    "failed, 5 the source is partial for the week (late or missing days); nothing is published\n"  \
    "unless every check passed. Every attempt is recorded in WAREHOUSE/runs/<week>/.\n"

typedef struct {
    const char *week, *pipeline, *source, *warehouse, *config;
} etl_args_t;

static int parse_args(etl_args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"week", required_argument, NULL, 'w'},
        {"pipeline", required_argument, NULL, 'p'},
        {"source", required_argument, NULL, 's'},
        {"warehouse", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case 'w':
            a->week = optarg;
            break;
        case 'p':
            a->pipeline = optarg;
            break;
        case 's':
            a->source = optarg;
            break;
        case 'o':
            a->warehouse = optarg;
            break;
        case 'c':
            a->config = optarg;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 1;
        default:
            return cl_cli_bad_option("etl", argv[optind - 1], 0, USAGE);
        }
    }
    if (optind < argc) {
        return cl_cli_unexpected_argument("etl", argv[optind]);
    }
    return 0;
}

/* NAME is a pipeline name (an identifier, looked up in DIR) or a path to a .yaml file. */
static int pipeline_path(char *out, size_t cap, const char *dir, const char *name, cl_err_t *err)
{
    size_t n = strlen(name);
    if (strchr(name, '/') || (n > 5 && strcmp(name + n - 5, ".yaml") == 0)) {
        snprintf(out, cap, "%s", name);
        return 0;
    }
    if (!cl_pipeline_is_ident(name)) {
        return cl_err_set(err, CL_EINVAL,
                          "--pipeline '%.64s' is neither a pipeline name ([a-z_][a-z0-9_]*) nor "
                          "a .yaml file",
                          name);
    }
    snprintf(out, cap, "%s/%s.yaml", dir, name);
    return 0;
}

static void report(const cl_etl_result_t *res, const char *week, size_t tables)
{
    if (res->snapshot.unchanged) {
        printf("unchanged: snapshot %s of %s is already published with identical content\n",
               res->snapshot.id, week);
    } else {
        printf("published snapshot %s of %s: %zu tables, %lld rows, %zu files\n", res->snapshot.id,
               week, tables, (long long)res->rows, res->snapshot.files);
    }
    printf("  %s\n", res->snapshot.dir);
    printf("  checks: %zu passed, %zu warnings\n", res->checks_passed, res->checks_warned);
}

/* The post-export step of every pipeline: the report frames (report/frames.h). */
typedef struct {
    const cl_config_t *cfg;
    FILE *progress;
} frames_ctx_t;

static int build_frames(void *ctx, json_t *manifest, const char *staging, cl_err_t *err)
{
    const frames_ctx_t *fc = ctx;
    cl_catalog_t *cat = NULL;
    cl_db_options_t dbo = {.threads = fc->cfg->etl_threads,
                           .memory_limit = fc->cfg->etl_memory_limit};
    size_t n = 0;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    int rc = cl_catalog_load(&cat, fc->cfg->metrics_path, err);
    rc = rc ? rc : cl_report_frames_build(&n, manifest, staging, cat, &dbo, err);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    if (rc == 0 && fc->progress) {
        fprintf(fc->progress, "[report frames] %zu slices, %.2fs CPU\n", n,
                (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
    }
    cl_catalog_free(cat);
    return rc;
}

static int run(int argc, char **argv)
{
    etl_args_t a = {0};
    int prc = parse_args(&a, argc, argv);
    if (prc != 0) {
        return prc == 1 ? 0 : 2;
    }
    cl_err_t err;
    cl_err_clear(&err);
    cl_config_t *cfg = NULL;
    cl_pipeline_t *pipe = NULL;
    int rc = cl_cli_load_config(&cfg, a.config);
    if (rc != 0) {
        return cl_err_exit_code(rc);
    }
    char week[CL_WEEK_KEY_LEN], path[4096];
    cl_week_t w;
    if (a.week) {
        rc = cl_week_parse(&w, a.week, &err);
    } else {
        w = cl_week_last_complete(time(NULL));
    }
    cl_week_format(week, w);
    rc = rc ? rc
            : pipeline_path(path, sizeof path, cfg->pipeline_dir,
                            a.pipeline ? a.pipeline : cfg->etl_pipeline, &err);
    rc = rc ? rc : cl_pipeline_load(&pipe, path, &err);
    if (rc != 0) {
        goto cleanup;
    }
    cl_etl_options_t opt = {
        .pipeline = pipe,
        .week = week,
        .source_dir = a.source ? a.source : cfg->source_dir,
        .warehouse_dir = a.warehouse ? a.warehouse : cfg->warehouse_dir,
        .history_weeks = cfg->etl_history_weeks,
        .engine = {.threads = cfg->etl_threads, .memory_limit = cfg->etl_memory_limit},
        .workers = cfg->etl_threads, /* one week per thread in a for_each_week step */
        .progress = isatty(STDERR_FILENO) || getenv("CATLENS_PROGRESS") ? stderr : NULL,
    };
    frames_ctx_t fctx = {cfg, opt.progress};
    opt.post_export = build_frames;
    opt.post_export_ctx = &fctx;
    if (opt.progress && !getenv("CATLENS_LOG_LEVEL")) {
        cl_log_set_level(CL_LOG_WARN); /* on a terminal the progress lines say what info would */
    }
    if (opt.progress) {
        fprintf(stderr, "catlens etl: pipeline %s v%s, week %s, %d weeks of history\n", pipe->name,
                pipe->version, week, opt.history_weeks);
    }
    cl_etl_result_t res;
    rc = cl_etl_run(&res, &opt, &err);
    if (rc == 0) {
        report(&res, week, pipe->n_outputs);
    } else if (res.run_record[0]) {
        fprintf(stderr, "catlens etl: %s\n  nothing published; attempt recorded in %s\n", err.msg,
                res.run_record);
        rc = cl_err_exit_code(rc);
        goto done;
    }
cleanup:
    rc = rc ? cl_cli_fail("etl", &err) : 0;
done:
    cl_pipeline_free(pipe);
    cl_config_free(cfg);
    return rc;
}

const cl_command_t cl_cmd_etl = {"etl", "build and publish the weekly snapshot", USAGE, run};
