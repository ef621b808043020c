/* demo_data.h — `catlens demo-data`: a realistic, seeded source tree in the layout of
 * docs/data-model.md that config/pipeline/demo.yaml reads, with planted scenarios and their
 * ground truth (docs/contracts.md §6).
 *
 * Writes DIR/{orders,order_lines,sessions_daily,marketing_spend}/week=<W>/part-0.parquet for each
 * of WEEKS weeks ending at END_WEEK, DIR/budgets/budgets.parquet,
 * DIR/market_pulse/market_pulse.csv, DIR/_watermark.json and DIR/ground_truth.json. The tree is
 * built in a sibling staging folder and renamed into place at the end, so DIR holds either the
 * previous complete tree or the new one; a DIR that exists, is not empty and is not earlier
 * demo-data output is refused (nothing written). Size: about LINES order lines over the whole range
 * (the Poisson/binomial draws make the exact count vary by well under 1 %); orders are about LINES
 * / 1.9. Memory stays at about one week of rows per thread. Same options give byte-identical files
 * whatever THREADS is. Thread safety: call from one thread; it starts and joins its own workers. */
#ifndef CL_ETL_DEMO_DATA_H
#define CL_ETL_DEMO_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "core/calendar.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_DEMO_MAX_WEEKS 520
#define CL_DEMO_MIN_LINES_PER_WEEK 500
#define CL_DEMO_MAX_LINES_TOTAL 2000000000LL

typedef struct {
    const char *out_dir;
    int weeks;          /* 1 .. CL_DEMO_MAX_WEEKS */
    cl_week_t end_week; /* the last week generated */
    uint64_t seed;      /* 0 .. 2^53 */
    int64_t lines;      /* order lines in total: weeks * CL_DEMO_MIN_LINES_PER_WEEK .. MAX */
    int threads;        /* worker threads, 1 .. 64 */
    FILE *progress;     /* a line per week written here; NULL: quiet */
} cl_demo_options_t;

typedef struct {
    int64_t orders, lines, sessions, session_rows, marketing_rows;
} cl_demo_result_t;

/* Check OPT (ranges above) and that OUT_DIR may be written. Returns 0 or CL_EINVAL with a message
 * naming the option. Nothing is written. */
CL_NODISCARD int cl_demo_validate(const cl_demo_options_t *opt, cl_err_t *err);

/* Generate the tree. Returns 0, CL_EINVAL (see cl_demo_validate), CL_EIO, CL_EQUERY or
 * CL_ENOMEM; on failure DIR is unchanged and the staging folder removed. */
CL_NODISCARD int cl_demo_generate(cl_demo_result_t *out, const cl_demo_options_t *opt,
                                  cl_err_t *err);

#endif
