/* db.h — the only door to DuckDB. No other module includes duckdb.h.
 *
 * Owns: one DuckDB database with one connection (cl_db_t), prepared statements with bound
 * parameters, and materialised results. Values from users, files or the command line never enter
 * SQL text: they are bound with cl_db_bind_*. The one exception DuckDB forces is a COPY target or a
 * few settings, which take no parameters: those go through cl_db_quote_literal, and only for
 * operator-supplied paths, never request data. Errors: CL_EQUERY with DuckDB's message (first line
 * only, no SQL text), CL_EIO when the database cannot be opened, CL_EINVAL for a bad bind index.
 * Thread safety: a cl_db_t and everything made from it belong to one thread at a time (DuckDB
 * connections lock while querying); give each worker thread its own cl_db_t, or share the database
 * with cl_db_connect. */
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
CL_NODISCARD int cl_db_open(cl_db_t **out, const char *path, const cl_db_options_t *opt,
                            cl_err_t *err);

/* A second connection to the same database, for another thread. *out is new: cl_db_close(); close
 * it before the parent. Returns 0 or CL_EIO. */
CL_NODISCARD int cl_db_connect(cl_db_t **out, cl_db_t *parent, cl_err_t *err);

/* Close the connection (and the database when DB opened it). NULL is fine. */
void cl_db_close(cl_db_t *db);

/* Run trusted SQL text (statements the program wrote, no outside values). Several statements may be
 * separated by semicolons. Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_exec(cl_db_t *db, const char *sql, cl_err_t *err);

/* Run trusted SQL text and keep its result. *out is new: cl_db_result_free(). Returns 0 or
 * CL_EQUERY. */
CL_NODISCARD int cl_db_query(cl_db_result_t **out, cl_db_t *db, const char *sql, cl_err_t *err);

/* Prepare one statement with ? or $name parameters. *out is new: cl_db_stmt_free(). Returns 0 or
 * CL_EQUERY. */
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

/* Execute ST with its current bindings (they stay bound for the next run). OUT may be NULL to
 * discard the result; otherwise *out is new: cl_db_result_free(). Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_db_stmt_run(cl_db_result_t **out, cl_db_stmt_t *st, cl_err_t *err);

/* Shape and values of a result. Rows and columns are 0-based. */
size_t cl_db_result_rows(const cl_db_result_t *r);
size_t cl_db_result_cols(const cl_db_result_t *r);
const char *cl_db_result_col_name(const cl_db_result_t *r, size_t col); /* borrowed */
int cl_db_result_is_null(const cl_db_result_t *r, size_t row, size_t col);
int64_t cl_db_result_int64(const cl_db_result_t *r, size_t row, size_t col); /* NULL reads as 0 */
double cl_db_result_double(const cl_db_result_t *r, size_t row, size_t col); /* NULL reads as 0.0 */
/* The value as text, or NULL for NULL. *new*: free(). */
char *cl_db_result_text(const cl_db_result_t *r, size_t row, size_t col);
/* Column index by name, or -1. */
long cl_db_result_col_index(const cl_db_result_t *r, const char *name);
void cl_db_result_free(cl_db_result_t *r);

/* Chunks: a large result read column by column, a few thousand rows at a time, with no call per
 * value — the fast way to consume hundreds of thousands of rows. A result read in chunks is
 * consumed by it: do not read it with the per-value functions above as well. Arrays a chunk hands
 * out are borrowed: they live until cl_db_chunk_free. */
typedef struct cl_db_chunk cl_db_chunk_t;

/* The next chunk of R into *out, or *out = NULL when R is exhausted. Returns 0 or CL_ENOMEM.
 * *out is new: cl_db_chunk_free(). */
CL_NODISCARD int cl_db_result_chunk(cl_db_chunk_t **out, cl_db_result_t *r, cl_err_t *err);
void cl_db_chunk_free(cl_db_chunk_t *c);
size_t cl_db_chunk_rows(const cl_db_chunk_t *c);

/* Column COL of a DOUBLE column: *values (one per row) and *valid, the validity bits (row i is NULL
 * when bit i % 64 of valid[i / 64] is clear; *valid is NULL when no row is NULL; the value of a
 * NULL row is undefined). Returns 0 or CL_EINVAL (no such column, or not DOUBLE). */
