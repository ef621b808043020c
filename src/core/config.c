/* config.c — one table declares every configuration key: its type, range, place in cl_config_t and
 * environment alias. Validation, overrides and error messages all come from that table, so adding a
 * key is one line. */
#define _GNU_SOURCE
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/yaml.h"

typedef enum { KEY_STRING, KEY_INT, KEY_SUBTREE } key_kind_t;

struct key_spec {
    const char *path; /* dotted key */
    key_kind_t kind;
    size_t offset;              /* into cl_config_t; unused for KEY_SUBTREE */
    long long min, max;         /* KEY_INT range */
    const char *alias;          /* extra environment variable, or NULL */
    const char *const *choices; /* KEY_STRING: allowed values, NULL-terminated, or NULL for any */
};

static const char *const ENVS[] = {"dev", "staging", "prod", NULL};
static const char *const AUTH_MODES[] = {"dev", "oidc", NULL};
static const char *const LOG_LEVELS[] = {"debug", "info", "warn", "error", "off", NULL};

#define STR(p, f)                                                                                  \
    {                                                                                              \
        p, KEY_STRING, offsetof(cl_config_t, f), 0, 0, NULL, NULL                                  \
    }
#define STR_ALIAS(p, f, a)                                                                         \
    {                                                                                              \
        p, KEY_STRING, offsetof(cl_config_t, f), 0, 0, a, NULL                                     \
    }
#define STR_CHOICE(p, f, c)                                                                        \
    {                                                                                              \
        p, KEY_STRING, offsetof(cl_config_t, f), 0, 0, NULL, c                                     \
    }
#define INT(p, f, lo, hi)                                                                          \
    {                                                                                              \
        p, KEY_INT, offsetof(cl_config_t, f), lo, hi, NULL, NULL                                   \
    }
#define SUBTREE(p)                                                                                 \
    {                                                                                              \
        p, KEY_SUBTREE, 0, 0, 0, NULL, NULL                                                        \
    }

static const struct key_spec KEYS[] = {
    STR_CHOICE("env", env, ENVS),
    STR_ALIAS("paths.source", source_dir, "CATLENS_SOURCE"),
    STR_ALIAS("paths.warehouse", warehouse_dir, "CATLENS_WAREHOUSE"),
    STR_ALIAS("paths.state", state_dir, "CATLENS_STATE"),
    STR("paths.metrics", metrics_path),
    STR("paths.pipelines", pipeline_dir),
    STR("paths.prompts", prompts_dir),
    STR("paths.models", models_path),
    STR("paths.web", web_dir),
    STR("app.host", app_host),
    INT("app.port", app_port, 0, 65535), /* 0: any free port */
    INT("app.threads", app_threads, 1, 256),
    SUBTREE("app.http"),
    SUBTREE("app.report"),
    STR("ai.host", ai_host),
    INT("ai.port", ai_port, 1, 65535),
    STR("ai.url", ai_url),
    INT("ai.timeout_ms", ai_timeout_ms, 100, 600000),
    SUBTREE("ai.service"),     /* validated by src/ai/service.c */
    SUBTREE("ai.budgets"),     /* validated by src/ai/ledger.c */
    SUBTREE("ai.rate_limits"), /* validated by src/ai/service.c */
    STR_CHOICE("auth.mode", auth_mode, AUTH_MODES),
    SUBTREE("auth.users"),
    SUBTREE("auth.oidc"),
    SUBTREE("auth.session"),
    STR("cache.redis_url", redis_url),
    STR_CHOICE("log.level", log_level, LOG_LEVELS),
    STR("etl.pipeline", etl_pipeline),
    INT("etl.threads", etl_threads, 1, 256),
    STR("etl.memory_limit", etl_memory_limit),
    INT("etl.history_weeks", etl_history_weeks, 2, 520),
    SUBTREE("features"),
};

static const struct key_spec *find_key(const char *path)
{
    for (size_t i = 0; i < CL_ARRAY_LEN(KEYS); i++) {
        if (strcmp(KEYS[i].path, path) == 0) {
            return &KEYS[i];
        }
    }
    return NULL;
}

/* Is PATH a strict prefix section of some declared key ("app" for "app.port")? */
static int is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < CL_ARRAY_LEN(KEYS); i++) {
        if (strncmp(KEYS[i].path, path, n) == 0 && KEYS[i].path[n] == '.') {
            return 1;
        }
    }
    return 0;
}

/* Refuse keys the table does not declare, naming the first one found, so typos never pass silently.
 */
static int check_known_keys(json_t *obj, const char *prefix, const char *file, cl_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
        const struct key_spec *spec = find_key(path);
        if (spec) {
            continue;
        }
        if (is_section(path)) {
            if (!json_is_object(v)) {
                return cl_err_set(err, CL_ECONFIG, "%s: '%s' must be a mapping", file, path);
            }
            int rc = check_known_keys(v, path, file, err);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        return cl_err_set(err, CL_ECONFIG, "%s: unknown key '%s'", file, path);
    }
    return 0;
}

/* Deep merge: objects merge key by key, everything else in OVERLAY replaces BASE. */
static void merge(json_t *base, json_t *overlay)
{
    const char *k;
    json_t *v;
    json_object_foreach(overlay, k, v)
    {
        json_t *b = json_object_get(base, k);
        if (json_is_object(b) && json_is_object(v)) {
            merge(b, v);
        } else {
            json_object_set(base, k, v);
        }
    }
}

static json_t *get_path(json_t *doc, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = doc;
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && cur; part = strtok_r(NULL, ".", &save)) {
        cur = json_object_get(cur, part);
    }
    return cur;
}

static void set_path(json_t *doc, const char *path, json_t *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = doc;
    char *save = NULL;
    char *part = strtok_r(buf, ".", &save);
    for (char *next = strtok_r(NULL, ".", &save); next; next = strtok_r(NULL, ".", &save)) {
        json_t *child = json_object_get(cur, part);
        if (!json_is_object(child)) {
            child = json_object();
            json_object_set_new(cur, part, child);
        }
        cur = child;
        part = next;
    }
    json_object_set_new(cur, part, value);
}

static void env_name_of(char *out, size_t len, const char *path)
{
    size_t j = (size_t)snprintf(out, len, "CATLENS_");
    for (const char *p = path; *p && j + 1 < len; p++) {
        out[j++] = (char)(*p == '.' ? '_' : toupper((unsigned char)*p));
    }
    out[j] = '\0';
}

/* Environment values arrive as text; they are stored as strings and typed by the same check as file
 * values. */
static void apply_env_overrides(json_t *doc)
{
    for (size_t i = 0; i < CL_ARRAY_LEN(KEYS); i++) {
        if (KEYS[i].kind == KEY_SUBTREE) {
            continue;
        }
        char name[128];
        env_name_of(name, sizeof name, KEYS[i].path);
        const char *v = getenv(name);
        if (!v && KEYS[i].alias) {
            v = getenv(KEYS[i].alias);
        }
        if (v) {
            set_path(doc, KEYS[i].path, json_string(v));
        }
    }
}

static int parse_int_value(long long *out, json_t *v)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (errno == 0 && end != s && *end == '\0') {
            *out = n;
            return 0;
        }
    }
    return -1;
}

static int store_value(cl_config_t *cfg, const struct key_spec *spec, json_t *v, cl_err_t *err)
{
    char *base = (char *)cfg;
    if (spec->kind == KEY_INT) {
        long long n;
        if (parse_int_value(&n, v) != 0) {
            return cl_err_set(err, CL_ECONFIG, "config key '%s' must be an integer", spec->path);
        }
        if (n < spec->min || n > spec->max) {
            return cl_err_set(err, CL_ECONFIG,
                              "config key '%s' is %lld, must be between %lld and %lld", spec->path,
                              n, spec->min, spec->max);
        }
        *(int *)(base + spec->offset) = (int)n;
        return 0;
    }
    if (!json_is_string(v)) {
        return cl_err_set(err, CL_ECONFIG, "config key '%s' must be a string", spec->path);
    }
    const char *s = json_string_value(v);
    if (spec->choices) {
        int ok = 0;
        for (const char *const *c = spec->choices; *c; c++) {
            ok |= strcmp(*c, s) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_ECONFIG, "config key '%s' has the unknown value '%.64s'",
                              spec->path, s);
        }
    }
    char **slot = (char **)(base + spec->offset);
    free(*slot);
    *slot = strdup(s);
    return *slot ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int extract(cl_config_t *cfg, cl_err_t *err)
{
    for (size_t i = 0; i < CL_ARRAY_LEN(KEYS); i++) {
        const struct key_spec *spec = &KEYS[i];
        if (spec->kind == KEY_SUBTREE) {
            continue;
        }
        json_t *v = get_path(cfg->doc, spec->path);
        if (!v || json_is_null(v)) {
            return cl_err_set(err, CL_ECONFIG, "config key '%s' is missing", spec->path);
        }
        int rc = store_value(cfg, spec, v, err);
        if (rc != 0) {
            return rc;
        }
    }
    if (strcmp(cfg->env, "prod") == 0 && strcmp(cfg->auth_mode, "dev") == 0) {
        return cl_err_set(err, CL_ECONFIG, "auth.mode 'dev' is refused in the prod environment");
    }
    return 0;
}

