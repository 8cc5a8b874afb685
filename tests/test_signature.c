/* signature: a trace reduced to sections sorted by name (interleavings of connections and
 * directions do not change it), kernel-chosen ports replaced by labels, runs of recv calls
 * merged; signature_diff names the sections that changed; signature_compare_calls compares
 * only calls and process endings. Built from hand-made events: no run, no root. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "signature.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT 0x0a000001u
#define SERVER 0x0a000002u

static struct trace_event segment(const char *from, const char *to, uint32_t src, uint16_t sport,
                                  uint32_t dst, uint16_t dport, uint8_t flags, uint32_t seq)
{
    struct trace_event ev = { .type = TRACE_SEGMENT };
    ev.u.segment = (struct trace_segment){ .from = from, .to = to, .src_ip = src, .dst_ip = dst,
                                           .src_port = sport, .dst_port = dport, .flags = flags,
                                           .seq = seq, .delivered = true };
    snprintf(ev.u.segment.fate, sizeof ev.u.segment.fate, "delivered");
    return ev;
}

static struct trace_event call(const char *proc, const char *name, int fd, long ret, int err)
{
    struct trace_event ev = { .type = TRACE_CALL };
    ev.u.call = (struct trace_call){ .host = "client", .proc = proc, .call = name, .fd = fd,
                                     .ret = ret, .err = err, .bytes = -1 };
    return ev;
}

static const struct sig_label labels[] = { { CLIENT, 40000, "client.s" } };

static void test_interleaving_does_not_change_the_signature(void **state)
{
    (void)state;
    struct trace_event a[] = {
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x02, 0),
        segment("server", "client", SERVER, 7000, CLIENT, 40000, 0x12, 0),
    };
    struct trace_event b[] = { a[1], a[0] };
    char *x = signature_make(a, 2, labels, 1, NULL, 0), *y = signature_make(b, 2, labels, 1, NULL, 0);
    assert_string_equal(x, y);
    assert_non_null(strstr(x, "segments client>server client.s>10.0.0.2:7000\n  S    seq 0 ack 0 len 0 delivered\n"));
    assert_null(strstr(x, "40000"));
    assert_int_equal(signature_diff(x, y, NULL), 0);
    free(x);
    free(y);
}

static void test_data_in_a_row_is_one_range_and_pure_acks_are_left_out(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x02, 0),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x10, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x10, 101),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x04, 201),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x04, 301),
    };
    ev[2].u.segment.len = ev[3].u.segment.len = ev[4].u.segment.len = 100;
    char *sig = signature_make(ev, 7, labels, 1, NULL, 0);
    assert_string_equal(sig, "segments client>server client.s>10.0.0.2:7000\n"
                             "  S    seq 0 ack 0 len 0 delivered\n"
                             "  data 1-201\n"
                             "  R    (a socket that is gone answers)\n");
    free(sig);
}

/* A FIN on the last data (FP.) and a FIN after it give the same signature: whether close()
 * found the last bytes still queued is timing. */
