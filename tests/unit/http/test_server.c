/* The HTTP server on a loopback port chosen at run time, driven by libcurl: routing, the error
 * format, security headers, limits, gzip, static files, deferred work that does not hold a worker,
 * metrics and graceful shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/gzip.h"
#include "http/http.h"
#include "../support/http_client.h"
#include "../support/tmpdir.h"

typedef struct {
    cl_http_server_t *srv;
    cl_metrics_t *metrics;
    char base[64];
    char dir[256];
    /* the gate that deferred work waits on */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int open, waiting, finished;
    int access_log; /* start() with the access log on */
} fixture_t;

static int on_hello(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    const char *name = cl_http_req_query(req, "name");
    const char *cookie = cl_http_req_cookie(req, "c");
    json_t *doc = json_pack("{s:s,s:s?,s:s,s:s}", "hello", name ? name : "world", "cookie", cookie,
                            "id", cl_http_req_id(req), "client", cl_http_req_client(req));
    return cl_http_reply_json(req, 200, doc, err);
}

static int on_echo(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    json_t *doc = NULL;
    int rc = cl_http_req_json(&doc, req, err);
    if (rc != 0) {
        return rc;
    }
    return cl_http_reply_json(req, 200, json_pack("{s:o}", "got", doc), err);
}

static int on_big(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    char *body = malloc(20001);
    for (int i = 0; i < 20000; i++) {
        body[i] = (char)('a' + i % 3);
    }
    body[20000] = '\0';
    if (cl_http_req_query(req, "stored")) {
        char *gz = NULL;
        size_t n = 0;
        int rc = cl_gzip_compress(&gz, &n, body, 20000, 9, err);
        free(body);
        return rc ? rc : cl_http_reply_gzipped(req, 200, "text/plain", gz, n, err);
    }
    return cl_http_reply_owned(req, 200, "text/plain", body, 20000, err);
}

static int on_fail(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    if (cl_http_req_query(req, "internal")) {
        return cl_err_set(err, CL_EIO, "disk /secret/path failed");
    }
    return cl_err_set(err, CL_EFORBIDDEN, "you may not see category 'x'");
}

static int slow_work(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    fixture_t *f = payload;
    pthread_mutex_lock(&f->lock);
    f->waiting++;
    pthread_cond_broadcast(&f->cond);
    while (!f->open) {
        pthread_cond_wait(&f->cond, &f->lock);
    }
    pthread_mutex_unlock(&f->lock);
    char big[50000];
    memset(big, 'z', sizeof big);
    int rc = cl_http_reply(req, 200, "text/plain", big, sizeof big, err);
    pthread_mutex_lock(&f->lock);
    f->finished++;
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int on_slow(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)err;
    return cl_http_defer(req, slow_work, payload);
}

static void *release_later(void *arg)
{
    cl_http_req_t *req = arg;
    fixture_t *f = cl_http_req_data(req);
    pthread_mutex_lock(&f->lock);
    f->waiting++;
    pthread_cond_broadcast(&f->cond);
    while (!f->open) {
        pthread_cond_wait(&f->cond, &f->lock);
    }
    f->finished++;
    pthread_mutex_unlock(&f->lock);
    cl_http_release(req);
    return NULL;
}

static void start_holder(cl_http_req_t *req, void *payload)
{
    (void)payload;
    pthread_t t;
    if (pthread_create(&t, NULL, release_later, req) == 0) {
        pthread_detach(t);
    }
}

static int on_held(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_http_req_set_data(req, payload);
    int rc = cl_http_reply(req, 200, "text/plain", "held", 4, err);
    return rc ? rc : cl_http_hold(req, start_holder, NULL);
}

/* The owner of a parked request: waits for the gate, replies from its own thread (unless the
 * request asked it not to) and releases. */
static void *answer_later(void *arg)
{
    cl_http_req_t *req = arg;
    fixture_t *f = cl_http_req_data(req);
    pthread_mutex_lock(&f->lock);
    f->waiting++;
    pthread_cond_broadcast(&f->cond);
    while (!f->open) {
        pthread_cond_wait(&f->cond, &f->lock);
    }
    f->finished++;
    pthread_mutex_unlock(&f->lock);
    cl_err_t err;
    if (!cl_http_req_query(req, "forget") &&
        cl_http_reply(req, 200, "text/plain", "parked", 6, &err) != 0) {
        /* the release answers 500 */
    }
    cl_http_release(req);
    return NULL;
}

static void start_parked(cl_http_req_t *req, void *payload)
{
    (void)payload;
    pthread_t t;
    if (pthread_create(&t, NULL, answer_later, req) == 0) {
        pthread_detach(t);
    }
}

static int on_parked(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)err;
    cl_http_req_set_data(req, payload);
    return cl_http_park(req, start_parked, NULL);
}

/* Two shared bodies (as the cache lends them: read only until released), large enough that a reply
 * is still being sent while the worker thread serves the next connection; every reference taken is
 * counted and must be released once. */
#define SHARED_LEN (3u << 20)
static char *g_shared[2];
static int g_shared_taken, g_shared_released; /* atomic */

static void on_shared_release(void *cls)
{
    (void)cls;
    __atomic_add_fetch(&g_shared_released, 1, __ATOMIC_SEQ_CST);
}

static int on_shared(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    int which = cl_http_req_query(req, "b") ? 1 : 0;
    __atomic_add_fetch(&g_shared_taken, 1, __ATOMIC_SEQ_CST);
    if (cl_http_req_query(req, "cookie")) {
        cl_err_t ignored;
        if (cl_http_add_header(req, "Set-Cookie", "k=v", &ignored) != 0) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    return cl_http_reply_gzipped_shared(req, 200, "application/json", g_shared[which], SHARED_LEN,
                                        on_shared_release, &g_shared[which], err);
}

static int on_logged(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    (void)payload;
    cl_http_req_log_text(req, "user", "ana");
    cl_http_req_log(req, "n", json_integer(3));
    cl_http_req_log_text(req, "user", "bea"); /* replaces the first, in its place */
    return cl_http_reply(req, 200, "text/plain", "ok", 2, err);
}

static void start(fixture_t *f, int threads, int slow_queue)
{
    cl_err_t err;
    assert_int_equal(cl_metrics_new(&f->metrics, &err), 0);
    tmpdir_make(f->dir);
    tmpdir_write(f->dir, "web/index.html", "<html>catlens</html>");
    tmpdir_write(f->dir, "web/assets/app-1.js", "console.log(1)");
    tmpdir_write(f->dir, "secret.txt", "top secret");
    char web[300], link[320], target[300];
    snprintf(web, sizeof web, "%s/web", f->dir);
    snprintf(link, sizeof link, "%s/web/leak.txt", f->dir);
    snprintf(target, sizeof target, "%s/secret.txt", f->dir);
    assert_int_equal(symlink(target, link), 0);
    cl_http_options_t opt = {
        .service = "test",
        .host = "127.0.0.1",
        .threads = threads,
        .slow_threads = 4,
        .slow_queue = slow_queue,
        .max_body = 1024,
        .max_header = 4096,
        .static_dir = web,
        .metrics = f->metrics,
        .access_log = f->access_log,
    };
    assert_int_equal(cl_http_server_new(&f->srv, &opt, &err), 0);
    cl_http_route_t routes[] = {
        {"GET", "/hello", on_hello, NULL, 0},
        {"POST", "/echo", on_echo, NULL, 0},
        {"POST", "/echo-big", on_echo, NULL, 1 << 20},
        {"GET", "/big", on_big, NULL, 0},
        {"GET", "/fail", on_fail, NULL, 0},
        {"GET", "/slow", on_slow, f, 0},
        {"GET", "/held", on_held, f, 0},
        {"GET", "/parked", on_parked, f, 0},
        {"GET", "/shared", on_shared, NULL, 0},
        {"GET", "/logged", on_logged, NULL, 0},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        assert_int_equal(cl_http_route(f->srv, &routes[i], &err), 0);
    }
    assert_int_equal(cl_http_route(f->srv, &routes[0], &err), CL_ECONFIG);
    assert_int_equal(cl_http_server_start(f->srv, &err), 0);
    assert_true(cl_http_server_port(f->srv) > 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", cl_http_server_port(f->srv));
}

static void stop(fixture_t *f)
{
    cl_http_server_free(f->srv);
    cl_metrics_free(f->metrics);
    tmpdir_remove(f->dir);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f);
    return 0;
}

static http_resp_t get(fixture_t *f, const char *path, const char *const *headers)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    return http_get(url, headers);
}

