/* echo_test — the echo server and client of echo.c, unchanged, under tcpsim: a normal round
 * trip, a lost segment, and a server host that crashes and reboots. Every run is deterministic,
 * so the tests assert exact results and exact trace contents. */
#include <tcpsim/tcpsim.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "echo.h"

/* What the client process saw. */
struct client {
    const char *msg;
    char reply[64];
    long result;
    int err;
    uint64_t done_us;
};

static void server_main(void *arg) { echo_serve(7000, *(int *)arg); }

static void client_main(void *arg)
{
    struct client *c = arg;
    c->result = echo_request("10.0.0.2", 7000, c->msg, c->reply, sizeof c->reply, 3000);
    c->err = c->result < 0 ? errno : 0;
    c->done_us = tcpsim_now_us();
}

struct world {
    struct tcpsim *sim;
    struct tcpsim_host *server, *client;
    struct tcpsim_proc *server_proc;
    int clients;
};

static int world_setup(void **state)
{
    static struct world w;
    char err[256];
    struct tcpsim_config cfg = tcpsim_config_default();
    cfg.name = "echo";
    w.sim = tcpsim_new(&cfg, err, sizeof err);
    if (!w.sim) {
        print_error("%s\n", err);
        return -1;
    }
    w.server = tcpsim_add_host(w.sim, "server", "10.0.0.2", err, sizeof err);
    w.client = tcpsim_add_host(w.sim, "client", "10.0.0.1", err, sizeof err);
    w.clients = 1;
    w.server_proc = tcpsim_spawn(w.server, "echod", 0, server_main, &w.clients);
    *state = &w;
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    tcpsim_free(w->sim);
    return 0;
}

static void finish(struct world *w)
{
    char err[256] = "";
    assert_int_equal(tcpsim_run(w->sim, TCPSIM_FOREVER), TCPSIM_IDLE);
    if (tcpsim_finish(w->sim, err, sizeof err) != 0) fail_msg("%s", err);
}

/* The client got its whole message back. */
static void assert_echoed(const struct client *c)
{
    assert_int_equal(c->result, (long)strlen(c->msg));
    assert_string_equal(c->reply, c->msg);
}

static void test_echo_round_trip(void **state)
{
    struct world *w = *state;
    struct client c = { .msg = "hello, world" };
    tcpsim_spawn(w->client, "client", 1000, client_main, &c);
    finish(w);
    assert_echoed(&c);
    /* three-way handshake, request, echo, both FINs: the same trace on every run */
    assert_int_equal(tcpsim_count(w->sim, "client  > server   S    seq 0"), 1);
    assert_int_equal(tcpsim_count(w->sim, "server  > client   S.   seq 0"), 1);
    assert_int_equal(tcpsim_count(w->sim, "echod: accept(3, 10.0.0.1:55439) = 4"), 1);
    assert_int_equal(tcpsim_count(w->sim, "echod: recv(4, 512) = 12"), 1);
    assert_int_equal(tcpsim_count(w->sim, "  F.   "), 2);
    assert_int_equal(tcpsim_count(w->sim, "dropped"), 0);
    assert_true(tcpsim_proc_exited(w->server_proc));
    assert_int_equal(tcpsim_proc_status(w->server_proc), 0);
}

/* The request segment is lost once: TCP retransmits it and the echo still arrives intact. */
static void drop_request(struct tcpsim *sim, void *arg)
{
    struct world *w = arg;
    tcpsim_drop_segments(sim, w->client, w->server, "P", 1);
}

static void test_echo_survives_a_dropped_request(void **state)
{
    struct world *w = *state;
    struct client c = { .msg = "once more" };
    tcpsim_spawn(w->client, "client", 1000, client_main, &c);
    tcpsim_at(w->sim, 0, drop_request, w);
    finish(w);
    assert_echoed(&c);
    /* sent twice: lost at 3 ms, retransmitted at 2.751 s when lwIP's first RTO expired,
     * echoed back 2 ms later */
    assert_int_equal(c.done_us, 2753016);
    assert_int_equal(tcpsim_count(w->sim, "dropped:drop-match"), 1);
    assert_int_equal(tcpsim_count(w->sim, "client  > server   P.   seq 1      ack 1 "), 2);
    assert_int_equal(tcpsim_count(w->sim, "2.751008  client  > server   P."), 1);
}

/* The server host crashes right after the handshake and comes back without the connection:
 * the client's request is lost with the host, its retransmission meets a fresh stack, which
 * answers with RST, and the client's recv fails. */
static void crash_server(struct tcpsim *sim, void *arg)
{
    (void)sim;
    tcpsim_host_crash(arg);
}

static void reboot_server(struct tcpsim *sim, void *arg)
{
    (void)sim;
    tcpsim_host_reboot(arg);
}

static void test_echo_server_crash_resets_the_client(void **state)
{
    struct world *w = *state;
    struct client c = { .msg = "anyone there?" };
    tcpsim_spawn(w->client, "client", 1000, client_main, &c);
    tcpsim_at(w->sim, 3500, crash_server, w->server);       /* connected, request on its way */
    tcpsim_at(w->sim, 500000, reboot_server, w->server);    /* ... back after 0.5 s */
    finish(w);
    assert_int_equal(c.result, -1);
    assert_int_equal(c.err, ECONNRESET);
    assert_true(tcpsim_proc_killed(w->server_proc));
    assert_int_equal(tcpsim_count(w->sim, "server  > client   R."), 1);
    assert_int_equal(tcpsim_count(w->sim, "client: recv(3, 63) = -1 ECONNRESET"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_round_trip, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_echo_survives_a_dropped_request, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_echo_server_crash_resets_the_client, world_setup,
                                        world_teardown),
    };
    return cmocka_run_group_tests_name("echo example", tests, NULL, NULL);
}
