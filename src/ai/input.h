/* input.h — a validated summary request (docs/schemas/summary_request.schema.json), read into the
 * shapes the prompt encoder, the figure renderer, the guardrails and the narrator share.
 *
 * Owns: the request document (one reference) and arrays of views into it. Findings get short
 * handles F1, F2 … in input order (the app sends them ranked), which the model uses instead of
 * 12-hex ids. A *figure* is one number of the input that text may cite: a finding field
 * ({F1.change_pct}) or a KPI tile field ({revenue.current}); its unit and decimals come from the
 * metric definitions of the request, which the app copies from the metric catalog.
 *
 * Thread safety: immutable after cl_ai_input_new; may be read by several threads. Every pointer it
 * hands out is borrowed and lives as long as the input. */
#ifndef CL_AI_INPUT_H
#define CL_AI_INPUT_H

#include <stddef.h>
#include <jansson.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"

/* The unit a rendered figure carries. PP is a change of a percent metric (percentage points); PLAIN
 * is a bare number (z-scores). */
typedef enum {
    CL_FIG_CURRENCY = 0,
    CL_FIG_PERCENT,
    CL_FIG_PP,
    CL_FIG_COUNT,
    CL_FIG_INDEX,
    CL_FIG_RATIO,
    CL_FIG_PLAIN
} cl_fig_unit_t;

/* A metric as the request describes it; unit and direction use the metric catalog's names and
 * enums. */
typedef struct {
    const char *id;
    const char *label;
    const char *description; /* "" when absent */
    cl_unit_t unit;
    int decimals; /* from format, e.g. percent2 -> 2 */
    cl_direction_t direction;
} cl_ai_metric_t;

typedef struct {
    const char *id;   /* f-9c1e0b2d4f3a */
    char handle[8];   /* F1 */
    const char *type; /* root_cause … */
    const cl_ai_metric_t *metric;
    json_t *path;      /* borrowed array of {dimension, value} */
    int direction;     /* +1 up, -1 down, 0 flat */
    int favourable;    /* 1, 0, or -1 when null */
    const char *level; /* significance level or "" */
    json_t *obj;       /* the finding object */
} cl_ai_finding_t;

typedef struct {
    const cl_ai_metric_t *metric;
    int derived; /* 1 for ratio tiles */
    int available;
    int favourable; /* 1, 0, or -1 */
    json_t *obj;
} cl_ai_tile_t;

typedef struct {
    double value;
    cl_fig_unit_t unit;
    int decimals;
    int is_change;  /* a change-like field: its sign is the direction */
    int direction;  /* +1/-1/0 of the owner (finding direction, tile change sign) */
    int favourable; /* of the owner: 1, 0, -1 unknown */
    const cl_ai_metric_t *metric;
    const cl_ai_finding_t *finding; /* NULL for a KPI tile field */
    const cl_ai_tile_t *tile;       /* NULL for a finding field */
    char field[48];                 /* the field name */
} cl_ai_figure_t;

typedef struct cl_ai_input {
    json_t *doc; /* the whole request (a reference) */
    json_t *report;
    const char *category, *region, *window, *week, *currency;
    const char *user_id, *team, *role;
    cl_ai_metric_t *metrics;
    size_t nmetrics;
    cl_ai_finding_t *findings;
    size_t nfindings;
    cl_ai_tile_t *tiles; /* kpis then derived */
    size_t ntiles;
} cl_ai_input_t;

/* Read REQUEST (validated against the request schema first). Takes its own reference. Returns 0 or
 * CL_EINVAL: schema violations, a finding or tile naming a metric the request does not define,
 * duplicate metric ids or finding ids. *out is new: cl_ai_input_free(). */
CL_NODISCARD int cl_ai_input_new(cl_ai_input_t **out, json_t *request, cl_err_t *err);

void cl_ai_input_free(cl_ai_input_t *in);

const cl_ai_metric_t *cl_ai_input_metric(const cl_ai_input_t *in, const char *id);

/* The finding with handle "F3" or id "f-…", or NULL. */
const cl_ai_finding_t *cl_ai_input_finding(const cl_ai_input_t *in, const char *handle_or_id);

/* The tile of metric ID (kpis before derived), or NULL. */
const cl_ai_tile_t *cl_ai_input_tile(const cl_ai_input_t *in, const char *metric_id);

/* The figure REF.FIELD: REF a handle ("F1") or a metric id ("revenue"). FIELD of a finding: a key
 * of its numbers, or "impact"; of a tile: current, previous, change, change_pct. Returns 0, or
 * CL_ENOTFOUND when no such figure exists or it is null / not available. */
CL_NODISCARD int cl_ai_input_figure(cl_ai_figure_t *out, const cl_ai_input_t *in, const char *ref,
                                    const char *field);

/* The unit and decimals of FIELD for METRIC (exposed for the tests and the encoder). */
void cl_ai_field_unit(cl_fig_unit_t *unit, int *decimals, int *is_change,
                      const cl_ai_metric_t *metric, const char *field);

#endif