static void test_server__routes_json_and_security_headers(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    const char *hdrs[] = {"Cookie: a=1; c=yum", "X-Request-Id: trace-0123456789", NULL};
    http_resp_t r = get(f, "/hello?name=ana%20b", hdrs);
    assert_int_equal(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "hello")), "ana b");
    assert_string_equal(json_string_value(json_object_get(doc, "cookie")), "yum");
    assert_string_equal(json_string_value(json_object_get(doc, "id")), "trace-0123456789");
    assert_string_equal(json_string_value(json_object_get(doc, "client")), "127.0.0.1");
    json_decref(doc);
    char v[512];
    assert_string_equal(http_header(&r, "Content-Type", v, sizeof v), "application/json");
    assert_string_equal(http_header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    assert_string_equal(http_header(&r, "Referrer-Policy", v, sizeof v), "no-referrer");
    assert_string_equal(http_header(&r, "Cache-Control", v, sizeof v), "no-store");
    assert_string_equal(http_header(&r, "X-Request-Id", v, sizeof v), "trace-0123456789");
    assert_non_null(
        strstr(http_header(&r, "Content-Security-Policy", v, sizeof v), "frame-ancestors 'none'"));
    http_resp_free(&r);

    const char *evil[] = {"X-Request-Id: bad id\x01", NULL};
    r = get(f, "/hello", evil);
    assert_int_equal(strlen(http_header(&r, "X-Request-Id", v, sizeof v)),
                     32); /* replaced by a random one */
    http_resp_free(&r);

    r = http_do("HEAD", "http://127.0.0.1:1/", NULL, NULL, 0, 0);
    http_resp_free(&r);
    char url[128];
    snprintf(url, sizeof url, "%s/hello", f->base);
    r = http_do("HEAD", url, NULL, NULL, 0, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    http_resp_free(&r);
    stop(f);
}

static void expect_error(http_resp_t *r, long status, const char *code, const char *msg_part)
{
    assert_int_equal(r->status, status);
    json_error_t jerr;
    json_t *doc = json_loads(r->body, 0, &jerr);
    if (!doc) {
        fail_msg("not JSON: %s", r->body);
    }
    json_t *e = json_object_get(doc, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    const char *m = json_string_value(json_object_get(e, "message"));
    if (!m || !strstr(m, msg_part)) {
        fail_msg("message '%s' lacks '%s'", m ? m : "(none)", msg_part);
    }
    json_decref(doc);
    http_resp_free(r);
}

static void test_server__errors_have_one_format_and_the_right_status(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    http_resp_t r = get(f, "/nope", NULL);
    expect_error(&r, 404, "not_found", "no such page");
    char url[128], v[128];
    snprintf(url, sizeof url, "%s/hello", f->base);
    r = http_do("DELETE", url, NULL, NULL, 0, 1);
    assert_string_equal(http_header(&r, "Allow", v, sizeof v), "GET");
    expect_error(&r, 405, "method_not_allowed", "not allowed");
    snprintf(url, sizeof url, "%s/nope", f->base);
    r = http_do("POST", url, NULL, "{}", 2, 1);
    expect_error(&r, 404, "not_found", "no such endpoint");
    r = get(f, "/fail", NULL);
    expect_error(&r, 403, "forbidden", "you may not see category 'x'");
    r = get(f, "/fail?internal=1", NULL);
    assert_null(strstr(r.body, "/secret/path"));
    expect_error(&r, 500, "io_error", "internal error (request ");
    r = get(f, "/hello?a=%zz", NULL);
    expect_error(&r, 400, "invalid_argument", "percent-escape");
    r = get(f, "/hello?a=1&a=2", NULL);
    expect_error(&r, 400, "invalid_argument", "more than once");
    r = get(f, "/hel%00lo", NULL);
    expect_error(&r, 400, "invalid_argument", "control character");
    stop(f);
}

static void test_server__json_bodies_and_size_limits(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    char url[128];
    snprintf(url, sizeof url, "%s/echo", f->base);
    const char *json[] = {"Content-Type: application/json", NULL};
    const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    const char *text[] = {"Content-Type: text/plain", NULL};
    http_resp_t r = http_do("POST", url, json, "{\"a\":[1,2]}", 11, 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"got\":{\"a\":[1,2]}}");
    http_resp_free(&r);
    r = http_do("POST", url, text, "{}", 2, 1);
    expect_error(&r, 400, "invalid_argument", "Content-Type must be application/json");
    r = http_do("POST", url, json, "{\"a\":", 5, 1);
    expect_error(&r, 400, "invalid_argument", "not valid JSON");
    char *big = malloc(5000);
    memset(big, ' ', 5000);
    big[0] = '{';
    big[4999] = '}';
    r = http_do("POST", url, json, big, 5000, 1);
    expect_error(&r, 413, "payload_too_large", "larger than 1024 bytes");
    r = http_do("POST", url, chunked, big, 5000, 1);
    expect_error(&r, 413, "payload_too_large", "larger than 1024 bytes");
    snprintf(url, sizeof url, "%s/echo-big", f->base); /* a route may raise its own limit */
    r = http_do("POST", url, chunked, big, 5000, 1);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    free(big);

    char huge[6000];
    memset(huge, 'h', sizeof huge);
    memcpy(huge, "X-Huge: ", 8);
    huge[sizeof huge - 1] = '\0';
    const char *hdrs[] = {huge, NULL};
    r = get(f, "/hello", hdrs);
    expect_error(&r, 431, "headers_too_large", "larger than 4096 bytes");
    huge[5000] = '\0'; /* beyond the connection's memory: libmicrohttpd refuses it itself */
    const char *hdrs2[] = {huge, "X-Huge-2: more", huge, NULL};
    r = get(f, "/hello", hdrs2);
    assert_true(r.status >= 400 || r.status == 0);
    http_resp_free(&r);
    r = get(f, "/hello", NULL); /* and the server is fine */
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    stop(f);
}

static void test_server__gzip_for_clients_that_accept_it(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    char url[128], v[64];
    snprintf(url, sizeof url, "%s/big", f->base);
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    http_resp_t r = http_do("GET", url, gz, NULL, 0, 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(http_header(&r, "Content-Encoding", v, sizeof v), "gzip");
    assert_string_equal(http_header(&r, "Vary", v, sizeof v), "Accept-Encoding");
    assert_true(r.len < 2000);
    char *plain = NULL;
    size_t n = 0;
    assert_int_equal(cl_gzip_decompress(&plain, &n, r.body, r.len, 1 << 20, NULL), 0);
    assert_int_equal(n, 20000);
    free(plain);
    http_resp_free(&r);
    r = http_do("GET", url, NULL, NULL, 0, 0);
    assert_string_equal(http_header(&r, "Content-Encoding", v, sizeof v), "");
    assert_int_equal(r.len, 20000);
    http_resp_free(&r);

    snprintf(url, sizeof url, "%s/big?stored=1", f->base); /* stored gzip: as is, or unpacked */
    r = http_do("GET", url, gz, NULL, 0, 0);
    assert_string_equal(http_header(&r, "Content-Encoding", v, sizeof v), "gzip");
    assert_true(r.len < 2000);
    http_resp_free(&r);
    const char *no[] = {"Accept-Encoding: gzip;q=0, identity", NULL};
    r = http_do("GET", url, no, NULL, 0, 0);
    assert_string_equal(http_header(&r, "Content-Encoding", v, sizeof v), "");
    assert_int_equal(r.len, 20000);
    assert_int_equal(r.body[19999], 'a' + 19999 % 3);
    http_resp_free(&r);
    stop(f);
}

static void test_server__static_files_stay_inside_the_root(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    char v[128];
    http_resp_t r = get(f, "/", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<html>catlens</html>");
    assert_string_equal(http_header(&r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    assert_string_equal(http_header(&r, "Cache-Control", v, sizeof v), "no-cache");
    http_resp_free(&r);
    r = get(f, "/assets/app-1.js", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(http_header(&r, "Cache-Control", v, sizeof v),
                        "public, max-age=31536000, immutable");
    http_resp_free(&r);
    const char *html[] = {"Accept: text/html,application/xhtml+xml", NULL};
    r = get(f, "/wbr/electronics", html); /* a client-side route */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<html>catlens</html>");
    http_resp_free(&r);
    const char *attacks[] = {"/../secret.txt",
                             "/%2e%2e/secret.txt",
                             "/assets/../../secret.txt",
                             "/leak.txt",
                             "/%2e%2e%2fsecret.txt",
                             "//secret.txt",
                             "/assets/..%5c..%5csecret.txt",
                             "/.%2e/secret.txt"};
    for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) {
        r = get(f, attacks[i], html);
        if (r.status != 404 || strstr(r.body, "top secret")) {
            fail_msg("%s gave %ld: %s", attacks[i], r.status, r.body);
        }
        http_resp_free(&r);
    }
    stop(f);
}

struct client_arg {
    fixture_t *f;
    http_resp_t resp;
};

static void *slow_client(void *arg)
{
    struct client_arg *a = arg;
    a->resp = get(a->f, "/slow", NULL);
    return NULL;
}

static void wait_for_waiting(fixture_t *f, int n)
{
    pthread_mutex_lock(&f->lock);
    while (f->waiting < n) {
        pthread_cond_wait(&f->cond, &f->lock);
    }
    pthread_mutex_unlock(&f->lock);
}

static void open_gate(fixture_t *f)
{
    pthread_mutex_lock(&f->lock);
    f->open = 1;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

/* With one worker thread, requests are still answered while three deferred ones wait: they do not
 * hold it. */
static void test_server__deferred_work_does_not_hold_a_worker(void **state)
{
    fixture_t *f = *state;
    start(f, 1, 0);
    struct client_arg a[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        a[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, slow_client, &a[i]), 0);
    }
    wait_for_waiting(f, 3);
    for (int i = 0; i < 5; i++) {
        http_resp_t r = get(f, "/hello", NULL);
        assert_int_equal(r.status, 200);
        http_resp_free(&r);
    }
    assert_int_equal(f->finished, 0);
    for (int i = 0; i < 5000 && cl_http_server_in_flight(f->srv) > 3; i++) {
        usleep(1000); /* the last completion callback may run just after curl has the response */
    }
    assert_int_equal(cl_http_server_in_flight(f->srv), 3);
    open_gate(f);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].resp.status, 200);
        assert_int_equal(a[i].resp.len, 50000);
        http_resp_free(&a[i].resp);
    }
    stop(f);
}

static void test_server__a_full_slow_queue_answers_503(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 1);
    /* 4 slow threads take 4 jobs, the queue holds 1 more; the 6th is refused */
    struct client_arg a[5];
    pthread_t t[5];
    for (int i = 0; i < 5; i++) {
        a[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, slow_client, &a[i]), 0);
        if (i < 4) {
            wait_for_waiting(f, i + 1);
        }
    }
    while (cl_http_server_in_flight(f->srv) < 5) {
        usleep(1000);
    }
    http_resp_t r = get(f, "/slow", NULL);
    char v[16];
    assert_string_equal(http_header(&r, "Retry-After", v, sizeof v), "2");
    expect_error(&r, 503, "unavailable", "busy");
    open_gate(f);
    for (int i = 0; i < 5; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].resp.status, 200);
        http_resp_free(&a[i].resp);
    }
    stop(f);
}

