/* swarm_gen — a random, valid scenario from a seed (the input of `tcpsim swarm`).
 *
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): each seed first picks which
 * features this scenario may use at all (link faults, world events, SO_LINGER, shutdown,
 * repeat, ...), then draws a scenario from those only, so that rare interactions are not drowned
 * by every feature at once. What comes out is scenario text in the catalog's format
 * (docs/scenario-format.md): two hosts, a server process that accepts, client processes that
 * connect, each with a random sequence of socket calls (send, recv, shutdown, setsockopt,
 * sleep, exit, repeat), and world events at random virtual times (kill, crash, reboot,
 * shutdown, partition/heal, link faults, unreachable on/off). No expectations: the invariants
 * every run must satisfy are swarm.c's. Sizes are kept small (a few hundred steps, a few
 * seconds of virtual time, repeat counts below 20) so that an honest run stays far inside the
 * swarm's budgets. The same seed gives the same text on every machine (sim/prng only). */
#ifndef TCPSIM_SWARM_GEN_H
#define TCPSIM_SWARM_GEN_H

#include <stdint.h>

/* The scenario text for seed; the caller frees it. Its id is "swarm-<seed>". */
char *swarm_generate(uint64_t seed);

#endif
