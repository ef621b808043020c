/* rca_cube.c — the cube builder (rows of value strings in, dense codes and summed leaves out) and
 * the element's text form. It exists so that every caller of cl_rca_run (the benchmark runner,
 * the report) lays out cubes the same way: values interned in first-seen order, rows with the same
 * combination summed into one leaf, in first-seen order, so the same rows give the same cube. */
#include "insights/rca.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/rca_search.h"

typedef struct {
    char **names; /* code -> value */
    size_t n, cap;
    uint32_t *slots; /* code + 1; 0 empty */
    size_t n_slots;  /* power of two */
} intern_t;

struct cl_rca_builder {
    size_t n_attrs;
    int ratio;
    cl_rca_attr_t *attrs;
    char **attr_names;
    intern_t *values;
    size_t n_leaves, cap_leaves;
    uint32_t *codes;
    double *cur_num, *base_num, *cur_den, *base_den;
    size_t *leaf_slots; /* leaf + 1; 0 empty */
    size_t n_leaf_slots;
    int periods;       /* baseline periods declared (cl_rca_builder_set_periods); 0 none */
    int settled;       /* cl_rca_builder_settle_baseline has run */
    double *per;       /* n_leaves × periods × 2: each leaf's numerator, denominator per period */
    double dispersion; /* measured on the settled periods (rca_baseline_settle) */
    cl_rca_cube_t cube;
};

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int intern_grow(intern_t *t)
{
    size_t n_slots = t->n_slots ? t->n_slots * 2 : 64;
    uint32_t *slots = calloc(n_slots, sizeof(uint32_t));
    if (!slots) {
        return CL_ENOMEM;
    }
    for (size_t c = 0; c < t->n; c++) {
        size_t h = hash_bytes(t->names[c], strlen(t->names[c])) & (n_slots - 1);
        while (slots[h]) {
            h = (h + 1) & (n_slots - 1);
        }
        slots[h] = (uint32_t)c + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return 0;
}

static long intern_find(const intern_t *t, const char *v, size_t *slot)
{
    if (!t->n_slots) {
        return -1;
    }
    size_t h = hash_bytes(v, strlen(v)) & (t->n_slots - 1);
    while (t->slots[h]) {
        if (strcmp(t->names[t->slots[h] - 1], v) == 0) {
            return (long)t->slots[h] - 1;
        }
        h = (h + 1) & (t->n_slots - 1);
    }
    if (slot) {
        *slot = h;
    }
    return -1;
}

static int intern_add(uint32_t *out, intern_t *t, const char *v, cl_err_t *err)
{
    long found = intern_find(t, v, NULL);
    if (found >= 0) {
        *out = (uint32_t)found;
        return 0;
    }
    if (t->n >= CL_RCA_MAX_VALUES) {
        return cl_err_set(err, CL_ETOOBIG, "rca: more than %u distinct values in one attribute",
                          CL_RCA_MAX_VALUES);
    }
    if ((t->n + 1) * 2 > t->n_slots && intern_grow(t) != 0) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **names = realloc(t->names, cap * sizeof(char *));
        if (!names) {
            return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
        }
        t->names = names;
        t->cap = cap;
    }
    char *copy = strdup(v);
    if (!copy) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    size_t slot = 0;
    (void)intern_find(t, v, &slot);
    t->names[t->n] = copy;
    t->slots[slot] = (uint32_t)t->n + 1;
    *out = (uint32_t)t->n++;
    return 0;
}

void cl_rca_builder_free(cl_rca_builder_t *b)
{
    if (!b) {
        return;
    }
    for (size_t a = 0; a < b->n_attrs; a++) {
        if (b->values) {
            for (size_t c = 0; c < b->values[a].n; c++) {
                free(b->values[a].names[c]);
            }
            free(b->values[a].names);
            free(b->values[a].slots);
        }
        if (b->attr_names) {
            free(b->attr_names[a]);
        }
    }
    free(b->values);
    free(b->attr_names);
    free(b->attrs);
    free(b->codes);
    free(b->cur_num);
    free(b->base_num);
    free(b->cur_den);
    free(b->base_den);
    free(b->leaf_slots);
    free(b->per);
    free(b);
}

