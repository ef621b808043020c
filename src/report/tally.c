/* tally.c — a slice's table summed in C from one scan (tally.h says why and what it promises).
 *
 * Rows arrive in DuckDB chunks. Each dimension's text is interned into a per-dimension code (a
 * value that repeats the row before costs one compare); the week into a week code that knows its
 * frame index and which comparison periods hold it. A row then adds its measures to one group per
 * grouping set — a dimension with its ancestors, keyed by their codes — and to its leaf. Writing
 * sorts the groups of each set by their text, as the SQL reader's ORDER BY did, so the frame's
 * values are created in the same order and hold the same sums. */
#include "report/tally.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NO_CODE UINT32_MAX
#define MAX_KEY (CL_TALLY_MAX_DIMS + 1)

/* Interned text of one column: code -> bytes (NULL for SQL NULL), bytes -> code. */
typedef struct {
    char **text;
    uint32_t *len;
    uint64_t *hash;
    size_t n, cap;
    uint32_t *slots; /* open addressing: code + 1, 0 empty */
    size_t n_slots;
    uint32_t null_code, last; /* NO_CODE when unseen / no row yet */
} dict_t;

/* Groups keyed by K codes, each with SIZE accumulator cells (sum, and a non-NULL flag). */
typedef struct {
    size_t k, size;
    uint32_t *keys; /* n × k */
    size_t n, cap;
    uint32_t *slots;
    size_t n_slots;
    double *sum;           /* n × size */
    unsigned char *seen;   /* n × size: 1 when a non-NULL value was added */
    unsigned char *exists; /* n × rows_per_group: a row reached this (group, week) */
    size_t n_rows;         /* rows_per_group: weeks for a set, 1 for leaves */
    size_t last;           /* the group found last: rows sorted by key repeat it */
} groups_t;

typedef struct {
    size_t n_dims; /* dimensions of the key, in spec order */
    size_t dims[MAX_KEY];
    long g; /* GROUPING() value: the order of sets in the SQL reader */
    groups_t groups;
} set_t;

struct cl_tally {
    cl_tally_spec_t spec; /* its arrays point at the copies below */
    const char *names[CL_TALLY_MAX_DIMS];
    size_t parent[CL_TALLY_MAX_DIMS], leaf_measures[CL_FRAME_MAX_LEAF_MEASURES];
    dict_t dims[CL_TALLY_MAX_DIMS];
    dict_t weeks;
    long *week_index;       /* per week code: frame index or -1 */
    unsigned *week_periods; /* per week code: bit p when period p holds it */
    size_t n_sets;
    set_t sets[CL_TALLY_MAX_DIMS + 1];
    groups_t leaves;
    /* per chunk scratch */
    const char **ptr;
    uint32_t *plen;
    uint32_t *codes; /* rows × (n_dims + 1): the week code last */
    size_t scratch_rows;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static uint64_t hash_codes(const uint32_t *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ k[i]) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return h;
}

/* ---- interned text ------------------------------------------------------------------------ */

static void dict_dispose(dict_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->text[i]);
    }
    free(d->text);
    free(d->len);
    free(d->hash);
    free(d->slots);
}

static int dict_rehash(dict_t *d)
{
    size_t n_slots = d->n_slots ? 2 * d->n_slots : 64;
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots) {
        return CL_ENOMEM;
    }
    for (size_t c = 0; c < d->n; c++) {
        size_t i = d->hash[c] & (n_slots - 1);
        while (slots[i]) {
            i = (i + 1) & (n_slots - 1);
        }
        slots[i] = (uint32_t)c + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->n_slots = n_slots;
    return 0;
}

static int dict_push(dict_t *d, const char *p, uint32_t len, uint64_t h, uint32_t *out)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        char **text = realloc(d->text, cap * sizeof *text);
        d->text = text ? text : d->text;
        uint32_t *lens = text ? realloc(d->len, cap * sizeof *lens) : NULL;
        d->len = lens ? lens : d->len;
        uint64_t *hs = lens ? realloc(d->hash, cap * sizeof *hs) : NULL;
        if (!hs) {
            return CL_ENOMEM;
        }
        d->hash = hs;
        d->cap = cap;
    }
    char *copy = NULL;
    if (p) {
        copy = malloc((size_t)len + 1);
        if (!copy) {
            return CL_ENOMEM;
        }
        memcpy(copy, p, len);
        copy[len] = '\0';
    }
    d->text[d->n] = copy;
    d->len[d->n] = len;
    d->hash[d->n] = h;
    *out = (uint32_t)d->n++;
    return 0;
}

