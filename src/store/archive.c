/* archive.c — the report archive and feedback. Reports are stored compressed (a WBR document is
 * tens of KB of JSON and compresses about tenfold); week keys sort as text, so "the latest earlier
 * week" is a plain ORDER BY. */
#include "store/archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite.h"

static const cl_sqlite_migration_t MIGRATIONS[] = {
    {"archive", 1,
     "CREATE TABLE report_archive ("
     " category TEXT NOT NULL, region TEXT NOT NULL, win TEXT NOT NULL, week TEXT NOT NULL,"
     " snapshot TEXT NOT NULL, stored_at INTEGER NOT NULL, report_gz BLOB NOT NULL,"
     " PRIMARY KEY (category, region, win, week, snapshot));"
     "CREATE INDEX report_archive_latest ON report_archive(category, region, win, week, "
     "stored_at);"},
    {"feedback", 1,
     "CREATE TABLE feedback ("
     " id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
     " user_id TEXT NOT NULL, team TEXT, role TEXT,"
     " category TEXT NOT NULL, region TEXT NOT NULL, win TEXT NOT NULL, week TEXT NOT NULL, "
     "snapshot TEXT,"
     " target TEXT NOT NULL CHECK (target IN ('report', 'finding')), finding_id TEXT,"
     " rating TEXT NOT NULL CHECK (rating IN ('useful', 'not_useful')), comment TEXT, request_id "
     "TEXT);"},
    {"archive", 2, "ALTER TABLE report_archive ADD COLUMN summarised INTEGER NOT NULL DEFAULT 0;"},
    /* the engine version that made the report: an exact lookup wants the running one */
    {"archive", 3, "ALTER TABLE report_archive ADD COLUMN engine TEXT NOT NULL DEFAULT '';"},
};

struct cl_archive {
    cl_sqlite_pool_t *pool;
};

int cl_archive_open(cl_archive_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    cl_archive_t *a = calloc(1, sizeof *a);
    if (!a) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_sqlite_options_t opt = {.sync = CL_SQLITE_SYNC_NORMAL,
                               .migrations = MIGRATIONS,
                               .n_migrations = CL_ARRAY_LEN(MIGRATIONS)};
    int rc = cl_sqlite_pool_new(&a->pool, path, &opt, err);
    if (rc != 0) {
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void cl_archive_close(cl_archive_t *a)
{
    if (a) {
        cl_sqlite_pool_free(a->pool);
        free(a);
    }
}

static int stmt(cl_sqlite_stmt_t **st, cl_archive_t *a, const char *sql, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, a->pool, err);
    return rc ? rc : cl_sqlite_cached(st, db, sql, err);
}

static int bind_texts(cl_sqlite_stmt_t *st, const char *const *vals, int n, cl_err_t *err)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = cl_sqlite_bind_text(st, i + 1, vals[i], err);
    }
    return rc;
}

