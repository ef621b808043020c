/* auth.c — the auth.* configuration made into checked structures, and the two ways a person becomes
 * a catlens user: a dev user from the file, or verified OIDC claims mapped through the role rules.
 * Everything is checked at start-up so that a typo in a rule is a configuration error, not a silent
 * lock-out (or worse, a silent grant). */
#include "auth/auth.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/file.h"

typedef struct {
    char *group;  /* exact group, or NULL */
    char *prefix; /* group prefix, or NULL */
    cl_role_t role;
    json_t *categories, *regions; /* arrays (owned) */
    char *team;                   /* may be NULL */
    int scope_from_group;         /* 0 none, 1 categories, 2 regions */
} role_rule_t;

struct cl_auth {
    cl_auth_mode_t mode;
    json_t *users; /* dev users: array of checked user documents */
    cl_sessions_t *sessions;
    cl_oidc_t *oidc;
    cl_session_limits_t limits;
    int cookie_secure;
    char *groups_claim, *team_claim, *name_claim, *email_claim;
    role_rule_t *rules;
    size_t n_rules;
};

static const char *str_key(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int load_users(cl_auth_t *a, const json_t *users, cl_err_t *err)
{
    a->users = json_array();
    if (!a->users) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (!users || json_is_null(users)) {
        return 0;
    }
    if (!json_is_array(users)) {
        return cl_err_set(err, CL_ECONFIG, "config: 'auth.users' must be a list");
    }
    static const char *const KEYS[] = {"id",   "name",       "email",   "role",
                                       "team", "categories", "regions", NULL};
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u)
    {
        cl_user_t *user = NULL;
        int rc = json_is_object(u) ? cl_config_check_keys(u, "auth.users[]", KEYS, err) : 0;
        rc = rc ? rc : cl_user_from_json(&user, u, err);
        if (rc != 0) {
            err->code = CL_ECONFIG;
            return cl_err_wrap(err, "config: auth.users[%zu]", i);
        }
        json_array_append_new(a->users, cl_user_to_json(user));
        cl_user_free(user);
    }
    return 0;
}

static int load_session(cl_auth_t *a, const json_t *s, const char *env, cl_err_t *err)
{
    static const char *const KEYS[] = {"idle_minutes", "absolute_hours", "cookie_secure", NULL};
    int idle = 30, absolute = 12, rc = 0;
    a->cookie_secure = 1;
    if (s && !json_is_null(s)) {
        if (!json_is_object(s)) {
            return cl_err_set(err, CL_ECONFIG, "config: 'auth.session' must be a mapping");
        }
        rc = cl_config_check_keys(s, "auth.session", KEYS, err);
        rc = rc ? rc : cl_config_int(&idle, s, "auth.session", "idle_minutes", 30, 1, 24 * 60, err);
        rc =
            rc ? rc
               : cl_config_int(&absolute, s, "auth.session", "absolute_hours", 12, 1, 24 * 30, err);
        json_t *secure = json_object_get(s, "cookie_secure");
        if (rc == 0 && secure) {
            const char *t = json_string_value(secure);
            a->cookie_secure = json_is_boolean(secure) ? json_is_true(secure)
                                                       : !(t && strcasecmp(t, "false") == 0);
        }
    }
    if (rc == 0 && !a->cookie_secure && strcmp(env, "dev") != 0) {
        rc = cl_err_set(err, CL_ECONFIG,
                        "auth.session.cookie_secure may be false only in the dev environment");
    }
    a->limits.idle_s = idle * 60;
    a->limits.absolute_s = absolute * 3600;
    return rc;
}

