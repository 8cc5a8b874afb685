/* link — the virtual wire between hosts: one-way queues with delay, bandwidth and fault rules.
 *
 * A packet sent from endpoint A to endpoint B is copied, serialised behind the packets already
 * leaving A for B (bandwidth), and delivered `delay_us` later through the deliver callback, in
 * scheduler context. The link knows nothing of lwIP; endpoints are small integers (host
 * indices). Contract:
 *   - Faults are rules (struct link_rule) plus a partition switch. Every decision is
 *     deterministic: randomness comes only from the prng given to link_new, probabilities are
 *     integer ratios, rules are evaluated in the order they were added.
 *   - Per direction, packets arrive in the order they were sent, unless a LINK_REORDER rule
 *     holds one back (the only way to reorder). Jitter never reorders: an arrival is clamped
 *     to >= the previous in-order arrival on that direction.
 *   - A dropped packet costs no bandwidth (it never reaches the wire) and its fate names the
 *     cause: the dropping rule's name, "partition" or "no route". The string lives as long as
 *     the link.
 *   - link_free frees packets still in flight; their timer events die with the scheduler, so
 *     call it only when the scheduler will not run again (before sched_fini).
 *
 * How one packet is decided (link_send_packet):
 *   1. an endpoint out of range: dropped, "no route". Nothing below sees the packet.
 *   2. partition on: dropped, "partition". No rule sees the packet.
 *   3. drop phase: the live drop rules of that direction, in insertion order, examine the
 *      packet until one drops it (that rule's name is the reason); rules after it do not
 *      examine it. "Examine" is what counts: LINK_DROP_NTH counts the packets it examines,
 *      LINK_DROP_MATCH consumes its count only on packets it drops, LINK_DROP_CHANCE makes one
 *      random decision per packet it examines. A spent rule examines nothing.
 *   4. effect phase (only for a packet that survived): the live LINK_DELAY, LINK_REORDER and
 *      LINK_DUPLICATE rules of that direction, in insertion order, each make their random
 *      draw (a LINK_DELAY with jitter_us 0 draws nothing; once a copy has been made, later
 *      LINK_DUPLICATE rules do not examine the packet).
 *   arrive = max(depart + config delay + sum of LINK_DELAY delays and jitters,
 *                previous in-order arrival of that direction)
 *            + sum of the delay_us of the LINK_REORDER rules whose draw said "hold back";
 *   a held-back packet does not become the "previous in-order arrival". A duplicate copy
 *   arrives the LINK_DUPLICATE rule's delay_us after the original; it is outside the order
 *   guarantee (it neither waits for nor holds back other packets) and costs no bandwidth.
 *
 * A rule's counters (LINK_DROP_NTH, LINK_DROP_MATCH) are shared by both directions of a
 * `both` rule: "drop the 3rd packet" means the 3rd packet on either direction.
 *
 * Defaults (link_config_default): 1 ms one-way delay, 100 Mbit/s, no rules, no partition. A
 * 1500-byte packet takes 120 us to serialise, so a full-size segment arrives 1.12 ms after it
 * was sent. */
#ifndef TCPSIM_LINK_H
#define TCPSIM_LINK_H

#include "packet.h"
#include "prng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_MAX_ENDPOINTS 16
#define LINK_RULE_NAME_MAX 32   /* bytes of link_rule.name, including the NUL */
#define LINK_RULE_MAX_DELAY_US 3600000000u  /* one hour: bound of delay_us and jitter_us, so
                                             * arrival times cannot overflow */

struct link_config {
    uint64_t delay_us;          /* one-way propagation delay; default 1000 */
    uint64_t bandwidth_bps;     /* bits per second, every direction (link_set_bandwidth overrides
                                 * one); 0 = infinite (no serialisation delay); default 100e6 */
};

struct link_config link_config_default(void);

enum link_rule_kind {
    LINK_DROP_ALL,      /* drop every packet                                 default name "drop-all" */
    LINK_DROP_NTH,      /* drop the nth packet examined, then spent          "drop-nth" */
    LINK_DROP_MATCH,    /* drop the next `count` TCP packets whose flags include flags_all
                         * (count 0 = all of them; spent after `count` drops) "drop-match" */
    LINK_DROP_CHANCE,   /* drop each packet with probability numerator/denominator "drop-chance" */
    LINK_DELAY,         /* add delay_us + uniform [0, jitter_us] to each packet     "delay" */
    LINK_REORDER,       /* with probability numerator/denominator hold a packet back by
                         * delay_us so later packets overtake it                  "reorder" */
    LINK_DUPLICATE,     /* with probability numerator/denominator deliver a copy delay_us
                         * after the original                                   "duplicate" */
    LINK_RULE_KIND_COUNT
};

