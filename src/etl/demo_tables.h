/* demo_tables.h — the tables of one demo week inside DuckDB and their export to the source
 * layout of docs/data-model.md.
 *
 * Repeated strings (region, category, traffic source, ...) are stored as DuckDB ENUMs while a week
 * is generated, so the generator appends small integers, not text (about twice as fast); the
 * Parquet export writes them as plain strings, exactly the columns and types the layout names.
 * Owns the dictionaries: the value of every index the generator appends. Thread safety: a
 * cl_demo_dicts_t is built once and read by every thread; each thread uses its own cl_db_t. */
#ifndef CL_ETL_DEMO_TABLES_H
#define CL_ETL_DEMO_TABLES_H

#include <stdint.h>

#include "core/err.h"
#include "etl/demo_model.h"
#include "warehouse/db.h"

typedef enum {
    CL_DEMO_D_REGION = 0,
    CL_DEMO_D_COUNTRY,
    CL_DEMO_D_CITY,
    CL_DEMO_D_CHANNEL,
    CL_DEMO_D_DEVICE_TYPE,
    CL_DEMO_D_DEVICE_OS,
    CL_DEMO_D_TRAFFIC_L1,
    CL_DEMO_D_TRAFFIC_L2,
    CL_DEMO_D_CAMPAIGN,
    CL_DEMO_D_PAYMENT,
    CL_DEMO_D_FULFILMENT,
    CL_DEMO_D_CTYPE,
    CL_DEMO_D_L1,
    CL_DEMO_D_L2,
    CL_DEMO_D_L3,
    CL_DEMO_D_TIER,
    CL_DEMO_D_BAND,
    CL_DEMO_D_COUNT
} cl_demo_dict_t;

#define CL_DEMO_DICT_MAX 96

/* Device OS and fulfilment values, by index. */
enum {
    CL_DEMO_OS_IOS = 0,
    CL_DEMO_OS_ANDROID,
    CL_DEMO_OS_WINDOWS,
    CL_DEMO_OS_MACOS,
    CL_DEMO_OS_LINUX,
    CL_DEMO_OS_IPADOS
};
enum { CL_DEMO_FUL_STANDARD = 0, CL_DEMO_FUL_EXPRESS, CL_DEMO_FUL_PICKUP, CL_DEMO_FUL_MARKETPLACE };

typedef struct {
    int n[CL_DEMO_D_COUNT];
    const char *values[CL_DEMO_D_COUNT][CL_DEMO_DICT_MAX]; /* borrowed from the model tables */
    int city_base[CL_DEMO_COUNTRIES];    /* a country's first city in CL_DEMO_D_CITY */
    int campaign_base[CL_DEMO_TRAFFIC];  /* a source's first campaign in CL_DEMO_D_CAMPAIGN */
    uint8_t traffic_l1[CL_DEMO_TRAFFIC]; /* index in CL_DEMO_D_TRAFFIC_L1 */
    uint8_t channel[CL_DEMO_DEVCHAN];    /* index in CL_DEMO_D_CHANNEL */
    uint8_t device_type[CL_DEMO_DEVCHAN];
} cl_demo_dicts_t;

void cl_demo_dicts_init(cl_demo_dicts_t *d);

/* Create the ENUM types and the four empty week tables (orders, order_lines, sessions_daily,
 * marketing_spend). Column order is the append order:
 *   orders: order_id, order_ts, order_date, customer_key (BIGINT: customer_id is 'c_' and its 16
 *     hex digits), customer_type, region, country, city, channel, device_type, device_os,
 *     traffic_l1, traffic_l2, campaign (NULL for unpaid sources), payment_method, fulfilment
 *   order_lines: order_id, line_no, order_date, sku (INTEGER: product_id is sku-<l3>-<k>, l3 * 1000
 *     + k), category_l1, category_l2, category_l3, seller_tier, price_band, promo_flag, units,
 *     gross_revenue, discount, returned_units, returned_revenue (money DECIMAL(18,2))
 *   sessions_daily: session_date, region, country, city, channel, device_type, device_os,
 *     traffic_l1, traffic_l2, customer_type, category_l1, category_l2, sessions, product_views,
 *     add_to_carts
 *   marketing_spend: spend_date, region, country, category_l1, traffic_l1, traffic_l2, campaign,
 *     impressions, clicks, spend
 * Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_demo_tables_create(cl_db_t *db, const cl_demo_dicts_t *d, cl_err_t *err);

/* Export the four tables to DIR/<table>/week=<WEEK>/part-0.parquet (zstd, in insertion order) and
 * replace them with empty ones. Returns 0, CL_EIO or CL_EQUERY. */
CL_NODISCARD int cl_demo_tables_write_week(cl_db_t *db, const char *dir, const char *week,
                                           cl_err_t *err);

#endif