static int load_rule(role_rule_t *r, const json_t *j, size_t i, cl_err_t *err)
{
    static const char *const KEYS[] = {"group", "group_prefix",     "role", "categories", "regions",
                                       "team",  "scope_from_group", NULL};
    if (!json_is_object(j)) {
        return cl_err_set(err, CL_ECONFIG, "config: auth.oidc.roles[%zu] must be a mapping", i);
    }
    int rc = cl_config_check_keys(j, "auth.oidc.roles[]", KEYS, err);
    const char *group = str_key(j, "group"), *prefix = str_key(j, "group_prefix");
    if (rc == 0 && (!group) == (!prefix)) {
        rc = cl_err_set(err, CL_ECONFIG,
                        "config: auth.oidc.roles[%zu] needs exactly one of group, group_prefix", i);
    }
    rc = rc ? rc : cl_role_parse(&r->role, str_key(j, "role"), err);
    const char *sfg = str_key(j, "scope_from_group");
    if (rc == 0 && sfg) {
        r->scope_from_group = strcmp(sfg, "categories") == 0 ? 1
                              : strcmp(sfg, "regions") == 0  ? 2
                                                             : -1;
        if (r->scope_from_group < 0 || !prefix) {
            rc = cl_err_set(err, CL_ECONFIG,
                            "config: auth.oidc.roles[%zu].scope_from_group is categories or "
                            "regions, with a prefix",
                            i);
        }
    }
    for (int k = 0; rc == 0 && k < 2; k++) {
        json_t *list = json_object_get(j, k ? "regions" : "categories");
        if (list && !json_is_array(list)) {
            rc =
                cl_err_set(err, CL_ECONFIG, "config: auth.oidc.roles[%zu] scopes must be lists", i);
        }
        json_t *copy = list ? json_deep_copy(list) : json_array();
        *(k ? &r->regions : &r->categories) = copy;
    }
    if (rc != 0) {
        err->code = CL_ECONFIG;
        return CL_ECONFIG;
    }
    const char *team = str_key(j, "team");
    r->group = group ? strdup(group) : NULL;
    r->prefix = prefix ? strdup(prefix) : NULL;
    r->team = team ? strdup(team) : NULL;
    if ((group && !r->group) || (prefix && !r->prefix) || (team && !r->team)) {
        return cl_err_set(err, CL_ENOMEM, "out of memory"); /* never a rule without its group */
    }
    return 0;
}

/* The group → role rules of auth.oidc.roles into a->rules. */
static int load_rules(cl_auth_t *a, const json_t *roles, cl_err_t *err)
{
    if (!json_is_array(roles)) {
        return cl_err_set(err, CL_ECONFIG,
                          "config: 'auth.oidc.roles' must list the group → role rules");
    }
    a->rules = calloc(json_array_size(roles) + 1, sizeof *a->rules);
    if (!a->rules) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    size_t i;
    json_t *j;
    json_array_foreach(roles, i, j)
    {
        if (rc == 0) {
            rc = load_rule(&a->rules[a->n_rules], j, i, err);
            a->n_rules++; /* counted even when it failed: cl_auth_close frees what it holds */
        }
    }
    return rc;
}

