/* yaml.h — read a YAML document into a jansson value.
 *
 * Every YAML file of catlens (configuration, overlays, metric catalog, pipelines, prompts) goes
 * through here, so the rules are one: mappings become objects (duplicate keys are an error),
 * sequences become arrays, plain scalars become null (~, null, empty), true/false, integers, reals
 * or strings; quoted scalars are always strings. Anchors, aliases and tags are refused:
 * configuration should read the same to a person as to the program. Documents are capped at
 * CL_YAML_MAX_BYTES and CL_YAML_MAX_DEPTH levels of nesting. Thread safety: reentrant; no shared
 * state. */
#ifndef CL_CORE_YAML_H
#define CL_CORE_YAML_H

#include <stddef.h>
#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

#define CL_YAML_MAX_BYTES ((size_t)8 * 1024 * 1024)
#define CL_YAML_MAX_DEPTH 64

/* Parse LEN bytes of YAML. NAME (a file name) prefixes error messages. An empty document yields an
 * empty object. Returns 0, CL_EINVAL (syntax, duplicate key, alias, too deep, too big) or
 * CL_EINTERNAL (libyaml ended a collection it never started). *out is new: json_decref(). */
CL_NODISCARD int cl_yaml_parse(json_t **out, const char *text, size_t len, const char *name,
                               cl_err_t *err);

/* Read and parse the file at PATH. Returns 0, CL_ENOTFOUND, CL_EIO or CL_EINVAL. *out is new:
 * json_decref(). */
CL_NODISCARD int cl_yaml_load_file(json_t **out, const char *path, cl_err_t *err);

#endif
