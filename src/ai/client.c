/* client.c — what the app needs to call the AI service: a request trimmed to the schema (only
 * pre-aggregated data of the user's scope leaves the app), and bounded HTTP calls whose failures
 * come back as codes the app can act on — blocking, or many at once on one thread driving a curl
 * multi handle (the transport of src/ai/transport.c serves the service's own provider calls and
 * makes its callers wait; the app must not wait). */
#include "ai/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

static void copy_fields(json_t *dst, json_t *src, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(src, keys[i]);
        if (v) {
            json_object_set(dst, keys[i], v);
        }
    }
}

static json_t *copy_list(json_t *src, const char *const *keys, size_t max)
{
    json_t *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(src, i, item)
    {
        if (i >= max) {
            break;
        }
        json_t *o = json_object();
        copy_fields(o, item, keys);
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *tiles(json_t *src)
{
    static const char *const keys[] = {"metric",     "label",        "available",  "current",
                                       "previous",   "change",       "change_pct", "change_unit",
                                       "favourable", "significance", NULL};
    return copy_list(src, keys, 64);
}

static json_t *findings(json_t *src, int max)
{
    static const char *const keys[] = {
        "id",         "rank",   "type",        "metric",       "window",  "path",  "direction",
        "favourable", "impact", "impact_unit", "significance", "numbers", "title", NULL};
    return copy_list(src, keys, (size_t)(max > 0 && max <= 60 ? max : 20));
}

static json_t *breakdowns(json_t *src)
{
    static const char *const keys[] = {"dimension", "parent", "metric", NULL};
    static const char *const row_keys[] = {"value",
                                           "current",
                                           "previous",
                                           "change",
                                           "change_pct",
                                           "contribution",
                                           "contribution_pct",
                                           "share_current",
                                           "share_previous",
                                           "share_shift_pp",
                                           NULL};
    json_t *out = copy_list(src, keys, 64);
    size_t i;
    json_t *b;
    json_array_foreach(out, i, b)
    {
        json_object_set_new(
            b, "rows", copy_list(json_object_get(json_array_get(src, i), "rows"), row_keys, 200));
    }
    return out;
}

static json_t *metrics(const cl_catalog_t *cat)
{
    json_t *out = json_array();
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        json_array_append_new(out,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", m->id, "label",
                                        m->label, "unit", cl_unit_name(m->unit), "format",
                                        m->format, "direction", cl_direction_name(m->direction),
                                        "description", m->description ? m->description : "", "kind",
                                        m->kind == CL_METRIC_RATIO ? "ratio" : "additive"));
    }
    return out;
}

int cl_ai_client_request(json_t **out, json_t *wbr, const cl_catalog_t *catalog,
                         const cl_ai_user_t *user, int max_findings, int async, const char *model,
                         cl_err_t *err)
{
    *out = NULL;
    static const char *const required[] = {"category", "region", "window", "week", NULL};
    json_t *report = json_object();
    for (size_t i = 0; required[i]; i++) {
        json_t *v = json_object_get(wbr, required[i]);
        if (!json_is_string(v)) {
            json_decref(report);
            return cl_err_set(err, CL_EINVAL, "the report has no '%s'", required[i]);
        }
        json_object_set(report, required[i], v);
    }
    json_object_set_new(report, "kpis", tiles(json_object_get(wbr, "kpis")));
    json_object_set_new(report, "derived", tiles(json_object_get(wbr, "derived")));
    json_object_set_new(report, "findings",
                        findings(json_object_get(wbr, "findings"), max_findings));
    json_object_set_new(report, "metrics", metrics(catalog));
    if (json_array_size(json_object_get(wbr, "breakdowns")) > 0) {
        json_object_set_new(report, "breakdowns", breakdowns(json_object_get(wbr, "breakdowns")));
    }
    json_t *req = json_pack("{s:o,s:{s:s,s:s,s:s},s:b}", "report", report, "user", "id", user->id,
                            "team", user->team, "role", user->role, "async", async);
    if (req && model) {
        json_object_set_new(req, "model", json_string(model));
    }
    *out = req;
    return req ? 0 : cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
}

