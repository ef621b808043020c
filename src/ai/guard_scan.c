/* guard_scan.c — the lexical half of the guardrails: where a figure is printed as digits, what it
 * says (value, precision, scale, unit), and which words are entities of the input. Kept apart from
 * the checks so that each half stays small enough to read and to test on its own. */
#include "ai/guard_scan.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int starts_with_ci(const char *s, size_t n, const char *word)
{
    size_t m = strlen(word);
    if (n < m) {
        return 0;
    }
    for (size_t i = 0; i < m; i++) {
        if (tolower((unsigned char)s[i]) != word[i]) {
            return 0;
        }
    }
    return 1;
}

static int is_word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* A currency symbol at S: its length in bytes, else 0. */
static size_t currency_len(const char *s, size_t n)
{
    static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5"};
    for (size_t i = 0; i < CL_ARRAY_LEN(symbols); i++) {
        size_t m = strlen(symbols[i]);
        if (n >= m && memcmp(s, symbols[i], m) == 0) {
            return m;
        }
    }
    return 0;
}

static size_t parse_digits(cl_literal_t *out, const char *s, size_t n)
{
    size_t i = 0;
    double v = 0;
    int run = 0;
    while (i < n) {
        if (isdigit((unsigned char)s[i])) {
            v = v * 10 + (s[i] - '0');
            run++;
            i++;
            continue;
        }
        /* a thousands comma: after 1-3 digits (or a full group), followed by exactly three digits
         */
        int group = s[i] == ',' && run >= 1 && run <= 3 && i + 3 < n &&
                    isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
                    isdigit((unsigned char)s[i + 3]) &&
                    (i + 4 >= n || !isdigit((unsigned char)s[i + 4]));
        if (!group) {
            break;
        }
        run = 0;
        i++;
    }
    if (i == 0) {
        return 0;
    }
    if (i + 1 < n && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        double frac = 0.1;
        for (i++; i < n && isdigit((unsigned char)s[i]); i++) {
            v += (s[i] - '0') * frac;
            frac /= 10;
            out->decimals++;
        }
    }
    out->value = v;
    return i;
}

struct suffix {
    const char *text;
    int scale;
    cl_lit_unit_t unit; /* LIT_BARE: no unit change */
};

static const struct suffix SCALES[] = {
    {" thousand", 1, LIT_BARE}, {" million", 2, LIT_BARE}, {" billion", 3, LIT_BARE},
    {"bn", 3, LIT_BARE},        {"k", 1, LIT_BARE},        {"m", 2, LIT_BARE},
    {"b", 3, LIT_BARE},
};
static const struct suffix UNITS[] = {
    {" percentage points", 0, LIT_PP},
    {" percentage point", 0, LIT_PP},
    {" points", 0, LIT_PP},
    {" point", 0, LIT_PP},
    {" pts", 0, LIT_PP},
    {" pp", 0, LIT_PP},
    {"pp", 0, LIT_PP},
    {" percent", 0, LIT_PERCENT},
    {"%", 0, LIT_PERCENT},
    {" %", 0, LIT_PERCENT},
    {"x", 0, LIT_RATIO},
    {" usd", 0, LIT_CURRENCY},
    {" eur", 0, LIT_CURRENCY},
    {" gbp", 0, LIT_CURRENCY},
};

/* Match one of TABLE at S, requiring a non-word byte after it; returns the bytes matched. */
static size_t match_suffix(const struct suffix *table, size_t count, const char *s, size_t n,
                           const struct suffix **hit)
{
    for (size_t i = 0; i < count; i++) {
        size_t m = strlen(table[i].text);
        if (starts_with_ci(s, n, table[i].text) && (m >= n || !is_word_char((unsigned char)s[m]))) {
            *hit = &table[i];
            return m;
        }
    }
    return 0;
}

