/* user.h — who a signed-in user is and what they may see: role, team and scopes, and the one rule
 * that decides access to a category × region.
 *
 * Roles (BRIEF §6): category_manager (scoped to the categories listed; any single region unless
 * regions are listed too), regional_manager (scoped to the regions listed; any category unless
 * categories are listed too), leadership (everything, including region "all"), admin (operations:
 * metrics, usage of every team; report data only for categories and regions listed explicitly).
 * Scopes are exact values as they appear in the snapshot (category_l1, region). The same rule
 * serves every endpoint and every cached object: callers ask before they read.
 *
 * A user travels as JSON ({"id","name","email","role","team","categories":[…],"regions":[…]})
 * between the session store and the handlers; cl_user_t is the parsed, checked form. Errors:
 * CL_EINVAL (a malformed user document), CL_EFORBIDDEN (access denied), CL_ENOMEM. Thread safety: a
 * cl_user_t is immutable once made, and reference-counted (atomically): any thread may take a
 * reference (cl_user_ref) and drop one (cl_user_free). */
#ifndef CL_AUTH_USER_H
#define CL_AUTH_USER_H

#include <stddef.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_REGION_ALL "all"

typedef enum {
    CL_ROLE_CATEGORY_MANAGER = 0,
    CL_ROLE_REGIONAL_MANAGER,
    CL_ROLE_LEADERSHIP,
    CL_ROLE_ADMIN,
    CL_ROLE_COUNT
} cl_role_t;

typedef struct {
    char *id, *name, *email, *team;
    cl_role_t role;
    size_t n_categories, n_regions;
    char **categories, **regions;
    unsigned refs; /* references (atomic): 1 from cl_user_from_json, +1 per cl_user_ref */
} cl_user_t;

/* "category_manager", "regional_manager", "leadership", "admin". */
const char *cl_role_name(cl_role_t role);
CL_NODISCARD int cl_role_parse(cl_role_t *out, const char *name, cl_err_t *err);

/* Parse and check a user document. *out is new (one reference): cl_user_free(). Returns 0,
 * CL_EINVAL or CL_ENOMEM. */
CL_NODISCARD int cl_user_from_json(cl_user_t **out, const json_t *doc, cl_err_t *err);
/* Another reference to USER (not NULL), dropped with cl_user_free(). Returns USER. */
cl_user_t *cl_user_ref(cl_user_t *user);
/* Drop a reference; the last one frees USER. NULL is accepted. */
void cl_user_free(cl_user_t *user);

/* The user as JSON (new). NULL when out of memory. */
json_t *cl_user_to_json(const cl_user_t *user);

/* 1 if USER may see reports of CATEGORY (any region of theirs), else 0. */
int cl_user_sees_category(const cl_user_t *user, const char *category);
/* 1 if USER may see reports of REGION ("all" only for leadership), else 0. */
int cl_user_sees_region(const cl_user_t *user, const char *region);

/* 0 if USER may see the report of CATEGORY × REGION, else CL_EFORBIDDEN with a message that names
 * only what the user asked for ("you may not see category 'x'"), never what exists. */
CL_NODISCARD int cl_user_may_view(const cl_user_t *user, const char *category, const char *region,
                                  cl_err_t *err);

/* 1 for roles that see every team's usage and operations endpoints (leadership, admin). */
int cl_user_sees_all_teams(const cl_user_t *user);

#endif
