/* The tcpsim command line: exit codes, error messages, outputs only when complete, and
 * byte-identical outputs from two runs. Runs build/tcpsim (or $TCPSIM) as a child process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_fixture.h"

static void test_usage_errors_exit_2_with_a_message(void **state)
{
    (void)state;
    assert_int_equal(run(""), 2);
    assert_err_contains("usage: tcpsim");
    assert_int_equal(run("frobnicate"), 2);
    assert_err_contains("unknown command 'frobnicate'");
    assert_int_equal(run("run"), 2);
    assert_err_contains("run: expects a scenario id or file");
    assert_int_equal(run("run no-such-scenario"), 2);
    assert_err_contains("unknown scenario 'no-such-scenario'");
    assert_int_equal(run("run graceful-close --seed 12x"), 2);
    assert_err_contains("--seed expects an unsigned 64-bit integer, got '12x'");
    assert_int_equal(run("run graceful-close --seed"), 2);
    assert_err_contains("--seed expects a value");
    assert_int_equal(run("run graceful-close --bogus"), 2);
    assert_err_contains("unexpected '--bogus'");
    assert_int_equal(run("list extra"), 2);
}

/* One dispatch path: .pkt scripts and diff are entries of the command table, --strict and
 * --lenient options of the option table. Each option applies to scenarios, scripts or both,
 * and is "unexpected" for the other kind with the message it always had. */
static void test_scripts_and_diff_go_through_the_command_table(void **state)
{
    (void)state;
    char args[512], path[512];
    const char *pkt = "scenarios/pkt/close-in-syn-sent.pkt";
    snprintf(args, sizeof args, "run --strict %s --out=%s/pkt", pkt, tmpdir);   /* --out=DIR too */
    assert_int_equal(run(args), 0);
    snprintf(path, sizeof path, "%s/pkt/close-in-syn-sent/timeline.txt", tmpdir);
    assert_true(exists(path));
    snprintf(args, sizeof args, "check %s --backend linux", pkt);
    assert_int_equal(run(args), 2);
    assert_err_contains("tcpsim: unexpected '--backend'\n(see 'tcpsim --help' and docs/packetdrill.md)\n");
    snprintf(args, sizeof args, "check %s --seed abc", pkt);
    assert_int_equal(run(args), 2);
    assert_err_contains("--seed expects an unsigned 64-bit integer, got 'abc'\n(see 'tcpsim --help' "
                        "and docs/packetdrill.md)");
    snprintf(args, sizeof args, "run %s %s", pkt, pkt);
    assert_int_equal(run(args), 2);
    assert_err_contains("run: one script at a time");
    snprintf(args, sizeof args, "check %s graceful-close", pkt);
    assert_int_equal(run(args), 2);
    assert_err_contains("'graceful-close': expected a .pkt script (scenarios and scripts run separately)");
    assert_int_equal(run("run graceful-close --lenient"), 2);
    assert_err_contains("tcpsim: unexpected '--lenient'\n(see 'tcpsim --help')\n");
    assert_int_equal(run("list --strict"), 2);
    assert_err_contains("unexpected '--strict'");
    assert_int_equal(run("diff a"), 2);
    assert_err_contains("tcpsim diff: expects two runs, got 1 argument\nusage: tcpsim diff");
    assert_int_equal(run("diff --help"), 0);
    assert_int_equal(run("diff x y --out z"), 2);                  /* diff takes no options */
    assert_err_contains("tcpsim diff: expects two runs, got 4 arguments");
}

static void test_help_and_list_succeed(void **state)
{
    (void)state;
    assert_int_equal(run("--help"), 0);
    assert_int_equal(run("list"), 0);
}

