/* serve.c — one summary request through the service's gates, in the order that spends least when it
 * fails: validation, rate limit, the request cache, single-flight, the budget reservation, the run,
 * the settlement, then the audit row, metrics and alerts. The money path is reserve → run → settle,
 * with the reservation as the run's hard ceiling, so nothing can spend what was not reserved. */
#include "ai/service_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/input.h"
#include "core/log.h"

int64_t cl_ai_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sha256_hex(char out[CL_AI_KEY_LEN], const char *a, const char *b, const char *c)
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *parts[] = {a, "\n", b, "\n", c};
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < CL_ARRAY_LEN(parts); i++) {
        if (parts[i]) {
            EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
        }
    }
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    for (size_t i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

/* The identity of a summary: model + prompt version + the report, canonically (sorted keys, full
 * precision). */
static int request_key(char key[CL_AI_KEY_LEN], char input_hash[CL_AI_KEY_LEN], const cl_model_t *m,
                       const char *version, json_t *report)
{
    char *canon = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!canon) {
        return CL_ENOMEM;
    }
    sha256_hex(input_hash, canon, NULL, NULL);
    sha256_hex(key, m->name, version, input_hash);
    free(canon);
    return 0;
}

static void output_hash(char out[CL_AI_KEY_LEN], json_t *response)
{
    char *text = json_dumps(response, JSON_COMPACT | JSON_SORT_KEYS);
    sha256_hex(out, text ? text : "", NULL, NULL);
    free(text);
}

/* ---- single-flight ---- */

/* Join the flight of KEY, or start it: returns the flight and sets *leader. */
static struct flight *flight_join(cl_ai_service_t *svc, const char *key, int *leader)
{
    pthread_mutex_lock(&svc->lock);
    struct flight *f = svc->flights;
    while (f && strcmp(f->key, key) != 0) {
        f = f->next;
    }
    *leader = f == NULL;
    if (!f && (f = calloc(1, sizeof *f)) != NULL) {
        snprintf(f->key, sizeof f->key, "%s", key);
        pthread_cond_init(&f->cond, NULL);
        f->next = svc->flights;
        svc->flights = f;
    }
    if (f) {
        f->refs++;
    }
    pthread_mutex_unlock(&svc->lock);
    return f;
}

static void flight_drop(cl_ai_service_t *svc, struct flight *f)
{
    /* under svc->lock */
    if (--f->refs == 0) {
        pthread_cond_destroy(&f->cond);
        json_decref(f->response);
        free(f);
    }
    (void)svc;
}

static void flight_publish(cl_ai_service_t *svc, struct flight *f, int rc, const cl_err_t *err,
                           json_t *response)
{
    pthread_mutex_lock(&svc->lock);
    for (struct flight **p = &svc->flights; *p; p = &(*p)->next) {
        if (*p == f) {
            *p = f->next; /* later arrivals find the cache instead */
            break;
        }
    }
    f->done = 1;
    f->rc = rc;
    if (err) {
        f->err = *err;
    }
    f->response = json_incref(response);
    pthread_cond_broadcast(&f->cond);
    flight_drop(svc, f);
    pthread_mutex_unlock(&svc->lock);
}

static int flight_wait(json_t **out, cl_ai_service_t *svc, struct flight *f, cl_err_t *err)
{
    pthread_mutex_lock(&svc->lock);
    while (!f->done) {
        pthread_cond_wait(&f->cond, &svc->lock);
    }
    int rc = f->rc;
    if (rc == 0) {
        *out = json_deep_copy(f->response);
    } else if (err) {
        *err = f->err;
    }
    flight_drop(svc, f);
    pthread_mutex_unlock(&svc->lock);
    return rc;
}

/* ---- the request ---- */

struct ctx {
    cl_ai_service_t *svc;
    cl_ai_input_t *in;
    const cl_model_t *model;
    cl_summary_env_t env; /* the service's, with the prompt this request is served */
    const char *arm;      /* the rollout arm the user is in, or NULL */
    const char *request_id, *job_id;
    char key[CL_AI_KEY_LEN], input_hash[CL_AI_KEY_LEN];
};

