/* Link: one-way delay, serialisation at the configured bandwidth, per-direction order, copies
 * of the packets, no route; and the fault rules: which packet each drops and why, exact
 * arrival times under delay, jitter, reordering and duplication, partition, per-direction
 * bandwidth, and the same decisions for the same seed. The exact counts of the random rules
 * were first observed and then pinned here: a change in them means the draws changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "link.h"
#include "packet.h"
#include "sched.h"

#include <string.h>

/* Every packet carries a 16-bit tag in its first two bytes, so arrivals say which packet. */
struct arrival {
    int to;
    uint64_t t_us;
    size_t len;
    unsigned tag;
};
#define MAX_ARRIVALS 4096
static struct arrival arrivals[MAX_ARRIVALS];
static size_t arrival_count;

static void record_arrival(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    assert_true(arrival_count < MAX_ARRIVALS);
    arrivals[arrival_count++] =
        (struct arrival){ to, sched_now_us(), len, (unsigned)(pkt[0] | pkt[1] << 8) };
}

static int setup(void **state)
{
    (void)state;
    sched_init();
    arrival_count = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sched_fini();
    return 0;
}

static struct prng seeded(uint64_t seed)
{
    struct prng p;
    prng_init(&p, seed);
    return p;
}

static struct link *new_link(uint64_t delay_us, uint64_t bandwidth_bps, uint64_t seed)
{
    struct link_config cfg = { .delay_us = delay_us, .bandwidth_bps = bandwidth_bps };
    return link_new(&cfg, seeded(seed), NULL, record_arrival);
}

static struct link_fate send_tagged(struct link *l, int from, int to, unsigned tag, size_t len,
                                    const struct packet_info *info)
{
    uint8_t pkt[1500] = { (uint8_t)tag, (uint8_t)(tag >> 8) };
    assert_true(len >= 2 && len <= sizeof pkt);
    return link_send_packet(l, from, to, pkt, len, info);
}

/* A send at a chosen virtual time (a timer event), for tests where departure times matter. */
struct timed_send {
    struct link *link;
    int from, to;
    unsigned tag;
    struct link_fate fate;
};

static void timed_send_fire(void *arg)
{
    struct timed_send *s = arg;
    s->fate = send_tagged(s->link, s->from, s->to, s->tag, 40, NULL);
}

static void send_at(uint64_t t_us, struct timed_send *s, struct link *l, int from, int to,
                    unsigned tag)
{
    *s = (struct timed_send){ .link = l, .from = from, .to = to, .tag = tag };
    sched_at(t_us, timed_send_fire, s);
}

static struct packet_info tcp_info(uint8_t flags)
{
    return (struct packet_info){ .proto = PACKET_TCP, .flags = flags };
}

static struct link_rule_stats stats_of(const struct link *l, size_t index)
{
    struct link_rule_stats st;
    assert_non_null(link_rule_at(l, index, NULL, &st));
    return st;
}

/* ---- the wire without rules ---- */

static void test_default_link_is_1ms_and_100mbit(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    assert_int_equal(cfg.delay_us, 1000);
    assert_int_equal(cfg.bandwidth_bps, 100000000);
}

static void test_packets_queue_behind_each_other_per_direction(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, seeded(1), NULL, record_arrival);
    uint8_t big[1500], small[40];
    memset(big, 0xb1, sizeof big);
    memset(small, 0x5a, sizeof small);
    struct link_fate f1 = link_send(l, 0, 1, big, sizeof big);    /* 120 us on the wire */
    struct link_fate f2 = link_send(l, 0, 1, small, sizeof small); /* 3.2 us, rounded up to 4 */
    struct link_fate f3 = link_send(l, 1, 0, small, sizeof small); /* other direction: no wait */
    memset(big, 0, sizeof big);                                    /* the link keeps a copy */
    assert_true(f1.delivered && f2.delivered && f3.delivered);
    assert_false(f1.duplicated || f1.reordered);
    assert_null(f1.reason);
    assert_int_equal(f1.rule_id, -1);
    assert_int_equal(f1.arrive_us, 1120);
    assert_int_equal(f2.arrive_us, 1124);
    assert_int_equal(f3.arrive_us, 1004);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 3);
    assert_int_equal(arrivals[0].t_us, 1004);
    assert_int_equal(arrivals[0].to, 0);
    assert_int_equal(arrivals[1].t_us, 1120);
    assert_int_equal(arrivals[1].tag, 0xb1b1);
    assert_int_equal(arrivals[1].len, 1500);
    assert_int_equal(arrivals[2].t_us, 1124);
    link_free(l);
}

