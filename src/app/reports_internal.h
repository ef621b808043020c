/* reports_internal.h — what reports.c (keys, cache, single flight) and reports_build.c (building,
 * summaries, fallback, delivery) share. Not for use outside them. */
#ifndef CL_APP_REPORTS_INTERNAL_H
#define CL_APP_REPORTS_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "app/builders.h"
#include "app/reports.h"

#define REPORTS_DIMS_SLOTS 16
#define REPORTS_ENVELOPE_MAGIC "CLWBR1\n"

typedef struct waiter {
    struct waiter *next;
    cl_reports_done_fn done;
    void *payload;
} waiter_t;

/* One report being made for every request that asked for it meanwhile. */
typedef struct flight {
    struct flight *next; /* in the table */
    cl_reports_t *r;
    cl_reports_key_t key; /* a copy: snapshot_dir is the flight's own */
    char user[129], team[65], role[24];
    waiter_t *waiters;
    json_t *doc;     /* built, waiting for its summary */
    json_t *request; /* the summary request made of it (for the local narrator too) */
    json_t *summary; /* the AI service's answer */
    int ai_rc;
    cl_err_t ai_err;
    double started;               /* monotonic seconds */
    char why[2 * CL_ERR_MSG_MAX]; /* stale or degraded: the first reason, in words */
} flight_t;

typedef struct {
    char *dir;
    json_t *doc;
    unsigned long used;
} dims_slot_t;

/* A week's resolved snapshot folder, kept while WAREHOUSE/current/<week> is the same link (device,
 * inode and change time of the link itself, one lstat) and for at most REPORTS_RESOLVE_TTL_S: a
 * republished week (a new link, renamed or re-made over the old one) is seen at the next lstat, and
 * a snapshot folder deleted behind an unchanged link is noticed within the TTL. */
#define REPORTS_RESOLVE_SLOTS 8
/* The link is looked at (lstat) at most once per REPORTS_RESOLVE_CHECK_S for the whole process:
 * within that time of the last look, each thread answers from its own copy of the slot's answer
 * (no lstat, no lock) while the slot's generation is the one it copied. A republished week is seen
 * within a millisecond by every thread. */
#define REPORTS_RESOLVE_CHECK_S 0.001
#define REPORTS_RESOLVE_TTL_S 1.0

typedef struct {
    char week[CL_WEEK_KEY_LEN];
    char *dir; /* realpath of the link; NULL: slot empty */
    unsigned long long dev, ino;
    long long ctime_ns;
    double resolved_at; /* monotonic seconds */
    /* read without the lock (atomic), written under it: the generation first, then checked_ns */
    uint64_t gen;       /* unique in the process, new whenever the slot's answer is replaced */
    int64_t checked_ns; /* monotonic: the last lstat that confirmed the answer */
} resolve_slot_t;

struct cl_reports {
    const cl_config_t *cfg;
    cl_reports_options_t opt;
    cl_catalog_t *catalog;
    cl_cache_t *cache;
    cl_archive_t *archive;
    cl_builders_t *builders;
    cl_ai_client_t *ai; /* NULL: no summaries */
    int ai_timeout_ms;

    pthread_mutex_t lock; /* flights and dims */
    pthread_cond_t idle;
    flight_t *flights;
    int waiting; /* requests not yet answered */
    dims_slot_t dims[REPORTS_DIMS_SLOTS];
    unsigned long dims_clock;
    resolve_slot_t resolved[REPORTS_RESOLVE_SLOTS]; /* under lock */
    uint64_t serial; /* unique per cl_reports_open in the process: owns the threads' copies */

    cl_metric_family_t *m_builds;    /* {outcome}: built, failed, precomputed, cached */
    cl_metric_family_t *m_build_s;   /* histogram */
    cl_metric_family_t *m_joined;    /* requests that joined a flight */
    cl_metric_family_t *m_summaries; /* {outcome} */
    cl_metric_family_t *m_stale;     /* {reason} */
    cl_metric_family_t *m_in_flight; /* gauge: requests waiting */
};

/* Monotonic seconds. */
double reports_now(void);

/* Start making F's report: a job on the builders. */
CL_NODISCARD int reports_start(flight_t *f, cl_err_t *err);

/* Answer every waiter of F with RES, take F out of the table and free it. */
void reports_deliver(flight_t *f, const cl_reports_result_t *res);

/* Set the meta fields this module owns on DOC: cache, stale, degraded, reasons (stolen; NULL:
 * none) and, when the summary is null, summary_reason. */
void reports_set_meta(json_t *doc, const char *cache, int stale, int degraded, json_t *reasons,
                      const char *summary_reason);

/* The summary the app writes itself from REQUEST (a summary request, cl_ai_client_request) with
 * the offline narrator, checked by the guardrails: a summary_response.schema.json document whose
 * model is the narrator, cost nothing, and whose checks end with a "fallback" step saying WHY
 * (words, e.g. "the AI service is unavailable"). *out is new. Returns 0, CL_EINVAL (REQUEST is not
 * a valid summary request), CL_EINTERNAL (the narrator's text failed its checks) or CL_ENOMEM. */
CL_NODISCARD int reports_local_summary(json_t **out, json_t *request, const char *why,
                                       cl_err_t *err);

/* DOC as compact JSON, gzip-compressed after PREFIX (PLEN bytes). *gz is new. */
CL_NODISCARD int reports_gzip(char **gz, size_t *len, json_t *doc, const char *prefix, size_t plen,
                              cl_err_t *err);

/* Store GZ (a document with meta.cache "hit"; DEGRADED its meta.degraded) in the cache under KEY
 * for TTL_S. Failures are logged. */
void reports_cache_put(cl_reports_t *r, const cl_reports_key_t *key, const char *gz, size_t len,
                       int ttl_s, int degraded);

#endif
