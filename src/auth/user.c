/* user.c — the access rule. Every report the app serves, fresh or cached or archived, passes
 * through cl_user_may_view first, so there is exactly one place that decides who sees which
 * category × region. */
#include "auth/user.h"

#include <stdlib.h>
#include <string.h>

static const char *const ROLE_NAMES[CL_ROLE_COUNT] = {"category_manager", "regional_manager",
                                                      "leadership", "admin"};

const char *cl_role_name(cl_role_t role)
{
    return role < CL_ROLE_COUNT ? ROLE_NAMES[role] : "unknown";
}

int cl_role_parse(cl_role_t *out, const char *name, cl_err_t *err)
{
    for (int i = 0; i < CL_ROLE_COUNT; i++) {
        if (name && strcmp(name, ROLE_NAMES[i]) == 0) {
            *out = (cl_role_t)i;
            return 0;
        }
    }
    return cl_err_set(
        err, CL_EINVAL,
        "unknown role '%.40s' (category_manager, regional_manager, leadership, admin)",
        name ? name : "");
}

cl_user_t *cl_user_ref(cl_user_t *u)
{
    __atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
    return u;
}

void cl_user_free(cl_user_t *u)
{
    if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    for (size_t i = 0; i < u->n_categories; i++) {
        free(u->categories[i]);
    }
    for (size_t i = 0; i < u->n_regions; i++) {
        free(u->regions[i]);
    }
    free(u->categories);
    free(u->regions);
    free(u->id);
    free(u->name);
    free(u->email);
    free(u->team);
    free(u);
}

static int take_string(char **out, const json_t *doc, const char *key, int required, cl_err_t *err)
{
    json_t *v = json_object_get(doc, key);
    if (!v || json_is_null(v)) {
        if (required) {
            return cl_err_set(err, CL_EINVAL, "user: '%s' is required", key);
        }
        *out = strdup("");
    } else if (!json_is_string(v) || json_string_length(v) > 256) {
        return cl_err_set(err, CL_EINVAL, "user: '%s' must be a string of at most 256 bytes", key);
    } else {
        *out = strdup(json_string_value(v));
    }
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int take_list(char ***out, size_t *n, const json_t *doc, const char *key, cl_err_t *err)
{
    json_t *v = json_object_get(doc, key);
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > 1000) {
        return cl_err_set(err, CL_EINVAL, "user: '%s' must be a list of names", key);
    }
    *out = calloc(json_array_size(v) + 1, sizeof(char *));
    if (!*out) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) == 0 ||
            json_string_length(item) > 128) {
            return cl_err_set(err, CL_EINVAL, "user: '%s' must be a list of non-empty names", key);
        }
        (*out)[i] = strdup(json_string_value(item));
        if (!(*out)[i]) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        (*n)++;
    }
    return 0;
}

int cl_user_from_json(cl_user_t **out, const json_t *doc, cl_err_t *err)
{
    *out = NULL;
    if (!json_is_object(doc)) {
        return cl_err_set(err, CL_EINVAL, "user: must be a mapping");
    }
    cl_user_t *u = calloc(1, sizeof *u);
    if (!u) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    u->refs = 1;
    int rc = take_string(&u->id, doc, "id", 1, err);
    rc = rc ? rc : take_string(&u->name, doc, "name", 0, err);
    rc = rc ? rc : take_string(&u->email, doc, "email", 0, err);
    rc = rc ? rc : take_string(&u->team, doc, "team", 0, err);
    rc = rc ? rc : cl_role_parse(&u->role, json_string_value(json_object_get(doc, "role")), err);
    rc = rc ? rc : take_list(&u->categories, &u->n_categories, doc, "categories", err);
    rc = rc ? rc : take_list(&u->regions, &u->n_regions, doc, "regions", err);
    if (rc == 0 && !*u->id) {
        rc = cl_err_set(err, CL_EINVAL, "user: 'id' must not be empty");
    }
    if (rc != 0) {
        cl_user_free(u);
        return rc;
    }
    *out = u;
    return 0;
}

static json_t *list_json(char **items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_array_append_new(a, json_string(items[i]));
    }
    return a;
}

json_t *cl_user_to_json(const cl_user_t *u)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "id", u->id, "name", u->name, "email",
                     u->email, "role", cl_role_name(u->role), "team", u->team, "categories",
                     list_json(u->categories, u->n_categories), "regions",
                     list_json(u->regions, u->n_regions));
}

static int listed(char **items, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i], value) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A scope list restricts its dimension. The role's own dimension must be listed (category managers:
 * categories, regional managers: regions); the other one is open when its list is empty. Admins see
 * only what is listed. */
int cl_user_sees_category(const cl_user_t *u, const char *category)
{
    if (!category || !*category) {
        return 0;
    }
    switch (u->role) {
    case CL_ROLE_LEADERSHIP:
        return 1;
    case CL_ROLE_REGIONAL_MANAGER:
        return u->n_categories == 0 || listed(u->categories, u->n_categories, category);
    default:
        return listed(u->categories, u->n_categories, category);
    }
}

int cl_user_sees_region(const cl_user_t *u, const char *region)
{
    if (!region || !*region) {
        return 0;
    }
    if (strcmp(region, CL_REGION_ALL) == 0) {
        return u->role == CL_ROLE_LEADERSHIP;
    }
    switch (u->role) {
    case CL_ROLE_LEADERSHIP:
        return 1;
    case CL_ROLE_CATEGORY_MANAGER:
        return u->n_regions == 0 || listed(u->regions, u->n_regions, region);
    default:
        return listed(u->regions, u->n_regions, region);
    }
}

int cl_user_may_view(const cl_user_t *u, const char *category, const char *region, cl_err_t *err)
{
    if (!cl_user_sees_category(u, category)) {
        return cl_err_set(err, CL_EFORBIDDEN, "you may not see category '%.64s'",
                          category ? category : "");
    }
    if (!cl_user_sees_region(u, region)) {
        return cl_err_set(err, CL_EFORBIDDEN, "you may not see region '%.64s'",
                          region ? region : "");
    }
    return 0;
}

int cl_user_sees_all_teams(const cl_user_t *u)
{
    return u->role == CL_ROLE_LEADERSHIP || u->role == CL_ROLE_ADMIN;
}
