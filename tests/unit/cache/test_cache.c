/* The cache contract, run against both backends (in-process and a real redis-server on a random
 * port), plus what only one has: LRU bounds in process; Redis killed mid-test (misses, dropped
 * writes, local counters, counted) and coming back (reconnected, counted). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "../support/redis_server.h"

static redis_server_t redis;

static cl_cache_t *open_cache(int use_redis, size_t max_entries, size_t max_bytes)
{
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", redis.port);
    cl_cache_options_t opt = {
        .redis_url = use_redis ? url : NULL,
        .prefix = "test:",
        .max_entries = max_entries,
        .max_bytes = max_bytes,
        .retry_ms = 100,
    };
    cl_cache_t *c = NULL;
    cl_err_t err;
    if (cl_cache_open(&c, &opt, &err) != 0) {
        fail_msg("open: %s", err.msg);
    }
    return c;
}

static void contract(int use_redis)
{
    cl_cache_t *c = open_cache(use_redis, 0, 0);
    assert_string_equal(cl_cache_backend(c), use_redis ? "redis" : "memory");
    cl_err_t err;
    char *v = NULL;
    size_t n = 0;
    assert_int_equal(cl_cache_delete(c, "k1", &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "k1", &err), CL_ENOTFOUND);
    const char bin[] = {'a', 0, 'b', '\n', (char)0xff};
    assert_int_equal(cl_cache_set(c, "k1", bin, sizeof bin, 60000, &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "k1", &err), 0);
    assert_int_equal(n, sizeof bin);
    assert_memory_equal(v, bin, sizeof bin);
    assert_int_equal(v[n], '\0');
    free(v);
    assert_int_equal(cl_cache_set(c, "k1", "new", 3, 60000, &err), 0); /* overwrite */
    assert_int_equal(cl_cache_get(&v, &n, c, "k1", &err), 0);
    assert_string_equal(v, "new");
    free(v);
    assert_int_equal(cl_cache_delete(c, "k1", &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "k1", &err), CL_ENOTFOUND);

    assert_int_equal(cl_cache_set(c, "short", "x", 1, 50, &err), 0);
    usleep(200 * 1000);
    assert_int_equal(cl_cache_get(&v, &n, c, "short", &err), CL_ENOTFOUND);

    assert_int_equal(cl_cache_get(&v, &n, c, "", &err), CL_EINVAL);
    assert_int_equal(cl_cache_get(&v, &n, c, "has space", &err), CL_EINVAL);
    assert_int_equal(cl_cache_set(c, "k", "x", 1, 0, &err), CL_EINVAL);
    char long_key[CL_CACHE_MAX_KEY + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(cl_cache_set(c, long_key, "x", 1, 1000, &err), CL_EINVAL);
    long_key[CL_CACHE_MAX_KEY] = '\0'; /* the longest key there is, behind its prefix */
    assert_int_equal(cl_cache_set(c, long_key, "max", 3, 60000, &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, long_key, &err), 0);
    assert_string_equal(v, "max");
    free(v);
    long_key[CL_CACHE_MAX_KEY - 1] = 'j'; /* another key of that length */
    assert_int_equal(cl_cache_get(&v, &n, c, long_key, &err), CL_ENOTFOUND);

    int64_t count = 0;
    assert_int_equal(cl_cache_incr(&count, c, "rl", 60000, &err), 0);
    assert_int_equal(count, 1);
    assert_int_equal(cl_cache_incr(&count, c, "rl", 60000, &err), 0);
    assert_int_equal(count, 2);
    assert_int_equal(cl_cache_get(&v, &n, c, "rl", &err), 0);
    assert_string_equal(v, "2");
    free(v);
    assert_int_equal(cl_cache_set(c, "text", "abc", 3, 60000, &err), 0);
    assert_int_equal(cl_cache_incr(&count, c, "text", 60000, &err), CL_EINVAL);
    /* the window starts at its first hit and resets when it expires */
    assert_int_equal(cl_cache_incr(&count, c, "win", 100, &err), 0);
    assert_int_equal(cl_cache_incr(&count, c, "win", 100, &err), 0);
    assert_int_equal(count, 2);
    usleep(300 * 1000);
    assert_int_equal(cl_cache_incr(&count, c, "win", 100, &err), 0);
    assert_int_equal(count, 1);

    /* shared reads: the value stays as it was until released, whatever happens to the entry */
    cl_cache_value_t a, b;
    assert_int_equal(cl_cache_get_shared(&a, c, "gone", &err), CL_ENOTFOUND);
    assert_int_equal(cl_cache_set(c, "shared", "first", 5, 60000, &err), 0);
    assert_int_equal(cl_cache_get_shared(&a, c, "shared", &err), 0);
    assert_int_equal(cl_cache_get_shared(&b, c, "shared", &err), 0);
    assert_int_equal(a.len, 5);
    assert_string_equal(a.data, "first");
    assert_int_equal(cl_cache_set(c, "shared", "second", 6, 60000, &err), 0); /* replaced */
    assert_string_equal(a.data, "first");
    a.release(a.cls);
    assert_int_equal(cl_cache_delete(c, "shared", &err), 0); /* dropped */
    assert_string_equal(b.data, "first");
    assert_int_equal(cl_cache_set(c, "shared", "third", 5, 60000, &err), 0);
    cl_cache_value_t held;
    assert_int_equal(cl_cache_get_shared(&held, c, "shared", &err), 0);
    b.release(b.cls);

    cl_cache_stats_t st;
    cl_cache_stats(&st, c);
    assert_true(st.hits >= 3 && st.misses >= 3);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.backend_up, 1);
    assert_int_equal(cl_cache_delete(c, "rl", &err), 0);
    assert_int_equal(cl_cache_delete(c, "shared", &err), 0);
    cl_cache_close(c);
    assert_string_equal(held.data, "third"); /* outlives the cache */
    held.release(held.cls);
}