int cl_rca_builder_new(cl_rca_builder_t **out, size_t n_attrs, const char *const *names, int ratio,
                       cl_err_t *err)
{
    *out = NULL;
    if (n_attrs == 0 || n_attrs > CL_RCA_MAX_ATTRS) {
        return cl_err_set(err, CL_EINVAL, "rca: %zu attributes; need 1..%d", n_attrs,
                          CL_RCA_MAX_ATTRS);
    }
    for (size_t a = 0; a < n_attrs; a++) {
        if (!names[a] || !names[a][0]) {
            return cl_err_set(err, CL_EINVAL, "rca: attribute %zu has no name", a);
        }
        for (size_t j = 0; j < a; j++) {
            if (strcmp(names[a], names[j]) == 0) {
                return cl_err_set(err, CL_EINVAL, "rca: attribute '%s' appears twice", names[a]);
            }
        }
    }
    cl_rca_builder_t *b = calloc(1, sizeof(*b));
    if (!b) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    b->n_attrs = n_attrs;
    b->ratio = ratio != 0;
    b->attrs = calloc(n_attrs, sizeof(*b->attrs));
    b->attr_names = calloc(n_attrs, sizeof(char *));
    b->values = calloc(n_attrs, sizeof(*b->values));
    if (!b->attrs || !b->attr_names || !b->values) {
        cl_rca_builder_free(b);
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    for (size_t a = 0; a < n_attrs; a++) {
        b->attr_names[a] = strdup(names[a]);
        if (!b->attr_names[a]) {
            cl_rca_builder_free(b);
            return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
        }
        b->attrs[a].parent = -1;
    }
    *out = b;
    return 0;
}

int cl_rca_builder_set_parent(cl_rca_builder_t *b, size_t child, size_t parent, cl_err_t *err)
{
    if (child >= b->n_attrs || parent >= b->n_attrs || child == parent) {
        return cl_err_set(err, CL_EINVAL, "rca: bad hierarchy %zu under %zu", child, parent);
    }
    for (int p = (int)parent; p >= 0; p = b->attrs[p].parent) {
        if (p == (int)child) {
            return cl_err_set(err, CL_EINVAL, "rca: hierarchy cycle through '%s'",
                              b->attr_names[child]);
        }
    }
    b->attrs[child].parent = (int)parent;
    return 0;
}

static int grow_leaves(cl_rca_builder_t *b)
{
    if (b->n_attrs == 0) {
        return CL_EINVAL; /* cl_rca_builder_new refuses a cube without attributes */
    }
    size_t cap = b->cap_leaves ? b->cap_leaves * 2 : 256;
    uint32_t *codes = realloc(b->codes, cap * b->n_attrs * sizeof(uint32_t));
    if (!codes) {
        return CL_ENOMEM;
    }
    b->codes = codes;
    double **cols[] = {&b->cur_num, &b->base_num, &b->cur_den, &b->base_den};
    for (size_t k = 0; k < 4; k++) {
        double *p = realloc(*cols[k], cap * sizeof(double));
        if (!p) {
            return CL_ENOMEM;
        }
        *cols[k] = p;
    }
    if (b->periods > 0) {
        double *per = realloc(b->per, cap * (size_t)b->periods * 2 * sizeof(double));
        if (!per) {
            return CL_ENOMEM;
        }
        b->per = per;
    }
    b->cap_leaves = cap;
    size_t n_slots = cap * 2;
    size_t *slots = calloc(n_slots, sizeof(size_t));
    if (!slots) {
        return CL_ENOMEM;
    }
    for (size_t i = 0; i < b->n_leaves; i++) {
        const uint32_t *row = b->codes + i * b->n_attrs;
        size_t h = hash_bytes(row, b->n_attrs * sizeof(uint32_t)) & (n_slots - 1);
        while (slots[h]) {
            h = (h + 1) & (n_slots - 1);
        }
        slots[h] = i + 1;
    }
    free(b->leaf_slots);
    b->leaf_slots = slots;
    b->n_leaf_slots = n_slots;
    return 0;
}

/* The leaf of VALUES, new (all zeros) if the builder has not seen the combination: *leaf. */
static int leaf_for(cl_rca_builder_t *b, const char *const *values, size_t *leaf, cl_err_t *err)
{
    uint32_t row[CL_RCA_MAX_ATTRS];
    for (size_t a = 0; a < b->n_attrs; a++) {
        if (!values[a]) {
            return cl_err_set(err, CL_EINVAL, "rca: attribute '%s' has no value", b->attr_names[a]);
        }
        int rc = intern_add(&row[a], &b->values[a], values[a], err);
        if (rc != 0) {
            return rc;
        }
    }
    if (b->n_leaves == b->cap_leaves && grow_leaves(b) != 0) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    size_t bytes = b->n_attrs * sizeof(uint32_t);
    size_t h = hash_bytes(row, bytes) & (b->n_leaf_slots - 1);
    while (b->leaf_slots[h]) {
        size_t i = b->leaf_slots[h] - 1;
        if (memcmp(b->codes + i * b->n_attrs, row, bytes) == 0) {
            *leaf = i;
            return 0;
        }
        h = (h + 1) & (b->n_leaf_slots - 1);
    }
    size_t i = b->n_leaves++;
    memcpy(b->codes + i * b->n_attrs, row, bytes);
    b->cur_num[i] = b->base_num[i] = b->cur_den[i] = b->base_den[i] = 0;
    if (b->periods > 0) {
        memset(b->per + i * (size_t)b->periods * 2, 0, (size_t)b->periods * 2 * sizeof(double));
    }
    b->leaf_slots[h] = i + 1;
    *leaf = i;
    return 0;
}

int cl_rca_builder_add(cl_rca_builder_t *b, const char *const *values, double cur_num,
                       double base_num, double cur_den, double base_den, cl_err_t *err)
{
    if (!b->ratio) {
        cur_den = base_den = 0;
    }
    double nums[] = {cur_num, base_num, cur_den, base_den};
    for (size_t k = 0; k < 4; k++) {
        if (!isfinite(nums[k]) || (k >= 2 && nums[k] < 0)) {
            return cl_err_set(err, CL_EINVAL, "rca: values must be finite, denominators >= 0");
        }
    }
    size_t i = 0;
    int rc = leaf_for(b, values, &i, err);
    if (rc != 0) {
        return rc;
    }
    b->cur_num[i] += cur_num;
    b->base_num[i] += base_num;
    b->cur_den[i] += cur_den;
    b->base_den[i] += base_den;
    return 0;
}

int cl_rca_builder_set_periods(cl_rca_builder_t *b, int periods, cl_err_t *err)
{
    if (periods < 1 || periods > CL_RCA_MAX_PERIODS || b->n_leaves > 0 || b->periods > 0) {
        return cl_err_set(err, CL_EINVAL,
                          "rca: baseline periods must be 1..%d, declared once, before any row",
                          CL_RCA_MAX_PERIODS);
    }
    b->periods = periods;
    return 0;
}

int cl_rca_builder_add_period(cl_rca_builder_t *b, const char *const *values, int period,
                              double num, double den, cl_err_t *err)
{
    if (b->periods == 0 || b->settled || period < 0 || period >= b->periods) {
        return cl_err_set(err, CL_EINVAL,
                          "rca: a baseline period row needs declared periods, a period in range "
                          "and an unsettled baseline");
    }
    if (!b->ratio) {
        den = 0;
    }
    if (!isfinite(num) || !isfinite(den) || den < 0) {
        return cl_err_set(err, CL_EINVAL, "rca: values must be finite, denominators >= 0");
    }
    size_t i = 0;
    int rc = leaf_for(b, values, &i, err);
    if (rc != 0) {
        return rc;
    }
    double *cell = b->per + (i * (size_t)b->periods + (size_t)period) * 2;
    cell[0] += num;
    cell[1] += den;
    return 0;
}

int cl_rca_builder_settle_baseline(cl_rca_builder_t *b, int direction, size_t *excluded,
                                   cl_err_t *err)
{
    if (excluded) {
        *excluded = 0;
    }
    if (b->periods == 0 || b->settled || direction < -1 || direction > 1) {
        return cl_err_set(err, CL_EINVAL,
                          "rca: no baseline periods to settle, settled twice, or a bad direction");
    }
    size_t n = 0;
    if (rca_baseline_settle(b->base_num, b->ratio ? b->base_den : NULL, b->per, b->n_leaves,
                            b->periods, direction, &n, &b->dispersion) != 0) {
        return cl_err_set(err, CL_ENOMEM, "rca: out of memory");
    }
    b->settled = 1;
    if (excluded) {
        *excluded = n;
    }
    return 0;
}

double cl_rca_builder_dispersion(const cl_rca_builder_t *b)
{
    return b->settled ? b->dispersion : 0;
}

const cl_rca_cube_t *cl_rca_builder_cube(cl_rca_builder_t *b)
{
    for (size_t a = 0; a < b->n_attrs; a++) {
        b->attrs[a].name = b->attr_names[a];
        b->attrs[a].n_values = (uint32_t)b->values[a].n;
        b->attrs[a].value_names = (const char *const *)b->values[a].names;
    }
    b->cube.n_attrs = b->n_attrs;
    b->cube.attrs = b->attrs;
    b->cube.n_leaves = b->n_leaves;
    b->cube.codes = b->codes;
    b->cube.cur_num = b->cur_num;
    b->cube.base_num = b->base_num;
    b->cube.cur_den = b->ratio ? b->cur_den : NULL;
    b->cube.base_den = b->ratio ? b->base_den : NULL;
    return &b->cube;
}

long cl_rca_builder_code(const cl_rca_builder_t *b, size_t attr, const char *value)
{
    if (attr >= b->n_attrs || !value) {
        return -1;
    }
    return intern_find(&b->values[attr], value, NULL);
}

/* ---- text form -------------------------------------------------------------------------- */

static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len < cap) {
        size_t room = cap - *len - 1;
        memcpy(buf + *len, s, n < room ? n : room);
        buf[*len + (n < room ? n : room)] = '\0';
    }
    *len += n;
}

