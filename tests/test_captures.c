/* Captures and the connection filter, through the tcpsim command: capture.pcapng (written by
 * libwiretap) has one interface per host and the router, every segment once, on its sender's
 * interface, with its fate, read back with tshark; `run --conn` leaves in timeline.txt only that connection (and the events of no
 * connection) and refuses a malformed one with exit status 2; tshark's expert info over every
 * capture of the catalog has no error and only the warnings the scenarios cause themselves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tcpsim(void) { return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim"; }


/* How many lines of a command's output contain needle. */
static size_t count_lines(const char *cmd, const char *needle)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[2048];
    size_t n = 0;
    while (fgets(line, sizeof line, p)) n += strstr(line, needle) != NULL;
    pclose(p);
    return n;
}

static void run(const char *id, const char *extra)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s run %s %s --out %s >/dev/null", tcpsim(), id, extra, tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void test_pcapng_has_each_host_view_and_every_fate(void **state)
{
    (void)state;
    run("server-host-crash", "");
    char jsonl[512], cmd[1024];
    snprintf(jsonl, sizeof jsonl, "%s/server-host-crash/timeline.jsonl", tmpdir);
    snprintf(cmd, sizeof cmd, "grep '\"type\":\"segment\"' %s", jsonl);
    size_t segments = count_lines(cmd, "segment");
    snprintf(cmd, sizeof cmd, "grep '\"type\":\"segment\"' %s | grep -v '\"arrive_us\":null'", jsonl);
    size_t delivered = count_lines(cmd, "segment");
    assert_true(segments > delivered);   /* the crash drops some */
    /* tshark once (it takes a second to start); the counts read its output */
    snprintf(cmd, sizeof cmd, "tshark -r %s/server-host-crash/capture.pcapng -T fields "
             "-e frame.interface_name -e frame.comment >%s/fields.txt 2>/dev/null", tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "cat %s/fields.txt", tmpdir);
    assert_int_equal(count_lines(cmd, "\tsent by "), segments);
    assert_int_equal(count_lines(cmd, "; delivered to "), delivered);
    assert_int_equal(count_lines(cmd, "dropped:host down"), segments - delivered);
    assert_int_equal(count_lines(cmd, "client\tsent by client") + count_lines(cmd, "server\tsent by server"),
                     segments);
    snprintf(cmd, sizeof cmd, "tshark -r %s/server-host-crash/capture.pcapng -q -z expert,error "
             "2>/dev/null", tmpdir);
    assert_int_equal(count_lines(cmd, "Errors"), 0);
    snprintf(cmd, sizeof cmd, "capinfos -I %s/server-host-crash/capture.pcapng 2>/dev/null", tmpdir);
    assert_int_equal(count_lines(cmd, "Interface #"), 3);   /* client, server, router */
}

/* The value of "key":"..." in a JSON line, copied into out. */
static bool json_field(const char *line, const char *key, char *out, size_t size)
{
    char pattern[32];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(line, pattern);
    if (!at) return false;
    at += strlen(pattern);
    size_t len = strcspn(at, "\"");
    snprintf(out, size, "%.*s", (int)len, at);
    return true;
}

/* The k-th connection (1-based) of a run's timeline, "src>dst" as its first segment has it. */
static void nth_conn(const char *id, int k, char *out, size_t size)
{
    char path[600], line[4096], seen[8][64];
    int n = 0;
    snprintf(path, sizeof path, "%s/%s/timeline.jsonl", tmpdir, id);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (n < 8 && fgets(line, sizeof line, f)) {
        char src[32], dst[32], conn[64], back[64];
        if (!strstr(line, "\"type\":\"segment\"") || !json_field(line, "src", src, sizeof src) ||
            !json_field(line, "dst", dst, sizeof dst))
            continue;
        snprintf(conn, sizeof conn, "%s>%s", src, dst);
        snprintf(back, sizeof back, "%s>%s", dst, src);
        bool known = false;
        for (int i = 0; i < n; i++) known |= !strcmp(seen[i], conn) || !strcmp(seen[i], back);
        if (!known) snprintf(seen[n++], sizeof seen[0], "%s", conn);
    }
    fclose(f);
    assert_true(k <= n);
    snprintf(out, size, "%s", seen[k - 1]);
}

