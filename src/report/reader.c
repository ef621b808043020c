/* reader.c — the warehouse side of a report: one scan per table of the slice's Parquet partition
 * (projection and the partition's filters pushed into DuckDB, every value bound), summed in C by
 * the tally (report/tally.h) into an insight frame. Everything the engine computes later (windows,
 * significance over 52 weeks, breakdowns, root causes for all four windows) comes from that one
 * read, so a report reads each table once. */
#include "report/reader.h"

#include "core/file.h"
#include "core/log.h"
#include "report/framefile.h"
#include "report/tally.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 16384
#define MAX_TDIMS 8
#define MAX_TMEASURES 40
#define LEAF_PERIOD_PARAMS (CL_WINDOW_COUNT * 2 * 2)

typedef struct {
    const char *name;
    const char *parent; /* parent dimension column, or NULL */
} dim_def_t;

static const dim_def_t SALES_DIMS[] = {
    {"country", NULL},       {"category_l2", NULL},
    {"traffic_l1", NULL},    {"traffic_l2", "traffic_l1"},
    {"device_type", NULL},   {"channel", NULL},
    {"customer_type", NULL},
};
/* (city last: the attributes grain leaves it out) */
static const dim_def_t ATTRS_DIMS[] = {
    {"payment_method", NULL}, {"fulfilment", NULL}, {"seller_tier", NULL}, {"promo_flag", NULL},
    {"price_band", NULL},     {"device_os", NULL},  {"city", NULL},
};
static const dim_def_t MARKETING_DIMS[] = {
    {"country", NULL},
    {"traffic_l1", NULL},
    {"traffic_l2", "traffic_l1"},
    {"campaign", "traffic_l2"},
};
/* the sales measures order_attrs_cube also holds (reconciled with sales_cube by the ETL) */
static const char *const ATTRS_COLUMNS[] = {"revenue", "gross_revenue", "discounts",      "orders",
                                            "units",   "returns",       "returned_units", NULL};

enum { T_SALES = 0, T_ATTRS, T_MARKETING, T_BUDGET, T_COUNT };
static const char *const TABLES[T_COUNT] = {"sales_cube", "order_attrs_cube", "marketing_cube",
                                            "budget"};

typedef struct {
    size_t n_dims;
    dim_def_t dims[MAX_TDIMS]; /* region first in `all` mode */
    size_t n_measures;
    size_t measure[MAX_TMEASURES]; /* catalog index */
    const char *column[MAX_TMEASURES];
    int cents[MAX_TMEASURES]; /* money: summed as whole cents */
    int totals;               /* 1: the (week) set gives the slice totals of these measures */
    cl_db_stmt_t *stmt;
} query_t;

/* Leaf grains for root-cause localisation: the sales grain (all its dimensions), where the funnel
 * lives, and the order-attributes grain for the return rate (payment, fulfilment, seller tier,
 * promo flag, price band, device OS; not city, whose values multiply the leaves without telling a
 * manager more than the region does). Orders are counted on their anchor line, so they are not a
 * measure of the attributes grain: funnel ratios have no meaning over line attributes. */
#define GRAINS 2
static const char *const SALES_LEAF_IDS[] = {"revenue", "orders", "visits", NULL};
static const char *const ATTRS_LEAF_IDS[] = {"revenue", "returns", NULL};
static const struct {
    int table;
    const char *const *ids;
    size_t drop_last; /* trailing query dimensions left out of the grain */
} GRAIN_DEFS[GRAINS] = {{T_SALES, SALES_LEAF_IDS, 0}, {T_ATTRS, ATTRS_LEAF_IDS, 1}};

struct cl_reader {
    cl_db_t *db;
    const cl_catalog_t *cat;
    query_t q[2][T_COUNT]; /* [0] one region, [1] all regions */
    size_t leaf_measure[GRAINS][CL_FRAME_MAX_LEAF_MEASURES];
    size_t n_leaf_measures[GRAINS];
    cl_db_stmt_t *pulse;
    uint64_t fingerprint; /* what a published frame must have been built for (reader.h) */
};

/* Bumped when the frame a reader builds changes for the same rows and catalog in a way the SQL
 * texts do not show (the tally's order, the frame's layout). */
#define FRAME_PLAN "catlens-frame-1"

static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : "\x01"); *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (h ^ 0xff) * 1099511628211ull; /* a separator: "ab","c" differs from "a","bc" */
}

/* The plan (SQL texts of every statement), the catalog's additive measures in catalog order and
 * the grains: everything a frame's content depends on besides the rows and the manifest. */
static uint64_t fingerprint(const cl_reader_t *r, const char *const *sql, size_t n_sql)
{
    uint64_t h = fnv(1469598103934665603ull, FRAME_PLAN);
    for (size_t i = 0; i < n_sql; i++) {
        h = fnv(h, sql[i]);
    }
    for (size_t i = 0; i < cl_catalog_count(r->cat); i++) {
        const cl_metric_t *m = cl_catalog_at(r->cat, i);
        char num[32];
        snprintf(num, sizeof num, "%d/%d", (int)m->kind, (int)m->unit);
        h = fnv(fnv(fnv(fnv(h, m->id), num), m->table), m->measure);
    }
    for (size_t g = 0; g < GRAINS; g++) {
        for (size_t k = 0; k < r->n_leaf_measures[g]; k++) {
            char num[32];
            snprintf(num, sizeof num, "%zu:%zu", g, r->leaf_measure[g][k]);
            h = fnv(h, num);
        }
    }
    return h;
}

