/* figures.c — the only place where a number of a summary becomes text. Placeholders name a figure
 * of the input; the renderer looks the figure up, formats it with the metric's unit and decimals,
 * and records the span so the UI can link it to its finding. A placeholder that names nothing is an
 * error, never a blank. */
#include "ai/figures.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/strbuf.h"

void cl_fig_spans_init(cl_fig_spans_t *s)
{
    memset(s, 0, sizeof *s);
}

void cl_fig_spans_dispose(cl_fig_spans_t *s)
{
    free(s->items);
    memset(s, 0, sizeof *s);
}

static int spans_push(cl_fig_spans_t *s, const cl_fig_span_t *span)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        cl_fig_span_t *p = realloc(s->items, cap * sizeof *p);
        if (!p) {
            return CL_ENOMEM;
        }
        s->items = p;
        s->cap = cap;
    }
    s->items[s->n++] = *span;
    return 0;
}

static int is_ident(int c)
{
    return islower(c) || isdigit(c) || c == '_';
}

static int parse_mod(cl_placeholder_t *out, const char *s, size_t n)
{
    if (n == 1 && s[0] >= '0' && s[0] <= '4') {
        out->decimals = s[0] - '0';
        return 0;
    }
    if (n == 1 && strchr("kmb", s[0])) {
        out->scale = s[0] == 'k' ? 1 : s[0] == 'm' ? 2 : 3;
        return 0;
    }
    if (n == 6 && memcmp(s, "signed", 6) == 0) {
        out->is_signed = 1;
        return 0;
    }
    return -1;
}

size_t cl_fig_parse(cl_placeholder_t *out, const char *s, size_t n)
{
    memset(out, 0, sizeof *out);
    out->decimals = -1;
    size_t i = 1, r = 0;
    if (n < 2 || s[0] != '{') {
        return 0;
    }
    if (s[1] == 'F') { /* a handle: F then digits */
        out->ref[r++] = 'F';
        for (i = 2; i < n && isdigit((unsigned char)s[i]) && r + 1 < sizeof out->ref; i++) {
            out->ref[r++] = s[i];
        }
        if (r == 1) {
            return 0;
        }
    } else {
        for (; i < n && is_ident((unsigned char)s[i]) && r + 1 < sizeof out->ref; i++) {
            out->ref[r++] = s[i];
        }
        if (r == 0) {
            return 0;
        }
    }
    out->ref[r] = '\0';
    if (i >= n || s[i] != '.') {
        return 0;
    }
    size_t f = 0;
    for (i++; i < n && is_ident((unsigned char)s[i]) && f + 1 < sizeof out->field; i++) {
        out->field[f++] = s[i];
    }
    out->field[f] = '\0';
    if (f == 0) {
        return 0;
    }
    while (i < n && s[i] == '|') {
        size_t start = ++i;
        while (i < n && isalnum((unsigned char)s[i])) {
            i++;
        }
        if (parse_mod(out, s + start, i - start) != 0) {
            return 0;
        }
    }
    return i < n && s[i] == '}' ? i + 1 : 0;
}

static const char *currency_symbol(const char *code, int *prefix_space)
{
    static const char *const codes[] = {"USD", "EUR", "GBP", "JPY"};
    static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5"};
    *prefix_space = 0;
    for (size_t i = 0; code && i < CL_ARRAY_LEN(codes); i++) {
        if (strcmp(code, codes[i]) == 0) {
            return symbols[i];
        }
    }
    *prefix_space = 1;
    return code && *code ? code : "USD";
}

/* "1234567.891" -> "1,234,567.891" */
static void group_thousands(char *out, size_t len, const char *digits)
{
    const char *dot = strchr(digits, '.');
    size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
    size_t j = 0;
    for (size_t i = 0; i < int_len && j + 2 < len; i++) {
        out[j++] = digits[i];
        size_t left = int_len - i - 1;
        if (left > 0 && left % 3 == 0) {
            out[j++] = ',';
        }
    }
    out[j] = '\0';
    if (dot) {
        snprintf(out + j, len - j, "%s", dot);
    }
}

