/* query.c — the request-target parser. libmicrohttpd decodes targets leniently (an escaped NUL
 * silently truncates a value, duplicates are kept), so the HTTP layer reads the raw target itself
 * and applies one strict rule set. */
#include "http/query.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            extra = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + extra >= n) {
            return 0;
        }
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += extra + 1;
    }
    return 1;
}

int cl_query_decode(char *out, size_t *out_len, const char *in, size_t len, int plus_is_space,
                    cl_err_t *err)
{
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval((unsigned char)in[i + 1]) : -1;
            int lo = i + 2 < len ? hexval((unsigned char)in[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return cl_err_set(err, CL_EINVAL, "bad percent-escape in the request target");
            }
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) {
            return cl_err_set(err, CL_EINVAL, "control character in the request target");
        }
        out[j++] = (char)c;
    }
    out[j] = '\0';
    if (!utf8_valid((const unsigned char *)out, j)) {
        return cl_err_set(err, CL_EINVAL, "the request target is not valid UTF-8");
    }
    *out_len = j;
    return 0;
}

/* Decode every pair of QS into q->buf starting at *pos. */
static int parse_pairs(cl_query_t *q, size_t *pos, const char *qs, size_t len, cl_err_t *err)
{
    size_t i = 0;
    while (i <= len) {
        size_t end = i;
        while (end < len && qs[end] != '&') {
            end++;
        }
        if (end > i) {
            const char *eq = memchr(qs + i, '=', end - i);
            size_t nlen = eq ? (size_t)(eq - (qs + i)) : end - i;
            if (q->n_params == CL_QUERY_MAX_PARAMS) {
                return cl_err_set(err, CL_ETOOBIG, "more than %d query parameters",
                                  CL_QUERY_MAX_PARAMS);
            }
            size_t got = 0;
            char *name = q->buf + *pos;
            int rc = cl_query_decode(name, &got, qs + i, nlen, 1, err);
            if (rc != 0) {
                return rc;
            }
            *pos += got + 1;
            char *value = q->buf + *pos;
            size_t vstart = eq ? nlen + 1 : nlen;
            rc = cl_query_decode(value, &got, qs + i + vstart, end - i - vstart, 1, err);
            if (rc != 0) {
                return rc;
            }
            *pos += got + 1;
            if (cl_query_get(q, name)) {
                return cl_err_set(err, CL_EINVAL, "query parameter '%.40s' is given more than once",
                                  name);
            }
            q->params[q->n_params++] = (cl_query_param_t){name, value};
        }
        i = end + 1;
    }
    return 0;
}

static int parse(cl_query_t *out, const char *path, size_t plen, const char *qs, size_t qlen,
                 cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    /* decoding never grows a string; each string gets its NUL, each pair two */
    out->buf = malloc(plen + 1 + 2 * qlen + 2);
    if (!out->buf) {
        return cl_err_set(err, CL_ENOMEM, "out of memory parsing the request target");
    }
    size_t pos = 0;
    int rc = 0;
    if (path) {
        size_t got = 0;
        rc = cl_query_decode(out->buf, &got, path, plen, 0, err);
        out->path = out->buf;
        pos = got + 1;
    }
    rc = rc ? rc : parse_pairs(out, &pos, qs, qlen, err);
    if (rc != 0) {
        cl_query_dispose(out);
    }
    return rc;
}

int cl_query_parse_target(cl_query_t *out, const char *target, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!target || target[0] != '/') {
        return cl_err_set(err, CL_EINVAL, "the request target must be a path starting with '/'");
    }
    if (strchr(target, '#')) {
        return cl_err_set(err, CL_EINVAL, "the request target must not hold a fragment");
    }
    const char *q = strchr(target, '?');
    size_t plen = q ? (size_t)(q - target) : strlen(target);
    const char *qs = q ? q + 1 : "";
    return parse(out, target, plen, qs, strlen(qs), err);
}

int cl_query_parse(cl_query_t *out, const char *qs, size_t len, cl_err_t *err)
{
    return parse(out, NULL, 0, qs, len, err);
}

const char *cl_query_get(const cl_query_t *q, const char *name)
{
    for (size_t i = 0; i < q->n_params; i++) {
        if (strcmp(q->params[i].name, name) == 0) {
            return q->params[i].value;
        }
    }
    return NULL;
}

void cl_query_dispose(cl_query_t *q)
{
    if (q) {
        free(q->buf);
        memset(q, 0, sizeof *q);
    }
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static size_t encoded_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += unreserved(*p) ? 1 : 3;
    }
    return n;
}

static char *encode(char *out, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (unreserved(*p)) {
            *out++ = (char)*p;
        } else {
            *out++ = '%';
            *out++ = HEX[*p >> 4];
            *out++ = HEX[*p & 15];
        }
    }
    return out;
}

int cl_query_append(char *out, size_t cap, const char *name, const char *value, cl_err_t *err)
{
    size_t start = strlen(out);
    size_t need = start + (start > 0) + encoded_len(name) + 1 + encoded_len(value) + 1;
    if (need > cap) {
        return cl_err_set(err, CL_ETOOBIG, "query string too long");
    }
    char *p = out + start;
    if (start > 0) {
        *p++ = '&';
    }
    p = encode(p, name);
    *p++ = '=';
    p = encode(p, value);
    *p = '\0';
    return 0;
}
