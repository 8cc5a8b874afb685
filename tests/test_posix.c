/* <tcpsim/posix.h>: BSD socket calls inside simulated processes, with glibc's types and
 * constants and Linux errno values; and what the calls do outside a simulated process. Each
 * test runs a server and a client process on two hosts through the public API (tcpsim.h). */
#include <tcpsim/posix.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT 7000

static struct tcpsim *sim;
static struct tcpsim_host *server_host, *client_host;

static int setup(void **state)
{
    (void)state;
    char err[256];
    struct tcpsim_config cfg = tcpsim_config_default();
    sim = tcpsim_new(&cfg, err, sizeof err);
    server_host = tcpsim_add_host(sim, "server", "10.0.0.2", err, sizeof err);
    client_host = tcpsim_add_host(sim, "client", "10.0.0.1", err, sizeof err);
    return sim && server_host && client_host ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tcpsim_free(sim);
    sim = NULL;
    return 0;
}

static void run_to_idle(void)
{
    char err[256];
    assert_int_equal(tcpsim_run(sim, TCPSIM_FOREVER), TCPSIM_IDLE);
    if (tcpsim_finish(sim, err, sizeof err) != 0) fail_msg("%s", err);
}

static struct sockaddr_in server_addr(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    inet_pton(AF_INET, "10.0.0.2", &a.sin_addr);
    return a;
}

static int listening_socket(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    int l = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 4), 0);
    return l;
}

/* A server that accepts one connection, sends `reply` (if any), reads to EOF, closes. */
static void server_main(void *arg)
{
    const char *reply = arg;
    int l = listening_socket();
    int c = accept(l, NULL, NULL);
    char buf[256];
    if (reply) write(c, reply, strlen(reply));
    while (read(c, buf, sizeof buf) > 0) continue;
    close(c);
    close(l);
}

/* ---- outside a simulated process ---- */

static void test_socket_calls_outside_a_process_fail_eperm(void **state)
{
    errno = 0;
    assert_int_equal(socket(AF_INET, SOCK_STREAM, 0), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(listen(3, 1), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(tcpsim_sleep_us(5), -1);
    assert_int_equal(errno, EPERM);
}

static void test_file_calls_outside_a_process_are_libcs(void **state)
{
    int fds[2];
    char c = 0;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "x", 1), 1);
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'x');
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(read(fds[0], &c, 1), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(close(fds[0]), 0);
    assert_int_equal(close(fds[1]), 0);
}

/* ---- a non-blocking connect: EINPROGRESS, poll for POLLOUT, SO_ERROR, the addresses ---- */

struct nb_connect {
    int connect_ret, connect_err, poll_ret, so_error;
    short revents;
    uint64_t connected_us;
    char peer[32], local[32];
};

static void addr_text(const struct sockaddr_in *a, char *buf, size_t size)
{
    char ip[16];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    snprintf(buf, size, "%s:%u", ip, ntohs(a->sin_port));
}

static void nb_client_main(void *arg)
{
    struct nb_connect *r = arg;
    struct sockaddr_in a = server_addr(), peer = { 0 }, local = { 0 };
    socklen_t plen = sizeof peer, llen = sizeof local, elen = sizeof r->so_error;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r->connect_ret = connect(s, (struct sockaddr *)&a, sizeof a);
    r->connect_err = errno;
    struct pollfd p = { .fd = s, .events = POLLOUT };
    r->poll_ret = poll(&p, 1, -1);
    r->revents = p.revents;
    r->connected_us = tcpsim_now_us();
    getsockopt(s, SOL_SOCKET, SO_ERROR, &r->so_error, &elen);
    getpeername(s, (struct sockaddr *)&peer, &plen);
    getsockname(s, (struct sockaddr *)&local, &llen);
    addr_text(&peer, r->peer, sizeof r->peer);
    addr_text(&local, r->local, sizeof r->local);
    close(s);
}

static void test_nonblocking_connect_polls_writable_with_no_error(void **state)
{
    struct nb_connect r = { 0 };
    tcpsim_spawn(server_host, "server", 0, server_main, NULL);
    tcpsim_spawn(client_host, "client", 1000, nb_client_main, &r);
    run_to_idle();
    assert_int_equal(r.connect_ret, -1);
    assert_int_equal(r.connect_err, EINPROGRESS);
    assert_int_equal(r.poll_ret, 1);
    assert_int_equal(r.revents, POLLOUT);
    assert_int_equal(r.connected_us, 3008);   /* SYN 1 ms + 4 us out, SYN-ACK back */
    assert_int_equal(r.so_error, 0);
    assert_string_equal(r.peer, "10.0.0.2:7000");
    assert_string_equal(r.local, "10.0.0.1:55439");
}

