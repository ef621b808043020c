/* test_llm.c — the production client against the fake provider: every wire format end to end, the
 * retry loop (Retry-After honoured, only safe failures retried), timeouts and the circuit breaker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "ai/llm.h"
#include "ai/retry.h"
#include "fake_llm.h"

static fake_llm_t fake;
static cl_transport_t *transport;

/* A test clock: time moves only when the code under test sleeps; every wait is recorded. */
struct test_clock {
    uint64_t now;
    long waits[16];
    int nwaits;
};
static uint64_t t_now(void *p)
{
    return ((struct test_clock *)p)->now;
}
static void t_sleep(void *p, long ms)
{
    struct test_clock *c = p;
    if (c->nwaits < 16) {
        c->waits[c->nwaits++] = ms;
    }
    c->now += (uint64_t)ms;
}
static double t_random(void *p)
{
    (void)p;
    return 0.5;
}

static int setup(void **state)
{
    (void)state;
    if (fake_llm_start(&fake) != 0 || cl_transport_new(&transport, NULL) != 0) {
        return -1;
    }
    setenv("CATLENS_TEST_KEY", "test-key-1", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cl_transport_free(transport);
    fake_llm_stop(&fake);
    return 0;
}

static cl_model_t model(cl_provider_kind_t kind, char *endpoint_buf, size_t n, int timeout_ms)
{
    static const char *const paths[] = {"/v1/chat/completions",
                                        "/v1beta/models/{model}:generateContent", "/v1/messages"};
    snprintf(endpoint_buf, n, "%s%s", fake.base, paths[kind]);
    cl_model_t m;
    memset(&m, 0, sizeof m);
    m.name = kind == CL_PROVIDER_OPENAI   ? "fake-openai"
             : kind == CL_PROVIDER_GEMINI ? "fake-gemini"
                                          : "fake-anthropic";
    m.model = "fake-model";
    m.provider = kind;
    m.endpoint = endpoint_buf;
    m.api_key_env = "CATLENS_TEST_KEY";
    m.auth = "bearer";
    m.timeout_ms = timeout_ms;
    m.priced = 1;
    return m;
}

struct harness {
    cl_breaker_t *breaker;
    cl_retry_policy_t retry;
    struct test_clock clock;
    cl_llm_env_t env;
};

static void harness_init(struct harness *h, int max_attempts, int breaker_failures)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(cl_breaker_new(&h->breaker, breaker_failures, 1000, NULL), 0);
    h->retry = (cl_retry_policy_t){max_attempts, 100, 2000, 5000};
    h->clock.now = 1000000;
    h->env =
        (cl_llm_env_t){transport, h->breaker, &h->retry, {t_now, t_sleep, t_random, &h->clock}};
}

static int call(struct harness *h, const cl_model_t *m, cl_llm_reply_t *r, cl_llm_stats_t *st,
                cl_err_t *err)
{
    json_t *msgs = json_pack(
        "[{s:s,s:s}]", "role", "user", "text",
        "<<<DATA\nkpis|metric|current\nrevenue|1|1\nfindings|x\n   F1|driver|all|down|no|high|"
        "impact=-1\nDATA>>>");
    cl_llm_call_t c = {m, "SYS", msgs, NULL, 200, 0.0, NULL};
    int rc = cl_llm_call(r, &h->env, &c, st, err);
    json_decref(msgs);
    return rc;
}

