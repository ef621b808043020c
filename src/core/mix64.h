/* mix64.h — a 64-bit finalizer: every input bit moves every output bit (the splitmix64 output
 * function: xor-shifts and two odd multipliers, Steele, Lea and Flood 2014). For hashing keys whose
 * entropy sits in a few bits — doubles that are round numbers, small counters — into the low bits a
 * power-of-two table indexes by, and for counter-based random streams. Pure, header-only. */
#ifndef CATLENS_CORE_MIX64_H
#define CATLENS_CORE_MIX64_H

#include <stdint.h>

static inline uint64_t cl_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif
