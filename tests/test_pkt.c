/* packetdrill-style scripts: the parser builds the events it should; every file of
 * tests/bad-pkt/ is rejected with its exact message (file:line:col, expected ...), exit 2 and
 * nothing written; the catalog scenarios/pkt/ passes `tcpsim check`; a mismatch names the
 * script line, what was expected and what lwIP did; a Linux script in packetdrill's own
 * notation runs to its documented first difference. The tests that run the command find it
 * through $TCPSIM. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "packet.h"
#include "pkt_script.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char out_text[16384], err_text[16384];

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f) fclose(f);
}

/* Runs `tcpsim <args>`; stdout and stderr land in out_text and err_text. */
static int run(const char *args)
{
    const char *tcpsim = getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim";
    char cmd[8192], out[300], err[300];
    snprintf(out, sizeof out, "%s/stdout", tmpdir);
    snprintf(err, sizeof err, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", tcpsim, args, out, err);
    int st = system(cmd);
    slurp(out, out_text, sizeof out_text);
    slurp(err, err_text, sizeof err_text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) fail_msg("expected to find:\n%s\nin:\n%s", needle, hay);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* ---- the parser ---- */

static const char opening[] =
    "// a comment\n"
    "--tolerance_usecs=10000\n"
    "`../common/defaults.sh`\n"
    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0  setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
    "+0  fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
    "+0  connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
    "+0  > S 0:0(0) <...>\n"
    "+.1 < S. 0:0(0) ack 1 win 32000 /* inline */ <mss 1460,nop,wscale 7,sackOK,TS val 5 ecr 6>\n"
    "0.200 > . 1:1(0) ack 1\n"
    "+0...0.35 read(3, ..., 100) = 100\n"
    "* > F. 1:1(0) ack 101 win 5840 <sack 1:2,nop,nop>\n";

static void test_parse_builds_every_kind_of_event(void **state)
{
    (void)state;
    char err[512];
    struct pkt_script *s = pkt_parse("x/opening.pkt", opening, strlen(opening), err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_string_equal(s->id, "opening");
    assert_int_equal(s->option_lines, 1);
    assert_int_equal(s->event_count, 10);
    const struct pkt_event *e = s->events;
    assert_int_equal(e[0].kind, PKT_SHELL);
    assert_string_equal(e[0].u.shell, "../common/defaults.sh");
    assert_int_equal(e[1].kind, PKT_CALL);
    assert_int_equal(e[1].u.call.kind, PKT_SOCKET);
    assert_int_equal(e[1].pos.line, 4);
    assert_int_equal(e[2].u.call.args[3].kind, PKT_ARG_LINGER);
    assert_int_equal(e[2].u.call.args[3].value, 1);
    assert_int_equal(e[2].u.call.args[3].linger_s, 0);
    assert_int_equal(e[3].u.call.args[2].value, PKT_O_RDWR | PKT_O_NONBLOCK);
    assert_int_equal(e[4].u.call.ret, -1);
    assert_int_equal(e[4].u.call.err, EINPROGRESS);
    assert_int_equal(e[5].kind, PKT_OUTBOUND);
    assert_true(e[5].u.seg.options_any);
    assert_int_equal(e[5].u.seg.win, -1);
    const struct pkt_segment *synack = &e[6].u.seg;
    assert_int_equal(e[6].kind, PKT_INBOUND);
    assert_int_equal(e[6].time_kind, PKT_TIME_RELATIVE);
    assert_int_equal(e[6].t_us, 100000);
    assert_int_equal(synack->flags, TCP_SYN | TCP_ACK);
    assert_int_equal(synack->ack, 1);
    assert_int_equal(synack->win, 32000);
    assert_int_equal(synack->option_count, 5);
    assert_int_equal(synack->options[2].kind, PKT_OPT_WSCALE);
    assert_int_equal(synack->options[2].value, 7);
    assert_int_equal(synack->options[4].kind, PKT_OPT_TIMESTAMP);
    assert_int_equal(synack->options[4].ecr, 6);
    assert_int_equal(e[7].time_kind, PKT_TIME_ABSOLUTE);
    assert_int_equal(e[7].t_us, 200000);
    assert_true(e[8].u.call.blocking);
    assert_true(e[8].end_relative);
    assert_int_equal(e[8].u.call.end_us, 350000);
    assert_int_equal(e[9].time_kind, PKT_TIME_ANY);
    assert_int_equal(e[9].u.seg.options[0].kind, PKT_OPT_SACK);
    assert_int_equal(e[9].u.seg.options[0].sack[0][1], 2);
    pkt_script_free(s);
}

/* ---- bad inputs: every file of tests/bad-pkt with its exact message ---- */

static const struct {
    const char *file;
    const char *message;    /* after "tests/bad-pkt/<file>:" */
} bad_cases[] = {
    { "any-time-call.pkt", "2:1: error: '*', expected a time: only outbound segments may come at any time" },
    { "backwards-blocking-call.pkt", "2:1: error: a blocking call that ends before it starts, expected start...end with end >= start" },
    { "bad-flag.pkt", "2:7: error: flag 'X', expected TCP flags: letters of S F R P U, then '.' for ACK (ECN flags are not supported)" },
    { "bad-symbol.pkt", "2:16: error: 'SHUT_SIDEWAYS', expected SHUT_RD, SHUT_WR or SHUT_RDWR" },
    { "first-event-not-at-zero.pkt", "1:1: error: the first event, expected it at time 0" },
    { "inbound-any-options.pkt", "2:23: error: <...> on an inbound segment, expected the options to send" },
    { "inbound-without-window.pkt", "2:1: error: an inbound segment without a window, expected 'win N' (as packetdrill requires)" },
    { "inconsistent-seq.pkt", "2:8: error: 0:10(0), expected end = start + length" },
    { "ip-fields.pkt", "2:6: error: '[', expected TCP flags (IP-level fields such as tos, ttl and ECN are not supported)" },
    { "mss-out-of-range.pkt", "2:20: error: '70000', expected the MSS value (an integer from 0 to 65535)" },
    { "no-events.pkt", "3:1: error: no events, expected at least one timed event (0 socket(...) = 3)" },
    { "non-ascii.pkt", "2:17: error: byte 0xc3, expected printable ASCII outside comments" },
    { "nul-byte.pkt", "2:13: error: a NUL byte, expected text (a script is a text file)" },
    { "payload-too-long.pkt", "2:17: error: '65500', expected the payload length (start:end(len)) (an integer from 0 to 65455)" },
    { "python-block.pkt", "2:1: error: a %{ python }% block, expected packetdrill events (code blocks are not supported, docs/packetdrill.md)" },
    { "result-without-errno.pkt", "2:15: error: a negative result without an errno, expected '-1 ENAME' (tcpsim checks errno)" },
    { "seven-decimals.pkt", "2:2: error: '0.1234567', expected a time with at most 6 decimals (microseconds)" },
    { "sockaddr-literal.pkt", "2:16: error: 'sa_family', expected onoff=N: the one structure supported is a linger value (write ... for an address)" },
    { "time-goes-backwards.pkt", "4:1: error: time 0.550000 s, expected at least 0.600000 s (the previous event's time: times must not go backwards)" },
    { "time-range.pkt", "2:4: error: a time range '~', expected one exact time (virtual time is exact; see docs/packetdrill.md)" },
    { "too-many-sack-blocks.pkt", "2:53: error: a 5th SACK block, expected at most 4" },
    { "unknown-call.pkt", "3:4: error: 'frobnicate', expected a socket call tcpsim supports: socket, bind, listen, accept, connect, write, send, read, recv, close, shutdown, setsockopt, fcntl" },
    { "unknown-errno.pkt", "2:18: error: 'EWHATEVER', expected an errno name tcpsim knows (ECONNRESET, EPIPE, EINPROGRESS, ...)" },
    { "unknown-option.pkt", "2:25: error: 'fastopen', expected a TCP option: mss N, nop, eol, sackOK, sack A:B, TS val N ecr N, wscale N (or <...>)" },
    { "unterminated-comment.pkt", "2:1: error: this comment is never closed, expected '*/'" },
    { "unterminated-shell.pkt", "2:4: error: this `shell command` is never closed, expected '`'" },
    { "write-too-much.pkt", "2:18: error: 100000000, expected a byte count from 0 to 16777216" },
    { "wrong-argument-count.pkt", "2:15: error: 2 arguments, expected 3 for bind()" },
};

static void test_every_bad_file_has_its_exact_message(void **state)
{
    (void)state;
    size_t listed = sizeof bad_cases / sizeof bad_cases[0];
    for (size_t i = 0; i < listed; i++) {
        char path[256], err[1024], want[1024];
        snprintf(path, sizeof path, "tests/bad-pkt/%s", bad_cases[i].file);
        assert_null(pkt_load(path, err, sizeof err));
        snprintf(want, sizeof want, "%s:%s", path, bad_cases[i].message);
        assert_string_equal(err, want);
    }
    assert_int_equal(entries_in("tests/bad-pkt"), listed);
}

static void test_bad_script_exits_2_and_writes_nothing(void **state)
{
    (void)state;
    char args[600], out[400];
    snprintf(out, sizeof out, "%s/bad-out", tmpdir);
    snprintf(args, sizeof args, "check tests/pkt-linux/passive-close-linux.pkt "
                                "tests/bad-pkt/unknown-call.pkt --out %s", out);
    assert_int_equal(run(args), 2);
    assert_string_equal(err_text, "tests/bad-pkt/unknown-call.pkt:3:4: error: 'frobnicate', "
                                  "expected a socket call tcpsim supports: socket, bind, listen, "
                                  "accept, connect, write, send, read, recv, close, shutdown, "
                                  "setsockopt, fcntl\n");
    assert_string_equal(out_text, "");
    assert_int_equal(entries_in(out), 0);
    snprintf(args, sizeof args, "check tests/bad-pkt/does-not-exist.pkt --out %s", out);
    assert_int_equal(run(args), 2);
    assert_contains(err_text, "tests/bad-pkt/does-not-exist.pkt:1:1: error: cannot open the file");
    /* a FIFO would block the read for ever: refused like any file that is not regular */
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fifo.pkt", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(args, sizeof args, "run %s --out %s", fifo, out);
    assert_int_equal(run(args), 2);
    assert_contains(err_text, "fifo.pkt:1:1: error: not a regular file, expected a script");
    assert_int_equal(entries_in(out), 0);
    assert_int_equal(run("check x.pkt --strict --seed abc"), 2);
    assert_contains(err_text, "--seed expects an unsigned 64-bit integer, got 'abc'");
}

/* ---- running ---- */

static const char *const catalog[] = {
    "close-in-syn-sent", "data-after-close", "fin-retransmission", "fin-with-data",
    "rst-exact-seq", "rst-in-time-wait", "rst-in-window", "rst-out-of-window",
    "simultaneous-open", "syn-in-established", "zero-window-peer-vanishes",
};

static void test_catalog_scripts_pass_with_every_output(void **state)
{
    (void)state;
    char args[600], path[600];
    snprintf(args, sizeof args, "check scenarios/pkt/*.pkt --out %s/cat", tmpdir);
    if (run(args) != 0) fail_msg("%s%s", out_text, err_text);
    size_t n = sizeof catalog / sizeof catalog[0];
    snprintf(path, sizeof path, "%s/cat", tmpdir);
    assert_int_equal(entries_in(path), n);
    for (size_t i = 0; i < n; i++) {
        char line[128];
        snprintf(line, sizeof line, "%-40s ok\n", catalog[i]);
        assert_contains(out_text, line);
        snprintf(path, sizeof path, "%s/cat/%s", tmpdir, catalog[i]);
        assert_true(entries_in(path) >= 4);     /* states.svg when Graphviz is installed */
    }
    /* the script's own segments are marked injected in both timelines */
    char text[1 << 14];
    snprintf(path, sizeof path, "%s/cat/rst-exact-seq/timeline.jsonl", tmpdir);
    slurp(path, text, sizeof text);
    assert_contains(text, "\"from\":\"script\",\"to\":\"lwip\",\"src\":\"192.0.2.1:50000\","
                          "\"dst\":\"192.168.0.1:8080\",\"flags\":\"R.\"");
    assert_contains(text, "\"fate\":\"delivered\",\"arrive_us\":20000,\"injected\":true,\"reason\":null}");
    snprintf(path, sizeof path, "%s/cat/rst-exact-seq/timeline.txt", tmpdir);
    slurp(path, text, sizeof text);
    assert_contains(text, "     0.020000  script  > lwip     R.   seq 1      ack 1      win 0     "
                          "len 0     192.0.2.1:50000 > 192.168.0.1:8080  arrives 0.020000  "
                          "[injected]\n");
    assert_contains(text, "     0.030000  expect   ok     line 19: read(4, ..., 100) = -1 "
                          "ECONNRESET at 0.030000\n");
}

static const char handshake[] =
    "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0  bind(3, ..., ...) = 0\n"
    "+0  listen(3, 1) = 0\n"
    "+0  < S 0:0(0) win 65535 <mss 1460>\n"
    "+0  > S. 0:0(0) ack 1 win 5840 <mss 1460>\n"
    "+.01 < . 1:1(0) ack 1 win 65535\n"
    "+0  accept(3, ..., ...) = 4\n";

/* Writes handshake + tail as <tmpdir>/<name>.pkt and checks it. */
static int check_script(const char *name, const char *tail, const char *extra)
{
    char path[400], text[2048], args[1200];
    snprintf(path, sizeof path, "%s/%s.pkt", tmpdir, name);
    snprintf(text, sizeof text, "%s%s", handshake, tail);
    write_file(path, text);
    snprintf(args, sizeof args, "check %s --out %s/runs %s", path, tmpdir, extra);
    return run(args);
}

static void test_a_segment_at_the_wrong_time_is_the_first_mismatch(void **state)
{
    (void)state;
    /* the FIN leaves with close(), at 0.020 s, not 10 ms later */
    assert_int_equal(check_script("late", "+.01 close(4) = 0\n+.01 > F. 1:1(0) ack 1\n", ""), 1);
    char want[512];
    snprintf(want, sizeof want, "%s/late.pkt:9: error: expected > F. 1:1(0) ack 1 at 0.030000; "
                                "lwIP sent it at 0.020000\ntrace around it:\n", tmpdir);
    assert_contains(err_text, want);
    assert_contains(err_text, "     0.020000  lwip    > script   F.   seq 1      ack 1      "
                              "win 5840  len 0     192.168.0.1:8080 > 192.0.2.1:50000  arrives "
                              "0.020000\n");
    snprintf(want, sizeof want, "replay: tcpsim check %s/late.pkt --seed 1\n", tmpdir);
    assert_contains(err_text, want);
    assert_contains(out_text, "late                                     FAILED\n");
}

static void test_a_missing_segment_names_what_came_instead(void **state)
{
    (void)state;
    /* data after close draws an RST, not an ACK */
    assert_int_equal(check_script("instead", "+.01 close(4) = 0\n+0 > F. 1:1(0) ack 1\n"
                                             "+.01 < P. 1:11(10) ack 2 win 65535\n"
                                             "+0 > . 2:2(0) ack 11\n", ""), 1);
    char want[512];
    snprintf(want, sizeof want, "%s/instead.pkt:11: error: expected > . 2:2(0) ack 11 at "
                                "0.030000; lwIP sent > R. 2:2(0) ack 11 win 53270 at 0.030000 "
                                "(the flags differ)\n", tmpdir);
    assert_contains(err_text, want);
}

static void test_an_unexpected_segment_and_a_wrong_result_are_mismatches(void **state)
{
    (void)state;
    /* the script forgets the FIN that close() sends */
    assert_int_equal(check_script("unlisted", "+.01 close(4) = 0\n+.01 < . 1:1(0) ack 2 win 100\n",
                                  ""), 1);
    assert_contains(err_text, "/unlisted.pkt:9: error: lwIP sent a segment the script does not "
                              "expect: at 0.020000 > F. 1:1(0) ack 1 win 5840 (the script's next "
                              "event, line 9, is at 0.030000)\n");
    assert_int_equal(check_script("result", "+.01 write(4, ..., 10) = 5\n", ""), 1);
    assert_contains(err_text, "/result.pkt:8: error: write(4, ..., 10) returned 10, the script "
                              "expects 5 (at 0.020000)\n");
    /* a call written without start...end must not block */
    assert_int_equal(check_script("blocks", "+.01 read(4, ..., 10) = 10\n", ""), 1);
    assert_contains(err_text, "/blocks.pkt:8: error: read(4, ..., 10) is still blocked 60 s after "
                              "0.020000, when the script expects it to return\n");
}

static void test_blocking_call_returns_when_scripted(void **state)
{
    (void)state;
    /* packetdrill: the end of "+0...0.02" counts from the previous event (accept, 0.010 s),
     * like the start; the next "+.02" counts from the read's start */
    const char *tail = "+0...0.02 read(4, ..., 100) = 100\n"
                       "+.02 < P. 1:101(100) ack 1 win 65535\n";
    assert_int_equal(check_script("blocking", tail, ""), 0);
    const char *late = "+0...0.04 read(4, ..., 100) = 100\n"
                       "+.02 < P. 1:101(100) ack 1 win 65535\n";
    assert_int_equal(check_script("blocking-late", late, ""), 1);
    assert_contains(err_text, "/blocking-late.pkt:8: error: read(4, ..., 100) = 100 returned at "
                              "0.030000, the script expects it to return at 0.050000\n");
}

/* docs/packetdrill.md, "A Linux script against lwIP": the verdicts, exactly. */
static void test_linux_script_runs_to_its_first_difference(void **state)
{
    (void)state;
    char args[600];
    snprintf(args, sizeof args, "check tests/pkt-linux/passive-close-linux.pkt --out %s/linux",
             tmpdir);
    assert_int_equal(run(args), 1);
    assert_contains(err_text, "tests/pkt-linux/passive-close-linux.pkt: notice: 1 --option "
                              "line(s) ignored (virtual time is exact; docs/packetdrill.md)\n"
                              "tests/pkt-linux/passive-close-linux.pkt:7: notice: shell command "
                              "ignored: `../common/defaults.sh`\n");
    assert_contains(err_text, "tests/pkt-linux/passive-close-linux.pkt:22: error: expected > . "
                              "1:1(0) ack 1001 at 0.020000; lwIP sent nothing then, and next > . "
                              "1:1(0) ack 1001 win 4840 at 0.250000\n");
    snprintf(args, sizeof args, "check tests/pkt-linux/passive-close-linux.pkt --strict "
                                "--out %s/linux", tmpdir);
    assert_int_equal(run(args), 1);
    assert_contains(err_text, "tests/pkt-linux/passive-close-linux.pkt:16: error: expected > S. "
                              "0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8> at 0.000000; "
                              "lwIP sent > S. 0:0(0) ack 1 win 5840 <mss 1460> at 0.000000 (the "
                              "options (compared strictly) differ)\n");
    /* the second one passes as written (its multi-line shell command is one notice) */
    snprintf(args, sizeof args, "check tests/pkt-linux/client-shutdown-linux.pkt --out %s/linux",
             tmpdir);
    assert_int_equal(run(args), 0);
    assert_string_equal(err_text, "tests/pkt-linux/client-shutdown-linux.pkt:6: notice: shell "
                                  "command ignored: `../common/defaults.sh ...`\n");
    assert_string_equal(out_text, "client-shutdown-linux                    ok\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_builds_every_kind_of_event),
        cmocka_unit_test(test_every_bad_file_has_its_exact_message),
        cmocka_unit_test(test_bad_script_exits_2_and_writes_nothing),
        cmocka_unit_test(test_catalog_scripts_pass_with_every_output),
        cmocka_unit_test(test_a_segment_at_the_wrong_time_is_the_first_mismatch),
        cmocka_unit_test(test_a_missing_segment_names_what_came_instead),
        cmocka_unit_test(test_an_unexpected_segment_and_a_wrong_result_are_mismatches),
        cmocka_unit_test(test_blocking_call_returns_when_scripted),
        cmocka_unit_test(test_linux_script_runs_to_its_first_difference),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
