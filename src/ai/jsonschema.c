/* jsonschema.c — a strict subset of JSON Schema 2020-12. The AI service's contracts live as schema
 * files in docs/schemas/; validating against those files (compiled in at build time) instead of a
 * hand-written copy means the documented contract and the enforced one cannot drift apart.
 * Compilation refuses any keyword it does not implement, and precompiles every pattern once. */
#include "ai/jsonschema.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERNS 128
#define MAX_DEPTH 48
#define PATH_MAX_LEN 200

struct pattern {
    const json_t *node; /* the schema object holding "pattern" */
    regex_t re;
};

struct cl_jsonschema {
    json_t *root;
    struct pattern patterns[MAX_PATTERNS];
    size_t npatterns;
};

static const char *const ANNOTATIONS[] = {"$schema",  "$id",      "title",   "description",
                                          "$comment", "examples", "default", NULL};
static const char *const KEYWORDS[] = {
    "type",          "enum",          "const",    "properties", "required", "additionalProperties",
    "items",         "minItems",      "maxItems", "minimum",    "maximum",  "minLength",
    "maxLength",     "pattern",       "anyOf",    "$ref",       "$defs",    "propertyNames",
    "minProperties", "maxProperties", NULL};
static const char *const TYPES[] = {"object",  "array",   "string", "number",
                                    "integer", "boolean", "null",   NULL};

