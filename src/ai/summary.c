/* summary.c — the orchestration of one summary. Every path ends in an answer that passed the
 * guardrails: the chosen model's, its repaired answer, a fallback model's, or the offline
 * narrator's, which cannot fail. What happened on the way is written into `checks`, so a reader
 * (and the audit) can see why a summary reads as it does. */
#include "ai/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/agent.h"
#include "ai/encode.h"
#include "ai/guard.h"
#include "ai/narrator.h"
#include "core/log.h"

#define MSG_OVERHEAD_TOKENS ((int64_t)32) /* role and framing tokens per message, generously */

struct run {
    const cl_summary_env_t *env;
    const cl_ai_input_t *in;
    cl_summary_result_t *out;
    json_t *checks;
    int64_t budget;
    int answers; /* answers judged so far */
    int tool_calls;
};

void cl_summary_result_dispose(cl_summary_result_t *r)
{
    json_decref(r->response);
    memset(r, 0, sizeof *r);
}

static void add_check(json_t *checks, const char *name, const char *status, const char *detail,
                      int attempt)
{
    json_t *c = json_pack("{s:s,s:s}", "name", name, "status", status);
    if (c && detail) {
        json_object_set_new(c, "detail",
                            json_stringn(detail, strlen(detail) > 1000 ? 1000 : strlen(detail)));
    }
    if (c && attempt > 0) {
        json_object_set_new(c, "attempt", json_integer(attempt));
    }
    json_array_append_new(checks, c);
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* Worst-case micro-units of one call whose prompt is at most PROMPT_TOKENS tokens. */
static int64_t worst_cost(const cl_model_t *m, int64_t prompt_tokens, int max_output)
{
    cl_price_t p = m->price;
    __int128 in = (__int128)prompt_tokens * max3(p.input, p.cached_input, p.cache_write);
    __int128 out = (__int128)max_output * (p.output > p.reasoning ? p.output : p.reasoning);
    __int128 micros = (in + out + 999999) / 1000000;
    return micros > INT64_MAX ? INT64_MAX : (int64_t)micros;
}

/* An upper bound of the prompt tokens of SYSTEM + MSGS + TOOLS: their bytes (no tokenizer makes
 * more tokens than bytes) plus framing. */
static int64_t prompt_upper(const char *system, json_t *msgs, json_t *tools)
{
    char *m = json_dumps(msgs, JSON_COMPACT);
    char *t = tools ? json_dumps(tools, JSON_COMPACT) : NULL;
    int64_t n = (int64_t)strlen(system) + (m ? (int64_t)strlen(m) : 0) +
                (t ? (int64_t)strlen(t) : 0) +
                MSG_OVERHEAD_TOKENS * (int64_t)(json_array_size(msgs) + 1);
    free(m);
    free(t);
    return n;
}

int64_t cl_summary_reservation(const cl_summary_env_t *env, const cl_ai_input_t *in,
                               const cl_model_t *model)
{
    if (model->provider == CL_PROVIDER_OFFLINE) {
        return 0;
    }
    char *data = NULL;
    if (cl_encode_report(&data, in, model->tools ? CL_ENCODE_AGENT : CL_ENCODE_FULL, NULL) != 0) {
        return env->models->agent_max_cost_micros;
    }
    json_t *tools = model->tools ? cl_agent_tools() : NULL;
    char *tools_json = tools ? json_dumps(tools, JSON_COMPACT) : NULL;
    int64_t bytes = (int64_t)strlen(env->prompt->system) + (int64_t)strlen(env->prompt->user) +
                    (int64_t)strlen(data) + (tools_json ? (int64_t)strlen(tools_json) : 0) +
                    4 * MSG_OVERHEAD_TOKENS;
    free(tools_json);
    json_decref(tools);
    free(data);
    int max_out = env->prompt->max_output_tokens;
    int calls = (model->tools ? env->models->agent_max_steps : 1) +
                1; /* agent steps, then the one re-ask */
    int64_t total = 0;
    for (int k = 0; k < calls; k++) {
        total += worst_cost(model, bytes, max_out);
        /* the next call carries this answer (at most max_out tokens) and a tool result or the
         * repair text */
        bytes += max_out + CL_AGENT_RESULT_MAX + (int64_t)strlen(env->prompt->repair) +
                 CL_GUARD_PROBLEMS_MAX + 2 * MSG_OVERHEAD_TOKENS;
    }
    int64_t cap = env->models->agent_max_cost_micros;
    return total < cap ? total : cap;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void add_usage(struct run *r, const cl_model_t *m, const cl_usage_t *u)
{
    cl_usage_t *t = &r->out->usage;
    t->prompt_tokens += u->prompt_tokens;
    t->cached_tokens += u->cached_tokens;
    t->cache_write_tokens += u->cache_write_tokens;
    t->completion_tokens += u->completion_tokens;
    t->reasoning_tokens += u->reasoning_tokens;
    r->out->cost_micros += cl_price_cost(&m->price, u);
    r->out->calls++;
}

/* One model call, admitted only if its worst case fits in what is left of the budget. */
static int call_model(struct run *r, const cl_model_t *m, json_t *msgs, json_t *tools,
                      cl_llm_reply_t *reply, cl_err_t *err)
{
    const cl_prompt_t *p = r->env->prompt;
    int64_t worst = worst_cost(m, prompt_upper(p->system, msgs, tools), p->max_output_tokens);
    if (r->out->cost_micros + worst > r->budget) {
        return cl_err_set(err, CL_EBUDGET,
                          "model %s: a call could cost up to %lld micros, %lld left", m->name,
                          (long long)worst, (long long)(r->budget - r->out->cost_micros));
    }
    cl_llm_call_t call = {m, p->system, msgs, tools, p->max_output_tokens, p->temperature, r->in};
    double start = mono_ms();
    int rc = cl_llm_call(reply, &r->env->llm, &call, NULL, err);
    if (m->provider != CL_PROVIDER_OFFLINE) {
        r->out->provider_ms += mono_ms() - start;
    }
    if (rc == 0) {
        add_usage(r, m, &reply->usage);
    }
    return rc;
}

static int run_tools(struct run *r, json_t *msgs, const cl_llm_reply_t *reply)
{
    json_t *results = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(reply->tool_calls, i, c)
    {
        char *text = cl_agent_run(r->in, json_string_value(json_object_get(c, "name")),
                                  json_object_get(c, "args"));
        if (!text) {
            json_decref(results);
            return CL_ENOMEM;
        }
        json_array_append_new(
            results,
            json_pack("{s:s?,s:s?,s:s}", "id", json_string_value(json_object_get(c, "id")), "name",
                      json_string_value(json_object_get(c, "name")), "content", text));
        free(text);
        r->tool_calls++;
    }
    json_array_append_new(msgs, json_pack("{s:s,s:n,s:O}", "role", "assistant", "text",
                                          "tool_calls", reply->tool_calls));
    json_array_append_new(msgs, json_pack("{s:s,s:o}", "role", "tool", "results", results));
    return 0;
}

/* Talk to M until it answers with text: tool calls are served while the agent bounds allow; the
 * last permitted step is offered no tools, so it must answer. *answer is new: free(). */
static int converse(struct run *r, const cl_model_t *m, json_t *msgs, int allow_tools,
                    char **answer, cl_err_t *err)
{
    const cl_models_t *cfg = r->env->models;
    json_t *tools = allow_tools && m->tools ? cl_agent_tools() : NULL;
    int rc = 0;
    for (int step = 1;; step++) {
        int64_t used = r->out->usage.prompt_tokens + r->out->usage.completion_tokens;
        int last = step >= cfg->agent_max_steps || used >= cfg->agent_max_tokens;
        cl_llm_reply_t reply;
        rc = call_model(r, m, msgs, last ? NULL : tools, &reply, err);
        if (rc != 0) {
            break;
        }
        if (!last && tools && json_array_size(reply.tool_calls) > 0) {
            rc = run_tools(r, msgs, &reply);
            cl_llm_reply_dispose(&reply);
            if (rc != 0) {
                break;
            }
            continue;
        }
        *answer = reply.text;
        reply.text = NULL;
        cl_llm_reply_dispose(&reply);
        break;
    }
    json_decref(tools);
    return rc;
}

static void record_guard(struct run *r, const cl_guard_report_t *g)
{
    size_t i;
    json_t *c;
    json_array_foreach(g->checks, i, c)
    {
        json_t *copy = json_deep_copy(c);
        json_object_set_new(copy, "attempt", json_integer(r->answers));
        json_array_append_new(r->checks, copy);
    }
}

/* Judge ANSWER; on success move the summary into *summary. Returns 1 when it passed. */
static int judge(struct run *r, const char *answer, json_t **summary, char *problems, size_t n,
                 cl_err_t *err)
{
    cl_guard_report_t g;
    if (cl_guard_check(&g, r->in, answer, err) != 0) {
        return -1;
    }
    r->answers++;
    record_guard(r, &g);
    int ok = g.ok;
    if (ok) {
        *summary = json_incref(g.summary);
    } else {
        r->out->check_failures++;
        snprintf(problems, n, "%s", g.problems);
    }
    cl_guard_report_dispose(&g);
    return ok;
}

/* 0: *summary holds M's checked answer; CL_EDATA: it failed the checks twice; else M failed as a
 * service. */
static int try_model(struct run *r, const cl_model_t *m, json_t **summary, cl_err_t *err)
{
    char *data = NULL, *user = NULL, *answer = NULL, *repair = NULL;
    char problems[CL_GUARD_PROBLEMS_MAX];
    json_t *msgs = json_array();
    int rc = cl_encode_report(&data, r->in, m->tools ? CL_ENCODE_AGENT : CL_ENCODE_FULL, err);
    rc = rc ? rc
            : cl_prompt_user(
                  &user, r->env->prompt, data,
                  m->tools ? "Tools: drill, compare_window and metric_definition give more detail."
                           : "",
                  err);
    if (rc == 0) {
        if (r->out->prompt_bytes == 0) {
            r->out->prompt_bytes = (int)(strlen(r->env->prompt->system) + strlen(user));
        }
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "text", user));
        rc = converse(r, m, msgs, 1, &answer, err);
    }
    int verdict = rc == 0 ? judge(r, answer, summary, problems, sizeof problems, err) : 0;
    if (rc == 0 && verdict == 0) {
        add_check(r->checks, "repair", "applied", "the answer failed the checks: asked once more",
                  0);
        rc = cl_prompt_repair(&repair, r->env->prompt, problems, err);
        if (rc == 0) {
            json_array_append_new(msgs,
                                  json_pack("{s:s,s:s}", "role", "assistant", "text", answer));
            json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "text", repair));
            free(answer);
            answer = NULL;
            rc = converse(r, m, msgs, 0, &answer, err);
        }
        verdict = rc == 0 ? judge(r, answer, summary, problems, sizeof problems, err) : 0;
        rc = rc == 0 && verdict == 0 ? CL_EDATA : rc;
    }
    if (verdict < 0) {
        rc = CL_ENOMEM;
    }
    free(data);
    free(user);
    free(answer);
    free(repair);
    json_decref(msgs);
    return rc;
}

