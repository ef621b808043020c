/* file.h — small, careful file helpers: whole-file reads with a size cap, atomic writes (write
 * aside, fsync, rename, fsync the directory), recursive mkdir and removal. Thread safety:
 * reentrant; no shared state. */
#ifndef CL_CORE_FILE_H
#define CL_CORE_FILE_H

#include <stddef.h>

#include "core/defs.h"
#include "core/err.h"

/* Read the whole file at PATH, refusing files larger than MAX bytes. The buffer is NUL-terminated.
 * Returns 0, CL_ENOTFOUND, CL_ETOOBIG or CL_EIO. *out is new: free(). */
CL_NODISCARD int cl_file_read_all(char **out, size_t *out_len, const char *path, size_t max,
                                  cl_err_t *err);

/* Write LEN bytes to PATH atomically: PATH.tmp.<pid>, fsync, rename over PATH, fsync the directory.
 * Readers see the old content or the new, never a mix. Returns 0 or CL_EIO. */
CL_NODISCARD int cl_file_write_atomic(const char *path, const void *data, size_t len,
                                      cl_err_t *err);

/* mkdir -p PATH with mode 0755. Returns 0 or CL_EIO. */
CL_NODISCARD int cl_file_mkdirs(const char *path, cl_err_t *err);

/* rm -rf PATH (no error if it does not exist). Returns 0 or CL_EIO. */
CL_NODISCARD int cl_file_remove_tree(const char *path, cl_err_t *err);

/* fsync the directory PATH so that renames inside it survive a crash. Returns 0 or CL_EIO. */
CL_NODISCARD int cl_file_sync_dir(const char *path, cl_err_t *err);

/* 1 if PATH exists (any type), else 0. */
int cl_file_exists(const char *path);

#endif
