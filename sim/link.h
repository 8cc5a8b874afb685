/* link — the virtual wire between hosts: one-way queues with delay, bandwidth and fault rules.
 *
 * A packet sent from endpoint A to endpoint B is copied, serialised behind the packets already
 * leaving A for B (bandwidth), and delivered `delay_us` later through the deliver callback, in
 * scheduler context. The link knows nothing of lwIP; endpoints are small integers (host
 * indices). Contract:
 *   - Faults (rules, partition) are deterministic: randomness only from the prng given to
 *     link_new, probabilities as integer ratios, rules evaluated in the order they were added.
 *   - Per direction, packets arrive in send order unless a LINK_REORDER rule holds one back.
 *   - A dropped packet uses no bandwidth; its fate names the cause (rule name, "partition",
 *     "no route"), a string that lives as long as the link.
 *   - link_free frees what is still in flight; call it only when the scheduler will not run
 *     again (the timer events die unrun with sched_fini).
 * Defaults (link_config_default): 1 ms one-way delay, 100 Mbit/s, no rules, no partition. A
 * 1500-byte packet takes 120 us to serialise, so a full-size segment arrives 1.12 ms after it
 * was sent. docs/link-faults.md explains each fault with an example. */
#ifndef TCPSIM_LINK_H
#define TCPSIM_LINK_H

#include "packet.h"
#include "prng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_MAX_ENDPOINTS 16
#define LINK_RULE_NAME_MAX 32   /* bytes of link_rule.name, including the NUL */
/* One hour: the bound of a rule's delay_us and jitter_us, so arrival times cannot overflow. */
#define LINK_RULE_MAX_DELAY_US UINT64_C(3600000000)

struct link_config {
    uint64_t delay_us;          /* one-way propagation delay; default 1000 */
    uint64_t bandwidth_bps;     /* bits per second, every direction (link_set_bandwidth overrides
                                 * one); 0 = infinite (no serialisation delay); default 100e6 */
};

struct link_config link_config_default(void);

/* The kinds of rule, each with the name a rule gets when its name is left empty. */
enum link_rule_kind {
    LINK_DROP_ALL,      /* "drop-all": drop every packet */
    LINK_DROP_NTH,      /* "drop-nth": drop the nth packet examined, then spent */
    LINK_DROP_MATCH,    /* "drop-match": drop the next `count` TCP packets whose flags include
                         * flags_all (count 0: all of them), then spent */
    LINK_DROP_CHANCE,   /* "drop-chance": drop each packet with probability
                         * numerator/denominator */
    LINK_DELAY,         /* "delay": add delay_us + uniform [0, jitter_us] to each packet */
    LINK_REORDER,       /* "reorder": with probability numerator/denominator hold a packet
                         * back by delay_us, so later packets overtake it */
    LINK_DUPLICATE,     /* "duplicate": with probability numerator/denominator deliver a copy
                         * delay_us after the original */
    LINK_RULE_KIND_COUNT
};

/* A fault rule. Zero-initialise and set what the kind uses; the other fields are ignored.
 * link_add_rule copies it. The counters of a `both` rule (DROP_NTH, DROP_MATCH) are shared by
 * the two directions: "drop the 3rd packet" is the 3rd on either. */
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
    uint64_t delay_us;              /* DELAY: added delay; REORDER: how long to hold back, >= 1;
                                     * DUPLICATE: the copy's lag behind the original (0 = at
                                     * the same time, right after it) */
    uint64_t jitter_us;             /* DELAY: extra delay drawn uniformly from [0, jitter_us] */
};

/* What a rule has done so far (link_rule_at). */
struct link_rule_stats {
    uint64_t examined;          /* packets the rule examined (see link_send_packet) */
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
 * flag rules then never match). How one packet is decided:
 *   1. an endpoint out of range: dropped, "no route". Nothing below sees the packet.
 *   2. partition on: dropped, "partition". No rule sees the packet.
 *   3. drop phase: the live drop rules of that direction, in insertion order, examine the
 *      packet until one drops it (that rule's name is the reason); rules after it do not
 *      examine it. Only examining counts: LINK_DROP_NTH counts the packets it examines,
 *      LINK_DROP_MATCH uses up its count only on packets it drops, LINK_DROP_CHANCE makes one
 *      random decision per packet it examines. A spent or removed rule examines nothing.
 *   4. effect phase (survivors only): the live LINK_DELAY, LINK_REORDER and LINK_DUPLICATE
 *      rules of that direction, in insertion order, make their draws (a LINK_DELAY with
 *      jitter_us 0 draws nothing; once a copy is made, later LINK_DUPLICATE rules do not
 *      examine the packet). So a drop rule decides before an effect rule added earlier.
 *   5. timing: depart = max(now, end of the direction's previous serialisation) + len * 8 /
 *      bandwidth (rounded up to a microsecond);
 *      arrive = max(depart + config delay + the LINK_DELAY delays and jitters,
 *                   the previous in-order arrival of that direction)
 *               + the delay_us of each LINK_REORDER rule whose draw said "hold back".
 *      A held-back packet does not become the previous in-order arrival, so later packets
 *      overtake it. A duplicate arrives the rule's delay_us after the original; it is outside
 *      the order guarantee (neither waits for nor holds back other packets) and uses no
 *      bandwidth. Same-microsecond arrivals are delivered in the order they were decided. */
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
