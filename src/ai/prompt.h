/* prompt.h — versioned prompt files: config/prompts/<name>/<version>.yaml.
 *
 * A prompt has three templates (template.h): `system` (the instructions: no variable at all, so
 * data can never reach it), `user` (variables data and tools) and `repair` (variable problems, for
 * the one re-ask), plus max_output_tokens and temperature. Unknown keys are refused. Thread safety:
 * immutable after loading. */
#ifndef CL_AI_PROMPT_H
#define CL_AI_PROMPT_H

#include "core/defs.h"
#include "core/err.h"

typedef struct {
    char *name;
    char *version;
    char *system;
    char *user;
    char *repair;
    int max_output_tokens;
    double temperature;
} cl_prompt_t;

/* Load DIR/NAME/VERSION.yaml. NAME and VERSION must be [a-z0-9._-]{1,32} (never a path). Returns 0,
 * CL_ENOTFOUND, CL_EINVAL (bad name) or CL_ECONFIG (bad file: unknown key, missing template, a
 * template that uses a variable it may not). *out is new: cl_prompt_free(). */
CL_NODISCARD int cl_prompt_load(cl_prompt_t **out, const char *dir, const char *name,
                                const char *version, cl_err_t *err);

void cl_prompt_free(cl_prompt_t *p);

/* The user message: DATA (the encoded report) and TOOLS (a line about the tools, or ""). *out is
 * new: free(). */
CL_NODISCARD int cl_prompt_user(char **out, const cl_prompt_t *p, const char *data,
                                const char *tools, cl_err_t *err);

/* The re-ask message listing PROBLEMS. *out is new: free(). */
CL_NODISCARD int cl_prompt_repair(char **out, const cl_prompt_t *p, const char *problems,
                                  cl_err_t *err);

#endif