static void test_zero_bandwidth_means_delay_only(void **state)
{
    (void)state;
    struct link *l = new_link(250, 0, 1);
    uint8_t pkt[1500] = { 1 };
    assert_int_equal(link_send(l, 0, 1, pkt, sizeof pkt).arrive_us, 250);
    assert_int_equal(link_send(l, 0, 1, pkt, sizeof pkt).arrive_us, 250);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 2);
    link_free(l);
}

static void test_unknown_destination_is_dropped_with_a_reason(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, seeded(1), NULL, record_arrival);
    uint8_t pkt[40] = { 0 };
    struct link_fate f = link_send(l, 0, -1, pkt, sizeof pkt);
    assert_false(f.delivered);
    assert_string_equal(f.reason, "no route");
    assert_int_equal(f.rule_id, -1);
    assert_string_equal(link_send(l, 0, LINK_MAX_ENDPOINTS, pkt, sizeof pkt).reason, "no route");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 0);
    link_free(l);
}

static void test_packets_in_flight_at_teardown_are_freed(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, seeded(1), NULL, record_arrival);
    uint8_t pkt[40] = { 0 };
    link_send(l, 0, 1, pkt, sizeof pkt);
    link_free(l);                     /* valgrind: no leak; the timer dies with sched_fini */
    assert_int_equal(arrival_count, 0);
}

/* ---- adding, listing, removing rules ---- */

static void test_rules_get_ids_in_order_and_default_names(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    const struct link_rule rules[] = {
        { .kind = LINK_DROP_ALL, .from = 0, .to = 1 },
        { .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 2 },
        { .kind = LINK_DROP_MATCH, .from = 0, .to = 1, .flags_all = TCP_FIN, .count = 1 },
        { .kind = LINK_DROP_CHANCE, .from = 0, .to = 1, .numerator = 1, .denominator = 2 },
        { .kind = LINK_DELAY, .from = 0, .to = 1, .delay_us = 10 },
        { .kind = LINK_REORDER, .from = 0, .to = 1, .numerator = 1, .denominator = 2,
          .delay_us = 10 },
        { .kind = LINK_DUPLICATE, .from = 0, .to = 1, .numerator = 1, .denominator = 2 },
        { .kind = LINK_DROP_ALL, .name = "blackhole", .from = 1, .to = 0 },
    };
    const char *names[] = { "drop-all", "drop-nth", "drop-match", "drop-chance", "delay",
                            "reorder", "duplicate", "blackhole" };
    for (size_t i = 0; i < 8; i++) assert_int_equal(link_add_rule(l, &rules[i]), (int)i);
    for (size_t i = 0; i < 8; i++) {
        int id = -1;
        const struct link_rule *r = link_rule_at(l, i, &id, NULL);
        assert_non_null(r);
        assert_int_equal(id, (int)i);
        assert_string_equal(r->name, names[i]);
        assert_int_equal(r->kind, rules[i].kind);
    }
    assert_null(link_rule_at(l, 8, NULL, NULL));

    assert_true(link_remove_rule(l, 1));
    assert_false(link_remove_rule(l, 1));       /* already removed */
    assert_false(link_remove_rule(l, 99));
    assert_false(link_remove_rule(l, -1));
    int id = -1;
    assert_string_equal(link_rule_at(l, 1, &id, NULL)->name, "drop-match");
    assert_int_equal(id, 2);
    assert_null(link_rule_at(l, 7, NULL, NULL));
    assert_int_equal(link_add_rule(l, &rules[0]), 8);   /* ids are never reused */
    link_free(l);
}