/* The code of P[0..LEN) (P NULL: SQL NULL), added when new. */
static int dict_code(dict_t *d, const char *p, uint32_t len, uint32_t *out)
{
    if (!p) {
        int rc = d->null_code == NO_CODE ? dict_push(d, NULL, 0, 0, &d->null_code) : 0;
        *out = d->last = d->null_code;
        return rc;
    }
    uint32_t l = d->last;
    if (l != NO_CODE && d->text[l] && d->len[l] == len && memcmp(d->text[l], p, len) == 0) {
        *out = l;
        return 0;
    }
    if (2 * (d->n + 1) > d->n_slots && dict_rehash(d) != 0) {
        return CL_ENOMEM;
    }
    uint64_t h = hash_bytes(p, len);
    size_t i = h & (d->n_slots - 1);
    for (; d->slots[i]; i = (i + 1) & (d->n_slots - 1)) {
        uint32_t c = d->slots[i] - 1;
        if (d->hash[c] == h && d->text[c] && d->len[c] == len && memcmp(d->text[c], p, len) == 0) {
            *out = d->last = c;
            return 0;
        }
    }
    int rc = dict_push(d, p, len, h, out);
    if (rc == 0) {
        d->slots[i] = *out + 1;
        d->last = *out;
    }
    return rc;
}

/* SQL's order of two interned values: bytes, then length; NULL last. */
static int dict_cmp(const dict_t *d, uint32_t a, uint32_t b)
{
    const char *x = d->text[a], *y = d->text[b];
    if (!x || !y) {
        return !x - !y;
    }
    size_t n = d->len[a] < d->len[b] ? d->len[a] : d->len[b];
    int c = memcmp(x, y, n);
    return c ? c : (d->len[a] > d->len[b]) - (d->len[a] < d->len[b]);
}

/* ---- groups ------------------------------------------------------------------------------- */

static void groups_dispose(groups_t *g)
{
    free(g->keys);
    free(g->slots);
    free(g->sum);
    free(g->seen);
    free(g->exists);
}

static int groups_grow(groups_t *g)
{
    size_t cap = g->cap ? 2 * g->cap : 64;
    uint32_t *keys = realloc(g->keys, cap * (g->k ? g->k : 1) * sizeof *keys);
    g->keys = keys ? keys : g->keys;
    double *sum = keys ? realloc(g->sum, cap * g->size * sizeof *sum) : NULL;
    g->sum = sum ? sum : g->sum;
    unsigned char *seen = sum ? realloc(g->seen, cap * g->size) : NULL;
    g->seen = seen ? seen : g->seen;
    unsigned char *exists = seen ? realloc(g->exists, cap * g->n_rows) : NULL;
    if (!exists) {
        return CL_ENOMEM;
    }
    g->exists = exists;
    g->cap = cap;
    size_t n_slots = 4 * cap;
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots) {
        return CL_ENOMEM;
    }
    for (size_t i = 0; i < g->n; i++) {
        size_t s = hash_codes(&g->keys[i * g->k], g->k) & (n_slots - 1);
        while (slots[s]) {
            s = (s + 1) & (n_slots - 1);
        }
        slots[s] = (uint32_t)i + 1;
    }
    free(g->slots);
    g->slots = slots;
    g->n_slots = n_slots;
    return 0;
}

/* The group of KEY (g->k codes), added (empty) when new. */
static int groups_find(groups_t *g, const uint32_t *key, size_t *out)
{
    const size_t k = g->k; /* the codes of KEY: growing the table never changes it */
    if (g->last < g->n && memcmp(&g->keys[g->last * k], key, k * sizeof *key) == 0) {
        *out = g->last;
        return 0;
    }
    if (g->n == g->cap && groups_grow(g) != 0) {
        return CL_ENOMEM;
    }
    size_t s = hash_codes(key, k) & (g->n_slots - 1);
    for (; g->slots[s]; s = (s + 1) & (g->n_slots - 1)) {
        size_t i = g->slots[s] - 1;
        if (memcmp(&g->keys[i * k], key, k * sizeof *key) == 0) {
            *out = g->last = i;
            return 0;
        }
    }
    size_t i = g->n++;
    memcpy(&g->keys[i * k], key, k * sizeof *key);
    memset(&g->sum[i * g->size], 0, g->size * sizeof *g->sum);
    memset(&g->seen[i * g->size], 0, g->size);
    memset(&g->exists[i * g->n_rows], 0, g->n_rows);
    g->slots[s] = (uint32_t)i + 1;
    *out = g->last = i;
    return 0;
}

