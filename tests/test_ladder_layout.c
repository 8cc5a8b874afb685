/* ladder_layout: one arrow per segment in send order, each ending below where it starts at its
 * arrival row (after everything sent before it arrived, before what answers it), dropped ones
 * ending half-way with their rule; long pauses compressed and recorded; a connection's ladder
 * holds only that connection and its two hosts. Events are built by hand: virtual time is
 * given explicitly, no world runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ladder_layout.h"
#include "packet.h"

#include <stdio.h>
#include <string.h>

#define A_IP 0x0a000001u   /* 10.0.0.1 */
#define B_IP 0x0a000002u   /* 10.0.0.2 */

static const char *const hosts[] = { "client", "server" };

static struct trace_event segment(uint64_t t_us, bool from_client, uint16_t client_port,
                                  uint8_t flags, uint32_t len, uint64_t arrive_us)
{
    struct trace_event ev = { .type = TRACE_SEGMENT, .t_us = t_us };
    struct trace_segment *s = &ev.u.segment;
    s->from = from_client ? "client" : "server";
    s->to = from_client ? "server" : "client";
    s->src_ip = from_client ? A_IP : B_IP;
    s->dst_ip = from_client ? B_IP : A_IP;
    s->src_port = from_client ? client_port : 7000;
    s->dst_port = from_client ? 7000 : client_port;
    s->flags = flags;
    s->len = len;
    s->delivered = arrive_us != 0;
    s->arrive_us = arrive_us;
    snprintf(s->fate, sizeof s->fate, "%s", arrive_us ? "delivered" : "dropped:rule 1 (drop nth)");
    return ev;
}

static struct trace_event call(uint64_t t_us, const char *conn)
{
    struct trace_event ev = { .type = TRACE_CALL, .t_us = t_us };
    ev.u.call = (struct trace_call){ .host = "client", .proc = "app", .call = "send", .fd = 3,
                                     .start_us = t_us, .ret = 10, .bytes = 10 };
    snprintf(ev.u.call.conn, sizeof ev.u.call.conn, "%s", conn);
    return ev;
}

static void layout(const struct trace_event *ev, size_t n, const char *conn, struct ladder *l)
{
    char err[200];
    assert_int_equal(ladder_layout(ev, n, hosts, 2, conn, l, err, sizeof err), 0);
}

static void test_one_arrow_per_segment_in_send_order_each_pointing_down(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_SYN, 0, 1000),
        segment(1000, false, 5000, TCP_SYN | TCP_ACK, 0, 2000),
        call(2000, "10.0.0.1:5000>10.0.0.2:7000"),
        segment(2000, true, 5000, TCP_ACK, 0, 3000),
        segment(2000, true, 5000, TCP_ACK | TCP_PSH, 10, 3000),
    };
    struct ladder l;
    layout(ev, 5, NULL, &l);
    assert_int_equal(l.lane_count, 2);
    assert_int_equal(l.arrow_count, 4);
    size_t expected_events[] = { 0, 1, 3, 4 };
    for (size_t i = 0; i < l.arrow_count; i++) {
        assert_int_equal(l.arrows[i].event, expected_events[i]);
        assert_true(l.arrows[i].y_end > l.arrows[i].y_send);
        if (i) assert_true(l.arrows[i].y_send > l.arrows[i - 1].y_send);
    }
    assert_int_equal(l.arrows[0].from_lane, 0);
    assert_int_equal(l.arrows[1].from_lane, 1);
    assert_string_equal(l.arrows[1].label, "S. seq 0 ack 0 len 0 win 0");
    assert_int_equal(l.gap_count, 0);
    ladder_free(&l);
}

/* The SYN arrives at 1000 and the SYN,ACK leaves at 1000: the answer starts below the arrival. */
static void test_an_answer_starts_below_the_arrival_it_answers(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_SYN, 0, 1000),
        segment(1000, false, 5000, TCP_SYN | TCP_ACK, 0, 2000),
    };
    struct ladder l;
    layout(ev, 2, NULL, &l);
    assert_true(l.arrows[1].y_send > l.arrows[0].y_end);
    ladder_free(&l);
}

static void test_a_dropped_segment_ends_half_way_with_its_rule(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_ACK | TCP_PSH, 100, 0),
        segment(500, true, 5000, TCP_ACK, 0, 1500),
    };
    struct ladder l;
    layout(ev, 2, NULL, &l);
    assert_int_equal(l.arrow_count, 2);
    assert_true(l.arrows[0].dropped);
    assert_false(l.arrows[1].dropped);
    assert_string_equal(l.arrows[0].fate, "dropped:rule 1 (drop nth)");
    assert_true(l.arrows[0].y_end > l.arrows[0].y_send);
    assert_true(l.arrows[1].y_send > l.arrows[0].y_end);   /* the cross has its own room */
    ladder_free(&l);
}

