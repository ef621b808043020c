/* cmd_app.c — `catlens app`: serve the web UI and the report API (:8080). Not built yet: its issue replaces this file. */
#include "cli/cli.h"

static int run(int argc, char **argv)
{
    return cl_cli_not_built("app", argc, argv);
}

const cl_command_t cl_cmd_app = {"app", "serve the web UI and the report API (:8080)", "", run};
