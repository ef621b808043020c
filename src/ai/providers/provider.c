/* provider.c — what the wire formats share: the request and reply holders and their small helpers.
 */
#include "ai/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cl_provider_t *cl_provider_for(cl_provider_kind_t kind)
{
    switch (kind) {
    case CL_PROVIDER_OPENAI:
        return &cl_provider_openai;
    case CL_PROVIDER_GEMINI:
        return &cl_provider_gemini;
    case CL_PROVIDER_ANTHROPIC:
        return &cl_provider_anthropic;
    default:
        return &cl_provider_offline;
    }
}

void cl_wire_request_dispose(cl_wire_request_t *r)
{
    free(r->url);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i]);
    }
    free(r->body);
    memset(r, 0, sizeof *r);
}

void cl_llm_reply_dispose(cl_llm_reply_t *r)
{
    free(r->text);
    json_decref(r->tool_calls);
    memset(r, 0, sizeof *r);
}

int cl_wire_add_header(cl_wire_request_t *r, const char *name, const char *value)
{
    if (r->nheaders == CL_WIRE_MAX_HEADERS) {
        return CL_EINTERNAL;
    }
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (!h) {
        return CL_ENOMEM;
    }
    snprintf(h, n, "%s: %s", name, value);
    r->headers[r->nheaders++] = h;
    return 0;
}

int cl_wire_set_body(cl_wire_request_t *r, json_t *body, cl_err_t *err)
{
    r->body = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    return r->body ? 0 : cl_err_set(err, CL_ENOMEM, "provider request: out of memory");
}

int cl_provider_load_json(json_t **out, const char *body, size_t len, const char *provider,
                          cl_err_t *err)
{
    json_error_t jerr;
    *out = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return cl_err_set(err, CL_EDATA, "%s reply is not a JSON object (%s)", provider, jerr.text);
    }
    return 0;
}

int64_t cl_json_count(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}
