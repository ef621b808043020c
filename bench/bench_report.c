/* bench_report — how long the WBR of a slice takes from a published snapshot:
 *   bench_report WAREHOUSE WEEK [SLICES]
 * For the SLICES largest category × region slices of the snapshot (default 8; by sales_cube file
 * size), and for the leadership view (category × all) of the largest category, it times, on one
 * thread with one DuckDB connection (BENCH_THREADS threads, default 2), what `cl_report_build`
 * does: reading the slice into a frame (the warehouse part), running the insight engine for each of
 * the four windows — twice: on this thread alone, and with a parallel hook of BENCH_ENGINE_THREADS
 * threads (default 2) for its root-cause localisations, whose document must be the same bytes —
 * and assembling the four documents. It prints one line per slice and, per engine mode, the
 * median and maximum of "findings, all windows" = read + 4 engine runs (the figure the target of
 * 50 ms is about) and of "findings, one window" = read + the engine run of WoW (what one cold /wbr
 * request costs before its document), over the slices and over the slices with the leadership
 * view, and of the full four documents. A snapshot with report frames (report/frames.h) is read
 * from them, an older one from its cubes: run it on both to compare. Timings are wall clock on a
 * machine other work may share: read them as upper bounds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/catalog.h"
#include "core/parallel.h"
#include "etl/snapshot.h"
#include "insights/engine.h"
#include "report/document.h"
#include "report/manifest.h"
#include "report/reader.h"

static double clock_ms(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of the whole process (the DuckDB worker threads included): what the work costs,
 * whatever else the machine runs */
static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

typedef struct {
    long region, category;
    long long bytes;
} slice_t;

static int by_bytes(const void *a, const void *b)
{
    const slice_t *x = a, *y = b;
    return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long long slice_bytes(const cl_manifest_t *m, const char *region, const char *category)
{
    json_t *files = json_object_get(json_object_get(m->tables, "sales_cube"), "files");
    size_t i;
    json_t *f;
    long long total = 0;
    char r[512], c[512];
    json_array_foreach(files, i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        const char *rs = p ? strstr(p, "/region=") : NULL,
                   *cs = p ? strstr(p, "/category_l1=") : NULL;
        if (!rs || !cs || cl_manifest_unescape(r, sizeof r, rs + 8, (size_t)(cs - rs - 8)) != 0) {
            continue;
        }
        const char *ce = strchr(cs + 13, '/');
        if (!ce || cl_manifest_unescape(c, sizeof c, cs + 13, (size_t)(ce - cs - 13)) != 0) {
            continue;
        }
        if ((!region || strcmp(r, region) == 0) && strcmp(c, category) == 0) {
            total += (long long)json_integer_value(json_object_get(f, "bytes"));
        }
    }
    return total;
}

/* BENCH_DUMP=DIR: write every document to DIR/<category>_<region>_<window>.json, to compare the
 * output of two builds byte for byte (meta.generated_at is fixed to "bench"). */
static void dump(const char *doc, const char *category, const char *region, cl_window_t w)
{
    const char *dir = getenv("BENCH_DUMP");
    if (!dir || !doc) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%s_%s.json", dir, category, region ? region : "all",
             cl_window_name(w));
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(doc, fp);
        fclose(fp);
    }
}

/* The engine's modes: on the caller's thread alone (mode 0), with a parallel hook of
 * BENCH_ENGINE_THREADS threads (default 2; mode 1) for its root-cause localisations, and the four
 * windows in one cl_insight_run_many call with that hook (mode 2: the windows are its tasks). */
#define MODES 3
#define WINDOW_MODES 2 /* the modes run window by window */

typedef struct {
    double findings_ms[MODES], findings_cpu[MODES], one_ms[MODES], docs_ms;
} slice_times_t;

/* One slice: read, 4 × engine in each mode, 4 × document (mode 0's; the other modes' must be the
 * same bytes, else the run fails). */
