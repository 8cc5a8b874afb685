/* world — the C API of the simulator: hosts on one virtual link, driven by one seed.
 *
 *     struct world_config cfg = world_config_default();
 *     struct world *w = world_new(&cfg);
 *     struct host *srv = world_add_host(w, "server", "10.0.0.2");
 *     host_spawn(srv, "app", 0, server_main, NULL);        // proc.h calls inside server_main
 *     world_at(w, 5000000, crash_server, srv);             // world events at virtual times
 *     enum run_result r = world_run(w, SCHED_FOREVER);     // RUN_IDLE when everything ended
 *     ... trace_events(world_trace(w), &n) ...
 *     world_free(w);
 *
 * One world at a time per process (the scheduler and the lwIP instances are global). Each host
 * takes the next free lwIP instance; there are stack_instance_count of them (make STACKS=N).
 * The seed feeds a master generator from which the link and each host get their own.
 * Between the hosts sits a router (WORLD_ROUTER_IP) that can report a destination as
 * unreachable with ICMP, as a real one would; what lwIP does with that ICMP is lwIP's affair. */
#ifndef TCPSIM_WORLD_H
#define TCPSIM_WORLD_H

#include "host.h"
#include "link.h"
#include "packet.h"
#include "sched.h"
#include "trace.h"

#include <stdint.h>

#define WORLD_ROUTER_IP 0x0a0000feu   /* 10.0.0.254 */

/* Which family of lwIP instances the hosts get (lwip-port/README.md, "Instance families"):
 * the default one, whose pools hold TCPSIM_CONNS connections, or the small one, the same lwIP
 * with every pool sized for 64 connections, cheap to power on. A run on the small family that
 * reaches none of its bounds (world_bound_reached) behaves exactly as on the default one. */
enum world_pools { WORLD_POOLS_DEFAULT, WORLD_POOLS_SMALL, WORLD_POOLS_COUNT };

struct world_config {
    const char *scenario;       /* id shown in the trace header */
    uint64_t seed;
    struct link_config link;
    enum world_pools pools;     /* WORLD_POOLS_DEFAULT unless asked */
    bool stop_at_bound;         /* a pool refusal that reaches a bound of the family stops the
                                 * run (RUN_STOPPED) instead of being reported: the caller will
                                 * run it again on the default family (run_dir.c) */
};

struct world_config world_config_default(void);   /* seed 1, link_config_default() */

struct world;

struct world *world_new(const struct world_config *config);
/* NULL when the address is not a dotted quad, is taken, or no lwIP instance is left. */
struct host *world_add_host(struct world *w, const char *name, const char *ip);
struct host *world_host(const struct world *w, const char *name);
/* A scripted endpoint: an address on the link with no lwIP behind it (packetdrill-style
 * scripts play the remote end this way). Packets routed to its address cross the link like
 * any other (delay, rules) and are handed to receive(ctx, pkt, len) in scheduler context when
 * they arrive; it sends with world_inject (source = its address). It is listed in the trace
 * header with the hosts. Call before world_run; false when the address is not a dotted quad
 * or is taken, the name is taken or longer than 31 bytes, or the link has no endpoint left. */
bool world_add_peer(struct world *w, const char *name, const char *ip,
                    void (*receive)(void *ctx, const uint8_t *pkt, size_t len), void *ctx);
struct trace *world_trace(struct world *w);
struct link *world_link(struct world *w);

/* Run fn(w, arg) at virtual time t_us (>= now), in scheduler context (not in a process). */
void world_at(struct world *w, uint64_t t_us, void (*fn)(struct world *w, void *arg), void *arg);

/* Link faults, each a `link` trace event naming the hosts. Returns the rule id, or -1 when
 * the rule is invalid (link_add_rule). */
int world_add_link_rule(struct world *w, const struct link_rule *rule);
bool world_remove_link_rule(struct world *w, int rule_id);
void world_partition(struct world *w, bool on);        /* "partition" / "heal" events */
/* The bandwidth from -> to for packets sent from now on (0 = unlimited). */
void world_set_bandwidth(struct world *w, struct host *from, struct host *to, uint64_t bps);
/* From now on the router answers packets from -> to with ICMP destination unreachable (and
 * drops them), until called again with on = false. */
void world_set_unreachable(struct world *w, struct host *from, struct host *to,
                           enum icmp_unreach_code code, bool on);

/* Put a crafted IPv4 packet on the link now, as if the host (or peer) owning its source
 * address had sent it: it is routed like that host's own packets (router rules, a destination that is
 * down, link delay and fault rules) to the host owning the destination address, and traced
 * like any segment but marked injected (not counted by byte accounting: no process sent its
 * bytes). The packet is copied. Call it in scheduler context (a world event), while the
 * world runs. False, with a message in err, when the bytes are not a well-formed IPv4 packet
 * (packet_decode), when no host or peer owns the source address, or before world_run. May also be called from a process coroutine. The sending
 * host's lwIP is not involved: it may well answer a reply it did not expect with an RST. */
bool world_inject(struct world *w, const uint8_t *pkt, size_t len, char *err, size_t err_size);

/* Run until idle, deadlock, or until_us (SCHED_FOREVER for no limit). The trace header is
 * emitted on the first run. */
enum run_result world_run(struct world *w, uint64_t until_us);
/* Byte accounting (accounting.h): one `accounting` trace event per direction of every
 * connection that carried data; returns how many are in error. Call once, after the run. */
size_t world_account(struct world *w);
/* Leak check after a run that went idle: for every host that is up, its lwIP pools and the
 * port's objects are back to their power-on level. Returns the number of hosts that are not,
 * describing the first in buf. */
size_t world_leaks(struct world *w, char *buf, size_t size);
/* "at t=... these processes are blocked:" and one line per blocked process ("client/app
 * blocked in recv(fd 3)"); returns the blocked count. */
size_t world_describe_blocked(const struct world *w, char *buf, size_t size);
/* Whether some host's lwIP instance reached a bound of its family's sizes since the world
 * began (a pool full or refusing, a mailbox full; lwip_stack.bound_reached, remembered across
 * reboots). On the small family, this says the run may differ from the default family's. */
bool world_bound_reached(const struct world *w);
enum world_pools world_config_pools(const struct world *w);   /* the family its hosts got */
void world_free(struct world *w);

/* The lwIP instances linked into this build (generated by make). */
extern const struct lwip_stack *const stack_instances[];
extern const struct lwip_stack *const stack_small_instances[];   /* as many, small family */
extern const unsigned stack_instance_count;

#endif
