/* server.c — libmicrohttpd glue: options and limits, the access handler's phases (headers, body,
 * handler, deferred work), the completion callback (access log, metrics, freeing the request), the
 * slow-work threads and graceful shutdown. The raw request-target is captured in the URI callback,
 * before libmicrohttpd's lenient decoding, and parsed strictly by query.c. */
#define _GNU_SOURCE
#include "http/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/static.h"

const char *cl_http__default_csp(void);

static int rid_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.') ||
            n >= 64) {
            return 0;
        }
    }
    return n >= 8;
}

/* 16 random bytes from the kernel's generator, read 1 KiB at a time per thread (a getrandom call
 * per request was 1 % of a cached view). 0, or -1 when the kernel gave none. */
static int random16(unsigned char r[16])
{
    static __thread unsigned char pool[1024];
    static __thread size_t left;
    if (left < 16) {
        if (getrandom(pool, sizeof pool, 0) != (ssize_t)sizeof pool) {
            return -1;
        }
        left = sizeof pool;
    }
    left -= 16;
    memcpy(r, pool + left, 16);
    memset(pool + left, 0, 16); /* not kept once handed out */
    return 0;
}

static void new_request_id(char out[40])
{
    unsigned char r[16];
    if (random16(r) != 0) {
        static unsigned long counter;
        unsigned long c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
        snprintf(out, 40, "r%lx-%lx", (unsigned long)getpid(), c);
        return;
    }
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof r; i++) {
        out[2 * i] = HEX[r[i] >> 4];
        out[2 * i + 1] = HEX[r[i] & 15];
    }
    out[32] = '\0';
}

static double elapsed_s(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- request lifecycle
 * ----------------------------------------------------------------------------------- */

/* The dotted quad of A (network order) into OUT (16 bytes at least): inet_ntop's answer without
 * its sprintf, which was half a percent of a cached view's CPU. */
static void ipv4_text(char *out, const struct in_addr *a)
{
    const unsigned char *b = (const unsigned char *)&a->s_addr;
    char *p = out;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100) {
            *p++ = (char)('0' + v / 100);
        }
        if (v >= 10) {
            *p++ = (char)('0' + v / 10 % 10);
        }
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

/* STATUS (100..999; else "0") as text into OUT (4 bytes at least), for the metrics' label. */
static void status_text(char out[4], int status)
{
    if (status < 100 || status > 999) {
        memcpy(out, "0", 2);
        return;
    }
    out[0] = (char)('0' + status / 100);
    out[1] = (char)('0' + status / 10 % 10);
    out[2] = (char)('0' + status % 10);
    out[3] = '\0';
}

/* Each worker thread keeps the last request context it freed and one arena chunk of it for its
 * next request: both are larger than malloc's per-thread cache takes (~2.9 KiB and 4 KiB), so every
 * request made two trips through malloc's shared arena (~1.5 % of a cached view's CPU). Only the
 * threads that begin requests (on_uri: libmicrohttpd's workers) keep spares; a thread's are freed
 * when it exits (the key's destructor). Under AddressSanitizer every context is a fresh allocation,
 * so that a use after free stays a use after free. */
#if defined(__SANITIZE_ADDRESS__)
#define SPARE_CONTEXTS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARE_CONTEXTS 0
#endif
#endif
#ifndef SPARE_CONTEXTS
#define SPARE_CONTEXTS 1
#endif

typedef struct {
    cl_http_req_t *req;
    arena_chunk_t *chunk;
} spare_t;

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static int spare_ready; /* the key exists (set once, under spare_once) */

static void spare_free(void *p)
{
    spare_t *s = p;
    free(s->req);
    free(s->chunk);
    free(s);
}

static void spare_init(void)
{
    spare_ready = pthread_key_create(&spare_key, spare_free) == 0;
}

/* The calling thread's spares; with MAKE, created when it has none (NULL: none, or no memory). */
static spare_t *thread_spare(int make)
{
    if (!SPARE_CONTEXTS) {
        return NULL;
    }
    if (make) {
        pthread_once(&spare_once, spare_init);
    }
    if (!__atomic_load_n(&spare_ready, __ATOMIC_ACQUIRE)) {
        return NULL;
    }
    spare_t *s = pthread_getspecific(spare_key);
    if (!s && make && (s = calloc(1, sizeof *s)) != NULL &&
        pthread_setspecific(spare_key, s) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    cl_http_server_t *srv = cls;
    spare_t *spare = thread_spare(1);
    cl_http_req_t *req = spare ? spare->req : NULL;
    if (req) {
        spare->req = NULL;
        memset(req, 0, sizeof *req);
    } else if (!(req = calloc(1, sizeof *req))) {
        return NULL;
    }
    if (spare && spare->chunk) {
        req->arena = spare->chunk;
        req->arena->used = 0;
        req->arena->next = NULL;
        spare->chunk = NULL;
    }
    req->srv = srv;
    req->con = con;
    req->refs = 1;
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    req->raw_target = strdup(uri ? uri : "");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) {
            ipv4_text(req->client, &((const struct sockaddr_in *)(const void *)sa)->sin_addr);
        } else if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->client, sizeof req->client);
        }
    }
    int n = __atomic_add_fetch(&srv->in_flight, 1, __ATOMIC_SEQ_CST); /* pairs with shutting_down */
    cl_metrics_set(srv->m_in_flight, NULL, n);
    return req;
}

