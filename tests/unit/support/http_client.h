/* http_client.h — a small libcurl client for unit tests that talk to a real server on loopback. */
#ifndef CL_TEST_HTTP_CLIENT_H
#define CL_TEST_HTTP_CLIENT_H

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    long status;
    char *body;
    size_t len;
    char *headers; /* raw response header block */
    size_t hlen;
    int curl_rc;
} http_resp_t;

typedef struct {
    char *buf;
    size_t len;
} http_buf_t;

static size_t http_client_on_data(char *p, size_t size, size_t n, void *userdata)
{
    http_buf_t *b = userdata;
    size_t add = size * n;
    char *nb = realloc(b->buf, b->len + add + 1);
    if (!nb) {
        return 0;
    }
    memcpy(nb + b->len, p, add);
    b->len += add;
    nb[b->len] = '\0';
    b->buf = nb;
    return add;
}

/* Perform METHOD on URL with the NULL-terminated HEADERS ("Name: value") and BODY (may be NULL).
 * The body is returned as sent on the wire unless DECODE (then curl decodes gzip). */
static inline http_resp_t http_do(const char *method, const char *url, const char *const *headers,
                                  const char *body, size_t body_len, int decode)
{
    http_resp_t r = {0};
    http_buf_t b = {NULL, 0}, h = {NULL, 0};
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        hl = curl_slist_append(hl, headers[i]);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_client_on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_client_on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    if (decode) {
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    r.curl_rc = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    r.body = b.buf ? b.buf : calloc(1, 1);
    r.len = b.len;
    r.headers = h.buf ? h.buf : calloc(1, 1);
    r.hlen = h.len;
    return r;
}

static inline http_resp_t http_get(const char *url, const char *const *headers)
{
    return http_do("GET", url, headers, NULL, 0, 1);
}

/* The value of response header NAME (case-insensitive) copied into OUT, or "" when absent. */
static inline const char *http_header(const http_resp_t *r, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ') {
                v++;
            }
            size_t vlen = len - (size_t)(v - p);
            snprintf(out, cap, "%.*s", (int)vlen, v);
            return out;
        }
        p = eol ? eol + 2 : p + len;
    }
    return out;
}

static inline void http_resp_free(http_resp_t *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

#endif
