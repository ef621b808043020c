/* models.h — config/models.yaml: which models exist, how to reach them, what they cost, and the
 * policies around every call (retries, circuit breaker, agent bounds, fallback chain).
 *
 *   default: offline          # the model of a request that names none
 *   chain: [offline]          # tried in order after the chosen model fails
 *   prompt: {name: wbr_summary, version: v1}
 *   retry: {max_attempts: 3, base_ms: 200, max_ms: 5000, max_retry_after_ms: 10000}
 *   breaker: {failures: 5, cooldown_ms: 30000}
 *   agent: {max_steps: 4, max_tokens: 24000, max_cost_micros: 200000}
 *   rollout: [...]            # staged rollout of a prompt version or model (ai/rollout.h)
 *   models:
 *     gpt-4o-mini:
 *       provider: openai      # openai | gemini | anthropic | offline
 *       model: gpt-4o-mini    # the provider's model name (default: the key)
 *       endpoint: https://…/v1/chat/completions   (gemini: "{model}" becomes the model name)
 *       api_key_env: OPENAI_API_KEY   # the variable holding the key; never the key itself
 *       auth: bearer          # bearer | api-key (Azure) | none; gemini, anthropic: own header
 *       timeout_ms: 20000
 *       tools: true           # may run the agentic loop
 *       price: {input: 150000, cached_input: 75000, output: 600000, reasoning: 600000}
 *
 * Prices are integer micro-units of the price currency per million tokens ($0.15 per million =
 * 150000). cached_input defaults to input, reasoning to output, cache_write to input. A model
 * without a price can be configured but is refused when asked for (cl_models_find_priced); the
 * chain may hold only priced models. Thread safety: immutable after loading. */
#ifndef CL_AI_MODELS_H
#define CL_AI_MODELS_H

#include <stdint.h>

#include "ai/rollout.h"
#include "core/defs.h"
#include "core/err.h"

typedef enum {
    CL_PROVIDER_OPENAI = 0,
    CL_PROVIDER_GEMINI,
    CL_PROVIDER_ANTHROPIC,
    CL_PROVIDER_OFFLINE
} cl_provider_kind_t;

typedef struct {
    int64_t input, cached_input, output, reasoning,
        cache_write; /* micro-units per million tokens */
} cl_price_t;

typedef struct {
    char *name; /* the key in models: */
    cl_provider_kind_t provider;
    char *model; /* the provider's model name */
    char *endpoint;
    char *api_key_env; /* NULL: no key */
    char *auth;        /* bearer | api-key | none */
    int timeout_ms;
    int tools;
    int priced;
    cl_price_t price;
} cl_model_t;

/* Token usage of one call, normalised from each provider's own fields:
 *   prompt_tokens      every input token (uncached + cached reads + cache writes)
 *   cached_tokens      input tokens read from the provider's prompt cache
 *   cache_write_tokens input tokens written to it (Anthropic)
 *   completion_tokens  every output token, reasoning included
 *   reasoning_tokens   output tokens spent thinking (OpenAI, Gemini; Anthropic does not report them
 * apart) */
typedef struct {
    int64_t prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens;
} cl_usage_t;

typedef struct {
    int max_attempts, base_ms, max_ms, max_retry_after_ms;
} cl_retry_policy_t;

typedef struct cl_models {
    cl_model_t *items;
    size_t n;
    char *default_model;
    char **chain;
    size_t nchain;
    char *prompt_name, *prompt_version;
    cl_retry_policy_t retry;
    int breaker_failures, breaker_cooldown_ms;
    int agent_max_steps;
    int64_t agent_max_tokens, agent_max_cost_micros;
    cl_rollout_t rollout;
} cl_models_t;

/* Load PATH. Returns 0, CL_ENOTFOUND or CL_ECONFIG (naming the model and key). *out is new:
 * cl_models_free(). */
CL_NODISCARD int cl_models_load(cl_models_t **out, const char *path, cl_err_t *err);

/* Same from YAML text; NAME prefixes messages. */
CL_NODISCARD int cl_models_parse(cl_models_t **out, const char *yaml, size_t len, const char *name,
                                 cl_err_t *err);

void cl_models_free(cl_models_t *m);

/* The model NAME (NULL: the default), or NULL. Borrowed. */
const cl_model_t *cl_models_find(const cl_models_t *m, const char *name);

/* The model NAME (NULL: the default) if it exists and has a price. Returns 0, CL_ENOTFOUND or
 * CL_EINVAL (no price: refused, so no call can ever go unaccounted). */
CL_NODISCARD int cl_models_find_priced(const cl_model_t **out, const cl_models_t *m,
                                       const char *name, cl_err_t *err);

/* The cost of USAGE at PRICE in micro-units, rounded up: uncached input, cached reads, cache
 * writes, visible output and reasoning each at their own price. */
int64_t cl_price_cost(const cl_price_t *price, const cl_usage_t *usage);

const char *cl_provider_name(cl_provider_kind_t kind);

#endif
