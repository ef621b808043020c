/* pipeline.h — ETL pipeline definitions: config/pipeline/<name>.yaml parsed and validated.
 *
 * Owns: the cl_pipeline_t value (name, version, declared parameters, ordered steps with their data
 * checks, output tables) and the rules a pipeline file must obey. It does not run anything: the
 * runner (etl/runner.h) does, through an engine (etl/engine.h).
 *
 * A pipeline file is strict: unknown keys, a missing `sql`, an id that is not an identifier, a
 * `$param` that is neither built in nor declared under `params`, or a `{name}` in a parameter
 * template that is not built in are CL_EINVAL errors whose message names the file and the key
 * (e.g. "config/pipeline/demo.yaml: steps[2].checks[0].sql: unknown parameter $wek"); so is
 * $batch_week outside the statements of a for_each_week step's steps. SQL text is
 * trusted (it is part of the deployment, like code); values from the command line and files
 * reach it only as bound parameters. See docs/etl.md for the format.
 *
 * Thread safety: a loaded pipeline is immutable; share it freely. */
#ifndef CL_ETL_PIPELINE_H
#define CL_ETL_PIPELINE_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

/* Identifiers (ids, table and column names, parameter names): [a-z_][a-z0-9_]*, at most 63. */
#define CL_PIPELINE_IDENT_MAX 64

typedef enum {
    CL_CHECK_ERROR = 0, /* a failure stops the run: CL_EDATA, exit 4 */
    CL_CHECK_PARTIAL,   /* a failure means the source is incomplete: CL_EPARTIAL, exit 5 */
    CL_CHECK_WARN,      /* a failure is recorded in the manifest; the run goes on */
} cl_check_severity_t;

/* A data check passes when its SQL returns no rows; each row it returns describes one failure. */
typedef struct {
    char *id;
    char *description;
    char *sql;
    cl_check_severity_t severity;
} cl_pipeline_check_t;

/* A step runs its statements SQL[0..N_SQL-1] in order (`sql` in the file is one statement or a
 * list), then its checks. A step with FOR_EACH_WEEK set is a loop instead: it has no statements of
 * its own, and its STEPS (one level, no loops inside) run once per week of the history window,
 * oldest first, with $batch_week bound to that week; the checks of those steps run once, after the
 * last week, over what the weeks built. Weeks may run at once on separate engine sessions (see
 * etl/runner.h), so a loop's steps keep per-week tables temporary and append to shared ones. */
typedef struct cl_pipeline_step cl_pipeline_step_t;
struct cl_pipeline_step {
    char *id;
    char *description;
    char **sql;
    size_t n_sql;
    char *table;        /* the table the step builds (its rows are reported), or NULL */
    char **when_exists; /* source-relative paths; the step is skipped if any is missing */
    size_t n_when_exists;
    cl_pipeline_check_t *checks;
    size_t n_checks;
    int for_each_week;
    cl_pipeline_step_t *steps;
    size_t n_steps;
};

/* A declared parameter: a text value made from TEMPLATE by replacing {builtin} names. */
typedef struct {
    char *name;
    char *template_text;
} cl_pipeline_param_t;

/* A table published in the snapshot, written as Parquet hive-partitioned by PARTITION_BY and
 * sorted by KEY (the table's grain, which makes the files byte-for-byte reproducible).
 * MEASURES (optional) names its measure columns: one without a single non-NULL value is listed as
 * not available in the manifest. NOT_AVAILABLE (optional) names columns the source cannot provide:
 * the runner proves they are NULL in every row (a value there would be invented) and lists them. */
typedef struct {
    char *table;
    char *description;
    char **partition_by;
    size_t n_partition_by;
    char **key;
    size_t n_key;
    char **measures;
    size_t n_measures;
    char **not_available;
    size_t n_not_available;
} cl_pipeline_output_t;

/* How a pipeline proves its source complete when the source carries no _watermark.json: a query
 * returning one row per source table with columns `source_table` and `loaded_through` (an instant
 * "YYYY-MM-DDTHH:MM:SSZ", text). NULL sql: the source's _watermark.json decides. */
typedef struct {
    char *description;
    char *sql;
} cl_pipeline_watermark_t;

typedef struct {
    char *path; /* the file it came from */
    char *name;
    char *version;
    char *description;
    cl_pipeline_param_t *params;
    size_t n_params;
    char **requires; /* source-relative paths that must exist before anything runs */
    size_t n_requires;
    cl_pipeline_watermark_t watermark;
    cl_pipeline_step_t *steps;
    size_t n_steps;
    cl_pipeline_output_t *outputs;
    size_t n_outputs;
} cl_pipeline_t;

/* The parameters every run provides (see docs/etl.md): week, first_week, first_week_start,
 * week_start, week_end, source, history_weeks. NULL-terminated; static. */
extern const char *const cl_pipeline_builtin_params[];

/* The parameter bound to the week being built, only in the statements of a for_each_week step's
 * steps ("batch_week"). */
#define CL_PIPELINE_BATCH_WEEK "batch_week"

/* Load and validate the pipeline at PATH. Returns 0, CL_ENOTFOUND, CL_EIO or CL_EINVAL (the
 * message names the file and the key). *out is new: cl_pipeline_free(). */
CL_NODISCARD int cl_pipeline_load(cl_pipeline_t **out, const char *path, cl_err_t *err);

/* Parse pipeline YAML held in memory; NAME is used in messages. Same errors as load. */
CL_NODISCARD int cl_pipeline_parse(cl_pipeline_t **out, const char *text, size_t len,
                                   const char *name, cl_err_t *err);

/* Free P; NULL is fine. */
void cl_pipeline_free(cl_pipeline_t *p);

/* The names of the $parameters SQL uses, in order of first use, skipping string literals, quoted
 * identifiers and comments. *out is a new NULL-terminated array: cl_pipeline_names_free().
 * Returns 0, CL_ENOMEM or CL_EINVAL (a positional $1 or a name longer than 63). */
CL_NODISCARD int cl_pipeline_sql_params(char ***out, const char *sql, cl_err_t *err);
void cl_pipeline_names_free(char **names);

/* 1 if S is an identifier as defined above. */
int cl_pipeline_is_ident(const char *s);

#endif
