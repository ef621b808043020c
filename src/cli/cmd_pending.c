/* cmd_pending.c — subcommands whose issue has not landed yet. They exist so that `catlens --help`
 * shows the whole product and scripts can rely on the names; running one says plainly that it is
 * not built yet. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int not_built(const char *name, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: catlens %s [options]\n\n(not built yet)\n", name);
            return 0;
        }
    }
    fprintf(stderr, "catlens %s: not built yet\n", name);
    return 2;
}

static int run_app(int argc, char **argv)
{
    return not_built("app", argc, argv);
}
static int run_ai(int argc, char **argv)
{
    return not_built("ai", argc, argv);
}
static int run_batch(int argc, char **argv)
{
    return not_built("batch", argc, argv);
}
static int run_rca(int argc, char **argv)
{
    return not_built("rca", argc, argv);
}

static int run_demo_data(int argc, char **argv)
{
    return not_built("demo-data", argc, argv);
}
static int run_etl(int argc, char **argv)
{
    return not_built("etl", argc, argv);
}

const cl_command_t cl_cmd_demo_data = {"demo-data", "generate realistic, seeded source data", "",
                                       run_demo_data};
const cl_command_t cl_cmd_etl = {"etl", "build and publish the weekly snapshot", "", run_etl};
const cl_command_t cl_cmd_app = {"app", "serve the web UI and the report API (:8080)", "", run_app};
const cl_command_t cl_cmd_ai = {"ai", "serve the AI summary service (:8081)", "", run_ai};
const cl_command_t cl_cmd_batch = {"batch", "precompute every report of a snapshot", "", run_batch};
const cl_command_t cl_cmd_rca = {"rca", "run root-cause localisation on a benchmark folder", "",
                                 run_rca};
