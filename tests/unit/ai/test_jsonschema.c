/* test_jsonschema.c — the validator enforces the contract files of docs/schemas/ and refuses
 * schemas it cannot fully check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ai/jsonschema.h"
#include "ai/schemas.h"
#include "ai_fixture.h"

static int check_request(json_t *req, cl_err_t *err)
{
    return cl_schemas_validate(CL_SCHEMA_SUMMARY_REQUEST, req, err);
}

static void test_jsonschema__every_embedded_schema_compiles(void **state)
{
    (void)state;
    for (int i = 0; i < CL_SCHEMA_COUNT; i++) {
        assert_non_null(cl_schemas_get((cl_schema_id_t)i));
    }
}

static void test_jsonschema__fixture_request_is_valid(void **state)
{
    (void)state;
    json_t *req = fixture_request();
    cl_err_t err;
    cl_err_clear(&err);
    int rc = check_request(req, &err);
    if (rc != 0) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, 0);
    json_decref(req);
}

struct bad_case {
    const char *path;  /* dotted path of the object to change, "" for the root */
    const char *key;   /* key to set (or delete when value is NULL) */
    const char *value; /* JSON text */
    const char *where; /* expected start of the message */
};

static json_t *walk(json_t *root, const char *path)
{
    char buf[200];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p && cur;
         p = strtok_r(NULL, ".", &save)) {
        char *end = NULL;
        long idx = strtol(p, &end, 10);
        cur = (*end == '\0') ? json_array_get(cur, (size_t)idx) : json_object_get(cur, p);
    }
    return cur;
}

static void test_jsonschema__bad_requests_name_the_place(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", "user", NULL, "user: is required"},
        {"", "surprise", "1", "surprise: is not an allowed property"},
        {"report", "window", "\"Weekly\"", "report.window: must be one of"},
        {"report", "week", "\"2026-47\"", "report.week: has a form"},
        {"report.findings.2", "direction", "\"sideways\"",
         "report.findings[2].direction: must be one of"},
        {"report.findings.0", "id", "\"f-XYZ\"", "report.findings[0].id: has a form"},
        {"report.findings.0.numbers", "current", "\"2.1\"",
         "report.findings[0].numbers.current: has the wrong"},
        {"report.findings.0.numbers", "Bad-Name", "1",
         "report.findings[0].numbers.Bad-Name: has a form"},
        {"report.kpis.0", "available", "null", "report.kpis[0].available: has the wrong type"},
        {"report.metrics.0", "format", "\"currency9\"", "report.metrics[0].format: has a form"},
        {"report", "metrics", "[]", "report.metrics: has too few items"},
        {"user", "role", "\"root\"", "user.role: must be one of"},
        {"user", "id", "\"a b\"", "user.id: has a form"},
        {"report.findings.0", "rank", "0", "report.findings[0].rank: is below the minimum"},
        {"report.findings.0", "rank", "1.5", "report.findings[0].rank: has the wrong type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *req = fixture_request();
        json_t *obj = walk(req, cases[i].path);
        assert_non_null(obj);
        if (cases[i].value) {
            json_object_set_new(obj, cases[i].key, json_parse_or_die(cases[i].value));
        } else {
            json_object_del(obj, cases[i].key);
        }
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(check_request(req, &err), CL_EINVAL);
        if (strncmp(err.msg, cases[i].where, strlen(cases[i].where)) != 0) {
            print_error("case %zu: got '%s', want '%s'\n", i, err.msg, cases[i].where);
            fail();
        }
        json_decref(req);
    }
}

static void test_jsonschema__max_length_counts_code_points(void **state)
{
    (void)state;
    static const char schema[] = "{\"type\":\"string\",\"maxLength\":3}";
    cl_jsonschema_t *s = NULL;
    assert_int_equal(cl_jsonschema_parse(&s, schema, sizeof schema - 1, "t", NULL), 0);
    json_t *ok = json_string("\xc3\xa9\xc3\xa9\xc3\xa9"); /* three é: 6 bytes */
    json_t *bad = json_string("abcd");
    assert_int_equal(cl_jsonschema_validate(s, ok, NULL), 0);
    assert_int_equal(cl_jsonschema_validate(s, bad, NULL), CL_EINVAL);
    json_decref(ok);
    json_decref(bad);
    cl_jsonschema_free(s);
}

static void test_jsonschema__unsupported_schemas_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"type\":\"string\",\"format\":\"email\"}",     /* a keyword we do not check */
        "{\"oneOf\":[{\"type\":\"string\"}]}",            /* ditto */
        "{\"type\":\"string\",\"pattern\":\"^\\\\d+$\"}", /* ECMA shorthand */
        "{\"$ref\":\"#/$defs/missing\"}",                 /* dangling reference */
        "{\"$ref\":\"https://example.com/x.json\"}",      /* remote reference */
        "{\"type\":\"strin\"}",                           /* typo in a type */
        "{\"type\":\"string\",\"pattern\":\"(\"}",        /* does not compile */
        "{\"properties\":{\"a\":{\"minLength\":-1}}}",    /* negative count */
        "[1,2]",                                          /* not a schema */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cl_jsonschema_t *s = NULL;
        cl_err_t err;
        cl_err_clear(&err);
        assert_int_equal(cl_jsonschema_parse(&s, bad[i], strlen(bad[i]), "t", &err), CL_ECONFIG);
        assert_null(s);
        assert_non_null(strstr(err.msg, "t: "));
    }
    cl_jsonschema_t *s = NULL;
    assert_int_equal(cl_jsonschema_parse(&s, "{", 1, "t", NULL), CL_EINVAL);
}

static void test_jsonschema__any_of_and_integers(void **state)
{
    (void)state;
    static const char schema[] = "{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[{\"type\":"
                                 "\"integer\",\"minimum\":0},"
                                 "{\"type\":\"null\"}]}}}";
    cl_jsonschema_t *s = NULL;
    assert_int_equal(cl_jsonschema_parse(&s, schema, sizeof schema - 1, "t", NULL), 0);
    const char *good[] = {"{\"a\":1}", "{\"a\":2.0}", "{\"a\":null}", "{}"};
    const char *bad[] = {"{\"a\":-1}", "{\"a\":1.5}", "{\"a\":\"1\"}"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_parse_or_die(good[i]);
        assert_int_equal(cl_jsonschema_validate(s, v, NULL), 0);
        json_decref(v);
    }
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_parse_or_die(bad[i]);
        assert_int_equal(cl_jsonschema_validate(s, v, NULL), CL_EINVAL);
        json_decref(v);
    }
    cl_jsonschema_free(s);
}

static void test_jsonschema__strings_with_nul_never_match_a_pattern(void **state)
{
    (void)state;
    json_t *req = fixture_request();
    json_object_set_new(json_object_get(req, "user"), "id", json_stringn("ok\0evil", 7));
    assert_int_equal(check_request(req, NULL), CL_EINVAL);
    json_decref(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonschema__every_embedded_schema_compiles),
        cmocka_unit_test(test_jsonschema__fixture_request_is_valid),
        cmocka_unit_test(test_jsonschema__bad_requests_name_the_place),
        cmocka_unit_test(test_jsonschema__max_length_counts_code_points),
        cmocka_unit_test(test_jsonschema__unsupported_schemas_are_refused),
        cmocka_unit_test(test_jsonschema__any_of_and_integers),
        cmocka_unit_test(test_jsonschema__strings_with_nul_never_match_a_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
