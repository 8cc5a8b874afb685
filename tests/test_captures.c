/* Captures and the connection filter, through the tcpsim command: capture.pcapng (written by
 * libwiretap) has one interface per host and the router, every segment once on its sender's
 * interface with its fate and once more on the receiver's when it was delivered, read back
 * with tshark; `run --conn` leaves in timeline.txt only that connection (and the events of no
 * connection) and refuses a malformed one with exit status 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *tcpsim(void) { return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim"; }

static char out_dir[] = "/tmp/tcpsim-captures-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(out_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out_dir);
    return system(cmd) == 0 ? 0 : -1;
}

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
    snprintf(cmd, sizeof cmd, "%s run %s %s --out %s >/dev/null", tcpsim(), id, extra, out_dir);
    assert_int_equal(system(cmd), 0);
}

static void test_pcapng_has_each_host_view_and_every_fate(void **state)
{
    (void)state;
    run("server-host-crash", "");
    char jsonl[512], cmd[1024];
    snprintf(jsonl, sizeof jsonl, "%s/server-host-crash/timeline.jsonl", out_dir);
    snprintf(cmd, sizeof cmd, "grep '\"type\":\"segment\"' %s", jsonl);
    size_t segments = count_lines(cmd, "segment");
    snprintf(cmd, sizeof cmd, "grep '\"type\":\"segment\"' %s | grep -v '\"arrive_us\":null'", jsonl);
    size_t delivered = count_lines(cmd, "segment");
    assert_true(segments > delivered);   /* the crash drops some */
    snprintf(cmd, sizeof cmd, "tshark -r %s/server-host-crash/capture.pcapng -T fields "
             "-e frame.interface_name -e frame.comment 2>/dev/null", out_dir);
    assert_int_equal(count_lines(cmd, "\tsent by "), segments);
    assert_int_equal(count_lines(cmd, "\treceived by "), delivered);
    assert_int_equal(count_lines(cmd, "dropped:host down"), segments - delivered);
    assert_int_equal(count_lines(cmd, "client\tsent by client; delivered"),
                     count_lines(cmd, "server\treceived by server from client"));
    snprintf(cmd, sizeof cmd, "tshark -r %s/server-host-crash/capture.pcapng -q -z expert,error "
             "2>/dev/null", out_dir);
    assert_int_equal(count_lines(cmd, "Errors"), 0);
    snprintf(cmd, sizeof cmd, "capinfos -I %s/server-host-crash/capture.pcapng 2>/dev/null", out_dir);
    assert_int_equal(count_lines(cmd, "Interface #"), 3);   /* client, server, router */
}

static void test_conn_keeps_one_connection_in_the_timeline(void **state)
{
    (void)state;
    run("close-with-unread-data", "--conn '10.0.0.2:7001>10.0.0.1:55979'");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cat %s/close-with-unread-data/timeline.txt", out_dir);
    assert_int_equal(count_lines(cmd, "55978"), 0);
    assert_true(count_lines(cmd, "55979") > 10);
    assert_true(count_lines(cmd, " proc ") > 0);   /* the context stays */
    snprintf(cmd, sizeof cmd, "%s run close-with-unread-data --conn 10.0.0.2 --out %s 2>&1; "
             "echo status $?", tcpsim(), out_dir);
    assert_int_equal(count_lines(cmd, "status 2"), 1);
    assert_int_equal(count_lines(cmd, "--conn expects ip:port>ip:port"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcapng_has_each_host_view_and_every_fate),
        cmocka_unit_test(test_conn_keeps_one_connection_in_the_timeline),
    };
    return cmocka_run_group_tests_name("captures", tests, setup, teardown);
}
