/* transport.c — one thread drives a curl multi handle; callers hand it calls through a queue and
 * sleep on their own condition until it finishes them. This keeps hundreds of slow provider calls
 * in flight without hundreds of sockets' worth of threads doing I/O, and keeps libcurl on one
 * thread (a multi handle is not thread-safe). */
#include "ai/transport.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/strbuf.h"

struct call {
    CURL *easy;
    struct curl_slist *headers;
    cl_strbuf_t body;
    long retry_after_ms;
    int too_big;
    CURLcode result;
    int done;
    pthread_cond_t cond;
    struct call *next;              /* in the submission queue */
    struct call *prev_on, *next_on; /* in the multi handle (loop thread only) */
};

struct cl_transport {
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t lock;
    struct call *queue;  /* submitted, not yet added to the multi handle */
    struct call *active; /* added to the multi handle: loop thread only */
    int stopping;
    int in_flight;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

long cl_transport_retry_after_ms(const char *value, long now_s)
{
    if (!value) {
        return -1;
    }
    while (*value == ' ') {
        value++;
    }
    if (isdigit((unsigned char)*value)) {
        char *end = NULL;
        long s = strtol(value, &end, 10);
        while (end && (*end == ' ' || *end == '\r' || *end == '\n')) {
            end++;
        }
        return end && *end == '\0' && s >= 0 && s < 86400 ? s * 1000 : -1;
    }
    time_t when = curl_getdate(value, NULL);
    if (when < 0) {
        return -1;
    }
    return when <= now_s ? 0 : (long)(when - now_s) * 1000;
}

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    struct call *c = payload;
    size_t len = size * n;
    if (c->body.len + len > CL_TRANSPORT_MAX_BODY) {
        c->too_big = 1;
        return 0; /* aborts the transfer */
    }
    cl_strbuf_append(&c->body, data, len);
    return cl_strbuf_ok(&c->body) ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *payload)
{
    struct call *c = payload;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[128];
        size_t vlen = len - (sizeof name - 1);
        vlen = vlen < sizeof value ? vlen : sizeof value - 1;
        memcpy(value, data + sizeof name - 1, vlen);
        value[vlen] = '\0';
        for (size_t i = vlen;
             i > 0 && (value[i - 1] == '\r' || value[i - 1] == '\n' || value[i - 1] == ' '); i--) {
            value[i - 1] = '\0';
        }
        c->retry_after_ms = cl_transport_retry_after_ms(value, (long)time(NULL));
    }
    return len;
}

static void finish(cl_transport_t *t, struct call *c, CURLcode code)
{
    pthread_mutex_lock(&t->lock);
    c->result = code;
    c->done = 1;
    t->in_flight--;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&t->lock);
}

static void add_queued(cl_transport_t *t)
{
    pthread_mutex_lock(&t->lock);
    struct call *q = t->queue;
    t->queue = NULL;
    pthread_mutex_unlock(&t->lock);
    while (q) {
        struct call *next = q->next;
        if (curl_multi_add_handle(t->multi, q->easy) != CURLM_OK) {
            finish(t, q, CURLE_FAILED_INIT);
        } else {
            q->prev_on = NULL;
            q->next_on = t->active;
            if (t->active) {
                t->active->prev_on = q;
            }
            t->active = q;
        }
        q = next;
    }
}

static void unlink_active(cl_transport_t *t, struct call *c)
{
    if (c->prev_on) {
        c->prev_on->next_on = c->next_on;
    } else {
        t->active = c->next_on;
    }
    if (c->next_on) {
        c->next_on->prev_on = c->prev_on;
    }
}

static void reap(cl_transport_t *t)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(t->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        struct call *c = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c);
        curl_multi_remove_handle(t->multi, easy);
        unlink_active(t, c);
        finish(t, c, code);
    }
}

static void fail_all(cl_transport_t *t)
{
    /* stopping: fail what is queued, and what the multi handle still holds */
    add_queued(t);
    while (t->active) {
        struct call *c = t->active;
        curl_multi_remove_handle(t->multi, c->easy);
        unlink_active(t, c);
        finish(t, c, CURLE_ABORTED_BY_CALLBACK);
    }
}

static void *loop(void *payload)
{
    cl_transport_t *t = payload;
    for (;;) {
        pthread_mutex_lock(&t->lock);
        int stopping = t->stopping;
        pthread_mutex_unlock(&t->lock);
        if (stopping) {
            break;
        }
        add_queued(t);
        int running = 0;
        curl_multi_perform(t->multi, &running);
        reap(t);
        curl_multi_poll(t->multi, NULL, 0, 1000, NULL);
    }
    fail_all(t);
    return NULL;
}

