/* db.c — a thin, careful wrapper over DuckDB's C API: every failure becomes a cl_err_t with
 * DuckDB's first line of message, every resource has one owner, and values reach SQL only as bound
 * parameters. */
#include "warehouse/db.h"

#include <duckdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cl_db {
    duckdb_database database;
    duckdb_connection conn;
    int owns_database;
};

struct cl_db_stmt {
    duckdb_prepared_statement stmt;
};

struct cl_db_result {
    duckdb_result res;
};

/* DuckDB messages can span lines and quote the query; keep the first line only. */
static int query_error(cl_err_t *err, const char *what, const char *msg)
{
    char line[CL_ERR_MSG_MAX];
    snprintf(line, sizeof line, "%s", msg ? msg : "unknown DuckDB error");
    line[strcspn(line, "\n")] = '\0';
    return cl_err_set(err, CL_EQUERY, "%s: %s", what, line);
}

static int set_option(duckdb_config config, const char *name, const char *value, cl_err_t *err)
{
    if (duckdb_set_config(config, name, value) != DuckDBSuccess) {
        return cl_err_set(err, CL_EQUERY, "DuckDB option %s=%s was refused", name, value);
    }
    return 0;
}

int cl_db_open(cl_db_t **out, const char *path, const cl_db_options_t *opt, cl_err_t *err)
{
    *out = NULL;
    duckdb_config config = NULL;
    char *open_error = NULL;
    int rc = 0;
    cl_db_t *db = calloc(1, sizeof *db);
    if (!db || duckdb_create_config(&config) != DuckDBSuccess) {
        free(db);
        return cl_err_set(err, CL_ENOMEM, "out of memory opening DuckDB");
    }
    char buf[32];
    if (opt && opt->threads > 0) {
        snprintf(buf, sizeof buf, "%d", opt->threads);
        rc = set_option(config, "threads", buf, err);
    }
    if (rc == 0 && opt && opt->memory_limit) {
        rc = set_option(config, "memory_limit", opt->memory_limit, err);
    }
    if (rc == 0 && opt && opt->temp_dir) {
        rc = set_option(config, "temp_directory", opt->temp_dir, err);
    }
    if (rc == 0 && opt && opt->read_only) {
        rc = set_option(config, "access_mode", "READ_ONLY", err);
    }
    /* the warehouse is local Parquet: no extension downloads, no surprises */
    if (rc == 0) {
        rc = set_option(config, "autoinstall_known_extensions", "false", err);
    }
    if (rc == 0) {
        rc = set_option(config, "autoload_known_extensions", "false", err);
    }
    if (rc != 0) {
        goto cleanup;
    }
    const char *where = (path && strcmp(path, ":memory:") != 0) ? path : NULL;
    if (duckdb_open_ext(where, &db->database, config, &open_error) != DuckDBSuccess) {
        rc = cl_err_set(err, CL_EIO, "cannot open DuckDB database %s: %s",
                        where ? where : "(memory)", open_error ? open_error : "unknown error");
        goto cleanup;
    }
    db->owns_database = 1;
    if (duckdb_connect(db->database, &db->conn) != DuckDBSuccess) {
        rc = cl_err_set(err, CL_EIO, "cannot connect to DuckDB");
        goto cleanup;
    }
    *out = db;
    db = NULL;
cleanup:
    if (open_error) {
        duckdb_free(open_error);
    }
    duckdb_destroy_config(&config);
    cl_db_close(db);
    return rc;
}

int cl_db_connect(cl_db_t **out, cl_db_t *parent, cl_err_t *err)
{
    *out = NULL;
    cl_db_t *db = calloc(1, sizeof *db);
    if (!db) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    db->database = parent->database;
    if (duckdb_connect(db->database, &db->conn) != DuckDBSuccess) {
        free(db);
        return cl_err_set(err, CL_EIO, "cannot connect to DuckDB");
    }
    *out = db;
    return 0;
}

void cl_db_close(cl_db_t *db)
{
    if (!db) {
        return;
    }
    if (db->conn) {
        duckdb_disconnect(&db->conn);
    }
    if (db->owns_database && db->database) {
        duckdb_close(&db->database);
    }
    free(db);
}

