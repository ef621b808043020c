/* request.c — the request context a handler sees and the replies it makes. Handlers never touch
 * libmicrohttpd: they read decoded values and set one reply, and cl_http__queue turns that into a
 * response with the headers every response must carry (security headers, request id, cache policy,
 * content encoding). */
#include "http/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "http/body.h"
#include "http/gzip.h"

#define GZIP_MIN_BYTES 1024
#define GUNZIP_MAX (64u << 20)

static const char DEFAULT_CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const char *cl_http__default_csp(void);
const char *cl_http__default_csp(void)
{
    return DEFAULT_CSP;
}

const char *cl_http_req_method(const cl_http_req_t *req)
{
    return req->method ? req->method : "";
}

const char *cl_http_req_path(const cl_http_req_t *req)
{
    return req->target_ok ? req->target.path : "";
}

const char *cl_http_req_route(const cl_http_req_t *req)
{
    return req->route_name ? req->route_name : "unmatched";
}

const char *cl_http_req_id(const cl_http_req_t *req)
{
    return req->id;
}

const char *cl_http_req_client(const cl_http_req_t *req)
{
    return req->client;
}

const char *cl_http_req_query(const cl_http_req_t *req, const char *name)
{
    return req->target_ok ? cl_query_get(&req->target, name) : NULL;
}

const char *cl_http_req_header(const cl_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->con, MHD_HEADER_KIND, name);
}

static enum MHD_Result on_cookie_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void)kind;
    cl_http_req_t *req = cls;
    if (strcasecmp(key, "Cookie") == 0 && cl_cookie_parse(&req->cookies, value, NULL) != 0) {
        return MHD_NO;
    }
    return MHD_YES;
}

const char *cl_http_req_cookie(cl_http_req_t *req, const char *name)
{
    if (!req->cookies_parsed) {
        req->cookies_parsed = 1;
        MHD_get_connection_values(req->con, MHD_HEADER_KIND, on_cookie_header, req);
    }
    return cl_cookie_get(&req->cookies, name);
}

const char *cl_http_req_body(const cl_http_req_t *req, size_t *len)
{
    if (len) {
        *len = req->body_len;
    }
    return req->body ? req->body : "";
}

