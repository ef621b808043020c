/* rca_greedy.h — internal to the root-cause search: the greedy that adds, one at a time, the
 * element that saves the most nats, and gives its pool leaves to it. The top-level greedy is
 * incremental (after a pick only the elements that lost a leaf are summed again) and picks
 * exactly what aggregating afresh picks. Owns rca_state_t's picks being added and the
 * incremental state (cand, stamp, epoch, cb_best, moved, aff).
 * Thread safety: reentrant. */
#ifndef CL_INSIGHTS_RCA_GREEDY_H
#define CL_INSIGHTS_RCA_GREEDY_H

#include "insights/rca_state.h"

/* Add elements of cuboids strictly finer than MUST (0: every cuboid) to s->picks while one saves
 * something and fewer than LIMIT are picked; each takes its leaves out of the pool. */
void rca_greedy(rca_state_t *s, uint32_t must, size_t limit);

#endif
