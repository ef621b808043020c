/* metrics.h — a Prometheus metrics registry: counters, gauges and histograms with labels, rendered
 * in the text exposition format (version 0.0.4) for GET /metrics.
 *
 * Owns: metric families and their series. Families are declared once at start-up (names
 * [a-zA-Z_:][a-zA-Z0-9_:]*, up to CL_METRICS_MAX_LABELS label names) and updated from any thread;
 * label values are escaped on output, so data can never break the format. Keep label values bounded
 * (route patterns, status codes, roles — never raw paths or user ids): every distinct combination
 * is a series that lives as long as the registry, and a family refuses new series beyond
 * CL_METRICS_MAX_SERIES (the update is dropped and counted in catlens_metrics_dropped_total).
 *
 * Thread safety: one registry is shared by every thread; each family has its own mutex. Declaring
 * families is for start-up (one thread). Render hooks run under the registry's render lock, one
 * render at a time. */
#ifndef CL_HTTP_METRICS_H
#define CL_HTTP_METRICS_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_METRICS_MAX_LABELS 4
#define CL_METRICS_MAX_SERIES 2048

typedef struct cl_metrics cl_metrics_t;
typedef struct cl_metric_family cl_metric_family_t;

/* Seconds buckets suited to request latency: 1 ms … 20 s. */
extern const double CL_METRICS_LATENCY_BUCKETS[];
extern const size_t CL_METRICS_LATENCY_BUCKETS_N;

/* A new, empty registry. *out is new: cl_metrics_free(). Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_metrics_new(cl_metrics_t **out, cl_err_t *err);
void cl_metrics_free(cl_metrics_t *m);

/* Declare a family. LABELS is a NULL-terminated list of label names (NULL: none). BUCKETS
 * (histograms) are upper bounds in increasing order; +Inf is added. Returns the family (borrowed:
 * lives as long as M), or NULL when the name or labels are invalid, the name is taken by another
 * type, or memory ran out. Declaring the same name and type twice returns the first family. */
cl_metric_family_t *cl_metrics_counter(cl_metrics_t *m, const char *name, const char *help,
                                       const char *const labels[]);
cl_metric_family_t *cl_metrics_gauge(cl_metrics_t *m, const char *name, const char *help,
                                     const char *const labels[]);
cl_metric_family_t *cl_metrics_histogram(cl_metrics_t *m, const char *name, const char *help,
                                         const char *const labels[], const double *buckets,
                                         size_t n_buckets);

/* Update the series of family F with label VALUES (as many as its labels; NULL when it has none). F
 * may be NULL (nothing happens), so optional metrics need no checks at the call site. */
void cl_metrics_inc(cl_metric_family_t *f, const char *const values[],
                    double by); /* counter or gauge; counters: by >= 0 */
void cl_metrics_set(cl_metric_family_t *f, const char *const values[],
                    double v); /* gauge, or a counter mirrored from
                                    a module's own running total */
void cl_metrics_observe(cl_metric_family_t *f, const char *const values[],
                        double v); /* histogram */

/* Call FN(PAYLOAD) before each render, e.g. to copy a module's own statistics into gauges. Up to 16
 * hooks. */
CL_NODISCARD int cl_metrics_on_render(cl_metrics_t *m, void (*fn)(void *payload), void *payload,
                                      cl_err_t *err);

/* Render every family as Prometheus text. *out is new: free(). Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_metrics_render(char **out, size_t *out_len, cl_metrics_t *m, cl_err_t *err);

#endif
