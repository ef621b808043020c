/* Report builder threads: every job runs exactly once with a report context of its own thread,
 * from any number of submitting threads; a job may submit more work and freeing the builders runs
 * all of it first; a busy builder's queue is taken over by an idle one; the side context runs on
 * the caller's thread; bad thread counts are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/builders.h"

static cl_catalog_t *g_cat;

static int setup(void **state)
{
    (void)state;
    cl_err_t err;
    if (cl_catalog_load(&g_cat, "config/metrics.yaml", &err) != 0) {
        fprintf(stderr, "catalog: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cl_catalog_free(g_cat);
    return 0;
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int ran, without_ctx, gate_open, chain_left;
    pthread_t threads[64];
    int nthreads;
    cl_builders_t *b;
} counter_t;

#define COUNTER_INIT                                                                               \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, {0}, 0, NULL              \
    }

static void note_thread(counter_t *c)
{
    pthread_t me = pthread_self();
    for (int i = 0; i < c->nthreads; i++) {
        if (pthread_equal(c->threads[i], me)) {
            return;
        }
    }
    if (c->nthreads < 64) {
        c->threads[c->nthreads++] = me;
    }
}

static void count_job(cl_report_ctx_t *ctx, void *payload)
{
    counter_t *c = payload;
    pthread_mutex_lock(&c->lock);
    c->ran++;
    c->without_ctx += ctx == NULL;
    note_thread(c);
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
}

typedef struct {
    cl_builders_t *b;
    counter_t *c;
    int n, index;
} submitter_t;

static void *submitter(void *arg)
{
    submitter_t *s = arg;
    for (int i = 0; i < s->n; i++) {
        char affinity[32];
        snprintf(affinity, sizeof affinity, "slice-%d", (s->index * 7 + i) % 5);
        cl_err_t err;
        assert_int_equal(cl_builders_submit(s->b, i % 3 ? affinity : NULL, count_job, s->c, &err),
                         0);
    }
    return NULL;
}

static void test_every_job_runs_once(void **state)
{
    (void)state;
    cl_builders_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_builders_new(&b, g_cat, 3, 1, &err), 0);
    counter_t c = COUNTER_INIT;
    pthread_t t[4];
    submitter_t s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (submitter_t){b, &c, 50, i};
        pthread_create(&t[i], NULL, submitter, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    cl_builders_free(b); /* runs whatever is still queued */
    assert_int_equal(c.ran, 200);
    assert_int_equal(c.without_ctx, 0);
    assert_true(c.nthreads >= 1 && c.nthreads <= 3);
}

/* A job that submits the next one until the chain is done. */
static void chain_job(cl_report_ctx_t *ctx, void *payload)
{
    counter_t *c = payload;
    count_job(ctx, c);
    pthread_mutex_lock(&c->lock);
    int more = --c->chain_left > 0;
    pthread_mutex_unlock(&c->lock);
    cl_err_t err;
    if (more) {
        assert_int_equal(cl_builders_submit(c->b, "chain", chain_job, c, &err), 0);
    }
}

static void test_free_runs_jobs_submitted_by_jobs(void **state)
{
    (void)state;
    cl_err_t err;
    counter_t c = COUNTER_INIT;
    c.chain_left = 10;
    assert_int_equal(cl_builders_new(&c.b, g_cat, 2, 1, &err), 0);
    assert_int_equal(cl_builders_submit(c.b, "chain", chain_job, &c, &err), 0);
    cl_builders_free(c.b);
    assert_int_equal(c.ran, 10);
}

/* Holds its builder until the gate opens. */
static void gate_job(cl_report_ctx_t *ctx, void *payload)
{
    counter_t *c = payload;
    pthread_mutex_lock(&c->lock);
    while (!c->gate_open) {
        pthread_cond_wait(&c->changed, &c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    count_job(ctx, c);
}

static void test_idle_builder_takes_a_busy_ones_work(void **state)
{
    (void)state;
    cl_builders_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_builders_new(&b, g_cat, 2, 1, &err), 0);
    counter_t gate = COUNTER_INIT, quick = COUNTER_INIT;
    /* both on the same slice: the second waits in the busy builder's queue unless stolen */
    assert_int_equal(cl_builders_submit(b, "same", gate_job, &gate, &err), 0);
    assert_int_equal(cl_builders_submit(b, "same", count_job, &quick, &err), 0);
    pthread_mutex_lock(&quick.lock);
    while (quick.ran == 0) {
        pthread_cond_wait(&quick.changed, &quick.lock);
    }
    pthread_mutex_unlock(&quick.lock);
    assert_int_equal(quick.ran, 1);
    assert_int_equal(gate.ran, 0); /* still held: the quick job ran on the other builder */
    /* the quick job signals from inside itself; its builder counts it done just after it returns */
    for (int i = 0; i < 5000 && cl_builders_pending(b) > 1; i++) {
        usleep(1000);
    }
    assert_int_equal(cl_builders_pending(b), 1);
    pthread_mutex_lock(&gate.lock);
    gate.gate_open = 1;
    pthread_cond_broadcast(&gate.changed);
    pthread_mutex_unlock(&gate.lock);
    cl_builders_free(b);
    assert_int_equal(gate.ran, 1);
}

static void test_side_context_runs_on_the_caller(void **state)
{
    (void)state;
    cl_builders_t *b = NULL;
    cl_err_t err;
    assert_int_equal(cl_builders_new(&b, g_cat, 1, 1, &err), 0);
    counter_t c = COUNTER_INIT;
    cl_builders_with_ctx(b, count_job, &c);
    assert_int_equal(c.ran, 1);
    assert_int_equal(c.without_ctx, 0);
    assert_true(pthread_equal(c.threads[0], pthread_self()));
    cl_builders_free(b);
}

static void test_bad_thread_counts_are_refused(void **state)
{
    (void)state;
    cl_builders_t *b = (cl_builders_t *)1;
    cl_err_t err;
    assert_int_equal(cl_builders_new(&b, g_cat, 0, 1, &err), CL_EINVAL);
    assert_null(b);
    assert_non_null(strstr(err.msg, "1 to 64"));
    assert_int_equal(cl_builders_new(&b, g_cat, 65, 1, &err), CL_EINVAL);
    cl_builders_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_runs_once),
        cmocka_unit_test(test_free_runs_jobs_submitted_by_jobs),
        cmocka_unit_test(test_idle_builder_takes_a_busy_ones_work),
        cmocka_unit_test(test_side_context_runs_on_the_caller),
        cmocka_unit_test(test_bad_thread_counts_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
