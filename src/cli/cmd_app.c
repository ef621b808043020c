/* cmd_app.c — `catlens app`: serve the web UI and the report API. The command gathers options,
 * starts the app (app/app.c) and waits for SIGTERM or SIGINT, then shuts down gracefully: no new
 * connections, requests in flight finish, every audit record is written. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/file.h"
#include "core/log.h"
#include "http/http.h"

#define USAGE                                                                                      \
    "usage: catlens app [--config PATH] [--port-file FILE]\n"                                      \
    "\n"                                                                                           \
    "Serve the app backend and the web UI (paths.web) on app.host:app.port. Sign-in is "           \
    "auth.mode:\n"                                                                                 \
    "dev (users from auth.users, GET /login-url?user=NAME) or oidc (single sign-on). The API is\n" \
    "described by GET /openapi.json.\n"                                                            \
    "\n"                                                                                           \
    "  --config PATH     configuration file (default CATLENS_CONFIG or config/catlens.yaml)\n"     \
    "  --port-file FILE  write the port it listens on to FILE (useful with CATLENS_APP_PORT=0)\n"  \
    "\n"                                                                                           \
    "Environment: CATLENS_APP_PORT (0: any free port), CATLENS_WAREHOUSE (the warehouse "          \
    "folder),\n"                                                                                   \
    "CATLENS_AI_URL (the AI service), CATLENS_CACHE_REDIS_URL, CATLENS_OIDC_CLIENT_SECRET,\n"      \
    "CATLENS_METRICS_TOKEN. SIGTERM or SIGINT stop it gracefully (requests in flight finish).\n"   \
    "Exit codes: 0 stopped cleanly, 2 bad option, 3 configuration, 1 anything else.\n"

static int parse_args(const char **config, const char **port_file, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"port-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case 'c':
            *config = optarg;
            break;
        case 'p':
            *port_file = optarg;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 1;
        default:
            return cl_cli_bad_option("app", argv[optind - 1], 0, USAGE);
        }
    }
    if (optind < argc) {
        return cl_cli_unexpected_argument("app", argv[optind]);
    }
    return 0;
}

static int run(int argc, char **argv)
{
    const char *config = NULL, *port_file = NULL;
    int prc = parse_args(&config, &port_file, argc, argv);
    if (prc != 0) {
        return prc == 1 ? 0 : 2;
    }
    cl_http_signals_block(); /* before any thread starts, so that only sigwait sees them */
    cl_config_t *cfg = NULL;
    cl_app_t *app = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    int rc = cl_cli_load_config(&cfg, config);
    if (rc != 0) {
        return cl_err_exit_code(rc);
    }
    rc = cl_app_open(&app, cfg, &err);
    rc = rc ? rc : cl_app_start(app, &err);
    if (rc == 0 && port_file) {
        char text[16];
        int n = snprintf(text, sizeof text, "%d\n", cl_app_port(app));
        rc = cl_file_write_atomic(port_file, text, (size_t)n, &err);
    }
    if (rc != 0) {
        rc = cl_cli_fail("app", &err);
        goto cleanup;
    }
    fprintf(stderr, "catlens app: serving http://%s:%d/ (auth %s)\n", cfg->app_host,
            cl_app_port(app), cfg->auth_mode);
    int sig = cl_http_signals_wait();
    cl_logf(CL_LOG_INFO, "app", "stopping", "signal %d: finishing requests in flight", sig);
    cl_app_shutdown(app, 30000);
cleanup:
    cl_app_close(app);
    cl_config_free(cfg);
    return rc;
}

const cl_command_t cl_cmd_app = {"app", "serve the web UI and the report API (:8080)", USAGE, run};
