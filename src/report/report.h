/* report.h — the weekly business review of one category × region × window × week, built from a
 * published snapshot (docs/contracts.md §4 and §7; JSON Schema: docs/schemas/wbr.schema.json).
 *
 * cl_report_build reads the slice (report/reader.h: the snapshot's report frame of the slice, or
 * its cubes when the snapshot has none), runs the insight engine (insights/engine.h)
 * and assembles the document: KPI tiles, derived tiles, breakdown tables, decompositions, market
 * pulse, marketing, ranked findings, metric definitions and meta. It does not fill `summary`
 * (null) nor the app-owned meta fields (cache, stale, degraded, reasons). Everything it emits is
 * deterministic for one snapshot and request; only meta.generated_at reads the clock, unless the
 * request fixes it. Serialise with CL_REPORT_JSON_FLAGS.
 *
 * Region "all" reads every region (leadership); a request for a category or region the snapshot
 * does not hold is CL_ENOTFOUND with a message naming it.
 *
 * Thread safety: a context belongs to one thread at a time (it holds prepared statements of one
 * DuckDB connection and caches the last slice read, so the four windows of a slice — what the
 * weekly batch asks in a row — read the warehouse once). Open one context per worker thread. */
#ifndef CL_REPORT_REPORT_H
#define CL_REPORT_REPORT_H

#include <jansson.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/engine.h"
#include "warehouse/db.h"

#define CL_REPORT_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define CL_REPORT_REGION_ALL "all"

typedef struct {
    const char *category; /* a category_l1 of the snapshot */
    const char *region;   /* a region of the snapshot, or "all" */
    cl_window_t window;
    cl_week_t week;           /* must be the snapshot's week */
    const char *generated_at; /* meta.generated_at; NULL: now (UTC, "2026-11-24T10:00:00Z") */
} cl_report_request_t;

typedef struct cl_report_ctx cl_report_ctx_t;

/* A context over DB (borrowed: the thread's connection; must outlive the context) for catalog CAT
 * (borrowed, shared read-only). Engine thresholds are the defaults of insights/engine.h.
 * Returns 0, CL_ECONFIG (the catalog names a table reports do not read), CL_EQUERY or CL_ENOMEM.
 * *out is new: cl_report_ctx_close(). */
CL_NODISCARD int cl_report_ctx_open(cl_report_ctx_t **out, cl_db_t *db, const cl_catalog_t *cat,
                                    cl_err_t *err);
void cl_report_ctx_close(cl_report_ctx_t *ctx);

/* Replace the engine options (copied; OPT->parallel, the engine's parallel hook, is borrowed and
 * must outlive the context). */
void cl_report_ctx_set_options(cl_report_ctx_t *ctx, const cl_insight_options_t *opt);

/* The document for REQ from the snapshot folder SNAPSHOT_DIR (cl_snapshot_resolve()'s result).
 * Returns 0; CL_EINVAL (bad request: empty or too long names, control characters, a week that is
 * not the snapshot's, not enough history for the window); CL_ENOTFOUND (category or region not in
 * the snapshot, or no manifest there); CL_EDATA (snapshot incomplete or malformed); CL_EQUERY;
 * CL_ENOMEM. *out is new: json_decref(). */
CL_NODISCARD int cl_report_build(json_t **out, cl_report_ctx_t *ctx, const char *snapshot_dir,
                                 const cl_report_request_t *req, cl_err_t *err);

/* {"snapshot": id, "week": "2026-W47", "categories": [...], "regions": [...]} present in the
 * snapshot, sorted. Same errors as the manifest part of cl_report_build. *out is new. */
CL_NODISCARD int cl_report_dimensions(json_t **out, cl_report_ctx_t *ctx, const char *snapshot_dir,
                                      cl_err_t *err);

#endif
