/* test_providers.c — the three wire formats: requests as each provider expects them, replies read
 * back with usage normalised, and usage priced against hand-computed costs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ai/providers/provider.h"
#include "ai_fixture.h"

static cl_model_t model_of(cl_provider_kind_t kind, const char *endpoint)
{
    cl_model_t m;
    memset(&m, 0, sizeof m);
    m.name = "m";
    m.model = "the-model";
    m.provider = kind;
    m.endpoint = (char *)endpoint;
    m.auth = "bearer";
    m.priced = 1;
    return m;
}

static json_t *conversation(void)
{
    return json_parse_or_die("[{\"role\":\"user\",\"text\":\"U1\"},"
                             "{\"role\":\"assistant\",\"text\":null,\"tool_calls\":[{\"id\":\"c1\","
                             "\"name\":\"drill\",\"args\":"
                             "{\"dimension\":\"device_type\"}}]},"
                             "{\"role\":\"tool\",\"results\":[{\"id\":\"c1\",\"name\":\"drill\","
                             "\"content\":\"rows\"}]}]");
}

static json_t *tools(void)
{
    return json_parse_or_die(
        "[{\"name\":\"drill\",\"description\":\"D\",\"parameters\":{\"type\":\"object\"}}]");
}

static json_t *built_body(const cl_provider_t *p, const cl_model_t *m, const char *key,
                          cl_wire_request_t *req)
{
    json_t *msgs = conversation(), *t = tools();
    cl_llm_call_t call = {m, "SYS", msgs, t, 500, 0.0, NULL};
    assert_int_equal(p->build(req, &call, key, NULL), 0);
    json_decref(msgs);
    json_decref(t);
    return json_parse_or_die(req->body);
}

static int has_header(const cl_wire_request_t *r, const char *h)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcmp(r->headers[i], h) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_providers__openai_request(void **state)
{
    (void)state;
    cl_model_t m = model_of(CL_PROVIDER_OPENAI, "http://h/v1/chat/completions");
    cl_wire_request_t req;
    json_t *b = built_body(&cl_provider_openai, &m, "sk-1", &req);
    assert_string_equal(req.url, "http://h/v1/chat/completions");
    assert_true(has_header(&req, "Authorization: Bearer sk-1"));
    json_t *msgs = json_object_get(b, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "content")),
                        "SYS");
    json_t *call = json_array_get(json_object_get(json_array_get(msgs, 2), "tool_calls"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(call, "function"), "arguments")),
        "{\"dimension\":\"device_type\"}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3), "tool_call_id")),
                        "c1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 3), "role")),
                        "tool");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(b, "tools"), 0), "function"), "name")),
        "drill");
    assert_int_equal(json_integer_value(json_object_get(b, "max_tokens")), 500);
    json_decref(b);
    cl_wire_request_dispose(&req);
    m.auth = "api-key"; /* Azure */
    b = built_body(&cl_provider_openai, &m, "az", &req);
    assert_true(has_header(&req, "api-key: az"));
    json_decref(b);
    cl_wire_request_dispose(&req);
}

static void test_providers__gemini_request(void **state)
{
    (void)state;
    cl_model_t m = model_of(CL_PROVIDER_GEMINI, "http://h/v1beta/models/{model}:generateContent");
    cl_wire_request_t req;
    json_t *b = built_body(&cl_provider_gemini, &m, "g-1", &req);
    assert_string_equal(req.url, "http://h/v1beta/models/the-model:generateContent");
    assert_true(has_header(&req, "x-goog-api-key: g-1"));
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(b, "systemInstruction"), "parts"), 0),
            "text")),
        "SYS");
    json_t *contents = json_object_get(b, "contents");
    assert_string_equal(json_string_value(json_object_get(json_array_get(contents, 1), "role")),
                        "model");
    json_t *fr =
        json_object_get(json_array_get(json_object_get(json_array_get(contents, 2), "parts"), 0),
                        "functionResponse");
    assert_string_equal(json_string_value(json_object_get(fr, "name")), "drill");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "generationConfig"),
                                                        "maxOutputTokens")),
                     500);
    assert_non_null(
        json_object_get(json_array_get(json_object_get(b, "tools"), 0), "functionDeclarations"));
    json_decref(b);
    cl_wire_request_dispose(&req);
}

