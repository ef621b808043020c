/* source_fixture.h — a tiny, deterministic source tree in the layout of docs/data-model.md, for
 * ETL tests: WEEKS weeks ending at LAST_WEEK, 3 regions, 3 category L1s (5 L2s), ~12 orders a day.
 * Options drop a day from one table or end the watermark early, to exercise partial-data rules.
 * Test-only: values are trusted and paths are quoted with cl_db_quote_literal. */
#ifndef CL_TEST_SOURCE_FIXTURE_H
#define CL_TEST_SOURCE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/file.h"
#include "warehouse/db.h"

typedef struct {
    const char *last_week;      /* e.g. "2026-W47" */
    int weeks;                  /* weeks of data ending at last_week */
    const char *drop_day_table; /* NULL, or "orders" / "sessions_daily" / ...: drop the last day */
    int watermark_days_short;   /* watermark ends this many days before the last Sunday */
    int pulse_json;             /* write market_pulse.json instead of .csv */
    int orders_per_day;         /* 0: 12 */
} fixture_opts_t;

/* The generating SQL: dimension values derive from hash(i) so the data is the same every time. */
static const char *const FIXTURE_SQL[] = {
    "CREATE TABLE dims AS SELECT * FROM (VALUES "
    "(0,'north_america','US','Chicago'),(1,'europe','DE','Berlin'),(2,'asia','JP','Tokyo')) "
    "t(idx,region,country,city)",
    "CREATE TABLE cats AS SELECT * FROM (VALUES (0,'electronics','phones'),"
    "(1,'electronics','laptops'),(2,'books','fiction'),(3,'books','comics'),(4,'toys','lego')) "
    "t(idx,category_l1,category_l2)",
    "CREATE TABLE traffic AS SELECT * FROM (VALUES (0,'paid_search','google_ads','brand_q4'),"
    "(1,'organic','seo',NULL),(2,'email','newsletter','nl_weekly')) "
    "t(idx,traffic_l1,traffic_l2,campaign)",
    "CREATE TABLE days AS SELECT d::DATE AS day, strftime(d::DATE, '%G-W%V') AS week "
    "FROM generate_series($first::DATE, $last::DATE, INTERVAL 1 DAY) g(d)",
    "CREATE TABLE orders AS SELECT (row_number() OVER (ORDER BY day, k))::BIGINT AS order_id, "
    "day::TIMESTAMP + INTERVAL (k * 97 % 86000) SECOND AS order_ts, day AS order_date, week, "
    "'c_' || lpad(to_hex((hash(k % 9, day) % 4096)::BIGINT), 3, '0') AS customer_id, "
    "CASE WHEN k % 3 = 0 THEN 'new' ELSE 'returning' END AS customer_type, "
    "d.region, d.country, d.city, CASE WHEN k % 2 = 0 THEN 'web' ELSE 'app' END AS channel, "
    "CASE WHEN k % 2 = 0 THEN 'desktop' ELSE 'mobile' END AS device_type, "
    "CASE WHEN k % 2 = 0 THEN 'windows' ELSE 'ios' END AS device_os, "
    "t.traffic_l1, t.traffic_l2, t.campaign, "
    "['card','wallet','bnpl'][k % 3 + 1] AS payment_method, "
    "['standard','express'][k % 2 + 1] AS fulfilment "
    "FROM days, range($per_day::BIGINT) r(k), dims d, traffic t "
    "WHERE d.idx = hash(k, day) % 3 AND t.idx = hash(k, day, 7) % 3",
    "CREATE TABLE order_lines AS SELECT o.order_id, n::INTEGER AS line_no, o.order_date, o.week, "
    "'p' || (hash(o.order_id, n) % 50)::VARCHAR AS product_id, c.category_l1, c.category_l2, "
    "c.category_l2 || '_x' AS category_l3, ['first_party','gold'][n % 2 + 1] AS seller_tier, "
    "['budget','premium'][o.order_id % 2 + 1] AS price_band, (o.order_id + n) % 4 = 0 AS "
    "promo_flag, "
    "(1 + (o.order_id * n) % 3)::INTEGER AS units, "
    "((10 + (o.order_id * 7 + n * 13) % 90) + 0.99)::DECIMAL(18,2) AS gross_revenue, "
    "((o.order_id + n) % 4 = 0)::INTEGER * 2.50::DECIMAL(18,2) AS discount, "
    "(((o.order_id + n) % 11 = 0)::INTEGER)::INTEGER AS returned_units, "
    "((o.order_id + n) % 11 = 0)::INTEGER * 9.99::DECIMAL(18,2) AS returned_revenue "
    "FROM orders o, range(1, 3) r(n), cats c "
    "WHERE (n = 1 OR o.order_id % 2 = 0) AND c.idx = hash(o.order_id, n) % 5",
    "CREATE TABLE sessions_daily AS SELECT day AS session_date, week, d.region, d.country, d.city, "
    "ch AS channel, CASE WHEN ch = 'web' THEN 'desktop' ELSE 'mobile' END AS device_type, "
    "CASE WHEN ch = 'web' THEN 'windows' ELSE 'ios' END AS device_os, t.traffic_l1, t.traffic_l2, "
    "ct AS customer_type, c.category_l1, c.category_l2, "
    "(20 + hash(day, d.region, c.category_l2, ch, ct, t.traffic_l1) % 50)::BIGINT AS sessions, "
    "(40 + hash(day, c.category_l2, ch) % 80)::BIGINT AS product_views, "
    "(5 + hash(day, d.region, ct) % 10)::BIGINT AS add_to_carts "
    "FROM days, dims d, cats c, traffic t, (VALUES ('web'),('app')) a(ch), "
    "(VALUES ('new'),('returning')) b(ct)",
    "CREATE TABLE marketing_spend AS SELECT day AS spend_date, week, d.region, d.country, "
    "c.category_l1, t.traffic_l1, t.traffic_l2, t.campaign, "
    "(1000 + hash(day, d.region, c.category_l1) % 500)::BIGINT AS impressions, "
    "(30 + hash(day, c.category_l1) % 40)::BIGINT AS clicks, "
    "((50 + hash(day, d.region) % 40) + 0.25)::DECIMAL(18,2) AS spend "
    "FROM days, dims d, (SELECT DISTINCT category_l1 FROM cats) c, traffic t "
    "WHERE t.campaign IS NOT NULL",
    "CREATE TABLE budgets AS SELECT DISTINCT week, d.region, c.category_l1, "
    "(500 + length(d.region) * 10)::DECIMAL(18,2) AS marketing_budget, "
    "(9000 + length(c.category_l1) * 100)::DECIMAL(18,2) AS revenue_target "
    "FROM days, dims d, cats c",
    "CREATE TABLE market_pulse AS SELECT DISTINCT c.category_l1, week, "
    "100.0 + (hash(week, c.category_l1) % 100) / 10.0 AS pulse_index, 'fixture' AS source "
    "FROM days, cats c",
};

