/* cmd_rca.c — `catlens rca`: run root-cause localisation (insights/rca.h) over a public benchmark
 * folder, write what it finds per case and, when the labels carry the truth, score it the way the
 * published methods were scored (micro precision, recall and F1 over exact element matches). The
 * reading is cli/rca_data.c; the finding is the insight engine's, unchanged. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/rca_data.h"
#include "insights/rca.h"

#define USAGE                                                                                      \
    "usage: catlens rca --data-dir DIR --labels FILE --out FILE [--max-depth N]\n"                 \
    "                   [--max-elements N] [--worse up|down] [--verbose]\n"                        \
    "\n"                                                                                           \
    "Localise the root cause of every labelled case in DIR (one DIR/<case>.csv each) and write\n"  \
    "FILE with the columns case,root_cause,seconds (elements as attr=value&attr=value, "           \
    "attributes\n"                                                                                 \
    "sorted, joined by ';'). Two formats, told apart by their columns:\n"                          \
    "  ratio     case CSV: min, value, cnt and attribute columns; labels: case,\n"                 \
    "            anomaly_timestamp[, root_cause]. KPI = value / cnt at the anomaly minute "        \
    "against\n"                                                                                    \
    "            the mean of the 4 minutes before.\n"                                              \
    "  additive  case CSV: attribute columns, real (current) and predict (baseline); labels:\n"    \
    "            case[, root_cause].\n"                                                            \
    "When the labels carry root_cause, prints micro precision, recall and F1 (exact matches).\n"   \
    "\n"                                                                                           \
    "  --data-dir DIR      the folder of case files\n"                                             \
    "  --labels FILE       the label file (CSV)\n"                                                 \
    "  --out FILE          where to write the predictions\n"                                       \
    "  --max-depth N       most attributes per element (default: every attribute, at most 8)\n"    \
    "  --max-elements N    most elements per case (default 10)\n"                                  \
    "  --worse up|down     the cases are incidents in which the KPI rose (fell): report only\n"    \
    "                      causes that moved it that way (RS: stalls up). Default: either way\n"   \
    "  --verbose           print each case's elements with their numbers to stderr\n"              \
    "\n"                                                                                           \
    "Exit codes: 0 done, 2 bad option or input (missing file, bad columns, a label for an\n"       \
    "unknown case), 1 otherwise.\n"

typedef struct {
    const char *dir, *labels, *out;
    int max_depth, max_elements, verbose, direction;
} rca_args_t;

typedef struct {
    double tp, fp, fn;
} score_t;

static int parse_count(int *out, const char *s, int lo, int hi)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_args(rca_args_t *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"labels", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'o'},
        {"max-depth", required_argument, NULL, 'D'},
        {"max-elements", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"worse", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        if (ch == 'd' || ch == 'l' || ch == 'o') {
            *(ch == 'd' ? &a->dir : ch == 'l' ? &a->labels : &a->out) = optarg;
        } else if ((ch == 'D' && parse_count(&a->max_depth, optarg, 1, CL_RCA_MAX_DEPTH) == 0) ||
                   (ch == 'E' && parse_count(&a->max_elements, optarg, 1, 64) == 0)) {
            continue; /* a count in range */
        } else if (ch == 'v') {
            a->verbose = 1;
        } else if (ch == 'w' && (strcmp(optarg, "up") == 0 || strcmp(optarg, "down") == 0)) {
            a->direction = optarg[0] == 'u' ? 1 : -1;
        } else if (ch == 'h') {
            fputs(USAGE, stdout);
            return 1;
        } else {
            return cl_cli_bad_option("rca", argv[optind - 1], 1, USAGE);
        }
    }
    if (optind < argc) {
        return cl_cli_unexpected_argument("rca", argv[optind]);
    }
    if (!a->dir || !a->labels || !a->out) {
        fprintf(stderr, "catlens rca: --data-dir, --labels and --out are required\n\n%s", USAGE);
        return 2;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Count exact element matches between two normalised texts. */
static void score_case(score_t *s, const char *pred, const char *truth)
{
    size_t n_pred = 0, n_true = 0, tp = 0;
    for (const char *p = pred; *p;) {
        size_t n = strcspn(p, ";");
        n_pred++;
        for (const char *t = truth; *t;) {
            size_t m = strcspn(t, ";");
            if (m == n && memcmp(p, t, n) == 0) {
                tp++;
                break;
            }
            t += m + (t[m] == ';');
        }
        p += n + (p[n] == ';');
    }
    for (const char *t = truth; *t; t += strcspn(t, ";") + (t[strcspn(t, ";")] == ';')) {
        n_true++;
    }
    s->tp += (double)tp;
    s->fp += (double)(n_pred - tp);
    s->fn += (double)(n_true - tp);
}

/* The elements of R as normalised text into BUF (CAP bytes). */
static int format_result(char *buf, size_t cap, const cl_rca_cube_t *cube, const cl_rca_result_t *r,
                         cl_err_t *err)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < r->n_elements; k++) {
        if (k > 0 && len + 1 < cap) {
            buf[len++] = ';';
            buf[len] = '\0';
        }
        size_t need = cl_rca_element_format(buf + len, cap - len, cube, &r->elements[k]);
        if (len + need + 1 >= cap) {
            return cl_err_set(err, CL_ETOOBIG, "rca: a result does not fit %zu bytes", cap);
        }
        len += need;
    }
    return rca_normalise(buf, err);
}

