/* archive.h — the report archive and report feedback (SQLite, state/app.db).
 *
 * Owns: every successfully built report, gzip-compressed, keyed by category × region × window ×
 * week × snapshot (a rebuild of the same key replaces it) and labelled with the engine version that
 * made it (an exact lookup wants the same version; the stale fallback takes any), so that when a
 * report cannot be produced the last good one can be served instead, flagged stale; and users'
 * feedback on reports and findings. It does not decide access: callers check the user's scope
 * before they read an archived report, exactly as for a fresh one.
 *
 * Durability: synchronous=NORMAL (a power loss may lose the last archived reports; they are rebuilt
 * on demand). Errors: as store/sqlite.h, plus CL_ENOTFOUND (nothing archived). Thread safety:
 * shared by all threads; a SQLite connection per thread. */
#ifndef CL_STORE_ARCHIVE_H
#define CL_STORE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_archive cl_archive_t;

typedef struct {
    const char *category, *region, *window, *week, *snapshot;
    const char *engine; /* the engine version (CL_INSIGHTS_VERSION); NULL: "" */
} cl_archive_key_t;

typedef struct {
    char *gz; /* the report, gzip (new: free()) */
    size_t gz_len;
    char week[16];     /* the week it is of */
    char snapshot[64]; /* the snapshot it was built from */
    int64_t stored_at; /* seconds since the epoch */
    int summarised;    /* 1: the report carries a summary from the AI service */
} cl_archived_t;

typedef struct {
    const char *user_id, *team, *role;
    const char *category, *region, *window, *week, *snapshot;
    const char *target;     /* "report" or "finding" */
    const char *finding_id; /* NULL for a report */
    const char *rating;     /* "useful" or "not_useful" */
    const char *comment;    /* may be NULL */
    const char *request_id;
} cl_feedback_t;

CL_NODISCARD int cl_archive_open(cl_archive_t **out, const char *path, cl_err_t *err);
void cl_archive_close(cl_archive_t *a);

/* Archive GZ (LEN bytes) under KEY; SUMMARISED says whether it carries a summary. Returns 0 or a
 * database error. */
CL_NODISCARD int cl_archive_put(cl_archive_t *a, const cl_archive_key_t *key, const void *gz,
                                size_t len, int summarised, cl_err_t *err);

/* The report archived under exactly KEY (snapshot and engine version included). Returns 0 (OUT
 * filled; free OUT->gz), CL_ENOTFOUND or a database error. */
CL_NODISCARD int cl_archive_get(cl_archived_t *out, cl_archive_t *a, const cl_archive_key_t *key,
                                cl_err_t *err);

/* The last good report for KEY's category × region × window: of KEY's week (any snapshot, newest
 * stored first), else of the latest earlier week. KEY->snapshot and KEY->engine are ignored.
 * Returns 0 (OUT filled; free OUT->gz), CL_ENOTFOUND or a database error. */
CL_NODISCARD int cl_archive_latest(cl_archived_t *out, cl_archive_t *a, const cl_archive_key_t *key,
                                   cl_err_t *err);

/* Record feedback; *out_id gets its id (may be NULL). Returns 0 or a database error. */
CL_NODISCARD int cl_archive_feedback(int64_t *out_id, cl_archive_t *a, const cl_feedback_t *f,
                                     cl_err_t *err);

/* Counts for tests and metrics. */
CL_NODISCARD int cl_archive_counts(int64_t *reports, int64_t *feedback, cl_archive_t *a,
                                   cl_err_t *err);

#endif
