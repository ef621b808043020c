/* guard.c — judge a model's answer before anyone reads it. The answer is scanned into words,
 * figures and clause breaks (guard_scan.c); figures are placeholders or literals traced to the
 * input within rounding; then the direction and superlative words are judged against the figures
 * they govern, and identifier-like words against the entities of the input. A passing answer is
 * rendered (figures.c); a failing one yields one line per problem for the re-ask prompt. */
#include "ai/guard.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/guard_scan.h"
#include "ai/schemas.h"
#include "ai/strbuf.h"

enum {
    CK_SCHEMA = 0,
    CK_CITATIONS,
    CK_PLACEHOLDERS,
    CK_NUMBERS,
    CK_ENTITIES,
    CK_DIRECTION,
    CK_SUPERLATIVE,
    CK_N
};
static const char *const CHECK_NAMES[CK_N] = {"schema",   "citations", "placeholders", "numbers",
                                              "entities", "direction", "superlative"};

struct ctx {
    const cl_ai_input_t *in;
    cl_vocab_t vocab;
    int failures[CK_N];
    char first[CK_N][240];
    cl_strbuf_t problems;
    char where[32]; /* "headline", "bullet 2" … */
};

static void problem(struct ctx *c, int check, const char *fmt, ...) CL_PRINTF(3, 4);
static void problem(struct ctx *c, int check, const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->failures[check]++ == 0) {
        snprintf(c->first[check], sizeof c->first[check], "%s: %s", c->where, msg);
    }
    if (c->problems.len < CL_GUARD_PROBLEMS_MAX - 300) {
        cl_strbuf_printf(&c->problems, "- %s: %s\n", c->where, msg);
    }
}

/* ---- words ---- */

