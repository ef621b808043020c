/* demo_model.c — the tables of the demo shop and the seed-dependent world built from them. The
 * figures are plausible for a mid-sized multi-category online retailer: overall conversion about
 * 2 %, app and returning visitors converting best, paid social and display worst; basket sizes
 * from 1.1 lines (jewelry) to 4 (grocery); return rates from 1 % (grocery) to 26 % (fashion). */
#include "etl/demo_model.h"

#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "etl/demo_rng.h"

const cl_demo_region_t cl_demo_regions[CL_DEMO_REGIONS] = {
    {"north_america", CL_DEMO_HG_NA, {.62, .24, .12, 0, .02}, 1.0, .58},
    {"latin_america", CL_DEMO_HG_LATAM, {.50, .18, .04, .06, .22}, 1.25, .25},
    {"uk_ireland", CL_DEMO_HG_EU, {.58, .28, .12, 0, .02}, 1.0, .55},
    {"dach", CL_DEMO_HG_EU, {.28, .32, .22, .02, .16}, 0.9, .42},
    {"france_benelux", CL_DEMO_HG_EU, {.55, .18, .07, 0, .20}, 1.0, .45},
    {"southern_europe", CL_DEMO_HG_EU, {.55, .22, .05, .12, .06}, 1.1, .35},
    {"nordics", CL_DEMO_HG_EU, {.45, .22, .28, 0, .05}, 1.0, .55},
    {"middle_east", CL_DEMO_HG_ME, {.45, .15, .06, .32, .02}, 1.25, .50},
    {"asia_pacific", CL_DEMO_HG_APAC, {.45, .35, .07, .08, .05}, 1.3, .45},
};

const cl_demo_country_t cl_demo_countries[CL_DEMO_COUNTRIES] = {
    {"US",
     0,
     .260,
     1.00,
     1.20,
     5,
     {"New York", "Los Angeles", "Chicago", "Houston", "Seattle"},
     {.30, .25, .20, .15, .10}},
    {"CA", 0, .035, 1.02, 0.90, 3, {"Toronto", "Vancouver", "Montreal"}, {.5, .3, .2}},
    {"BR", 1, .045, 0.85, 0.45, 3, {"Sao Paulo", "Rio de Janeiro", "Belo Horizonte"}, {.5, .3, .2}},
    {"MX", 1, .030, 0.80, 0.45, 3, {"Mexico City", "Guadalajara", "Monterrey"}, {.6, .25, .15}},
    {"CL", 1, .010, 0.90, 0.50, 1, {"Santiago"}, {1}},
    {"CO", 1, .010, 0.75, 0.40, 2, {"Bogota", "Medellin"}, {.7, .3}},
    {"GB",
     2,
     .095,
     1.00,
     1.05,
     4,
     {"London", "Manchester", "Birmingham", "Glasgow"},
     {.45, .2, .2, .15}},
    {"IE", 2, .012, 1.05, 0.90, 2, {"Dublin", "Cork"}, {.8, .2}},
    {"DE", 3, .100, 0.98, 1.00, 4, {"Berlin", "Munich", "Hamburg", "Cologne"}, {.3, .25, .25, .2}},
    {"AT", 3, .015, 1.00, 0.85, 2, {"Vienna", "Graz"}, {.7, .3}},
    {"CH", 3, .018, 1.25, 1.30, 2, {"Zurich", "Geneva"}, {.6, .4}},
    {"FR", 4, .075, 1.00, 0.95, 4, {"Paris", "Lyon", "Marseille", "Toulouse"}, {.45, .2, .2, .15}},
    {"NL", 4, .030, 1.00, 0.95, 2, {"Amsterdam", "Rotterdam"}, {.55, .45}},
    {"BE", 4, .015, 1.00, 0.85, 2, {"Brussels", "Antwerp"}, {.6, .4}},
    {"ES", 5, .045, 0.90, 0.75, 2, {"Madrid", "Barcelona"}, {.5, .5}},
    {"IT", 5, .050, 0.95, 0.80, 2, {"Milan", "Rome"}, {.5, .5}},
    {"PT", 5, .010, 0.85, 0.60, 2, {"Lisbon", "Porto"}, {.6, .4}},
    {"SE", 6, .020, 1.10, 1.00, 2, {"Stockholm", "Gothenburg"}, {.6, .4}},
    {"DK", 6, .012, 1.15, 1.05, 1, {"Copenhagen"}, {1}},
    {"NO", 6, .012, 1.20, 1.10, 1, {"Oslo"}, {1}},
    {"FI", 6, .008, 1.05, 0.90, 1, {"Helsinki"}, {1}},
    {"AE", 7, .020, 1.05, 0.90, 2, {"Dubai", "Abu Dhabi"}, {.7, .3}},
    {"SA", 7, .025, 0.95, 0.70, 2, {"Riyadh", "Jeddah"}, {.55, .45}},
    {"AU", 8, .035, 1.10, 1.00, 2, {"Sydney", "Melbourne"}, {.55, .45}},
    {"JP", 8, .050, 1.05, 0.90, 2, {"Tokyo", "Osaka"}, {.6, .4}},
    {"SG", 8, .010, 1.05, 0.95, 1, {"Singapore"}, {1}},
    {"IN", 8, .030, 0.45, 0.25, 3, {"Mumbai", "Bengaluru", "Delhi"}, {.4, .35, .25}},
};

