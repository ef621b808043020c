/* xorshift.h — the fixed xorshift64 stream the root-cause tests draw their noise from
 * (tests/unit/insights/test_rca.c, test_rca_search.c): the same seed gives the same cubes on
 * every machine. Test-only; header-only like the other support files. */
#ifndef CL_TEST_XORSHIFT_H
#define CL_TEST_XORSHIFT_H

#include <stdint.h>

typedef struct {
    uint64_t s; /* the state: any non-zero seed */
} test_rng_t;

/* The next number of the stream in [0, 1), 53 bits. */
static inline double test_uniform(test_rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (double)(r->s >> 11) / 9007199254740992.0;
}

#endif
