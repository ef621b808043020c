/* yaml.c — libyaml's event stream folded into jansson values. A small explicit stack (not
 * recursion) bounds the nesting depth, so a hostile document cannot exhaust the C stack. */
#include "core/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/file.h"

struct frame {
    json_t *container; /* object or array */
    char *pending_key; /* objects: the key waiting for its value */
};

struct builder {
    struct frame stack[CL_YAML_MAX_DEPTH];
    int depth;
    json_t *root;
};

static int parse_integer(const char *s, json_int_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        return -1;
    }
    *out = (json_int_t)v;
    return 0;
}

static int parse_real(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v)) {
        return -1;
    }
    /* strtod accepts hex floats, "inf" and "nan": YAML configuration means none of those */
    for (const char *p = s; *p; p++) {
        if (!strchr("0123456789+-.eE", *p)) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

static json_t *scalar_value(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return json_stringn(s, len);
    }
    if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0) {
        return json_null();
    }
    if (strcmp(s, "true") == 0) {
        return json_true();
    }
    if (strcmp(s, "false") == 0) {
        return json_false();
    }
    json_int_t i;
    if (parse_integer(s, &i) == 0) {
        return json_integer(i);
    }
    double d;
    if (parse_real(s, &d) == 0) {
        return json_real(d);
    }
    return json_stringn(s, len);
}

/* Attach VALUE (stolen) to the container on top of the stack, or make it the root. */
static int attach(struct builder *b, json_t *value, const char *name, const yaml_event_t *ev,
                  cl_err_t *err)
{
    if (!value) {
        return cl_err_set(err, CL_EINVAL, "%s:%zu: value is not valid UTF-8", name,
                          ev->start_mark.line + 1);
    }
    if (b->depth == 0) {
        json_decref(b->root);
        b->root = value;
        return 0;
    }
    struct frame *top = &b->stack[b->depth - 1];
    if (json_is_array(top->container)) {
        json_array_append_new(top->container, value);
        return 0;
    }
    if (!top->pending_key) {
        /* this value is a key */
        if (!json_is_string(value)) {
            const char *k = json_is_null(value) ? "null" : "non-string";
            json_decref(value);
            return cl_err_set(err, CL_EINVAL, "%s:%zu: mapping key is %s", name,
                              ev->start_mark.line + 1, k);
        }
        top->pending_key = strdup(json_string_value(value));
        json_decref(value);
        if (json_object_get(top->container, top->pending_key)) {
            cl_err_set(err, CL_EINVAL, "%s:%zu: duplicate key '%s'", name, ev->start_mark.line + 1,
                       top->pending_key);
            return CL_EINVAL;
        }
        return 0;
    }
    json_object_set_new(top->container, top->pending_key, value);
    free(top->pending_key);
    top->pending_key = NULL;
    return 0;
}

/* A plain scalar used as a mapping key must stay a string ("2026: x" means key "2026"). */
static json_t *key_or_value(const struct builder *b, const yaml_event_t *ev)
{
    if (b->depth > 0) {
        const struct frame *top = &b->stack[b->depth - 1];
        if (json_is_object(top->container) && !top->pending_key) {
            return json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length);
        }
    }
    return scalar_value(ev);
}

static int push(struct builder *b, json_t *container, const char *name, const yaml_event_t *ev,
                cl_err_t *err)
{
    if (b->depth >= CL_YAML_MAX_DEPTH) {
        json_decref(container);
        return cl_err_set(err, CL_EINVAL, "%s:%zu: nesting deeper than %d levels", name,
                          ev->start_mark.line + 1, CL_YAML_MAX_DEPTH);
    }
    /* keep our own reference on the stack; attach gives the parent its own */
    json_incref(container);
    int rc = attach(b, container, name, ev, err);
    if (rc != 0) {
        json_decref(container);
        return rc;
    }
    b->stack[b->depth].container = container;
    b->stack[b->depth].pending_key = NULL;
    b->depth++;
    return 0;
}

static void pop(struct builder *b)
{
    struct frame *top = &b->stack[b->depth - 1];
    json_decref(top->container);
    free(top->pending_key);
    top->pending_key = NULL;
    b->depth--;
}

static int handle_event(struct builder *b, const yaml_event_t *ev, const char *name, cl_err_t *err)
{
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return cl_err_set(err, CL_EINVAL, "%s:%zu: aliases are not supported", name,
                          ev->start_mark.line + 1);
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.anchor) {
            return cl_err_set(err, CL_EINVAL, "%s:%zu: anchors are not supported", name,
                              ev->start_mark.line + 1);
        }
        return attach(b, key_or_value(b, ev), name, ev, err);
    case YAML_SEQUENCE_START_EVENT:
        return push(b, json_array(), name, ev, err);
    case YAML_MAPPING_START_EVENT:
        return push(b, json_object(), name, ev, err);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth == 0) { /* libyaml pairs every end with its start: never popped below 0 */
            return cl_err_set(err, CL_EINTERNAL, "%s:%zu: end of a collection never started", name,
                              ev->start_mark.line + 1);
        }
        pop(b);
        return 0;
    default:
        return 0;
    }
}

int cl_yaml_parse(json_t **out, const char *text, size_t len, const char *name, cl_err_t *err)
{
    *out = NULL;
    if (len > CL_YAML_MAX_BYTES) {
        return cl_err_set(err, CL_EINVAL, "%s: larger than %zu bytes", name, CL_YAML_MAX_BYTES);
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        return cl_err_set(err, CL_ENOMEM, "%s: cannot initialise the YAML parser", name);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    struct builder b = {.depth = 0, .root = NULL};
    int rc = 0;
    int documents = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = cl_err_set(err, CL_EINVAL, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
                            parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "syntax error");
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
            yaml_event_delete(&ev);
            rc = cl_err_set(err, CL_EINVAL, "%s: more than one YAML document", name);
            break;
        }
        rc = handle_event(&b, &ev, name, err);
        yaml_event_delete(&ev);
        if (rc != 0 || type == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    while (b.depth > 0) {
        pop(&b);
    }
    yaml_parser_delete(&parser);
    if (rc != 0) {
        json_decref(b.root);
        return rc;
    }
    *out = (b.root && !json_is_null(b.root)) ? b.root : json_object();
    if (b.root && json_is_null(b.root)) {
        json_decref(b.root);
    }
    return 0;
}

int cl_yaml_load_file(json_t **out, const char *path, cl_err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cl_file_read_all(&text, &len, path, CL_YAML_MAX_BYTES, err);
    if (rc != 0) {
        return rc;
    }
    rc = cl_yaml_parse(out, text, len, path, err);
    free(text);
    return rc;
}
