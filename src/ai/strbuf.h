/* strbuf.h — a growable, NUL-terminated byte string for building prompts, encodings and rendered
 * text.
 *
 * Owns: its heap buffer. Capped: appends that would pass CL_STRBUF_MAX fail (the string is then
 * marked failed and later appends are ignored), so hostile input can never grow a buffer without
 * bound; check cl_strbuf_ok() once at the end. Thread safety: single-thread, like every object
 * unless said otherwise. */
#ifndef CL_AI_STRBUF_H
#define CL_AI_STRBUF_H

#include <stddef.h>

#include "core/defs.h"

#define CL_STRBUF_MAX ((size_t)16 * 1024 * 1024)

typedef struct {
    char *data; /* NUL-terminated when len > 0 or after any append; NULL before */
    size_t len;
    size_t cap;
    int failed; /* out of memory or over the cap */
} cl_strbuf_t;

void cl_strbuf_init(cl_strbuf_t *b);
void cl_strbuf_dispose(cl_strbuf_t *b);

void cl_strbuf_append(cl_strbuf_t *b, const char *s, size_t n);
void cl_strbuf_puts(cl_strbuf_t *b, const char *s);
void cl_strbuf_putc(cl_strbuf_t *b, char c);
void cl_strbuf_printf(cl_strbuf_t *b, const char *fmt, ...) CL_PRINTF(2, 3);

/* 1 unless an append failed. */
int cl_strbuf_ok(const cl_strbuf_t *b);

/* Hand the string over: returns it (never NULL when ok: "" for an empty string) and resets B. The
 * caller frees it with free(). Returns NULL (and disposes B) when an append failed. */
char *cl_strbuf_take(cl_strbuf_t *b);

#endif