static void req_free(cl_http_req_t *req)
{
    for (http_cleanup_t *c = req->cleanups; c; c = c->next) {
        c->fn(c->payload);
    }
    cl_query_dispose(&req->target);
    cl_cookie_jar_dispose(&req->cookies);
    free(req->raw_target);
    free(req->body);
    cl_http__drop_body(req);
    for (http_log_field_t *f = req->log_head; f; f = f->next) {
        json_decref(f->value); /* the line was not written */
    }
    spare_t *spare = thread_spare(0);
    arena_chunk_t *c = req->arena;
    while (c) {
        arena_chunk_t *next = c->next;
        if (spare && !spare->chunk && c->cap == ARENA_CHUNK) {
            spare->chunk = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (spare && !spare->req) {
        spare->req = req;
    } else {
        free(req);
    }
}

static const char *termination_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    default:
        return "error";
    }
}

static void access_log(cl_http_req_t *req, int status, double secs,
                       enum MHD_RequestTerminationCode toe)
{
    cl_log_level_t level = status >= 500 ? CL_LOG_WARN : CL_LOG_INFO;
    if (!cl_log_enabled(level)) {
        return; /* below the threshold: not worth a dozen allocations per request */
    }
    json_t *f = json_object();
    for (http_log_field_t *l = req->log_head; l; l = l->next) {
        json_object_set_new(f, l->key, l->value ? l->value : json_string(l->text));
        l->value = NULL;
    }
    json_object_set_new(f, "request_id", json_string(req->id));
    json_object_set_new(f, "method", json_string(cl_http_req_method(req)));
    json_object_set_new(f, "path", json_string(req->target_ok ? req->target.path : "-"));
    json_object_set_new(f, "route", json_string(cl_http_req_route(req)));
    json_object_set_new(f, "status", json_integer(status));
    json_object_set_new(f, "bytes", json_integer((json_int_t)req->bytes_sent));
    json_object_set_new(f, "duration_us", json_integer((json_int_t)(secs * 1e6)));
    json_object_set_new(f, "client", json_string(req->client));
    const char *term = termination_name(toe);
    if (term) {
        json_object_set_new(f, "termination", json_string(term));
    }
    if (status >= 500 && req->err.msg[0]) {
        json_object_set_new(f, "error", json_string(req->err.msg));
    }
    cl_log(level, req->srv->service, "access", f);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)con;
    cl_http_server_t *srv = cls;
    cl_http_req_t *req = *req_cls;
    if (!req) {
        return;
    }
    *req_cls = NULL;
    double secs = elapsed_s(&req->start);
    int status = req->status;
    if (!status) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->con, MHD_CONNECTION_INFO_HTTP_STATUS);
        status = ci ? (int)ci->http_status : 0;
    }
    char code[8];
    status_text(code, status);
    const char *labels[] = {cl_http_req_route(req), cl_http_req_method(req), code};
    cl_metrics_inc(srv->m_requests, labels, 1);
    cl_metrics_observe(srv->m_latency, labels, secs);
    if (srv->opt.access_log) {
        access_log(req, status, secs, toe);
    }
    int n = __atomic_sub_fetch(&srv->in_flight, 1, __ATOMIC_ACQ_REL);
    cl_metrics_set(srv->m_in_flight, NULL, n);
    pthread_mutex_lock(&srv->ref_lock);
    req->completed = 1;
    int last = --req->refs == 0;
    pthread_mutex_unlock(&srv->ref_lock);
    if (last) {
        req_free(req); /* else deferred work or a holder still has it: the last of them frees it */
    }
}

