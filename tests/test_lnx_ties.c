/* lnx_ties: the Linux backend's ties (scenarios/linux/<id>.ties). The file names processes of
 * the scenario or is refused with file:line:col; a frame due within LNX_TIE_US before a
 * wake-up, or after it until LNX_TIE_HOLD_US, is held; held frames leave in order, a host's
 * frames together. No namespaces, no root: the relay's callbacks are stand-ins. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "lnx_ties.h"

#include <string.h>
#include <sys/stat.h>

static struct scenario_process procs[2];
static struct scenario sc = { .id = "tie", .host_count = 2, .procs = procs, .proc_count = 2 };

/* A scenario file in tmpdir and its linux/tie.ties with the given text. */
static void write_ties(const char *text)
{
    static char file[64], dir[64], path[96];
    snprintf(file, sizeof file, "%s/tie.scn", tmpdir);
    snprintf(dir, sizeof dir, "%s/linux", tmpdir);
    snprintf(path, sizeof path, "%s/tie.ties", dir);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    sc.file = file;
    snprintf(sc.hosts[0].name, sizeof sc.hosts[0].name, "client");
    snprintf(sc.hosts[1].name, sizeof sc.hosts[1].name, "server");
    snprintf(procs[0].name, sizeof procs[0].name, "client");
    snprintf(procs[1].name, sizeof procs[1].name, "server");
    procs[0].host = 0;
    procs[1].host = 1;
}

static void test_a_ties_file_names_processes_of_the_scenario(void **state)
{
    (void)state;
    struct lnx_ties t;
    char err[512] = "";
    write_ties("# the server's wake-up first\n  server/server  # a comment\n\n");
    assert_int_equal(lnx_ties_load(&t, &sc, err, sizeof err), 0);
    assert_true(t.any);
    assert_false(t.first[0]);
    assert_true(t.first[1]);
    write_ties("server/server\n  server/nobody\n");
    assert_int_equal(lnx_ties_load(&t, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "/linux/tie.ties:2:3: error: expected <host>/<process> of scenario "
                                "tie, found 'server/nobody'"));
}

static void test_frames_are_held_from_just_before_a_wake_up_until_its_deadline(void **state)
{
    (void)state;
    assert_false(lnx_ties_holds(5000, 0));                          /* no sleep pending */
    assert_false(lnx_ties_holds(10000 - LNX_TIE_US - 1, 10000));    /* long before: no tie */
    assert_true(lnx_ties_holds(10000 - LNX_TIE_US, 10000));
    assert_true(lnx_ties_holds(10000 + LNX_TIE_HOLD_US - 1, 10000)); /* woke, no call yet */
    assert_false(lnx_ties_holds(10000 + LNX_TIE_HOLD_US, 10000));    /* a call that blocks */
}

static bool server_held;
static char delivered[64];

static bool holding(void *ctx, int host)
{
    (void)ctx;
    return host == 1 && server_held;
}

static void deliver(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    snprintf(delivered + strlen(delivered), sizeof delivered - strlen(delivered), "%d:%.*s ", to,
             (int)len, (const char *)pkt);
}

static void test_held_frames_leave_in_order_once_their_host_is_free(void **state)
{
    (void)state;
    struct lnx_ties t = { .any = true };
    server_held = true;
    delivered[0] = '\0';
    assert_true(lnx_ties_hold(&t, 1, (const uint8_t *)"a", 1));
    assert_true(lnx_ties_hold(&t, 0, (const uint8_t *)"b", 1));
    assert_true(lnx_ties_hold(&t, 1, (const uint8_t *)"c", 1));
    lnx_ties_release(&t, holding, deliver, NULL);
    assert_string_equal(delivered, "0:b ");
    server_held = false;
    lnx_ties_release(&t, holding, deliver, NULL);
    assert_string_equal(delivered, "0:b 1:a 1:c ");
    assert_null(t.held);
    assert_true(lnx_ties_hold(&t, 1, (const uint8_t *)"d", 1));
    lnx_ties_free(&t);
    assert_null(t.held);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_ties_file_names_processes_of_the_scenario),
        cmocka_unit_test(test_frames_are_held_from_just_before_a_wake_up_until_its_deadline),
        cmocka_unit_test(test_held_frames_leave_in_order_once_their_host_is_free),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
