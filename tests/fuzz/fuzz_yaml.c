/* fuzz_yaml.c — every YAML file (configuration, overlays, catalog, pipelines, prompts) goes through
 * cl_yaml_parse. */
#include <stdint.h>
#include <jansson.h>

#include "core/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    cl_err_t err;
    if (cl_yaml_parse(&doc, (const char *)data, size, "fuzz.yaml", &err) == 0) {
        json_decref(doc);
    }
    return 0;
}