#define GIFT CL_DEMO_TAG_GIFT
const cl_demo_l1_t cl_demo_l1s[CL_DEMO_L1] = {
    /* id, weight, cr, extra lines, same L1, extra units, returns, promo, depth, views, cart,
     * growth, market gap, cpc, price sigma, season, tags */
    {"electronics", .14, .014, .35, .55, .08, .08, .14, .12, 4.2, .05, .06, .01, 1.4, .55,
     CL_DEMO_SEASON_ELECTRONICS, GIFT | CL_DEMO_TAG_TECH | CL_DEMO_TAG_SCHOOL},
    {"fashion", .16, .022, .90, .80, .05, .26, .22, .25, 5.5, .08, .03, .00, .85, .50,
     CL_DEMO_SEASON_FASHION, CL_DEMO_TAG_STYLE | CL_DEMO_TAG_ROMANCE | CL_DEMO_TAG_SCHOOL},
    {"home", .10, .017, .60, .70, .15, .09, .18, .20, 4.0, .06, .02, -.01, .90, .60,
     CL_DEMO_SEASON_HOME, CL_DEMO_TAG_STYLE | CL_DEMO_TAG_MOTHER},
    {"beauty", .08, .030, 1.10, .85, .25, .04, .25, .20, 4.5, .09, .09, .01, .80, .45,
     CL_DEMO_SEASON_BEAUTY, GIFT | CL_DEMO_TAG_ROMANCE | CL_DEMO_TAG_MOTHER | CL_DEMO_TAG_STYLE},
    {"grocery", .06, .050, 3.00, .95, .70, .01, .30, .15, 6.5, .12, .05, .00, .55, .40,
     CL_DEMO_SEASON_GROCERY, CL_DEMO_TAG_FOOD},
    {"toys", .06, .021, .50, .75, .10, .06, .20, .20, 4.0, .07, .02, .00, .75, .50,
     CL_DEMO_SEASON_TOYS, GIFT | CL_DEMO_TAG_KIDS},
    {"sports", .07, .017, .50, .65, .10, .12, .18, .20, 4.2, .06, .05, .02, .85, .60,
     CL_DEMO_SEASON_SPORTS, 0},
    {"books", .06, .030, .70, .85, .05, .03, .12, .15, 3.5, .07, -.03, -.01, .45, .40,
     CL_DEMO_SEASON_BOOKS, GIFT | CL_DEMO_TAG_SCHOOL},
    {"auto", .04, .015, .40, .80, .30, .07, .12, .15, 3.8, .05, .03, .00, .90, .60,
     CL_DEMO_SEASON_FLAT, 0},
    {"pets", .06, .035, .80, .90, .40, .02, .20, .15, 3.8, .08, .07, .01, .60, .45,
     CL_DEMO_SEASON_FLAT, CL_DEMO_TAG_FOOD},
    {"garden", .05, .018, .60, .80, .30, .05, .16, .20, 3.8, .06, .03, .00, .70, .60,
     CL_DEMO_SEASON_GARDEN, 0},
    {"jewelry", .04, .011, .20, .60, .02, .11, .15, .20, 4.8, .04, .04, .01, 1.5, .70,
     CL_DEMO_SEASON_JEWELRY, GIFT | CL_DEMO_TAG_ROMANCE | CL_DEMO_TAG_MOTHER},
};
#undef GIFT

