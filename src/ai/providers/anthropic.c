/* anthropic.c — Anthropic Messages. Usage: input_tokens excludes cache reads
 * (cache_read_input_tokens) and cache writes (cache_creation_input_tokens), so the prompt is their
 * sum; output_tokens includes any thinking, which Anthropic prices as output and does not report
 * apart. */
#include "ai/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

#define ANTHROPIC_VERSION "2023-06-01"

static json_t *content_of(json_t *m)
{
    const char *role = json_string_value(json_object_get(m, "role"));
    json_t *blocks = json_array();
    size_t i;
    json_t *x;
    if (role && strcmp(role, "tool") == 0) {
        json_array_foreach(json_object_get(m, "results"), i, x)
        {
            json_array_append_new(blocks,
                                  json_pack("{s:s,s:s?,s:s?}", "type", "tool_result", "tool_use_id",
                                            json_string_value(json_object_get(x, "id")), "content",
                                            json_string_value(json_object_get(x, "content"))));
        }
        return blocks;
    }
    const char *text = json_string_value(json_object_get(m, "text"));
    if (text && *text) {
        json_array_append_new(blocks, json_pack("{s:s,s:s}", "type", "text", "text", text));
    }
    json_array_foreach(json_object_get(m, "tool_calls"), i, x)
    {
        json_array_append_new(blocks, json_pack("{s:s,s:s?,s:s?,s:O}", "type", "tool_use", "id",
                                                json_string_value(json_object_get(x, "id")), "name",
                                                json_string_value(json_object_get(x, "name")),
                                                "input", json_object_get(x, "args")));
    }
    return blocks;
}

static int build(cl_wire_request_t *out, const cl_llm_call_t *call, const char *api_key,
                 cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *msgs = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(call->messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        json_array_append_new(
            msgs, json_pack("{s:s,s:o}", "role",
                            role && strcmp(role, "assistant") == 0 ? "assistant" : "user",
                            "content", content_of(m)));
    }
    json_t *body = json_pack("{s:s,s:i,s:s,s:o,s:f}", "model", call->model->model, "max_tokens",
                             call->max_output_tokens, "system", call->system, "messages", msgs,
                             "temperature", call->temperature);
    if (body && json_array_size(call->tools) > 0) {
        json_t *tools = json_array();
        json_t *t;
        json_array_foreach(call->tools, i, t)
        {
            json_array_append_new(tools,
                                  json_pack("{s:O,s:O,s:O}", "name", json_object_get(t, "name"),
                                            "description", json_object_get(t, "description"),
                                            "input_schema", json_object_get(t, "parameters")));
        }
        json_object_set_new(body, "tools", tools);
    }
    int rc = cl_wire_set_body(out, body, err);
    out->url = strdup(call->model->endpoint);
    rc = rc ? rc : out->url ? 0 : CL_ENOMEM;
    rc = rc ? rc : cl_wire_add_header(out, "Content-Type", "application/json");
    rc = rc ? rc : cl_wire_add_header(out, "anthropic-version", ANTHROPIC_VERSION);
    if (rc == 0 && api_key) {
        rc = cl_wire_add_header(out, "x-api-key", api_key);
    }
    if (rc != 0) {
        cl_wire_request_dispose(out);
        return cl_err_set(err, rc, "anthropic request: out of memory");
    }
    return 0;
}

static int parse(cl_llm_reply_t *out, const char *body, size_t len, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    int rc = cl_provider_load_json(&doc, body, len, "anthropic", err);
    if (rc != 0) {
        return rc;
    }
    json_t *content = json_object_get(doc, "content");
    if (!json_is_array(content)) {
        json_decref(doc);
        return cl_err_set(err, CL_EDATA, "anthropic reply has no content");
    }
    cl_strbuf_t text;
    cl_strbuf_init(&text);
    cl_strbuf_puts(&text, "");
    size_t i;
    json_t *b;
    json_array_foreach(content, i, b)
    {
        const char *type = json_string_value(json_object_get(b, "type"));
        if (type && strcmp(type, "text") == 0 && json_is_string(json_object_get(b, "text"))) {
            cl_strbuf_puts(&text, json_string_value(json_object_get(b, "text")));
        } else if (type && strcmp(type, "tool_use") == 0) {
            if (!out->tool_calls) {
                out->tool_calls = json_array();
            }
            json_t *input = json_object_get(b, "input");
            json_array_append_new(
                out->tool_calls,
                json_pack("{s:s?,s:s?,s:o}", "id", json_string_value(json_object_get(b, "id")),
                          "name", json_string_value(json_object_get(b, "name")), "args",
                          json_is_object(input) ? json_incref(input) : json_object()));
        }
    }
    out->text = cl_strbuf_take(&text);
    json_t *u = json_object_get(doc, "usage");
    int64_t input = cl_json_count(u, "input_tokens");
    out->usage.cached_tokens = cl_json_count(u, "cache_read_input_tokens");
    out->usage.cache_write_tokens = cl_json_count(u, "cache_creation_input_tokens");
    out->usage.prompt_tokens = input + out->usage.cached_tokens + out->usage.cache_write_tokens;
    out->usage.completion_tokens = cl_json_count(u, "output_tokens");
    const char *stop = json_string_value(json_object_get(doc, "stop_reason"));
    snprintf(out->finish, sizeof out->finish, "%s",
             !stop                             ? "other"
             : strcmp(stop, "tool_use") == 0   ? "tool_calls"
             : strcmp(stop, "max_tokens") == 0 ? "length"
             : strcmp(stop, "end_turn") == 0   ? "stop"
                                               : "other");
    json_decref(doc);
    if (!out->text) {
        cl_llm_reply_dispose(out);
        return cl_err_set(err, CL_ENOMEM, "anthropic reply: out of memory");
    }
    return 0;
}

const cl_provider_t cl_provider_anthropic = {"anthropic", build, parse, NULL};
