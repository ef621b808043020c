/* test_ledger.c — credit budgets that cannot be overspent: the race of 100 concurrent reservations
 * against a budget that admits exactly k, settling, leaked reservations that expire, and the period
 * rollover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "ai/ledger.h"
#include "ai_fixture.h"
#include "../support/tmpdir.h"

#define T0 1796169600000LL /* 2026-12-01T00:00:00Z */

static char dir[256];
static char path[512];

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/ai.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(dir);
    return 0;
}

static cl_ledger_t *open_with(const char *budgets_json, json_t **section)
{
    *section = json_parse_or_die(budgets_json);
    cl_budget_policy_t p;
    assert_int_equal(cl_budget_policy_read(&p, *section, NULL), 0);
    cl_ledger_t *l = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    if (cl_ledger_open(&l, path, &p, &err) != 0) {
        print_error("%s\n", err.msg);
        fail();
    }
    return l;
}

static cl_ledger_entry_t entry(const char *user, const char *team, int64_t cost)
{
    cl_ledger_entry_t e;
    memset(&e, 0, sizeof e);
    e.user = user;
    e.team = team;
    e.role = "category_manager";
    e.model = "m";
    e.provider = "openai";
    e.prompt_version = "v1";
    e.cost_micros = cost;
    e.checks = "[]";
    return e;
}

enum { RACERS = 100, K = 7, RESERVE = 1000 };

struct racer {
    cl_ledger_t *l;
    int admitted;
    int rc;
};

static void *race(void *p)
{
    struct racer *r = p;
    char id[33];
    cl_err_t err;
    r->rc = cl_ledger_reserve(id, r->l, "maria", "team_a", RESERVE, T0, &err);
    if (r->rc == 0) {
        r->admitted = 1;
        usleep(2000); /* the "provider call": other racers try meanwhile */
        cl_ledger_entry_t e = entry("maria", "team_a",
                                    RESERVE - 1); /* the actual cost, never above the reservation */
        r->rc = cl_ledger_settle(r->l, id, &e, T0 + 1, &err);
    }
    return NULL;
}

static void test_ledger__concurrent_requests_never_overspend(void **state)
{
    (void)state;
    json_t *section = NULL;
    /* the user's budget admits exactly K reservations (K x 1000 + 999); the team's is larger */
    char budgets[256];
    snprintf(budgets, sizeof budgets, "{\"user_micros\": %d, \"team_micros\": 100000000}",
             K * RESERVE + RESERVE - 1);
    cl_ledger_t *l = open_with(budgets, &section);
    pthread_t th[RACERS];
    struct racer r[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){l, 0, -1};
        pthread_create(&th[i], NULL, race, &r[i]);
    }
    int admitted = 0, denied = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        admitted += r[i].admitted;
        denied += r[i].rc == CL_EBUDGET;
        assert_true(r[i].rc == 0 || r[i].rc == CL_EBUDGET);
    }
    /* with 2 ms calls and 100 racers, some admitted requests settle before others try: at least K
     * run, and the money spent never passes the limit */
    assert_int_equal(admitted + denied, RACERS);
    json_t *u = NULL;
    assert_int_equal(cl_ledger_usage(&u, l, "maria", "team_a", T0 + 2, NULL), 0);
    json_t *user = json_object_get(u, "user");
    int64_t spent = json_integer_value(json_object_get(user, "spent_micros"));
    assert_int_equal(spent, (int64_t)admitted * (RESERVE - 1));
    assert_true(spent <= K * RESERVE + RESERVE - 1);
    assert_true(admitted >= K);
    assert_int_equal(json_integer_value(json_object_get(user, "reserved_micros")), 0);
    int64_t open = -1;
    assert_int_equal(cl_ledger_open_reservations(&open, l, T0 + 2, NULL), 0);
    assert_int_equal(open, 0);
    json_decref(u);
    cl_ledger_close(l);
    json_decref(section);
}

struct holder {
    cl_ledger_t *l;
    int rc;
};

static void *reserve_only(void *p)
{
    struct holder *h = p;
    char id[33];
    h->rc = cl_ledger_reserve(id, h->l, "ana", "team_b", RESERVE, T0, NULL);
    return NULL;
}

