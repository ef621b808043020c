/* summary.h — one summary, from request to checked answer: prompt, model (with its tools),
 * guardrails, one re-ask, the fallback chain, and the offline narrator as the last word.
 *
 * The plan for a network model: encode the report (lean when the model has tools), call it; while
 * it asks for tools and the agent bounds allow (steps, tokens, cost), run them and call again;
 * check the answer; on failure re-ask once with the list of problems; on a second failure fall back
 * to the offline narrator. A model that fails as a service (circuit open, retries spent, malformed
 * replies, no key) hands over to the next model of the chain; the narrator ends every chain. Every
 * step lands in `checks`.
 *
 * Money: no call starts unless its worst-case cost (prompt bytes as tokens, since no tokenizer
 * makes more tokens than bytes, plus max_output_tokens at the dearer output price) fits in what is
 * left of BUDGET_MICROS, so the spend of a summary never exceeds the reservation made for it
 * (cl_summary_reservation).
 *
 * Thread safety: cl_summary_run may run on many threads at once with one shared env. */
#ifndef CL_AI_SUMMARY_H
#define CL_AI_SUMMARY_H

#include <stdint.h>
#include <jansson.h>

#include "ai/input.h"
#include "ai/llm.h"
#include "ai/models.h"
#include "ai/prompt.h"

typedef struct {
    const cl_models_t *models;
    const cl_prompt_t *prompt;
    cl_llm_env_t llm;
} cl_summary_env_t;

typedef struct {
    json_t
        *response; /* docs/schemas/summary_response.schema.json without request_id; cached false */
    cl_usage_t usage;        /* summed over every call */
    int64_t cost_micros;     /* summed over every call, each priced by its own model */
    int calls;               /* model calls that returned usage */
    const cl_model_t *model; /* the model whose answer was used */
    int check_failures;      /* answers rejected by the guardrails */
    int fell_back;           /* the narrator wrote the summary instead of the chosen model */
    int prompt_bytes;        /* of the first prompt (system + user) */
    double provider_ms;      /* time spent waiting on providers (calls, retries, backoff) */
} cl_summary_result_t;

void cl_summary_result_dispose(cl_summary_result_t *r);

/* Worst-case cost in micro-units of summarising IN with MODEL: every call the plan may make (agent
 * steps when the model has tools, and the re-ask), capped at the agent's max_cost_micros. 0 for the
 * narrator. */
int64_t cl_summary_reservation(const cl_summary_env_t *env, const cl_ai_input_t *in,
                               const cl_model_t *model);

/* Summarise IN with MODEL, spending at most BUDGET_MICROS. Returns 0 with OUT filled (the narrator
 * guarantees an answer), or CL_ENOMEM / CL_EINTERNAL. */
CL_NODISCARD int cl_summary_run(cl_summary_result_t *out, const cl_summary_env_t *env,
                                const cl_ai_input_t *in, const cl_model_t *model,
                                int64_t budget_micros, cl_err_t *err);

#endif