CL_NODISCARD int cl_db_chunk_doubles(const double **values, const uint64_t **valid,
                                     const cl_db_chunk_t *c, size_t col, cl_err_t *err);

/* Column COL of a VARCHAR column, for every row of the chunk: PTR[row] and LEN[row], the bytes of
 * the value (not NUL-terminated; PTR[row] is NULL for NULL), into the caller's arrays of
 * cl_db_chunk_rows() entries. Returns 0 or CL_EINVAL (no such column, or not VARCHAR). */
CL_NODISCARD int cl_db_chunk_texts(const char **ptr, uint32_t *len, const cl_db_chunk_t *c,
                                   size_t col, cl_err_t *err);

/* Appender: bulk insert of rows the program generates (demo data), much faster than INSERT
 * statements. Open it on an existing table (a trusted name the program created), then per row call
 * one cl_db_append_* per column in column order and cl_db_appender_end_row. The append calls never
 * fail on their own: the first failure (a type the column cannot take, a missing value) is kept and
 * returned by the next end_row or close, after which the appender refuses further rows. Values are
 * stored as they are, without casts, so each call must match its column's type exactly (int64
 * BIGINT, int32 INTEGER, double DOUBLE, bool BOOLEAN, text VARCHAR, date DATE, timestamp TIMESTAMP,
 * decimal DECIMAL(w<=18, s) as the integer value * 10^s, enum ENUM by the 0-based position of the
 * value in the type's dictionary): a mismatch fails the row. ENUM columns are the fast way to store
 * repeated strings (a Parquet export writes them as plain strings). Rows reach the table in chunks
 * of a few thousand and at close. Not thread-safe: one thread per appender; the parent cl_db_t must
 * not run queries on that table while rows are pending (close the appender first). */
typedef struct cl_db_appender cl_db_appender_t;

/* Returns 0, CL_ENOTFOUND (no such table), CL_EINVAL (a DECIMAL wider than 18 digits) or CL_ENOMEM.
 * *out is new: cl_db_appender_close(). */
CL_NODISCARD int cl_db_appender_open(cl_db_appender_t **out, cl_db_t *db, const char *table,
                                     cl_err_t *err);
void cl_db_append_int64(cl_db_appender_t *a, int64_t value);
void cl_db_append_int32(cl_db_appender_t *a, int32_t value);
/* A DECIMAL(w <= 18, s) given as its scaled integer: 1234 is 12.34 in a DECIMAL(18,2) column. */
void cl_db_append_decimal(cl_db_appender_t *a, int64_t scaled);
void cl_db_append_double(cl_db_appender_t *a, double value);
void cl_db_append_bool(cl_db_appender_t *a, int value);
void cl_db_append_null(cl_db_appender_t *a);
/* The INDEX-th value (0-based) of the column's ENUM type. */
void cl_db_append_enum(cl_db_appender_t *a, uint32_t index);
/* LEN bytes of UTF-8 text (copied; need not be NUL-terminated). */
void cl_db_append_text(cl_db_appender_t *a, const char *value, size_t len);
/* A DATE: days since 1970-01-01. */
void cl_db_append_date(cl_db_appender_t *a, int32_t days);
/* A TIMESTAMP: microseconds since 1970-01-01 00:00:00. */
void cl_db_append_timestamp(cl_db_appender_t *a, int64_t micros);
/* End the row. Returns 0 or CL_EQUERY (this row or an earlier value failed; message from DuckDB).
 */
CL_NODISCARD int cl_db_appender_end_row(cl_db_appender_t *a, cl_err_t *err);
/* Flush pending rows into the table and free A (always, also on failure; NULL is fine). Returns 0
 * or CL_EQUERY (the flush or an earlier row failed). */
CL_NODISCARD int cl_db_appender_close(cl_db_appender_t *a, cl_err_t *err);

/* Write VALUE as a single-quoted SQL string literal into OUT (quotes doubled). Only for places
 * DuckDB cannot bind (COPY ... TO 'path', SET memory_limit); refuses NUL-free values longer than
 * LEN-3 and any control character. Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_db_quote_literal(char *out, size_t len, const char *value, cl_err_t *err);

#endif
