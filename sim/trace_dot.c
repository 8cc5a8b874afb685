/* trace_dot — states.dot: the RFC 793 state machine greyed out, with every TCP state change of
 * every endpoint drawn over it in that endpoint's colour, numbered in event order.
 *
 * The sink only collects TRACE_STATE events and writes the whole graph in finish: the legend and
 * the node outlines depend on the whole run, and DOT has no way to append to a graph.
 *
 * Design decision: the rows of the figure are fixed by the RFC 793 edges alone (rank=same rows,
 * ordered left to right by invisible edges: passive side left, active side right), so CLOSED,
 * LISTEN, SYN_RCVD/SYN_SENT, ESTABLISHED, FIN_WAIT_1/CLOSE_WAIT, FIN_WAIT_2/CLOSING/LAST_ACK,
 * TIME_WAIT stand in the same rows in every scenario and a student can compare two graphs at a
 * glance. A run's transitions are drawn over that skeleton and never move a state to another
 * row (see ranks_states). CLOSED is one node at the top, as the DOT node ids are the state
 * names; the edges back up to it run along the sides of the figure.
 *
 * The output is a function of the events alone (endpoints coloured in order of first appearance,
 * edges in event order, no pointers or hash order), so identical runs give identical bytes. Like
 * timeline.txt the file is written to <path>.tmp and renamed by finish, so a failed run never
 * leaves a partial graph. trace_dot_render_svg runs Graphviz on it the same way. */
/* <spawn.h> first: it includes libc's <sched.h>, whose sched_yield sim/sched.h renames. */
#include <spawn.h>

#include "trace.h"

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONN_SIZE sizeof(((struct trace_state *)0)->conn)

/* One endpoint is one (host, conn) pair: a listener and the connections it accepts are
 * different endpoints, as they are different pcbs in lwIP. */
struct endpoint {
    char *host;
    char conn[CONN_SIZE];
};

struct transition {
    size_t endpoint;
    enum stack_tcp_state from, to;
    char *cause;
};

struct dot_sink {
    struct trace_sink base;
    struct outfile out;
    char *scenario;
    uint64_t seed;
    struct endpoint *endpoints;     /* in order of first appearance (the colours follow it) */
    size_t endpoint_count, endpoint_cap;
    /* endpoints by hash of (host, conn): open addressing, index + 1 (0: empty), a power of two
     * at least twice endpoint_count */
    size_t *slots;
    size_t slot_count;
    struct transition *moves;
    size_t move_count, move_cap;
    /* What went wrong while collecting (out of memory, say), reported by finish: a sink only
     * observes and must not stop the run. NULL while all is well. */
    const char *failure;
};

/* Clearly distinct on white and from the grey context, none of them grey; picked from the
 * Tableau 10 palette. Past the last colour the palette repeats with dashed edges. */
static const char *const palette[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22",
};
#define PALETTE_SIZE (sizeof palette / sizeof palette[0])

/* ---- the RFC 793 state machine ----
 * The transitions of Figure 6 of the RFC, labelled as there (event / action), lower-cased.
 * SYN_SENT -> SYN_RCVD is the simultaneous open. */

struct rfc_edge {
    enum stack_tcp_state from, to;
    const char *label;
};

static const struct rfc_edge rfc793[] = {
    { STACK_CLOSED, STACK_LISTEN, "passive open" },
    { STACK_CLOSED, STACK_SYN_SENT, "active open / snd SYN" },
    { STACK_LISTEN, STACK_SYN_RCVD, "rcv SYN / snd SYN,ACK" },
    { STACK_LISTEN, STACK_SYN_SENT, "send / snd SYN" },
    { STACK_LISTEN, STACK_CLOSED, "close" },
    { STACK_SYN_SENT, STACK_SYN_RCVD, "rcv SYN / snd ACK" },
    { STACK_SYN_SENT, STACK_ESTABLISHED, "rcv SYN,ACK / snd ACK" },
    { STACK_SYN_SENT, STACK_CLOSED, "close" },
    { STACK_SYN_RCVD, STACK_ESTABLISHED, "rcv ACK of SYN" },
    { STACK_SYN_RCVD, STACK_LISTEN, "rcv RST" },
    { STACK_SYN_RCVD, STACK_FIN_WAIT_1, "close / snd FIN" },
    { STACK_ESTABLISHED, STACK_FIN_WAIT_1, "close / snd FIN" },
    { STACK_ESTABLISHED, STACK_CLOSE_WAIT, "rcv FIN / snd ACK" },
    { STACK_FIN_WAIT_1, STACK_FIN_WAIT_2, "rcv ACK of FIN" },
    { STACK_FIN_WAIT_1, STACK_CLOSING, "rcv FIN / snd ACK" },
    { STACK_FIN_WAIT_2, STACK_TIME_WAIT, "rcv FIN / snd ACK" },
    { STACK_CLOSING, STACK_TIME_WAIT, "rcv ACK of FIN" },
    { STACK_CLOSE_WAIT, STACK_LAST_ACK, "close / snd FIN" },
    { STACK_LAST_ACK, STACK_CLOSED, "rcv ACK of FIN" },
    { STACK_TIME_WAIT, STACK_CLOSED, "timeout 2MSL" },
};

