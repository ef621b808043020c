/* rollout.h — staged rollout of a prompt version or a model to a share of users, stable per user.
 *
 * config/models.yaml may hold an ordered list of arms:
 *
 *   rollout:
 *     - name: wbr-v2-prompt   # the experiment's name: it salts the hash, so arms split users apart
 *       percent: 10           # 0..100, up to two decimals (0.25 = one user in 400)
 *       prompt_version: v2    # optional: the prompt version this arm's users get
 *       model: gpt-4o-mini    # optional: the model this arm's users get (must be priced)
 *
 * A user's bucket in an arm is FNV-1a 64 of "<name>\n<user id>" modulo 10,000, and the user is in
 * the arm when the bucket is below percent × 100. So the assignment is the same on every process
 * and every restart; raising the percentage only adds users (nobody flips back); renaming an arm
 * reshuffles it. The first arm a user falls in wins. A request that names its model or prompt
 * version explicitly is served that, whatever the arm says.
 *
 * Thread safety: immutable after reading. */
#ifndef CL_AI_ROLLOUT_H
#define CL_AI_ROLLOUT_H

#include <jansson.h>
#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_ROLLOUT_BUCKETS 10000

typedef struct {
    char *name;
    int basis_points;     /* percent × 100: 0..10,000 */
    char *prompt_version; /* NULL: the default prompt */
    char *model;          /* NULL: the request's or the default model */
} cl_rollout_arm_t;

typedef struct {
    cl_rollout_arm_t *arms;
    size_t n;
} cl_rollout_t;

/* Read LIST (the "rollout" value of models.yaml; NULL means no arms) into OUT. Names must be
 * unique and non-empty, each arm must change something, percentages must be numbers in 0..100.
 * MODEL_OK(PAYLOAD, name) says whether a model name may be used (exists and is priced). Errors
 * (CL_ECONFIG) name the arm and the key. On error OUT holds nothing to free. */
CL_NODISCARD int cl_rollout_read(cl_rollout_t *out, json_t *list,
                                 int (*model_ok)(void *payload, const char *name), void *payload,
                                 cl_err_t *err);

void cl_rollout_dispose(cl_rollout_t *r);

/* USER's bucket in arm NAME: 0..CL_ROLLOUT_BUCKETS-1. */
int cl_rollout_bucket(const char *name, const char *user);

/* The first arm of R that USER falls in, or NULL (the default). */
const cl_rollout_arm_t *cl_rollout_pick(const cl_rollout_t *r, const char *user);

#endif