/* Drop a reference without resuming (the request stays suspended for someone else). */
static void req_unref(cl_http_req_t *req)
{
    pthread_mutex_lock(&req->srv->ref_lock);
    int last = --req->refs == 0;
    pthread_mutex_unlock(&req->srv->ref_lock);
    if (last) {
        req_free(req);
    }
}

void cl_http__ref(cl_http_req_t *req)
{
    pthread_mutex_lock(&req->srv->ref_lock);
    req->refs++;
    pthread_mutex_unlock(&req->srv->ref_lock);
}

void cl_http__resume(cl_http_req_t *req)
{
    cl_http_server_t *srv = req->srv;
    pthread_mutex_lock(&srv->ref_lock);
    if (!req->completed && req->phase == PHASE_DEFERRED) {
        req->phase = PHASE_READY;
        MHD_resume_connection(req->con);
        __atomic_sub_fetch(&srv->suspended, 1, __ATOMIC_SEQ_CST);
    }
    int last = --req->refs == 0;
    pthread_mutex_unlock(&srv->ref_lock);
    if (last) {
        req_free(req);
    }
}

static const cl_http_route_t *find_route(cl_http_server_t *srv, const char *method,
                                         const char *path, char *allow, size_t allow_cap)
{
    allow[0] = '\0';
    for (size_t i = 0; i < srv->n_routes; i++) {
        const cl_http_route_t *r = &srv->routes[i];
        if (strcmp(r->path, path) != 0) {
            continue;
        }
        if (strcmp(r->method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
            return r;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allow_cap - used, "%s%s", used ? ", " : "", r->method);
    }
    return NULL;
}

/* An oversized body is read and dropped up to this much, so the 413 reaches the client (closing
 * with unread data makes the kernel reset the connection, and the client sees an error instead of
 * the answer). Beyond it the connection is closed after the 413. */
static size_t discard_limit(const cl_http_req_t *req)
{
    size_t lim = 16 * req->max_body;
    return lim < (1u << 20) ? (1u << 20) : lim;
}

/* Set up REQ on the first call: request id, target, route, body limit. Returns 0, or an error to
 * reply at once. */
static int begin(cl_http_req_t *req, const char *method, cl_err_t *err)
{
    cl_http_server_t *srv = req->srv;
    req->method = method;
    const char *rid = cl_http_req_header(req, "X-Request-Id");
    if (rid && rid_ok(rid)) {
        snprintf(req->id, sizeof req->id, "%s", rid);
    } else {
        new_request_id(req->id);
    }
    if (!req->raw_target) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = cl_query_parse_target(&req->target, req->raw_target, err);
    if (rc != 0) {
        return rc;
    }
    req->target_ok = 1;
    const union MHD_ConnectionInfo *hs =
        MHD_get_connection_info(req->con, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (hs && hs->header_size > srv->opt.max_header) {
        req->headers_too_large = 1;
        return cl_err_set(err, CL_ETOOBIG, "request headers are larger than %zu bytes",
                          srv->opt.max_header);
    }
    char allow[128];
    req->route = find_route(srv, method, req->target.path, allow, sizeof allow);
    req->max_body = req->route && req->route->max_body ? req->route->max_body : srv->opt.max_body;
    if (req->route) {
        req->route_name = req->route->path;
    } else if (allow[0]) {
        req->route_name = "unmatched";
        rc = cl_http_add_header(req, "Allow", allow, err);
        req->method_not_allowed = rc == 0;
        return rc ? rc
                  : cl_err_set(err, CL_EINVAL, "method %s is not allowed here (allowed: %s)",
                               method, allow);
    } else if (srv->static_root && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
        req->route_name = "static";
    } else {
        req->route_name = "unmatched";
        return cl_err_set(err, CL_ENOTFOUND, "no such endpoint");
    }
    const char *cl = cl_http_req_header(req, "Content-Length");
    if (cl) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || *end) {
            return cl_err_set(err, CL_EINVAL, "bad Content-Length");
        }
        const char *expect = cl_http_req_header(req, "Expect");
        if (n > req->max_body && (expect || n > discard_limit(req))) {
            return cl_err_set(err, CL_ETOOBIG, "request body is larger than %zu bytes",
                              req->max_body);
        }
    }
    return 0;
}

