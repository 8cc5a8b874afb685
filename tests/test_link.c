/* Link: one-way delay, serialisation at the configured bandwidth, per-direction order,
 * copies of the packets, no route. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "link.h"
#include "sched.h"

#include <string.h>

struct arrival {
    int to;
    uint64_t t_us;
    size_t len;
    uint8_t first;
};
static struct arrival arrivals[8];
static size_t arrival_count;

static void record_arrival(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    arrivals[arrival_count++] = (struct arrival){ to, sched_now_us(), len, pkt[0] };
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
    struct link *l = link_new(&cfg, NULL, record_arrival);
    uint8_t big[1500], small[40];
    memset(big, 0xb1, sizeof big);
    memset(small, 0x5a, sizeof small);
    struct link_fate f1 = link_send(l, 0, 1, big, sizeof big);    /* 120 us on the wire */
    struct link_fate f2 = link_send(l, 0, 1, small, sizeof small); /* 3.2 us, rounded up to 4 */
    struct link_fate f3 = link_send(l, 1, 0, small, sizeof small); /* other direction: no wait */
    memset(big, 0, sizeof big);                                    /* the link keeps a copy */
    assert_true(f1.delivered && f2.delivered && f3.delivered);
    assert_int_equal(f1.arrive_us, 1120);
    assert_int_equal(f2.arrive_us, 1124);
    assert_int_equal(f3.arrive_us, 1004);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 3);
    assert_int_equal(arrivals[0].t_us, 1004);
    assert_int_equal(arrivals[0].to, 0);
    assert_int_equal(arrivals[1].t_us, 1120);
    assert_int_equal(arrivals[1].first, 0xb1);
    assert_int_equal(arrivals[1].len, 1500);
    assert_int_equal(arrivals[2].t_us, 1124);
    link_free(l);
}

static void test_zero_bandwidth_means_delay_only(void **state)
{
    (void)state;
    struct link_config cfg = { .delay_us = 250, .bandwidth_bps = 0 };
    struct link *l = link_new(&cfg, NULL, record_arrival);
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
    struct link *l = link_new(&cfg, NULL, record_arrival);
    uint8_t pkt[40] = { 0 };
    struct link_fate f = link_send(l, 0, -1, pkt, sizeof pkt);
    assert_false(f.delivered);
    assert_string_equal(f.reason, "no route");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(arrival_count, 0);
    link_free(l);
}

static void test_packets_in_flight_at_teardown_are_freed(void **state)
{
    (void)state;
    struct link_config cfg = link_config_default();
    struct link *l = link_new(&cfg, NULL, record_arrival);
    uint8_t pkt[40] = { 0 };
    link_send(l, 0, 1, pkt, sizeof pkt);
    link_free(l);                     /* valgrind: no leak; the timer dies with sched_fini */
    assert_int_equal(arrival_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_link_is_1ms_and_100mbit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packets_queue_behind_each_other_per_direction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_bandwidth_means_delay_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_destination_is_dropped_with_a_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packets_in_flight_at_teardown_are_freed, setup, teardown),
    };
    return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
