/* trace_dot: states.dot holds exactly the state changes of a run, numbered in order, over the
 * whole RFC 793 state machine; a legend names each endpoint's colour; Graphviz renders it; two
 * runs give the same bytes. The graph is read back as text: every taken edge is one line with
 * class="taken", its number in id and label and the endpoint in its tooltip, which is what makes
 * these checks possible without a DOT parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scenario_fixture.h"
#include "world.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ---- */

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/tcpsim-dot-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_temp_dir(char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(dir);
    free(dir);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    size_t size = 1 << 16, used = 0, n;
    char *text = malloc(size);
    assert_non_null(text);
    while ((n = fread(text + used, 1, size - used - 1, f)) > 0) {
        used += n;
        if (used + 1 == size) {
            size *= 2;
            text = realloc(text, size);
            assert_non_null(text);
        }
    }
    fclose(f);
    text[used] = '\0';
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* ---- runs ---- */

/* graceful-close with a dot sink writing dir/states.dot; the world is returned finished, so
 * its trace can be compared with the file. */
static struct world *run_with_dot(const char *dir)
{
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/states.dot", dir);
    struct world *w = scenario_world("scenarios/graceful-close.scn", 1);
    struct trace_sink *dot = trace_dot_new(path);
    assert_non_null(dot);
    trace_add_sink(world_trace(w), dot);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    if (trace_finish(world_trace(w), err, sizeof err) != 0) fail_msg("trace_finish: %s", err);
    return w;
}

static char *states_dot_of_a_run(const char *dir)
{
    char path[512];
    scenario_world_free(run_with_dot(dir));
    snprintf(path, sizeof path, "%s/states.dot", dir);
    return read_all(path);
}

/* ---- reading the graph back ---- */

/* The value of name="..." in line, DOT escapes (\" and \\) undone; false when absent. */
static bool attr(const char *line, const char *name, char *out, size_t size)
{
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(line, key);
    if (!p) return false;
    size_t used = 0;
    for (p += strlen(key); *p && *p != '"' && *p != '\n'; p++) {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
        if (used + 1 < size) out[used++] = *p;
    }
    out[used] = '\0';
    return *p == '"';
}

/* The next line of text at *pos, without its newline; false at the end. */
static bool next_line(const char *text, size_t *pos, char *line, size_t size)
{
    if (!text[*pos]) return false;
    size_t len = strcspn(text + *pos, "\n");
    snprintf(line, size, "%.*s", (int)(len < size ? len : size - 1), text + *pos);
    *pos += len + (text[*pos + len] == '\n');
    return true;
}

static size_t count_lines_with(const char *text, const char *needle)
{
    size_t pos = 0, n = 0;
    char line[1024];
    while (next_line(text, &pos, line, sizeof line)) n += strstr(line, needle) != NULL;
    return n;
}

/* What a state event must look like as a taken edge. */
static void expected_tooltip(const struct trace_state *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s %s %s -> %s (%s)", s->host, s->conn, tcp_state_name(s->from),
             tcp_state_name(s->to), s->cause);
}

/* ---- tests ---- */

static void test_every_state_event_is_one_numbered_taken_edge(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512];
    struct world *w = run_with_dot(dir);
    snprintf(path, sizeof path, "%s/states.dot", dir);
    char *dot = read_all(path);

    size_t n, pos = 0, taken = 0, states = 0;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    char line[1024], got[512], want[512];
    for (size_t i = 0; i < n; i++) states += ev[i].type == TRACE_STATE;
    assert_int_equal(states, 13);      /* client 6, listener 2, server connection 5 */

    size_t next_event = 0;
    while (next_line(dot, &pos, line, sizeof line)) {
        if (!strstr(line, "class=\"taken\"")) continue;
        taken++;
        while (next_event < n && ev[next_event].type != TRACE_STATE) next_event++;
        if (next_event == n) fail_msg("taken edge %zu has no state event: %s", taken, line);
        const struct trace_state *s = &ev[next_event++].u.state;

        assert_true(attr(line, "tooltip", got, sizeof got));
        expected_tooltip(s, want, sizeof want);
        assert_string_equal(got, want);
        snprintf(want, sizeof want, "%s -> %s [", tcp_state_name(s->from), tcp_state_name(s->to));
        const char *head = line + strspn(line, " ");
        assert_memory_equal(head, want, strlen(want));
        assert_true(attr(line, "label", got, sizeof got));
        snprintf(want, sizeof want, "%zu. %s", taken, s->cause);
        assert_string_equal(got, want);
        assert_true(attr(line, "id", got, sizeof got));
        snprintf(want, sizeof want, "taken%zu", taken);
        assert_string_equal(got, want);
    }
    assert_int_equal(taken, states);
    free(dot);
    scenario_world_free(w);
    remove_temp_dir(dir);
}