/* A fault rule. Zero-initialise and set what the kind uses; the other fields are ignored.
 * link_add_rule copies it. */
struct link_rule {
    enum link_rule_kind kind;
    char name[LINK_RULE_NAME_MAX];  /* the drop reason and the label in descriptions, e.g.
                                     * "drop-next-FIN"; "" = the kind's default name */
    int from, to;                   /* the direction it applies to: packets from -> to */
    bool both;                      /* also applies to to -> from */
    uint64_t nth;                   /* DROP_NTH: 1-based, >= 1 */
    uint8_t flags_all;              /* DROP_MATCH: TCP_* bits that must all be set; 0 = any TCP
                                     * packet. Never matches a packet sent without packet_info
                                     * or one that is not TCP. */
    uint64_t count;                 /* DROP_MATCH: how many packets to drop; 0 = no limit */
    uint64_t numerator;             /* DROP_CHANCE, REORDER, DUPLICATE: probability */
    uint64_t denominator;           /*   numerator/denominator; denominator >= 1, numerator <= it */
    uint64_t delay_us;              /* DELAY: added delay; REORDER: hold-back time (>= 1);
                                     * DUPLICATE: the copy's lag behind the original (0 = at
                                     * the same time, right after it) */
    uint64_t jitter_us;             /* DELAY: extra delay drawn uniformly from [0, jitter_us] */
};

/* What a rule has done so far (link_rule_at). */
struct link_rule_stats {
    uint64_t examined;          /* packets the rule looked at (see "examine" above) */
    uint64_t acted;             /* packets it dropped, delayed, held back or duplicated */
    bool spent;                 /* DROP_NTH after its drop, DROP_MATCH after `count` drops */
};

/* What became of a packet handed to link_send / link_send_packet. */
struct link_fate {
    bool delivered;
    uint64_t arrive_us;         /* when delivered: arrival of the original */
    const char *reason;         /* when dropped: a rule's name, "partition" or "no route";
                                 * valid for the life of the link; NULL when delivered */
    int rule_id;                /* when dropped by a rule: its id; otherwise -1 */
    bool reordered;             /* held back by a LINK_REORDER rule */
    bool duplicated;            /* a LINK_DUPLICATE rule made a copy ... */
    uint64_t duplicate_arrive_us;   /* ... arriving then */
};

struct link;

/* The link keeps its own copy of config and prng; deliver(ctx, to, pkt, len) is called in
 * scheduler context when a packet (or a duplicate) arrives. */
struct link *link_new(const struct link_config *config, struct prng prng, void *ctx,
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len));
void link_free(struct link *link);

/* Queue a copy of pkt from endpoint `from` to endpoint `to` (to < 0: no route). The same as
 * link_send_packet with info NULL: LINK_DROP_MATCH rules never match. */
struct link_fate link_send(struct link *link, int from, int to, const uint8_t *pkt, size_t len);
/* Like link_send, with the decoded packet so rules can match TCP flags (info may be NULL:
 * flag rules then never match). */
struct link_fate link_send_packet(struct link *link, int from, int to, const uint8_t *pkt,
                                  size_t len, const struct packet_info *info);

/* Adds a rule after the existing ones; returns its id (>= 0, never reused within a link), or
 * -1 when the rule is invalid: endpoint out of range, from == to, kind unknown, name not
 * NUL-terminated, or a field its kind uses out of range (see struct link_rule; delays at most
 * LINK_RULE_MAX_DELAY_US). Packets already in flight are not affected. */
int link_add_rule(struct link *link, const struct link_rule *rule);
/* Removes a rule (it stops examining packets and is no longer listed); false for an unknown
 * or already removed id. The name stays valid as a drop reason. */
bool link_remove_rule(struct link *link, int id);
/* The index-th listed rule (0-based, in evaluation order; spent rules stay listed), with its
 * name filled in; NULL past the end. id and stats may be NULL. */
const struct link_rule *link_rule_at(const struct link *link, size_t index, int *id,
                                     struct link_rule_stats *stats);

/* While on, every packet in both directions of every pair is dropped ("partition"). */
void link_set_partition(struct link *link, bool on);
bool link_partitioned(const struct link *link);
/* The bandwidth of the direction from -> to for packets sent from now on (0 = unlimited).
 * Endpoints out of range are a usage error (sched_panic). */
void link_set_bandwidth(struct link *link, int from, int to, uint64_t bps);

/* One line, no newline, e.g. "client>server drop-next-FIN: drop the next 1 packet with FIN".
 * endpoint_names[i] names endpoint i (NULL array: the numbers, "0>1"); a `both` rule shows
 * "<>". Returns the length the whole text needs, like snprintf; buf is always terminated when
 * size > 0. */
size_t link_describe_rule(const struct link_rule *rule, const char *const *endpoint_names,
                          char *buf, size_t size);

#endif
