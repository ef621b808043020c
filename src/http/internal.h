/* internal.h — what server.c and request.c share inside src/http/: the server and request structures and the step
 * that turns a finished reply into a libmicrohttpd response. Not for use outside src/http/. */
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
    int shutting_down; /* atomic */

    /* slow work */
    pthread_mutex_t slow_lock;
    pthread_cond_t slow_cond, slow_idle;
    slow_job_t *slow_head, *slow_tail;
    int slow_queued, slow_running, slow_stop;
    pthread_t *slow_threads;
    int n_slow_threads;

    /* metrics (NULL without a registry) */
    cl_metric_t *m_requests, *m_latency, *m_in_flight, *m_queue_full;
};

struct cl_http_req {
    cl_http_server_t *srv;
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
    json_t *log_fields;
    void *data;

    cl_http_handler_fn deferred;
    void *deferred_payload;

    /* the reply */
    int replied;
    int status;
    const char *content_type; /* arena */
    char *resp_body;          /* malloc'ed */
    size_t resp_len;
    int resp_gzipped; /* resp_body is gzip already */
    int has_cache_control;
    http_header_t *headers, *headers_tail;
    size_t bytes_sent;
    int hide_error; /* a 500: message logged, not shown */
    int method_not_allowed;
    int headers_too_large;
    cl_err_t err;   /* what a failing handler said, for the log */
};

/* Reply {"error":{"code": CODE, "message": MSG}} with STATUS, unless a reply was made. */
void cl_http__reply_status(cl_http_req_t *req, int status, const char *code, const char *msg);

/* Build the MHD response for REQ's reply and queue it. Returns MHD_YES or MHD_NO. */
enum MHD_Result cl_http__queue(cl_http_req_t *req);

#endif
