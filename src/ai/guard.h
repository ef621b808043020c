/* guard.h — the guardrails between a model's answer and a reader: nothing reaches the summary
 * that the data does not support.
 *
 * A model answer (docs/schemas/model_output.schema.json) passes when, in every text part:
 *   placeholders  each {REF.FIELD|…} names a figure of the input (figures.h);
 *   citations     each bullet cites only handles of the input (F1 …);
 *   numbers       no digit stands outside a placeholder, except (a) inside an entity name of
 *                 the input ("2026-W47", "ps5_consoles") and (b) a literal figure that equals a
 *                 figure of the input within the rounding of its printed precision, with a
 *                 matching unit ("6.6%" for 6.63 %, "$182K" for 182,340.5, "1.3 points" for
 *                 -1.3 pp): such a literal is replaced by the equivalent placeholder, so the
 *                 final text still shows only numbers the service rendered;
 *   direction     a direction word ("rose", "fell", "flat", "improved" …) agrees with the sign
 *                 (or the favourability) of the figure it governs: the next figure in its
 *                 clause, else the previous one, else the only finding a bullet cites; negated
 *                 words ("did not fall") are not judged;
 *   superlative   "highest", "largest", "lowest" … hold among the comparable figures of the
 *                 input (same metric and field), within rounding;
 *   entities      every identifier-like word (snake_case) is an entity of the input: a
 *                 category, region, dimension, dimension value or metric id.
 * Thread safety: reentrant. */
#ifndef CL_AI_GUARD_H
#define CL_AI_GUARD_H

#include <jansson.h>

#include "ai/figures.h"
#include "ai/input.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_GUARD_PROBLEMS_MAX 2048

typedef struct {
    int ok;          /* every check passed */
    json_t *summary; /* ok: {headline, bullets[{text, finding_ids}], actions, caveats, figures} */
    json_t *checks;  /* [{name, status, detail}] for every check, in a fixed order */
    char problems[CL_GUARD_PROBLEMS_MAX]; /* not ok: one line per problem, for the re-ask prompt and
                                             the audit */
} cl_guard_report_t;

void cl_guard_report_init(cl_guard_report_t *r);
void cl_guard_report_dispose(cl_guard_report_t *r);

/* Check the model's raw answer TEXT (JSON, possibly inside a ``` fence or surrounded by prose)
 * against IN. Returns 0 with OUT filled (OUT->ok says whether it passed), or CL_ENOMEM. Never fails
 * on bad model text: that is a failed check. */
CL_NODISCARD int cl_guard_check(cl_guard_report_t *out, const cl_ai_input_t *in, const char *text,
                                cl_err_t *err);

/* Same for an already parsed answer (the narrator's). */
CL_NODISCARD int cl_guard_check_json(cl_guard_report_t *out, const cl_ai_input_t *in,
                                     json_t *answer, cl_err_t *err);

#endif