/* Where each state stands in the figure: its row (CLOSED on top, TIME_WAIT at the bottom) and
 * its order inside the row, left to right (passive side left, active side right). */
static const struct { int row, column; } place[STACK_TCP_STATE_COUNT] = {
    [STACK_CLOSED] = { 0, 0 },
    [STACK_LISTEN] = { 1, 0 },
    [STACK_SYN_RCVD] = { 2, 0 }, [STACK_SYN_SENT] = { 2, 1 },
    [STACK_ESTABLISHED] = { 3, 0 },
    [STACK_FIN_WAIT_1] = { 4, 0 }, [STACK_CLOSE_WAIT] = { 4, 1 },
    [STACK_FIN_WAIT_2] = { 5, 0 }, [STACK_CLOSING] = { 5, 1 }, [STACK_LAST_ACK] = { 5, 2 },
    [STACK_TIME_WAIT] = { 6, 0 },
};
#define ROWS 7

static bool in_rfc793(enum stack_tcp_state from, enum stack_tcp_state to)
{
    for (size_t i = 0; i < sizeof rfc793 / sizeof rfc793[0]; i++)
        if (rfc793[i].from == from && rfc793[i].to == to) return true;
    return false;
}

/* ---- escaping ---- */

/* Inside a DOT "quoted string": Graphviz reads \" and, in labels and tooltips, \\ and \n. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if (*s == '\n') fputs("\\n", f);
        else fputc(*s, f);
    }
}

static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    put_escaped(f, s);
    fputc('"', f);
}

/* Inside an HTML-like label: conns contain '>', and anything else must not open a tag. */
static void put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* ---- collecting ---- */

static bool grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t cap2 = *cap ? 2 * *cap : 16;
    void *p = realloc(*array, cap2 * elem);
    if (!p) return false;
    *array = p;
    *cap = cap2;
    return true;
}

