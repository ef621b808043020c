/* make_source — writes the tiny ETL source tree of tests/unit/support/source_fixture.h for the
 * integration tests, until and besides `catlens demo-data`:
 *   make_source DIR LAST_WEEK WEEKS [--drop-day TABLE] [--short-days N] [--pulse-json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/support/source_fixture.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: make_source DIR LAST_WEEK WEEKS [--drop-day TABLE] "
                        "[--short-days N] [--pulse-json]\n");
        return 2;
    }
    fixture_opts_t o = {.last_week = argv[2], .weeks = (int)strtol(argv[3], NULL, 10)};
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--drop-day") == 0 && i + 1 < argc) {
            o.drop_day_table = argv[++i];
        } else if (strcmp(argv[i], "--short-days") == 0 && i + 1 < argc) {
            o.watermark_days_short = (int)strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--pulse-json") == 0) {
            o.pulse_json = 1;
        } else {
            fprintf(stderr, "make_source: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    return fixture_make_source(argv[1], &o) == 0 ? 0 : 1;
}
