/* openai.c — OpenAI-compatible Chat Completions (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp
 * server). Usage: prompt_tokens includes prompt_tokens_details.cached_tokens; completion_tokens
 * includes completion_tokens_details.reasoning_tokens. */
#include "ai/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *tool_call_out(json_t *call)
{
    char *args = json_dumps(json_object_get(call, "args"),
                            JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_t *v = json_pack("{s:s?,s:s,s:{s:s?,s:s?}}", "id",
                          json_string_value(json_object_get(call, "id")), "type", "function",
                          "function", "name", json_string_value(json_object_get(call, "name")),
                          "arguments", args ? args : "{}");
    free(args);
    return v;
}

static int put_message(json_t *msgs, json_t *m)
{
    const char *role = json_string_value(json_object_get(m, "role"));
    const char *text = json_string_value(json_object_get(m, "text"));
    if (role && strcmp(role, "tool") == 0) {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(m, "results"), i, r)
        {
            json_array_append_new(msgs,
                                  json_pack("{s:s,s:s?,s:s?}", "role", "tool", "tool_call_id",
                                            json_string_value(json_object_get(r, "id")), "content",
                                            json_string_value(json_object_get(r, "content"))));
        }
        return 0;
    }
    json_t *out =
        json_pack("{s:s,s:s?}", "role",
                  role && strcmp(role, "assistant") == 0 ? "assistant" : "user", "content", text);
    if (!out) {
        return CL_ENOMEM;
    }
    json_t *calls = json_object_get(m, "tool_calls");
    if (json_array_size(calls) > 0) {
        json_t *arr = json_array();
        size_t i;
        json_t *c;
        json_array_foreach(calls, i, c)
        {
            json_array_append_new(arr, tool_call_out(c));
        }
        json_object_set_new(out, "tool_calls", arr);
    }
    return json_array_append_new(msgs, out) == 0 ? 0 : CL_ENOMEM;
}

static int build(cl_wire_request_t *out, const cl_llm_call_t *call, const char *api_key,
                 cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *msgs = json_array();
    json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", call->system));
    size_t i;
    json_t *m;
    json_array_foreach(call->messages, i, m)
    {
        if (put_message(msgs, m) != 0) {
            json_decref(msgs);
            return cl_err_set(err, CL_ENOMEM, "openai request: out of memory");
        }
    }
    json_t *body =
        json_pack("{s:s,s:o,s:i,s:f}", "model", call->model->model, "messages", msgs, "max_tokens",
                  call->max_output_tokens, "temperature", call->temperature);
    if (body && json_array_size(call->tools) > 0) {
        json_t *tools = json_array();
        json_t *t;
        json_array_foreach(call->tools, i, t)
        {
            json_array_append_new(tools, json_pack("{s:s,s:{s:O,s:O,s:O}}", "type", "function",
                                                   "function", "name", json_object_get(t, "name"),
                                                   "description", json_object_get(t, "description"),
                                                   "parameters", json_object_get(t, "parameters")));
        }
        json_object_set_new(body, "tools", tools);
    }
    int rc = cl_wire_set_body(out, body, err);
    out->url = strdup(call->model->endpoint);
    rc = rc ? rc : out->url ? 0 : CL_ENOMEM;
    rc = rc ? rc : cl_wire_add_header(out, "Content-Type", "application/json");
    if (rc == 0 && api_key && strcmp(call->model->auth, "none") != 0) {
        if (strcmp(call->model->auth, "api-key") == 0) {
            rc = cl_wire_add_header(out, "api-key", api_key);
        } else {
            char bearer[1024];
            snprintf(bearer, sizeof bearer, "Bearer %s", api_key);
            rc = cl_wire_add_header(out, "Authorization", bearer);
        }
    }
    if (rc != 0) {
        cl_wire_request_dispose(out);
        return cl_err_set(err, rc, "openai request: out of memory");
    }
    return 0;
}

static json_t *tool_calls_in(json_t *calls)
{
    if (json_array_size(calls) == 0) {
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c)
    {
        json_t *fn = json_object_get(c, "function");
        const char *raw = json_string_value(json_object_get(fn, "arguments"));
        json_t *args = raw ? json_loads(raw, 0, NULL) : NULL;
        json_array_append_new(out, json_pack("{s:s?,s:s?,s:o}", "id",
                                             json_string_value(json_object_get(c, "id")), "name",
                                             json_string_value(json_object_get(fn, "name")), "args",
                                             json_is_object(args) ? args : json_object()));
        if (args && !json_is_object(args)) {
            json_decref(args);
        }
    }
    return out;
}

static int parse(cl_llm_reply_t *out, const char *body, size_t len, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    int rc = cl_provider_load_json(&doc, body, len, "openai", err);
    if (rc != 0) {
        return rc;
    }
    json_t *msg = json_object_get(json_array_get(json_object_get(doc, "choices"), 0), "message");
    json_t *content = json_object_get(msg, "content");
    if (!json_is_object(msg) || (!json_is_string(content) && !json_is_null(content) && content)) {
        json_decref(doc);
        return cl_err_set(err, CL_EDATA, "openai reply has no choices[0].message");
    }
    out->text = strdup(json_is_string(content) ? json_string_value(content) : "");
    out->tool_calls = tool_calls_in(json_object_get(msg, "tool_calls"));
    json_t *usage = json_object_get(doc, "usage");
    out->usage.prompt_tokens = cl_json_count(usage, "prompt_tokens");
    out->usage.completion_tokens = cl_json_count(usage, "completion_tokens");
    out->usage.cached_tokens =
        cl_json_count(json_object_get(usage, "prompt_tokens_details"), "cached_tokens");
    out->usage.reasoning_tokens =
        cl_json_count(json_object_get(usage, "completion_tokens_details"), "reasoning_tokens");
    const char *fin = json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "choices"), 0), "finish_reason"));
    snprintf(out->finish, sizeof out->finish, "%s",
             !fin                             ? "other"
             : strcmp(fin, "tool_calls") == 0 ? "tool_calls"
             : strcmp(fin, "length") == 0     ? "length"
             : strcmp(fin, "stop") == 0       ? "stop"
                                              : "other");
    json_decref(doc);
    if (!out->text) {
        cl_llm_reply_dispose(out);
        return cl_err_set(err, CL_ENOMEM, "openai reply: out of memory");
    }
    return 0;
}

const cl_provider_t cl_provider_openai = {"openai", build, parse, NULL};