static void test_invalid_rules_are_refused(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    struct link_rule unterminated = { .kind = LINK_DROP_ALL, .from = 0, .to = 1 };
    memset(unterminated.name, 'x', sizeof unterminated.name);
    const struct link_rule bad[] = {
        { .kind = LINK_DROP_ALL, .from = 0, .to = 0 },
        { .kind = LINK_DROP_ALL, .from = -1, .to = 1 },
        { .kind = LINK_DROP_ALL, .from = 0, .to = LINK_MAX_ENDPOINTS },
        { .kind = LINK_RULE_KIND_COUNT, .from = 0, .to = 1 },
        { .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 0 },
        { .kind = LINK_DROP_CHANCE, .from = 0, .to = 1, .numerator = 1, .denominator = 0 },
        { .kind = LINK_DROP_CHANCE, .from = 0, .to = 1, .numerator = 3, .denominator = 2 },
        { .kind = LINK_DELAY, .from = 0, .to = 1, .delay_us = LINK_RULE_MAX_DELAY_US + 1 },
        { .kind = LINK_DELAY, .from = 0, .to = 1, .jitter_us = LINK_RULE_MAX_DELAY_US + 1 },
        { .kind = LINK_REORDER, .from = 0, .to = 1, .numerator = 1, .denominator = 2 },
        { .kind = LINK_DUPLICATE, .from = 0, .to = 1, .numerator = 1, .denominator = 0 },
        unterminated,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(link_add_rule(l, &bad[i]), -1);
    assert_null(link_rule_at(l, 0, NULL, NULL));
    link_free(l);
}

/* ---- drop rules ---- */

static void test_drop_all_drops_one_direction_until_removed(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    int id = link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_ALL, .from = 0, .to = 1 });
    struct link_fate f = send_tagged(l, 0, 1, 1, 40, NULL);
    assert_false(f.delivered);
    assert_string_equal(f.reason, "drop-all");
    assert_int_equal(f.rule_id, id);
    assert_int_equal(f.arrive_us, 0);
    assert_int_equal(send_tagged(l, 1, 0, 2, 40, NULL).arrive_us, 1000);   /* other direction */
    assert_true(link_remove_rule(l, id));
    assert_true(send_tagged(l, 0, 1, 3, 40, NULL).delivered);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 2);
    assert_int_equal(arrivals[0].tag, 2);
    assert_int_equal(arrivals[1].tag, 3);
    link_free(l);
}

static void test_both_flag_covers_the_reverse_direction_only(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_ALL, .name = "cut", .from = 0,
                                          .to = 1, .both = true });
    assert_string_equal(send_tagged(l, 0, 1, 1, 40, NULL).reason, "cut");
    assert_string_equal(send_tagged(l, 1, 0, 2, 40, NULL).reason, "cut");
    assert_true(send_tagged(l, 0, 2, 3, 40, NULL).delivered);
    assert_true(send_tagged(l, 2, 1, 4, 40, NULL).delivered);
    link_free(l);
}

static void test_drop_nth_counts_from_when_it_was_added_in_its_direction(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    send_tagged(l, 0, 1, 0, 40, NULL);                  /* before the rule: not counted */
    send_tagged(l, 0, 1, 1, 40, NULL);
    int id = link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .name = "drop-3rd",
                                                   .from = 0, .to = 1, .nth = 3 });
    bool delivered[7];
    for (unsigned tag = 2; tag < 7; tag++) {
        send_tagged(l, 1, 0, 100 + tag, 40, NULL);      /* other direction: not counted */
        struct link_fate f = send_tagged(l, 0, 1, tag, 40, NULL);
        delivered[tag] = f.delivered;
        if (!f.delivered) {
            assert_string_equal(f.reason, "drop-3rd");
            assert_int_equal(f.rule_id, id);
        }
    }
    assert_true(delivered[2] && delivered[3] && !delivered[4] && delivered[5] && delivered[6]);
    struct link_rule_stats st = stats_of(l, 0);        /* spent, still listed */
    assert_true(st.spent);
    assert_int_equal(st.examined, 3);
    assert_int_equal(st.acted, 1);
    link_free(l);
}

static void test_drop_rules_count_only_packets_they_examine(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .name = "first", .from = 0,
                                          .to = 1, .nth = 1 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .name = "second", .from = 0,
                                          .to = 1, .nth = 2 });
    /* packet 0 is dropped by "first", so "second" never sees it: its 2nd is packet 2 */
    assert_string_equal(send_tagged(l, 0, 1, 0, 40, NULL).reason, "first");
    assert_true(send_tagged(l, 0, 1, 1, 40, NULL).delivered);
    struct link_fate f = send_tagged(l, 0, 1, 2, 40, NULL);
    assert_string_equal(f.reason, "second");
    assert_int_equal(f.rule_id, 1);
    assert_true(send_tagged(l, 0, 1, 3, 40, NULL).delivered);
    assert_int_equal(stats_of(l, 0).examined, 1);
    assert_int_equal(stats_of(l, 1).examined, 2);
    link_free(l);
}

