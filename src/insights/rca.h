/* rca.h — multi-dimensional root-cause localisation: which combinations of dimension values
 * (attribute=value pairs, up to a few at once) explain the change of a KPI between a baseline and
 * a current period.
 *
 * Input is a cube of leaves (one leaf = one combination of every attribute's value code) with, per
 * leaf, the current and baseline numerator of the KPI and, for a ratio KPI (conversion rate, stall
 * rate, AOV), the current and baseline denominator; KPI = Σnum / Σden. Attributes may form
 * hierarchies (category_l2 under category_l1): an element never holds a parent and its own
 * descendant, and parent levels are searched as well as children.
 *
 * Output is a small set of root-cause elements, each with the part of the KPI change it explains
 * (exact counterfactual: additive contributions, or mix + rate effects for a ratio), the segment's
 * numbers and a score, plus an overall confidence. The method (penalised likelihood over per-leaf
 * deviations with a parsimony cost per element, greedy search refined by splitting) is described
 * in docs/rca.md.
 *
 * Two doors: cl_rca_run() on a cube the caller laid out (value codes already dense), or the
 * builder, which interns value strings and sums duplicate leaves, for callers that read rows
 * (the benchmark runner, the report's SQL results).
 *
 * Owns: nothing global. Pure: no I/O, no globals, no randomness; the same input gives the same
 * result bit for bit. Thread safety: reentrant; distinct inputs may be used from distinct threads
 * at once, and a cube is only read. */
#ifndef CL_INSIGHTS_RCA_H
#define CL_INSIGHTS_RCA_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"
#include "core/parallel.h"

#define CL_RCA_MAX_DEPTH 8       /* most attribute=value pairs in one element */
#define CL_RCA_MAX_ATTRS 32      /* most attributes in a cube */
#define CL_RCA_MAX_VALUES 65535u /* most distinct values of one attribute */
#define CL_RCA_MAX_PERIODS 32    /* most baseline periods a builder keeps apart */

typedef struct {
    const char *name;               /* borrowed; unique within the cube */
    int parent;                     /* index of the parent attribute (hierarchy), or -1 */
    uint32_t n_values;              /* value codes are 0 .. n_values-1 */
    const char *const *value_names; /* borrowed, n_values entries; may be NULL (codes only) */
} cl_rca_attr_t;

/* A cube the caller owns (every pointer borrowed for the duration of the call). Leaves need not be
 * unique, but a duplicate combination is then two leaves. Values must be finite; numerators may
 * be negative (returns, net amounts), denominators must be >= 0.
 * cur_den/base_den both NULL: additive KPI (KPI = Σnum). */
typedef struct {
    size_t n_attrs;
    const cl_rca_attr_t *attrs;
    size_t n_leaves;
    const uint32_t *codes; /* n_leaves × n_attrs, row-major: codes[i * n_attrs + a] */
    const double *cur_num;
    const double *base_num;
    const double *cur_den;
    const double *base_den;
} cl_rca_cube_t;

typedef struct {
    int max_depth;     /* most pairs per element; 0 = 3. Clamped to the number of attributes. */
    int max_elements;  /* most elements returned; 0 = 10 */
    int counts;        /* 1: numerator and denominator count events (orders, sessions, viewers):
                        * the noise model keeps at least Poisson noise. 0: amounts (revenue). */
    int no_mix;        /* ratio KPIs only: 1 = do not search for mix (denominator share) causes */
    int base_periods;  /* counts only: the baseline values are means over this many periods (the
                        * mean of the 4 minutes before an anomaly: 4), so their own noise is that
                        * of counts base_periods times as large; 0 = 1 */
    int direction;     /* 0: causes that moved the KPI either way. +1 (-1): only causes that raised
                        * (lowered) it: the question is an incident in that direction (stalls up,
                        * conversion down) and segments that moved the other way are background */
    double dispersion; /* counts only: the numerator's negative-binomial dispersion b (var = mu (1 +
                        * b mu)) measured on the baseline's periods (cl_rca_builder_dispersion),
                        * a floor under the one fitted on the current period; 0 = none known */
} cl_rca_options_t;

/* CL_RCA_OPTIONS_INIT: the defaults (depth 3, 10 elements, amounts, mix searched, a baseline of
 * one period, either direction). */
#define CL_RCA_OPTIONS_INIT                                                                        \
    {                                                                                              \
        0, 0, 0, 0, 0, 0, 0                                                                        \
    }