const cl_demo_l2_t cl_demo_l2s[CL_DEMO_L2] = {
    {"phones", 0, .40},
    {"computers", 0, .35},
    {"audio_tv", 0, .25},
    {"womens", 1, .45},
    {"mens", 1, .35},
    {"accessories", 1, .20},
    {"furniture", 2, .30},
    {"kitchen", 2, .40},
    {"decor", 2, .30},
    {"skincare", 3, .45},
    {"makeup", 3, .35},
    {"fragrance", 3, .20},
    {"pantry", 4, .40},
    {"beverages", 4, .30},
    {"household", 4, .30},
    {"construction", 5, .35},
    {"dolls_figures", 5, .35},
    {"games_puzzles", 5, .30},
    {"fitness", 6, .35},
    {"outdoor", 6, .35},
    {"cycling", 6, .30},
    {"fiction", 7, .45},
    {"nonfiction", 7, .35},
    {"childrens", 7, .20},
    {"parts", 8, .45},
    {"tyres", 8, .30},
    {"car_care", 8, .25},
    {"pet_food", 9, .55},
    {"pet_supplies", 9, .45},
    {"plants_seeds", 10, .35},
    {"garden_tools", 10, .35},
    {"outdoor_living", 10, .30},
    {"rings_necklaces", 11, .50},
    {"watches", 11, .50},
};

const cl_demo_l3_t cl_demo_l3s[CL_DEMO_L3] = {
    {"smartphones", 0, .55, 420},
    {"cases_chargers", 0, .45, 19},
    {"laptops", 1, .45, 780},
    {"monitors", 1, .25, 210},
    {"pc_accessories", 1, .30, 35},
    {"headphones", 2, .45, 85},
    {"televisions", 2, .30, 520},
    {"speakers", 2, .25, 110},
    {"dresses", 3, .35, 55},
    {"tops", 3, .35, 28},
    {"womens_shoes", 3, .30, 72},
    {"shirts", 4, .40, 38},
    {"trousers", 4, .30, 52},
    {"mens_shoes", 4, .30, 85},
    {"bags", 5, .55, 65},
    {"sunglasses", 5, .45, 45},
    {"sofas", 6, .35, 650},
    {"tables_chairs", 6, .65, 180},
    {"cookware", 7, .55, 42},
    {"small_appliances", 7, .45, 95},
    {"lighting", 8, .50, 48},
    {"textiles", 8, .50, 29},
    {"moisturisers", 9, .50, 27},
    {"serums", 9, .50, 38},
    {"face", 10, .50, 22},
    {"eyes_lips", 10, .50, 16},
    {"perfume", 11, 1.0, 68},
    {"dry_goods", 12, .60, 3.8},
    {"snacks", 12, .40, 3.2},
    {"soft_drinks", 13, .50, 2.6},
    {"coffee_tea", 13, .50, 6.5},
    {"cleaning", 14, .60, 5.2},
    {"paper_goods", 14, .40, 7.5},
    {"building_sets", 15, 1.0, 45},
    {"dolls", 16, .50, 25},
    {"action_figures", 16, .50, 22},
    {"board_games", 17, .60, 30},
    {"puzzles", 17, .40, 18},
    {"fitness_equipment", 18, .50, 70},
    {"activewear", 18, .50, 42},
    {"camping", 19, .50, 85},
    {"hiking_shoes", 19, .50, 110},
    {"bikes", 20, .35, 650},
    {"bike_parts", 20, .65, 40},
    {"novels", 21, .70, 13},
    {"crime_thrillers", 21, .30, 12},
    {"biography", 22, .40, 17},
    {"business", 22, .60, 21},
    {"picture_books", 23, 1.0, 9},
    {"brakes_filters", 24, .60, 38},
    {"batteries", 24, .40, 95},
    {"tyres_all_season", 25, 1.0, 105},
    {"cleaning_care", 26, 1.0, 14},
    {"dog_food", 27, .55, 32},
    {"cat_food", 27, .45, 26},
    {"toys_beds", 28, .50, 22},
    {"health_care", 28, .50, 28},
    {"plants", 29, 1.0, 14},
    {"hand_tools", 30, .55, 28},
    {"power_tools", 30, .45, 140},
    {"outdoor_furniture", 31, .60, 260},
    {"bbq", 31, .40, 190},
    {"rings", 32, .50, 160},
    {"necklaces", 32, .50, 110},
    {"smart_watches", 33, .50, 280},
    {"classic_watches", 33, .50, 190},
};

