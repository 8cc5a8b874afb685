/* link — the virtual wire between hosts: one-way queues ordered by arrival time.
 *
 * A packet sent from endpoint A to endpoint B is copied, serialised behind the packets already
 * leaving A for B (bandwidth), and delivered `delay_us` later through the deliver callback, in
 * scheduler context. The link knows nothing of lwIP or TCP. Endpoints are small integers
 * (host indices). Fault rules (loss, partitions, ...) will live in struct link_config too.
 *
 * Defaults (link_config_default): 1 ms one-way delay, 100 Mbit/s. A 1500-byte packet takes
 * 120 us to serialise, so a full-size segment arrives 1.12 ms after it was sent. */
#ifndef TCPSIM_LINK_H
#define TCPSIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_MAX_ENDPOINTS 16

struct link_config {
    uint64_t delay_us;          /* one-way propagation delay */
    uint64_t bandwidth_bps;     /* bits per second; 0 = infinite (no serialisation delay) */
};

struct link_config link_config_default(void);

/* What became of a packet handed to link_send. */
struct link_fate {
    bool delivered;
    uint64_t arrive_us;         /* when delivered */
    const char *reason;         /* when dropped: "no route", ... */
};

struct link;

struct link *link_new(const struct link_config *config, void *ctx,
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len));
void link_free(struct link *link);
/* Queue a copy of pkt from endpoint `from` to endpoint `to` (to < 0: no route). */
struct link_fate link_send(struct link *link, int from, int to, const uint8_t *pkt, size_t len);

#endif