static void test_all_eleven_states_are_nodes_and_the_rfc793_edges_are_context(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *dot = states_dot_of_a_run(dir);
    for (int st = 0; st < STACK_TCP_STATE_COUNT; st++) {
        const char *name = tcp_state_name((enum stack_tcp_state)st);
        size_t pos = 0, defined = 0;
        char line[1024];
        while (next_line(dot, &pos, line, sizeof line)) {
            const char *p = line + strspn(line, " ");
            size_t len = strlen(name);
            if (strncmp(p, name, len) == 0 && (p[len] == ';' || strncmp(p + len, " [", 2) == 0))
                defined++;
        }
        if (defined != 1) fail_msg("state %s defined %zu times", name, defined);
    }
    /* 19 transitions of the brief's list and SYN_SENT -> SYN_RCVD (simultaneous open) */
    assert_int_equal(count_lines_with(dot, "class=\"rfc793\""), 20);
    assert_non_null(strstr(dot, "TIME_WAIT -> CLOSED [class=\"rfc793\", label=\"timeout 2MSL\""));
    assert_non_null(strstr(dot, "CLOSED -> LISTEN [class=\"rfc793\", label=\"passive open\""));
    assert_non_null(strstr(dot, "rankdir=TB"));
    free(dot);
    remove_temp_dir(dir);
}

static void test_visited_states_have_a_strong_outline_the_others_not(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *dot = states_dot_of_a_run(dir);
    assert_non_null(strstr(dot, "\n    ESTABLISHED [color="));
    assert_non_null(strstr(dot, "\n    TIME_WAIT [color="));
    assert_non_null(strstr(dot, "\n    CLOSING;\n"));     /* graceful-close never passes it */
    assert_non_null(strstr(dot, "\n    SYN_SENT [color="));
    free(dot);
    remove_temp_dir(dir);
}

/* The colour of the legend row naming `who`, and that every taken edge of that endpoint has it. */
static void check_legend_row(const char *dot, const char *who_html, const char *who)
{
    size_t pos = 0;
    char line[1024], colour[32] = "", edge_colour[32], tooltip[512];
    while (next_line(dot, &pos, line, sizeof line)) {
        char cell[400];
        snprintf(cell, sizeof cell, "<TD ALIGN=\"LEFT\">%s</TD>", who_html);
        const char *bg = strstr(line, "<TD BGCOLOR=\"");
        if (bg && strstr(line, cell)) {
            assert_string_equal(colour, "");      /* one row per endpoint */
            snprintf(colour, sizeof colour, "%.7s", bg + strlen("<TD BGCOLOR=\""));
        }
    }
    if (!colour[0]) fail_msg("no legend row for %s", who_html);
    size_t edges = 0;
    pos = 0;
    while (next_line(dot, &pos, line, sizeof line)) {
        if (!strstr(line, "class=\"taken\"")) continue;
        assert_true(attr(line, "tooltip", tooltip, sizeof tooltip));
        if (strncmp(tooltip, who, strlen(who)) != 0 || tooltip[strlen(who)] != ' ') continue;
        assert_true(attr(line, "color", edge_colour, sizeof edge_colour));
        assert_string_equal(edge_colour, colour);
        edges++;
    }
    assert_true(edges > 0);
}

static void test_legend_names_each_endpoint_in_the_colour_of_its_edges(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    struct world *w = run_with_dot(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/states.dot", dir);
    char *dot = read_all(path);

    /* the endpoints of the trace, in order of first appearance */
    size_t n, count = 0;
    char who[8][128];
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_STATE) continue;
        char name[128];
        snprintf(name, sizeof name, "%s %s", ev[i].u.state.host, ev[i].u.state.conn);
        bool seen = false;
        for (size_t j = 0; j < count; j++) seen |= strcmp(who[j], name) == 0;
        if (!seen) {
            assert_true(count < 8);
            snprintf(who[count++], sizeof who[0], "%s", name);
        }
    }
    assert_int_equal(count, 3);     /* client connection, server listener, server connection */
    for (size_t j = 0; j < count; j++) {
        char html[300];
        size_t used = 0;
        for (const char *p = who[j]; *p; p++)    /* conns hold '>': escaped in an HTML label */
            used += (size_t)snprintf(html + used, sizeof html - used, *p == '>' ? "&gt;" : "%c", *p);
        check_legend_row(dot, html, who[j]);
    }
    assert_non_null(strstr(dot, "client 10.0.0.1:55978&gt;10.0.0.2:8400"));
    assert_non_null(strstr(dot, "server 0.0.0.0:8400&gt;*"));
    /* one swatch per endpoint, plus the grey one for RFC 793 context */
    assert_int_equal(count_lines_with(dot, "<TD BGCOLOR=\""), count + 1);
    free(dot);
    scenario_world_free(w);
    remove_temp_dir(dir);
}

