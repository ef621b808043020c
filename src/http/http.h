/* http.h — the HTTP server of catlens services (`catlens app`, `catlens ai`), over GNU
 * libmicrohttpd.
 *
 * Owns: the listening socket and worker threads (libmicrohttpd's thread pool with epoll), a router
 * (method + exact path → handler), the per-request context (request id, decoded path and query,
 * cookies, headers, the body, an arena freed when the request ends), responses (JSON, bytes,
 * redirects, one error format {"error":{"code","message"}} from cl_err_t), gzip for clients that
 * accept it, security headers on every response, limits (body size, header size, idle timeout,
 * connections overall and per client address), static files with path-traversal protection, a JSON
 * access-log line per request, HTTP metrics, slow work off the worker threads, and graceful
 * shutdown. It holds nothing specific to one service: the app and the AI service register their own
 * routes.
 *
 * Slow work. A handler that must wait on something slow (an upstream HTTP call, a cold report)
 * calls cl_http_defer() and returns CL_HTTP_DEFERRED: the connection is suspended, the work runs on
 * one of `slow_threads` threads, and the worker thread goes back to serving other requests. When
 * the deferred queue is full the request gets 503.
 *
 * Responses. Exactly one cl_http_reply_* per request. A handler that returns a negative CL_E*
 * without replying gets the error response for its cl_err_t: for 4xx and 503/504 the message is the
 * client's to read; for 500s the client sees "internal error (request REQUEST_ID)" and the message
 * goes to the log only.
 *
 * Shutdown. cl_http_server_shutdown() stops accepting, lets every request in flight (deferred ones
 * included) finish and be written whole, answers requests arriving on open keep-alive connections
 * with "Connection: close", then stops.
 *
 * Thread safety: configure a server (cl_http_server_new, cl_http_route) on one thread before
 * cl_http_server_start; afterwards handlers run concurrently on worker and slow threads. A
 * cl_http_req_t belongs to the thread running its handler; never keep a pointer to it (or to its
 * arena) after replying. */
#ifndef CL_HTTP_HTTP_H
#define CL_HTTP_HTTP_H

#include <stddef.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"
#include "http/metrics.h"

typedef struct cl_http_server cl_http_server_t;
typedef struct cl_http_req cl_http_req_t;

/* Returned by a handler after cl_http_defer(). */
#define CL_HTTP_DEFERRED 1

/* A handler replies (return 0), fails (return a negative CL_E* with ERR set), or defers
 * (CL_HTTP_DEFERRED). */
typedef int (*cl_http_handler_fn)(cl_http_req_t *req, void *payload, cl_err_t *err);

typedef struct {
    const char *method; /* "GET", "POST", …; a GET route also answers HEAD */
    const char *path;   /* exact path, e.g. "/auth-me" */
    cl_http_handler_fn handler;
    void *payload;
    size_t max_body; /* bytes; 0: the server's max_body */
} cl_http_route_t;

typedef struct {
    const char *service;    /* names the access-log module and metrics: "app", "ai" */
    const char *host;       /* address to bind, e.g. "127.0.0.1" */
    int port;               /* 0: any free port (read it back with cl_http_server_port) */
    int threads;            /* worker threads; 0: 4 */
    int slow_threads;       /* threads for deferred work; 0: 16 */
    int slow_queue;         /* deferred jobs waiting at most; 0: 256 */
    size_t max_body;        /* request body cap in bytes; 0: 64 KiB */
    size_t max_header;      /* request line + headers cap in bytes; 0: 16 KiB */
    int idle_timeout_s;     /* close a connection idle this long (slow clients); 0: 15 */
    int max_connections;    /* 0: 1024 */
    int max_per_ip;         /* connections per client address; 0: 256 */
    const char *csp;        /* Content-Security-Policy; NULL: a strict same-origin default */
    int hsts;               /* send Strict-Transport-Security (when served over TLS by a proxy) */
    const char *static_dir; /* built web UI; NULL or missing: none */
    cl_metrics_t *metrics;  /* borrowed; NULL: no HTTP metrics */
    int access_log;         /* 1: one JSON line per request at info level */
} cl_http_options_t;

/* A server with OPT (copied). Returns 0, CL_ECONFIG (bad option) or CL_ENOMEM. *out is new:
 * cl_http_server_free(). */
CL_NODISCARD int cl_http_server_new(cl_http_server_t **out, const cl_http_options_t *opt,
                                    cl_err_t *err);

/* Add ROUTE (copied) before start. Returns 0, CL_ECONFIG (duplicate method + path, bad path) or
 * CL_ENOMEM. */
