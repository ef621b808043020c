/* ai_fixture.h — helpers shared by the AI service's unit tests: the request fixture and small JSON
 * utilities. */
#ifndef CL_TEST_AI_FIXTURE_H
#define CL_TEST_AI_FIXTURE_H

#include <stdlib.h>
#include <jansson.h>

#include "core/file.h"

/* The request of tests/fixtures/ai/request.json (tests run from the source root); aborts if
 * missing. */
static inline json_t *fixture_request(void)
{
    char *text = NULL;
    size_t len = 0;
    if (cl_file_read_all(&text, &len, "tests/fixtures/ai/request.json", 1 << 20, NULL) != 0) {
        abort();
    }
    json_t *v = json_loadb(text, len, 0, NULL);
    free(text);
    if (!v) {
        abort();
    }
    return v;
}

static inline json_t *json_parse_or_die(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v) {
        abort();
    }
    return v;
}

#endif
