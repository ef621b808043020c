/* snapshot.c — a report for a week must be reproducible later with the same numbers, so a
 * snapshot is either wholly there or absent (write aside, fsync, one rename), never edited after
 * it appears, and named by its content so a re-run of the same week cannot fork history. */
#define _GNU_SOURCE
#include "etl/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "core/file.h"

void cl_snapshot_utc_stamp(char out[32], long long now)
{
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int path_join(char *out, size_t cap, cl_err_t *err, const char *a, const char *b)
{
    int w = snprintf(out, cap, "%s/%s", a, b);
    if (w < 0 || (size_t)w >= cap) {
        return cl_err_set(err, CL_EINVAL, "path too long under %s", a);
    }
    return 0;
}

int cl_snapshot_lock(int *out_fd, const char *warehouse, cl_err_t *err)
{
    char path[CL_SNAPSHOT_PATH_MAX];
    *out_fd = -1;
    int rc = cl_file_mkdirs(warehouse, err);
    rc = rc ? rc : path_join(path, sizeof path, err, warehouse, ".lock");
    if (rc != 0) {
        return rc;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return cl_err_set(err, CL_EIO, "%s: %s", path, strerror(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return cl_err_set(err, CL_ECONFLICT, "another catlens etl is writing %s", warehouse);
    }
    /* holding the lock, nothing else stages: whatever is in .tmp was left by a crash */
    rc = path_join(path, sizeof path, err, warehouse, ".tmp");
    rc = rc ? rc : cl_file_remove_tree(path, err);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *out_fd = fd;
    return 0;
}

void cl_snapshot_unlock(int fd)
{
    if (fd >= 0) {
        close(fd); /* releases the flock */
    }
}

int cl_snapshot_stage(char *out, size_t cap, const char *warehouse, const char *week, cl_err_t *err)
{
    int w = snprintf(out, cap, "%s/.tmp/%s.%ld", warehouse, week, (long)getpid());
    if (w < 0 || (size_t)w >= cap) {
        return cl_err_set(err, CL_EINVAL, "warehouse path too long");
    }
    int rc = cl_file_remove_tree(out, err);
    return rc ? rc : cl_file_mkdirs(out, err);
}

int cl_snapshot_sha256_file(char out[65], const char *path, int sync, cl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return cl_err_set(err, CL_EIO, "%s: %s", path, strerror(errno));
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1
                 ? 0
                 : cl_err_set(err, CL_ENOMEM, "sha256: cannot start");
    unsigned char buf[65536];
    for (ssize_t n; rc == 0 && (n = read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
            rc = cl_err_set(err, CL_EIO, "%s: read failed", path);
        }
    }
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (rc == 0 && EVP_DigestFinal_ex(md, dig, &dlen) != 1) {
        rc = cl_err_set(err, CL_EIO, "sha256: cannot finish");
    }
    if (rc == 0 && sync && fsync(fd) != 0) {
        rc = cl_err_set(err, CL_EIO, "fsync %s: %s", path, strerror(errno));
    }
    for (unsigned int i = 0; rc == 0 && i < dlen && i < 32; i++) {
        snprintf(out + (size_t)2 * i, 3, "%02x", dig[i]);
    }
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}

/* The files of a staged snapshot, relative to its root, collected by nftw (which has no payload
 * argument, hence the file-local state; publishing is single-threaded under the lock). */
static struct {
    size_t root_len;
    char **paths;
    size_t n, cap;
    int failed;
} walk;

static int on_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F) {
        return 0;
    }
    if (walk.n == walk.cap) {
        size_t cap = walk.cap ? walk.cap * 2 : 64;
        char **grown = realloc(walk.paths, cap * sizeof *grown);
        if (!grown) {
            walk.failed = 1;
            return 1;
        }
        walk.paths = grown;
        walk.cap = cap;
    }
    walk.paths[walk.n] = strdup(path + walk.root_len + 1);
    if (!walk.paths[walk.n]) {
        walk.failed = 1;
        return 1;
    }
    walk.n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_free(void)
{
    for (size_t i = 0; i < walk.n; i++) {
        free(walk.paths[i]);
    }
    free(walk.paths);
    memset(&walk, 0, sizeof walk);
}

/* fsync and make read-only every directory below ROOT (files are done while hashing). */
static int on_dir_sync(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP) {
        return cl_file_sync_dir(path, NULL) != 0;
    }
    if (type == FTW_F) {
        return chmod(path, 0444) != 0;
    }
    return 0;
}

/* Hash every staged file into MANIFEST.tables.<table>.files and fill IDSRC with the id input. */
static int hash_files(json_t *manifest, json_t *idsrc, const char *staging, cl_err_t *err)
{
    memset(&walk, 0, sizeof walk);
    walk.root_len = strlen(staging);
    if (nftw(staging, on_entry, 32, FTW_PHYS) != 0 || walk.failed) {
        walk_free();
        return cl_err_set(err, CL_EIO, "cannot list %s", staging);
    }
    if (walk.n > 1) { /* an empty folder has no list at all, and qsort must not see NULL */
        qsort(walk.paths, walk.n, sizeof *walk.paths, cmp_str);
    }
    json_t *tables = json_object_get(manifest, "tables");
    json_t *idfiles = json_array();
    json_object_set_new(idsrc, "files", idfiles);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < walk.n; i++) {
        char full[CL_SNAPSHOT_PATH_MAX], sha[65];
        struct stat st;
        rc = path_join(full, sizeof full, err, staging, walk.paths[i]);
        rc = rc ? rc : cl_snapshot_sha256_file(sha, full, 1, err);
        if (rc == 0 && stat(full, &st) != 0) {
            rc = cl_err_set(err, CL_EIO, "%s: %s", full, strerror(errno));
        }
        if (rc != 0) {
            break;
        }
        char table[256];
        snprintf(table, sizeof table, "%.*s", (int)strcspn(walk.paths[i], "/"), walk.paths[i]);
        json_t *t = json_object_get(tables, table);
        if (!t) {
            t = json_object();
            json_object_set_new(tables, table, t);
        }
        json_t *files = json_object_get(t, "files");
        if (!files) {
            files = json_array();
            json_object_set_new(t, "files", files);
        }
        json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", walk.paths[i], "bytes",
                                               (json_int_t)st.st_size, "sha256", sha));
        json_array_append_new(idfiles, json_pack("[s,s]", walk.paths[i], sha));
    }
    walk_free();
    return rc;
}

