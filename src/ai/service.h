/* service.h — `catlens ai`: the AI summary service (docs/contracts.md §5, docs/ai.md).
 *
 * Endpoints (src/http):
 *   POST /llm/summary        sync: 200 summary_response; with "async": true: 202 {job, state}
 *   GET  /llm/async?job=ID   the job (summary_job.schema.json)
 *   GET  /llm/usage?user=U&team=T   spend, reservations and remaining credits of a user and team
 *   GET  /healthz, GET /metrics
 * Optional service token: when CATLENS_AI_TOKEN is set, every /llm/ request needs "Authorization:
 * Bearer TOKEN".
 *
 * One summary: validate; rate limit per user and role; exact-match cache (model + prompt version +
 * input hash) with single-flight for identical requests in progress; reserve the worst-case cost
 * against the user's and team's budgets; run (summary.h); settle the actual cost; audit; metrics;
 * alerts.
 *
 * Owns: the HTTP server, the transport, breakers, ledger and job store (state/ai.db), the request
 * cache, the job workers. Thread safety: new/start/stop on one thread; requests run concurrently.
 */
#ifndef CL_AI_SERVICE_H
#define CL_AI_SERVICE_H

#include "core/config.h"
#include "core/defs.h"
#include "core/err.h"

typedef struct cl_ai_service cl_ai_service_t;

/* Build the service from CFG (borrowed; must outlive it): models, prompt, state. PORT overrides
 * cfg->ai_port when >= 0 (0: any free port). Returns 0, CL_ECONFIG, CL_ENOTFOUND (a file is
 * missing) or CL_EIO. *out is new: cl_ai_service_free(). */
CL_NODISCARD int cl_ai_service_new(cl_ai_service_t **out, const cl_config_t *cfg, int port,
                                   cl_err_t *err);

/* Bind and serve; start the job workers (which pick up jobs left by a previous run). Returns 0 or
 * CL_EIO. */
CL_NODISCARD int cl_ai_service_start(cl_ai_service_t *svc, cl_err_t *err);

int cl_ai_service_port(const cl_ai_service_t *svc);

/* Graceful stop: no new requests, requests and running jobs finish, queued jobs stay queued. */
void cl_ai_service_stop(cl_ai_service_t *svc);

void cl_ai_service_free(cl_ai_service_t *svc);

#endif
