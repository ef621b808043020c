/* cmd_ai.c — `catlens ai`: serve the AI summary service. The command gathers options and
 * configuration, starts the service and waits for a signal; the work is ai/service.c. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/service.h"
#include "core/log.h"
#include "http/http.h"

#define USAGE                                                                                      \
    "usage: catlens ai [--port N] [--config PATH]\n"                                               \
    "\n"                                                                                           \
    "Serve the AI summary service: POST /llm/summary (sync, or \"async\": true -> 202 and a "      \
    "job),\n"                                                                                      \
    "GET /llm/async?job=ID, GET /llm/usage?user=U&team=T, GET /healthz, GET /metrics "             \
    "(docs/ai.md).\n"                                                                              \
    "Models, prices, retries and the prompt version: config/models.yaml (paths.models); "          \
    "budgets,\n"                                                                                   \
    "rate limits and service settings: the ai section of the configuration. Provider keys come "   \
    "from\n"                                                                                       \
    "the environment variables that models.yaml names; CATLENS_AI_TOKEN, when set, is required "   \
    "as a\n"                                                                                       \
    "bearer token on /llm/ requests. The offline narrator is the default model: no network, no "   \
    "key.\n"                                                                                       \
    "\n"                                                                                           \
    "  --port N        listen on N (default ai.port, 8081; CATLENS_AI_PORT); 0 picks a free "      \
    "port\n"                                                                                       \
    "  --config PATH   configuration file (default CATLENS_CONFIG or config/catlens.yaml)\n"       \
    "\n"                                                                                           \
    "Prints \"catlens ai: listening on http://HOST:PORT\" once serving. SIGTERM or SIGINT stop "   \
    "it\n"                                                                                         \
    "gracefully: requests and running jobs finish, queued jobs stay queued for the next start.\n"  \
    "Exit codes: 0 stopped, 2 bad option, 3 configuration, 1 otherwise.\n"

static int parse_args(int *port, const char **config, int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        char *end = NULL;
        switch (ch) {
        case 'p':
            *port = (int)strtol(optarg, &end, 10);
            if (!end || *end || *port < 0 || *port > 65535) {
                fprintf(stderr, "catlens ai: --port must be 0-65535\n");
                return 2;
            }
            break;
        case 'c':
            *config = optarg;
            break;
        case 'h':
            fputs(USAGE, stdout);
            return 1;
        default:
            return cl_cli_bad_option("ai", argv[optind - 1], 0, USAGE);
        }
    }
    if (optind < argc) {
        return cl_cli_unexpected_argument("ai", argv[optind]);
    }
    return 0;
}

static int run(int argc, char **argv)
{
    int port = -1;
    const char *config = NULL;
    int rc = parse_args(&port, &config, argc, argv);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    cl_http_signals_block(); /* before any thread starts */
    cl_config_t *cfg = NULL;
    if (cl_cli_load_config(&cfg, config) != 0) {
        return 3;
    }
    cl_err_t err;
    cl_err_clear(&err);
    cl_ai_service_t *svc = NULL;
    rc = cl_ai_service_new(&svc, cfg, port, &err);
    rc = rc ? rc : cl_ai_service_start(svc, &err);
    if (rc != 0) {
        cl_ai_service_free(svc);
        cl_config_free(cfg);
        return cl_cli_fail("ai", &err);
    }
    printf("catlens ai: listening on http://%s:%d\n", cfg->ai_host, cl_ai_service_port(svc));
    fflush(stdout);
    int sig = cl_http_signals_wait();
    cl_log(CL_LOG_INFO, "ai", "stopping", json_pack("{s:i}", "signal", sig));
    cl_ai_service_stop(svc);
    cl_ai_service_free(svc);
    cl_config_free(cfg);
    return 0;
}

const cl_command_t cl_cmd_ai = {"ai", "serve the AI summary service (:8081)", USAGE, run};
