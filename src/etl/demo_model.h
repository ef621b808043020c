/* demo_model.h — the shop the demo data describes: its dimensions, their hierarchies and the
 * parameters behind every measure.
 *
 * Static tables (the same for every seed): 9 regions -> 27 countries -> 56 cities; 12 category L1
 * -> 34 L2 -> 66 L3 with a median unit price per L3; 7 traffic L1 -> 14 L2 -> campaigns, each
 * with its share of sessions, conversion factor, share of new visitors, CPC and CTR; 4 device x
 * channel combinations with their OS (app sessions come from direct, email and social only);
 * payment methods per region; seller tiers; price bands. A cl_demo_world_t adds what the seed
 * decides: each region's tilt towards categories, growth per region x category, small conversion
 * differences, and the product catalogue (price, price band and seller tier of every product follow
 * from the seed). Shares are relative weights (normalised where used); conversion rates are
 * fractions of sessions; money is in the reporting currency. Thread safety: the tables are
 * constant; a world is built once and then read by every thread. */
#ifndef CL_ETL_DEMO_MODEL_H
#define CL_ETL_DEMO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "etl/demo_calendar.h"

#define CL_DEMO_REGIONS 9
#define CL_DEMO_COUNTRIES 27
#define CL_DEMO_L1 12
#define CL_DEMO_L2 34
#define CL_DEMO_L3 66
#define CL_DEMO_TRAFFIC 14
#define CL_DEMO_DEVCHAN 4
#define CL_DEMO_CTYPES 2 /* 0 new, 1 returning */
#define CL_DEMO_PAYMENTS 5
#define CL_DEMO_TIERS 4
#define CL_DEMO_BANDS 4
#define CL_DEMO_MAX_CITIES 5
#define CL_DEMO_MAX_CAMPAIGNS 3
#define CL_DEMO_PRODUCTS_PER_L3 400
#define CL_DEMO_MAX_LINES 8 /* lines per order */

typedef struct {
    const char *id;                   /* "north_america" */
    int holiday_group;                /* CL_DEMO_HG_* */
    double payment[CL_DEMO_PAYMENTS]; /* card, wallet, bnpl, cod, bank_transfer */
    double mobile_tilt;               /* multiplier on mobile and tablet shares */
    double ios_share;                 /* of mobile devices */
} cl_demo_region_t;

typedef struct {
    const char *code; /* ISO 3166 alpha-2: "US" */
    int region;
    double weight;      /* share of sessions */
    double price_level; /* local price relative to the catalogue price */
    double cpc_level;   /* local cost per click relative to the base CPC */
    int n_cities;
    const char *cities[CL_DEMO_MAX_CITIES];
    double city_weight[CL_DEMO_MAX_CITIES];
} cl_demo_country_t;

typedef struct {
    const char *id;        /* "electronics" */
    double weight;         /* share of sessions (landing category) */
    double cr;             /* base conversion rate of a session */
    double extra_lines;    /* mean number of lines beyond the first (Poisson, capped) */
    double same_l1;        /* probability that a further line stays in the category */
    double extra_units;    /* mean units beyond the first on a line (geometric) */
    double return_rate;    /* share of units returned */
    double promo_share;    /* share of lines sold on promotion on an ordinary day */
    double discount_depth; /* mean discount of a promoted line */
    double views;          /* product views per session */
    double cart_rate;      /* add-to-cart rate of sessions that do not buy */
    double growth;         /* yearly trend of demand */
    double market_gap;     /* yearly growth of the market minus ours */
    double cpc_level;      /* cost per click relative to the base */
    double price_sigma;    /* spread of log prices within an L3 */
    cl_demo_season_t season;
    unsigned tags; /* CL_DEMO_TAG_* */
} cl_demo_l1_t;

typedef struct {
    const char *id;
    int parent;
    double weight; /* within the parent */
} cl_demo_l2_t;

typedef struct {
    const char *id;
    int parent; /* L2 */
    double weight;
    double price; /* median unit price */
} cl_demo_l3_t;

typedef struct {
    const char *l1, *l2; /* "paid_search", "google_ads" */
    double share;        /* of sessions */
    double cr;           /* conversion factor */
    double new_share;    /* share of sessions from new visitors */
    int paid;            /* has marketing spend */
    double cpc;          /* base cost per click */
    double ctr;          /* clicks per impression */
    int n_campaigns;
    const char *campaigns[CL_DEMO_MAX_CAMPAIGNS];
    double campaign_weight[CL_DEMO_MAX_CAMPAIGNS];
    double app; /* weight among the sources of app sessions (0: none come from the app) */
} cl_demo_traffic_t;

