/* watermark.h — is the source complete for a week?
 *
 * Owns the completeness rule of a run: a source says, per table, the instant up to which it is
 * loaded (`loaded_through`), and a week is complete only when every table is loaded through the
 * week's Sunday 23:59:59 UTC. The statement comes either from the source's `_watermark.json`
 * (written by the platform that lands the data) or from the pipeline's `watermark` query (for
 * sources that carry no such file, e.g. a GA4 export: the pipeline decides from the data itself,
 * see docs/etl.md). Both become the same document, {"loaded_through": …, "tables": {name: instant
 * | {"loaded_through": instant}}}, judged by one function. It does not run queries: the runner
 * does, through the engine, and hands the rows here.
 *
 * Errors: CL_EPARTIAL (not complete, or completeness cannot be proven: the message names the first
 * lagging table and its missing days), CL_EINVAL (a bad week, or a watermark query whose rows lack
 * `source_table`), CL_ENOMEM. Thread safety: pure functions over their arguments. */
#ifndef CL_ETL_WATERMARK_H
#define CL_ETL_WATERMARK_H

#include <jansson.h>

#include "core/defs.h"
#include "core/err.h"

/* Judge the watermark document DOC (borrowed) against WEEK. ORIGIN names the document in messages
 * ("_watermark.json", "watermark query"). Returns 0 when every table is loaded through the week's
 * end, else CL_EPARTIAL. *out_missing (may be NULL) is new (json_decref), also on failure:
 * [{table, loaded_through, missing_days: [...]}] for each lagging table. */
CL_NODISCARD int cl_etl_watermark_eval(json_t **out_missing, const json_t *doc, const char *origin,
                                       const char *week, cl_err_t *err);

/* Check SOURCE_DIR/_watermark.json against WEEK: 0 when every table is loaded through the week's
 * Sunday 23:59:59 UTC, else CL_EPARTIAL naming the first lagging table and its missing days
 * (CL_EPARTIAL also when the file is missing or unreadable). *out_missing (may be NULL) as above;
 * *out_watermark (may be NULL) is the file's content, new. */
CL_NODISCARD int cl_etl_check_watermark(json_t **out_missing, json_t **out_watermark,
                                        const char *source_dir, const char *week, cl_err_t *err);

/* The watermark document of a pipeline's watermark query: ROWS (borrowed) are the query's rows,
 * [{"source_table": name, "loaded_through": instant or null}, …]; DESCRIPTION is the pipeline's
 * description of the rule. *out is new: {"method": "query", "description": …,
 * "loaded_through": the earliest instant, "tables": {name: {"loaded_through": …}}}. Returns 0,
 * CL_EPARTIAL (no rows: nothing proves the week complete) or CL_EINVAL (a row without
 * source_table). */
CL_NODISCARD int cl_etl_watermark_from_rows(json_t **out, const json_t *rows,
                                            const char *description, cl_err_t *err);

#endif