static void test_llm__every_wire_format_round_trips(void **state)
{
    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        fake_llm_reset(&fake);
        fake_llm_script(
            &fake,
            "[{\"do\":\"clean\",\"usage\":{\"prompt\":1200,\"completion\":300,\"cached\":200,"
            "\"reasoning\":50}}]");
        char ep[256];
        cl_model_t m = model((cl_provider_kind_t)kind, ep, sizeof ep, 5000);
        struct harness h;
        harness_init(&h, 3, 5);
        cl_llm_reply_t r;
        cl_llm_stats_t st;
        cl_err_t err;
        cl_err_clear(&err);
        int rc = call(&h, &m, &r, &st, &err);
        if (rc != 0) {
            print_error("%s: %s\n", m.name, err.msg);
        }
        assert_int_equal(rc, 0);
        assert_non_null(strstr(r.text, "\"headline\""));
        assert_int_equal(r.usage.prompt_tokens, 1200);
        assert_int_equal(r.usage.completion_tokens, 300);
        assert_int_equal(r.usage.cached_tokens, 200);
        /* Anthropic does not report reasoning apart */
        assert_int_equal(r.usage.reasoning_tokens, kind == CL_PROVIDER_ANTHROPIC ? 0 : 50);
        assert_int_equal(st.attempts, 1);
        json_t *log = fake_llm_request(&fake, "/_log", NULL);
        const char *auth = json_string_value(json_object_get(json_array_get(log, 0), "auth"));
        assert_string_equal(auth, kind == 0   ? "bearer"
                                  : kind == 1 ? "x-goog-api-key"
                                              : "x-api-key");
        json_decref(log);
        cl_llm_reply_dispose(&r);
        cl_breaker_free(h.breaker);
    }
}

static void test_llm__retry_after_is_honoured(void **state)
{
    (void)state;
    fake_llm_reset(&fake);
    fake_llm_script(
        &fake,
        "[{\"do\":\"status\",\"code\":429,\"retry_after\":2},{\"do\":\"status\",\"code\":503},"
        "{\"do\":\"clean\"}]");
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_OPENAI, ep, sizeof ep, 5000);
    struct harness h;
    harness_init(&h, 3, 10);
    cl_llm_reply_t r;
    cl_llm_stats_t st;
    assert_int_equal(call(&h, &m, &r, &st, NULL), 0);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(h.clock.nwaits, 2);
    assert_int_equal(h.clock.waits[0], 2000); /* Retry-After: 2 beats the jittered 50 ms */
    assert_int_equal(h.clock.waits[1], 100);  /* second failure: half (jitter 0.5) of 2 x 100 ms */
    assert_int_equal(fake_llm_count(&fake), 3);
    cl_llm_reply_dispose(&r);
    cl_breaker_free(h.breaker);
}

static void test_llm__a_wait_beyond_the_policy_gives_up_at_once(void **state)
{
    (void)state;
    fake_llm_reset(&fake);
    fake_llm_script(&fake, "[{\"do\":\"status\",\"code\":429,\"retry_after\":3600}]");
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_GEMINI, ep, sizeof ep, 5000);
    struct harness h;
    harness_init(&h, 3, 10);
    cl_llm_reply_t r;
    cl_llm_stats_t st;
    assert_int_equal(call(&h, &m, &r, &st, NULL), CL_ERATELIMIT);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(h.clock.nwaits, 0);
    cl_breaker_free(h.breaker);
}

