/* YAML to JSON: scalar typing, quoting, and refusal of what configuration must not contain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/yaml.h"

static json_t *parse_ok(const char *text)
{
    json_t *doc = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_yaml_parse(&doc, text, strlen(text), "t.yaml", &err);
    if (rc != 0) {
        fail_msg("parse failed: %s", err.msg);
    }
    return doc;
}

static void parse_fails(const char *text, const char *needle)
{
    json_t *doc = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_yaml_parse(&doc, text, strlen(text), "t.yaml", &err), CL_EINVAL);
    assert_null(doc);
    if (!strstr(err.msg, needle)) {
        fail_msg("error '%s' does not mention '%s'", err.msg, needle);
    }
}

static void test_yaml__scalars_are_typed(void **state)
{
    (void)state;
    json_t *d = parse_ok(
        "i: 42\nn: -7\nr: 1.5\nt: true\nf: false\nz: ~\ne:\ns: hello\nq: '42'\nv: 1.2.3\n");
    assert_int_equal(json_integer_value(json_object_get(d, "i")), 42);
    assert_int_equal(json_integer_value(json_object_get(d, "n")), -7);
    assert_true(json_is_real(json_object_get(d, "r")));
    assert_true(json_is_true(json_object_get(d, "t")));
    assert_true(json_is_false(json_object_get(d, "f")));
    assert_true(json_is_null(json_object_get(d, "z")));
    assert_true(json_is_null(json_object_get(d, "e")));
    assert_string_equal(json_string_value(json_object_get(d, "s")), "hello");
    assert_string_equal(json_string_value(json_object_get(d, "q")), "42");
    assert_string_equal(json_string_value(json_object_get(d, "v")), "1.2.3");
    json_decref(d);
}

static void test_yaml__nesting_and_numeric_keys(void **state)
{
    (void)state;
    json_t *d = parse_ok("a:\n  - {x: 1}\n  - [1, 2]\n2026: year\n");
    json_t *a = json_object_get(d, "a");
    assert_int_equal(json_array_size(a), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "x")), 1);
    assert_string_equal(json_string_value(json_object_get(d, "2026")), "year");
    json_decref(d);
}

static void test_yaml__empty_document_is_empty_object(void **state)
{
    (void)state;
    json_t *d = parse_ok("");
    assert_true(json_is_object(d));
    assert_int_equal(json_object_size(d), 0);
    json_decref(d);
    d = parse_ok("# only a comment\n");
    assert_true(json_is_object(d));
    json_decref(d);
}

static void test_yaml__refuses_dangerous_or_ambiguous_input(void **state)
{
    (void)state;
    parse_fails("a: 1\na: 2\n", "duplicate key 'a'");
    parse_fails("a: &x 1\nb: *x\n", "not supported");
    parse_fails("a: [1\n", "t.yaml:");
    parse_fails("--- 1\n--- 2\n", "more than one");
    parse_fails("? [1]\n: 2\n", "mapping key");
    char deep[101];
    memset(deep, '[', 100);
    deep[100] = '\0';
    parse_fails(deep, "nesting deeper");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml__scalars_are_typed),
        cmocka_unit_test(test_yaml__nesting_and_numeric_keys),
        cmocka_unit_test(test_yaml__empty_document_is_empty_object),
        cmocka_unit_test(test_yaml__refuses_dangerous_or_ambiguous_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