struct shutdown_arg {
    fixture_t *f;
};

static void *do_shutdown(void *arg)
{
    fixture_t *f = arg;
    cl_http_server_shutdown(f->srv, 10000);
    return NULL;
}

/* Shutdown with requests in flight: they all finish with whole bodies, and no new connection is
 * taken. */
static void test_server__shutdown_lets_requests_in_flight_finish(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    struct client_arg a[3];
    pthread_t t[3], s;
    for (int i = 0; i < 3; i++) {
        a[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, slow_client, &a[i]), 0);
    }
    wait_for_waiting(f, 3);
    assert_int_equal(pthread_create(&s, NULL, do_shutdown, f), 0);
    usleep(100 * 1000); /* let shutdown stop accepting (ordering only; nothing timed is asserted) */
    http_resp_t late = get(f, "/hello", NULL);
    assert_true(late.status == 0); /* refused or reset: never served after shutdown began */
    http_resp_free(&late);
    open_gate(f);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].resp.status, 200);
        assert_int_equal(a[i].resp.len, 50000);
        http_resp_free(&a[i].resp);
    }
    pthread_join(s, NULL);
    assert_int_equal(f->finished, 3);
    stop(f);
}

static void test_server__metrics_count_requests_by_route_and_status(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    for (int i = 0; i < 3; i++) {
        http_resp_t r = get(f, "/hello", NULL);
        http_resp_free(&r);
    }
    http_resp_t r = get(f, "/missing-page-with-a-unique-name", NULL);
    http_resp_free(&r);
    char *text = NULL;
    size_t n = 0;
    cl_err_t err;
    /* the completion callback runs after the response is sent: wait for it */
    while (cl_http_server_in_flight(f->srv) > 0) {
        usleep(1000);
    }
    assert_int_equal(cl_metrics_render(&text, &n, f->metrics, &err), 0);
    assert_non_null(
        strstr(text, "http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 3\n"));
    assert_non_null(
        strstr(text, "http_requests_total{route=\"static\",method=\"GET\",status=\"404\"} 1\n"));
    assert_non_null(strstr(text, "http_request_duration_seconds_count{route=\"/hello\"} 3\n"));
    assert_null(strstr(text, "unique-name")); /* raw paths never become labels */
    free(text);
    stop(f);
}

