/* engine_duckdb.c — the embedded engine: the ETL interface of engine.h over warehouse/db.h.
 *
 * Why export writes each partition with its own COPY on one thread: DuckDB's partitioned COPY
 * (PARTITION_BY) does not keep the row order inside a partition, so the same table gave different
 * bytes on each run (measured: 88 of 88 partition files differed at threads=2; with a 1.2-million
 * row table 35 of 108 files differed even at threads=1). A snapshot's checksums must repeat, so
 * the engine sorts the table by partition and key into a staging table on all threads, finds each
 * partition's range of row ids, then sets DuckDB to one thread per query and writes the
 * partitions on `threads` connections at once, each file by one COPY of its row-id range into
 * <col>=<value>/part-0.parquet (values percent-encoded as DuckDB's hive reader expects): one
 * writer per file, rows in sorted order, the same bytes however the files are shared out. ENUM
 * columns (a pipeline's compact encoding of dimension text) are written as VARCHAR. */
#include "etl/engine.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "warehouse/db.h"

typedef struct duck {
    cl_db_t *db;
    int threads;
    int session; /* 1: a second connection (open_session); its database belongs to the engine */
    struct duck *parent; /* a session's engine */
    int sessions_open;   /* the engine's sessions not yet closed */
    char version[64];
} duck_t;

#define SQL_MAX 8192
#define EXPORT_TABLE "cl_export_sorted"
#define EXPORT_WRITERS_MAX 8

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

