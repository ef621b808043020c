/* fake_llm.h — start and drive tests/fakes/fake_llm.js (the fake provider on loopback) from a unit
 * test. The fake is a real HTTP server speaking the providers' wire formats; the code under test is
 * the production client. It listens on a port chosen by the kernel and is stopped (by its pid) at
 * the end. */
#ifndef CL_TEST_FAKE_LLM_H
#define CL_TEST_FAKE_LLM_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

typedef struct {
    pid_t pid;
    int port;
    char base[64]; /* http://127.0.0.1:PORT */
} fake_llm_t;

static inline int fake_llm_start(fake_llm_t *f)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    f->pid = fork();
    if (f->pid < 0) {
        return -1;
    }
    if (f->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("node", "node", "tests/fakes/fake_llm.js", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[128] = {0};
    if (!in || !fgets(line, sizeof line, in)) {
        return -1;
    }
    fclose(in);
    const char *p = strstr(line, "\"port\":");
    f->port = p ? (int)strtol(p + 7, NULL, 10) : 0; /* the fake prints {"port":N} */
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->port);
    return f->port > 0 ? 0 : -1;
}

static inline void fake_llm_stop(fake_llm_t *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
}

static size_t fake_llm_sink(char *d, size_t s, size_t n, void *p)
{
    json_t **out = p;
    json_t *prev = *out;
    char *text = NULL;
    size_t len = s * n;
    /* accumulate as a JSON string, parsed by the caller */
    const char *old = prev ? json_string_value(prev) : "";
    size_t olen = strlen(old);
    text = malloc(olen + len + 1);
    memcpy(text, old, olen);
    memcpy(text + olen, d, len);
    text[olen + len] = '\0';
    json_decref(prev);
    *out = json_string(text);
    free(text);
    return len;
}

/* POST BODY to PATH of the fake (GET when BODY is NULL); returns the parsed JSON reply (new) or
 * NULL. */
static inline json_t *fake_llm_request(const fake_llm_t *f, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    CURL *c = curl_easy_init();
    json_t *acc = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fake_llm_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &acc);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    json_t *out =
        rc == CURLE_OK && acc ? json_loads(json_string_value(acc), JSON_DECODE_ANY, NULL) : NULL;
    json_decref(acc);
    return out;
}

static inline void fake_llm_script(const fake_llm_t *f, const char *steps_json)
{
    char body[8192];
    snprintf(body, sizeof body, "{\"steps\":%s}", steps_json);
    json_decref(fake_llm_request(f, "/_script", body));
}

static inline void fake_llm_reset(const fake_llm_t *f)
{
    json_decref(fake_llm_request(f, "/_reset", "{}"));
}

/* Number of provider requests the fake has seen. */
static inline size_t fake_llm_count(const fake_llm_t *f)
{
    json_t *log = fake_llm_request(f, "/_log", NULL);
    size_t n = json_array_size(log);
    json_decref(log);
    return n;
}

#endif