static void test_data_a_fin_carries_joins_the_range(void **state)
{
    (void)state;
    struct trace_event piggy[] = {
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x19, 101),
    };
    struct trace_event alone[] = {
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 101),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x11, 201),
    };
    piggy[0].u.segment.len = piggy[1].u.segment.len = 100;
    alone[0].u.segment.len = alone[1].u.segment.len = 100;
    char *x = signature_make(piggy, 2, labels, 1, NULL, 0), *y = signature_make(alone, 3, labels, 1, NULL, 0);
    assert_string_equal(x, "segments client>server client.s>10.0.0.2:7000\n"
                           "  data 1-201\n"
                           "  F.   seq 201 ack 0 len 0 delivered\n");
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* An orphan answering data: the same reset whether it was still in FIN_WAIT or a timewait
 * socket (the peer's delayed-ACK timing decides). */
static void test_an_orphans_two_reset_reasons_are_one(void **state)
{
    (void)state;
    struct trace_event ev[2] = { { .type = TRACE_LINK }, { .type = TRACE_LINK } };
    ev[0].u.link.event = ev[1].u.link.event = "rst-sent";
    snprintf(ev[0].u.link.detail, sizeof ev[0].u.link.detail,
             "client 10.0.0.1:40000>10.0.0.2:7000 in TCP_CLOSE: TCP_ABORT_ON_DATA");
    snprintf(ev[1].u.link.detail, sizeof ev[1].u.link.detail,
             "client 10.0.0.1:40000>10.0.0.2:7000 in TCP_TIME_WAIT: TCP_TIMEWAIT_SOCKET");
    char *x = signature_make(&ev[0], 1, labels, 1, NULL, 0), *y = signature_make(&ev[1], 1, labels, 1, NULL, 0);
    assert_string_equal(x, "link rst-sent\n  client client.s>10.0.0.2:7000 closed by its application: "
                           "TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET\n");
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* A NO_SOCKET answer after a reset with a reason of its own is one more bare R: left out. */
static void test_extra_no_socket_resets_are_left_out(void **state)
{
    (void)state;
    struct trace_event ev[3] = { { .type = TRACE_LINK }, { .type = TRACE_LINK }, { .type = TRACE_LINK } };
    ev[0].u.link.event = ev[1].u.link.event = ev[2].u.link.event = "rst-sent";
    snprintf(ev[0].u.link.detail, sizeof ev[0].u.link.detail,
             "client 10.0.0.1:40000>10.0.0.2:7000 in TCP_CLOSE: TCP_ABORT_ON_CLOSE");
    snprintf(ev[1].u.link.detail, sizeof ev[1].u.link.detail,
             "client 10.0.0.1:40000>10.0.0.2:7000 in UNKNOWN: NO_SOCKET");
    snprintf(ev[2].u.link.detail, sizeof ev[2].u.link.detail,
             "server 10.0.0.2:7000>10.0.0.1:40000 in UNKNOWN: NO_SOCKET");
    char *x = signature_make(ev, 3, labels, 1, NULL, 0);
    assert_string_equal(x, "link rst-sent\n"
                           "  client client.s>10.0.0.2:7000 in TCP_CLOSE: TCP_ABORT_ON_CLOSE\n"
                           "  server 10.0.0.2:7000>client.s in UNKNOWN: NO_SOCKET\n");
    free(x);
}

/* A process killed inside its send loop: how far its stream got is timing, so its length is
 * K wherever it shows (both directions, the peer's recv) and the sends it made are one line;
 * two runs that differ only in that length give one signature. */
static char *ended_sender(bool killed, uint8_t last_flags, int sends, uint32_t length)
{
    struct trace_event ev[14] = {
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x02, 0),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, 0x18, 1),
        segment("client", "server", CLIENT, 40000, SERVER, 7000, last_flags, length + 1),
        segment("server", "client", SERVER, 7000, CLIENT, 40000, 0x11, 1),
        call("client", "connect", 3, 0, 0),
        call("server", "accept", 3, 4, 0),
        call("server", "recv", 4, length, 0),
        call("server", "recv", 4, 0, 0),
        { .type = TRACE_SIGNAL },
        { .type = TRACE_PROCESS },
    };
    ev[1].u.segment.len = length;
    ev[3].u.segment.ack = length + 2;
    ev[5].u.call.host = ev[6].u.call.host = ev[7].u.call.host = "server";
    snprintf(ev[5].u.call.args, sizeof ev[5].u.call.args, "10.0.0.1:40000");   /* the peer */
    ev[8].u.signal = (struct trace_signal){ "client", "client", "SIGKILL", "terminate" };
    ev[9].u.process = (struct trace_process){ "client", "client", "killed", 137 };
    if (!killed) {
        ev[8] = (struct trace_event){ .type = TRACE_PROCESS };
        ev[8].u.process = (struct trace_process){ "client", "client", "start", 0 };
        ev[9].u.process = (struct trace_process){ "client", "client", "exit", 0 };
    }
    size_t n = 10;
    for (int i = 0; i < sends && n < 14; i++) ev[n++] = call("client", "send", 3, 1000, 0);
    return signature_make(ev, n, labels, 1, NULL, 0);
}