/* The content id: week + first 16 hex digits of sha256 over the canonical JSON of IDSRC. */
static int content_id(char out[CL_SNAPSHOT_ID_MAX], const char *week, json_t *idsrc, cl_err_t *err)
{
    char *text = json_dumps(idsrc, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (!text || EVP_Digest(text, strlen(text), dig, &dlen, EVP_sha256(), NULL) != 1) {
        free(text);
        return cl_err_set(err, CL_ENOMEM, "cannot compute the snapshot id");
    }
    free(text);
    int w = snprintf(out, CL_SNAPSHOT_ID_MAX, "%s.", week);
    for (unsigned int i = 0; i < 8; i++) {
        w += snprintf(out + w, (size_t)(CL_SNAPSHOT_ID_MAX - w), "%02x", dig[i]);
    }
    return 0;
}

/* Point WAREHOUSE/current/<week> at snapshots/<week>/<id>: a new symlink renamed over the old. */
static int point_current(const char *warehouse, const char *week, const char *id, cl_err_t *err)
{
    char dir[CL_SNAPSHOT_PATH_MAX], tmp[CL_SNAPSHOT_PATH_MAX], link[CL_SNAPSHOT_PATH_MAX];
    char target[256];
    int rc = path_join(dir, sizeof dir, err, warehouse, "current");
    rc = rc ? rc : cl_file_mkdirs(dir, err);
    if (rc != 0) {
        return rc;
    }
    snprintf(target, sizeof target, "../snapshots/%s/%s", week, id);
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld", dir, week, (long)getpid());
    snprintf(link, sizeof link, "%s/%s", dir, week);
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
        unlink(tmp);
        return cl_err_set(err, CL_EIO, "cannot point %s at %s: %s", link, id, strerror(errno));
    }
    return cl_file_sync_dir(dir, err);
}

static int install(cl_snapshot_info_t *out, const char *staging, const char *week_dir,
                   cl_err_t *err)
{
    char manifest[CL_SNAPSHOT_PATH_MAX];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", out->dir);
    if (cl_file_exists(manifest)) {
        out->unchanged = 1; /* same content, already published: keep the original untouched */
        return cl_file_remove_tree(staging, err);
    }
    if (nftw(staging, on_dir_sync, 32, FTW_PHYS | FTW_DEPTH) != 0) {
        return cl_err_set(err, CL_EIO, "cannot sync %s", staging);
    }
    if (cl_file_mkdirs(week_dir, err) != 0) {
        return CL_EIO;
    }
    if (cl_file_exists(out->dir)) {
        /* a folder without a manifest cannot be a published snapshot: a crash mid-rename */
        int rc = cl_file_remove_tree(out->dir, err);
        if (rc != 0) {
            return rc;
        }
    }
    if (rename(staging, out->dir) != 0) {
        return cl_err_set(err, CL_EIO, "cannot publish %s: %s", out->dir, strerror(errno));
    }
    return cl_file_sync_dir(week_dir, err);
}

