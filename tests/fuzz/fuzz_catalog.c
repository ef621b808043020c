/* fuzz_catalog — the metric catalog loader must accept or refuse any bytes cleanly: no crash, no
 * leak, and a refusal is always CL_ECONFIG (or CL_ENOMEM) with a message. */
#include <stdint.h>
#include <stdlib.h>

#include "core/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_catalog_parse(&cat, (const char *)data, size, "fuzz.yaml", &err);
    if (rc == 0) {
        /* a catalog that loads is consistent: every ratio points at additive metrics */
        for (size_t i = 0; i < cl_catalog_count(cat); i++) {
            const cl_metric_t *m = cl_catalog_at(cat, i);
            if (m->kind == CL_METRIC_RATIO &&
                (cl_catalog_at(cat, m->numerator)->kind != CL_METRIC_ADDITIVE ||
                 cl_catalog_at(cat, m->denominator)->kind != CL_METRIC_ADDITIVE)) {
                abort();
            }
        }
    } else if ((rc != CL_ECONFIG && rc != CL_ENOMEM) || cat || !err.msg[0]) {
        abort();
    }
    cl_catalog_free(cat);
    return 0;
}