int cl_http_req_is_json(const cl_http_req_t *req)
{
    const char *ct = cl_http_req_header(req, "Content-Type");
    size_t n = strlen("application/json");
    return ct && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int cl_http_req_json(json_t **out, const cl_http_req_t *req, cl_err_t *err)
{
    *out = NULL;
    if (!cl_http_req_is_json(req)) {
        return cl_err_set(err, CL_EINVAL, "Content-Type must be application/json");
    }
    return cl_body_parse(out, req->body, req->body_len, err);
}

int cl_http_req_accepts_gzip(const cl_http_req_t *req)
{
    return cl_gzip_accepted(cl_http_req_header(req, "Accept-Encoding"));
}

void *cl_http_req_alloc(cl_http_req_t *req, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    arena_chunk_t *c = req->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c) {
            return NULL;
        }
        c->cap = cap;
        c->used = 0;
        c->next = req->arena;
        req->arena = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *cl_http_req_strdup(cl_http_req_t *req, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = cl_http_req_alloc(req, n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}

/* The fields are kept as they come, and only made into JSON when the access-log line is written
 * (server.c): below the log's level, a JSON object per request was 1 % of a cached view's CPU. */
static http_log_field_t *log_field(cl_http_req_t *req, const char *key)
{
    http_log_field_t *f = cl_http_req_alloc(req, sizeof *f);
    const char *k = f ? cl_http_req_strdup(req, key) : NULL;
    if (!k) {
        return NULL;
    }
    *f = (http_log_field_t){NULL, k, NULL, NULL};
    if (req->log_tail) {
        req->log_tail->next = f;
    } else {
        req->log_head = f;
    }
    req->log_tail = f;
    return f;
}

void cl_http_req_log(cl_http_req_t *req, const char *key, json_t *value)
{
    http_log_field_t *f = value ? log_field(req, key) : NULL;
    if (f) {
        f->value = value;
    } else {
        json_decref(value);
    }
}

void cl_http_req_log_text(cl_http_req_t *req, const char *key, const char *text)
{
    char *t = text ? cl_http_req_strdup(req, text) : NULL;
    http_log_field_t *f = t ? log_field(req, key) : NULL;
    if (f) {
        f->text = t;
    }
}

int cl_http_req_cleanup(cl_http_req_t *req, void (*fn)(void *payload), void *payload, cl_err_t *err)
{
    http_cleanup_t *c = cl_http_req_alloc(req, sizeof *c);
    if (!c) {
        fn(payload);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *c = (http_cleanup_t){req->cleanups, fn, payload};
    req->cleanups = c;
    return 0;
}

void cl_http_req_set_data(cl_http_req_t *req, void *data)
{
    req->data = data;
}

void *cl_http_req_data(const cl_http_req_t *req)
{
    return req->data;
}

/* ---- replies
 * ------------------------------------------------------------------------------------------ */

static int header_safe(const char *s)
{
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n') {
            return 0;
        }
    }
    return 1;
}

int cl_http_add_header(cl_http_req_t *req, const char *name, const char *value, cl_err_t *err)
{
    if (!header_safe(name) || !header_safe(value) || !*name) {
        return cl_err_set(err, CL_EINVAL, "response header with a line break");
    }
    http_header_t *h = cl_http_req_alloc(req, sizeof *h);
    char *n = h ? cl_http_req_strdup(req, name) : NULL;
    char *v = n ? cl_http_req_strdup(req, value) : NULL;
    if (!v) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *h = (http_header_t){NULL, n, v};
    if (req->headers_tail) {
        req->headers_tail->next = h;
    } else {
        req->headers = h;
    }
    req->headers_tail = h;
    if (strcasecmp(name, "Cache-Control") == 0) {
        req->has_cache_control = 1;
    }
    return 0;
}

int cl_http_reply_owned(cl_http_req_t *req, int status, const char *content_type, char *body,
                        size_t len, cl_err_t *err)
{
    if (req->replied) {
        free(body);
        return cl_err_set(err, CL_EINTERNAL, "a reply was already made");
    }
    req->content_type =
        cl_http_req_strdup(req, content_type ? content_type : "application/octet-stream");
    if (!req->content_type) {
        free(body);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    req->replied = 1;
    req->status = status;
    req->resp_body = body;
    req->resp_len = len;
    return 0;
}

int cl_http_reply(cl_http_req_t *req, int status, const char *content_type, const void *body,
                  size_t len, cl_err_t *err)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (len) {
        memcpy(copy, body, len);
    }
    copy[len] = '\0';
    return cl_http_reply_owned(req, status, content_type, copy, len, err);
}

int cl_http_reply_json(cl_http_req_t *req, int status, json_t *doc, cl_err_t *err)
{
    if (!doc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory building the response");
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text) {
        return cl_err_set(err, CL_ENOMEM, "out of memory serialising the response");
    }
    return cl_http_reply_owned(req, status, "application/json", text, strlen(text), err);
}

void cl_http__drop_body(cl_http_req_t *req)
{
    if (req->resp_release) {
        req->resp_release(req->resp_cls);
        req->resp_release = NULL;
    } else {
        free(req->resp_body);
    }
    req->resp_body = NULL;
}

int cl_http_reply_gzipped_shared(cl_http_req_t *req, int status, const char *content_type,
                                 const char *gz, size_t gz_len, void (*release)(void *cls),
                                 void *cls, cl_err_t *err)
{
    if (req->replied) {
        release(cls);
        return cl_err_set(err, CL_EINTERNAL, "a reply was already made");
    }
    req->content_type =
        cl_http_req_strdup(req, content_type ? content_type : "application/octet-stream");
    if (!req->content_type) {
        release(cls);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    req->replied = 1;
    req->status = status;
    req->resp_body = (char *)(uintptr_t)gz; /* read only: MHD sends it, choose_encoding reads it */
    req->resp_len = gz_len;
    req->resp_release = release;
    req->resp_cls = cls;
    req->resp_gzipped = 1;
    return 0;
}

int cl_http_reply_gzipped(cl_http_req_t *req, int status, const char *content_type, char *gz,
                          size_t gz_len, cl_err_t *err)
{
    int rc = cl_http_reply_owned(req, status, content_type, gz, gz_len, err);
    if (rc == 0) {
        req->resp_gzipped = 1;
    }
    return rc;
}

void cl_http__reply_status(cl_http_req_t *req, int status, const char *code, const char *msg)
{
    if (req->replied) {
        return;
    }
    json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    if (cl_http_reply_json(req, status, doc, NULL) != 0) {
        static const char fallback[] =
            "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}";
        req->replied = 1;
        req->status = 500;
        req->content_type = "application/json";
        req->resp_body = strdup(fallback);
        req->resp_len = req->resp_body ? strlen(fallback) : 0;
    }
}

void cl_http_reply_error(cl_http_req_t *req, const cl_err_t *e)
{
    if (req->replied) {
        return;
    }
    int code = e && e->code < 0 ? e->code : CL_EINTERNAL;
    int status = cl_err_http_status(code);
    char msg[CL_ERR_MSG_MAX + 64];
    if (status == 500) {
        snprintf(msg, sizeof msg, "internal error (request %s)", req->id);
        req->hide_error = 1;
    } else {
        snprintf(msg, sizeof msg, "%s", e && e->msg[0] ? e->msg : cl_err_name(code));
    }
    if (e && e != &req->err) {
        req->err = *e;
    }
    cl_http__reply_status(req, status, cl_err_name(code), msg);
}

int cl_http_reply_redirect(cl_http_req_t *req, const char *location, cl_err_t *err)
{
    int rc = cl_http_add_header(req, "Location", location, err);
    return rc ? rc : cl_http_reply(req, 302, "text/plain; charset=utf-8", "", 0, err);
}

int cl_http_defer(cl_http_req_t *req, cl_http_handler_fn work, void *payload)
{
    if (req->deferred || req->replied) {
        return CL_EINTERNAL;
    }
    req->deferred = work;
    req->deferred_payload = payload;
    return CL_HTTP_DEFERRED;
}

int cl_http_hold(cl_http_req_t *req, void (*start)(cl_http_req_t *req, void *payload),
                 void *payload)
{
    if (!req->replied || req->hold_start || req->deferred || !start) {
        return CL_EINTERNAL;
    }
    req->hold_start = start;
    req->hold_payload = payload;
    return CL_HTTP_DEFERRED;
}

int cl_http_park(cl_http_req_t *req, void (*start)(cl_http_req_t *req, void *payload),
                 void *payload)
{
    if (req->replied || req->hold_start || req->deferred || !start) {
        return CL_EINTERNAL;
    }
    req->hold_start = start;
    req->hold_payload = payload;
    req->parked = 1;
    return CL_HTTP_DEFERRED;
}

void cl_http_release(cl_http_req_t *req)
{
    if (req->parked && !req->replied) {
        cl_err_t e;
        cl_err_set(&e, CL_EINTERNAL, "a parked request was released without a reply");
        cl_http_reply_error(req, &e);
    }
    cl_http__resume(req);
}

void cl_http_reply_replace_error(cl_http_req_t *req, const cl_err_t *e)
{
    cl_http__drop_body(req);
    req->resp_len = 0;
    req->resp_gzipped = 0;
    req->replied = 0;
    req->headers = req->headers_tail =
        NULL; /* Set-Cookie and the like belong to the reply being dropped */
    req->has_cache_control = 0;
    cl_http_reply_error(req, e);
}

/* ---- to libmicrohttpd
 * ------------------------------------------------------------------------------------ */

static int compressible(const char *ctype)
{
    return strncmp(ctype, "text/", 5) == 0 || strncmp(ctype, "application/json", 16) == 0 ||
           strncmp(ctype, "application/manifest+json", 25) == 0 ||
           strncmp(ctype, "image/svg+xml", 13) == 0;
}

/* Decide the encoding: gzip what pays for clients that take it, gunzip stored gzip for clients that
 * do not. */
static int choose_encoding(cl_http_req_t *req, int *gzip_out)
{
    int accepts = cl_http_req_accepts_gzip(req);
    *gzip_out = 0;
    if (req->resp_gzipped) {
        if (accepts) {
            *gzip_out = 1;
            return 0;
        }
        char *plain = NULL;
        size_t n = 0;
        int rc =
            cl_gzip_decompress(&plain, &n, req->resp_body, req->resp_len, GUNZIP_MAX, &req->err);
        if (rc != 0) {
            return rc;
        }
        cl_http__drop_body(req);
        req->resp_body = plain;
        req->resp_len = n;
        req->resp_gzipped = 0;
        return 0;
    }
    if (accepts && req->resp_len >= GZIP_MIN_BYTES && compressible(req->content_type)) {
        char *gz = NULL;
        size_t n = 0;
        if (cl_gzip_compress(&gz, &n, req->resp_body, req->resp_len, 5, NULL) == 0 &&
            n < req->resp_len) {
            cl_http__drop_body(req);
            req->resp_body = gz;
            req->resp_len = n;
            *gzip_out = 1;
        } else {
            free(gz);
        }
    }
    return 0;
}

/* The headers every response of REQ's kind carries but the request id, in their order. */
static void add_fixed_headers(const cl_http_req_t *req, struct MHD_Response *r, int gzip)
{
    cl_http_server_t *srv = req->srv;
    MHD_add_response_header(r, "Content-Type", req->content_type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Content-Security-Policy", srv->csp);
    if (srv->opt.hsts) {
        MHD_add_response_header(r, "Strict-Transport-Security",
                                "max-age=31536000; includeSubDomains");
    }
    if (!req->has_cache_control) {
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    if (gzip) {
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    }
    if (gzip || compressible(req->content_type)) {
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    }
    if (__atomic_load_n(&srv->shutting_down, __ATOMIC_ACQUIRE)) {
        MHD_add_response_header(r, "Connection", "close");
    }
}

/* The fixed headers, the request id, then the handler's own (Set-Cookie, Location, ...). */
static void add_standard_headers(const cl_http_req_t *req, struct MHD_Response *r, int gzip)
{
    add_fixed_headers(req, r, gzip);
    MHD_add_response_header(r, "X-Request-Id", req->id);
    for (http_header_t *h = req->headers; h; h = h->next) {
        MHD_add_response_header(r, h->name, h->value);
    }
}

/* ---- one response per worker thread for a shared body
 *
 * A cached report is the same body, and the same headers but the request id, again and again:
 * making its response (a dozen headers at three allocations each) and destroying it was 4 % of a
 * cached view's CPU. So each worker thread keeps the response it last made for a shared body (a
 * reference of its own, which holds a reference to the body) and queues it again for the next reply
 * of the same body, with only its X-Request-Id replaced.
 *
 * Why that is safe, in libmicrohttpd 0.9.75 (src/microhttpd/connection.c): a response's headers are
 * read only by build_header_response, which copies them into the connection's own write buffer;
 * the body is only read. A response queued from the access handler's final call (state
 * FULL_REQ_RECEIVED) has its header block built in the same pass of MHD_connection_handle_idle,
 * right after the handler returns (START_REPLY), before the thread serves any other connection.
 * Connections of a thread-pool daemon are served by their own worker thread only, resumed ones too,
 * and the kept response is touched by that thread alone (its reference count is locked by
 * libmicrohttpd). So when the next request on the thread changes the id, every earlier connection
 * that queued it has its header block already. The argument is about that version's internals:
 * with any other libmicrohttpd, every response is made afresh. Only a final-call reply qualifies
 * (the FINAL argument of cl_http__queue), with a shared body sent as gzip, no header of the
 * handler's own and no "Connection: close". */
typedef struct {
    struct MHD_Response *r; /* NULL: none kept */
    const cl_http_server_t *srv;
    const void *cls;  /* the shared body's identity: r holds its reference, so no other body */
    const char *data; /* can have the same address while r lives */
    size_t len;
    int status;
    char content_type[96];
    char id[sizeof((cl_http_req_t *)0)->id]; /* the X-Request-Id r carries */
} kept_t;

static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;
static int kept_ready; /* the key exists and libmicrohttpd is the version the argument is about */

static void kept_free(void *p)
{
    kept_t *k = p;
    if (k->r) {
        MHD_destroy_response(k->r);
    }
    free(k);
}

static void kept_init(void)
{
    const char *v = MHD_get_version();
    kept_ready = v && strcmp(v, "0.9.75") == 0 && pthread_key_create(&kept_key, kept_free) == 0;
}

/* The calling thread's kept response (NULL: reuse is off, or no memory). */
static kept_t *thread_kept(void)
{
    pthread_once(&kept_once, kept_init);
    if (!kept_ready) {
        return NULL;
    }
    kept_t *k = pthread_getspecific(kept_key);
    if (!k && (k = calloc(1, sizeof *k)) != NULL && pthread_setspecific(kept_key, k) != 0) {
        free(k);
        k = NULL;
    }
    return k;
}

static int kept_matches(const kept_t *k, const cl_http_req_t *req)
{
    return k->r && k->srv == req->srv && k->cls == req->resp_cls && k->data == req->resp_body &&
           k->len == req->resp_len && k->status == req->status &&
           strcmp(k->content_type, req->content_type) == 0;
}

static void kept_drop(kept_t *k)
{
    if (k->r) {
        MHD_destroy_response(k->r);
    }
    k->r = NULL;
}

/* REQ's reply through K's response when it is the same: 1 and *OUT (a reference for the caller)
 * when so, REQ's own reference to the body released; 0 to make one afresh. */
static int kept_reuse(struct MHD_Response **out, kept_t *k, cl_http_req_t *req)
{
    if (!kept_matches(k, req)) {
        return 0;
    }
    if (MHD_del_response_header(k->r, "X-Request-Id", k->id) != MHD_YES ||
        MHD_add_response_header(k->r, "X-Request-Id", req->id) != MHD_YES) {
        kept_drop(k); /* no memory, or not as left: never sent without its own id */
        return 0;
    }
    memcpy(k->id, req->id, sizeof k->id);
    req->resp_release(req->resp_cls); /* the kept response holds the body */
    req->resp_release = NULL;
    req->resp_body = NULL;
    *out = k->r;
    return 1;
}

/* Keep R (REQ's new response, with the standard headers) in K, in place of the last one. */
static void kept_store(kept_t *k, const cl_http_req_t *req, struct MHD_Response *r)
{
    if (strlen(req->content_type) >= sizeof k->content_type) {
        return;
    }
    kept_drop(k);
    k->r = r;
    k->srv = req->srv;
    k->cls = req->resp_cls;
    k->data = req->resp_body;
    k->len = req->resp_len;
    k->status = req->status;
    snprintf(k->content_type, sizeof k->content_type, "%s", req->content_type);
    memcpy(k->id, req->id, sizeof k->id);
}

enum MHD_Result cl_http__queue(cl_http_req_t *req, int final)
{
    if (!req->replied) {
        cl_err_t e;
        cl_err_set(&e, CL_EINTERNAL, "handler returned without a reply");
        cl_http_reply_error(req, &e);
    }
    int gzip = 0;
    if (choose_encoding(req, &gzip) != 0) {
        cl_err_t e = req->err;
        cl_http__drop_body(req);
        req->replied = 0;
        req->resp_gzipped = 0;
        cl_http_reply_error(req, &e);
    }
    req->bytes_sent = req->resp_len;
    kept_t *k = final && gzip && req->resp_release && !req->headers && !req->has_cache_control &&
                        !__atomic_load_n(&req->srv->shutting_down, __ATOMIC_ACQUIRE)
                    ? thread_kept()
                    : NULL;
    struct MHD_Response *r = NULL;
    if (k && kept_reuse(&r, k, req)) {
        enum MHD_Result rc = MHD_queue_response(req->con, (unsigned)req->status, r);
        req->phase = PHASE_DONE;
        return rc; /* r stays the thread's */
    }
    r = req->resp_release ? MHD_create_response_from_buffer_with_free_callback_cls(
                                req->resp_len, req->resp_body, req->resp_release, req->resp_cls)
                          : MHD_create_response_from_buffer_with_free_callback(
                                req->resp_len, req->resp_body, free);
    if (!r) {
        return MHD_NO;
    }
    add_standard_headers(req, r, gzip);
    if (k) {
        kept_store(k, req, r);
        if (k->r == r) {
            req->resp_body = NULL; /* MHD releases it with the response */
            req->resp_release = NULL;
            enum MHD_Result rc = MHD_queue_response(req->con, (unsigned)req->status, r);
            req->phase = PHASE_DONE;
            return rc; /* r stays the thread's */
        }
    }
    req->resp_body = NULL; /* MHD frees (or releases) it with the response */
    req->resp_release = NULL;
    enum MHD_Result rc = MHD_queue_response(req->con, (unsigned)req->status, r);
    MHD_destroy_response(r);
    req->phase = PHASE_DONE;
    return rc;
}
