/* schemas.c — compile the embedded contract schemas once. The bytes come from docs/schemas/ through
 * the build (src/ai/embed.c), so the files people read are the rules the service applies. */
#include "ai/schemas.h"

#include <pthread.h>

#include "core/log.h"

extern const char cl_embed_summary_request[], cl_embed_summary_response[], cl_embed_model_output[],
    cl_embed_summary_job[];
extern const size_t cl_embed_summary_request_len, cl_embed_summary_response_len,
    cl_embed_model_output_len, cl_embed_summary_job_len;

static cl_jsonschema_t *compiled[CL_SCHEMA_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile_one(cl_schema_id_t id, const char *text, size_t len, const char *name)
{
    cl_err_t err;
    cl_err_clear(&err);
    if (cl_jsonschema_parse(&compiled[id], text, len, name, &err) != 0) {
        cl_log(CL_LOG_ERROR, "ai", "schema_invalid",
               json_pack("{s:s,s:s}", "schema", name, "error", err.msg));
    }
}

static void compile_all(void)
{
    compile_one(CL_SCHEMA_SUMMARY_REQUEST, cl_embed_summary_request, cl_embed_summary_request_len,
                "summary_request.schema.json");
    compile_one(CL_SCHEMA_SUMMARY_RESPONSE, cl_embed_summary_response,
                cl_embed_summary_response_len, "summary_response.schema.json");
    compile_one(CL_SCHEMA_MODEL_OUTPUT, cl_embed_model_output, cl_embed_model_output_len,
                "model_output.schema.json");
    compile_one(CL_SCHEMA_SUMMARY_JOB, cl_embed_summary_job, cl_embed_summary_job_len,
                "summary_job.schema.json");
}

const cl_jsonschema_t *cl_schemas_get(cl_schema_id_t id)
{
    pthread_once(&once, compile_all);
    return (unsigned)id < CL_SCHEMA_COUNT ? compiled[id] : NULL;
}

int cl_schemas_validate(cl_schema_id_t id, const json_t *v, cl_err_t *err)
{
    const cl_jsonschema_t *s = cl_schemas_get(id);
    if (!s) {
        return cl_err_set(err, CL_EINTERNAL, "schema %d is not available", (int)id);
    }
    return cl_jsonschema_validate(s, v, err);
}