static void test_llm__only_safe_failures_are_retried(void **state)
{
    (void)state;
    struct {
        const char *script;
        int rc, attempts;
    } cases[] = {
        /* libcurl itself resends once when a reused connection turns out dead: count what the fake
           saw */
        {"[{\"do\":\"cut\"},{\"do\":\"status\",\"code\":500},{\"do\":\"clean\"}]", 0, -1},
        {"[{\"do\":\"status\",\"code\":500},{\"do\":\"status\",\"code\":502},{\"do\":\"status\","
         "\"code\":500}]",
         CL_EUNAVAILABLE, 3},
        {"[{\"do\":\"status\",\"code\":400}]", CL_EINVAL, 1},
        {"[{\"do\":\"status\",\"code\":401}]", CL_EINVAL, 1},
        {"[{\"do\":\"malformed\"}]", CL_EDATA, 1},
        {"[{\"do\":\"cut\"},{\"do\":\"cut\"},{\"do\":\"cut\"},{\"do\":\"cut\"},{\"do\":\"cut\"},"
         "{\"do\":\"cut\"}]",
         CL_EUNAVAILABLE, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_llm_reset(&fake);
        fake_llm_script(&fake, cases[i].script);
        char ep[256];
        cl_model_t m = model(CL_PROVIDER_ANTHROPIC, ep, sizeof ep, 5000);
        struct harness h;
        harness_init(&h, 3, 10);
        cl_llm_reply_t r;
        cl_llm_stats_t st;
        int rc = call(&h, &m, &r, &st, NULL);
        int attempts_ok =
            cases[i].attempts < 0 ? fake_llm_count(&fake) == 3 : st.attempts == cases[i].attempts;
        if (rc != cases[i].rc || !attempts_ok) {
            print_error("case %zu: rc %d attempts %d\n", i, rc, st.attempts);
            fail();
        }
        if (rc == 0) {
            cl_llm_reply_dispose(&r);
        }
        cl_breaker_free(h.breaker);
    }
}

static void test_llm__timeouts_are_enforced(void **state)
{
    (void)state;
    fake_llm_reset(&fake);
    fake_llm_script(&fake, "[{\"do\":\"slow\",\"ms\":3000}]");
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_OPENAI, ep, sizeof ep, 200);
    struct harness h;
    harness_init(&h, 1, 10);
    cl_llm_reply_t r;
    cl_llm_stats_t st;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(call(&h, &m, &r, &st, &err), CL_ETIMEOUT);
    assert_non_null(strstr(err.msg, "in time"));
    cl_breaker_free(h.breaker);
}

static void test_llm__circuit_breaker_opens_and_closes(void **state)
{
    (void)state;
    fake_llm_reset(&fake);
    fake_llm_script(&fake, "[{\"do\":\"status\",\"code\":500},{\"do\":\"status\",\"code\":500}]");
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_OPENAI, ep, sizeof ep, 5000);
    struct harness h;
    harness_init(&h, 1, 2); /* open after 2 failures, 1 s cooldown */
    cl_llm_reply_t r;
    cl_err_t err;
    assert_int_equal(call(&h, &m, &r, NULL, NULL), CL_EUNAVAILABLE);
    assert_int_equal(cl_breaker_state(h.breaker, m.name, h.clock.now), CL_BREAKER_CLOSED);
    assert_int_equal(call(&h, &m, &r, NULL, NULL), CL_EUNAVAILABLE);
    assert_int_equal(cl_breaker_state(h.breaker, m.name, h.clock.now), CL_BREAKER_OPEN);
    /* open: refused without reaching the provider */
    cl_err_clear(&err);
    assert_int_equal(call(&h, &m, &r, NULL, &err), CL_EUNAVAILABLE);
    assert_non_null(strstr(err.msg, "circuit open"));
    assert_int_equal(fake_llm_count(&fake), 2);
    /* after the cooldown one probe goes through; its success closes the circuit */
    h.clock.now += 1000;
    assert_int_equal(cl_breaker_state(h.breaker, m.name, h.clock.now), CL_BREAKER_HALF_OPEN);
    assert_int_equal(call(&h, &m, &r, NULL, NULL), 0);
    cl_llm_reply_dispose(&r);
    assert_int_equal(cl_breaker_state(h.breaker, m.name, h.clock.now), CL_BREAKER_CLOSED);
    assert_int_equal(fake_llm_count(&fake), 3);
    /* a failed probe opens it again */
    fake_llm_script(&fake, "[{\"do\":\"status\",\"code\":500},{\"do\":\"status\",\"code\":500},"
                           "{\"do\":\"status\",\"code\":500}]");
    assert_int_equal(call(&h, &m, &r, NULL, NULL), CL_EUNAVAILABLE);
    assert_int_equal(call(&h, &m, &r, NULL, NULL), CL_EUNAVAILABLE);
    h.clock.now += 1000;
    assert_int_equal(call(&h, &m, &r, NULL, NULL), CL_EUNAVAILABLE);
    assert_int_equal(cl_breaker_state(h.breaker, m.name, h.clock.now), CL_BREAKER_OPEN);
    cl_breaker_free(h.breaker);
}

