/* internal.h — what server.c and request.c share inside src/http/: the server and request
 * structures and the step that turns a finished reply into a libmicrohttpd response. Not for use
 * outside src/http/. */
#ifndef CL_HTTP_INTERNAL_H
#define CL_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "http/cookie.h"
#include "http/http.h"
#include "http/query.h"

#define HTTP_MAX_ROUTES 64

typedef struct http_header {
    struct http_header *next;
    char *name, *value; /* arena */
} http_header_t;

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
} arena_chunk_t;

/* The arena's chunk size: larger requests get a chunk of their own size. */
#define ARENA_CHUNK 4096

/* A field of the access-log line, kept until the line is written (or dropped unwritten). */
typedef struct http_log_field {
    struct http_log_field *next;
    const char *key;  /* arena */
    json_t *value;    /* owned; NULL: TEXT instead */
    const char *text; /* arena */
} http_log_field_t;

typedef struct http_cleanup {
    struct http_cleanup *next;
    void (*fn)(void *);
    void *payload;
} http_cleanup_t;

typedef struct slow_job {
    struct slow_job *next;
    cl_http_req_t *req;
} slow_job_t;

typedef enum {
    PHASE_NEW = 0,  /* the URI is known, headers not yet looked at */
    PHASE_BODY,     /* receiving the body */
    PHASE_DEFERRED, /* suspended, work queued or running on a slow thread */
    PHASE_READY,    /* the slow work replied: queue it when MHD calls back */
    PHASE_DONE,     /* response queued */
} http_phase_t;

struct cl_http_server {
    cl_http_options_t opt;
    char *service, *host, *csp, *static_root; /* owned copies; static_root resolved with realpath */
    cl_http_route_t routes[HTTP_MAX_ROUTES];
    size_t n_routes;
    struct MHD_Daemon *daemon;
    int port;
    int in_flight;     /* atomic: requests between URI and completion */
    int suspended;     /* atomic: connections suspended for deferred work or a held reply */
    int shutting_down; /* atomic */

    pthread_mutex_t ref_lock; /* request lifetimes across threads (see cl_http__resume) */

    /* slow work */
    pthread_mutex_t slow_lock;
    pthread_cond_t slow_cond, slow_idle;
    slow_job_t *slow_head, *slow_tail;
    int slow_queued, slow_running, slow_stop;
    pthread_t *slow_threads;
    int n_slow_threads;

    /* metrics (NULL without a registry) */
    cl_metric_family_t *m_requests, *m_latency, *m_in_flight, *m_queue_full;
};

struct cl_http_req {
    cl_http_server_t *srv;
    int refs; /* guarded by srv->ref_lock: 1 for libmicrohttpd, +1 while deferred work or a holder
                 has it */
    int completed; /* guarded by srv->ref_lock: libmicrohttpd is done with the connection's request
                    */
    struct MHD_Connection *con;
    http_phase_t phase;
    struct timespec start;
    char id[40];
    char client[64];
    char *raw_target; /* malloc'ed */
    const char *method;
    cl_query_t target;
    int target_ok;
    const cl_http_route_t *route;
    const char *route_name;
    size_t max_body;
    char *body;
    size_t body_len, body_cap;
    int body_too_big;
    size_t discarded; /* bytes of an oversized body read and dropped */
    cl_cookie_jar_t cookies;
    int cookies_parsed;
    arena_chunk_t *arena;
    http_log_field_t *log_head, *log_tail; /* in the order they were added */
    void *data;
    http_cleanup_t *cleanups;

    cl_http_handler_fn deferred, deferred_fn_saved;
    void *deferred_payload;
    void (*hold_start)(cl_http_req_t *, void *);
    void *hold_payload;
    int parked; /* suspended by cl_http_park: the owner replies before releasing */

    /* the reply */
    int replied;
    int status;
    const char *content_type;     /* arena */
    char *resp_body;              /* malloc'ed, or shared when resp_release is set */
    void (*resp_release)(void *); /* a shared body: called with resp_cls once it is not needed */
    void *resp_cls;
    size_t resp_len;
    int resp_gzipped; /* resp_body is gzip already */
    int has_cache_control;
    http_header_t *headers, *headers_tail;
    size_t bytes_sent;
    int hide_error; /* a 500: message logged, not shown */
    int method_not_allowed;
    int headers_too_large;
    cl_err_t err; /* what a failing handler said, for the log */
};

/* Reply {"error":{"code": CODE, "message": MSG}} with STATUS, unless a reply was made. */
void cl_http__reply_status(cl_http_req_t *req, int status, const char *code, const char *msg);

/* Take a reference on REQ for work that will resume it from another thread. */
void cl_http__ref(cl_http_req_t *req);

/* Let libmicrohttpd send REQ's reply (unless the connection is already gone, e.g. the daemon
 * stopped) and drop the reference taken with cl_http__ref; the request is freed when nobody needs
 * it any more. */
void cl_http__resume(cl_http_req_t *req);

/* Let go of REQ's reply body (free it, or release a shared one); resp_body is NULL after. */
void cl_http__drop_body(cl_http_req_t *req);

/* Build the MHD response for REQ's reply and queue it. FINAL: called from the access handler's
 * final call (the whole request received, or a resumed one), where a worker thread's kept response
 * may be reused (request.c explains when). Returns MHD_YES or MHD_NO. */
enum MHD_Result cl_http__queue(cl_http_req_t *req, int final);

#endif
