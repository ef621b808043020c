/* tmpdir.h — per-test scratch folders for unit tests: a fresh folder under $TMPDIR, removed
 * afterwards. */
#ifndef CL_TEST_TMPDIR_H
#define CL_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"

static inline void tmpdir_make(char out[256])
{
    const char *base = getenv("TMPDIR");
    snprintf(out, 256, "%s/catlens-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(out)) {
        abort();
    }
}

static inline void tmpdir_remove(const char *dir)
{
    if (cl_file_remove_tree(dir, NULL) != 0) {
        abort();
    }
}

/* Write TEXT to DIR/NAME (creating DIR/ subfolders of NAME). */
static inline void tmpdir_write(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char parent[512];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    *slash = '\0';
    if (cl_file_mkdirs(parent, NULL) != 0) {
        abort();
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        abort();
    }
    fputs(text, f);
    fclose(f);
}

#endif
