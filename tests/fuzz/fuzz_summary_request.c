/* fuzz_summary_request.c — request bodies of POST /llm/summary: JSON, schema validation, the input
 * views and the prompt encoding of whatever passes. */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>

#include "ai/encode.h"
#include "ai/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!req) {
        return 0;
    }
    cl_ai_input_t *in = NULL;
    if (cl_ai_input_new(&in, req, NULL) == 0) {
        char *text = NULL;
        if (cl_encode_report(&text, in, CL_ENCODE_FULL, NULL) == 0) {
            free(text);
        }
        cl_ai_input_free(in);
    }
    json_decref(req);
    return 0;
}