static int in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(list[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

static const json_t *resolve_ref(const json_t *root, const char *ref)
{
    static const char prefix[] = "#/$defs/";
    if (strncmp(ref, prefix, sizeof prefix - 1) != 0) {
        return NULL;
    }
    return json_object_get(json_object_get(root, "$defs"), ref + sizeof prefix - 1);
}

static int compile_node(cl_jsonschema_t *s, const json_t *node, const char *where, int depth,
                        cl_err_t *err);

static int compile_child(cl_jsonschema_t *s, const json_t *node, const char *where, const char *key,
                         int depth, cl_err_t *err)
{
    char sub[PATH_MAX_LEN];
    snprintf(sub, sizeof sub, "%s/%s", where, key);
    return compile_node(s, node, sub, depth + 1, err);
}

static int check_type_keyword(const json_t *t, const char *where, cl_err_t *err)
{
    if (json_is_string(t) && in_list(TYPES, json_string_value(t))) {
        return 0;
    }
    if (json_is_array(t) && json_array_size(t) > 0) {
        size_t i;
        const json_t *v;
        json_array_foreach(t, i, v)
        {
            if (!json_is_string(v) || !in_list(TYPES, json_string_value(v))) {
                return cl_err_set(err, CL_ECONFIG, "%s: bad type", where);
            }
        }
        return 0;
    }
    return cl_err_set(err, CL_ECONFIG, "%s: bad type", where);
}

static int compile_pattern(cl_jsonschema_t *s, const json_t *node, const char *p, const char *where,
                           cl_err_t *err)
{
    /* ECMA-262 shorthands have no POSIX meaning: refuse them rather than match them literally. */
    for (const char *c = p; *c; c++) {
        if (c[0] == '\\' && c[1] && strchr("dDwWsSbB", c[1])) {
            return cl_err_set(err, CL_ECONFIG, "%s: pattern uses \\%c (unsupported)", where, c[1]);
        }
    }
    if (s->npatterns == MAX_PATTERNS) {
        return cl_err_set(err, CL_ECONFIG, "%s: too many patterns", where);
    }
    struct pattern *slot = &s->patterns[s->npatterns];
    if (regcomp(&slot->re, p, REG_EXTENDED | REG_NOSUB) != 0) {
        return cl_err_set(err, CL_ECONFIG, "%s: pattern does not compile", where);
    }
    slot->node = node;
    s->npatterns++;
    return 0;
}

static int compile_keyword(cl_jsonschema_t *s, const json_t *node, const char *key, const json_t *v,
                           const char *where, int depth, cl_err_t *err)
{
    if (strcmp(key, "type") == 0) {
        return check_type_keyword(v, where, err);
    }
    if (strcmp(key, "properties") == 0 || strcmp(key, "$defs") == 0) {
        if (!json_is_object(v)) {
            return cl_err_set(err, CL_ECONFIG, "%s/%s: must be an object", where, key);
        }
        const char *k;
        const json_t *child;
        json_object_foreach((json_t *)v, k, child)
        {
            int rc = compile_child(s, child, where, k, depth, err);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    if (strcmp(key, "items") == 0 || strcmp(key, "propertyNames") == 0 ||
        (strcmp(key, "additionalProperties") == 0 && !json_is_boolean(v))) {
        return compile_child(s, v, where, key, depth, err);
    }
    if (strcmp(key, "anyOf") == 0) {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            return cl_err_set(err, CL_ECONFIG, "%s/anyOf: must be a non-empty array", where);
        }
        size_t i;
        const json_t *child;
        json_array_foreach(v, i, child)
        {
            int rc = compile_child(s, child, where, "anyOf", depth, err);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    if (strcmp(key, "$ref") == 0) {
        if (!json_is_string(v) || !resolve_ref(s->root, json_string_value(v))) {
            return cl_err_set(err, CL_ECONFIG, "%s: $ref must name an entry of #/$defs", where);
        }
        return 0;
    }
    if (strcmp(key, "pattern") == 0) {
        if (!json_is_string(v)) {
            return cl_err_set(err, CL_ECONFIG, "%s: pattern must be a string", where);
        }
        return compile_pattern(s, node, json_string_value(v), where, err);
    }
    if (strcmp(key, "required") == 0 || strcmp(key, "enum") == 0) {
        return json_is_array(v)
                   ? 0
                   : cl_err_set(err, CL_ECONFIG, "%s/%s: must be an array", where, key);
    }
    if (strcmp(key, "minimum") == 0 || strcmp(key, "maximum") == 0) {
        return json_is_number(v)
                   ? 0
                   : cl_err_set(err, CL_ECONFIG, "%s/%s: must be a number", where, key);
    }
    if (strcmp(key, "const") == 0 || strcmp(key, "additionalProperties") == 0) {
        return 0;
    }
    /* the remaining keywords are counts */
    return json_is_integer(v) && json_integer_value(v) >= 0
               ? 0
               : cl_err_set(err, CL_ECONFIG, "%s/%s: must be a non-negative integer", where, key);
}

static int compile_node(cl_jsonschema_t *s, const json_t *node, const char *where, int depth,
                        cl_err_t *err)
{
    if (depth > MAX_DEPTH) {
        return cl_err_set(err, CL_ECONFIG, "%s: schema nested too deeply", where);
    }
    if (json_is_boolean(node)) {
        return 0;
    }
    if (!json_is_object(node)) {
        return cl_err_set(err, CL_ECONFIG, "%s: a schema must be an object or a boolean", where);
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)node, key, v)
    {
        if (in_list(ANNOTATIONS, key)) {
            continue;
        }
        if (!in_list(KEYWORDS, key)) {
            return cl_err_set(err, CL_ECONFIG, "%s: unsupported keyword '%s'", where, key);
        }
        int rc = compile_keyword(s, node, key, v, where, depth, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int cl_jsonschema_parse(cl_jsonschema_t **out, const char *text, size_t len, const char *name,
                        cl_err_t *err)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return cl_err_set(err, CL_EINVAL, "%s: not JSON (line %d: %s)", name, jerr.line, jerr.text);
    }
    cl_jsonschema_t *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return cl_err_set(err, CL_ENOMEM, "%s: out of memory", name);
    }
    s->root = root;
    int rc = compile_node(s, root, "#", 0, err);
    if (rc != 0) {
        cl_err_wrap(err, "%s", name);
        cl_jsonschema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void cl_jsonschema_free(cl_jsonschema_t *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->npatterns; i++) {
        regfree(&s->patterns[i].re);
    }
    json_decref(s->root);
    free(s);
}

/* ---- validation ---- */

struct vctx {
    const cl_jsonschema_t *s;
    cl_err_t *err;
};

static int fail(struct vctx *c, const char *path, const char *what)
{
    return cl_err_set(c->err, CL_EINVAL, "%s: %s", *path ? path : "(body)", what);
}

static int is_type(const json_t *v, const char *t)
{
    if (strcmp(t, "object") == 0) {
        return json_is_object(v);
    }
    if (strcmp(t, "array") == 0) {
        return json_is_array(v);
    }
    if (strcmp(t, "string") == 0) {
        return json_is_string(v);
    }
    if (strcmp(t, "number") == 0) {
        return json_is_number(v);
    }
    if (strcmp(t, "integer") == 0) {
        if (json_is_integer(v)) {
            return 1;
        }
        double d = json_is_real(v) ? json_real_value(v) : NAN;
        return isfinite(d) && floor(d) == d;
    }
    if (strcmp(t, "boolean") == 0) {
        return json_is_boolean(v);
    }
    return json_is_null(v);
}

static int check_type(const json_t *want, const json_t *v)
{
    if (json_is_string(want)) {
        return is_type(v, json_string_value(want));
    }
    size_t i;
    const json_t *t;
    json_array_foreach(want, i, t)
    {
        if (is_type(v, json_string_value(t))) {
            return 1;
        }
    }
    return 0;
}

/* Equality of JSON values in the schema sense: 1 and 1.0 are equal. */
static int values_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        return json_number_value(a) == json_number_value(b);
    }
    return json_equal(a, b);
}

static size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            count++;
        }
    }
    return count;
}