static void test_cache__memory_contract(void **state)
{
    (void)state;
    contract(0);
}

static void test_cache__redis_contract(void **state)
{
    (void)state;
    contract(1);
}

struct incr_arg {
    cl_cache_t *c;
    int failures;
};

static void *incr_worker(void *arg)
{
    struct incr_arg *a = arg;
    for (int i = 0; i < 250; i++) {
        int64_t n = 0;
        a->failures += cl_cache_incr(&n, a->c, "shared-counter", 60000, NULL) != 0;
    }
    return NULL;
}

static void concurrent_increments(int use_redis)
{
    cl_cache_t *c = open_cache(use_redis, 0, 0);
    cl_err_t err;
    assert_int_equal(cl_cache_delete(c, "shared-counter", &err), 0);
    struct incr_arg a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (struct incr_arg){c, 0};
        assert_int_equal(pthread_create(&t[i], NULL, incr_worker, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].failures, 0);
    }
    int64_t n = 0;
    assert_int_equal(cl_cache_incr(&n, c, "shared-counter", 60000, &err), 0);
    assert_int_equal(n, 1001); /* no increment was lost */
    cl_cache_close(c);
}

static void test_cache__increments_are_atomic_across_threads(void **state)
{
    (void)state;
    concurrent_increments(0);
    concurrent_increments(1);
}

static void test_cache__memory_is_bounded_least_recently_used_first(void **state)
{
    (void)state;
    cl_cache_t *c = open_cache(0, 16 * 4, 0); /* 4 entries per shard */
    cl_err_t err;
    char key[32], *v = NULL;
    size_t n;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(cl_cache_set(c, key, "value", 5, 60000, &err), 0);
        if (i > 0) {
            assert_int_equal(cl_cache_get(&v, &n, c, "k0", &err), 0); /* kept warm */
            free(v);
        }
    }
    assert_int_equal(cl_cache_get(&v, &n, c, "k0", &err), 0);
    free(v);
    assert_int_equal(cl_cache_get(&v, &n, c, "k1", &err), CL_ENOTFOUND);
    assert_int_equal(cl_cache_get(&v, &n, c, "k1999", &err), 0);
    free(v);
    int kept = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        if (cl_cache_get(&v, &n, c, key, &err) == 0) {
            kept++;
            free(v);
        }
    }
    assert_true(kept <= 64);
    cl_cache_stats_t st;
    cl_cache_stats(&st, c);
    assert_true(st.evictions >= 2000 - 64);
    cl_cache_close(c);

    c = open_cache(0, 0, 16 * 1024); /* 1 KiB per shard: a 4 KiB value can never fit */
    char big[4096];
    memset(big, 'b', sizeof big);
    assert_int_equal(cl_cache_set(c, "big", big, sizeof big, 60000, &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "big", &err), CL_ENOTFOUND);
    cl_cache_close(c);
}