typedef struct {
    const char *channel;     /* "web" | "app" */
    const char *device_type; /* "mobile" | "desktop" | "tablet" */
    double share;
    double cr;
    int mobile; /* 1: mobile or tablet (region tilt applies) */
    int app;
} cl_demo_devchan_t;

extern const cl_demo_region_t cl_demo_regions[CL_DEMO_REGIONS];
extern const cl_demo_country_t cl_demo_countries[CL_DEMO_COUNTRIES];
extern const cl_demo_l1_t cl_demo_l1s[CL_DEMO_L1];
extern const cl_demo_l2_t cl_demo_l2s[CL_DEMO_L2];
extern const cl_demo_l3_t cl_demo_l3s[CL_DEMO_L3];
extern const cl_demo_traffic_t cl_demo_traffic[CL_DEMO_TRAFFIC];
extern const cl_demo_devchan_t cl_demo_devchans[CL_DEMO_DEVCHAN];
extern const char *const cl_demo_payments[CL_DEMO_PAYMENTS];
extern const char *const cl_demo_tiers[CL_DEMO_TIERS]; /* first_party, gold, silver, bronze */
extern const double cl_demo_tier_weight[CL_DEMO_TIERS];
extern const double cl_demo_tier_returns[CL_DEMO_TIERS];
extern const char *const cl_demo_bands[CL_DEMO_BANDS]; /* budget, mid, premium, luxury */
extern const double cl_demo_band_returns[CL_DEMO_BANDS];
extern const char *const cl_demo_ctypes[CL_DEMO_CTYPES];
extern const double cl_demo_ctype_cr[CL_DEMO_CTYPES];

/* One product of the catalogue: what follows from (seed, L3, index). */
typedef struct {
    int32_t price_cents; /* catalogue price before local level and inflation */
    uint8_t band;        /* index into cl_demo_bands */
    uint8_t tier;        /* index into cl_demo_tiers */
} cl_demo_product_t;

/* What the seed decides. */
typedef struct {
    uint64_t seed;
    double cat_tilt[CL_DEMO_REGIONS][CL_DEMO_L1]; /* mean 1 */
    double growth[CL_DEMO_REGIONS][CL_DEMO_L1];   /* yearly */
    double cr_tilt[CL_DEMO_COUNTRIES][CL_DEMO_L1];
    double l2_share[CL_DEMO_REGIONS][CL_DEMO_L2]; /* share of all sessions in the region */
    double devchan_share[CL_DEMO_REGIONS][CL_DEMO_DEVCHAN];
    double country_share[CL_DEMO_COUNTRIES];   /* of all sessions */
    double traffic_share[CL_DEMO_TRAFFIC];     /* normalised */
    double app_traffic_share[CL_DEMO_TRAFFIC]; /* normalised, of app sessions */
    int l3_first[CL_DEMO_L2], l3_count[CL_DEMO_L2];
    int l2_first[CL_DEMO_L1], l2_count[CL_DEMO_L1];
    double lines_mean[CL_DEMO_L1]; /* expected lines of an order landing in the L1 */
    cl_demo_product_t products[CL_DEMO_L3][CL_DEMO_PRODUCTS_PER_L3];
} cl_demo_world_t;

/* Build the world of SEED into W (about 110 KB: allocate it, do not put it on a stack). */
void cl_demo_world_init(cl_demo_world_t *w, uint64_t seed);

/* The price band of a standard normal log-price deviate: budget below -0.55, mid to 0.6, premium
 * to 1.4, luxury above (about 29 / 44 / 19 / 8 percent). */
int cl_demo_band_of(double z);

/* Expected lines of an order whose extra lines are Poisson(EXTRA) capped at CL_DEMO_MAX_LINES. */
double cl_demo_lines_mean(double extra);

/* The expected value of a line of L1 relative to its value without a price-band mix shift, when
 * a premium or luxury pick is replaced by a budget or mid one with probability KEEP_LOW: the
 * exact expectation over the world's catalogue and product popularity. 1 when KEEP_LOW is 0. */
double cl_demo_mix_shift_ratio(const cl_demo_world_t *w, int l1, double keep_low);

/* The expected catalogue price of a line of L1 (cents): over its L2, L3 and product
 * popularity. */
double cl_demo_expected_price(const cl_demo_world_t *w, int l1);

/* Product popularity: index k of CL_DEMO_PRODUCTS_PER_L3 drawn as floor(N * u^2). */
int cl_demo_product_index(double u);

/* Price inflation factor at DAY (2.5 % a year around 2025-01-01). */
double cl_demo_inflation(int64_t day);

#endif