/* ---- one HTTP exchange: the easy handle and what its outcome means */

typedef struct {
    CURL *easy;
    struct curl_slist *headers;
    char *body; /* the POST body (malloc), or NULL for a GET */
    cl_strbuf_t resp;
    int timeout_ms;
} exchange_t;

static size_t on_body(char *data, size_t size, size_t n, void *payload)
{
    cl_strbuf_t *b = payload;
    cl_strbuf_append(b, data, size * n);
    return cl_strbuf_ok(b) && b->len <= (size_t)4 * 1024 * 1024 ? size * n : 0;
}

static int status_code(long status)
{
    switch (status) {
    case 400:
    case 404:
    case 413:
        return CL_EINVAL;
    case 401:
    case 403:
        return CL_EUNAUTH;
    case 402:
        return CL_EBUDGET;
    case 429:
        return CL_ERATELIMIT;
    case 504:
        return CL_ETIMEOUT;
    default:
        return CL_EUNAVAILABLE;
    }
}

static void exchange_dispose(exchange_t *x)
{
    if (x->easy) {
        curl_easy_cleanup(x->easy);
    }
    curl_slist_free_all(x->headers);
    free(x->body);
    cl_strbuf_dispose(&x->resp);
    memset(x, 0, sizeof *x);
}

/* Set up X for URL; BODY (stolen, may be NULL) makes it a POST. */
static int exchange_init(exchange_t *x, const char *url, const char *token, char *body,
                         int timeout_ms, cl_err_t *err)
{
    memset(x, 0, sizeof *x);
    cl_strbuf_init(&x->resp);
    x->body = body;
    x->timeout_ms = timeout_ms;
    x->easy = curl_easy_init();
    x->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (token && x->headers) {
        char auth[512];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        struct curl_slist *h = curl_slist_append(x->headers, auth);
        x->headers = h ? h : x->headers;
    }
    if (!x->easy || !x->headers) {
        exchange_dispose(x);
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    curl_easy_setopt(x->easy, CURLOPT_URL, url);
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
    if (body) {
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, &x->resp);
    return 0;
}

/* What the exchange that ended with CC means: 0 and *out (new) the JSON object answered, or the
 * error code for the app's fallback. */
static int exchange_outcome(json_t **out, exchange_t *x, CURLcode cc, cl_err_t *err)
{
    *out = NULL;
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    cl_strbuf_puts(&x->resp, "");
    json_t *doc = x->resp.data ? json_loads(x->resp.data, 0, NULL) : NULL;
    int rc = 0;
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        rc = cl_err_set(err, CL_ETIMEOUT, "AI service did not answer within %d ms", x->timeout_ms);
    } else if (cc != CURLE_OK) {
        rc = cl_err_set(err, CL_EUNAVAILABLE, "AI service unreachable: %s", curl_easy_strerror(cc));
    } else if (status < 200 || status >= 300) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
        rc = cl_err_set(err, status_code(status), "AI service: %s (%ld)", msg ? msg : "error",
                        status);
    } else if (!json_is_object(doc)) {
        rc = cl_err_set(err, CL_EDATA, "AI service reply is not JSON");
    }
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

