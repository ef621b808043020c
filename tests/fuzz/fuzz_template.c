/* fuzz_template.c — the prompt template renderer: any bytes as a template, rendered with fixed
 * variables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *tpl = malloc(size + 1);
    if (!tpl) {
        return 0;
    }
    memcpy(tpl, data, size);
    tpl[size] = '\0';
    static const char *const allowed[] = {"data", "tools", NULL};
    cl_tpl_var_t vars[] = {{"data", "{{tools}}"}, {"tools", "T"}};
    char *out = NULL;
    int checked = cl_template_check(tpl, allowed, NULL);
    (void)checked;
    if (cl_template_render(&out, tpl, vars, 2, NULL) == 0) {
        free(out);
    }
    free(tpl);
    return 0;
}