static void test_title_names_the_scenario_and_seed(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char *dot = states_dot_of_a_run(dir);
    assert_non_null(strstr(dot, "label=<<B>graceful-close</B>   seed 1<BR/>"));
    free(dot);
    remove_temp_dir(dir);
}

static void test_quotes_backslashes_and_off_figure_transitions_survive(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512], svg[512], err[256] = "";
    snprintf(path, sizeof path, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    struct trace_sink *sink = trace_dot_new(path);
    assert_non_null(sink);
    struct trace_header h = { .scenario = "a<b>&\"c\"", .seed = 7 };
    sink->begin(sink, &h);
    struct trace_event ev = { .type = TRACE_STATE };
    ev.u.state = (struct trace_state){ .host = "h\"1", .conn = "1.2.3.4:5>6.7.8.9:10",
                                       .from = STACK_ESTABLISHED, .to = STACK_CLOSED,
                                       .cause = "rcv \"RST\" \\ odd" };
    sink->event(sink, &ev);
    assert_int_equal(sink->finish(sink, err, sizeof err), 0);
    sink->free(sink);

    char *dot = read_all(path), got[256];
    assert_int_equal(count_lines_with(dot, "class=\"taken\""), 1);
    const char *line = strstr(dot, "ESTABLISHED -> CLOSED [class=\"taken\"");
    assert_non_null(line);
    assert_true(attr(line, "tooltip", got, sizeof got));
    assert_string_equal(got, "h\"1 1.2.3.4:5>6.7.8.9:10 ESTABLISHED -> CLOSED (rcv \"RST\" \\ odd)");
    assert_true(attr(line, "label", got, sizeof got));
    assert_string_equal(got, "1. rcv \"RST\" \\ odd");
    assert_non_null(strstr(dot, "<B>a&lt;b&gt;&amp;&quot;c&quot;</B>"));
    assert_non_null(strstr(dot, "h&quot;1 1.2.3.4:5&gt;6.7.8.9:10"));
    assert_int_equal(trace_dot_render_svg(path, svg, err, sizeof err), 0);  /* Graphviz agrees */
    free(dot);
    remove_temp_dir(dir);
}

static void test_renders_an_svg_with_graphviz(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512], svg[512], tmp[520], err[256] = "";
    scenario_world_free(run_with_dot(dir));
    snprintf(path, sizeof path, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    int rc = trace_dot_render_svg(path, svg, err, sizeof err);
    if (rc != 0) fail_msg("render: %d %s", rc, err);
    char *text = read_all(svg);
    assert_true(strncmp(text, "<?xml", 5) == 0 || strncmp(text, "<svg", 4) == 0);
    assert_non_null(strstr(text, "taken13"));       /* the ids carry into the svg */
    snprintf(tmp, sizeof tmp, "%s.tmp", svg);
    assert_false(exists(tmp));
    free(text);
    remove_temp_dir(dir);
}

static void test_dot_syntax_error_gives_minus_one_a_message_and_no_svg(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512], svg[512], tmp[520], err[256] = "";
    snprintf(path, sizeof path, "%s/broken.dot", dir);
    snprintf(svg, sizeof svg, "%s/broken.svg", dir);
    write_text(path, "digraph { a -> ; }\n");
    assert_int_equal(trace_dot_render_svg(path, svg, err, sizeof err), -1);
    assert_non_null(strstr(err, "broken.dot"));
    assert_non_null(strstr(err, "syntax error"));
    assert_false(exists(svg));
    snprintf(tmp, sizeof tmp, "%s.tmp", svg);
    assert_false(exists(tmp));
    remove_temp_dir(dir);
}

