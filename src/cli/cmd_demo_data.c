/* cmd_demo_data.c — `catlens demo-data`: generate realistic, seeded source data with planted
 * scenarios. The command parses and reports; the work is etl/demo_data.c. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/calendar.h"
#include "etl/demo_data.h"

#define DEFAULT_WEEKS 60
#define DEFAULT_SEED 42
#define DEFAULT_LINES 1000000

#define USAGE                                                                                      \
    "usage: catlens demo-data --out DIR [--weeks N] [--end-week YYYY-Www] [--seed S]\n"            \
    "                         [--orders N] [--threads N]\n"                                        \
    "\n"                                                                                           \
    "Write realistic, seeded source data in the layout of docs/data-model.md (what\n"              \
    "config/pipeline/demo.yaml reads): orders, order lines, daily sessions and marketing spend\n"  \
    "as Parquet partitioned by ISO week, finance budgets, the market pulse feed (CSV), a\n"        \
    "watermark, and ground_truth.json naming the planted scenarios (a conversion drop, a\n"        \
    "country revenue drop, a price-band mix shift, a return-rate spike, a budget overspend and\n"  \
    "a market-pulse surge). The same options give byte-identical files on any number of "          \
    "threads.\n"                                                                                   \
    "\n"                                                                                           \
    "  --out DIR        where to write; replaced as a whole at the end. Refused if it exists,\n"   \
    "                   is not empty and is not earlier demo-data output.\n"                       \
    "  --weeks N        weeks of data ending at the end week (default 60: YoY and QoQ need 53+)\n" \
    "  --end-week W     the last week (default: the last ISO week that has ended)\n"               \
    "  --seed S         0 .. 2^53 (default 42): same seed, same data\n"                            \
    "  --orders N       size: about N order LINES over the whole range (default 1000000; orders\n" \
    "                   are about N / 1.9); suffixes k, M, G allowed (50M)\n"                      \
    "  --threads N      worker threads (default: the number of cores, at most 8)\n"                \
    "\n"                                                                                           \
    "Exit codes: 0 written, 2 bad option (nothing written), 1 a write failed (DIR unchanged).\n"

typedef struct {
    const char *out, *end_week;
    long long weeks, seed, lines, threads;
} demo_args_t;

/* A whole number with an optional k/M/G suffix, within [MIN, MAX]. */
static int parse_count(long long *out, const char *opt, const char *s, long long min, long long max)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10); /* always sets END, to S when there are no digits */
    long long mult = 1;
    if (*end && end[1] == '\0') {
        mult = *end == 'k' || *end == 'K' ? 1000LL
               : *end == 'M'              ? 1000000LL
               : *end == 'G'              ? 1000000000LL
                                          : 0;
        end += mult ? 1 : 0;
    }
    if (errno != 0 || end == s || *end != '\0' || *s == '-' || *s == '+' || mult == 0 ||
        v > max / mult || v * mult < min) {
        fprintf(stderr, "catlens demo-data: %s '%s' must be a whole number from %lld to %lld\n",
                opt, s, min, max);
        return 2;
    }
    *out = v * mult;
    return 0;
}

static int parse_args(demo_args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},      {"weeks", required_argument, NULL, 'w'},
        {"end-week", required_argument, NULL, 'e'}, {"seed", required_argument, NULL, 's'},
        {"orders", required_argument, NULL, 'n'},   {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int rc = 0;
    for (int ch; rc == 0 && (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case 'o':
            a->out = optarg;
            break;
        case 'e':
            a->end_week = optarg;
            break;
        case 'w':
            rc = parse_count(&a->weeks, "--weeks", optarg, 1, CL_DEMO_MAX_WEEKS);
            break;
        case 's':
            rc = parse_count(&a->seed, "--seed", optarg, 0, 9007199254740992LL);
            break;
        case 'n':
            rc = parse_count(&a->lines, "--orders", optarg, 1, CL_DEMO_MAX_LINES_TOTAL);
            break;
        case 't':
            rc = parse_count(&a->threads, "--threads", optarg, 1, 64);
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 1;
        default:
            return cl_cli_bad_option("demo-data", argv[optind - 1], 0, USAGE);
        }
    }
    if (rc == 0 && optind < argc) {
        rc = cl_cli_unexpected_argument("demo-data", argv[optind]);
    }
    if (rc == 0 && !a->out) {
        fprintf(stderr, "catlens demo-data: --out DIR is required\n\n%s", USAGE);
        rc = 2;
    }
    return rc;
}

static int run(int argc, char **argv)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    demo_args_t a = {.weeks = DEFAULT_WEEKS,
                     .seed = DEFAULT_SEED,
                     .lines = DEFAULT_LINES,
                     .threads = ncpu < 1   ? 1
                                : ncpu > 8 ? 8
                                           : ncpu};
    int prc = parse_args(&a, argc, argv);
    if (prc != 0) {
        return prc == 1 ? 0 : 2;
    }
    cl_err_t err;
    cl_err_clear(&err);
    cl_demo_options_t opt = {
        .out_dir = a.out,
        .weeks = (int)a.weeks,
        .seed = (uint64_t)a.seed,
        .lines = a.lines,
        .threads = (int)a.threads,
        .progress = isatty(STDERR_FILENO) ? stderr : NULL,
    };
    int rc = 0;
    if (a.end_week) {
        rc = cl_week_parse(&opt.end_week, a.end_week, &err);
    } else {
        opt.end_week = cl_week_last_complete(time(NULL));
    }
    char first[CL_WEEK_KEY_LEN], last[CL_WEEK_KEY_LEN];
    cl_week_format(first, cl_week_add(opt.end_week, -(opt.weeks - 1)));
    cl_week_format(last, opt.end_week);
    if (rc == 0 && opt.progress) {
        fprintf(stderr,
                "catlens demo-data: %d weeks %s..%s, seed %" PRIu64 ", about %lld order "
                "lines, %d threads -> %s\n",
                opt.weeks, first, last, opt.seed, (long long)opt.lines, opt.threads, opt.out_dir);
    }
    cl_demo_result_t res;
    rc = rc ? rc : cl_demo_generate(&res, &opt, &err);
    if (rc != 0) {
        return cl_cli_fail("demo-data", &err);
    }
    printf("wrote demo data to %s: %d weeks %s..%s, seed %" PRIu64 "\n", opt.out_dir, opt.weeks,
           first, last, opt.seed);
    printf("  %lld orders, %lld order lines, %lld sessions in %lld rows, %lld marketing rows\n",
           (long long)res.orders, (long long)res.lines, (long long)res.sessions,
           (long long)res.session_rows, (long long)res.marketing_rows);
    printf("  planted scenarios: %s/ground_truth.json\n", opt.out_dir);
    return 0;
}

const cl_command_t cl_cmd_demo_data = {"demo-data", "generate realistic, seeded source data", USAGE,
                                       run};