static int narrate(struct run *r, json_t **summary, cl_err_t *err)
{
    json_t *answer = NULL;
    int rc = cl_narrator_write(&answer, r->in, err);
    if (rc != 0) {
        return rc;
    }
    cl_guard_report_t g;
    rc = cl_guard_check_json(&g, r->in, answer, err);
    json_decref(answer);
    if (rc != 0) {
        return rc;
    }
    r->answers++;
    record_guard(r, &g);
    if (!g.ok) {
        cl_log(CL_LOG_ERROR, "ai", "narrator_failed_checks",
               json_pack("{s:s}", "problems", g.problems));
        cl_guard_report_dispose(&g);
        return cl_err_set(err, CL_EINTERNAL, "the offline narrator failed its own checks");
    }
    *summary = json_incref(g.summary);
    cl_guard_report_dispose(&g);
    return 0;
}

static const cl_model_t *offline_model(const cl_models_t *models)
{
    for (size_t i = 0; i < models->n; i++) {
        if (models->items[i].provider == CL_PROVIDER_OFFLINE) {
            return &models->items[i];
        }
    }
    return NULL;
}

/* The models to try in order: MODEL, then the chain, each once, network models only (the narrator
 * ends it). */
static size_t plan(const cl_model_t **out, size_t cap, const cl_models_t *models,
                   const cl_model_t *model)
{
    size_t n = 0;
    if (model->provider != CL_PROVIDER_OFFLINE) {
        out[n++] = model;
    }
    for (size_t i = 0; i < models->nchain && n < cap; i++) {
        const cl_model_t *m = cl_models_find(models, models->chain[i]);
        int seen = m == NULL || m->provider == CL_PROVIDER_OFFLINE;
        for (size_t k = 0; k < n && !seen; k++) {
            seen = out[k] == m;
        }
        if (!seen) {
            out[n++] = m;
        }
    }
    return n;
}