CL_NODISCARD int cl_http_route(cl_http_server_t *srv, const cl_http_route_t *route, cl_err_t *err);

/* Bind and start serving. Returns 0 or CL_EIO (e.g. the port is taken). */
CL_NODISCARD int cl_http_server_start(cl_http_server_t *srv, cl_err_t *err);

/* The port the server listens on (after start). */
int cl_http_server_port(const cl_http_server_t *srv);

/* Requests in flight right now (for readiness and tests). */
int cl_http_server_in_flight(const cl_http_server_t *srv);

/* Graceful stop: stop accepting, wait up to GRACE_MS for requests in flight, then for deferred work
 * (which always finishes: it is never cut off halfway), then stop the threads. Safe to call once,
 * from one thread. */
void cl_http_server_shutdown(cl_http_server_t *srv, int grace_ms);

/* Shut down if still running, and free. NULL is fine. */
void cl_http_server_free(cl_http_server_t *srv);

/* Block SIGTERM, SIGINT and SIGHUP in the calling thread and every thread created after (call first
 * thing in main, before any thread starts), and ignore SIGPIPE. Then cl_http_signals_wait() returns
 * the next of them. */
void cl_http_signals_block(void);
int cl_http_signals_wait(void);

/* ---- the request
 * ------------------------------------------------------------------------------------ */

const char *cl_http_req_method(const cl_http_req_t *req);
const char *cl_http_req_path(const cl_http_req_t *req); /* decoded, without the query */
const char *
cl_http_req_route(const cl_http_req_t *req); /* the route's path, "static" or "unmatched" */
const char *
cl_http_req_id(const cl_http_req_t *req); /* from a well-formed X-Request-Id, else random */
const char *cl_http_req_client(const cl_http_req_t *req); /* client address as text */

/* Decoded query parameter, header (case-insensitive name) or cookie value; NULL when absent.
 * Borrowed until the request ends. A cookie sent twice with different values reads as absent (see
 * cookie.h). */
const char *cl_http_req_query(const cl_http_req_t *req, const char *name);
const char *cl_http_req_header(const cl_http_req_t *req, const char *name);
const char *cl_http_req_cookie(cl_http_req_t *req, const char *name);

/* The request body (NUL-terminated; LEN may be NULL), "" when there is none. Borrowed. */
const char *cl_http_req_body(const cl_http_req_t *req, size_t *len);

/* 1 when the request's Content-Type is application/json (what cl_http_req_json requires). */
int cl_http_req_is_json(const cl_http_req_t *req);

/* The body as a JSON object: Content-Type must be application/json, then cl_body_parse() rules.
 * *out is new: json_decref(). Returns 0 or CL_EINVAL with a message for the client. */
CL_NODISCARD int cl_http_req_json(json_t **out, const cl_http_req_t *req, cl_err_t *err);

/* 1 if the client accepts gzip-encoded responses. */
int cl_http_req_accepts_gzip(const cl_http_req_t *req);

/* Arena memory, freed when the request ends. NULL when out of memory. */
void *cl_http_req_alloc(cl_http_req_t *req, size_t n);
char *cl_http_req_strdup(cl_http_req_t *req, const char *s);

/* Add KEY: VALUE (stolen) to this request's access-log line, e.g. "cached": true; a key added
 * again replaces its value. Kept as is until the line is written: no JSON work when it is not. */
void cl_http_req_log(cl_http_req_t *req, const char *key, json_t *value);

/* cl_http_req_log with TEXT (copied) as a JSON string, e.g. the user id or "cache": "hit". */
void cl_http_req_log_text(cl_http_req_t *req, const char *key, const char *text);

/* Call FN(PAYLOAD) when the request ends (after the response is sent or the client went away), last
 * registered first; for per-request objects that are not arena memory (e.g. the signed-in user).
 * Returns 0 or CL_ENOMEM (then FN has already been called). */
CL_NODISCARD int cl_http_req_cleanup(cl_http_req_t *req, void (*fn)(void *payload), void *payload,
                                     cl_err_t *err);

/* A slot for the service's own per-request state (e.g. the signed-in user); borrowed, not freed by
 * the server. */
void cl_http_req_set_data(cl_http_req_t *req, void *data);
void *cl_http_req_data(const cl_http_req_t *req);

/* ---- responses
 * -------------------------------------------------------------------------------------- */

/* Add a response header (copied), e.g. Set-Cookie (may repeat), Location, Cache-Control (replaces
 * the default "no-store"). Names and values with CR, LF or NUL are refused. Returns 0, CL_EINVAL or
 * CL_ENOMEM. */
