/* format.c — human-readable numbers for finding titles (format.h). Built on snprintf with a fixed
 * format per decimals, so the same double always gives the same text. */
#include "insights/format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* Keep in step with DIMENSION_LABELS in web/src/lib/format.ts. */
static const struct {
    const char *name, *label;
} DIMENSION_LABELS[] = {
    {"region", "Region"},
    {"country", "Country"},
    {"city", "City"},
    {"category_l1", "Category"},
    {"category_l2", "Subcategory"},
    {"category_l3", "Category L3"},
    {"traffic_l1", "Traffic source"},
    {"traffic_l2", "Traffic source L2"},
    {"campaign", "Campaign"},
    {"device_type", "Device"},
    {"device_os", "Device OS"},
    {"customer_type", "Customer type"},
    {"channel", "Channel"},
    {"payment_method", "Payment method"},
    {"fulfilment", "Fulfilment"},
    {"seller_tier", "Seller tier"},
    {"promo_flag", "Promotion"},
    {"price_band", "Price band"},
};

/* "paid_search" → "Paid search": underscores become spaces, the first letter a capital. */
static void humanize(char *out, size_t cap, const char *id)
{
    if (cap == 0) {
        return;
    }
    size_t k = 0;
    for (const char *p = id ? id : ""; *p && k + 1 < cap; p++, k++) {
        char c = (char)(*p == '_' ? ' ' : *p);
        out[k] = (char)(k == 0 && c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    out[k] = '\0';
}

void cl_format_dimension(char *out, size_t cap, const char *dimension)
{
    for (size_t i = 0; i < sizeof DIMENSION_LABELS / sizeof *DIMENSION_LABELS; i++) {
        if (dimension && strcmp(dimension, DIMENSION_LABELS[i].name) == 0) {
            snprintf(out, cap, "%s", DIMENSION_LABELS[i].label);
            return;
        }
    }
    humanize(out, cap, dimension);
}

/* Words that are acronyms or brands in dimension values; keep in step with web/src/lib/format.ts.
 */
static const struct {
    const char *word, *text;
} VALUE_WORDS[] = {{"seo", "SEO"},  {"crm", "CRM"}, {"cod", "COD"},       {"bnpl", "BNPL"},
                   {"ios", "iOS"},  {"tv", "TV"},   {"sms", "SMS"},       {"tiktok", "TikTok"},
                   {"b2b", "B2B"},  {"usa", "USA"}, {"google", "Google"}, {"bing", "Bing"},
                   {"meta", "Meta"}};

void cl_format_dimension_value(char *out, size_t cap, const char *value)
{
    char raw[256];
    humanize(raw, sizeof raw,
             value); /* a code such as "US" has no underscore or lower-case letter */
    if (cap == 0) {
        return;
    }
    out[0] = '\0';
    size_t k = 0;
    for (const char *w = raw; *w;) { /* word by word: "Seo google" → "SEO google" */
        size_t n = strcspn(w, " ");
        const char *text = NULL;
        for (size_t i = 0; !text && i < sizeof VALUE_WORDS / sizeof *VALUE_WORDS; i++) {
            const char *a = VALUE_WORDS[i].word;
            if (strlen(a) == n && strncasecmp(w, a, n) == 0) {
                text = VALUE_WORDS[i].text;
            }
        }
        int wrote = text ? snprintf(out + k, cap - k, "%s%s", text, w[n] ? " " : "")
                         : snprintf(out + k, cap - k, "%.*s%s", (int)n, w, w[n] ? " " : "");
        if (wrote < 0 || (size_t)wrote >= cap - k) {
            return; /* truncated: OUT holds what fitted */
        }
        k += (size_t)wrote;
        w += n + (w[n] ? 1 : 0);
    }
}

void cl_format_segment_append(char *out, size_t cap, const char *dimension, const char *value)
{
    char dim[64], val[256];
    cl_format_dimension(dim, sizeof dim, dimension);
    cl_format_dimension_value(val, sizeof val, value);
    size_t len = strlen(out);
    if (len < cap) {
        snprintf(out + len, cap - len, "%s: %s", dim, val);
    }
}
