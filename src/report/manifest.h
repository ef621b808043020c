/* manifest.h — what a report needs to know about a published snapshot before it reads a byte of
 * Parquet: its id and weeks, which tables it holds, which measures its source could not provide,
 * and which category × region partitions exist (decoded from the hive folder names of the
 * manifest's file list, so an unknown category or region is refused without a query).
 *
 * Reads SNAPSHOT_DIR/manifest.json (written by src/etl/snapshot.c, docs/etl.md). Ownership: a
 * manifest is new (cl_manifest_free) and owns its strings. Thread safety: read-only once loaded;
 * may be shared. */
#ifndef CL_REPORT_MANIFEST_H
#define CL_REPORT_MANIFEST_H

#include <stddef.h>
#include <jansson.h>

#include "core/calendar.h"
#include "core/defs.h"
#include "core/err.h"

typedef struct {
    char *dir;         /* the snapshot folder (resolved) */
    char *snapshot_id; /* "2026-W47.039214c4275b3b5e" */
    cl_week_t week, first_week;
    size_t n_weeks;
    json_t *tables; /* the manifest's tables object (owned reference) */
    size_t n_categories, n_regions;
    char **categories;    /* sorted, unique (from sales_cube partitions) */
    char **regions;       /* sorted, unique */
    unsigned char *pairs; /* n_regions × n_categories: 1 when the partition exists */
    char **raw_regions;   /* the folder-name form of each region ("home%20%26%20garden") */
    char **raw_categories;
} cl_manifest_t;

/* Load DIR/manifest.json. Returns 0, CL_ENOTFOUND (no manifest), CL_EDATA (not a complete snapshot
 * or malformed) or CL_ENOMEM. *out is new: cl_manifest_free(). */
CL_NODISCARD int cl_manifest_load(cl_manifest_t **out, const char *dir, cl_err_t *err);
void cl_manifest_free(cl_manifest_t *m);

/* The same from a manifest document DOC (borrowed) of the snapshot folder DIR: the ETL's view of
 * a staged snapshot before it is published (report/frames.h). Same errors. */
CL_NODISCARD int cl_manifest_from_json(cl_manifest_t **out, const char *dir, json_t *doc,
                                       cl_err_t *err);

/* 1 when TABLE is in the snapshot with at least one file. */
int cl_manifest_has_table(const cl_manifest_t *m, const char *table);

/* 1 when COLUMN of TABLE is listed as not available from the source. */
int cl_manifest_not_available(const cl_manifest_t *m, const char *table, const char *column);

/* 1 when COLUMN is one of TABLE's measures (or the table lists no measures: older manifests). */
int cl_manifest_has_measure(const cl_manifest_t *m, const char *table, const char *column);

/* Index of CATEGORY / REGION in the sorted lists, or -1. */
long cl_manifest_category(const cl_manifest_t *m, const char *category);
long cl_manifest_region(const cl_manifest_t *m, const char *region);

/* 1 when the category has data in REGION (region index), or in any region for -1. */
int cl_manifest_has_slice(const cl_manifest_t *m, long region, long category);

/* The glob of TABLE's files for CATEGORY (index) in REGION (index, or -1 for every region), from
 * the partition folder names, so DuckDB opens only those files instead of listing the whole table:
 * DIR/TABLE/region=R/category_l1=C/ and its parquet files (market_pulse has no region level; every
 * region matches for -1). A folder name holding a glob character falls back to every file of the
 * table (the query's WHERE still selects the slice). Returns 0 or -1 when it does not fit CAP. */
int cl_manifest_glob(char *out, size_t cap, const cl_manifest_t *m, const char *table, long region,
                     long category);

/* Decode a hive folder value ("home%20%26%20garden") into OUT (CAP bytes). Returns 0, or -1 for a
 * bad escape or too long a value. */
int cl_manifest_unescape(char *out, size_t cap, const char *in, size_t len);

#endif
