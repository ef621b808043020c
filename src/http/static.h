/* static.h — serving the built web UI from a folder, and the path rules that keep requests inside
 * it.
 *
 * Owns: mapping a decoded request path to a file under the root (refusing dot segments,
 * backslashes, empty segments, hidden files and anything that resolves — through symlinks too —
 * outside the root), the content type by extension, cache headers (hashed assets under /assets/ are
 * immutable, everything else revalidates), and the single-page-app fallback to index.html for
 * browser navigations. Files are read whole (capped) and replied through the server, so they get
 * gzip and the security headers like any response.
 *
 * Errors: CL_ENOTFOUND (no such file, or a path that is refused: the client learns nothing about
 * what exists outside the root), CL_ETOOBIG, CL_EIO. Thread safety: reentrant. */
#ifndef CL_HTTP_STATIC_H
#define CL_HTTP_STATIC_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"
#include "http/http.h"

#define CL_STATIC_MAX_FILE (16u << 20)

/* 1 if the decoded request PATH is acceptable for static lookup: starts with '/', no "." or ".."
 * segment, no empty segment (but a trailing '/'), no segment starting with '.', no backslash, no
 * control character; else 0. */
int cl_static_path_ok(const char *path);

/* The content type for a file name, by extension ("application/octet-stream" when unknown). */
const char *cl_static_content_type(const char *name);

/* Serve PATH of REQ from ROOT (an absolute, resolved folder path). a path ending in "/" serves its
 * index.html. When the file does not exist and SPA is set, a request whose Accept includes
 * text/html and whose last segment has no '.' gets ROOT/index.html. Returns 0 (replied) or an
 * error. */
CL_NODISCARD int cl_static_serve(cl_http_req_t *req, const char *root, int spa, cl_err_t *err);

#endif