size_t cl_rca_element_format(char *buf, size_t cap, const cl_rca_cube_t *cube,
                             const cl_rca_element_t *el)
{
    int order[CL_RCA_MAX_DEPTH];
    for (int j = 0; j < el->depth; j++) {
        order[j] = j;
    }
    for (int j = 1; j < el->depth; j++) { /* insertion sort by attribute name */
        int k = j;
        while (k > 0 && strcmp(cube->attrs[el->pairs[order[k - 1]].attr].name,
                               cube->attrs[el->pairs[order[k]].attr].name) > 0) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
            k--;
        }
    }
    size_t len = 0;
    if (cap > 0) {
        buf[0] = '\0';
    }
    for (int j = 0; j < el->depth; j++) {
        const cl_rca_pair_t *p = &el->pairs[order[j]];
        const cl_rca_attr_t *a = &cube->attrs[p->attr];
        char code[16];
        const char *value = a->value_names ? a->value_names[p->value] : NULL;
        if (!value) {
            snprintf(code, sizeof(code), "%u", p->value);
            value = code;
        }
        if (j > 0) {
            put(buf, cap, &len, "&");
        }
        put(buf, cap, &len, a->name);
        put(buf, cap, &len, "=");
        put(buf, cap, &len, value);
    }
    return len;
}