/* FNV-1a over host, a separator and conn. */
static uint64_t endpoint_hash(const char *host, const char *conn)
{
    uint64_t h = 14695981039346656037u;
    for (const char *p = host; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ 0xffu) * 1099511628211u;
    for (const char *p = conn; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

/* The slot of (host, conn): the one holding it, or the empty one where it would go. */
static size_t *endpoint_slot(const struct dot_sink *s, const char *host, const char *conn)
{
    size_t mask = s->slot_count - 1, i = (size_t)endpoint_hash(host, conn) & mask;
    for (;; i = (i + 1) & mask) {
        size_t *slot = &s->slots[i];
        if (!*slot) return slot;
        const struct endpoint *e = &s->endpoints[*slot - 1];
        if (strcmp(e->conn, conn) == 0 && strcmp(e->host, host) == 0) return slot;
    }
}

/* Room for one more endpoint in the index (rebuilt twice as large when half full). */
static bool index_room(struct dot_sink *s)
{
    if (2 * (s->endpoint_count + 1) <= s->slot_count) return true;
    size_t count = s->slot_count ? 2 * s->slot_count : 64;
    size_t *slots = calloc(count, sizeof *slots);
    if (!slots) return false;
    free(s->slots);
    s->slots = slots;
    s->slot_count = count;
    for (size_t k = 0; k < s->endpoint_count; k++)
        *endpoint_slot(s, s->endpoints[k].host, s->endpoints[k].conn) = k + 1;
    return true;
}

/* The index of the (host, conn) endpoint, added on first appearance so colours follow the
 * trace order. Found through a hash index: a catalog scenario with thousands of connections made
 * the linear search of every state change most of this sink's cost (issue 11). */
static bool endpoint_index(struct dot_sink *s, const struct trace_state *st, size_t *index)
{
    if (!index_room(s)) return false;
    size_t *slot = endpoint_slot(s, st->host, st->conn);
    if (*slot) {
        *index = *slot - 1;
        return true;
    }
    if (!grow((void **)&s->endpoints, &s->endpoint_cap, s->endpoint_count + 1, sizeof *s->endpoints))
        return false;
    struct endpoint *e = &s->endpoints[s->endpoint_count];
    e->host = strdup(st->host);
    if (!e->host) return false;
    snprintf(e->conn, sizeof e->conn, "%s", st->conn);
    *index = s->endpoint_count++;
    *slot = *index + 1;
    return true;
}

static void dot_begin(struct trace_sink *sink, const struct trace_header *h)
{
    struct dot_sink *s = (struct dot_sink *)sink;
    free(s->scenario);
    s->scenario = strdup(h->scenario ? h->scenario : "?");
    if (!s->scenario) s->failure = "out of memory";
    s->seed = h->seed;
}

/* Copies what it keeps: event strings only live as long as the world, and finish may come
 * after it. */
static void dot_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct dot_sink *s = (struct dot_sink *)sink;
    if (ev->type != TRACE_STATE || s->failure) return;
    const struct trace_state *st = &ev->u.state;
    if (st->from >= STACK_TCP_STATE_COUNT || st->to >= STACK_TCP_STATE_COUNT) {
        s->failure = "state change with an unknown TCP state";   /* no node to draw it on */
        return;
    }
    size_t ep;
    if (!endpoint_index(s, st, &ep) ||
        !grow((void **)&s->moves, &s->move_cap, s->move_count + 1, sizeof *s->moves)) {
        s->failure = "out of memory";
        return;
    }
    char *cause = strdup(st->cause ? st->cause : "?");
    if (!cause) {
        s->failure = "out of memory";
        return;
    }
    s->moves[s->move_count++] = (struct transition){ ep, st->from, st->to, cause };
}

/* ---- writing ---- */

static void write_header(FILE *f, const struct dot_sink *s)
{
    fputs("digraph tcp_states {\n", f);
    fputs("    graph [rankdir=TB, newrank=true, nodesep=0.5, ranksep=0.35, fontname=\"Helvetica\",\n"
          "           labelloc=t, fontsize=16, label=<<B>", f);
    put_html(f, s->scenario ? s->scenario : "?");
    fprintf(f, "</B>   seed %llu<BR/><FONT POINT-SIZE=\"11\" COLOR=\"#666666\">TCP states of "
               "every endpoint over the RFC 793 state machine (grey)</FONT>>];\n",
            (unsigned long long)s->seed);
    /* Greyed context: light outlines, light text, so the coloured path is what one sees. */
    fputs("    node [shape=box, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", color=\"#c8c8c8\",\n"
          "          fontcolor=\"#a8a8a8\", fontname=\"Helvetica\", fontsize=12];\n"
          "    edge [color=\"#d4d4d4\", fontcolor=\"#b4b4b4\", fontname=\"Helvetica\", fontsize=8,\n"
          "          arrowsize=0.6];\n", f);
}

static void write_states(FILE *f, const struct dot_sink *s)
{
    bool visited[STACK_TCP_STATE_COUNT] = { false };
    for (size_t i = 0; i < s->move_count; i++) {
        visited[s->moves[i].from] = true;
        visited[s->moves[i].to] = true;
    }
    fputs("\n    /* the 11 states; the ones an endpoint was in have a strong outline */\n", f);
    for (int st = 0; st < STACK_TCP_STATE_COUNT; st++) {
        fprintf(f, "    %s", tcp_state_name((enum stack_tcp_state)st));
        if (visited[st])
            fputs(" [color=\"#222222\", fontcolor=\"#000000\", fillcolor=\"#ffffff\", penwidth=2.5]", f);
        fputs(";\n", f);
    }
}

/* Which edges may rank the states (all others are constraint=false, only drawn). An edge of
 * the figure only repeats what the figure says, and an edge into or out of CLOSED cannot move
 * anything: CLOSED is the first node, where dot's depth-first search starts, so an edge into
 * it is reversed to point down from the top. Ranking those matters because dot routes a long
 * constraint=false edge through the middle of the figure, while a ranked one runs along its
 * side. Any other transition lwIP takes (FIN_WAIT_1 -> TIME_WAIT, say) could pull states out
 * of their rows. Edges within a row would fight the invisible edges that order the row. */
static bool ranks_states(enum stack_tcp_state from, enum stack_tcp_state to)
{
    if (place[from].row == place[to].row) return false;
    return in_rfc793(from, to) || from == STACK_CLOSED || to == STACK_CLOSED;
}

static void write_row(FILE *f, int row)
{
    enum stack_tcp_state in_row[STACK_TCP_STATE_COUNT];
    size_t n = 0;
    for (int column = 0; column < STACK_TCP_STATE_COUNT; column++)
        for (int st = 0; st < STACK_TCP_STATE_COUNT; st++)
            if (place[st].row == row && place[st].column == column)
                in_row[n++] = (enum stack_tcp_state)st;
    if (n < 2) return;
    fputs("    { rank=same;", f);
    for (size_t i = 0; i < n; i++) fprintf(f, " %s;", tcp_state_name(in_row[i]));
    fputs(" }\n", f);
    /* A flat edge puts its tail left of its head: the figure's left-to-right order. */
    for (size_t i = 0; i + 1 < n; i++)
        fprintf(f, "    %s -> %s [style=invis];\n", tcp_state_name(in_row[i]),
                tcp_state_name(in_row[i + 1]));
}

static void write_layout(FILE *f)
{
    fputs("\n    /* layout of the RFC 793 figure: CLOSED on top, TIME_WAIT at the bottom */\n", f);
    for (int row = 0; row < ROWS; row++) write_row(f, row);
}

static void write_rfc793(FILE *f)
{
    fputs("\n    /* context: the transitions of the RFC 793 figure */\n", f);
    for (size_t i = 0; i < sizeof rfc793 / sizeof rfc793[0]; i++) {
        const struct rfc_edge *e = &rfc793[i];
        fprintf(f, "    %s -> %s [class=\"rfc793\", label=", tcp_state_name(e->from),
                tcp_state_name(e->to));
        put_quoted(f, e->label);
        fputs(ranks_states(e->from, e->to) ? "];\n" : ", constraint=false];\n", f);
    }
}

/* One state change: "<n>. <cause>" on the edge, and a tooltip naming the endpoint as the
 * legend does, "<host> <conn> <FROM> -> <TO> (<cause>)", so a reader of the svg (or a test)
 * can tell every edge apart. Written piecewise so no length limit can cut a cause short. */
static void write_taken(FILE *f, const struct dot_sink *s, size_t n)
{
    const struct transition *m = &s->moves[n];
    const struct endpoint *e = &s->endpoints[m->endpoint];
    const char *colour = palette[m->endpoint % PALETTE_SIZE];
    const char *from = tcp_state_name(m->from), *to = tcp_state_name(m->to);
    /* the transitions the figure lacks (a RST, say) are the interesting ones: drawn thicker */
    bool off_figure = !in_rfc793(m->from, m->to);
    fprintf(f, "    %s -> %s [class=\"taken\", id=\"taken%zu\", color=\"%s\", fontcolor=\"%s\", "
               "penwidth=%s, fontsize=10, arrowsize=0.9%s%s, label=\"%zu. ",
            from, to, n + 1, colour, colour, off_figure ? "4" : "2.5",
            ranks_states(m->from, m->to) ? "" : ", constraint=false",
            m->endpoint >= PALETTE_SIZE ? ", style=dashed" : "", n + 1);
    put_escaped(f, m->cause);
    fputs("\", tooltip=\"", f);
    put_escaped(f, e->host);
    fputc(' ', f);
    put_escaped(f, e->conn);
    fprintf(f, " %s -> %s (", from, to);
    put_escaped(f, m->cause);
    fputs(")\"];\n", f);
}

static void write_legend(FILE *f, const struct dot_sink *s)
{
    fputs("\n    /* legend: one colour per endpoint, in order of first appearance */\n", f);
    fputs("    legend [shape=plaintext, style=\"\", fontcolor=\"#000000\", fontsize=11, label=<\n"
          "      <TABLE BORDER=\"1\" COLOR=\"#999999\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"3\">\n"
          "      <TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>endpoints</B></TD></TR>\n", f);
    for (size_t i = 0; i < s->endpoint_count; i++) {
        const struct endpoint *e = &s->endpoints[i];
        fprintf(f, "      <TR><TD BGCOLOR=\"%s\" WIDTH=\"28\"> </TD><TD ALIGN=\"LEFT\">",
                palette[i % PALETTE_SIZE]);
        put_html(f, e->host);
        fputc(' ', f);
        put_html(f, e->conn);
        fputs(i >= PALETTE_SIZE ? " (dashed)" : "", f);
        fputs("</TD></TR>\n", f);
    }
    if (s->endpoint_count == 0)
        fputs("      <TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\">no TCP state changes</TD></TR>\n", f);
    fputs("      <TR><TD BGCOLOR=\"#d4d4d4\" WIDTH=\"28\"> </TD><TD ALIGN=\"LEFT\">RFC 793 "
          "transition, not taken</TD></TR>\n"
          "      <TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">n. = order of the "
          "change in the run; thicker = not in the RFC figure</FONT></TD></TR>\n"
          "      </TABLE>>];\n", f);
    /* Beside the bottom of the figure, where no edge passes. */
    fputs("    { rank=same; TIME_WAIT; legend; }\n", f);
}

/* ---- many endpoints: one path per kind of endpoint ----
 * Past DOT_DETAIL_LIMIT endpoints (a load test has thousands) one arrow per state change would
 * be unreadable and would take Graphviz minutes. Endpoints that went through exactly the same
 * changes, for the same causes, are then one group, drawn once in one colour, its edges
 * numbered along the path ("3. rcv FIN / snd ACK") and its legend row saying how many
 * endpoints it stands for. Groups are in order of first appearance, so the output stays a
 * function of the events alone. */
#define DOT_DETAIL_LIMIT 12

struct paths {
    size_t *start, *count;      /* per endpoint: its moves are order[start .. start+count) */
    size_t *order;              /* move indices grouped by endpoint, each in event order */
    size_t *group_of;           /* per endpoint */
    size_t *group_first;        /* per group: its first endpoint */
    size_t *group_size;
    size_t group_count;
};

static void paths_free(struct paths *p)
{
    free(p->start);
    free(p->count);
    free(p->order);
    free(p->group_of);
    free(p->group_first);
    free(p->group_size);
}

static bool same_path(const struct dot_sink *s, const struct paths *p, size_t a, size_t b)
{
    if (p->count[a] != p->count[b] || strcmp(s->endpoints[a].host, s->endpoints[b].host) != 0)
        return false;
    for (size_t k = 0; k < p->count[a]; k++) {
        const struct transition *x = &s->moves[p->order[p->start[a] + k]];
        const struct transition *y = &s->moves[p->order[p->start[b] + k]];
        if (x->from != y->from || x->to != y->to || strcmp(x->cause, y->cause) != 0) return false;
    }
    return true;
}

static bool paths_build(const struct dot_sink *s, struct paths *p)
{
    size_t n = s->endpoint_count ? s->endpoint_count : 1;
    *p = (struct paths){ calloc(n, sizeof(size_t)), calloc(n, sizeof(size_t)),
                         calloc(s->move_count + 1, sizeof(size_t)), calloc(n, sizeof(size_t)),
                         calloc(n, sizeof(size_t)), calloc(n, sizeof(size_t)), 0 };
    if (!p->start || !p->count || !p->order || !p->group_of || !p->group_first || !p->group_size)
        return false;
    for (size_t i = 0; i < s->move_count; i++) p->count[s->moves[i].endpoint]++;
    for (size_t e = 1; e < s->endpoint_count; e++) p->start[e] = p->start[e - 1] + p->count[e - 1];
    size_t *fill = calloc(n, sizeof(size_t));
    if (!fill) return false;
    for (size_t i = 0; i < s->move_count; i++) {
        size_t e = s->moves[i].endpoint;
        p->order[p->start[e] + fill[e]++] = i;
    }
    free(fill);
    for (size_t e = 0; e < s->endpoint_count; e++) {
        size_t g = 0;
        while (g < p->group_count && !same_path(s, p, p->group_first[g], e)) g++;
        if (g == p->group_count) p->group_first[p->group_count++] = e;
        p->group_of[e] = g;
        p->group_size[g]++;
    }
    return true;
}

static void write_group_path(FILE *f, const struct dot_sink *s, const struct paths *p, size_t g)
{
    size_t e = p->group_first[g];
    const char *colour = palette[g % PALETTE_SIZE];
    for (size_t k = 0; k < p->count[e]; k++) {
        const struct transition *m = &s->moves[p->order[p->start[e] + k]];
        const char *from = tcp_state_name(m->from), *to = tcp_state_name(m->to);
        fprintf(f, "    %s -> %s [class=\"taken\", id=\"group%zu_%zu\", color=\"%s\", "
                   "fontcolor=\"%s\", penwidth=%s, fontsize=10, arrowsize=0.9%s%s, label=\"%zu. ",
                from, to, g + 1, k + 1, colour, colour, in_rfc793(m->from, m->to) ? "2.5" : "4",
                ranks_states(m->from, m->to) ? "" : ", constraint=false",
                g >= PALETTE_SIZE ? ", style=dashed" : "", k + 1);
        put_escaped(f, m->cause);
        fprintf(f, "\", tooltip=\"%zu x ", p->group_size[g]);
        put_escaped(f, s->endpoints[e].host);
        fprintf(f, " %s -> %s (", from, to);
        put_escaped(f, m->cause);
        fputs(")\"];\n", f);
    }
}

static void write_group_legend(FILE *f, const struct dot_sink *s, const struct paths *p)
{
    fputs("\n    /* legend: one colour per kind of endpoint, in order of first appearance */\n", f);
    fputs("    legend [shape=plaintext, style=\"\", fontcolor=\"#000000\", fontsize=11, label=<\n"
          "      <TABLE BORDER=\"1\" COLOR=\"#999999\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"3\">\n", f);
    fprintf(f, "      <TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>%zu endpoints, %zu kinds of path</B></TD></TR>\n",
            s->endpoint_count, p->group_count);
    for (size_t g = 0; g < p->group_count; g++) {
        const struct endpoint *e = &s->endpoints[p->group_first[g]];
        fprintf(f, "      <TR><TD BGCOLOR=\"%s\" WIDTH=\"28\"> </TD><TD ALIGN=\"LEFT\">%zu x ",
                palette[g % PALETTE_SIZE], p->group_size[g]);
        put_html(f, e->host);
        fputs(", e.g. ", f);
        put_html(f, e->conn);
        fputs(g >= PALETTE_SIZE ? " (dashed)" : "", f);
        fputs("</TD></TR>\n", f);
    }
    fputs("      <TR><TD BGCOLOR=\"#d4d4d4\" WIDTH=\"28\"> </TD><TD ALIGN=\"LEFT\">RFC 793 "
          "transition, not taken</TD></TR>\n"
          "      <TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\">n. = step along "
          "that kind's path; thicker = not in the RFC figure</FONT></TD></TR>\n"
          "      </TABLE>>];\n", f);
    fputs("    { rank=same; TIME_WAIT; legend; }\n", f);
}

static bool write_grouped(FILE *f, const struct dot_sink *s)
{
    struct paths p;
    bool ok = paths_build(s, &p);
    if (ok) {
        fputs("\n    /* taken: each kind of endpoint's path once */\n", f);
        for (size_t g = 0; g < p.group_count; g++) write_group_path(f, s, &p, g);
        write_group_legend(f, s, &p);
    }
    paths_free(&p);
    return ok;
}

static bool write_graph(FILE *f, const struct dot_sink *s)
{
    write_header(f, s);
    write_states(f, s);
    write_layout(f);
    write_rfc793(f);
    if (s->endpoint_count > DOT_DETAIL_LIMIT) {
        if (!write_grouped(f, s)) return false;
    } else {
        fputs("\n    /* taken: every state change of the run, in order */\n", f);
        for (size_t i = 0; i < s->move_count; i++) write_taken(f, s, i);
        write_legend(f, s);
    }
    fputs("}\n", f);
    return true;
}

static int dot_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct dot_sink *s = (struct dot_sink *)sink;
    if (!s->out.f) return 0;
    if (s->failure) {
        snprintf(err, err_size, "%s: %s", s->out.path, s->failure);
        outfile_discard(&s->out);
        return -1;
    }
    if (!write_graph(s->out.f, s)) {
        snprintf(err, err_size, "%s: out of memory", s->out.path);
        outfile_discard(&s->out);
        return -1;
    }
    return outfile_commit(&s->out, err, err_size);
}