static inline int fixture_exec(cl_db_t *db, const char *sql, const char *first, const char *last,
                               const char *per_day)
{
    cl_db_stmt_t *st = NULL;
    cl_err_t err;
    size_t i = 0;
    int rc = cl_db_prepare(&st, db, sql, &err);
    if (rc == 0 && cl_db_param_index(&i, st, "first", &err) == 0) {
        rc = cl_db_bind_text(st, i, first, &err);
    }
    if (rc == 0 && cl_db_param_index(&i, st, "last", &err) == 0) {
        rc = cl_db_bind_text(st, i, last, &err);
    }
    if (rc == 0 && cl_db_param_index(&i, st, "per_day", &err) == 0) {
        rc = cl_db_bind_text(st, i, per_day, &err);
    }
    rc = rc ? rc : cl_db_stmt_run(NULL, st, &err);
    cl_db_stmt_free(st);
    if (rc != 0) {
        fprintf(stderr, "fixture: %s\n", err.msg);
    }
    return rc;
}

static inline int fixture_copy(cl_db_t *db, const char *dir, const char *table, int partitioned)
{
    char path[1024], lit[1100], sql[1400];
    cl_err_t err;
    if (partitioned) {
        snprintf(path, sizeof path, "%s/%s", dir, table);
    } else {
        snprintf(path, sizeof path, "%s/%s/%s.parquet", dir, table, table);
        snprintf(sql, sizeof sql, "%s/%s", dir, table);
        if (cl_file_mkdirs(sql, &err) != 0) {
            return -1;
        }
    }
    if (cl_db_quote_literal(lit, sizeof lit, path, &err) != 0) {
        return -1;
    }
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM %s ORDER BY ALL) TO %s (FORMAT parquet%s)",
             table, lit, partitioned ? ", PARTITION_BY (week), FILENAME_PATTERN 'part-{i}'" : "");
    return fixture_exec(db, sql, NULL, NULL, NULL);
}

