/* reader.h — one category × region of a snapshot, read with DuckDB into an insight frame
 * (src/insights/frame.h): weekly totals of every catalog measure, every breakdown dimension with
 * its hierarchy, the leaf grain for root-cause localisation and the market pulse.
 *
 * What it reads (docs/etl.md): sales_cube (country, category_l2, traffic_l1 → traffic_l2,
 * device_type, channel, customer_type; region → country for `all`), order_attrs_cube (payment
 * method, fulfilment, seller tier, promo flag, price band, device OS, city: the sales measures it
 * holds), marketing_cube (country, traffic_l1 → traffic_l2 → campaign; spend, impressions, clicks,
 * and two derived columns: paid_revenue / paid_orders = attributed sales of rows that had spend),
 * budget and market_pulse. One prepared statement per table and region mode: a single scan of
 * the slice's partition (hive pruning on region and category_l1, only the columns it needs), every
 * value bound: the snapshot path glob, category, region and weeks; the rows are summed in C
 * (report/tally.h) into every breakdown, the totals and the leaves of all four windows at once.
 * Column names come from the catalog (validated identifiers, quoted), never from a request.
 *
 * Report frames: a snapshot published with them (table report_frames, written by the ETL through
 * report/frames.h) holds every slice's frame as built here, so cl_reader_frame reads one file
 * (report/framefile.h) instead of scanning. A snapshot without them (published before they existed,
 * or by a run that did not make them) is scanned as described above; so is a slice whose frame was
 * built for another catalog or reader plan (the fingerprint differs) or is missing. The documents
 * are the same byte for byte either way.
 *
 * Measures the manifest lists as not available stay NaN (cl_frame_set_na). A table the snapshot
 * lacks (e.g. no market pulse feed) leaves its measures missing.
 * Thread safety: a reader belongs to one thread (it holds prepared statements of one connection).
 */
#ifndef CL_REPORT_READER_H
#define CL_REPORT_READER_H

#include "core/catalog.h"
#include "core/defs.h"
#include "core/err.h"
#include "insights/frame.h"
#include "report/manifest.h"
#include "warehouse/db.h"

#include <stdint.h>

#define CL_READER_FRAMES_TABLE "report_frames"

typedef struct cl_reader cl_reader_t;

/* Prepare the statements on DB (borrowed, must outlive the reader) for catalog CAT (borrowed).
 * Returns 0, CL_ECONFIG (a metric's table is not one the reader knows), CL_EQUERY or CL_ENOMEM.
 * *out is new: cl_reader_close(). */
CL_NODISCARD int cl_reader_open(cl_reader_t **out, cl_db_t *db, const cl_catalog_t *cat,
                                cl_err_t *err);
void cl_reader_close(cl_reader_t *r);

/* Read CATEGORY × REGION (NULL: every region) of the snapshot M into a new frame of M's weeks.
 * The caller has checked that the slice exists. Returns 0, CL_EQUERY, CL_EDATA (a row the frame
 * cannot hold) or CL_ENOMEM. *out is new: cl_frame_free(). */
CL_NODISCARD int cl_reader_frame(cl_frame_t **out, cl_reader_t *r, const cl_manifest_t *m,
                                 const char *category, const char *region, cl_err_t *err);

/* What a published frame must have been built for: the reader's plan (its SQL) and the catalog's
 * measures. */
uint64_t cl_reader_fingerprint(const cl_reader_t *r);

/* The frame file of CATEGORY (index) in REGION (index; -1: every region) of snapshot M:
 * M->dir/report_frames/region=R/category_l1=C/frame.bin, or .../all/category_l1=C/frame.bin.
 * Returns 0 or -1 when it does not fit CAP. */
int cl_reader_frame_path(char *out, size_t cap, const cl_manifest_t *m, long region, long category);

/* The ETL side (report/frames.h): every slice of M (each category in each region that has it, and
 * each category over every region) built with ONE scan per table over all of M's files, whose rows
 * are routed in C to one tally per slice, then written as frame files under M->dir. The frames are
 * exactly what cl_reader_frame would build by scanning each slice. *n_frames: files written.
 * Returns 0, CL_EQUERY, CL_EDATA, CL_EIO or CL_ENOMEM. */
CL_NODISCARD int cl_reader_build_frames(size_t *n_frames, cl_reader_t *r, const cl_manifest_t *m,
                                        cl_err_t *err);

#endif
