/* audit.h — the append-only audit log (SQLite, its own file): sign-ins and sign-outs, report views,
 * denials, feedback, and whatever else a service must be able to account for later.
 *
 * Owns: table audit_log. Rows are only ever inserted: triggers refuse UPDATE and DELETE, so not
 * even a bug in this program can rewrite history through this file's connections. Its index by
 * kind and time (audit_log_security) holds the security records only — every event but
 * report_view —: a query uses it when it says `event <> 'report_view'` (SQLite uses a partial
 * index only for a query that implies its condition). Report views are found by time through id,
 * which grows with ts.
 *
 * Group commit. cl_audit_append_async() queues a record for the writer thread, which commits
 * whatever is queued in one transaction to the WAL without waiting for the disk (synchronous=
 * NORMAL), while a flusher thread runs fdatasync on the WAL: back to back while FLUSHED records
 * wait, at most every 5 ms while only WRITTEN ones do (audit.c, VIEW_FLUSH_INTERVAL_NS). Each
 * record says when its
 * caller is told (DONE) — its durability:
 *
 *   CL_AUDIT_FLUSHED (the default): once a flush that began after the record's commit has ended —
 *     the record is on disk and survives a power loss or kernel crash (what synchronous=FULL gives,
 *     with one flush for all the records committed meanwhile).
 *   CL_AUDIT_WRITTEN: once the record's batch is committed — it is in the kernel's page cache of
 *     the WAL, visible to every reader, and survives any crash of this process (SIGKILL, abort,
 *     out of memory); a power loss or kernel crash loses at most the WRITTEN records committed
 *     in the last ~5 ms and during the flush in progress, and never leaves the file inconsistent.
 *
 * A server holds its response until DONE (see cl_http_hold), so every answered request's record is
 * committed, and on disk when FLUSHED, without an fsync per request and without a worker thread
 * waiting.
 *
 * The journal. cl_audit_append_journaled() gives WRITTEN's guarantee without the wait: the record
 * is appended to this process's journal file (store/journal.h, `PATH.journal.<hex>`) by the
 * caller's own thread — one pwritev, no hand-over, no held reply — and survives any crash of this
 * process from then on. The writer moves journaled records into audit_log in its next turn (turns
 * begin at most every 5 ms, or every 20 ms after a turn that moved 100 records or more — under a
 * load of ~20,000 views a second and up —, so a turn inserts many records in one transaction and
 * one commit: a record is there within ~5 ms, ~20 ms under that load; cl_audit_settle() waits for
 * that, without the pacing), recording
 * in the same transaction how far it read, so that each is inserted exactly once; the flusher
 * fdatasyncs the journal at most every 5 ms, so a power loss loses what WRITTEN loses. A process
 * that dies leaves its journal behind, locked to no one: the next cl_audit_open() of the same log
 * moves what is left into audit_log before it returns (a torn last record — an append cut short by
 * the crash, never acknowledged — is dropped) and deletes the file. Journals of live processes
 * sharing the log are left alone. Once a journal passes 64 MiB, a new one takes over and the old
 * one is drained, synced and deleted. Checkpoints (SQLite's own, on the writer) keep
 * synchronous=NORMAL's syncs: the WAL is synced before its pages are copied and the database before
 * the WAL is reused, so a checkpoint never drops a record that was not yet flushed.
 * cl_audit_close() writes everything still queued and flushes it before it returns.
 *
 * Errors: as store/sqlite.h (CL_EIO, CL_EUNAVAILABLE, CL_ENOMEM, CL_EINTERNAL); a failed flush is
 * CL_EIO for the FLUSHED records waiting on it (the WRITTEN ones were told already, and it is
 * logged). Thread safety: shared by all threads; a SQLite connection per thread. */
#ifndef CL_STORE_AUDIT_H
#define CL_STORE_AUDIT_H

#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_audit cl_audit_t;

typedef enum {
    CL_AUDIT_FLUSHED = 0, /* DONE once the record is on disk (fsynced) */
    CL_AUDIT_WRITTEN = 1, /* DONE once the record is committed (written, flushed as it leaves) */
} cl_audit_durability_t;

typedef struct {
    const char *event; /* "login", "login_failed", "logout", "report_view", "denied", "feedback", …
                          (required) */
    const char *outcome;               /* "ok", "denied", "failed"; NULL: "ok" */
    const char *user_id, *role, *team; /* who; NULL when unknown */
    const char *request_id, *client;   /* the request it belongs to */
    const json_t *detail;    /* what (borrowed; NULL: {}), e.g. {"category": …, "region": …} */
    const char *detail_text; /* or the same already written as JSON (compact, keys sorted: what
                                json_dumps would write); used instead of detail when set */
    cl_audit_durability_t durability; /* when the caller is told; 0: CL_AUDIT_FLUSHED */
} cl_audit_event_t;

typedef struct {
    uint64_t batches;        /* transactions committed by the writer */
    uint64_t flushes;        /* fdatasync calls of the WAL that ended */
    uint64_t flush_failures; /* … of the WAL or of the journal, that failed */
    uint64_t journal_syncs;  /* fdatasync calls of the journal */
    uint64_t journaled;      /* records appended to the journal */
} cl_audit_stats_t;

/* Open (creating, migrating) the audit log at PATH. *out is new: cl_audit_close(). */
CL_NODISCARD int cl_audit_open(cl_audit_t **out, const char *path, cl_err_t *err);
void cl_audit_close(cl_audit_t *a);

/* Append EV through the writer and wait: returns 0 once DONE would be called with 0 (committed, and
 * on disk unless EV says CL_AUDIT_WRITTEN), else the error. */
CL_NODISCARD int cl_audit_append(cl_audit_t *a, const cl_audit_event_t *ev, cl_err_t *err);

/* Queue EV (copied) for the writer thread; DONE(PAYLOAD, RC) is called on the writer or the flusher
 * thread once the record is as durable as EV->durability says (RC 0) or that failed (a negative
 * CL_E*). Returns 0 (DONE will be called exactly once) or CL_ENOMEM (it will not). */
CL_NODISCARD int cl_audit_append_async(cl_audit_t *a, const cl_audit_event_t *ev,
                                       void (*done)(void *payload, int rc), void *payload,
                                       cl_err_t *err);

/* Append EV to the journal (EV->durability is not used: the journal's is WRITTEN's): returns 0
 * once the record survives any crash of this process; it is in audit_log shortly after. Any thread,
 * no waiting on another. CL_EIO when the journal cannot take it (disk full: cl_audit_append_async
 * with CL_AUDIT_WRITTEN is the way then), CL_EUNAVAILABLE while closing, CL_ENOMEM. */
CL_NODISCARD int cl_audit_append_journaled(cl_audit_t *a, const cl_audit_event_t *ev,
                                           cl_err_t *err);

/* Wait until every record journaled before the call is in audit_log (for tests and readers that
 * must see what was just appended). */
void cl_audit_settle(cl_audit_t *a);

/* Number of records of EVENT (NULL: all) in audit_log — for tests, health and metrics (journaled
 * records count once the writer has moved them: cl_audit_settle first to count them all). */
CL_NODISCARD int cl_audit_count(int64_t *out, cl_audit_t *a, const char *event, cl_err_t *err);

/* Counters since open (for tests and metrics). */
void cl_audit_stats(cl_audit_stats_t *out, cl_audit_t *a);

#endif