static void test_cache__redis_killed_mid_test_degrades_then_recovers(void **state)
{
    (void)state;
    cl_cache_t *c = open_cache(1, 0, 0);
    cl_err_t err;
    char *v = NULL;
    size_t n = 0;
    int64_t count = 0;
    assert_int_equal(cl_cache_set(c, "report", "{\"a\":1}", 7, 60000, &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "report", &err), 0);
    free(v);

    redis_server_kill(&redis);
    assert_int_equal(cl_cache_get(&v, &n, c, "report", &err),
                     CL_ENOTFOUND);                                      /* a miss, not a failure */
    assert_int_equal(cl_cache_set(c, "report", "x", 1, 60000, &err), 0); /* dropped */
    assert_int_equal(cl_cache_delete(c, "report", &err), 0);
    assert_int_equal(cl_cache_incr(&count, c, "limit", 60000, &err), 0); /* counted locally */
    assert_int_equal(cl_cache_incr(&count, c, "limit", 60000, &err), 0);
    assert_int_equal(count, 2);
    cl_cache_stats_t st;
    cl_cache_stats(&st, c);
    assert_true(st.errors >= 1);
    assert_int_equal(st.backend_up, 0);
    usleep(150 * 1000); /* past retry_ms: the next call tries again, still down */
    assert_int_equal(cl_cache_get(&v, &n, c, "report", &err), CL_ENOTFOUND);
    uint64_t errors_before = st.errors;
    cl_cache_stats(&st, c);
    assert_true(st.errors > errors_before);

    assert_int_equal(redis_server_restart(&redis), 0);
    usleep(150 * 1000);
    assert_int_equal(cl_cache_set(c, "report", "{\"b\":2}", 7, 60000, &err), 0);
    assert_int_equal(cl_cache_get(&v, &n, c, "report", &err), 0);
    assert_string_equal(v, "{\"b\":2}");
    free(v);
    cl_cache_stats(&st, c);
    assert_true(st.reconnects >= 1);
    assert_int_equal(st.backend_up, 1);
    cl_cache_close(c);
}

static void test_cache__unreachable_redis_at_open_and_bad_urls(void **state)
{
    (void)state;
    cl_cache_t *c = NULL;
    cl_err_t err;
    cl_cache_options_t opt = {
        .redis_url = "redis://127.0.0.1:1", .retry_ms = 50, .timeout_ms = 100};
    assert_int_equal(cl_cache_open(&c, &opt, &err), 0);
    char *v = NULL;
    size_t n;
    assert_int_equal(cl_cache_get(&v, &n, c, "x", &err), CL_ENOTFOUND);
    assert_int_equal(cl_cache_set(c, "x", "1", 1, 1000, &err), 0);
    cl_cache_close(c);
    const char *bad[] = {"http://x",
                         "redis://",
                         "redis://h:0",
                         "redis://h:99999",
                         "redis://h/abc",
                         "unix://rel",
                         "redis://h:12x",
                         "unix:///tmp/r.sock?db=",
                         "unix:///tmp/r.sock?db=3x",
                         "unix:///tmp/r.sock?db=-1",
                         "unix:///tmp/r.sock?x=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        opt.redis_url = bad[i];
        if (cl_cache_open(&c, &opt, &err) != CL_ECONFIG) {
            fail_msg("'%s' was accepted", bad[i]);
        }
    }
    opt.redis_url = "redis://user:secret@localhost:6390/2";
    assert_int_equal(cl_cache_open(&c, &opt, &err), 0);
    cl_cache_close(c);
}

static int group_setup(void **state)
{
    (void)state;
    return redis_server_start(&redis);
}

static int group_teardown(void **state)
{
    (void)state;
    redis_server_stop(&redis);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache__memory_contract),
        cmocka_unit_test(test_cache__redis_contract),
        cmocka_unit_test(test_cache__increments_are_atomic_across_threads),
        cmocka_unit_test(test_cache__memory_is_bounded_least_recently_used_first),
        cmocka_unit_test(test_cache__redis_killed_mid_test_degrades_then_recovers),
        cmocka_unit_test(test_cache__unreachable_redis_at_open_and_bad_urls),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
