/* reports.h — the report pipeline: what `POST /wbr` serves and `catlens batch` precomputes, so
 * that both make the same documents under the same keys in the same cache and archive.
 *
 * A report is the WBR document of one category × region × window × week (docs/contracts.md §4)
 * built from the week's published snapshot by src/report, with the summary of the AI service
 * (src/ai/client.h) and the meta fields this module owns (cache, stale, degraded, reasons,
 * summary_reason). Where a report comes from, fastest first:
 *   1. the cache (cache/: Redis or in process): the report gzip-compressed, in an envelope whose
 *      header repeats the report's identity (snapshot, category, region, window, week), checked
 *      byte for byte on every read;
 *   2. the archive (store/archive, state/app.db): every good report ever made, which is the
 *      durable tier of the cache — what `catlens batch` precomputed, or another instance made, is
 *      served from it as a cache hit (snapshots never change, so neither do their reports);
 *   3. a build on a builder thread (app/builders.h), then the summary call — asynchronous: no
 *      thread waits on the AI service — then archived and cached.
 * Identical requests in progress share one build and one summary call (single flight). When the
 * report cannot be built (no snapshot for the week, an unreadable snapshot, an engine error) the
 * last good archived report of the same category × region × window is served, flagged stale with
 * the reason (unless the caller turned that off: the batch must fail instead). When the summary
 * cannot be written (the AI service down, slow, over budget, rate limited, refusing) the fresh
 * report is served with `summary: null` and meta.degraded with the reason; it is not archived
 * (only good reports are), and cached briefly (service failures, app.report.degraded_ttl_s) or
 * not at all (failures of the asking user's budget or rate limit, which another user may not
 * have).
 *
 * The summary of a report is written once, for whoever first asks for it (its cost goes to that
 * user's and team's budget in the AI service's ledger, or to the batch's service identity), and
 * is part of the cached and archived report: every later view is a cache hit and costs nothing.
 *
 * Does not own: access (callers check the user's scope first: nothing here knows who may see
 * what) nor HTTP. Thread safety: all functions may be called from any thread once open; open and
 * close on one thread. */
#ifndef CL_APP_REPORTS_H
#define CL_APP_REPORTS_H

#include <stddef.h>
#include <jansson.h>

#include "ai/client.h"
#include "cache/cache.h"
#include "core/calendar.h"
#include "core/catalog.h"
#include "core/config.h"
#include "core/defs.h"
#include "core/err.h"
#include "etl/snapshot.h"
#include "http/metrics.h"
#include "store/archive.h"

#define CL_REPORTS_NAME_MAX 128

typedef struct cl_reports cl_reports_t;

typedef struct {
    int cache_ttl_s;      /* a good report in the cache */
    int degraded_ttl_s;   /* a report whose summary failed for a service reason */
    int cache_mb;         /* the in-process cache's bound (for whoever opens the cache) */
    int builders;         /* builder threads */
    int db_threads;       /* DuckDB threads of the builders' database */
    int summary_findings; /* findings sent to the AI service */
    int stale_fallback;   /* 1: serve the last good report when the current cannot be made */
    int read_cache;       /* 1: look in the cache before the archive (the batch only writes it) */
} cl_reports_options_t;

/* The options from the app.report section of CFG (stale_fallback and read_cache 1). Returns 0 or
 * CL_ECONFIG. */
CL_NODISCARD int cl_reports_options_read(cl_reports_options_t *out, const cl_config_t *cfg,
                                         cl_err_t *err);

/* The pipeline over CFG's warehouse, with summaries from ai.url (none when it is empty; the token
 * from CATLENS_AI_TOKEN), the metric catalog of paths.metrics, CACHE and ARCHIVE (borrowed: they
 * must outlive it) and METRICS (borrowed, may be NULL). Returns 0, CL_ECONFIG, CL_ENOTFOUND (no
 * catalog), CL_EIO, CL_EQUERY or CL_ENOMEM. *out is new: cl_reports_close(). */
CL_NODISCARD int cl_reports_open(cl_reports_t **out, const cl_config_t *cfg,
                                 const cl_reports_options_t *opt, cl_cache_t *cache,
                                 cl_archive_t *archive, cl_metrics_t *metrics, cl_err_t *err);

/* Wait until every request in progress has been answered, then stop. NULL is fine. */
void cl_reports_close(cl_reports_t *r);

/* 1 when summaries come from an AI service. */
int cl_reports_summaries(const cl_reports_t *r);

