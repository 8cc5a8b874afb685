/* The simulated OS around the stacks (docs/os-model.md): exit and kill close sockets the way
 * an OS does, SIGPIPE/SIGTERM follow POSIX, fd limits, host crash/reboot/shutdown, the router's
 * ICMP, and pools back to their starting level. Every expectation was first observed here and
 * checked against lwIP's source (the function named beside it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "os_fixture.h"
#include "os_steps.h"

static void spawn(struct host *h, const char *name, uint64_t start_ms, const struct step *steps)
{
    host_spawn(h, name, start_ms * 1000, run_steps, (void *)steps);
}

static void assert_story(int mask, const char *expected)
{
    char *got = fixture_story(mask);
    if (strcmp(got, expected) != 0) {
        char *t = fixture_timeline();
        fprintf(stderr, "timeline:\n%s\n got: %s\nwant: %s\n", t, got, expected);
        free(t);
        fail_msg("story differs (see above)");
    }
    free(got);
}

static void assert_no_leak(void)
{
    const char *c = fixture_leaked_pool(fx.client, 0), *s = fixture_leaked_pool(fx.server, 1);
    if (*c) fail_msg("client pool not back to its starting level: %s", c);
    if (*s) fail_msg("server pool not back to its starting level: %s", s);
}

/* ---- exit without close ---- */

static void test_exit_without_close_nothing_unread_sends_fin(void **state)
{
    (void)state;
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_RECV, 100 },
                                          { OP_EXIT, 0 }, { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_RECV_ALL, 0 },
                                          { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("exit-no-close-fin");
    spawn(fx.server, "server", 0, server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS,
                 "client>server S 0:0 | server>client S. 0:0 | client>server . 1:0 | "
                 "client>server P. 1:100 | server>client F. 1:0 | client>server . 101:0 | "
                 "client>server F. 101:0 | server>client . 2:0");
    assert_no_leak();
    fixture_end();
}


static void test_exit_without_close_with_unread_data_sends_rst(void **state)
{
    (void)state;
    /* lwIP tcp_close_shutdown: rcv_wnd not fully reopened (data unread) -> RST, RFC 2525 2.17 */
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 50 },
                                          { OP_EXIT, 0 }, { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_RECV_ALL, 0 },
                                          { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("exit-no-close-rst");
    spawn(fx.server, "server", 0, server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | CALLS,
                 "server socket=3 | server bind=0 | server listen=0 | client socket=3 | "
                 "client>server S 0:0 | server>client S. 0:0 | client>server . 1:0 | "
                 "client connect=0 | client>server P. 1:100 | client send=100 | "
                 "server accept=4 | server>client R. 1:0 | client recv=-1 ECONNRESET | "
                 "client close=0");
    assert_no_leak();
    fixture_end();
}

/* ---- kill (SIGKILL) in every blocking call ---- */

static void kill_proc(struct world *w, void *arg)
{
    (void)w;
    proc_signal(arg, PROC_SIGKILL);
}

static struct proc *spawn_killed_at(struct host *h, const char *name, uint64_t start_ms,
                                    const struct step *steps, uint64_t kill_ms)
{
    struct proc *p = host_spawn(h, name, start_ms * 1000, run_steps, (void *)steps);
    world_at(fx.w, kill_ms * 1000, kill_proc, p);
    return p;
}

static void test_kill_blocked_in_recv_sends_fin(void **state)
{
    (void)state;
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_RECV, 100 },
                                          { OP_RECV, 100 }, { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_RECV_ALL, 0 },
                                          { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("kill-in-recv");
    struct proc *p = spawn_killed_at(fx.server, "server", 0, server, 100);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_true(proc_killed(p));
    assert_int_equal(proc_exit_status(p), 137);
    assert_story(SEGMENTS | SIGNALS,
                 "server start 0 | client start 0 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client>server P. 1:100 | "
                 "server SIGKILL:terminate | server killed 137 | server>client F. 1:0 | "
                 "client>server . 101:0 | client>server F. 101:0 | client exit 0 | "
                 "server>client . 2:0");
    assert_no_leak();
    fixture_end();
}