static void dot_free(struct trace_sink *sink)
{
    struct dot_sink *s = (struct dot_sink *)sink;
    outfile_discard(&s->out);
    for (size_t i = 0; i < s->endpoint_count; i++) free(s->endpoints[i].host);
    for (size_t i = 0; i < s->move_count; i++) free(s->moves[i].cause);
    free(s->endpoints);
    free(s->slots);
    free(s->moves);
    free(s->scenario);
    free(s);
}

struct trace_sink *trace_dot_new(const char *path)
{
    struct dot_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base = (struct trace_sink){ dot_begin, dot_event, dot_finish, dot_free };
    /* Opened now so a bad output path shows before the run, not after it. */
    if (outfile_open(&s->out, path) != 0) {
        free(s);
        return NULL;
    }
    return &s->base;
}

/* ---- rendering with Graphviz ---- */

/* Reads the child's stderr to its end (so it never blocks on a full pipe), keeping the start
 * as one line: Graphviz puts the reason for a failure first. */
static void read_stderr(int fd, char *buf, size_t size)
{
    size_t used = 0;
    char chunk[512];
    ssize_t n;
    buf[0] = '\0';
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (ssize_t i = 0; i < n && used + 1 < size; i++)
            buf[used++] = chunk[i] == '\n' ? ' ' : chunk[i];
    }
    while (used > 0 && buf[used - 1] == ' ') used--;
    buf[used] = '\0';
}

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