typedef enum {
    CL_RCA_KIND_CHANGE = 0, /* additive KPI: the segment's value moved */
    CL_RCA_KIND_RATE = 1,   /* ratio KPI: the segment's own ratio moved */
    CL_RCA_KIND_MIX = 2,    /* ratio KPI: the segment's share of the denominator moved */
} cl_rca_kind_t;

typedef struct {
    int attr;       /* index into cube->attrs */
    uint32_t value; /* value code */
} cl_rca_pair_t;

typedef struct {
    int depth;                             /* number of pairs, 1 .. max_depth */
    cl_rca_pair_t pairs[CL_RCA_MAX_DEPTH]; /* sorted by attribute index */
    cl_rca_kind_t kind;
    size_t n_leaves; /* leaves in the segment */
    /* The segment's numbers (den = 0 for additive KPIs; ratios are 0 when their den is 0). */
    double cur_num, base_num, cur_den, base_den, cur_ratio, base_ratio;
    /* The part of the KPI's change this element explains, in the KPI's unit (an additive KPI's
     * unit, or ratio points). Elements' explained parts add up to result->explained: leaves
     * shared by two elements count for the earlier one. For ratios explained = mix + rate. */
    double explained;
    double mix_effect, rate_effect; /* ratio KPIs; 0 for additive */
    double share;      /* explained / total change (can be < 0 or > 1); 0 when the total is 0 */
    double shift;      /* the segment's relative deviation from what its baseline predicts */
    double score;      /* evidence in nats: description length saved by the element given the
                        * others, net of its parsimony cost (> 0 for every returned element) */
    double confidence; /* 0..1, logistic(score) */
} cl_rca_element_t;

typedef struct {
    size_t n_elements;
    cl_rca_element_t *elements; /* ranked: by |explained|, ties by score then pairs */
    double cur_kpi, base_kpi;   /* KPI of the whole cube */
    double total_change;        /* cur_kpi - base_kpi */
    double explained;           /* Σ elements' explained */
    double explained_share;     /* explained / total_change; 0 when the total is 0 */
    double drift;               /* common relative deviation of the leaves outside every element */
    double confidence;          /* 0..1: how sure the set is real and accounts for the anomaly;
                                 * 0 when no element was found */
    size_t n_candidates;        /* elements the search considered (distinct segments) */
} cl_rca_result_t;

/* Localise the root causes of CUBE's change. OPT may be NULL (defaults).
 * Returns 0, CL_EINVAL (bad cube or options: the message says which), CL_ETOOBIG (an element key
 * does not fit: too many values across the attributes of one combination) or CL_ENOMEM.
 * *out is new: cl_rca_result_free(). An empty result (no element) is a success. */
CL_NODISCARD int cl_rca_run(cl_rca_result_t **out, const cl_rca_cube_t *cube,
                            const cl_rca_options_t *opt, cl_err_t *err);
void cl_rca_result_free(cl_rca_result_t *result);

/* N localisations at once: OUT[k], RCS[k] and ERRS[k] are what cl_rca_run(&OUT[k], &CUBES[k],
 * OPTS ? &OPTS[k] : NULL, &ERRS[k]) gives, bit for bit, for each k. Their searches (one per
 * additive KPI, two per ratio: rate and mix) are independent tasks run through PAR (NULL: this
 * thread, in order); whatever PAR does, the results are the same. SIDE (may be NULL) is the
 * caller's own work, run once as SIDE(SIDE_ARG, 0) beside the searches (first of them, on
 * whichever thread): it must touch nothing the localisations read. Returns 0, or CL_ENOMEM when
 * nothing could be run (then ERR says so, OUT is untouched and SIDE has not run). */
CL_NODISCARD int cl_rca_run_many(cl_rca_result_t **out, int *rcs, cl_err_t *errs,
                                 const cl_rca_cube_t *cubes, const cl_rca_options_t *opts, size_t n,
                                 const cl_parallel_t *par, cl_parallel_task_fn side, void *side_arg,
                                 cl_err_t *err);

/* Write EL as "attr=value&attr=value" (attributes sorted by name, value names when the cube has
 * them, else codes) into BUF of CAP bytes. Returns the length it needed (like snprintf); the text
 * is truncated when that is >= CAP. */
size_t cl_rca_element_format(char *buf, size_t cap, const cl_rca_cube_t *cube,
                             const cl_rca_element_t *el);