int cl_guard_parse_literal(cl_literal_t *out, const char *s, size_t n, char prev)
{
    memset(out, 0, sizeof *out);
    if (prev && is_word_char((unsigned char)prev)) {
        return 0; /* digits inside a word: "W47", "ps5" */
    }
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        out->has_sign = 1;
        out->negative = s[i] == '-';
        i++;
    } else if (n >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0) { /* U+2212 minus */
        out->has_sign = out->negative = 1;
        i += 3;
    }
    size_t cur = currency_len(s + i, n - i);
    if (cur) {
        out->unit = LIT_CURRENCY;
        i += cur;
    }
    size_t d = parse_digits(out, s + i, n - i);
    if (d == 0) {
        return 0;
    }
    i += d;
    const struct suffix *hit = NULL;
    size_t m = match_suffix(SCALES, CL_ARRAY_LEN(SCALES), s + i, n - i, &hit);
    if (m) {
        out->scale = hit->scale;
        i += m;
    }
    m = match_suffix(UNITS, CL_ARRAY_LEN(UNITS), s + i, n - i, &hit);
    if (m) {
        if (out->unit == LIT_CURRENCY && hit->unit != LIT_CURRENCY) {
            return 0; /* "$5%" is no figure */
        }
        out->unit = hit->unit;
        i += m;
    }
    if (i < n && (is_word_char((unsigned char)s[i]) ||
                  (s[i] == '-' && i + 1 < n && isalnum((unsigned char)s[i + 1])))) {
        return 0; /* "5g_phones", "2026-W47": a word, judged as such */
    }
    out->len = i;
    return 1;
}

/* ---- vocabulary ---- */

static int vocab_add(cl_vocab_t *v, const char *s, size_t len)
{
    if (len == 0 || cl_vocab_has(v, s, len)) {
        return 0;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        char **p = realloc(v->words, cap * sizeof *p);
        if (!p) {
            return CL_ENOMEM;
        }
        v->words = p;
        v->cap = cap;
    }
    char *w = malloc(len + 1);
    if (!w) {
        return CL_ENOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        w[i] = (char)tolower((unsigned char)s[i]);
    }
    w[len] = '\0';
    v->words[v->n++] = w;
    return 0;
}

/* Add S whole and each of its parts between bytes other than letters, digits, _ and -. */
static int vocab_add_value(cl_vocab_t *v, const char *s)
{
    if (!s) {
        return 0;
    }
    int rc = vocab_add(v, s, strlen(s));
    for (const char *p = s; rc == 0 && *p;) {
        size_t run = 0;
        while (p[run] && (is_word_char((unsigned char)p[run]) || p[run] == '-')) {
            run++;
        }
        rc = vocab_add(v, p, run);
        p += run;
        while (*p && !(is_word_char((unsigned char)*p) || *p == '-')) {
            p++;
        }
    }
    return rc;
}

static int vocab_add_path(cl_vocab_t *v, json_t *path)
{
    size_t i;
    json_t *step;
    int rc = 0;
    json_array_foreach(path, i, step)
    {
        rc = rc ? rc : vocab_add_value(v, json_string_value(json_object_get(step, "dimension")));
        rc = rc ? rc : vocab_add_value(v, json_string_value(json_object_get(step, "value")));
    }
    return rc;
}

int cl_vocab_build(cl_vocab_t *out, const cl_ai_input_t *in)
{
    memset(out, 0, sizeof *out);
    const char *fixed[] = {in->category, in->region, in->week, in->window, in->currency};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < CL_ARRAY_LEN(fixed); i++) {
        rc = vocab_add_value(out, fixed[i]);
    }
    for (size_t i = 0; rc == 0 && i < in->nmetrics; i++) {
        rc = vocab_add_value(out, in->metrics[i].id);
        rc = rc ? rc : vocab_add_value(out, in->metrics[i].label);
    }
    for (size_t i = 0; rc == 0 && i < in->nfindings; i++) {
        rc = vocab_add_path(out, in->findings[i].path);
        rc = rc ? rc : vocab_add_value(out, in->findings[i].type);
    }
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(in->report, "breakdowns"), i, bd)
    {
        rc = rc ? rc : vocab_add_value(out, json_string_value(json_object_get(bd, "dimension")));
        rc = rc ? rc : vocab_add_value(out, json_string_value(json_object_get(bd, "parent")));
        size_t j;
        json_t *row;
        json_array_foreach(json_object_get(bd, "rows"), j, row)
        {
            rc = rc ? rc : vocab_add_value(out, json_string_value(json_object_get(row, "value")));
        }
    }
    if (rc != 0) {
        cl_vocab_dispose(out);
    }
    return rc;
}

void cl_vocab_dispose(cl_vocab_t *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->words[i]);
    }
    free(v->words);
    memset(v, 0, sizeof *v);
}

int cl_vocab_has(const cl_vocab_t *v, const char *word, size_t len)
{
    for (size_t i = 0; i < v->n; i++) {
        const char *w = v->words[i];
        if (strlen(w) != len) {
            continue;
        }
        size_t k = 0;
        while (k < len && tolower((unsigned char)word[k]) == w[k]) {
            k++;
        }
        if (k == len) {
            return 1;
        }
    }
    return 0;
}

void cl_items_dispose(cl_items_t *it)
{
    free(it->items);
    memset(it, 0, sizeof *it);
}
