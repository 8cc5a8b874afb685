/* trace_ladder — ladder.svg, and ladder-<k>.svg for each connection: the run as a sequence
 * diagram a student can follow segment by segment.
 *
 * The sink keeps a copy of every event and draws in finish, because arrows end at arrival
 * times that lie in the future when a segment is sent. Geometry comes from ladder_layout.c
 * (unit-tested); this file only turns it into SVG: lifelines with the TCP state as coloured
 * bands, arrows labelled with flags/seq/ack/len/win (RSTs red, with their reason beside the
 * sender), dropped segments ending in a cross with the link rule, calls and other notes beside
 * the lifeline of their host, compressed gaps drawn as breaks with the time they stand for.
 * Each arrow is a <g class="arrow"> carrying data-event (its index in the timeline), so a
 * program (the browser tests) can count them. All text is XML-escaped. Files go through
 * outfile: complete or absent. Per-connection ladders stop at TRACE_LADDER_MAX_CONNS; the
 * scenario's ladder always has every segment. */
#include "trace.h"

#include "ladder_layout.h"
#include "markup.h"
#include "outfile.h"
#include "strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_LADDER_MAX_CONNS 12

struct ladder_sink {
    struct trace_sink base;
    char *path;                     /* .../ladder.svg; connections go beside it */
    char scenario[128];
    uint64_t seed;
    const char *hosts[LINK_MAX_ENDPOINTS];
    size_t host_count;
    struct trace_event *events;
    size_t count, cap;
    bool failed;
};

/* ---- SVG ---- */

static void put_text(FILE *f, const char *s) { markup_put(f, s); }

static const char style[] =
    "<style>\n"
    "text{font-family:'DejaVu Sans Mono',monospace;font-size:11px;fill:#222}\n"
    ".lane-title{font-size:13px;font-weight:bold}\n"
    ".lifeline{stroke:#888;stroke-width:1.5}\n"
    ".tick{fill:#666;font-size:10px}\n"
    ".arrow line{stroke:#1565c0;stroke-width:1.4}\n"
    ".arrow text{paint-order:stroke;stroke:#fff;stroke-width:3px}\n"
    ".arrow.ctl line{stroke:#2e7d32}\n"
    ".arrow.ack line{stroke:#777}\n"
    ".arrow.rst line{stroke:#c62828;stroke-width:2.6}\n"
    ".arrow.rst text{fill:#c62828;font-weight:bold}\n"
    ".arrow.dropped line{stroke-dasharray:5 3}\n"
    ".cross{stroke:#c62828;stroke-width:2.4}\n"
    ".note.k-rst{fill:#c62828;font-weight:bold}\n"
    ".note.k-state{fill:#6a1b9a}\n"
    ".note.k-timer,.note.k-held{fill:#e65100;font-style:italic}\n"
    ".note.k-process,.note.k-host{fill:#000;font-weight:bold}\n"
    ".note.k-link{fill:#555}\n"
    ".gap rect{fill:#f4f4f4}\n"
    ".gap text{fill:#444;font-style:italic}\n"
    ".gap path{stroke:#888;fill:none}\n"
    ".band{opacity:.85}\n"
    ".band-label{font-size:9px}\n"
    "</style>\n";

/* One colour per TCP state, so the lifeline shows where the endpoint stands. */
static const char *state_colour(enum stack_tcp_state s)
{
    switch (s) {
    case STACK_CLOSED: return "#bbbbbb";
    case STACK_LISTEN: return "#90a4ae";
    case STACK_SYN_SENT: return "#aed581";
    case STACK_SYN_RCVD: return "#aed581";
    case STACK_ESTABLISHED: return "#43a047";
    case STACK_FIN_WAIT_1: return "#ffb74d";
    case STACK_FIN_WAIT_2: return "#ffa726";
    case STACK_CLOSE_WAIT: return "#4fc3f7";
    case STACK_CLOSING: return "#ff8a65";
    case STACK_LAST_ACK: return "#29b6f6";
    case STACK_TIME_WAIT: return "#8d6e63";
    case STACK_TCP_STATE_COUNT: break;
    }
    return "#bbbbbb";
}

static const char *note_class(enum ladder_note_kind k)
{
    switch (k) {
    case LADDER_NOTE_CALL: return "k-call";
    case LADDER_NOTE_STATE: return "k-state";
    case LADDER_NOTE_TIMER: return "k-timer";
    case LADDER_NOTE_HELD: return "k-held";
    case LADDER_NOTE_PROCESS: return "k-process";
    case LADDER_NOTE_HOST: return "k-host";
    case LADDER_NOTE_LINK: return "k-link";
    case LADDER_NOTE_RST: return "k-rst";
    case LADDER_NOTE_KIND_COUNT: break;
    }
    return "k-other";
}

