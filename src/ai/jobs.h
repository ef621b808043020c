/* jobs.h — asynchronous summaries that survive restarts (SQLite, state/ai.db, table ai_jobs).
 *
 * A job is queued → running → done | failed. Workers claim a job with a lease (owner + expiry)
 * inside one BEGIN IMMEDIATE transaction, so no two workers hold one job; a worker renews its
 * leases while it runs; a job whose owner died (lease expired) is claimed again — so nothing is
 * lost. Completion is accepted only from the current owner of a running job: a job is never
 * completed twice, and a stale worker's late result is dropped. The one case in which a job's work
 * runs twice is a worker dying mid-run; then the provider may be called again, which costs but
 * changes nothing (the ledger records both). Jobs left queued at shutdown stay queued.
 *
 * Thread safety: one cl_jobs_t is shared by all threads. */
#ifndef CL_AI_JOBS_H
#define CL_AI_JOBS_H

#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_JOB_ID_LEN 35 /* "j-" + 32 hex + NUL */

typedef struct cl_jobs cl_jobs_t;

typedef struct {
    char id[CL_JOB_ID_LEN];
    json_t *request; /* new reference */
    int attempts;
} cl_job_t;

/* Open (creating) PATH. *out is new: cl_jobs_close(). */
CL_NODISCARD int cl_jobs_open(cl_jobs_t **out, const char *path, cl_err_t *err);
void cl_jobs_close(cl_jobs_t *j);

/* Queue REQUEST (borrowed; stored as JSON text). Returns 0 with the new job's id in ID. */
CL_NODISCARD int cl_jobs_submit(char id[CL_JOB_ID_LEN], cl_jobs_t *j, json_t *request,
                                int64_t now_ms, cl_err_t *err);

/* Claim the oldest queued job, or a running one whose lease expired, for OWNER until NOW_MS +
 * LEASE_MS. Returns 0 with *out filled (cl_job_dispose), CL_ENOTFOUND when there is none, or a
 * storage error. */
CL_NODISCARD int cl_jobs_claim(cl_job_t *out, cl_jobs_t *j, const char *owner, int64_t now_ms,
                               int lease_ms, cl_err_t *err);
void cl_job_dispose(cl_job_t *job);

/* Extend every lease OWNER holds to NOW_MS + LEASE_MS. */
CL_NODISCARD int cl_jobs_renew(cl_jobs_t *j, const char *owner, int64_t now_ms, int lease_ms,
                               cl_err_t *err);

/* Finish job ID held by OWNER: RESULT (borrowed) on success, else ERROR_CODE / MESSAGE. Returns 0,
 * or CL_ECONFLICT when OWNER no longer holds it (the result is dropped). */
CL_NODISCARD int cl_jobs_finish(cl_jobs_t *j, const char *id, const char *owner, json_t *result,
                                const char *error_code, const char *message, int64_t now_ms,
                                cl_err_t *err);

/* Give job ID held by OWNER back to the queue (graceful shutdown before it started). */
CL_NODISCARD int cl_jobs_release(cl_jobs_t *j, const char *id, const char *owner, cl_err_t *err);

/* The public view of job ID (docs/schemas/summary_job.schema.json). USER: only the submitting user
 * may read it (another user's job reads as CL_ENOTFOUND). *out is new. */
CL_NODISCARD int cl_jobs_get(json_t **out, cl_jobs_t *j, const char *id, const char *user,
                             cl_err_t *err);

/* Jobs in STATE ("queued", "running", …). */
CL_NODISCARD int cl_jobs_count(int64_t *out, cl_jobs_t *j, const char *state, cl_err_t *err);

#endif
