/* catalog.h — the metric catalog (config/metrics.yaml): what every metric means, in which unit, which way is good,
 * how it is formatted and what a missing value means.
 *
 * Two kinds of metric:
 *   additive — a measure that sums across dimension values and weeks (revenue, orders, visits …); `table` and
 *              `measure` name its snapshot table and column (the report layer checks both exist when it
 *              opens; see src/report/reader.c for the columns it derives, e.g. marketing_cube.paid_revenue).
 *   ratio    — numerator / denominator of two additive metrics, times `scale` (conversion rate = orders / visits
 *              × 100, in percent; AOV = revenue / orders, in currency). Changes of a percent metric are reported in
 *              percentage points.
 * Growth rates are not catalog entries: every metric's relative change is computed by the engine.
 *
 * File format (config/metrics.yaml): a top-level `metrics:` list (and an optional `version:`) of mappings with the
 * keys id, label, description, kind (additive | ratio), group, unit, direction, format, missing, and for additive
 * metrics table + measure, for ratio metrics numerator + denominator (+ scale, default 1).
 *
 * Validation on load: unknown keys are refused; ids unique and [a-z0-9_]+; a ratio's numerator and denominator
 * exist and are additive (no ratio of a ratio; forward references are fine) and differ; unit, direction and
 * missing rule from the fixed sets; format is a printf-free pattern "<unit><decimals 0-4>" whose unit word is the
 * metric's unit ("currency0", "currency2", "percent1", "count0", "index1", "ratio2"); scale is finite and > 0;
 * a ratio's missing rule is not_available (a ratio over a zero or missing denominator is never invented).
 * Errors are CL_ECONFIG naming the file, the metric and the key: `metrics.yaml: metrics[4] (roas).numerator: ...`.
 * Thread safety: a loaded catalog is immutable and may be shared by all threads. */
#ifndef CL_CORE_CATALOG_H
#define CL_CORE_CATALOG_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

typedef enum { CL_METRIC_ADDITIVE = 0, CL_METRIC_RATIO } cl_metric_kind_t;

typedef enum {
    CL_UNIT_CURRENCY = 0, /* money, in the report currency */
    CL_UNIT_PERCENT,      /* a rate shown in %; its changes are percentage points */
    CL_UNIT_COUNT,        /* things: orders, visits, units */
    CL_UNIT_INDEX,        /* an index (market pulse, 100 = baseline) */
    CL_UNIT_RATIO,        /* a plain ratio (ROAS 4.2x) */
} cl_unit_t;

typedef enum { CL_DIR_HIGHER_IS_BETTER = 0, CL_DIR_LOWER_IS_BETTER, CL_DIR_NEUTRAL } cl_direction_t;

typedef enum {
    CL_MISSING_ZERO = 0, /* absence means none happened (no orders = 0 orders) */
    CL_MISSING_PREVIOUS, /* carry the previous value forward (budgets, indices) */
    CL_MISSING_NA,       /* not available: never invented (a ratio with a zero denominator, GA4 spend) */
} cl_missing_t;

typedef struct {
    const char *id;          /* "conversion_rate" */
    const char *label;       /* "Conversion rate" */
    const char *description; /* one sentence, used in prompts and tooltips */
    cl_metric_kind_t kind;
    const char *table;       /* additive: snapshot table ("sales_cube"); ratio: NULL */
    const char *measure;     /* additive: snapshot column; ratio: NULL */
    size_t numerator;        /* ratio: index of the additive numerator metric */
    size_t denominator;      /* ratio: index of the additive denominator metric */
    double scale;            /* ratio: multiplier (100 for percent); additive: 1 */
    cl_unit_t unit;
    cl_direction_t direction;
    const char *format;      /* "currency0" … see above */
    int decimals;            /* the digit of format: decimals to show */
    cl_missing_t missing;
    const char *group;       /* "sales", "marketing", "engagement", "finance" */
} cl_metric_t;

typedef struct cl_catalog cl_catalog_t;

/* Load and validate the catalog at PATH. Returns 0, CL_ENOTFOUND or CL_ECONFIG. *out is new: cl_catalog_free(). */
CL_NODISCARD int cl_catalog_load(cl_catalog_t **out, const char *path, cl_err_t *err);

/* Same from YAML text (NAME prefixes messages). */
CL_NODISCARD int cl_catalog_parse(cl_catalog_t **out, const char *yaml, size_t len, const char *name,
                                  cl_err_t *err);

void cl_catalog_free(cl_catalog_t *cat);

/* Metrics in file order. Borrowed: live as long as CAT. */
size_t cl_catalog_count(const cl_catalog_t *cat);
const cl_metric_t *cl_catalog_at(const cl_catalog_t *cat, size_t index);

/* The metric with ID, or NULL; *index (may be NULL) receives its position. */
const cl_metric_t *cl_catalog_find(const cl_catalog_t *cat, const char *id, size_t *index);

/* Names for JSON and prompts: "currency", "percent", "count", "index", "ratio"; "higher_is_better" …;
 * "zero", "previous", "not_available". */
const char *cl_unit_name(cl_unit_t unit);
const char *cl_direction_name(cl_direction_t dir);
const char *cl_missing_name(cl_missing_t missing);

/* The unit of METRIC's value as a short suffix for text: "" for currency/count/index, "%" for percent, "x" for
 * ratio. */
const char *cl_catalog_unit_suffix(const cl_metric_t *metric);

/* The unit of a change of METRIC: percentage points ("pp") for percent metrics, else the metric's own unit name. */
const char *cl_catalog_change_unit(const cl_metric_t *metric);

#endif
