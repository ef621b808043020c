/* frame.c — the input container of the insight engine: plain arrays, so that every analysis reads
 * a segment's weekly series with one multiplication and the report layer can fill it row by row. */
#include "insights/frame.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int cl_frame_new(cl_frame_t **out, cl_week_t first_week, size_t n_weeks, size_t n_measures,
                 cl_err_t *err)
{
    *out = NULL;
    if (n_weeks == 0 || n_weeks > CL_FRAME_MAX_WEEKS || n_measures == 0 || n_measures > 4096) {
        return cl_err_set(err, CL_EINVAL, "frame: %zu weeks x %zu measures is out of range",
                          n_weeks, n_measures);
    }
    cl_frame_t *f = calloc(1, sizeof *f);
    if (!f) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    f->first_week = first_week;
    f->n_weeks = n_weeks;
    f->n_measures = n_measures;
    f->totals = malloc(n_weeks * n_measures * sizeof *f->totals);
    f->pulse = malloc(n_weeks * sizeof *f->pulse);
    f->dims = calloc(CL_FRAME_MAX_DIMS, sizeof *f->dims);
    f->na = calloc(n_measures, 1);
    if (!f->totals || !f->pulse || !f->dims || !f->na) {
        cl_frame_free(f);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_weeks * n_measures; i++) {
        f->totals[i] = NAN;
    }
    for (size_t i = 0; i < n_weeks; i++) {
        f->pulse[i] = NAN;
    }
    *out = f;
    return 0;
}

void cl_frame_free(cl_frame_t *f)
{
    if (!f) {
        return;
    }
    for (size_t d = 0; d < f->n_dims; d++) {
        cl_frame_dim_t *dim = &f->dims[d];
        for (size_t v = 0; v < dim->n_values; v++) {
            free(dim->values[v]);
        }
        free(dim->name);
        free(dim->values);
        free(dim->parents);
        free(dim->cells);
        free(dim->has);
    }
    free(f->dims);
    free(f->na);
    for (size_t g = 0; g < f->n_grains; g++) {
        free(f->leaves[g].codes);
        free(f->leaves[g].sums);
    }
    free(f->totals);
    free(f->pulse);
    free(f);
}

long cl_frame_week_index(const cl_frame_t *f, cl_week_t w)
{
    long i = (long)(cl_week_index(w) - cl_week_index(f->first_week));
    return i >= 0 && (size_t)i < f->n_weeks ? i : -1;
}

size_t cl_frame_find_dim(const cl_frame_t *f, const char *name)
{
    for (size_t d = 0; d < f->n_dims; d++) {
        if (strcmp(f->dims[d].name, name) == 0) {
            return d;
        }
    }
    return CL_FRAME_NONE;
}

