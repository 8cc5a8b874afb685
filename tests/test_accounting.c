/* Byte accounting: content checked against what was sent, every lost byte with its reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "accounting.h"
#include "packet.h"
#include "sched.h"

#include <string.h>

static const struct conn_key flow = { 0x0a000001, 0x0a000002, 5000, 7000 };

static const char *name(void *ctx, uint32_t ip)
{
    (void)ctx;
    return ip == 0x0a000001 ? "client" : "server";
}

/* The one accounting event the report emits. */
static struct trace_accounting report_one(struct accounting *a, size_t *bad)
{
    struct trace *t = trace_new();
    *bad = accounting_report(a, t, name, NULL);
    size_t n;
    const struct trace_event *ev = trace_events(t, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].type, TRACE_ACCOUNTING);
    struct trace_accounting r = ev[0].u.accounting;
    trace_free(t);
    return r;
}

/* A segment from the receiver acknowledging `acked` data bytes. */
static void ack_from_receiver(struct accounting *a, uint32_t acked, uint8_t flags)
{
    struct trace_segment s = { .src_ip = flow.remote_ip, .dst_ip = flow.local_ip,
                               .src_port = flow.remote_port, .dst_port = flow.local_port,
                               .flags = flags, .ack = acked + 1, .delivered = true };
    accounting_segment(a, &s);
}

static void data_from_sender(struct accounting *a, uint32_t seq, uint32_t len)
{
    struct trace_segment s = { .src_ip = flow.local_ip, .dst_ip = flow.remote_ip,
                               .src_port = flow.local_port, .dst_port = flow.remote_port,
                               .flags = TCP_ACK | TCP_PSH, .seq = seq, .len = len, .delivered = true };
    accounting_segment(a, &s);
}

static int setup(void **state) { (void)state; sched_init(); return 0; }
static int teardown(void **state) { (void)state; sched_fini(); return 0; }

static void test_everything_delivered_with_the_right_content(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "hello world", 11);
    data_from_sender(a, 1, 11);
    ack_from_receiver(a, 11, TCP_ACK);
    accounting_received(a, flow, "hello ", 6);
    accounting_received(a, flow, "world", 5);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(bad, 0);
    assert_true(r.ok);
    assert_int_equal(r.sent, 11);
    assert_int_equal(r.delivered, 11);
    assert_int_equal(r.lost_unread + r.lost_unarrived, 0);
    assert_int_equal(r.mismatch_at, -1);
    assert_string_equal(r.conn, "10.0.0.1:5000>10.0.0.2:7000");
    accounting_free(a);
}

static void test_wrong_content_is_an_error_naming_the_byte(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "abcdef", 6);
    accounting_received(a, flow, "abcX", 4);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(bad, 1);
    assert_false(r.ok);
    assert_int_equal(r.mismatch_at, 3);
    accounting_free(a);
}

static void test_bytes_read_that_were_never_sent_are_an_error(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "ab", 2);
    accounting_received(a, flow, "abc", 3);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(bad, 1);
    assert_false(r.ok);
    accounting_free(a);
}

static void test_acked_but_unread_at_close(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "0123456789", 10);
    data_from_sender(a, 1, 10);
    ack_from_receiver(a, 10, TCP_ACK);
    accounting_received(a, flow, "0123", 4);
    struct conn_key receiver_side = { flow.remote_ip, flow.local_ip, flow.remote_port, flow.local_port };
    accounting_closed(a, receiver_side);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(bad, 0);
    assert_int_equal(r.delivered, 4);
    assert_int_equal(r.lost_unread, 6);
    assert_string_equal(r.unread_reason, "unread at close");
    assert_int_equal(r.lost_unarrived, 0);
    accounting_free(a);
}

static void test_reset_discards_what_never_arrived_and_what_was_not_read(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "0123456789", 10);
    data_from_sender(a, 1, 6);                 /* only 6 bytes ever left the sender */
    ack_from_receiver(a, 6, TCP_ACK);
    ack_from_receiver(a, 6, TCP_RST | TCP_ACK);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(r.delivered, 0);
    assert_int_equal(r.lost_unread, 6);
    assert_string_equal(r.unread_reason, "discarded by an RST");
    assert_int_equal(r.lost_unarrived, 4);
    assert_string_equal(r.unarrived_reason, "discarded by an RST");
    assert_int_equal(r.never_on_wire, 4);
    accounting_free(a);
}

static void test_crashed_sender_loses_its_queue(void **state)
{
    (void)state;
    struct accounting *a = accounting_new();
    accounting_sent(a, flow, "0123456789", 10);
    accounting_host_down(a, flow.local_ip);
    size_t bad;
    struct trace_accounting r = report_one(a, &bad);
    assert_int_equal(r.lost_unarrived, 10);
    assert_string_equal(r.unarrived_reason, "still queued when the host crashed");
    accounting_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_everything_delivered_with_the_right_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_content_is_an_error_naming_the_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_read_that_were_never_sent_are_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acked_but_unread_at_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_discards_what_never_arrived_and_what_was_not_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crashed_sender_loses_its_queue, setup, teardown),
    };
    return cmocka_run_group_tests_name("accounting", tests, NULL, NULL);
}
