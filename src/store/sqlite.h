/* sqlite.h — the one door to SQLite for catlens state: sessions, audit, budget ledger, report
 * archive, jobs.
 *
 * Owns: opening a database file with the settings every caller needs (WAL journal, busy timeout,
 * foreign keys, the durability level the caller asks for), versioned schema migrations per
 * component, prepared statements with bound parameters (plus a small per-connection statement
 * cache), BEGIN IMMEDIATE transactions, and one connection per thread through cl_sqlite_pool_t. It
 * does not own any schema: each component passes its own migrations and SQL.
 *
 * Durability: CL_SQLITE_SYNC_FULL fsyncs the WAL on every commit, so a committed transaction
 * survives a process crash *and* a power loss or kernel crash — the audit log uses it.
 * CL_SQLITE_SYNC_NORMAL (WAL + synchronous=NORMAL) survives a process crash (the WAL is in the page
 * cache) and stays consistent after a power loss, but may lose the last transactions before it —
 * right for sessions, caches and the report archive, where that costs a re-login or a recompute and
 * buys far fewer fsyncs.
 *
 * Values never enter SQL text: bind them with cl_sqlite_bind_*. SQL text passed here is the
 * program's own. Errors (negative CL_E*, message from SQLite without SQL text or values): CL_EIO
 * (cannot open, disk, corrupt, read-only), CL_EUNAVAILABLE (still locked by another writer after
 * the busy timeout), CL_ECONFLICT (a constraint failed), CL_ENOMEM, CL_EINVAL (bad bind index),
 * CL_ECONFIG (the file's schema is newer than this program), CL_EINTERNAL (SQL the program wrote is
 * wrong).
 *
 * Thread safety: a cl_sqlite_t and its statements belong to one thread at a time. cl_sqlite_pool_t
 * is shared by all threads; cl_sqlite_pool_get() gives each thread its own connection. */
#ifndef CL_STORE_SQLITE_H
#define CL_STORE_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_sqlite cl_sqlite_t;
typedef struct cl_sqlite_stmt cl_sqlite_stmt_t;
typedef struct cl_sqlite_pool cl_sqlite_pool_t;

typedef enum {
    CL_SQLITE_SYNC_NORMAL = 0, /* WAL + synchronous=NORMAL: survives process crashes */
    CL_SQLITE_SYNC_FULL = 1,   /* WAL + synchronous=FULL: also survives power loss */
} cl_sqlite_sync_t;

/* One schema step of one component. Versions of a component start at 1 and increase by 1. SQL is
 * trusted DDL and may hold several statements; it runs inside the migration's transaction. */
typedef struct {
    const char *component; /* e.g. "sessions", "audit" — several components may share one file */
    int version;
    const char *sql;
} cl_sqlite_migration_t;

typedef struct {
    cl_sqlite_sync_t sync;
    int busy_timeout_ms;                     /* how long to wait for another writer; 0: 5000 */
    int read_only;                           /* open an existing file read-only (no migrations) */
    const cl_sqlite_migration_t *migrations; /* may be NULL; applied at open, in order */
    size_t n_migrations;
} cl_sqlite_options_t;

/* Step results of cl_sqlite_step. */
#define CL_SQLITE_DONE 0
#define CL_SQLITE_ROW 1

/* Open (creating, mode 0600) the database file PATH with OPT (NULL: NORMAL, 5 s timeout, no
 * migrations) and apply OPT's migrations. Returns 0, CL_EIO, CL_ECONFIG, CL_EUNAVAILABLE or
 * CL_EINTERNAL. *out is new: cl_sqlite_close(), which is also right when open fails halfway (then
 * *out is NULL). */
CL_NODISCARD int cl_sqlite_open(cl_sqlite_t **out, const char *path, const cl_sqlite_options_t *opt,
                                cl_err_t *err);

/* Close DB and every statement it cached. Statements from cl_sqlite_prepare must be freed first.
 * NULL is fine. */
void cl_sqlite_close(cl_sqlite_t *db);

/* Bring each component of MIGRATIONS to its highest version, each step in its own BEGIN IMMEDIATE
 * transaction together with the version record (table cl_schema). Concurrent processes migrating
 * one file are safe: the loser waits, then finds the work done. Returns 0, CL_ECONFIG (the file is
 * at a newer version than any step here, or the steps are not numbered 1, 2, …), or an error of the
 * step. */
CL_NODISCARD int cl_sqlite_migrate(cl_sqlite_t *db, const cl_sqlite_migration_t *migrations,
                                   size_t n, cl_err_t *err);

/* The schema version of COMPONENT in DB (0 when it has none). Returns 0 or an error. */
CL_NODISCARD int cl_sqlite_schema_version(int *out, cl_sqlite_t *db, const char *component,
                                          cl_err_t *err);

/* Run trusted SQL text without values (several statements allowed). Returns 0 or an error. */
CL_NODISCARD int cl_sqlite_exec(cl_sqlite_t *db, const char *sql, cl_err_t *err);

/* Prepare one statement with ? or :name parameters. *out is new: cl_sqlite_stmt_free(), before
 * closing DB. */
CL_NODISCARD int cl_sqlite_prepare(cl_sqlite_stmt_t **out, cl_sqlite_t *db, const char *sql,
                                   cl_err_t *err);

/* The connection's cached statement for SQL (prepared on first use), reset with its bindings
 * cleared. *out is borrowed: it lives as long as DB; do not free it. Use it for the statements a
 * component runs all the time. */
CL_NODISCARD int cl_sqlite_cached(cl_sqlite_stmt_t **out, cl_sqlite_t *db, const char *sql,
                                  cl_err_t *err);