/* The metric catalog (borrowed). */
const cl_catalog_t *cl_reports_catalog(const cl_reports_t *r);

/* Which report, and where it would come from. Caller's storage: cl_reports_key_dispose(). */
typedef struct {
    char category[CL_REPORTS_NAME_MAX + 1], region[CL_REPORTS_NAME_MAX + 1];
    cl_window_t window;
    cl_week_t week;
    char window_name[8], week_key[CL_WEEK_KEY_LEN];
    char snapshot[CL_SNAPSHOT_ID_MAX]; /* the week's snapshot, "" when none is published */
    char *snapshot_dir;                /* its folder (malloc), NULL when none */
    int unusable;             /* 0, or why the week's snapshot cannot be used: CL_ENOTFOUND (none
                                 published), CL_EDATA / CL_EIO (unreadable) */
    char why[CL_ERR_MSG_MAX]; /* … in words */
    char cache_key[80];
    char header[4 * CL_REPORTS_NAME_MAX + 96]; /* the envelope header: the identity */
    size_t header_len;
} cl_reports_key_t;

/* Find the report of CATEGORY × REGION ("all": every region) × WINDOW × WEEK: the week's snapshot
 * and whether the category and region are in it. Returns 0 (KEY filled; when the snapshot is
 * missing or unreadable, KEY->unusable says so and only an archived report can be served),
 * CL_ENOTFOUND (the category or region is not in the snapshot; the message names it), CL_EINVAL
 * (an empty or over-long name, a control character) or CL_ENOMEM. */
CL_NODISCARD int cl_reports_locate(cl_reports_key_t *key, cl_reports_t *r, const char *category,
                                   const char *region, cl_window_t window, cl_week_t week,
                                   cl_err_t *err);
void cl_reports_key_dispose(cl_reports_key_t *key);

/* {"snapshot", "week", "categories": [...], "regions": [...]} of the snapshot folder DIR, read
 * once per snapshot (they never change). *out is new. Errors of cl_report_dimensions(). */
CL_NODISCARD int cl_reports_dimensions(json_t **out, cl_reports_t *r, const char *snapshot_dir,
                                       cl_err_t *err);

/* The cached report of KEY (a usable one), served as is: 0 with *gz (new, free()) the
 * gzip-compressed document with meta.cache "hit" and *degraded (may be NULL) its meta.degraded, or
 * CL_ENOTFOUND. Quick: the cache only. */
CL_NODISCARD int cl_reports_cached(char **gz, size_t *gz_len, int *degraded, cl_reports_t *r,
                                   const cl_reports_key_t *key);

/* As cl_reports_cached without a copy: OUT's data and len are the gzip-compressed document inside
 * the cached value, valid until out->release(out->cls) (the in-process cache's entry itself, so a
 * cached view is sent with no allocation and no copy of its body). */
CL_NODISCARD int cl_reports_cached_shared(cl_cache_value_t *out, int *degraded, cl_reports_t *r,
                                          const cl_reports_key_t *key);

/* What a request gets. Borrowed for the duration of the callback. */
typedef struct {
    int rc;              /* 0: a report is served; else ERR: why there is none */
    const cl_err_t *err; /* rc != 0 */
    const char *gz;      /* the document, gzip-compressed, as served */
    size_t gz_len;
    const char *cache;    /* "hit" (cached or precomputed) or "miss" (built for this request) */
    int stale, degraded;  /* as in the document's meta */
    const char *snapshot; /* the snapshot the served report is of */
    const char *why;      /* stale or degraded: the first reason of meta.reasons, else NULL */
} cl_reports_result_t;

typedef void (*cl_reports_done_fn)(void *payload, const cl_reports_result_t *res);

/* Ask for the report of KEY on behalf of WHO (copied; the summary is written for WHO, and charged
 * to WHO's budgets, when this request is the first to need it). DONE(PAYLOAD, result) runs exactly
 * once, on a builder or AI-client thread (or inside this call, when the work cannot even be
 * queued). Returns 0, or CL_ENOMEM (then DONE never runs). */
CL_NODISCARD int cl_reports_request(cl_reports_t *r, const cl_reports_key_t *key,
                                    const cl_ai_user_t *who, cl_reports_done_fn done, void *payload,
                                    cl_err_t *err);

/* Requests waiting for a build or a summary right now (for tests, metrics and the batch). */
int cl_reports_in_progress(cl_reports_t *r);

#endif
