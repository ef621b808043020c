/* bench_report — how long the WBR of a slice takes from a published snapshot:
 *   bench_report WAREHOUSE WEEK [SLICES]
 * For the SLICES largest category × region slices of the snapshot (default 8; by sales_cube file
 * size), and for the leadership view (category × all) of the largest category, it times, on one
 * thread with one DuckDB connection (BENCH_THREADS threads, default 2), what `cl_report_build`
 * does: reading the slice into a frame (the warehouse part), running the insight engine for each of
 * the four windows, and assembling the four documents. It prints one line per slice and the median
 * and maximum of "findings, all windows" = read + 4 engine runs (the figure the target of 50 ms is
 * about) and of the full four documents, and of "findings, one window" = read + the engine run of
 * WoW (what one cold /wbr request costs before its document), over the slices and over the slices
 * with the leadership view. A snapshot with report frames (report/frames.h) is read from them, an
 * older one from its cubes: run it on both to compare. Timings are wall clock on a machine other
 * work may share: read them as upper bounds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/catalog.h"
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

/* One slice: read, 4 × engine, 4 × document. Returns 0 and the two totals. */
static int run_slice(double *findings_ms, double *docs_ms, double *findings_cpu, double *one_ms,
                     cl_reader_t *rd, const cl_catalog_t *cat, const cl_manifest_t *m,
                     const char *category, const char *region, size_t *n_findings, cl_err_t *err)
{
    double t0 = now_ms(), c0 = cpu_ms();
    cl_frame_t *f = NULL;
    int rc = cl_reader_frame(&f, rd, m, category, region, err);
    double t_read = now_ms() - t0, c_read = cpu_ms() - c0, t_engine = 0, t_doc = 0, c_engine = 0;
    *n_findings = 0;
    for (int w = 0; rc == 0 && w < CL_WINDOW_COUNT; w++) {
        cl_insight_scope_t scope = {category, region ? region : "all", (cl_window_t)w, m->week};
        cl_insight_t *r = NULL;
        double t1 = now_ms(), c1 = cpu_ms();
        rc = cl_insight_run(&r, f, cat, &scope, NULL, err);
        double t2 = now_ms();
        c_engine += cpu_ms() - c1;
        json_t *doc = NULL;
        rc = rc ? rc : cl_report_document(&doc, r, f, cat, m, "bench", err);
        char *s = rc ? NULL : json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
        t_engine += t2 - t1;
        if (w == CL_WINDOW_WOW) {
            *one_ms = t_read + (t2 - t1);
        }
        t_doc += now_ms() - t2;
        dump(s, category, region, (cl_window_t)w);
        *n_findings += r ? r->findings.n : 0;
        free(s);
        json_decref(doc);
        cl_insight_free(r);
    }
    size_t leaves = f ? f->leaves[0].n_leaves + (f->n_grains > 1 ? f->leaves[1].n_leaves : 0) : 0;
    if (rc == 0) {
        printf(
            "  %-12s %-14s read %6.1f ms (cpu %6.1f)  engine x4 %6.1f ms (cpu %6.1f)  documents x4 "
            "%5.1f ms  %5zu leaves %2zu findings\n",
            category, region ? region : "all", t_read, c_read, t_engine, c_engine, t_doc, leaves,
            *n_findings);
    }
    *findings_ms = t_read + t_engine;
    *findings_cpu = c_read + c_engine;
    *docs_ms = t_read + t_engine + t_doc;
    cl_frame_free(f);
    return rc;
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
    double *fm = calloc(want + 2, sizeof *fm), *dm = calloc(want + 2, sizeof *dm);
    double *cm = calloc(want + 2, sizeof *cm), ignore_c, ignore_o;
    double *om = calloc(want + 2, sizeof *om);
    size_t k = 0, nf = 0;
    /* a first, untimed read warms the file system cache and DuckDB's metadata, as a serving process
     * is */
    double ignore_f, ignore_d;
    rc = want
             ? run_slice(&ignore_f, &ignore_d, &ignore_c, &ignore_o, rd, cat, m,
                         m->categories[slices[0].category], m->regions[slices[0].region], &nf, &err)
             : 0;
    printf("  (warm-up above)\n");
    for (size_t i = 0; rc == 0 && i < want; i++, k++) {
        rc = run_slice(&fm[k], &dm[k], &cm[k], &om[k], rd, cat, m,
                       m->categories[slices[i].category], m->regions[slices[i].region], &nf, &err);
    }
    if (rc == 0 && want) {
        double all_f, all_d, all_c;
        rc = run_slice(&all_f, &all_d, &all_c, &om[k], rd, cat, m,
                       m->categories[slices[0].category], NULL, &nf, &err);
        printf(
            "  leadership view: findings, all windows %.1f ms (cpu %.1f); with documents %.1f ms\n",
            all_f, all_c, all_d);
    }
    if (rc != 0) {
        fprintf(stderr, "bench_report: %s\n", err.msg);
    } else if (k) {
        qsort(om, k, sizeof *om, by_double); /* the slices; om[k] is the leadership view */
        double med = om[k / 2], max = om[k - 1];
        qsort(om, k + 1, sizeof *om, by_double);
        printf("findings, one window (read + WoW engine):    median %.1f ms, max %.1f ms; with the "
               "leadership view median %.1f ms, max %.1f ms\n",
               med, max, om[(k + 1) / 2], om[k]);
        qsort(fm, k, sizeof *fm, by_double);
        qsort(dm, k, sizeof *dm, by_double);
        qsort(cm, k, sizeof *cm, by_double);
        printf("findings, all windows (read + 4 engine runs): median %.1f ms, max %.1f ms\n",
               fm[k / 2], fm[k - 1]);
        printf("  the same in CPU time (all threads):        median %.1f ms, max %.1f ms\n",
               cm[k / 2], cm[k - 1]);
        printf("four documents (+ assembly and JSON):        median %.1f ms, max %.1f ms\n",
               dm[k / 2], dm[k - 1]);
    }
    free(fm);
    free(dm);
    free(cm);
    free(om);
    free(slices);
    cl_reader_close(rd);
    cl_db_close(db);
    cl_manifest_free(m);
    cl_catalog_free(cat);
    free(dir);
    return rc == 0 ? 0 : 1;
}
