/* finding.h — the unit of insight (docs/contracts.md §2): one material, significant fact about a
 * category × region × window, with a stable id, the exact numbers behind it and a plain-English
 * title; and the ranked list of them, serialised to JSON byte-identically for the same input.
 *
 * Id: "f-" and the first 12 hex digits of sha256("type|metric|window|week|category|region|path")
 * with path "dim=value&dim=value" in the path's order (sorted by dimension name); no numbers, so
 * the same segment keeps its id when figures change. A finding may name the finding it helps
 * explain
 * (`explains`, e.g. a driver of a KPI change), so the two read as one story.
 * Ranking: score = value_at_stake × min(|z|, 10) (value at stake is the finding's impact in
 * currency, see docs/insights.md), highest first, ties by id; rank 1 is first.
 * Ownership: a list owns its findings, their paths and titles. Thread safety: a list belongs to one
 * thread; serialisation is reentrant. */
#ifndef CL_INSIGHTS_FINDING_H
#define CL_INSIGHTS_FINDING_H

#include <stddef.h>
#include <jansson.h>

#include "core/calendar.h"
#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/signif.h"

#define CL_FINDING_PATH_MAX 4
#define CL_FINDING_NUMBERS_MAX 40
#define CL_FINDING_ID_LEN 15 /* "f-" + 12 hex + NUL */
#define CL_FINDING_TITLE_MAX 256

typedef enum {
    CL_FINDING_KPI_CHANGE = 0,
    CL_FINDING_DRIVER,
    CL_FINDING_ROOT_CAUSE,
    CL_FINDING_MIX_RATE,
    CL_FINDING_REVENUE_SPLIT,
    CL_FINDING_ANOMALY,
    CL_FINDING_MARKET_PULSE,
    CL_FINDING_MARKETING_EFFICIENCY,
    CL_FINDING_BUDGET_PACING,
    CL_FINDING_TYPE_COUNT
} cl_finding_type_t;

/* What a report is about: the scope every id is made from. Strings are borrowed. */
typedef struct {
    const char *category;
    const char *region;
    cl_window_t window;
    cl_week_t week;
} cl_insight_scope_t;

typedef struct {
    const char *name; /* a string literal: numbers keys are documented in docs/insights.md */
    double value;     /* NaN is written as null */
} cl_finding_number_t;

typedef struct {
    char id[CL_FINDING_ID_LEN];
    cl_finding_type_t type;
    size_t metric; /* catalog index */
    size_t path_len;
    char *path_dim[CL_FINDING_PATH_MAX];
    char *path_value[CL_FINDING_PATH_MAX];
    char *dimension;       /* mix_rate: the dimension split over; else NULL */
    double impact;         /* in the metric's change unit */
    double value_at_stake; /* |impact| in currency, for ranking and materiality */
    cl_signif_t sig;
    int direction;  /* +1 up, −1 down, 0 flat */
    int favourable; /* 1, 0, or −1 for null (neutral metric or flat) */
    size_t n_numbers;
    cl_finding_number_t numbers[CL_FINDING_NUMBERS_MAX];
    char title[CL_FINDING_TITLE_MAX];
    char explains[CL_FINDING_ID_LEN]; /* "" when it stands alone */
    double score;
    int rank;
    int dropped; /* set by the engine when folded into another finding */
} cl_finding_t;

typedef struct {
    cl_finding_t *items;
    size_t n, cap;
} cl_findings_t;

const char *cl_finding_type_name(cl_finding_type_t type);

/* Append a zeroed finding of TYPE about METRIC; *out is borrowed (valid until the next add).
 * Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_findings_add(cl_finding_t **out, cl_findings_t *list, cl_finding_type_t type,
                                 size_t metric, cl_err_t *err);

/* Add DIM=VALUE to F's path, keeping it sorted by dimension name. Returns 0, CL_EINVAL (path full)
 * or CL_ENOMEM. */
CL_NODISCARD int cl_finding_path_add(cl_finding_t *f, const char *dim, const char *value,
                                     cl_err_t *err);

/* Set F.dimension (copied). Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_finding_set_dimension(cl_finding_t *f, const char *dim, cl_err_t *err);

/* Set numbers[NAME] (NAME a string literal), replacing an earlier value; ignored when full. */
void cl_finding_number(cl_finding_t *f, const char *name, double value);

/* numbers[NAME] or NaN. */
double cl_finding_get(const cl_finding_t *f, const char *name);

/* Compute F's id for SCOPE. */
void cl_finding_make_id(cl_finding_t *f, const cl_catalog_t *cat, const cl_insight_scope_t *scope);

/* 1 when F's path equals or lies under PARENT's path (every element of PARENT is in F's). */
int cl_finding_path_within(const cl_finding_t *f, const cl_finding_t *parent);

/* Drop findings marked dropped, score the rest, sort them and keep the first MAX (0: all), setting
 * ranks 1..n; `explains` links to findings no longer in the list are cleared. */
void cl_findings_rank(cl_findings_t *list, size_t max);

/* One finding / the whole list as contracts §2 JSON. New references (NULL on allocation failure).
 */
json_t *cl_finding_json(const cl_finding_t *f, const cl_catalog_t *cat, cl_window_t window);
json_t *cl_findings_json(const cl_findings_t *list, const cl_catalog_t *cat, cl_window_t window);

/* A finite double as JSON, NaN/inf as null. New reference. */
json_t *cl_json_number(double v);

void cl_findings_dispose(cl_findings_t *list);

#endif
