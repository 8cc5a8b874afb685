/* pkt_run — a packetdrill-style script (pkt_script.h) played against one lwIP host.
 *
 * The world holds one host, "lwip" (PKT_LOCAL_IP), the system under test, and one scripted
 * peer, "script" (PKT_REMOTE_IP, world_add_peer), on a link with no delay and unlimited
 * bandwidth, so a segment arrives in the microsecond it leaves, as on packetdrill's tun device.
 * A daemon coroutine walks the events in virtual time: `<` segments are built and put on the
 * link with world_inject; `>` segments are taken, in order, from what lwIP sent to the peer and
 * compared (time to the microsecond, flags, relative seq/ack, length, window when written,
 * options by the policy below); calls are handed to one process on the host ("app", SIGPIPE
 * ignored as in packetdrill) and must return what and when the script says. The run stops at
 * the first mismatch, or at the time of the last event: nothing after it is judged.
 *
 * Options policy: --strict compares the option list exactly (kinds, order, values, padding).
 * Lenient (the default) first removes from the expected list every option this lwIP build
 * does not implement (sackOK, sack, TS, wscale when LWIP_WND_SCALE is off, nop/eol padding),
 * removes nop/eol from lwIP's list, and compares what is left in order (mss with its value).
 *
 * Ownership: the runner borrows the script and the world; the script must outlive it, and the
 * world is freed before it (its process waits on the runner's queues until then). */
#ifndef TCPSIM_PKT_RUN_H
#define TCPSIM_PKT_RUN_H

#include "pkt_script.h"
#include "world.h"

#include <stdbool.h>
#include <stdio.h>

#define PKT_LOCAL_IP "192.168.0.1"      /* the lwIP host (packetdrill's local address range) */
#define PKT_REMOTE_IP "192.0.2.1"       /* the script (packetdrill's remote, RFC 5737) */
#define PKT_BIND_PORT 8080              /* bind(fd, ..., ...) and connect(fd, ..., ...) */
#define PKT_REMOTE_PORT 50000           /* the script's port when it opens the connection */

struct pkt_run_options {
    bool strict;                /* options compared exactly (see above) */
};

/* A world for a script: no link delay, unlimited bandwidth, the script's name and seed. */
struct world_config pkt_world_config(const struct pkt_script *s, uint64_t seed);

struct pkt_runner;

/* Adds the host and the peer to w (fresh from world_new with pkt_world_config) and schedules
 * the script. NULL with a message in err when the world cannot take them. */
struct pkt_runner *pkt_runner_new(const struct pkt_script *s, const struct pkt_run_options *o,
                                  struct world *w, char *err, size_t err_size);
/* Runs the world to the end of the script or to the first mismatch. True when every event
 * happened as written; otherwise report (may be NULL) gets "file:line: error: ..." with what
 * was expected, what happened, and the trace lines around it. Each judged event is also an
 * `expect` trace event. */
bool pkt_runner_run(struct pkt_runner *r, FILE *report);
/* After world_free: the app process waits on the runner's queues until the world is gone. */
void pkt_runner_free(struct pkt_runner *r);

#endif
