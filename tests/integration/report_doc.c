/* report_doc — builds report documents through the production entry point (cl_report_build) for
 * the integration tests and the benchmark, until a subcommand serves them:
 *   report_doc WAREHOUSE WEEK CATEGORY REGION WINDOW [GENERATED_AT]
 *       prints the document (CL_REPORT_JSON_FLAGS) on stdout; WINDOW may be "all": one document per
 *       window, one per line, from one context (what the weekly batch does for a slice)
 *   report_doc --dimensions WAREHOUSE WEEK
 * Errors: the message on stderr and cl_err_exit_code() of its code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "etl/snapshot.h"
#include "report/report.h"

static int fail(const cl_err_t *err)
{
    fprintf(stderr, "report_doc: %s\n", err->msg);
    return cl_err_exit_code(err->code);
}

int main(int argc, char **argv)
{
    int dims = argc == 4 && strcmp(argv[1], "--dimensions") == 0;
    if (!dims && argc != 6 && argc != 7) {
        fprintf(stderr,
                "usage: report_doc WAREHOUSE WEEK CATEGORY REGION WINDOW|all [GENERATED_AT]\n"
                "       report_doc --dimensions WAREHOUSE WEEK\n");
        return 2;
    }
    const char *warehouse = argv[dims ? 2 : 1], *week_key = argv[dims ? 3 : 2];
    cl_err_t err;
    cl_catalog_t *cat = NULL;
    cl_db_t *db = NULL;
    cl_report_ctx_t *ctx = NULL;
    char *dir = NULL;
    cl_week_t week;
    cl_db_options_t dbo = {.threads = 2};
    const char *metrics =
        getenv("CATLENS_METRICS") ? getenv("CATLENS_METRICS") : "config/metrics.yaml";
    int rc = cl_week_parse(&week, week_key, &err);
    rc = rc ? rc : cl_catalog_load(&cat, metrics, &err);
    rc = rc ? rc : cl_snapshot_resolve(&dir, warehouse, week_key, &err);
    rc = rc ? rc : cl_db_open(&db, NULL, &dbo, &err);
    rc = rc ? rc : cl_report_ctx_open(&ctx, db, cat, &err);
    if (rc == 0 && dims) {
        json_t *d = NULL;
        rc = cl_report_dimensions(&d, ctx, dir, &err);
        if (rc == 0) {
            json_dumpf(d, stdout, JSON_COMPACT);
            putchar('\n');
        }
        json_decref(d);
    }
    int all = !dims && strcmp(argv[5], "all") == 0;
    for (int w = 0; rc == 0 && !dims && w < CL_WINDOW_COUNT; w++) {
        cl_window_t win = (cl_window_t)w;
        if (!all && (rc = cl_window_parse(&win, argv[5], &err)) != 0) {
            break;
        }
        cl_report_request_t req = {argv[3], argv[4], win, week, argc == 7 ? argv[6] : NULL};
        json_t *doc = NULL;
        rc = cl_report_build(&doc, ctx, dir, &req, &err);
        if (rc == 0) {
            json_dumpf(doc, stdout, CL_REPORT_JSON_FLAGS);
            putchar('\n');
        }
        json_decref(doc);
        if (!all) {
            break;
        }
    }
    cl_report_ctx_close(ctx);
    cl_db_close(db);
    cl_catalog_free(cat);
    free(dir);
    return rc == 0 ? 0 : fail(&err);
}
