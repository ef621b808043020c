/* fuzz_body.c — JSON request bodies (src/http/body.c) and the typed field reads handlers make on
 * them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/body.h"
#include "http/gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results are not needed, only that the calls survive the input */
static void ignore(int rc)
{
    (void)rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    if (cl_body_parse(&doc, (const char *)data, size, NULL) == 0) {
        static const char *const allowed[] = {"category", "region", "window",
                                              "week",     "rating", NULL};
        const char *s = NULL;
        int64_t n = 0;
        int b = 0;
        ignore(cl_body_only(doc, allowed, NULL));
        ignore(cl_body_string(&s, doc, "category", 64, 1, NULL));
        ignore(cl_body_string(&s, doc, "comment", 2000, 0, NULL));
        ignore(cl_body_int(&n, doc, "rating", -1, 1, 1, 0, NULL));
        ignore(cl_body_bool(&b, doc, "async", 0, NULL));
        json_decref(doc);
    }
    char *plain = NULL;
    size_t len = 0;
    if (cl_gzip_decompress(&plain, &len, data, size, 1 << 16, NULL) == 0) {
        free(plain);
    }
    (void)cl_gzip_accepted(size && data[size - 1] == 0 ? (const char *)data : "gzip");
    return 0;
}
