/* demo_gen.h — generates one ISO week of demo source data: daily sessions per cell, the orders
 * those sessions convert into with their lines, and the marketing spend that bought the paid
 * sessions; then writes the week's Parquet files.
 *
 * A cell is day x country x category L2 x traffic L2 x device/channel x customer type. Its
 * sessions are Poisson around a deterministic expectation (scale x shares x seasonality x events x
 * trend x correlated day and week noise x planted effects); orders are Binomial(sessions,
 * conversion); each order gets lines (category, product, price, units, promotion, returns) drawn
 * from the cell's own random stream. Paid sessions give clicks (about 0.9 sessions a click),
 * impressions (through CTR) and spend (through CPC) per campaign. Every value depends only on the
 * seed and the cell, so weeks can be generated in any order on any thread.
 * Ownership: a cl_demo_gen_t borrows its world and plan. Thread safety: a cl_demo_gen_t is
 * read-only once set up and may be shared; each thread passes its own cl_db_t. */
#ifndef CL_ETL_DEMO_GEN_H
#define CL_ETL_DEMO_GEN_H

#include <stdint.h>

#include "core/calendar.h"
#include "core/err.h"
#include "etl/demo_model.h"
#include "etl/demo_scenarios.h"
#include "etl/demo_tables.h"
#include "warehouse/db.h"

typedef struct {
    const cl_demo_world_t *world;
    const cl_demo_plan_t *plan;
    cl_week_t end_week;              /* trends are 1 at the end week */
    double scale;                    /* expected sessions per day for a share of 1 */
    int64_t pool[CL_DEMO_COUNTRIES]; /* new customers of a week who come back later */
    double line_value[CL_DEMO_L1];   /* expected net catalogue value of a line, cents */
    cl_demo_dicts_t dicts;           /* value of every appended index */
} cl_demo_gen_t;

/* Set G up for WEEKS weeks ending at END with about LINES order lines in all: calibrates the scale
 * (cl_demo_gen_expected_lines), sizes the returning-customer pools and the plan values. */
void cl_demo_gen_init(cl_demo_gen_t *g, const cl_demo_world_t *w, const cl_demo_plan_t *p,
                      cl_week_t end, int weeks, int64_t lines);

/* What a week produced, and the plan figures finance and the market pulse are made from. */
typedef struct {
    int64_t orders, lines, sessions, session_rows, marketing_rows;
    double plan_spend[CL_DEMO_REGIONS][CL_DEMO_L1]; /* expected spend without noise or scenarios */
    double plan_revenue[CL_DEMO_REGIONS][CL_DEMO_L1]; /* expected net revenue, likewise */
    double demand[CL_DEMO_L1];                        /* expected sessions, all regions */
} cl_demo_week_stats_t;

/* Expected order lines over WEEKS weeks ending at END for a scale of 1, so that
 * scale = lines / cl_demo_gen_expected_lines(). Also fills new_per_week[c] (may be NULL): the
 * expected orders of new customers per week in each country at scale 1. */
double cl_demo_gen_expected_lines(const cl_demo_world_t *w, cl_week_t end, int weeks,
                                  double new_per_week[CL_DEMO_COUNTRIES]);

/* Create the week tables of demo_tables.h in DB, empty. Returns 0 or CL_EQUERY. */
CL_NODISCARD int cl_demo_gen_create_tables(const cl_demo_gen_t *g, cl_db_t *db, cl_err_t *err);

/* Generate week W into DB's week tables (emptied first) and write them to
 * DIR/<table>/week=<W>/part-0.parquet. OUT receives the counts and plan figures. Returns 0,
 * CL_EQUERY, CL_EIO or CL_ENOMEM. */
CL_NODISCARD int cl_demo_gen_week(cl_demo_week_stats_t *out, const cl_demo_gen_t *g, cl_db_t *db,
                                  const char *dir, cl_week_t w, cl_err_t *err);

#endif
