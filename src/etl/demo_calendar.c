/* demo_calendar.c — the events and seasons that make demo data look like a real shop's year. The
 * numbers are deliberately moderate (Black Friday about 2.4x an ordinary day, Christmas Day about
 * 0.6x) and are documented in docs/data-model.md. */
#include "etl/demo_calendar.h"

#include <math.h>
#include <stddef.h>

#include "core/calendar.h"
#include "core/defs.h"

int cl_demo_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 with Monday = 0) */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int64_t cl_demo_nth_weekday(int y, int m, int weekday, int n)
{
    int64_t first = cl_days_from_civil(y, m, 1);
    int shift = (weekday - cl_demo_weekday(first) + 7) % 7;
    return first + shift + (int64_t)7 * (n - 1);
}

int64_t cl_demo_easter(int year)
{
    /* the anonymous Gregorian algorithm (Meeus/Jones/Butcher) */
    int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return cl_days_from_civil(year, month, day);
}

int64_t cl_demo_black_friday(int year)
{
    return cl_demo_nth_weekday(year, 11, 3, 4) + 1;
}

int64_t cl_demo_eid_al_fitr(int year)
{
    /* the lunar calendar has no closed form worth carrying: the observed dates */
    static const int dates[][2] = {
        {6, 15}, {6, 4},  {5, 24}, {5, 13}, {5, 2},  {4, 21}, {4, 10}, {3, 30},  {3, 20},
        {3, 10}, {2, 27}, {2, 14}, {2, 4},  {1, 24}, {1, 14}, {1, 3},  {12, 12}, {12, 1},
    };
    if (year < 2018 || year > 2035) {
        return -1;
    }
    const int *md = dates[year - 2018];
    return cl_days_from_civil(year, md[0], md[1]);
}

double cl_demo_weekday_factor(int64_t day, int app)
{
    static const double web[7] = {1.06, 1.04, 1.01, 0.99, 0.92, 0.90, 1.08};
    static const double mobile_app[7] = {0.98, 0.97, 0.97, 0.98, 0.97, 1.03, 1.10};
    return (app ? mobile_app : web)[cl_demo_weekday(day)];
}

static const double SEASONS[CL_DEMO_SEASON_COUNT][12] = {
    [CL_DEMO_SEASON_FLAT] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    [CL_DEMO_SEASON_ELECTRONICS] = {.88, .80, .84, .84, .88, .90, .95, .98, .96, 1.0, 1.45, 1.52},
    [CL_DEMO_SEASON_FASHION] = {.95, .86, 1.0, 1.06, 1.06, 1.0, .94, .90, 1.04, 1.06, 1.12, 1.01},
    [CL_DEMO_SEASON_HOME] = {1.06, .95, 1.02, 1.04, 1.0, .94, .92, .94, .98, 1.02, 1.10, 1.03},
    [CL_DEMO_SEASON_BEAUTY] = {.92, 1.0, .95, .95, 1.05, .92, .90, .90, .94, .98, 1.18, 1.31},
    [CL_DEMO_SEASON_GROCERY] = {.98, .95, .98, .99, .98, .97, .97, .97, .98, 1.0, 1.05, 1.18},
    [CL_DEMO_SEASON_TOYS] = {.72, .68, .74, .78, .76, .74, .74, .76, .82, .95, 1.45, 2.30},
    [CL_DEMO_SEASON_SPORTS] = {1.10, .95, 1.02, 1.10, 1.12, 1.10, 1.02, .96, .95, .88, .92, .88},
    [CL_DEMO_SEASON_BOOKS] = {.95, .90, .92, .90, .88, .86, .90, 1.02, 1.08, 1.0, 1.10, 1.49},
    [CL_DEMO_SEASON_GARDEN] = {.55, .60, .95, 1.45, 1.70, 1.50, 1.25, 1.0, .85, .70, .70, .75},
    [CL_DEMO_SEASON_JEWELRY] = {.80, 1.25, .85, .85, 1.05, .85, .80, .80, .85, .90, 1.25, 1.75},
};

