/* cmd_batch.c — `catlens batch`: precompute every report of a snapshot. Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("batch", argc, argv);
}

const cl_command_t cl_cmd_batch = {"batch", "precompute every report of a snapshot", "", run};