static void test_drop_match_drops_the_next_fin_only(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_MATCH, .name = "drop-next-FIN",
                                          .from = 0, .to = 1, .flags_all = TCP_FIN,
                                          .count = 1 });
    struct packet_info syn = tcp_info(TCP_SYN), ack = tcp_info(TCP_ACK);
    struct packet_info fin = tcp_info(TCP_FIN | TCP_ACK);
    struct packet_info icmp = { .proto = PACKET_ICMP, .flags = TCP_FIN };
    assert_true(send_tagged(l, 0, 1, 0, 40, &syn).delivered);
    assert_true(send_tagged(l, 0, 1, 1, 40, &ack).delivered);
    assert_true(send_tagged(l, 0, 1, 2, 40, NULL).delivered);   /* no info: never matches */
    assert_true(send_tagged(l, 0, 1, 3, 40, &icmp).delivered);  /* not TCP */
    assert_true(send_tagged(l, 1, 0, 4, 40, &fin).delivered);   /* other direction */
    struct link_fate f = send_tagged(l, 0, 1, 5, 40, &fin);
    assert_false(f.delivered);
    assert_string_equal(f.reason, "drop-next-FIN");
    assert_true(send_tagged(l, 0, 1, 6, 40, &fin).delivered);   /* spent after one */
    struct link_rule_stats st = stats_of(l, 0);
    assert_true(st.spent);
    assert_int_equal(st.examined, 5);
    assert_int_equal(st.acted, 1);
    link_free(l);
}

static void test_drop_match_count_and_any_flags(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_MATCH, .name = "two-synacks",
                                          .from = 0, .to = 1, .flags_all = TCP_SYN | TCP_ACK,
                                          .count = 2 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_MATCH, .name = "every-RST",
                                          .from = 0, .to = 1, .flags_all = TCP_RST });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_MATCH, .name = "next-tcp",
                                          .from = 1, .to = 0, .count = 1 });
    struct packet_info syn = tcp_info(TCP_SYN), synack = tcp_info(TCP_SYN | TCP_ACK);
    struct packet_info rst = tcp_info(TCP_RST), icmp = { .proto = PACKET_ICMP };
    assert_true(send_tagged(l, 0, 1, 0, 40, &syn).delivered);
    assert_string_equal(send_tagged(l, 0, 1, 1, 40, &synack).reason, "two-synacks");
    assert_string_equal(send_tagged(l, 0, 1, 2, 40, &synack).reason, "two-synacks");
    assert_true(send_tagged(l, 0, 1, 3, 40, &synack).delivered);
    for (unsigned i = 0; i < 3; i++)
        assert_string_equal(send_tagged(l, 0, 1, 4 + i, 40, &rst).reason, "every-RST");
    assert_false(stats_of(l, 1).spent);
    assert_true(send_tagged(l, 1, 0, 7, 40, &icmp).delivered);
    assert_string_equal(send_tagged(l, 1, 0, 8, 40, &syn).reason, "next-tcp");
    assert_true(send_tagged(l, 1, 0, 9, 40, &syn).delivered);
    link_free(l);
}

/* 1000 packets 0>1 through one rule; which ones it acted on. */
struct decisions {
    unsigned count;
    bool hit[1000];
};

static struct decisions run_1000(const struct link_rule *rule, uint64_t seed)
{
    struct decisions d = { 0 };
    struct link *l = new_link(1000, 0, seed);
    assert_int_equal(link_add_rule(l, rule), 0);
    for (unsigned i = 0; i < 1000; i++) {
        struct link_fate f = send_tagged(l, 0, 1, i, 40, NULL);
        switch (rule->kind) {
        case LINK_DROP_CHANCE: d.hit[i] = !f.delivered; break;
        case LINK_REORDER: d.hit[i] = f.reordered; break;
        case LINK_DUPLICATE: d.hit[i] = f.duplicated; break;
        case LINK_DROP_ALL:
        case LINK_DROP_NTH:
        case LINK_DROP_MATCH:
        case LINK_DELAY:
        case LINK_RULE_KIND_COUNT: fail();
        }
        d.count += d.hit[i];
    }
    assert_int_equal(stats_of(l, 0).acted, d.count);
    link_free(l);               /* the timers die unrun with sched_fini */
    return d;
}