static inline int fixture_write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    cl_err_t err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return cl_file_write_atomic(path, text, strlen(text), &err);
}

/* Write the source tree into DIR (created). Returns 0 or -1 (message on stderr). */
static inline int fixture_make_source(const char *dir, const fixture_opts_t *o)
{
    cl_week_t last;
    cl_err_t err;
    if (cl_week_parse(&last, o->last_week, &err) != 0 || cl_file_mkdirs(dir, &err) != 0) {
        return -1;
    }
    int64_t first_day = cl_week_monday(cl_week_add(last, -(o->weeks - 1)));
    int64_t last_day = cl_week_monday(last) + 6;
    char first[16], lastd[16];
    int y, m, d;
    cl_civil_from_days(first_day, &y, &m, &d);
    snprintf(first, sizeof first, "%04d-%02d-%02d", y, m, d);
    cl_civil_from_days(last_day, &y, &m, &d);
    snprintf(lastd, sizeof lastd, "%04d-%02d-%02d", y, m, d);
    char per_day[16];
    snprintf(per_day, sizeof per_day, "%d", o->orders_per_day > 0 ? o->orders_per_day : 12);
    cl_db_t *db = NULL;
    cl_db_options_t dbo = {.threads = 1, .memory_limit = "1GB"};
    int rc = cl_db_open(&db, NULL, &dbo, &err);
    for (size_t i = 0; rc == 0 && i < sizeof FIXTURE_SQL / sizeof FIXTURE_SQL[0]; i++) {
        rc = fixture_exec(db, FIXTURE_SQL[i], first, lastd, per_day);
    }
    if (rc == 0 && o->drop_day_table) {
        const char *col = strcmp(o->drop_day_table, "sessions_daily") == 0    ? "session_date"
                          : strcmp(o->drop_day_table, "marketing_spend") == 0 ? "spend_date"
                                                                              : "order_date";
        char sql[256];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = $last::DATE", o->drop_day_table, col);
        rc = fixture_exec(db, sql, first, lastd, per_day);
    }
    const char *tables[] = {"orders", "order_lines", "sessions_daily", "marketing_spend"};
    for (size_t i = 0; rc == 0 && i < 4; i++) {
        rc = fixture_copy(db, dir, tables[i], 1);
    }
    rc = rc ? rc : fixture_copy(db, dir, "budgets", 0);
    char path[1024], lit[1100], sql[1400];
    snprintf(path, sizeof path, "%s/market_pulse/market_pulse.%s", dir,
             o->pulse_json ? "json" : "csv");
    if (rc == 0) {
        snprintf(sql, sizeof sql, "%s/market_pulse", dir);
        rc = cl_file_mkdirs(sql, &err);
        rc = rc ? rc : cl_db_quote_literal(lit, sizeof lit, path, &err);
        snprintf(sql, sizeof sql,
                 "COPY (SELECT * FROM market_pulse ORDER BY ALL) TO %s (FORMAT %s%s)", lit,
                 o->pulse_json ? "json, ARRAY true" : "csv", o->pulse_json ? "" : ", HEADER");
        rc = rc ? rc : fixture_exec(db, sql, NULL, NULL, NULL);
    }
    cl_db_close(db);
    if (rc != 0) {
        return -1;
    }
    char wm[512];
    int64_t end = (last_day + 1 - o->watermark_days_short) * 86400 - 1;
    int64_t wd = end / 86400;
    cl_civil_from_days(wd, &y, &m, &d);
    snprintf(wm, sizeof wm,
             "{\"loaded_through\": \"%04d-%02d-%02dT23:59:59Z\", \"tables\": {\"orders\": "
             "\"%04d-%02d-%02dT23:59:59Z\", \"sessions_daily\": {\"loaded_through\": "
             "\"%04d-%02d-%02dT23:59:59Z\"}}}\n",
             y, m, d, y, m, d, y, m, d);
    return fixture_write_text(dir, "_watermark.json", wm);
}

#endif
