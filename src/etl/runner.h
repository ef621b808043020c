/* runner.h — run one pipeline for one week and publish its snapshot.
 *
 * Owns the order of a run: validate the week, check the source exists (and the paths the pipeline
 * `requires`), take the warehouse lock, check that the source's watermark covers the week
 * (etl/watermark.h: the source's _watermark.json, or the pipeline's watermark query), run each
 * step and its data checks through an engine (etl/engine.h: the runner never names DuckDB, so a
 * Spark SQL engine can be dropped in writing the same layout) — a for_each_week step once per week
 * of the history window, several weeks at once on engine sessions — prove that every column an
 * output declares not available is NULL and list those (and measures without a single value) in the
 * manifest, export the output tables into a staging folder, publish them atomically
 * (etl/snapshot.h), and record the attempt under WAREHOUSE/runs/<week>/ whatever its outcome.
 *
 * Errors: CL_EINVAL (bad week, bad parameter template), CL_ENOTFOUND (no source folder, or a path
 * the pipeline requires is missing), CL_EPARTIAL (the watermark ends before the week does, or a
 * `partial` check failed: nothing is published), CL_EDATA (an `error` check failed, or a column
 * declared not available holds values: nothing is published), CL_EQUERY (the engine refused a
 * step), CL_ECONFLICT (another run holds the warehouse), CL_EIO. The message names the step and
 * check, or the table and the missing days.
 * Thread safety: one run per thread (a run starts its own worker threads for for_each_week steps
 * and joins them before it returns); runs on one warehouse are serialised by its lock. */
#ifndef CL_ETL_RUNNER_H
#define CL_ETL_RUNNER_H

#include <stdio.h>
#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"
#include "etl/engine.h"
#include "etl/pipeline.h"
#include "etl/snapshot.h"
#include "etl/watermark.h"

typedef int (*cl_etl_engine_open_fn)(cl_etl_engine_t **out, const cl_etl_engine_options_t *opt,
                                     cl_err_t *err);

typedef struct {
    const cl_pipeline_t *pipeline; /* borrowed */
    const char *week;              /* "2026-W47" */
    const char *source_dir;
    const char *warehouse_dir;
    int history_weeks;              /* weeks ending at WEEK kept in the snapshot, >= 1 */
    cl_etl_engine_options_t engine; /* spill_dir is set by the runner when NULL */
    int workers; /* weeks a for_each_week step builds at once, each on its own engine session
                    (when the engine has sessions; at most 8); 0 or 1: one week at a time */
    cl_etl_engine_open_fn open_engine; /* NULL: cl_etl_engine_duckdb_open */
    FILE *progress;                    /* one line per step and export; NULL: quiet */
    /* A step after the export, before the publish, for every pipeline (NULL: none): it may add
     * files to STAGING and entries to MANIFEST.tables (the publish lists and checksums them).
     * The engine is closed by then (its memory is free). catlens etl builds the report frames
     * here (report/frames.h). Returns 0 or an error, which fails the run. */
    int (*post_export)(void *ctx, json_t *manifest, const char *staging, cl_err_t *err);
    void *post_export_ctx;
} cl_etl_options_t;

typedef struct {
    cl_snapshot_info_t snapshot;
    char run_record[CL_SNAPSHOT_PATH_MAX]; /* the attempt's record ("" if none was written) */
    int64_t rows;                          /* rows over all output tables */
    size_t checks_passed, checks_warned;
} cl_etl_result_t;

/* Run OPT->pipeline for OPT->week and publish the snapshot. OUT is filled on success and, as far
 * as it got, on failure (run_record names the attempt's record). Returns 0 or an error above. */
CL_NODISCARD int cl_etl_run(cl_etl_result_t *out, const cl_etl_options_t *opt, cl_err_t *err);

#endif