static void test_a_stream_cut_by_a_kill_is_written_k(void **state)
{
    (void)state;
    char *x = ended_sender(true, 0x11, 2, 2136), *y = ended_sender(true, 0x11, 3, 3136);
    assert_string_equal(x, "calls client/client\n"
                           "  connect fd 3 = 0\n"
                           "  send fd 3 = 1000  (repeated until the kill)\n"
                           "calls server/server\n"
                           "  accept fd 3 = 4\n"
                           "  recv fd 4: K bytes\n"
                           "  recv fd 4 = 0\n"
                           "process client/client\n"
                           "  signal SIGKILL terminate\n"
                           "  killed 137\n"
                           "segments client>server client.s>10.0.0.2:7000\n"
                           "  S    seq 0 ack 0 len 0 delivered\n"
                           "  data 1-K+1\n"
                           "  F.   seq K+1 ack 0 len 0 delivered\n"
                           "segments server>client 10.0.0.2:7000>client.s\n"
                           "  F.   seq 1 ack K+2 len 0 delivered\n");
    assert_string_equal(x, y);
    free(x);
    free(y);
}

/* A process that exits without close() with data unread: the OS's reset discards what was
 * not sent yet, and how much that was is timing: K. Closed with a FIN, nothing was cut. */
static void test_a_stream_an_exit_reset_is_written_k_and_one_it_finished_is_not(void **state)
{
    (void)state;
    char *x = ended_sender(false, 0x14, 20, 9500), *y = ended_sender(false, 0x14, 20, 10000);
    assert_non_null(strstr(x, "  data 1-K+1\n  R.   seq K+1 ack 0 len 0 delivered\n"));
    assert_non_null(strstr(x, "  recv fd 4: K bytes\n"));
    assert_non_null(strstr(x, "  send fd 3 = 1000\n  send fd 3 = 1000\n"));   /* not a kill */
    assert_string_equal(x, y);
    char *z = ended_sender(false, 0x11, 20, 10000);
    assert_non_null(strstr(z, "  data 1-10001\n  F.   seq 10001 ack 0 len 0 delivered\n"));
    assert_non_null(strstr(z, "  recv fd 4: 10000 bytes\n"));
    free(x);
    free(y);
    free(z);
}

static void test_recv_runs_are_merged_and_errors_named(void **state)
{
    (void)state;
    struct trace_event ev[] = {
        call("app", "recv", 3, 10, 0), call("app", "recv", 3, 5, 0), call("app", "recv", 3, -1, 104),
    };
    char *sig = signature_make(ev, 3, NULL, 0, NULL, 0);
    assert_string_equal(sig, "calls client/app\n  recv fd 3: 15 bytes\n  recv fd 3 = -1 ECONNRESET\n");
    free(sig);
}

static void test_diff_and_call_comparison_name_what_changed(void **state)
{
    (void)state;
    struct trace_event lw[] = { call("app", "recv", 3, -1, 103) };   /* ECONNABORTED */
    struct trace_event lx[] = { call("app", "recv", 3, -1, 110) };   /* ETIMEDOUT */
    const char *header[] = { "kernel x" };
    char *a = signature_make(lw, 1, NULL, 0, header, 1), *b = signature_make(lx, 1, NULL, 0, NULL, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(signature_diff(a, b, f), 1);
    fclose(f);
    assert_non_null(strstr(text, "changed: calls client/app: stored 'recv fd 3 = -1 ECONNABORTED', "
                                 "now 'recv fd 3 = -1 ETIMEDOUT'"));
    char out[512];
    assert_int_equal(signature_compare_calls(a, b, out, sizeof out), 1);
    assert_string_equal(out, "calls client/app: lwIP 'recv fd 3 = -1 ECONNABORTED', "
                             "Linux 'recv fd 3 = -1 ETIMEDOUT'");
    assert_int_equal(signature_compare_calls(a, a, out, sizeof out), 0);
    free(text);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaving_does_not_change_the_signature),
        cmocka_unit_test(test_data_in_a_row_is_one_range_and_pure_acks_are_left_out),
        cmocka_unit_test(test_data_a_fin_carries_joins_the_range),
        cmocka_unit_test(test_an_orphans_two_reset_reasons_are_one),
        cmocka_unit_test(test_extra_no_socket_resets_are_left_out),
        cmocka_unit_test(test_a_stream_cut_by_a_kill_is_written_k),
        cmocka_unit_test(test_a_stream_an_exit_reset_is_written_k_and_one_it_finished_is_not),
        cmocka_unit_test(test_recv_runs_are_merged_and_errors_named),
        cmocka_unit_test(test_diff_and_call_comparison_name_what_changed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