static json_t *build_response(struct run *r, json_t *summary, const cl_model_t *used)
{
    const cl_usage_t *u = &r->out->usage;
    json_t *resp = json_deep_copy(summary);
    json_object_set_new(
        resp, "usage",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:i,s:I}", "prompt_tokens", (json_int_t)u->prompt_tokens,
                  "completion_tokens", (json_int_t)u->completion_tokens, "cached_tokens",
                  (json_int_t)u->cached_tokens, "reasoning_tokens", (json_int_t)u->reasoning_tokens,
                  "cost_micros", (json_int_t)r->out->cost_micros, "calls", r->out->calls,
                  "reserved_micros", (json_int_t)(r->budget > 0 ? r->budget : 0)));
    json_object_set_new(resp, "model", json_string(used->name));
    json_object_set_new(resp, "provider", json_string(cl_provider_name(used->provider)));
    json_object_set_new(resp, "prompt_version", json_string(r->env->prompt->version));
    json_object_set_new(resp, "cached", json_false());
    json_object_set_new(resp, "checks", json_incref(r->checks));
    return resp;
}

int cl_summary_run(cl_summary_result_t *out, const cl_summary_env_t *env, const cl_ai_input_t *in,
                   const cl_model_t *model, int64_t budget_micros, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    struct run r = {env, in, out, json_array(), budget_micros, 0, 0};
    const cl_model_t *order[16];
    size_t n = plan(order, CL_ARRAY_LEN(order), env->models, model);
    json_t *summary = NULL;
    const cl_model_t *used = NULL;
    int rc = r.checks ? 0 : CL_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n && !summary; i++) {
        cl_err_t merr;
        cl_err_clear(&merr);
        int mrc = try_model(&r, order[i], &summary, &merr);
        if (mrc == 0) {
            used = order[i];
        } else if (mrc == CL_ENOMEM || mrc == CL_EINTERNAL) {
            rc = cl_err_set(err, mrc, "%s", merr.msg);
        } else if (mrc == CL_EDATA) {
            add_check(r.checks, "fallback", "applied",
                      "the answer failed the checks twice: the offline narrator wrote the summary",
                      0);
            break;
        } else {
            add_check(r.checks, mrc == CL_EBUDGET ? "budget" : "provider", "fail", merr.msg, 0);
            cl_log(CL_LOG_WARN, "ai", "model_failed",
                   json_pack("{s:s,s:s,s:s}", "model", order[i]->name, "error", cl_err_name(mrc),
                             "msg", merr.msg));
        }
    }
    if (rc == 0 && !summary) {
        if (n > 0 && json_array_size(r.checks) > 0 && !used) {
            json_t *last = json_array_get(r.checks, json_array_size(r.checks) - 1);
            if (strcmp(json_string_value(json_object_get(last, "name")), "fallback") != 0) {
                add_check(r.checks, "fallback", "applied",
                          "no model could answer: the offline narrator wrote the summary", 0);
            }
        }
        /* an offline model asked for by name answers under its own name */
        used = model->provider == CL_PROVIDER_OFFLINE ? model : offline_model(env->models);
        rc = used ? narrate(&r, &summary, err)
                  : cl_err_set(err, CL_ECONFIG, "models.yaml has no offline model");
        out->fell_back = model->provider != CL_PROVIDER_OFFLINE;
    }
    if (rc == 0 && r.tool_calls > 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "%d tool call%s", r.tool_calls,
                 r.tool_calls > 1 ? "s" : "");
        add_check(r.checks, "agent", "applied", detail, 0);
    }
    if (rc == 0) {
        out->model = used;
        out->response = build_response(&r, summary, used);
        rc = out->response ? 0 : cl_err_set(err, CL_ENOMEM, "summary: out of memory");
    }
    json_decref(summary);
    json_decref(r.checks);
    return rc;
}