const cl_demo_traffic_t cl_demo_traffic[CL_DEMO_TRAFFIC] = {
    {"paid_search",
     "google_ads",
     .15,
     1.15,
     .50,
     1,
     .85,
     .045,
     3,
     {"gads_brand", "gads_generic", "gads_shopping"},
     {.35, .35, .30},
     0},
    {"paid_search",
     "bing_ads",
     .03,
     1.10,
     .45,
     1,
     .60,
     .035,
     2,
     {"bing_brand", "bing_generic"},
     {.5, .5},
     0},
    {"organic", "seo_google", .20, 1.00, .55, 0, 0, 0, 0, {0}, {0}, 0},
    {"organic", "seo_other", .03, 0.95, .50, 0, 0, 0, 0, {0}, {0}, 0},
    {"social",
     "meta_ads",
     .07,
     0.55,
     .70,
     1,
     .55,
     .011,
     2,
     {"meta_prospecting", "meta_retargeting"},
     {.6, .4},
     1.0},
    {"social", "tiktok_ads", .03, 0.40, .80, 1, .35, .009, 1, {"tiktok_prospecting"}, {1}, 1.5},
    {"social", "social_organic", .04, 0.50, .60, 0, 0, 0, 0, {0}, {0}, 0},
    {"email", "newsletter", .05, 1.50, .04, 1, .03, .025, 1, {"newsletter_weekly"}, {1}, 1.0},
    {"email",
     "lifecycle",
     .03,
     2.30,
     .02,
     1,
     .02,
     .060,
     2,
     {"crm_abandoned_cart", "crm_winback"},
     {.6, .4},
     2.0},
    {"affiliate", "cashback", .03, 1.70, .35, 1, .32, .080, 1, {"cashback_network"}, {1}, 0},
    {"affiliate", "content_partners", .02, 0.90, .60, 1, .40, .015, 1, {"content_reviews"}, {1}, 0},
    {"direct", "direct", .22, 1.35, .20, 0, 0, 0, 0, {0}, {0}, 3.0},
    {"display",
     "programmatic",
     .04,
     0.35,
     .70,
     1,
     .22,
     .0012,
     1,
     {"programmatic_prospecting"},
     {1},
     0},
    {"display", "retargeting", .03, 1.40, .10, 1, .45, .006, 1, {"dynamic_retargeting"}, {1}, 0},
};

const cl_demo_devchan_t cl_demo_devchans[CL_DEMO_DEVCHAN] = {
    {"web", "mobile", .38, 0.70, 1, 0},
    {"app", "mobile", .17, 1.70, 1, 1},
    {"web", "desktop", .36, 1.20, 0, 0},
    {"web", "tablet", .09, 0.95, 1, 0},
};

const char *const cl_demo_payments[CL_DEMO_PAYMENTS] = {"card", "wallet", "bnpl", "cod",
                                                        "bank_transfer"};
const char *const cl_demo_tiers[CL_DEMO_TIERS] = {"first_party", "gold", "silver", "bronze"};
const double cl_demo_tier_weight[CL_DEMO_TIERS] = {.45, .25, .18, .12};
const double cl_demo_tier_returns[CL_DEMO_TIERS] = {.85, 1.0, 1.15, 1.40};
const char *const cl_demo_bands[CL_DEMO_BANDS] = {"budget", "mid", "premium", "luxury"};
const double cl_demo_band_returns[CL_DEMO_BANDS] = {.90, 1.0, 1.10, 1.20};
const char *const cl_demo_ctypes[CL_DEMO_CTYPES] = {"new", "returning"};
const double cl_demo_ctype_cr[CL_DEMO_CTYPES] = {0.65, 1.25};

int cl_demo_band_of(double z)
{
    return z < -0.55 ? 0 : z < 0.6 ? 1 : z < 1.4 ? 2 : 3;
}

