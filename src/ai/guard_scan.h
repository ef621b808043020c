/* guard_scan.h — internal to the guardrails (guard.c): the scanner that turns one text part into
 * words, figures and clause breaks, the literal-number parser, and the vocabulary of entities of
 * the input. Not a public contract: only guard.c and its tests include it. Thread safety:
 * reentrant. */
#ifndef CL_AI_GUARD_SCAN_H
#define CL_AI_GUARD_SCAN_H

#include <stddef.h>

#include "ai/figures.h"
#include "ai/input.h"

typedef enum { LIT_BARE = 0, LIT_CURRENCY, LIT_PERCENT, LIT_PP, LIT_RATIO } cl_lit_unit_t;

typedef struct {
    double value; /* as printed, before scale */
    int has_sign; /* an explicit + or - */
    int negative;
    int decimals; /* digits after the point */
    int scale;    /* 0, 1 K, 2 M, 3 B */
    cl_lit_unit_t unit;
    size_t len; /* bytes the literal spans, unit words included */
} cl_literal_t;

/* Parse a literal figure at S[0..N) (S[0] is a digit, a sign, or a currency symbol). PREV is the
 * byte before S (0 at the start). Returns 1 and fills OUT, or 0 when S does not start a literal
 * figure (e.g. it begins a word such as "5g_phones"). */
int cl_guard_parse_literal(cl_literal_t *out, const char *s, size_t n, char prev);

typedef struct {
    char **words; /* lower case */
    size_t n, cap;
} cl_vocab_t;

/* The entities of IN: category, region, week, window, dimensions and values of finding paths and
 * breakdowns, metric ids, and the parts of each value split at spaces and punctuation other than _
 * and -. */
CL_NODISCARD int cl_vocab_build(cl_vocab_t *out, const cl_ai_input_t *in);
void cl_vocab_dispose(cl_vocab_t *v);
int cl_vocab_has(const cl_vocab_t *v, const char *word, size_t len); /* case-insensitive */

typedef enum { ITEM_WORD = 0, ITEM_FIGURE, ITEM_BREAK } cl_item_kind_t;

typedef struct {
    cl_item_kind_t kind;
    char word[40];         /* ITEM_WORD: lower case, truncated */
    size_t start, len;     /* bytes in the source text */
    cl_ai_figure_t fig;    /* ITEM_FIGURE */
    int decimals;          /* ITEM_FIGURE: the printed precision */
    int literal;           /* ITEM_FIGURE: 1 when it was a traced literal */
    char placeholder[160]; /* ITEM_FIGURE from a literal: the equivalent placeholder */
} cl_item_t;

typedef struct {
    cl_item_t *items;
    size_t n, cap;
} cl_items_t;

void cl_items_dispose(cl_items_t *it);

#endif