static const regex_t *pattern_of(const cl_jsonschema_t *s, const json_t *node)
{
    for (size_t i = 0; i < s->npatterns; i++) {
        if (s->patterns[i].node == node) {
            return &s->patterns[i].re;
        }
    }
    return NULL;
}

static int validate(struct vctx *c, const json_t *schema, const json_t *v, const char *path,
                    int depth);

static void join_key(char *out, const char *path, const char *key)
{
    snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key);
}

static int validate_string(struct vctx *c, const json_t *schema, const json_t *v, const char *path)
{
    const char *str = json_string_value(v);
    size_t n = json_string_length(v);
    size_t cps = utf8_length(str, n);
    json_t *lim = json_object_get(schema, "minLength");
    if (lim && cps < (size_t)json_integer_value(lim)) {
        return fail(c, path, "is too short");
    }
    lim = json_object_get(schema, "maxLength");
    if (lim && cps > (size_t)json_integer_value(lim)) {
        return fail(c, path, "is too long");
    }
    const regex_t *re = pattern_of(c->s, schema);
    if (re && (strlen(str) != n || regexec(re, str, 0, NULL, 0) != 0)) {
        return fail(c, path, "has a form that is not allowed");
    }
    return 0;
}

static int validate_number(struct vctx *c, const json_t *schema, const json_t *v, const char *path)
{
    double d = json_number_value(v);
    json_t *lim = json_object_get(schema, "minimum");
    if (lim && d < json_number_value(lim)) {
        return fail(c, path, "is below the minimum");
    }
    lim = json_object_get(schema, "maximum");
    if (lim && d > json_number_value(lim)) {
        return fail(c, path, "is above the maximum");
    }
    return 0;
}