static void test_llm__missing_key_is_a_config_error(void **state)
{
    (void)state;
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_OPENAI, ep, sizeof ep, 5000);
    m.api_key_env = "CATLENS_TEST_NO_SUCH_KEY";
    struct harness h;
    harness_init(&h, 3, 10);
    cl_llm_reply_t r;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(call(&h, &m, &r, NULL, &err), CL_ECONFIG);
    assert_non_null(strstr(err.msg, "CATLENS_TEST_NO_SUCH_KEY"));
    cl_breaker_free(h.breaker);
}

struct par {
    struct harness *h;
    const cl_model_t *m;
    int rc;
};

static void *par_call(void *p)
{
    struct par *x = p;
    cl_llm_reply_t r;
    x->rc = call(x->h, x->m, &r, NULL, NULL);
    if (x->rc == 0) {
        cl_llm_reply_dispose(&r);
    }
    return NULL;
}

static void test_llm__many_calls_in_flight_at_once(void **state)
{
    (void)state;
    fake_llm_reset(&fake);
    json_decref(fake_llm_request(&fake, "/_default", "{\"do\":\"slow\",\"ms\":300}"));
    char ep[256];
    cl_model_t m = model(CL_PROVIDER_OPENAI, ep, sizeof ep, 10000);
    struct harness h;
    harness_init(&h, 1, 100);
    enum { N = 40 };
    pthread_t th[N];
    struct par p[N];
    for (int i = 0; i < N; i++) {
        p[i] = (struct par){&h, &m, -1};
        pthread_create(&th[i], NULL, par_call, &p[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(p[i].rc, 0);
    }
    assert_int_equal(fake_llm_count(&fake), N);
    assert_int_equal(cl_transport_in_flight(transport), 0);
    fake_llm_reset(&fake);
    cl_breaker_free(h.breaker);
}

static void test_llm__retry_after_dates_and_delays(void **state)
{
    (void)state;
    assert_int_equal(cl_transport_retry_after_ms("7", 0), 7000);
    assert_int_equal(cl_transport_retry_after_ms("Thu, 01 Jan 1970 00:00:10 GMT", 4), 6000);
    assert_int_equal(cl_transport_retry_after_ms("soon", 0), -1);
    assert_int_equal(cl_transport_retry_after_ms("-3", 0), -1);
    cl_retry_policy_t p = {5, 100, 1000, 10000};
    assert_int_equal(cl_retry_delay_ms(&p, 1, -1, 0.999), 99);
    assert_int_equal(cl_retry_delay_ms(&p, 4, -1, 0.5), 400);
    assert_int_equal(cl_retry_delay_ms(&p, 9, -1, 0.5), 500); /* capped at max_ms */
    assert_int_equal(cl_retry_delay_ms(&p, 1, 20000, 0.5), -1);
    assert_int_equal(cl_retry_classify(0, 429), CL_RETRY_YES);
    assert_int_equal(cl_retry_classify(0, 404), CL_RETRY_NO);
    assert_int_equal(cl_retry_classify(CL_ETIMEOUT, 0), CL_RETRY_YES);
    assert_int_equal(cl_retry_classify(CL_ETOOBIG, 0), CL_RETRY_NO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm__every_wire_format_round_trips),
        cmocka_unit_test(test_llm__retry_after_is_honoured),
        cmocka_unit_test(test_llm__a_wait_beyond_the_policy_gives_up_at_once),
        cmocka_unit_test(test_llm__only_safe_failures_are_retried),
        cmocka_unit_test(test_llm__timeouts_are_enforced),
        cmocka_unit_test(test_llm__circuit_breaker_opens_and_closes),
        cmocka_unit_test(test_llm__missing_key_is_a_config_error),
        cmocka_unit_test(test_llm__many_calls_in_flight_at_once),
        cmocka_unit_test(test_llm__retry_after_dates_and_delays),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