double cl_demo_lines_mean(double extra)
{
    /* 1 + E[min(Poisson(extra), MAX - 1)] */
    double p = exp(-extra), mean = 0.0, cdf = 0.0;
    for (int k = 0; k < CL_DEMO_MAX_LINES - 1; k++) {
        mean += (double)k * p;
        cdf += p;
        p *= extra / (double)(k + 1);
    }
    return 1.0 + mean + (double)(CL_DEMO_MAX_LINES - 1) * (1.0 - cdf);
}

int cl_demo_product_index(double u)
{
    int k = (int)((double)CL_DEMO_PRODUCTS_PER_L3 * u * u);
    return k < CL_DEMO_PRODUCTS_PER_L3 ? k : CL_DEMO_PRODUCTS_PER_L3 - 1;
}

double cl_demo_inflation(int64_t day)
{
    return exp(log(1.025) * (double)(day - cl_days_from_civil(2025, 1, 1)) / 365.25);
}

/* A shelf price: whole units minus one cent from 5 up (4.99 is not rounded to 5.99), else the
 * next ten cents minus one (2.39). */
static int32_t shelf_cents(double price)
{
    if (price >= 5.0) {
        return (int32_t)ceil(price) * 100 - 1;
    }
    int32_t c = (int32_t)ceil(price * 10.0) * 10 - 1;
    return c < 9 ? 9 : c;
}

static void build_catalogue(cl_demo_world_t *w)
{
    for (int i = 0; i < CL_DEMO_L3; i++) {
        const cl_demo_l3_t *l3 = &cl_demo_l3s[i];
        double sigma = cl_demo_l1s[cl_demo_l2s[l3->parent].parent].price_sigma;
        for (int k = 0; k < CL_DEMO_PRODUCTS_PER_L3; k++) {
            uint64_t h = cl_demo_hash(w->seed, 0x70726f64 /* prod */, (uint64_t)i, (uint64_t)k, 0);
            double z = cl_demo_normal_of(h);
            cl_demo_product_t *p = &w->products[i][k];
            p->price_cents = shelf_cents(l3->price * exp(sigma * z));
            p->band = (uint8_t)cl_demo_band_of(z);
            cl_demo_rng_t r;
            cl_demo_rng_init(&r, cl_demo_mix64(h ^ 0x7469657273ULL));
            p->tier = (uint8_t)cl_demo_rng_pick(&r, cl_demo_tier_weight, CL_DEMO_TIERS);
        }
    }
}

static void build_hierarchy(cl_demo_world_t *w)
{
    for (int i = 0; i < CL_DEMO_L1; i++) {
        w->l2_first[i] = -1;
    }
    for (int i = 0; i < CL_DEMO_L2; i++) {
        int p = cl_demo_l2s[i].parent;
        w->l2_first[p] = w->l2_first[p] < 0 ? i : w->l2_first[p];
        w->l2_count[p]++;
        w->l3_first[i] = -1;
    }
    for (int i = 0; i < CL_DEMO_L3; i++) {
        int p = cl_demo_l3s[i].parent;
        w->l3_first[p] = w->l3_first[p] < 0 ? i : w->l3_first[p];
        w->l3_count[p]++;
    }
    for (int i = 0; i < CL_DEMO_L1; i++) {
        w->lines_mean[i] = cl_demo_lines_mean(cl_demo_l1s[i].extra_lines);
    }
}

static void build_shares(cl_demo_world_t *w)
{
    double total = 0.0;
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        total += cl_demo_countries[c].weight;
    }
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        w->country_share[c] = cl_demo_countries[c].weight / total;
    }
    total = 0.0;
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        total += cl_demo_traffic[t].share;
    }
    double app = 0.0;
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        w->traffic_share[t] = cl_demo_traffic[t].share / total;
        app += w->traffic_share[t] * cl_demo_traffic[t].app;
    }
    for (int t = 0; t < CL_DEMO_TRAFFIC; t++) {
        w->app_traffic_share[t] = w->traffic_share[t] * cl_demo_traffic[t].app / app;
    }
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        double sum = 0.0;
        for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
            const cl_demo_devchan_t *d = &cl_demo_devchans[k];
            w->devchan_share[r][k] = d->share * (d->mobile ? cl_demo_regions[r].mobile_tilt : 1.0);
            sum += w->devchan_share[r][k];
        }
        for (int k = 0; k < CL_DEMO_DEVCHAN; k++) {
            w->devchan_share[r][k] /= sum;
        }
        sum = 0.0;
        for (int g = 0; g < CL_DEMO_L2; g++) {
            int l1 = cl_demo_l2s[g].parent;
            w->l2_share[r][g] = w->cat_tilt[r][l1] * cl_demo_l1s[l1].weight * cl_demo_l2s[g].weight;
            sum += w->l2_share[r][g];
        }
        for (int g = 0; g < CL_DEMO_L2; g++) {
            w->l2_share[r][g] /= sum;
        }
    }
}