static void test_ledger__exactly_k_reservations_fit_at_once(void **state)
{
    (void)state;
    json_t *section = NULL;
    char budgets[256];
    snprintf(budgets, sizeof budgets, "{\"user_micros\": -1, \"team_micros\": %d}",
             K * RESERVE + RESERVE / 2);
    cl_ledger_t *l = open_with(budgets, &section);
    pthread_t th[RACERS];
    struct holder h[RACERS];
    for (int i = 0; i < RACERS; i++) {
        h[i] = (struct holder){l, -1};
        pthread_create(&th[i], NULL, reserve_only, &h[i]);
    }
    int ok = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        ok += h[i].rc == 0;
    }
    assert_int_equal(ok,
                     K); /* nobody settles: exactly K fit, the team budget is the one that binds */
    char id[33];
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_ledger_reserve(id, l, "ana", "team_b", RESERVE, T0, &err), CL_EBUDGET);
    assert_non_null(strstr(err.msg, "team budget exhausted"));
    cl_ledger_close(l);
    json_decref(section);
}

static void test_ledger__leaked_reservations_expire(void **state)
{
    (void)state;
    json_t *section = NULL;
    cl_ledger_t *l = open_with("{\"user_micros\": 1500, \"reservation_ttl_ms\": 60000}", &section);
    char id[33];
    assert_int_equal(cl_ledger_reserve(id, l, "leo", "t", 1000, T0, NULL), 0);
    /* the holder crashed: no settle. A second reservation does not fit while the first counts … */
    assert_int_equal(cl_ledger_reserve(id, l, "leo", "t", 1000, T0 + 59999, NULL), CL_EBUDGET);
    /* … and fits once it expired */
    assert_int_equal(cl_ledger_reserve(id, l, "leo", "t", 1000, T0 + 60000, NULL), 0);
    int64_t open = 0;
    assert_int_equal(cl_ledger_open_reservations(&open, l, T0 + 60000, NULL), 0);
    assert_int_equal(open, 1);
    /* settling an expired reservation still charges what was spent */
    cl_ledger_entry_t e = entry("leo", "t", 900);
    assert_int_equal(cl_ledger_settle(l, id, &e, T0 + 200000, NULL), 0);
    json_t *u = NULL;
    assert_int_equal(cl_ledger_usage(&u, l, "leo", "t", T0 + 200000, NULL), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(u, "user"), "spent_micros")), 900);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(u, "user"), "remaining_micros")), 600);
    assert_string_equal(json_string_value(json_object_get(u, "period")), "2026-12");
    json_decref(u);
    cl_ledger_close(l);
    json_decref(section);
}

static void test_ledger__budgets_per_period_and_overrides(void **state)
{
    (void)state;
    json_t *section = NULL;
    cl_ledger_t *l = open_with(
        "{\"period\": \"day\", \"user_micros\": 100, \"users\": {\"vip\": 10000}}", &section);
    char id[33];
    assert_int_equal(cl_ledger_reserve(id, l, "vip", "t", 5000, T0, NULL), 0);
    cl_ledger_entry_t e = entry("vip", "t", 5000);
    assert_int_equal(cl_ledger_settle(l, id, &e, T0, NULL), 0);
    assert_int_equal(cl_ledger_reserve(id, l, "vip", "t", 5001, T0, NULL), CL_EBUDGET);
    assert_int_equal(cl_ledger_reserve(id, l, "vip", "t", 5001, T0 + 86400000LL, NULL),
                     0); /* next day */
    assert_int_equal(cl_ledger_reserve(id, l, "bob", "t", 101, T0, NULL), CL_EBUDGET);
    assert_int_equal(cl_ledger_reserve(id, l, "bob", "t", 0, T0, NULL), 0);
    assert_string_equal(id, "");
    char key[16];
    cl_ledger_period_key(key, CL_PERIOD_WEEK, T0);
    assert_string_equal(key, "2026-W49");
    cl_ledger_close(l);
    json_decref(section);
    json_t *bad = json_parse_or_die("{\"period\": \"fortnight\"}");
    cl_budget_policy_t p;
    assert_int_equal(cl_budget_policy_read(&p, bad, NULL), CL_ECONFIG);
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ledger__concurrent_requests_never_overspend, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ledger__exactly_k_reservations_fit_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ledger__leaked_reservations_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger__budgets_per_period_and_overrides, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