static void test_kill_blocked_in_accept_closes_the_listener_silently(void **state)
{
    (void)state;
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_END, 0 } };
    fixture_start("kill-in-accept");
    spawn_killed_at(fx.server, "server", 0, server, 100);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(STATES | CALLS | SIGNALS,
                 "server start 0 | server socket=3 | server bind=0 | "
                 "server CLOSED>LISTEN(listen) | server listen=0 | "
                 "server SIGKILL:terminate | server killed 137 | "
                 "server LISTEN>CLOSED(close)");
    assert_no_leak();
    fixture_end();
}

static void test_kill_blocked_in_connect_abandons_the_syn(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_END, 0 } };
    fixture_start("kill-in-connect");
    struct link_rule drop = { .kind = LINK_DROP_ALL, .from = 0, .to = 1 };
    world_add_link_rule(fx.w, &drop);
    spawn_killed_at(fx.client, "client", 0, client, 2500);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | STATES | SIGNALS,
                 "client start 0 | client CLOSED>SYN_SENT(connect / snd SYN) | "
                 "client>server S 0:0 dropped:drop-all | client SIGKILL:terminate | "
                 "client killed 137 | client SYN_SENT>CLOSED(close)");
    assert_no_leak();
    fixture_end();
}

static void test_kill_blocked_in_send_sends_fin_after_the_queued_data(void **state)
{
    (void)state;
    /* the server reads nothing for 2 s: the client's window fills and its send blocks. No PSH:
     * like lwIP's own blocking write, the send that had to be cut is queued with
     * TCP_WRITE_FLAG_MORE (api_msg.c lwip_netconn_do_writemore; tests/test_blocking.c) */
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 2000 },
                                          { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 30000 }, { OP_END, 0 } };
    fixture_start("kill-in-send");
    spawn(fx.server, "server", 0, server);
    spawn_killed_at(fx.client, "client", 10, client, 1000);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | SIGNALS,
                 "server start 0 | client start 0 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client>server . 1:1460 | "
                 "client>server . 1461:1460 | client>server . 2921:1460 | "
                 "server>client . 1:0 | client>server . 4381:1460 | "
                 "server>client . 1:0 | client SIGKILL:terminate | client killed 137 | "
                 "client>server . 5841:1 | server>client . 1:0 | server>client . 1:0 | "
                 "client>server . 5841:1460 | client>server . 7301:1460 | "
                 "client>server . 8761:1460 | client>server F. 10221:1460 | "
                 "server>client . 1:0 | server>client . 1:0 | server>client . 1:0 | "
                 "server>client . 1:0 | server>client . 1:0 | server>client F. 1:0 | "
                 "server exit 0 | client>server . 11682:0");
    assert_no_leak();
    fixture_end();
}

/* ---- SIGPIPE ---- */

static const struct step closing_server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_CLOSE, 0 },
                                              { OP_CLOSE_LISTENER, 0 }, { OP_END, 0 } };

static void test_sigpipe_default_kills_the_writer(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 100 }, { OP_SEND, 10 },
                                          { OP_SLEEP_MS, 100 }, { OP_SEND, 10 }, { OP_SEND, 10 },
                                          { OP_END, 0 } };
    fixture_start("sigpipe-default");
    spawn(fx.server, "server", 0, closing_server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | CALLS | SIGNALS,
                 "server start 0 | server socket=3 | server bind=0 | server listen=0 | "
                 "client start 0 | client socket=3 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client connect=0 | "
                 "server accept=4 | server>client F. 1:0 | server close=0 | "
                 "server close=0 | server exit 0 | client>server . 1:0 | "
                 "client>server P. 1:10 | client send=10 | server>client R. 2:0 | "
                 "client send=-1 ECONNRESET | client SIGPIPE:terminate | "
                 "client killed 141");
    assert_no_leak();
    fixture_end();
}

