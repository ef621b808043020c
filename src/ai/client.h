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
 * that is not a summary). Messages never hold the token.
 *
 * Two ways to call: cl_ai_client_summarise blocks the calling thread; a cl_ai_client_t keeps any
 * number of summaries in flight on one thread (a libcurl multi handle) and calls back when each
 * ends, so that a slow model never holds the caller's threads (the app parks the HTTP requests
 * waiting on it).
 *
 * Thread safety: the blocking calls are reentrant (each uses its own connection); a cl_ai_client_t
 * is shared by all threads (new and free on one). */
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

/* GET URL + "/llm/usage?user=USER&team=TEAM" (with ALL_TEAMS: "&all_teams=1", which adds every
 * team's standing as "teams") within TIMEOUT_MS. *out is new: the ledger's answer ({"period",
 * "user", "team"[, "teams"]}; each {"id", "spent_micros", "reserved_micros", "limit_micros",
 * "remaining_micros"}, -1 meaning unlimited). */
CL_NODISCARD int cl_ai_client_usage(json_t **out, const char *url, int timeout_ms,
                                    const char *token, const char *user, const char *team,
                                    int all_teams, cl_err_t *err);

/* ---- asynchronous summaries */

typedef struct cl_ai_client cl_ai_client_t;

/* Called once per cl_ai_client_post, on the client's thread: RC is 0 with SUMMARY (new: the
 * callee owns it) or an error code of the list above with ERR (borrowed for the call) and SUMMARY
 * NULL. It must be quick (hand the work to another thread): every call in flight waits for it. */
typedef void (*cl_ai_client_done_fn)(void *payload, int rc, json_t *summary, const cl_err_t *err);

/* A client of the service at URL (copied; e.g. "http://127.0.0.1:8081") sending TOKEN (copied, may
 * be NULL) as a bearer token, with its thread running. Returns 0, CL_EINVAL (empty URL) or
 * CL_ENOMEM. *out is new: cl_ai_client_free(). */
CL_NODISCARD int cl_ai_client_new(cl_ai_client_t **out, const char *url, const char *token,
                                  cl_err_t *err);

/* Stop: calls still in flight end with CL_EUNAVAILABLE (their callbacks run), then the thread is
 * joined. NULL is fine. */
void cl_ai_client_free(cl_ai_client_t *c);

/* POST REQUEST (borrowed; serialised now) to /llm/summary; DONE(PAYLOAD, …) runs when it ends,
 * at most TIMEOUT_MS later, never inside this call. Returns 0 (DONE will run) or CL_ENOMEM /
 * CL_EUNAVAILABLE (stopping), and then DONE never runs. */
CL_NODISCARD int cl_ai_client_post(cl_ai_client_t *c, json_t *request, int timeout_ms,
                                   cl_ai_client_done_fn done, void *payload, cl_err_t *err);

/* Summaries in flight right now. */
int cl_ai_client_in_flight(cl_ai_client_t *c);

#endif
