/* tcpsim diff (sim/diff.c): two runs compared event by event and explained in the scenario's
 * terms. Each test writes two small timeline.jsonl files and reads the report. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char report[8192];

#define HEADER "{\"type\":\"header\",\"format\":2,\"scenario\":\"x\",\"seed\":1}\n"
#define SEG(t, from, to, flags, seq, len) \
    "{\"t_us\":" #t ",\"type\":\"segment\",\"from\":\"" from "\",\"to\":\"" to "\",\"src\":\"10.0.0.1:1\"," \
    "\"dst\":\"10.0.0.2:7\",\"flags\":\"" flags "\",\"seq\":" #seq ",\"ack\":1,\"len\":" #len ",\"win\":5840," \
    "\"fate\":\"delivered\",\"arrive_us\":" #t "}\n"
#define STATE(t, from, to) \
    "{\"t_us\":" #t ",\"type\":\"state\",\"host\":\"client\",\"conn\":\"10.0.0.1:1>10.0.0.2:7\"," \
    "\"from\":\"" from "\",\"to\":\"" to "\",\"cause\":\"c\"}\n"

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes a.jsonl and b.jsonl, diffs them; the report lands in `report`. */
static enum diff_result diff_texts(const char *a, const char *b)
{
    char pa[256], pb[256], err[512] = "";
    write_file("a.jsonl", a);
    write_file("b.jsonl", b);
    snprintf(pa, sizeof pa, "%s/a.jsonl", tmpdir);
    snprintf(pb, sizeof pb, "%s/b.jsonl", tmpdir);
    FILE *out = fmemopen(report, sizeof report, "w");
    assert_non_null(out);
    enum diff_result r = diff_runs(pa, pb, out, err, sizeof err);
    fclose(out);
    if (r == DIFF_BAD_INPUT) snprintf(report, sizeof report, "%s", err);
    return r;
}

static void assert_report_has(const char *needle)
{
    if (!strstr(report, needle)) fail_msg("report lacks \"%s\":\n%s", needle, report);
}

static void test_identical_runs_are_the_same_and_say_nothing(void **state)
{
    (void)state;
    const char *run = HEADER SEG(10, "client", "server", "S", 0, 0) STATE(10, "CLOSED", "SYN_SENT");
    assert_int_equal(diff_texts(run, run), DIFF_SAME);
    assert_string_equal(report, "");
}

static void test_a_constant_time_shift_is_ignored(void **state)
{
    (void)state;
    assert_int_equal(diff_texts(HEADER SEG(10, "client", "server", "S", 0, 0) STATE(20, "CLOSED", "SYN_SENT"),
                                HEADER SEG(1010, "client", "server", "S", 0, 0) STATE(1020, "CLOSED", "SYN_SENT")),
                     DIFF_SAME);
    assert_report_has("every event 0.001000 s later (ignored)");
}

static void test_a_shorter_time_wait_reads_as_its_length(void **state)
{
    (void)state;
    const char *a = HEADER STATE(16035, "FIN_WAIT_2", "TIME_WAIT") STATE(120260035, "TIME_WAIT", "CLOSED");
    const char *b = HEADER STATE(16035, "FIN_WAIT_2", "TIME_WAIT") STATE(60260035, "TIME_WAIT", "CLOSED");
    assert_int_equal(diff_texts(a, b), DIFF_DIFFERENT);
    assert_report_has("first divergence: now at a different time: client state 10.0.0.1:1>10.0.0.2:7 "
                      "TIME_WAIT -> CLOSED (c) at 60.260035 s\n");
    assert_report_has("client state TIME_WAIT of 10.0.0.1:1>10.0.0.2:7 lasted 60.244000 s, was 120.244000 s\n");
    assert_report_has("1 event 60.000000 s earlier, from client state");
}