/* The folder DEST/<col>=<value>/... of partition ROW of R (columns 2.. are the values). */
static int partition_folder(char *out, size_t cap, const cl_etl_export_t *spec,
                            const cl_db_result_t *r, size_t row, cl_err_t *err)
{
    int rc = snprintf(out, cap, "%s", spec->dest_dir) >= (int)cap
                 ? cl_err_set(err, CL_EINVAL, "export path too long")
                 : 0;
    for (size_t c = 0; rc == 0 && c < spec->n_partition_by; c++) {
        char *v = cl_db_result_text(r, row, c + 2);
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

/* Sort TABLE by its partition columns and key into EXPORT_TABLE, on all threads. It is a table of
 * the database, not a temporary one, so the writers' connections see it; its row ids follow the
 * sort, so each partition is one range of row ids. */
static int sort_into_staging(duck_t *d, const cl_etl_export_t *spec, cl_err_t *err)
{
    char sql[SQL_MAX] = "";
    const char *tables[] = {spec->table};
    int rc =
        append(sql, sizeof sql, err, "CREATE OR REPLACE TABLE " EXPORT_TABLE " AS SELECT * FROM ");
    rc = rc ? rc : append_idents(sql, sizeof sql, tables, 1, err);
    rc = rc ? rc : append(sql, sizeof sql, err, " ORDER BY ");
    rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by, spec->n_partition_by, err);
    rc = rc ? rc : append(sql, sizeof sql, err, spec->n_partition_by ? ", " : "");
    rc = rc ? rc : append_idents(sql, sizeof sql, spec->key, spec->n_key, err);
    return rc ? rc : cl_db_exec(d->db, sql, err);
}

static int is_partition_column(const cl_etl_export_t *spec, const char *col)
{
    for (size_t i = 0; i < spec->n_partition_by; i++) {
        if (strcmp(spec->partition_by[i], col) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The columns a partition file holds, into OUT: all but the partition columns (their values are
 * in the folder names, as DuckDB's own writer does), in table order, ENUM columns as VARCHAR (an
 * ENUM is an engine-side encoding of text: the file holds the text). */
static int select_list(char *out, size_t cap, duck_t *d, const cl_etl_export_t *spec, cl_err_t *err)
{
    cl_db_result_t *r = NULL;
    out[0] = '\0';
    int rc = cl_db_query(&r, d->db,
                         "SELECT column_name, data_type LIKE 'ENUM(%' FROM duckdb_columns() "
                         "WHERE database_name = current_database() AND schema_name = 'main' "
                         "AND table_name = '" EXPORT_TABLE "' ORDER BY column_index",
                         err);
    for (size_t i = 0; rc == 0 && i < cl_db_result_rows(r); i++) {
        char *col = cl_db_result_text(r, i, 0);
        const char *name[] = {col};
        if (!col) {
            rc = cl_err_set(err, CL_ENOMEM, "out of memory");
        } else if (!is_partition_column(spec, col)) {
            rc = append(out, cap, err, "%s", out[0] ? ", " : "");
            rc = rc ? rc : append_idents(out, cap, name, 1, err);
            if (rc == 0 && cl_db_result_int64(r, i, 1)) {
                rc = append(out, cap, err, "::VARCHAR AS ");
                rc = rc ? rc : append_idents(out, cap, name, 1, err);
            }
        }
        free(col);
    }
    cl_db_result_free(r);
    if (rc == 0 && !out[0]) {
        rc = cl_err_set(err, CL_EINVAL, "output %s has no column besides its partitions",
                        spec->table);
    }
    return rc;
}

/* One partition file: the row ids FIRST..LAST of the sorted table. */
typedef struct {
    int64_t first, last;
    char path[4096 + 32];
} part_t;

/* The writers: each takes the next partition not yet written and COPYs it on its own connection
 * with DuckDB at one thread, so each file is written by one thread in row-id order. */
typedef struct {
    const char *select; /* the column list */
    part_t *parts;
    size_t n_parts;
    pthread_mutex_t mu;
    size_t next;
    int rc;
    cl_err_t err;
} writers_t;

typedef struct {
    writers_t *w;
    cl_db_t *db;
    pthread_t thread;
    int started;
} writer_t;

static int copy_part(cl_db_t *db, const char *select, const part_t *part, cl_err_t *err)
{
    char target[4096 + 64], sql[SQL_MAX] = "";
    int rc = cl_db_quote_literal(target, sizeof target, part->path, err);
    rc = rc ? rc : append(sql, sizeof sql, err, "COPY (SELECT %s FROM " EXPORT_TABLE, select);
    if (part->first >= 0) {
        /* the row ids of a table are integers the engine made, not data: safe in the text */
        rc = rc ? rc
                : append(sql, sizeof sql, err, " WHERE rowid BETWEEN %lld AND %lld",
                         (long long)part->first, (long long)part->last);
    }
    /* no ORDER BY: on one thread the scan of the sorted table returns its row-id order (sorting
     * again cost most of the export), and the row-id range skips the other partitions' groups */
    rc = rc ? rc
            : append(sql, sizeof sql, err, ") TO %s (FORMAT parquet, COMPRESSION zstd)", target);
    return rc ? rc : cl_db_exec(db, sql, err);
}

static void *write_parts(void *arg)
{
    writer_t *me = arg;
    writers_t *w = me->w;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        size_t i = w->rc == 0 && w->next < w->n_parts ? w->next++ : w->n_parts;
        pthread_mutex_unlock(&w->mu);
        if (i == w->n_parts) {
            return NULL;
        }
        cl_err_t err;
        int rc = copy_part(me->db, w->select, &w->parts[i], &err);
        if (rc != 0) {
            pthread_mutex_lock(&w->mu);
            if (w->rc == 0) {
                w->rc = rc;
                w->err = err;
            }
            pthread_mutex_unlock(&w->mu);
            return NULL;
        }
    }
}

/* Write every part on up to N connections (the first is D's own). */
static int run_writers(duck_t *d, writers_t *w, int n, cl_err_t *err)
{
    writer_t writers[EXPORT_WRITERS_MAX] = {{0}};
    int rc = 0;
    n = n < 1 ? 1 : n > EXPORT_WRITERS_MAX ? EXPORT_WRITERS_MAX : n;
    n = (size_t)n > w->n_parts ? (int)(w->n_parts ? w->n_parts : 1) : n;
    pthread_mutex_init(&w->mu, NULL);
    for (int i = 0; i < n; i++) {
        writers[i].w = w;
        writers[i].db = d->db;
        rc = rc || i == 0 ? rc : cl_db_connect(&writers[i].db, d->db, err);
        if (rc == 0 && i > 0) {
            writers[i].started =
                pthread_create(&writers[i].thread, NULL, write_parts, &writers[i]) == 0;
            rc = writers[i].started ? 0 : cl_err_set(err, CL_ENOMEM, "cannot start a writer");
        }
        if (rc != 0 && i > 0 && !writers[i].started && writers[i].db != d->db) {
            cl_db_close(writers[i].db);
            writers[i].db = NULL;
        }
    }
    if (rc != 0) {
        pthread_mutex_lock(&w->mu);
        w->next = w->n_parts; /* the writers already started stop after their file */
        pthread_mutex_unlock(&w->mu);
    } else {
        write_parts(&writers[0]);
    }
    for (int i = 1; i < n; i++) {
        if (writers[i].started) {
            pthread_join(writers[i].thread, NULL);
        }
        if (writers[i].db && writers[i].db != d->db) {
            cl_db_close(writers[i].db);
        }
    }
    pthread_mutex_destroy(&w->mu);
    if (rc == 0 && w->rc != 0) {
        *err = w->err;
        rc = w->rc;
    }
    return rc;
}

static int larger_first(const void *a, const void *b)
{
    const part_t *x = a, *y = b;
    int64_t nx = x->last - x->first, ny = y->last - y->first;
    return nx > ny ? -1 : nx < ny ? 1 : (x->first > y->first) - (x->first < y->first);
}

/* The partitions of the sorted table, largest first: their row-id ranges and file paths, the
 * folders made. *out is new (free). */
static int list_parts(part_t **out, size_t *n_out, duck_t *d, const cl_etl_export_t *spec,
                      cl_err_t *err)
{
    char sql[SQL_MAX] = "", folder[4096];
    cl_db_result_t *r = NULL;
    *out = NULL;
    *n_out = 0;
    int rc = append(sql, sizeof sql, err, "SELECT min(rowid), max(rowid)");
    for (size_t c = 0; rc == 0 && c < spec->n_partition_by; c++) {
        rc = append(sql, sizeof sql, err, ", CAST(");
        rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by + c, 1, err);
        rc = rc ? rc : append(sql, sizeof sql, err, " AS VARCHAR)");
    }
    rc = rc ? rc : append(sql, sizeof sql, err, " FROM " EXPORT_TABLE " GROUP BY ");
    rc = rc ? rc : append_idents(sql, sizeof sql, spec->partition_by, spec->n_partition_by, err);
    rc = rc ? rc : append(sql, sizeof sql, err, " ORDER BY 1");
    rc = rc ? rc : cl_db_query(&r, d->db, sql, err);
    size_t n = rc ? 0 : cl_db_result_rows(r);
    part_t *parts = rc ? NULL : calloc(n + 1, sizeof *parts);
    if (rc == 0 && !parts) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = partition_folder(folder, sizeof folder, spec, r, i, err);
        rc = rc ? rc : cl_file_mkdirs(folder, err);
        parts[i].first = cl_db_result_int64(r, i, 0);
        parts[i].last = cl_db_result_int64(r, i, 1);
        snprintf(parts[i].path, sizeof parts[i].path, "%s/part-0.parquet", folder);
    }
    cl_db_result_free(r);
    if (rc != 0) {
        free(parts);
        return rc;
    }
    /* largest first, so the writers finish together instead of one writing the big last file
     * alone; each file's bytes do not depend on when or by whom it is written */
    qsort(parts, n, sizeof *parts, larger_first);
    *out = parts;
    *n_out = n;
    return 0;
}

static int duck_export(cl_etl_engine_t *e, const cl_etl_export_t *spec, cl_err_t *err)
{
    duck_t *d = e->impl;
    char select[SQL_MAX];
    part_t whole = {.first = -1, .last = -1}, *parts = NULL;
    size_t n_parts = 0;
    int rc = cl_file_mkdirs(spec->dest_dir, err);
    rc = rc ? rc : sort_into_staging(d, spec, err);
    rc = rc ? rc : select_list(select, sizeof select, d, spec, err);
    if (rc == 0 && spec->n_partition_by > 0) {
        rc = list_parts(&parts, &n_parts, d, spec, err);
    } else if (rc == 0) {
        snprintf(whole.path, sizeof whole.path, "%s/part-0.parquet", spec->dest_dir);
    }
    /* one thread per query: each file's rows reach the writer in row-id order, so its bytes
     * repeat; the files are spread over up to `threads` connections instead */
    rc = rc ? rc : set_threads(d, 1, err);
    if (rc == 0) {
        writers_t w = {.select = select,
                       .parts = spec->n_partition_by ? parts : &whole,
                       .n_parts = spec->n_partition_by ? n_parts : 1};
        rc = run_writers(d, &w, d->threads > 0 ? d->threads : 1, err);
        cl_err_t ignore;
        if (set_threads(d, d->threads, rc ? &ignore : err) != 0 && rc == 0) {
            rc = CL_EQUERY;
        }
    }
    free(parts);
    cl_err_t ignore;
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
    if (d->parent && --d->parent->sessions_open == 0) {
        cl_err_t ignore; /* the count is a tuning: a failure here changes no result */
        (void)set_threads(d->parent, d->parent->threads, &ignore);
    }
    cl_db_close(d->db); /* a session's connection only; the engine's closes the database */
    free(d);
    free(e);
}

static int duck_open_session(cl_etl_engine_t **out, cl_etl_engine_t *e, cl_err_t *err);

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
    .open_session = duck_open_session,
};

