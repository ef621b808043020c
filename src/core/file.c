/* file.c — the file-system operations whose failure modes matter: snapshots and state files must
 * never be seen half-written, so every write that others read goes through cl_file_write_atomic. */
#define _GNU_SOURCE
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cl_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cl_file_read_all(char **out, size_t *out_len, const char *path, size_t max, cl_err_t *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int code = errno == ENOENT ? CL_ENOTFOUND : CL_EIO;
        return cl_err_set(err, code, "%s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cl_err_set(err, CL_EIO, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return cl_err_set(err, CL_ETOOBIG, "%s: larger than %zu bytes", path, max);
    }
    size_t cap = (size_t)st.st_size;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return cl_err_set(err, CL_ENOMEM, "%s: out of memory", path);
    }
    size_t len = 0;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; /* the file shrank under us: take what is there */
        }
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

int cl_file_sync_dir(const char *path, cl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return cl_err_set(err, CL_EIO, "%s: %s", path, strerror(errno));
    }
    int rc = fsync(fd);
    close(fd);
    if (rc != 0) {
        return cl_err_set(err, CL_EIO, "fsync %s: %s", path, strerror(errno));
    }
    return 0;
}

static int write_fully(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int cl_file_write_atomic(const char *path, const void *data, size_t len, cl_err_t *err)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
        return cl_err_set(err, CL_EIO, "path too long");
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return cl_err_set(err, CL_EIO, "%s: %s", tmp, strerror(errno));
    }
    if (write_fully(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return cl_err_set(err, CL_EIO, "%s: %s", tmp, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cl_err_set(err, CL_EIO, "rename to %s: %s", path, strerror(e));
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    return cl_file_sync_dir(dirname(dir), err);
}

int cl_file_mkdirs(const char *path, cl_err_t *err)
{
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
        return cl_err_set(err, CL_EIO, "path too long");
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return cl_err_set(err, CL_EIO, "mkdir %s: %s", buf, strerror(errno));
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return cl_err_set(err, CL_EIO, "mkdir %s: %s", buf, strerror(errno));
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int cl_file_remove_tree(const char *path, cl_err_t *err)
{
    if (!cl_file_exists(path)) {
        return 0;
    }
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        return cl_err_set(err, CL_EIO, "remove %s: %s", path, strerror(errno));
    }
    return 0;
}
