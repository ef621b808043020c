/* fuzz_query.c — request targets and query strings (src/http/query.c), and the static-path rule
 * beside them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"
#include "http/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    cl_query_t q;
    if (cl_query_parse_target(&q, s, NULL) == 0) {
        /* every parsed value is NUL-free and readable; the path passes or fails the static rule
         * cleanly */
        for (size_t i = 0; i < q.n_params; i++) {
            if (cl_query_get(&q, q.params[i].name) != q.params[i].value) {
                abort(); /* duplicates must have been refused */
            }
        }
        (void)cl_static_path_ok(q.path);
        cl_query_dispose(&q);
    }
    if (cl_query_parse(&q, (const char *)data, size, NULL) == 0) {
        cl_query_dispose(&q);
    }
    char *out = malloc(size + 1);
    size_t n = 0;
    if (out && cl_query_decode(out, &n, (const char *)data, size, 1, NULL) == 0 &&
        (n > size || strlen(out) != n)) {
        abort();
    }
    free(out);
    free(s);
    return 0;
}
