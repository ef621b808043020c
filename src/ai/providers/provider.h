/* provider.h — one small interface over every model provider.
 *
 * A provider only translates: a neutral call (system text, a conversation, tool declarations) into
 * its wire format (URL, headers, JSON body), and its reply back into text, tool calls and usage.
 * Sending, retries, timeouts and circuit breaking live elsewhere (transport.h, llm.h), once for
 * all providers. The offline narrator implements `answer` instead and never touches the network.
 *
 * The neutral conversation is a JSON array of messages:
 *   {"role": "user", "text": "…"}
 *   {"role": "assistant", "text": "…" | null,
 *    "tool_calls": [{"id": "…", "name": "…", "args": {…}}]}
 *   {"role": "tool", "results": [{"id": "…", "name": "…", "content": "…"}]}
 * Tools are [{"name", "description", "parameters": JSON Schema object}].
 *
 * Thread safety: the vtables are constant; every function is reentrant. */
#ifndef CL_AI_PROVIDERS_PROVIDER_H
#define CL_AI_PROVIDERS_PROVIDER_H

#include <stddef.h>
#include <jansson.h>

#include "ai/input.h"
#include "ai/models.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_WIRE_MAX_HEADERS 8

typedef struct {
    const cl_model_t *model;
    const char *system;
    json_t *messages; /* borrowed, the neutral conversation */
    json_t *tools;    /* borrowed, or NULL */
    int max_output_tokens;
    double temperature;
    const cl_ai_input_t *input; /* borrowed: what the offline narrator writes from */
} cl_llm_call_t;

typedef struct {
    char *url;
    char *headers[CL_WIRE_MAX_HEADERS]; /* "Name: value" */
    size_t nheaders;
    char *body;
} cl_wire_request_t;

typedef struct {
    char *text;         /* the model's text, "" when it only called tools */
    json_t *tool_calls; /* [{"id", "name", "args"}], or NULL */
    cl_usage_t usage;
    char
        finish[32]; /* the provider's stop reason, normalised: stop | length | tool_calls | other */
} cl_llm_reply_t;

typedef struct {
    const char *name;
    /* Build the HTTP request for CALL; API_KEY may be NULL. 0 or CL_ENOMEM / CL_ECONFIG. */
    int (*build)(cl_wire_request_t *out, const cl_llm_call_t *call, const char *api_key,
                 cl_err_t *err);
    /* Read a 2xx reply BODY. 0, or CL_EDATA when it is not the provider's reply format (malformed
     * JSON, missing fields, a refusal without content). */
    int (*parse)(cl_llm_reply_t *out, const char *body, size_t len, cl_err_t *err);
    /* Offline providers only: answer CALL directly. */
    int (*answer)(cl_llm_reply_t *out, const cl_llm_call_t *call, cl_err_t *err);
} cl_provider_t;

extern const cl_provider_t cl_provider_openai;
extern const cl_provider_t cl_provider_gemini;
extern const cl_provider_t cl_provider_anthropic;
extern const cl_provider_t cl_provider_offline;

const cl_provider_t *cl_provider_for(cl_provider_kind_t kind);

void cl_wire_request_dispose(cl_wire_request_t *r);
void cl_llm_reply_dispose(cl_llm_reply_t *r);

/* Helpers the wire formats share (provider.c). */
CL_NODISCARD int cl_wire_add_header(cl_wire_request_t *r, const char *name, const char *value);
/* Dump BODY (stolen) into r->body. */
CL_NODISCARD int cl_wire_set_body(cl_wire_request_t *r, json_t *body, cl_err_t *err);
/* Parse a reply body as a JSON object, or CL_EDATA naming PROVIDER. *out is new. */
CL_NODISCARD int cl_provider_load_json(json_t **out, const char *body, size_t len,
                                       const char *provider, cl_err_t *err);
/* A non-negative integer field, 0 when absent. */
int64_t cl_json_count(json_t *obj, const char *key);

#endif
