/* Frame files: a frame written and read back is the same frame bit for bit (values and their
 * order, parents, carried measures, cells incl. NaN, a dimension with a value outside its carried
 * measures, not-available measures, pulse, leaves); another fingerprint is stale (CL_ECONFLICT), a
 * missing file CL_ENOTFOUND, a truncated or foreign file CL_EDATA. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "report/framefile.h"

#define WEEKS 3
#define MEASURES 4

static cl_frame_t *sample(void)
{
    cl_err_t err;
    cl_frame_t *f = NULL;
    cl_week_t first = {2026, 45};
    assert_int_equal(cl_frame_new(&f, first, WEEKS, MEASURES, &err), 0);
    cl_frame_set_na(f, 3);
    size_t l1 = 0, l2 = 0, dev = 0, v = 0;
    assert_int_equal(cl_frame_add_dim(&l1, f, "traffic_l1", CL_FRAME_NONE, &err), 0);
    assert_int_equal(cl_frame_add_dim(&l2, f, "traffic_l2", l1, &err), 0);
    assert_int_equal(cl_frame_add_dim(&dev, f, "device_type", CL_FRAME_NONE, &err), 0);
    cl_frame_set_has(f, l1, 0);
    cl_frame_set_has(f, l2, 0);
    cl_frame_set_has(f, l2, 1);
    cl_frame_set_has(f, dev, 2);
    const char *l1v[] = {"paid", "organic"}, *l2v[] = {"search", "search", "(null)"};
    const size_t l2p[] = {0, 1, 1};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(cl_frame_value(&v, f, l1, l1v[i], CL_FRAME_NONE, &err), 0);
    }
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(cl_frame_value(&v, f, l2, l2v[i], l2p[i], &err), 0);
    }
    assert_int_equal(cl_frame_value(&v, f, dev, "mobile", CL_FRAME_NONE, &err), 0);
    for (size_t w = 0; w < WEEKS; w++) {
        for (size_t m = 0; m < MEASURES; m++) {
            *cl_frame_total(f, w, m) = m == 3 ? NAN : (double)(w * 10 + m) + 0.25;
        }
        f->pulse[w] = w == 1 ? NAN : 100.5 + (double)w;
        *cl_frame_cell(f, l1, 1, w, 0) = 7.0 * (double)w;
        *cl_frame_cell(f, l2, 2, w, 1) = w == 2 ? NAN : 3.0;
        *cl_frame_cell(f, dev, 0, w, 0) = 1.5; /* a measure the dimension does not carry */
    }
    size_t grain = 0;
    const size_t dims[] = {l1, dev}, measures[] = {0, 2};
    assert_int_equal(cl_frame_leaf_dims(&grain, f, dims, 2, measures, 2, &err), 0);
    double sums[CL_WINDOW_COUNT * 2 * 2];
    for (size_t i = 0; i < CL_WINDOW_COUNT * 2 * 2; i++) {
        sums[i] = i == 3 ? NAN : (double)i / 3.0;
    }
    const uint32_t c0[] = {1, 0}, c1[] = {0, 0};
    assert_int_equal(cl_frame_add_leaf(f, grain, c0, sums, &err), 0);
    assert_int_equal(cl_frame_add_leaf(f, grain, c1, sums, &err), 0);
    return f;
}

/* bitwise equality (NaN equal to NaN) */
static void same_doubles(const double *a, const double *b, size_t n)
{
    assert_memory_equal(a, b, n * sizeof *a);
}

static void same_frame(const cl_frame_t *a, const cl_frame_t *b)
{
    assert_int_equal(a->first_week.year, b->first_week.year);
    assert_int_equal(a->first_week.week, b->first_week.week);
    assert_int_equal(a->n_weeks, b->n_weeks);
    assert_int_equal(a->n_measures, b->n_measures);
    assert_memory_equal(a->na, b->na, a->n_measures);
    same_doubles(a->totals, b->totals, a->n_weeks * a->n_measures);
    same_doubles(a->pulse, b->pulse, a->n_weeks);
    assert_int_equal(a->n_dims, b->n_dims);
    for (size_t d = 0; d < a->n_dims; d++) {
        const cl_frame_dim_t *x = &a->dims[d], *y = &b->dims[d];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->parent, y->parent);
        assert_int_equal(x->n_values, y->n_values);
        assert_memory_equal(x->has, y->has, a->n_measures);
        for (size_t v = 0; v < x->n_values; v++) {
            assert_string_equal(x->values[v], y->values[v]);
            assert_int_equal(x->parents[v], y->parents[v]);
        }
        same_doubles(x->cells, y->cells, x->n_values * a->n_weeks * a->n_measures);
    }
    assert_int_equal(a->n_grains, b->n_grains);
    for (size_t g = 0; g < a->n_grains; g++) {
        const cl_frame_leaves_t *x = &a->leaves[g], *y = &b->leaves[g];
        assert_int_equal(x->n_dims, y->n_dims);
        assert_int_equal(x->n_measures, y->n_measures);
        assert_memory_equal(x->dims, y->dims, x->n_dims * sizeof *x->dims);
        assert_memory_equal(x->measures, y->measures, x->n_measures * sizeof *x->measures);
        assert_int_equal(x->n_leaves, y->n_leaves);
        assert_memory_equal(x->codes, y->codes, x->n_leaves * x->n_dims * sizeof *x->codes);
        same_doubles(x->sums, y->sums, x->n_leaves * CL_WINDOW_COUNT * 2 * x->n_measures);
    }
}

