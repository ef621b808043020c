/* narrator.h — the offline narrator: a deterministic writer over the findings.
 *
 * It is the default model (no network, no key, no cost) and the last step of every fallback chain.
 * It writes the same placeholder answer a model would (docs/schemas/model_output.schema.json), so
 * its text passes through the same guardrails and renderer: the narrator cannot state a figure the
 * data does not hold either. The same input gives byte-identical output, on every run and machine.
 * Thread safety: reentrant. */
#ifndef CL_AI_NARRATOR_H
#define CL_AI_NARRATOR_H

#include <jansson.h>

#include "ai/input.h"
#include "core/defs.h"
#include "core/err.h"

#define CL_NARRATOR_MODEL "offline-narrator-1"

/* The answer for IN: {headline, bullets[{text, finding_ids}], actions, caveats} with placeholders.
 * Returns 0 or CL_ENOMEM. *out is new: json_decref(). */
CL_NODISCARD int cl_narrator_write(json_t **out, const cl_ai_input_t *in, cl_err_t *err);

#endif