static void *held_client(void *arg)
{
    struct client_arg *a = arg;
    a->resp = get(a->f, "/held", NULL);
    return NULL;
}

/* A held reply leaves only when released, the worker serves others meanwhile, and shutdown waits
 * for it. */
static void test_server__held_replies_wait_for_their_release(void **state)
{
    fixture_t *f = *state;
    start(f, 1, 0);
    struct client_arg a[2];
    pthread_t t[2], s;
    for (int i = 0; i < 2; i++) {
        a[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, held_client, &a[i]), 0);
    }
    wait_for_waiting(f, 2);
    http_resp_t r = get(f, "/hello", NULL);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    assert_int_equal(f->finished, 0);
    assert_int_equal(pthread_create(&s, NULL, do_shutdown, f), 0);
    usleep(50 * 1000);
    open_gate(f);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].resp.status, 200);
        assert_string_equal(a[i].resp.body, "held");
        http_resp_free(&a[i].resp);
    }
    pthread_join(s, NULL);
    assert_int_equal(f->finished, 2);
    stop(f);
}

static void *parked_client(void *arg)
{
    struct client_arg *a = arg;
    a->resp = get(a->f, "/parked", NULL);
    return NULL;
}

/* A parked request is answered by its owner from another thread; the worker serves others
 * meanwhile; released without a reply it is a 500. */
