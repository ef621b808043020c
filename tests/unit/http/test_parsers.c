/* The HTTP layer's parsers: request targets and query strings, cookies, Accept-Encoding and gzip,
 * JSON bodies, static paths. Each refuses what is malformed and says so clearly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "http/body.h"
#include "http/cookie.h"
#include "http/gzip.h"
#include "http/query.h"
#include "http/static.h"

static void test_query__target_path_and_params_are_decoded(void **state)
{
    (void)state;
    cl_query_t q;
    cl_err_t err;
    assert_int_equal(
        cl_query_parse_target(&q, "/login-url?user=cat%20mgr&x=a+b&empty=&flag&&z=%C3%A9", &err),
        0);
    assert_string_equal(q.path, "/login-url");
    assert_string_equal(cl_query_get(&q, "user"), "cat mgr");
    assert_string_equal(cl_query_get(&q, "x"), "a b");
    assert_string_equal(cl_query_get(&q, "empty"), "");
    assert_string_equal(cl_query_get(&q, "flag"), "");
    assert_string_equal(cl_query_get(&q, "z"), "\xc3\xa9");
    assert_null(cl_query_get(&q, "nope"));
    assert_int_equal(q.n_params, 5);
    cl_query_dispose(&q);

    assert_int_equal(cl_query_parse_target(&q, "/a%2Fb/c+d", &err), 0);
    assert_string_equal(q.path, "/a/b/c+d"); /* '+' is literal in paths */
    assert_int_equal(q.n_params, 0);
    cl_query_dispose(&q);
}

static void test_query__malformed_targets_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "relative",       "",           "/a?x=%",  "/a?x=%4",  "/a?x=%zz",    "/a%00b", "/a?x=%00",
        "/a?x=%0a",       "/a?x=1&x=2", "/a#frag", "/a?x=%ff", "/a?x=%c0%af", /* overlong '/' */
        "/a?x=%ed%a0%80",                                                     /* surrogate */
        "/a\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cl_query_t q;
        cl_err_t err;
        int rc = cl_query_parse_target(&q, bad[i], &err);
        if (rc != CL_EINVAL) {
            fail_msg("'%s' gave %d", bad[i], rc);
        }
        assert_null(q.buf);
    }
    cl_query_t q;
    cl_err_t err;
    assert_int_equal(cl_query_parse_target(&q, "/a?x=1&x=2", &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "'x' is given more than once"));
}

static void test_query__too_many_params_and_append(void **state)
{
    (void)state;
    char qs[2048] = "";
    cl_err_t err;
    for (int i = 0; i < CL_QUERY_MAX_PARAMS + 1; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        assert_int_equal(cl_query_append(qs, sizeof qs, name, "v", &err), 0);
    }
    cl_query_t q;
    assert_int_equal(cl_query_parse(&q, qs, strlen(qs), &err), CL_ETOOBIG);

    char out[64] = "";
    assert_int_equal(cl_query_append(out, sizeof out, "redirect_uri", "http://h/cb?a=1", &err), 0);
    assert_int_equal(cl_query_append(out, sizeof out, "s", "a b", &err), 0);
    assert_string_equal(out, "redirect_uri=http%3A%2F%2Fh%2Fcb%3Fa%3D1&s=a%20b");
    assert_int_equal(cl_query_parse(&q, out, strlen(out), &err), 0);
    assert_string_equal(cl_query_get(&q, "redirect_uri"), "http://h/cb?a=1");
    assert_null(q.path);
    cl_query_dispose(&q);
    char tiny[8] = "";
    assert_int_equal(cl_query_append(tiny, sizeof tiny, "long", "value", &err), CL_ETOOBIG);
    assert_string_equal(tiny, "");
}

static void test_cookie__pairs_quotes_and_junk(void **state)
{
    (void)state;
    cl_cookie_jar_t jar = {0};
    cl_err_t err;
    assert_int_equal(cl_cookie_parse(&jar, "  a=1;b=\"two\" ; bad name=x; c=; d=x y; e=ok;", &err),
                     0);
    assert_int_equal(cl_cookie_parse(&jar, "f=second-header", &err), 0);
    assert_string_equal(cl_cookie_get(&jar, "a"), "1");
    assert_string_equal(cl_cookie_get(&jar, "b"), "two");
    assert_string_equal(cl_cookie_get(&jar, "c"), "");
    assert_null(cl_cookie_get(&jar, "bad name"));
    assert_null(cl_cookie_get(&jar, "d")); /* a space is not a cookie-octet */
    assert_string_equal(cl_cookie_get(&jar, "e"), "ok");
    assert_string_equal(cl_cookie_get(&jar, "f"), "second-header");
    cl_cookie_jar_dispose(&jar);
}

