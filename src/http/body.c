/* body.c — strict JSON bodies. jansson already refuses invalid UTF-8 and (without JSON_ALLOW_NUL)
 * escaped NULs; this adds the rules jansson leaves to us: duplicate keys (two layers reading
 * different values), nesting depth, an object at the top, and field reads whose messages never echo
 * the value back to the client. */
#include "http/body.h"

#include <stdio.h>
#include <string.h>

static int too_deep(const json_t *v, int depth)
{
    if (depth > CL_BODY_MAX_DEPTH) {
        return 1;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            if (too_deep(c, depth + 1)) {
                return 1;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c)
        {
            if (too_deep(c, depth + 1)) {
                return 1;
            }
        }
    }
    return 0;
}

/* jansson recurses while parsing (up to its own limit of 2048 levels); count brackets first so a
 * hostile body cannot make it go deep at all. Brackets inside strings are skipped. */
static int brackets_too_deep(const char *s, size_t len)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = 0;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > CL_BODY_MAX_DEPTH) {
                return 1;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

int cl_body_parse(json_t **out, const char *body, size_t len, cl_err_t *err)
{
    *out = NULL;
    if (!body) {
        len = 0;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
        i++;
    }
    if (i == len) {
        return cl_err_set(err, CL_EINVAL, "request body is empty; send a JSON object");
    }
    if (brackets_too_deep(body, len)) {
        return cl_err_set(err, CL_EINVAL, "request body is nested deeper than %d levels",
                          CL_BODY_MAX_DEPTH);
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!doc) {
        char text[96];
        snprintf(text, sizeof text, "%s", jerr.text);
        return cl_err_set(err, CL_EINVAL, "request body is not valid JSON: %s (line %d, column %d)",
                          text, jerr.line, jerr.column);
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        return cl_err_set(err, CL_EINVAL, "request body must be a JSON object");
    }
    if (too_deep(doc, 1)) {
        json_decref(doc);
        return cl_err_set(err, CL_EINVAL, "request body is nested deeper than %d levels",
                          CL_BODY_MAX_DEPTH);
    }
    *out = doc;
    return 0;
}

int cl_body_only(const json_t *obj, const char *const allowed[], cl_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++) {
            ok = strcmp(allowed[i], k) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_EINVAL, "unknown field '%.40s'", k);
        }
    }
    return 0;
}

int cl_body_string(const char **out, const json_t *obj, const char *key, size_t max_len,
                   int required, cl_err_t *err)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        return required ? cl_err_set(err, CL_EINVAL, "field '%s' is required", key) : 0;
    }
    if (!json_is_string(v)) {
        return cl_err_set(err, CL_EINVAL, "field '%s' must be a string", key);
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > max_len) {
        return cl_err_set(err, CL_EINVAL, "field '%s' is longer than %zu characters", key, max_len);
    }
    if (required && n == 0) {
        return cl_err_set(err, CL_EINVAL, "field '%s' must not be empty", key);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            return cl_err_set(err, CL_EINVAL, "field '%s' holds a control character", key);
        }
    }
    *out = s;
    return 0;
}

int cl_body_int(int64_t *out, const json_t *obj, const char *key, int64_t min, int64_t max,
                int required, int64_t deflt, cl_err_t *err)
{
    *out = deflt;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        return required ? cl_err_set(err, CL_EINVAL, "field '%s' is required", key) : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        return cl_err_set(err, CL_EINVAL, "field '%s' must be an integer between %lld and %lld",
                          key, (long long)min, (long long)max);
    }
    *out = json_integer_value(v);
    return 0;
}

int cl_body_bool(int *out, const json_t *obj, const char *key, int deflt, cl_err_t *err)
{
    *out = deflt;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return cl_err_set(err, CL_EINVAL, "field '%s' must be true or false", key);
    }
    *out = json_is_true(v);
    return 0;
}
