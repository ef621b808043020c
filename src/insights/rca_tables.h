/* rca_tables.h — internal to the root-cause search: aggregating the pool's leaves into the
 * elements of a cuboid (a dense table for small key spaces, open addressing for the rest, or by
 * element number), the numbering of every cuboid's elements and their leaves (computed once per
 * search when it fits), the count of distinct elements per depth (the naming code), and the
 * search's allocations. Owns rca_state_t's tables, ids, members, incremental-greedy arrays, pool
 * and per-leaf arrays.
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_TABLES_H
#define CL_INSIGHTS_RCA_TABLES_H

#include "insights/rca_state.h"

/* Allocate every per-search array for s->sig and s->cuboids, and number the elements when they
 * fit (else keys are hashed as needed: the result is the same). Returns 0 or CL_ENOMEM. */
CL_NODISCARD int rca_tables_alloc(rca_state_t *s, cl_err_t *err);

/* Free what rca_tables_alloc (and rca_cuboids_make) allocated. */
void rca_tables_free(rca_state_t *s);

/* List the pool's leaves (rca_in_pool) in leaf order into s->pool. */
void rca_pool_collect(rca_state_t *s);

/* Aggregate the listed pool's leaves into the elements of cuboid CI; the touched list names the
 * elements summed (read them with rca_table_touched_*, then rca_table_clear). */
void rca_aggregate(rca_state_t *s, size_t ci);

/* The key of the T-th touched element of cuboid CI, and its sums. */
uint64_t rca_table_touched_key(const rca_state_t *s, size_t ci, size_t t);
rca_stats_t *rca_table_touched_stats(rca_state_t *s, size_t t);

/* Empty the table for the next aggregation. */
void rca_table_clear(rca_state_t *s);

/* The key of signal leaf I in cuboid CI. */
uint64_t rca_key_of(const rca_state_t *s, size_t ci, size_t i);

/* Count the distinct elements at each depth into s->log_k (their log) and s->n_candidates. */
void rca_count_candidates(rca_state_t *s);

#endif
