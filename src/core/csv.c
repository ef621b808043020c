/* csv.c — the strict CSV reader of csv.h. It exists because the inputs it reads (benchmark cases,
 * label files) are outside data: every byte is checked, every field is copied into a buffer that
 * grows with the row and nowhere else, and a malformed file is an error with its line, never a
 * guess. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

struct cl_csv {
    const char *data;
    size_t len, pos;
    size_t line, row_line;
    char *buf; /* the current row's fields, each NUL-terminated */
    size_t buf_len, buf_cap;
    size_t offs[CL_CSV_MAX_FIELDS];
    size_t n_fields;
};

int cl_csv_open(cl_csv_t **out, const char *data, size_t len, cl_err_t *err)
{
    *out = NULL;
    cl_csv_t *c = calloc(1, sizeof(*c));
    if (!c) {
        return cl_err_set(err, CL_ENOMEM, "csv: out of memory");
    }
    c->data = data;
    c->len = data ? len : 0;
    c->line = 1;
    if (c->len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        c->pos = 3;
    }
    *out = c;
    return 0;
}

void cl_csv_close(cl_csv_t *csv)
{
    if (csv) {
        free(csv->buf);
        free(csv);
    }
}

static int put_byte(cl_csv_t *c, char ch)
{
    if (c->buf_len == c->buf_cap) {
        size_t cap = c->buf_cap ? c->buf_cap * 2 : 256;
        char *p = realloc(c->buf, cap);
        if (!p) {
            return CL_ENOMEM;
        }
        c->buf = p;
        c->buf_cap = cap;
    }
    c->buf[c->buf_len++] = ch;
    return 0;
}

static int end_field(cl_csv_t *c, size_t start, cl_err_t *err)
{
    if (c->n_fields >= CL_CSV_MAX_FIELDS) {
        return cl_err_set(err, CL_EINVAL, "csv: line %zu has more than %d fields", c->row_line,
                          CL_CSV_MAX_FIELDS);
    }
    if (put_byte(c, '\0') != 0) {
        return cl_err_set(err, CL_ENOMEM, "csv: out of memory");
    }
    c->offs[c->n_fields++] = start;
    return 0;
}

/* A quoted field: from after the opening quote to after the closing one. */
static int quoted(cl_csv_t *c, cl_err_t *err)
{
    for (;;) {
        if (c->pos >= c->len) {
            return cl_err_set(err, CL_EINVAL, "csv: line %zu: unterminated quoted field",
                              c->row_line);
        }
        char ch = c->data[c->pos++];
        if (ch == '\0') {
            return cl_err_set(err, CL_EINVAL, "csv: line %zu: NUL byte", c->line);
        }
        if (ch == '"') {
            if (c->pos < c->len && c->data[c->pos] == '"') {
                c->pos++;
            } else {
                return 0;
            }
        } else if (ch == '\n') {
            c->line++;
        }
        if (put_byte(c, ch) != 0) {
            return cl_err_set(err, CL_ENOMEM, "csv: out of memory");
        }
    }
}

static int at_line_end(const cl_csv_t *c)
{
    return c->pos >= c->len || c->data[c->pos] == '\n' ||
           (c->data[c->pos] == '\r' && c->pos + 1 < c->len && c->data[c->pos + 1] == '\n');
}

static void skip_line_end(cl_csv_t *c)
{
    if (c->pos < c->len && c->data[c->pos] == '\r') {
        c->pos++;
    }
    if (c->pos < c->len && c->data[c->pos] == '\n') {
        c->pos++;
        c->line++;
    }
}

static int read_field(cl_csv_t *c, cl_err_t *err)
{
    size_t start = c->buf_len;
    if (c->pos < c->len && c->data[c->pos] == '"') {
        c->pos++;
        int rc = quoted(c, err);
        if (rc != 0) {
            return rc;
        }
        if (!at_line_end(c) && c->data[c->pos] != ',') {
            return cl_err_set(err, CL_EINVAL, "csv: line %zu: text after a closing quote", c->line);
        }
        return end_field(c, start, err);
    }
    while (!at_line_end(c) && c->data[c->pos] != ',') {
        char ch = c->data[c->pos++];
        if (ch == '"' || ch == '\0') {
            return cl_err_set(err, CL_EINVAL, "csv: line %zu: %s inside an unquoted field", c->line,
                              ch ? "quote" : "NUL byte");
        }
        if (put_byte(c, ch) != 0) {
            return cl_err_set(err, CL_ENOMEM, "csv: out of memory");
        }
    }
    return end_field(c, start, err);
}

int cl_csv_next(cl_csv_t *csv, cl_err_t *err)
{
    csv->n_fields = 0;
    csv->buf_len = 0;
    while (csv->pos < csv->len && at_line_end(csv)) {
        skip_line_end(csv); /* empty lines */
    }
    if (csv->pos >= csv->len) {
        return 0;
    }
    csv->row_line = csv->line;
    for (;;) {
        int rc = read_field(csv, err);
        if (rc != 0) {
            return rc;
        }
        if (at_line_end(csv)) {
            skip_line_end(csv);
            return 1;
        }
        csv->pos++; /* the comma */
        if (at_line_end(csv)) {
            rc = end_field(csv, csv->buf_len, err); /* a trailing empty field */
            if (rc != 0) {
                return rc;
            }
            skip_line_end(csv);
            return 1;
        }
    }
}

size_t cl_csv_count(const cl_csv_t *csv)
{
    return csv->n_fields;
}

const char *cl_csv_field(const cl_csv_t *csv, size_t i)
{
    return i < csv->n_fields ? csv->buf + csv->offs[i] : NULL;
}

size_t cl_csv_line(const cl_csv_t *csv)
{
    return csv->row_line;
}