void cl_demo_world_init(cl_demo_world_t *w, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    w->seed = seed;
    for (int r = 0; r < CL_DEMO_REGIONS; r++) {
        for (int i = 0; i < CL_DEMO_L1; i++) {
            uint64_t h = cl_demo_hash(seed, 0x74696c74 /* tilt */, (uint64_t)r, (uint64_t)i, 0);
            w->cat_tilt[r][i] = cl_demo_noise_of(h, 0.20);
            w->growth[r][i] = cl_demo_l1s[i].growth + 0.025 * cl_demo_normal_of(cl_demo_mix64(h));
        }
    }
    for (int c = 0; c < CL_DEMO_COUNTRIES; c++) {
        for (int i = 0; i < CL_DEMO_L1; i++) {
            uint64_t h = cl_demo_hash(seed, 0x63727469 /* crti */, (uint64_t)c, (uint64_t)i, 0);
            w->cr_tilt[c][i] = cl_demo_noise_of(h, 0.10);
        }
    }
    build_hierarchy(w);
    build_shares(w);
    build_catalogue(w);
}

double cl_demo_mix_shift_ratio(const cl_demo_world_t *w, int l1, double keep_low)
{
    double base = 0.0, shifted = 0.0;
    for (int g = w->l2_first[l1]; g < w->l2_first[l1] + w->l2_count[l1]; g++) {
        for (int i = w->l3_first[g]; i < w->l3_first[g] + w->l3_count[g]; i++) {
            double pw = cl_demo_l2s[g].weight * cl_demo_l3s[i].weight;
            double hi_v = 0.0, lo_v = 0.0, hi_p = 0.0, lo_p = 0.0;
            for (int k = 0; k < CL_DEMO_PRODUCTS_PER_L3; k++) {
                /* P(floor(N u^2) = k) = sqrt((k+1)/N) - sqrt(k/N) */
                double n = CL_DEMO_PRODUCTS_PER_L3;
                double pop = sqrt((k + 1) / n) - sqrt(k / n);
                double v = pop * w->products[i][k].price_cents;
                if (w->products[i][k].band >= 2) {
                    hi_v += v;
                    hi_p += pop;
                } else {
                    lo_v += v;
                    lo_p += pop;
                }
            }
            base += pw * (hi_v + lo_v);
            shifted += pw * (hi_v * (1.0 - keep_low) + lo_v * (1.0 + keep_low * hi_p / lo_p));
        }
    }
    return base > 0.0 ? shifted / base : 1.0;
}

double cl_demo_expected_price(const cl_demo_world_t *w, int l1)
{
    double sum = 0.0, wsum = 0.0, n = CL_DEMO_PRODUCTS_PER_L3;
    for (int g = w->l2_first[l1]; g < w->l2_first[l1] + w->l2_count[l1]; g++) {
        double gw = 0.0;
        for (int i = w->l3_first[g]; i < w->l3_first[g] + w->l3_count[g]; i++) {
            gw += cl_demo_l3s[i].weight;
        }
        for (int i = w->l3_first[g]; i < w->l3_first[g] + w->l3_count[g]; i++) {
            double pw = cl_demo_l2s[g].weight * cl_demo_l3s[i].weight / gw;
            for (int k = 0; k < CL_DEMO_PRODUCTS_PER_L3; k++) {
                sum += pw * (sqrt((k + 1) / n) - sqrt(k / n)) * w->products[i][k].price_cents;
            }
            wsum += pw;
        }
    }
    return wsum > 0.0 ? sum / wsum : 0.0;
}
