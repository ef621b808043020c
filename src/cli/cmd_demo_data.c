/* cmd_demo_data.c — `catlens demo-data`: generate realistic, seeded source data. Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("demo-data", argc, argv);
}

const cl_command_t cl_cmd_demo_data = {"demo-data", "generate realistic, seeded source data", "", run};
