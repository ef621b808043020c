/* Calendar: ISO week keys, 53-week years, year boundaries, windows and the retail calendar. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"

static cl_week_t wk(int y, int w)
{
    cl_week_t r = {y, w};
    return r;
}

static void assert_week(cl_week_t got, int y, int w)
{
    assert_int_equal(got.year, y);
    assert_int_equal(got.week, w);
}

static void test_calendar__weeks_in_year(void **state)
{
    (void)state;
    assert_int_equal(cl_week_weeks_in_year(2020), 53);
    assert_int_equal(cl_week_weeks_in_year(2021), 52);
    assert_int_equal(cl_week_weeks_in_year(2025), 52);
    assert_int_equal(cl_week_weeks_in_year(2026), 53);
    assert_int_equal(cl_week_weeks_in_year(2015), 53);
    assert_int_equal(cl_week_weeks_in_year(2032), 53);
}

static void test_calendar__week_of_date_at_year_boundaries(void **state)
{
    (void)state;
    assert_week(cl_week_of_date(2021, 1, 1), 2020, 53); /* a Friday: belongs to 2020's week 53 */
    assert_week(cl_week_of_date(2021, 1, 4), 2021, 1);
    assert_week(cl_week_of_date(2024, 12, 30), 2025, 1); /* a Monday in 2024, week 1 of 2025 */
    assert_week(cl_week_of_date(2026, 11, 24), 2026, 48);
    assert_week(cl_week_of_date(2026, 12, 31), 2026, 53);
    assert_week(cl_week_of_date(2027, 1, 3), 2026, 53);
    assert_week(cl_week_of_date(2027, 1, 4), 2027, 1);
}

static void test_calendar__parse_and_format_round_trip(void **state)
{
    (void)state;
    cl_week_t w;
    cl_err_t err;
    assert_int_equal(cl_week_parse(&w, "2026-W47", &err), 0);
    assert_week(w, 2026, 47);
    char key[CL_WEEK_KEY_LEN];
    cl_week_format(key, wk(2026, 7));
    assert_string_equal(key, "2026-W07");
    /* written by hand: the same text as "%04d-W%02d" of the year's and week's last digits */
    const cl_week_t weeks[] = {wk(2026, 53), wk(1900, 1), wk(9999, 10), wk(12026, 47), wk(7, 3)};
    for (size_t i = 0; i < sizeof weeks / sizeof weeks[0]; i++) {
        char want[32];
        snprintf(want, sizeof want, "%04d-W%02d", weeks[i].year % 10000, weeks[i].week % 100);
        cl_week_format(key, weeks[i]);
        assert_string_equal(key, want);
    }
    assert_int_equal(cl_week_parse(&w, "2026-W53", &err), 0);
}

static void test_calendar__parse_rejects_bad_keys(void **state)
{
    (void)state;
    const char *bad[] = {"2025-W53",  "2026-W00", "2026-W54", "2026W47",  "2026-w47", "2026-W4",
                         "2026-W477", "abcd-W01", "",         "2026-W4'", "1899-W01", "2026-W47 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cl_week_t w;
        cl_err_t err;
        assert_int_equal(cl_week_parse(&w, bad[i], &err), CL_EINVAL);
        assert_int_equal(err.code, CL_EINVAL);
        assert_true(strlen(err.msg) > 0);
    }
    cl_err_t err;
    cl_week_t w;
    assert_int_equal(cl_week_parse(&w, NULL, &err), CL_EINVAL);
}

static void test_calendar__add_crosses_years(void **state)
{
    (void)state;
    assert_week(cl_week_add(wk(2026, 52), 1), 2026, 53);
    assert_week(cl_week_add(wk(2026, 53), 1), 2027, 1);
    assert_week(cl_week_add(wk(2025, 52), 1), 2026, 1);
    assert_week(cl_week_add(wk(2027, 1), -1), 2026, 53);
    assert_week(cl_week_add(wk(2026, 1), -1), 2025, 52);
    assert_week(cl_week_add(wk(2026, 47), -52 * 3), 2023, 47);
    for (int i = -600; i <= 600; i += 7) {
        cl_week_t w = cl_week_add(wk(2026, 10), i);
        assert_int_equal(cl_week_index(w) - cl_week_index(wk(2026, 10)), i);
    }
}