/* A bounded string builder: every append checks the room left; overflow is a programming error
 * reported as CL_EINTERNAL by the caller. */
typedef struct {
    char s[SQL_MAX];
    size_t n;
    int overflow;
} sql_t;

static void put(sql_t *b, const char *s)
{
    size_t len = strlen(s);
    if (b->n + len >= sizeof b->s) {
        b->overflow = 1;
        return;
    }
    memcpy(b->s + b->n, s, len + 1);
    b->n += len;
}

static void put_ident(sql_t *b, const char *s)
{
    put(b, "\"");
    put(b, s);
    put(b, "\"");
}

static int is_attrs_column(const char *c)
{
    for (size_t i = 0; ATTRS_COLUMNS[i]; i++) {
        if (strcmp(ATTRS_COLUMNS[i], c) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The SQL expression of a measure column of TABLE (derived columns for marketing_cube). */
static void put_measure(sql_t *b, int table, const char *column)
{
    if (table == T_MARKETING && strcmp(column, "paid_revenue") == 0) {
        put(b,
            "CASE WHEN spend IS NULL THEN NULL WHEN spend > 0 THEN attributed_revenue ELSE 0 END");
    } else if (table == T_MARKETING && strcmp(column, "paid_orders") == 0) {
        put(b,
            "CASE WHEN spend IS NULL THEN NULL WHEN spend > 0 THEN attributed_orders ELSE 0 END");
    } else {
        put_ident(b, column);
    }
}

/* The rows of TABLE for the slice: week, dimensions as text, measures. ALL 2: every row of the
 * table's files in the weeks, with its region and category last (the ETL's scan, Q the all-regions
 * plan). */
static void put_inner(sql_t *b, int table, const query_t *q, int all)
{
    put(b, "SELECT week");
    for (size_t d = 0; d < q->n_dims; d++) {
        put(b, ", CAST(");
        put_ident(b, q->dims[d].name);
        put(b, " AS VARCHAR) AS ");
        put_ident(b, q->dims[d].name);
    }
    for (size_t m = 0; m < q->n_measures; m++) {
        char alias[16];
        snprintf(alias, sizeof alias, "m%zu", m);
        /* Money is summed as whole cents in doubles, counts as doubles: integers below 2^53 add
         * exactly in any order, so parallel aggregation gives the same bits every run, and double
         * adds are much cheaper than the DECIMAL(38,2) (int128) sums of the stored columns. */
        put(b, q->cents[m] ? ", round(CAST((" : ", CAST((");
        put_measure(b, table, q->column[m]);
        put(b, q->cents[m] ? ") AS DOUBLE) * 100) AS " : ") AS DOUBLE) AS ");
        put(b, alias);
    }
    if (all == 2) {
        put(b, ", CAST(region AS VARCHAR), CAST(category_l1 AS VARCHAR) FROM read_parquet($glob, "
               "hive_partitioning = true) WHERE week BETWEEN $first AND $last");
        return;
    }
    put(b, " FROM read_parquet($glob, hive_partitioning = true) WHERE category_l1 = $category");
    put(b, all ? "" : " AND region = $region");
    put(b, " AND week BETWEEN $first AND $last");
}

static size_t dim_index(const query_t *q, const char *name)
{
    for (size_t d = 0; d < q->n_dims; d++) {
        if (strcmp(q->dims[d].name, name) == 0) {
            return d;
        }
    }
    return CL_FRAME_NONE;
}

/* Which measures TABLE gives, from the catalog. */
static int plan_table(query_t *q, int table, const cl_catalog_t *cat, int all, cl_err_t *err)
{
    const dim_def_t *defs = table == T_SALES       ? SALES_DIMS
                            : table == T_ATTRS     ? ATTRS_DIMS
                            : table == T_MARKETING ? MARKETING_DIMS
                                                   : NULL;
    size_t n = table == T_SALES       ? CL_ARRAY_LEN(SALES_DIMS)
               : table == T_ATTRS     ? CL_ARRAY_LEN(ATTRS_DIMS)
               : table == T_MARKETING ? CL_ARRAY_LEN(MARKETING_DIMS)
                                      : 0;
    memset(q, 0, sizeof *q);
    if (all && table != T_ATTRS) {
        q->dims[q->n_dims++] = (dim_def_t){"region", NULL};
    }
    for (size_t i = 0; i < n; i++) {
        dim_def_t d = defs[i];
        if (all && strcmp(d.name, "country") == 0) {
            d.parent = "region";
        }
        q->dims[q->n_dims++] = d;
    }
    q->totals = table != T_ATTRS;
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        if (m->kind != CL_METRIC_ADDITIVE) {
            continue;
        }
        int mine = strcmp(m->table, TABLES[table]) == 0 ||
                   (table == T_ATTRS && strcmp(m->table, "sales_cube") == 0 &&
                    is_attrs_column(m->measure));
        if (!mine) {
            continue;
        }
        if (q->n_measures == MAX_TMEASURES) {
            return cl_err_set(err, CL_ECONFIG, "metric catalog: more than %d measures in %s",
                              MAX_TMEASURES, TABLES[table]);
        }
        q->measure[q->n_measures] = i;
        q->cents[q->n_measures] = m->unit == CL_UNIT_CURRENCY;
        q->column[q->n_measures++] = m->measure;
    }
    return 0;
}

static int check_catalog(const cl_catalog_t *cat, cl_err_t *err)
{
    for (size_t i = 0; i < cl_catalog_count(cat); i++) {
        const cl_metric_t *m = cl_catalog_at(cat, i);
        int known = m->kind != CL_METRIC_ADDITIVE;
        for (int t = 0; t < T_COUNT && !known; t++) {
            known = strcmp(m->table, TABLES[t]) == 0 && t != T_ATTRS;
        }
        if (!known) {
            return cl_err_set(err, CL_ECONFIG,
                              "metric catalog: %s: table %s is not a snapshot table reports read "
                              "(sales_cube, marketing_cube, budget)",
                              m->id, m->table);
        }
    }
    return 0;
}

/* The grain's measures: those of its ids the catalog has and the grain's table carries. */
static void plan_grain(cl_reader_t *r, size_t grain)
{
    const query_t *q = &r->q[0][GRAIN_DEFS[grain].table];
    for (size_t i = 0; GRAIN_DEFS[grain].ids[i]; i++) {
        size_t idx;
        if (!cl_catalog_find(r->cat, GRAIN_DEFS[grain].ids[i], &idx)) {
            continue;
        }
        for (size_t qm = 0; qm < q->n_measures; qm++) {
            if (q->measure[qm] == idx && r->n_leaf_measures[grain] < CL_FRAME_MAX_LEAF_MEASURES) {
                r->leaf_measure[grain][r->n_leaf_measures[grain]++] = idx;
            }
        }
    }
}

#define PULSE_SQL                                                                                  \
    "SELECT week, avg(pulse_index)::DOUBLE FROM read_parquet($glob, hive_partitioning = true) "    \
    "WHERE category_l1 = $category AND week BETWEEN $first AND $last GROUP BY week ORDER BY week"

int cl_reader_open(cl_reader_t **out, cl_db_t *db, const cl_catalog_t *cat, cl_err_t *err)
{
    *out = NULL;
    int rc = check_catalog(cat, err);
    if (rc != 0) {
        return rc;
    }
    cl_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    r->db = db;
    r->cat = cat;
    sql_t *b = malloc(sizeof *b); /* large: not on a worker thread's stack */
    char *sql[2 * T_COUNT] = {NULL};
    size_t n_sql = 0;
    if (!b) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (int all = 0; rc == 0 && all < 2; all++) {
        for (int t = 0; rc == 0 && t < T_COUNT; t++) {
            query_t *q = &r->q[all][t];
            rc = plan_table(q, t, cat, all, err);
            if (rc != 0 || q->n_measures == 0) {
                continue; /* a failed plan ends both loops; a table without measures has no query */
            }
            memset(b, 0, sizeof *b);
            put_inner(b, t, q, all);
            if (rc == 0 && b->overflow) {
                rc = cl_err_set(err, CL_EINTERNAL, "reader: query for %s too long", TABLES[t]);
            }
            rc = rc ? rc : cl_db_prepare(&q->stmt, db, b->s, err);
            if (rc == 0 && !(sql[n_sql++] = strdup(b->s))) {
                rc = cl_err_set(err, CL_ENOMEM, "out of memory");
            }
        }
    }
    free(b);
    for (size_t g = 0; rc == 0 && g < GRAINS; g++) {
        plan_grain(r, g);
    }
    rc = rc ? rc : cl_db_prepare(&r->pulse, db, PULSE_SQL, err);
    if (rc == 0) {
        const char *texts[2 * T_COUNT + 1];
        for (size_t i = 0; i < n_sql; i++) {
            texts[i] = sql[i];
        }
        texts[n_sql] = PULSE_SQL;
        r->fingerprint = fingerprint(r, texts, n_sql + 1);
    }
    for (size_t i = 0; i < n_sql; i++) {
        free(sql[i]);
    }
    if (rc != 0) {
        cl_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void cl_reader_close(cl_reader_t *r)
{
    if (!r) {
        return;
    }
    for (int all = 0; all < 2; all++) {
        for (int t = 0; t < T_COUNT; t++) {
            cl_db_stmt_free(r->q[all][t].stmt);
        }
    }
    cl_db_stmt_free(r->pulse);
    free(r);
}

/* Bind $NAME when the statement has it. */
static int bind(cl_db_stmt_t *st, const char *name, const char *value, cl_err_t *err)
{
    size_t i = 0;
    cl_err_t ignore;
    if (cl_db_param_index(&i, st, name, &ignore) != 0) {
        return 0;
    }
    return cl_db_bind_text(st, i, value, err);
}

static int bind_slice(cl_db_stmt_t *st, const cl_manifest_t *m, const char *table,
                      const char *category, const char *region, cl_err_t *err)
{
    char glob[4200], first[CL_WEEK_KEY_LEN], last[CL_WEEK_KEY_LEN];
    long ri = region ? cl_manifest_region(m, region) : -1;
    if (cl_manifest_glob(glob, sizeof glob, m, table, ri, cl_manifest_category(m, category)) != 0) {
        return cl_err_set(err, CL_EINVAL, "snapshot path is too long");
    }
    cl_week_format(first, m->first_week);
    cl_week_format(last, m->week);
    int rc = bind(st, "glob", glob, err);
    rc = rc ? rc : bind(st, "category", category, err);
    rc = rc ? rc : (region ? bind(st, "region", region, err) : 0);
    rc = rc ? rc : bind(st, "first", first, err);
    return rc ? rc : bind(st, "last", last, err);
}

/* NULL reads as NaN (missing), never as 0 */
static double value(const cl_db_result_t *res, size_t row, size_t col)
{
    return cl_db_result_is_null(res, row, col) ? NAN : cl_db_result_double(res, row, col);
}

static long week_of(const cl_frame_t *f, const cl_db_result_t *res, size_t row, size_t col)
{
    char *text = cl_db_result_text(res, row, col);
    cl_week_t w;
    cl_err_t ignore;
    long idx = text && cl_week_parse(&w, text, &ignore) == 0 ? cl_frame_week_index(f, w) : -1;
    free(text);
    return idx;
}

/* The frame dimensions of Q (created in Q's order: parents first), each carrying Q's measures. */
static int frame_dims(size_t *fdims, cl_frame_t *f, const query_t *q, const unsigned char *usable,
                      cl_err_t *err)
{
    for (size_t d = 0; d < q->n_dims; d++) {
        size_t parent = q->dims[d].parent ? fdims[dim_index(q, q->dims[d].parent)] : CL_FRAME_NONE;
        int rc = cl_frame_add_dim(&fdims[d], f, q->dims[d].name, parent, err);
        if (rc != 0) {
            return rc;
        }
        for (size_t m = 0; m < q->n_measures; m++) {
            if (usable[m]) {
                cl_frame_set_has(f, fdims[d], q->measure[m]);
            }
        }
    }
    return 0;
}

/* Which of Q's measures the snapshot can provide; the others are marked not available (in their
 * own table) or simply not carried (a stand-in table). */
static void availability(unsigned char *usable, cl_frame_t *f, const cl_reader_t *r,
                         const cl_manifest_t *m, int table, const query_t *q)
{
    for (size_t i = 0; i < q->n_measures; i++) {
        const char *col = q->column[i];
        int na;
        if (table == T_MARKETING && (!strcmp(col, "paid_revenue") || !strcmp(col, "paid_orders"))) {
            na = cl_manifest_not_available(m, TABLES[table], "spend") ||
                 cl_manifest_not_available(
                     m, TABLES[table], col[5] == 'r' ? "attributed_revenue" : "attributed_orders");
        } else {
            na = cl_manifest_not_available(m, TABLES[table], col) ||
                 !cl_manifest_has_measure(m, TABLES[table], col);
        }
        usable[i] = !na;
        if (na && strcmp(cl_catalog_at(r->cat, q->measure[i])->table, TABLES[table]) == 0) {
            cl_frame_set_na(f, q->measure[i]);
        }
    }
}

/* The grain whose leaves come from TABLE, or -1. */
static int grain_of(const cl_reader_t *r, int table)
{
    for (int g = 0; g < GRAINS; g++) {
        if (GRAIN_DEFS[g].table == table && r->n_leaf_measures[g]) {
            return g;
        }
    }
    return -1;
}

/* The comparison periods of every window of the snapshot's week, as week keys. */
static void spec_periods(cl_tally_spec_t *spec, const cl_manifest_t *m)
{
    for (size_t win = 0; win < CL_WINDOW_COUNT; win++) {
        cl_window_range_t wr = cl_window_range((cl_window_t)win, m->week);
        cl_week_format(spec->period_lo[2 * win], wr.cur_first);
        cl_week_format(spec->period_hi[2 * win], wr.cur_last);
        cl_week_format(spec->period_lo[2 * win + 1], wr.prev_first);
        cl_week_format(spec->period_hi[2 * win + 1], wr.prev_last);
    }
}

/* The tally of TABLE's rows: Q's dimensions and measures and, for a grain's table, its leaves. */
static int new_tally(cl_tally_t **out, const cl_reader_t *r, const cl_manifest_t *m, int table,
                     const query_t *q, cl_err_t *err)
{
    const char *names[MAX_TDIMS];
    size_t parent[MAX_TDIMS], leaf_measures[CL_FRAME_MAX_LEAF_MEASURES];
    cl_tally_spec_t spec = {.n_dims = q->n_dims,
                            .dims = names,
                            .parent = parent,
                            .n_measures = q->n_measures,
                            .totals = q->totals,
                            .first_week = m->first_week,
                            .n_weeks = m->n_weeks,
                            .leaf_measures = leaf_measures};
    for (size_t d = 0; d < q->n_dims; d++) {
        names[d] = q->dims[d].name;
        parent[d] = q->dims[d].parent ? dim_index(q, q->dims[d].parent) : CL_FRAME_NONE;
    }
    int g = grain_of(r, table);
    if (g >= 0) {
        spec.n_leaf_dims = q->n_dims - GRAIN_DEFS[g].drop_last;
        spec.n_leaf_measures = r->n_leaf_measures[g];
        for (size_t k = 0; k < spec.n_leaf_measures; k++) {
            size_t qm = 0;
            while (qm < q->n_measures && q->measure[qm] != r->leaf_measure[g][k]) {
                qm++;
            }
            leaf_measures[k] = qm; /* plan_grain took only measures Q carries */
        }
        spec_periods(&spec, m);
    }
    return cl_tally_new(out, &spec, err);
}

/* Run Q's statement and sum its rows into *out (new). */
static int tally_rows(cl_tally_t **out, const cl_reader_t *r, const cl_manifest_t *m, int table,
                      const query_t *q, cl_err_t *err)
{
    cl_db_result_t *res = NULL;
    int rc = new_tally(out, r, m, table, q, err);
    rc = rc ? rc : cl_db_stmt_run(&res, q->stmt, err);
    for (cl_db_chunk_t *c = NULL; rc == 0;) {
        rc = cl_db_result_chunk(&c, res, err);
        if (rc != 0 || !c) {
            break;
        }
        rc = cl_tally_add(*out, c, err);
        cl_db_chunk_free(c);
    }
    cl_db_result_free(res);
    return rc;
}

/* Scan TABLE's rows of the slice into *tally (new; stays NULL when the table gives nothing). */
static int scan_table(cl_tally_t **tally, cl_reader_t *r, const cl_manifest_t *m, int table,
                      int all, const char *category, const char *region, cl_err_t *err)
{
    query_t *q = &r->q[all][table];
    if (!q->stmt || !cl_manifest_has_table(m, TABLES[table])) {
        return 0;
    }
    int rc = bind_slice(q->stmt, m, TABLES[table], category, region, err);
    return rc ? rc : tally_rows(tally, r, m, table, q, err);
}

/* TABLE's weekly sums from TALLY into F (nothing when TALLY is NULL: the snapshot lacks the table).
 */
static int load_table(cl_frame_t *f, cl_reader_t *r, const cl_manifest_t *m, int table, int all,
                      size_t *fdims, cl_tally_t *tally, cl_err_t *err)
{
    query_t *q = &r->q[all][table];
    unsigned char usable[MAX_TMEASURES] = {0};
    double scale[MAX_TMEASURES];
    if (!tally) {
        return 0;
    }
    for (size_t k = 0; k < q->n_measures; k++) {
        scale[k] = q->cents[k] ? 100.0 : 1.0;
    }
    availability(usable, f, r, m, table, q);
    int rc = frame_dims(fdims, f, q, usable, err);
    return rc ? rc : cl_tally_write(tally, f, fdims, q->measure, usable, scale, err);
}

static int load_leaves(cl_frame_t *f, cl_reader_t *r, size_t g, int all, const size_t *fdims,
                       cl_tally_t *tally, cl_err_t *err)
{
    const query_t *q = &r->q[all][GRAIN_DEFS[g].table];
    if (!tally || !r->n_leaf_measures[g]) {
        return 0;
    }
    size_t n_dims = q->n_dims - GRAIN_DEFS[g].drop_last, grain = 0;
    size_t nk = r->n_leaf_measures[g];
    double leaf_scale[CL_FRAME_MAX_LEAF_MEASURES];
    for (size_t k = 0; k < nk; k++) {
        leaf_scale[k] =
            cl_catalog_at(r->cat, r->leaf_measure[g][k])->unit == CL_UNIT_CURRENCY ? 100.0 : 1.0;
    }
    int rc = cl_frame_leaf_dims(&grain, f, fdims, n_dims, r->leaf_measure[g], nk, err);
    return rc ? rc : cl_tally_write_leaves(tally, f, grain, fdims, leaf_scale, err);
}
static int load_pulse(cl_frame_t *f, cl_reader_t *r, const cl_manifest_t *m, const char *category,
                      cl_err_t *err)
{
    if (!cl_manifest_has_table(m, "market_pulse")) {
        return 0;
    }
    cl_db_result_t *res = NULL;
    int rc = bind_slice(r->pulse, m, "market_pulse", category, NULL, err);
    rc = rc ? rc : cl_db_stmt_run(&res, r->pulse, err);
    for (size_t row = 0; rc == 0 && row < cl_db_result_rows(res); row++) {
        long w = week_of(f, res, row, 0);
        if (w >= 0) {
            f->pulse[w] = value(res, row, 1);
        }
    }
    cl_db_result_free(res);
    return rc;
}

/* The frame of a slice from its tables' tallies (TALLY[t] NULL: table t not in the snapshot) and
 * its pulse (PULSE: n_weeks values, or NULL to read it). The frame operations run in one fixed
 * order whoever scanned the rows, so the frame is the same whether it is built here per request or
 * in the ETL (report/frames.h). */
static int assemble(cl_frame_t **out, cl_reader_t *r, const cl_manifest_t *m, int all,
                    const char *category, cl_tally_t *const *tally, const double *pulse,
                    cl_err_t *err)
{
    *out = NULL;
    cl_frame_t *f = NULL;
    int rc = cl_frame_new(&f, m->first_week, m->n_weeks, cl_catalog_count(r->cat), err);
    size_t fdims[T_COUNT][MAX_TDIMS];
    for (int t = 0; rc == 0 && t < T_COUNT; t++) {
        rc = load_table(f, r, m, t, all, fdims[t], tally[t], err);
    }
    for (size_t g = 0; rc == 0 && g < GRAINS; g++) {
        int t = GRAIN_DEFS[g].table;
        rc = load_leaves(f, r, g, all, fdims[t], tally[t], err);
    }
    if (rc == 0 && pulse) {
        memcpy(f->pulse, pulse, m->n_weeks * sizeof *pulse);
    } else if (rc == 0) {
        rc = load_pulse(f, r, m, category, err);
    }
    if (rc != 0) {
        cl_frame_free(f);
        if (rc == CL_EINVAL) { /* a row the frame cannot hold is bad data, not a bad request */
            cl_err_wrap(err, "snapshot %s", m->snapshot_id);
            rc = err ? (err->code = CL_EDATA) : CL_EDATA;
        }
        return rc;
    }
    *out = f;
    return 0;
}

/* The slice scanned from its cubes (a snapshot without report frames, or with stale ones). */
static int scan_frame(cl_frame_t **out, cl_reader_t *r, const cl_manifest_t *m,
                      const char *category, const char *region, cl_err_t *err)
{
    int all = region == NULL;
    cl_tally_t *tally[T_COUNT] = {NULL};
    int rc = 0;
    for (int t = 0; rc == 0 && t < T_COUNT; t++) {
        rc = scan_table(&tally[t], r, m, t, all, category, region, err);
    }
    rc = rc ? rc : assemble(out, r, m, all, category, tally, NULL, err);
    for (int t = 0; t < T_COUNT; t++) {
        cl_tally_free(tally[t]);
    }
    if (rc == CL_EINVAL) {
        cl_err_wrap(err, "snapshot %s", m->snapshot_id);
        rc = err ? (err->code = CL_EDATA) : CL_EDATA;
    }
    return rc;
}

int cl_reader_frame_path(char *out, size_t cap, const cl_manifest_t *m, long region, long category)
{
    int n =
        region >= 0
            ? snprintf(out, cap, "%s/" CL_READER_FRAMES_TABLE "/region=%s/category_l1=%s/frame.bin",
                       m->dir, m->raw_regions[region], m->raw_categories[category])
            : snprintf(out, cap, "%s/" CL_READER_FRAMES_TABLE "/all/category_l1=%s/frame.bin",
                       m->dir, m->raw_categories[category]);
    return n >= 0 && (size_t)n < cap ? 0 : -1;
}

uint64_t cl_reader_fingerprint(const cl_reader_t *r)
{
    return r->fingerprint;
}

int cl_reader_frame(cl_frame_t **out, cl_reader_t *r, const cl_manifest_t *m, const char *category,
                    const char *region, cl_err_t *err)
{
    *out = NULL;
    long ci = cl_manifest_category(m, category), ri = region ? cl_manifest_region(m, region) : -1;
    char path[4200];
    if (ci >= 0 && (!region || ri >= 0) && cl_manifest_has_table(m, CL_READER_FRAMES_TABLE) &&
        cl_reader_frame_path(path, sizeof path, m, ri, ci) == 0) {
        cl_err_t why;
        int rc = cl_framefile_read(out, path, r->fingerprint, &why);
        if (rc == 0 || (rc != CL_ENOTFOUND && rc != CL_ECONFLICT)) {
            if (rc != 0 && err) {
                *err = why;
            }
            return rc;
        }
        /* a frame built for another catalog (or a slice without one) is never misread: scan */
        cl_logf(CL_LOG_DEBUG, "report", "frame_fallback", "%s: %s; scanning the cubes",
                m->snapshot_id, why.msg);
    }
    return scan_frame(out, r, m, category, region, err);
}

/* ---- the ETL side: every slice's frame from one scan per table ------------------------------ */

typedef struct {
    cl_reader_t *r;
    const cl_manifest_t *m;
    size_t n_slices;  /* n_regions × n_categories (one region) + n_categories (every region) */
    cl_tally_t **tal; /* n_slices × T_COUNT, NULL where the slice does not exist */
    double *pulse;    /* n_categories × n_weeks */
    /* per chunk */
    long *key_r, *key_c;
    uint32_t *sel;
    unsigned char *done;
    size_t cap;
    /* the last region / category text seen and its index */
    char last_r[512], last_c[512];
    long last_ri, last_ci;
} build_t;

static int bind_all(cl_db_stmt_t *st, const cl_manifest_t *m, const char *table, cl_err_t *err)
{
    char glob[4200], first[CL_WEEK_KEY_LEN], last[CL_WEEK_KEY_LEN];
    if (snprintf(glob, sizeof glob, "%s/%s/**/*.parquet", m->dir, table) >= (int)sizeof glob) {
        return cl_err_set(err, CL_EINVAL, "snapshot path is too long");
    }
    cl_week_format(first, m->first_week);
    cl_week_format(last, m->week);
    int rc = bind(st, "glob", glob, err);
    rc = rc ? rc : bind(st, "first", first, err);
    return rc ? rc : bind(st, "last", last, err);
}

/* The manifest index of the text P[0..LEN) (one column of a row), through a one-entry cache. */
static long lookup(const cl_manifest_t *m, int region, const char *p, uint32_t len, char *last,
                   long *last_idx)
{
    if (!p || len >= 512) {
        return -1;
    }
    if (*last_idx != -2 && strlen(last) == len && memcmp(last, p, len) == 0) {
        return *last_idx;
    }
    memcpy(last, p, len);
    last[len] = '\0';
    *last_idx = region ? cl_manifest_region(m, last) : cl_manifest_category(m, last);
    return *last_idx;
}

/* Add the rows of chunk C of TABLE to their slices' tallies: the one-region tally (COLS maps its
 * columns, the region dimension left out) and the every-region tally of the row's category. */
static int route(build_t *b, int table, const cl_db_chunk_t *c, const size_t *cols, size_t rcol,
                 cl_err_t *err)
{
    size_t rows = cl_db_chunk_rows(c), nc = b->m->n_categories;
    if (rows == 0) {
        return 0; /* nothing to route, and malloc(0) may be NULL */
    }
    if (rows > b->cap) {
        free(b->key_r);
        free(b->key_c);
        free(b->sel);
        free(b->done);
        b->key_r = malloc(rows * sizeof *b->key_r);
        b->key_c = malloc(rows * sizeof *b->key_c);
        b->sel = malloc(rows * sizeof *b->sel);
        b->done = malloc(rows);
        b->cap = b->key_r && b->key_c && b->sel && b->done ? rows : 0;
        if (!b->cap) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
    }
    const char **pr = malloc(rows * sizeof *pr), **pc = malloc(rows * sizeof *pc);
    uint32_t *lr = malloc(rows * sizeof *lr), *lc = malloc(rows * sizeof *lc);
    int rc = pr && pc && lr && lc ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    rc = rc ? rc : cl_db_chunk_texts(pr, lr, c, rcol, err);
    rc = rc ? rc : cl_db_chunk_texts(pc, lc, c, rcol + 1, err);
    for (size_t i = 0; rc == 0 && i < rows; i++) {
        long ci = lookup(b->m, 0, pc[i], lc[i], b->last_c, &b->last_ci);
        long ri = lookup(b->m, 1, pr[i], lr[i], b->last_r, &b->last_ri);
        b->key_c[i] = ci < 0 ? -1 : (long)(b->m->n_regions * nc) + ci;
        b->key_r[i] = ci >= 0 && ri >= 0 && b->m->pairs[(size_t)ri * nc + (size_t)ci]
                          ? ri * (long)nc + ci
                          : -1;
    }
    free(pr);
    free(pc);
    free(lr);
    free(lc);
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        const long *key = pass == 0 ? b->key_r : b->key_c;
        memset(b->done, 0, rows);
        for (size_t i = 0; rc == 0 && i < rows; i++) {
            if (b->done[i] || key[i] < 0) {
                continue;
            }
            size_t n = 0;
            for (size_t j = i; j < rows; j++) {
                if (key[j] == key[i]) {
                    b->sel[n++] = (uint32_t)j;
                    b->done[j] = 1;
                }
            }
            cl_tally_t *t = b->tal[(size_t)key[i] * T_COUNT + (size_t)table];
            rc = t ? cl_tally_add_rows(t, c, pass == 0 ? cols : NULL, b->sel, n, err) : 0;
        }
    }
    return rc;
}

/* One scan of TABLE's files into every slice's tally. */
static int build_table(build_t *b, int table, cl_err_t *err)
{
    cl_reader_t *r = b->r;
    const cl_manifest_t *m = b->m;
    const query_t *q1 = &r->q[1][table], *q0 = &r->q[0][table];
    if (!q1->stmt || !cl_manifest_has_table(m, TABLES[table])) {
        return 0;
    }
    size_t off = q1->n_dims - q0->n_dims, nc = m->n_categories;
    size_t cols[1 + MAX_TDIMS + MAX_TMEASURES];
    cols[0] = 0;
    for (size_t d = 0; d < q0->n_dims; d++) {
        cols[1 + d] = 1 + off + d; /* the all-regions plan is this one with region in front */
    }
    for (size_t k = 0; k < q0->n_measures; k++) {
        cols[1 + q0->n_dims + k] = 1 + q1->n_dims + k;
    }
    int rc = 0;
    for (size_t s = 0; rc == 0 && s < b->n_slices; s++) {
        int all = s >= m->n_regions * nc;
        size_t ci = all ? s - m->n_regions * nc : s % nc;
        int exists = all ? cl_manifest_has_slice(m, -1, (long)ci) : m->pairs[s];
        rc = exists
                 ? new_tally(&b->tal[s * T_COUNT + (size_t)table], r, m, table, all ? q1 : q0, err)
                 : 0;
    }
    sql_t *sq = calloc(1, sizeof *sq);
    cl_db_stmt_t *st = NULL;
    cl_db_result_t *res = NULL;
    if (rc == 0 && !sq) {
        rc = cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        put_inner(sq, table, q1, 2);
        rc = sq->overflow
                 ? cl_err_set(err, CL_EINTERNAL, "reader: scan of %s too long", TABLES[table])
                 : 0;
    }
    rc = rc ? rc : cl_db_prepare(&st, r->db, sq->s, err);
    rc = rc ? rc : bind_all(st, m, TABLES[table], err);
    rc = rc ? rc : cl_db_stmt_run(&res, st, err);
    b->last_ri = b->last_ci = -2;
    for (cl_db_chunk_t *c = NULL; rc == 0;) {
        rc = cl_db_result_chunk(&c, res, err);
        if (rc != 0 || !c) {
            break;
        }
        rc = route(b, table, c, cols, 1 + q1->n_dims + q1->n_measures, err);
        cl_db_chunk_free(c);
    }
    cl_db_result_free(res);
    cl_db_stmt_free(st);
    free(sq);
    return rc;
}

static int build_pulse(build_t *b, cl_err_t *err)
{
    const cl_manifest_t *m = b->m;
    if (!cl_manifest_has_table(m, "market_pulse")) {
        return 0;
    }
    cl_db_stmt_t *st = NULL;
    cl_db_result_t *res = NULL;
    int rc = cl_db_prepare(&st, b->r->db,
                           "SELECT CAST(category_l1 AS VARCHAR), week, avg(pulse_index)::DOUBLE "
                           "FROM read_parquet($glob, hive_partitioning = true) WHERE week BETWEEN "
                           "$first AND $last GROUP BY ALL ORDER BY ALL",
                           err);
    rc = rc ? rc : bind_all(st, m, "market_pulse", err);
    rc = rc ? rc : cl_db_stmt_run(&res, st, err);
    for (size_t row = 0; rc == 0 && row < cl_db_result_rows(res); row++) {
        char *cat = cl_db_result_text(res, row, 0), *wk = cl_db_result_text(res, row, 1);
        long ci = cat ? cl_manifest_category(m, cat) : -1;
        cl_week_t w;
        cl_err_t ignore;
        long k = wk && cl_week_parse(&w, wk, &ignore) == 0
                     ? (long)cl_week_index(w) - (long)cl_week_index(m->first_week)
                     : -1;
        if (ci >= 0 && k >= 0 && k < (long)m->n_weeks) {
            b->pulse[(size_t)ci * m->n_weeks + (size_t)k] = value(res, row, 2);
        }
        free(cat);
        free(wk);
    }
    cl_db_result_free(res);
    cl_db_stmt_free(st);
    return rc;
}

/* Write slice S's frame file and free its tallies. */
static int write_slice(build_t *b, size_t s, size_t *n_frames, cl_err_t *err)
{
    const cl_manifest_t *m = b->m;
    size_t nc = m->n_categories;
    int all = s >= m->n_regions * nc;
    size_t ci = all ? s - m->n_regions * nc : s % nc;
    long ri = all ? -1 : (long)(s / nc);
    if (all ? !cl_manifest_has_slice(m, -1, (long)ci) : !m->pairs[s]) {
        return 0;
    }
    cl_frame_t *f = NULL;
    char path[4200];
    int rc = assemble(&f, b->r, m, all, m->categories[ci], &b->tal[s * T_COUNT],
                      &b->pulse[ci * m->n_weeks], err);
    if (rc == 0 && cl_reader_frame_path(path, sizeof path, m, ri, (long)ci) != 0) {
        rc = cl_err_set(err, CL_EINVAL, "snapshot path is too long");
    }
    if (rc == 0) {
        char *slash = strrchr(path, '/');
        *slash = '\0';
        rc = cl_file_mkdirs(path, err);
        *slash = '/';
    }
    rc = rc ? rc : cl_framefile_write(path, f, b->r->fingerprint, err);
    cl_frame_free(f);
    for (int t = 0; t < T_COUNT; t++) {
        cl_tally_free(b->tal[s * T_COUNT + (size_t)t]);
        b->tal[s * T_COUNT + (size_t)t] = NULL;
    }
    *n_frames += rc == 0;
    return rc;
}

int cl_reader_build_frames(size_t *n_frames, cl_reader_t *r, const cl_manifest_t *m, cl_err_t *err)
{
    *n_frames = 0;
    build_t b = {.r = r, .m = m, .n_slices = m->n_regions * m->n_categories + m->n_categories};
    b.tal = calloc(b.n_slices * T_COUNT, sizeof(cl_tally_t *));
    b.pulse = malloc(m->n_categories * m->n_weeks * sizeof *b.pulse + 1);
    int rc = b.tal && b.pulse ? 0 : cl_err_set(err, CL_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < m->n_categories * m->n_weeks; i++) {
        b.pulse[i] = NAN;
    }
    for (int t = 0; rc == 0 && t < T_COUNT; t++) {
        rc = build_table(&b, t, err);
    }
    rc = rc ? rc : build_pulse(&b, err);
    for (size_t s = 0; rc == 0 && s < b.n_slices; s++) {
        rc = write_slice(&b, s, n_frames, err);
    }
    for (size_t i = 0; b.tal && i < b.n_slices * T_COUNT; i++) {
        cl_tally_free(b.tal[i]);
    }
    free(b.tal);
    free(b.pulse);
    free(b.key_r);
    free(b.key_c);
    free(b.sel);
    free(b.done);
    if (rc == CL_EINVAL) {
        cl_err_wrap(err, "snapshot %s", m->snapshot_id);
        rc = err ? (err->code = CL_EDATA) : CL_EDATA;
    }
    return rc;
}
