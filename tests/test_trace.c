/* The trace files of a run agree with each other: timeline.jsonl parses and matches
 * timeline.txt event for event; capture.pcap decodes in tshark as TCP with good checksums, one
 * frame per segment event; nothing partial is left behind. Runs graceful-close through tcpsim. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char dir[] = "/tmp/tcpsim-trace-XXXXXX";
static char run_dir[512];

static int setup(void **state)
{
    (void)state;
    char cmd[1024];
    if (!mkdtemp(dir)) return -1;
    const char *tcpsim = getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim";
    snprintf(cmd, sizeof cmd, "%s run graceful-close --out %s >/dev/null", tcpsim, dir);
    snprintf(run_dir, sizeof run_dir, "%s/graceful-close", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* Lines of a file, without the newline; comment lines (starting with '#') skipped. */
static size_t read_lines(const char *name, char ***lines_out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", run_dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char **lines = NULL, *line = NULL;
    size_t n = 0, cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
        if (line[0] == '#') continue;
        lines = realloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    *lines_out = lines;
    return n;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

static void assert_contains(const char *hay, const char *needle, size_t line)
{
    if (!strstr(hay, needle)) fail_msg("event %zu: text line lacks \"%s\":\n%s", line, needle, hay);
}

/* What timeline.txt must show for one JSON event. */
static void check_text_matches_json(const char *text, json_t *ev, size_t i)
{
    char buf[128];
    long long t = json_integer_value(json_object_get(ev, "t_us"));
    snprintf(buf, sizeof buf, "%lld.%06lld ", t / 1000000, t % 1000000);
    assert_contains(text, buf, i);
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (strcmp(type, "segment") == 0) {
        snprintf(buf, sizeof buf, "%s  > %s", json_string_value(json_object_get(ev, "from")),
                 json_string_value(json_object_get(ev, "to")));
        assert_contains(text, json_string_value(json_object_get(ev, "from")), i);
        snprintf(buf, sizeof buf, " %s ", json_string_value(json_object_get(ev, "flags")));
        assert_contains(text, buf, i);
        snprintf(buf, sizeof buf, "seq %lld ", json_integer_value(json_object_get(ev, "seq")));
        assert_contains(text, buf, i);
        snprintf(buf, sizeof buf, "len %lld ", json_integer_value(json_object_get(ev, "len")));
        assert_contains(text, buf, i);
        snprintf(buf, sizeof buf, "%s > %s", json_string_value(json_object_get(ev, "src")),
                 json_string_value(json_object_get(ev, "dst")));
        assert_contains(text, buf, i);
        json_t *reason = json_object_get(ev, "reason");
        if (json_is_string(reason)) assert_contains(text, json_string_value(reason), i);
    } else if (strcmp(type, "state") == 0) {
        snprintf(buf, sizeof buf, "state  %s  %s -> %s  (%s)",
                 json_string_value(json_object_get(ev, "conn")),
                 json_string_value(json_object_get(ev, "from")),
                 json_string_value(json_object_get(ev, "to")),
                 json_string_value(json_object_get(ev, "cause")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "call") == 0) {
        snprintf(buf, sizeof buf, "call   %s: %s(", json_string_value(json_object_get(ev, "proc")),
                 json_string_value(json_object_get(ev, "call")));
        assert_contains(text, buf, i);
        snprintf(buf, sizeof buf, ") = %lld", json_integer_value(json_object_get(ev, "ret")));
        assert_contains(text, buf, i);
        json_t *conn = json_object_get(ev, "conn");
        if (json_is_string(conn)) {
            snprintf(buf, sizeof buf, "  on %s %s", json_string_value(conn),
                     json_string_value(json_object_get(ev, "state")));
            assert_contains(text, buf, i);
        }
    } else if (strcmp(type, "timer") == 0 || strcmp(type, "held") == 0) {
        snprintf(buf, sizeof buf, "%-6s %s  ", type, json_string_value(json_object_get(ev, "conn")));
        assert_contains(text, buf, i);
        assert_contains(text, json_string_value(json_object_get(ev, "detail")), i);
    } else if (strcmp(type, "process") == 0) {
        snprintf(buf, sizeof buf, "proc   %s: %s", json_string_value(json_object_get(ev, "proc")),
                 json_string_value(json_object_get(ev, "event")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "host") == 0) {
        snprintf(buf, sizeof buf, "host   %s", json_string_value(json_object_get(ev, "event")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "expect") == 0) {
        snprintf(buf, sizeof buf, "expect   %-6s line %lld: ",
                 json_is_true(json_object_get(ev, "ok")) ? "ok" : "FAILED",
                 json_integer_value(json_object_get(ev, "line")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "signal") == 0) {
        snprintf(buf, sizeof buf, "signal %s: %s -> %s", json_string_value(json_object_get(ev, "proc")),
                 json_string_value(json_object_get(ev, "signal")),
                 json_string_value(json_object_get(ev, "action")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "accounting") == 0) {
        snprintf(buf, sizeof buf, "bytes  %s>%s %s: sent %lld, delivered %lld",
                 json_string_value(json_object_get(ev, "from")),
                 json_string_value(json_object_get(ev, "to")),
                 json_string_value(json_object_get(ev, "conn")),
                 json_integer_value(json_object_get(ev, "sent")),
                 json_integer_value(json_object_get(ev, "delivered")));
        assert_contains(text, buf, i);
    } else if (strcmp(type, "link") == 0) {
        assert_contains(text, json_string_value(json_object_get(ev, "detail")), i);
    } else {
        fail_msg("event %zu: unexpected type %s", i, type);
    }
}

static void test_jsonl_parses_and_matches_the_text_timeline_event_for_event(void **state)
{
    (void)state;
    char **json_lines, **text_lines;
    size_t nj = read_lines("timeline.jsonl", &json_lines);
    size_t nt = read_lines("timeline.txt", &text_lines);
    assert_int_equal(nj, nt + 1);                       /* + the header line */
    json_error_t error;
    json_t *header = json_loads(json_lines[0], 0, &error);
    assert_non_null(header);
    assert_string_equal(json_string_value(json_object_get(header, "type")), "header");
    assert_int_equal(json_integer_value(json_object_get(header, "format")), 4);
    assert_string_equal(json_string_value(json_object_get(header, "scenario")), "graceful-close");
    assert_int_equal(json_integer_value(json_object_get(header, "seed")), 1);
    assert_int_equal(json_array_size(json_object_get(header, "hosts")), 2);
    json_decref(header);
    long long last_t = 0;
    for (size_t i = 1; i < nj; i++) {
        json_t *ev = json_loads(json_lines[i], 0, &error);
        if (!ev) fail_msg("jsonl line %zu does not parse: %s", i + 1, error.text);
        long long t = json_integer_value(json_object_get(ev, "t_us"));
        assert_true(t >= last_t);                        /* events are in time order */
        last_t = t;
        check_text_matches_json(text_lines[i - 1], ev, i);
        json_decref(ev);
    }
    free_lines(json_lines, nj);
    free_lines(text_lines, nt);
}

static void test_jsonl_segment_keys_follow_the_contract(void **state)
{
    (void)state;
    static const char *const keys[] = { "t_us", "type", "from", "to", "src", "dst", "flags", "seq",
                                        "ack", "len", "win", "fate", "arrive_us", "reason" };
    char **lines;
    size_t n = read_lines("timeline.jsonl", &lines), segments = 0;
    for (size_t i = 1; i < n; i++) {
        json_t *ev = json_loads(lines[i], 0, NULL);
        if (strcmp(json_string_value(json_object_get(ev, "type")), "segment") == 0) {
            size_t k = 0;
            const char *key;
            json_t *value;
            json_object_foreach(ev, key, value) {
                (void)value;
                assert_true(k < sizeof keys / sizeof keys[0]);
                assert_string_equal(key, keys[k++]);
            }
            assert_int_equal(k, sizeof keys / sizeof keys[0]);
            segments++;
        }
        json_decref(ev);
    }
    assert_int_equal(segments, 9);
    free_lines(lines, n);
}

static size_t count_segment_events(void)
{
    char **lines;
    size_t n = read_lines("timeline.jsonl", &lines), segments = 0;
    for (size_t i = 1; i < n; i++) segments += strstr(lines[i], "\"type\":\"segment\"") != NULL;
    free_lines(lines, n);
    return segments;
}

static void test_pcap_decodes_in_tshark_as_tcp_with_good_checksums(void **state)
{
    (void)state;
    char cmd[1024], line[256];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s/capture.pcap -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
             "-T fields -E separator=, -e frame.protocols -e ip.checksum.status "
             "-e tcp.checksum.status -e _ws.malformed 2>/dev/null", run_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t frames = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        /* raw:ip:tcp (plus a payload dissector for data), IP and TCP checksum status 1 = good,
         * no malformed mark */
        if (strncmp(line, "raw:ip:tcp", 10) != 0 || !strstr(line, ",1,1,") ||
            line[strlen(line) - 1] != ',')
            fail_msg("frame %zu: %s", frames + 1, line);
        frames++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(frames, count_segment_events());
}

static void test_pcap_has_no_expert_warnings(void **state)
{
    (void)state;
    char cmd[1024], line[512];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s/capture.pcap -o tcp.check_checksum:TRUE -q -z expert,warn 2>&1", run_dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p))
        if (strstr(line, "Warn") || strstr(line, "Error") || strstr(line, "Malformed"))
            fail_msg("tshark expert: %s", line);
    assert_int_equal(pclose(p), 0);
}

static void test_no_temporary_files_are_left(void **state)
{
    (void)state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test -z \"$(find %s -name '*.tmp')\"", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_parses_and_matches_the_text_timeline_event_for_event),
        cmocka_unit_test(test_jsonl_segment_keys_follow_the_contract),
        cmocka_unit_test(test_pcap_decodes_in_tshark_as_tcp_with_good_checksums),
        cmocka_unit_test(test_pcap_has_no_expert_warnings),
        cmocka_unit_test(test_no_temporary_files_are_left),
    };
    return cmocka_run_group_tests_name("trace", tests, setup, teardown);
}