static void tmp_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/cl_framefile_%ld_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid(), name);
}

static void test_framefile__round_trip_is_exact(void **state)
{
    (void)state;
    cl_err_t err;
    char path[512];
    tmp_path(path, sizeof path, "ok.bin");
    cl_frame_t *f = sample(), *g = NULL;
    assert_int_equal(cl_framefile_write(path, f, 0x1234, &err), 0);
    assert_int_equal(cl_framefile_read(&g, path, 0x1234, &err), 0);
    same_frame(f, g);
    cl_frame_free(g);
    cl_frame_free(f);
    unlink(path);
}

/* A file written before frames were stored (the body deflated at level 1, as snapshots of
 * 2026-12-02 .. 12-03 hold) reads as the same frame; the file written now is a zlib stream of
 * stored blocks (no smaller than its body). */
static void test_framefile__deflated_file_of_an_older_snapshot_reads_the_same(void **state)
{
    (void)state;
    cl_err_t err;
    char path[512], old[512];
    tmp_path(path, sizeof path, "stored.bin");
    tmp_path(old, sizeof old, "deflated.bin");
    cl_frame_t *f = sample(), *g = NULL;
    assert_int_equal(cl_framefile_write(path, f, 0x99, &err), 0);
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static unsigned char file[1 << 20], body[1 << 20], z[1 << 20];
    size_t len = fread(file, 1, sizeof file, in);
    fclose(in);
    assert_true(len > 32 && len < sizeof file);
    uint64_t n = 0;
    memcpy(&n, file + 24, 8);
    uLongf got = sizeof body, zlen = sizeof z;
    assert_int_equal(uncompress(body, &got, file + 32, (uLong)(len - 32)), Z_OK);
    assert_int_equal(got, n);
    assert_true(len - 32 > n); /* stored: the body's bytes and the blocks' headers */
    assert_int_equal(compress2(z, &zlen, body, got, 1), Z_OK);
    assert_true(zlen < n); /* deflated, as before */
    FILE *out = fopen(old, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(file, 1, 32, out), 32);
    assert_int_equal(fwrite(z, 1, zlen, out), zlen);
    fclose(out);
    assert_int_equal(cl_framefile_read(&g, old, 0x99, &err), 0);
    same_frame(f, g);
    cl_frame_free(g);
    cl_frame_free(f);
    unlink(path);
    unlink(old);
}

static void test_framefile__stale_missing_and_damaged(void **state)
{
    (void)state;
    cl_err_t err;
    char path[512], cut[512];
    tmp_path(path, sizeof path, "stale.bin");
    tmp_path(cut, sizeof cut, "cut.bin");
    cl_frame_t *f = sample(), *g = NULL;
    assert_int_equal(cl_framefile_write(path, f, 7, &err), 0);
    assert_int_equal(cl_framefile_read(&g, path, 8, &err), CL_ECONFLICT);
    assert_null(g);
    assert_non_null(strstr(err.msg, "another metric catalog"));
    assert_int_equal(cl_framefile_read(&g, "/nonexistent/frame.bin", 7, &err), CL_ENOTFOUND);
    /* truncated: the header and part of the body */
    FILE *in = fopen(path, "rb"), *out = fopen(cut, "wb");
    char buf[64];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    assert_int_equal(cl_framefile_read(&g, cut, 7, &err), CL_EDATA);
    assert_null(g);
    /* not a frame file at all */
    out = fopen(cut, "wb");
    fputs("PAR1 not a frame, but long enough to hold a header", out);
    fclose(out);
    assert_int_equal(cl_framefile_read(&g, cut, 7, &err), CL_EDATA);
    assert_int_equal(cl_framefile_write("/nonexistent/dir/frame.bin", f, 7, &err), CL_EIO);
    cl_frame_free(f);
    unlink(path);
    unlink(cut);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framefile__round_trip_is_exact),
        cmocka_unit_test(test_framefile__deflated_file_of_an_older_snapshot_reads_the_same),
        cmocka_unit_test(test_framefile__stale_missing_and_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
