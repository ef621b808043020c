/* bench_mhd.c — the ceiling for bench/bench_app.sh: a bare libmicrohttpd server, configured as the
 * app's HTTP layer is (epoll, thread pool), answering every request with the same static body (a
 * file: the cached /wbr reply, gzip-encoded) and no other work.
 *   bench_mhd BODY_FILE THREADS PORT_FILE
 * Listens on 127.0.0.1 on a port the kernel picks, writes it to PORT_FILE, serves until SIGTERM. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Response *g_reply;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    (void)cls, (void)url, (void)method, (void)version, (void)data;
    if (*state == NULL) { /* the headers: wait for the body */
        *state = (void *)1;
        return MHD_YES;
    }
    if (*size > 0) { /* consume the body */
        *size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(c, MHD_HTTP_OK, g_reply);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 65536;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (n == 0) {
            break;
        }
        *len += n;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_mhd BODY_FILE THREADS PORT_FILE\n");
        return 2;
    }
    size_t len = 0;
    char *body = read_file(argv[1], &len);
    long threads = strtol(argv[2], NULL, 10);
    if (!body || threads < 1 || threads > 256) {
        fprintf(stderr, "bench_mhd: cannot read %s, or bad thread count\n", argv[1]);
        return 2;
    }
    g_reply = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(g_reply, "Content-Type", "application/json");
    MHD_add_response_header(g_reply, "Content-Encoding", "gzip");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_mhd: cannot start the server\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    FILE *pf = fopen(argv[3], "w");
    if (!pf || !info) {
        fprintf(stderr, "bench_mhd: cannot write %s\n", argv[3]);
        return 1;
    }
    fprintf(pf, "%u\n", (unsigned)info->port);
    fclose(pf);
    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(g_reply);
    free(body);
    return 0;
}
