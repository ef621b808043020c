/* builders.c — report builder threads. DuckDB connections lock while they query, so each builder
 * has its own; a shared database means one buffer manager and one set of DuckDB threads for all of
 * them. Per-builder queues with affinity keep a slice on the thread whose context already holds it;
 * stealing keeps every thread busy while there is work.
 *
 * Cores: a builder holds one of the machine's cores (a shared count, core/parallel.h) while it runs
 * a job, and lends its engine a parallel hook of ENGINE_THREADS threads whose helpers are only the
 * cores idle at that moment. So a lone cold report runs its root-cause localisations on the idle
 * core too, and builders that already fill the machine never start more threads than it has
 * cores. The findings are the same either way (engine.h). */
#include "app/builders.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/parallel.h"
#include "warehouse/db.h"

#define MODULE "app"
#define MAX_BUILDERS 64
#define ENGINE_THREADS 2 /* the caller's and one helper, when a core is idle */

typedef struct job {
    struct job *next;
    cl_builders_job_fn fn;
    void *payload;
} job_t;

typedef struct {
    cl_builders_t *owner;
    int index;
    pthread_t thread;
    int started;
    cl_db_t *db;
    cl_report_ctx_t *ctx;
    job_t *head, *tail;
    int queued;
    int running;               /* a job of its own or stolen */
    cl_parallel_threads_t par; /* the engine's hook: helpers from owner->cores */
} builder_t;

struct cl_builders {
    cl_db_t *root; /* the database, and the side context's connection */
    cl_report_ctx_t *side;
    pthread_mutex_t side_lock;
    cl_cores_t cores; /* the machine's cores not held by a running builder or a helper */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    int pending; /* queued + running */
    int n;
    builder_t builders[MAX_BUILDERS];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h;
}

/* The next job for ME: its own first, else the oldest of the longest queue of a busy builder (an
 * idle one takes its own). Lock held. */
static job_t *take(cl_builders_t *b, builder_t *me)
{
    builder_t *from = me->head ? me : NULL;
    for (int i = 0; !me->head && i < b->n; i++) {
        builder_t *o = &b->builders[i];
        if (o->head && o->running && (!from || o->queued > from->queued)) {
            from = o;
        }
    }
    if (!from) {
        return NULL;
    }
    job_t *j = from->head;
    from->head = j->next;
    if (!from->head) {
        from->tail = NULL;
    }
    from->queued--;
    return j;
}

static void *builder_main(void *arg)
{
    builder_t *me = arg;
    cl_builders_t *b = me->owner;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        job_t *j = take(b, me);
        if (!j) {
            if (b->stopping && b->pending == 0) {
                break;
            }
            pthread_cond_wait(&b->wake, &b->lock);
            continue;
        }
        me->running = 1;
        if (me->head) { /* busy now: an idle builder may take what is queued behind this job */
            pthread_cond_broadcast(&b->wake);
        }
        pthread_mutex_unlock(&b->lock);
        int held = cl_cores_take(&b->cores, 1); /* 0 with more builders busy than cores */
        j->fn(me->ctx, j->payload);
        cl_cores_give(&b->cores, held);
        free(j);
        pthread_mutex_lock(&b->lock);
        me->running = 0;
        if (--b->pending == 0 && b->stopping) {
            pthread_cond_broadcast(&b->wake);
        }
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static int open_builder(cl_builders_t *b, builder_t *me, const cl_catalog_t *cat, cl_err_t *err)
{
    me->owner = b;
    int rc = cl_db_connect(&me->db, b->root, err);
    rc = rc ? rc : cl_report_ctx_open(&me->ctx, me->db, cat, err);
    if (rc == 0) {
        cl_insight_options_t opt;
        cl_insight_options_default(&opt);
        cl_parallel_threads_init(&me->par, ENGINE_THREADS, &b->cores);
        opt.parallel = &me->par.hook;
        cl_report_ctx_set_options(me->ctx, &opt);
    }
    if (rc == 0 && pthread_create(&me->thread, NULL, builder_main, me) != 0) {
        rc = cl_err_set(err, CL_ENOMEM, "cannot start report builder %d", me->index);
    }
    me->started = rc == 0;
    return rc;
}

int cl_builders_new(cl_builders_t **out, const cl_catalog_t *cat, int n, int db_threads,
                    cl_err_t *err)
{
    *out = NULL;
    if (n < 1 || n > MAX_BUILDERS) {
        return cl_err_set(err, CL_EINVAL, "report builders must be 1 to %d", MAX_BUILDERS);
    }
    cl_builders_t *b = calloc(1, sizeof *b);
    if (!b) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_init(&b->side_lock, NULL);
    pthread_cond_init(&b->wake, NULL);
    cl_cores_init(&b->cores, 0);
    cl_db_options_t dbo = {.threads = db_threads};
    int rc = cl_db_open(&b->root, NULL, &dbo, err);
    rc = rc ? rc : cl_report_ctx_open(&b->side, b->root, cat, err);
    for (int i = 0; rc == 0 && i < n; i++) {
        b->builders[i].index = i;
        b->n = i + 1;
        rc = open_builder(b, &b->builders[i], cat, err);
    }
    if (rc != 0) {
        cl_builders_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void cl_builders_free(cl_builders_t *b)
{
    if (!b) {
        return;
    }
    pthread_mutex_lock(&b->lock);
    b->stopping = 1;
    pthread_cond_broadcast(&b->wake);
    pthread_mutex_unlock(&b->lock);
    for (int i = 0; i < b->n; i++) {
        builder_t *me = &b->builders[i];
        if (me->started) {
            pthread_join(me->thread, NULL);
        }
        cl_report_ctx_close(me->ctx);
        cl_db_close(me->db);
    }
    cl_report_ctx_close(b->side);
    cl_db_close(b->root);
    pthread_cond_destroy(&b->wake);
    pthread_mutex_destroy(&b->side_lock);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

int cl_builders_submit(cl_builders_t *b, const char *affinity, cl_builders_job_fn fn, void *payload,
                       cl_err_t *err)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j) {
        return cl_err_set(err, CL_ENOMEM, "out of memory queueing a report");
    }
    j->fn = fn;
    j->payload = payload;
    pthread_mutex_lock(&b->lock);
    builder_t *to = &b->builders[0];
    if (affinity) {
        to = &b->builders[hash(affinity) % (unsigned)b->n];
    } else {
        for (int i = 1; i < b->n; i++) {
            if (b->builders[i].queued < to->queued) {
                to = &b->builders[i];
            }
        }
    }
    if (to->tail) {
        to->tail->next = j;
    } else {
        to->head = j;
    }
    to->tail = j;
    to->queued++;
    b->pending++;
    pthread_cond_broadcast(&b->wake); /* the owner, or any idle builder, takes it */
    pthread_mutex_unlock(&b->lock);
    return 0;
}

void cl_builders_with_ctx(cl_builders_t *b, cl_builders_job_fn fn, void *payload)
{
    pthread_mutex_lock(&b->side_lock);
    fn(b->side, payload);
    pthread_mutex_unlock(&b->side_lock);
}

int cl_builders_pending(cl_builders_t *b)
{
    pthread_mutex_lock(&b->lock);
    int n = b->pending;
    pthread_mutex_unlock(&b->lock);
    return n;
}