static int http_call(json_t **out, const char *url, int timeout_ms, const char *token,
                     const char *body, cl_err_t *err)
{
    *out = NULL;
    char *copy = body ? strdup(body) : NULL;
    exchange_t x;
    if (body && !copy) {
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    int rc = exchange_init(&x, url, token, copy, timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    CURLcode cc = curl_easy_perform(x.easy);
    rc = exchange_outcome(out, &x, cc, err);
    exchange_dispose(&x);
    return rc;
}

int cl_ai_client_summarise(json_t **out, const char *url, int timeout_ms, const char *token,
                           json_t *request, cl_err_t *err)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/llm/summary", url);
    char *body = json_dumps(request, JSON_COMPACT);
    if (!body) {
        *out = NULL;
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    int rc = http_call(out, full, timeout_ms, token, body, err);
    free(body);
    return rc;
}

int cl_ai_client_job(json_t **out, const char *url, int timeout_ms, const char *token,
                     const char *id, cl_err_t *err)
{
    if (!id || strlen(id) > 64 || strspn(id, "j-0123456789abcdef") != strlen(id)) {
        *out = NULL;
        return cl_err_set(err, CL_EINVAL, "not a job id");
    }
    char full[1024];
    snprintf(full, sizeof full, "%s/llm/async?job=%s", url, id);
    return http_call(out, full, timeout_ms, token, NULL, err);
}

int cl_ai_client_usage(json_t **out, const char *url, int timeout_ms, const char *token,
                       const char *user, const char *team, int all_teams, cl_err_t *err)
{
    *out = NULL;
    CURL *c = curl_easy_init();
    char *u = c && user ? curl_easy_escape(c, user, 0) : NULL;
    char *t = c && team ? curl_easy_escape(c, team, 0) : NULL;
    int rc = 0;
    if (!u || !t) {
        rc = cl_err_set(err, c && user && team ? CL_ENOMEM : CL_EINVAL,
                        "ai client: usage needs a user and a team");
    } else {
        char full[1024];
        int n = snprintf(full, sizeof full, "%s/llm/usage?user=%s&team=%s%s", url, u, t,
                         all_teams ? "&all_teams=1" : "");
        rc = n > 0 && (size_t)n < sizeof full
                 ? http_call(out, full, timeout_ms, token, NULL, err)
                 : cl_err_set(err, CL_EINVAL, "ai client: usage query too long");
    }
    curl_free(u);
    curl_free(t);
    if (c) {
        curl_easy_cleanup(c);
    }
    return rc;
}

/* ---- asynchronous summaries: one thread, one multi handle */

typedef struct ai_call {
    struct ai_call *next; /* in the submission queue, then among the active calls */
    exchange_t x;
    cl_ai_client_done_fn done;
    void *payload;
} ai_call_t;

struct cl_ai_client {
    char *url, *token;
    CURLM *multi;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    ai_call_t *queue;  /* submitted, not yet on the multi handle */
    ai_call_t *active; /* on the multi handle: the loop thread only */
    int stopping, in_flight;
};

static void finish_call(cl_ai_client_t *c, ai_call_t *call, int rc, json_t *doc, cl_err_t *err)
{
    call->done(call->payload, rc, doc, rc ? err : NULL);
    exchange_dispose(&call->x);
    free(call);
    pthread_mutex_lock(&c->lock);
    c->in_flight--;
    pthread_mutex_unlock(&c->lock);
}

static void take_queued(cl_ai_client_t *c)
{
    pthread_mutex_lock(&c->lock);
    ai_call_t *q = c->queue;
    c->queue = NULL;
    pthread_mutex_unlock(&c->lock);
    while (q) {
        ai_call_t *next = q->next;
        if (curl_multi_add_handle(c->multi, q->x.easy) != CURLM_OK) {
            cl_err_t err;
            cl_err_set(&err, CL_EUNAVAILABLE, "AI service: cannot start the call");
            finish_call(c, q, err.code, NULL, &err);
        } else {
            q->next = c->active;
            c->active = q;
        }
        q = next;
    }
}

static ai_call_t *unlink_call(cl_ai_client_t *c, CURL *easy)
{
    for (ai_call_t **p = &c->active; *p; p = &(*p)->next) {
        if ((*p)->x.easy == easy) {
            ai_call_t *call = *p;
            *p = call->next;
            return call;
        }
    }
    return NULL;
}

static void reap_calls(cl_ai_client_t *c)
{
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode cc = msg->data.result;
        curl_multi_remove_handle(c->multi, easy);
        ai_call_t *call = unlink_call(c, easy);
        if (call) {
            json_t *doc = NULL;
            cl_err_t err;
            cl_err_clear(&err);
            int rc = exchange_outcome(&doc, &call->x, cc, &err);
            finish_call(c, call, rc, doc, &err);
        }
    }
}

static void *client_loop(void *payload)
{
    cl_ai_client_t *c = payload;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int stopping = c->stopping;
        pthread_mutex_unlock(&c->lock);
        if (stopping) {
            break;
        }
        take_queued(c);
        int running = 0;
        curl_multi_perform(c->multi, &running);
        reap_calls(c);
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    take_queued(c);
    cl_err_t err;
    cl_err_set(&err, CL_EUNAVAILABLE, "AI service call abandoned: the app is stopping");
    while (c->active) {
        ai_call_t *call = c->active;
        c->active = call->next;
        curl_multi_remove_handle(c->multi, call->x.easy);
        finish_call(c, call, err.code, NULL, &err);
    }
    return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int cl_ai_client_new(cl_ai_client_t **out, const char *url, const char *token, cl_err_t *err)
{
    *out = NULL;
    if (!url || !*url) {
        return cl_err_set(err, CL_EINVAL, "ai client: no URL");
    }
    pthread_once(&curl_once, init_curl);
    cl_ai_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    pthread_mutex_init(&c->lock, NULL);
    c->url = strdup(url);
    c->token = token ? strdup(token) : NULL;
    c->multi = curl_multi_init();
    if (!c->url || (token && !c->token) || !c->multi) {
        cl_ai_client_free(c);
        return cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    }
    if (pthread_create(&c->thread, NULL, client_loop, c) != 0) {
        cl_ai_client_free(c);
        return cl_err_set(err, CL_ENOMEM, "ai client: cannot start its thread");
    }
    c->started = 1;
    *out = c;
    return 0;
}

void cl_ai_client_free(cl_ai_client_t *c)
{
    if (!c) {
        return;
    }
    if (c->started) {
        pthread_mutex_lock(&c->lock);
        c->stopping = 1;
        pthread_mutex_unlock(&c->lock);
        curl_multi_wakeup(c->multi);
        pthread_join(c->thread, NULL);
    }
    if (c->multi) {
        curl_multi_cleanup(c->multi);
    }
    pthread_mutex_destroy(&c->lock);
    free(c->url);
    free(c->token);
    free(c);
}

int cl_ai_client_post(cl_ai_client_t *c, json_t *request, int timeout_ms, cl_ai_client_done_fn done,
                      void *payload, cl_err_t *err)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/llm/summary", c->url);
    ai_call_t *call = calloc(1, sizeof *call);
    char *body = json_dumps(request, JSON_COMPACT);
    int rc = call && body ? exchange_init(&call->x, full, c->token, body, timeout_ms, err)
                          : cl_err_set(err, CL_ENOMEM, "ai client: out of memory");
    if (rc != 0) {
        if (!call) {
            free(body);
        }
        free(call);
        return rc;
    }
    call->done = done;
    call->payload = payload;
    pthread_mutex_lock(&c->lock);
    if (c->stopping) {
        pthread_mutex_unlock(&c->lock);
        exchange_dispose(&call->x);
        free(call);
        return cl_err_set(err, CL_EUNAVAILABLE, "ai client: stopping");
    }
    call->next = c->queue;
    c->queue = call;
    c->in_flight++;
    pthread_mutex_unlock(&c->lock);
    curl_multi_wakeup(c->multi);
    return 0;
}

int cl_ai_client_in_flight(cl_ai_client_t *c)
{
    pthread_mutex_lock(&c->lock);
    int n = c->in_flight;
    pthread_mutex_unlock(&c->lock);
    return n;
}