CL_NODISCARD int cl_http_add_header(cl_http_req_t *req, const char *name, const char *value,
                                    cl_err_t *err);

/* Reply with LEN bytes of BODY (copied) and CONTENT_TYPE. Compressed for clients that accept gzip
 * when it pays. Return 0, or CL_ENOMEM / CL_EINTERNAL (already replied). */
CL_NODISCARD int cl_http_reply(cl_http_req_t *req, int status, const char *content_type,
                               const void *body, size_t len, cl_err_t *err);

/* As cl_http_reply, taking ownership of BODY (malloc'ed; freed by the server, also on failure). */
CL_NODISCARD int cl_http_reply_owned(cl_http_req_t *req, int status, const char *content_type,
                                     char *body, size_t len, cl_err_t *err);

/* Reply with DOC (stolen) as compact JSON, application/json. */
CL_NODISCARD int cl_http_reply_json(cl_http_req_t *req, int status, json_t *doc, cl_err_t *err);

/* Reply with a body already gzip-compressed (GZ stolen, malloc'ed): sent as is with
 * Content-Encoding: gzip to clients that accept it, decompressed for the others. */
CL_NODISCARD int cl_http_reply_gzipped(cl_http_req_t *req, int status, const char *content_type,
                                       char *gz, size_t gz_len, cl_err_t *err);

/* As cl_http_reply_gzipped with GZ shared instead of owned (a cached body, sent without a copy):
 * it is only read, until RELEASE(CLS) is called — once, from the thread that is done with it: after
 * the response was sent or dropped, when the reply is replaced, or at once on failure. A worker
 * thread keeps the response of its last shared body for the next reply of the same body
 * (request.c): that one reference is released when the thread's next shared reply is another body,
 * or when the thread ends with the server. */
CL_NODISCARD int cl_http_reply_gzipped_shared(cl_http_req_t *req, int status,
                                              const char *content_type, const char *gz,
                                              size_t gz_len, void (*release)(void *cls), void *cls,
                                              cl_err_t *err);

/* Reply {"error":{"code": cl_err_name(E->code), "message": …}} with cl_err_http_status(E->code).
 * 500s hide the message from the client (it is logged). Always succeeds unless a reply was already
 * made (then it does nothing). */
void cl_http_reply_error(cl_http_req_t *req, const cl_err_t *e);

/* 302 to LOCATION (copied). Returns 0, CL_EINVAL (CR/LF in LOCATION) or CL_ENOMEM. */
CL_NODISCARD int cl_http_reply_redirect(cl_http_req_t *req, const char *location, cl_err_t *err);

/* Run WORK(REQ, PAYLOAD, err) on a slow thread; the handler then returns CL_HTTP_DEFERRED. WORK
 * must reply (or fail, as a handler does). Returns CL_HTTP_DEFERRED, or CL_EINTERNAL when called
 * twice. */
int cl_http_defer(cl_http_req_t *req, cl_http_handler_fn work, void *payload);

/* Hold the reply of REQ until cl_http_release(): a handler that has replied but must not let the
 * response go before something else is done (e.g. its audit record is durable) calls this and
 * returns CL_HTTP_DEFERRED. The connection is suspended first, then START(REQ, PAYLOAD) runs on the
 * same thread to hand REQ to whoever will release it. The worker thread is free meanwhile. Returns
 * CL_HTTP_DEFERRED, or CL_EINTERNAL (no reply yet, or already held). */
int cl_http_hold(cl_http_req_t *req, void (*start)(cl_http_req_t *req, void *payload),
                 void *payload);

/* Suspend REQ before any reply is made, for work that answers it later from another thread (a
 * request waiting on a report being built for several requests at once). START(REQ, PAYLOAD) runs
 * once the connection is suspended and hands REQ over; from then on its new owner (one thread at a
 * time) makes the reply with cl_http_reply_* and lets it go with cl_http_release(). A release
 * without a reply answers 500. The worker thread is free meanwhile; shutdown waits for parked
 * requests as for held ones. The handler (or deferred work) returns what this returns:
 * CL_HTTP_DEFERRED, or CL_EINTERNAL (already replied, deferred, held or parked). */
int cl_http_park(cl_http_req_t *req, void (*start)(cl_http_req_t *req, void *payload),
                 void *payload);

/* Let a held or parked reply go; any thread, once per hold or park. */
void cl_http_release(cl_http_req_t *req);

/* Replace the reply already made with the error E (for a held reply whose precondition failed). */
void cl_http_reply_replace_error(cl_http_req_t *req, const cl_err_t *e);

#endif
