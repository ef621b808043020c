/* rca_data.h — the two public root-cause benchmark formats that `catlens rca` reads, told apart by
 * their columns (see ../shared/benchmarks/rca/{RS,S}/README.md):
 *   ratio (RS):    case CSV `min, value, cnt, <attributes…>`; labels `case, anomaly_timestamp
 *                  [, root_cause]`. Current = the anomaly minute; baseline = per-leaf mean of the 4
 *                  minutes before (numerator and denominator separately; a leaf missing in a
 *                  minute counts 0 for it), leaving out, when the question has a direction, a
 *                  minute in which the incident had begun (rca.h); KPI = value / cnt.
 *   additive (S):  case CSV `<attributes…>, real, predict`; labels `case[, root_cause]`.
 * Owns: the label table and the cube builder of one case. Errors: CL_EINVAL (bad columns, bad
 * numbers, malformed CSV: the message names the file and line), CL_ENOTFOUND (no such file),
 * CL_EIO, CL_ENOMEM. Thread safety: reentrant; no shared state. */
#ifndef CL_CLI_RCA_DATA_H
#define CL_CLI_RCA_DATA_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"
#include "insights/rca.h"

typedef struct {
    char *name;
    long long timestamp; /* ratio format: the anomaly minute (unix seconds) */
    int has_timestamp;   /* the labels gave one */
    char *root_cause;    /* normalised "a=x&b=y;c=z", or NULL when the labels have none */
} rca_label_t;

typedef struct {
    size_t n;
    rca_label_t *cases;
    int has_timestamp; /* the labels carry anomaly_timestamp (ratio format) */
    int has_truth;     /* the labels carry root_cause */
} rca_labels_t;

/* Read the label file at PATH. Returns 0, CL_ENOTFOUND, CL_EINVAL, CL_EIO or CL_ENOMEM.
 * Free with rca_labels_dispose() (also after a failure). */
CL_NODISCARD int rca_labels_read(rca_labels_t *out, const char *path, cl_err_t *err);
void rca_labels_dispose(rca_labels_t *labels);

/* Read case LABEL from DIR/<name>.csv into a new builder. *ratio says which format it was;
 * *periods how many periods the baseline averages (the minutes before the anomaly; 1 additive).
 * Ratio cases: the baseline is settled from its minutes (cl_rca_builder_settle_baseline) with the
 * question's DIRECTION (+1 / -1; 0 = the plain mean of the minutes).
 * Returns 0, CL_ENOTFOUND, CL_EINVAL, CL_EIO, CL_ETOOBIG or CL_ENOMEM. *out is new:
 * cl_rca_builder_free(). */
CL_NODISCARD int rca_case_read(cl_rca_builder_t **out, int *ratio, int *periods, const char *dir,
                               const rca_label_t *label, int direction, cl_err_t *err);

/* Normalise a root-cause text in place: each element's pairs sorted by attribute, elements
 * deduplicated, empty elements dropped. Returns 0 or CL_EINVAL (a pair without '='). */
CL_NODISCARD int rca_normalise(char *text, cl_err_t *err);

#endif