/* Same seed, same decisions; another seed, other decisions; exact counts pinned. */
static void assert_deterministic(const struct link_rule *rule, unsigned count_seed1,
                                 unsigned count_seed2)
{
    struct decisions a = run_1000(rule, 1), b = run_1000(rule, 1), c = run_1000(rule, 2);
    assert_int_equal(a.count, count_seed1);
    assert_int_equal(c.count, count_seed2);
    assert_memory_equal(a.hit, b.hit, sizeof a.hit);
    assert_memory_not_equal(a.hit, c.hit, sizeof a.hit);
}

static void test_drop_chance_is_deterministic_per_seed(void **state)
{
    (void)state;
    struct link_rule r = { .kind = LINK_DROP_CHANCE, .name = "loss-10%", .from = 0, .to = 1,
                           .numerator = 1, .denominator = 10 };
    assert_deterministic(&r, 97, 78);
    struct link_rule never = r, always = r;
    never.numerator = 0;
    always.numerator = 10;
    assert_int_equal(run_1000(&never, 1).count, 0);
    assert_int_equal(run_1000(&always, 1).count, 1000);
}

static void test_partition_drops_both_directions_before_any_rule(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 1 });
    assert_false(link_partitioned(l));
    link_set_partition(l, true);
    assert_true(link_partitioned(l));
    struct link_fate f = send_tagged(l, 0, 1, 0, 40, NULL);
    assert_string_equal(f.reason, "partition");
    assert_int_equal(f.rule_id, -1);
    assert_string_equal(send_tagged(l, 1, 0, 1, 40, NULL).reason, "partition");
    assert_string_equal(send_tagged(l, 2, 3, 2, 40, NULL).reason, "partition");
    assert_int_equal(stats_of(l, 0).examined, 0);       /* the rule never saw them */
    link_set_partition(l, false);
    assert_string_equal(send_tagged(l, 0, 1, 3, 40, NULL).reason, "drop-nth");
    assert_true(send_tagged(l, 0, 1, 4, 40, NULL).delivered);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 1);
    assert_int_equal(arrivals[0].tag, 4);
    link_free(l);
}

/* ---- bandwidth ---- */

static void test_bandwidth_can_be_set_per_direction(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, seeded(1), NULL, record_arrival);
    link_set_bandwidth(l, 0, 1, 8000);      /* 1 byte per ms: 100 bytes take 100 ms */
    assert_int_equal(send_tagged(l, 0, 1, 0, 100, NULL).arrive_us, 101000);
    assert_int_equal(send_tagged(l, 0, 1, 1, 100, NULL).arrive_us, 201000);
    assert_int_equal(send_tagged(l, 1, 0, 2, 100, NULL).arrive_us, 1008);     /* 100 Mbit/s */
    link_set_bandwidth(l, 0, 1, 0);         /* unlimited, but still behind what is queued */
    assert_int_equal(send_tagged(l, 0, 1, 3, 1500, NULL).arrive_us, 201000);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 4);
    assert_int_equal(arrivals[1].tag, 0);
    assert_int_equal(arrivals[2].tag, 1);
    assert_int_equal(arrivals[3].tag, 3);
    link_free(l);
}

static void test_dropped_packets_cost_no_bandwidth(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, seeded(1), NULL, record_arrival);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 1 });
    assert_false(send_tagged(l, 0, 1, 0, 1500, NULL).delivered);
    assert_int_equal(send_tagged(l, 0, 1, 1, 40, NULL).arrive_us, 1004);   /* not 1124 */
    link_free(l);
}

/* ---- delay, jitter, reordering, duplication ---- */

static void test_delay_rules_add_up_in_their_direction(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .from = 0, .to = 1,
                                          .delay_us = 5000 });
    assert_int_equal(send_tagged(l, 0, 1, 0, 40, NULL).arrive_us, 6000);
    assert_int_equal(send_tagged(l, 1, 0, 1, 40, NULL).arrive_us, 1000);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .from = 1, .to = 0, .both = true,
                                          .delay_us = 250 });
    assert_int_equal(send_tagged(l, 0, 1, 2, 40, NULL).arrive_us, 6250);
    assert_int_equal(send_tagged(l, 1, 0, 3, 40, NULL).arrive_us, 1250);
    link_free(l);
}

