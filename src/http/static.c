/* static.c — the web UI's files. Two checks keep a request inside the root: the decoded path is
 * refused outright if it has any segment that could climb or hide (".", "..", ".git", "a\\b"), and
 * the file that is finally opened is resolved with realpath and must still lie under the root,
 * which also defeats symlinks placed inside it. */
#include "http/static.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/file.h"

int cl_static_path_ok(const char *path)
{
    if (!path || path[0] != '/') {
        return 0;
    }
    const char *seg = path + 1;
    for (;;) {
        size_t n = strcspn(seg, "/");
        if (n == 0 && seg[0] == '/') {
            return 0; /* "//" */
        }
        if (n > 0 && seg[0] == '.') {
            return 0; /* ".", "..", hidden files */
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)seg[i];
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
                return 0;
            }
        }
        if (seg[n] == '\0') {
            return 1;
        }
        seg += n + 1;
    }
}

static const struct {
    const char *ext, *type;
} TYPES[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
};

const char *cl_static_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (dot) {
        for (size_t i = 0; i < CL_ARRAY_LEN(TYPES); i++) {
            if (strcasecmp(dot + 1, TYPES[i].ext) == 0) {
                return TYPES[i].type;
            }
        }
    }
    return "application/octet-stream";
}

/* ROOT/PATH resolved, if it is a regular file under ROOT; a path ending in "/" means its
 * index.html. */
static int resolve(char out[PATH_MAX], const char *root, const char *path)
{
    char joined[PATH_MAX + 16];
    size_t n = strlen(path);
    int folder = n > 0 && path[n - 1] == '/';
    if (snprintf(joined, sizeof joined, "%s%s%s", root, path, folder ? "index.html" : "") >=
        (int)sizeof joined) {
        return CL_ENOTFOUND;
    }
    if (!realpath(joined, out)) {
        return CL_ENOTFOUND;
    }
    size_t rlen = strlen(root);
    if (strncmp(out, root, rlen) != 0 || out[rlen] != '/') {
        return CL_ENOTFOUND; /* a symlink that leads outside */
    }
    struct stat sb;
    if (stat(out, &sb) != 0) {
        return CL_ENOTFOUND;
    }
    return S_ISREG(sb.st_mode) ? 0 : CL_ENOTFOUND;
}

static int wants_html(cl_http_req_t *req, const char *path)
{
    const char *accept = cl_http_req_header(req, "Accept");
    const char *last = strrchr(path, '/');
    return accept && strstr(accept, "text/html") && !strchr(last ? last : path, '.');
}

int cl_static_serve(cl_http_req_t *req, const char *root, int spa, cl_err_t *err)
{
    const char *path = cl_http_req_path(req);
    char file[PATH_MAX];
    int rc = cl_static_path_ok(path) ? resolve(file, root, path) : CL_ENOTFOUND;
    if (rc != 0 && spa && cl_static_path_ok(path) && wants_html(req, path)) {
        rc = resolve(file, root, "/index.html");
    }
    if (rc != 0) {
        return cl_err_set(err, CL_ENOTFOUND, "no such page");
    }
    char *data = NULL;
    size_t len = 0;
    rc = cl_file_read_all(&data, &len, file, CL_STATIC_MAX_FILE, err);
    if (rc != 0) {
        return rc == CL_ENOTFOUND ? cl_err_set(err, CL_ENOTFOUND, "no such page") : rc;
    }
    int immutable = strncmp(path, "/assets/", 8) == 0;
    rc = cl_http_add_header(req, "Cache-Control",
                            immutable ? "public, max-age=31536000, immutable" : "no-cache", err);
    if (rc != 0) {
        free(data);
        return rc;
    }
    return cl_http_reply_owned(req, 200, cl_static_content_type(file), data, len, err);
}