/* ---- the tally ---------------------------------------------------------------------------- */

static unsigned set_bits(const cl_tally_spec_t *s, size_t d)
{
    unsigned bits = 0;
    for (size_t k = d; k != CL_FRAME_NONE; k = s->parent[k]) {
        bits |= 1u << k;
    }
    return bits;
}

static long grouping_value(size_t n_dims, unsigned grouped)
{
    long g = 0;
    for (size_t d = 0; d < n_dims; d++) {
        if (!(grouped & (1u << d))) {
            g |= 1L << (n_dims - 1 - d); /* GROUPING(): leftmost argument is the high bit */
        }
    }
    return g;
}

static int cmp_sets(const void *a, const void *b)
{
    const set_t *x = a, *y = b;
    return (x->g > y->g) - (x->g < y->g);
}

static void add_set(cl_tally_t *t, unsigned bits)
{
    set_t *s = &t->sets[t->n_sets++];
    for (size_t d = 0; d < t->spec.n_dims; d++) {
        if (bits & (1u << d)) {
            s->dims[s->n_dims++] = d;
        }
    }
    s->g = grouping_value(t->spec.n_dims, bits);
    s->groups.k = s->n_dims;
    s->groups.n_rows = t->spec.n_weeks;
    s->groups.size = t->spec.n_weeks * t->spec.n_measures;
}

int cl_tally_new(cl_tally_t **out, const cl_tally_spec_t *spec, cl_err_t *err)
{
    *out = NULL;
    if (spec->n_dims > CL_TALLY_MAX_DIMS || spec->n_measures > CL_TALLY_MAX_MEASURES ||
        spec->n_leaf_dims > spec->n_dims || spec->n_leaf_measures > CL_FRAME_MAX_LEAF_MEASURES ||
        spec->n_weeks == 0) {
        return cl_err_set(err, CL_EINVAL, "tally: too many dimensions or measures");
    }
    for (size_t k = 0; k < spec->n_leaf_measures; k++) {
        if (spec->leaf_measures[k] >= spec->n_measures) {
            return cl_err_set(err, CL_EINVAL, "tally: a leaf measure is not a measure");
        }
    }
    for (size_t d = 0; d < spec->n_dims; d++) {
        if (spec->parent[d] != CL_FRAME_NONE && spec->parent[d] >= d) {
            return cl_err_set(err, CL_EINVAL, "tally: a parent must come before its child");
        }
    }
    cl_tally_t *t = calloc(1, sizeof *t);
    if (!t) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    t->spec = *spec;
    for (size_t d = 0; d < spec->n_dims; d++) {
        t->names[d] = spec->dims[d];
        t->parent[d] = spec->parent[d];
    }
    for (size_t k = 0; k < spec->n_leaf_measures; k++) {
        t->leaf_measures[k] = spec->leaf_measures[k];
    }
    t->spec.dims = t->names;
    t->spec.parent = t->parent;
    t->spec.leaf_measures = t->leaf_measures;
    for (size_t d = 0; d < spec->n_dims; d++) {
        t->dims[d].null_code = t->dims[d].last = NO_CODE;
    }
    t->weeks.null_code = t->weeks.last = NO_CODE;
    if (spec->totals) {
        add_set(t, 0);
    }
    for (size_t d = 0; d < spec->n_dims; d++) {
        add_set(t, set_bits(spec, d));
    }
    qsort(t->sets, t->n_sets, sizeof *t->sets, cmp_sets); /* stable enough: g values differ */
    t->leaves.k = spec->n_leaf_dims;
    t->leaves.n_rows = 1;
    t->leaves.size = (size_t)CL_TALLY_PERIODS * spec->n_leaf_measures;
    *out = t;
    return 0;
}

void cl_tally_free(cl_tally_t *t)
{
    if (!t) {
        return;
    }
    for (size_t d = 0; d < t->spec.n_dims; d++) {
        dict_dispose(&t->dims[d]);
    }
    dict_dispose(&t->weeks);
    for (size_t s = 0; s < t->n_sets; s++) {
        groups_dispose(&t->sets[s].groups);
    }
    groups_dispose(&t->leaves);
    free(t->week_index);
    free(t->week_periods);
    free(t->ptr);
    free(t->plen);
    free(t->codes);
    free(t);
}