static void test_jitter_is_deterministic_and_never_reorders(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 7);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .name = "jitter", .from = 0,
                                          .to = 1, .jitter_us = 1000 });
    static struct timed_send sends[1000];
    for (unsigned i = 0; i < 1000; i++) send_at(100 * i, &sends[i], l, 0, 1, i);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 1000);
    unsigned clamped = 0;
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t sent = 100 * i, t = sends[i].fate.arrive_us;
        assert_int_equal(arrivals[i].tag, i);                   /* send order */
        assert_int_equal(arrivals[i].t_us, t);
        assert_true(t >= sent + 1000 && t <= sent + 2000);
        if (i > 0 && t == sends[i - 1].fate.arrive_us) clamped++;
        assert_false(sends[i].fate.reordered);
    }
    /* sent at 0, 100, ...: packets 2 and 4 drew less jitter than their predecessor and were
     * clamped to its arrival */
    const uint64_t first[6] = { 1310, 1551, 1551, 1828, 1828, 1870 };
    for (unsigned i = 0; i < 6; i++) assert_int_equal(sends[i].fate.arrive_us, first[i]);
    assert_int_equal(clamped, 577);
    link_free(l);
}

static void test_reorder_holds_a_packet_back_so_the_next_overtakes_it(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    struct timed_send s[3];
    send_at(0, &s[0], l, 0, 1, 0);
    sched_run(5);
    int id = link_add_rule(l, &(struct link_rule){ .kind = LINK_REORDER, .from = 0, .to = 1,
                                                   .numerator = 1, .denominator = 1,
                                                   .delay_us = 500 });
    send_at(10, &s[1], l, 0, 1, 1);
    sched_run(15);
    link_remove_rule(l, id);
    send_at(20, &s[2], l, 0, 1, 2);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(s[0].fate.arrive_us, 1000);
    assert_int_equal(s[1].fate.arrive_us, 1510);
    assert_true(s[1].fate.reordered);
    assert_int_equal(s[2].fate.arrive_us, 1020);
    assert_false(s[2].fate.reordered);
    assert_int_equal(arrival_count, 3);
    assert_int_equal(arrivals[0].tag, 0);
    assert_int_equal(arrivals[1].tag, 2);       /* overtook packet 1 */
    assert_int_equal(arrivals[2].tag, 1);
    assert_int_equal(arrivals[2].t_us, 1510);
    link_free(l);
}

static void test_reorder_chance_is_deterministic_per_seed(void **state)
{
    (void)state;
    struct link_rule r = { .kind = LINK_REORDER, .from = 0, .to = 1, .numerator = 3,
                           .denominator = 100, .delay_us = 3000 };
    assert_deterministic(&r, 21, 24);
}

/* With jitter and reordering together, only held-back packets leave send order. */
static void test_only_held_back_packets_arrive_out_of_order(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 3);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .from = 0, .to = 1,
                                          .jitter_us = 2000 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_REORDER, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 5, .delay_us = 700 });
    static struct timed_send sends[500];
    for (unsigned i = 0; i < 500; i++) send_at(100 * i, &sends[i], l, 0, 1, i);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 500);
    unsigned held = 0, overtaken = 0, next_in_order = 0;
    for (unsigned k = 0; k < 500; k++) {
        unsigned tag = arrivals[k].tag;
        assert_int_equal(arrivals[k].t_us, sends[tag].fate.arrive_us);
        if (sends[tag].fate.reordered) continue;
        while (sends[next_in_order].fate.reordered) next_in_order++;
        assert_int_equal(tag, next_in_order++);        /* the others: in send order */
    }
    for (unsigned i = 0; i < 500; i++) held += sends[i].fate.reordered;
    for (unsigned k = 0; k + 1 < 500; k++) overtaken += arrivals[k].tag > arrivals[k + 1].tag;
    assert_int_equal(held, 99);
    assert_int_equal(overtaken, 60);
    link_free(l);
}