static void audit(struct ctx *c, const char *status, const cl_summary_result_t *r, json_t *response,
                  int cached, const char *reservation)
{
    char out_hash[CL_AI_KEY_LEN] = "";
    if (response) {
        output_hash(out_hash, response);
    }
    char *checks = response ? json_dumps(json_object_get(response, "checks"), JSON_COMPACT) : NULL;
    const cl_model_t *m = r && r->model ? r->model : c->model;
    cl_ledger_entry_t e = {c->request_id,
                           c->job_id,
                           c->in->user_id,
                           c->in->team,
                           c->in->role,
                           m->name,
                           cl_provider_name(m->provider),
                           c->env.prompt->version,
                           status,
                           r ? r->usage.prompt_tokens : 0,
                           r ? r->usage.completion_tokens : 0,
                           r ? r->usage.cached_tokens : 0,
                           r ? r->usage.reasoning_tokens : 0,
                           r ? r->cost_micros : 0,
                           cached,
                           c->input_hash,
                           response ? out_hash : NULL,
                           checks ? checks : "[]"};
    cl_err_t err;
    cl_err_clear(&err);
    int rc = reservation ? cl_ledger_settle(c->svc->ledger, reservation, &e, cl_ai_now_ms(), &err)
                         : cl_ledger_audit(c->svc->ledger, &e, cl_ai_now_ms(), &err);
    if (rc != 0) {
        /* the reservation expires on its own; the spend is in the log for reconciliation */
        cl_log(CL_LOG_ERROR, "ai", "ledger_write_failed",
               json_pack("{s:s,s:s?,s:I,s:s}", "error", err.msg, "request_id", c->request_id,
                         "cost_micros", (json_int_t)e.cost_micros, "user", e.user));
    }
    free(checks);
}

static void count_summary(struct ctx *c, const char *outcome, const cl_model_t *m)
{
    const char *labels[] = {m->name, cl_provider_name(m->provider), outcome};
    cl_metrics_inc(c->svc->m.summaries, labels, 1);
}

static void record_run(struct ctx *c, const cl_summary_result_t *r, double elapsed_ms)
{
    struct ai_metrics *m = &c->svc->m;
    const char *model[] = {r->model->name};
    const char *kinds[] = {"prompt", "completion", "cached", "reasoning"};
    int64_t counts[] = {r->usage.prompt_tokens, r->usage.completion_tokens, r->usage.cached_tokens,
                        r->usage.reasoning_tokens};
    for (size_t i = 0; i < 4; i++) {
        const char *l[] = {c->model->name, kinds[i]};
        cl_metrics_inc(m->tokens, l, (double)counts[i]);
    }
    const char *cm[] = {c->model->name};
    cl_metrics_inc(m->cost, cm, (double)r->cost_micros);
    cl_metrics_inc(m->calls, cm, r->calls);
    cl_metrics_inc(m->check_failures, NULL, r->check_failures);
    if (r->prompt_bytes > 0) {
        cl_metrics_observe(m->prompt_bytes, NULL, r->prompt_bytes);
    }
    cl_metrics_observe(m->latency, NULL, elapsed_ms / 1000.0);
    double overhead = elapsed_ms - r->provider_ms;
    cl_metrics_observe(m->overhead, NULL, (overhead > 0 ? overhead : 0) / 1000.0);
    count_summary(c,
                  r->fell_back        ? "fallback"
                  : r->check_failures ? "repaired"
                                      : "model",
                  r->model);
    (void)model;
    cl_ai_alerts_record(c->svc, r->check_failures + 1, r->check_failures, r->cost_micros,
                        cl_ai_now_ms());
}

/* Reserve, run, settle. *out is new. */
static int run_paid(json_t **out, struct ctx *c, cl_err_t *err)
{
    cl_ai_service_t *svc = c->svc;
    double start = mono_ms();
    int64_t reserve = cl_summary_reservation(&c->env, c->in, c->model);
    char reservation[33] = "";
    int rc = cl_ledger_reserve(reservation, svc->ledger, c->in->user_id, c->in->team, reserve,
                               cl_ai_now_ms(), err);
    if (rc == CL_EBUDGET) {
        const char *scope[] = {strstr(err->msg, "team") == err->msg ? "team" : "user"};
        cl_metrics_inc(svc->m.budget_denials, scope, 1);
        count_summary(c, "denied_budget", c->model);
        audit(c, "denied_budget", NULL, NULL, 0, NULL);
        return rc;
    }
    if (rc != 0) {
        return rc;
    }
    cl_summary_result_t r;
    rc = cl_summary_run(&r, &c->env, c->in, c->model, reserve, err);
    if (rc != 0) {
        cl_summary_result_t none;
        memset(&none, 0, sizeof none);
        audit(c, "error", &none, NULL, 0, reservation); /* releases the reservation */
        return rc;
    }
    audit(c, r.fell_back ? "fallback" : "ok", &r, r.response, 0, reservation);
    record_run(c, &r,
               mono_ms() - start); /* after the settlement: the overhead includes the ledger */
    if (!r.fell_back) {
        cl_ai_cache_put(svc, c->key,
                        r.response); /* a fallback is not what the model would say: not cached */
    }
    *out =
        json_deep_copy(r.response); /* the flight shares r.response with waiters: hand out a copy */
    cl_summary_result_dispose(&r);
    return 0;
}

