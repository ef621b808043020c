/* report.c — the entry points other components call (contracts §7): validate the request against
 * the snapshot's manifest, read the slice once per context, run the engine, assemble. Requests are
 * checked before any query so a bad one costs nothing and says exactly what was wrong. */
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/document.h"
#include "report/manifest.h"
#include "report/reader.h"

#define NAME_MAX_LEN 200

struct cl_report_ctx {
    const cl_catalog_t *cat;
    cl_reader_t *reader;
    cl_insight_options_t opt;
    cl_manifest_t *manifest; /* the last snapshot used */
    cl_frame_t *frame;       /* the last slice read from it */
    char *frame_category, *frame_region;
};

int cl_report_ctx_open(cl_report_ctx_t **out, cl_db_t *db, const cl_catalog_t *cat, cl_err_t *err)
{
    *out = NULL;
    cl_report_ctx_t *c = calloc(1, sizeof *c);
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    c->cat = cat;
    cl_insight_options_default(&c->opt);
    int rc = cl_reader_open(&c->reader, db, cat, err);
    if (rc != 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void forget_frame(cl_report_ctx_t *c)
{
    cl_frame_free(c->frame);
    free(c->frame_category);
    free(c->frame_region);
    c->frame = NULL;
    c->frame_category = c->frame_region = NULL;
}

void cl_report_ctx_close(cl_report_ctx_t *ctx)
{
    if (!ctx) {
        return;
    }
    forget_frame(ctx);
    cl_manifest_free(ctx->manifest);
    cl_reader_close(ctx->reader);
    free(ctx);
}

void cl_report_ctx_set_options(cl_report_ctx_t *ctx, const cl_insight_options_t *opt)
{
    ctx->opt = *opt;
}

/* The manifest of DIR, from the cache when it is the same folder (a snapshot never changes). */
static int manifest(const cl_manifest_t **out, cl_report_ctx_t *c, const char *dir, cl_err_t *err)
{
    if (!dir || !*dir) {
        return cl_err_set(err, CL_EINVAL, "no snapshot folder given");
    }
    if (!c->manifest || strcmp(c->manifest->dir, dir) != 0) {
        cl_manifest_t *m = NULL;
        int rc = cl_manifest_load(&m, dir, err);
        if (rc != 0) {
            return rc;
        }
        forget_frame(c);
        cl_manifest_free(c->manifest);
        c->manifest = m;
    }
    *out = c->manifest;
    return 0;
}

static int check_name(const char *what, const char *s, cl_err_t *err)
{
    if (!s || !*s) {
        return cl_err_set(err, CL_EINVAL, "%s is required", what);
    }
    size_t n = strlen(s);
    if (n > NAME_MAX_LEN) {
        return cl_err_set(err, CL_EINVAL, "%s is longer than %d characters", what, NAME_MAX_LEN);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return cl_err_set(err, CL_EINVAL, "%s contains a control character", what);
        }
    }
    return 0;
}

static int check_request(const cl_manifest_t *m, const cl_report_request_t *req, long *region,
                         cl_err_t *err)
{
    int rc = check_name("category", req->category, err);
    rc = rc ? rc : check_name("region", req->region, err);
    if (rc != 0) {
        return rc;
    }
    if ((unsigned)req->window >= CL_WINDOW_COUNT) {
        return cl_err_set(err, CL_EINVAL, "window must be WoW, MoM, QoQ or YoY");
    }
    if (cl_week_cmp(req->week, m->week) != 0) {
        char want[CL_WEEK_KEY_LEN], got[CL_WEEK_KEY_LEN];
        cl_week_format(want, m->week);
        cl_week_format(got, req->week);
        return cl_err_set(err, CL_EINVAL, "snapshot %s is for week %s, not %s", m->snapshot_id,
                          want, got);
    }
    long cat = cl_manifest_category(m, req->category);
    if (cat < 0) {
        return cl_err_set(err, CL_ENOTFOUND, "category '%s' is not in snapshot %s", req->category,
                          m->snapshot_id);
    }
    *region = -1;
    if (strcmp(req->region, CL_REPORT_REGION_ALL) != 0) {
        *region = cl_manifest_region(m, req->region);
        if (*region < 0) {
            return cl_err_set(err, CL_ENOTFOUND, "region '%s' is not in snapshot %s", req->region,
                              m->snapshot_id);
        }
    }
    if (!cl_manifest_has_slice(m, *region, cat)) {
        return cl_err_set(err, CL_ENOTFOUND, "category '%s' has no data in region '%s'",
                          req->category, req->region);
    }
    return 0;
}

/* The slice's frame, from the cache when the same slice was read last. */
static int frame(const cl_frame_t **out, cl_report_ctx_t *c, const cl_report_request_t *req,
                 long region, cl_err_t *err)
{
    const char *rname = region < 0 ? CL_REPORT_REGION_ALL : req->region;
    if (c->frame && strcmp(c->frame_category, req->category) == 0 &&
        strcmp(c->frame_region, rname) == 0) {
        *out = c->frame;
        return 0;
    }
    forget_frame(c);
    cl_frame_t *f = NULL;
    int rc = cl_reader_frame(&f, c->reader, c->manifest, req->category,
                             region < 0 ? NULL : req->region, err);
    if (rc != 0) {
        return rc;
    }
    c->frame = f;
    c->frame_category = strdup(req->category);
    c->frame_region = strdup(rname);
    if (!c->frame_category || !c->frame_region) {
        forget_frame(c);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *out = f;
    return 0;
}

static void now_utc(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cl_report_build(json_t **out, cl_report_ctx_t *ctx, const char *snapshot_dir,
                    const cl_report_request_t *req, cl_err_t *err)
{
    *out = NULL;
    const cl_manifest_t *m = NULL;
    const cl_frame_t *f = NULL;
    cl_insight_t *r = NULL;
    long region = -1;
    if (!req) {
        return cl_err_set(err, CL_EINVAL, "no request");
    }
    int rc = manifest(&m, ctx, snapshot_dir, err);
    rc = rc ? rc : check_request(m, req, &region, err);
    rc = rc ? rc : frame(&f, ctx, req, region, err);
    if (rc != 0) {
        return rc;
    }
    cl_insight_scope_t scope = {req->category, region < 0 ? CL_REPORT_REGION_ALL : req->region,
                                req->window, req->week};
    rc = cl_insight_run(&r, f, ctx->cat, &scope, &ctx->opt, err);
    char stamp[32];
    if (!req->generated_at) {
        now_utc(stamp);
    }
    rc = rc ? rc
            : cl_report_document(out, r, f, ctx->cat, m,
                                 req->generated_at ? req->generated_at : stamp, err);
    cl_insight_free(r);
    return rc;
}

static json_t *strings(char *const *list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_string(list[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int cl_report_dimensions(json_t **out, cl_report_ctx_t *ctx, const char *snapshot_dir,
                         cl_err_t *err)
{
    *out = NULL;
    const cl_manifest_t *m = NULL;
    int rc = manifest(&m, ctx, snapshot_dir, err);
    if (rc != 0) {
        return rc;
    }
    char week[CL_WEEK_KEY_LEN];
    cl_week_format(week, m->week);
    json_t *doc = json_pack("{s:s, s:s, s:o*, s:o*}", "snapshot", m->snapshot_id, "week", week,
                            "categories", strings(m->categories, m->n_categories), "regions",
                            strings(m->regions, m->n_regions));
    if (!doc || !json_object_get(doc, "categories") || !json_object_get(doc, "regions")) {
        json_decref(doc);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *out = doc;
    return 0;
}
