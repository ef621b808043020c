/* models.c — the model table and the price arithmetic. Money is integers: micro-units per million
 * tokens in, micro-units out, rounded up, so a ledger of many calls adds up exactly and never
 * under-charges. */
#include "ai/models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/yaml.h"

static const char *const PROVIDERS[] = {"openai", "gemini", "anthropic", "offline"};

const char *cl_provider_name(cl_provider_kind_t kind)
{
    return (unsigned)kind < CL_ARRAY_LEN(PROVIDERS) ? PROVIDERS[kind] : "offline";
}

static int64_t clamp0(int64_t v)
{
    return v < 0 ? 0 : v;
}

int64_t cl_price_cost(const cl_price_t *p, const cl_usage_t *u)
{
    int64_t cached = clamp0(u->cached_tokens), writes = clamp0(u->cache_write_tokens);
    int64_t uncached = clamp0(u->prompt_tokens - cached - writes);
    int64_t reasoning = clamp0(u->reasoning_tokens);
    int64_t visible = clamp0(u->completion_tokens - reasoning);
    __int128 total = (__int128)uncached * p->input + (__int128)cached * p->cached_input +
                     (__int128)writes * p->cache_write + (__int128)visible * p->output +
                     (__int128)reasoning * p->reasoning;
    __int128 micros = (total + 999999) / 1000000;
    return micros > INT64_MAX ? INT64_MAX : (int64_t)micros;
}

static int get_int(long long *out, json_t *obj, const char *key, long long def, long long lo,
                   long long hi, const char *where, cl_err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return cl_err_set(err, CL_ECONFIG, "%s: '%s' must be an integer between %lld and %lld",
                          where, key, lo, hi);
    }
    *out = json_integer_value(v);
    return 0;
}

static int dup_str(char **out, json_t *obj, const char *key, const char *def, const char *where,
                   cl_err_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_string(v)) {
        return cl_err_set(err, CL_ECONFIG, "%s: '%s' must be a string", where, key);
    }
    const char *s = v ? json_string_value(v) : def;
    *out = s ? strdup(s) : NULL;
    return (s && !*out) ? cl_err_set(err, CL_ENOMEM, "out of memory") : 0;
}

static int check_keys(json_t *obj, const char *const *known, const char *where, cl_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        int ok = 0;
        for (size_t i = 0; known[i]; i++) {
            ok = ok || strcmp(known[i], k) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_ECONFIG, "%s: unknown key '%s'", where, k);
        }
    }
    return 0;
}

static int read_price(cl_model_t *m, json_t *price, const char *where, cl_err_t *err)
{
    static const char *const keys[] = {"input",     "cached_input", "output",
                                       "reasoning", "cache_write",  NULL};
    if (!price) {
        return 0;
    }
    if (!json_is_object(price)) {
        return cl_err_set(err, CL_ECONFIG, "%s: 'price' must be a mapping", where);
    }
    int rc = check_keys(price, keys, where, err);
    long long in = 0, cin = 0, out = 0, reason = 0, cw = 0;
    const long long max = 1000000000000LL; /* a million currency units per million tokens */
    if (rc == 0 && !json_object_get(price, "input")) {
        rc = cl_err_set(err, CL_ECONFIG, "%s: price needs 'input' and 'output'", where);
    }
    if (rc == 0 && !json_object_get(price, "output")) {
        rc = cl_err_set(err, CL_ECONFIG, "%s: price needs 'input' and 'output'", where);
    }
    rc = rc ? rc : get_int(&in, price, "input", 0, 0, max, where, err);
    rc = rc ? rc : get_int(&out, price, "output", 0, 0, max, where, err);
    rc = rc ? rc : get_int(&cin, price, "cached_input", in, 0, max, where, err);
    rc = rc ? rc : get_int(&reason, price, "reasoning", out, 0, max, where, err);
    rc = rc ? rc : get_int(&cw, price, "cache_write", in, 0, max, where, err);
    if (rc == 0) {
        m->price = (cl_price_t){in, cin, out, reason, cw};
        m->priced = 1;
    }
    return rc;
}

