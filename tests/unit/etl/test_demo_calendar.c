/* Demo calendar: holidays fall on the right days every year, events move traffic where and for
 * what they should, and the seasonal and weekday patterns average 1 (so they shape, not size). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "etl/demo_calendar.h"

static int64_t day(int y, int m, int d)
{
    return cl_days_from_civil(y, m, d);
}

static void test_demo_calendar__weekdays_and_anchors(void **state)
{
    (void)state;
    assert_int_equal(cl_demo_weekday(day(1970, 1, 1)), 3);   /* a Thursday */
    assert_int_equal(cl_demo_weekday(day(2026, 11, 23)), 0); /* a Monday */
    assert_int_equal(cl_demo_weekday(day(1969, 12, 28)), 6); /* before the epoch: a Sunday */
    assert_true(cl_demo_easter(2024) == day(2024, 3, 31));
    assert_true(cl_demo_easter(2025) == day(2025, 4, 20));
    assert_true(cl_demo_easter(2026) == day(2026, 4, 5));
    assert_true(cl_demo_easter(2038) == day(2038, 4, 25));
    assert_true(cl_demo_black_friday(2024) == day(2024, 11, 29));
    assert_true(cl_demo_black_friday(2025) == day(2025, 11, 28));
    assert_true(cl_demo_black_friday(2026) == day(2026, 11, 27));
    assert_true(cl_demo_nth_weekday(2026, 5, 6, 2) == day(2026, 5, 10)); /* Mother's Day (US) */
    assert_true(cl_demo_eid_al_fitr(2026) == day(2026, 3, 20));
    assert_true(cl_demo_eid_al_fitr(2017) == -1);
}

static void test_demo_calendar__black_friday_peaks_in_the_west(void **state)
{
    (void)state;
    int64_t bf = cl_demo_black_friday(2026);
    cl_demo_dayfx_t na = cl_demo_day_effect(bf, CL_DEMO_HG_NA, 0);
    cl_demo_dayfx_t me = cl_demo_day_effect(bf, CL_DEMO_HG_ME, 0);
    assert_true(fabs(na.traffic - 2.4) < 1e-9);
    assert_true(na.conversion > 1.3 && na.promo_share > 0.5);
    assert_true(me.traffic > 1.5 && me.traffic < na.traffic); /* half strength */
    assert_string_equal(cl_demo_event_name(bf, CL_DEMO_HG_EU), "black_friday");
    cl_demo_dayfx_t cm_tech = cl_demo_day_effect(bf + 3, CL_DEMO_HG_NA, CL_DEMO_TAG_TECH);
    cl_demo_dayfx_t cm_food = cl_demo_day_effect(bf + 3, CL_DEMO_HG_NA, CL_DEMO_TAG_FOOD);
    assert_true(cm_tech.traffic > cm_food.traffic); /* Cyber Monday is about electronics */
    /* Thanksgiving is American */
    assert_true(cl_demo_day_effect(bf - 1, CL_DEMO_HG_NA, 0).traffic >
                cl_demo_day_effect(bf - 1, CL_DEMO_HG_EU, 0).traffic);
}

static void test_demo_calendar__an_ordinary_day_changes_nothing(void **state)
{
    (void)state;
    cl_demo_dayfx_t fx = cl_demo_day_effect(day(2026, 6, 3), CL_DEMO_HG_EU, 0xff);
    assert_true(fx.traffic == 1.0 && fx.conversion == 1.0 && fx.promo_share == 0.0);
    assert_null(cl_demo_event_name(day(2026, 6, 3), CL_DEMO_HG_EU));
}

static void test_demo_calendar__christmas_and_regional_events(void **state)
{
    (void)state;
    assert_true(cl_demo_day_effect(day(2026, 12, 25), CL_DEMO_HG_EU, 0).traffic < 0.7);
    assert_true(cl_demo_day_effect(day(2026, 12, 25), CL_DEMO_HG_ME, 0).traffic == 1.0);
    assert_true(cl_demo_day_effect(day(2026, 12, 18), CL_DEMO_HG_NA, CL_DEMO_TAG_GIFT).traffic >
                cl_demo_day_effect(day(2026, 12, 18), CL_DEMO_HG_NA, CL_DEMO_TAG_FOOD).traffic);
    assert_true(cl_demo_day_effect(day(2026, 11, 11), CL_DEMO_HG_APAC, 0).traffic > 2.0);
    assert_true(cl_demo_day_effect(day(2026, 11, 11), CL_DEMO_HG_EU, 0).traffic == 1.0);
    assert_true(cl_demo_day_effect(day(2026, 3, 15), CL_DEMO_HG_ME, CL_DEMO_TAG_STYLE).traffic >
                1.3);
    assert_true(cl_demo_day_effect(day(2026, 2, 12), CL_DEMO_HG_EU, CL_DEMO_TAG_ROMANCE).traffic >
                1.3);
    assert_true(cl_demo_day_effect(day(2027, 1, 1), CL_DEMO_HG_APAC, 0).traffic < 1.0);
}

static void test_demo_calendar__weekday_and_season_average_one(void **state)
{
    (void)state;
    for (int app = 0; app < 2; app++) {
        double s = 0;
        for (int i = 0; i < 7; i++) {
            s += cl_demo_weekday_factor(day(2026, 11, 23) + i, app);
        }
        assert_true(fabs(s / 7 - 1.0) < 1e-9);
    }
    for (int p = 0; p < CL_DEMO_SEASON_COUNT; p++) {
        double s = 0;
        for (int64_t d = day(2025, 1, 1); d < day(2026, 1, 1); d++) {
            s += cl_demo_season((cl_demo_season_t)p, d);
        }
        assert_true(fabs(s / 365 - 1.0) < 0.02);
    }
    assert_true(cl_demo_season(CL_DEMO_SEASON_TOYS, day(2026, 12, 15)) >
                2.0 * cl_demo_season(CL_DEMO_SEASON_TOYS, day(2026, 6, 15)));
    assert_true(cl_demo_season(CL_DEMO_SEASON_GARDEN, day(2026, 5, 15)) >
                cl_demo_season(CL_DEMO_SEASON_GARDEN, day(2026, 1, 15)));
    /* smooth: neighbouring days differ by little, also across the new year */
    assert_true(fabs(cl_demo_season(CL_DEMO_SEASON_TOYS, day(2026, 12, 31)) -
                     cl_demo_season(CL_DEMO_SEASON_TOYS, day(2027, 1, 1))) < 0.15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_calendar__weekdays_and_anchors),
        cmocka_unit_test(test_demo_calendar__black_friday_peaks_in_the_west),
        cmocka_unit_test(test_demo_calendar__an_ordinary_day_changes_nothing),
        cmocka_unit_test(test_demo_calendar__christmas_and_regional_events),
        cmocka_unit_test(test_demo_calendar__weekday_and_season_average_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
