/* fuzz_csv.c — the CSV reader and the root-cause label normaliser read benchmark files from
 * outside (catlens rca). Every row must parse or fail cleanly; a normalised label must be stable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/rca_data.h"
#include "core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normalise(const char *field)
{
    size_t n = strlen(field);
    char *a = malloc(n + 1);
    if (!a) {
        return;
    }
    memcpy(a, field, n + 1);
    cl_err_t err;
    if (rca_normalise(a, &err) == 0) {
        if (strlen(a) > n) {
            abort(); /* normalising never grows the text */
        }
        char *b = strdup(a);
        if (b && (rca_normalise(b, &err) != 0 || strcmp(a, b) != 0)) {
            abort(); /* and is idempotent */
        }
        free(b);
    }
    free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_csv_t *csv = NULL;
    cl_err_t err;
    if (cl_csv_open(&csv, (const char *)data, size, &err) != 0) {
        return 0;
    }
    int rc;
    size_t rows = 0;
    while ((rc = cl_csv_next(csv, &err)) == 1) {
        size_t n = cl_csv_count(csv);
        if (n == 0 || n > CL_CSV_MAX_FIELDS || cl_csv_field(csv, n) != NULL) {
            abort();
        }
        for (size_t i = 0; i < n; i++) {
            const char *f = cl_csv_field(csv, i);
            if (!f || strlen(f) > size) {
                abort(); /* a field is never longer than the input */
            }
            if (i < 4) {
                check_normalise(f);
            }
        }
        if (++rows > size + 1) {
            abort(); /* every row consumes input */
        }
    }
    if (rc < 0 && err.code != rc) {
        abort(); /* a failure carries its code and message */
    }
    cl_csv_close(csv);
    return 0;
}