static int load_doc(json_t **out, const char *path, cl_err_t *err)
{
    int rc = cl_yaml_load_file(out, path, err);
    if (rc == CL_EINVAL || rc == CL_ETOOBIG || rc == CL_EIO) {
        err->code = rc = CL_ECONFIG;
    }
    if (rc == 0 && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return cl_err_set(err, CL_ECONFIG, "%s: the top level must be a mapping", path);
    }
    return rc == 0 ? check_known_keys(*out, "", path, err) : rc;
}

int cl_config_load(cl_config_t **out, const char *path, const char *env_name, cl_err_t *err)
{
    *out = NULL;
    json_t *overlay = NULL;
    cl_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = load_doc(&cfg->doc, path, err);
    if (rc != 0) {
        goto cleanup;
    }
    const char *chosen = env_name ? env_name : getenv("CATLENS_ENV");
    if (!chosen) {
        json_t *e = json_object_get(cfg->doc, "env");
        chosen = json_is_string(e) ? json_string_value(e) : "dev";
    }
    char env[64]; /* a copy: set_path below frees the document's own string */
    snprintf(env, sizeof env, "%s", chosen);
    set_path(cfg->doc, "env", json_string(env));

    char dir[4096], overlay_path[4200];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(overlay_path, sizeof overlay_path, "%s/overlays/%s.yaml", dirname(dir), env);
    if (strchr(env, '/') || strchr(env, '.')) {
        rc = cl_err_set(err, CL_ECONFIG, "environment name '%.32s' is not valid", env);
        goto cleanup;
    }
    if (cl_file_exists(overlay_path)) {
        rc = load_doc(&overlay, overlay_path, err);
        if (rc != 0) {
            goto cleanup;
        }
        merge(cfg->doc, overlay);
    }
    apply_env_overrides(cfg->doc);
    rc = extract(cfg, err);
    if (rc != 0) {
        goto cleanup;
    }
    *out = cfg;
    cfg = NULL;
cleanup:
    json_decref(overlay);
    cl_config_free(cfg);
    return rc;
}

void cl_config_free(cl_config_t *cfg)
{
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < CL_ARRAY_LEN(KEYS); i++) {
        if (KEYS[i].kind == KEY_STRING) {
            free(*(char **)((char *)cfg + KEYS[i].offset));
        }
    }
    json_decref(cfg->doc);
    free(cfg);
}

json_t *cl_config_section(const cl_config_t *cfg, const char *path)
{
    return get_path(cfg->doc, path);
}

int cl_config_check_keys(const json_t *section, const char *where, const char *const keys[],
                         cl_err_t *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)section, k, v)
    {
        int ok = 0;
        for (size_t i = 0; keys[i] && !ok; i++) {
            ok = strcmp(keys[i], k) == 0;
        }
        if (!ok) {
            return cl_err_set(err, CL_ECONFIG, "config: unknown key '%s.%s'", where, k);
        }
    }
    return 0;
}

int cl_config_int(int *out, const json_t *section, const char *where, const char *key, int deflt,
                  int lo, int hi, cl_err_t *err)
{
    json_t *v = json_object_get(section, key);
    long long n = deflt;
    if (json_is_boolean(v)) {
        n = json_is_true(v);
    } else if (v && !json_is_null(v) && parse_int_value(&n, v) != 0) {
        return cl_err_set(err, CL_ECONFIG, "config key '%s.%s' must be an integer", where, key);
    }
    if (n < lo || n > hi) {
        return cl_err_set(err, CL_ECONFIG, "config key '%s.%s' must be between %d and %d", where,
                          key, lo, hi);
    }
    *out = (int)n;
    return 0;
}