static void write_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_case(const rca_label_t *label, const cl_rca_cube_t *cube,
                       const cl_rca_result_t *r)
{
    static const char *const kinds[] = {"change", "rate", "mix"};
    fprintf(stderr, "%s: %zu leaves, kpi %.6g -> %.6g (change %.6g), drift %.4f, confidence %.3f\n",
            label->name, cube->n_leaves, r->base_kpi, r->cur_kpi, r->total_change, r->drift,
            r->confidence);
    for (size_t k = 0; k < r->n_elements; k++) {
        const cl_rca_element_t *e = &r->elements[k];
        char text[1024];
        cl_rca_element_format(text, sizeof(text), cube, e);
        fprintf(stderr,
                "  %-40s %-6s leaves %zu  num %.6g -> %.6g  den %.6g -> %.6g  explained %.6g "
                "(%.1f%%)  shift %.3f  score %.1f\n",
                text, kinds[e->kind], e->n_leaves, e->base_num, e->cur_num, e->base_den, e->cur_den,
                e->explained, 100 * e->share, e->shift, e->score);
    }
    if (label->root_cause) {
        fprintf(stderr, "  truth: %s\n", label->root_cause);
    }
}

static int run_case(char *buf, size_t cap, const rca_args_t *a, const rca_label_t *label,
                    cl_err_t *err)
{
    cl_rca_builder_t *b = NULL;
    cl_rca_result_t *r = NULL;
    int ratio = 0, periods = 1;
    int rc = rca_case_read(&b, &ratio, &periods, a->dir, label, a->direction, err);
    if (rc == 0) {
        const cl_rca_cube_t *cube = cl_rca_builder_cube(b);
        cl_rca_options_t opt = CL_RCA_OPTIONS_INIT;
        opt.max_depth = a->max_depth ? a->max_depth
                                     : (int)(cube->n_attrs < CL_RCA_MAX_DEPTH ? cube->n_attrs
                                                                              : CL_RCA_MAX_DEPTH);
        opt.max_elements = a->max_elements;
        opt.counts = ratio;         /* viewers and stalls are counts; S values are amounts */
        opt.base_periods = periods; /* the baseline is the mean of the minutes before */
        opt.direction = a->direction;
        opt.dispersion = cl_rca_builder_dispersion(b); /* the minutes' own noise (rca.h) */
        rc = cl_rca_run(&r, cube, &opt, err);
        if (rc == 0 && a->verbose) {
            print_case(label, cube, r);
        }
        if (rc == 0) {
            rc = format_result(buf, cap, cube, r, err);
        }
    }
    if (rc != 0 && !strstr(err->msg, label->name)) {
        cl_err_wrap(err, "case '%.80s'", label->name);
    }
    cl_rca_result_free(r);
    cl_rca_builder_free(b);
    return rc;
}