static void draw_lanes(FILE *f, const struct ladder *l)
{
    for (size_t i = 0; i < l->lane_count; i++) {
        const struct ladder_lane *lane = &l->lanes[i];
        fprintf(f, "<text class=\"lane-title\" x=\"%d\" y=\"30\" text-anchor=\"middle\">", lane->x);
        put_text(f, lane->title);
        fprintf(f, "</text>\n<line class=\"lifeline\" x1=\"%d\" y1=\"40\" x2=\"%d\" y2=\"%d\"/>\n",
                lane->x, lane->x, l->height - 10);
    }
    for (size_t i = 0; i < l->band_count; i++) {
        const struct ladder_band *b = &l->bands[i];
        int x = l->lanes[b->lane].x;
        fprintf(f, "<rect class=\"band\" x=\"%d\" y=\"%d\" width=\"8\" height=\"%d\" fill=\"%s\">"
                "<title>%s</title></rect>\n", x - 4, b->y0 - 8, b->y1 - b->y0,
                state_colour(b->state), tcp_state_name(b->state));
        fprintf(f, "<text class=\"band-label\" x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\">%s"
                "</text>\n", b->lane == 0 ? x + 8 : x - 8, b->y0 + 4,
                b->lane == 0 ? "start" : "end", "#333", tcp_state_name(b->state));
    }
}

static void draw_ticks(FILE *f, const struct ladder *l)
{
    int last_y = -100;
    for (size_t i = 0; i < l->tick_count; i++) {
        const struct ladder_tick *t = &l->ticks[i];
        if (t->y - last_y < LADDER_ROW) continue;
        last_y = t->y;
        fprintf(f, "<text class=\"tick\" x=\"78\" y=\"%d\" text-anchor=\"end\">%llu.%06llu</text>\n",
                t->y + 4, (unsigned long long)(t->t_us / 1000000),
                (unsigned long long)(t->t_us % 1000000));
    }
}

static void draw_gaps(FILE *f, const struct ladder *l)
{
    for (size_t i = 0; i < l->gap_count; i++) {
        const struct ladder_gap *g = &l->gaps[i];
        uint64_t d = g->to_us - g->from_us;
        fprintf(f, "<g class=\"gap\" data-from-us=\"%llu\" data-to-us=\"%llu\"><rect x=\"0\" "
                "y=\"%d\" width=\"%d\" height=\"%d\"/>", (unsigned long long)g->from_us,
                (unsigned long long)g->to_us, g->y + 4, l->width, LADDER_GAP_HEIGHT - 8);
        for (size_t k = 0; k < l->lane_count; k++) {
            int x = l->lanes[k].x, y = g->y + 8;
            fprintf(f, "<path d=\"M%d %d l-6 5 l12 6 l-12 6 l12 6 l-6 3\"/>", x, y);
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%llu.%03llu s with nothing "
                "happening, compressed</text></g>\n", l->width / 2, g->y + LADDER_GAP_HEIGHT / 2 + 4,
                (unsigned long long)(d / 1000000), (unsigned long long)(d % 1000000 / 1000));
    }
}

static const char *arrow_class(const struct trace_segment *s)
{
    if (s->flags & TCP_RST) return "rst";
    if (s->flags & (TCP_SYN | TCP_FIN)) return "ctl";
    return s->len ? "data" : "ack";
}

/* "<seconds>.<micro>" as printf "%llu.%06llu" writes it. */
static void add_time(struct strbuf *sb, uint64_t t_us)
{
    strbuf_u64(sb, t_us / 1000000);
    strbuf_char(sb, '.');
    strbuf_u64_right(sb, t_us % 1000000, 6, '0');
}

/* ` name="v"` for an integer attribute. */
static void add_int_attr(struct strbuf *sb, const char *name, int v)
{
    strbuf_char(sb, ' ');
    strbuf_str(sb, name);
    strbuf_str(sb, "=\"");
    strbuf_i64(sb, v);
    strbuf_char(sb, '"');
}

/* Arrows and notes are most of a ladder: they are written with strbuf, not fprintf (issue 11:
 * fprintf's format parsing was a third of the catalog's ladder cost). Same bytes as before. */
