/* cmd_rca.c — `catlens rca`: run root-cause localisation on a benchmark folder. Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("rca", argc, argv);
}

const cl_command_t cl_cmd_rca = {"rca", "run root-cause localisation on a benchmark folder", "", run};
