/* prng — see prng.h. splitmix64 by Sebastiano Vigna (public domain algorithm). */
#include "prng.h"

void prng_init(struct prng *p, uint64_t seed) { p->state = seed; }

uint64_t prng_next(struct prng *p)
{
    uint64_t z = (p->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t prng_below(struct prng *p, uint64_t bound)
{
    /* Reject the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = prng_next(p); while (x >= limit);
    return x % bound;
}

bool prng_chance(struct prng *p, uint64_t numerator, uint64_t denominator)
{
    return denominator && prng_below(p, denominator) < numerator;
}

struct prng prng_fork(struct prng *p)
{
    struct prng child;
    prng_init(&child, prng_next(p));
    return child;
}