static void test_a_long_pause_is_compressed_and_marked(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_FIN | TCP_ACK, 0, 1000),
        segment(120001000, false, 5000, TCP_ACK, 0, 120002000),   /* 120 s later */
    };
    struct ladder l;
    layout(ev, 2, NULL, &l);
    assert_int_equal(l.gap_count, 1);
    assert_int_equal(l.gaps[0].from_us, 1000);
    assert_int_equal(l.gaps[0].to_us, 120001000);
    assert_true(l.gaps[0].y > l.arrows[0].y_end);
    assert_true(l.arrows[1].y_send >= l.gaps[0].y + LADDER_GAP_HEIGHT);
    assert_true(l.arrows[1].y_send - l.arrows[0].y_end < 3 * LADDER_GAP_HEIGHT);
    ladder_free(&l);
}

static void test_a_short_pause_adds_space_but_no_gap(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_ACK, 0, 1000),
        segment(200000, true, 5000, TCP_ACK, 0, 201000),   /* 200 ms later */
    };
    struct ladder l;
    layout(ev, 2, NULL, &l);
    assert_int_equal(l.gap_count, 0);
    assert_true(l.arrows[1].y_send - l.arrows[0].y_end > LADDER_ROW);
    ladder_free(&l);
}

static void test_a_connection_ladder_holds_only_its_segments_and_calls(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_SYN, 0, 1000),
        segment(0, true, 5001, TCP_SYN, 0, 1000),
        segment(1000, false, 5001, TCP_SYN | TCP_ACK, 0, 2000),
        call(2000, "10.0.0.1:5001>10.0.0.2:7000"),
        call(2000, "10.0.0.1:5000>10.0.0.2:7000"),
    };
    char conns[4][48];
    assert_int_equal(ladder_connections(ev, 5, conns, 4), 2);
    assert_string_equal(conns[0], "10.0.0.1:5000>10.0.0.2:7000");
    assert_string_equal(conns[1], "10.0.0.1:5001>10.0.0.2:7000");
    struct ladder l;
    layout(ev, 5, "10.0.0.2:7000>10.0.0.1:5001", &l);   /* either direction names it */
    assert_int_equal(l.arrow_count, 2);
    assert_int_equal(l.arrows[0].event, 1);
    assert_int_equal(l.arrows[1].event, 2);
    assert_int_equal(l.note_count, 1);
    assert_int_equal(l.notes[0].event, 3);
    assert_string_equal(l.lanes[0].title, "client 10.0.0.1:5001");
    assert_string_equal(l.lanes[1].title, "server 10.0.0.2:7000");
    ladder_free(&l);
}

static void test_long_notes_wrap_and_take_their_rows(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment(0, true, 5000, TCP_RST | TCP_ACK, 0, 1000),
        segment(0, true, 5000, TCP_ACK, 0, 1000),
    };
    snprintf(ev[0].u.segment.reason, sizeof ev[0].u.segment.reason, "%s",
             "app called close(); 100 received bytes were never read: close() resets instead "
             "of FIN (tcp_close_shutdown: unread data -> tcp_rst)");
    struct ladder l;
    layout(ev, 2, NULL, &l);
    assert_true(l.arrows[0].rst);
    assert_int_equal(l.note_count, 1);
    assert_int_equal(l.notes[0].kind, LADDER_NOTE_RST);
    assert_true(l.notes[0].lines >= 2);
    for (const char *p = l.notes[0].text; *p;) {
        size_t len = strcspn(p, "\n");
        assert_true(len <= LADDER_NOTE_CHARS);
        p += len + (p[len] == '\n');
    }
    assert_true(l.arrows[1].y_send >= l.notes[0].y + l.notes[0].lines * LADDER_ROW);
    ladder_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_arrow_per_segment_in_send_order_each_pointing_down),
        cmocka_unit_test(test_an_answer_starts_below_the_arrival_it_answers),
        cmocka_unit_test(test_a_dropped_segment_ends_half_way_with_its_rule),
        cmocka_unit_test(test_a_long_pause_is_compressed_and_marked),
        cmocka_unit_test(test_a_short_pause_adds_space_but_no_gap),
        cmocka_unit_test(test_a_connection_ladder_holds_only_its_segments_and_calls),
        cmocka_unit_test(test_long_notes_wrap_and_take_their_rows),
    };
    return cmocka_run_group_tests_name("ladder_layout", tests, NULL, NULL);
}