/* Starts `dot -Tsvg dot_path -o out` with stdout on /dev/null and stderr into *err_fd.
 * Returns 0, or the errno of what failed (ENOENT: no dot on PATH). posix_spawnp, not fork: a
 * forked child shares the simulator's pages copy-on-write, so the next power-on reset of the
 * lwIP instances (tens of MB) would fault on every page; glibc's posix_spawn shares nothing and
 * reports a failed exec as its own result. */
static int spawn_dot(const char *dot_path, const char *out, pid_t *pid, int *err_fd)
{
    int errpipe[2];
    if (pipe(errpipe) != 0) return errno;
    char *argv[] = { (char *)"dot", (char *)"-Tsvg", (char *)dot_path, (char *)"-o", (char *)out,
                     NULL };
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, errpipe[1], STDERR_FILENO);
        posix_spawn_file_actions_addclose(&fa, errpipe[0]);
        posix_spawn_file_actions_addclose(&fa, errpipe[1]);
        extern char **environ;
        rc = posix_spawnp(pid, "dot", &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(errpipe[1]);
    if (rc != 0) {
        close(errpipe[0]);
        return rc;
    }
    *err_fd = errpipe[0];
    return 0;
}

int trace_dot_render_svg(const char *dot_path, const char *svg_path, char *err, size_t err_size)
{
    size_t len = strlen(svg_path);
    char *tmp = malloc(len + 5);
    if (!tmp) {
        snprintf(err, err_size, "%s: out of memory", svg_path);
        return -1;
    }
    snprintf(tmp, len + 5, "%s.tmp", svg_path);
    pid_t pid = -1;
    int err_fd = -1;
    int rc = spawn_dot(dot_path, tmp, &pid, &err_fd);
    if (rc == ENOENT) {             /* Graphviz not installed: not an error of the run */
        free(tmp);
        return 1;
    }
    if (rc != 0) {
        snprintf(err, err_size, "cannot run dot: %s", strerror(rc));
        free(tmp);
        return -1;
    }
    char msg[512];
    read_stderr(err_fd, msg, sizeof msg);
    close(err_fd);
    int status = wait_child(pid);
    int result = 0;
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127 && !msg[0]) {
        /* The exec failed in a child that could not say so (under valgrind, posix_spawn is a
         * fork and exec whose failure comes back as exit status 127): no dot on PATH. */
        remove(tmp);
        free(tmp);
        return 1;
    }
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (status != -1 && WIFSIGNALED(status))
            snprintf(err, err_size, "dot -Tsvg %s: killed by signal %d", dot_path, WTERMSIG(status));
        else
            snprintf(err, err_size, "dot -Tsvg %s: exit status %d: %s", dot_path,
                     status == -1 ? -1 : WEXITSTATUS(status), msg[0] ? msg : "(no message)");
        result = -1;
    } else if (rename(tmp, svg_path) != 0) {
        snprintf(err, err_size, "%s: %s", svg_path, strerror(errno));
        result = -1;
    }
    if (result != 0) remove(tmp);   /* whatever dot wrote before failing */
    free(tmp);
    return result;
}
