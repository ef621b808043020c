/* calendar.h — ISO-8601 weeks, comparison windows and the 4-5-4 retail calendar.
 *
 * Week keys are "YYYY-Www" (e.g. "2026-W47"); weeks run Monday to Sunday and week 1 holds the
 * year's first Thursday, so some years have 53 weeks (2020, 2026, 2032 …). Windows compare the N
 * weeks ending at a week with the N weeks before them: WoW 1 vs 1, MoM 4 vs 4, QoQ 13 vs 13; YoY
 * compares a week with the same ISO week a year earlier (week 53 maps to week 52 when the earlier
 * year has no week 53). Pure functions over values; thread-safe. */
#ifndef CL_CORE_CALENDAR_H
#define CL_CORE_CALENDAR_H

#include <stdint.h>
#include <time.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_WEEK_KEY_LEN 9 /* "2026-W47" + NUL */

typedef struct {
    int year; /* ISO week-numbering year, 1900..9999 */
    int week; /* 1..52 or 1..53 */
} cl_week_t;

typedef enum {
    CL_WINDOW_WOW = 0,
    CL_WINDOW_MOM,
    CL_WINDOW_QOQ,
    CL_WINDOW_YOY,
    CL_WINDOW_COUNT
} cl_window_t;

/* The current and the comparison period of a window, both inclusive. */
typedef struct {
    cl_week_t cur_first, cur_last;
    cl_week_t prev_first, prev_last;
    int weeks; /* weeks in each period */
} cl_window_range_t;

/* A week's place in the 4-5-4 retail calendar: quarters of 13 weeks, months of 4, 5 and 4 weeks;
 * week 53 belongs to the last month. */
typedef struct {
    int quarter;       /* 1..4 */
    int month;         /* 1..12 */
    int week_of_month; /* 1..5 (6 for week 53) */
} cl_retail_period_t;

/* Parse a week key strictly: "YYYY-Www" with two-digit week, 1 <= week <= weeks in that year.
 * Returns 0 or CL_EINVAL with a message naming the bad key. */
CL_NODISCARD int cl_week_parse(cl_week_t *out, const char *key, cl_err_t *err);

/* Write the key of W ("2026-W07") into OUT. */
void cl_week_format(char out[CL_WEEK_KEY_LEN], cl_week_t w);

/* 52 or 53. */
int cl_week_weeks_in_year(int year);

/* Days since 1970-01-01 of a civil date, and back. */
int64_t cl_days_from_civil(int y, int m, int d);
void cl_civil_from_days(int64_t days, int *y, int *m, int *d);

/* The ISO week holding a civil date. */
cl_week_t cl_week_of_date(int y, int m, int d);

/* Days since 1970-01-01 of the Monday that starts W. */
int64_t cl_week_monday(cl_week_t w);

/* Consecutive week numbering: index(add(w, n)) == index(w) + n. */
int64_t cl_week_index(cl_week_t w);
cl_week_t cl_week_from_index(int64_t index);
cl_week_t cl_week_add(cl_week_t w, int n);

/* <0, 0, >0 as A is before, equal to or after B. */
int cl_week_cmp(cl_week_t a, cl_week_t b);

/* The same ISO week one year earlier (week 53 -> 52 when that year has 52). */
cl_week_t cl_week_year_ago(cl_week_t w);

/* The last ISO week that has fully ended at NOW (UTC). */
cl_week_t cl_week_last_complete(time_t now);

/* "wow", "mom", "qoq", "yoy" in any case. Returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_window_parse(cl_window_t *out, const char *name, cl_err_t *err);

/* "WoW", "MoM", "QoQ", "YoY". */
const char *cl_window_name(cl_window_t w);

/* The periods that window WIN compares for the period ending at week W. */
cl_window_range_t cl_window_range(cl_window_t win, cl_week_t w);

/* Weeks in each of WIN's two ranges (1, 4, 13, 1): cl_window_range(WIN, w).weeks for any w,
 * without the calendar arithmetic. */
int cl_window_weeks(cl_window_t win);

cl_retail_period_t cl_week_retail_period(cl_week_t w);

#endif
