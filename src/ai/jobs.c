/* jobs.c — a durable job queue on SQLite with leases. Claim, renew and finish are single statements
 * or small BEGIN IMMEDIATE transactions, so they are atomic across threads and processes sharing
 * the file; every commit is fsynced, so an accepted job (202) survives a crash. */
#include "ai/jobs.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite.h"

struct cl_jobs {
    cl_sqlite_pool_t *pool;
};

static const cl_sqlite_migration_t MIGRATIONS[] = {
    {"ai_jobs", 1,
     "CREATE TABLE ai_jobs (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, state TEXT NOT NULL, "
     "request TEXT NOT NULL,"
     " result TEXT, error_code TEXT, error_message TEXT, owner TEXT, lease_until_ms INTEGER NOT "
     "NULL DEFAULT 0,"
     " attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT "
     "NULL);"
     "CREATE INDEX ai_jobs_state ON ai_jobs(state, created_ms);"},
};

int cl_jobs_open(cl_jobs_t **out, const char *path, cl_err_t *err)
{
    *out = NULL;
    cl_jobs_t *j = calloc(1, sizeof *j);
    if (!j) {
        return cl_err_set(err, CL_ENOMEM, "jobs: out of memory");
    }
    cl_sqlite_options_t opt = {CL_SQLITE_SYNC_FULL, 10000, 0, MIGRATIONS, CL_ARRAY_LEN(MIGRATIONS)};
    int rc = cl_sqlite_pool_new(&j->pool, path, &opt, err);
    if (rc != 0) {
        free(j);
        return rc;
    }
    *out = j;
    return 0;
}

void cl_jobs_close(cl_jobs_t *j)
{
    if (j) {
        cl_sqlite_pool_free(j->pool);
        free(j);
    }
}

void cl_job_dispose(cl_job_t *job)
{
    json_decref(job->request);
    memset(job, 0, sizeof *job);
}

static int prepare(cl_sqlite_stmt_t **st, cl_jobs_t *j, const char *sql, cl_err_t *err)
{
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, j->pool, err);
    return rc ? rc : cl_sqlite_cached(st, db, sql, err);
}