static void test_sigpipe_ignored_send_fails_with_lwips_errno(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_SIGPIPE_IGNORE, 0 }, { OP_CONNECT, 0 }, { OP_SLEEP_MS, 100 },
                                          { OP_SEND, 10 }, { OP_SLEEP_MS, 100 }, { OP_SEND, 10 },
                                          { OP_SEND, 10 }, { OP_END, 0 } };
    fixture_start("sigpipe-ignored");
    spawn(fx.server, "server", 0, closing_server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(CALLS | SIGNALS,
                 "server start 0 | server socket=3 | server bind=0 | server listen=0 | "
                 "client start 0 | client socket=3 | client connect=0 | server accept=4 | "
                 "server close=0 | server close=0 | server exit 0 | client send=10 | "
                 "client send=-1 ECONNRESET | client SIGPIPE:ignored | "
                 "client send=-1 ENOTCONN | client SIGPIPE:ignored | client exit 0");
    fixture_end();
}

static void test_msg_nosignal_raises_no_signal(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 100 }, { OP_SEND_NOSIGNAL, 10 },
                                          { OP_SLEEP_MS, 100 }, { OP_SEND_NOSIGNAL, 10 },
                                          { OP_SEND_NOSIGNAL, 10 }, { OP_END, 0 } };
    fixture_start("sigpipe-nosignal");
    spawn(fx.server, "server", 0, closing_server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(CALLS | SIGNALS,
                 "server start 0 | server socket=3 | server bind=0 | server listen=0 | "
                 "client start 0 | client socket=3 | client connect=0 | server accept=4 | "
                 "server close=0 | server close=0 | server exit 0 | client send=10 | "
                 "client send=-1 ECONNRESET | client send=-1 ENOTCONN | client exit 0");
    fixture_end();
}

/* ---- SIGTERM ---- */

static void term_proc(struct world *w, void *arg)
{
    (void)w;
    proc_signal(arg, PROC_SIGTERM);
}

static const struct step waiting_server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_RECV_ALL, 0 },
                                              { OP_CLOSE, 0 }, { OP_END, 0 } };
static const struct step idle_client[] = { { OP_CONNECT, 0 }, { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 },
                                           { OP_END, 0 } };

static void test_sigterm_default_terminates(void **state)
{
    (void)state;
    fixture_start("sigterm-default");
    struct proc *p = host_spawn(fx.server, "server", 0, run_steps, (void *)waiting_server);
    spawn(fx.client, "client", 10, idle_client);
    world_at(fx.w, 100000, term_proc, p);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_int_equal(proc_exit_status(p), 143);
    assert_story(SEGMENTS | SIGNALS,
                 "server start 0 | client start 0 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | server SIGTERM:terminate | "
                 "server killed 143 | server>client F. 1:0 | client>server . 1:0 | "
                 "client>server F. 1:0 | client exit 0 | server>client . 2:0");
    assert_no_leak();
    fixture_end();
}

