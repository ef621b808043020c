/* fuzz_cookie.c — the Cookie header parser and Set-Cookie formatter (src/http/cookie.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* results are not needed, only that the calls survive the input */
static void ignore(int rc)
{
    (void)rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    cl_cookie_jar_t jar = {0};
    /* parsed twice: as one header, and again as a second header into the same jar */
    if (cl_cookie_parse(&jar, s, NULL) == 0 && cl_cookie_parse(&jar, s, NULL) == 0) {
        for (size_t i = 0; i < jar.n; i++) {
            const char *v = cl_cookie_get(&jar, jar.items[i].name);
            if (v && (!cl_cookie_name_ok(jar.items[i].name) || !cl_cookie_value_ok(v))) {
                abort(); /* only clean pairs are ever handed out */
            }
            char out[512];
            cl_cookie_attrs_t a = {.max_age = 60, .http_only = 1, .secure = 1};
            ignore(
                cl_cookie_format(out, sizeof out, jar.items[i].name, jar.items[i].value, &a, NULL));
        }
    }
    cl_cookie_jar_dispose(&jar);
    free(s);
    return 0;
}