int cl_archive_put(cl_archive_t *a, const cl_archive_key_t *k, const void *gz, size_t len,
                   int summarised, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, a,
                  "INSERT OR REPLACE INTO report_archive(category, region, win, week, snapshot, "
                  "stored_at, report_gz, summarised, engine) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                  err);
    const char *vals[] = {k->category, k->region, k->window, k->week, k->snapshot};
    rc = rc ? rc : bind_texts(st, vals, 5, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 9, k->engine ? k->engine : "", err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 6, (int64_t)time(NULL), err);
    rc = rc ? rc : cl_sqlite_bind_blob(st, 7, gz, len, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 8, summarised ? 1 : 0, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    return rc ? cl_err_wrap(err, "report archive") : 0;
}

/* The row ST stepped to, into OUT. */
static int read_row(cl_archived_t *out, cl_sqlite_stmt_t *st, cl_err_t *err)
{
    size_t len = 0;
    const void *blob = cl_sqlite_column_blob(st, 0, &len);
    out->gz = malloc(len ? len : 1);
    if (!out->gz) {
        cl_sqlite_reset(st);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    memcpy(out->gz, blob, len);
    out->gz_len = len;
    snprintf(out->week, sizeof out->week, "%s", cl_sqlite_column_text(st, 1));
    snprintf(out->snapshot, sizeof out->snapshot, "%s", cl_sqlite_column_text(st, 2));
    out->stored_at = cl_sqlite_column_int64(st, 3);
    out->summarised = cl_sqlite_column_int64(st, 4) != 0;
    cl_sqlite_reset(st);
    return 0;
}

#define ROW_COLUMNS "report_gz, week, snapshot, stored_at, summarised"

int cl_archive_latest(cl_archived_t *out, cl_archive_t *a, const cl_archive_key_t *k, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    cl_sqlite_stmt_t *st = NULL;
    /* the requested week first, then the most recent week before it */
    int rc = stmt(&st, a,
                  "SELECT " ROW_COLUMNS " FROM report_archive "
                  "WHERE category = ?1 AND region = ?2 AND win = ?3 AND week <= ?4 "
                  "ORDER BY week DESC, stored_at DESC LIMIT 1",
                  err);
    const char *vals[] = {k->category, k->region, k->window, k->week};
    rc = rc ? rc : bind_texts(st, vals, 4, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc < 0) {
        return rc;
    }
    if (rc == CL_SQLITE_DONE) {
        return cl_err_set(err, CL_ENOTFOUND,
                          "no earlier report of this category, region and window is archived");
    }
    return read_row(out, st, err);
}

int cl_archive_get(cl_archived_t *out, cl_archive_t *a, const cl_archive_key_t *k, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    cl_sqlite_stmt_t *st = NULL;
    int rc = stmt(&st, a,
                  "SELECT " ROW_COLUMNS " FROM report_archive WHERE category = ?1 AND "
                  "region = ?2 AND win = ?3 AND week = ?4 AND snapshot = ?5 AND engine = ?6",
                  err);
    const char *vals[] = {k->category, k->region,   k->window,
                          k->week,     k->snapshot, k->engine ? k->engine : ""};
    rc = rc ? rc : bind_texts(st, vals, 6, err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc < 0) {
        return rc;
    }
    if (rc == CL_SQLITE_DONE) {
        return cl_err_set(err, CL_ENOTFOUND, "this report is not archived");
    }
    return read_row(out, st, err);
}

int cl_archive_feedback(int64_t *out_id, cl_archive_t *a, const cl_feedback_t *f, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_pool_get(&db, a->pool, err);
    rc = rc ? rc
            : cl_sqlite_cached(
                  &st, db,
                  "INSERT INTO feedback(ts, user_id, team, role, category, region, win, week, "
                  "snapshot, "
                  "target, finding_id, rating, comment, request_id) "
                  "VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                  err);
    const char *vals[] = {f->user_id, f->team,    f->role,      f->category, f->region,
                          f->window,  f->week,    f->snapshot,  f->target,   f->finding_id,
                          f->rating,  f->comment, f->request_id};
    rc = rc ? rc : bind_texts(st, vals, 13, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 14, (int64_t)time(NULL), err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    if (rc == 0 && out_id) {
        *out_id = cl_sqlite_last_rowid(db);
    }
    return rc ? cl_err_wrap(err, "feedback") : 0;
}

int cl_archive_counts(int64_t *reports, int64_t *feedback, cl_archive_t *a, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc =
        stmt(&st, a,
             "SELECT (SELECT count(*) FROM report_archive), (SELECT count(*) FROM feedback)", err);
    rc = rc ? rc : cl_sqlite_step(st, err);
    if (rc == CL_SQLITE_ROW) {
        *reports = cl_sqlite_column_int64(st, 0);
        *feedback = cl_sqlite_column_int64(st, 1);
        cl_sqlite_reset(st);
        rc = 0;
    }
    return rc;
}
