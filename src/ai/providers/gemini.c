/* gemini.c — Google Gemini generateContent. Usage (usageMetadata): promptTokenCount includes
 * cachedContentTokenCount; candidatesTokenCount is the visible output and thoughtsTokenCount the
 * reasoning, reported apart, so completion = candidates + thoughts. Gemini has no tool call ids:
 * they are made from the position ("call_0" …) and matched back by name. */
#include "ai/providers/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

static json_t *parts_of(json_t *m)
{
    const char *role = json_string_value(json_object_get(m, "role"));
    json_t *parts = json_array();
    size_t i;
    json_t *x;
    if (role && strcmp(role, "tool") == 0) {
        json_array_foreach(json_object_get(m, "results"), i, x)
        {
            json_array_append_new(
                parts, json_pack("{s:{s:s?,s:{s:s?}}}", "functionResponse", "name",
                                 json_string_value(json_object_get(x, "name")), "response",
                                 "content", json_string_value(json_object_get(x, "content"))));
        }
        return parts;
    }
    const char *text = json_string_value(json_object_get(m, "text"));
    if (text && *text) {
        json_array_append_new(parts, json_pack("{s:s}", "text", text));
    }
    json_array_foreach(json_object_get(m, "tool_calls"), i, x)
    {
        json_array_append_new(parts, json_pack("{s:{s:s?,s:O}}", "functionCall", "name",
                                               json_string_value(json_object_get(x, "name")),
                                               "args", json_object_get(x, "args")));
    }
    return parts;
}

/* The endpoint with "{model}" replaced by the model name. New: free(). */
static char *url_of(const cl_model_t *m)
{
    const char *at = strstr(m->endpoint, "{model}");
    if (!at) {
        return strdup(m->endpoint);
    }
    size_t n = strlen(m->endpoint) + strlen(m->model) + 1;
    char *url = malloc(n);
    if (url) {
        snprintf(url, n, "%.*s%s%s", (int)(at - m->endpoint), m->endpoint, m->model,
                 at + strlen("{model}"));
    }
    return url;
}

static int build(cl_wire_request_t *out, const cl_llm_call_t *call, const char *api_key,
                 cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *contents = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(call->messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        json_array_append_new(contents,
                              json_pack("{s:s,s:o}", "role",
                                        role && strcmp(role, "assistant") == 0 ? "model" : "user",
                                        "parts", parts_of(m)));
    }
    json_t *body =
        json_pack("{s:{s:[{s:s}]},s:o,s:{s:i,s:f}}", "systemInstruction", "parts", "text",
                  call->system, "contents", contents, "generationConfig", "maxOutputTokens",
                  call->max_output_tokens, "temperature", call->temperature);
    if (body && json_array_size(call->tools) > 0) {
        json_t *decls = json_array();
        json_t *t;
        json_array_foreach(call->tools, i, t)
        {
            json_array_append_new(decls,
                                  json_pack("{s:O,s:O,s:O}", "name", json_object_get(t, "name"),
                                            "description", json_object_get(t, "description"),
                                            "parameters", json_object_get(t, "parameters")));
        }
        json_object_set_new(body, "tools", json_pack("[{s:o}]", "functionDeclarations", decls));
    }
    int rc = cl_wire_set_body(out, body, err);
    out->url = url_of(call->model);
    rc = rc ? rc : out->url ? 0 : CL_ENOMEM;
    rc = rc ? rc : cl_wire_add_header(out, "Content-Type", "application/json");
    if (rc == 0 && api_key) {
        rc = cl_wire_add_header(out, "x-goog-api-key", api_key);
    }
    if (rc != 0) {
        cl_wire_request_dispose(out);
        return cl_err_set(err, rc, "gemini request: out of memory");
    }
    return 0;
}

static int parse(cl_llm_reply_t *out, const char *body, size_t len, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *doc = NULL;
    int rc = cl_provider_load_json(&doc, body, len, "gemini", err);
    if (rc != 0) {
        return rc;
    }
    json_t *cand = json_array_get(json_object_get(doc, "candidates"), 0);
    json_t *parts = json_object_get(json_object_get(cand, "content"), "parts");
    if (!json_is_array(parts)) {
        const char *block = json_string_value(
            json_object_get(json_object_get(doc, "promptFeedback"), "blockReason"));
        json_decref(doc);
        return cl_err_set(err, CL_EDATA, "gemini reply has no candidates[0].content.parts%s%s",
                          block ? ": blocked, " : "", block ? block : "");
    }
    cl_strbuf_t text;
    cl_strbuf_init(&text);
    cl_strbuf_puts(&text, "");
    size_t i;
    json_t *p;
    json_array_foreach(parts, i, p)
    {
        const char *t = json_string_value(json_object_get(p, "text"));
        if (t && !json_is_true(
                     json_object_get(p, "thought"))) { /* thought summaries are not the answer */
            cl_strbuf_puts(&text, t);
        }
        json_t *fc = json_object_get(p, "functionCall");
        if (json_is_object(fc)) {
            if (!out->tool_calls) {
                out->tool_calls = json_array();
            }
            char id[32];
            snprintf(id, sizeof id, "call_%zu", json_array_size(out->tool_calls));
            json_t *args = json_object_get(fc, "args");
            json_array_append_new(
                out->tool_calls,
                json_pack("{s:s,s:s?,s:o}", "id", id, "name",
                          json_string_value(json_object_get(fc, "name")), "args",
                          json_is_object(args) ? json_incref(args) : json_object()));
        }
    }
    out->text = cl_strbuf_take(&text);
    json_t *u = json_object_get(doc, "usageMetadata");
    out->usage.prompt_tokens = cl_json_count(u, "promptTokenCount");
    out->usage.cached_tokens = cl_json_count(u, "cachedContentTokenCount");
    out->usage.reasoning_tokens = cl_json_count(u, "thoughtsTokenCount");
    out->usage.completion_tokens =
        cl_json_count(u, "candidatesTokenCount") + out->usage.reasoning_tokens;
    const char *fin = json_string_value(json_object_get(cand, "finishReason"));
    snprintf(out->finish, sizeof out->finish, "%s",
             out->tool_calls                  ? "tool_calls"
             : !fin                           ? "other"
             : strcmp(fin, "STOP") == 0       ? "stop"
             : strcmp(fin, "MAX_TOKENS") == 0 ? "length"
                                              : "other");
    json_decref(doc);
    if (!out->text) {
        cl_llm_reply_dispose(out);
        return cl_err_set(err, CL_ENOMEM, "gemini reply: out of memory");
    }
    return 0;
}

const cl_provider_t cl_provider_gemini = {"gemini", build, parse, NULL};