static int word_in(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(w, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *const UP_WORDS[] = {
    "rose",       "rise",   "rises",  "rising", "risen",     "increase", "increased",   "increases",
    "increasing", "grew",   "grow",   "grows",  "growing",   "grown",    "gained",      "gain",
    "gains",      "up",     "higher", "jumped", "jump",      "jumps",    "climbed",     "climb",
    "climbs",     "surged", "surge",  "soared", "rebounded", "expanded", "accelerated", NULL};
static const char *const DOWN_WORDS[] = {
    "fell",      "fall",      "falls",   "falling",    "fallen",    "dropped",   "drop",
    "drops",     "declined",  "decline", "declines",   "declining", "decreased", "decrease",
    "decreases", "down",      "lower",   "slipped",    "slid",      "shrank",    "shrunk",
    "plunged",   "plummeted", "lost",    "contracted", "dipped",    "slowed",    NULL};
static const char *const FLAT_WORDS[] = {"flat", "unchanged", "stable", "steady", NULL};
static const char *const GOOD_WORDS[] = {"improved",  "improve", "improves",
                                         "improving", "better",  NULL};
static const char *const BAD_WORDS[] = {"worsened", "worsen",       "worsens",
                                        "worse",    "deteriorated", NULL};
static const char *const NEG_WORDS[] = {"not",  "no", "never",   "nor", "without",
                                        "didn", "t",  "neither", NULL};
static const char *const BREAK_WORDS[] = {"and",    "but",  "while",   "whereas", "although",
                                          "though", "yet",  "despite", "as",      "after",
                                          "which",  "with", NULL};
static const char *const MAX_SIGNED[] = {"highest", "top", NULL};
static const char *const MIN_SIGNED[] = {"lowest", "bottom", NULL};
static const char *const MAX_ABS[] = {"largest",   "biggest",  "greatest", "most",
                                      "strongest", "steepest", "sharpest", NULL};
static const char *const MIN_ABS[] = {"smallest", "least", "weakest", "slightest", NULL};

/* ---- items ---- */

static cl_item_t *push_item(cl_items_t *it, cl_item_kind_t kind, size_t start, size_t len)
{
    if (it->n == it->cap) {
        size_t cap = it->cap ? it->cap * 2 : 64;
        cl_item_t *p = realloc(it->items, cap * sizeof *p);
        if (!p) {
            return NULL;
        }
        it->items = p;
        it->cap = cap;
    }
    cl_item_t *item = &it->items[it->n++];
    memset(item, 0, sizeof *item);
    item->kind = kind;
    item->start = start;
    item->len = len;
    return item;
}

struct cited {
    const cl_ai_finding_t *f[8];
    size_t n;
    int is_bullet;
};

static int unit_compatible(cl_lit_unit_t lit, int decimals, cl_fig_unit_t fig)
{
    switch (lit) {
    case LIT_CURRENCY:
        return fig == CL_FIG_CURRENCY;
    case LIT_PERCENT:
        return fig == CL_FIG_PERCENT;
    case LIT_PP:
        return fig == CL_FIG_PP;
    case LIT_RATIO:
        return fig == CL_FIG_RATIO;
    default:
        /* a bare number is a count or an index; a ratio only with decimals ("ROAS of 7.44"). Never
         * a plain statistic: "top 3" must not pass as a z-score of 3.2. */
        return fig == CL_FIG_COUNT || fig == CL_FIG_INDEX || (fig == CL_FIG_RATIO && decimals > 0);
    }
}

static int literal_matches(const cl_literal_t *lit, const cl_ai_figure_t *fig)
{
    static const double div[] = {1.0, 1e3, 1e6, 1e9};
    if (!unit_compatible(lit->unit, lit->decimals, fig->unit)) {
        return 0;
    }
    if (lit->has_sign && fig->value != 0 && (fig->value < 0) != lit->negative) {
        return 0;
    }
    double printed = lit->value * div[lit->scale];
    double tol =
        0.5 * pow(10.0, -lit->decimals) * div[lit->scale] + 1e-9 * fmax(1.0, fabs(fig->value));
    return fabs(printed - fabs(fig->value)) <= tol;
}

static int try_finding(cl_ai_figure_t *out, const cl_ai_input_t *in, const cl_ai_finding_t *f,
                       const cl_literal_t *lit)
{
    if (cl_ai_input_figure(out, in, f->handle, "impact") == 0 && literal_matches(lit, out)) {
        return 1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(f->obj, "numbers"), key, v)
    {
        if (cl_ai_input_figure(out, in, f->handle, key) == 0 && literal_matches(lit, out)) {
            return 1;
        }
    }
    return 0;
}

/* Find the figure a literal stands for: cited findings first, then KPI tiles, then (outside
 * bullets) any finding. */
static int trace_literal(cl_ai_figure_t *out, const cl_ai_input_t *in, const cl_literal_t *lit,
                         const struct cited *cited)
{
    static const char *const tile_fields[] = {"current", "previous", "change", "change_pct", NULL};
    for (size_t i = 0; i < cited->n; i++) {
        if (try_finding(out, in, cited->f[i], lit)) {
            return 1;
        }
    }
    for (size_t t = 0; t < in->ntiles; t++) {
        for (size_t k = 0; tile_fields[k]; k++) {
            if (cl_ai_input_figure(out, in, in->tiles[t].metric->id, tile_fields[k]) == 0 &&
                literal_matches(lit, out)) {
                return 1;
            }
        }
    }
    for (size_t i = 0; !cited->is_bullet && i < in->nfindings; i++) {
        if (try_finding(out, in, &in->findings[i], lit)) {
            return 1;
        }
    }
    return 0;
}

static void literal_placeholder(cl_item_t *item, const cl_literal_t *lit)
{
    const char *ref = item->fig.finding ? item->fig.finding->handle : item->fig.metric->id;
    snprintf(item->placeholder, sizeof item->placeholder, "{%s.%s|%d%s%s}", ref, item->fig.field,
             lit->decimals,
             lit->scale == 1   ? "|k"
             : lit->scale == 2 ? "|m"
             : lit->scale == 3 ? "|b"
                               : "",
             lit->has_sign ? "|signed" : "");
}

static int scan_literal(cl_items_t *it, struct ctx *c, const char *text, size_t i, size_t n,
                        const struct cited *cited, size_t *used)
{
    cl_literal_t lit;
    if (!cl_guard_parse_literal(&lit, text + i, n - i, (char)(i ? text[i - 1] : 0))) {
        return 1; /* not a literal: scan as a word */
    }
    *used = lit.len;
    if (lit.unit == LIT_BARE && !lit.has_sign && cl_vocab_has(&c->vocab, text + i, lit.len)) {
        return 0; /* "2026" of the week 2026-W47: an entity, not a figure */
    }
    cl_ai_figure_t fig;
    if (!trace_literal(&fig, c->in, &lit, cited)) {
        problem(c, CK_NUMBERS,
                "the number \"%.*s\" is not a figure of the input; write a placeholder",
                (int)(lit.len > 40 ? 40 : lit.len), text + i);
        return 0;
    }
    cl_item_t *item = push_item(it, ITEM_FIGURE, i, lit.len);
    if (!item) {
        return CL_ENOMEM;
    }
    item->fig = fig;
    item->decimals = lit.decimals;
    item->literal = 1;
    literal_placeholder(item, &lit);
    return 0;
}

static int scan_placeholder(cl_items_t *it, struct ctx *c, const char *text, size_t i, size_t n,
                            size_t *used)
{
    cl_placeholder_t ph;
    *used = cl_fig_parse(&ph, text + i, n - i);
    if (*used == 0) {
        problem(c, CK_PLACEHOLDERS, "malformed placeholder at \"%.20s\"", text + i);
        *used = 1;
        return 0;
    }
    cl_ai_figure_t fig;
    if (cl_ai_input_figure(&fig, c->in, ph.ref, ph.field) != 0) {
        problem(c, CK_PLACEHOLDERS, "unknown placeholder {%s.%s}", ph.ref, ph.field);
        return 0;
    }
    cl_item_t *item = push_item(it, ITEM_FIGURE, i, *used);
    if (!item) {
        return CL_ENOMEM;
    }
    item->fig = fig;
    item->decimals = ph.decimals >= 0 ? ph.decimals : fig.decimals;
    return 0;
}

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

static int scan_word(cl_items_t *it, struct ctx *c, const char *text, size_t i, size_t n,
                     size_t *used)
{
    size_t j = i;
    int has_digit = 0, has_underscore = 0;
    while (j < n &&
           (is_word_byte((unsigned char)text[j]) ||
            (text[j] == '-' && j + 1 < n && isalnum((unsigned char)text[j + 1]) && j > i))) {
        has_digit |= isdigit((unsigned char)text[j]) != 0;
        has_underscore |= text[j] == '_';
        j++;
    }
    *used = j - i;
    int known = cl_vocab_has(&c->vocab, text + i, j - i);
    if (has_underscore && !known) {
        problem(c, CK_ENTITIES, "\"%.*s\" is not an entity of the input",
                (int)(*used > 60 ? 60 : *used), text + i);
    } else if (has_digit && !known) {
        problem(c, CK_NUMBERS, "\"%.*s\" holds a digit outside a placeholder",
                (int)(*used > 40 ? 40 : *used), text + i);
    }
    cl_item_t *item = push_item(it, ITEM_WORD, i, *used);
    if (!item) {
        return CL_ENOMEM;
    }
    size_t k = 0;
    for (; k + 1 < sizeof item->word && k < *used; k++) {
        item->word[k] = (char)tolower((unsigned char)text[i + k]);
    }
    item->word[k] = '\0';
    if (word_in(item->word, BREAK_WORDS)) {
        item->kind = ITEM_BREAK;
    }
    return 0;
}

static int starts_literal(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (isdigit(c)) {
        return 1;
    }
    size_t k = (c == '+' || c == '-') ? 1 : (n >= 3 && memcmp(s, "\xe2\x88\x92", 3) == 0) ? 3 : 0;
    if (k < n && isdigit((unsigned char)s[k])) {
        return 1;
    }
    static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5"};
    for (size_t i = 0; i < CL_ARRAY_LEN(symbols); i++) {
        size_t m = strlen(symbols[i]);
        if (k + m < n && memcmp(s + k, symbols[i], m) == 0 && isdigit((unsigned char)s[k + m])) {
            return 1;
        }
    }
    return 0;
}

static int scan_text(cl_items_t *it, struct ctx *c, const char *text, const struct cited *cited)
{
    size_t n = strlen(text), i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)text[i];
        size_t used = 1;
        int rc = 0;
        if (ch == '{' || ch == '}') {
            rc = ch == '{' ? scan_placeholder(it, c, text, i, n, &used) : 0;
            if (ch == '}') {
                problem(c, CK_PLACEHOLDERS, "a stray '}'");
            }
        } else if (starts_literal(text + i, n - i) &&
                   (rc = scan_literal(it, c, text, i, n, cited, &used)) != 1) {
            /* a literal figure (or a refused one): done */
        } else if (is_word_byte(ch)) {
            rc = scan_word(it, c, text, i, n, &used);
        } else if (strchr(".;!?,()[]", (int)ch)) {
            rc = push_item(it, ITEM_BREAK, i, 1) ? 0 : CL_ENOMEM;
        }
        if (rc < 0) {
            return rc;
        }
        i += used ? used : 1;
    }
    return 0;
}

