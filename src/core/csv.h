/* csv.h — a small, strict CSV reader over a buffer in memory (RFC 4180: comma separated, fields
 * optionally in double quotes with "" for a quote, LF or CRLF line ends, a UTF-8 byte-order mark
 * skipped at the start). Field bytes pass through unchanged, so any UTF-8 text survives.
 *
 * Owns: a copy of the current row's fields. Does not own the input buffer (borrowed; it must
 * outlive the reader). Errors: CL_EINVAL with the line number (unterminated or stray quote, NUL
 * byte, more than CL_CSV_MAX_FIELDS fields), CL_ENOMEM. Thread safety: one reader per thread;
 * distinct readers are independent. */
#ifndef CL_CORE_CSV_H
#define CL_CORE_CSV_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_CSV_MAX_FIELDS 4096

typedef struct cl_csv cl_csv_t;

/* A reader over DATA (LEN bytes, borrowed). Returns 0 or CL_ENOMEM. *out is new: cl_csv_close(). */
CL_NODISCARD int cl_csv_open(cl_csv_t **out, const char *data, size_t len, cl_err_t *err);
void cl_csv_close(cl_csv_t *csv);

/* Read the next row. Returns 1 (a row: cl_csv_count fields), 0 (end of input) or a negative
 * CL_E* code. A line that is entirely empty is skipped. */
CL_NODISCARD int cl_csv_next(cl_csv_t *csv, cl_err_t *err);

/* Fields of the current row: borrowed, NUL-terminated, valid until the next cl_csv_next. */
size_t cl_csv_count(const cl_csv_t *csv);
const char *cl_csv_field(const cl_csv_t *csv, size_t i);

/* The 1-based line on which the current row started. */
size_t cl_csv_line(const cl_csv_t *csv);

#endif
