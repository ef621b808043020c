/* framefile.h — an insight frame (insights/frame.h) as a file: the report-ready form of one slice
 * that the ETL publishes with the snapshot (report/frames.h), so a report reads one small file
 * instead of scanning the slice's cubes.
 *
 * The file holds the frame exactly (every double's bits, the order of dimensions, values and
 * leaves), so a frame read back is the frame the reader would have built and every report on it is
 * the same byte for byte. Layout (host byte order, which the header records; after the header a
 * zlib stream, of stored blocks since 2026-12-04 and deflated before, both read alike): the catalog
 * fingerprint it was built for, weeks, measures, not-available flags, totals, pulse, dimensions
 * (name, parent, values with their parents, the cells of the measures each carries), leaf grains
 * (dimensions, measures, codes, sums). A file written for another catalog or reader plan (another
 * fingerprint) is refused as stale, never misread.
 *
 * Thread safety: reentrant. */
#ifndef CL_REPORT_FRAMEFILE_H
#define CL_REPORT_FRAMEFILE_H

#include <stdint.h>

#include "core/defs.h"
#include "core/err.h"
#include "insights/frame.h"

#define CL_FRAMEFILE_MAX_BYTES ((size_t)256 * 1024 * 1024)

/* Write F to PATH (created or replaced; not fsynced: the snapshot publish does that) for catalog
 * fingerprint FP. Returns 0, CL_EIO or CL_ENOMEM. */
CL_NODISCARD int cl_framefile_write(const char *path, const cl_frame_t *f, uint64_t fp,
                                    cl_err_t *err);

/* Read PATH into a new frame. Returns 0, CL_ENOTFOUND (no such file), CL_ECONFLICT (written for
 * another fingerprint than FP: stale), CL_EDATA (not a frame file, truncated, corrupt) or
 * CL_ENOMEM. *out is new: cl_frame_free(). */
CL_NODISCARD int cl_framefile_read(cl_frame_t **out, const char *path, uint64_t fp, cl_err_t *err);

#endif
