/* fuzz_pipeline — the pipeline loader must accept or refuse any bytes cleanly: no crash, no leak,
 * a refusal is CL_EINVAL (or CL_ENOMEM) with a message, and a pipeline that loads keeps the rules
 * the runner relies on (loops one level deep with steps and no statements, every plain step with
 * at least one statement). */
#include <stdint.h>
#include <stdlib.h>

#include "etl/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_steps(const cl_pipeline_step_t *steps, size_t n, int in_loop)
{
    for (size_t i = 0; i < n; i++) {
        const cl_pipeline_step_t *st = &steps[i];
        if (!st->id || !st->description || (st->for_each_week && in_loop)) {
            abort();
        }
        if (st->for_each_week ? st->n_sql != 0 || st->n_steps == 0
                              : st->n_sql == 0 || st->n_steps != 0) {
            abort();
        }
        for (size_t j = 0; j < st->n_sql; j++) {
            if (!st->sql[j] || !st->sql[j][0]) {
                abort();
            }
        }
        check_steps(st->steps, st->n_steps, 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_pipeline_t *p = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_pipeline_parse(&p, (const char *)data, size, "fuzz.yaml", &err);
    if (rc == 0) {
        check_steps(p->steps, p->n_steps, 0);
    } else if ((rc != CL_EINVAL && rc != CL_ENOMEM) || p || !err.msg[0]) {
        abort();
    }
    cl_pipeline_free(p);
    return 0;
}