static void test_cookie__a_name_sent_twice_with_other_values_reads_as_absent(void **state)
{
    (void)state;
    cl_cookie_jar_t jar = {0};
    cl_err_t err;
    assert_int_equal(cl_cookie_parse(&jar, "sid=mine; sid=planted; same=1; same=1", &err), 0);
    assert_null(cl_cookie_get(&jar, "sid"));
    assert_string_equal(cl_cookie_get(&jar, "same"), "1");
    cl_cookie_jar_dispose(&jar);
}

static void test_cookie__set_cookie_has_the_attributes(void **state)
{
    (void)state;
    char out[256];
    cl_err_t err;
    cl_cookie_attrs_t a = {.max_age = 3600, .http_only = 1, .secure = 1};
    assert_int_equal(cl_cookie_format(out, sizeof out, "catlens_session", "abc", &a, &err), 0);
    assert_string_equal(
        out, "catlens_session=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
    cl_cookie_attrs_t del = {.max_age = -1, .same_site = CL_COOKIE_SAMESITE_STRICT};
    assert_int_equal(cl_cookie_format(out, sizeof out, "x", "", &del, &err), 0);
    assert_string_equal(out, "x=; Path=/; Max-Age=0; SameSite=Strict");
    assert_int_equal(cl_cookie_format(out, sizeof out, "x", "a;b", &a, &err), CL_EINVAL);
    assert_int_equal(cl_cookie_format(out, sizeof out, "x y", "a", &a, &err), CL_EINVAL);
    assert_int_equal(cl_cookie_format(out, 10, "name", "value", &a, &err), CL_ETOOBIG);
}

static void test_gzip__round_trip_limits_and_negotiation(void **state)
{
    (void)state;
    char text[5000];
    for (size_t i = 0; i < sizeof text; i++) {
        text[i] = (char)('a' + i % 7);
    }
    char *gz = NULL, *back = NULL;
    size_t gz_len = 0, back_len = 0;
    cl_err_t err;
    assert_int_equal(cl_gzip_compress(&gz, &gz_len, text, sizeof text, 0, &err), 0);
    assert_true(gz_len < sizeof text / 10);
    assert_int_equal((unsigned char)gz[0], 0x1f);
    assert_int_equal((unsigned char)gz[1], 0x8b);
    assert_int_equal(cl_gzip_decompress(&back, &back_len, gz, gz_len, 1 << 20, &err), 0);
    assert_int_equal(back_len, sizeof text);
    assert_memory_equal(back, text, sizeof text);
    free(back);
    assert_int_equal(cl_gzip_decompress(&back, &back_len, gz, gz_len, 100, &err), CL_ETOOBIG);
    assert_int_equal(cl_gzip_decompress(&back, &back_len, gz, gz_len / 2, 1 << 20, &err),
                     CL_EINVAL);
    assert_int_equal(cl_gzip_decompress(&back, &back_len, "not gzip at all", 15, 1 << 20, &err),
                     CL_EINVAL);
    assert_null(back);
    free(gz);

    assert_true(cl_gzip_accepted("gzip, deflate, br"));
    assert_true(cl_gzip_accepted("deflate;q=1, GZIP;q=0.5"));
    assert_true(cl_gzip_accepted("x-gzip"));
    assert_true(cl_gzip_accepted("*"));
    assert_false(cl_gzip_accepted(NULL));
    assert_false(cl_gzip_accepted(""));
    assert_false(cl_gzip_accepted("identity"));
    assert_false(cl_gzip_accepted("gzip;q=0"));
    assert_false(cl_gzip_accepted("*, gzip;q=0"));
    assert_false(cl_gzip_accepted("gzipx, br"));
}

static void test_body__strict_json_objects(void **state)
{
    (void)state;
    json_t *doc = NULL;
    cl_err_t err;
    const char ok[] = "{\"category\":\"toys\",\"rating\":4,\"async\":true}";
    assert_int_equal(cl_body_parse(&doc, ok, strlen(ok), &err), 0);
    static const char *const allowed[] = {"category", "rating", "async", NULL};
    assert_int_equal(cl_body_only(doc, allowed, &err), 0);
    const char *s = NULL;
    int64_t n = 0;
    int b = 0;
    assert_int_equal(cl_body_string(&s, doc, "category", 64, 1, &err), 0);
    assert_string_equal(s, "toys");
    assert_int_equal(cl_body_int(&n, doc, "rating", 1, 5, 1, 0, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(cl_body_bool(&b, doc, "async", 0, &err), 0);
    assert_true(b);
    assert_int_equal(cl_body_string(&s, doc, "comment", 64, 0, &err), 0);
    assert_null(s);
    assert_int_equal(cl_body_string(&s, doc, "comment", 64, 1, &err), CL_EINVAL);
    assert_string_equal(err.msg, "field 'comment' is required");
    assert_int_equal(cl_body_string(&s, doc, "rating", 64, 1, &err), CL_EINVAL);
    assert_string_equal(err.msg, "field 'rating' must be a string");
    assert_int_equal(cl_body_string(&s, doc, "category", 3, 1, &err), CL_EINVAL);
    assert_int_equal(cl_body_int(&n, doc, "rating", 5, 9, 1, 0, &err), CL_EINVAL);
    assert_string_equal(err.msg, "field 'rating' must be an integer between 5 and 9");
    static const char *const fewer[] = {"category", NULL};
    assert_int_equal(cl_body_only(doc, fewer, &err), CL_EINVAL);
    assert_non_null(strstr(err.msg, "unknown field"));
    json_decref(doc);

    const char ctl[] = "{\"c\":\"a\\u0001b\"}";
    assert_int_equal(cl_body_parse(&doc, ctl, strlen(ctl), &err), 0);
    assert_int_equal(cl_body_string(&s, doc, "c", 64, 1, &err), CL_EINVAL);
    json_decref(doc);
}

static void test_body__bad_bodies_get_clear_messages(void **state)
{
    (void)state;
    struct {
        const char *body, *msg;
    } cases[] = {
        {"", "request body is empty"},
        {"  \n", "request body is empty"},
        {"{\"a\":", "not valid JSON"},
        {"[1,2]", "must be a JSON object"},
        {"\"x\"", "must be a JSON object"},
        {"{\"a\":1,\"a\":2}", "not valid JSON"},
        {"{\"a\":\"\\u0000\"}", "not valid JSON"},
        {"{\"a\":\"\xff\"}", "not valid JSON"},
        {"{\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}", "nested deeper"},
        {"{\"a\":1} trailing", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *doc = NULL;
        cl_err_t err;
        assert_int_equal(cl_body_parse(&doc, cases[i].body, strlen(cases[i].body), &err),
                         CL_EINVAL);
        assert_null(doc);
        if (!strstr(err.msg, cases[i].msg)) {
            fail_msg("'%s': '%s' lacks '%s'", cases[i].body, err.msg, cases[i].msg);
        }
    }
    json_t *doc = NULL;
    cl_err_t err;
    const char deep_in_string[] = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
    assert_int_equal(cl_body_parse(&doc, deep_in_string, strlen(deep_in_string), &err), 0);
    json_decref(doc);
}

static void test_static__paths_that_could_escape_are_refused(void **state)
{
    (void)state;
    const char *ok[] = {"/", "/index.html", "/assets/app-1a2b.js", "/a/b/", "/wbr/electronics"};
    const char *bad[] = {"",
                         "x",
                         "/..",
                         "/../etc/passwd",
                         "/a/../b",
                         "/./a",
                         "//etc/passwd",
                         "/a//b",
                         "/.git/config",
                         "/.env",
                         "/a\\..\\b",
                         "/c:/x",
                         "/a\nb",
                         "/a/.hidden"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_true(cl_static_path_ok(ok[i]));
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (cl_static_path_ok(bad[i])) {
            fail_msg("'%s' was accepted", bad[i]);
        }
    }
    assert_string_equal(cl_static_content_type("/a/b.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(cl_static_content_type("/a.b/c"), "application/octet-stream");
    assert_string_equal(cl_static_content_type("index.html"), "text/html; charset=utf-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query__target_path_and_params_are_decoded),
        cmocka_unit_test(test_query__malformed_targets_are_refused),
        cmocka_unit_test(test_query__too_many_params_and_append),
        cmocka_unit_test(test_cookie__pairs_quotes_and_junk),
        cmocka_unit_test(test_cookie__a_name_sent_twice_with_other_values_reads_as_absent),
        cmocka_unit_test(test_cookie__set_cookie_has_the_attributes),
        cmocka_unit_test(test_gzip__round_trip_limits_and_negotiation),
        cmocka_unit_test(test_body__strict_json_objects),
        cmocka_unit_test(test_body__bad_bodies_get_clear_messages),
        cmocka_unit_test(test_static__paths_that_could_escape_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