/* The builder: rows of value strings in, a cube out. Sums rows with the same combination.
 * Single-thread; distinct builders are independent. */
typedef struct cl_rca_builder cl_rca_builder_t;

/* N_ATTRS attribute names (copied). RATIO: 1 for a ratio KPI (den columns kept), 0 additive.
 * Returns 0, CL_EINVAL (no attribute, too many, a duplicate or empty name) or CL_ENOMEM.
 * *out is new: cl_rca_builder_free(). */
CL_NODISCARD int cl_rca_builder_new(cl_rca_builder_t **out, size_t n_attrs,
                                    const char *const *names, int ratio, cl_err_t *err);
void cl_rca_builder_free(cl_rca_builder_t *b);

/* Declare attribute CHILD to sit under PARENT (indexes). Returns 0 or CL_EINVAL (out of range,
 * itself, or a cycle). */
CL_NODISCARD int cl_rca_builder_set_parent(cl_rca_builder_t *b, size_t child, size_t parent,
                                           cl_err_t *err);

/* Add one row: VALUES holds n_attrs strings (copied; any bytes but NUL). Numbers must be finite,
 * the den ones >= 0 (and ignored for an additive builder). Returns 0, CL_EINVAL or CL_ENOMEM
 * (CL_ETOOBIG past CL_RCA_MAX_VALUES distinct values of one attribute). */
CL_NODISCARD int cl_rca_builder_add(cl_rca_builder_t *b, const char *const *values, double cur_num,
                                    double base_num, double cur_den, double base_den,
                                    cl_err_t *err);

/* Baseline periods: instead of a baseline the caller averaged, give the builder each baseline
 * period's numbers and let it settle the baseline, so that an incident that began inside the
 * baseline window does not pass for normal (docs/rca.md, §1a). Declare PERIODS (1 ..
 * CL_RCA_MAX_PERIODS) once, before any row; returns 0 or CL_EINVAL. */
CL_NODISCARD int cl_rca_builder_set_periods(cl_rca_builder_t *b, int periods, cl_err_t *err);

/* Add one baseline row of period PERIOD (0 .. periods-1): numerator NUM and denominator DEN (the
 * latter ignored by an additive builder). Rows of the same leaf and period are summed; a leaf
 * absent from a period counts 0 there. They reach the cube's baseline only when settled
 * (cl_rca_builder_settle_baseline). Returns 0, CL_EINVAL (no periods declared, period out of
 * range, settled already, bad number) or CL_ENOMEM / CL_ETOOBIG like cl_rca_builder_add. */
CL_NODISCARD int cl_rca_builder_add_period(cl_rca_builder_t *b, const char *const *values,
                                           int period, double num, double den, cl_err_t *err);

/* Settle the baseline of every leaf from its periods, once, after the last row: the mean over
 * its periods. With a DIRECTION (+1: incidents raise the ratio, -1: lower it; the question's, as
 * in cl_rca_options_t) and counts of a ratio KPI, a period in which the leaf's ratio is off its
 * least-moved half of the periods by a factor of three or more in that direction, beyond chance,
 * is left out: the incident had begun. DIRECTION 0 or an additive builder: every period kept.
 * The result is added to the baseline numbers cl_rca_builder_add gave. *EXCLUDED (may be NULL) =
 * the leaf-periods left out. Returns 0, CL_EINVAL (no periods, settled twice, bad direction) or
 * CL_ENOMEM (nothing settled). */
CL_NODISCARD int cl_rca_builder_settle_baseline(cl_rca_builder_t *b, int direction,
                                                size_t *excluded, cl_err_t *err);

/* The numerator's negative-binomial dispersion b (var = mu (1 + b mu)) measured on the settled
 * baseline's periods, for cl_rca_options_t.dispersion: how much more than Poisson a leaf's count
 * moves from period to period (after the common move of the cube's ratio), fitted robustly on the
 * leaves that expect at least 5 events a period; 0 when fewer than 10 leaves do, no periods were
 * settled, or the KPI is additive. */
double cl_rca_builder_dispersion(const cl_rca_builder_t *b);

/* The cube built so far: borrowed, valid until the next cl_rca_builder_add or _free. */
const cl_rca_cube_t *cl_rca_builder_cube(cl_rca_builder_t *b);

/* The code of VALUE in attribute ATTR, or -1 when the builder has not seen it. */
long cl_rca_builder_code(const cl_rca_builder_t *b, size_t attr, const char *value);

#endif