static int take_body(cl_http_req_t *req, const char *data, size_t n)
{
    if (req->body_too_big || req->body_len + n > req->max_body) {
        req->body_too_big = 1;
        req->discarded += n;
        return 0;
    }
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = (req->body_len + n + 1) * 2;
        cap = cap > req->max_body + 1 ? req->max_body + 1 : cap;
        char *b = realloc(req->body, cap);
        if (!b) {
            return CL_ENOMEM;
        }
        req->body = b;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
    return 0;
}

static int queue_slow(cl_http_req_t *req);

/* Run the handler (or serve a static file) and say what happened: 0 replied, CL_HTTP_DEFERRED, or
 * an error. */
static int dispatch(cl_http_req_t *req)
{
    cl_err_t err;
    cl_err_clear(&err);
    int rc;
    if (req->route) {
        rc = req->route->handler(req, req->route->payload, &err);
    } else {
        rc = cl_static_serve(req, req->srv->static_root, 1, &err);
    }
    if (rc == CL_HTTP_DEFERRED && req->deferred) {
        return queue_slow(req);
    }
    if (rc == CL_HTTP_DEFERRED && req->hold_start) {
        req->phase = PHASE_DEFERRED;
        cl_http__ref(req);
        __atomic_add_fetch(&req->srv->suspended, 1, __ATOMIC_SEQ_CST);
        MHD_suspend_connection(req->con);
        req->hold_start(req, req->hold_payload); /* may release at once, from another thread */
        return CL_HTTP_DEFERRED;
    }
    if (rc < 0 || (rc > 0 && !req->replied)) {
        if (err.code == CL_OK) {
            cl_err_set(&err, rc < 0 ? rc : CL_EINTERNAL, "handler failed");
        }
        cl_http_reply_error(req, &err);
    }
    return 0;
}

