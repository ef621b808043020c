/* jsonw: byte for byte what jansson writes (JSON_COMPACT | JSON_SORT_KEYS), for every ASCII byte,
 * UTF-8, and a whole object written member by member in sorted order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"

static void same_as_jansson(const char *s)
{
    json_t *v = json_string(s);
    assert_non_null(v);
    char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char got[512];
    size_t n = cl_jsonw_string(got, sizeof got, 0, s);
    assert_true(n < sizeof got);
    got[n] = '\0';
    assert_string_equal(got, want);
    free(want);
    json_decref(v);
}

static void test_jsonw__strings_as_jansson_writes_them(void **state)
{
    (void)state;
    char s[4] = {0};
    for (int c = 1; c < 128; c++) {
        s[0] = (char)c;
        s[1] = 'x';
        same_as_jansson(s); /* each byte, and each before another */
        s[1] = '\0';
        same_as_jansson(s);
    }
    same_as_jansson("");
    same_as_jansson("auto \"parts\" \\ / back\\slash");
    same_as_jansson("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x93\x88 line\nbreak\ttab\x1f");
}

static void test_jsonw__an_object_and_what_does_not_fit(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:s,s:s,s:b}", "week", "2026-W47", "category", "a\"b", "stale", 0);
    char *want = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    char got[128];
    size_t at = cl_jsonw_raw(got, sizeof got, 0, "{\"category\":");
    at = cl_jsonw_string(got, sizeof got, at, "a\"b");
    at = cl_jsonw_raw(got, sizeof got, at, ",\"stale\":false,\"week\":");
    at = cl_jsonw_string(got, sizeof got, at, "2026-W47");
    at = cl_jsonw_raw(got, sizeof got, at, "}");
    assert_true(at < sizeof got);
    got[at] = '\0';
    assert_string_equal(got, want);
    /* too small: the length it needs, nothing written past the end */
    char small[8];
    memset(small, '#', sizeof small);
    size_t need = cl_jsonw_string(small, 4, 0, "abcdef");
    assert_int_equal(need, 8);
    assert_int_equal(small[4], '#');
    free(want);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonw__strings_as_jansson_writes_them),
        cmocka_unit_test(test_jsonw__an_object_and_what_does_not_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
