/* service.c — `catlens ai`: assembles the parts (models, prompt, transport, breakers, ledger, jobs,
 * cache, metrics), serves the routes, and runs the job workers. Sync summaries run on the HTTP
 * layer's slow threads (deferred), so the workers that parse requests are never stuck behind a
 * provider. */
#include "ai/service_internal.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ai/input.h"
#include "core/file.h"
#include "core/log.h"

#define MAX_BODY ((size_t)1024 * 1024)

/* ---- configuration ---- */

static int section_int(int *out, json_t *sec, const char *key, int def, int lo, int hi,
                       cl_err_t *err)
{
    json_t *v = json_object_get(sec, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return cl_err_set(err, CL_ECONFIG, "ai.service.%s must be an integer between %d and %d",
                          key, lo, hi);
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int read_service_section(cl_ai_service_t *svc, cl_err_t *err)
{
    static const char *const known[] = {"threads",
                                        "job_workers",
                                        "cache_ttl_s",
                                        "alert_check_failure_rate",
                                        "alert_cost_per_hour_micros",
                                        "job_lease_ms",
                                        NULL};
    json_t *sec = cl_config_section(svc->cfg, "ai.service");
    const char *k;
    json_t *v;
    json_object_foreach(sec, k, v)
    {
        int ok = 0;
        for (size_t i = 0; known[i]; i++) {
            ok = ok || strcmp(known[i], k) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_ECONFIG, "ai.service: unknown key '%s'", k);
        }
    }
    int rc = section_int(&svc->threads, sec, "threads", 64, 1, 1024, err);
    rc = rc ? rc : section_int(&svc->job_workers, sec, "job_workers", 4, 1, 64, err);
    rc = rc ? rc : section_int(&svc->cache_ttl_s, sec, "cache_ttl_s", 86400, 0, 30 * 86400, err);
    rc = rc ? rc : section_int(&svc->lease_ms, sec, "job_lease_ms", 30000, 1000, 3600000, err);
    int cost = 0;
    rc = rc ? rc
            : section_int(&cost, sec, "alert_cost_per_hour_micros", 5000000, -1, 2000000000, err);
    svc->alert_cost = cost;
    json_t *rate = json_object_get(sec, "alert_check_failure_rate");
    svc->alert_rate = json_is_number(rate) ? json_number_value(rate) : 0.2;
    if (rc == 0 && (svc->alert_rate <= 0 || svc->alert_rate > 1)) {
        rc = cl_err_set(err, CL_ECONFIG, "ai.service.alert_check_failure_rate must be in (0, 1]");
    }
    svc->rate_limits = cl_config_section(svc->cfg, "ai.rate_limits");
    return rc ? rc
              : cl_budget_policy_read(&svc->budgets, cl_config_section(svc->cfg, "ai.budgets"),
                                      err);
}

static void declare_metrics(cl_ai_service_t *svc)
{
    static const char *const summary_l[] = {"model", "provider", "outcome", NULL};
    static const char *const model_l[] = {"model", NULL};
    static const char *const arm_l[] = {"arm", NULL};
    static const char *const tokens_l[] = {"model", "kind", NULL};
    static const char *const kind_l[] = {"kind", NULL};
    static const char *const scope_l[] = {"scope", NULL};
    static const char *const role_l[] = {"role", NULL};
    static const char *const state_l[] = {"state", NULL};
    static const double bytes[] = {1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072};
    static const double ms[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5};
    cl_metrics_t *r = svc->registry;
    struct ai_metrics *m = &svc->m;
    m->summaries = cl_metrics_counter(r, "catlens_ai_summaries_total",
                                      "Summaries served, by outcome", summary_l);
    m->calls = cl_metrics_counter(r, "catlens_ai_provider_calls_total",
                                  "Model calls that returned usage", model_l);
    m->errors = cl_metrics_counter(r, "catlens_ai_errors_total",
                                   "Summary requests that failed, by error", kind_l);
    m->tokens =
        cl_metrics_counter(r, "catlens_ai_tokens_total", "Tokens, by model and kind", tokens_l);
    m->cost = cl_metrics_counter(r, "catlens_ai_cost_micros_total",
                                 "Spend in micro-units, by model", model_l);
    m->prompt_bytes = cl_metrics_histogram(r, "catlens_ai_prompt_bytes", "Size of the first prompt",
                                           NULL, bytes, CL_ARRAY_LEN(bytes));
    m->cache_hits = cl_metrics_counter(r, "catlens_ai_cache_hits_total",
                                       "Requests served without a call", kind_l);
    m->cache_misses =
        cl_metrics_counter(r, "catlens_ai_cache_misses_total", "Requests not in the cache", NULL);
    m->check_failures = cl_metrics_counter(r, "catlens_ai_check_failures_total",
                                           "Model answers rejected by the guardrails", NULL);
    m->budget_denials =
        cl_metrics_counter(r, "catlens_ai_budget_denials_total", "Requests over budget", scope_l);
    m->rate_limited = cl_metrics_counter(r, "catlens_ai_rate_limited_total",
                                         "Requests over the rate limit", role_l);
    m->latency = cl_metrics_histogram(r, "catlens_ai_summary_seconds", "Time to a summary", NULL,
                                      CL_METRICS_LATENCY_BUCKETS, CL_METRICS_LATENCY_BUCKETS_N);
    m->overhead = cl_metrics_histogram(r, "catlens_ai_overhead_seconds",
                                       "Time of a summary not spent waiting on providers", NULL, ms,
                                       CL_ARRAY_LEN(ms));
    m->jobs = cl_metrics_gauge(r, "catlens_ai_jobs", "Async jobs, by state", state_l);
    m->breaker_open = cl_metrics_gauge(r, "catlens_ai_breaker_open",
                                       "1 when the model's circuit is open", model_l);
    m->rollout = cl_metrics_counter(r, "catlens_ai_rollout_requests_total",
                                    "Summary requests, by rollout arm (default: none)", arm_l);
    m->alerts = cl_metrics_counter(r, "catlens_ai_alerts_total",
                                   "Alerts raised (check-failure rate, cost per hour)", kind_l);
}

static void on_render(void *payload)
{
    cl_ai_service_t *svc = payload;
    const char *states[] = {"queued", "running", "done", "failed"};
    for (size_t i = 0; i < CL_ARRAY_LEN(states); i++) {
        int64_t n = 0;
        if (cl_jobs_count(&n, svc->jobs, states[i], NULL) == 0) {
            const char *l[] = {states[i]};
            cl_metrics_set(svc->m.jobs, l, (double)n);
        }
    }
    for (size_t i = 0; i < svc->models->n; i++) {
        const cl_model_t *m = &svc->models->items[i];
        if (m->provider == CL_PROVIDER_OFFLINE) {
            continue;
        }
        const char *l[] = {m->name};
        cl_breaker_state_t s = cl_breaker_state(svc->breaker, m->name, cl_llm_now_ms());
        cl_metrics_set(svc->m.breaker_open, l, s == CL_BREAKER_OPEN ? 1 : 0);
    }
}

/* ---- routes ---- */

static int authorised(cl_ai_service_t *svc, cl_http_req_t *req, cl_err_t *err)
{
    if (!svc->token) {
        return 0;
    }
    const char *h = cl_http_req_header(req, "Authorization");
    size_t n = strlen(svc->token);
    int ok = h && strncmp(h, "Bearer ", 7) == 0 && strlen(h + 7) == n;
    unsigned char diff = 0;
    for (size_t i = 0; ok && i < n; i++) {
        diff |= (unsigned char)(h[7 + i] ^ svc->token[i]); /* no early exit: constant time */
    }
    return ok && diff == 0 ? 0 : cl_err_set(err, CL_EUNAUTH, "a valid service token is required");
}

static int reply_failure(cl_http_req_t *req, int rc, int retry_after_s, cl_err_t *err)
{
    if (rc == CL_ERATELIMIT && retry_after_s > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", retry_after_s);
        cl_err_t herr;
        if (cl_http_add_header(req, "Retry-After", v, &herr) != 0) {
            return rc;
        }
    }
    cl_http_reply_error(req, err);
    return 0;
}

static int summary_work(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    json_t *body = NULL;
    int rc = cl_http_req_json(&body, req,
                              err); /* parsed again here: nothing to free if the work never runs */
    json_t *resp = NULL;
    int retry_after = 0;
    rc = rc ? rc : cl_ai_serve(&resp, svc, body, cl_http_req_id(req), NULL, &retry_after, err);
    json_decref(body);
    if (rc != 0) {
        return reply_failure(req, rc, retry_after, err);
    }
    cl_http_req_log(req, "cached", json_boolean(json_is_true(json_object_get(resp, "cached"))));
    return cl_http_reply_json(req, 200, resp, err);
}

static int submit_job(cl_http_req_t *req, cl_ai_service_t *svc, json_t *body, cl_err_t *err)
{
    cl_ai_input_t *in = NULL;
    int rc = cl_ai_input_new(&in, body, err); /* a bad request is refused now, not in the job */
    int retry_after = 0;
    if (rc == 0) {
        rc = cl_ai_rate_limit(svc, in->user_id, in->role, cl_ai_now_ms(), &retry_after, err);
    }
    cl_ai_input_free(in);
    char id[CL_JOB_ID_LEN];
    rc = rc ? rc : cl_jobs_submit(id, svc->jobs, body, cl_ai_now_ms(), err);
    json_decref(body);
    if (rc != 0) {
        return reply_failure(req, rc, retry_after, err);
    }
    pthread_mutex_lock(&svc->lock);
    pthread_cond_signal(&svc->wake);
    pthread_mutex_unlock(&svc->lock);
    cl_http_req_log(req, "job", json_string(id));
    return cl_http_reply_json(req, 202, json_pack("{s:s,s:s}", "job", id, "state", "queued"), err);
}

static int on_summary(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    int rc = authorised(svc, req, err);
    json_t *body = NULL;
    rc = rc ? rc : cl_http_req_json(&body, req, err);
    if (rc != 0) {
        return rc;
    }
    if (json_is_true(json_object_get(body, "async"))) {
        return submit_job(req, svc, body, err);
    }
    json_decref(body);
    return cl_http_defer(req, summary_work, svc);
}

static int on_async(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    int rc = authorised(svc, req, err);
    const char *id = cl_http_req_query(req, "job");
    if (rc == 0 && (!id || strlen(id) != CL_JOB_ID_LEN - 1 || strncmp(id, "j-", 2) != 0)) {
        rc = cl_err_set(err, CL_EINVAL, "job must be a job id (j- and 32 hex digits)");
    }
    json_t *doc = NULL;
    rc = rc ? rc : cl_jobs_get(&doc, svc->jobs, id, cl_http_req_query(req, "user"), err);
    return rc ? rc : cl_http_reply_json(req, 200, doc, err);
}

static int on_usage(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    int rc = authorised(svc, req, err);
    const char *user = cl_http_req_query(req, "user"), *team = cl_http_req_query(req, "team");
    if (rc == 0 &&
        (!user || !team || !*user || !*team || strlen(user) > 128 || strlen(team) > 64)) {
        rc = cl_err_set(err, CL_EINVAL, "user and team are required");
    }
    const char *all = cl_http_req_query(req, "all_teams");
    if (rc == 0 && all && strcmp(all, "1") != 0 && strcmp(all, "0") != 0) {
        rc = cl_err_set(err, CL_EINVAL, "all_teams must be 1 or 0");
    }
    json_t *doc = NULL, *teams = NULL;
    rc = rc ? rc : cl_ledger_usage(&doc, svc->ledger, user, team, cl_ai_now_ms(), err);
    if (rc == 0 && all && strcmp(all, "1") == 0) {
        rc = cl_ledger_teams(&teams, svc->ledger, cl_ai_now_ms(), err);
        json_object_set_new(doc, "teams", teams);
    }
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    return cl_http_reply_json(req, 200, doc, err);
}

static int on_healthz(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    int64_t queued = 0, running = 0;
    int rc = cl_jobs_count(&queued, svc->jobs, "queued", err);
    rc = rc ? rc : cl_jobs_count(&running, svc->jobs, "running", err);
    if (rc != 0) {
        return rc;
    }
    json_t *models = json_array();
    for (size_t i = 0; i < svc->models->n; i++) {
        const cl_model_t *m = &svc->models->items[i];
        json_array_append_new(models, json_pack("{s:s,s:s,s:s,s:b}", "name", m->name, "provider",
                                                cl_provider_name(m->provider), "circuit",
                                                cl_breaker_state_name(cl_breaker_state(
                                                    svc->breaker, m->name, cl_llm_now_ms())),
                                                "priced", m->priced));
    }
    return cl_http_reply_json(req, 200,
                              json_pack("{s:s,s:s,s:s,s:{s:I,s:I},s:s,s:o}", "status", "ok",
                                        "service", "ai", "prompt_version", svc->prompt->version,
                                        "jobs", "queued", (json_int_t)queued, "running",
                                        (json_int_t)running, "cache", cl_cache_backend(svc->cache),
                                        "models", models),
                              err);
}

static int on_metrics(cl_http_req_t *req, void *payload, cl_err_t *err)
{
    cl_ai_service_t *svc = payload;
    char *text = NULL;
    size_t len = 0;
    int rc = cl_metrics_render(&text, &len, svc->registry, err);
    return rc ? rc : cl_http_reply_owned(req, 200, "text/plain; version=0.0.4", text, len, err);
}

/* ---- job workers ---- */

static int stopping(cl_ai_service_t *svc)
{
    pthread_mutex_lock(&svc->lock);
    int s = svc->stopping;
    pthread_mutex_unlock(&svc->lock);
    return s;
}

static void run_job(cl_ai_service_t *svc, cl_job_t *job)
{
    json_t *resp = NULL;
    int retry_after = 0;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_ai_serve(&resp, svc, job->request, NULL, job->id, &retry_after, &err);
    cl_err_t ferr;
    cl_err_clear(&ferr);
    int frc =
        cl_jobs_finish(svc->jobs, job->id, svc->owner, rc == 0 ? resp : NULL,
                       rc ? cl_err_name(rc) : NULL, rc ? err.msg : NULL, cl_ai_now_ms(), &ferr);
    cl_log(frc == 0 ? CL_LOG_INFO : CL_LOG_WARN, "ai", frc == 0 ? "job_done" : "job_result_dropped",
           json_pack("{s:s,s:s,s:i,s:s?}", "job", job->id, "state", rc == 0 ? "done" : "failed",
                     "attempt", job->attempts, "error", frc ? ferr.msg : NULL));
    json_decref(resp);
}

static void *worker(void *payload)
{
    cl_ai_service_t *svc = payload;
    while (!stopping(svc)) {
        cl_job_t job;
        cl_err_t err;
        cl_err_clear(&err);
        int rc = cl_jobs_claim(&job, svc->jobs, svc->owner, cl_ai_now_ms(), svc->lease_ms, &err);
        if (rc == 0) {
            run_job(svc, &job);
            cl_job_dispose(&job);
            continue;
        }
        if (rc != CL_ENOTFOUND) {
            cl_log(CL_LOG_WARN, "ai", "job_claim_failed", json_pack("{s:s}", "error", err.msg));
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000000L; /* poll too: another process may have queued a job */
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&svc->lock);
        if (!svc->stopping) {
            pthread_cond_timedwait(&svc->wake, &svc->lock, &until);
        }
        pthread_mutex_unlock(&svc->lock);
    }
    return NULL;
}

static void *heartbeat(void *payload)
{
    cl_ai_service_t *svc = payload;
    int slept = 0;
    while (!stopping(svc)) {
        usleep(100 * 1000);
        slept += 100;
        if (slept >= svc->lease_ms / 3) {
            slept = 0;
            cl_err_t err;
            if (cl_jobs_renew(svc->jobs, svc->owner, cl_ai_now_ms(), svc->lease_ms, &err) != 0) {
                cl_log(CL_LOG_WARN, "ai", "job_lease_renew_failed",
                       json_pack("{s:s}", "error", err.msg));
            }
        }
    }
    return NULL;
}

/* ---- lifecycle ---- */

static void make_owner(char *out, size_t n)
{
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    unsigned char raw[4] = {0};
    if (RAND_bytes(raw, sizeof raw) != 1) {
        raw[0] = (unsigned char)time(NULL);
    }
    snprintf(out, n, "%s:%d:%02x%02x%02x%02x", host, (int)getpid(), raw[0], raw[1], raw[2], raw[3]);
}

static int open_state(cl_ai_service_t *svc, cl_err_t *err)
{
    int rc = cl_file_mkdirs(svc->cfg->state_dir, err);
    char path[1024];
    snprintf(path, sizeof path, "%s/ai.db", svc->cfg->state_dir);
    rc = rc ? rc : cl_ledger_open(&svc->ledger, path, &svc->budgets, err);
    rc = rc ? rc : cl_jobs_open(&svc->jobs, path, err);
    return rc;
}

static int add_routes(cl_ai_service_t *svc, cl_err_t *err)
{
    const cl_http_route_t routes[] = {
        {"POST", "/llm/summary", on_summary, svc, MAX_BODY},
        {"GET", "/llm/async", on_async, svc, 0},
        {"GET", "/llm/usage", on_usage, svc, 0},
        {"GET", "/healthz", on_healthz, svc, 0},
        {"GET", "/metrics", on_metrics, svc, 0},
    };
    for (size_t i = 0; i < CL_ARRAY_LEN(routes); i++) {
        int rc = cl_http_route(svc->http, &routes[i], err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Every prompt version a rollout arm names is loaded at start, so a missing file fails the start,
 * not a user's request. */
static int load_arm_prompts(cl_ai_service_t *svc, cl_err_t *err)
{
    const cl_rollout_t *r = &svc->models->rollout;
    svc->arm_prompts = calloc(r->n + 1, sizeof(cl_prompt_t *));
    if (!svc->arm_prompts) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++) {
        if (!r->arms[i].prompt_version) {
            continue;
        }
        int rc = cl_prompt_load(&svc->arm_prompts[i], svc->cfg->prompts_dir,
                                svc->models->prompt_name, r->arms[i].prompt_version, err);
        if (rc != 0) {
            return cl_err_wrap(err, "rollout arm '%s'", r->arms[i].name);
        }
    }
    return 0;
}

static int build(cl_ai_service_t *svc, int port, cl_err_t *err)
{
    int rc = read_service_section(svc, err);
    rc = rc ? rc : cl_models_load(&svc->models, svc->cfg->models_path, err);
    rc = rc ? rc
            : cl_prompt_load(&svc->prompt, svc->cfg->prompts_dir, svc->models->prompt_name,
                             svc->models->prompt_version, err);
    rc = rc ? rc : load_arm_prompts(svc, err);
    rc = rc ? rc : cl_transport_new(&svc->transport, err);
    rc = rc ? rc
            : cl_breaker_new(&svc->breaker, svc->models->breaker_failures,
                             svc->models->breaker_cooldown_ms, err);
    rc = rc ? rc : open_state(svc, err);
    rc = rc ? rc : cl_ai_cache_open(svc, err);
    rc = rc ? rc : cl_metrics_new(&svc->registry, err);
    if (rc != 0) {
        return rc;
    }
    declare_metrics(svc);
    rc = cl_metrics_on_render(svc->registry, on_render, svc, err);
    svc->env = (cl_summary_env_t){
        svc->models, svc->prompt, {svc->transport, svc->breaker, &svc->models->retry, {0}}};
    cl_http_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.service = "ai";
    opt.host = svc->cfg->ai_host;
    opt.port = port >= 0 ? port : svc->cfg->ai_port;
    opt.threads = 4;
    opt.slow_threads = svc->threads;
    opt.slow_queue = svc->threads * 8;
    opt.max_body = MAX_BODY;
    opt.metrics = svc->registry;
    opt.access_log = 1;
    rc = rc ? rc : cl_http_server_new(&svc->http, &opt, err);
    return rc ? rc : add_routes(svc, err);
}

int cl_ai_service_new(cl_ai_service_t **out, const cl_config_t *cfg, int port, cl_err_t *err)
{
    *out = NULL;
    cl_ai_service_t *svc = calloc(1, sizeof *svc);
    if (!svc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    svc->cfg = cfg;
    pthread_mutex_init(&svc->lock, NULL);
    pthread_cond_init(&svc->wake, NULL);
    pthread_cond_init(&svc->hooks_done, NULL);
    make_owner(svc->owner, sizeof svc->owner);
    const char *hook = getenv("CATLENS_AI_ALERT_WEBHOOK");
    svc->alert_webhook = hook && *hook ? hook : NULL;
    const char *token = getenv("CATLENS_AI_TOKEN");
    svc->token = token && *token ? token : NULL;
    if (!svc->token && strcmp(cfg->env, "dev") != 0) {
        cl_log(CL_LOG_WARN, "ai", "no_service_token",
               json_pack(
                   "{s:s,s:s}", "env", cfg->env, "msg",
                   "CATLENS_AI_TOKEN is not set: /llm/ accepts any caller that reaches ai.host"));
    }
    int rc = build(svc, port, err);
    if (rc != 0) {
        cl_ai_service_free(svc);
        return rc;
    }
    *out = svc;
    return 0;
}

int cl_ai_service_start(cl_ai_service_t *svc, cl_err_t *err)
{
    int rc = cl_http_server_start(svc->http, err);
    if (rc != 0) {
        return rc;
    }
    svc->port = cl_http_server_port(svc->http);
    svc->workers = calloc((size_t)svc->job_workers, sizeof *svc->workers);
    for (int i = 0; svc->workers && i < svc->job_workers; i++) {
        if (pthread_create(&svc->workers[i], NULL, worker, svc) == 0) {
            svc->nworkers++;
        }
    }
    svc->heartbeat_started = pthread_create(&svc->heartbeat, NULL, heartbeat, svc) == 0;
    cl_log(CL_LOG_INFO, "ai", "started",
           json_pack("{s:s,s:i,s:s,s:s,s:s}", "host", svc->cfg->ai_host, "port", svc->port, "model",
                     svc->models->default_model, "prompt_version", svc->prompt->version, "cache",
                     cl_cache_backend(svc->cache)));
    return 0;
}

int cl_ai_service_port(const cl_ai_service_t *svc)
{
    return svc->port;
}

void cl_ai_service_stop(cl_ai_service_t *svc)
{
    if (!svc) {
        return;
    }
    pthread_mutex_lock(&svc->lock);
    int was = svc->stopping;
    svc->stopping = 1;
    pthread_cond_broadcast(&svc->wake);
    pthread_mutex_unlock(&svc->lock);
    if (was) {
        return;
    }
    if (svc->http) {
        cl_http_server_shutdown(svc->http, 30000);
    }
    for (int i = 0; i < svc->nworkers; i++) {
        pthread_join(svc->workers[i], NULL); /* a running job finishes; queued ones stay queued */
    }
    if (svc->heartbeat_started) {
        pthread_join(svc->heartbeat, NULL);
    }
    cl_ai_alerts_drain(svc);
    svc->nworkers = 0;
    svc->heartbeat_started = 0;
}

void cl_ai_service_free(cl_ai_service_t *svc)
{
    if (!svc) {
        return;
    }
    cl_ai_service_stop(svc);
    cl_http_server_free(svc->http);
    free(svc->workers);
    cl_cache_close(svc->cache);
    cl_jobs_close(svc->jobs);
    cl_ledger_close(svc->ledger);
    cl_breaker_free(svc->breaker);
    cl_transport_free(svc->transport);
    cl_prompt_free(svc->prompt);
    for (size_t i = 0; svc->arm_prompts && i < svc->models->rollout.n; i++) {
        cl_prompt_free(svc->arm_prompts[i]);
    }
    free(svc->arm_prompts);
    cl_models_free(svc->models);
    cl_metrics_free(svc->registry);
    pthread_cond_destroy(&svc->wake);
    pthread_cond_destroy(&svc->hooks_done);
    pthread_mutex_destroy(&svc->lock);
    free(svc);
}
