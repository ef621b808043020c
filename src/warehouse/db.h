/* db.h — the only door to DuckDB. No other module includes duckdb.h.
 *
 * Owns: one DuckDB database with one connection (cl_db_t), prepared statements with bound parameters, and
 * materialised results. Values from users, files or the command line never enter SQL text: they are bound with
 * cl_db_bind_*. The one exception DuckDB forces is a COPY target or a few settings, which take no parameters: those
 * go through cl_db_quote_literal, and only for operator-supplied paths, never request data.
 * Errors: CL_EQUERY with DuckDB's message (first line only, no SQL text), CL_EIO when the database cannot be opened,
 * CL_EINVAL for a bad bind index.
 * Thread safety: a cl_db_t and everything made from it belong to one thread at a time (DuckDB connections lock
 * while querying); give each worker thread its own cl_db_t, or share the database with cl_db_connect. */
#ifndef CL_WAREHOUSE_DB_H
#define CL_WAREHOUSE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_db cl_db_t;
typedef struct cl_db_stmt cl_db_stmt_t;
typedef struct cl_db_result cl_db_result_t;

typedef struct {
    int threads;              /* 0: DuckDB's default (all cores) */
    const char *memory_limit; /* e.g. "8GB"; NULL: DuckDB's default */
    const char *temp_dir;     /* spill folder; NULL: DuckDB's default */
    int read_only;            /* open PATH read-only */
} cl_db_options_t;

/* Open the database at PATH (NULL or ":memory:" for an in-memory one) and one connection to it.
 * Returns 0, CL_EIO or CL_EQUERY (a bad option). *out is new: cl_db_close(). */
CL_NODISCARD int cl_db_open(cl_db_t **out, const char *path, const cl_db_options_t *opt, cl_err_t *err);

/* A second connection to the same database, for another thread. *out is new: cl_db_close(); close it before
 * the parent. Returns 0 or CL_EIO. */
CL_NODISCARD int cl_db_connect(cl_db_t **out, cl_db_t *parent, cl_err_t *err);

/* Close the connection (and the database when DB opened it). NULL is fine. */
void cl_db_close(cl_db_t *db);

/* Run trusted SQL text (statements the program wrote, no outside values). Several statements may be separated by
 * semicolons. Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_exec(cl_db_t *db, const char *sql, cl_err_t *err);

/* Run trusted SQL text and keep its result. *out is new: cl_db_result_free(). Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_query(cl_db_result_t **out, cl_db_t *db, const char *sql, cl_err_t *err);

/* Prepare one statement with ? or $name parameters. *out is new: cl_db_stmt_free(). Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_prepare(cl_db_stmt_t **out, cl_db_t *db, const char *sql, cl_err_t *err);
void cl_db_stmt_free(cl_db_stmt_t *st);

/* Number of parameters the statement takes. */
size_t cl_db_stmt_param_count(const cl_db_stmt_t *st);

/* Bind parameter INDEX (1-based). Returns 0 or CL_EINVAL. Text is copied by DuckDB. */
CL_NODISCARD int cl_db_bind_text(cl_db_stmt_t *st, size_t index, const char *value, cl_err_t *err);
CL_NODISCARD int cl_db_bind_int64(cl_db_stmt_t *st, size_t index, int64_t value, cl_err_t *err);
CL_NODISCARD int cl_db_bind_double(cl_db_stmt_t *st, size_t index, double value, cl_err_t *err);
CL_NODISCARD int cl_db_bind_bool(cl_db_stmt_t *st, size_t index, int value, cl_err_t *err);
CL_NODISCARD int cl_db_bind_null(cl_db_stmt_t *st, size_t index, cl_err_t *err);

/* The 1-based index of the named parameter $NAME. Returns 0 or CL_EINVAL (no such parameter). */
CL_NODISCARD int cl_db_param_index(size_t *out, cl_db_stmt_t *st, const char *name, cl_err_t *err);

/* Execute ST with its current bindings (they stay bound for the next run). OUT may be NULL to discard the result;
 * otherwise *out is new: cl_db_result_free(). Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_stmt_run(cl_db_result_t **out, cl_db_stmt_t *st, cl_err_t *err);

/* Shape and values of a result. Rows and columns are 0-based. */
size_t cl_db_result_rows(const cl_db_result_t *r);
size_t cl_db_result_cols(const cl_db_result_t *r);
const char *cl_db_result_col_name(const cl_db_result_t *r, size_t col); /* borrowed */
int cl_db_result_is_null(const cl_db_result_t *r, size_t row, size_t col);
int64_t cl_db_result_int64(const cl_db_result_t *r, size_t row, size_t col);   /* NULL reads as 0 */
double cl_db_result_double(const cl_db_result_t *r, size_t row, size_t col);   /* NULL reads as 0.0 */
/* The value as text, or NULL for NULL. *new*: free(). */
char *cl_db_result_text(const cl_db_result_t *r, size_t row, size_t col);
/* Column index by name, or -1. */
long cl_db_result_col_index(const cl_db_result_t *r, const char *name);
void cl_db_result_free(cl_db_result_t *r);

/* Write VALUE as a single-quoted SQL string literal into OUT (quotes doubled). Only for places DuckDB cannot bind
 * (COPY ... TO 'path', SET memory_limit); refuses NUL-free values longer than LEN-3 and any control character.
 * Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_db_quote_literal(char *out, size_t len, const char *value, cl_err_t *err);

#endif
