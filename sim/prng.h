/* prng — the only source of randomness in the simulation.
 *
 * splitmix64: tiny, fast, and good enough for ports, ISNs and loss decisions. One seed per run
 * feeds a master generator; every component (each host, the link) gets its own generator forked
 * from it, so adding a random draw in one component does not shift the draws of another.
 * Probabilities are integer ratios (prng_chance), never floating point. */
#ifndef TCPSIM_PRNG_H
#define TCPSIM_PRNG_H

#include <stdbool.h>
#include <stdint.h>

struct prng {
    uint64_t state;
};

void prng_init(struct prng *p, uint64_t seed);
uint64_t prng_next(struct prng *p);
/* Uniform in [0, bound) (bound > 0), without modulo bias. */
uint64_t prng_below(struct prng *p, uint64_t bound);
/* True with probability numerator/denominator. */
bool prng_chance(struct prng *p, uint64_t numerator, uint64_t denominator);
/* A new independent generator whose seed is drawn from p. */
struct prng prng_fork(struct prng *p);

#endif