static void test_duplicate_delivers_a_second_copy_later(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    int id = link_add_rule(l, &(struct link_rule){ .kind = LINK_DUPLICATE, .from = 0, .to = 1,
                                                   .numerator = 1, .denominator = 1,
                                                   .delay_us = 200 });
    struct link_fate f = send_tagged(l, 0, 1, 7, 60, NULL);
    assert_true(f.delivered && f.duplicated);
    assert_int_equal(f.arrive_us, 1000);
    assert_int_equal(f.duplicate_arrive_us, 1200);
    assert_false(send_tagged(l, 1, 0, 8, 40, NULL).duplicated);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 3);
    assert_int_equal(arrivals[0].tag, 7);
    assert_int_equal(arrivals[0].t_us, 1000);
    assert_int_equal(arrivals[1].tag, 8);
    assert_int_equal(arrivals[2].tag, 7);
    assert_int_equal(arrivals[2].t_us, 1200);
    assert_int_equal(arrivals[2].len, 60);

    /* lag 0: the copy right behind the original, before the next packet */
    link_remove_rule(l, id);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DUPLICATE, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 1 });
    arrival_count = 0;
    uint64_t now = sched_now_us();
    assert_int_equal(send_tagged(l, 0, 1, 1, 40, NULL).duplicate_arrive_us, now + 1000);
    send_tagged(l, 0, 1, 2, 40, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 4);
    unsigned order[4] = { arrivals[0].tag, arrivals[1].tag, arrivals[2].tag, arrivals[3].tag };
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 2);
    assert_int_equal(order[3], 2);
    link_free(l);
}

static void test_duplicate_chance_is_deterministic_per_seed(void **state)
{
    (void)state;
    struct link_rule r = { .kind = LINK_DUPLICATE, .from = 0, .to = 1, .numerator = 1,
                           .denominator = 4, .delay_us = 100 };
    assert_deterministic(&r, 245, 255);
}

static void test_dropped_packets_are_not_examined_by_effect_rules(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .from = 0, .to = 1,
                                          .jitter_us = 100 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 1 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DUPLICATE, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 1 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DUPLICATE, .name = "dup2", .from = 0,
                                          .to = 1, .numerator = 1, .denominator = 1 });
    /* a drop rule added after an effect rule still decides first */
    assert_string_equal(send_tagged(l, 0, 1, 0, 40, NULL).reason, "drop-nth");
    assert_int_equal(stats_of(l, 0).examined, 0);
    assert_int_equal(stats_of(l, 2).examined, 0);
    assert_true(send_tagged(l, 0, 1, 1, 40, NULL).duplicated);
    assert_int_equal(stats_of(l, 0).examined, 1);
    assert_int_equal(stats_of(l, 2).acted, 1);
    assert_int_equal(stats_of(l, 3).examined, 0);       /* one copy per packet */
    link_free(l);
}

/* ---- reasons, descriptions, teardown ---- */

static void test_drop_reason_outlives_the_rule(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    int id = link_add_rule(l, &(struct link_rule){ .kind = LINK_DROP_ALL, .name = "custom",
                                                   .from = 0, .to = 1 });
    struct link_fate f = send_tagged(l, 0, 1, 0, 40, NULL);
    assert_true(link_remove_rule(l, id));
    for (int i = 0; i < 40; i++)        /* the rule table grows and moves */
        link_add_rule(l, &(struct link_rule){ .kind = LINK_DELAY, .from = 1, .to = 0 });
    assert_string_equal(f.reason, "custom");    /* valgrind: still owned by the link */
    link_free(l);
}

static void assert_describes(const struct link_rule *r, const char *const *names,
                             const char *expected)
{
    char buf[160];
    size_t n = link_describe_rule(r, names, buf, sizeof buf);
    assert_string_equal(buf, expected);
    assert_int_equal(n, strlen(expected));
}

