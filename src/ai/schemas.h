/* schemas.h — the JSON Schemas of docs/schemas/, compiled into the binary at build time and
 * compiled into validators once per process.
 *
 * Owns: the four contract schemas of the AI service. Thread safety: cl_schemas_get may be called
 * from any thread; the first call compiles all of them (pthread_once), later calls only read. */
#ifndef CL_AI_SCHEMAS_H
#define CL_AI_SCHEMAS_H

#include "ai/jsonschema.h"

typedef enum {
    CL_SCHEMA_SUMMARY_REQUEST = 0, /* docs/schemas/summary_request.schema.json */
    CL_SCHEMA_SUMMARY_RESPONSE,    /* docs/schemas/summary_response.schema.json */
    CL_SCHEMA_MODEL_OUTPUT,        /* docs/schemas/model_output.schema.json */
    CL_SCHEMA_SUMMARY_JOB,         /* docs/schemas/summary_job.schema.json */
    CL_SCHEMA_COUNT
} cl_schema_id_t;

/* The compiled schema ID, borrowed for the life of the process; NULL only if an embedded schema
 * fails to compile, which the unit tests rule out. */
const cl_jsonschema_t *cl_schemas_get(cl_schema_id_t id);

/* Validate V against schema ID: 0, CL_EINVAL (message names the place) or CL_EINTERNAL (schema
 * missing). */
CL_NODISCARD int cl_schemas_validate(cl_schema_id_t id, const json_t *v, cl_err_t *err);

#endif
