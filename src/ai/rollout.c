/* rollout.c — arms of a staged rollout and the stable user-to-arm assignment. */
#include "ai/rollout.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cl_rollout_bucket(const char *name, const char *user)
{
    /* FNV-1a 64: tiny, fixed by its definition, so every process and release agrees */
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h ^ *p) * 1099511628211ULL;
    }
    h = (h ^ '\n') * 1099511628211ULL;
    for (const unsigned char *p = (const unsigned char *)(user ? user : ""); *p; p++) {
        h = (h ^ *p) * 1099511628211ULL;
    }
    return (int)(h % CL_ROLLOUT_BUCKETS);
}

const cl_rollout_arm_t *cl_rollout_pick(const cl_rollout_t *r, const char *user)
{
    for (size_t i = 0; r && i < r->n; i++) {
        if (cl_rollout_bucket(r->arms[i].name, user) < r->arms[i].basis_points) {
            return &r->arms[i];
        }
    }
    return NULL;
}

void cl_rollout_dispose(cl_rollout_t *r)
{
    for (size_t i = 0; r && i < r->n; i++) {
        free(r->arms[i].name);
        free(r->arms[i].prompt_version);
        free(r->arms[i].model);
    }
    if (r) {
        free(r->arms);
        r->arms = NULL;
        r->n = 0;
    }
}

static int opt_string(char **out, json_t *arm, const char *key, size_t i, cl_err_t *err)
{
    json_t *v = json_object_get(arm, key);
    if (!v) {
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 64) {
        return cl_err_set(err, CL_ECONFIG,
                          "rollout[%zu]: '%s' must be a name of 1 to 64 characters", i, key);
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
}

static int read_percent(int *out, json_t *arm, size_t i, cl_err_t *err)
{
    json_t *v = json_object_get(arm, "percent");
    double pct = json_is_number(v) ? json_number_value(v) : -1;
    double bp = round(pct * 100);
    if (!json_is_number(v) || pct < 0 || pct > 100 || fabs(pct * 100 - bp) > 1e-6) {
        return cl_err_set(err, CL_ECONFIG,
                          "rollout[%zu]: 'percent' must be a number from 0 to 100 with at most two "
                          "decimals",
                          i);
    }
    *out = (int)bp;
    return 0;
}

static int check_keys(json_t *arm, size_t i, cl_err_t *err)
{
    static const char *const known[] = {"name", "percent", "prompt_version", "model"};
    const char *k;
    json_t *v;
    json_object_foreach(arm, k, v)
    {
        size_t j = 0;
        while (j < CL_ARRAY_LEN(known) && strcmp(known[j], k) != 0) {
            j++;
        }
        if (j == CL_ARRAY_LEN(known)) {
            return cl_err_set(err, CL_ECONFIG, "rollout[%zu]: unknown key '%s'", i, k);
        }
    }
    return 0;
}

static int read_arm(cl_rollout_t *r, json_t *arm, size_t i,
                    int (*model_ok)(void *payload, const char *name), void *payload, cl_err_t *err)
{
    if (!json_is_object(arm)) {
        return cl_err_set(err, CL_ECONFIG, "rollout[%zu] must be a mapping", i);
    }
    cl_rollout_arm_t *a = &r->arms[r->n++];
    int rc = check_keys(arm, i, err);
    rc = rc ? rc : opt_string(&a->name, arm, "name", i, err);
    if (rc == 0 && !a->name) {
        rc = cl_err_set(err, CL_ECONFIG, "rollout[%zu]: 'name' is required", i);
    }
    rc = rc ? rc : read_percent(&a->basis_points, arm, i, err);
    rc = rc ? rc : opt_string(&a->prompt_version, arm, "prompt_version", i, err);
    rc = rc ? rc : opt_string(&a->model, arm, "model", i, err);
    if (rc == 0 && !a->prompt_version && !a->model) {
        rc = cl_err_set(err, CL_ECONFIG, "rollout[%zu] '%s': give a prompt_version or a model", i,
                        a->name);
    }
    if (rc == 0 && a->model && !model_ok(payload, a->model)) {
        rc = cl_err_set(err, CL_ECONFIG, "rollout[%zu] '%s': model '%s' is not a priced model", i,
                        a->name, a->model);
    }
    for (size_t j = 0; rc == 0 && j + 1 < r->n; j++) {
        if (strcmp(r->arms[j].name, a->name) == 0) {
            rc = cl_err_set(err, CL_ECONFIG, "rollout[%zu]: the name '%s' is used twice", i,
                            a->name);
        }
    }
    return rc;
}

int cl_rollout_read(cl_rollout_t *out, json_t *list,
                    int (*model_ok)(void *payload, const char *name), void *payload, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!list || json_is_null(list)) {
        return 0;
    }
    if (!json_is_array(list)) {
        return cl_err_set(err, CL_ECONFIG, "'rollout' must be a list of arms");
    }
    out->arms = calloc(json_array_size(list) + 1, sizeof *out->arms);
    if (!out->arms) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
        rc = read_arm(out, json_array_get(list, i), i, model_ok, payload, err);
    }
    if (rc != 0) {
        cl_rollout_dispose(out);
    }
    return rc;
}