static void test_without_dot_on_path_render_gives_one_and_writes_nothing(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512], svg[512], err[256] = "";
    snprintf(path, sizeof path, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    write_text(path, "digraph { a -> b; }\n");
    char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
    setenv("PATH", dir, 1);             /* a directory with no dot in it */
    int rc = trace_dot_render_svg(path, svg, err, sizeof err);
    setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, 1);
    assert_false(exists(svg));
    remove_temp_dir(dir);
}

static void test_two_runs_give_byte_identical_states_dot(void **state)
{
    (void)state;
    char *dir_a = make_temp_dir(), *dir_b = make_temp_dir();
    char *a = states_dot_of_a_run(dir_a), *b = states_dot_of_a_run(dir_b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    remove_temp_dir(dir_a);
    remove_temp_dir(dir_b);
}

static void test_unopenable_path_gives_null_and_unfinished_sink_leaves_nothing(void **state)
{
    (void)state;
    assert_null(trace_dot_new("/nonexistent-tcpsim-dir/states.dot"));
    char *dir = make_temp_dir(), path[512], tmp[520];
    snprintf(path, sizeof path, "%s/states.dot", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    struct trace_sink *sink = trace_dot_new(path);
    assert_non_null(sink);
    assert_true(exists(tmp));
    sink->free(sink);                   /* a run that failed before finish */
    assert_false(exists(tmp));
    assert_false(exists(path));
    remove_temp_dir(dir);
}

static void test_unknown_state_fails_finish_and_leaves_no_file(void **state)
{
    (void)state;
    char *dir = make_temp_dir(), path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/states.dot", dir);
    struct trace_sink *sink = trace_dot_new(path);
    assert_non_null(sink);
    struct trace_event ev = { .type = TRACE_STATE };
    ev.u.state = (struct trace_state){ .host = "h", .conn = "1.2.3.4:5>*", .from = STACK_CLOSED,
                                       .to = STACK_TCP_STATE_COUNT, .cause = "?" };
    sink->event(sink, &ev);
    assert_int_equal(sink->finish(sink, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown TCP state"));
    sink->free(sink);
    assert_false(exists(path));
    remove_temp_dir(dir);
}

static void test_many_endpoints_are_drawn_once_per_kind_of_path(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/states.dot", dir);
    struct world *w = scenario_world("tests/scenarios/many-clients.scn", 1);
    trace_add_sink(world_trace(w), trace_dot_new(path));
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    if (trace_finish(world_trace(w), err, sizeof err) != 0) fail_msg("trace_finish: %s", err);
    scenario_world_free(w);
    char *dot = read_all(path);
    /* 41 endpoints (20 client connections, 20 server connections, the listener), 3 paths */
    assert_non_null(strstr(dot, "41 endpoints, 3 kinds of path"));
    assert_non_null(strstr(dot, "20 x client, e.g. 10.0.0.1:"));
    assert_non_null(strstr(dot, "20 x server, e.g. 10.0.0.2:8400&gt;10.0.0.1:"));
    assert_non_null(strstr(dot, "1 x server, e.g. 0.0.0.0:8400&gt;*"));
    assert_non_null(strstr(dot, "id=\"group2_1\""));
    assert_null(strstr(dot, "id=\"taken1\""));
    free(dot);
    remove_temp_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_event_is_one_numbered_taken_edge),
        cmocka_unit_test(test_all_eleven_states_are_nodes_and_the_rfc793_edges_are_context),
        cmocka_unit_test(test_visited_states_have_a_strong_outline_the_others_not),
        cmocka_unit_test(test_legend_names_each_endpoint_in_the_colour_of_its_edges),
        cmocka_unit_test(test_title_names_the_scenario_and_seed),
        cmocka_unit_test(test_quotes_backslashes_and_off_figure_transitions_survive),
        cmocka_unit_test(test_renders_an_svg_with_graphviz),
        cmocka_unit_test(test_dot_syntax_error_gives_minus_one_a_message_and_no_svg),
        cmocka_unit_test(test_without_dot_on_path_render_gives_one_and_writes_nothing),
        cmocka_unit_test(test_two_runs_give_byte_identical_states_dot),
        cmocka_unit_test(test_unopenable_path_gives_null_and_unfinished_sink_leaves_nothing),
        cmocka_unit_test(test_unknown_state_fails_finish_and_leaves_no_file),
        cmocka_unit_test(test_many_endpoints_are_drawn_once_per_kind_of_path),
    };
    return cmocka_run_group_tests_name("trace_dot", tests, NULL, NULL);
}