double cl_demo_season(cl_demo_season_t profile, int64_t day)
{
    if ((int)profile < 0 || profile >= CL_DEMO_SEASON_COUNT) {
        return 1.0;
    }
    const double *m = SEASONS[profile];
    double mean = 0.0;
    for (int i = 0; i < 12; i++) {
        mean += m[i] / 12.0;
    }
    int y, mo, d;
    cl_civil_from_days(day, &y, &mo, &d);
    int64_t jan1 = cl_days_from_civil(y, 1, 1);
    double len = (double)(cl_days_from_civil(y + 1, 1, 1) - jan1);
    /* month centres at 0.5, 1.5, ... in month units; cosine-eased between neighbours */
    double t = ((double)(day - jan1) + 0.5) / len * 12.0 - 0.5;
    double i = floor(t), f = t - i;
    int lo = ((int)i + 12) % 12, hi = (lo + 1) % 12;
    double s = (1.0 - cos(3.141592653589793 * f)) / 2.0;
    return (m[lo] * (1.0 - s) + m[hi] * s) / mean;
}

typedef enum { AT_FIXED, AT_BLACK_FRIDAY, AT_EASTER, AT_NTH_WEEKDAY, AT_EID } anchor_t;

typedef struct {
    const char *name;
    anchor_t anchor;
    int month, day;        /* AT_FIXED: the date; AT_NTH_WEEKDAY: month, and day = weekday */
    int nth;               /* AT_NTH_WEEKDAY */
    int offset, len;       /* days from the anchor, days long */
    int full, weak;        /* holiday groups at full and at half strength */
    unsigned tags;         /* 0: every category */
    double traffic, other; /* traffic multiplier for tagged categories, for the others */
    double conversion;     /* for tagged categories (all when tags = 0) */
    double promo;          /* promo share for tagged categories */
} event_t;

#define ALL_GROUPS                                                                                 \
    (CL_DEMO_HG_NA | CL_DEMO_HG_EU | CL_DEMO_HG_LATAM | CL_DEMO_HG_ME | CL_DEMO_HG_APAC)
#define WEST (CL_DEMO_HG_NA | CL_DEMO_HG_EU)

static const event_t EVENTS[] = {
    {"black_week", AT_BLACK_FRIDAY, 0, 0, 0, -4, 4, WEST, ALL_GROUPS & ~WEST, 0, 1.25, 1, 1.08,
     .30},
    {"thanksgiving", AT_BLACK_FRIDAY, 0, 0, 0, -1, 1, CL_DEMO_HG_NA, 0, 0, 1.30, 1, 1.10, .35},
    {"black_friday", AT_BLACK_FRIDAY, 0, 0, 0, 0, 1, WEST, ALL_GROUPS & ~WEST, 0, 2.40, 1, 1.35,
     .55},
    {"black_weekend", AT_BLACK_FRIDAY, 0, 0, 0, 1, 2, WEST, ALL_GROUPS & ~WEST, 0, 1.60, 1, 1.20,
     .45},
    {"cyber_monday", AT_BLACK_FRIDAY, 0, 0, 0, 3, 1, WEST, ALL_GROUPS & ~WEST, CL_DEMO_TAG_TECH,
     2.50, 1.90, 1.30, .50},
    {"singles_day", AT_FIXED, 11, 11, 0, 0, 1, CL_DEMO_HG_APAC, 0, 0, 2.20, 1, 1.30, .50},
    {"christmas_rush", AT_FIXED, 12, 14, 0, 0, 9, ALL_GROUPS & ~CL_DEMO_HG_ME, CL_DEMO_HG_ME,
     CL_DEMO_TAG_GIFT, 1.30, 1.05, 1.05, 0},
    {"christmas", AT_FIXED, 12, 24, 0, 0, 2, ALL_GROUPS & ~CL_DEMO_HG_ME, 0, 0, 0.60, 1, 0.90, 0},
    {"after_christmas_sales", AT_FIXED, 12, 26, 0, 0, 6, ALL_GROUPS & ~CL_DEMO_HG_ME, 0, 0, 1.30, 1,
     1.10, .40},
    {"new_year", AT_FIXED, 1, 1, 0, 0, 1, ALL_GROUPS, 0, 0, 0.70, 1, 0.95, 0},
    {"january_sales", AT_FIXED, 1, 2, 0, 0, 13, WEST, 0, CL_DEMO_TAG_STYLE, 1.15, 1, 1.0, .30},
    {"valentines_day", AT_FIXED, 2, 7, 0, 0, 7, ALL_GROUPS & ~CL_DEMO_HG_ME, CL_DEMO_HG_ME,
     CL_DEMO_TAG_ROMANCE, 1.35, 1, 1.05, 0},
    {"mothers_day", AT_NTH_WEEKDAY, 5, 6, 2, -7, 7,
     CL_DEMO_HG_NA | CL_DEMO_HG_LATAM | CL_DEMO_HG_APAC, CL_DEMO_HG_EU, CL_DEMO_TAG_MOTHER, 1.30, 1,
     1.05, 0},
    {"easter_run_up", AT_EASTER, 0, 0, 0, -8, 6, CL_DEMO_HG_EU | CL_DEMO_HG_NA, CL_DEMO_HG_LATAM,
     CL_DEMO_TAG_KIDS | CL_DEMO_TAG_FOOD, 1.20, 1, 1.0, 0},
    {"easter", AT_EASTER, 0, 0, 0, -2, 4, CL_DEMO_HG_EU, CL_DEMO_HG_NA | CL_DEMO_HG_LATAM, 0, 0.88,
     1, 1.0, 0},
    {"summer_sale", AT_NTH_WEEKDAY, 7, 1, 2, 0, 2, WEST | CL_DEMO_HG_APAC, 0, 0, 1.70, 1, 1.25,
     .45},
    {"back_to_school", AT_FIXED, 8, 10, 0, 0, 29, WEST, CL_DEMO_HG_LATAM | CL_DEMO_HG_APAC,
     CL_DEMO_TAG_SCHOOL, 1.15, 1, 1.0, 0},
    {"halloween", AT_FIXED, 10, 24, 0, 0, 8, CL_DEMO_HG_NA, CL_DEMO_HG_EU,
     CL_DEMO_TAG_KIDS | CL_DEMO_TAG_FOOD, 1.15, 1, 1.0, 0},
    {"eid_run_up", AT_EID, 0, 0, 0, -10, 10, CL_DEMO_HG_ME, 0,
     CL_DEMO_TAG_STYLE | CL_DEMO_TAG_FOOD | CL_DEMO_TAG_GIFT, 1.35, 1, 1.05, .30},
    {"eid_al_fitr", AT_EID, 0, 0, 0, 0, 3, CL_DEMO_HG_ME, 0, 0, 0.80, 1, 1.0, 0},
};