int cl_frame_add_dim(size_t *out, cl_frame_t *f, const char *name, size_t parent, cl_err_t *err)
{
    size_t d = cl_frame_find_dim(f, name);
    if (d != CL_FRAME_NONE) {
        *out = d;
        return 0;
    }
    if (f->n_dims == CL_FRAME_MAX_DIMS || (parent != CL_FRAME_NONE && parent >= f->n_dims)) {
        return cl_err_set(err, CL_EINVAL, "frame: cannot add dimension %s", name);
    }
    cl_frame_dim_t *dim = &f->dims[f->n_dims];
    memset(dim, 0, sizeof *dim);
    dim->name = strdup(name);
    dim->has = calloc(f->n_measures, 1);
    if (!dim->name || !dim->has) {
        free(dim->name);
        free(dim->has);
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    dim->parent = parent;
    *out = f->n_dims++;
    return 0;
}

void cl_frame_set_has(cl_frame_t *f, size_t dim, size_t measure)
{
    if (dim < f->n_dims && measure < f->n_measures && !f->na[measure]) {
        f->dims[dim].has[measure] = 1;
    }
}

void cl_frame_set_na(cl_frame_t *f, size_t measure)
{
    if (measure >= f->n_measures) {
        return;
    }
    f->na[measure] = 1;
    for (size_t d = 0; d < f->n_dims; d++) {
        f->dims[d].has[measure] = 0;
    }
    for (size_t w = 0; w < f->n_weeks; w++) {
        f->totals[w * f->n_measures + measure] = NAN;
    }
}

static int grow(cl_frame_t *f, cl_frame_dim_t *dim, cl_err_t *err)
{
    size_t cap = dim->cap ? dim->cap * 2 : 16;
    size_t row = f->n_weeks * f->n_measures;
    char **values = realloc(dim->values, cap * sizeof *values);
    if (values) {
        dim->values = values;
    }
    size_t *parents = realloc(dim->parents, cap * sizeof *parents);
    if (parents) {
        dim->parents = parents;
    }
    double *cells = realloc(dim->cells, cap * row * sizeof *cells);
    if (cells) {
        dim->cells = cells;
    }
    if (!values || !parents || !cells) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    dim->cap = cap;
    return 0;
}

static int matches(const cl_frame_dim_t *dim, size_t v, const char *value, size_t parent_value)
{
    return dim->parents[v] == parent_value && strcmp(dim->values[v], value) == 0;
}

int cl_frame_value(size_t *out, cl_frame_t *f, size_t dim_index, const char *value,
                   size_t parent_value, cl_err_t *err)
{
    if (dim_index >= f->n_dims || !value) {
        return cl_err_set(err, CL_EINVAL, "frame: no such dimension");
    }
    cl_frame_dim_t *dim = &f->dims[dim_index];
    if (dim->n_values && dim->last < dim->n_values &&
        matches(dim, dim->last, value, parent_value)) {
        *out = dim->last;
        return 0;
    }
    for (size_t v = 0; v < dim->n_values; v++) {
        if (matches(dim, v, value, parent_value)) {
            *out = dim->last = v;
            return 0;
        }
    }
    if (dim->parent != CL_FRAME_NONE && parent_value >= f->dims[dim->parent].n_values) {
        return cl_err_set(err, CL_EINVAL, "frame: %s value '%.60s' has no parent value", dim->name,
                          value);
    }
    if (dim->n_values == CL_FRAME_MAX_VALUES) {
        return cl_err_set(err, CL_EINVAL, "frame: dimension %s has too many values", dim->name);
    }
    if (dim->n_values == dim->cap && grow(f, dim, err) != 0) {
        return CL_ENOMEM;
    }
    size_t v = dim->n_values;
    dim->values[v] = strdup(value);
    if (!dim->values[v]) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    dim->parents[v] = dim->parent == CL_FRAME_NONE ? CL_FRAME_NONE : parent_value;
    memset(&dim->cells[v * f->n_weeks * f->n_measures], 0,
           f->n_weeks * f->n_measures * sizeof *dim->cells);
    dim->n_values++;
    *out = dim->last = v;
    return 0;
}

int cl_frame_leaf_dims(size_t *out, cl_frame_t *f, const size_t *dims, size_t n_dims,
                       const size_t *measures, size_t n_measures, cl_err_t *err)
{
    if (f->n_grains == CL_FRAME_MAX_GRAINS) {
        return cl_err_set(err, CL_EINVAL, "frame: more than %d leaf grains", CL_FRAME_MAX_GRAINS);
    }
    cl_frame_leaves_t *l = &f->leaves[f->n_grains];
    memset(l, 0, sizeof *l);
    if (n_dims == 0 || n_dims > CL_FRAME_MAX_LEAF_DIMS || n_measures == 0 ||
        n_measures > CL_FRAME_MAX_LEAF_MEASURES) {
        return cl_err_set(err, CL_EINVAL, "frame: bad leaf grain (%zu dimensions, %zu measures)",
                          n_dims, n_measures);
    }
    for (size_t i = 0; i < n_dims; i++) {
        if (dims[i] >= f->n_dims) {
            return cl_err_set(err, CL_EINVAL, "frame: leaf dimension %zu does not exist", dims[i]);
        }
        l->dims[i] = dims[i];
    }
    for (size_t i = 0; i < n_measures; i++) {
        if (measures[i] >= f->n_measures) {
            return cl_err_set(err, CL_EINVAL, "frame: leaf measure %zu does not exist",
                              measures[i]);
        }
        l->measures[i] = measures[i];
    }
    l->n_dims = n_dims;
    l->n_measures = n_measures;
    *out = f->n_grains++;
    return 0;
}

int cl_frame_add_leaf(cl_frame_t *f, size_t grain, const uint32_t *codes, const double *sums,
                      cl_err_t *err)
{
    if (grain >= f->n_grains) {
        return cl_err_set(err, CL_EINVAL, "frame: no such leaf grain");
    }
    cl_frame_leaves_t *l = &f->leaves[grain];
    if (l->n_dims == 0 || l->n_measures == 0) {
        /* cl_frame_leaf_dims refuses such a grain; growing its arrays would realloc 0 bytes */
        return cl_err_set(err, CL_EINTERNAL, "frame: leaf grain %zu is empty", grain);
    }
    size_t per = (size_t)CL_WINDOW_COUNT * 2 * l->n_measures;
    for (size_t i = 0; i < l->n_dims; i++) {
        if (codes[i] >= f->dims[l->dims[i]].n_values) {
            return cl_err_set(err, CL_EINVAL, "frame: leaf code out of range");
        }
    }
    if (l->n_leaves == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        uint32_t *c = realloc(l->codes, cap * l->n_dims * sizeof *c);
        if (c) {
            l->codes = c;
        }
        double *s = realloc(l->sums, cap * per * sizeof *s);
        if (s) {
            l->sums = s;
        }
        if (!c || !s) {
            return cl_err_set(err, CL_ENOMEM, "out of memory");
        }
        l->cap = cap;
    }
    memcpy(&l->codes[l->n_leaves * l->n_dims], codes, l->n_dims * sizeof *codes);
    memcpy(&l->sums[l->n_leaves * per], sums, per * sizeof *sums);
    l->n_leaves++;
    return 0;
}
