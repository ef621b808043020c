/* cli.c — what every subcommand shares: where the configuration comes from and how a failure is
 * reported. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

const char *cl_cli_config_path(const char *from_option)
{
    if (from_option) {
        return from_option;
    }
    const char *env = getenv("CATLENS_CONFIG");
    return env && *env ? env : "config/catlens.yaml";
}

int cl_cli_load_config(cl_config_t **out, const char *from_option)
{
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_config_load(out, cl_cli_config_path(from_option), NULL, &err);
    if (rc != 0) {
        fprintf(stderr, "catlens: configuration: %s\n", err.msg);
    }
    return rc;
}

int cl_cli_bad_option(const char *name, const char *opt, int bad_value, const char *usage)
{
    fprintf(stderr, "catlens %s: %s or incomplete option '%s'\n\n%s", name,
            bad_value ? "bad" : "unknown", opt, usage);
    return 2;
}

int cl_cli_unexpected_argument(const char *name, const char *arg)
{
    fprintf(stderr, "catlens %s: unexpected argument '%s'\n", name, arg);
    return 2;
}

int cl_cli_fail(const char *command, const cl_err_t *err)
{
    fprintf(stderr, "catlens %s: %s\n", command, err->msg[0] ? err->msg : cl_err_name(err->code));
    return cl_err_exit_code(err->code);
}

void cl_cli_print_usage(FILE *out, const cl_command_t *cmd)
{
    fprintf(out, "%s", cmd->usage);
}

int cl_cli_not_built(const char *name, int argc, char **argv)
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