static int read_model(cl_model_t *m, const char *name, json_t *obj, cl_err_t *err)
{
    static const char *const keys[] = {"provider",   "model", "endpoint", "api_key_env", "auth",
                                       "timeout_ms", "tools", "price",    NULL};
    char where[160];
    snprintf(where, sizeof where, "models.%s", name);
    if (!json_is_object(obj)) {
        return cl_err_set(err, CL_ECONFIG, "%s: must be a mapping", where);
    }
    int rc = check_keys(obj, keys, where, err);
    if (rc != 0) {
        return rc;
    }
    const char *prov = json_string_value(json_object_get(obj, "provider"));
    int kind = -1;
    for (int i = 0; prov && i < (int)CL_ARRAY_LEN(PROVIDERS); i++) {
        kind = strcmp(prov, PROVIDERS[i]) == 0 ? i : kind;
    }
    if (kind < 0) {
        return cl_err_set(err, CL_ECONFIG,
                          "%s: 'provider' must be openai, gemini, anthropic or offline", where);
    }
    m->provider = (cl_provider_kind_t)kind;
    if ((m->name = strdup(name)) == NULL) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    long long timeout = 0;
    rc = dup_str(&m->model, obj, "model", name, where, err);
    rc = rc ? rc : dup_str(&m->endpoint, obj, "endpoint", NULL, where, err);
    rc = rc ? rc : dup_str(&m->api_key_env, obj, "api_key_env", NULL, where, err);
    rc = rc ? rc : dup_str(&m->auth, obj, "auth", "bearer", where, err);
    rc = rc ? rc : get_int(&timeout, obj, "timeout_ms", 20000, 100, 600000, where, err);
    rc = rc ? rc : read_price(m, json_object_get(obj, "price"), where, err);
    if (rc != 0) {
        return rc;
    }
    m->timeout_ms = (int)timeout;
    json_t *tools = json_object_get(obj, "tools");
    m->tools = json_is_true(tools);
    if (m->provider != CL_PROVIDER_OFFLINE && !m->endpoint) {
        return cl_err_set(err, CL_ECONFIG, "%s: 'endpoint' is required for provider %s", where,
                          prov);
    }
    if (strcmp(m->auth, "bearer") != 0 && strcmp(m->auth, "api-key") != 0 &&
        strcmp(m->auth, "none") != 0) {
        return cl_err_set(err, CL_ECONFIG, "%s: 'auth' must be bearer, api-key or none", where);
    }
    return 0;
}

static int read_policies(cl_models_t *m, json_t *doc, cl_err_t *err)
{
    json_t *retry = json_object_get(doc, "retry"), *breaker = json_object_get(doc, "breaker");
    json_t *agent = json_object_get(doc, "agent"), *prompt = json_object_get(doc, "prompt");
    long long a = 0, b = 0, c = 0, d = 0;
    int rc = get_int(&a, retry, "max_attempts", 3, 1, 10, "retry", err);
    rc = rc ? rc : get_int(&b, retry, "base_ms", 200, 1, 60000, "retry", err);
    rc = rc ? rc : get_int(&c, retry, "max_ms", 5000, 1, 600000, "retry", err);
    rc = rc ? rc : get_int(&d, retry, "max_retry_after_ms", 10000, 0, 600000, "retry", err);
    m->retry = (cl_retry_policy_t){(int)a, (int)b, (int)c, (int)d};
    rc = rc ? rc : get_int(&a, breaker, "failures", 5, 1, 1000, "breaker", err);
    rc = rc ? rc : get_int(&b, breaker, "cooldown_ms", 30000, 1, 3600000, "breaker", err);
    m->breaker_failures = (int)a;
    m->breaker_cooldown_ms = (int)b;
    rc = rc ? rc : get_int(&a, agent, "max_steps", 4, 1, 16, "agent", err);
    rc = rc ? rc : get_int(&b, agent, "max_tokens", 24000, 1000, 10000000, "agent", err);
    rc = rc ? rc : get_int(&c, agent, "max_cost_micros", 200000, 0, 1000000000000LL, "agent", err);
    m->agent_max_steps = (int)a;
    m->agent_max_tokens = b;
    m->agent_max_cost_micros = c;
    rc = rc ? rc : dup_str(&m->prompt_name, prompt, "name", "wbr_summary", "prompt", err);
    rc = rc ? rc : dup_str(&m->prompt_version, prompt, "version", "v1", "prompt", err);
    return rc;
}

