/* frame.h — the insight engine's input: one category × region of a snapshot, as weekly series.
 *
 * A frame holds, for N consecutive weeks and M measures (measure m = catalog metric m; the slots of
 * ratio metrics stay unused), the slice's weekly totals, the external market pulse index, and any
 * number of breakdown dimensions. A dimension (e.g. traffic_l2) has values, each with its own
 * weekly series of the measures the dimension carries (`has`); a child dimension names its parent
 * (traffic_l1) and each of its values the parent value it sits under, so paths can be rebuilt.
 * Values of one dimension partition the slice: summing a carried measure over the values of a
 * dimension gives the total.
 *
 * NaN means missing (NULL in the snapshot); a value with no row in a week is 0. The report layer
 * (src/report/) fills a frame from DuckDB; tests fill it by hand. The frame does no I/O.
 * Ownership: everything inside is owned by the frame. Thread safety: build on one thread; once
 * built a frame may be read by any number of threads. */
#ifndef CL_INSIGHTS_FRAME_H
#define CL_INSIGHTS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_FRAME_NONE ((size_t)-1)
#define CL_FRAME_MAX_WEEKS 520
#define CL_FRAME_MAX_DIMS 64
#define CL_FRAME_MAX_VALUES 100000
#define CL_FRAME_MAX_LEAF_DIMS 16
#define CL_FRAME_MAX_LEAF_MEASURES 8
#define CL_FRAME_MAX_GRAINS 2

typedef struct {
    char *name;    /* "traffic_l2" */
    size_t parent; /* index of the parent dimension, or CL_FRAME_NONE */
    size_t n_values;
    char **values;      /* value names, in insertion order */
    size_t *parents;    /* per value: its parent value's index in the parent dimension, or NONE */
    double *cells;      /* n_values × n_weeks × n_measures */
    unsigned char *has; /* per measure: 1 when this dimension carries it */
    size_t cap;         /* allocated values */
    size_t last;        /* lookup cache: the last value found */
} cl_frame_dim_t;

/* A fine grain of the slice for root-cause localisation: one leaf per combination of the grain's
 * dimensions (frame dimensions, so a leaf's codes are frame value indices), with a few measures
 * summed over the current and previous period of every window (the report week's windows). A
 * frame may hold several grains (the sales grain, the order-attributes grain): dimensions that
 * never share a table are localised separately. */
typedef struct {
    size_t n_dims;
    size_t dims[CL_FRAME_MAX_LEAF_DIMS]; /* frame dimension indices */
    size_t n_measures;
    size_t measures[CL_FRAME_MAX_LEAF_MEASURES]; /* catalog indices */
    size_t n_leaves, cap;
    uint32_t *codes; /* n_leaves × n_dims: value indices in the frame dimensions */
    double *sums;    /* n_leaves × CL_WINDOW_COUNT × 2 (0 current, 1 previous) × n_measures */
} cl_frame_leaves_t;

typedef struct cl_frame {
    cl_week_t first_week;
    size_t n_weeks;
    size_t n_measures;
    double *totals; /* n_weeks × n_measures */
    double *pulse;  /* n_weeks: market pulse index, NaN when the feed has no value */
    cl_frame_dim_t *dims;
    size_t n_dims;
    size_t n_grains;
    cl_frame_leaves_t leaves[CL_FRAME_MAX_GRAINS];
    unsigned char *na; /* per measure: 1 when the source cannot provide it (never invented) */
} cl_frame_t;

/* A frame of N_WEEKS weeks starting at FIRST_WEEK with N_MEASURES measures; totals and pulse start
 * as NaN (missing). Returns 0, CL_EINVAL (sizes out of range) or CL_ENOMEM. *out is new:
 * cl_frame_free(). */
CL_NODISCARD int cl_frame_new(cl_frame_t **out, cl_week_t first_week, size_t n_weeks,
                              size_t n_measures, cl_err_t *err);
void cl_frame_free(cl_frame_t *f);

/* The frame index of week W, or -1 when W is outside the frame. */
long cl_frame_week_index(const cl_frame_t *f, cl_week_t w);

/* Add dimension NAME (an existing name returns its index) under PARENT (a dimension index or
 * CL_FRAME_NONE). Returns 0, CL_EINVAL (bad parent, too many) or CL_ENOMEM. */
CL_NODISCARD int cl_frame_add_dim(size_t *out, cl_frame_t *f, const char *name, size_t parent,
                                  cl_err_t *err);

/* The dimension named NAME, or CL_FRAME_NONE. */
size_t cl_frame_find_dim(const cl_frame_t *f, const char *name);

/* Find or add VALUE of dimension DIM under PARENT_VALUE (a value index of the parent dimension, or
 * CL_FRAME_NONE for a top-level dimension). New values start with zero cells. Returns 0, CL_EINVAL
 * or CL_ENOMEM. */
CL_NODISCARD int cl_frame_value(size_t *out, cl_frame_t *f, size_t dim, const char *value,
                                size_t parent_value, cl_err_t *err);

/* Mark measure M as not available from this source (NULL in the snapshot): its totals stay NaN
 * whatever the catalog's missing rule, and no dimension carries it. */
void cl_frame_set_na(cl_frame_t *f, size_t measure);

/* Mark measure M as carried by dimension DIM. */
void cl_frame_set_has(cl_frame_t *f, size_t dim, size_t measure);

/* Declare a leaf grain of N_DIMS frame dimensions and N_MEASURES catalog measures; *out receives
 * its index. Returns 0 or CL_EINVAL (too many grains, dimensions or measures; unknown ones). */
CL_NODISCARD int cl_frame_leaf_dims(size_t *out, cl_frame_t *f, const size_t *dims, size_t n_dims,
                                    const size_t *measures, size_t n_measures, cl_err_t *err);

/* Add a leaf to GRAIN: CODES (n_dims value indices) and SUMS (CL_WINDOW_COUNT × 2 × n_measures,
 * see cl_frame_leaves_t), both copied. Returns 0, CL_EINVAL (no such grain, a code out of range),
 * CL_ENOMEM, or CL_EINTERNAL for a grain without dimensions or measures (a bug: cl_frame_leaf_dims
 * refuses them). */
CL_NODISCARD int cl_frame_add_leaf(cl_frame_t *f, size_t grain, const uint32_t *codes,
                                   const double *sums, cl_err_t *err);

static inline double *cl_frame_leaf_sum(const cl_frame_leaves_t *l, size_t leaf, cl_window_t win,
                                        int previous, size_t k)
{
    return &l->sums[((leaf * CL_WINDOW_COUNT + (size_t)win) * 2 + (size_t)previous) *
                        l->n_measures +
                    k];
}

static inline double *cl_frame_cell(const cl_frame_t *f, size_t dim, size_t value, size_t week,
                                    size_t measure)
{
    return &f->dims[dim].cells[(value * f->n_weeks + week) * f->n_measures + measure];
}

static inline double *cl_frame_total(const cl_frame_t *f, size_t week, size_t measure)
{
    return &f->totals[week * f->n_measures + measure];
}

#endif
