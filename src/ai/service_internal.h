/* service_internal.h — the state of `catlens ai` shared by its files (service.c: lifecycle, routes,
 * jobs; serve.c: one summary; serve_cache.c: request cache and rate limits; alerts.c). Not a public
 * contract. */
#ifndef CL_AI_SERVICE_INTERNAL_H
#define CL_AI_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>

#include "ai/breaker.h"
#include "ai/jobs.h"
#include "ai/ledger.h"
#include "ai/models.h"
#include "ai/prompt.h"
#include "ai/service.h"
#include "ai/summary.h"
#include "ai/transport.h"
#include "cache/cache.h"
#include "http/http.h"
#include "http/metrics.h"

#define CL_AI_KEY_LEN 65 /* sha256 hex + NUL */

struct flight {
    char key[CL_AI_KEY_LEN];
    int done;
    int rc;
    cl_err_t err;
    json_t *response;
    int refs;
    pthread_cond_t cond;
    struct flight *next;
};

/* Sliding windows for the alerts: one bucket per minute over the last hour. */
struct alert_window {
    int64_t minute[60];
    int64_t answers[60], rejected[60], cost[60];
    int64_t last_alert_ms;
};

struct ai_metrics {
    cl_metric_family_t *summaries, *calls, *errors, *tokens, *cost, *prompt_bytes, *cache_hits,
        *cache_misses, *check_failures, *budget_denials, *rate_limited, *latency, *overhead, *jobs,
        *breaker_open, *rollout, *alerts;
};

struct cl_ai_service {
    const cl_config_t *cfg;
    cl_models_t *models;
    cl_prompt_t *prompt;
    cl_prompt_t **arm_prompts; /* per rollout arm (models->rollout): its prompt, or NULL */
    cl_transport_t *transport;
    cl_breaker_t *breaker;
    cl_summary_env_t env;
    cl_budget_policy_t budgets;
    cl_ledger_t *ledger;
    cl_jobs_t *jobs;
    cl_cache_t *cache;
    json_t *rate_limits; /* borrowed: ai.rate_limits */
    cl_metrics_t *registry;
    struct ai_metrics m;
    cl_http_server_t *http;
    int port, threads, job_workers, cache_ttl_s, lease_ms;
    double alert_rate;
    int64_t alert_cost;
    const char *alert_webhook; /* CATLENS_AI_ALERT_WEBHOOK or NULL: a secret, never logged */
    int hooks_in_flight;       /* webhook posts not yet ended; guarded by lock */
    pthread_cond_t hooks_done;
    char owner[96];
    const char *token; /* CATLENS_AI_TOKEN or NULL */

    pthread_mutex_t lock; /* flights, alerts, stopping */
    pthread_cond_t wake;  /* job workers */
    struct flight *flights;
    struct alert_window alerts;
    int stopping;
    pthread_t *workers;
    int nworkers;
    pthread_t heartbeat;
    int heartbeat_started;
};

/* serve.c: summarise REQUEST (a parsed body) for a request or job. *out is new (the response
 * document). Errors carry their HTTP meaning (cl_err_http_status). RETRY_AFTER_S is set for
 * CL_ERATELIMIT. */
CL_NODISCARD int cl_ai_serve(json_t **out, cl_ai_service_t *svc, json_t *request,
                             const char *request_id, const char *job_id, int *retry_after_s,
                             cl_err_t *err);

/* serve_cache.c */
CL_NODISCARD int cl_ai_cache_open(cl_ai_service_t *svc, cl_err_t *err);
/* 0 and *out (new) on a hit; CL_ENOTFOUND on a miss. */
int cl_ai_cache_get(json_t **out, cl_ai_service_t *svc, const char *key);
void cl_ai_cache_put(cl_ai_service_t *svc, const char *key, json_t *response);
/* 0, or CL_ERATELIMIT with *retry_after_s. */
int cl_ai_rate_limit(cl_ai_service_t *svc, const char *user, const char *role, int64_t now_ms,
                     int *retry_after_s, cl_err_t *err);

/* alerts.c: record one summary and log an alert when the check-failure rate or the hourly cost
 * jumps. */
void cl_ai_alerts_record(cl_ai_service_t *svc, int answers, int rejected, int64_t cost_micros,
                         int64_t now_ms);

/* Wait (at most a few seconds) for the alert webhook posts still in flight; at stop. */
void cl_ai_alerts_drain(cl_ai_service_t *svc);

/* Wall-clock milliseconds since the epoch. */
int64_t cl_ai_now_ms(void);

#endif