static int read_chain(cl_models_t *m, json_t *doc, cl_err_t *err)
{
    json_t *chain = json_object_get(doc, "chain");
    if (chain && !json_is_array(chain)) {
        return cl_err_set(err, CL_ECONFIG, "'chain' must be a list of model names");
    }
    m->nchain = json_array_size(chain);
    m->chain = calloc(m->nchain + 1, sizeof *m->chain);
    if (!m->chain) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->nchain; i++) {
        const char *name = json_string_value(json_array_get(chain, i));
        const cl_model_t *model = name ? cl_models_find(m, name) : NULL;
        if (!model) {
            return cl_err_set(err, CL_ECONFIG, "chain[%zu]: no such model", i);
        }
        if (!model->priced) {
            return cl_err_set(err, CL_ECONFIG, "chain[%zu]: model '%s' has no price", i, name);
        }
        if ((m->chain[i] = strdup(name)) == NULL) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

static int priced_model(void *payload, const char *name)
{
    const cl_model_t *model = cl_models_find(payload, name);
    return model && model->priced;
}

static int read_doc(cl_models_t *m, json_t *doc, cl_err_t *err)
{
    static const char *const keys[] = {"default", "chain",  "prompt",  "retry", "breaker",
                                       "agent",   "models", "rollout", NULL};
    int rc = check_keys(doc, keys, "models.yaml", err);
    json_t *models = json_object_get(doc, "models");
    if (rc == 0 && (!json_is_object(models) || json_object_size(models) == 0)) {
        rc = cl_err_set(err, CL_ECONFIG, "'models' must map at least one model");
    }
    if (rc != 0) {
        return rc;
    }
    m->items = calloc(json_object_size(models), sizeof *m->items);
    if (!m->items) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    const char *k;
    json_t *v;
    json_object_foreach(models, k, v)
    {
        rc = read_model(&m->items[m->n], k, v, err);
        m->n++;
        if (rc != 0) {
            return rc;
        }
    }
    rc = dup_str(&m->default_model, doc, "default", m->items[0].name, "models.yaml", err);
    if (rc == 0 && !cl_models_find(m, m->default_model)) {
        rc = cl_err_set(err, CL_ECONFIG, "'default' names no model");
    }
    rc = rc ? rc : read_policies(m, doc, err);
    rc = rc ? rc : read_chain(m, doc, err);
    return rc ? rc
              : cl_rollout_read(&m->rollout, json_object_get(doc, "rollout"), priced_model, m, err);
}

int cl_models_parse(cl_models_t **out, const char *yaml, size_t len, const char *name,
                    cl_err_t *err)
{
    *out = NULL;
    json_t *doc = NULL;
    int rc = cl_yaml_parse(&doc, yaml, len, name, err);
    if (rc != 0) {
        return cl_err_set(err, CL_ECONFIG, "%s", err ? err->msg : "bad YAML");
    }
    cl_models_t *m = calloc(1, sizeof *m);
    rc = m ? read_doc(m, doc, err) : cl_err_set(err, CL_ENOMEM, "out of memory");
    json_decref(doc);
    if (rc != 0) {
        if (err && strncmp(err->msg, name, strlen(name)) != 0) {
            cl_err_wrap(err, "%s", name);
        }
        cl_models_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int cl_models_load(cl_models_t **out, const char *path, cl_err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = cl_file_read_all(&text, &len, path, 1 << 20, err);
    if (rc != 0) {
        return rc;
    }
    rc = cl_models_parse(out, text, len, path, err);
    free(text);
    return rc;
}

void cl_models_free(cl_models_t *m)
{
    if (!m) {
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        free(m->items[i].name);
        free(m->items[i].model);
        free(m->items[i].endpoint);
        free(m->items[i].api_key_env);
        free(m->items[i].auth);
    }
    for (size_t i = 0; m->chain && i < m->nchain; i++) {
        free(m->chain[i]);
    }
    free(m->chain);
    free(m->items);
    free(m->default_model);
    free(m->prompt_name);
    free(m->prompt_version);
    cl_rollout_dispose(&m->rollout);
    free(m);
}

const cl_model_t *cl_models_find(const cl_models_t *m, const char *name)
{
    if (!name) {
        name = m->default_model;
    }
    for (size_t i = 0; name && i < m->n; i++) {
        if (strcmp(m->items[i].name, name) == 0) {
            return &m->items[i];
        }
    }
    return NULL;
}

int cl_models_find_priced(const cl_model_t **out, const cl_models_t *m, const char *name,
                          cl_err_t *err)
{
    *out = cl_models_find(m, name);
    if (!*out) {
        return cl_err_set(err, CL_ENOTFOUND, "no model named '%s'", name ? name : "(default)");
    }
    if (!(*out)->priced) {
        const char *n = (*out)->name;
        *out = NULL;
        return cl_err_set(err, CL_EINVAL, "model '%s' has no price in models.yaml: refused", n);
    }
    return 0;
}