static void test_providers__anthropic_request(void **state)
{
    (void)state;
    cl_model_t m = model_of(CL_PROVIDER_ANTHROPIC, "http://h/v1/messages");
    cl_wire_request_t req;
    json_t *b = built_body(&cl_provider_anthropic, &m, "a-1", &req);
    assert_true(has_header(&req, "x-api-key: a-1"));
    assert_true(has_header(&req, "anthropic-version: 2023-06-01"));
    assert_string_equal(json_string_value(json_object_get(b, "system")), "SYS");
    json_t *msgs = json_object_get(b, "messages");
    json_t *use = json_array_get(json_object_get(json_array_get(msgs, 1), "content"), 0);
    assert_string_equal(json_string_value(json_object_get(use, "type")), "tool_use");
    json_t *res = json_array_get(json_object_get(json_array_get(msgs, 2), "content"), 0);
    assert_string_equal(json_string_value(json_object_get(res, "type")), "tool_result");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 2), "role")),
                        "user");
    assert_non_null(
        json_object_get(json_array_get(json_object_get(b, "tools"), 0), "input_schema"));
    json_decref(b);
    cl_wire_request_dispose(&req);
}

static void parse_ok(const cl_provider_t *p, const char *body, cl_llm_reply_t *out)
{
    cl_err_t err;
    cl_err_clear(&err);
    int rc = p->parse(out, body, strlen(body), &err);
    if (rc != 0) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, 0);
}

/* Hand-computed: uncached 200 x 0.15 + cached 1000 x 0.075 + visible 250 x 0.60 + reasoning 100 x
 * 0.80 $/M = 30 + 75 + 150 + 80 = 335 micro-dollars. */
static void test_providers__openai_usage_to_cost(void **state)
{
    (void)state;
    cl_llm_reply_t r;
    parse_ok(&cl_provider_openai,
             "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{"
             "\"role\":"
             "\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}],\"usage\":{"
             "\"prompt_tokens\":1200,"
             "\"completion_tokens\":350,\"total_tokens\":1550,\"prompt_tokens_details\":{\"cached_"
             "tokens\":1000},"
             "\"completion_tokens_details\":{\"reasoning_tokens\":100}}}",
             &r);
    assert_string_equal(r.text, "hello");
    assert_string_equal(r.finish, "stop");
    assert_int_equal(r.usage.prompt_tokens, 1200);
    assert_int_equal(r.usage.cached_tokens, 1000);
    assert_int_equal(r.usage.reasoning_tokens, 100);
    cl_price_t price = {150000, 75000, 600000, 800000, 150000};
    assert_int_equal(cl_price_cost(&price, &r.usage), 335);
    cl_llm_reply_dispose(&r);
}

/* Hand-computed: uncached 500 x 0.10 + cached 1500 x 0.025 + visible 300 x 0.40 + thoughts 200 x
 * 0.50 $/M = 50 + 37.5 + 120 + 100 = 307.5, rounded up to 308 micro-dollars. */
static void test_providers__gemini_usage_to_cost(void **state)
{
    (void)state;
    cl_llm_reply_t r;
    parse_ok(
        &cl_provider_gemini,
        "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"thinking\","
        "\"thought\":true},"
        "{\"text\":\"hel\"},{\"text\":\"lo\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{"
        "\"promptTokenCount\":2000,\"cachedContentTokenCount\":1500,\"candidatesTokenCount\":300,"
        "\"thoughtsTokenCount\":200,\"totalTokenCount\":2500}}",
        &r);
    assert_string_equal(r.text, "hello");
    assert_int_equal(r.usage.completion_tokens, 500);
    cl_price_t price = {100000, 25000, 400000, 500000, 100000};
    assert_int_equal(cl_price_cost(&price, &r.usage), 308);
    cl_llm_reply_dispose(&r);
}

/* Hand-computed: input 400 x 0.80 + cache reads 3000 x 0.08 + cache writes 600 x 1.00 + output 500
 * x 4.00 $/M = 320 + 240 + 600 + 2000 = 3160 micro-dollars. */
