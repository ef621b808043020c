/* jsonschema.h — validate JSON values against the JSON Schemas of docs/schemas/.
 *
 * Owns: a compiled schema and the validator of a small, strict subset of JSON Schema 2020-12, so
 * that the files in docs/schemas/ are the one source of truth for what the AI service accepts and
 * returns (no hand-written twin that could drift). Supported keywords: type, enum, const,
 * properties, required, additionalProperties (boolean or schema), propertyNames, minProperties,
 * maxProperties, items, minItems, maxItems, minimum, maximum, minLength, maxLength (in code
 * points), pattern (POSIX extended regular expressions: anchors, classes in brackets, {m,n}; no \d
 * \w \s), anyOf, $ref to "#/$defs/NAME", $defs; annotations ($schema, $id, title, description,
 * $comment, examples, default) are ignored. Any other keyword makes compilation fail, so a schema
 * can never ask for a check this validator silently skips.
 *
 * Does not own: the instance being validated (borrowed). Thread safety: a compiled schema is
 * immutable; cl_jsonschema_validate may run on many threads at once. */
#ifndef CL_AI_JSONSCHEMA_H
#define CL_AI_JSONSCHEMA_H

#include <stddef.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_jsonschema cl_jsonschema_t;

/* Compile LEN bytes of schema JSON; NAME prefixes messages. Returns 0, CL_EINVAL (not JSON) or
 * CL_ECONFIG (unsupported keyword, bad $ref, bad pattern). *out is new: cl_jsonschema_free(). */
CL_NODISCARD int cl_jsonschema_parse(cl_jsonschema_t **out, const char *text, size_t len,
                                     const char *name, cl_err_t *err);

/* Free S; NULL is fine. */
void cl_jsonschema_free(cl_jsonschema_t *s);

/* Check INSTANCE against S. Returns 0 or CL_EINVAL with a one-line message that names the first
 * failing place, e.g. "report.findings[2].direction: must be one of the allowed values". Values are
 * never echoed. */
CL_NODISCARD int cl_jsonschema_validate(const cl_jsonschema_t *s, const json_t *instance,
                                        cl_err_t *err);

#endif
