/* demo_tables.c — ENUM dictionaries, week tables and their Parquet export for demo data. The SQL
 * is built from the model's constant tables (trusted program data, quoted with
 * cl_db_quote_literal all the same); no outside value reaches it but the output path. */
#include "etl/demo_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"

static int add(cl_demo_dicts_t *d, cl_demo_dict_t which, const char *value)
{
    for (int i = 0; i < d->n[which]; i++) {
        if (strcmp(d->values[which][i], value) == 0) {
            return i;
        }
    }
    d->values[which][d->n[which]] = value;
    return d->n[which]++;
}

void cl_demo_dicts_init(cl_demo_dicts_t *d)
{
    static const char *const os[] = {"ios", "android", "windows", "macos", "linux", "ipados"};
    static const char *const fulfil[] = {"standard", "express", "pickup", "marketplace"};
    memset(d, 0, sizeof *d);
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        add(d, CL_DEMO_D_REGION, cl_demo_regions[r].id);
    }
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        add(d, CL_DEMO_D_COUNTRY, cl_demo_countries[c].code);
        d->city_base[c] = d->n[CL_DEMO_D_CITY];
        for (int i = 0; i < cl_demo_countries[c].n_cities; i++) {
            d->values[CL_DEMO_D_CITY][d->n[CL_DEMO_D_CITY]++] = cl_demo_countries[c].cities[i];
        }
    }
    for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
        d->channel[k] = (uint8_t)add(d, CL_DEMO_D_CHANNEL, cl_demo_devchans[k].channel);
        d->device_type[k] = (uint8_t)add(d, CL_DEMO_D_DEVICE_TYPE, cl_demo_devchans[k].device_type);
    }
    for (size_t i = 0; i < 6; i++) {
        add(d, CL_DEMO_D_DEVICE_OS, os[i]);
    }
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        const cl_demo_traffic_t *tr = &cl_demo_traffic[t];
        d->traffic_l1[t] = (uint8_t)add(d, CL_DEMO_D_TRAFFIC_L1, tr->l1);
        add(d, CL_DEMO_D_TRAFFIC_L2, tr->l2);
        d->campaign_base[t] = d->n[CL_DEMO_D_CAMPAIGN];
        for (int j = 0; j < tr->n_campaigns; j++) {
            d->values[CL_DEMO_D_CAMPAIGN][d->n[CL_DEMO_D_CAMPAIGN]++] = tr->campaigns[j];
        }
    }
    for (int i = 0; i < CL_DEMO_PAYMENTS; i++) {
        add(d, CL_DEMO_D_PAYMENT, cl_demo_payments[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        add(d, CL_DEMO_D_FULFILMENT, fulfil[i]);
    }
    for (int i = 0; i < CL_DEMO_CTYPES; i++) {
        add(d, CL_DEMO_D_CTYPE, cl_demo_ctypes[i]);
    }
    for (int i = 0; i < CL_DEMO_L1; i++) {
        add(d, CL_DEMO_D_L1, cl_demo_l1s[i].id);
    }
    for (int i = 0; i < CL_DEMO_L2; i++) {
        add(d, CL_DEMO_D_L2, cl_demo_l2s[i].id);
    }
    for (int i = 0; i < CL_DEMO_L3; i++) {
        add(d, CL_DEMO_D_L3, cl_demo_l3s[i].id);
    }
    for (int i = 0; i < CL_DEMO_TIERS; i++) {
        add(d, CL_DEMO_D_TIER, cl_demo_tiers[i]);
    }
    for (int i = 0; i < CL_DEMO_BANDS; i++) {
        add(d, CL_DEMO_D_BAND, cl_demo_bands[i]);
    }
}

static const char *const TYPE_NAMES[CL_DEMO_D_COUNT] = {
    "e_region",     "e_country",    "e_city",     "e_channel", "e_device_type", "e_device_os",
    "e_traffic_l1", "e_traffic_l2", "e_campaign", "e_payment", "e_fulfilment",  "e_ctype",
    "e_l1",         "e_l2",         "e_l3",       "e_tier",    "e_band",
};

static int create_types(cl_db_t *db, const cl_demo_dicts_t *d, cl_err_t *err)
{
    char sql[8192], lit[128];
    int rc = 0;
    for (int t = 0; t < CL_DEMO_D_COUNT && rc == 0; t++) {
        size_t len = (size_t)snprintf(sql, sizeof sql, "CREATE TYPE %s AS ENUM (", TYPE_NAMES[t]);
        for (int i = 0; i < d->n[t] && rc == 0; i++) {
            rc = cl_db_quote_literal(lit, sizeof lit, d->values[t][i], err);
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", i ? ", " : "", lit);
        }
        if (rc == 0 && len + 2 >= sizeof sql) {
            rc = cl_err_set(err, CL_EINTERNAL, "ENUM %s too long", TYPE_NAMES[t]);
        }
        if (rc == 0) {
            snprintf(sql + len, sizeof sql - len, ")");
            rc = cl_db_exec(db, sql, err);
        }
    }
    return rc;
}

static const char TABLE_DDL[] =
    "CREATE OR REPLACE TABLE orders (order_id BIGINT, order_ts TIMESTAMP, order_date DATE, "
    "customer_key BIGINT, customer_type e_ctype, region e_region, country e_country, city e_city, "
    "channel e_channel, device_type e_device_type, device_os e_device_os, "
    "traffic_l1 e_traffic_l1, traffic_l2 e_traffic_l2, campaign e_campaign, "
    "payment_method e_payment, fulfilment e_fulfilment);"
    "CREATE OR REPLACE TABLE order_lines (order_id BIGINT, line_no INTEGER, order_date DATE, "
    "sku INTEGER, category_l1 e_l1, category_l2 e_l2, category_l3 e_l3, seller_tier e_tier, "
    "price_band e_band, promo_flag BOOLEAN, units INTEGER, gross_revenue DECIMAL(18,2), "
    "discount DECIMAL(18,2), returned_units INTEGER, returned_revenue DECIMAL(18,2));"
    "CREATE OR REPLACE TABLE sessions_daily (session_date DATE, region e_region, "
    "country e_country, city e_city, channel e_channel, device_type e_device_type, "
    "device_os e_device_os, traffic_l1 e_traffic_l1, traffic_l2 e_traffic_l2, "
    "customer_type e_ctype, category_l1 e_l1, category_l2 e_l2, sessions BIGINT, "
    "product_views BIGINT, add_to_carts BIGINT);"
    "CREATE OR REPLACE TABLE marketing_spend (spend_date DATE, region e_region, "
    "country e_country, category_l1 e_l1, traffic_l1 e_traffic_l1, traffic_l2 e_traffic_l2, "
    "campaign e_campaign, impressions BIGINT, clicks BIGINT, spend DECIMAL(18,2));";

int cl_demo_tables_create(cl_db_t *db, const cl_demo_dicts_t *d, cl_err_t *err)
{
    int rc = create_types(db, d, err);
    return rc ? rc : cl_db_exec(db, TABLE_DDL, err);
}

/* The export of each table: the layout's columns. An ENUM column is written as a plain string
 * column (from its dictionary, without hashing every value), so readers see VARCHAR. */
static const struct {
    const char *table, *select;
} EXPORTS[4] = {
    {"orders",
     "SELECT order_id, order_ts, order_date, 'c_' || lower(lpad(to_hex(customer_key), 16, '0')) "
     "AS customer_id, customer_type, region, "
     "country, city, channel, "
     "device_type, device_os, "
     "traffic_l1, traffic_l2, "
     "campaign, payment_method, "
     "fulfilment FROM orders"},
    {"order_lines",
     "SELECT order_id, line_no, order_date, 'sku-' || lpad((sku // 1000)::VARCHAR, 2, '0') || '-' "
     "|| lpad((sku % 1000)::VARCHAR, 3, '0') AS product_id, category_l1, "
     "category_l2, category_l3, "
     "seller_tier, price_band, promo_flag, units, "
     "gross_revenue, discount, returned_units, returned_revenue FROM order_lines"},
    {"sessions_daily", "SELECT session_date, region, country, "
                       "city, channel, device_type, "
                       "device_os, traffic_l1, "
                       "traffic_l2, customer_type, "
                       "category_l1, category_l2, sessions, "
                       "product_views, add_to_carts FROM sessions_daily"},
    {"marketing_spend", "SELECT spend_date, region, country, "
                        "category_l1, traffic_l1, "
                        "traffic_l2, campaign, impressions, clicks, spend "
                        "FROM marketing_spend"},
};

int cl_demo_tables_write_week(cl_db_t *db, const char *dir, const char *week, cl_err_t *err)
{
    char folder[4096], path[4200], lit[4300], sql[6000];
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        snprintf(folder, sizeof folder, "%s/%s/week=%s", dir, EXPORTS[i].table, week);
        snprintf(path, sizeof path, "%s/part-0.parquet", folder);
        rc = cl_file_mkdirs(folder, err);
        rc = rc ? rc : cl_db_quote_literal(lit, sizeof lit, path, err);
        if (rc == 0) {
            snprintf(sql, sizeof sql,
                     "COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)",
                     EXPORTS[i].select, lit);
            rc = cl_db_exec(db, sql, err);
        }
    }
    /* new empty tables: the memory of the week goes back at once */
    return rc ? rc : cl_db_exec(db, TABLE_DDL, err);
}
