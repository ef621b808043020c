/* gzip.h — gzip bodies (zlib) and Accept-Encoding negotiation.
 *
 * Owns: compressing and decompressing whole buffers in the gzip format (RFC 1952) and deciding from
 * an Accept-Encoding header whether a client takes gzip. Used for dynamic responses, static files
 * and cached reports that are stored pre-compressed. Thread safety: reentrant, no shared state. */
#ifndef CL_HTTP_GZIP_H
#define CL_HTTP_GZIP_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

/* Compress LEN bytes of IN at LEVEL (1 fastest … 9 smallest; 0 means 6). *out is new: free().
 * Returns 0 or CL_ENOMEM. */
CL_NODISCARD int cl_gzip_compress(char **out, size_t *out_len, const void *in, size_t len,
                                  int level, cl_err_t *err);

/* Decompress the gzip member IN (LEN bytes), refusing output larger than MAX bytes. The result is
 * NUL-terminated (not counted in *out_len). *out is new: free(). Returns 0, CL_EINVAL (not gzip,
 * corrupt or truncated), CL_ETOOBIG or CL_ENOMEM. */
CL_NODISCARD int cl_gzip_decompress(char **out, size_t *out_len, const void *in, size_t len,
                                    size_t max, cl_err_t *err);

/* 1 if the Accept-Encoding value HEADER (may be NULL) accepts gzip: "gzip" or "x-gzip" with q > 0,
 * or "*" with q > 0 when gzip is not refused by name; else 0. */
int cl_gzip_accepted(const char *header);

#endif
