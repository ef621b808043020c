/* audit.h — the append-only audit log (SQLite, its own file): sign-ins and sign-outs, report views,
 * denials, feedback, and whatever else a service must be able to account for later.
 *
 * Owns: table audit_log. Rows are only ever inserted: triggers refuse UPDATE and DELETE, so not
 * even a bug in this program can rewrite history through this file's connections. Every append is
 * its own transaction committed with synchronous=FULL, so a record that was acknowledged survives a
 * crash or a power loss; callers append before they answer the request the record is about.
 *
 * Group commit. cl_audit_append_async() queues a record for the writer thread, which commits
 * whatever is queued in one transaction (one fsync for many records) and then tells each caller. A
 * server holds its response until then (see cl_http_hold), so every answered request's record is on
 * disk, without an fsync per request and without a worker thread waiting. cl_audit_close() writes
 * everything still queued before it returns.
 *
 * Errors: as store/sqlite.h (CL_EIO, CL_EUNAVAILABLE, CL_ENOMEM, CL_EINTERNAL). Thread safety:
 * shared by all threads; a SQLite connection per thread. */
#ifndef CL_STORE_AUDIT_H
#define CL_STORE_AUDIT_H

#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_audit cl_audit_t;

typedef struct {
    const char *event; /* "login", "login_failed", "logout", "report_view", "denied", "feedback", …
                          (required) */
    const char *outcome;               /* "ok", "denied", "failed"; NULL: "ok" */
    const char *user_id, *role, *team; /* who; NULL when unknown */
    const char *request_id, *client;   /* the request it belongs to */
    const json_t *detail; /* what (borrowed; NULL: {}), e.g. {"category": …, "region": …} */
} cl_audit_event_t;

/* Open (creating, migrating) the audit log at PATH. *out is new: cl_audit_close(). */
CL_NODISCARD int cl_audit_open(cl_audit_t **out, const char *path, cl_err_t *err);
void cl_audit_close(cl_audit_t *a);

/* Append EV (committed and fsynced before returning 0). */
CL_NODISCARD int cl_audit_append(cl_audit_t *a, const cl_audit_event_t *ev, cl_err_t *err);

/* Queue EV (copied) for the writer thread; DONE(PAYLOAD, RC) is called on that thread once the
 * batch holding it is committed (RC 0) or failed (a negative CL_E*). Returns 0 (DONE will be called
 * exactly once) or CL_ENOMEM (it will not). */
CL_NODISCARD int cl_audit_append_async(cl_audit_t *a, const cl_audit_event_t *ev,
                                       void (*done)(void *payload, int rc), void *payload,
                                       cl_err_t *err);

/* Number of records of EVENT (NULL: all) — for tests, health and metrics. */
CL_NODISCARD int cl_audit_count(int64_t *out, cl_audit_t *a, const char *event, cl_err_t *err);

#endif