static void draw_arrow(struct strbuf *sb, const struct ladder *l, const struct ladder_arrow *a,
                       const struct trace_event *ev)
{
    int x1 = l->lanes[a->from_lane].x, x2 = l->lanes[a->to_lane].x;
    if (x1 == x2) x2 = x1 + 160;   /* to an address no host owns */
    strbuf_str(sb, "<g class=\"arrow ");
    strbuf_str(sb, arrow_class(&ev->u.segment));
    strbuf_str(sb, a->dropped ? " dropped\" data-event=\"" : "\" data-event=\"");
    strbuf_u64(sb, a->event);
    strbuf_str(sb, "\"><title>");
    add_time(sb, a->t_us);
    strbuf_char(sb, ' ');
    markup_add(sb, a->label);
    if (a->dropped) {
        strbuf_char(sb, ' ');
        markup_add(sb, a->fate);
    } else {
        strbuf_str(sb, " arrives ");
        add_time(sb, a->arrive_us);
    }
    if (a->reason[0]) {
        strbuf_str(sb, " — ");
        markup_add(sb, a->reason);
    }
    strbuf_str(sb, "</title>");
    int xe = a->dropped ? x1 + (x2 - x1) / 2 : x2, ye = a->y_end;
    strbuf_str(sb, "<line");
    add_int_attr(sb, "x1", x1);
    add_int_attr(sb, "y1", a->y_send);
    add_int_attr(sb, "x2", xe);
    add_int_attr(sb, "y2", ye);
    strbuf_str(sb, a->dropped ? "/>" : " marker-end=\"url(#head)\"/>");
    /* the label runs along the arrow, just above it */
    int mx = (x1 + xe) / 2, my = (a->y_send + ye) / 2;
    double degrees = atan2((double)(ye - a->y_send), (double)(xe - x1)) * 180.0 / M_PI;
    if (degrees > 90) degrees -= 180;
    if (degrees < -90) degrees += 180;
    strbuf_str(sb, "<text");
    add_int_attr(sb, "x", mx);
    add_int_attr(sb, "y", my - 4);
    strbuf_printf(sb, " text-anchor=\"middle\" transform=\"rotate(%.1f %d %d)\">", degrees, mx,
                  my);
    markup_add(sb, a->label);
    strbuf_str(sb, "</text>");
    if (a->dropped) {
        strbuf_printf(sb, "<path class=\"cross\" d=\"M%d %d l10 10 M%d %d l-10 10\"/>", xe - 5,
                      ye - 5, xe + 5, ye - 5);
        strbuf_str(sb, "<text");
        add_int_attr(sb, "x", xe);
        add_int_attr(sb, "y", ye + 16);
        strbuf_str(sb, " text-anchor=\"middle\" fill=\"#c62828\">");
        markup_add(sb, a->fate);
        strbuf_str(sb, "</text>");
    }
    strbuf_str(sb, "</g>\n");
}

static void draw_note(struct strbuf *sb, const struct ladder *l, const struct ladder_note *n)
{
    int x, lane_x = n->lane >= 0 ? l->lanes[n->lane].x : 0;
    const char *anchor;
    if (n->lane < 0) {
        x = l->lane_count ? (l->lanes[0].x + l->lanes[l->lane_count - 1].x) / 2 : l->width / 2;
        anchor = "middle";
    } else if (n->lane == 0) {
        x = lane_x - 12;
        anchor = "end";
    } else {
        x = lane_x + 12;
        anchor = "start";
    }
    strbuf_str(sb, "<text class=\"note ");
    strbuf_str(sb, note_class(n->kind));
    strbuf_str(sb, "\" data-event=\"");
    strbuf_u64(sb, n->event);
    strbuf_char(sb, '"');
    add_int_attr(sb, "x", x);
    add_int_attr(sb, "y", n->y + 4);
    strbuf_str(sb, " text-anchor=\"");
    strbuf_str(sb, anchor);
    strbuf_str(sb, "\">");
    const char *line = n->text;
    for (int i = 0; i < n->lines; i++) {
        size_t len = strcspn(line, "\n");
        strbuf_str(sb, "<tspan");
        add_int_attr(sb, "x", x);
        add_int_attr(sb, "dy", i == 0 ? 0 : LADDER_ROW);
        strbuf_char(sb, '>');
        markup_add_n(sb, line, len);
        strbuf_str(sb, "</tspan>");
        line += len + (line[len] == '\n');
    }
    strbuf_str(sb, "</text>\n");
}

