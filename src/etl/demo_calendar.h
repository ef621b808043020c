/* demo_calendar.h — the retail calendar of the demo data: weekday patterns, annual seasonality
 * per kind of category, and the holiday and sales events that move traffic, conversion and
 * promotions (Black Friday week and Cyber Monday, Singles' Day, the Christmas rush and the days
 * after, January sales, Valentine's Day, Mother's Day, Easter, a mid-July summer sale, back to
 * school, Halloween, the run-up to Eid al-Fitr). Days are counted from 1970-01-01 (as in
 * core/calendar.h). Owns no state: pure functions, thread-safe. */
#ifndef CL_ETL_DEMO_CALENDAR_H
#define CL_ETL_DEMO_CALENDAR_H

#include <stdint.h>

/* Where an event is celebrated: a region belongs to one group. */
enum {
    CL_DEMO_HG_NA = 1 << 0,    /* North America */
    CL_DEMO_HG_EU = 1 << 1,    /* Europe */
    CL_DEMO_HG_LATAM = 1 << 2, /* Latin America */
    CL_DEMO_HG_ME = 1 << 3,    /* Middle East */
    CL_DEMO_HG_APAC = 1 << 4,  /* Asia-Pacific */
};

/* What kind of goods a category sells, for events that lift only some (a category may have
 * several tags). */
enum {
    CL_DEMO_TAG_GIFT = 1 << 0,    /* bought as presents: Christmas, Singles' Day */
    CL_DEMO_TAG_ROMANCE = 1 << 1, /* Valentine's Day */
    CL_DEMO_TAG_MOTHER = 1 << 2,  /* Mother's Day */
    CL_DEMO_TAG_SCHOOL = 1 << 3,  /* back to school */
    CL_DEMO_TAG_KIDS = 1 << 4,    /* Easter, Halloween */
    CL_DEMO_TAG_FOOD = 1 << 5,    /* Easter, Halloween, Eid */
    CL_DEMO_TAG_STYLE = 1 << 6,   /* January sales, Eid */
    CL_DEMO_TAG_TECH = 1 << 7,    /* Cyber Monday */
};

/* Annual seasonality profiles (one per kind of category). */
typedef enum {
    CL_DEMO_SEASON_FLAT = 0,
    CL_DEMO_SEASON_ELECTRONICS,
    CL_DEMO_SEASON_FASHION,
    CL_DEMO_SEASON_HOME,
    CL_DEMO_SEASON_BEAUTY,
    CL_DEMO_SEASON_GROCERY,
    CL_DEMO_SEASON_TOYS,
    CL_DEMO_SEASON_SPORTS,
    CL_DEMO_SEASON_BOOKS,
    CL_DEMO_SEASON_GARDEN,
    CL_DEMO_SEASON_JEWELRY,
    CL_DEMO_SEASON_COUNT
} cl_demo_season_t;

/* How a day differs from an ordinary one: multipliers on sessions and on conversion, and the share
 * of order lines sold on promotion (0: the category's usual share). */
typedef struct {
    double traffic;
    double conversion;
    double promo_share;
} cl_demo_dayfx_t;

/* 0 = Monday .. 6 = Sunday. */
int cl_demo_weekday(int64_t day);

/* The N-th (1-based) WEEKDAY (0 = Monday) of month M of year Y. */
int64_t cl_demo_nth_weekday(int y, int m, int weekday, int n);

/* Gregorian Easter Sunday of YEAR. */
int64_t cl_demo_easter(int year);

/* Black Friday: the day after the fourth Thursday of November. */
int64_t cl_demo_black_friday(int year);

/* Eid al-Fitr of YEAR (from a table for 2018..2035), or -1 outside it. */
int64_t cl_demo_eid_al_fitr(int year);

/* Traffic share of a weekday; the seven values average 1. APP selects the app pattern (heavier at
 * the weekend) over the web one (heavier Monday and Sunday, light Friday and Saturday). */
double cl_demo_weekday_factor(int64_t day, int app);

/* Seasonality of PROFILE on DAY: a smooth curve through monthly levels that averages 1 over a
 * year. */
double cl_demo_season(cl_demo_season_t profile, int64_t day);

/* The combined effect of every event on DAY for a category with TAGS in a region of GROUP.
 * Returns {1, 1, 0} on an ordinary day. */
cl_demo_dayfx_t cl_demo_day_effect(int64_t day, int group, unsigned tags);

/* The name of the strongest event on DAY in GROUP ("black_friday"), or NULL. For documentation and
 * tests. */
const char *cl_demo_event_name(int64_t day, int group);

#endif
