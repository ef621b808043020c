/* detect.h — internal to the engine: the detectors that turn computed analyses into findings, and
 * what they share (the run's context, value at stake, materiality, paths). Not a public contract:
 * only engine.c and detect_*.c include it. Rules and thresholds: docs/insights.md. */
#ifndef CL_INSIGHTS_DETECT_H
#define CL_INSIGHTS_DETECT_H

#include <stddef.h>

#include "insights/breakdown.h"
#include "insights/engine.h"

typedef struct {
    const cl_frame_t *f;
    const cl_catalog_t *cat;
    const cl_insight_options_t *opt;
    cl_insight_t *r;
    cl_insight_roles_t roles;
    double revenue_base; /* previous-period revenue of the slice (materiality base), NaN if none */
    size_t *kpi_finding; /* per metric: index of its kpi_change finding, or CL_FRAME_NONE */
    double *driver_z;    /* per metric: the strongest |z| among its drivers */
    unsigned char *folded; /* per metric: its KPI change was folded into another story */
    size_t split_finding;
    cl_err_t *err;
    /* segment significances computed ahead (cl_detect_segment_sigs_ahead), NULL when not */
    struct cl_detect_sig *sigs;
    size_t n_sigs;
    /* the slice's WoW significance parts shared by its windows (signif.h), NULL when not */
    cl_signif_memo_t *memo;
} cl_detect_t;

typedef struct cl_detect_sig {
    size_t metric, dim, value;
    cl_signif_t sig;
} cl_detect_sig_t;

/* Compute ahead the significance of every candidate segment the segment-change search
 * (cl_detect_segment_changes) may ask about, for the metrics it covers that have no KPI finding
 * yet, into d->sigs: the same values it would compute (a pure function of the frame), so the
 * same findings. Run beside the root-cause localisations on a parallel hook's other thread;
 * reads D and writes only d->sigs and d->n_sigs (none when memory is short). */
void cl_detect_segment_sigs_ahead(cl_detect_t *d);

#define CL_DETECT_NONE CL_FRAME_NONE

/* Currency per unit of METRIC's change (see docs/insights.md: value at stake). */
double cl_detect_unit_value(const cl_detect_t *d, size_t metric);
/* |IMPACT| of METRIC in currency. */
double cl_detect_stake(const cl_detect_t *d, size_t metric, double impact);
/* The same for a change of one week's value (anomalies): a ratio's unit value scales with the
 * denominator's volume, which is a whole period's in cl_detect_stake. */
double cl_detect_stake_week(const cl_detect_t *d, size_t metric, double impact);
/* 1 when STAKE passes the materiality threshold. */
int cl_detect_material(const cl_detect_t *d, double stake);

/* Set direction and favourable of FD from CHANGE and METRIC's direction. */
void cl_detect_direction(cl_finding_t *fd, const cl_metric_t *m, double change);

/* Add VALUE of dimension DIM, preceded by its ancestors, to FD's path. */
CL_NODISCARD int cl_detect_path(cl_finding_t *fd, const cl_frame_t *f, size_t dim, size_t value,
                                cl_err_t *err);

/* A new finding of TYPE about METRIC (borrowed until the next add); *index receives its index. */
CL_NODISCARD int cl_detect_add(cl_finding_t **out, size_t *index, cl_detect_t *d,
                               cl_finding_type_t type, size_t metric);

/* A new finding of TYPE about METRIC on the segment of breakdown row ROW of dimension DIM: its path
 * (with ancestors), impact = the row's contribution, value at stake, SIG, direction from the
 * contribution, and the row's numbers (current, previous, change, change_pct, contribution,
 * share_of_change, share_current, share_previous, share_shift_pp; mix_effect and rate_effect for a
 * ratio). *out is borrowed until the next add. */
CL_NODISCARD int cl_detect_segment(cl_finding_t **out, cl_detect_t *d, cl_finding_type_t type,
                                   size_t metric, size_t dim, const cl_breakdown_row_t *row,
                                   const cl_signif_t *sig);

/* The finding at INDEX (borrowed) or NULL for CL_DETECT_NONE. */
cl_finding_t *cl_detect_at(cl_detect_t *d, size_t index);

/* Drop the finding at INDEX and every finding that explains it (recursively). */
void cl_detect_drop_tree(cl_detect_t *d, size_t index);

/* Funnel position of METRIC: visits 0, conversion 1, basket 2, orders 3, revenue 4, other 5. When
 * one segment moves several metrics the same way, the most upstream one is the cause. */
int cl_detect_upstream(const cl_detect_t *d, size_t metric);

/* Past-tense verb for a change: "rose", "fell", "was flat". */
const char *cl_detect_verb(double change);

/* The detectors, run in this order by cl_insight_run. Each returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_detect_kpi_changes(cl_detect_t *d);
CL_NODISCARD int cl_detect_drivers(cl_detect_t *d);
CL_NODISCARD int cl_detect_root_causes(cl_detect_t *d);
void cl_detect_rc_supersede(cl_detect_t *d);
void cl_detect_prune_unexplained(cl_detect_t *d);
CL_NODISCARD int cl_detect_segment_changes(cl_detect_t *d);
void cl_detect_dedup_segments(cl_detect_t *d);
void cl_detect_fold_consequences(cl_detect_t *d);
CL_NODISCARD int cl_detect_revenue_story(cl_detect_t *d);
CL_NODISCARD int cl_detect_mix(cl_detect_t *d);
CL_NODISCARD int cl_detect_anomalies(cl_detect_t *d);
CL_NODISCARD int cl_detect_pulse(cl_detect_t *d);
CL_NODISCARD int cl_detect_marketing(cl_detect_t *d);
CL_NODISCARD int cl_detect_pacing(cl_detect_t *d);

#endif
