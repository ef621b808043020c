/* gzip.c — whole-buffer gzip with zlib. Reports are a few tens of KB of JSON that compress about
 * tenfold, so both the network and the cache (which keeps reports compressed) gain from it. */
#include "http/gzip.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define GZIP_WINDOW (15 + 16) /* windowBits + 16: gzip wrapper instead of zlib's */

int cl_gzip_compress(char **out, size_t *out_len, const void *in, size_t len, int level,
                     cl_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level > 0 ? level : 6, Z_DEFLATED, GZIP_WINDOW, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return cl_err_set(err, CL_ENOMEM, "cannot start gzip");
    }
    uLong cap = deflateBound(&zs, (uLong)len) + 32;
    char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&zs);
        return cl_err_set(err, CL_ENOMEM, "out of memory compressing %zu bytes", len);
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        return cl_err_set(err, CL_ENOMEM, "gzip failed");
    }
    *out = buf;
    *out_len = n;
    return 0;
}

int cl_gzip_decompress(char **out, size_t *out_len, const void *in, size_t len, size_t max,
                       cl_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, GZIP_WINDOW) != Z_OK) {
        return cl_err_set(err, CL_ENOMEM, "cannot start gunzip");
    }
    size_t cap = len * 4 + 256 < max + 1 ? len * 4 + 256 : max + 1;
    char *buf = malloc(cap + 1);
    int rc = buf ? Z_OK : Z_MEM_ERROR;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    while (rc == Z_OK) {
        if (zs.total_out == cap) {
            if (cap > max) {
                rc = Z_BUF_ERROR;
                break;
            }
            size_t ncap = cap * 2 < max + 1 ? cap * 2 : max + 1;
            char *nbuf = realloc(buf, ncap + 1);
            if (!nbuf) {
                rc = Z_MEM_ERROR;
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        zs.next_out = (Bytef *)buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            break; /* input ended before the stream did */
        }
        if (rc == Z_BUF_ERROR) {
            rc = Z_OK; /* output full: grow and go on */
        }
    }
    size_t n = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        if (rc == Z_MEM_ERROR) {
            return cl_err_set(err, CL_ENOMEM, "out of memory decompressing");
        }
        if (n > max) {
            return cl_err_set(err, CL_ETOOBIG, "gzip body expands beyond %zu bytes", max);
        }
        return cl_err_set(err, CL_EINVAL, "not a valid gzip body");
    }
    if (n > max) {
        free(buf);
        return cl_err_set(err, CL_ETOOBIG, "gzip body expands beyond %zu bytes", max);
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

/* q-value of one list element's parameters ("q=0.5"); 1 when absent. */
static double qvalue(const char *params, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
            char tmp[16];
            size_t k = 0;
            for (size_t j = i + 2; j < n && k + 1 < sizeof tmp &&
                                   (isdigit((unsigned char)params[j]) || params[j] == '.');
                 j++) {
                tmp[k++] = params[j];
            }
            tmp[k] = '\0';
            return k ? strtod(tmp, NULL) : 0.0;
        }
    }
    return 1.0;
}

int cl_gzip_accepted(const char *header)
{
    if (!header) {
        return 0;
    }
    double gzip_q = -1, star_q = -1;
    const char *p = header;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *tok = p;
        while (tok < p + n && (*tok == ' ' || *tok == '\t')) {
            tok++;
        }
        size_t tlen = strcspn(tok, ";, \t");
        if (tlen > (size_t)(p + n - tok)) {
            tlen = (size_t)(p + n - tok);
        }
        double q = qvalue(tok + tlen, (size_t)(p + n - (tok + tlen)));
        if ((tlen == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (tlen == 6 && strncasecmp(tok, "x-gzip", 6) == 0)) {
            gzip_q = q;
        } else if (tlen == 1 && *tok == '*') {
            star_q = q;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
    if (gzip_q >= 0) {
        return gzip_q > 0;
    }
    return star_q > 0;
}