int cl_transport_new(cl_transport_t **out, cl_err_t *err)
{
    *out = NULL;
    pthread_once(&curl_once, init_curl);
    cl_transport_t *t = calloc(1, sizeof *t);
    if (!t) {
        return cl_err_set(err, CL_ENOMEM, "transport: out of memory");
    }
    pthread_mutex_init(&t->lock, NULL);
    t->multi = curl_multi_init();
    if (!t->multi || pthread_create(&t->thread, NULL, loop, t) != 0) {
        if (t->multi) {
            curl_multi_cleanup(t->multi);
        }
        pthread_mutex_destroy(&t->lock);
        free(t);
        return cl_err_set(err, CL_EINTERNAL, "transport: cannot start");
    }
    *out = t;
    return 0;
}

void cl_transport_free(cl_transport_t *t)
{
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    pthread_mutex_unlock(&t->lock);
    curl_multi_wakeup(t->multi);
    pthread_join(t->thread, NULL);
    curl_multi_cleanup(t->multi);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int cl_transport_in_flight(cl_transport_t *t)
{
    pthread_mutex_lock(&t->lock);
    int n = t->in_flight;
    pthread_mutex_unlock(&t->lock);
    return n;
}

void cl_wire_result_dispose(cl_wire_result_t *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
}

static int setup_easy(struct call *c, const cl_wire_request_t *req, int timeout_ms)
{
    c->easy = curl_easy_init();
    if (!c->easy) {
        return CL_ENOMEM;
    }
    for (size_t i = 0; i < req->nheaders; i++) {
        struct curl_slist *h = curl_slist_append(c->headers, req->headers[i]);
        if (!h) {
            return CL_ENOMEM;
        }
        c->headers = h;
    }
    struct curl_slist *h =
        curl_slist_append(c->headers, "Expect:"); /* no 100-continue round trip */
    if (!h) {
        return CL_ENOMEM;
    }
    c->headers = h;
    CURL *e = c->easy;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 5000 ? timeout_ms : 5000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    return 0;
}

static int map_curl(CURLcode code, const struct call *c, cl_err_t *err)
{
    switch (code) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return cl_err_set(err, CL_ETIMEOUT, "provider did not answer in time");
    case CURLE_WRITE_ERROR:
        if (c->too_big) {
            return cl_err_set(err, CL_ETOOBIG, "provider reply larger than %zu bytes",
                              CL_TRANSPORT_MAX_BODY);
        }
        return cl_err_set(err, CL_ENOMEM, "provider reply: out of memory");
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
        return cl_err_set(err, CL_EUNAVAILABLE, "provider connection failed: %s",
                          curl_easy_strerror(code));
    default:
        return cl_err_set(err, CL_EIO, "provider call failed: %s", curl_easy_strerror(code));
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cl_transport_send(cl_transport_t *t, const cl_wire_request_t *req, int timeout_ms,
                      cl_wire_result_t *out, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    struct call c;
    memset(&c, 0, sizeof c);
    c.retry_after_ms = -1;
    cl_strbuf_init(&c.body);
    pthread_cond_init(&c.cond, NULL);
    double start = now_ms();
    int rc = setup_easy(&c, req, timeout_ms);
    if (rc == 0) {
        pthread_mutex_lock(&t->lock);
        if (t->stopping) {
            rc = CL_EUNAVAILABLE;
        } else {
            c.next = t->queue;
            t->queue = &c;
            t->in_flight++;
        }
        pthread_mutex_unlock(&t->lock);
    }
    if (rc == 0) {
        curl_multi_wakeup(t->multi);
        pthread_mutex_lock(&t->lock);
        while (!c.done) {
            pthread_cond_wait(&c.cond, &t->lock);
        }
        pthread_mutex_unlock(&t->lock);
        long status = 0;
        curl_easy_getinfo(c.easy, CURLINFO_RESPONSE_CODE, &status);
        out->status = (int)status;
        rc = map_curl(c.result, &c, err);
    } else {
        cl_err_set(err, rc, "transport: %s", rc == CL_ENOMEM ? "out of memory" : "stopping");
    }
    out->elapsed_ms = now_ms() - start;
    out->retry_after_ms = c.retry_after_ms;
    cl_strbuf_puts(&c.body, "");
    out->len = c.body.len;
    out->body = cl_strbuf_take(&c.body);
    curl_slist_free_all(c.headers);
    if (c.easy) {
        curl_easy_cleanup(c.easy);
    }
    pthread_cond_destroy(&c.cond);
    return rc;
}