/* ---- direction and superlatives ---- */

static int rounds_to_zero(double v, int decimals)
{
    return fabs(v) < 0.5 * pow(10.0, -decimals);
}

static double owner_change_pct(const cl_ai_figure_t *f)
{
    json_t *obj = f->finding ? json_object_get(f->finding->obj, "numbers")
                  : f->tile  ? f->tile->obj
                             : NULL;
    json_t *v = json_object_get(obj, "change_pct");
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int negated(const cl_items_t *it, size_t k, size_t clause_start)
{
    for (size_t back = 1; back <= 2 && k >= clause_start + back; back++) {
        const cl_item_t *w = &it->items[k - back];
        if (w->kind == ITEM_WORD && word_in(w->word, NEG_WORDS)) {
            return 1;
        }
    }
    return 0;
}

/* The figure governing word K of clause [A, B): the next figure, else the previous one; NULL if
 * none. */
static const cl_item_t *governed(const cl_items_t *it, size_t k, size_t a, size_t b)
{
    for (size_t j = k + 1; j < b; j++) {
        if (it->items[j].kind == ITEM_FIGURE) {
            return &it->items[j];
        }
    }
    for (size_t j = k; j-- > a;) {
        if (it->items[j].kind == ITEM_FIGURE) {
            return &it->items[j];
        }
    }
    return NULL;
}

static void judge_direction(struct ctx *c, const char *word, const cl_ai_figure_t *f, int decimals)
{
    int sign = f->is_change ? (f->value > 0 ? 1 : f->value < 0 ? -1 : 0) : f->direction;
    if (word_in(word, UP_WORDS) && sign <= 0) {
        problem(c, CK_DIRECTION, "\"%s\" but %s.%s went %s", word, f->metric->id, f->field,
                sign < 0 ? "down" : "nowhere");
    } else if (word_in(word, DOWN_WORDS) && sign >= 0) {
        problem(c, CK_DIRECTION, "\"%s\" but %s.%s went %s", word, f->metric->id, f->field,
                sign > 0 ? "up" : "nowhere");
    } else if (word_in(word, FLAT_WORDS)) {
        double pct = owner_change_pct(f);
        int flat = f->is_change ? rounds_to_zero(f->value, decimals)
                                : (isnan(pct) ? f->direction == 0 : fabs(pct) < 1.0);
        if (!flat) {
            problem(c, CK_DIRECTION, "\"%s\" but %s moved", word, f->metric->id);
        }
    } else if (word_in(word, GOOD_WORDS) && f->favourable == 0) {
        problem(c, CK_DIRECTION, "\"%s\" but the change of %s is unfavourable", word,
                f->metric->id);
    } else if (word_in(word, BAD_WORDS) && f->favourable == 1) {
        problem(c, CK_DIRECTION, "\"%s\" but the change of %s is favourable", word, f->metric->id);
    }
}

static int peer_value(double *out, const cl_ai_input_t *in, const cl_ai_figure_t *f, size_t i,
                      int tiles)
{
    cl_ai_figure_t p;
    if (tiles) {
        if (cl_ai_input_figure(&p, in, in->tiles[i].metric->id, f->field) != 0 ||
            p.unit != f->unit) {
            return 0;
        }
    } else if (in->findings[i].metric != f->metric ||
               cl_ai_input_figure(&p, in, in->findings[i].handle, f->field) != 0) {
        return 0;
    }
    *out = p.value;
    return 1;
}

static void judge_superlative(struct ctx *c, const char *word, const cl_ai_figure_t *f,
                              int decimals)
{
    int max_signed = word_in(word, MAX_SIGNED), min_signed = word_in(word, MIN_SIGNED);
    int max_abs = word_in(word, MAX_ABS), min_abs = word_in(word, MIN_ABS);
    if (!(max_signed || min_signed || max_abs || min_abs)) {
        return;
    }
    int tiles = f->tile != NULL;
    size_t count = tiles ? c->in->ntiles : c->in->nfindings;
    double tol = 0.5 * pow(10.0, -decimals) + 1e-9;
    double v = f->value;
    for (size_t i = 0; i < count; i++) {
        double p;
        if (!peer_value(&p, c->in, f, i, tiles)) {
            continue;
        }
        int same_sign = (p > 0) == (v > 0);
        int beaten = (max_signed && p > v + tol) || (min_signed && p < v - tol) ||
                     (max_abs && same_sign && fabs(p) > fabs(v) + tol) ||
                     (min_abs && same_sign && fabs(p) < fabs(v) - tol);
        if (beaten) {
            problem(c, CK_SUPERLATIVE, "\"%s\" but another %s.%s is more extreme", word,
                    f->metric->id, f->field);
            return;
        }
    }
}

static void judge_clauses(struct ctx *c, const cl_items_t *it, const struct cited *cited)
{
    size_t a = 0;
    while (a < it->n) {
        size_t b = a;
        while (b < it->n && it->items[b].kind != ITEM_BREAK) {
            b++;
        }
        for (size_t k = a; k < b; k++) {
            const cl_item_t *w = &it->items[k];
            if (w->kind != ITEM_WORD || negated(it, k, a)) {
                continue;
            }
            const cl_item_t *g = governed(it, k, a, b);
            cl_ai_figure_t whole;
            const cl_ai_figure_t *f = g ? &g->fig : NULL;
            int decimals = g ? g->decimals : 1;
            if (!f && cited->n == 1) { /* the only finding the bullet cites */
                memset(&whole, 0, sizeof whole);
                whole.metric = cited->f[0]->metric;
                whole.finding = cited->f[0];
                whole.direction = cited->f[0]->direction;
                whole.favourable = cited->f[0]->favourable;
                snprintf(whole.field, sizeof whole.field, "direction");
                f = &whole;
            }
            if (f) {
                judge_direction(c, w->word, f, decimals);
                if (g) {
                    judge_superlative(c, w->word, f, decimals);
                }
            }
        }
        a = b + 1;
    }
}

/* ---- parts ---- */

/* TEXT with each traced literal replaced by its placeholder. New: free(), or NULL when out of
 * memory. */
static char *normalise(const char *text, const cl_items_t *it)
{
    cl_strbuf_t b;
    cl_strbuf_init(&b);
    size_t pos = 0;
    for (size_t k = 0; k < it->n; k++) {
        const cl_item_t *item = &it->items[k];
        if (item->kind == ITEM_FIGURE && item->literal) {
            cl_strbuf_append(&b, text + pos, item->start - pos);
            cl_strbuf_puts(&b, item->placeholder);
            pos = item->start + item->len;
        }
    }
    cl_strbuf_puts(&b, text + pos);
    return cl_strbuf_take(&b);
}

/* Check one text part; on success *normalised is the text ready to render. Returns 0 or CL_ENOMEM.
 */
static int check_part(char **normalised, struct ctx *c, const char *text, const struct cited *cited)
{
    *normalised = NULL;
    cl_items_t it = {0};
    int rc = scan_text(&it, c, text, cited);
    if (rc == 0) {
        judge_clauses(c, &it, cited);
        *normalised = normalise(text, &it);
        rc = *normalised ? 0 : CL_ENOMEM;
    }
    cl_items_dispose(&it);
    return rc;
}

/* Add to IDS (JSON array of finding ids) the findings of every figure in NORMALISED that it lacks.
 */
static void add_figure_citations(json_t *ids, const cl_fig_spans_t *spans, size_t from)
{
    for (size_t i = from; i < spans->n; i++) {
        const cl_ai_finding_t *f = spans->items[i].fig.finding;
        if (!f) {
            continue;
        }
        int seen = 0;
        size_t k;
        json_t *v;
        json_array_foreach(ids, k, v)
        {
            seen = seen || strcmp(json_string_value(v), f->id) == 0;
        }
        if (!seen) {
            json_array_append_new(ids, json_string(f->id));
        }
    }
}

struct part_out {
    json_t *summary;
    cl_fig_spans_t spans;
};

static int render_into(struct part_out *o, struct ctx *c, const char *normalised,
                       cl_fig_part_t part, size_t index, json_t **rendered)
{
    char *text = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_fig_render(&text, &o->spans, c->in, normalised, part, index, &err);
    if (rc == CL_EINVAL) {
        problem(c, CK_PLACEHOLDERS, "%s", err.msg);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    *rendered = json_string(text);
    free(text);
    return *rendered ? 0 : CL_ENOMEM;
}

static int do_text(struct part_out *o, struct ctx *c, const char *text, cl_fig_part_t part,
                   size_t index, const struct cited *cited, json_t **rendered)
{
    *rendered = NULL;
    if (part == CL_PART_HEADLINE) {
        snprintf(c->where, sizeof c->where, "headline");
    } else {
        snprintf(c->where, sizeof c->where, "%s %zu", cl_fig_part_name(part), index + 1);
    }
    char *normalised = NULL;
    int rc = check_part(&normalised, c, text, cited);
    if (rc == 0) {
        rc = render_into(o, c, normalised, part, index, rendered);
    }
    free(normalised);
    return rc;
}

static int do_bullet(struct part_out *o, struct ctx *c, json_t *bullet, size_t index)
{
    struct cited cited = {.n = 0, .is_bullet = 1};
    json_t *ids = json_array();
    if (!ids) {
        return CL_ENOMEM;
    }
    size_t k;
    json_t *h;
    snprintf(c->where, sizeof c->where, "bullet %zu", index + 1);
    json_array_foreach(json_object_get(bullet, "finding_ids"), k, h)
    {
        const cl_ai_finding_t *f = cl_ai_input_finding(c->in, json_string_value(h));
        if (!f) {
            problem(c, CK_CITATIONS, "cites %s, which is not a finding of the input",
                    json_string_value(h));
            continue;
        }
        if (cited.n < CL_ARRAY_LEN(cited.f)) {
            cited.f[cited.n++] = f;
        }
        json_array_append_new(ids, json_string(f->id));
    }
    size_t before = o->spans.n;
    json_t *text = NULL;
    int rc = do_text(o, c, json_string_value(json_object_get(bullet, "text")), CL_PART_BULLET,
                     index, &cited, &text);
    if (rc == 0 && text) {
        add_figure_citations(ids, &o->spans, before);
        rc = json_array_append_new(json_object_get(o->summary, "bullets"),
                                   json_pack("{s:o,s:O}", "text", text, "finding_ids", ids));
        rc = rc == 0 ? 0 : CL_ENOMEM;
    }
    json_decref(ids);
    return rc;
}

static int do_list(struct part_out *o, struct ctx *c, json_t *answer, const char *key,
                   cl_fig_part_t part)
{
    json_t *out = json_array();
    if (!out) {
        return CL_ENOMEM;
    }
    json_object_set_new(o->summary, key, out);
    struct cited none = {.n = 0, .is_bullet = 0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(answer, key), i, v)
    {
        json_t *text = NULL;
        int rc = do_text(o, c, json_string_value(v), part, i, &none, &text);
        if (rc != 0) {
            return rc;
        }
        if (text) {
            json_array_append_new(out, text);
        }
    }
    return 0;
}

static int check_all(struct part_out *o, struct ctx *c, json_t *answer)
{
    struct cited none = {.n = 0, .is_bullet = 0};
    json_t *headline = NULL;
    int rc = do_text(o, c, json_string_value(json_object_get(answer, "headline")), CL_PART_HEADLINE,
                     0, &none, &headline);
    if (rc != 0) {
        return rc;
    }
    json_object_set_new(o->summary, "headline", headline ? headline : json_string(""));
    json_object_set_new(o->summary, "bullets", json_array());
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(answer, "bullets"), i, b)
    {
        if ((rc = do_bullet(o, c, b, i)) != 0) {
            return rc;
        }
    }
    if ((rc = do_list(o, c, answer, "actions", CL_PART_ACTION)) != 0) {
        return rc;
    }
    return do_list(o, c, answer, "caveats", CL_PART_CAVEAT);
}

static json_t *checks_json(const struct ctx *c, int schema_failed)
{
    json_t *arr = json_array();
    for (int k = 0; arr && k < CK_N; k++) {
        const char *status = c->failures[k]                     ? "fail"
                             : (schema_failed && k > CK_SCHEMA) ? "skipped"
                                                                : "pass";
        json_t *entry = json_pack("{s:s,s:s}", "name", CHECK_NAMES[k], "status", status);
        if (c->failures[k]) {
            char detail[400];
            snprintf(detail, sizeof detail, "%d problem%s; first: %s", c->failures[k],
                     c->failures[k] > 1 ? "s" : "", c->first[k]);
            json_object_set_new(entry, "detail", json_string(detail));
        }
        json_array_append_new(arr, entry);
    }
    return arr;
}

void cl_guard_report_init(cl_guard_report_t *r)
{
    memset(r, 0, sizeof *r);
}

void cl_guard_report_dispose(cl_guard_report_t *r)
{
    json_decref(r->summary);
    json_decref(r->checks);
    memset(r, 0, sizeof *r);
}

static int finish(cl_guard_report_t *out, struct ctx *c, struct part_out *o, int schema_failed)
{
    int failed = schema_failed;
    for (int k = 0; k < CK_N; k++) {
        failed = failed || c->failures[k] > 0;
    }
    out->ok = !failed;
    out->checks = checks_json(c, schema_failed);
    snprintf(out->problems, sizeof out->problems, "%s", c->problems.data ? c->problems.data : "");
    if (out->ok) {
        json_object_set_new(o->summary, "figures", cl_fig_spans_json(&o->spans));
        out->summary = json_incref(o->summary);
    }
    return out->checks ? 0 : CL_ENOMEM;
}

int cl_guard_check_json(cl_guard_report_t *out, const cl_ai_input_t *in, json_t *answer,
                        cl_err_t *err)
{
    cl_guard_report_init(out);
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.in = in;
    cl_strbuf_init(&c.problems);
    struct part_out o = {json_object(), {0}};
    int rc = o.summary && cl_vocab_build(&c.vocab, in) == 0 ? 0 : CL_ENOMEM;
    int schema_failed = 0;
    if (rc == 0) {
        cl_err_t verr;
        cl_err_clear(&verr);
        snprintf(c.where, sizeof c.where, "answer");
        if (cl_schemas_validate(CL_SCHEMA_MODEL_OUTPUT, answer, &verr) != 0) {
            schema_failed = 1;
            problem(&c, CK_SCHEMA, "%s", verr.msg);
        } else {
            rc = check_all(&o, &c, answer);
        }
    }
    if (rc == 0) {
        rc = finish(out, &c, &o, schema_failed);
    }
    json_decref(o.summary);
    cl_fig_spans_dispose(&o.spans);
    cl_vocab_dispose(&c.vocab);
    cl_strbuf_dispose(&c.problems);
    if (rc != 0) {
        cl_guard_report_dispose(out);
        return cl_err_set(err, rc, "guardrails: out of memory");
    }
    return 0;
}

/* The JSON object inside a model's text: the whole text, else from the first '{' to the last '}'
 * (models wrap answers in ``` fences or a sentence). NULL when there is none. */
static json_t *extract_json(const char *text)
{
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(v)) {
        return v;
    }
    json_decref(v);
    const char *a = strchr(text, '{');
    const char *b = strrchr(text, '}');
    if (!a || !b || b < a) {
        return NULL;
    }
    v = json_loadb(a, (size_t)(b - a) + 1, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

int cl_guard_check(cl_guard_report_t *out, const cl_ai_input_t *in, const char *text, cl_err_t *err)
{
    json_t *answer = extract_json(text ? text : "");
    if (!answer) {
        cl_guard_report_init(out);
        struct ctx c;
        memset(&c, 0, sizeof c);
        cl_strbuf_init(&c.problems);
        snprintf(c.where, sizeof c.where, "answer");
        problem(&c, CK_SCHEMA, "the answer is not a JSON object");
        struct part_out o = {NULL, {0}};
        int rc = finish(out, &c, &o, 1);
        cl_strbuf_dispose(&c.problems);
        return rc == 0 ? 0 : cl_err_set(err, rc, "guardrails: out of memory");
    }
    int rc = cl_guard_check_json(out, in, answer, err);
    json_decref(answer);
    return rc;
}
