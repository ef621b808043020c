/* builders.h — the threads that build reports: each owns one DuckDB connection to a database shared
 * by all of them (in memory; it only reads the warehouse's Parquet files) and one report context
 * (report/report.h) over it, whose prepared statements and cached slice serve every report that
 * thread builds.
 *
 * Owns: the database, the threads, their connections and contexts, and the queue of jobs. A job
 * runs on one builder thread with that thread's context. Jobs carry an affinity (the slice, e.g.
 * "electronics|europe"): a job goes to the builder that slice maps to, so the four windows of a
 * slice asked one after another read the warehouse once (the context caches the last slice); an
 * idle builder takes work queued for a busy one, so no job waits while a thread is free. Besides
 * the builders, one more context serves quick lookups on the caller's thread
 * (cl_builders_with_ctx), one caller at a time.
 *
 * Thread safety: submit and with_ctx from any thread; new and free on one. */
#ifndef CL_APP_BUILDERS_H
#define CL_APP_BUILDERS_H

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "report/report.h"

typedef struct cl_builders cl_builders_t;

/* A job: runs on a builder thread with its context. */
typedef void (*cl_builders_job_fn)(cl_report_ctx_t *ctx, void *payload);

/* N builder threads (1-64) over one in-memory database with DB_THREADS DuckDB threads, for catalog
 * CAT (borrowed, must outlive the builders). Returns 0, CL_EINVAL, CL_EIO, CL_EQUERY or CL_ENOMEM.
 * *out is new: cl_builders_free(). */
CL_NODISCARD int cl_builders_new(cl_builders_t **out, const cl_catalog_t *cat, int n,
                                 int db_threads, cl_err_t *err);

/* Run every job queued (including jobs those jobs submit), then stop the threads and free. NULL is
 * fine. */
void cl_builders_free(cl_builders_t *b);

/* Queue FN(ctx, PAYLOAD) for the builder AFFINITY maps to (NULL: the least busy one). Returns 0,
 * or CL_ENOMEM (FN will not run). */
CL_NODISCARD int cl_builders_submit(cl_builders_t *b, const char *affinity, cl_builders_job_fn fn,
                                    void *payload, cl_err_t *err);

/* Run FN(ctx, PAYLOAD) now, on the calling thread, with the shared side context (callers take
 * turns). */
void cl_builders_with_ctx(cl_builders_t *b, cl_builders_job_fn fn, void *payload);

/* Jobs queued or running right now. */
int cl_builders_pending(cl_builders_t *b);

#endif
