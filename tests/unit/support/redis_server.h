/* redis_server.h — a real redis-server for unit tests: started on a random loopback port in a
 * scratch folder (no persistence), killed with SIGKILL on demand, restarted on the same port. */
#ifndef CL_TEST_REDIS_SERVER_H
#define CL_TEST_REDIS_SERVER_H

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpdir.h"

typedef struct {
    pid_t pid;
    int port;
    char dir[256];
} redis_server_t;

static inline int redis_server_ping(int port)
{
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
    }
    if (c) {
        redisFree(c);
    }
    return ok;
}

/* Start redis-server on PORT; returns its pid, or -1 when it did not come up (e.g. the port is
 * taken). */
static inline pid_t redis_server_spawn_on(const char *dir, int port)
{
    char port_s[16], log[320];
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(log, sizeof log, "%s/redis.log", dir);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("redis-server", "redis-server", "--port", port_s, "--bind", "127.0.0.1", "--save",
               "", "--appendonly", "no", "--dir", dir, "--logfile", log, "--daemonize", "no",
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 250; i++) {
        if (redis_server_ping(port)) {
            return pid;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            return -1;
        }
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Start on a random free port in a new scratch folder. Returns 0 or -1. */
static inline int redis_server_start(redis_server_t *rs)
{
    memset(rs, 0, sizeof *rs);
    tmpdir_make(rs->dir);
    for (int attempt = 0; attempt < 20; attempt++) {
        unsigned short r = 0;
        if (getrandom(&r, sizeof r, 0) != sizeof r) {
            return -1;
        }
        rs->port = 20000 + r % 40000;
        rs->pid = redis_server_spawn_on(rs->dir, rs->port);
        if (rs->pid > 0) {
            return 0;
        }
    }
    return -1;
}

/* Start again on the same port after a kill. Returns 0 or -1. */
static inline int redis_server_restart(redis_server_t *rs)
{
    for (int i = 0; i < 50; i++) {
        rs->pid = redis_server_spawn_on(rs->dir, rs->port);
        if (rs->pid > 0) {
            return 0;
        }
        usleep(100000);
    }
    return -1;
}

static inline void redis_server_kill(redis_server_t *rs)
{
    if (rs->pid > 0) {
        kill(rs->pid, SIGKILL);
        waitpid(rs->pid, NULL, 0);
        rs->pid = -1;
    }
}

static inline void redis_server_stop(redis_server_t *rs)
{
    redis_server_kill(rs);
    tmpdir_remove(rs->dir);
}

#endif