static void test_nonblocking_connect_to_a_closed_port_reports_so_error(void **state)
{
    struct nb_connect r = { 0 };
    tcpsim_spawn(client_host, "client", 1000, nb_client_main, &r);
    run_to_idle();
    assert_int_equal(r.connect_err, EINPROGRESS);
    assert_int_equal(r.poll_ret, 1);
    /* Linux: POLLOUT|POLLERR|POLLHUP and ECONNREFUSED. lwIP reports the RST in SYN_SENT as
     * ERR_RST (ECONNRESET, as scenarios/connect-refused.scn explains) and lwip_poll sets
     * POLLERR without POLLHUP. */
    assert_int_equal(r.revents, POLLOUT | POLLERR);
    assert_int_equal(r.so_error, ECONNRESET);
    assert_int_equal(r.connected_us, 3008);
}

/* ---- options ---- */

struct opts {
    struct linger linger;
    int nodelay, keepalive, type, bad_opt_ret, bad_opt_err;
    struct timeval rcvtimeo;
    socklen_t linger_len, tv_len;
};

static void opts_main(void *arg)
{
    struct opts *o = arg;
    int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct linger lg = { .l_onoff = 1, .l_linger = 5 };
    struct timeval tv = { .tv_sec = 1, .tv_usec = 500000 };
    socklen_t len = sizeof on;
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    o->linger_len = sizeof o->linger;
    o->tv_len = sizeof o->rcvtimeo;
    getsockopt(s, SOL_SOCKET, SO_LINGER, &o->linger, &o->linger_len);
    getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &o->nodelay, &len);
    getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &o->keepalive, &len);
    getsockopt(s, SOL_SOCKET, SO_TYPE, &o->type, &len);
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &o->rcvtimeo, &o->tv_len);
    o->bad_opt_ret = setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
    o->bad_opt_err = errno;
    close(s);
}

static void test_socket_options_read_back_lwips_values(void **state)
{
    struct opts o = { 0 };
    tcpsim_spawn(client_host, "client", 0, opts_main, &o);
    run_to_idle();
    assert_int_equal(o.linger.l_onoff, 1);
    assert_int_equal(o.linger.l_linger, 5);
    assert_int_equal(o.linger_len, sizeof(struct linger));
    assert_int_equal(o.nodelay, 1);
    assert_int_equal(o.keepalive, 1);
    assert_int_equal(o.type, SOCK_STREAM);
    assert_int_equal(o.rcvtimeo.tv_sec, 1);
    assert_int_equal(o.rcvtimeo.tv_usec, 500000);
    assert_int_equal(o.bad_opt_ret, -1);
    assert_int_equal(o.bad_opt_err, ENOPROTOOPT);
    assert_int_equal(tcpsim_count(sim, "getsockopt(3, SO_LINGER = 1) = 0"), 1);
}

/* ---- waiting: timeouts in virtual time, O_NONBLOCK, poll over several fds, select ---- */

struct waits {
    int select_ret, recv_ret, recv_err, nb_ret, nb_err, flags;
    uint64_t select_us, recv_us, slept_us;
    char got[32];
    int waitall_ret;
};

static void waits_client_main(void *arg)
{
    struct waits *w = arg;
    struct sockaddr_in a = server_addr();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    connect(s, (struct sockaddr *)&a, sizeof a);
    /* nothing to read for 0.25 s: select times out then, to the microsecond */
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(s, &rd);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 250000 };
    uint64_t t0 = tcpsim_now_us();
    w->select_ret = select(s + 1, &rd, NULL, NULL, &tv);
    w->select_us = tcpsim_now_us() - t0;
    /* O_NONBLOCK: EAGAIN at once */
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    w->flags = fcntl(s, F_GETFL);
    char buf[32];
    w->nb_ret = (int)recv(s, buf, sizeof buf, 0);
    w->nb_err = errno;
    fcntl(s, F_SETFL, 0);
    /* SO_RCVTIMEO 100 ms */
    struct timeval rt = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt);
    t0 = tcpsim_now_us();
    w->recv_ret = (int)recv(s, buf, sizeof buf, 0);
    w->recv_err = errno;
    w->recv_us = tcpsim_now_us() - t0;
    t0 = tcpsim_now_us();
    usleep(1500);
    w->slept_us = tcpsim_now_us() - t0;
    /* the server writes its greeting at 1 s: MSG_WAITALL waits for all 11 bytes */
    struct timeval none = { 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    w->waitall_ret = (int)recv(s, w->got, 11, MSG_WAITALL);
    close(s);
}

