/* framefile.c — a frame to and from a file (framefile.h). The body is one buffer of fixed-width
 * fields in a zlib stream of stored (not deflated) blocks. Why stored: a report reads its frame
 * before the engine starts, so the read is serial wall time of every cold report, and inflating
 * a deflated body (a 50 M-line slice: 1.1 MB from 430 kB) took 4-5 ms of the ~50 ms of a slice's
 * four windows; copying stored blocks and checking their Adler-32 takes well under 1 ms. The
 * price is disk: ~3x the bytes (145 MB instead of 46 MB of frames at 50 M lines, beside 184 MB of
 * Parquet). A stored body is still a zlib stream, so a snapshot written before (deflated at level
 * 1) is read by the same code, and this file by older readers. */
#include "report/framefile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/file.h"

static const char MAGIC[8] = {'C', 'L', 'F', 'R', 'A', 'M', 'E', '1'};
#define BYTE_ORDER_MARK 0x01020304u
#define HEADER_BYTES (8 + 4 + 4 + 8 + 8) /* magic, byte order, pad, fingerprint, body bytes */
#define MAX_BODY ((uint64_t)1 << 31)

typedef struct {
    unsigned char *p;
    size_t n, cap;
    int failed;
} buf_t;

static void put(buf_t *b, const void *data, size_t len)
{
    if (b->failed || len == 0) { /* an empty array's pointer may be NULL */
        return;
    }
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + len) {
            cap *= 2;
        }
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void put_u64(buf_t *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_str(buf_t *b, const char *s)
{
    uint64_t len = strlen(s);
    put_u64(b, len);
    put(b, s, (size_t)len);
}

/* 1 when a cell of a measure dimension D does not carry holds anything but +0.0 (then every cell
 * is written, so nothing the frame holds can be lost) */
static int needs_dense(const cl_frame_t *f, const cl_frame_dim_t *d)
{
    size_t n = d->n_values * f->n_weeks * f->n_measures;
    for (size_t i = 0; i < n; i++) {
        double x = d->cells[i];
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        if (!d->has[i % f->n_measures] && bits != 0) {
            return 1;
        }
    }
    return 0;
}

static void put_dim(buf_t *b, const cl_frame_t *f, const cl_frame_dim_t *d)
{
    put_str(b, d->name);
    put_u64(b, d->parent == CL_FRAME_NONE ? UINT64_MAX : d->parent);
    put(b, d->has, f->n_measures);
    unsigned char dense = (unsigned char)needs_dense(f, d);
    put(b, &dense, 1);
    put_u64(b, d->n_values);
    for (size_t v = 0; v < d->n_values; v++) {
        put_str(b, d->values[v]);
        put_u64(b, d->parents[v] == CL_FRAME_NONE ? UINT64_MAX : d->parents[v]);
    }
    for (size_t v = 0; v < d->n_values; v++) {
        for (size_t w = 0; w < f->n_weeks; w++) {
            const double *row = cl_frame_cell(f, (size_t)(d - f->dims), v, w, 0);
            for (size_t m = 0; m < f->n_measures; m++) {
                if (dense || d->has[m]) {
                    put(b, &row[m], sizeof row[m]);
                }
            }
        }
    }
}

static void serialise(buf_t *b, const cl_frame_t *f)
{
    int32_t wk[2] = {f->first_week.year, f->first_week.week};
    put(b, wk, sizeof wk);
    put_u64(b, f->n_weeks);
    put_u64(b, f->n_measures);
    put(b, f->na, f->n_measures);
    put(b, f->totals, f->n_weeks * f->n_measures * sizeof *f->totals);
    put(b, f->pulse, f->n_weeks * sizeof *f->pulse);
    put_u64(b, f->n_dims);
    for (size_t d = 0; d < f->n_dims; d++) {
        put_dim(b, f, &f->dims[d]);
    }
    put_u64(b, f->n_grains);
    for (size_t g = 0; g < f->n_grains; g++) {
        const cl_frame_leaves_t *l = &f->leaves[g];
        put_u64(b, l->n_dims);
        for (size_t i = 0; i < l->n_dims; i++) {
            put_u64(b, l->dims[i]);
        }
        put_u64(b, l->n_measures);
        for (size_t i = 0; i < l->n_measures; i++) {
            put_u64(b, l->measures[i]);
        }
        put_u64(b, l->n_leaves);
        put(b, l->codes, l->n_leaves * l->n_dims * sizeof *l->codes);
        put(b, l->sums, l->n_leaves * CL_WINDOW_COUNT * 2 * l->n_measures * sizeof *l->sums);
    }
}

int cl_framefile_write(const char *path, const cl_frame_t *f, uint64_t fp, cl_err_t *err)
{
    buf_t body = {0};
    serialise(&body, f);
    uLongf zcap = body.failed ? 0 : compressBound((uLong)body.n);
    unsigned char *out = body.failed ? NULL : malloc(HEADER_BYTES + zcap);
    if (!out) {
        free(body.p);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int zrc = compress2(out + HEADER_BYTES, &zcap, body.p, (uLong)body.n, Z_NO_COMPRESSION);
    uint32_t bom = BYTE_ORDER_MARK, pad = 0;
    uint64_t n = body.n;
    memcpy(out, MAGIC, 8);
    memcpy(out + 8, &bom, 4);
    memcpy(out + 12, &pad, 4);
    memcpy(out + 16, &fp, 8);
    memcpy(out + 24, &n, 8);
    free(body.p);
    if (zrc != Z_OK) {
        free(out);
        return cl_err_set(err, CL_ENOMEM, "frame file: deflate failed (%d)", zrc);
    }
    FILE *fp_out = fopen(path, "wb");
    int ok = fp_out && fwrite(out, 1, HEADER_BYTES + zcap, fp_out) == HEADER_BYTES + zcap;
    ok = fp_out ? (fclose(fp_out) == 0) && ok : 0;
    free(out);
    return ok ? 0 : cl_err_set(err, CL_EIO, "cannot write %s", path);
}

/* ---- reading: every length is checked against what is left -------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t n, at;
    int bad;
} rd_t;

static const void *take(rd_t *r, size_t len)
{
    if (r->bad || len > r->n - r->at) {
        r->bad = 1;
        return NULL;
    }
    const void *p = r->p + r->at;
    r->at += len;
    return p;
}

static uint64_t get_u64(rd_t *r)
{
    const void *p = take(r, 8);
    uint64_t v = 0;
    if (p) {
        memcpy(&v, p, 8);
    }
    return v;
}

/* A NUL-terminated copy of the next string into BUF (CAP). */
static const char *get_str(rd_t *r, char *buf, size_t cap)
{
    uint64_t len = get_u64(r);
    const void *p = len < cap ? take(r, (size_t)len) : NULL;
    if (!p) {
        r->bad = 1;
        return NULL;
    }
    memcpy(buf, p, (size_t)len);
    buf[len] = '\0';
    return buf;
}

static size_t get_index(rd_t *r)
{
    uint64_t v = get_u64(r);
    return v == UINT64_MAX ? CL_FRAME_NONE : (size_t)v;
}

static int bad(cl_err_t *err, const char *path)
{
    (void)path; /* the message may reach a user: it names no server path */
    return cl_err_set(err, CL_EDATA, "a report frame file of the snapshot is not readable");
}

static int get_dim(rd_t *r, cl_frame_t *f, size_t expect, const char *path, cl_err_t *err)
{
    char name[1024];
    const char *nm = get_str(r, name, sizeof name);
    size_t parent = get_index(r), d = 0;
    const unsigned char *has = take(r, f->n_measures);
    const unsigned char *dense = take(r, 1);
    uint64_t n_values = get_u64(r);
    if (!nm || !has || !dense || n_values > CL_FRAME_MAX_VALUES ||
        (parent != CL_FRAME_NONE && parent >= expect)) {
        return bad(err, path);
    }
    int rc = cl_frame_add_dim(&d, f, nm, parent, err);
    if (rc != 0 || d != expect) {
        return rc ? rc : bad(err, path);
    }
    char *value = malloc(65536);
    if (!value) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t v = 0; rc == 0 && v < n_values; v++) {
        const char *s = get_str(r, value, 65536);
        size_t pv = get_index(r), got = 0;
        rc = s ? cl_frame_value(&got, f, d, s, pv, err) : bad(err, path);
        rc = rc == 0 && got != v ? bad(err, path) : rc;
    }
    free(value);
    for (size_t m = 0; rc == 0 && m < f->n_measures; m++) {
        if (has[m]) {
            cl_frame_set_has(f, d, m);
        }
    }
    for (size_t v = 0; rc == 0 && v < n_values; v++) {
        for (size_t w = 0; w < f->n_weeks; w++) {
            double *row = cl_frame_cell(f, d, v, w, 0);
            for (size_t m = 0; m < f->n_measures; m++) {
                if (*dense || has[m]) {
                    const void *p = take(r, sizeof *row);
                    if (!p) {
                        return bad(err, path);
                    }
                    memcpy(&row[m], p, sizeof *row);
                }
            }
        }
    }
    return rc;
}

static int get_grain(rd_t *r, cl_frame_t *f, const char *path, cl_err_t *err)
{
    size_t dims[CL_FRAME_MAX_LEAF_DIMS], measures[CL_FRAME_MAX_LEAF_MEASURES], grain = 0;
    uint64_t nd = get_u64(r);
    for (size_t i = 0; nd <= CL_FRAME_MAX_LEAF_DIMS && i < nd; i++) {
        dims[i] = (size_t)get_u64(r);
    }
    uint64_t nm = nd <= CL_FRAME_MAX_LEAF_DIMS ? get_u64(r) : UINT64_MAX;
    for (size_t i = 0; nm <= CL_FRAME_MAX_LEAF_MEASURES && i < nm; i++) {
        measures[i] = (size_t)get_u64(r);
    }
    /* a grain without a measure has no sums to read: damaged (and it would divide by zero below) */
    if (r->bad || nd > CL_FRAME_MAX_LEAF_DIMS || nm > CL_FRAME_MAX_LEAF_MEASURES || nm == 0) {
        return bad(err, path);
    }
    int rc = cl_frame_leaf_dims(&grain, f, dims, (size_t)nd, measures, (size_t)nm, err);
    uint64_t n_leaves = rc ? 0 : get_u64(r);
    size_t per = (size_t)CL_WINDOW_COUNT * 2 * (size_t)nm;
    if (rc == 0 && n_leaves > (r->n - r->at) / (per * sizeof(double))) {
        return bad(err, path);
    }
    const unsigned char *codes = rc ? NULL : take(r, (size_t)n_leaves * nd * sizeof(uint32_t));
    const unsigned char *sums = rc ? NULL : take(r, (size_t)n_leaves * per * sizeof(double));
    if (rc == 0 && (!codes || !sums)) {
        return bad(err, path);
    }
    uint32_t c[CL_FRAME_MAX_LEAF_DIMS];
    double s[CL_WINDOW_COUNT * 2 * CL_FRAME_MAX_LEAF_MEASURES];
    for (size_t i = 0; rc == 0 && i < n_leaves; i++) {
        memcpy(c, codes + i * nd * sizeof *c, nd * sizeof *c);
        memcpy(s, sums + i * per * sizeof *s, per * sizeof *s);
        rc = cl_frame_add_leaf(f, grain, c, s, err);
    }
    return rc;
}

static int deserialise(cl_frame_t **out, rd_t *r, const char *path, cl_err_t *err)
{
    const int32_t *wk = take(r, 8);
    uint64_t n_weeks = get_u64(r), n_measures = get_u64(r);
    if (!wk || n_weeks == 0 || n_weeks > CL_FRAME_MAX_WEEKS || n_measures == 0 ||
        n_measures > 4096) {
        return bad(err, path);
    }
    cl_week_t first = {wk[0], wk[1]};
    cl_frame_t *f = NULL;
    int rc = cl_frame_new(&f, first, (size_t)n_weeks, (size_t)n_measures, err);
    if (rc != 0) {
        return rc == CL_EINVAL ? bad(err, path) : rc;
    }
    const unsigned char *na = take(r, (size_t)n_measures);
    for (size_t m = 0; na && m < n_measures; m++) {
        if (na[m]) {
            cl_frame_set_na(f, m);
        }
    }
    const void *totals = take(r, (size_t)(n_weeks * n_measures) * sizeof(double));
    const void *pulse = take(r, (size_t)n_weeks * sizeof(double));
    uint64_t n_dims = get_u64(r);
    if (r->bad || n_dims > CL_FRAME_MAX_DIMS) {
        rc = bad(err, path);
    } else {
        memcpy(f->totals, totals, (size_t)(n_weeks * n_measures) * sizeof(double));
        memcpy(f->pulse, pulse, (size_t)n_weeks * sizeof(double));
    }
    for (size_t d = 0; rc == 0 && d < n_dims; d++) {
        rc = get_dim(r, f, d, path, err);
    }
    uint64_t n_grains = rc ? 0 : get_u64(r);
    if (rc == 0 && n_grains > CL_FRAME_MAX_GRAINS) {
        rc = bad(err, path);
    }
    for (size_t g = 0; rc == 0 && g < n_grains; g++) {
        rc = get_grain(r, f, path, err);
    }
    if (rc == 0 && (r->bad || r->at != r->n)) {
        rc = bad(err, path);
    }
    if (rc != 0) {
        cl_frame_free(f);
        return rc == CL_EINVAL ? (err ? (err->code = CL_EDATA) : CL_EDATA) : rc;
    }
    *out = f;
    return 0;
}

int cl_framefile_read(cl_frame_t **out, const char *path, uint64_t fp, cl_err_t *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = cl_file_read_all(&text, &len, path, CL_FRAMEFILE_MAX_BYTES, err);
    if (rc != 0) {
        return rc == CL_ETOOBIG ? bad(err, path) : rc;
    }
    uint32_t bom = 0;
    uint64_t file_fp = 0, n = 0;
    if (len < HEADER_BYTES || memcmp(text, MAGIC, 8) != 0) {
        free(text);
        return bad(err, path);
    }
    memcpy(&bom, text + 8, 4);
    memcpy(&file_fp, text + 16, 8);
    memcpy(&n, text + 24, 8);
    if (bom != BYTE_ORDER_MARK || n > MAX_BODY) {
        free(text);
        return bad(err, path);
    }
    if (file_fp != fp) {
        free(text);
        return cl_err_set(err, CL_ECONFLICT, "%s was built for another metric catalog", path);
    }
    unsigned char *body = malloc(n ? (size_t)n : 1);
    uLongf got = (uLongf)n;
    int zrc = body ? uncompress(body, &got, (const Bytef *)text + HEADER_BYTES,
                                (uLong)(len - HEADER_BYTES))
                   : Z_MEM_ERROR;
    free(text);
    if (zrc != Z_OK || got != n) {
        free(body);
        return zrc == Z_MEM_ERROR ? cl_err_set(err, CL_ENOMEM, "out of memory") : bad(err, path);
    }
    rd_t r = {body, (size_t)n, 0, 0};
    rc = deserialise(out, &r, path, err);
    free(body);
    return rc;
}