static void test_conn_keeps_one_connection_in_the_timeline(void **state)
{
    (void)state;
    char first[64], second[64], arg[100], cmd[1024];
    run("close-with-unread-data", "");
    nth_conn("close-with-unread-data", 1, first, sizeof first);
    nth_conn("close-with-unread-data", 2, second, sizeof second);
    snprintf(arg, sizeof arg, "--conn '%s'", second);
    run("close-with-unread-data", arg);
    *strchr(first, '>') = '\0';    /* the first connection's client end */
    *strchr(second, '>') = '\0';
    snprintf(cmd, sizeof cmd, "cat %s/close-with-unread-data/timeline.txt", tmpdir);
    assert_int_equal(count_lines(cmd, first), 0);
    assert_true(count_lines(cmd, second) > 10);
    assert_true(count_lines(cmd, " proc ") > 0);   /* the context stays */
    snprintf(cmd, sizeof cmd, "%s run close-with-unread-data --conn 10.0.0.2 --out %s 2>&1; "
             "echo status $?", tcpsim(), tmpdir);
    assert_int_equal(count_lines(cmd, "status 2"), 1);
    assert_int_equal(count_lines(cmd, "--conn expects ip:port>ip:port"), 1);
}

/* What tshark warns about that a scenario causes on purpose: each RST it is about, and a
 * receiver that does not read (its window fills, then reads 0). Anything else (a malformed
 * packet, a dissector claiming the scenario's port, a bad checksum) fails. */
static const char *const caused_by_scenarios[] = {
    "Connection reset (RST)",
    "TCP window specified by the receiver is now completely full",
    "TCP Zero Window segment",
};

static void check_expert(const char *capture, size_t *warnings)
{
    char cmd[1200], line[1024];
    snprintf(cmd, sizeof cmd, "tshark -r %s -q -z expert,warn 2>/dev/null", capture);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "Errors", 6) == 0) fail_msg("%s: tshark reports %s", capture, line);
        unsigned long n;
        char group[64], proto[64], summary[512];
        if (sscanf(line, " %lu %63s %63s %511[^\n]", &n, group, proto, summary) != 4) continue;
        bool known = false;
        for (size_t i = 0; i < sizeof caused_by_scenarios / sizeof *caused_by_scenarios; i++)
            known |= strcmp(summary, caused_by_scenarios[i]) == 0;
        if (!known) fail_msg("%s: tshark warns %s %s: %s", capture, group, proto, summary);
        *warnings += n;
    }
    pclose(p);
}

static void test_tshark_finds_nothing_the_scenarios_do_not_cause(void **state)
{
    (void)state;
    char cmd[1400], dir[600];
    snprintf(dir, sizeof dir, "%s/catalog", tmpdir);
    snprintf(cmd, sizeof cmd, "%s all --out %s >/dev/null", tcpsim(), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "ls %s/*/capture.pcap %s/*/capture.pcapng", dir, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char capture[800];
    size_t files = 0, warnings = 0;
    while (fgets(capture, sizeof capture, p)) {
        capture[strcspn(capture, "\n")] = '\0';
        check_expert(capture, &warnings);
        files++;
    }
    pclose(p);
    assert_true(files >= 2);
    print_message("tshark: %zu captures, no error, %zu warnings all caused by the scenarios\n",
                  files, warnings);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcapng_has_each_host_view_and_every_fate),
        cmocka_unit_test(test_conn_keeps_one_connection_in_the_timeline),
        cmocka_unit_test(test_tshark_finds_nothing_the_scenarios_do_not_cause),
    };
    return cmocka_run_group_tests_name("captures", tests, setup, teardown);
}