int cl_snapshot_publish(cl_snapshot_info_t *out, const char *warehouse, const char *week,
                        const char *staging, json_t *manifest, cl_err_t *err)
{
    memset(out, 0, sizeof *out);
    json_t *pipeline = json_object_get(manifest, "pipeline");
    json_t *idsrc = json_pack("{s:s, s:O, s:O}", "week", week, "pipeline", pipeline,
                              "history_weeks", json_object_get(manifest, "history_weeks"));
    if (!idsrc) {
        return cl_err_set(err, CL_ENOMEM, "out of memory");
    }
    int rc = hash_files(manifest, idsrc, staging, err);
    rc = rc ? rc : content_id(out->id, week, idsrc, err);
    json_decref(idsrc);
    if (rc != 0) {
        return rc;
    }
    char stamp[32], path[CL_SNAPSHOT_PATH_MAX], week_dir[CL_SNAPSHOT_PATH_MAX];
    cl_snapshot_utc_stamp(stamp, (long long)time(NULL));
    json_object_set_new(manifest, "snapshot_id", json_string(out->id));
    json_object_set_new(manifest, "status", json_string("complete"));
    json_object_set_new(manifest, "created_at", json_string(stamp));
    char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_SORT_KEYS);
    rc = text ? path_join(path, sizeof path, err, staging, "manifest.json")
              : cl_err_set(err, CL_ENOMEM, "out of memory");
    rc = rc ? rc : cl_file_write_atomic(path, text, strlen(text), err);
    free(text);
    if (rc != 0) {
        return rc;
    }
    int w = snprintf(week_dir, sizeof week_dir, "%s/snapshots/%s", warehouse, week);
    int w2 = snprintf(out->dir, sizeof out->dir, "%s/%s", week_dir, out->id);
    if (w < 0 || w2 < 0 || (size_t)w2 >= sizeof out->dir) {
        return cl_err_set(err, CL_EINVAL, "warehouse path too long");
    }
    rc = install(out, staging, week_dir, err);
    rc = rc ? rc : point_current(warehouse, week, out->id, err);
    json_t *tables = json_object_get(manifest, "tables");
    const char *k;
    json_t *t;
    json_object_foreach(tables, k, t)
    {
        out->files += json_array_size(json_object_get(t, "files"));
    }
    return rc;
}

int cl_snapshot_record_run(char *out, size_t cap, const char *warehouse, const char *week,
                           json_t *record, cl_err_t *err)
{
    char dir[CL_SNAPSHOT_PATH_MAX], path[CL_SNAPSHOT_PATH_MAX], stamp[32];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cl_snapshot_utc_stamp(stamp, (long long)ts.tv_sec);
    int w = snprintf(dir, sizeof dir, "%s/runs/%s", warehouse, week);
    if (w < 0 || (size_t)w >= sizeof dir) {
        return cl_err_set(err, CL_EINVAL, "warehouse path too long");
    }
    stamp[strlen(stamp) - 1] = '\0'; /* drop Z; the file name adds milliseconds */
    snprintf(path, sizeof path, "%s/%s.%03ldZ-%ld.json", dir, stamp, ts.tv_nsec / 1000000,
             (long)getpid());
    char *text = json_dumps(record, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = text ? cl_file_mkdirs(dir, err) : cl_err_set(err, CL_ENOMEM, "out of memory");
    rc = rc ? rc : cl_file_write_atomic(path, text, strlen(text), err);
    free(text);
    if (rc == 0 && out) {
        snprintf(out, cap, "%s", path);
    }
    return rc;
}

int cl_snapshot_resolve(char **out, const char *warehouse, const char *week, cl_err_t *err)
{
    char link[CL_SNAPSHOT_PATH_MAX];
    *out = NULL;
    int w = snprintf(link, sizeof link, "%s/current/%s", warehouse, week);
    if (w < 0 || (size_t)w >= sizeof link) {
        return cl_err_set(err, CL_EINVAL, "warehouse path too long");
    }
    char *real = realpath(link, NULL);
    if (!real) {
        return cl_err_set(err, CL_ENOTFOUND, "no published snapshot for %s in %s", week, warehouse);
    }
    *out = real;
    return 0;
}
