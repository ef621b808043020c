/* strbuf.c — growable strings with a hard cap, so building text from request data fails cleanly
 * instead of growing without bound. */
#include "ai/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cl_strbuf_init(cl_strbuf_t *b)
{
    memset(b, 0, sizeof *b);
}

void cl_strbuf_dispose(cl_strbuf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int reserve(cl_strbuf_t *b, size_t extra)
{
    if (b->failed) {
        return -1;
    }
    if (extra > CL_STRBUF_MAX - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void cl_strbuf_append(cl_strbuf_t *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0) {
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cl_strbuf_puts(cl_strbuf_t *b, const char *s)
{
    cl_strbuf_append(b, s, strlen(s));
}

void cl_strbuf_putc(cl_strbuf_t *b, char c)
{
    cl_strbuf_append(b, &c, 1);
}

void cl_strbuf_printf(cl_strbuf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        cl_strbuf_append(b, small, (size_t)n);
        return;
    }
    if (reserve(b, (size_t)n) != 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int cl_strbuf_ok(const cl_strbuf_t *b)
{
    return !b->failed;
}

char *cl_strbuf_take(cl_strbuf_t *b)
{
    if (b->failed) {
        cl_strbuf_dispose(b);
        return NULL;
    }
    char *s = b->data ? b->data : calloc(1, 1);
    memset(b, 0, sizeof *b);
    return s;
}
