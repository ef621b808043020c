/* snapshot.h — the warehouse's published snapshots: layout, atomic publish, manifest, run records.
 *
 * Owns the warehouse folder (see docs/etl.md):
 *   WAREHOUSE/snapshots/<week>/<snapshot-id>/{manifest.json, <table>/<col>=<v>/.../part-0.parquet}
 *   WAREHOUSE/current/<week>  -> ../snapshots/<week>/<snapshot-id>   (symlink, swapped atomically)
 *   WAREHOUSE/runs/<week>/<UTC stamp>-<pid>.json                       (one record per attempt)
 *   WAREHOUSE/.tmp/ (staging, same file system), WAREHOUSE/.lock (one writer at a time)
 * A snapshot is written into .tmp, checksummed, fsynced, made read-only and renamed into place in
 * one step; it never changes afterwards. Its id is derived from its content (pipeline name and
 * version, week, history, and every file's path and sha256), so publishing the same content twice
 * finds the existing snapshot and leaves it untouched. It does not own what is inside the
 * Parquet files (the pipeline does) nor how they are made (the runner and engine do).
 *
 * Errors: CL_EIO (file system), CL_ECONFLICT (another run holds the lock), CL_ENOTFOUND (no
 * published snapshot), CL_ENOMEM, CL_EINVAL. Thread safety: cl_snapshot_publish is for one thread
 * at a time (it walks folders with nftw); the lock serialises processes. The rest is reentrant. */
#ifndef CL_ETL_SNAPSHOT_H
#define CL_ETL_SNAPSHOT_H

#include <stddef.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_SNAPSHOT_ID_MAX 48
#define CL_SNAPSHOT_PATH_MAX 4096

typedef struct {
    char id[CL_SNAPSHOT_ID_MAX];    /* e.g. "2026-W47.3f9a0c21d4e5b687" */
    char dir[CL_SNAPSHOT_PATH_MAX]; /* WAREHOUSE/snapshots/<week>/<id> */
    int unchanged;                  /* 1: an identical snapshot was already published */
    size_t files;                   /* data files in the snapshot */
} cl_snapshot_info_t;

/* Take the warehouse's writer lock (creating WAREHOUSE) and remove stale staging folders left by
 * crashed runs. *out_fd is the lock: cl_snapshot_unlock() it. Returns 0, CL_EIO or CL_ECONFLICT
 * (another `catlens etl` is writing this warehouse). */
CL_NODISCARD int cl_snapshot_lock(int *out_fd, const char *warehouse, cl_err_t *err);
void cl_snapshot_unlock(int fd);

/* A fresh, empty staging folder for WEEK under WAREHOUSE/.tmp, written into OUT (CAP bytes).
 * Returns 0 or CL_EIO. */
CL_NODISCARD int cl_snapshot_stage(char *out, size_t cap, const char *warehouse, const char *week,
                                   cl_err_t *err);

/* Publish the staged folder STAGING as a snapshot of WEEK. MANIFEST (borrowed, completed in place)
 * holds what the run knows: week, pipeline {name, version}, history_weeks, source, tables {name:
 * {rows, partition_by, key}}, checks. This adds snapshot_id, files (path, bytes, sha256 per table),
 * status "complete" and created_at, writes manifest.json, fsyncs everything, makes files read-only
 * and renames the folder into snapshots/<week>/<id>, then points current/<week> at it. If that id
 * already exists the staging folder is discarded and out->unchanged is 1. Returns 0, CL_EIO or
 * CL_ENOMEM. */
CL_NODISCARD int cl_snapshot_publish(cl_snapshot_info_t *out, const char *warehouse,
                                     const char *week, const char *staging, json_t *manifest,
                                     cl_err_t *err);

/* Record one ETL attempt (RECORD borrowed: status, message, week, …) as
 * WAREHOUSE/runs/<week>/<stamp>-<pid>.json, written atomically; the path goes to OUT (may be
 * NULL). Returns 0 or CL_EIO. */
CL_NODISCARD int cl_snapshot_record_run(char *out, size_t cap, const char *warehouse,
                                        const char *week, json_t *record, cl_err_t *err);

/* The folder of the current snapshot of WEEK (resolved, not the symlink). *out is new: free().
 * Returns 0, CL_ENOTFOUND or CL_ENOMEM. */
CL_NODISCARD int cl_snapshot_resolve(char **out, const char *warehouse, const char *week,
                                     cl_err_t *err);

/* sha256 of the file at PATH as 64 lowercase hex digits; also fsyncs it when SYNC. Returns 0 or
 * CL_EIO. */
CL_NODISCARD int cl_snapshot_sha256_file(char out[65], const char *path, int sync, cl_err_t *err);

/* "2026-11-24T10:00:00Z" for NOW. */
void cl_snapshot_utc_stamp(char out[32], long long now);

#endif
