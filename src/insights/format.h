/* format.h — numbers as a person reads them, for the deterministic English titles of findings:
 * the catalog's format (currency0 → "182,341", percent2 → "3.41%", ratio2 → "4.20x") and signed
 * changes in the change unit ("+1,204", "−0.42 pp", "+12.5%"). JSON never carries these strings as
 * numbers: titles only. ASCII minus ("-") so every consumer can read it. Pure; thread-safe. */
#ifndef CL_INSIGHTS_FORMAT_H
#define CL_INSIGHTS_FORMAT_H

#include <stddef.h>

#include "core/catalog.h"

/* The value V of METRIC ("n/a" for NaN). */
void cl_format_value(char *out, size_t cap, const cl_metric_t *metric, double v);

/* A signed change of METRIC in its change unit: "+1,204", "-0.42 pp", "+0.30x". */
void cl_format_change(char *out, size_t cap, const cl_metric_t *metric, double change);

/* A signed percentage with one decimal: "+12.5%" ("n/a" for NaN). */
void cl_format_pct(char *out, size_t cap, double pct);

/* V with DECIMALS decimals and thousands separators, unsigned magnitude with a leading "-" when
 * negative. */
void cl_format_number(char *out, size_t cap, double v, int decimals);

/* The reader's label of DIMENSION: "device_type" → "Device", "traffic_l1" → "Traffic source"; a
 * dimension without one is its name humanised ("seller_tier" → "Seller tier"). The same table as
 * the web UI's (web/src/lib/format.ts), so a title reads like the page around it. */
void cl_format_dimension(char *out, size_t cap, const char *dimension);

/* VALUE as a person reads it: "paid_search" → "Paid search"; codes ("US", "DE") stay. */
void cl_format_dimension_value(char *out, size_t cap, const char *value);

/* Append "Device: Mobile" (DIMENSION's label, VALUE humanised) to the string in OUT. */
void cl_format_segment_append(char *out, size_t cap, const char *dimension, const char *value);

#endif