static int scratch(cl_tally_t *t, size_t rows)
{
    if (rows <= t->scratch_rows) {
        return 0;
    }
    free(t->ptr);
    free(t->plen);
    free(t->codes);
    t->ptr = malloc(rows * sizeof *t->ptr);
    t->plen = malloc(rows * sizeof *t->plen);
    t->codes = malloc(rows * (t->spec.n_dims + 1) * sizeof *t->codes);
    t->scratch_rows = t->ptr && t->plen && t->codes ? rows : 0;
    return t->scratch_rows ? 0 : CL_ENOMEM;
}

/* Week code C is new: its frame index and periods. */
static int week_added(cl_tally_t *t, uint32_t c)
{
    long *wi = realloc(t->week_index, (c + 1) * sizeof *wi);
    t->week_index = wi ? wi : t->week_index;
    unsigned *wp = wi ? realloc(t->week_periods, (c + 1) * sizeof *wp) : NULL;
    if (!wp) {
        return CL_ENOMEM;
    }
    t->week_periods = wp;
    const char *text = t->weeks.text[c];
    cl_week_t w;
    cl_err_t ignore;
    long idx = -1;
    if (text && cl_week_parse(&w, text, &ignore) == 0) {
        long k = (long)cl_week_index(w) - (long)cl_week_index(t->spec.first_week);
        idx = k >= 0 && k < (long)t->spec.n_weeks ? k : -1;
    }
    unsigned periods = 0;
    for (int p = 0; text && p < CL_TALLY_PERIODS; p++) {
        /* SQL's BETWEEN on text: byte order (week keys hold no NUL) */
        if (strcmp(text, t->spec.period_lo[p]) >= 0 && strcmp(text, t->spec.period_hi[p]) <= 0) {
            periods |= 1u << p;
        }
    }
    t->week_index[c] = idx;
    t->week_periods[c] = periods;
    return 0;
}

/* Intern column COL (week: the last code slot) of the selected rows of the chunk (SEL: row indices,
 * NULL: rows 0 .. N). */
static int intern_column(cl_tally_t *t, dict_t *d, const cl_db_chunk_t *c, size_t col, size_t slot,
                         int weeks, const uint32_t *sel, size_t n, cl_err_t *err)
{
    size_t stride = t->spec.n_dims + 1;
    int rc = cl_db_chunk_texts(t->ptr, t->plen, c, col, err);
    for (size_t j = 0; rc == 0 && j < n; j++) {
        size_t i = sel ? sel[j] : j, before = d->n;
        uint32_t code = 0;
        rc = dict_code(d, t->ptr[i], t->plen[i], &code);
        t->codes[j * stride + slot] = code;
        if (rc == 0 && weeks && d->n > before) {
            rc = week_added(t, code);
        }
        if (rc == CL_ENOMEM) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        if (rc == 0 && d->n > CL_FRAME_MAX_VALUES) {
            return cl_err_set(err, CL_EDATA, "more than %d distinct values in a column",
                              CL_FRAME_MAX_VALUES);
        }
    }
    return rc;
}

/* Add measure values X (VALID: DuckDB validity, NULL when none is NULL) of row I to a group's
 * cells from CELL0, one per measure M in [0, n) with stride 1 (sets) or the period layout. */
static inline int is_valid(const uint64_t *valid, size_t i)
{
    return !valid || (valid[i / 64] >> (i % 64) & 1);
}

static int add_sets(cl_tally_t *t, const uint32_t *sel, size_t rows, const double *const *x,
                    const uint64_t *const *valid, cl_err_t *err)
{
    size_t stride = t->spec.n_dims + 1, nm = t->spec.n_measures;
    for (size_t s = 0; s < t->n_sets; s++) {
        set_t *set = &t->sets[s];
        for (size_t j = 0; j < rows; j++) {
            size_t i = sel ? sel[j] : j;
            const uint32_t *codes = &t->codes[j * stride];
            long w = t->week_index[codes[t->spec.n_dims]];
            if (w < 0) {
                continue; /* outside the frame's weeks (cannot happen with the bound range) */
            }
            groups_t *g = &set->groups;
            uint32_t key[MAX_KEY];
            for (size_t k = 0; k < g->k; k++) { /* g->k is set->n_dims (add_set) */
                key[k] = codes[set->dims[k]];
            }
            size_t gi = 0;
            if (groups_find(g, key, &gi) != 0) {
                return cl_err_set(err, CL_ENOMEM, "out of memory");
            }
            g->exists[gi * g->n_rows + (size_t)w] = 1;
            size_t cell = gi * g->size + (size_t)w * nm;
            for (size_t m = 0; m < nm; m++) {
                if (is_valid(valid[m], i)) {
                    g->sum[cell + m] += x[m][i];
                    g->seen[cell + m] = 1;
                }
            }
        }
    }
    return 0;
}