static enum MHD_Result reply_now(cl_http_req_t *req, cl_err_t *err)
{
    if (req->method_not_allowed) {
        cl_http__reply_status(req, 405, "method_not_allowed", err->msg);
    } else if (req->headers_too_large) {
        cl_http__reply_status(req, 431, "headers_too_large", err->msg);
    }
    cl_http_reply_error(req, err);
    return cl_http__queue(req, 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    cl_http_req_t *req = *req_cls;
    if (!req) {
        return MHD_NO; /* out of memory in on_uri: drop the connection */
    }
    cl_err_t err;
    cl_err_clear(&err);
    switch (req->phase) {
    case PHASE_NEW:
        req->con = con;
        req->phase = PHASE_BODY;
        if (begin(req, method, &err) != 0) {
            return reply_now(req, &err);
        }
        if (__atomic_load_n(&req->srv->shutting_down, __ATOMIC_SEQ_CST)) {
            /* arrived on an open connection after shutdown began: never suspended, so the daemon
             * can stop */
            cl_err_set(&err, CL_EUNAVAILABLE, "the server is shutting down; try again");
            return reply_now(req, &err);
        }
        return MHD_YES;
    case PHASE_BODY:
        if (*upload_size > 0) {
            int rc = take_body(req, upload, *upload_size);
            *upload_size = 0;
            if (rc != 0 || req->discarded > discard_limit(req)) {
                cl_err_set(&err, rc ? rc : CL_ETOOBIG,
                           rc ? "out of memory" : "request body is larger than %zu bytes",
                           req->max_body);
                return reply_now(req, &err); /* the rest of the upload is discarded */
            }
            return MHD_YES;
        }
        if (req->body_too_big) {
            cl_err_set(&err, CL_ETOOBIG, "request body is larger than %zu bytes", req->max_body);
            return reply_now(req, &err);
        }
        if (dispatch(req) == CL_HTTP_DEFERRED) {
            return MHD_YES;
        }
        return cl_http__queue(req, 1);
    case PHASE_READY:
        return cl_http__queue(req, 1);
    case PHASE_DEFERRED:
    case PHASE_DONE:
    default:
        return MHD_YES;
    }
}

/* ---- slow work
 * ---------------------------------------------------------------------------------------------- */

static int queue_slow(cl_http_req_t *req)
{
    cl_http_server_t *srv = req->srv;
    slow_job_t *job = cl_http_req_alloc(req, sizeof *job);
    pthread_mutex_lock(&srv->slow_lock);
    if (!job || srv->slow_queued >= srv->opt.slow_queue || srv->slow_stop) {
        pthread_mutex_unlock(&srv->slow_lock);
        cl_metrics_inc(srv->m_queue_full, NULL, 1);
        cl_err_t err;
        cl_err_set(&err, CL_EUNAVAILABLE, "the server is busy; try again shortly");
        req->deferred = NULL;
        if (cl_http_add_header(req, "Retry-After", "2", NULL) != 0) {
            /* the 503 goes out without the hint */
        }
        cl_http_reply_error(req, &err);
        return 0;
    }
    job->req = req;
    job->next = NULL;
    req->deferred_fn_saved = req->deferred;
    req->phase = PHASE_DEFERRED;
    cl_http__ref(req);
    __atomic_add_fetch(&srv->suspended, 1, __ATOMIC_SEQ_CST);
    MHD_suspend_connection(req->con);
    if (srv->slow_tail) {
        srv->slow_tail->next = job;
    } else {
        srv->slow_head = job;
    }
    srv->slow_tail = job;
    srv->slow_queued++;
    pthread_cond_signal(&srv->slow_cond);
    pthread_mutex_unlock(&srv->slow_lock);
    return CL_HTTP_DEFERRED;
}

static void run_job(cl_http_req_t *req)
{
    cl_err_t err;
    cl_err_clear(&err);
    req->deferred = NULL;
    int rc = req->deferred_fn_saved(req, req->deferred_payload, &err);
    if (rc == CL_HTTP_DEFERRED && req->hold_start) {
        cl_http__ref(req); /* the holder's, beside this job's which is dropped below */
        req->hold_start(req, req->hold_payload); /* still suspended: the holder releases it */
        req_unref(req);
        return;
    }
    if (rc != 0 || !req->replied) {
        if (err.code == CL_OK) {
            cl_err_set(&err, rc < 0 ? rc : CL_EINTERNAL, "deferred work failed");
        }
        cl_http_reply_error(req, &err);
    }
    cl_http__resume(req);
}

static void *slow_main(void *arg)
{
    cl_http_server_t *srv = arg;
    pthread_mutex_lock(&srv->slow_lock);
    for (;;) {
        while (!srv->slow_head && !srv->slow_stop) {
            pthread_cond_wait(&srv->slow_cond, &srv->slow_lock);
        }
        if (!srv->slow_head) {
            break; /* stopping and nothing left */
        }
        slow_job_t *job = srv->slow_head;
        srv->slow_head = job->next;
        if (!srv->slow_head) {
            srv->slow_tail = NULL;
        }
        srv->slow_queued--;
        srv->slow_running++;
        pthread_mutex_unlock(&srv->slow_lock);
        run_job(job->req);
        pthread_mutex_lock(&srv->slow_lock);
        srv->slow_running--;
        if (!srv->slow_head && srv->slow_running == 0) {
            pthread_cond_broadcast(&srv->slow_idle);
        }
    }
    pthread_mutex_unlock(&srv->slow_lock);
    return NULL;
}

/* ---- the server
 * ------------------------------------------------------------------------------------------------
 */

int cl_http_server_new(cl_http_server_t **out, const cl_http_options_t *opt, cl_err_t *err)
{
    *out = NULL;
    cl_http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    srv->opt = *opt;
    cl_http_options_t *o = &srv->opt;
    o->threads = o->threads > 0 ? o->threads : 4;
    o->slow_threads = o->slow_threads > 0 ? o->slow_threads : 16;
    o->slow_queue = o->slow_queue > 0 ? o->slow_queue : 256;
    o->max_body = o->max_body > 0 ? o->max_body : (size_t)64 * 1024;
    o->max_header = o->max_header > 0 ? o->max_header : (size_t)16 * 1024;
    o->idle_timeout_s = o->idle_timeout_s > 0 ? o->idle_timeout_s : 15;
    o->max_connections = o->max_connections > 0 ? o->max_connections : 1024;
    o->max_per_ip = o->max_per_ip > 0 ? o->max_per_ip : 256;
    srv->service = strdup(opt->service ? opt->service : "http");
    srv->host = strdup(opt->host ? opt->host : "127.0.0.1");
    srv->csp = strdup(opt->csp ? opt->csp : cl_http__default_csp());
    pthread_mutex_init(&srv->ref_lock, NULL);
    pthread_mutex_init(&srv->slow_lock, NULL);
    pthread_cond_init(&srv->slow_cond, NULL);
    pthread_cond_init(&srv->slow_idle, NULL);
    if (!srv->service || !srv->host || !srv->csp) {
        cl_http_server_free(srv);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (opt->static_dir && *opt->static_dir) {
        char real[PATH_MAX];
        if (realpath(opt->static_dir, real)) {
            srv->static_root = strdup(real);
        } else {
            cl_logf(CL_LOG_INFO, srv->service, "no_static_files",
                    "no web UI at %s: static files are off", opt->static_dir);
        }
    }
    o->static_dir = srv->static_root;
    o->service = srv->service;
    o->host = srv->host;
    o->csp = srv->csp;
    if (opt->metrics) {
        static const char *const L3[] = {"route", "method", "status", NULL};
        static const char *const L1[] = {"route", NULL};
        srv->m_requests = cl_metrics_counter(opt->metrics, "http_requests_total",
                                             "HTTP requests by route, method and status", L3);
        srv->m_latency =
            cl_metrics_histogram(opt->metrics, "http_request_duration_seconds",
                                 "HTTP request latency from request line to completion", L1,
                                 CL_METRICS_LATENCY_BUCKETS, CL_METRICS_LATENCY_BUCKETS_N);
        srv->m_in_flight = cl_metrics_gauge(opt->metrics, "http_requests_in_flight",
                                            "HTTP requests in progress", NULL);
        srv->m_queue_full = cl_metrics_counter(
            opt->metrics, "http_deferred_rejected_total",
            "Requests refused with 503 because the slow-work queue was full", NULL);
    }
    *out = srv;
    return 0;
}

int cl_http_route(cl_http_server_t *srv, const cl_http_route_t *route, cl_err_t *err)
{
    if (!route->path || route->path[0] != '/' || !route->method || !route->handler) {
        return cl_err_set(err, CL_ECONFIG,
                          "a route needs a method, a path starting with '/' and a handler");
    }
    for (size_t i = 0; i < srv->n_routes; i++) {
        if (strcmp(srv->routes[i].path, route->path) == 0 &&
            strcmp(srv->routes[i].method, route->method) == 0) {
            return cl_err_set(err, CL_ECONFIG, "route %s %s is registered twice", route->method,
                              route->path);
        }
    }
    if (srv->n_routes == HTTP_MAX_ROUTES) {
        return cl_err_set(err, CL_ENOMEM, "too many routes");
    }
    srv->routes[srv->n_routes++] = *route;
    return 0;
}

static int start_slow_threads(cl_http_server_t *srv, cl_err_t *err)
{
    srv->slow_threads = calloc((size_t)srv->opt.slow_threads, sizeof(pthread_t));
    if (!srv->slow_threads) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (int i = 0; i < srv->opt.slow_threads; i++) {
        if (pthread_create(&srv->slow_threads[i], NULL, slow_main, srv) != 0) {
            return cl_err_set(err, CL_ENOMEM, "cannot start slow-work thread %d", i);
        }
        srv->n_slow_threads++;
    }
    return 0;
}

/* libmicrohttpd's memory per connection: the request line and headers (its read buffer grows in
 * place up to the cap, and our own check answers 431 past it), their parsed entries (~56 bytes a
 * line, kept at the pool's end), the reply's header block (~1 KiB) and the body's read buffer in
 * the rest. libmicrohttpd 0.9.75 zeroes the whole pool between two requests of a keep-alive
 * connection and the unused half of its read buffer before each reply (src/microhttpd/memorypool.c
 * MHD_pool_reset, MHD_pool_reallocate), so it is kept as small as that allows: at the cap + 8 KiB
 * those memsets were 6 % of a cached view's CPU. A header block at the cap fits with ~50 lines;
 * what does not fit — headers far past the cap, or very many lines — libmicrohttpd refuses itself,
 * with a 431 of its own (tests/unit/http/test_server.c holds both boundaries). */
static size_t pool_size(const cl_http_options_t *o)
{
    return o->max_header + (size_t)4 * 1024;
}

int cl_http_server_start(cl_http_server_t *srv, cl_err_t *err)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->opt.port);
    if (inet_pton(AF_INET, srv->host, &addr.sin_addr) != 1) {
        return cl_err_set(err, CL_ECONFIG, "host '%.64s' is not an IPv4 address", srv->host);
    }
    int rc = start_slow_threads(srv, err);
    if (rc != 0) {
        return rc;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->opt.port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->opt.threads, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_size(&srv->opt), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)srv->opt.idle_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)srv->opt.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)srv->opt.max_per_ip, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!srv->daemon) {
        return cl_err_set(err, CL_EIO, "cannot listen on %s:%d (is the port taken?)", srv->host,
                          srv->opt.port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->opt.port;
    cl_logf(CL_LOG_INFO, srv->service, "listening", "http://%s:%d/ (%d workers, %d slow threads)",
            srv->host, srv->port, srv->opt.threads, srv->opt.slow_threads);
    return 0;
}

int cl_http_server_port(const cl_http_server_t *srv)
{
    return srv->port;
}

int cl_http_server_in_flight(const cl_http_server_t *srv)
{
    return __atomic_load_n(&srv->in_flight, __ATOMIC_SEQ_CST);
}

static void stop_slow_threads(cl_http_server_t *srv)
{
    pthread_mutex_lock(&srv->slow_lock);
    srv->slow_stop = 1;
    pthread_cond_broadcast(&srv->slow_cond);
    pthread_mutex_unlock(&srv->slow_lock);
    for (int i = 0; i < srv->n_slow_threads; i++) {
        pthread_join(srv->slow_threads[i], NULL);
    }
    srv->n_slow_threads = 0;
}

void cl_http_server_shutdown(cl_http_server_t *srv, int grace_ms)
{
    if (!srv || !srv->daemon) {
        return;
    }
    __atomic_store_n(&srv->shutting_down, 1, __ATOMIC_SEQ_CST);
    /* The quiesced socket stays open until the daemon stops (its threads may still be polling it),
     * but shut down, so that new connections are refused at once instead of waiting in the backlog.
     */
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET) {
        shutdown(fd, SHUT_RDWR);
    }
    int waited = 0;
    while (cl_http_server_in_flight(srv) > 0 && waited < grace_ms + 2000) {
        usleep(10 *
               1000); /* past the grace, 2 s more: a request between its headers and its handler */
        waited += 10;
    }
    /* Deferred work is never abandoned: a suspended connection must be resumed before the daemon
     * stops, and the work may be writing an audit record. */
    pthread_mutex_lock(&srv->slow_lock);
    while (srv->slow_head || srv->slow_running > 0) {
        pthread_cond_wait(&srv->slow_idle, &srv->slow_lock);
    }
    pthread_mutex_unlock(&srv->slow_lock);
    /* Held replies wait for their holder (an audit record being written): libmicrohttpd cannot stop
     * with a suspended connection, and the record must be on disk before its reply goes. */
    while (__atomic_load_n(&srv->suspended, __ATOMIC_SEQ_CST) > 0) {
        usleep(1000);
    }
    for (int i = 0; i < 100 && cl_http_server_in_flight(srv) > 0; i++) {
        usleep(10 * 1000); /* resumed requests are being written */
    }
    int left = cl_http_server_in_flight(srv);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    if (fd != MHD_INVALID_SOCKET) {
        close(fd);
    }
    stop_slow_threads(srv);
    cl_logf(CL_LOG_INFO, srv->service, "stopped",
            "HTTP server stopped after %d ms (%d requests cut off)", waited, left);
}

void cl_http_server_free(cl_http_server_t *srv)
{
    if (!srv) {
        return;
    }
    cl_http_server_shutdown(srv, 0);
    stop_slow_threads(srv);
    free(srv->slow_threads);
    pthread_mutex_destroy(&srv->ref_lock);
    pthread_mutex_destroy(&srv->slow_lock);
    pthread_cond_destroy(&srv->slow_cond);
    pthread_cond_destroy(&srv->slow_idle);
    free(srv->service);
    free(srv->host);
    free(srv->csp);
    free(srv->static_root);
    free(srv);
}

void cl_http_signals_block(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cl_http_signals_wait(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    return sig;
}