static int load_oidc(cl_auth_t *a, const json_t *o, cl_err_t *err)
{
    static const char *const KEYS[] = {"issuer",
                                       "client_id",
                                       "redirect_uri",
                                       "scopes",
                                       "token_auth",
                                       "skew_seconds",
                                       "jwks_min_refresh_seconds",
                                       "timeout_ms",
                                       "groups_claim",
                                       "team_claim",
                                       "name_claim",
                                       "email_claim",
                                       "roles",
                                       NULL};
    if (!json_is_object(o)) {
        return cl_err_set(err, CL_ECONFIG, "auth.mode is oidc but 'auth.oidc' is not configured");
    }
    int skew = 60, refresh = 30, timeout = 5000;
    int rc = cl_config_check_keys(o, "auth.oidc", KEYS, err);
    rc = rc ? rc : cl_config_int(&skew, o, "auth.oidc", "skew_seconds", 60, 0, 600, err);
    rc =
        rc ? rc
           : cl_config_int(&refresh, o, "auth.oidc", "jwks_min_refresh_seconds", 30, 1, 86400, err);
    rc = rc ? rc : cl_config_int(&timeout, o, "auth.oidc", "timeout_ms", 5000, 100, 60000, err);
    if (rc != 0) {
        return rc;
    }
    cl_oidc_options_t opt = {
        .issuer = str_key(o, "issuer"),
        .client_id = str_key(o, "client_id"),
        .client_secret = getenv("CATLENS_OIDC_CLIENT_SECRET"),
        .redirect_uri = str_key(o, "redirect_uri"),
        .scopes = str_key(o, "scopes"),
        .token_auth = str_key(o, "token_auth"),
        .timeout_ms = timeout,
        .skew_s = skew ? skew : 1,
        .jwks_min_refresh_s = refresh,
    };
    rc = cl_oidc_new(&a->oidc, &opt, err);
    const char *team_claim = str_key(o, "team_claim");
    a->groups_claim = strdup(str_key(o, "groups_claim") ? str_key(o, "groups_claim") : "groups");
    a->team_claim = team_claim ? strdup(team_claim) : NULL;
    a->name_claim = strdup(str_key(o, "name_claim") ? str_key(o, "name_claim") : "name");
    a->email_claim = strdup(str_key(o, "email_claim") ? str_key(o, "email_claim") : "email");
    if (rc == 0 &&
        (!a->groups_claim || !a->name_claim || !a->email_claim || (team_claim && !a->team_claim))) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    return rc ? rc : load_rules(a, json_object_get(o, "roles"), err);
}

int cl_auth_open(cl_auth_t **out, const cl_config_t *cfg, cl_err_t *err)
{
    *out = NULL;
    cl_auth_t *a = calloc(1, sizeof *a);
    if (!a) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    a->mode = strcmp(cfg->auth_mode, "oidc") == 0 ? CL_AUTH_OIDC : CL_AUTH_DEV;
    int rc = load_users(a, cl_config_section(cfg, "auth.users"), err);
    rc = rc ? rc : load_session(a, cl_config_section(cfg, "auth.session"), cfg->env, err);
    if (rc == 0 && a->mode == CL_AUTH_OIDC) {
        rc = load_oidc(a, cl_config_section(cfg, "auth.oidc"), err);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/sessions.db", cfg->state_dir);
    rc = rc ? rc : cl_file_mkdirs(cfg->state_dir, err);
    rc = rc ? rc : cl_sessions_open(&a->sessions, path, &a->limits, err);
    if (rc != 0) {
        cl_auth_close(a);
        return rc;
    }
    *out = a;
    return 0;
}

void cl_auth_close(cl_auth_t *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_rules; i++) {
        free(a->rules[i].group);
        free(a->rules[i].prefix);
        free(a->rules[i].team);
        json_decref(a->rules[i].categories);
        json_decref(a->rules[i].regions);
    }
    free(a->rules);
    free(a->groups_claim);
    free(a->team_claim);
    free(a->name_claim);
    free(a->email_claim);
    json_decref(a->users);
    cl_sessions_close(a->sessions);
    cl_oidc_free(a->oidc);
    free(a);
}

cl_auth_mode_t cl_auth_mode(const cl_auth_t *a)
{
    return a->mode;
}

cl_sessions_t *cl_auth_sessions(cl_auth_t *a)
{
    return a->sessions;
}

cl_oidc_t *cl_auth_oidc(cl_auth_t *a)
{
    return a->oidc;
}

int cl_auth_cookie_secure(const cl_auth_t *a)
{
    return a->cookie_secure;
}

int cl_auth_session_seconds(const cl_auth_t *a)
{
    return a->limits.absolute_s;
}

