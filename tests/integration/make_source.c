/* make_source — writes the tiny ETL source tree of tests/unit/support/source_fixture.h for the
 * integration tests, until and besides `catlens demo-data`:
 *   make_source DIR LAST_WEEK WEEKS [--drop-day TABLE] [--short-days N] [--pulse-json]
 * [--orders-per-day N] and, so the tests can compute totals independently of the ETL, runs one
 * trusted query: make_source query SQL        (prints each row's values joined by '|') */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/support/source_fixture.h"

static int query(const char *sql)
{
    cl_db_t *db = NULL;
    cl_db_result_t *r = NULL;
    cl_err_t err;
    cl_db_options_t dbo = {.threads = 1, .memory_limit = "256MB"};
    int rc = cl_db_open(&db, NULL, &dbo, &err);
    rc = rc ? rc : cl_db_query(&r, db, sql, &err);
    for (size_t i = 0; rc == 0 && i < cl_db_result_rows(r); i++) {
        for (size_t c = 0; c < cl_db_result_cols(r); c++) {
            char *v = cl_db_result_text(r, i, c);
            printf("%s%s", c ? "|" : "", v ? v : "NULL");
            free(v);
        }
        printf("\n");
    }
    if (rc != 0) {
        fprintf(stderr, "make_source query: %s\n", err.msg);
    }
    cl_db_result_free(r);
    cl_db_close(db);
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "query") == 0) {
        return query(argv[2]);
    }
    if (argc < 4) {
        fprintf(stderr, "usage: make_source DIR LAST_WEEK WEEKS [--drop-day TABLE] "
                        "[--short-days N] [--pulse-json] [--orders-per-day N]\n");
        return 2;
    }
    fixture_opts_t o = {.last_week = argv[2], .weeks = (int)strtol(argv[3], NULL, 10)};
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--drop-day") == 0 && i + 1 < argc) {
            o.drop_day_table = argv[++i];
        } else if (strcmp(argv[i], "--short-days") == 0 && i + 1 < argc) {
            o.watermark_days_short = (int)strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--orders-per-day") == 0 && i + 1 < argc) {
            o.orders_per_day = (int)strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--pulse-json") == 0) {
            o.pulse_json = 1;
        } else {
            fprintf(stderr, "make_source: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    return fixture_make_source(argv[1], &o) == 0 ? 0 : 1;
}
