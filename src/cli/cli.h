/* cli.h — the subcommands of the `catlens` executable.
 *
 * Each subcommand lives in its own cmd_<name>.c and exports one cl_command_t. main.c only
 * dispatches; a command parses its own options, prints its own --help, and returns a process exit
 * code (cl_err_exit_code of its error). Thread safety: commands run on the main thread. */
#ifndef CL_CLI_CLI_H
#define CL_CLI_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

typedef struct {
    const char *name;
    const char *summary; /* one line for `catlens --help` */
    const char *usage;   /* full --help text */
    int (*run)(int argc, char **argv);
} cl_command_t;

extern const cl_command_t cl_cmd_demo_data;
extern const cl_command_t cl_cmd_etl;
extern const cl_command_t cl_cmd_app;
extern const cl_command_t cl_cmd_ai;
extern const cl_command_t cl_cmd_batch;
extern const cl_command_t cl_cmd_rca;

/* The configuration file: --config PATH, else CATLENS_CONFIG, else config/catlens.yaml. */
const char *cl_cli_config_path(const char *from_option);

/* Load the configuration for a command, printing a clear message on failure.
 * Returns 0 or the error code (already printed). *out is new: cl_config_free(). */
CL_NODISCARD int cl_cli_load_config(cl_config_t **out, const char *from_option);

/* getopt's refusals, said the same way by every command: "catlens NAME: unknown or incomplete
 * option 'OPT'" (or "bad or incomplete" with BAD_VALUE set, for options whose value is checked
 * while parsing) followed by USAGE, and "catlens NAME: unexpected argument 'ARG'". Both return 2.
 */
int cl_cli_bad_option(const char *name, const char *opt, int bad_value, const char *usage);
int cl_cli_unexpected_argument(const char *name, const char *arg);

/* Print "catlens NAME: MESSAGE" for ERR to stderr and return the exit code for its code. */
int cl_cli_fail(const char *command, const cl_err_t *err);

/* For commands whose issue has not landed: --help prints a usage line, anything else says "not
 * built yet" and returns 2. */
int cl_cli_not_built(const char *name, int argc, char **argv);

/* Print the usage of CMD to OUT. */
void cl_cli_print_usage(FILE *out, const cl_command_t *cmd);

#endif