static int run_slice(slice_times_t *out, cl_reader_t *rd, const cl_catalog_t *cat,
                     const cl_manifest_t *m, const cl_parallel_t *par, const char *category,
                     const char *region, size_t *n_findings, cl_err_t *err)
{
    double t0 = now_ms(), c0 = cpu_ms();
    cl_frame_t *f = NULL;
    int rc = cl_reader_frame(&f, rd, m, category, region, err);
    double t_read = now_ms() - t0, c_read = cpu_ms() - c0, t_doc = 0;
    double t_engine[MODES] = {0}, c_engine[MODES] = {0}, c_window[CL_WINDOW_COUNT] = {0};
    *n_findings = 0;
    char *docs[CL_WINDOW_COUNT] = {NULL};
    cl_insight_scope_t scopes[CL_WINDOW_COUNT];
    for (int w = 0; rc == 0 && w < CL_WINDOW_COUNT; w++) {
        cl_insight_scope_t scope = {category, region ? region : "all", (cl_window_t)w, m->week};
        scopes[w] = scope;
        char *s[WINDOW_MODES] = {NULL, NULL};
        for (int mode = 0; rc == 0 && mode < WINDOW_MODES; mode++) {
            cl_insight_options_t opt;
            cl_insight_options_default(&opt);
            opt.parallel = mode ? par : NULL;
            cl_insight_t *r = NULL;
            double t1 = now_ms(), c1 = cpu_ms();
            rc = cl_insight_run(&r, f, cat, &scope, &opt, err);
            double t2 = now_ms();
            double c2 = cpu_ms() - c1;
            c_engine[mode] += c2;
            if (mode == 0) {
                c_window[w] = c2;
            }
            t_engine[mode] += t2 - t1;
            if (w == CL_WINDOW_WOW) {
                out->one_ms[mode] = t_read + (t2 - t1);
            }
            json_t *doc = NULL;
            rc = rc ? rc : cl_report_document(&doc, r, f, cat, m, "bench", err);
            s[mode] = rc ? NULL : json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
            if (mode == 0) {
                t_doc += now_ms() - t2;
                *n_findings += r ? r->findings.n : 0;
            }
            json_decref(doc);
            cl_insight_free(r);
        }
        if (rc == 0 && (!s[0] || !s[1] || strcmp(s[0], s[1]) != 0)) {
            rc = cl_err_set(err, CL_EINTERNAL,
                            "%s × %s %s: the document with a parallel engine differs", category,
                            region ? region : "all", cl_window_name((cl_window_t)w));
        }
        dump(s[0], category, region, (cl_window_t)w);
        docs[w] = s[0];
        free(s[1]);
    }
    if (rc == 0) { /* mode 2: the four windows at once */
        cl_insight_options_t opt;
        cl_insight_options_default(&opt);
        opt.parallel = par;
        cl_insight_t *r[CL_WINDOW_COUNT] = {NULL};
        double t1 = now_ms(), c1 = cpu_ms();
        rc = cl_insight_run_many(r, f, cat, scopes, CL_WINDOW_COUNT, &opt, err);
        t_engine[2] = now_ms() - t1;
        c_engine[2] = cpu_ms() - c1;
        for (int w = 0; rc == 0 && w < CL_WINDOW_COUNT; w++) {
            json_t *doc = NULL;
            rc = cl_report_document(&doc, r[w], f, cat, m, "bench", err);
            char *s = rc ? NULL : json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
            if (rc == 0 && (!s || !docs[w] || strcmp(s, docs[w]) != 0)) {
                rc = cl_err_set(err, CL_EINTERNAL,
                                "%s × %s %s: the document of the four windows at once differs",
                                category, region ? region : "all", cl_window_name((cl_window_t)w));
            }
            free(s);
            json_decref(doc);
        }
        for (int w = 0; w < CL_WINDOW_COUNT; w++) {
            cl_insight_free(r[w]);
        }
    }
    for (int w = 0; w < CL_WINDOW_COUNT; w++) {
        free(docs[w]);
    }
    size_t leaves = f ? f->leaves[0].n_leaves + (f->n_grains > 1 ? f->leaves[1].n_leaves : 0) : 0;
    if (rc == 0) {
        printf("  %-12s %-14s read %6.1f ms (cpu %6.1f)  engine x4 %6.1f ms (cpu %6.1f), parallel "
               "%6.1f ms (cpu %6.1f), at once %6.1f ms (cpu %6.1f)  documents x4 %5.1f ms  %5zu "
               "leaves %2zu findings (cpu per window, one thread: %.1f %.1f %.1f %.1f)\n",
               category, region ? region : "all", t_read, c_read, t_engine[0], c_engine[0],
               t_engine[1], c_engine[1], t_engine[2], c_engine[2], t_doc, leaves, *n_findings,
               c_window[0], c_window[1], c_window[2], c_window[3]);
    }
    for (int mode = 0; mode < MODES; mode++) {
        out->findings_ms[mode] = t_read + t_engine[mode];
        out->findings_cpu[mode] = c_read + c_engine[mode];
    }
    out->docs_ms = t_read + t_engine[0] + t_doc;
    cl_frame_free(f);
    return rc;
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return v[n / 2];
}

static double max_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return v[n - 1];
}

