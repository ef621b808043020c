/* template.h — the small template renderer of the prompt files
 * (config/prompts/<name>/<version>.yaml).
 *
 * Syntax: text with variables "{{name}}" (spaces inside the braces allowed, names
 * [a-z_][a-z0-9_]*). Nothing else: no sections, no loops, no escapes; single braces are plain text
 * (the prompts explain the figure placeholders "{F1.change}" with them). Values are inserted
 * verbatim and never scanned again, so a value that holds "{{system}}" stays text: data cannot
 * reach the template language. Thread safety: reentrant. */
#ifndef CL_AI_TEMPLATE_H
#define CL_AI_TEMPLATE_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_TEMPLATE_MAX_BYTES ((size_t)256 * 1024)

typedef struct {
    const char *name;
    const char *value;
} cl_tpl_var_t;

/* Check TPL: well-formed, and every variable among ALLOWED (NULL-terminated; NULL or empty: no
 * variable at all). Returns 0 or CL_EINVAL naming the offending variable or position. */
CL_NODISCARD int cl_template_check(const char *tpl, const char *const *allowed, cl_err_t *err);

/* Render TPL with VARS. Returns 0, CL_EINVAL (malformed, or a variable without a value) or
 * CL_ETOOBIG (template over CL_TEMPLATE_MAX_BYTES, or output over the string cap). *out is new:
 * free(). */
CL_NODISCARD int cl_template_render(char **out, const char *tpl, const cl_tpl_var_t *vars,
                                    size_t nvars, cl_err_t *err);

#endif
