/* routes_report.c — GET /category-list and POST /wbr.
 *
 * POST /wbr, in order: the session and its CSRF token; a strict body; the access rule (403 and an
 * audit record before anything about the data is looked at, so a refused user learns nothing); the
 * week's snapshot and whether the category and region exist in it (404); then the report pipeline
 * (app/reports.h): a cached report is served at once from the worker thread, as stored (gzip, no
 * JSON work); otherwise the request is parked — the worker thread goes back to serving — and
 * answered when the report has been made (or found in the archive, or replaced by the last good
 * one, stale) by whichever thread finished it. Every served report is audited, and the response
 * leaves only once its audit record is durable. */
#include "app/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "etl/snapshot.h"
#include "http/body.h"

#define MAX_NAME CL_REPORTS_NAME_MAX
#define NO_TEAM "unassigned"

typedef struct {
    cl_app_t *app;
    cl_http_req_t *req;
    app_session_t *session;
    cl_reports_key_t key;
} wbr_t;

static void free_wbr(void *p)
{
    wbr_t *w = p;
    cl_reports_key_dispose(&w->key);
}

/* ---- GET /category-list
 * -------------------------------------------------------------------------------------- */

static json_t *visible(const json_t *all, const cl_user_t *u,
                       int (*sees)(const cl_user_t *, const char *))
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        if (sees(u, json_string_value(v))) {
            json_array_append(out, v);
        }
    }
    return out;
}

static int on_category_list(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    app_session_t *s = NULL;
    json_t *weeks = NULL, *cats = NULL, *regs = NULL;
    int rc = app_session(&s, app, req, 0, err);
    rc = rc ? rc : app_weeks(&weeks, app->cfg->warehouse_dir, err);
    if (rc != 0) {
        return rc;
    }
    const char *latest = json_string_value(json_array_get(weeks, 0));
    json_t *dims = NULL;
    /* the newest snapshot that can be read: a damaged one must not empty the filters */
    for (size_t i = 0; !dims && i < json_array_size(weeks); i++) {
        char *snap = NULL;
        cl_err_t why;
        if (cl_snapshot_resolve(&snap, app->cfg->warehouse_dir,
                                json_string_value(json_array_get(weeks, i)), &why) == 0 &&
            cl_reports_dimensions(&dims, app->reports, snap, &why) != 0) {
            cl_logf(CL_LOG_WARN, "app", "snapshot_unreadable", "%s", why.msg);
        }
        free(snap);
    }
    cats = json_object_get(dims, "categories");
    regs = json_object_get(dims, "regions");
    json_t *vis_cats = visible(cats, s->user, cl_user_sees_category);
    json_t *vis_regs = visible(regs, s->user, cl_user_sees_region);
    if (cl_user_sees_region(s->user, CL_REGION_ALL) && json_array_size(vis_regs) > 0) {
        json_array_insert_new(vis_regs, 0, json_string(CL_REGION_ALL));
    }
    json_decref(dims);
    json_t *windows = json_array();
    for (int i = 0; i < CL_WINDOW_COUNT; i++) {
        json_array_append_new(windows, json_string(cl_window_name((cl_window_t)i)));
    }
    json_t *doc = json_pack("{s:o,s:o,s:o,s:o,s:s?}", "categories", vis_cats, "regions", vis_regs,
                            "windows", windows, "weeks", weeks, "latest_week", latest);
    return cl_http_reply_json(req, 200, doc, err);
}

/* ---- POST /wbr
 * ---------------------------------------------------------------------------------------------- */

static int name_field(char *out, const json_t *body, const char *key, cl_err_t *err)
{
    const char *v = NULL;
    int rc = cl_body_string(&v, body, key, MAX_NAME, 1, err);
    if (rc != 0) {
        return rc;
    }
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            return cl_err_set(err, CL_EINVAL, "field '%s' holds a control character", key);
        }
    }
    snprintf(out, MAX_NAME + 1, "%s", v);
    return 0;
}

typedef struct {
    char category[MAX_NAME + 1], region[MAX_NAME + 1];
    cl_window_t window;
    cl_week_t week;
} wbr_in_t;

/* The body as the web UI sends it, read without a JSON library: one flat object of the four
 * fields, each once, each a string of printable ASCII without escapes (so its bytes are its value),
 * within the lengths parse_request allows. 1 and IN's names and *WINDOW, *WEEK (pointing into BUF)
 * set when it is that; 0 for anything else — then the full parser decides, and says what is wrong
 * exactly as it always has. */
