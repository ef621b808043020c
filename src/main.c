/* main.c — the `catlens` executable: one binary, one subcommand per job (see cli/cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cl_command_t *const COMMANDS[] = {
    &cl_cmd_demo_data, &cl_cmd_etl, &cl_cmd_app, &cl_cmd_ai, &cl_cmd_batch, &cl_cmd_rca,
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: catlens <command> [options]\n\n"
                 "catlens turns weekly business data into a weekly business review per category x "
                 "region x window.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < CL_ARRAY_LEN(COMMANDS); i++) {
        fprintf(out, "  %-10s %s\n", COMMANDS[i]->name, COMMANDS[i]->summary);
    }
    fprintf(out, "\n`catlens <command> --help` describes each command.\n"
                 "Configuration: --config PATH, CATLENS_CONFIG, or config/catlens.yaml.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return 0;
    }
    for (size_t i = 0; i < CL_ARRAY_LEN(COMMANDS); i++) {
        if (strcmp(argv[1], COMMANDS[i]->name) == 0) {
            return COMMANDS[i]->run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "catlens: unknown command '%s'\n\n", argv[1]);
    print_help(stderr);
    return 2;
}
