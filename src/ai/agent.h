/* agent.h — the tools a model may call during the agentic loop, and nothing else.
 *
 * Every tool reads only the pre-aggregated payload of the request (cl_ai_input_t): no database,
 * no file, no network. Results are data blocks in the encoding of encode.h, capped at
 * CL_AGENT_RESULT_MAX bytes.
 *   drill(dimension, metric?)   breakdown rows of DIMENSION (and the findings whose path holds it)
 *   compare_window(window)      the KPI tiles of another window (MoM, QoQ, YoY) if the app sent it
 *   metric_definition(metric)   label, unit, direction and definition of a metric
 * Thread safety: reentrant. */
#ifndef CL_AI_AGENT_H
#define CL_AI_AGENT_H

#include <jansson.h>

#include "ai/input.h"
#include "core/defs.h"

#define CL_AGENT_RESULT_MAX 4096

/* The tool declarations (neutral form of provider.h). New reference. */
json_t *cl_agent_tools(void);

/* Run tool NAME with ARGS (a JSON object from the model: untrusted). Always returns a text (new:
 * free()), an error text for unknown tools or bad arguments; NULL only when out of memory. */
char *cl_agent_run(const cl_ai_input_t *in, const char *name, json_t *args);

#endif
