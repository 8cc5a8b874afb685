/* libtcpsim's choice of instance family (issue 11): tcpsim_config.small_pools gives the hosts
 * the small lwIP family (64 netconns, so 64 sockets, per host) and tcpsim_pools_reached says
 * whether a run reached one of its bounds; the default stays the big family. The recording
 * switch: with tcpsim_set_recording(sim, false) the run's events are not kept. Through the
 * public API only (tcpsim.h, posix.h). */
#include <tcpsim/posix.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOCKETS 80

struct opener {
    int want, opened, first_errno;
};

/* Opens `want` sockets, counts those it got, then closes them. */
static void open_sockets(void *arg)
{
    struct opener *o = arg;
    int fds[MAX_SOCKETS];
    for (int i = 0; i < o->want; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] >= 0) o->opened++;
        else if (!o->first_errno) o->first_errno = errno;
    }
    for (int i = 0; i < o->want; i++)
        if (fds[i] >= 0) close(fds[i]);
}

/* One host, one process opening `want` sockets; returns tcpsim_pools_reached after the run. */
static bool run_opener(bool small_pools, struct opener *o)
{
    char err[256];
    struct tcpsim_config cfg = tcpsim_config_default();
    cfg.small_pools = small_pools;
    struct tcpsim *sim = tcpsim_new(&cfg, err, sizeof err);
    if (!sim) fail_msg("%s", err);
    struct tcpsim_host *h = tcpsim_add_host(sim, "host", "10.0.0.1", err, sizeof err);
    if (!h) fail_msg("%s", err);
    assert_non_null(tcpsim_spawn(h, "opener", 0, open_sockets, o));
    assert_int_equal(tcpsim_run(sim, TCPSIM_FOREVER), TCPSIM_IDLE);
    bool reached = tcpsim_pools_reached(sim);
    tcpsim_free(sim);
    return reached;
}

static void test_a_few_sockets_fit_the_small_pools(void **state)
{
    (void)state;
    struct opener o = { .want = 3 };
    assert_false(run_opener(true, &o));
    assert_int_equal(o.opened, 3);
}

/* lwipopts.h: MEMP_NUM_NETCONN = 64 in the small family; the 65th socket() finds no netconn
 * (api/sockets.c lwip_socket: netconn_alloc fails before alloc_socket, ENOBUFS). */
static void test_the_65th_socket_reaches_the_small_pools(void **state)
{
    (void)state;
    struct opener o = { .want = 70 };
    assert_true(run_opener(true, &o));
    assert_int_equal(o.opened, 64);
    assert_int_equal(o.first_errno, ENOBUFS);
}

static void test_the_default_pools_are_the_big_family(void **state)
{
    (void)state;
    struct opener o = { .want = 70 };
    assert_false(run_opener(false, &o));
    assert_int_equal(o.opened, 70);
    assert_false(tcpsim_config_default().small_pools);
}

/* The same process with recording on and off: off, the timeline keeps nothing of the run. */
static size_t socket_calls_kept(bool recording)
{
    char err[256];
    struct tcpsim_config cfg = tcpsim_config_default();
    struct tcpsim *sim = tcpsim_new(&cfg, err, sizeof err);
    if (!sim) fail_msg("%s", err);
    struct tcpsim_host *h = tcpsim_add_host(sim, "host", "10.0.0.1", err, sizeof err);
    if (!h) fail_msg("%s", err);
    struct opener o = { .want = 3 };
    assert_non_null(tcpsim_spawn(h, "opener", 0, open_sockets, &o));
    tcpsim_set_recording(sim, recording);
    assert_int_equal(tcpsim_run(sim, TCPSIM_FOREVER), TCPSIM_IDLE);
    assert_int_equal(o.opened, 3);
    size_t n = tcpsim_count(sim, "socket() = ");
    assert_int_equal(tcpsim_finish(sim, err, sizeof err), 0);
    tcpsim_free(sim);
    return n;
}

static void test_recording_off_keeps_no_events(void **state)
{
    (void)state;
    assert_int_equal(socket_calls_kept(true), 3);
    assert_int_equal(socket_calls_kept(false), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_few_sockets_fit_the_small_pools),
        cmocka_unit_test(test_the_65th_socket_reaches_the_small_pools),
        cmocka_unit_test(test_the_default_pools_are_the_big_family),
        cmocka_unit_test(test_recording_off_keeps_no_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
