/* parallel.c — the parallel-for hook: tasks handed out in index order from one atomic counter to
 * the caller's thread and its helpers. */
#include "core/parallel.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_HELPERS 15

void cl_parallel_for(const cl_parallel_t *p, size_t n, cl_parallel_task_fn task, void *arg)
{
    if (p && p->run && n > 1) {
        p->run(p, n, task, arg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        task(arg, i);
    }
}

void cl_cores_init(cl_cores_t *c, int n)
{
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (int)online : 1;
    }
    atomic_init(&c->idle, n);
}

int cl_cores_take(cl_cores_t *c, int want)
{
    int idle = atomic_load(&c->idle);
    while (want > 0 && idle > 0) {
        int take = idle < want ? idle : want;
        if (atomic_compare_exchange_weak(&c->idle, &idle, idle - take)) {
            return take;
        }
    }
    return 0;
}

void cl_cores_give(cl_cores_t *c, int n)
{
    if (n > 0) {
        atomic_fetch_add(&c->idle, n);
    }
}

typedef struct {
    atomic_size_t next;
    size_t n;
    cl_parallel_task_fn task;
    void *arg;
} work_t;

static void drain(work_t *w)
{
    for (size_t i; (i = atomic_fetch_add(&w->next, 1)) < w->n;) {
        w->task(w->arg, i);
    }
}

static void *helper_main(void *arg)
{
    drain(arg);
    return NULL;
}

static void threads_run(const cl_parallel_t *p, size_t n, cl_parallel_task_fn task, void *arg)
{
    const cl_parallel_threads_t *t = p->ctx;
    work_t w = {.n = n, .task = task, .arg = arg};
    atomic_init(&w.next, 0);
    int want = t->threads - 1;
    want = want > MAX_HELPERS ? MAX_HELPERS : want;
    want = (size_t)want > n - 1 ? (int)(n - 1) : want;
    int granted = t->cores ? cl_cores_take(t->cores, want) : want;
    pthread_t helpers[MAX_HELPERS];
    int started = 0;
    for (int h = 0; h < granted; h++) {
        if (pthread_create(&helpers[started], NULL, helper_main, &w) == 0) {
            started++;
        }
    }
    drain(&w);
    for (int h = 0; h < started; h++) {
        pthread_join(helpers[h], NULL);
    }
    if (t->cores) {
        cl_cores_give(t->cores, granted);
    }
}

void cl_parallel_threads_init(cl_parallel_threads_t *t, int threads, cl_cores_t *cores)
{
    t->threads = threads < 1 ? 1 : threads;
    t->cores = cores;
    t->hook.run = threads_run;
    t->hook.ctx = t;
}