int cl_jobs_submit(char id[CL_JOB_ID_LEN], cl_jobs_t *j, json_t *request, int64_t now_ms,
                   cl_err_t *err)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        return cl_err_set(err, CL_EINTERNAL, "jobs: no randomness for an id");
    }
    id[0] = 'j';
    id[1] = '-';
    for (size_t i = 0; i < sizeof raw; i++) {
        snprintf(id + 2 + 2 * i, 3, "%02x", raw[i]);
    }
    char *text = json_dumps(request, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const char *user = json_string_value(json_object_get(json_object_get(request, "user"), "id"));
    if (!text) {
        return cl_err_set(err, CL_ENOMEM, "jobs: out of memory");
    }
    cl_sqlite_stmt_t *st = NULL;
    int rc = prepare(&st, j,
                     "INSERT INTO ai_jobs (id, user_id, state, request, created_ms, updated_ms) "
                     "VALUES (?1, ?2, 'queued', ?3, ?4, ?4)",
                     err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, id, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, user ? user : "", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 3, text, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 4, now_ms, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    free(text);
    return rc;
}

int cl_jobs_claim(cl_job_t *out, cl_jobs_t *j, const char *owner, int64_t now_ms, int lease_ms,
                  cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    cl_sqlite_t *db = NULL;
    int rc = cl_sqlite_pool_get(&db, j->pool, err);
    rc = rc ? rc : cl_sqlite_begin(db, err);
    if (rc != 0) {
        return rc;
    }
    cl_sqlite_stmt_t *st = NULL;
    rc = cl_sqlite_cached(
        &st, db,
        "UPDATE ai_jobs SET state = 'running', owner = ?1, lease_until_ms = ?2 + ?3,"
        " attempts = attempts + 1, updated_ms = ?2 WHERE id = (SELECT id FROM ai_jobs"
        " WHERE state = 'queued' OR (state = 'running' AND lease_until_ms <= ?2)"
        " ORDER BY created_ms, id LIMIT 1) RETURNING id, request, attempts",
        err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, owner, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, now_ms, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 3, lease_ms, err);
    int step = rc ? rc : cl_sqlite_step(st, err);
    if (step == CL_SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", cl_sqlite_column_text(st, 0));
        out->request = json_loads(cl_sqlite_column_text(st, 1), 0, NULL);
        out->attempts = (int)cl_sqlite_column_int64(st, 2);
        cl_sqlite_reset(st);
        rc = out->request ? 0 : cl_err_set(err, CL_EINTERNAL, "jobs: stored request is not JSON");
    } else {
        rc = step == CL_SQLITE_DONE ? CL_ENOTFOUND : step;
    }
    if (rc == 0) {
        rc = cl_sqlite_commit(db, err);
    }
    if (rc != 0) {
        cl_sqlite_rollback(db);
        cl_job_dispose(out);
    }
    return rc;
}

int cl_jobs_renew(cl_jobs_t *j, const char *owner, int64_t now_ms, int lease_ms, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = prepare(
        &st, j,
        "UPDATE ai_jobs SET lease_until_ms = ?2 + ?3 WHERE owner = ?1 AND state = 'running'", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, owner, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 2, now_ms, err);
    rc = rc ? rc : cl_sqlite_bind_int64(st, 3, lease_ms, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

int cl_jobs_finish(cl_jobs_t *j, const char *id, const char *owner, json_t *result,
                   const char *error_code, const char *message, int64_t now_ms, cl_err_t *err)
{
    char *text = result ? json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    cl_sqlite_t *db = NULL;
    cl_sqlite_stmt_t *st = NULL;
    int rc = cl_sqlite_pool_get(&db, j->pool, err);
    rc = rc ? rc
            : cl_sqlite_cached(
                  &st, db,
                  "UPDATE ai_jobs SET state = ?3, result = ?4, error_code = ?5, error_message = ?6,"
                  " updated_ms = ?7, owner = NULL WHERE id = ?1 AND owner = ?2 AND state = "
                  "'running'",
                  err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, id, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, owner, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 3, result ? "done" : "failed", err);
    rc = rc ? rc : (text ? cl_sqlite_bind_text(st, 4, text, err) : cl_sqlite_bind_null(st, 4, err));
    rc = rc ? rc
            : (error_code ? cl_sqlite_bind_text(st, 5, error_code, err)
                          : cl_sqlite_bind_null(st, 5, err));
    rc =
        rc ? rc
           : (message ? cl_sqlite_bind_text(st, 6, message, err) : cl_sqlite_bind_null(st, 6, err));
    rc = rc ? rc : cl_sqlite_bind_int64(st, 7, now_ms, err);
    rc = rc ? rc : cl_sqlite_run(st, err);
    free(text);
    if (rc == 0 && cl_sqlite_changes(db) == 0) {
        return cl_err_set(err, CL_ECONFLICT, "job %s is no longer held by this worker", id);
    }
    return rc;
}

int cl_jobs_release(cl_jobs_t *j, const char *id, const char *owner, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = prepare(&st, j,
                     "UPDATE ai_jobs SET state = 'queued', owner = NULL, lease_until_ms = 0,"
                     " attempts = attempts - 1 WHERE id = ?1 AND owner = ?2 AND state = 'running'",
                     err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, id, err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 2, owner, err);
    return rc ? rc : cl_sqlite_run(st, err);
}

static json_t *iso_time(int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return json_string(buf);
}

int cl_jobs_get(json_t **out, cl_jobs_t *j, const char *id, const char *user, cl_err_t *err)
{
    *out = NULL;
    cl_sqlite_stmt_t *st = NULL;
    int rc =
        prepare(&st, j,
                "SELECT state, result, error_code, error_message, created_ms, updated_ms, user_id"
                " FROM ai_jobs WHERE id = ?1",
                err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, id, err);
    int step = rc ? rc : cl_sqlite_step(st, err);
    if (step != CL_SQLITE_ROW) {
        return step < 0 ? step : cl_err_set(err, CL_ENOTFOUND, "no job %s", id);
    }
    const char *owner_user = cl_sqlite_column_text(st, 6);
    if (user && (!owner_user || strcmp(owner_user, user) != 0)) {
        cl_sqlite_reset(st);
        return cl_err_set(err, CL_ENOTFOUND, "no job %s", id);
    }
    const char *state = cl_sqlite_column_text(st, 0);
    json_t *doc = json_pack("{s:s,s:s,s:o,s:o}", "job", id, "state", state, "created_at",
                            iso_time(cl_sqlite_column_int64(st, 4)), "updated_at",
                            iso_time(cl_sqlite_column_int64(st, 5)));
    const char *result = cl_sqlite_column_text(st, 1);
    if (doc && result) {
        json_object_set_new(doc, "result", json_loads(result, 0, NULL));
    }
    const char *code = cl_sqlite_column_text(st, 2);
    if (doc && code) {
        const char *msg = cl_sqlite_column_text(st, 3);
        json_object_set_new(doc, "error",
                            json_pack("{s:s,s:s}", "code", code, "message", msg ? msg : ""));
    }
    cl_sqlite_reset(st);
    *out = doc;
    return doc ? 0 : cl_err_set(err, CL_ENOMEM, "jobs: out of memory");
}

int cl_jobs_count(int64_t *out, cl_jobs_t *j, const char *state, cl_err_t *err)
{
    cl_sqlite_stmt_t *st = NULL;
    int rc = prepare(&st, j, "SELECT COUNT(*) FROM ai_jobs WHERE state = ?1", err);
    rc = rc ? rc : cl_sqlite_bind_text(st, 1, state, err);
    int step = rc ? rc : cl_sqlite_step(st, err);
    if (step != CL_SQLITE_ROW) {
        return step < 0 ? step : CL_EINTERNAL;
    }
    *out = cl_sqlite_column_int64(st, 0);
    cl_sqlite_reset(st);
    return 0;
}