static void test_calendar__windows(void **state)
{
    (void)state;
    cl_window_range_t r = cl_window_range(CL_WINDOW_WOW, wk(2026, 1));
    assert_week(r.cur_first, 2026, 1);
    assert_week(r.prev_first, 2025, 52);
    assert_week(r.prev_last, 2025, 52);

    r = cl_window_range(CL_WINDOW_MOM, wk(2026, 47));
    assert_int_equal(r.weeks, 4);
    assert_week(r.cur_first, 2026, 44);
    assert_week(r.cur_last, 2026, 47);
    assert_week(r.prev_first, 2026, 40);
    assert_week(r.prev_last, 2026, 43);

    r = cl_window_range(CL_WINDOW_QOQ, wk(2026, 5));
    assert_int_equal(r.weeks, 13);
    assert_week(r.cur_first, 2025, 45);
    assert_week(r.prev_last, 2025, 44);
    assert_week(r.prev_first, 2025, 32);

    r = cl_window_range(CL_WINDOW_YOY, wk(2026, 47));
    assert_week(r.prev_first, 2025, 47);
    r = cl_window_range(CL_WINDOW_YOY, wk(2027, 53 - 1));
    assert_week(r.prev_first, 2026, 52);
    /* 2026 has a week 53 but 2025 does not: compare with 2025's last week */
    r = cl_window_range(CL_WINDOW_YOY, wk(2026, 53));
    assert_week(r.prev_first, 2025, 52);
    /* cl_window_weeks is the range's length, whatever the week */
    for (int w = 0; w < CL_WINDOW_COUNT; w++) {
        for (int week = 1; week <= 53; week += 13) {
            assert_int_equal(cl_window_weeks((cl_window_t)w),
                             cl_window_range((cl_window_t)w, wk(2026, week)).weeks);
        }
    }
    assert_int_equal(cl_window_weeks(CL_WINDOW_QOQ), 13);
}

static void test_calendar__window_names(void **state)
{
    (void)state;
    cl_window_t w;
    cl_err_t err;
    assert_int_equal(cl_window_parse(&w, "mom", &err), 0);
    assert_int_equal(w, CL_WINDOW_MOM);
    assert_string_equal(cl_window_name(CL_WINDOW_YOY), "YoY");
    assert_int_equal(cl_window_parse(&w, "WoW; DROP TABLE x", &err), CL_EINVAL);
    assert_int_equal(cl_window_parse(&w, NULL, &err), CL_EINVAL);
}

static void test_calendar__last_complete_week(void **state)
{
    (void)state;
    /* Tuesday 2026-11-24 12:00 UTC: week 48 is under way, week 47 is the last complete one */
    time_t t = (time_t)(cl_days_from_civil(2026, 11, 24) * 86400 + 12 * 3600);
    assert_week(cl_week_last_complete(t), 2026, 47);
    /* Monday 00:00 of week 48: week 47 just ended */
    t = (time_t)(cl_days_from_civil(2026, 11, 23) * 86400);
    assert_week(cl_week_last_complete(t), 2026, 47);
    /* Sunday 23:59 of week 47: week 47 has not ended yet */
    t = (time_t)(cl_days_from_civil(2026, 11, 22) * 86400 + 86399);
    assert_week(cl_week_last_complete(t), 2026, 46);
}

static void test_calendar__civil_round_trip(void **state)
{
    (void)state;
    for (int64_t d = -800000; d < 800000; d += 997) {
        int y, m, dd;
        cl_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(cl_days_from_civil(y, m, dd), d);
    }
    assert_int_equal(cl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cl_days_from_civil(2000, 3, 1), 11017);
}

static void test_calendar__retail_454(void **state)
{
    (void)state;
    cl_retail_period_t p = cl_week_retail_period(wk(2026, 1));
    assert_int_equal(p.quarter, 1);
    assert_int_equal(p.month, 1);
    p = cl_week_retail_period(wk(2026, 5));
    assert_int_equal(p.month, 2);
    assert_int_equal(p.week_of_month, 1);
    p = cl_week_retail_period(wk(2026, 13));
    assert_int_equal(p.month, 3);
    assert_int_equal(p.week_of_month, 4);
    p = cl_week_retail_period(wk(2026, 14));
    assert_int_equal(p.quarter, 2);
    assert_int_equal(p.month, 4);
    p = cl_week_retail_period(wk(2026, 53));
    assert_int_equal(p.quarter, 4);
    assert_int_equal(p.month, 12);
    assert_int_equal(p.week_of_month, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar__weeks_in_year),
        cmocka_unit_test(test_calendar__week_of_date_at_year_boundaries),
        cmocka_unit_test(test_calendar__parse_and_format_round_trip),
        cmocka_unit_test(test_calendar__parse_rejects_bad_keys),
        cmocka_unit_test(test_calendar__add_crosses_years),
        cmocka_unit_test(test_calendar__windows),
        cmocka_unit_test(test_calendar__window_names),
        cmocka_unit_test(test_calendar__last_complete_week),
        cmocka_unit_test(test_calendar__civil_round_trip),
        cmocka_unit_test(test_calendar__retail_454),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
