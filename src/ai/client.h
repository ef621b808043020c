/* client.h — the app backend's client of the AI service (`catlens ai`).
 *
 * cl_ai_client_request builds a POST /llm/summary body (docs/schemas/summary_request.schema.json)
 * from a WBR document (docs/contracts.md §4, as src/report builds it) and the signed-in user: the
 * report's category, region, window, week, KPI and derived tiles, the top MAX_FINDINGS findings and
 * the breakdowns, and the definitions of the metrics from the catalog, with only the fields the
 * schema knows. cl_ai_client_summarise sends it to ai.url with a timeout and returns the parsed
 * summary (summary_response.schema.json).
 *
 * Errors map the service's answers back to codes, so the app can choose its stale/partial fallback:
 * CL_ETIMEOUT (no answer in time), CL_EUNAVAILABLE (cannot connect, 5xx), CL_EBUDGET (402),
 * CL_ERATELIMIT (429), CL_EINVAL (400: the message says what), CL_EUNAUTH (401), CL_EDATA (a reply
 * that is not a summary). Messages never hold the token. Thread safety: reentrant; each call uses
 * its own connection. */
#ifndef CL_AI_CLIENT_H
#define CL_AI_CLIENT_H

#include <jansson.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"

typedef struct {
    const char *id, *team, *role;
} cl_ai_user_t;

/* The request body for WBR (borrowed) and USER. CATALOG (borrowed) supplies the metric definitions.
 * ASYNC asks for a job. MODEL may be NULL (the service's default). *out is new. Returns 0,
 * CL_EINVAL (WBR lacks a field the request needs) or CL_ENOMEM. */
CL_NODISCARD int cl_ai_client_request(json_t **out, json_t *wbr, const cl_catalog_t *catalog,
                                      const cl_ai_user_t *user, int max_findings, int async,
                                      const char *model, cl_err_t *err);

/* POST REQUEST (borrowed) to URL + "/llm/summary" within TIMEOUT_MS; TOKEN (may be NULL) is sent as
 * a bearer token. *out is new: the summary (200) or the job (202). */
CL_NODISCARD int cl_ai_client_summarise(json_t **out, const char *url, int timeout_ms,
                                        const char *token, json_t *request, cl_err_t *err);

/* GET URL + "/llm/async?job=ID". *out is new: the job. */
CL_NODISCARD int cl_ai_client_job(json_t **out, const char *url, int timeout_ms, const char *token,
                                  const char *id, cl_err_t *err);

#endif