static void test_server__parked_requests_are_answered_by_their_owner(void **state)
{
    fixture_t *f = *state;
    start(f, 1, 0);
    struct client_arg a[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        a[i].f = f;
        assert_int_equal(pthread_create(&t[i], NULL, parked_client, &a[i]), 0);
    }
    wait_for_waiting(f, 3);
    http_resp_t r = get(f, "/hello", NULL);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    assert_int_equal(f->finished, 0);
    open_gate(f);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].resp.status, 200);
        assert_string_equal(a[i].resp.body, "parked");
        http_resp_free(&a[i].resp);
    }
    r = get(f, "/parked?forget=1", NULL);
    expect_error(&r, 500, "internal", "internal error");
    stop(f);
}

/* One worker thread reuses the request context (and arena) of the request before: nothing of one
 * request — its query, cookies, request id, body, reply headers, error — shows in the next. */
static void test_server__a_request_sees_nothing_of_the_one_before(void **state)
{
    fixture_t *f = *state;
    start(f, 1, 0);
    char v[512], url[128];
    for (int round = 0; round < 3; round++) {
        const char *hdrs[] = {"Cookie: a=1; c=yum", "X-Request-Id: trace-0123456789", NULL};
        http_resp_t r = get(f, "/hello?name=ana", hdrs);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body, "\"cookie\":\"yum\""));
        http_resp_free(&r);
        snprintf(url, sizeof url, "%s/echo", f->base);
        const char *json[] = {"Content-Type: application/json", NULL};
        r = http_do("POST", url, json, "{\"x\":[1,2,3]}", 13, 1);
        assert_int_equal(r.status, 200);
        http_resp_free(&r);
        r = get(f, "/fail", NULL);
        assert_int_equal(r.status, 403);
        http_resp_free(&r);
        r = get(f, "/big?stored=1", NULL);
        assert_int_equal(r.status, 200);
        http_resp_free(&r);

        r = get(f, "/hello", NULL);
        assert_int_equal(r.status, 200);
        json_t *doc = json_loads(r.body, 0, NULL);
        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "hello")), "world");
        assert_null(json_string_value(json_object_get(doc, "cookie"))); /* null: none sent */
        const char *id = json_string_value(json_object_get(doc, "id"));
        assert_int_equal(strlen(id), 32); /* a fresh one, not the trace id before */
        assert_string_equal(http_header(&r, "X-Request-Id", v, sizeof v), id);
        assert_string_equal(http_header(&r, "Content-Type", v, sizeof v), "application/json");
        assert_string_equal(http_header(&r, "Content-Encoding", v, sizeof v), "");
        json_decref(doc);
        http_resp_free(&r);
    }
    stop(f);
}

/* A socket connected to the fixture's server. */
static int connect_to(const fixture_t *f)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)cl_http_server_port(f->srv))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (const struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, 0);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

/* One response from FD: its header block into HEAD (CAP bytes, NUL-terminated) and its body
 * (Content-Length bytes) into *BODY (malloc'ed). */
