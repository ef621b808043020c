/* cookie.c — Cookie parsing and Set-Cookie formatting. The session cookie is the key to a user's
 * data, so the parser is written to be boring: bytes outside the RFC's cookie-octets make a pair
 * unusable, never reinterpreted. */
#include "http/cookie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int is_octet(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
           (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int cl_cookie_name_ok(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!is_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

int cl_cookie_value_ok(const char *s)
{
    if (!s) {
        return 0;
    }
    for (; *s; s++) {
        if (!is_octet((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

static int span_ok(const char *s, size_t n, int (*ok)(unsigned char))
{
    for (size_t i = 0; i < n; i++) {
        if (!ok((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static char *keep(cl_cookie_jar_t *jar, const char *s, size_t n)
{
    char *p = jar->buf + jar->used;
    memcpy(p, s, n);
    p[n] = '\0';
    jar->used += n + 1;
    return p;
}

static void add_pair(cl_cookie_jar_t *jar, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    for (size_t i = 0; i < jar->n; i++) {
        if (strlen(jar->items[i].name) == nlen && memcmp(jar->items[i].name, name, nlen) == 0) {
            if (strlen(jar->items[i].value) != vlen ||
                memcmp(jar->items[i].value, value, vlen) != 0) {
                jar->items[i].ambiguous = 1;
            }
            return;
        }
    }
    if (jar->n == CL_COOKIE_MAX) {
        return;
    }
    jar->items[jar->n].name = keep(jar, name, nlen);
    jar->items[jar->n].value = keep(jar, value, vlen);
    jar->items[jar->n].ambiguous = 0;
    jar->n++;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
        (*n)--;
    }
}

static void parse_pair(cl_cookie_jar_t *jar, const char *p, size_t n)
{
    const char *eq = memchr(p, '=', n);
    if (!eq) {
        return;
    }
    const char *name = p, *value = eq + 1;
    size_t nlen = (size_t)(eq - p), vlen = n - nlen - 1;
    trim(&name, &nlen);
    trim(&value, &vlen);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value++;
        vlen -= 2;
    }
    if (nlen == 0 || !span_ok(name, nlen, is_tchar) || !span_ok(value, vlen, is_octet)) {
        return;
    }
    add_pair(jar, name, nlen, value, vlen);
}

int cl_cookie_parse(cl_cookie_jar_t *jar, const char *header, cl_err_t *err)
{
    if (!header) {
        return 0;
    }
    size_t len = strlen(header);
    if (jar->used + len + 2 > jar->cap) {
        size_t cap = jar->used + len + 2 + 64;
        char *buf = malloc(cap);
        if (!buf) {
            return cl_err_set(err, CL_ENOMEM, "out of memory reading cookies");
        }
        /* move what is kept so far, fixing up pointers */
        if (jar->buf) {
            memcpy(buf, jar->buf, jar->used);
            for (size_t i = 0; i < jar->n; i++) {
                jar->items[i].name = buf + (jar->items[i].name - jar->buf);
                jar->items[i].value = buf + (jar->items[i].value - jar->buf);
            }
            free(jar->buf);
        }
        jar->buf = buf;
        jar->cap = cap;
    }
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && header[end] != ';') {
            end++;
        }
        parse_pair(jar, header + i, end - i);
        i = end + 1;
    }
    return 0;
}

const char *cl_cookie_get(const cl_cookie_jar_t *jar, const char *name)
{
    for (size_t i = 0; i < jar->n; i++) {
        if (strcmp(jar->items[i].name, name) == 0) {
            return jar->items[i].ambiguous ? NULL : jar->items[i].value;
        }
    }
    return NULL;
}

void cl_cookie_jar_dispose(cl_cookie_jar_t *jar)
{
    if (jar) {
        free(jar->buf);
        memset(jar, 0, sizeof *jar);
    }
}

int cl_cookie_format(char *out, size_t cap, const char *name, const char *value,
                     const cl_cookie_attrs_t *attrs, cl_err_t *err)
{
    if (!cl_cookie_name_ok(name) || !cl_cookie_value_ok(value)) {
        return cl_err_set(err, CL_EINVAL,
                          "cookie name or value has characters a cookie cannot carry");
    }
    static const char *const SAMESITE[] = {"Lax", "Strict", "None"};
    const char *path = attrs && attrs->path ? attrs->path : "/";
    if (!cl_cookie_value_ok(path)) {
        return cl_err_set(err, CL_EINVAL, "cookie path has characters a cookie cannot carry");
    }
    char age[48] = "";
    if (attrs && attrs->max_age != 0) {
        snprintf(age, sizeof age, "; Max-Age=%ld", attrs->max_age < 0 ? 0L : attrs->max_age);
    }
    int n = snprintf(out, cap, "%s=%s; Path=%s%s%s%s; SameSite=%s", name, value, path, age,
                     attrs && attrs->http_only ? "; HttpOnly" : "",
                     attrs && attrs->secure ? "; Secure" : "",
                     SAMESITE[attrs ? attrs->same_site : CL_COOKIE_SAMESITE_LAX]);
    if (n < 0 || (size_t)n >= cap) {
        return cl_err_set(err, CL_ETOOBIG, "cookie too long");
    }
    return 0;
}