/* The figures of one mode over the K slices (T[0..K-1]) and the leadership view (T[K]). */
static void report(const slice_times_t *t, size_t k, int mode, const char *label)
{
    double *v = calloc(k + 1, sizeof *v);
    if (!v) {
        return;
    }
    printf("%s\n", label);
    for (size_t i = 0; i <= k; i++) {
        v[i] = t[i].one_ms[mode];
    }
    double lead = v[k], med = median_of(v, k), max = max_of(v, k);
    for (size_t i = 0; i <= k; i++) {
        v[i] = t[i].one_ms[mode];
    }
    if (mode < WINDOW_MODES) {
        printf("findings, one window (read + WoW engine):    median %.1f ms, max %.1f ms; with the "
               "leadership view median %.1f ms, max %.1f ms (leadership view %.1f ms)\n",
               med, max, median_of(v, k + 1), max_of(v, k + 1), lead);
    }
    for (size_t i = 0; i < k; i++) {
        v[i] = t[i].findings_ms[mode];
    }
    printf("findings, all windows (read + 4 engine runs): median %.1f ms, max %.1f ms; leadership "
           "view %.1f ms\n",
           median_of(v, k), max_of(v, k), t[k].findings_ms[mode]);
    for (size_t i = 0; i < k; i++) {
        v[i] = t[i].findings_cpu[mode];
    }
    printf("  the same in CPU time (all threads):        median %.1f ms, max %.1f ms; leadership "
           "view %.1f ms\n",
           median_of(v, k), max_of(v, k), t[k].findings_cpu[mode]);
    if (mode == 0) {
        for (size_t i = 0; i < k; i++) {
            v[i] = t[i].docs_ms;
        }
        printf("four documents (+ assembly and JSON):        median %.1f ms, max %.1f ms\n",
               median_of(v, k), max_of(v, k));
    }
    free(v);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_report WAREHOUSE WEEK [SLICES]\n");
        return 2;
    }
    size_t want = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 8;
    cl_err_t err;
    cl_catalog_t *cat = NULL;
    cl_db_t *db = NULL;
    cl_reader_t *rd = NULL;
    cl_manifest_t *m = NULL;
    char *dir = NULL;
    /* BENCH_THREADS=1 puts all work on this thread: its CPU time is then the cost of the work alone
     */
    const char *threads = getenv("BENCH_THREADS");
    cl_db_options_t dbo = {.threads = threads ? (int)strtol(threads, NULL, 10) : 2};
    int rc = cl_catalog_load(&cat, "config/metrics.yaml", &err);
    rc = rc ? rc : cl_snapshot_resolve(&dir, argv[1], argv[2], &err);
    rc = rc ? rc : cl_manifest_load(&m, dir, &err);
    rc = rc ? rc : cl_db_open(&db, NULL, &dbo, &err);
    rc = rc ? rc : cl_reader_open(&rd, db, cat, &err);
    if (rc != 0) {
        fprintf(stderr, "bench_report: %s\n", err.msg);
        return 1;
    }
    size_t n = 0;
    slice_t *slices = calloc(m->n_regions * m->n_categories + 1, sizeof *slices);
    for (size_t r = 0; r < m->n_regions; r++) {
        for (size_t c = 0; c < m->n_categories; c++) {
            if (m->pairs[r * m->n_categories + c]) {
                slices[n++] =
                    (slice_t){(long)r, (long)c, slice_bytes(m, m->regions[r], m->categories[c])};
            }
        }
    }
    qsort(slices, n, sizeof *slices, by_bytes);
    want = want < n ? want : n;
    printf("bench_report: snapshot %s, %zu weeks, %zu slices; the %zu largest and the leadership "
           "view of "
           "the largest category\n",
           m->snapshot_id, m->n_weeks, n, want);
    const char *et = getenv("BENCH_ENGINE_THREADS");
    cl_parallel_threads_t pool;
    cl_parallel_threads_init(&pool, et ? (int)strtol(et, NULL, 10) : 2, NULL);
    slice_times_t *times = calloc(want + 2, sizeof *times), ignore;
    size_t k = 0, nf = 0;
    /* a first, untimed read warms the file system cache and DuckDB's metadata, as a serving process
     * is */
    rc = want ? run_slice(&ignore, rd, cat, m, &pool.hook, m->categories[slices[0].category],
                          m->regions[slices[0].region], &nf, &err)
              : 0;
    printf("  (warm-up above)\n");
    for (size_t i = 0; rc == 0 && i < want; i++, k++) {
        rc = run_slice(&times[k], rd, cat, m, &pool.hook, m->categories[slices[i].category],
                       m->regions[slices[i].region], &nf, &err);
    }
    if (rc == 0 && want) {
        rc = run_slice(&times[k], rd, cat, m, &pool.hook, m->categories[slices[0].category], NULL,
                       &nf, &err);
        printf("  leadership view: findings, all windows %.1f ms (cpu %.1f), parallel %.1f ms (cpu "
               "%.1f), at once %.1f ms (cpu %.1f); with documents %.1f ms\n",
               times[k].findings_ms[0], times[k].findings_cpu[0], times[k].findings_ms[1],
               times[k].findings_cpu[1], times[k].findings_ms[2], times[k].findings_cpu[2],
               times[k].docs_ms);
    }
    if (rc != 0) {
        fprintf(stderr, "bench_report: %s\n", err.msg);
    } else if (k) {
        report(times, k, 0, "engine on one thread:");
        char label[96];
        snprintf(label, sizeof label,
                 "engine with a parallel hook of %d threads (documents identical):", pool.threads);
        report(times, k, 1, label);
        snprintf(label, sizeof label,
                 "the four windows at once (cl_insight_run_many) with that hook (documents "
                 "identical):");
        report(times, k, 2, label);
    }
    free(times);
    free(slices);
    cl_reader_close(rd);
    cl_db_close(db);
    cl_manifest_free(m);
    cl_catalog_free(cat);
    free(dir);
    return rc == 0 ? 0 : 1;
}