static void test_sigterm_handled_interrupts_the_blocked_call_with_eintr(void **state)
{
    (void)state;
    static const struct step server[] = { { OP_SIGTERM_HANDLE, 0 }, { OP_LISTEN, 0 }, { OP_ACCEPT, 0 },
                                          { OP_RECV, 100 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("sigterm-handled");
    struct proc *p = host_spawn(fx.server, "server", 0, run_steps, (void *)server);
    spawn(fx.client, "client", 10, idle_client);
    world_at(fx.w, 100000, term_proc, p);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_int_equal(proc_exit_status(p), 0);
    assert_story(CALLS | SIGNALS,
                 "server start 0 | server socket=3 | server bind=0 | server listen=0 | "
                 "client start 0 | client socket=3 | client connect=0 | server accept=4 | "
                 "server SIGTERM:handled | server recv=-1 EINTR | server close=0 | "
                 "server exit 0 | client recv=0 | client close=0 | client exit 0");
    fixture_end();
}

static void test_sigterm_ignored_changes_nothing(void **state)
{
    (void)state;
    static const struct step server[] = { { OP_SIGTERM_IGNORE, 0 }, { OP_LISTEN, 0 }, { OP_ACCEPT, 0 },
                                          { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 500 }, { OP_CLOSE, 0 },
                                          { OP_END, 0 } };
    fixture_start("sigterm-ignored");
    struct proc *p = host_spawn(fx.server, "server", 0, run_steps, (void *)server);
    spawn(fx.client, "client", 10, client);
    world_at(fx.w, 100000, term_proc, p);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_false(proc_killed(p));
    assert_story(SIGNALS,
                 "server start 0 | client start 0 | server SIGTERM:ignored | "
                 "client exit 0 | server exit 0");
    fixture_end();
}

/* ---- fd limit ---- */

static void test_socket_fails_emfile_at_the_fd_limit(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_FD_LIMIT, 5 }, { OP_SOCKET_ONLY, 0 }, { OP_SOCKET_ONLY, 0 },
                                          { OP_SOCKET_ONLY, 0 }, { OP_END, 0 } };
    fixture_start("fd-limit-socket");
    spawn(fx.client, "client", 0, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(CALLS,
                 "client socket=3 | client socket=4 | client socket=-1 EMFILE");
    assert_no_leak();
    fixture_end();
}

static void test_accept_fails_emfile_and_the_connection_stays_queued(void **state)
{
    (void)state;
    /* fds 3 (listener) and 4 (first connection) fill a limit of 5 */
    static const struct step server[] = { { OP_FD_LIMIT, 5 }, { OP_LISTEN, 0 }, { OP_ACCEPT, 0 },
                                          { OP_SLEEP_MS, 50 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 100 },
                                          { OP_END, 0 } };
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 75 }, { OP_RECV_ALL, 0 },
                                          { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("fd-limit-accept");
    spawn(fx.server, "server", 0, server);
    spawn(fx.client, "first", 10, client);
    spawn(fx.client, "second", 20, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | CALLS,
                 "server socket=3 | server bind=0 | server listen=0 | client socket=3 | "
                 "client>server S 0:0 | server>client S. 0:0 | client>server . 1:0 | "
                 "client connect=0 | client>server P. 1:75 | client send=75 | "
                 "server accept=4 | client socket=3 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client connect=0 | "
                 "client>server P. 1:75 | client send=75 | server accept=-1 EMFILE | "
                 "server>client . 1:0 | server>client R. 1:0 | server>client R. 1:0 | "
                 "client recv=-1 ECONNRESET | client close=0 | "
                 "client recv=-1 ECONNRESET | client close=0");
    assert_no_leak();
    fixture_end();
}

/* ---- hosts ---- */

static void crash_server(struct world *w, void *arg)
{
    (void)w;
    (void)arg;
    host_crash(fx.server);
}

static void reboot_server(struct world *w, void *arg)
{
    (void)w;
    (void)arg;
    host_reboot(fx.server);
}

static void shutdown_server(struct world *w, void *arg)
{
    (void)w;
    (void)arg;
    host_shutdown(fx.server, HOST_DEFAULT_SHUTDOWN_GRACE_US);
}

static void test_crash_silences_the_host_and_the_client_gives_up(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 200 }, { OP_SEND, 100 },
                                          { OP_RECV, 100 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("crash");
    spawn(fx.server, "server", 0, waiting_server);
    spawn(fx.client, "client", 10, client);
    world_at(fx.w, 100000, crash_server, NULL);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(HOSTS | CALLS | STATES,
                 "client up | server up | server socket=3 | server bind=0 | "
                 "server CLOSED>LISTEN(listen) | server listen=0 | client socket=3 | "
                 "client CLOSED>SYN_SENT(connect / snd SYN) | "
                 "server LISTEN>SYN_RCVD(rcv SYN / snd SYN,ACK) | "
                 "client SYN_SENT>ESTABLISHED(rcv SYN,ACK / snd ACK) | client connect=0 | "
                 "server SYN_RCVD>ESTABLISHED(rcv ACK) | server accept=4 | server crash | "
                 "server LISTEN>CLOSED(host crashed) | "
                 "server ESTABLISHED>CLOSED(host crashed) | client send=100 | "
                 "client ESTABLISHED>CLOSED(rtx give-up) | client recv=-1 ECONNABORTED | "
                 "client close=0");
    fixture_end();
}

static void test_reboot_answers_the_old_connection_with_rst(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 1000 }, { OP_SEND, 100 },
                                          { OP_RECV, 100 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("reboot");
    spawn(fx.server, "server", 0, waiting_server);
    spawn(fx.client, "client", 10, client);
    world_at(fx.w, 100000, crash_server, NULL);
    world_at(fx.w, 500000, reboot_server, NULL);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | HOSTS | CALLS,
                 "client up | server up | server socket=3 | server bind=0 | "
                 "server listen=0 | client socket=3 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client connect=0 | "
                 "server accept=4 | server crash | server reboot | server up | "
                 "client>server P. 1:100 | client send=100 | server>client R. 1:0 | "
                 "client recv=-1 ECONNRESET | client close=0");
    assert_no_leak();
    fixture_end();
}

