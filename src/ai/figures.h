/* figures.h — numbers come from the data, words from the model.
 *
 * The model (and the offline narrator) writes placeholders; this module renders every number
 * itself, with the unit and decimals of the metric definitions, and records where each rendered
 * figure sits so that the UI can link it to its finding.
 *
 * Placeholder grammar:  "{" REF "." FIELD ( "|" MOD )* "}"
 *   REF    F<n>          a finding handle of the prompt (F1 = first finding of the request)
 *          <metric id>   a KPI or derived tile (revenue, conversion_rate)
 *   FIELD  a key of the finding's numbers, "impact", or a tile's current | previous | change |
 *          change_pct
 *   MOD    0 … 4         decimals (default: the metric's format, 1 for percentages of change)
 *          k | m | b     thousands, millions, billions ("$182.3K")
 *          signed        a leading + or - (default: the magnitude; the words carry the direction)
 * Rendering: currency "$182,341" (symbol from the report currency: USD $, EUR €, GBP £, JPY ¥,
 * else "CHF 12"), percent "6.6%", percentage points "1.3 pp", count "2,481", index "103.2",
 * ratio "7.44x", plain "3.2".
 *
 * Thread safety: pure functions; reentrant. */
#ifndef CL_AI_FIGURES_H
#define CL_AI_FIGURES_H

#include <stddef.h>
#include <jansson.h>

#include "ai/input.h"
#include "core/defs.h"
#include "core/err.h"

typedef enum { CL_PART_HEADLINE = 0, CL_PART_BULLET, CL_PART_ACTION, CL_PART_CAVEAT } cl_fig_part_t;

#define CL_FIG_REF_MAX 72
#define CL_FIG_FIELD_MAX 48

typedef struct {
    char ref[CL_FIG_REF_MAX];
    char field[CL_FIG_FIELD_MAX];
    int decimals; /* -1: the default */
    int scale;    /* 0 none, 1 K, 2 M, 3 B */
    int is_signed;
} cl_placeholder_t;

typedef struct {
    cl_fig_part_t part;
    size_t index;
    size_t start, end; /* UTF-16 code units into the rendered text */
    char text[64];     /* the rendered figure */
    cl_ai_figure_t fig;
} cl_fig_span_t;

typedef struct {
    cl_fig_span_t *items;
    size_t n, cap;
} cl_fig_spans_t;

void cl_fig_spans_init(cl_fig_spans_t *s);
void cl_fig_spans_dispose(cl_fig_spans_t *s);

/* Parse the placeholder at S (S[0] == '{'), at most N bytes. Returns the bytes it spans including
 * the braces, or 0 when S does not hold a well-formed placeholder (the caller reports it as
 * unknown). */
size_t cl_fig_parse(cl_placeholder_t *out, const char *s, size_t n);

/* Format V into BUF (always NUL-terminated): magnitude unless IS_SIGNED; DECIMALS 0-4; SCALE 0-3.
 * CURRENCY is the ISO code. Returns the length written. */
size_t cl_fig_format(char *buf, size_t len, double v, cl_fig_unit_t unit, int decimals, int scale,
                     int is_signed, const char *currency);

/* Render TEXT of PART/INDEX: every placeholder replaced by its figure, spans appended to SPANS (may
 * be NULL). Returns 0, CL_EINVAL (a malformed or unknown placeholder, or a figure that is not
 * available: the message quotes the placeholder) or CL_ENOMEM. *out is new: free(). */
CL_NODISCARD int cl_fig_render(char **out, cl_fig_spans_t *spans, const cl_ai_input_t *in,
                               const char *text, cl_fig_part_t part, size_t index, cl_err_t *err);

/* The JSON form of SPANS for the response's `figures` (new reference). */
json_t *cl_fig_spans_json(const cl_fig_spans_t *spans);

const char *cl_fig_part_name(cl_fig_part_t part);

#endif
