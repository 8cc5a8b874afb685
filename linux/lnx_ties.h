/* lnx_ties — ties the simulation orders, met on Linux (the Linux backend).
 *
 * In virtual time, a process's step due at the very instant a frame arrives at its host goes
 * first when its sleep began before the frame was sent (sim/sched.c: equal times run in the
 * order they were scheduled). On Linux the two are a wall-clock race of microseconds, which a
 * scenario built on such a dead heat cannot repeat. scenarios/linux/<id>.ties names, one
 * "<host>/<proc>" a line ('#' comments), the processes whose wake-up from a sleep goes first:
 * the relay holds a frame due at that host from LNX_TIE_US before the wake-up until the process
 * has reported its next call, at most LNX_TIE_HOLD_US after the wake-up (a call that blocks
 * waiting for the frame would otherwise never come). The lwIP backend ignores these files.
 *
 * Owns a queue of held frames (copies). Errors (a bad file) come back as "file:line:col: ..." in
 * err; no file is no ties. */
#ifndef TCPSIM_LNX_TIES_H
#define TCPSIM_LNX_TIES_H

#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LNX_TIE_US 1000ull          /* a frame due this close before a wake-up is a tie */
#define LNX_TIE_HOLD_US 2000ull     /* held at most this long after the wake-up */

struct lnx_held;

struct lnx_ties {
    char path[4200];
    bool first[64];                 /* by scenario process index: its wake-ups go first */
    bool any;
    struct lnx_held *held, *held_tail;   /* frames waiting, in the order they were due */
};

/* Reads <dir of the scenario file>/linux/<id>.ties. 0, or -1 with err filled. */
int lnx_ties_load(struct lnx_ties *t, const struct scenario *sc, char *err, size_t err_size);

/* Whether a frame due now at a host must wait for a wake-up at wake_us (0: none pending). */
bool lnx_ties_holds(uint64_t now_us, uint64_t wake_us);

/* Keeps a copy of a frame for host `to`; false when out of memory (then deliver it now). */
bool lnx_ties_hold(struct lnx_ties *t, int to, const uint8_t *pkt, size_t len);

/* Delivers, in order, the held frames of every host that holding(ctx, host) no longer keeps;
 * a frame behind a still-held one of the same host waits with it. */
void lnx_ties_release(struct lnx_ties *t, bool (*holding)(void *ctx, int host),
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len), void *ctx);

/* Frees what is still held (the end of the run: those frames are lost with the link). */
void lnx_ties_free(struct lnx_ties *t);

#endif
