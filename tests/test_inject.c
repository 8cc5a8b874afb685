/* Crafted segments: packet_build_tcp makes IPv4/TCP packets that decode back to what was asked
 * with correct checksums; world_inject puts one on the link as if its source host had sent it,
 * the destination's lwIP answers it, and the trace marks it injected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "packet.h"
#include "proc.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLIENT_IP 0x0a000001u
#define SERVER_IP 0x0a000002u

static const uint8_t mss_1460[4] = { 2, 4, 0x05, 0xb4 };

static struct tcp_segment_spec syn_spec(void)
{
    return (struct tcp_segment_spec){ .src_ip = CLIENT_IP, .dst_ip = SERVER_IP,
                                      .src_port = 40000, .dst_port = 7000, .seq = 1000,
                                      .flags = TCP_SYN, .win = 65535, .options = mss_1460,
                                      .options_len = sizeof mss_1460 };
}

/* The one's-complement sum over a region that includes its checksum field is 0xffff. */
static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static uint32_t sum16(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}

static void test_build_tcp_decodes_back_with_good_checksums(void **state)
{
    (void)state;
    const uint8_t payload[] = "hello";
    struct tcp_segment_spec s = syn_spec();
    s.flags = TCP_PSH | TCP_ACK;
    s.ack = 77;
    s.payload = payload;
    s.payload_len = 5;
    uint8_t pkt[128];
    size_t len = packet_build_tcp(&s, pkt, sizeof pkt);
    assert_int_equal(len, 20 + 24 + 5);
    struct packet_info info;
    assert_true(packet_decode(pkt, len, &info));
    assert_int_equal(info.proto, PACKET_TCP);
    assert_int_equal(info.src_ip, CLIENT_IP);
    assert_int_equal(info.dst_ip, SERVER_IP);
    assert_int_equal(info.src_port, 40000);
    assert_int_equal(info.dst_port, 7000);
    assert_int_equal(info.seq, 1000);
    assert_int_equal(info.ack, 77);
    assert_int_equal(info.flags, TCP_PSH | TCP_ACK);
    assert_int_equal(info.win, 65535);
    assert_int_equal(info.payload_len, 5);
    assert_memory_equal(pkt + 40, mss_1460, 4);
    assert_memory_equal(pkt + 44, "hello", 5);
    assert_int_equal(fold(sum16(pkt, 20)), 0xffff);
    /* pseudo header: addresses, protocol 6, TCP length */
    uint32_t tcp_sum = sum16(pkt + 12, 8) + 6 + (uint32_t)(len - 20) + sum16(pkt + 20, len - 20);
    assert_int_equal(fold(tcp_sum), 0xffff);
}

static void test_build_tcp_refuses_what_cannot_be_built(void **state)
{
    (void)state;
    uint8_t pkt[128];
    struct tcp_segment_spec s = syn_spec();
    assert_int_equal(packet_build_tcp(&s, pkt, 43), 0);         /* needs 44 */
    assert_int_equal(packet_build_tcp(&s, pkt, 44), 44);
    s.options_len = 3;                                          /* not a multiple of 4 */
    assert_int_equal(packet_build_tcp(&s, pkt, sizeof pkt), 0);
    uint8_t nops[44];
    memset(nops, 1, sizeof nops);
    s.options = nops;
    s.options_len = 44;                                         /* above 40 */
    assert_int_equal(packet_build_tcp(&s, pkt, sizeof pkt), 0);
    s.options_len = 40;
    assert_int_equal(packet_build_tcp(&s, pkt, sizeof pkt), 80);
}

/* ---- world_inject: a SYN crafted from the client's address reaches the server's lwIP ---- */

static void server_main(struct proc *p, void *arg)
{
    (void)arg;
    int l = proc_socket(p);
    proc_bind(p, l, NULL, 7000);
    proc_listen(p, l, 4);
    proc_sleep_us(p, 100000);
    proc_close(p, l);
}

struct inject_ctx {
    uint8_t pkt[128];
    size_t len;
    bool ok;
    char err[160];
};

static void inject_now(struct world *w, void *arg)
{
    struct inject_ctx *c = arg;
    c->ok = world_inject(w, c->pkt, c->len, c->err, sizeof c->err);
}