static void mark_cached(json_t *resp, const char *request_id)
{
    json_object_set_new(resp, "cached", json_true());
    json_t *usage = json_object_get(resp, "usage");
    const char *zero[] = {"prompt_tokens",    "completion_tokens", "cached_tokens",
                          "reasoning_tokens", "cost_micros",       "calls",
                          "reserved_micros"};
    for (size_t i = 0; i < CL_ARRAY_LEN(zero); i++) {
        json_object_set_new(usage, zero[i], json_integer(0)); /* this request paid nothing */
    }
    if (request_id) {
        json_object_set_new(resp, "request_id", json_string(request_id));
    }
}

/* The prompt of VERSION: the default one or one a rollout arm loaded; NULL when none is served. */
static const cl_prompt_t *served_prompt(const cl_ai_service_t *svc, const char *version)
{
    if (strcmp(version, svc->prompt->version) == 0) {
        return svc->prompt;
    }
    for (size_t i = 0; i < svc->models->rollout.n; i++) {
        if (svc->arm_prompts[i] && strcmp(svc->arm_prompts[i]->version, version) == 0) {
            return svc->arm_prompts[i];
        }
    }
    return NULL;
}

/* Model and prompt: what the request names, else what the user's rollout arm gives, else the
 * defaults. */
static int resolve(struct ctx *c, json_t *request, cl_err_t *err)
{
    int rc = cl_ai_input_new(&c->in, request, err);
    if (rc != 0) {
        return rc;
    }
    const cl_rollout_t *rollout = &c->svc->models->rollout;
    const cl_rollout_arm_t *arm = cl_rollout_pick(rollout, c->in->user_id);
    c->arm = arm ? arm->name : NULL;
    c->env = c->svc->env;
    if (arm && arm->prompt_version) {
        c->env.prompt = c->svc->arm_prompts[arm - rollout->arms];
    }
    const char *model = json_string_value(json_object_get(request, "model"));
    if (!model && arm) {
        model = arm->model;
    }
    rc = cl_models_find_priced(&c->model, c->svc->models, model, err);
    if (rc == CL_ENOTFOUND) {
        rc = cl_err_set(err, CL_EINVAL, "unknown model '%s'", model);
    }
    const char *version = json_string_value(json_object_get(request, "prompt_version"));
    if (rc == 0 && version) {
        c->env.prompt = served_prompt(c->svc, version);
        if (!c->env.prompt) {
            rc = cl_err_set(err, CL_EINVAL, "prompt version '%s' is not served (the default is %s)",
                            version, c->svc->prompt->version);
        }
    }
    if (rc == 0 &&
        request_key(c->key, c->input_hash, c->model, c->env.prompt->version, c->in->report) != 0) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        const char *label[] = {c->arm ? c->arm : "default"};
        cl_metrics_inc(c->svc->m.rollout, label, 1);
    }
    return rc;
}

int cl_ai_serve(json_t **out, cl_ai_service_t *svc, json_t *request, const char *request_id,
                const char *job_id, int *retry_after_s, cl_err_t *err)
{
    *out = NULL;
    struct ctx c = {svc, NULL, NULL, svc->env, NULL, request_id, job_id, "", ""};
    int rc = resolve(&c, request, err);
    if (rc == 0 && !job_id) { /* an accepted job was rate limited when it was submitted */
        rc = cl_ai_rate_limit(svc, c.in->user_id, c.in->role, cl_ai_now_ms(), retry_after_s, err);
        if (rc == CL_ERATELIMIT) {
            count_summary(&c, "rate_limited", c.model);
            audit(&c, "rate_limited", NULL, NULL, 0, NULL);
        }
    }
    json_t *resp = NULL;
    int hit = 0;
    if (rc == 0 && cl_ai_cache_get(&resp, svc, c.key) == 0) {
        const char *kind[] = {"cache"};
        cl_metrics_inc(svc->m.cache_hits, kind, 1);
        hit = 1;
    } else if (rc == 0) {
        cl_metrics_inc(svc->m.cache_misses, NULL, 1);
        int leader = 0;
        struct flight *f = flight_join(svc, c.key, &leader);
        if (!f) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        } else if (leader) {
            rc = run_paid(&resp, &c, err);
            flight_publish(svc, f, rc, err, resp);
        } else {
            rc = flight_wait(&resp, svc, f,
                             err); /* one provider call serves every identical request */
            const char *kind[] = {"single_flight"};
            cl_metrics_inc(svc->m.cache_hits, kind, 1);
            hit = 1;
        }
    }
    if (rc == 0 && hit) {
        mark_cached(resp, request_id);
        count_summary(&c, "cached", c.model);
        audit(&c, "cache_hit", NULL, resp, 1, NULL);
    } else if (rc == 0 && request_id) {
        json_object_set_new(resp, "request_id", json_string(request_id));
    }
    if (rc != 0) {
        const char *kind[] = {cl_err_name(rc)};
        cl_metrics_inc(svc->m.errors, kind, 1);
        json_decref(resp);
        resp = NULL;
    }
    cl_ai_input_free(c.in);
    *out = resp;
    return rc;
}