static void test_shutdown_terms_kills_closes_then_goes_down(void **state)
{
    (void)state;
    static const struct step stubborn[] = { { OP_SIGTERM_IGNORE, 0 }, { OP_SLEEP_MS, 60000 }, { OP_END, 0 } };
    fixture_start("shutdown");
    spawn(fx.server, "server", 0, waiting_server);
    spawn(fx.server, "stubborn", 0, stubborn);
    spawn(fx.client, "client", 10, idle_client);
    world_at(fx.w, 100000, shutdown_server, NULL);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | SIGNALS | HOSTS,
                 "client up | server up | server start 0 | server start 0 | "
                 "client start 0 | client>server S 0:0 | server>client S. 0:0 | "
                 "client>server . 1:0 | server shutdown | server SIGTERM:terminate | "
                 "server SIGTERM:ignored | server killed 143 | server>client F. 1:0 | "
                 "client>server . 1:0 | client>server F. 1:0 | client exit 0 | "
                 "server>client . 2:0 | server SIGKILL:terminate | server killed 137 | "
                 "server down");
    fixture_end();
}

/* ---- the router, the link ---- */

static void unreachable_on(struct world *w, void *arg)
{
    (void)arg;
    world_set_unreachable(w, fx.client, fx.server, ICMP_HOST_UNREACHABLE, true);
}

static void test_icmp_host_unreachable_is_sent_and_lwip_keeps_retrying(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_END, 0 } };
    fixture_start("unreachable");
    world_at(fx.w, 0, unreachable_on, NULL);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | CALLS | HOSTS,
                 "client up | server up | link rule | client socket=3 | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client>server S 0:0 dropped:unreachable | link icmp | "
                 "client connect=-1 ECONNABORTED");
    assert_no_leak();
    fixture_end();
}

static void partition_on(struct world *w, void *arg)
{
    (void)arg;
    world_partition(w, true);
}

static void partition_off(struct world *w, void *arg)
{
    (void)arg;
    world_partition(w, false);
}