/* Polls the listener and the connection together: the accept, then the data. */
static void poll_server_main(void *arg)
{
    int l = listening_socket(), c = -1;
    struct pollfd p[2] = { { .fd = l, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
    assert_int_equal(poll(p, 2, -1), 1);
    assert_int_equal(p[0].revents, POLLIN);
    c = accept(l, NULL, NULL);
    sleep(1);
    write(c, "hello", 5);
    usleep(10000);
    write(c, " world", 6);
    p[1].fd = c;
    char buf[8];
    while (poll(p, 2, -1) > 0 && (p[1].revents & POLLIN) && read(c, buf, sizeof buf) > 0) continue;
    close(c);
    close(l);
}

static void test_timeouts_nonblocking_poll_and_select_in_virtual_time(void **state)
{
    struct waits w = { 0 };
    tcpsim_spawn(server_host, "server", 0, poll_server_main, NULL);
    tcpsim_spawn(client_host, "client", 1000, waits_client_main, &w);
    run_to_idle();
    assert_int_equal(w.select_ret, 0);
    assert_int_equal(w.select_us, 250000);
    assert_int_equal(w.flags, O_RDWR | O_NONBLOCK);
    assert_int_equal(w.nb_ret, -1);
    assert_int_equal(w.nb_err, EAGAIN);
    assert_int_equal(w.recv_ret, -1);
    assert_int_equal(w.recv_err, EAGAIN);
    assert_int_equal(w.recv_us, 100000);
    assert_int_equal(w.slept_us, 1500);
    assert_int_equal(w.waitall_ret, 11);
    assert_string_equal(w.got, "hello world");
}

/* ---- the simulation object: one at a time; output files written by tcpsim_finish ---- */

struct accepted {
    char peer[32];
    socklen_t len;
    ssize_t got;
    socklen_t from_len;
};

static void accept_server_main(void *arg)
{
    struct accepted *a = arg;
    struct sockaddr_in peer, from;
    a->len = sizeof peer;
    int l = listening_socket(), c = accept(l, (struct sockaddr *)&peer, &a->len);
    addr_text(&peer, a->peer, sizeof a->peer);
    char buf[16];
    a->from_len = sizeof from;
    a->got = recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &a->from_len);
    close(c);
    close(l);
}

static void sendto_client_main(void *arg)
{
    struct sockaddr_in a = server_addr();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    connect(s, (struct sockaddr *)&a, sizeof a);
    sendto(s, "ping", 4, 0, NULL, 0);
    close(s);
}

static void test_out_dir_gets_the_run_files_at_finish_and_one_sim_at_a_time(void **state)
{
    char err[256], dir[] = "/tmp/tcpsim-posix-XXXXXX", path[300];
    struct accepted a = { 0 };
    assert_non_null(mkdtemp(dir));
    struct tcpsim_config cfg = tcpsim_config_default();
    cfg.out_dir = dir;
    struct tcpsim *s = tcpsim_new(&cfg, err, sizeof err);
    assert_non_null(s);
    assert_null(tcpsim_new(&cfg, err, sizeof err));
    assert_string_equal(err, "tcpsim_new: a simulation exists already (one at a time: "
                             "tcpsim_free it first)");
    struct tcpsim_host *srv = tcpsim_add_host(s, "server", "10.0.0.2", err, sizeof err);
    struct tcpsim_host *cli = tcpsim_add_host(s, "client", "10.0.0.1", err, sizeof err);
    assert_null(tcpsim_add_host(s, "third", "10.0.0.3", err, sizeof err));   /* 2 instances */
    tcpsim_spawn(srv, "server", 0, accept_server_main, &a);
    tcpsim_spawn(cli, "client", 1000, sendto_client_main, NULL);
    assert_int_equal(tcpsim_run(s, TCPSIM_FOREVER), TCPSIM_IDLE);
    snprintf(path, sizeof path, "%s/timeline.txt", dir);
    assert_int_equal(access(path, F_OK), -1);   /* not before tcpsim_finish */
    assert_int_equal(tcpsim_finish(s, err, sizeof err), 0);
    static const char *const files[] = { "timeline.txt", "timeline.jsonl", "capture.pcap",
                                         "states.dot" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (access(path, F_OK) != 0) fail_msg("%s missing", path);
    }
    tcpsim_free(s);
    assert_string_equal(a.peer, "10.0.0.1:55439");
    assert_int_equal(a.len, sizeof(struct sockaddr_in));
    assert_int_equal(a.got, 4);
    assert_int_equal(a.from_len, 0);   /* TCP: recvfrom reports no address (Linux) */
    snprintf(path, sizeof path, "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

/* ---- signal(): SIGPIPE ignored or not ---- */

/* Closes each connection with the client's request unread: lwIP answers with RST. */
static void reset_server_main(void *arg)
{
    int l = listening_socket();
    for (int i = 0; i < 2; i++) {
        int c = accept(l, NULL, NULL);
        usleep(5000);   /* the request arrives, unread */
        close(c);
    }
    close(l);
}

struct pipe_client {
    bool ignore;
    int handler_err, other_err;
    ssize_t sent;
    int err;
};

static void on_signal(int signo) { (void)signo; }

static void pipe_client_main(void *arg)
{
    struct pipe_client *c = arg;
    if (c->ignore) {
        assert_true(signal(SIGPIPE, SIG_IGN) == SIG_DFL);
        assert_true(signal(SIGPIPE, on_signal) == SIG_ERR);
        c->handler_err = errno;
        assert_true(signal(SIGUSR1, SIG_IGN) == SIG_ERR);
        c->other_err = errno;
    }
    struct sockaddr_in a = server_addr();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    connect(s, (struct sockaddr *)&a, sizeof a);
    send(s, "request", 7, 0);
    usleep(20000);   /* the RST arrives meanwhile */
    c->sent = send(s, "x", 1, 0);
    c->err = errno;
    close(s);
}

static void test_sigpipe_kills_unless_the_process_ignores_it(void **state)
{
    struct pipe_client ignoring = { .ignore = true }, plain = { .sent = 99 };
    tcpsim_spawn(server_host, "server", 0, reset_server_main, NULL);
    struct tcpsim_proc *a = tcpsim_spawn(client_host, "ignoring", 1000, pipe_client_main, &ignoring);
    struct tcpsim_proc *b = tcpsim_spawn(client_host, "plain", 100000, pipe_client_main, &plain);
    run_to_idle();
    assert_int_equal(ignoring.handler_err, ENOTSUP);
    assert_int_equal(ignoring.other_err, EINVAL);
    assert_int_equal(ignoring.sent, -1);
    assert_int_equal(ignoring.err, ECONNRESET);
    assert_false(tcpsim_proc_killed(a));
    assert_int_equal(tcpsim_proc_status(a), 0);
    assert_true(tcpsim_proc_killed(b));
    assert_int_equal(tcpsim_proc_status(b), 128 + SIGPIPE);
    assert_int_equal(plain.sent, -1);   /* recorded before the process died at close */
    assert_int_equal(tcpsim_count(sim, "signal ignoring: SIGPIPE -> ignored"), 1);
    assert_int_equal(tcpsim_count(sim, "signal plain: SIGPIPE -> terminate"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_calls_outside_a_process_fail_eperm),
        cmocka_unit_test(test_file_calls_outside_a_process_are_libcs),
        cmocka_unit_test_setup_teardown(test_nonblocking_connect_polls_writable_with_no_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonblocking_connect_to_a_closed_port_reports_so_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_options_read_back_lwips_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_timeouts_nonblocking_poll_and_select_in_virtual_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigpipe_kills_unless_the_process_ignores_it, setup,
                                        teardown),
        cmocka_unit_test(test_out_dir_gets_the_run_files_at_finish_and_one_sim_at_a_time),
    };
    return cmocka_run_group_tests_name("posix", tests, NULL, NULL);
}
