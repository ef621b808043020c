/* catalog_fixture.h — the shipped metric catalog (config/metrics.yaml) as a cmocka group fixture:
 * `cat` is loaded by catalog_setup and freed by catalog_teardown. Test-only. */
#ifndef CL_TEST_CATALOG_FIXTURE_H
#define CL_TEST_CATALOG_FIXTURE_H

#include "core/catalog.h"

static cl_catalog_t *cat;

static int catalog_setup(void **state)
{
    (void)state;
    cl_err_t err;
    return cl_catalog_load(&cat, "config/metrics.yaml", &err);
}

static int catalog_teardown(void **state)
{
    (void)state;
    cl_catalog_free(cat);
    return 0;
}

#endif
