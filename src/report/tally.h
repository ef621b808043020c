/* tally.h — one snapshot table's rows of a slice, summed in C into what an insight frame holds: the
 * weekly sums of every dimension value (every breakdown, parents with their children), the slice's
 * weekly totals and, for a root-cause grain, the sums of every leaf over the comparison periods of
 * every window. Internal to src/report/ (the reader feeds it, docs/insights.md says what the frame
 * is for).
 *
 * Why not SQL: GROUPING SETS over a slice's Parquet files aggregate the same rows once per set and
 * once more per leaf query; a single scan summed here costs a fraction of that. The tally writes
 * the frame in exactly the order the GROUPING SETS reader did (sets by GROUPING() value, rows
 * sorted by their text, NULLs last; leaves sorted the same way), with exactly its values: measures
 * are integers (cents, counts) summed in doubles, which is exact in any order, a group whose
 * measure is NULL in every row is NaN (missing), and a leaf period without rows is NaN. So the
 * frame, and every report built on it, is the same bit for bit.
 *
 * Ownership: a tally is new (cl_tally_free) and owns copies of every dimension value it saw.
 * Thread safety: a tally belongs to one thread. */
#ifndef CL_REPORT_TALLY_H
#define CL_REPORT_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/frame.h"
#include "warehouse/db.h"

#define CL_TALLY_MAX_DIMS 8
#define CL_TALLY_MAX_MEASURES 40
#define CL_TALLY_PERIODS (CL_WINDOW_COUNT * 2) /* per window: current, previous */

typedef struct {
    size_t n_dims;
    const char *const *dims; /* column names, parents before children */
    const size_t *parent;    /* per dimension: its parent's index here, or CL_FRAME_NONE */
    size_t n_measures;       /* measure columns after the dimension columns */
    int totals;              /* 1: the slice's weekly totals are wanted */
    cl_week_t first_week;    /* the frame's weeks */
    size_t n_weeks;
    size_t n_leaf_dims;     /* the grain: the first N dimensions (0: no leaves) */
    size_t n_leaf_measures; /* ... and these measure columns (indices among the measures) */
    const size_t *leaf_measures;
    /* per period p (window p / 2; p % 2: 0 current, 1 previous): the first and last week key,
     * compared as text as SQL's BETWEEN does */
    char period_lo[CL_TALLY_PERIODS][CL_WEEK_KEY_LEN], period_hi[CL_TALLY_PERIODS][CL_WEEK_KEY_LEN];
} cl_tally_spec_t;

typedef struct cl_tally cl_tally_t;

/* A tally for SPEC (copied with its arrays; the name strings are borrowed and must outlive the
 * tally). Returns 0, CL_EINVAL (too many dimensions or measures, a parent after its child, a leaf
 * measure out of range) or CL_ENOMEM. *out is new: cl_tally_free(). */
CL_NODISCARD int cl_tally_new(cl_tally_t **out, const cl_tally_spec_t *spec, cl_err_t *err);
void cl_tally_free(cl_tally_t *t);

/* Add the rows of chunk C, whose columns are: the week key (VARCHAR), the dimensions as text
 * (VARCHAR, in SPEC's order) and the measures (DOUBLE, NULL allowed). Returns 0, CL_EINVAL (a
 * column of the wrong type), CL_EDATA (more values than a frame dimension holds) or CL_ENOMEM. */
CL_NODISCARD int cl_tally_add(cl_tally_t *t, const cl_db_chunk_t *c, cl_err_t *err);

/* The same for some rows of a chunk laid out otherwise: COLS[k] is the chunk column of tally column
 * k (0 the week, 1 .. n_dims the dimensions, then the measures; NULL: k itself), SEL the N_SEL row
 * indices to add (NULL: every row). The ETL's one scan over a whole table (report/frames.h) routes
 * each slice's rows to its tally with it. Returns as cl_tally_add, or CL_EINVAL for a row index
 * outside the chunk. */
CL_NODISCARD int cl_tally_add_rows(cl_tally_t *t, const cl_db_chunk_t *c, const size_t *cols,
                                   const uint32_t *sel, size_t n_sel, cl_err_t *err);

/* Write the sums into F: FDIMS[d] is dimension d's frame dimension, MEASURE[m] the frame measure of
 * measure column m, USABLE[m] 0 to leave it out, SCALE[m] what its sums are divided by (100:
 * cents). Creates the dimension values it meets. Returns 0, CL_EINVAL (the frame refused a value)
 * or CL_ENOMEM. */
CL_NODISCARD int cl_tally_write(cl_tally_t *t, cl_frame_t *f, const size_t *fdims,
                                const size_t *measure, const unsigned char *usable,
                                const double *scale, cl_err_t *err);

/* Add the leaves to F's grain GRAIN (cl_frame_leaf_dims of FDIMS[0 .. n_leaf_dims)), sorted by
 * their values' text, with SCALE[k] for leaf measure k. Returns 0, CL_EINVAL or CL_ENOMEM. */
CL_NODISCARD int cl_tally_write_leaves(cl_tally_t *t, cl_frame_t *f, size_t grain,
                                       const size_t *fdims, const double *scale, cl_err_t *err);

#endif
