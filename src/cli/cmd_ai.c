/* cmd_ai.c — `catlens ai`: serve the AI summary service (:8081). Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("ai", argc, argv);
}

const cl_command_t cl_cmd_ai = {"ai", "serve the AI summary service (:8081)", "", run};
