/* parallel.h — a parallel-for that a caller lends to a pure library (the insight engine, the
 * root-cause localiser), so that the library itself starts no thread and holds no global: the
 * library hands over N independent tasks, each writing only its own result, and combines the
 * results in task order afterwards, so what it returns is the same bit for bit whether the hook
 * runs the tasks on one thread or several, in any order.
 *
 * cl_parallel_threads is the one implementation: the caller's thread plus up to threads - 1
 * helper threads started for the call (a task here is milliseconds: a thread start, tens of
 * microseconds, is noise). With a cl_cores_t the helpers are only those cores that are idle at
 * that moment: a process that runs several such callers at once (the app's report builders)
 * shares one cl_cores_t, each caller holding a core while it works, so the machine is never
 * oversubscribed and a lone caller gets the idle ones.
 * Thread safety: a cl_parallel_t may be used by one call at a time per hook; cl_cores_t is
 * thread-safe. */
#ifndef CL_CORE_PARALLEL_H
#define CL_CORE_PARALLEL_H

#include <stdatomic.h>
#include <stddef.h>

typedef void (*cl_parallel_task_fn)(void *arg, size_t i);

typedef struct cl_parallel {
    /* Run TASK(ARG, i) for every i in [0, N), each exactly once, and return when all have
     * returned. Tasks must not depend on each other's order. */
    void (*run)(const struct cl_parallel *p, size_t n, cl_parallel_task_fn task, void *arg);
    void *ctx;
} cl_parallel_t;

/* Run through P, or on this thread in order when P is NULL (what a library does by default). */
void cl_parallel_for(const cl_parallel_t *p, size_t n, cl_parallel_task_fn task, void *arg);

/* A count of the machine's idle cores shared by callers that may run at the same time. */
typedef struct {
    atomic_int idle;
} cl_cores_t;

/* N cores, all idle (N <= 0: the online processors). */
void cl_cores_init(cl_cores_t *c, int n);
/* Take up to WANT idle cores (never blocks); returns how many were taken (0 .. WANT). */
int cl_cores_take(cl_cores_t *c, int want);
/* Give back N cores taken before. */
void cl_cores_give(cl_cores_t *c, int n);

typedef struct {
    cl_parallel_t hook; /* pass &hook to the library */
    int threads;        /* most threads a run uses, the caller's included (>= 1) */
    cl_cores_t *cores;  /* NULL: always up to threads; else helpers only for idle cores */
} cl_parallel_threads_t;

/* Set up T: up to THREADS threads per run (< 1: 1), helpers taken from CORES when not NULL. A
 * helper that cannot be started leaves its tasks to the others (the run still completes). */
void cl_parallel_threads_init(cl_parallel_threads_t *t, int threads, cl_cores_t *cores);

#endif