int cl_auth_dev_user(json_t **out, const cl_auth_t *a, const char *name, cl_err_t *err)
{
    *out = NULL;
    size_t i;
    json_t *u;
    json_array_foreach(a->users, i, u)
    {
        if (name && strcmp(json_string_value(json_object_get(u, "id")), name) == 0) {
            *out = json_deep_copy(u);
            return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    return cl_err_set(err, CL_ENOTFOUND, "there is no dev user '%.64s'", name ? name : "");
}

/* The user's groups as a list: the claim may be an array of names or a single name. */
static json_t *group_list(const json_t *claim)
{
    if (json_is_string(claim)) {
        return json_pack("[O]", claim);
    }
    return json_is_array(claim) ? json_incref((json_t *)claim) : json_array();
}

/* Does GROUP satisfy rule R? *rest is what follows a prefix. */
static int rule_matches(const role_rule_t *r, const char *group, const char **rest)
{
    if (!group) {
        return 0;
    }
    if (r->group) {
        *rest = "";
        return strcmp(group, r->group) == 0;
    }
    size_t n = strlen(r->prefix);
    *rest = group + n;
    return strncmp(group, r->prefix, n) == 0 && group[n] != '\0';
}

static void add_scopes(json_t *to, const json_t *from)
{
    size_t i;
    json_t *v;
    json_array_foreach(from, i, v)
    {
        int seen = 0;
        size_t j;
        json_t *w;
        json_array_foreach(to, j, w)
        {
            seen |= json_equal(v, w);
        }
        if (!seen) {
            json_array_append(to, v);
        }
    }
}

static const char *claim_string(const json_t *claims, const char *name)
{
    const char *v = name ? json_string_value(json_object_get(claims, name)) : NULL;
    return v ? v : "";
}

int cl_auth_map_claims(json_t **out, const cl_auth_t *a, const json_t *claims, cl_err_t *err)
{
    *out = NULL;
    json_t *groups = group_list(json_object_get(claims, a->groups_claim));
    const role_rule_t *first = NULL;
    json_t *cats = json_array(), *regs = json_array();
    const char *team = NULL;
    for (size_t i = 0; i < a->n_rules; i++) {
        const role_rule_t *r = &a->rules[i];
        size_t k;
        json_t *g;
        json_array_foreach(groups, k, g)
        {
            const char *rest = NULL;
            if (!rule_matches(r, json_string_value(g), &rest) ||
                (first && r->role != first->role)) {
                continue;
            }
            first = first ? first : r;
            team = team ? team : r->team;
            add_scopes(cats, r->categories);
            add_scopes(regs, r->regions);
            if (r->scope_from_group) {
                json_t *one = json_pack("[s]", rest);
                add_scopes(r->scope_from_group == 1 ? cats : regs, one);
                json_decref(one);
            }
        }
    }
    json_decref(groups);
    if (!first) {
        json_decref(cats);
        json_decref(regs);
        return cl_err_set(err, CL_EFORBIDDEN,
                          "your account has no catlens role; ask an administrator for access");
    }
    const char *team_claim = claim_string(claims, a->team_claim);
    *out =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", claim_string(claims, "sub"), "name",
                  claim_string(claims, a->name_claim), "email",
                  claim_string(claims, a->email_claim), "role", cl_role_name(first->role), "team",
                  *team_claim ? team_claim
                  : team      ? team
                              : "",
                  "categories", cats, "regions", regs);
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

/* Does ORIGIN ("http://host:port") name HOST ("host:port")? */
static int same_origin(const char *origin, const char *host)
{
    const char *p = strstr(origin, "://");
    return p && host && strcasecmp(p + 3, host) == 0;
}

int cl_auth_check_csrf(const char *token, const char *expected, const char *origin,
                       const char *site, const char *host, cl_err_t *err)
{
    if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
        return cl_err_set(err, CL_EFORBIDDEN, "cross-site request refused");
    }
    if (origin && strcmp(origin, "null") != 0 && !same_origin(origin, host)) {
        return cl_err_set(err, CL_EFORBIDDEN, "request from another origin refused");
    }
    if (origin && strcmp(origin, "null") == 0) {
        return cl_err_set(err, CL_EFORBIDDEN, "request from an opaque origin refused");
    }
    size_t n = expected ? strlen(expected) : 0;
    if (!token || !expected || n == 0 || strlen(token) != n ||
        CRYPTO_memcmp(token, expected, n) != 0) {
        return cl_err_set(err, CL_EFORBIDDEN, "missing or wrong %s header", CL_AUTH_CSRF_HEADER);
    }
    return 0;
}
