/* document.h — the contracts §4 document from an engine result: tiles, breakdown tables,
 * decompositions, market pulse, marketing, findings and metric definitions. Pure: no I/O, no clock
 * (generated_at is passed in). Internal to src/report/. Thread safety: reentrant. */
#ifndef CL_REPORT_DOCUMENT_H
#define CL_REPORT_DOCUMENT_H

#include <jansson.h>

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/engine.h"
#include "report/manifest.h"

#define CL_REPORT_SPARKLINE_WEEKS 13
#define CL_REPORT_BREAKDOWN_ROWS 20

/* Assemble the document for R (computed from F) of snapshot M. Returns 0 or CL_ENOMEM. *out is
 * new: json_decref(). */
CL_NODISCARD int cl_report_document(json_t **out, const cl_insight_t *r, const cl_frame_t *f,
                                    const cl_catalog_t *cat, const cl_manifest_t *m,
                                    const char *generated_at, cl_err_t *err);

#endif