/* Free a statement from cl_sqlite_prepare. NULL is fine; cached statements are ignored. */
void cl_sqlite_stmt_free(cl_sqlite_stmt_t *st);

/* Bind parameter INDEX (1-based); text and blobs are copied. Return 0, CL_EINVAL (no such
 * parameter) or CL_ENOMEM. */
CL_NODISCARD int cl_sqlite_bind_text(cl_sqlite_stmt_t *st, int index, const char *value,
                                     cl_err_t *err);
/* As cl_sqlite_bind_text, without the copy: VALUE must stay as it is until the statement has been
 * stepped to its end (or reset) — for hot paths whose values outlive the statement's run. */
CL_NODISCARD int cl_sqlite_bind_text_borrowed(cl_sqlite_stmt_t *st, int index, const char *value,
                                              cl_err_t *err);
CL_NODISCARD int cl_sqlite_bind_blob(cl_sqlite_stmt_t *st, int index, const void *data, size_t len,
                                     cl_err_t *err);
CL_NODISCARD int cl_sqlite_bind_int64(cl_sqlite_stmt_t *st, int index, int64_t value,
                                      cl_err_t *err);
CL_NODISCARD int cl_sqlite_bind_double(cl_sqlite_stmt_t *st, int index, double value,
                                       cl_err_t *err);
CL_NODISCARD int cl_sqlite_bind_null(cl_sqlite_stmt_t *st, int index, cl_err_t *err);

/* The 1-based index of the named parameter (":name" as written in the SQL), or 0 when there is
 * none. */
int cl_sqlite_param_index(cl_sqlite_stmt_t *st, const char *name);

/* One step: CL_SQLITE_ROW (a row is readable), CL_SQLITE_DONE, or a negative error. On DONE and on
 * errors the statement is reset (bindings kept), so it holds no read transaction; a caller that
 * stops reading rows early calls cl_sqlite_reset(). */
CL_NODISCARD int cl_sqlite_step(cl_sqlite_stmt_t *st, cl_err_t *err);

/* Step a statement that returns no rows to its end. Returns 0 or an error (a row is CL_EINTERNAL).
 */
CL_NODISCARD int cl_sqlite_run(cl_sqlite_stmt_t *st, cl_err_t *err);

/* Reset ST so it can run again; bindings are kept. */
void cl_sqlite_reset(cl_sqlite_stmt_t *st);

/* Columns of the current row, 0-based. Text and blobs are borrowed until the next step or reset. */
int cl_sqlite_column_is_null(cl_sqlite_stmt_t *st, int col);
int64_t cl_sqlite_column_int64(cl_sqlite_stmt_t *st, int col);
double cl_sqlite_column_double(cl_sqlite_stmt_t *st, int col);
const char *cl_sqlite_column_text(cl_sqlite_stmt_t *st, int col); /* NULL for NULL */
const void *cl_sqlite_column_blob(cl_sqlite_stmt_t *st, int col, size_t *out_len);

/* Rows changed by the last INSERT/UPDATE/DELETE on DB, and the rowid of its last INSERT. */
int64_t cl_sqlite_changes(cl_sqlite_t *db);
int64_t cl_sqlite_last_rowid(cl_sqlite_t *db);

/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the busy timeout), COMMIT, ROLLBACK.
 * Commit failing leaves the transaction open: roll it back. Rollback never fails from the caller's
 * view (it logs). */
CL_NODISCARD int cl_sqlite_begin(cl_sqlite_t *db, cl_err_t *err);
CL_NODISCARD int cl_sqlite_commit(cl_sqlite_t *db, cl_err_t *err);
void cl_sqlite_rollback(cl_sqlite_t *db);

/* The file DB was opened on (borrowed). */
const char *cl_sqlite_path(const cl_sqlite_t *db);

/* PRAGMA data_version of DB: it changes when any other connection — of this process or another —
 * has committed a change to the file since DB last looked, and never for DB's own commits. So a
 * component may keep what it read through DB while the value stays the same, provided it also
 * forgets or updates it on its own writes. In WAL mode the last answer is given again, without
 * the pragma's read transaction, while the WAL-index header (the -shm file's first 96 bytes, which
 * every commit rewrites) is byte for byte what it was when the pragma last ran. Returns 0 or an
 * error. */
CL_NODISCARD int cl_sqlite_data_version(int64_t *out, cl_sqlite_t *db, cl_err_t *err);

/* One value a component keeps with DB (e.g. what it read through DB, see cl_sqlite_data_version),
 * freed with FREE_FN when DB closes or the value is replaced. NULL when none. */
void cl_sqlite_set_userdata(cl_sqlite_t *db, void *value, void (*free_fn)(void *));
void *cl_sqlite_userdata(const cl_sqlite_t *db);

/* A connection per thread to one file. cl_sqlite_pool_new opens the file once with OPT (running its
 * migrations) and keeps the settings; each thread's first cl_sqlite_pool_get opens its own
 * connection (no migrations), which is closed when the thread exits or the pool is freed. *out is
 * new: cl_sqlite_pool_free(), after every thread that used it has stopped using it. Errors as
 * cl_sqlite_open. */
CL_NODISCARD int cl_sqlite_pool_new(cl_sqlite_pool_t **out, const char *path,
                                    const cl_sqlite_options_t *opt, cl_err_t *err);

/* This thread's connection. *out is borrowed: valid on this thread until it exits or the pool is
 * freed. */
CL_NODISCARD int cl_sqlite_pool_get(cl_sqlite_t **out, cl_sqlite_pool_t *pool, cl_err_t *err);

void cl_sqlite_pool_free(cl_sqlite_pool_t *pool);

#endif