static void test_partition_longer_than_the_retransmission_budget_ends_in_give_up(void **state)
{
    (void)state;
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SLEEP_MS, 100 }, { OP_SEND, 100 },
                                          { OP_RECV, 100 }, { OP_CLOSE, 0 }, { OP_END, 0 } };
    fixture_start("partition");
    struct proc *server = host_spawn(fx.server, "server", 0, run_steps, (void *)waiting_server);
    spawn(fx.client, "client", 10, client);
    world_at(fx.w, 50000, partition_on, NULL);
    world_at(fx.w, 3000000000ull, partition_off, NULL);   /* 3000 s: after the give-up */
    world_at(fx.w, 3001000000ull, kill_proc, server);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(STATES | CALLS | HOSTS,
                 "client up | server up | server socket=3 | server bind=0 | "
                 "server CLOSED>LISTEN(listen) | server listen=0 | client socket=3 | "
                 "client CLOSED>SYN_SENT(connect / snd SYN) | "
                 "server LISTEN>SYN_RCVD(rcv SYN / snd SYN,ACK) | "
                 "client SYN_SENT>ESTABLISHED(rcv SYN,ACK / snd ACK) | client connect=0 | "
                 "server SYN_RCVD>ESTABLISHED(rcv ACK) | server accept=4 | "
                 "link partition | client send=100 | "
                 "client ESTABLISHED>CLOSED(rtx give-up) | client recv=-1 ECONNABORTED | "
                 "client close=0 | link heal | server LISTEN>CLOSED(close) | "
                 "server ESTABLISHED>FIN_WAIT_1(close / snd FIN) | "
                 "server FIN_WAIT_1>CLOSED(rcv RST)");
    fixture_end();
}

static void test_kill_blocked_in_recv_rst_where_data_is_unread_fin_elsewhere(void **state)
{
    (void)state;
    /* connection 1 has 100 unread bytes, the server blocks in recv on connection 2 */
    static const struct step server[] = { { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_ACCEPT_SECOND, 0 },
                                          { OP_RECV, 100 }, { OP_END, 0 } };
    static const struct step talker[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_RECV_ALL, 0 },
                                          { OP_CLOSE, 0 }, { OP_END, 0 } };
    static const struct step quiet[] = { { OP_CONNECT, 0 }, { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 },
                                         { OP_END, 0 } };
    fixture_start("kill-in-recv-unread");
    spawn_killed_at(fx.server, "server", 0, server, 100);
    spawn(fx.client, "talker", 10, talker);
    spawn(fx.client, "quiet", 20, quiet);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | SIGNALS,
                 "server start 0 | client start 0 | client>server S 0:0 | "
                 "server>client S. 0:0 | client>server . 1:0 | client>server P. 1:100 | "
                 "client start 0 | client>server S 0:0 | server>client S. 0:0 | "
                 "client>server . 1:0 | server SIGKILL:terminate | server killed 137 | "
                 "server>client R. 1:0 | server>client F. 1:0 | client exit 0 | "
                 "client>server . 1:0 | client>server F. 1:0 | client exit 0 | "
                 "server>client . 2:0");
    assert_no_leak();
    fixture_end();
}

static void test_lwip_runs_out_of_sockets_before_a_high_fd_limit(void **state)
{
    (void)state;
    /* NUM_SOCKETS = MEMP_NUM_NETCONN (lwipopts.h): lwip_socket fails with ENFILE */
    static const struct step client[] = { { OP_FD_LIMIT, 10000 }, { OP_SOCKETS_UNTIL_FAILURE, 0 },
                                          { OP_END, 0 } };
    fixture_start("lwip-socket-pool");
    spawn(fx.client, "client", 0, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(fx.w), &n);
    const struct trace_call *last = NULL;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].type == TRACE_CALL) {
            last = &ev[i].u.call;
            ok += last->ret >= 0;
        }
    assert_int_equal(ok, 4096);
    assert_int_equal(last->ret, -1);
    assert_string_equal(errno_name(last->err), "ENOBUFS");   /* netconn_alloc fails first */
    assert_no_leak();
    fixture_end();
}

