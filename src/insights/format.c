/* format.c — human-readable numbers for finding titles (format.h). Built on snprintf with a fixed
 * format per decimals, so the same double always gives the same text. */
#include "insights/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void cl_format_number(char *out, size_t cap, double v, int decimals)
{
    if (!isfinite(v)) {
        snprintf(out, cap, "n/a");
        return;
    }
    char raw[64];
    decimals = decimals < 0 ? 0 : decimals > 6 ? 6 : decimals;
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    if (strcmp(raw, "0") == 0 || strspn(raw, "0.") == strlen(raw)) {
        v = 0; /* never "-0" */
    }
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    char buf[96];
    size_t k = 0;
    if (v < 0) {
        buf[k++] = '-';
    }
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0) {
            buf[k++] = ',';
        }
        buf[k++] = raw[i];
    }
    if (dot) {
        size_t rest = strlen(dot);
        memcpy(buf + k, dot, rest);
        k += rest;
    }
    buf[k] = '\0';
    snprintf(out, cap, "%s", buf);
}

void cl_format_value(char *out, size_t cap, const cl_metric_t *metric, double v)
{
    char num[80];
    cl_format_number(num, sizeof num, v, metric->decimals);
    if (!isfinite(v)) {
        snprintf(out, cap, "n/a");
    } else {
        snprintf(out, cap, "%s%s", num, cl_catalog_unit_suffix(metric));
    }
}

void cl_format_change(char *out, size_t cap, const cl_metric_t *metric, double change)
{
    char num[80];
    if (!isfinite(change)) {
        snprintf(out, cap, "n/a");
        return;
    }
    cl_format_number(num, sizeof num, change, metric->decimals);
    const char *sign = num[0] == '-' ? "" : "+";
    const char *unit = metric->unit == CL_UNIT_PERCENT ? " pp"
                       : metric->unit == CL_UNIT_RATIO ? "x"
                                                       : "";
    snprintf(out, cap, "%s%s%s", sign, num, unit);
}

void cl_format_pct(char *out, size_t cap, double pct)
{
    char num[80];
    if (!isfinite(pct)) {
        snprintf(out, cap, "n/a");
        return;
    }
    cl_format_number(num, sizeof num, pct, 1);
    snprintf(out, cap, "%s%s%%", num[0] == '-' ? "" : "+", num);
}