static void read_reply(int fd, char *head, size_t cap, char **body, size_t *len)
{
    size_t at = 0;
    char *end = NULL;
    while (!end) {
        assert_true(at + 1 < cap);
        ssize_t r = recv(fd, head + at, 1, 0); /* a byte at a time: nothing of the body is taken */
        assert_int_equal(r, 1);
        at++;
        head[at] = '\0';
        end = at >= 4 && memcmp(head + at - 4, "\r\n\r\n", 4) == 0 ? head + at : NULL;
    }
    const char *cl = strstr(head, "\r\nContent-Length: ");
    assert_non_null(cl);
    *len = strtoul(cl + 18, NULL, 10);
    *body = malloc(*len + 1);
    for (size_t got = 0; got < *len;) {
        ssize_t r = recv(fd, *body + got, *len - got, 0);
        assert_true(r > 0);
        got += (size_t)r;
    }
}

static int has_line(const char *head, const char *line)
{
    char want[256];
    snprintf(want, sizeof want, "\r\n%s\r\n", line);
    return strstr(head, want) != NULL;
}

/* A worker thread sends the response it kept for a shared body again, with only the request id
 * changed: requests on several connections at once (the worker serves them all in one turn while
 * the earlier replies are still being sent), two bodies in turn, one reply with a header of its own
 * — each reply carries its own request id, every standard header and its whole body, and every
 * reference to a body is released once the server stops. */
static void test_server__a_shared_body_reply_keeps_its_own_request_id(void **state)
{
    fixture_t *f = *state;
    for (int b = 0; b < 2; b++) {
        g_shared[b] = malloc(SHARED_LEN);
        for (size_t i = 0; i < SHARED_LEN; i++) {
            g_shared[b][i] = (char)('a' + (i * 7 + (size_t)b) % 26);
        }
    }
    g_shared_taken = g_shared_released = 0;
    start(f, 1, 0);
    enum { CONNS = 6, ROUNDS = 4 };
    int fds[CONNS];
    for (int c = 0; c < CONNS; c++) {
        fds[c] = connect_to(f);
    }
    char req[512], head[8192], want[128];
    for (int round = 0; round < ROUNDS; round++) {
        for (int c = 0; c < CONNS; c++) { /* all sent before any reply is read */
            snprintf(req, sizeof req,
                     "GET /shared%s HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n"
                     "X-Request-Id: conn-%d-round-%d\r\n\r\n",
                     (c + round) % 3 == 2 ? "?b=1" : (c == 1 && round == 2 ? "?cookie=1" : ""), c,
                     round);
            send_all(fds[c], req);
        }
        for (int c = 0; c < CONNS; c++) {
            char *body = NULL;
            size_t len = 0;
            read_reply(fds[c], head, sizeof head, &body, &len);
            assert_non_null(strstr(head, "HTTP/1.1 200"));
            snprintf(want, sizeof want, "X-Request-Id: conn-%d-round-%d", c, round);
            assert_true(has_line(head, want));
            assert_null(strstr(strstr(head, want) + strlen(want), "X-Request-Id")); /* once */
            assert_true(has_line(head, "Content-Type: application/json"));
            assert_true(has_line(head, "Content-Encoding: gzip"));
            assert_true(has_line(head, "Vary: Accept-Encoding"));
            assert_true(has_line(head, "Cache-Control: no-store"));
            assert_true(has_line(head, "X-Content-Type-Options: nosniff"));
            assert_true(has_line(head, "Referrer-Policy: no-referrer"));
            assert_true(has_line(head, "X-Frame-Options: DENY"));
            assert_true(has_line(head, "Cross-Origin-Opener-Policy: same-origin"));
            assert_non_null(strstr(head, "\r\nContent-Security-Policy: default-src 'self'"));
            assert_int_equal(has_line(head, "Set-Cookie: k=v"), c == 1 && round == 2);
            assert_int_equal(len, SHARED_LEN);
            assert_memory_equal(body, g_shared[(c + round) % 3 == 2 ? 1 : 0], SHARED_LEN);
            free(body);
        }
    }
    for (int c = 0; c < CONNS; c++) {
        close(fds[c]);
    }
    stop(f);
    assert_int_equal(g_shared_taken, CONNS * ROUNDS);
    assert_int_equal(g_shared_released, g_shared_taken);
    free(g_shared[0]);
    free(g_shared[1]);
}

