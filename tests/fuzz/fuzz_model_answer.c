/* fuzz_model_answer.c — a model's answer text through the guardrails (scanner, literal parser,
 * placeholder renderer) against the request fixture. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ai/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cl_ai_input_t *fixture(void)
{
    static cl_ai_input_t *in;
    if (!in) {
        /* CATLENS_SRC when set, else beside this file (the build compiles it by a path relative to
         * the build folder, where meson runs the test) */
        const char *src = getenv("CATLENS_SRC");
        char path[1024];
        if (src) {
            snprintf(path, sizeof path, "%s/tests/fixtures/ai/request.json", src);
        } else {
            snprintf(path, sizeof path, "%.*s/../fixtures/ai/request.json",
                     (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ : 1),
                     __FILE__);
        }
        json_t *req = json_load_file(path, 0, NULL);
        if (!req || cl_ai_input_new(&in, req, NULL) != 0) {
            abort();
        }
        json_decref(req);
    }
    return in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    cl_guard_report_t r;
    if (cl_guard_check(&r, fixture(), text, NULL) == 0) {
        cl_guard_report_dispose(&r);
    }
    free(text);
    return 0;
}