static int parse_plain(wbr_in_t *in, char buf[64], const char **window, const char **week,
                       const char *body, size_t len)
{
    static const char *const FIELDS[] = {"category", "region", "window", "week"};
    const size_t MAX[] = {MAX_NAME, MAX_NAME, 8, 16};
    char *dst[] = {in->category, in->region, buf, buf + 32};
    unsigned seen = 0;
    size_t i = 0;
#define SKIP_WS()                                                                                  \
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))   \
    i++
    SKIP_WS();
    if (i == len || body[i++] != '{') {
        return 0;
    }
    for (int m = 0; m < 4; m++) {
        const char *s[2];
        size_t n[2];
        for (int part = 0; part < 2; part++) { /* the key, then the value */
            SKIP_WS();
            if (part == 1) {
                if (i == len || body[i++] != ':') {
                    return 0;
                }
                SKIP_WS();
            }
            if (i == len || body[i++] != '"') {
                return 0;
            }
            s[part] = body + i;
            while (i < len && body[i] != '"') {
                unsigned char c = (unsigned char)body[i];
                if (c < 0x20 || c > 0x7e || c == '\\') {
                    return 0;
                }
                i++;
            }
            if (i == len) {
                return 0;
            }
            n[part] = (size_t)(body + i - s[part]);
            i++;
        }
        int f = -1;
        for (int k = 0; k < 4 && f < 0; k++) {
            if (strlen(FIELDS[k]) == n[0] && memcmp(FIELDS[k], s[0], n[0]) == 0) {
                f = k;
            }
        }
        if (f < 0 || (seen & (1u << f)) || n[1] == 0 || n[1] > MAX[f]) {
            return 0;
        }
        seen |= 1u << f;
        memcpy(dst[f], s[1], n[1]);
        dst[f][n[1]] = '\0';
        SKIP_WS();
        if (i == len || body[i++] != (m < 3 ? ',' : '}')) {
            return 0;
        }
    }
    SKIP_WS();
#undef SKIP_WS
    *window = buf;
    *week = buf + 32;
    return i == len;
}

static int parse_request(wbr_in_t *in, cl_http_req_t *req, cl_err_t *err)
{
    size_t len = 0;
    const char *raw = cl_http_req_body(req, &len);
    char buf[64];
    const char *w = NULL, *wk = NULL;
    if (cl_http_req_is_json(req) && parse_plain(in, buf, &w, &wk, raw, len)) {
        int rc = cl_window_parse(&in->window, w, err);
        return rc ? rc : cl_week_parse(&in->week, wk, err);
    }
    static const char *const FIELDS[] = {"category", "region", "window", "week", NULL};
    json_t *body = NULL;
    const char *window = NULL, *week = NULL;
    int rc = cl_http_req_json(&body, req, err);
    rc = rc ? rc : cl_body_only(body, FIELDS, err);
    rc = rc ? rc : name_field(in->category, body, "category", err);
    rc = rc ? rc : name_field(in->region, body, "region", err);
    rc = rc ? rc : cl_body_string(&window, body, "window", 8, 1, err);
    rc = rc ? rc : cl_body_string(&week, body, "week", 16, 1, err);
    rc = rc ? rc : cl_window_parse(&in->window, window, err);
    rc = rc ? rc : cl_week_parse(&in->week, week, err);
    json_decref(body);
    return rc;
}

static json_t *identity(const char *category, const char *region, const char *window,
                        const char *week)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "category", category, "region", region, "window", window,
                     "week", week);
}

static json_t *view_detail(const wbr_t *w, const char *cache, int stale, const char *snapshot)
{
    const cl_reports_key_t *k = &w->key;
    json_t *d = identity(k->category, k->region, k->window_name, k->week_key);
    json_object_set_new(d, "snapshot", json_string(snapshot));
    json_object_set_new(d, "cache", json_string(cache));
    json_object_set_new(d, "stale", json_boolean(stale));
    return d;
}

/* view_detail as the JSON text json_dumps would write for it (compact, keys sorted), into OUT
 * (CAP bytes); 0 when it does not fit. */
static size_t view_detail_text(char *out, size_t cap, const wbr_t *w, const char *cache, int stale,
                               const char *snapshot)
{
    const cl_reports_key_t *k = &w->key;
    size_t at = cl_jsonw_raw(out, cap, 0, "{\"cache\":");
    at = cl_jsonw_string(out, cap, at, cache);
    at = cl_jsonw_raw(out, cap, at, ",\"category\":");
    at = cl_jsonw_string(out, cap, at, k->category);
    at = cl_jsonw_raw(out, cap, at, ",\"region\":");
    at = cl_jsonw_string(out, cap, at, k->region);
    at = cl_jsonw_raw(out, cap, at, ",\"snapshot\":");
    at = cl_jsonw_string(out, cap, at, snapshot);
    at = cl_jsonw_raw(out, cap, at, stale ? ",\"stale\":true" : ",\"stale\":false");
    at = cl_jsonw_raw(out, cap, at, ",\"week\":");
    at = cl_jsonw_string(out, cap, at, k->week_key);
    at = cl_jsonw_raw(out, cap, at, ",\"window\":");
    at = cl_jsonw_string(out, cap, at, k->window_name);
    at = cl_jsonw_raw(out, cap, at, "}");
    if (at >= cap) {
        return 0;
    }
    out[at] = '\0';
    return at;
}

