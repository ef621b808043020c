/* journal.h — an append-only file of records that survives any crash of the process writing it,
 * for work that must not be lost but need not be done before a reply: a record is safe once it is
 * in the kernel's page cache of the file (one pwritev), and a consumer moves it into its real home
 * later (the audit log: store/audit.c).
 *
 * Owns: journal files `PREFIX.<16 hex digits>` — their creation (exclusive, mode 0600, the
 * directory entry synced), the record framing (length, CRC-32, payload), appends, reads that stop
 * at the first torn record, and the rule that tells a live journal from an orphan: its writer holds
 * an exclusive flock(2) on it for as long as the file is open, so the kernel drops the lock when
 * the process dies, however it dies. A file that can be locked is an orphan; one that cannot
 * belongs to a live process (another `catlens app` on the same state folder) and is left alone.
 *
 * Durability: an appended record survives SIGKILL, abort and out-of-memory kills (the page cache
 * outlives the process). A power loss or kernel crash may lose what was appended since the last
 * cl_journal_sync(); what a crash cut short is a torn last record, which readers drop — its
 * append never returned, so nobody was told it was written.
 *
 * Errors: CL_EIO (the file system; the message says which call), CL_EINVAL (a record larger than
 * CL_JOURNAL_RECORD_MAX), CL_ENOMEM. Thread safety: cl_journal_append, cl_journal_end and
 * cl_journal_sync may be called from any thread at once; close is the owner's, once no one appends.
 */
#ifndef CL_STORE_JOURNAL_H
#define CL_STORE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"

typedef struct cl_journal cl_journal_t;

/* The largest payload of one record: a reader treats a frame claiming more as corrupt. */
#define CL_JOURNAL_RECORD_MAX (1u << 20)

/* Create a new, empty journal `PREFIX.<random>`, locked for this process, its name on disk.
 * *out is new: cl_journal_close(). */
CL_NODISCARD int cl_journal_create(cl_journal_t **out, const char *prefix, cl_err_t *err);

/* Append one record (LEN ≤ CL_JOURNAL_RECORD_MAX). Returns 0 once it is in the page cache. When the
 * file system refuses part of it (disk full), the file is cut back to where the record began, so
 * no torn record is ever followed by another, and CL_EIO is returned; if even that fails, the
 * journal refuses every later append (CL_EIO). */
CL_NODISCARD int cl_journal_append(cl_journal_t *j, const void *rec, size_t len, cl_err_t *err);

/* Bytes of complete records appended so far: a reader may read up to here. */
uint64_t cl_journal_end(cl_journal_t *j);

/* fdatasync the file: every record appended before the call survives a power loss. */
CL_NODISCARD int cl_journal_sync(cl_journal_t *j, cl_err_t *err);

const char *cl_journal_path(const cl_journal_t *j);
int cl_journal_fd(const cl_journal_t *j); /* for cl_journal_read */

/* Close J, dropping its lock; with REMOVE, the file is deleted first (while still locked). */
void cl_journal_close(cl_journal_t *j, int remove);

/* Read the intact records of the journal open as FD, from byte OFFSET (a record boundary) to LIMIT
 * (exclusive; UINT64_MAX: the file's end) or until MAX_BYTES have been read, calling
 * ON_RECORD(CTX, payload, len) for each in order; a non-zero return stops the read and is returned.
 * *NEXT is the offset after the last record passed on. *TORN is set when the read stopped at a
 * record that is cut short or fails its CRC (a crash ended the file there): the caller decides
 * whether that is the expected end of an orphan or damage. */
CL_NODISCARD int cl_journal_read(int fd, uint64_t offset, uint64_t limit, size_t max_bytes,
                                 int (*on_record)(void *ctx, const void *rec, size_t len),
                                 void *ctx, uint64_t *next, int *torn, cl_err_t *err);

/* Call ON_ORPHAN(CTX, path, name, fd) for every journal `PREFIX.*` that no live process holds, with
 * the file open read-write and locked by this process (name: its last path component). The
 * callback may read it and unlink it; the descriptor is closed (the lock dropped) when it returns.
 * A non-zero return stops the walk and is returned. A missing folder is no journal at all. */
CL_NODISCARD int cl_journal_orphans(const char *prefix,
                                    int (*on_orphan)(void *ctx, const char *path, const char *name,
                                                     int fd),
                                    void *ctx, cl_err_t *err);

#endif
