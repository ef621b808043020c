/* engine.h — the one interface between the ETL runner and an SQL engine.
 *
 * Owns: the engine vtable (run a statement with bound parameters, run a data check, fetch the few
 * rows of a small query, count a table's rows and its columns' values, export a table as
 * hive-partitioned Parquet, close) and the parameter and check result values that cross it. The
 * runner (etl/runner.h) talks only to this interface, so the same pipelines can run on another
 * engine: DuckDB (engine_duckdb.c, over warehouse/db.h) is the embedded default; a Spark SQL
 * engine (Spark Connect or a Thrift/JDBC gateway) is the planned second one. An implementation
 * must write the snapshot layout of docs/etl.md: one folder per output table, `<col>=<value>`
 * folders per partition column, Parquet files sorted by the table's key so the same input gives
 * byte-identical files.
 *
 * Errors: implementations return 0 or CL_EQUERY (the engine refused a statement), CL_EIO (files),
 * CL_ENOMEM, CL_EINVAL (a bad parameter); messages carry the engine's first line, never SQL text.
 * Thread safety: an engine belongs to one thread; open_session gives each further thread a
 * session of its own on the same data. */
#ifndef CL_ETL_ENGINE_H
#define CL_ETL_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef enum {
    CL_ETL_PARAM_TEXT = 0,
    CL_ETL_PARAM_INT,
} cl_etl_param_type_t;

/* A named value bound to $NAME wherever a statement uses it. Values are never spliced into SQL. */
typedef struct {
    const char *name;
    cl_etl_param_type_t type;
    const char *text; /* CL_ETL_PARAM_TEXT */
    int64_t num;      /* CL_ETL_PARAM_INT */
} cl_etl_param_t;

#define CL_ETL_CHECK_SAMPLE_MAX 512

/* The outcome of a data check: the number of rows its SQL returned (0 = pass) and the first few of
 * them as "col=value, col=value; ..." for the message. */
typedef struct {
    int64_t failing_rows;
    char sample[CL_ETL_CHECK_SAMPLE_MAX];
} cl_etl_check_result_t;

/* What to export: TABLE into DEST_DIR/<partition folders>/part-0.parquet, sorted by KEY. */
typedef struct {
    const char *table;
    const char *dest_dir; /* created by the engine; must not exist or be empty */
    const char *const *partition_by;
    size_t n_partition_by;
    const char *const *key;
    size_t n_key;
} cl_etl_export_t;

typedef struct cl_etl_engine cl_etl_engine_t;

typedef struct {
    const char *name; /* "duckdb" */
    /* Run one statement (SQL may use any of PARAMS by $name; unused ones are ignored). */
    int (*exec)(cl_etl_engine_t *e, const char *sql, const cl_etl_param_t *params, size_t n,
                cl_err_t *err);
    /* Run a check query; its rows are failures. */
    int (*check)(cl_etl_check_result_t *out, cl_etl_engine_t *e, const char *sql,
                 const cl_etl_param_t *params, size_t n, cl_err_t *err);
    /* count(*) of TABLE (an identifier). */
    int (*count_rows)(int64_t *out, cl_etl_engine_t *e, const char *table, cl_err_t *err);
    /* Run a small query (e.g. a watermark) and return its first MAX_ROWS rows as a JSON array of
     * objects {column: value as text, or null}. *out is new (json_decref). */
    int (*query)(json_t **out, cl_etl_engine_t *e, const char *sql, const cl_etl_param_t *params,
                 size_t n, size_t max_rows, cl_err_t *err);
    /* The number of non-NULL values of each of the N columns COLS (identifiers) of TABLE, into
     * OUT[0..N-1]. */
    int (*count_values)(int64_t *out, cl_etl_engine_t *e, const char *table,
                        const char *const *cols, size_t n, cl_err_t *err);
    int (*export_parquet)(cl_etl_engine_t *e, const cl_etl_export_t *spec, cl_err_t *err);
    /* Optional (NULL: the runner builds one week at a time on E). Another session on E for
     * another thread: it sees E's tables and types and writes to them, and has temporary tables
     * of its own, so two sessions may build two weeks at once. *out is new: close it (through
     * its ops) before E. Open and close sessions on E's thread, while no session is running a
     * statement (an engine may tune itself for the sessions while they are open). */
    int (*open_session)(cl_etl_engine_t **out, cl_etl_engine_t *e, cl_err_t *err);
    /* The engine and its version for the manifest, e.g. "duckdb v1.4.4". Borrowed. */
    const char *(*describe)(cl_etl_engine_t *e);
    void (*close)(cl_etl_engine_t *e);
} cl_etl_engine_ops_t;

struct cl_etl_engine {
    const cl_etl_engine_ops_t *ops;
    void *impl;
};

typedef struct {
    int threads;              /* 0: the engine's default */
    const char *memory_limit; /* e.g. "8GB"; NULL: default */
    const char *spill_dir;    /* where to spill when data outgrows memory; NULL: default */
} cl_etl_engine_options_t;

/* Open the embedded DuckDB engine (an in-memory database that spills to SPILL_DIR). Returns 0,
 * CL_EIO or CL_EQUERY. *out is new: cl_etl_engine_close(). */
CL_NODISCARD int cl_etl_engine_duckdb_open(cl_etl_engine_t **out,
                                           const cl_etl_engine_options_t *opt, cl_err_t *err);

/* Close E through its vtable; NULL is fine. */
void cl_etl_engine_close(cl_etl_engine_t *e);

#endif
