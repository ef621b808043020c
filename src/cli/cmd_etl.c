/* cmd_etl.c — `catlens etl`: build and publish the weekly snapshot. Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("etl", argc, argv);
}

const cl_command_t cl_cmd_etl = {"etl", "build and publish the weekly snapshot", "", run};