static void write_svg(FILE *f, const struct ladder *l, const struct trace_event *ev,
                      const char *title)
{
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" data-arrows=\"%zu\" data-gaps=\"%zu\">\n",
            l->width, l->height, l->width, l->height, l->arrow_count, l->gap_count);
    fputs("<title>", f);
    put_text(f, title);
    fputs("</title>\n", f);
    fputs(style, f);
    fputs("<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
          "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" "
          "fill=\"#333\"/></marker></defs>\n", f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", l->width,
            l->height);
    fputs("<text x=\"8\" y=\"14\" class=\"tick\">", f);
    put_text(f, title);
    fputs(" — virtual time (s) runs down; flags: S SYN, F FIN, R RST, P PSH, . ACK; seq/ack "
          "relative to each side's ISN</text>\n", f);
    draw_gaps(f, l);
    draw_lanes(f, l);
    draw_ticks(f, l);
    struct strbuf sb = { 0 };
    for (size_t i = 0; i < l->arrow_count; i++) {
        draw_arrow(&sb, l, &l->arrows[i], &ev[l->arrows[i].event]);
        strbuf_flush(&sb, f, SINK_FLUSH_BYTES);
    }
    for (size_t i = 0; i < l->note_count; i++) {
        draw_note(&sb, l, &l->notes[i]);
        strbuf_flush(&sb, f, SINK_FLUSH_BYTES);
    }
    strbuf_flush(&sb, f, 0);
    strbuf_release(&sb);
    fputs("</svg>\n", f);
}

/* ---- the sink ---- */

static int write_ladder(struct ladder_sink *s, const char *path, const char *conn, char *err,
                        size_t err_size)
{
    struct ladder l;
    if (ladder_layout(s->events, s->count, s->hosts, s->host_count, conn, &l, err, err_size) != 0)
        return -1;
    struct outfile out;
    if (outfile_open(&out, path) != 0) {
        snprintf(err, err_size, "cannot write %s", path);
        ladder_free(&l);
        return -1;
    }
    char title[256];
    snprintf(title, sizeof title, "%s (seed %llu): %s", s->scenario, (unsigned long long)s->seed,
             conn ? conn : "every connection");
    write_svg(out.f, &l, s->events, title);
    ladder_free(&l);
    int rc = outfile_commit(&out, err, err_size);
    outfile_discard(&out);   /* frees the names */
    return rc;
}

static void ladder_begin(struct trace_sink *sink, const struct trace_header *h)
{
    struct ladder_sink *s = (struct ladder_sink *)sink;
    snprintf(s->scenario, sizeof s->scenario, "%s", h->scenario ? h->scenario : "?");
    s->seed = h->seed;
    s->host_count = h->host_count;
    for (size_t i = 0; i < h->host_count; i++) s->hosts[i] = h->hosts[i].name;
}

static void ladder_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct ladder_sink *s = (struct ladder_sink *)sink;
    if (s->failed) return;
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct trace_event *grown = realloc(s->events, cap * sizeof *grown);
        if (!grown) {
            s->failed = true;
            return;
        }
        s->events = grown;
        s->cap = cap;
    }
    struct trace_event *copy = &s->events[s->count++];
    *copy = *ev;
    if (copy->type == TRACE_SEGMENT) copy->u.segment.packet = NULL;
    if (copy->type == TRACE_LINK) copy->u.link.packet = NULL;
}

/* ladder.svg -> ladder-<k>.svg */
static void conn_path(const char *path, size_t k, char *out, size_t size)
{
    size_t len = strlen(path);
    size_t stem = len > 4 && strcmp(path + len - 4, ".svg") == 0 ? len - 4 : len;
    snprintf(out, size, "%.*s-%zu.svg", (int)stem, path, k);
}

static int ladder_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct ladder_sink *s = (struct ladder_sink *)sink;
    if (s->failed) {
        snprintf(err, err_size, "%s: out of memory", s->path);
        return -1;
    }
    if (write_ladder(s, s->path, NULL, err, err_size) != 0) return -1;
    char conns[TRACE_LADDER_MAX_CONNS][48];
    size_t n = ladder_connections(s->events, s->count, conns, TRACE_LADDER_MAX_CONNS);
    if (n > TRACE_LADDER_MAX_CONNS) n = TRACE_LADDER_MAX_CONNS;
    for (size_t k = 0; k < n; k++) {
        char path[4200];
        conn_path(s->path, k + 1, path, sizeof path);
        if (write_ladder(s, path, conns[k], err, err_size) != 0) return -1;
    }
    return 0;
}

static void ladder_free_sink(struct trace_sink *sink)
{
    struct ladder_sink *s = (struct ladder_sink *)sink;
    free(s->events);
    free(s->path);
    free(s);
}

struct trace_sink *trace_ladder_new(const char *path)
{
    struct ladder_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->path = strdup(path);
    struct outfile probe;   /* an unwritable place fails now, as with the other sinks */
    if (!s->path || outfile_open(&probe, path) != 0) {
        free(s->path);
        free(s);
        return NULL;
    }
    outfile_discard(&probe);
    s->base = (struct trace_sink){ ladder_begin, ladder_event, ladder_finish, ladder_free_sink };
    return &s->base;
}
