/* encode.h — the compact encoding of a report for a prompt.
 *
 * Hierarchical (category → subcategory → metric → finding) and flat (one line per thing, "|"
 * between fields, no repeated keys), with explicit units and definitions, inside one fenced data
 * block:
 *
 *   <<<DATA
 *   report|electronics|north_america|WoW|2026-W47|USD
 *   metrics|id|label|unit|better|definition
 *   revenue|Revenue|currency|higher|"Net order line value after discounts."
 *   kpis|metric|current|previous|change|change_pct|significance
 *   revenue|182341|171002|+11339|+6.63|medium
 *   findings|handle|type|path|direction|favourable|significance|numbers
 *   electronics
 *    (all)
 *     conversion_rate
 *      F1|root_cause|device_type=mobile,traffic_l1=paid_search|down|no|high|current=0.9 …
 *   DATA>>>
 *
 * Every string of the data (names, values, descriptions, comments) passes through cl_encode_string:
 * control characters become spaces, the fence markers and braces cannot appear, and anything but a
 * plain identifier is quoted, so data stays data whatever it says. Thread safety: reentrant. */
#ifndef CL_AI_ENCODE_H
#define CL_AI_ENCODE_H

#include "ai/input.h"
#include "ai/strbuf.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_ENCODE_FENCE_OPEN "<<<DATA"
#define CL_ENCODE_FENCE_CLOSE "DATA>>>"

typedef enum {
    CL_ENCODE_FULL = 0, /* everything a single call needs: definitions and comments inline */
    CL_ENCODE_AGENT,    /* lean: definitions, breakdowns and other windows are behind tools */
} cl_encode_mode_t;

/* The data block of IN. Returns 0 or CL_ENOMEM. *out is new: free(). */
CL_NODISCARD int cl_encode_report(char **out, const cl_ai_input_t *in, cl_encode_mode_t mode,
                                  cl_err_t *err);

/* Append S as data: a plain identifier ([A-Za-z0-9_.-]) as is, anything else in double quotes with
 * \" and \\ escaped; control characters become spaces; '<' '>' '{' '}' '|' become '(' ')' '(' ')'
 * '/'. At most 300 bytes. */
void cl_encode_string(cl_strbuf_t *b, const char *s);

/* Append V compactly: integers for |v| >= 1000, else at most 2 decimals, trailing zeros dropped;
 * SIGNED adds +. */
void cl_encode_number(cl_strbuf_t *b, double v, int is_signed);

/* What a naive prompt would carry for the same data: the report's kpis, derived, findings, metrics
 * and comments (without sparklines and finding titles, which the encoding leaves out) dumped as
 * JSON (indented, as json.dumps(indent=2) would). For the token measurement of the bench and tests.
 * *out is new: free(). */
CL_NODISCARD int cl_encode_naive_json(char **out, const cl_ai_input_t *in, int indent,
                                      cl_err_t *err);

#endif