int cl_db_query(cl_db_result_t **out, cl_db_t *db, const char *sql, cl_err_t *err)
{
    *out = NULL;
    cl_db_result_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (duckdb_query(db->conn, sql, &r->res) != DuckDBSuccess) {
        int rc = query_error(err, "query failed", duckdb_result_error(&r->res));
        cl_db_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int cl_db_exec(cl_db_t *db, const char *sql, cl_err_t *err)
{
    cl_db_result_t *r = NULL;
    int rc = cl_db_query(&r, db, sql, err);
    cl_db_result_free(r);
    return rc;
}

int cl_db_prepare(cl_db_stmt_t **out, cl_db_t *db, const char *sql, cl_err_t *err)
{
    *out = NULL;
    cl_db_stmt_t *st = calloc(1, sizeof *st);
    if (!st) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (duckdb_prepare(db->conn, sql, &st->stmt) != DuckDBSuccess) {
        int rc = query_error(err, "prepare failed", duckdb_prepare_error(st->stmt));
        cl_db_stmt_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void cl_db_stmt_free(cl_db_stmt_t *st)
{
    if (!st) {
        return;
    }
    duckdb_destroy_prepare(&st->stmt);
    free(st);
}

size_t cl_db_stmt_param_count(const cl_db_stmt_t *st)
{
    return (size_t)duckdb_nparams(st->stmt);
}

static int bind_result(duckdb_state s, size_t index, cl_err_t *err)
{
    if (s != DuckDBSuccess) {
        return cl_err_set(err, CL_EINVAL, "cannot bind parameter %zu", index);
    }
    return 0;
}

int cl_db_bind_text(cl_db_stmt_t *st, size_t index, const char *value, cl_err_t *err)
{
    if (!value) {
        return cl_db_bind_null(st, index, err);
    }
    return bind_result(duckdb_bind_varchar(st->stmt, (idx_t)index, value), index, err);
}

int cl_db_bind_int64(cl_db_stmt_t *st, size_t index, int64_t value, cl_err_t *err)
{
    return bind_result(duckdb_bind_int64(st->stmt, (idx_t)index, value), index, err);
}

int cl_db_bind_double(cl_db_stmt_t *st, size_t index, double value, cl_err_t *err)
{
    return bind_result(duckdb_bind_double(st->stmt, (idx_t)index, value), index, err);
}

int cl_db_bind_bool(cl_db_stmt_t *st, size_t index, int value, cl_err_t *err)
{
    return bind_result(duckdb_bind_boolean(st->stmt, (idx_t)index, value != 0), index, err);
}

int cl_db_bind_null(cl_db_stmt_t *st, size_t index, cl_err_t *err)
{
    return bind_result(duckdb_bind_null(st->stmt, (idx_t)index), index, err);
}

int cl_db_param_index(size_t *out, cl_db_stmt_t *st, const char *name, cl_err_t *err)
{
    idx_t idx = 0;
    if (duckdb_bind_parameter_index(st->stmt, &idx, name) != DuckDBSuccess || idx == 0) {
        return cl_err_set(err, CL_EINVAL, "the statement has no parameter $%.64s", name);
    }
    *out = (size_t)idx;
    return 0;
}

int cl_db_stmt_run(cl_db_result_t **out, cl_db_stmt_t *st, cl_err_t *err)
{
    if (out) {
        *out = NULL;
    }
    cl_db_result_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (duckdb_execute_prepared(st->stmt, &r->res) != DuckDBSuccess) {
        int rc = query_error(err, "query failed", duckdb_result_error(&r->res));
        cl_db_result_free(r);
        return rc;
    }
    if (out) {
        *out = r;
    } else {
        cl_db_result_free(r);
    }
    return 0;
}

size_t cl_db_result_rows(const cl_db_result_t *r)
{
    return (size_t)duckdb_row_count((duckdb_result *)&r->res);
}

size_t cl_db_result_cols(const cl_db_result_t *r)
{
    return (size_t)duckdb_column_count((duckdb_result *)&r->res);
}

const char *cl_db_result_col_name(const cl_db_result_t *r, size_t col)
{
    return duckdb_column_name((duckdb_result *)&r->res, (idx_t)col);
}

long cl_db_result_col_index(const cl_db_result_t *r, const char *name)
{
    size_t n = cl_db_result_cols(r);
    for (size_t i = 0; i < n; i++) {
        const char *c = cl_db_result_col_name(r, i);
        if (c && strcmp(c, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

int cl_db_result_is_null(const cl_db_result_t *r, size_t row, size_t col)
{
    return duckdb_value_is_null((duckdb_result *)&r->res, (idx_t)col, (idx_t)row);
}

int64_t cl_db_result_int64(const cl_db_result_t *r, size_t row, size_t col)
{
    return duckdb_value_int64((duckdb_result *)&r->res, (idx_t)col, (idx_t)row);
}

double cl_db_result_double(const cl_db_result_t *r, size_t row, size_t col)
{
    return duckdb_value_double((duckdb_result *)&r->res, (idx_t)col, (idx_t)row);
}

char *cl_db_result_text(const cl_db_result_t *r, size_t row, size_t col)
{
    if (cl_db_result_is_null(r, row, col)) {
        return NULL;
    }
    char *v = duckdb_value_varchar((duckdb_result *)&r->res, (idx_t)col, (idx_t)row);
    if (!v) {
        return NULL;
    }
    char *copy = strdup(v); /* callers free() with the C allocator, never duckdb_free() */
    duckdb_free(v);
    return copy;
}

struct cl_db_chunk {
    duckdb_data_chunk chunk;
    duckdb_result *res; /* the result the chunk came from (column types) */
};

int cl_db_result_chunk(cl_db_chunk_t **out, cl_db_result_t *r, cl_err_t *err)
{
    *out = NULL;
    duckdb_data_chunk chunk = duckdb_fetch_chunk(r->res);
    if (!chunk) {
        return 0;
    }
    if (duckdb_data_chunk_get_size(chunk) == 0) {
        duckdb_destroy_data_chunk(&chunk);
        return 0;
    }
    cl_db_chunk_t *c = calloc(1, sizeof *c);
    if (!c) {
        duckdb_destroy_data_chunk(&chunk);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    c->chunk = chunk;
    c->res = &r->res;
    *out = c;
    return 0;
}

void cl_db_chunk_free(cl_db_chunk_t *c)
{
    if (!c) {
        return;
    }
    duckdb_destroy_data_chunk(&c->chunk);
    free(c);
}

size_t cl_db_chunk_rows(const cl_db_chunk_t *c)
{
    return (size_t)duckdb_data_chunk_get_size(c->chunk);
}

/* The vector of column COL when it has TYPE, else NULL. */
static duckdb_vector chunk_vector(const cl_db_chunk_t *c, size_t col, duckdb_type type)
{
    if (col >= (size_t)duckdb_column_count(c->res) ||
        duckdb_column_type(c->res, (idx_t)col) != type) {
        return NULL;
    }
    return duckdb_data_chunk_get_vector(c->chunk, (idx_t)col);
}

int cl_db_chunk_doubles(const double **values, const uint64_t **valid, const cl_db_chunk_t *c,
                        size_t col, cl_err_t *err)
{
    duckdb_vector v = chunk_vector(c, col, DUCKDB_TYPE_DOUBLE);
    if (!v) {
        return cl_err_set(err, CL_EINVAL, "result column %zu is not DOUBLE", col);
    }
    *values = (const double *)duckdb_vector_get_data(v);
    *valid = duckdb_vector_get_validity(v);
    return 0;
}

int cl_db_chunk_texts(const char **ptr, uint32_t *len, const cl_db_chunk_t *c, size_t col,
                      cl_err_t *err)
{
    duckdb_vector v = chunk_vector(c, col, DUCKDB_TYPE_VARCHAR);
    if (!v) {
        return cl_err_set(err, CL_EINVAL, "result column %zu is not VARCHAR", col);
    }
    duckdb_string_t *s = (duckdb_string_t *)duckdb_vector_get_data(v);
    uint64_t *valid = duckdb_vector_get_validity(v);
    size_t n = cl_db_chunk_rows(c);
    for (size_t i = 0; i < n; i++) {
        if (valid && !(valid[i / 64] >> (i % 64) & 1)) {
            ptr[i] = NULL;
            len[i] = 0;
            continue;
        }
        len[i] = s[i].value.inlined.length;
        ptr[i] = len[i] <= 12 ? s[i].value.inlined.inlined : s[i].value.pointer.ptr;
    }
    return 0;
}

void cl_db_result_free(cl_db_result_t *r)
{
    if (!r) {
        return;
    }
    duckdb_destroy_result(&r->res);
    free(r);
}

/* The appender fills one DuckDB data chunk directly (a value is a store into a vector, no per-value
 * cast) and hands it to duckdb_append_data_chunk when it is full: about ten times faster than
 * duckdb_append_<type>. So the value types must match the column types exactly; a mismatch is a
 * programming error reported as CL_EQUERY. */
struct cl_db_appender {
    duckdb_appender app;
    duckdb_data_chunk chunk;
    idx_t ncols, cap, row, col;
    duckdb_type *types;   /* per column; DECIMAL columns stored as int64 are DUCKDB_TYPE_DECIMAL */
    duckdb_type *storage; /* ENUM columns: UTINYINT, USMALLINT or UINTEGER */
    uint32_t *enum_size;  /* ENUM columns: dictionary size */
    duckdb_vector *vecs;
    void **data;
    int failed;
    char msg[CL_ERR_MSG_MAX];
};

/* The appender's error, first line only. */
static void appender_message(char *out, size_t cap, duckdb_appender app)
{
    duckdb_error_data e = app ? duckdb_appender_error_data(app) : NULL;
    const char *msg = e ? duckdb_error_data_message(e) : NULL;
    snprintf(out, cap, "%s", msg && *msg ? msg : "unknown DuckDB error");
    out[strcspn(out, "\n")] = '\0';
    if (e) {
        duckdb_destroy_error_data(&e);
    }
}

static void appender_fetch_vectors(cl_db_appender_t *a)
{
    for (idx_t c = 0; c < a->ncols; c++) {
        a->vecs[c] = duckdb_data_chunk_get_vector(a->chunk, c);
        a->data[c] = duckdb_vector_get_data(a->vecs[c]);
    }
}

/* Column types of the table; a DECIMAL is accepted only with int64 storage (width <= 18). */
static int appender_types(cl_db_appender_t *a, duckdb_logical_type *lt, cl_err_t *err)
{
    for (idx_t c = 0; c < a->ncols; c++) {
        lt[c] = duckdb_appender_column_type(a->app, c);
        a->types[c] = duckdb_get_type_id(lt[c]);
        if (a->types[c] == DUCKDB_TYPE_ENUM) {
            a->storage[c] = duckdb_enum_internal_type(lt[c]);
            a->enum_size[c] = duckdb_enum_dictionary_size(lt[c]);
        }
        if (a->types[c] == DUCKDB_TYPE_DECIMAL &&
            duckdb_decimal_internal_type(lt[c]) != DUCKDB_TYPE_BIGINT) {
            return cl_err_set(err, CL_EINVAL,
                              "appender: column %llu is a DECIMAL wider than 18 digits",
                              (unsigned long long)c);
        }
    }
    return 0;
}

/* Free without flushing (NULL is fine). */
static void appender_free(cl_db_appender_t *a)
{
    if (!a) {
        return;
    }
    if (a->chunk) {
        duckdb_destroy_data_chunk(&a->chunk);
    }
    duckdb_appender_destroy(&a->app);
    free(a->types);
    free(a->vecs);
    free(a->data);
    free(a->storage);
    free(a->enum_size);
    free(a);
}

int cl_db_appender_open(cl_db_appender_t **out, cl_db_t *db, const char *table, cl_err_t *err)
{
    *out = NULL;
    duckdb_logical_type *lt = NULL;
    idx_t ncols = 0;
    int rc = 0;
    cl_db_appender_t *a = calloc(1, sizeof *a);
    if (!a) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (duckdb_appender_create(db->conn, NULL, table, &a->app) != DuckDBSuccess) {
        char line[CL_ERR_MSG_MAX];
        appender_message(line, sizeof line, a->app);
        rc = cl_err_set(err, CL_ENOTFOUND, "cannot append to table %.64s: %s", table, line);
        goto cleanup;
    }
    a->ncols = ncols = duckdb_appender_column_count(a->app);
    a->cap = duckdb_vector_size();
    a->types = calloc(a->ncols + 1, sizeof *a->types);
    a->vecs = calloc(a->ncols + 1, sizeof(duckdb_vector));
    a->data = calloc(a->ncols + 1, sizeof *a->data);
    a->storage = calloc(a->ncols + 1, sizeof *a->storage);
    a->enum_size = calloc(a->ncols + 1, sizeof *a->enum_size);
    lt = calloc(a->ncols + 1, sizeof(duckdb_logical_type));
    if (!a->types || !a->vecs || !a->data || !a->storage || !a->enum_size || !lt) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = appender_types(a, lt, err);
    if (rc == 0) {
        a->chunk = duckdb_create_data_chunk(lt, a->ncols);
        if (!a->chunk) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    if (rc == 0) {
        appender_fetch_vectors(a);
        *out = a;
        a = NULL;
    }
cleanup:
    for (idx_t c = 0; lt && c < ncols; c++) {
        duckdb_destroy_logical_type(&lt[c]);
    }
    free(lt);
    appender_free(a);
    return rc;
}

static void *slot(cl_db_appender_t *a, duckdb_type want, const char *what)
{
    if (a->failed) {
        return NULL;
    }
    if (a->col >= a->ncols || a->types[a->col] != want) {
        a->failed = 1;
        snprintf(
            a->msg, sizeof a->msg, "append failed: column %llu %s", (unsigned long long)a->col + 1,
            a->col >= a->ncols ? "does not exist (too many values in a row)" : "has another type");
        snprintf(a->msg + strlen(a->msg), sizeof a->msg - strlen(a->msg), " than the %s appended",
                 what);
        return NULL;
    }
    return a->data[a->col];
}

void cl_db_append_int64(cl_db_appender_t *a, int64_t value)
{
    int64_t *d = slot(a, DUCKDB_TYPE_BIGINT, "BIGINT");
    if (d) {
        d[a->row] = value;
        a->col++;
    }
}

void cl_db_append_decimal(cl_db_appender_t *a, int64_t scaled)
{
    int64_t *d = slot(a, DUCKDB_TYPE_DECIMAL, "DECIMAL(<=18)");
    if (d) {
        d[a->row] = scaled;
        a->col++;
    }
}

void cl_db_append_int32(cl_db_appender_t *a, int32_t value)
{
    int32_t *d = slot(a, DUCKDB_TYPE_INTEGER, "INTEGER");
    if (d) {
        d[a->row] = value;
        a->col++;
    }
}

void cl_db_append_double(cl_db_appender_t *a, double value)
{
    double *d = slot(a, DUCKDB_TYPE_DOUBLE, "DOUBLE");
    if (d) {
        d[a->row] = value;
        a->col++;
    }
}

void cl_db_append_bool(cl_db_appender_t *a, int value)
{
    bool *d = slot(a, DUCKDB_TYPE_BOOLEAN, "BOOLEAN");
    if (d) {
        d[a->row] = value != 0;
        a->col++;
    }
}

void cl_db_append_date(cl_db_appender_t *a, int32_t days)
{
    duckdb_date *d = slot(a, DUCKDB_TYPE_DATE, "DATE");
    if (d) {
        d[a->row].days = days;
        a->col++;
    }
}

void cl_db_append_timestamp(cl_db_appender_t *a, int64_t micros)
{
    duckdb_timestamp *d = slot(a, DUCKDB_TYPE_TIMESTAMP, "TIMESTAMP");
    if (d) {
        d[a->row].micros = micros;
        a->col++;
    }
}

void cl_db_append_text(cl_db_appender_t *a, const char *value, size_t len)
{
    if (slot(a, DUCKDB_TYPE_VARCHAR, "VARCHAR")) {
        duckdb_vector_assign_string_element_len(a->vecs[a->col], a->row, value, (idx_t)len);
        a->col++;
    }
}

void cl_db_append_enum(cl_db_appender_t *a, uint32_t index)
{
    void *d = slot(a, DUCKDB_TYPE_ENUM, "ENUM");
    if (!d) {
        return;
    }
    if (index >= a->enum_size[a->col]) {
        a->failed = 1;
        snprintf(a->msg, sizeof a->msg,
                 "append failed: value %llu of a row is past its ENUM (%u >= %u)",
                 (unsigned long long)a->col + 1, index, a->enum_size[a->col]);
        return;
    }
    switch (a->storage[a->col]) {
    case DUCKDB_TYPE_UTINYINT:
        ((uint8_t *)d)[a->row] = (uint8_t)index;
        break;
    case DUCKDB_TYPE_USMALLINT:
        ((uint16_t *)d)[a->row] = (uint16_t)index;
        break;
    default:
        ((uint32_t *)d)[a->row] = index;
        break;
    }
    a->col++;
}

void cl_db_append_null(cl_db_appender_t *a)
{
    if (a->failed) {
        return;
    }
    if (a->col >= a->ncols) {
        a->failed = 1;
        snprintf(a->msg, sizeof a->msg, "append failed: a row has more than %llu values",
                 (unsigned long long)a->ncols);
        return;
    }
    duckdb_vector_ensure_validity_writable(a->vecs[a->col]);
    duckdb_validity_set_row_invalid(duckdb_vector_get_validity(a->vecs[a->col]), a->row);
    a->col++;
}

static int appender_fail(cl_db_appender_t *a, cl_err_t *err)
{
    if (!a->msg[0]) {
        char line[CL_ERR_MSG_MAX];
        appender_message(line, sizeof line, a->app);
        snprintf(a->msg, sizeof a->msg, "append failed: %s", line);
    }
    return cl_err_set(err, CL_EQUERY, "%s", a->msg);
}

static int appender_flush_chunk(cl_db_appender_t *a, cl_err_t *err)
{
    if (a->row == 0) {
        return 0;
    }
    duckdb_data_chunk_set_size(a->chunk, a->row);
    if (duckdb_append_data_chunk(a->app, a->chunk) != DuckDBSuccess) {
        a->failed = 1;
        return appender_fail(a, err);
    }
    duckdb_data_chunk_reset(a->chunk);
    appender_fetch_vectors(a); /* reset may reallocate the vectors */
    a->row = 0;
    return 0;
}

int cl_db_appender_end_row(cl_db_appender_t *a, cl_err_t *err)
{
    if (!a->failed && a->col != a->ncols) {
        a->failed = 1;
        snprintf(a->msg, sizeof a->msg,
                 "append failed: a row has %llu values, the table %llu columns",
                 (unsigned long long)a->col, (unsigned long long)a->ncols);
    }
    if (a->failed) {
        return appender_fail(a, err);
    }
    a->col = 0;
    a->row++;
    return a->row == a->cap ? appender_flush_chunk(a, err) : 0;
}

int cl_db_appender_close(cl_db_appender_t *a, cl_err_t *err)
{
    if (!a) {
        return 0;
    }
    int rc = a->failed ? appender_fail(a, err) : appender_flush_chunk(a, err);
    if (a->app && duckdb_appender_close(a->app) != DuckDBSuccess && rc == 0) {
        a->msg[0] = '\0';
        rc = appender_fail(a, err);
    }
    appender_free(a);
    return rc;
}

int cl_db_quote_literal(char *out, size_t len, const char *value, cl_err_t *err)
{
    size_t j = 0;
    if (len < 3) {
        return cl_err_set(err, CL_EINVAL, "literal buffer too small");
    }
    out[j++] = '\'';
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) {
            return cl_err_set(err, CL_EINVAL, "value contains a control character");
        }
        size_t need = (c == '\'') ? 2 : 1;
        if (j + need + 2 > len) {
            return cl_err_set(err, CL_EINVAL, "value too long for a literal");
        }
        out[j++] = (char)c;
        if (c == '\'') {
            out[j++] = '\'';
        }
    }
    out[j++] = '\'';
    out[j] = '\0';
    return 0;
}
