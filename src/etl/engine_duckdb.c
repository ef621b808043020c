/* engine_duckdb.c — the embedded engine: the ETL interface of engine.h over warehouse/db.h.
 *
 * Why export writes each partition with its own COPY on one thread: DuckDB's partitioned COPY
 * (PARTITION_BY) does not keep the row order inside a partition, so the same table gave different
 * bytes on each run (measured: 88 of 88 partition files differed at threads=2; with a 1.2-million
 * row table 35 of 108 files differed even at threads=1). A snapshot's checksums must repeat, so
 * the engine sorts the table by partition and key into a temporary table on all threads (numbering
 * the partitions), then, on one thread, runs one ordered COPY per partition into
 * <col>=<value>/part-0.parquet (values percent-encoded as DuckDB's hive reader expects), and
 * restores the configured thread count afterwards. */
#include "etl/engine.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "warehouse/db.h"

typedef struct {
    cl_db_t *db;
    int threads;
    char version[64];
} duck_t;

#define SQL_MAX 8192
#define EXPORT_TABLE "cl_export_sorted"

static int bind_all(cl_db_stmt_t *st, const cl_etl_param_t *params, size_t n, cl_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        size_t idx = 0;
        cl_err_t ignore;
        if (cl_db_param_index(&idx, st, params[i].name, &ignore) != 0) {
            continue; /* this statement does not use it */
        }
        int rc = params[i].type == CL_ETL_PARAM_INT ? cl_db_bind_int64(st, idx, params[i].num, err)
                                                    : cl_db_bind_text(st, idx, params[i].text, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int run_query(cl_db_result_t **out, duck_t *d, const char *sql, const cl_etl_param_t *params,
                     size_t n, cl_err_t *err)
{
    cl_db_stmt_t *st = NULL;
    int rc = cl_db_prepare(&st, d->db, sql, err);
    rc = rc ? rc : bind_all(st, params, n, err);
    rc = rc ? rc : cl_db_stmt_run(out, st, err);
    cl_db_stmt_free(st);
    return rc;
}

static int duck_exec(cl_etl_engine_t *e, const char *sql, const cl_etl_param_t *params, size_t n,
                     cl_err_t *err)
{
    return run_query(NULL, e->impl, sql, params, n, err);
}

/* Append "col=value, ..." of the first NCOLS columns of ROW to OUT (capped), rows split by "; ". */
static void describe_row(char *out, size_t cap, const cl_db_result_t *r, size_t row, size_t ncols)
{
    size_t len = strlen(out);
    for (size_t c = 0; c < ncols && len + 1 < cap; c++) {
        char *v = cl_db_result_text(r, row, c);
        int w = snprintf(out + len, cap - len, "%s%s=%s", c ? ", " : (row ? "; " : ""),
                         cl_db_result_col_name(r, c), v ? v : "NULL");
        free(v);
        if (w < 0 || (size_t)w >= cap - len) {
            out[cap - 1] = '\0';
            return;
        }
        len += (size_t)w;
    }
}

/* A check may match millions of rows when data is badly broken: count them in the engine and bring
 * back three. The newline before the closing parenthesis ends a trailing -- comment. */
static char *wrap_check(const char *sql)
{
    size_t len = strlen(sql);
    while (len > 0 && strchr(" \t\r\n;", sql[len - 1])) {
        len--;
    }
    static const char head[] = "SELECT *, count(*) OVER () AS cl_failing_rows FROM (\n";
    static const char tail[] = "\n) AS cl_check LIMIT 3";
    size_t cap = sizeof head + len + sizeof tail;
    char *out = len < (size_t)INT32_MAX ? malloc(cap) : NULL;
    if (out) {
        snprintf(out, cap, "%s%.*s%s", head, (int)len, sql, tail);
    }
    return out;
}

static int duck_check(cl_etl_check_result_t *out, cl_etl_engine_t *e, const char *sql,
                      const cl_etl_param_t *params, size_t n, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    cl_db_result_t *r = NULL;
    char *wrapped = wrap_check(sql);
    if (!wrapped) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = run_query(&r, e->impl, wrapped, params, n, err);
    free(wrapped);
    if (rc != 0) {
        return rc;
    }
    size_t cols = cl_db_result_cols(r);
    if (cl_db_result_rows(r) > 0 && cols > 0) {
        out->failing_rows = cl_db_result_int64(r, 0, cols - 1);
    }
    for (size_t row = 0; row < cl_db_result_rows(r); row++) {
        describe_row(out->sample, sizeof out->sample, r, row, cols - 1);
    }
    cl_db_result_free(r);
    return 0;
}

static int duck_count(int64_t *out, cl_etl_engine_t *e, const char *table, cl_err_t *err)
{
    duck_t *d = e->impl;
    char sql[256];
    /* TABLE is an identifier validated by the pipeline loader; quoting keeps it one */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    if (strchr(table, '"')) {
        return cl_err_set(err, CL_EINVAL, "bad table name");
    }
    cl_db_result_t *r = NULL;
    int rc = cl_db_query(&r, d->db, sql, err);
    if (rc == 0) {
        *out = cl_db_result_int64(r, 0, 0);
    }
    cl_db_result_free(r);
    return rc;
}

static int duck_query(json_t **out, cl_etl_engine_t *e, const char *sql,
                      const cl_etl_param_t *params, size_t n, size_t max_rows, cl_err_t *err)
{
    *out = NULL;
    cl_db_result_t *r = NULL;
    int rc = run_query(&r, e->impl, sql, params, n, err);
    if (rc != 0) {
        return rc;
    }
    json_t *rows = json_array();
    for (size_t row = 0; rows && row < cl_db_result_rows(r) && row < max_rows; row++) {
        json_t *obj = json_object();
        for (size_t c = 0; obj && c < cl_db_result_cols(r); c++) {
            char *v = cl_db_result_text(r, row, c);
            json_object_set_new(obj, cl_db_result_col_name(r, c), v ? json_string(v) : json_null());
            free(v);
        }
        if (!obj || json_array_append_new(rows, obj) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    cl_db_result_free(r);
    if (!rows) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    *out = rows;
    return 0;
}

static int append(char *buf, size_t cap, cl_err_t *err, const char *fmt, ...) CL_PRINTF(4, 5);
static int append(char *buf, size_t cap, cl_err_t *err, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - len) {
        return cl_err_set(err, CL_EINVAL, "export statement too long");
    }
    return 0;
}

/* Append `"a", "b"` for the identifiers NAMES to BUF. */
static int append_idents(char *buf, size_t cap, const char *const *names, size_t n, cl_err_t *err)
{
    size_t len = strlen(buf);
    for (size_t i = 0; i < n; i++) {
        if (strchr(names[i], '"')) {
            return cl_err_set(err, CL_EINVAL, "bad column name");
        }
        int w = snprintf(buf + len, cap - len, "%s\"%s\"", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - len) {
            return cl_err_set(err, CL_EINVAL, "export statement too long");
        }
        len += (size_t)w;
    }
    return 0;
}

/* SELECT count("a"), count("b"), ... FROM "table": the non-NULL values of each column. */
static int duck_count_values(int64_t *out, cl_etl_engine_t *e, const char *table,
                             const char *const *cols, size_t n, cl_err_t *err)
{
    duck_t *d = e->impl;
    char sql[SQL_MAX] = "";
    const char *tables[] = {table};
    int rc = append(sql, sizeof sql, err, "SELECT ");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = append(sql, sizeof sql, err, "%scount(", i ? ", " : "");
        rc = rc ? rc : append_idents(sql, sizeof sql, cols + i, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, ")");
    }
    rc = rc ? rc : append(sql, sizeof sql, err, " FROM ");
    rc = rc ? rc : append_idents(sql, sizeof sql, tables, 1, err);
    if (rc != 0 || n == 0) {
        return rc;
    }
    cl_db_result_t *r = NULL;
    rc = cl_db_query(&r, d->db, sql, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        out[i] = cl_db_result_int64(r, 0, i);
    }
    cl_db_result_free(r);
    return rc;
}

static int set_threads(duck_t *d, int threads, cl_err_t *err)
{
    char sql[64];
    if (threads > 0) {
        snprintf(sql, sizeof sql, "SET threads = %d", threads);
    } else {
        snprintf(sql, sizeof sql, "RESET threads");
    }
    return cl_db_exec(d->db, sql, err);
}

/* Sort TABLE by its partition columns and key into a temporary table, on all threads. A
 * partitioned table also gets cl_part, the 1-based number of each row's partition. */
static int sort_into_staging(duck_t *d, const cl_etl_export_t *spec, cl_err_t *err)
{
    char sql[SQL_MAX] = "";
    const char *tables[] = {spec->table};
    int rc = append(sql, sizeof sql, err, "CREATE OR REPLACE TEMP TABLE " EXPORT_TABLE " AS ");
    if (spec->n_partition_by > 0) {
        rc = rc ? rc : append(sql, sizeof sql, err, "WITH parts AS (SELECT row_number() OVER (ORDER BY ");
        rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by, spec->n_partition_by, err);
        rc = rc ? rc : append(sql, sizeof sql, err, ") AS cl_part, * FROM (SELECT DISTINCT ");
        rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by, spec->n_partition_by, err);
        rc = rc ? rc : append(sql, sizeof sql, err, " FROM ");
        rc = rc ? rc : append_idents(sql, sizeof sql, tables, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, ")) SELECT parts.cl_part, t.* FROM ");
        rc = rc ? rc : append_idents(sql, sizeof sql, tables, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, " t JOIN parts ON true");
        for (size_t c = 0; rc == 0 && c < spec->n_partition_by; c++) {
            /* IS NOT DISTINCT FROM: a NULL partition value joins too (and is refused later) */
            const char *col[] = {spec->partition_by[c]};
            rc = append(sql, sizeof sql, err, " AND t.");
            rc = rc ? rc : append_idents(sql, sizeof sql, col, 1, err);
            rc = rc ? rc : append(sql, sizeof sql, err, " IS NOT DISTINCT FROM parts.");
            rc = rc ? rc : append_idents(sql, sizeof sql, col, 1, err);
        }
        rc = rc ? rc : append(sql, sizeof sql, err, " ORDER BY cl_part, ");
    } else {
        rc = rc ? rc : append(sql, sizeof sql, err, "SELECT * FROM ");
        rc = rc ? rc : append_idents(sql, sizeof sql, tables, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, " ORDER BY ");
    }
    rc = rc ? rc : append_idents(sql, sizeof sql, spec->key, spec->n_key, err);
    return rc ? rc : cl_db_exec(d->db, sql, err);
}