static void test_a_dropped_fin_is_retransmitted(void **state)
{
    (void)state;
    fixture_start("drop-next-fin");
    struct link_rule rule = { .kind = LINK_DROP_MATCH, .from = 0, .to = 1, .flags_all = TCP_FIN,
                              .count = 1, .name = "drop-next-FIN" };
    assert_true(world_add_link_rule(fx.w, &rule) >= 0);
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_CLOSE, 0 },
                                          { OP_END, 0 } };
    spawn(fx.server, "server", 0, waiting_server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS,
                 "client>server S 0:0 | server>client S. 0:0 | client>server . 1:0 | "
                 "client>server P. 1:100 | client>server F. 101:0 dropped:drop-next-FIN | "
                 "server>client . 1:0 | client>server F. 101:0 | server>client . 1:0 | "
                 "server>client F. 1:0 | client>server . 102:0");
    assert_no_leak();
    fixture_end();
}

static void test_a_duplicated_segment_is_acked_again_and_delivered_once(void **state)
{
    (void)state;
    fixture_start("duplicate");
    struct link_rule rule = { .kind = LINK_DUPLICATE, .from = 0, .to = 1, .numerator = 1,
                              .denominator = 1, .delay_us = 500 };
    assert_true(world_add_link_rule(fx.w, &rule) >= 0);
    static const struct step client[] = { { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_CLOSE, 0 },
                                          { OP_END, 0 } };
    spawn(fx.server, "server", 0, waiting_server);
    spawn(fx.client, "client", 10, client);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_story(SEGMENTS | CALLS,
                 "server socket=3 | server bind=0 | server listen=0 | client socket=3 | "
                 "client>server S 0:0 | server>client S. 0:0 | server>client S. 0:0 | "
                 "client>server . 1:0 | client connect=0 | client>server P. 1:100 | "
                 "client send=100 | client>server F. 101:0 | client close=0 | "
                 "client>server . 102:0 | server accept=4 | server recv=100 | "
                 "server>client . 1:0 | server recv=0 | server>client F. 1:0 | "
                 "server close=0 | server>client . 2:0 | server>client . 2:0 | "
                 "server>client . 2:0 | client>server . 102:0 | server>client R. 2:0");
    assert_no_leak();
    fixture_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_without_close_nothing_unread_sends_fin),
        cmocka_unit_test(test_exit_without_close_with_unread_data_sends_rst),
        cmocka_unit_test(test_kill_blocked_in_recv_sends_fin),
        cmocka_unit_test(test_kill_blocked_in_accept_closes_the_listener_silently),
        cmocka_unit_test(test_kill_blocked_in_connect_abandons_the_syn),
        cmocka_unit_test(test_kill_blocked_in_send_sends_fin_after_the_queued_data),
        cmocka_unit_test(test_sigpipe_default_kills_the_writer),
        cmocka_unit_test(test_sigpipe_ignored_send_fails_with_lwips_errno),
        cmocka_unit_test(test_msg_nosignal_raises_no_signal),
        cmocka_unit_test(test_sigterm_default_terminates),
        cmocka_unit_test(test_sigterm_handled_interrupts_the_blocked_call_with_eintr),
        cmocka_unit_test(test_sigterm_ignored_changes_nothing),
        cmocka_unit_test(test_socket_fails_emfile_at_the_fd_limit),
        cmocka_unit_test(test_accept_fails_emfile_and_the_connection_stays_queued),
        cmocka_unit_test(test_crash_silences_the_host_and_the_client_gives_up),
        cmocka_unit_test(test_reboot_answers_the_old_connection_with_rst),
        cmocka_unit_test(test_shutdown_terms_kills_closes_then_goes_down),
        cmocka_unit_test(test_icmp_host_unreachable_is_sent_and_lwip_keeps_retrying),
        cmocka_unit_test(test_partition_longer_than_the_retransmission_budget_ends_in_give_up),
        cmocka_unit_test(test_kill_blocked_in_recv_rst_where_data_is_unread_fin_elsewhere),
        cmocka_unit_test(test_lwip_runs_out_of_sockets_before_a_high_fd_limit),
        cmocka_unit_test(test_a_dropped_fin_is_retransmitted),
        cmocka_unit_test(test_a_duplicated_segment_is_acked_again_and_delivered_once),
    };
    return cmocka_run_group_tests_name("os", tests, NULL, NULL);
}