static void test_injected_syn_is_answered_and_marked(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    world_add_host(w, "client", "10.0.0.1");
    struct host *srv = world_add_host(w, "server", "10.0.0.2");
    host_spawn(srv, "app", 0, server_main, NULL);
    char jsonl[] = "/tmp/tcpsim-inject-XXXXXX";
    int fd = mkstemp(jsonl);
    assert_true(fd >= 0);
    close(fd);
    trace_add_sink(world_trace(w), trace_jsonl_new(jsonl));
    struct inject_ctx c = { 0 };
    struct tcp_segment_spec s = syn_spec();
    c.len = packet_build_tcp(&s, c.pkt, sizeof c.pkt);
    world_at(w, 1000, inject_now, &c);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    assert_true(c.ok);

    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    const struct trace_segment *segs[3] = { 0 };
    uint64_t seg_t[3] = { 0 };
    size_t found = 0;
    for (size_t i = 0; i < n && found < 3; i++)
        if (ev[i].type == TRACE_SEGMENT) {
            seg_t[found] = ev[i].t_us;
            segs[found++] = &ev[i].u.segment;
        }
    assert_int_equal(found, 3);
    /* the crafted SYN: 44 bytes take 4 us at 100 Mbit/s, then 1 ms on the wire */
    assert_true(segs[0]->injected);
    assert_string_equal(segs[0]->from, "client");
    assert_string_equal(segs[0]->to, "server");
    assert_int_equal(segs[0]->flags, TCP_SYN);
    assert_int_equal(seg_t[0], 1000);
    assert_int_equal(segs[0]->arrive_us, 2004);
    /* lwIP's SYN-ACK, then the client's lwIP, which knows no such connection, resets it
     * (tcp_input finds no pcb; tcp_rst always sets ACK too) */
    assert_false(segs[1]->injected);
    assert_int_equal(segs[1]->flags, TCP_SYN | TCP_ACK);
    assert_int_equal(segs[1]->ack, 1);
    assert_int_equal(seg_t[1], 2004);
    assert_false(segs[2]->injected);
    assert_int_equal(segs[2]->flags, TCP_RST | TCP_ACK);
    assert_string_equal(segs[2]->from, "client");

    char line[256];
    for (size_t i = 0; i < n; i++)
        if (ev[i].type == TRACE_SEGMENT) {
            trace_format_text(&ev[i], line, sizeof line);
            break;
        }
    assert_non_null(strstr(line, "[injected]"));

    /* timeline.jsonl: the key is there on the injected segment only */
    char err[160];
    assert_int_equal(trace_finish(world_trace(w), err, sizeof err), 0);
    FILE *f = fopen(jsonl, "r");
    assert_non_null(f);
    char text[512];
    int injected_lines = 0, segment_lines = 0;
    while (fgets(text, sizeof text, f)) {
        if (strstr(text, "\"type\":\"segment\"")) segment_lines++;
        if (strstr(text, "\"injected\":true")) {
            injected_lines++;
            assert_non_null(strstr(text, "\"flags\":\"S\","));
        }
    }
    fclose(f);
    unlink(jsonl);
    assert_int_equal(segment_lines, 3);
    assert_int_equal(injected_lines, 1);
    world_free(w);
}

static void test_inject_refuses_bad_packets_and_unknown_sources(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    world_add_host(w, "client", "10.0.0.1");
    world_add_host(w, "server", "10.0.0.2");
    struct inject_ctx early = { 0 }, garbage = { 0 }, stranger = { 0 };
    struct tcp_segment_spec s = syn_spec();
    early.len = packet_build_tcp(&s, early.pkt, sizeof early.pkt);
    assert_false(world_inject(w, early.pkt, early.len, early.err, sizeof early.err));
    assert_string_equal(early.err,
                        "world_inject: the world is not running yet (call it from a world event)");
    garbage.len = 10;
    s.src_ip = 0x0a000009u;
    stranger.len = packet_build_tcp(&s, stranger.pkt, sizeof stranger.pkt);
    world_at(w, 0, inject_now, &garbage);
    world_at(w, 0, inject_now, &stranger);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    assert_false(garbage.ok);
    assert_string_equal(garbage.err, "world_inject: not a well-formed IPv4 packet (10 bytes)");
    assert_false(stranger.ok);
    assert_string_equal(stranger.err, "world_inject: no host owns the source address 10.0.0.9");
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) assert_int_not_equal(ev[i].type, TRACE_SEGMENT);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_tcp_decodes_back_with_good_checksums),
        cmocka_unit_test(test_build_tcp_refuses_what_cannot_be_built),
        cmocka_unit_test(test_injected_syn_is_answered_and_marked),
        cmocka_unit_test(test_inject_refuses_bad_packets_and_unknown_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