/* Percent-encode VALUE for a hive folder name (DuckDB decodes it on read): every byte but
 * [A-Za-z0-9._~-], so no value can make a path separator, a quote or "..". */
static int hive_escape(char *out, size_t cap, const char *value, cl_err_t *err)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '~' ||
                    (*p == '.' && j > 0);
        if (j + (plain ? 1 : 3) >= cap) {
            return cl_err_set(err, CL_EINVAL, "partition value too long for a folder name");
        }
        if (plain) {
            out[j++] = (char)*p;
        } else {
            out[j++] = '%';
            out[j++] = hex[*p >> 4];
            out[j++] = hex[*p & 15];
        }
    }
    out[j] = '\0';
    return 0;
}

/* The folder DEST/<col>=<value>/... of partition ROW of R (columns 1.. are the values). */
static int partition_folder(char *out, size_t cap, const cl_etl_export_t *spec,
                            const cl_db_result_t *r, size_t row, cl_err_t *err)
{
    int rc = snprintf(out, cap, "%s", spec->dest_dir) >= (int)cap
                 ? cl_err_set(err, CL_EINVAL, "export path too long")
                 : 0;
    for (size_t c = 0; rc == 0 && c < spec->n_partition_by; c++) {
        char *v = cl_db_result_text(r, row, c + 1);
        char esc[512];
        if (!v) {
            return cl_err_set(err, CL_EDATA, "output %s: partition column %s is NULL", spec->table,
                              spec->partition_by[c]);
        }
        rc = hive_escape(esc, sizeof esc, v, err);
        free(v);
        size_t len = strlen(out);
        if (rc == 0 && snprintf(out + len, cap - len, "/%s=%s", spec->partition_by[c], esc) >=
                           (int)(cap - len)) {
            rc = cl_err_set(err, CL_EINVAL, "export path too long");
        }
    }
    return rc;
}