static int validate_array(struct vctx *c, const json_t *schema, const json_t *v, const char *path,
                          int depth)
{
    size_t n = json_array_size(v);
    json_t *lim = json_object_get(schema, "minItems");
    if (lim && n < (size_t)json_integer_value(lim)) {
        return fail(c, path, "has too few items");
    }
    lim = json_object_get(schema, "maxItems");
    if (lim && n > (size_t)json_integer_value(lim)) {
        return fail(c, path, "has too many items");
    }
    const json_t *items = json_object_get(schema, "items");
    if (!items) {
        return 0;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        char sub[PATH_MAX_LEN];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = validate(c, items, item, sub, depth + 1);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int validate_object(struct vctx *c, const json_t *schema, const json_t *v, const char *path,
                           int depth)
{
    size_t n = json_object_size(v);
    json_t *lim = json_object_get(schema, "minProperties");
    if (lim && n < (size_t)json_integer_value(lim)) {
        return fail(c, path, "has too few properties");
    }
    lim = json_object_get(schema, "maxProperties");
    if (lim && n > (size_t)json_integer_value(lim)) {
        return fail(c, path, "has too many properties");
    }
    size_t i;
    const json_t *req;
    json_array_foreach(json_object_get(schema, "required"), i, req)
    {
        if (json_is_string(req) && !json_object_get(v, json_string_value(req))) {
            char sub[PATH_MAX_LEN];
            join_key(sub, path, json_string_value(req));
            return fail(c, sub, "is required");
        }
    }
    const json_t *props = json_object_get(schema, "properties");
    const json_t *extra = json_object_get(schema, "additionalProperties");
    const json_t *names = json_object_get(schema, "propertyNames");
    const char *key;
    const json_t *child;
    json_object_foreach((json_t *)v, key, child)
    {
        char sub[PATH_MAX_LEN];
        join_key(sub, path, key);
        if (names) {
            json_t *kv = json_string(key);
            int rc = kv ? validate(c, names, kv, sub, depth + 1) : fail(c, sub, "out of memory");
            json_decref(kv);
            if (rc != 0) {
                return rc;
            }
        }
        const json_t *sub_schema = json_object_get(props, key);
        if (!sub_schema) {
            if (json_is_false(extra)) {
                return fail(c, sub, "is not an allowed property");
            }
            sub_schema = json_is_object(extra) ? extra : NULL;
        }
        if (sub_schema) {
            int rc = validate(c, sub_schema, child, sub, depth + 1);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int validate_any_of(struct vctx *c, const json_t *alts, const json_t *v, const char *path,
                           int depth)
{
    cl_err_t scratch;
    struct vctx trial = {c->s, &scratch};
    size_t i;
    const json_t *alt;
    json_array_foreach(alts, i, alt)
    {
        cl_err_clear(&scratch);
        if (validate(&trial, alt, v, path, depth + 1) == 0) {
            return 0;
        }
    }
    return fail(c, path, "matches none of the allowed forms");
}

static int validate(struct vctx *c, const json_t *schema, const json_t *v, const char *path,
                    int depth)
{
    if (depth > MAX_DEPTH) {
        return fail(c, path, "is nested too deeply");
    }
    if (json_is_boolean(schema)) {
        return json_is_true(schema) ? 0 : fail(c, path, "is not allowed");
    }
    const json_t *ref = json_object_get(schema, "$ref");
    if (ref) {
        int rc = validate(c, resolve_ref(c->s->root, json_string_value(ref)), v, path, depth + 1);
        if (rc != 0) {
            return rc;
        }
    }
    const json_t *type = json_object_get(schema, "type");
    if (type && !check_type(type, v)) {
        return fail(c, path, "has the wrong type");
    }
    const json_t *en = json_object_get(schema, "enum");
    if (en) {
        size_t i;
        const json_t *opt;
        int found = 0;
        json_array_foreach(en, i, opt)
        {
            found = found || values_equal(opt, v);
        }
        if (!found) {
            return fail(c, path, "must be one of the allowed values");
        }
    }
    const json_t *cst = json_object_get(schema, "const");
    if (cst && !values_equal(cst, v)) {
        return fail(c, path, "must be the fixed value");
    }
    const json_t *any = json_object_get(schema, "anyOf");
    if (any) {
        int rc = validate_any_of(c, any, v, path, depth);
        if (rc != 0) {
            return rc;
        }
    }
    if (json_is_string(v)) {
        return validate_string(c, schema, v, path);
    }
    if (json_is_number(v)) {
        return validate_number(c, schema, v, path);
    }
    if (json_is_array(v)) {
        return validate_array(c, schema, v, path, depth);
    }
    if (json_is_object(v)) {
        return validate_object(c, schema, v, path, depth);
    }
    return 0;
}

int cl_jsonschema_validate(const cl_jsonschema_t *s, const json_t *instance, cl_err_t *err)
{
    struct vctx c = {s, err};
    return validate(&c, s->root, instance, "", 0);
}
