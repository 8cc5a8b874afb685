/* Runaway guards (issue 10): inputs that used to hang, eat gigabytes or never print anything end
 * with exit status 4, a message naming the budget (or the resource), the virtual time and the
 * busiest connection or process, and no output at all (no out/.<id>.tmp left behind). Runs
 * build/tcpsim (or $TCPSIM) as a child process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_fixture.h"

/* Nothing in <tmpdir>/<sub> but finished folders: no ".<id>.tmp". */
static void assert_no_temporary_folder(const char *sub)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) fail_msg("left behind: %s/%s", dir, e->d_name);
    closedir(d);
}

/* The events budget must be what ends these runs on any machine, also a slow one or one under
 * memcheck: the wall-seconds budget is switched off for them. */
#define NO_WALL_BUDGET "--max-seconds 0"

static void runaway(const char *file, const char *extra, const char *budget)
{
    char args[1024];
    snprintf(args, sizeof args, "run tests/runaway/%s --out %s/ra %s", file, tmpdir, extra);
    assert_int_equal(run(args), 4);
    assert_err_contains(budget);
    assert_err_contains("of virtual time; ");   /* then what the budget went to */
    assert_err_contains("no output written");
    assert_no_temporary_folder("ra");
}

static void test_ack_storm_nobody_ends_stops_at_the_events_budget(void **state)
{
    (void)state;
    runaway("ack-storm-forever.scn", NO_WALL_BUDGET, "the events budget ran out (250000, --max-events)");
    assert_err_contains("busiest connection 10.0.0.1:55978<>10.0.0.2:7000");
}

static void test_nested_repeats_of_a_silent_step_stop_at_the_events_budget(void **state)
{
    (void)state;
    runaway("nested-signal-repeat.scn", NO_WALL_BUDGET, "the events budget ran out");
    assert_err_contains("a/p was running");
}

static void test_nested_repeats_of_sleep_stop_at_the_events_budget(void **state)
{
    (void)state;
    runaway("nested-sleep.scn", NO_WALL_BUDGET, "the events budget ran out");
    assert_err_contains("no segment and no socket call: the budget went to scenario steps "
                        "(sleeps, signals, repeats); a/p was running");
}

static void test_ten_million_calls_stop_at_the_events_budget(void **state)
{
    (void)state;
    runaway("ten-million-calls.scn", NO_WALL_BUDGET, "the events budget ran out");
    assert_err_contains("process client/client");
}

static void test_output_and_wall_budgets_stop_a_run_too(void **state)
{
    (void)state;
    runaway("ten-million-calls.scn", "--max-output 64K --max-events 0",
            "the output bytes budget ran out (65536, --max-output)");
    runaway("nested-signal-repeat.scn", "--max-events 0 --max-seconds 1",
            "the wall seconds budget ran out (1, --max-seconds)");
}

/* 40000 processes: out of memory here (ulimit -v), out of memory maps on a machine with more
 * memory; either way exit 4 naming the resource and how to raise it. Not under AddressSanitizer
 * or valgrind, which need far more address space than any such limit allows. */
static void test_forty_thousand_processes_run_out_of_a_resource(void **state)
{
    (void)state;
    if (strstr(tcpsim(), "asan") || strstr(tcpsim(), "valgrind")) skip();
    char args[512];
    snprintf(args, sizeof args, "run tests/runaway/forty-thousand-processes.scn --out %s/res", tmpdir);
    assert_int_equal(run_after("ulimit -v 600000; timeout 60", args), 4);
    assert_err_contains("tcpsim: out of memory");
    assert_err_contains("ulimit -v");
    assert_no_temporary_folder("res");
}

static void test_the_catalog_ack_storm_ends_by_its_readers_well_within_a_small_budget(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "check lwip-defect-ack-storm --out %s/cat --max-events 5000", tmpdir);
    assert_int_equal(run(args), 0);
}

/* Ended from outside (SIGTERM) in the middle of a run: its temporary folder goes too. */
static void test_a_run_ended_by_sigterm_leaves_no_temporary_folder(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run tests/runaway/ack-storm-forever.scn --max-events 0 --out %s/term "
             "& pid=$!; sleep 1; kill -TERM $pid; wait $pid; exit $?; :", tmpdir);
    assert_int_equal(run_after("", args), 128 + 15);
    assert_no_temporary_folder("term");
}

/* On a terminal a long run shows a progress line on stderr (script(1) gives it a pty); into a
 * file it does not. */
static void test_a_long_run_shows_progress_on_a_terminal_only(void **state)
{
    (void)state;
    if (system("command -v script >/dev/null 2>&1") != 0) skip();
    char cmd[1024], out[256], text[4096] = "";
    snprintf(out, sizeof out, "%s/pty.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "script -qec '%s run tests/runaway/nested-sleep.scn --max-events 0 "
             "--max-seconds 2 --out %s/pty' /dev/null >%s 2>&1", tcpsim(), tmpdir, out);
    int st = system(cmd);                /* script -e: the status of tcpsim */
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 4);
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    if (!strstr(text, "\rtcpsim: runaway-nested-sleep: t=") || !strstr(text, " events, "))
        fail_msg("no progress line on the terminal:\n%s", text);
    assert_non_null(strstr(text, "the wall seconds budget ran out (2, --max-seconds)"));
    snprintf(cmd, sizeof cmd, "run tests/runaway/nested-sleep.scn --max-events 0 --max-seconds 2 "
             "--out %s/pty", tmpdir);
    assert_int_equal(run(cmd), 4);
    assert_null(strchr(err_text, '\r'));
    assert_no_temporary_folder("pty");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_storm_nobody_ends_stops_at_the_events_budget),
        cmocka_unit_test(test_nested_repeats_of_a_silent_step_stop_at_the_events_budget),
        cmocka_unit_test(test_nested_repeats_of_sleep_stop_at_the_events_budget),
        cmocka_unit_test(test_ten_million_calls_stop_at_the_events_budget),
        cmocka_unit_test(test_output_and_wall_budgets_stop_a_run_too),
        cmocka_unit_test(test_forty_thousand_processes_run_out_of_a_resource),
        cmocka_unit_test(test_the_catalog_ack_storm_ends_by_its_readers_well_within_a_small_budget),
        cmocka_unit_test(test_a_run_ended_by_sigterm_leaves_no_temporary_folder),
        cmocka_unit_test(test_a_long_run_shows_progress_on_a_terminal_only),
    };
    return cmocka_run_group_tests_name("runaway", tests, setup, teardown);
}