static int64_t anchor_day(const event_t *e, int year)
{
    switch (e->anchor) {
    case AT_FIXED:
        return cl_days_from_civil(year, e->month, e->day);
    case AT_BLACK_FRIDAY:
        return cl_demo_black_friday(year);
    case AT_EASTER:
        return cl_demo_easter(year);
    case AT_NTH_WEEKDAY:
        return cl_demo_nth_weekday(year, e->month, e->day, e->nth);
    case AT_EID:
        return cl_demo_eid_al_fitr(year);
    }
    return -1;
}

/* The strength of E on DAY in GROUP: 1 full, 0.5 weak, 0 not active. */
static double strength(const event_t *e, int64_t day, int group)
{
    double s = (e->full & group) ? 1.0 : (e->weak & group) ? 0.5 : 0.0;
    if (s == 0.0) {
        return 0.0;
    }
    int y, m, d;
    cl_civil_from_days(day, &y, &m, &d);
    for (int year = y - 1; year <= y + 1; year++) {
        int64_t a = anchor_day(e, year);
        if (a >= 0 && day >= a + e->offset && day < a + e->offset + e->len) {
            return s;
        }
    }
    return 0.0;
}

cl_demo_dayfx_t cl_demo_day_effect(int64_t day, int group, unsigned tags)
{
    cl_demo_dayfx_t fx = {1.0, 1.0, 0.0};
    for (size_t i = 0; i < CL_ARRAY_LEN(EVENTS); i++) {
        const event_t *e = &EVENTS[i];
        double s = strength(e, day, group);
        if (s == 0.0) {
            continue;
        }
        int hit = e->tags == 0 || (e->tags & tags) != 0;
        double traffic = hit ? e->traffic : e->other;
        fx.traffic *= 1.0 + (traffic - 1.0) * s;
        if (hit) {
            fx.conversion *= 1.0 + (e->conversion - 1.0) * s;
            double promo = e->promo * s;
            fx.promo_share = promo > fx.promo_share ? promo : fx.promo_share;
        }
    }
    return fx;
}

const char *cl_demo_event_name(int64_t day, int group)
{
    const char *best = NULL;
    double best_lift = 0.0;
    for (size_t i = 0; i < CL_ARRAY_LEN(EVENTS); i++) {
        double s = strength(&EVENTS[i], day, group);
        double lift = fabs(EVENTS[i].traffic - 1.0) * s;
        if (s > 0.0 && lift > best_lift) {
            best = EVENTS[i].name;
            best_lift = lift;
        }
    }
    return best;
}