static void test_a_changed_segment_names_its_number_and_flags(void **state)
{
    (void)state;
    const char *a = HEADER SEG(10, "client", "server", "S", 0, 0) SEG(20, "server", "client", "R.", 0, 0);
    const char *b = HEADER SEG(10, "client", "server", "S", 0, 0) SEG(20, "server", "client", "F.", 0, 14);
    assert_int_equal(diff_texts(a, b), DIFF_DIFFERENT);
    assert_report_has("segment 2 server>client R. now F.; len 0 now 14\n");
}

static void test_missing_and_new_events_are_named(void **state)
{
    (void)state;
    const char *a = HEADER SEG(10, "client", "server", "S", 0, 0) SEG(3010, "client", "server", "S", 0, 0)
        STATE(6010, "SYN_SENT", "CLOSED");
    const char *b = HEADER SEG(10, "client", "server", "S", 0, 0) STATE(6010, "SYN_SENT", "CLOSED")
        STATE(7000, "CLOSED", "LISTEN");
    assert_int_equal(diff_texts(a, b), DIFF_DIFFERENT);
    assert_report_has("missing now: segment 2 client>server S seq 0 ack 1 win 5840 len 0 (delivered) at 0.003010 s\n");
    assert_report_has("new: client state 10.0.0.1:1>10.0.0.2:7 CLOSED -> LISTEN (c) at 0.007000 s\n");
}

#define TIMER(t, n) \
    "{\"t_us\":" #t ",\"type\":\"timer\",\"host\":\"client\",\"conn\":\"10.0.0.1:1>10.0.0.2:7\"," \
    "\"timer\":\"rto\",\"count\":" #n ",\"waited_us\":" #t "}\n"

/* Fewer retransmissions (a smaller TCP_MAXRTX): the timers and segments that are gone repeat two
 * shapes, so they read as one line counting each, not one line per event. */
static void test_missing_retransmissions_read_as_one_line(void **state)
{
    (void)state;
    const char *a = HEADER SEG(10, "client", "server", "P.", 1, 100)
        TIMER(3000, 1) SEG(3000, "client", "server", "P.", 1, 100)
        TIMER(9000, 2) SEG(9000, "client", "server", "P.", 1, 100)
        TIMER(21000, 3) SEG(21000, "client", "server", "P.", 1, 100)
        STATE(45000, "ESTABLISHED", "CLOSED");
    const char *b = HEADER SEG(10, "client", "server", "P.", 1, 100)
        STATE(45000, "ESTABLISHED", "CLOSED");
    assert_int_equal(diff_texts(a, b), DIFF_DIFFERENT);
    assert_report_has("missing now from 0.003000 s to 0.021000 s: 3 x client timer rto "
                      "10.0.0.1:1>10.0.0.2:7; 3 x segment client>server P. seq 1 ack 1 len 100 "
                      "(delivered)\n");
    assert_null(strstr(report, "\nmissing now: "));      /* no line per event */
}

static void test_unreadable_runs_are_bad_input(void **state)
{
    (void)state;
    assert_int_equal(diff_texts(HEADER "not json\n", HEADER), DIFF_BAD_INPUT);
    assert_report_has("a.jsonl:2: not a JSON object");
    char err[512];
    assert_int_equal(diff_runs("/nonexistent/a", "/nonexistent/b", stdout, err, sizeof err), DIFF_BAD_INPUT);
    assert_non_null(strstr(err, "/nonexistent/a: cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical_runs_are_the_same_and_say_nothing),
        cmocka_unit_test(test_a_constant_time_shift_is_ignored),
        cmocka_unit_test(test_a_shorter_time_wait_reads_as_its_length),
        cmocka_unit_test(test_a_changed_segment_names_its_number_and_flags),
        cmocka_unit_test(test_missing_and_new_events_are_named),
        cmocka_unit_test(test_missing_retransmissions_read_as_one_line),
        cmocka_unit_test(test_unreadable_runs_are_bad_input),
    };
    return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