static void test_describe_rule_one_line_per_kind(void **state)
{
    (void)state;
    const char *const names[] = { "client", "server" };
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_MATCH, .name = "drop-next-FIN",
                                          .from = 0, .to = 1, .flags_all = TCP_FIN,
                                          .count = 1 },
                     names, "client>server drop-next-FIN: drop the next 1 packet with FIN");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_ALL, .from = 1, .to = 0,
                                          .both = true },
                     NULL, "1<>0 drop-all: drop every packet");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 3 },
                     names, "client>server drop-nth: drop the 3rd packet");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 12 },
                     NULL, "0>1 drop-nth: drop the 12th packet");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_NTH, .from = 0, .to = 1, .nth = 22 },
                     NULL, "0>1 drop-nth: drop the 22nd packet");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_MATCH, .from = 0, .to = 1,
                                          .flags_all = TCP_SYN | TCP_ACK },
                     NULL, "0>1 drop-match: drop every packet with SYN+ACK");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_MATCH, .from = 0, .to = 1,
                                          .count = 2 },
                     NULL, "0>1 drop-match: drop the next 2 TCP packets");
    assert_describes(&(struct link_rule){ .kind = LINK_DROP_CHANCE, .name = "loss", .from = 1,
                                          .to = 0, .numerator = 1, .denominator = 100 },
                     names, "server>client loss: drop each packet with probability 1/100");
    assert_describes(&(struct link_rule){ .kind = LINK_DELAY, .from = 0, .to = 1,
                                          .delay_us = 5000, .jitter_us = 2000 },
                     NULL, "0>1 delay: delay each packet by 5000 us + 0..2000 us jitter");
    assert_describes(&(struct link_rule){ .kind = LINK_DELAY, .from = 0, .to = 1,
                                          .delay_us = 5000 },
                     NULL, "0>1 delay: delay each packet by 5000 us");
    assert_describes(&(struct link_rule){ .kind = LINK_REORDER, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 10, .delay_us = 3000 },
                     NULL, "0>1 reorder: hold back each packet with probability 1/10 by 3000 us");
    assert_describes(&(struct link_rule){ .kind = LINK_DUPLICATE, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 50, .delay_us = 100 },
                     NULL,
                     "0>1 duplicate: duplicate each packet with probability 1/50, the copy "
                     "100 us later");
    /* truncation: terminated, and the return value is the full length, like snprintf */
    char small[10];
    size_t n = link_describe_rule(&(struct link_rule){ .kind = LINK_DROP_ALL, .from = 0,
                                                       .to = 1 },
                                  names, small, sizeof small);
    assert_int_equal(n, strlen("client>server drop-all: drop every packet"));
    assert_string_equal(small, "client>se");
}

static void test_packets_copies_and_held_packets_at_teardown_are_freed(void **state)
{
    (void)state;
    struct link *l = new_link(1000, 0, 1);
    link_add_rule(l, &(struct link_rule){ .kind = LINK_REORDER, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 2, .delay_us = 50 });
    link_add_rule(l, &(struct link_rule){ .kind = LINK_DUPLICATE, .from = 0, .to = 1,
                                          .numerator = 1, .denominator = 1, .delay_us = 10 });
    for (unsigned i = 0; i < 5; i++) assert_true(send_tagged(l, 0, 1, i, 40, NULL).duplicated);
    sched_run(1005);                  /* some have arrived, some are still in flight */
    assert_int_equal(arrival_count, 3);   /* seed 1: 2 originals held back, 5 copies to come */
    link_free(l);                     /* valgrind: no leak */
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_default_link_is_1ms_and_100mbit),
        T(test_packets_queue_behind_each_other_per_direction),
        T(test_zero_bandwidth_means_delay_only),
        T(test_unknown_destination_is_dropped_with_a_reason),
        T(test_packets_in_flight_at_teardown_are_freed),
        T(test_rules_get_ids_in_order_and_default_names),
        T(test_invalid_rules_are_refused),
        T(test_drop_all_drops_one_direction_until_removed),
        T(test_both_flag_covers_the_reverse_direction_only),
        T(test_drop_nth_counts_from_when_it_was_added_in_its_direction),
        T(test_drop_rules_count_only_packets_they_examine),
        T(test_drop_match_drops_the_next_fin_only),
        T(test_drop_match_count_and_any_flags),
        T(test_drop_chance_is_deterministic_per_seed),
        T(test_partition_drops_both_directions_before_any_rule),
        T(test_bandwidth_can_be_set_per_direction),
        T(test_dropped_packets_cost_no_bandwidth),
        T(test_delay_rules_add_up_in_their_direction),
        T(test_jitter_is_deterministic_and_never_reorders),
        T(test_reorder_holds_a_packet_back_so_the_next_overtakes_it),
        T(test_reorder_chance_is_deterministic_per_seed),
        T(test_only_held_back_packets_arrive_out_of_order),
        T(test_duplicate_delivers_a_second_copy_later),
        T(test_duplicate_chance_is_deterministic_per_seed),
        T(test_dropped_packets_are_not_examined_by_effect_rules),
        T(test_drop_reason_outlives_the_rule),
        T(test_describe_rule_one_line_per_kind),
        T(test_packets_copies_and_held_packets_at_teardown_are_freed),
    };
#undef T
    return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