/* One ordered COPY of the rows of partition PART (or all rows when PART is 0) to PATH. */
static int copy_part(duck_t *d, const cl_etl_export_t *spec, long long part, const char *path,
                     cl_err_t *err)
{
    char target[4096 + 64], sql[SQL_MAX] = "";
    int rc = cl_db_quote_literal(target, sizeof target, path, err);
    if (part > 0) {
        /* the partition values live in the folder names, as DuckDB's own writer does */
        rc = rc ? rc : append(sql, sizeof sql, err, "COPY (SELECT * EXCLUDE (cl_part, ");
        rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by, spec->n_partition_by, err);
        rc = rc ? rc
                : append(sql, sizeof sql, err, ") FROM " EXPORT_TABLE " WHERE cl_part = %lld", part);
    } else {
        rc = rc ? rc : append(sql, sizeof sql, err, "COPY (SELECT * FROM " EXPORT_TABLE);
    }
    rc = rc ? rc : append(sql, sizeof sql, err, " ORDER BY ");
    rc = rc ? rc : append_idents(sql, sizeof sql, spec->key, spec->n_key, err);
    rc = rc ? rc : append(sql, sizeof sql, err, ") TO %s (FORMAT parquet, COMPRESSION zstd)", target);
    return rc ? rc : cl_db_exec(d->db, sql, err);
}

