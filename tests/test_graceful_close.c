/* graceful-close end to end: the exact segments, the exact state sequence of every endpoint,
 * TIME_WAIT running out after 2 * TCP_MSL, pools back to their starting level, and identical
 * traces from two runs. Every expectation here was first observed in the simulation and then
 * checked against lwIP's source (tcp_in.c tcp_process, tcp.c tcp_slowtmr). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scenario_fixture.h"
#include "packet.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct world *run_graceful_close(uint64_t seed)
{
    struct world *w = scenario_world("scenarios/graceful-close.scn", seed);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    return w;
}

/* "client>server S. seq 0 ack 1 len 0" */
static void brief_segment(const struct trace_segment *s, char *buf, size_t size)
{
    char flags[8];
    snprintf(buf, size, "%s>%s %s seq %u ack %u len %u", s->from, s->to,
             packet_flags_str(s->flags, flags), s->seq, s->ack, s->len);
}

static void test_segments_are_handshake_request_reply_and_two_fins(void **state)
{
    (void)state;
    static const char *const expected[] = {
        "client>server S seq 0 ack 0 len 0",
        "server>client S. seq 0 ack 1 len 0",
        "client>server . seq 1 ack 1 len 0",
        "client>server P. seq 1 ack 1 len 14",      /* the request */
        "server>client P. seq 1 ack 15 len 31",     /* the reply, acking the request */
        "client>server F. seq 15 ack 32 len 0",     /* client closes first */
        "server>client . seq 32 ack 16 len 0",      /* ACK of the FIN ... */
        "server>client F. seq 32 ack 16 len 0",     /* ... and the server's FIN after close() */
        "client>server . seq 16 ack 33 len 0",      /* last ACK, client enters TIME_WAIT */
    };
    struct world *w = run_graceful_close(1);
    size_t n, seen = 0;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_SEGMENT) continue;
        char got[96];
        brief_segment(&ev[i].u.segment, got, sizeof got);
        assert_true(seen < sizeof expected / sizeof expected[0]);
        assert_string_equal(got, expected[seen]);
        assert_string_equal(ev[i].u.segment.fate, "delivered");
        seen++;
    }
    assert_int_equal(seen, sizeof expected / sizeof expected[0]);
    scenario_world_free(w);
}

/* The states one endpoint went through, "CLOSED SYN_SENT ...": the `from` of its first change,
 * then the `to` of every change. Endpoints are picked by host and the start of their conn. */
static void state_sequence(struct world *w, const char *host, const char *conn_prefix, char *buf,
                           size_t size)
{
    size_t n, used = 0, pl = strlen(conn_prefix);
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct trace_state *s = &ev[i].u.state;
        if (ev[i].type != TRACE_STATE || strcmp(s->host, host) != 0) continue;
        if (strncmp(s->conn, conn_prefix, pl) != 0) continue;
        if (used == 0) used += (size_t)snprintf(buf, size, "%s", tcp_state_name(s->from));
        used += (size_t)snprintf(buf + used, size - used, " %s", tcp_state_name(s->to));
    }
}

static void test_each_endpoint_walks_the_rfc793_close_path(void **state)
{
    (void)state;
    char seq[256];
    struct world *w = run_graceful_close(1);
    state_sequence(w, "client", "10.0.0.1:", seq, sizeof seq);
    assert_string_equal(seq, "CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT CLOSED");
    state_sequence(w, "server", "0.0.0.0:8400>*", seq, sizeof seq);
    assert_string_equal(seq, "CLOSED LISTEN CLOSED");
    state_sequence(w, "server", "10.0.0.2:8400>10.0.0.1:", seq, sizeof seq);
    assert_string_equal(seq, "LISTEN SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED");
    scenario_world_free(w);
}

static void test_time_wait_lasts_2msl_then_the_pcb_is_freed(void **state)
{
    (void)state;
    struct world *w = run_graceful_close(1);
    size_t n;
    uint64_t entered = 0, left = 0;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_STATE) continue;
        if (ev[i].u.state.to == STACK_TIME_WAIT) entered = ev[i].t_us;
        if (ev[i].u.state.from == STACK_TIME_WAIT) {
            left = ev[i].t_us;
            assert_string_equal(ev[i].u.state.cause, "2MSL timeout");
        }
    }
    /* lwIP: TCP_MSL 60 s; tcp_slowtmr frees a TIME_WAIT pcb once more than 2 * TCP_MSL has
     * passed, checked every 500 ms, so it goes between 120 and 120.5 s after entering. */
    assert_int_equal(entered, 16035);
    assert_int_equal(left, 120260035);
    assert_int_equal(sched_now_us(), left);
    scenario_world_free(w);
}

static void test_every_lwip_pool_is_back_to_zero_after_the_run(void **state)
{
    (void)state;
    struct world *w = run_graceful_close(1);
    for (const char *name = "client"; name; name = strcmp(name, "client") == 0 ? "server" : NULL) {
        struct stack_pool pools[32];
        size_t count = host_stack(world_host(w, name))->pools(pools, 32);
        assert_true(count > 5);
        for (size_t i = 0; i < count; i++) {
            if (strcmp(pools[i].name, "SYS_OBJECTS") != 0 && pools[i].used != 0)   /* lwIP's own pools */
                fail_msg("%s: pool %s still has %u in use", name, pools[i].name, pools[i].used);
        }
    }
    scenario_world_free(w);
}

static char *timeline_of(uint64_t seed)
{
    struct world *w = run_graceful_close(seed);
    size_t n, size = 1 << 16, used = 0;
    char *text = calloc(1, size);
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        used += trace_format_text(&ev[i], text + used, size - used);
        used += (size_t)snprintf(text + used, size - used, "\n");
        assert_true(used < size);
    }
    scenario_world_free(w);
    return text;
}

static void test_same_seed_gives_identical_timeline_other_seed_other_ports(void **state)
{
    (void)state;
    char *a = timeline_of(1), *b = timeline_of(1), *c = timeline_of(2);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);     /* ephemeral port and ISNs come from the seed */
    assert_non_null(strstr(a, "10.0.0.1:55978"));
    assert_null(strstr(c, "10.0.0.1:55978"));
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_are_handshake_request_reply_and_two_fins),
        cmocka_unit_test(test_each_endpoint_walks_the_rfc793_close_path),
        cmocka_unit_test(test_time_wait_lasts_2msl_then_the_pcb_is_freed),
        cmocka_unit_test(test_every_lwip_pool_is_back_to_zero_after_the_run),
        cmocka_unit_test(test_same_seed_gives_identical_timeline_other_seed_other_ports),
    };
    return cmocka_run_group_tests_name("graceful_close", tests, NULL, NULL);
}
