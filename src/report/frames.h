/* frames.h — the report frames of a snapshot: the ETL's generic post-export step, for every
 * pipeline (demo, ga4, any other that writes the snapshot tables of docs/etl.md).
 *
 * After the export and before the publish, cl_report_frames_build reads the staged snapshot's
 * cubes once (one scan per table, report/reader.h cl_reader_build_frames) and writes every slice's
 * insight frame — each category in each region, and each category over every region (the
 * leadership view) — as STAGING/report_frames/.../frame.bin (report/framefile.h). The publish then
 * checksums them with the rest: they are part of the content-addressed, immutable snapshot and
 * listed in its manifest (table report_frames, whose entry says the format, the fingerprint and the
 * number of slices). A report then reads one file per slice instead of aggregating the cubes.
 *
 * Thread safety: one call at a time per staging folder; it opens its own DuckDB instance. */
#ifndef CL_REPORT_FRAMES_H
#define CL_REPORT_FRAMES_H

#include <stddef.h>
#include <jansson.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "warehouse/db.h"

/* Build the frames of the snapshot staged in STAGING, whose manifest so far is MANIFEST (the
 * runner's: week, first_week, tables without files), for catalog CAT, on a DuckDB opened with DBO.
 * Adds MANIFEST.tables.report_frames (without files: the publish lists them). *n_frames: files
 * written. Returns 0, CL_EDATA (the staged snapshot lacks sales_cube or holds a row a frame
 * cannot), CL_EQUERY, CL_EIO or CL_ENOMEM. */
CL_NODISCARD int cl_report_frames_build(size_t *n_frames, json_t *manifest, const char *staging,
                                        const cl_catalog_t *cat, const cl_db_options_t *dbo,
                                        cl_err_t *err);

#endif
