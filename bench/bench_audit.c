/* bench_audit.c — what a journaled audit record costs, thread by thread: report views appended to
 * the journal at a steady rate (as the app does under load), moved into audit.db by the writer and
 * synced by the flusher. Prints the CPU time per record of the appending threads, of the writer
 * thread and of the flusher thread (from /proc/self/task/<tid>/schedstat), which is far less
 * noisy on a shared machine than a throughput figure.
 *
 *   bench_audit [FOLDER [RATE [SECONDS [THREADS]]]]   (default: a temporary folder, 40000 records
 *                                                      a second, 4 seconds, 2 appending threads)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/audit.h"

static cl_audit_t *g_audit;
static double g_rate, g_seconds;
static int g_threads;

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU nanoseconds of this process's thread named NAME (0 when there is none). */
static uint64_t thread_cpu_ns(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    uint64_t total = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            continue;
        }
        if (!fgets(comm, sizeof comm, f)) {
            comm[0] = '\0';
        }
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name) != 0) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
        unsigned long long ns = 0;
        if ((f = fopen(path, "r")) != NULL) {
            if (fscanf(f, "%llu", &ns) != 1) {
                ns = 0;
            }
            fclose(f);
        }
        total += ns;
    }
    if (d) {
        closedir(d);
    }
    return total;
}

typedef struct {
    int index;
    uint64_t records, cpu_ns;
} appender_t;

/* Appends its share of the rate in bursts every millisecond, like replies of many connections. */
static void *append_main(void *arg)
{
    appender_t *ap = arg;
    double per_ms = g_rate / 1000.0 / g_threads;
    uint64_t start = now_ns(CLOCK_MONOTONIC), cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t end = start + (uint64_t)(g_seconds * 1e9);
    double owed = 0;
    char rid[32], detail[512];
    for (uint64_t tick = 1;; tick++) {
        owed += per_ms;
        for (; owed >= 1.0; owed -= 1.0) {
            snprintf(rid, sizeof rid, "%02d%014llx", ap->index, (unsigned long long)ap->records);
            snprintf(detail, sizeof detail,
                     "{\"cache\":\"hit\",\"category\":\"auto\",\"region\":\"asia_pacific\","
                     "\"snapshot\":\"2026-W47.31ff95788a611703\",\"stale\":false,"
                     "\"week\":\"2026-W47\",\"window\":\"WoW\"}");
            cl_audit_event_t ev = {.event = "report_view",
                                   .user_id = "leader@example.com",
                                   .role = "leader",
                                   .team = "leadership",
                                   .request_id = rid,
                                   .client = "127.0.0.1",
                                   .detail_text = detail};
            cl_err_t err;
            if (cl_audit_append_journaled(g_audit, &ev, &err) != 0) {
                fprintf(stderr, "bench_audit: %s\n", err.msg);
                exit(1);
            }
            ap->records++;
        }
        uint64_t due = start + tick * 1000000u, now = now_ns(CLOCK_MONOTONIC);
        if (now >= end) {
            break;
        }
        if (due > now) {
            struct timespec ts = {0, (long)(due - now)};
            nanosleep(&ts, NULL);
        }
    }
    ap->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    return NULL;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/bench-audit-XXXXXX";
    const char *dir = argc > 1 && argv[1][0] ? argv[1] : mkdtemp(tmpl);
    g_rate = argc > 2 ? atof(argv[2]) : 40000;
    g_seconds = argc > 3 ? atof(argv[3]) : 4;
    g_threads = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 2;
    if (!dir || g_rate <= 0 || g_seconds <= 0 || g_threads < 1 || g_threads > 64) {
        fprintf(stderr, "usage: bench_audit [FOLDER [RATE [SECONDS [THREADS]]]]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/audit.db", dir);
    cl_err_t err;
    if (cl_audit_open(&g_audit, path, &err) != 0) {
        fprintf(stderr, "bench_audit: %s\n", err.msg);
        return 1;
    }
    appender_t ap[64] = {{0}};
    pthread_t t[64];
    for (int i = 0; i < g_threads; i++) {
        ap[i].index = i;
        pthread_create(&t[i], NULL, append_main, &ap[i]);
    }
    uint64_t records = 0, append_ns = 0;
    for (int i = 0; i < g_threads; i++) {
        pthread_join(t[i], NULL);
        records += ap[i].records;
        append_ns += ap[i].cpu_ns;
    }
    cl_audit_settle(g_audit);
    uint64_t writer = thread_cpu_ns("audit-writer"), flusher = thread_cpu_ns("audit-flusher");
    cl_audit_stats_t st;
    cl_audit_stats(&st, g_audit);
    printf("bench_audit: %llu records in %.1f s (%.0f/s), %llu writer batches: CPU per record: "
           "append %.2f us, writer %.2f us, flusher %.2f us, total %.2f us\n",
           (unsigned long long)records, g_seconds, (double)records / g_seconds,
           (unsigned long long)st.batches, (double)append_ns / (double)records / 1e3,
           (double)writer / (double)records / 1e3, (double)flusher / (double)records / 1e3,
           (double)(append_ns + writer + flusher) / (double)records / 1e3);
    cl_audit_close(g_audit);
    return 0;
}