static int add_leaves(cl_tally_t *t, const uint32_t *sel, size_t rows, const double *const *x,
                      const uint64_t *const *valid, cl_err_t *err)
{
    size_t stride = t->spec.n_dims + 1, nk = t->spec.n_leaf_measures;
    for (size_t j = 0; j < rows; j++) {
        size_t i = sel ? sel[j] : j;
        const uint32_t *codes = &t->codes[j * stride];
        size_t li = 0;
        if (groups_find(&t->leaves, codes, &li) != 0) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        unsigned periods = t->week_periods[codes[t->spec.n_dims]];
        for (int p = 0; periods && p < CL_TALLY_PERIODS; p++) {
            if (!(periods & (1u << p))) {
                continue;
            }
            for (size_t k = 0; k < nk; k++) {
                size_t m = t->spec.leaf_measures[k],
                       cell = li * t->leaves.size + (size_t)p * nk + k;
                if (is_valid(valid[m], i)) {
                    t->leaves.sum[cell] += x[m][i];
                    t->leaves.seen[cell] = 1;
                }
            }
        }
    }
    return 0;
}

int cl_tally_add_rows(cl_tally_t *t, const cl_db_chunk_t *c, const size_t *cols,
                      const uint32_t *sel, size_t n_sel, cl_err_t *err)
{
    size_t rows = cl_db_chunk_rows(c), nd = t->spec.n_dims, n = sel ? n_sel : rows;
    if (n == 0) {
        return 0;
    }
    if (scratch(t, rows) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t j = 0; sel && j < n; j++) {
        if (sel[j] >= rows) {
            return cl_err_set(err, CL_EINVAL, "tally: a selected row is not in the chunk");
        }
    }
#define COL(k) (cols ? cols[k] : (k))
    int rc = intern_column(t, &t->weeks, c, COL(0), nd, 1, sel, n, err);
    for (size_t d = 0; rc == 0 && d < nd; d++) {
        rc = intern_column(t, &t->dims[d], c, COL(1 + d), d, 0, sel, n, err);
    }
    const double *x[CL_TALLY_MAX_MEASURES];
    const uint64_t *valid[CL_TALLY_MAX_MEASURES];
    for (size_t m = 0; rc == 0 && m < t->spec.n_measures; m++) {
        rc = cl_db_chunk_doubles(&x[m], &valid[m], c, COL(1 + nd + m), err);
    }
#undef COL
    rc = rc ? rc : add_sets(t, sel, n, x, valid, err);
    return rc ? rc : (t->spec.n_leaf_dims ? add_leaves(t, sel, n, x, valid, err) : 0);
}

int cl_tally_add(cl_tally_t *t, const cl_db_chunk_t *c, cl_err_t *err)
{
    return cl_tally_add_rows(t, c, NULL, NULL, 0, err);
}

/* ---- writing ------------------------------------------------------------------------------ */

typedef struct {
    const cl_tally_t *t;
    const groups_t *g;
    const size_t *dims; /* spec dimension of each key position */
} sort_ctx_t;

/* qsort has no context argument in C17: the comparison reads it from here, set for one sort at a
 * time by the thread that owns the tally (a tally belongs to one thread). */
static _Thread_local const sort_ctx_t *sort_ctx;

static int cmp_groups(const void *a, const void *b)
{
    const sort_ctx_t *s = sort_ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    for (size_t k = 0; k < s->g->k; k++) {
        const dict_t *d = &s->t->dims[s->dims[k]];
        int c = dict_cmp(d, s->g->keys[i * s->g->k + k], s->g->keys[j * s->g->k + k]);
        if (c) {
            return c;
        }
    }
    return 0;
}

/* The groups of G in SQL's ORDER BY of their dimensions' text. *out is new (free()). */
static int sorted(size_t **out, const cl_tally_t *t, const groups_t *g, const size_t *dims)
{
    size_t *order = malloc((g->n ? g->n : 1) * sizeof *order);
    if (!order) {
        return CL_ENOMEM;
    }
    for (size_t i = 0; i < g->n; i++) {
        order[i] = i;
    }
    sort_ctx_t ctx = {t, g, dims};
    sort_ctx = &ctx;
    qsort(order, g->n, sizeof *order, cmp_groups);
    sort_ctx = NULL;
    *out = order;
    return 0;
}