size_t cl_fig_format(char *buf, size_t len, double v, cl_fig_unit_t unit, int decimals, int scale,
                     int is_signed, const char *currency)
{
    static const char *const scale_suffix[] = {"", "K", "M", "B"};
    static const double scale_div[] = {1.0, 1e3, 1e6, 1e9};
    decimals = decimals < 0 ? 0 : decimals > 4 ? 4 : decimals;
    scale = scale < 0 || scale > 3 ? 0 : scale;
    static const double pow10[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};
    double mag = fabs(v) / scale_div[scale];
    mag = floor(mag * pow10[decimals] + 0.5) /
          pow10[decimals]; /* half away from zero, as people round */
    char digits[64], grouped[96];
    snprintf(digits, sizeof digits, "%.*f", decimals, isfinite(mag) && mag < 1e15 ? mag : 0.0);
    group_thousands(grouped, sizeof grouped, digits);
    int is_zero = strspn(digits, "0.") == strlen(digits);
    const char *sign = !is_signed || is_zero ? "" : v < 0 ? "-" : "+";
    int space = 0;
    int n;
    switch (unit) {
    case CL_FIG_CURRENCY: {
        const char *sym = currency_symbol(currency, &space);
        n = snprintf(buf, len, "%s%s%s%s%s", sign, sym, space ? " " : "", grouped,
                     scale_suffix[scale]);
        break;
    }
    case CL_FIG_PERCENT:
        n = snprintf(buf, len, "%s%s%s%%", sign, grouped, scale_suffix[scale]);
        break;
    case CL_FIG_PP:
        n = snprintf(buf, len, "%s%s%s pp", sign, grouped, scale_suffix[scale]);
        break;
    case CL_FIG_RATIO:
        n = snprintf(buf, len, "%s%s%sx", sign, grouped, scale_suffix[scale]);
        break;
    default:
        n = snprintf(buf, len, "%s%s%s", sign, grouped, scale_suffix[scale]);
        break;
    }
    return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/* UTF-16 code units of the UTF-8 bytes S[0..N). */
static size_t utf16_units(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80) {
            units += c >= 0xF0 ? 2 : 1;
        }
    }
    return units;
}

static int render_one(cl_strbuf_t *b, cl_fig_spans_t *spans, const cl_ai_input_t *in,
                      const cl_placeholder_t *ph, cl_fig_part_t part, size_t index, size_t *units,
                      cl_err_t *err)
{
    cl_fig_span_t span;
    memset(&span, 0, sizeof span);
    if (cl_ai_input_figure(&span.fig, in, ph->ref, ph->field) != 0) {
        return cl_err_set(err, CL_EINVAL, "unknown placeholder {%s.%s}", ph->ref, ph->field);
    }
    int decimals = ph->decimals >= 0 ? ph->decimals : span.fig.decimals;
    size_t n = cl_fig_format(span.text, sizeof span.text, span.fig.value, span.fig.unit, decimals,
                             ph->scale, ph->is_signed, in->currency);
    span.part = part;
    span.index = index;
    span.start = *units;
    *units += utf16_units(span.text, n);
    span.end = *units;
    cl_strbuf_append(b, span.text, n);
    if (spans && spans_push(spans, &span) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    return 0;
}

int cl_fig_render(char **out, cl_fig_spans_t *spans, const cl_ai_input_t *in, const char *text,
                  cl_fig_part_t part, size_t index, cl_err_t *err)
{
    *out = NULL;
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    size_t n = strlen(text), units = 0, i = 0;
    while (i < n) {
        size_t run = strcspn(text + i, "{}");
        cl_strbuf_append(&b, text + i, run);
        units += utf16_units(text + i, run);
        i += run;
        if (i >= n) {
            break;
        }
        cl_placeholder_t ph;
        size_t used = text[i] == '{' ? cl_fig_parse(&ph, text + i, n - i) : 0;
        if (used == 0) {
            cl_strbuf_dispose(&b);
            return cl_err_set(err, CL_EINVAL, "malformed placeholder at \"%.24s\"", text + i);
        }
        int rc = render_one(&b, spans, in, &ph, part, index, &units, err);
        if (rc != 0) {
            cl_strbuf_dispose(&b);
            return rc;
        }
        i += used;
    }
    char *s = cl_strbuf_take(&b);
    if (!s) {
        return cl_err_set(err, CL_ENOMEM, "rendered text too large");
    }
    *out = s;
    return 0;
}

const char *cl_fig_part_name(cl_fig_part_t part)
{
    static const char *const names[] = {"headline", "bullet", "action", "caveat"};
    return (unsigned)part < CL_ARRAY_LEN(names) ? names[part] : "headline";
}

json_t *cl_fig_spans_json(const cl_fig_spans_t *spans)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < spans->n; i++) {
        const cl_fig_span_t *s = &spans->items[i];
        json_t *fid = s->fig.finding ? json_string(s->fig.finding->id) : json_null();
        json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:s,s:o,s:s,s:s,s:f}", "part",
                                             cl_fig_part_name(s->part), "index",
                                             (json_int_t)s->index, "start", (json_int_t)s->start,
                                             "end", (json_int_t)s->end, "text", s->text,
                                             "finding_id", fid, "metric", s->fig.metric->id,
                                             "field", s->fig.field, "value", s->fig.value));
    }
    return arr;
}