static void test_providers__anthropic_usage_to_cost(void **state)
{
    (void)state;
    cl_llm_reply_t r;
    parse_ok(&cl_provider_anthropic,
             "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":"
             "\"text\","
             "\"text\":\"hello\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":400,"
             "\"cache_read_input_tokens\":3000,\"cache_creation_input_tokens\":600,\"output_"
             "tokens\":500}}",
             &r);
    assert_string_equal(r.text, "hello");
    assert_int_equal(r.usage.prompt_tokens, 4000);
    cl_price_t price = {800000, 80000, 4000000, 4000000, 1000000};
    assert_int_equal(cl_price_cost(&price, &r.usage), 3160);
    cl_llm_reply_dispose(&r);
}

static void test_providers__tool_calls_are_read(void **state)
{
    (void)state;
    cl_llm_reply_t r;
    parse_ok(&cl_provider_openai,
             "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":"
             "\"function\","
             "\"function\":{\"name\":\"drill\",\"arguments\":\"{\\\"dimension\\\":\\\"device_"
             "type\\\"}\"}}]},"
             "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":10,\"completion_"
             "tokens\":5}}",
             &r);
    assert_string_equal(r.finish, "tool_calls");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(r.tool_calls, 0), "args"), "dimension")),
                        "device_type");
    cl_llm_reply_dispose(&r);
    parse_ok(&cl_provider_gemini,
             "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"drill\","
             "\"args\":{\"a\":1}}}]},"
             "\"finishReason\":\"STOP\"}]}",
             &r);
    assert_string_equal(r.finish, "tool_calls");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.tool_calls, 0), "id")),
                        "call_0");
    cl_llm_reply_dispose(&r);
    parse_ok(&cl_provider_anthropic,
             "{\"content\":[{\"type\":\"tool_use\",\"id\":\"tu1\",\"name\":\"drill\",\"input\":{"
             "\"a\":1}}],"
             "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}",
             &r);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.tool_calls, 0), "name")),
                        "drill");
    cl_llm_reply_dispose(&r);
}

static void test_providers__malformed_replies_are_data_errors(void **state)
{
    (void)state;
    const cl_provider_t *ps[] = {&cl_provider_openai, &cl_provider_gemini, &cl_provider_anthropic};
    const char *bad[] = {"",
                         "not json",
                         "{\"choices\":",
                         "[]",
                         "{}",
                         "{\"choices\":[{\"message\":{\"content\":5}}],"
                         "\"content\":7,\"candidates\":[{}]}"};
    for (size_t p = 0; p < 3; p++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cl_llm_reply_t r;
            cl_err_t err;
            cl_err_clear(&err);
            assert_int_equal(ps[p]->parse(&r, bad[i], strlen(bad[i]), &err), CL_EDATA);
            assert_non_null(strstr(err.msg, ps[p]->name));
        }
    }
}

static void test_providers__costs_round_up_and_never_overflow(void **state)
{
    (void)state;
    cl_price_t price = {1, 1, 1, 1, 1};
    cl_usage_t one = {1, 0, 0, 0, 0};
    assert_int_equal(cl_price_cost(&price, &one),
                     1); /* a millionth of a micro-unit still costs one */
    cl_usage_t none = {0, 0, 0, 0, 0};
    assert_int_equal(cl_price_cost(&price, &none), 0);
    cl_price_t dear = {1000000000000LL, 1000000000000LL, 1000000000000LL, 1000000000000LL,
                       1000000000000LL};
    cl_usage_t huge = {INT64_MAX / 2, 0, 0, INT64_MAX / 2, 0};
    assert_int_equal(cl_price_cost(&dear, &huge), INT64_MAX);
    /* inconsistent usage (cached above prompt) is clamped, never negative */
    cl_usage_t odd = {10, 50, 0, 5, 9};
    assert_true(cl_price_cost(&price, &odd) >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_providers__openai_request),
        cmocka_unit_test(test_providers__gemini_request),
        cmocka_unit_test(test_providers__anthropic_request),
        cmocka_unit_test(test_providers__openai_usage_to_cost),
        cmocka_unit_test(test_providers__gemini_usage_to_cost),
        cmocka_unit_test(test_providers__anthropic_usage_to_cost),
        cmocka_unit_test(test_providers__tool_calls_are_read),
        cmocka_unit_test(test_providers__malformed_replies_are_data_errors),
        cmocka_unit_test(test_providers__costs_round_up_and_never_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