/* The frame value of spec dimension D given the codes of D and its ancestors (KEY by dimension),
 * ancestors resolved first, as the SQL reader's row_value did. */
static int frame_value(size_t *out, const cl_tally_t *t, cl_frame_t *f, const size_t *fdims,
                       const uint32_t *code_of, size_t d, cl_err_t *err)
{
    size_t parent_value = CL_FRAME_NONE;
    if (t->spec.parent[d] != CL_FRAME_NONE) {
        int rc = frame_value(&parent_value, t, f, fdims, code_of, t->spec.parent[d], err);
        if (rc != 0) {
            return rc;
        }
    }
    const char *text = t->dims[d].text[code_of[d]];
    return cl_frame_value(out, f, fdims[d], text ? text : "(null)", parent_value, err);
}

static int write_set(const cl_tally_t *t, const set_t *set, cl_frame_t *f, const size_t *fdims,
                     const size_t *measure, const unsigned char *usable, const double *scale,
                     cl_err_t *err)
{
    const groups_t *g = &set->groups;
    size_t *order = NULL, nm = t->spec.n_measures;
    if (sorted(&order, t, g, set->dims) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t o = 0; rc == 0 && o < g->n; o++) {
        size_t gi = order[o], v = 0;
        uint32_t code_of[CL_TALLY_MAX_DIMS];
        for (size_t k = 0; k < set->n_dims; k++) {
            code_of[set->dims[k]] = g->keys[gi * g->k + k];
        }
        size_t d = set->n_dims ? set->dims[set->n_dims - 1] : 0; /* the set's own dimension */
        rc = set->n_dims ? frame_value(&v, t, f, fdims, code_of, d, err) : 0;
        for (size_t w = 0; rc == 0 && w < t->spec.n_weeks; w++) {
            if (!g->exists[gi * g->n_rows + w]) {
                continue;
            }
            for (size_t m = 0; m < nm; m++) {
                size_t cell = gi * g->size + w * nm + m;
                if (!usable[m]) {
                    continue;
                }
                double x = g->seen[cell] ? g->sum[cell] / scale[m] : NAN;
                if (set->n_dims == 0) {
                    *cl_frame_total(f, w, measure[m]) = x;
                } else {
                    *cl_frame_cell(f, fdims[d], v, w, measure[m]) = x;
                }
            }
        }
    }
    free(order);
    return rc;
}

int cl_tally_write(cl_tally_t *t, cl_frame_t *f, const size_t *fdims, const size_t *measure,
                   const unsigned char *usable, const double *scale, cl_err_t *err)
{
    int rc = 0;
    for (size_t s = 0; rc == 0 && s < t->n_sets; s++) {
        rc = write_set(t, &t->sets[s], f, fdims, measure, usable, scale, err);
    }
    return rc;
}

int cl_tally_write_leaves(cl_tally_t *t, cl_frame_t *f, size_t grain, const size_t *fdims,
                          const double *scale, cl_err_t *err)
{
    const groups_t *g = &t->leaves;
    size_t dims[CL_TALLY_MAX_DIMS], *order = NULL, nk = t->spec.n_leaf_measures;
    for (size_t d = 0; d < t->spec.n_leaf_dims; d++) {
        dims[d] = d;
    }
    if (sorted(&order, t, g, dims) != 0) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (size_t o = 0; rc == 0 && o < g->n; o++) {
        size_t li = order[o];
        uint32_t codes[CL_FRAME_MAX_LEAF_DIMS];
        double sums[CL_TALLY_PERIODS * CL_FRAME_MAX_LEAF_MEASURES];
        for (size_t d = 0; rc == 0 && d < t->spec.n_leaf_dims; d++) {
            size_t v = 0;
            rc = frame_value(&v, t, f, fdims, &g->keys[li * g->k], d, err);
            codes[d] = (uint32_t)v;
        }
        for (size_t c = 0; c < (size_t)CL_TALLY_PERIODS * nk; c++) {
            size_t cell = li * g->size + c;
            sums[c] = g->seen[cell] ? g->sum[cell] / scale[c % nk] : NAN;
        }
        rc = rc ? rc : cl_frame_add_leaf(f, grain, codes, sums, err);
    }
    free(order);
    return rc;
}