/* Every partition of the sorted table, each into DEST/<col>=<value>/.../part-0.parquet. */
static int copy_partitions(duck_t *d, const cl_etl_export_t *spec, cl_err_t *err)
{
    char sql[SQL_MAX] = "", folder[4096], path[4096 + 32];
    cl_db_result_t *r = NULL;
    int rc = append(sql, sizeof sql, err, "SELECT DISTINCT cl_part");
    for (size_t c = 0; rc == 0 && c < spec->n_partition_by; c++) {
        const char *col[] = {spec->partition_by[c]};
        rc = append(sql, sizeof sql, err, ", CAST(");
        rc = rc ? rc : append_idents(sql, sizeof sql, col, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, " AS VARCHAR)");
    }
    rc = rc ? rc : append(sql, sizeof sql, err, " FROM " EXPORT_TABLE " ORDER BY cl_part");
    rc = rc ? rc : cl_db_query(&r, d->db, sql, err);
    for (size_t i = 0; rc == 0 && i < cl_db_result_rows(r); i++) {
        rc = partition_folder(folder, sizeof folder, spec, r, i, err);
        rc = rc ? rc : cl_file_mkdirs(folder, err);
        snprintf(path, sizeof path, "%s/part-0.parquet", folder);
        rc = rc ? rc : copy_part(d, spec, (long long)cl_db_result_int64(r, i, 0), path, err);
    }
    cl_db_result_free(r);
    return rc;
}

static int duck_export(cl_etl_engine_t *e, const cl_etl_export_t *spec, cl_err_t *err)
{
    duck_t *d = e->impl;
    char path[4096 + 32];
    int rc = cl_file_mkdirs(spec->dest_dir, err);
    rc = rc ? rc : sort_into_staging(d, spec, err);
    rc = rc ? rc : set_threads(d, 1, err);
    if (rc != 0) {
        return rc;
    }
    /* one thread scans the sorted table in order, so every file's bytes repeat */
    if (spec->n_partition_by > 0) {
        rc = copy_partitions(d, spec, err);
    } else {
        snprintf(path, sizeof path, "%s/part-0.parquet", spec->dest_dir);
        rc = copy_part(d, spec, 0, path, err);
    }
    cl_err_t ignore;
    if (set_threads(d, d->threads, rc ? &ignore : err) != 0 && rc == 0) {
        rc = CL_EQUERY;
    }
    if (cl_db_exec(d->db, "DROP TABLE IF EXISTS " EXPORT_TABLE, rc ? &ignore : err) != 0 &&
        rc == 0) {
        rc = CL_EQUERY;
    }
    return rc;
}

static const char *duck_describe(cl_etl_engine_t *e)
{
    duck_t *d = e->impl;
    return d->version;
}

static void duck_close(cl_etl_engine_t *e)
{
    duck_t *d = e->impl;
    cl_db_close(d->db);
    free(d);
    free(e);
}

static const cl_etl_engine_ops_t DUCKDB_OPS = {
    .name = "duckdb",
    .exec = duck_exec,
    .check = duck_check,
    .count_rows = duck_count,
    .query = duck_query,
    .count_values = duck_count_values,
    .export_parquet = duck_export,
    .describe = duck_describe,
    .close = duck_close,
};

int cl_etl_engine_duckdb_open(cl_etl_engine_t **out, const cl_etl_engine_options_t *opt,
                              cl_err_t *err)
{
    *out = NULL;
    cl_etl_engine_t *e = calloc(1, sizeof *e);
    duck_t *d = calloc(1, sizeof *d);
    if (!e || !d) {
        free(e);
        free(d);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    cl_db_options_t dbo = {
        .threads = opt ? opt->threads : 0,
        .memory_limit = opt ? opt->memory_limit : NULL,
        .temp_dir = opt ? opt->spill_dir : NULL,
    };
    d->threads = dbo.threads;
    int rc = cl_db_open(&d->db, NULL, &dbo, err);
    cl_db_result_t *r = NULL;
    rc = rc ? rc : cl_db_query(&r, d->db, "SELECT version()", err);
    if (rc != 0) {
        cl_db_close(d->db);
        free(d);
        free(e);
        return rc;
    }
    char *v = cl_db_result_text(r, 0, 0);
    snprintf(d->version, sizeof d->version, "duckdb %s", v ? v : "?");
    free(v);
    cl_db_result_free(r);
    e->ops = &DUCKDB_OPS;
    e->impl = d;
    *out = e;
    return 0;
}

void cl_etl_engine_close(cl_etl_engine_t *e)
{
    if (e) {
        e->ops->close(e);
    }
}
