/* The parallel-for hook (src/core/parallel.c): every task runs exactly once on any thread count,
 * NULL runs in order on the caller's thread, and helpers come only from idle cores. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/parallel.h"

#define N_TASKS 1000

typedef struct {
    atomic_int runs[N_TASKS];
    size_t order[N_TASKS];
    atomic_size_t n_order;
    pthread_t caller;
    atomic_int off_caller;
} log_t;

static void note(void *arg, size_t i)
{
    log_t *l = arg;
    atomic_fetch_add(&l->runs[i], 1);
    l->order[atomic_fetch_add(&l->n_order, 1)] = i;
    if (!pthread_equal(pthread_self(), l->caller)) {
        atomic_fetch_add(&l->off_caller, 1);
    }
    for (volatile int spin = 0; spin < 2000; spin++) { /* long enough for helpers to join in */
    }
}

static void run(const cl_parallel_t *p, size_t n, log_t *l)
{
    memset(l, 0, sizeof(*l));
    l->caller = pthread_self();
    cl_parallel_for(p, n, note, l);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(atomic_load(&l->runs[i]), 1);
    }
    assert_int_equal(atomic_load(&l->n_order), n);
}

static void test_parallel__null_runs_in_order_here(void **state)
{
    (void)state;
    static log_t l;
    run(NULL, N_TASKS, &l);
    for (size_t i = 0; i < N_TASKS; i++) {
        assert_int_equal(l.order[i], i);
    }
    assert_int_equal(atomic_load(&l.off_caller), 0);
    run(NULL, 0, &l);
}

static void test_parallel__threads_run_each_task_once(void **state)
{
    (void)state;
    static log_t l;
    for (int threads = 1; threads <= 4; threads++) {
        cl_parallel_threads_t t;
        cl_parallel_threads_init(&t, threads, NULL);
        run(&t.hook, N_TASKS, &l);
        if (threads == 1) {
            assert_int_equal(atomic_load(&l.off_caller), 0);
        }
        run(&t.hook, 1, &l);
        run(&t.hook, 0, &l);
    }
}

static void test_parallel__helpers_only_from_idle_cores(void **state)
{
    (void)state;
    static log_t l;
    cl_cores_t cores;
    cl_cores_init(&cores, 2);
    assert_int_equal(cl_cores_take(&cores, 1), 1); /* this caller's own core */
    assert_int_equal(cl_cores_take(&cores, 1), 1); /* another caller's */
    cl_parallel_threads_t t;
    cl_parallel_threads_init(&t, 2, &cores);
    run(&t.hook, N_TASKS, &l);
    assert_int_equal(atomic_load(&l.off_caller), 0); /* no idle core: all on the caller */
    cl_cores_give(&cores, 1);                        /* the other caller is done */
    run(&t.hook, N_TASKS, &l);
    assert_int_equal(atomic_load(&cores.idle), 1); /* the helper's core given back */
    assert_int_equal(cl_cores_take(&cores, 5), 1);
    assert_int_equal(cl_cores_take(&cores, 1), 0);
    cl_cores_give(&cores, 2);
    assert_int_equal(atomic_load(&cores.idle), 2);
    cl_cores_init(&cores, 0); /* the online processors */
    assert_true(atomic_load(&cores.idle) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel__null_runs_in_order_here),
        cmocka_unit_test(test_parallel__threads_run_each_task_once),
        cmocka_unit_test(test_parallel__helpers_only_from_idle_cores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