static void test_run_writes_the_timeline_and_nothing_partial(void **state)
{
    (void)state;
    char args[512], path[512];
    snprintf(args, sizeof args, "run graceful-close --out %s/a", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(path, sizeof path, "%s/a/graceful-close/timeline.txt", tmpdir);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/a/.graceful-close.tmp", tmpdir);
    assert_false(exists(path));
}

static void test_unwritable_output_directory_exits_2(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run graceful-close --out /proc/tcpsim-cannot-write");
    assert_int_equal(run(args), 2);
    assert_err_contains("cannot create output directory /proc/tcpsim-cannot-write");
}

static void test_two_runs_give_byte_identical_outputs(void **state)
{
    (void)state;
    char args[512], cmd[512];
    snprintf(args, sizeof args, "all --out %s/one", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(args, sizeof args, "all --out %s/two", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(cmd, sizeof cmd, "diff -r %s/one %s/two", tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void test_failed_expectations_exit_1_with_file_line_and_what_happened(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "check tests/scenarios/wrong-expectations.scn --out %s/w", tmpdir);
    assert_int_equal(run(args), 1);
    assert_err_contains("tests/scenarios/wrong-expectations.scn:20:");
    assert_err_contains("expectation failed: client connect -> -1 ECONNREFUSED");
    assert_err_contains("got: 0 in client at t=");
    assert_err_contains("tests/scenarios/wrong-expectations.scn:24:1: expectation failed: expect segment server>client R");
    assert_err_contains("got: 0 matches");
    assert_err_contains("expect process client/client killed sigpipe");
    assert_err_contains("got: exit with status 0");
    assert_err_contains("replay: tcpsim check tests/scenarios/wrong-expectations.scn --seed 1");
    /* the outputs are written all the same, with the failed expectations in the trace */
    char path[512];
    snprintf(path, sizeof path, "%s/w/wrong-expectations/timeline.jsonl", tmpdir);
    assert_true(exists(path));
}

/* Each failed time expectation is one line: where, the expectation, what happened. */
static void test_wrong_time_expectations_fail_one_line_each(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "check tests/scenarios/wrong-times.scn --out %s/t", tmpdir);
    assert_int_equal(run(args), 1);
    static const char *const lines[] = {
        "wrong-times.scn:28:1: expectation failed: expect state client client:s TIME_WAIT lasts "
        "60s; got: the 1st match at 0.016035 s: lasted 120.244000 s, not 60.000000 s\n",
        "wrong-times.scn:29:1: expectation failed: expect segment server>client F. after "
        "client>server F. within 1ms; got: the 1st match at 0.015027 s: 0.001004 s after "
        "0.014023 s, not within 0.001000 s\n",
        "wrong-times.scn:30:1: expectation failed: expect segment client>server . nth 9; got: "
        "only 2 matches\n",
        "wrong-times.scn:31:1: expectation failed: expect call client/client connect lasts 1ms; "
        "got: the 1st match at 0.012008 s: lasted 0.002008 s, not 0.001000 s\n",
        "wrong-times.scn:32:1: expectation failed: expect no segment client>server . after "
        "client>server F.; got: 1 match, the first at 0.016035 s\n",
        "wrong-times.scn:33:1: expectation failed: expect segment client>server . count 3 before "
        "1s; got: 2 matches\n",
        "wrong-times.scn:34:1: expectation failed: expect event accounting from client to server "
        "delivered 15; got: 0 matches\n",
        "wrong-times.scn:35:1: expectation failed: expect state server server:conn CLOSED cause "
        "\"2MSL timeout\"; got: 0 matches\n",
        "wrong-times.scn:36:1: expectation failed: expect process client/client exit 0 before "
        "10ms; got: exit with status 0 at 0.014023 s: not before 0.010000 s\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) assert_err_contains(lines[i]);
}

/* `tcpsim check` of a scenario file: every expectation holds. */
static void assert_scenario_passes(const char *file)
{
    char args[512];
    snprintf(args, sizeof args, "check %s --out %s/pass", file, tmpdir);
    if (run(args) != 0) fail_msg("%s failed:\n%s", file, err_text);
}

/* poll, SO_ERROR, O_NONBLOCK + EAGAIN, literal payloads, accept without a name, rule removal. */
static void test_more_steps_scenario_passes(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/more-steps.scn");
}

/* Crafted segments: relative to a live connection's ISNs, or to a port with absolute numbers. */
static void test_inject_scenario_passes(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/inject-segments.scn");
}

/* Crafted segments from an address no host owns: a passive peer on the link that lwIP answers
 * (a SYN-ACK from the listener, an RST from a closed port) and a spoofed RST that it ignores. */
static void test_inject_from_third_address_passes(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/inject-third-address.scn");
}

/* SYN_RCVD given an ACK that carries FIN: ESTABLISHED, then CLOSE_WAIT, both within the one
 * segment, in that order (the scenario's expect states line asserts the exact sequence). */
static void test_two_transitions_within_one_segment_are_both_shown(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/two-transitions-one-segment.scn");
}

/* SYN_SENT given a SYN-ACK that carries FIN: ESTABLISHED only; lwIP's SYN_SENT case never calls
 * tcp_receive, so the FIN is not taken and no CLOSE_WAIT follows (exact sequence asserted). */
static void test_syn_ack_carrying_fin_is_one_transition(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/syn-ack-carrying-fin.scn");
}

/* FIN_WAIT_1 given FIN + the ACK of its FIN: TIME_WAIT in one transition (the states line). The
 * crafted segment is not counted as sent by the server's TCP: the server's own FIN with the same
 * numbers, a second later, is an original, not "retransmission #1". */
/* Lines of a passing test scenario's timeline.txt that contain `text`. */
static int timeline_lines_with(const char *id, const char *text)
{
    char path[600], line[1024];
    snprintf(path, sizeof path, "%s/pass/%s/timeline.txt", tmpdir, id);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int n = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, text)) n++;
    fclose(f);
    return n;
}

static void test_fin_ack_into_fin_wait_1_is_one_transition(void **state)
{
    (void)state;
    assert_scenario_passes("tests/scenarios/fin-ack-into-fin-wait-1.scn");
    assert_int_equal(timeline_lines_with("fin-ack-into-fin-wait-1", "retransmission"), 0);
}

/* Two SYN-ACKs in one microsecond: the reasons come from what lwIP was doing when each left
 * (its slow timer, then its input path), not from the arrival at that instant. The client's
 * SYN, first sent at time 0, times its RTO from there. */
static void test_reasons_tell_timer_from_input_at_one_instant(void **state)
{
    (void)state;
    const char *id = "synack-timer-meets-syn";
    assert_scenario_passes("tests/scenarios/synack-timer-meets-syn.scn");
    assert_int_equal(timeline_lines_with(id, "fast retransmission"), 0);
    assert_int_equal(timeline_lines_with(id, "2.751004  server  > client   S.   seq 0      ack 1 "
                                             "     win 5840  len 0     10.0.0.2:8400 > 10.0.0.1:"
                                             "55978  arrives 2.752008  why: retransmission #1 "
                                             "after an RTO of 2.750 s"), 1);
    assert_int_equal(timeline_lines_with(id, "arrives 2.752012  why: retransmission #2 of the "
                                             "SYN-ACK: the peer's SYN arrived again (tcp_process "
                                             "-> tcp_rexmit)"), 1);
    assert_int_equal(timeline_lines_with(id, "2.750000  client   timer  10.0.0.1:55978>10.0.0.2:"
                                             "8400  retransmission timeout #1: seq 0 "
                                             "unacknowledged for 2.750 s"), 1);
}

static void test_bad_scenario_file_exits_2_and_writes_nothing(void **state)
{
    (void)state;
    char args[1024], scn[512], where[600], path[512];
    snprintf(scn, sizeof scn, "%s/cli-bad.scn", tmpdir);
    FILE *f = fopen(scn, "w");
    assert_non_null(f);
    fputs("id bad-step\ntitle \"x\"\nhost a 10.0.0.1\nprocess p on a\n  sned s 10\nend\n", f);
    fclose(f);
    snprintf(args, sizeof args, "run %s --out %s/bad", scn, tmpdir);
    assert_int_equal(run(args), 2);
    snprintf(where, sizeof where, "%s:5:3: error:", scn);
    assert_err_contains(where);
    assert_err_contains("sned");
    snprintf(path, sizeof path, "%s/bad", tmpdir);
    assert_false(exists(path));
    remove(scn);
}

static void test_missing_scenario_file_exits_2(void **state)
{
    (void)state;
    assert_int_equal(run("run /nonexistent/dir/x.scn"), 2);
    assert_err_contains("/nonexistent/dir/x.scn");
}

static void test_explain_and_list_show_the_catalog(void **state)
{
    (void)state;
    char cmd[512];
    assert_int_equal(run("explain graceful-close"), 0);
    snprintf(cmd, sizeof cmd, "%s explain graceful-close | grep -q 'Where lwIP differs'", tcpsim());
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s list | grep -q '^graceful-close '", tcpsim());
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run("explain"), 2);
    assert_int_equal(run("check"), 2);
    assert_err_contains("check: expects a scenario id or file");
}

static void test_partition_and_heal_events_run_clean(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "check tests/scenarios/partition-heal.scn --out %s/ph", tmpdir);
    assert_int_equal(run(args), 0);
}