/* A request of exactly LINES header lines whose request line and headers take HEADER_SIZE bytes
 * (the size libmicrohttpd measures, blank line included), read from a new connection: the reply's
 * status line and header block into HEAD, its body into *BODY. */
static void sized_request(const fixture_t *f, size_t header_size, int lines, char *head, size_t cap,
                          char **body)
{
    char *req = malloc(header_size + 1);
    size_t at = (size_t)snprintf(req, header_size + 1, "GET /hello HTTP/1.1\r\nHost: t\r\n");
    for (int i = 1; i < lines; i++) {
        size_t left = header_size - at - 2; /* the blank line at the end */
        size_t n = i + 1 < lines ? left / (size_t)(lines - i) : left;
        assert_true(n >= 16);
        at += (size_t)snprintf(req + at, header_size + 1 - at, "X-Fill-%03d: ", i);
        size_t fill = n - 12 - 2;
        memset(req + at, 'f', fill);
        at += fill;
        memcpy(req + at, "\r\n", 2);
        at += 2;
    }
    memcpy(req + at, "\r\n", 2);
    at += 2;
    req[at] = '\0';
    assert_int_equal(at, header_size);
    int fd = connect_to(f);
    send_all(fd, req);
    size_t len = 0;
    read_reply(fd, head, cap, body, &len);
    (*body)[len] = '\0';
    close(fd);
    free(req);
}

/* The header limit (4096 bytes here) at its boundary: a request line and headers of exactly the cap
 * are served, in a few lines or in 50; one byte more is our 431, with the error format. */
static void test_server__headers_up_to_the_limit_are_served(void **state)
{
    fixture_t *f = *state;
    start(f, 2, 0);
    char head[8192];
    char *body = NULL;
    const int LINES[] = {3, 20, 50};
    for (size_t i = 0; i < sizeof LINES / sizeof *LINES; i++) {
        sized_request(f, 4096, LINES[i], head, sizeof head, &body);
        assert_non_null(strstr(head, "HTTP/1.1 200"));
        assert_non_null(strstr(body, "\"hello\":\"world\""));
        free(body);
        sized_request(f, 4097, LINES[i], head, sizeof head, &body);
        assert_non_null(strstr(head, "HTTP/1.1 431"));
        assert_non_null(strstr(body, "\"code\":\"headers_too_large\""));
        assert_non_null(strstr(body, "larger than 4096 bytes"));
        free(body);
    }
    stop(f);
}

/* A handler's access-log fields lead the request's line, in the order they were added (a key added
 * again keeps its place); below the log's level the line is not written and its fields are freed.
 */
static void test_server__access_log_fields_in_their_order(void **state)
{
    fixture_t *f = *state;
    f->access_log = 1;
    FILE *sink = tmpfile();
    cl_log_set_sink(sink);
    cl_log_set_level(CL_LOG_INFO);
    start(f, 1, 0);
    http_resp_t r = get(f, "/logged", NULL);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    for (int i = 0; i < 2000 && cl_http_server_in_flight(f->srv) > 0; i++) {
        usleep(1000); /* its line is written when libmicrohttpd completes it, after the reply */
    }
    cl_log_set_level(CL_LOG_WARN);
    r = get(f, "/logged", NULL);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
    stop(f);
    cl_log_set_sink(NULL);
    char line[4096];
    int access = 0;
    rewind(sink);
    while (fgets(line, sizeof line, sink)) {
        if (strstr(line, "\"event\":\"access\"")) {
            access++;
            assert_non_null(strstr(line, "\"event\":\"access\",\"user\":\"bea\",\"n\":3,"
                                         "\"request_id\":"));
            assert_non_null(strstr(line, "\"route\":\"/logged\",\"status\":200,"));
        }
    }
    assert_int_equal(access, 1);
    fclose(sink);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_server__a_request_sees_nothing_of_the_one_before,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__routes_json_and_security_headers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__errors_have_one_format_and_the_right_status,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__json_bodies_and_size_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__gzip_for_clients_that_accept_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__static_files_stay_inside_the_root, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__deferred_work_does_not_hold_a_worker, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__a_full_slow_queue_answers_503, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__shutdown_lets_requests_in_flight_finish, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__metrics_count_requests_by_route_and_status,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__held_replies_wait_for_their_release, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__parked_requests_are_answered_by_their_owner,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__a_shared_body_reply_keeps_its_own_request_id,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_server__headers_up_to_the_limit_are_served, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server__access_log_fields_in_their_order, setup,
                                        teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