static void print_metrics(const rca_labels_t *labels, const score_t *s, double *secs)
{
    double p = s->tp + s->fp > 0 ? s->tp / (s->tp + s->fp) : 0;
    double r = s->tp + s->fn > 0 ? s->tp / (s->tp + s->fn) : 0;
    double f1 = 2 * s->tp + s->fp + s->fn > 0 ? 2 * s->tp / (2 * s->tp + s->fp + s->fn) : 0;
    double total = 0;
    for (size_t i = 0; i < labels->n; i++) {
        total += secs[i];
    }
    qsort(secs, labels->n, sizeof(double), cmp_double);
    if (labels->has_truth) {
        printf("cases %zu  TP %.0f  FP %.0f  FN %.0f\n", labels->n, s->tp, s->fp, s->fn);
        printf("precision %.4f  recall %.4f  F1 %.4f\n", p, r, f1);
    } else {
        printf("cases %zu (no root_cause in the labels: nothing to score)\n", labels->n);
    }
    printf("seconds per case: median %.4f  mean %.4f  max %.4f\n",
           labels->n ? secs[labels->n / 2] : 0.0, labels->n ? total / labels->n : 0.0,
           labels->n ? secs[labels->n - 1] : 0.0);
}

static int run(int argc, char **argv)
{
    rca_args_t a = {0};
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    cl_err_t err;
    cl_err_clear(&err);
    rca_labels_t labels;
    FILE *out = NULL;
    double *secs = NULL;
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    score_t score = {0, 0, 0};
    rc = buf ? rca_labels_read(&labels, a.labels, &err)
             : cl_err_set(&err, CL_ENOMEM, "out of memory");
    if (rc == 0 && !(secs = calloc(labels.n ? labels.n : 1, sizeof(double)))) {
        rc = cl_err_set(&err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0 && !(out = fopen(a.out, "w"))) {
        rc = cl_err_set(&err, CL_EIO, "cannot write %s", a.out);
    }
    if (rc == 0) {
        fputs("case,root_cause,seconds\n", out);
    }
    for (size_t i = 0; rc == 0 && i < labels.n; i++) {
        double t0 = now_seconds();
        rc = run_case(buf, cap, &a, &labels.cases[i], &err);
        secs[i] = now_seconds() - t0;
        if (rc == 0) {
            write_field(out, labels.cases[i].name);
            fputc(',', out);
            write_field(out, buf);
            fprintf(out, ",%.6f\n", secs[i]);
            if (labels.has_truth) {
                score_case(&score, buf, labels.cases[i].root_cause);
            }
        }
    }
    if (out && fclose(out) != 0 && rc == 0) {
        rc = cl_err_set(&err, CL_EIO, "cannot write %s", a.out);
    }
    if (rc == 0) {
        print_metrics(&labels, &score, secs);
    }
    rca_labels_dispose(&labels);
    free(secs);
    free(buf);
    if (rc != 0) {
        /* bad input of any kind is a usage error for a benchmark runner */
        int code =
            rc == CL_EINVAL || rc == CL_ENOTFOUND || rc == CL_ETOOBIG ? 2 : cl_err_exit_code(rc);
        fprintf(stderr, "catlens rca: %s\n", err.msg[0] ? err.msg : cl_err_name(rc));
        return code;
    }
    return 0;
}

const cl_command_t cl_cmd_rca = {"rca", "run root-cause localisation on a benchmark folder", USAGE,
                                 run};