/* The report was made (or could not be): answer the parked request, on the thread that made it. */
static void on_report(void *payload, const cl_reports_result_t *res)
{
    wbr_t *w = payload;
    cl_http_req_t *req = w->req;
    cl_err_t err;
    char *gz = res->rc == 0 ? malloc(res->gz_len) : NULL;
    int rc = res->rc;
    if (rc == 0 && !gz) {
        rc = cl_err_set(&err, CL_ENOMEM, "out of memory");
    } else if (rc == 0) {
        memcpy(gz, res->gz, res->gz_len);
        rc = cl_http_reply_gzipped(req, 200, "application/json", gz, res->gz_len, &err);
    }
    if (rc != 0) {
        cl_http_reply_error(req, res->rc ? res->err : &err);
        cl_http_release(req);
        return;
    }
    cl_http_req_log_text(req, "cache", res->cache);
    app_release_audited(w->app, req, w->session->user, "report_view", "ok",
                        view_detail(w, res->cache, res->stale, res->snapshot));
}

/* Runs once the request is parked: hand it to the report pipeline. */
static void start_wait(cl_http_req_t *req, void *payload)
{
    wbr_t *w = payload;
    const cl_user_t *u = w->session->user;
    cl_ai_user_t who = {u->id, *u->team ? u->team : NO_TEAM, cl_role_name(u->role)};
    cl_err_t err;
    if (cl_reports_request(w->app->reports, &w->key, &who, on_report, w, &err) != 0) {
        cl_http_reply_error(req, &err);
        cl_http_release(req);
    }
}

static int on_wbr(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_app_t *app = payload;
    wbr_t *w = cl_http_req_alloc(req, sizeof *w);
    if (!w) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    memset(w, 0, sizeof *w);
    w->app = app;
    w->req = req;
    int rc = cl_http_req_cleanup(req, free_wbr, w, err);
    rc = rc ? rc : app_session(&w->session, app, req, 1, err);
    if (rc == CL_EFORBIDDEN) {
        return app_deny(app, req, w->session ? w->session->user : NULL, NULL, err);
    }
    wbr_in_t in;
    rc = rc ? rc : parse_request(&in, req, err);
    if (rc != 0) {
        return rc;
    }
    if (cl_user_may_view(w->session->user, in.category, in.region, err) != 0) {
        char wk[CL_WEEK_KEY_LEN];
        cl_week_format(wk, in.week);
        return app_deny(app, req, w->session->user,
                        identity(in.category, in.region, cl_window_name(in.window), wk), err);
    }
    rc = cl_reports_locate(&w->key, app->reports, in.category, in.region, in.window, in.week, err);
    if (rc != 0) {
        return rc;
    }
    cl_cache_value_t gz;
    const char *hit[] = {"hit"}, *miss[] = {"miss"};
    if (cl_reports_cached_shared(&gz, NULL, app->reports, &w->key) == 0) {
        cl_metrics_inc(app->m_report_cache, hit, 1);
        rc = cl_http_reply_gzipped_shared(req, 200, "application/json", gz.data, gz.len, gz.release,
                                          gz.cls, err);
        cl_http_req_log_text(req, "cache", "hit");
        if (rc != 0) {
            return rc;
        }
        char text[2048];
        return view_detail_text(text, sizeof text, w, "hit", 0, w->key.snapshot) > 0
                   ? app_reply_audited_text(app, req, w->session->user, "report_view", "ok", text)
                   : app_reply_audited(app, req, w->session->user, "report_view", "ok",
                                       view_detail(w, "hit", 0, w->key.snapshot));
    }
    cl_metrics_inc(app->m_report_cache, miss, 1);
    return cl_http_park(req, start_wait, w);
}

int app_routes_report(cl_app_t *app, cl_err_t *err)
{
    const cl_http_route_t routes[] = {
        {"GET", "/category-list", on_category_list, app, 0},
        {"POST", "/wbr", on_wbr, app, 0},
    };
    return app_add_routes(app, routes, CL_ARRAY_LEN(routes), err);
}