/* A second connection: DuckDB shares the database's tables and types between connections and
 * keeps TEMP tables per connection, which is what a session promises. While sessions are open,
 * each query runs on its calling thread only (SET threads = 1): the sessions are the parallelism,
 * and a pool thread per query on top of them only contends for the same cores (measured: a fifth
 * more CPU for the same weeks); the configured count is restored when the last one closes. */
static int duck_open_session(cl_etl_engine_t **out, cl_etl_engine_t *e, cl_err_t *err)
{
    duck_t *parent = e->impl;
    *out = NULL;
    cl_etl_engine_t *s = calloc(1, sizeof *s);
    duck_t *d = calloc(1, sizeof *d);
    int rc = s && d ? cl_db_connect(&d->db, parent->db, err)
                    : cl_err_set(err, CL_ENOMEM, "out of memory");
    if (rc != 0) {
        free(s);
        free(d);
        return rc;
    }
    if (parent->threads != 1 && parent->sessions_open == 0) {
        rc = set_threads(parent, 1, err);
    }
    if (rc != 0) {
        cl_db_close(d->db);
        free(s);
        free(d);
        return rc;
    }
    parent->sessions_open++;
    d->parent = parent;
    d->threads = parent->threads;
    d->session = 1;
    snprintf(d->version, sizeof d->version, "%s", parent->version);
    s->ops = &DUCKDB_OPS;
    s->impl = d;
    *out = s;
    return 0;
}

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
    /* DuckDB creates only the last level of its spill folder, and only when it first spills */
    int rc = dbo.temp_dir ? cl_file_mkdirs(dbo.temp_dir, err) : 0;
    rc = rc ? rc : cl_db_open(&d->db, NULL, &dbo, err);
    /* an in-memory database checkpoints too (past 16 MB of changes, compressing what it holds):
     * measured, that made appends to a growing table 10x slower and erratic; the engine's data
     * lives for one run, so never checkpoint */
    rc = rc ? rc : cl_db_exec(d->db, "SET checkpoint_threshold = '1TB'", err);
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
