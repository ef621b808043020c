/* calendar.c — week arithmetic on day numbers. Every conversion goes through days since the epoch,
 * so leap years and 53-week years need no special cases beyond the definition of week 1. Civil-date
 * conversions follow the well-known proleptic Gregorian era arithmetic (400-year cycles of 146,097
 * days). */
#include "core/calendar.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t cl_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void cl_civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

/* Monday = 0 … Sunday = 6; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    return (int)(((days % 7) + 7 + 3) % 7);
}

static int64_t week1_monday(int year)
{
    int64_t jan4 = cl_days_from_civil(year, 1, 4);
    return jan4 - weekday(jan4);
}

int cl_week_weeks_in_year(int year)
{
    return (int)((week1_monday(year + 1) - week1_monday(year)) / 7);
}

int64_t cl_week_monday(cl_week_t w)
{
    return week1_monday(w.year) + 7 * (int64_t)(w.week - 1);
}

static cl_week_t week_of_days(int64_t days)
{
    /* the week belongs to the year of its Thursday */
    int64_t thursday = days - weekday(days) + 3;
    int y, m, d;
    cl_civil_from_days(thursday, &y, &m, &d);
    cl_week_t w = {.year = y, .week = (int)((thursday - week1_monday(y)) / 7) + 1};
    return w;
}

cl_week_t cl_week_of_date(int y, int m, int d)
{
    return week_of_days(cl_days_from_civil(y, m, d));
}

/* 1969-12-29 (day -3) is the Monday of week index 0. */
int64_t cl_week_index(cl_week_t w)
{
    return floor_div(cl_week_monday(w) + 3, 7);
}

cl_week_t cl_week_from_index(int64_t index)
{
    return week_of_days(index * 7 - 3);
}

cl_week_t cl_week_add(cl_week_t w, int n)
{
    return cl_week_from_index(cl_week_index(w) + n);
}

int cl_week_cmp(cl_week_t a, cl_week_t b)
{
    if (a.year != b.year) {
        return a.year < b.year ? -1 : 1;
    }
    return a.week < b.week ? -1 : (a.week > b.week ? 1 : 0);
}

cl_week_t cl_week_year_ago(cl_week_t w)
{
    cl_week_t r = {.year = w.year - 1, .week = w.week};
    int n = cl_week_weeks_in_year(r.year);
    if (r.week > n) {
        r.week = n;
    }
    return r;
}

cl_week_t cl_week_last_complete(time_t now)
{
    int64_t days = floor_div((int64_t)now, 86400);
    /* the week holding today is not complete (its Sunday has not ended) */
    return week_of_days(days - weekday(days) - 7);
}

void cl_week_format(char out[CL_WEEK_KEY_LEN], cl_week_t w)
{
    int y = w.year % 10000, k = w.week % 100;
    if (y < 0 || k < 0) {
        snprintf(out, CL_WEEK_KEY_LEN, "%04d-W%02d", y, k);
        return;
    }
    /* by hand: this is on every report request's path */
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = 'W';
    out[6] = (char)('0' + k / 10);
    out[7] = (char)('0' + k % 10);
    out[8] = '\0';
}

int cl_week_parse(cl_week_t *out, const char *key, cl_err_t *err)
{
    if (!key || strlen(key) != 8 || key[4] != '-' || key[5] != 'W') {
        return cl_err_set(err, CL_EINVAL,
                          "week '%.32s' is not of the form YYYY-Www (e.g. 2026-W47)",
                          key ? key : "");
    }
    for (int i = 0; i < 8; i++) {
        if (i != 4 && i != 5 && !isdigit((unsigned char)key[i])) {
            return cl_err_set(err, CL_EINVAL,
                              "week '%s' is not of the form YYYY-Www (e.g. 2026-W47)", key);
        }
    }
    int year = (key[0] - '0') * 1000 + (key[1] - '0') * 100 + (key[2] - '0') * 10 + (key[3] - '0');
    int week = (key[6] - '0') * 10 + (key[7] - '0');
    if (year < 1900) {
        return cl_err_set(err, CL_EINVAL, "week '%s': year before 1900", key);
    }
    if (week < 1 || week > cl_week_weeks_in_year(year)) {
        return cl_err_set(err, CL_EINVAL, "week '%s': %d has %d ISO weeks", key, year,
                          cl_week_weeks_in_year(year));
    }
    out->year = year;
    out->week = week;
    return 0;
}

static const char *WINDOW_NAMES[CL_WINDOW_COUNT] = {"WoW", "MoM", "QoQ", "YoY"};
static const int WINDOW_WEEKS[CL_WINDOW_COUNT] = {1, 4, 13, 1};

int cl_window_parse(cl_window_t *out, const char *name, cl_err_t *err)
{
    for (int i = 0; i < CL_WINDOW_COUNT; i++) {
        if (name && strcasecmp(name, WINDOW_NAMES[i]) == 0) {
            *out = (cl_window_t)i;
            return 0;
        }
    }
    return cl_err_set(err, CL_EINVAL, "window '%.32s' is not one of WoW, MoM, QoQ, YoY",
                      name ? name : "");
}

const char *cl_window_name(cl_window_t w)
{
    return (w >= 0 && w < CL_WINDOW_COUNT) ? WINDOW_NAMES[w] : "?";
}

int cl_window_weeks(cl_window_t win)
{
    return WINDOW_WEEKS[win];
}

cl_window_range_t cl_window_range(cl_window_t win, cl_week_t w)
{
    cl_window_range_t r;
    int n = WINDOW_WEEKS[win];
    r.weeks = n;
    r.cur_last = w;
    r.cur_first = cl_week_add(w, -(n - 1));
    if (win == CL_WINDOW_YOY) {
        r.prev_first = r.prev_last = cl_week_year_ago(w);
    } else {
        r.prev_last = cl_week_add(w, -n);
        r.prev_first = cl_week_add(w, -(2 * n - 1));
    }
    return r;
}

cl_retail_period_t cl_week_retail_period(cl_week_t w)
{
    static const int MONTH_WEEKS[3] = {4, 5, 4};
    cl_retail_period_t p;
    int wk = w.week > 52 ? 52 : w.week;
    p.quarter = (wk - 1) / 13 + 1;
    int in_quarter = (wk - 1) % 13; /* 0..12 */
    int month_in_q = 0;
    while (in_quarter >= MONTH_WEEKS[month_in_q]) {
        in_quarter -= MONTH_WEEKS[month_in_q];
        month_in_q++;
    }
    p.month = (p.quarter - 1) * 3 + month_in_q + 1;
    p.week_of_month = in_quarter + 1 + (w.week == 53 ? 1 : 0);
    return p;
}