static void test_options_anywhere_with_equals_and_double_dash(void **state)
{
    (void)state;
    char args[512], path[512];
    snprintf(args, sizeof args, "run --out=%s/eq --seed=1 graceful-close", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(path, sizeof path, "%s/eq/graceful-close/timeline.txt", tmpdir);
    assert_true(exists(path));
    snprintf(args, sizeof args, "run --out %s/dd -- graceful-close", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(path, sizeof path, "%s/dd/graceful-close/timeline.txt", tmpdir);
    assert_true(exists(path));
}

static void test_an_option_is_never_taken_as_a_value(void **state)
{
    (void)state;
    assert_int_equal(run("all --out --markdown x.md"), 2);
    assert_err_contains("--out expects a value, got the option '--markdown'");
    assert_int_equal(run("all --markdown"), 2);
    assert_err_contains("--markdown expects a value");
    assert_int_equal(run("run graceful-close --out="), 2);
    assert_err_contains("--out expects a value");
    assert_int_equal(run("run graceful-close --horizon 4x"), 2);
    assert_err_contains("--horizon expects a virtual time");
    assert_int_equal(run("run graceful-close --max-events lots"), 2);
    assert_err_contains("--max-events expects a number of events");
}

static void test_a_fifo_is_refused_not_read(void **state)
{
    (void)state;
    char path[512], args[600];
    snprintf(path, sizeof path, "%s/fifo.scn", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(args, sizeof args, "run %s --out %s/fifo", path, tmpdir);
    assert_int_equal(run(args), 2);
    assert_err_contains("not a regular file");
}

/* Bad input found late is found early: nothing is written before it is refused. */
static void test_late_bad_input_is_refused_before_any_output(void **state)
{
    (void)state;
    char args[600], path[512];
    snprintf(args, sizeof args, "all --markdown %s/no-such-dir/x.md --out %s/md", tmpdir, tmpdir);
    assert_int_equal(run(args), 2);
    assert_err_contains("no-such-dir");
    snprintf(path, sizeof path, "%s/md", tmpdir);
    assert_false(exists(path));
    snprintf(args, sizeof args, "check graceful-close tests/scenarios/three-hosts.scn --out %s/th",
             tmpdir);
    int rc = run(args);
    if (rc == 0) skip();   /* a build with more lwIP instances (make STACKS=3 or more) */
    assert_int_equal(rc, 2);
    assert_err_contains("tests/scenarios/three-hosts.scn:7:1: error: cannot add host 'c'");
    snprintf(path, sizeof path, "%s/th/graceful-close", tmpdir);
    assert_false(exists(path));
}

static void test_times_after_the_horizon_are_refused_unless_it_is_raised(void **state)
{
    (void)state;
    char args[600];
    snprintf(args, sizeof args, "run tests/scenarios/after-horizon.scn --out %s/hz", tmpdir);
    assert_int_equal(run(args), 2);
    assert_err_contains("tests/scenarios/after-horizon.scn:9:");
    assert_err_contains("after the run's horizon (14400 s of virtual time)");
    snprintf(args, sizeof args, "run tests/scenarios/after-horizon.scn --horizon 6h --out %s/hz",
             tmpdir);
    assert_int_equal(run(args), 0);
}

/* Greps a file of a run's outputs for a fixed string. */
static void assert_output_contains(const char *sub, const char *id, const char *file,
                                   const char *needle)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "grep -qF '%s' %s/%s/%s/%s", needle, tmpdir, sub, id, file);
    if (system(cmd) != 0) fail_msg("%s/%s/%s lacks %s", sub, id, file, needle);
}

static void test_byte_accounting_and_leak_check_say_what_they_did(void **state)
{
    (void)state;
    char args[512];
    /* read after the RST arrived: delivered and content-checked */
    snprintf(args, sizeof args, "check tests/scenarios/read-after-rst.scn --out %s/acc", tmpdir);
    assert_int_equal(run(args), 0);
    assert_output_contains("acc", "read-after-rst", "timeline.jsonl", "\"delivered\":1000,\"lost\":{}");
    /* two amounts lost for one reason are one key with their sum */
    snprintf(args, sizeof args, "check tests/scenarios/lost-twice-same-reason.scn --out %s/acc", tmpdir);
    assert_int_equal(run(args), 0);
    assert_output_contains("acc", "lost-twice-same-reason", "timeline.jsonl",
                           "\"lost\":{\"discarded by an RST\":11680}");
    /* a second connection on the 4-tuple of a reset one is accounted on its own (seed 1070) */
    snprintf(args, sizeof args, "check tests/scenarios/port-reused.scn --out %s/acc", tmpdir);
    assert_int_equal(run(args), 0);
    assert_output_contains("acc", "port-reused", "timeline.jsonl",
                           "\"sent\":2000,\"delivered\":2000");
    /* data read after the 4-tuple carried a newer connection is the older one's (seed 1336) */
    snprintf(args, sizeof args, "check tests/scenarios/read-after-port-reused.scn --out %s/acc",
             tmpdir);
    assert_int_equal(run(args), 0);
    assert_output_contains("acc", "read-after-port-reused", "timeline.jsonl",
                           "\"sent\":5840,\"delivered\":3606");
    /* a run that did not go idle: the leak check was not made, and the timeline says so */
    snprintf(args, sizeof args, "check tests/scenarios/deadlock.scn --out %s/acc", tmpdir);
    assert_int_equal(run(args), 1);
    assert_output_contains("acc", "deadlock", "timeline.txt", "objects: not checked (the run did not go idle");
}

/* Swarm: a few seeds pass every invariant; the results do not depend on the number of workers. */
static void test_swarm_results_are_the_same_with_one_or_two_workers(void **state)
{
    (void)state;
    char args[512], cmd[1024];
    snprintf(args, sizeof args, "swarm --seeds 1..6 -j 1 --out %s/sw1", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(args, sizeof args, "swarm --seeds=1..6 --jobs=2 --out %s/sw2", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s/sw1/swarm/results-1-6.tsv %s/sw2/swarm/results-1-6.tsv",
             tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run("swarm --seeds 5..2"), 2);
    assert_err_contains("--seeds expects a seed range FIRST..LAST");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors_exit_2_with_a_message),
        cmocka_unit_test(test_help_and_list_succeed),
        cmocka_unit_test(test_scripts_and_diff_go_through_the_command_table),
        cmocka_unit_test(test_run_writes_the_timeline_and_nothing_partial),
        cmocka_unit_test(test_unwritable_output_directory_exits_2),
        cmocka_unit_test(test_two_runs_give_byte_identical_outputs),
        cmocka_unit_test(test_failed_expectations_exit_1_with_file_line_and_what_happened),
        cmocka_unit_test(test_wrong_time_expectations_fail_one_line_each),
        cmocka_unit_test(test_more_steps_scenario_passes),
        cmocka_unit_test(test_inject_scenario_passes),
        cmocka_unit_test(test_inject_from_third_address_passes),
        cmocka_unit_test(test_two_transitions_within_one_segment_are_both_shown),
        cmocka_unit_test(test_syn_ack_carrying_fin_is_one_transition),
        cmocka_unit_test(test_fin_ack_into_fin_wait_1_is_one_transition),
        cmocka_unit_test(test_reasons_tell_timer_from_input_at_one_instant),
        cmocka_unit_test(test_bad_scenario_file_exits_2_and_writes_nothing),
        cmocka_unit_test(test_missing_scenario_file_exits_2),
        cmocka_unit_test(test_explain_and_list_show_the_catalog),
        cmocka_unit_test(test_partition_and_heal_events_run_clean),
        cmocka_unit_test(test_options_anywhere_with_equals_and_double_dash),
        cmocka_unit_test(test_an_option_is_never_taken_as_a_value),
        cmocka_unit_test(test_a_fifo_is_refused_not_read),
        cmocka_unit_test(test_late_bad_input_is_refused_before_any_output),
        cmocka_unit_test(test_times_after_the_horizon_are_refused_unless_it_is_raised),
        cmocka_unit_test(test_byte_accounting_and_leak_check_say_what_they_did),
        cmocka_unit_test(test_swarm_results_are_the_same_with_one_or_two_workers),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
