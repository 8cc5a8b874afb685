/* ladder_layout — see ladder_layout.h. Geometry in whole pixels, so the SVG is the same bytes
 * on every run. */
#include "ladder_layout.h"

#include "packet.h"
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_AXIS_WIDTH 86
#define NOTE_WIDTH 396              /* LADDER_NOTE_CHARS monospace characters at 11 px */
#define LANE_SPACING 470
#define HEADER_HEIGHT 56
#define MAX_TIME_SPACE 48           /* px for the longest uncompressed pause */
#define US_PER_PX 500               /* 1 ms of pause = 2 px */
#define MAX_CONN_PROCS 32

/* ---- growable arrays ---- */

static int grow(void **items, size_t count, size_t *cap, size_t size)
{
    if (count < *cap) return 0;
    size_t ncap = *cap ? 2 * *cap : 64;
    void *p = realloc(*items, ncap * size);
    if (!p) return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

/* ---- which events belong to a connection ---- */

/* Written with strbuf, not snprintf: the ladder and the connection filter ask this of every
 * event for every connection (issue 11: a fifth of the catalog's instructions). */
static void segment_conn(const struct trace_segment *s, bool reverse, char out[48])
{
    struct strbuf b = strbuf_fixed(out, 48);
    strbuf_addr(&b, reverse ? s->dst_ip : s->src_ip, reverse ? s->dst_port : s->src_port);
    strbuf_char(&b, '>');
    strbuf_addr(&b, reverse ? s->src_ip : s->dst_ip, reverse ? s->src_port : s->dst_port);
}

void ladder_reverse_conn(const char *c, char *backwards, size_t size)
{
    backwards[0] = '\0';
    const char *gt = strchr(c, '>');
    if (!gt) return;
    struct strbuf b = strbuf_fixed(backwards, size);
    strbuf_str(&b, gt + 1);
    strbuf_char(&b, '>');
    strbuf_put(&b, c, (size_t)(gt - c));
}

/* "a>b" equals conn, or conn read backwards. */
static bool same_conn(const char *c, const char *conn)
{
    if (!c[0]) return false;
    if (strcmp(c, conn) == 0) return true;
    char backwards[100];
    ladder_reverse_conn(c, backwards, sizeof backwards);
    return backwards[0] && strcmp(backwards, conn) == 0;
}

static void copy_conn(char out[48], const char *conn)
{
    struct strbuf b = strbuf_fixed(out, 48);
    strbuf_str(&b, conn);
}

void ladder_event_conn(const struct trace_event *ev, char out[48])
{
    out[0] = '\0';
    switch (ev->type) {
    case TRACE_SEGMENT: segment_conn(&ev->u.segment, false, out); return;
    case TRACE_STATE: copy_conn(out, ev->u.state.conn); return;
    case TRACE_CALL: copy_conn(out, ev->u.call.conn); return;
    case TRACE_TIMER: copy_conn(out, ev->u.timer.conn); return;
    case TRACE_HELD: copy_conn(out, ev->u.held.conn); return;
    case TRACE_ACCOUNTING: copy_conn(out, ev->u.accounting.conn); return;
    case TRACE_SIGNAL:
    case TRACE_PROCESS:
    case TRACE_HOST:
    case TRACE_LINK:
    case TRACE_EXPECT:
    case TRACE_POOL:
    case TRACE_DEFECT:
    case TRACE_TYPE_COUNT:
        return;
    }
}

bool ladder_event_in_conn(const struct trace_event *ev, const char *conn)
{
    char c[48];
    ladder_event_conn(ev, c);
    return same_conn(c, conn);
}

size_t ladder_connections(const struct trace_event *ev, size_t n, char (*conns)[48], size_t max)
{
    struct connmap seen;
    connmap_init(&seen);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_SEGMENT) continue;
        const struct trace_segment *s = &ev[i].u.segment;
        struct conn_key k = { s->src_ip, s->dst_ip, s->src_port, s->dst_port };
        struct conn_key r = { s->dst_ip, s->src_ip, s->dst_port, s->src_port };
        if (connmap_get(&seen, k) || connmap_get(&seen, r)) continue;
        connmap_put(&seen, k, count);
        if (count < max) segment_conn(s, false, conns[count]);
        count++;
    }
    connmap_free(&seen);
    return count;
}

/* ---- the layout state ---- */

struct arrival {
    uint64_t at_us;
    size_t arrow;
};

struct builder {
    struct ladder *l;
    size_t arrow_cap, note_cap, band_cap, gap_cap, tick_cap;
    struct arrival *heap;           /* arrivals still to come, a min-heap on (time, arrow) */
    size_t heap_len, heap_cap;
    int y;
    uint64_t last_us;
    bool started;
    const char *conn;
    char conn_rev[100];             /* conn read backwards, made once (see in_conn) */
    struct seg_memo {               /* in_conn's answer for the last few segment addresses */
        uint32_t src_ip, dst_ip;
        uint16_t src_port, dst_port;
        bool in;
    } seg_memo[4];
    size_t seg_memo_len, seg_memo_next;
    struct { const char *host, *proc; } procs[MAX_CONN_PROCS];   /* conn ladders: who calls */
    size_t proc_count;
    /* state bands: the connection a lane shows, and its open band */
    char band_conn[LADDER_MAX_LANES][48];
    bool band_multi[LADDER_MAX_LANES];
    int band_y0[LADDER_MAX_LANES];
    enum stack_tcp_state band_state[LADDER_MAX_LANES];
    bool failed;
};

static bool heap_less(const struct arrival *a, const struct arrival *b)
{
    return a->at_us < b->at_us || (a->at_us == b->at_us && a->arrow < b->arrow);
}

static void heap_push(struct builder *b, struct arrival a)
{
    if (grow((void **)&b->heap, b->heap_len, &b->heap_cap, sizeof *b->heap) != 0) {
        b->failed = true;
        return;
    }
    size_t i = b->heap_len++;
    b->heap[i] = a;
    while (i > 0 && heap_less(&b->heap[i], &b->heap[(i - 1) / 2])) {
        struct arrival t = b->heap[i];
        b->heap[i] = b->heap[(i - 1) / 2];
        b->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static struct arrival heap_pop(struct builder *b)
{
    struct arrival top = b->heap[0];
    b->heap[0] = b->heap[--b->heap_len];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < b->heap_len && heap_less(&b->heap[l], &b->heap[m])) m = l;
        if (r < b->heap_len && heap_less(&b->heap[r], &b->heap[m])) m = r;
        if (m == i) break;
        struct arrival t = b->heap[i];
        b->heap[i] = b->heap[m];
        b->heap[m] = t;
        i = m;
    }
    return top;
}

static int lane_of(const struct ladder *l, const char *host)
{
    for (size_t i = 0; i < l->lane_count; i++)
        if (l->lanes[i].host && host && strcmp(l->lanes[i].host, host) == 0) return (int)i;
    return -1;
}

/* Moves down to time t: space in proportion to the pause, or a marked compressed gap. */
static void advance_to(struct builder *b, uint64_t t_us)
{
    struct ladder *l = b->l;
    if (b->started && t_us <= b->last_us) return;
    if (b->started && t_us - b->last_us >= LADDER_GAP_US) {
        if (grow((void **)&l->gaps, l->gap_count, &b->gap_cap, sizeof *l->gaps) != 0) {
            b->failed = true;
            return;
        }
        l->gaps[l->gap_count++] = (struct ladder_gap){ b->y, b->last_us, t_us };
        b->y += LADDER_GAP_HEIGHT;
    } else if (b->started) {
        uint64_t space = (t_us - b->last_us) / US_PER_PX;
        b->y += space > MAX_TIME_SPACE ? MAX_TIME_SPACE : (int)space;
    }
    b->started = true;
    b->last_us = t_us;
    if (grow((void **)&l->ticks, l->tick_count, &b->tick_cap, sizeof *l->ticks) != 0) {
        b->failed = true;
        return;
    }
    l->ticks[l->tick_count++] = (struct ladder_tick){ b->y, t_us };
}

/* Word-wraps text into LADDER_NOTE_CHARS-wide lines joined by '\n'; returns the line count. */
static int wrap(const char *text, char *out, size_t size)
{
    size_t used = 0;
    int lines = 1, col = 0;
    for (const char *p = text; *p && used + 2 < size;) {
        size_t word = strcspn(p, " ");
        if (col > 0 && col + 1 + (int)word > LADDER_NOTE_CHARS) {
            out[used++] = '\n';
            lines++;
            col = 0;
        } else if (col > 0) {
            out[used++] = ' ';
            col++;
        }
        for (size_t i = 0; i < word && used + 2 < size; i++, col++) out[used++] = p[i];
        p += word;
        while (*p == ' ') p++;
    }
    out[used] = '\0';
    return lines;
}

static void add_note(struct builder *b, size_t event, enum ladder_note_kind kind, int lane,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_note(struct builder *b, size_t event, enum ladder_note_kind kind, int lane,
                     const char *fmt, ...)
{
    struct ladder *l = b->l;
    if (grow((void **)&l->notes, l->note_count, &b->note_cap, sizeof *l->notes) != 0) {
        b->failed = true;
        return;
    }
    char raw[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    struct ladder_note *n = &l->notes[l->note_count++];
    *n = (struct ladder_note){ .event = event, .kind = kind, .lane = lane, .y = b->y };
    n->lines = wrap(raw, n->text, sizeof n->text);
    b->y += LADDER_ROW * n->lines;
}

static void place_arrival(struct builder *b, struct arrival a)
{
    advance_to(b, a.at_us);
    b->l->arrows[a.arrow].y_end = b->y;
    b->y += LADDER_ROW;
}

static void place_arrivals_until(struct builder *b, uint64_t t_us)
{
    while (b->heap_len && b->heap[0].at_us <= t_us && !b->failed) place_arrival(b, heap_pop(b));
}

static void add_arrow(struct builder *b, size_t event, const struct trace_event *ev)
{
    struct ladder *l = b->l;
    const struct trace_segment *s = &ev->u.segment;
    int from = lane_of(l, s->from), to = lane_of(l, s->to);
    if (from < 0) return;
    if (grow((void **)&l->arrows, l->arrow_count, &b->arrow_cap, sizeof *l->arrows) != 0) {
        b->failed = true;
        return;
    }
    char flags[8];
    struct ladder_arrow *a = &l->arrows[l->arrow_count];
    *a = (struct ladder_arrow){ .event = event, .from_lane = from, .to_lane = to < 0 ? from : to,
                                .y_send = b->y, .dropped = !s->delivered || to < 0,
                                .rst = (s->flags & TCP_RST) != 0, .reason = s->reason,
                                .t_us = ev->t_us, .arrive_us = s->arrive_us };
    snprintf(a->label, sizeof a->label, "%s seq %u ack %u len %u win %u",
             packet_flags_str(s->flags, flags), s->seq, s->ack, s->len, s->win);
    if (a->dropped) snprintf(a->fate, sizeof a->fate, "%s", s->fate);
    l->arrow_count++;
    if (!a->dropped) {
        heap_push(b, (struct arrival){ s->arrive_us, l->arrow_count - 1 });
        b->y += LADDER_ROW;
    } else {
        a->y_end = b->y + LADDER_ROW;
        b->y += 2 * LADDER_ROW;   /* room for the cross and its rule */
    }
    /* a timer's segment has its timer note already; an RST's reason is said here */
    if (a->rst && s->reason[0]) add_note(b, event, LADDER_NOTE_RST, from, "RST: %s", s->reason);
}

/* ---- state bands ---- */

/* ladder_event_in_conn for the builder's connection, compared with conn and conn_rev made
 * once: reversing every event's connection name for every ladder cost a tenth of the ladders.
 * Same answer as same_conn for names with one '>' (every name the trace writes). */
static bool in_conn_by_name(const struct builder *b, const struct trace_event *ev)
{
    char c[48];
    ladder_event_conn(ev, c);
    return c[0] && (strcmp(c, b->conn) == 0 || (b->conn_rev[0] && strcmp(c, b->conn_rev) == 0));
}

/* Segments are most events and repeat a few address pairs: their answer is remembered, which
 * saves writing out their addresses for every ladder (the answer depends on nothing else). */
static bool in_conn(struct builder *b, const struct trace_event *ev)
{
    if (ev->type != TRACE_SEGMENT) return in_conn_by_name(b, ev);
    const struct trace_segment *s = &ev->u.segment;
    for (size_t k = 0; k < b->seg_memo_len; k++) {
        const struct seg_memo *m = &b->seg_memo[k];
        if (m->src_ip == s->src_ip && m->dst_ip == s->dst_ip && m->src_port == s->src_port &&
            m->dst_port == s->dst_port)
            return m->in;
    }
    bool in = in_conn_by_name(b, ev);
    size_t slot = b->seg_memo_next;
    b->seg_memo_next = (slot + 1) % (sizeof b->seg_memo / sizeof b->seg_memo[0]);
    if (b->seg_memo_len <= slot) b->seg_memo_len = slot + 1;
    b->seg_memo[slot] = (struct seg_memo){ s->src_ip, s->dst_ip, s->src_port, s->dst_port, in };
    return in;
}

static bool wanted(struct builder *b, const struct trace_event *ev);

static void close_band(struct builder *b, int lane, int y)
{
    struct ladder *l = b->l;
    if (b->band_state[lane] == STACK_CLOSED || y <= b->band_y0[lane]) return;
    if (grow((void **)&l->bands, l->band_count, &b->band_cap, sizeof *l->bands) != 0) {
        b->failed = true;
        return;
    }
    l->bands[l->band_count++] = (struct ladder_band){ lane, b->band_y0[lane], y,
                                                      b->band_state[lane] };
}

/* A lane shows bands only when one connection (not a listener) changes state on it in the
 * whole run: the colours of two interleaved connections would tell nothing. */
static void find_band_lanes(struct builder *b, const struct trace_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_STATE || !wanted(b, &ev[i])) continue;
        const struct trace_state *s = &ev[i].u.state;
        int lane = lane_of(b->l, s->host);
        if (lane < 0 || strchr(s->conn, '*')) continue;
        if (b->band_conn[lane][0] && strcmp(b->band_conn[lane], s->conn) != 0)
            b->band_multi[lane] = true;
        snprintf(b->band_conn[lane], sizeof b->band_conn[lane], "%s", s->conn);
    }
}

static void band_state_change(struct builder *b, int lane, const struct trace_state *s)
{
    if (strchr(s->conn, '*') || b->band_multi[lane]) return;
    close_band(b, lane, b->y);
    b->band_state[lane] = s->to;
    b->band_y0[lane] = b->y;
}

/* ---- events ---- */

static bool proc_calls_conn(const struct builder *b, const char *host, const char *proc)
{
    for (size_t i = 0; i < b->proc_count; i++)
        if (strcmp(b->procs[i].host, host) == 0 && strcmp(b->procs[i].proc, proc) == 0) return true;
    return false;
}

static bool wanted(struct builder *b, const struct trace_event *ev)
{
    if (!b->conn) return true;
    switch (ev->type) {
    case TRACE_PROCESS: return proc_calls_conn(b, ev->u.process.host, ev->u.process.proc);
    case TRACE_SIGNAL: return proc_calls_conn(b, ev->u.signal.host, ev->u.signal.proc);
    case TRACE_HOST: return lane_of(b->l, ev->u.host.host) >= 0;
    case TRACE_LINK: return true;
    case TRACE_DEFECT: return lane_of(b->l, ev->u.defect.host) >= 0;
    case TRACE_SEGMENT:
    case TRACE_STATE:
    case TRACE_CALL:
    case TRACE_TIMER:
    case TRACE_HELD:
    case TRACE_EXPECT:
    case TRACE_ACCOUNTING:
    case TRACE_POOL:
    case TRACE_TYPE_COUNT:
        break;
    }
    return in_conn(b, ev);
}

static void add_call(struct builder *b, size_t i, const struct trace_event *ev, int lane)
{
    const struct trace_call *c = &ev->u.call;
    char fd[16] = "", err[24] = "", blocked[40] = "";
    if (c->fd >= 0) snprintf(fd, sizeof fd, "%d%s", c->fd, c->args[0] ? ", " : "");
    if (c->err) snprintf(err, sizeof err, " %s", errno_name(c->err));
    if (c->start_us != ev->t_us)
        snprintf(blocked, sizeof blocked, " (blocked %.3f s)",
                 (double)(ev->t_us - c->start_us) / 1e6);
    add_note(b, i, LADDER_NOTE_CALL, lane, "%s: %s(%s%s) = %ld%s%s", c->proc, c->call, fd, c->args,
             c->ret, err, blocked);
}

static void add_event(struct builder *b, size_t i, const struct trace_event *ev)
{
    struct ladder *l = b->l;
    switch (ev->type) {
    case TRACE_SEGMENT:
        add_arrow(b, i, ev);
        return;
    case TRACE_STATE: {
        const struct trace_state *s = &ev->u.state;
        int lane = lane_of(l, s->host);
        if (lane < 0) return;
        band_state_change(b, lane, s);
        const char *colon = strchr(s->conn, ':');
        int port = colon ? atoi(colon + 1) : 0;
        if (b->conn)
            add_note(b, i, LADDER_NOTE_STATE, lane, "%s -> %s (%s)", tcp_state_name(s->from),
                     tcp_state_name(s->to), s->cause);
        else
            add_note(b, i, LADDER_NOTE_STATE, lane, ":%d%s %s -> %s (%s)", port,
                     strchr(s->conn, '*') ? " listener" : "", tcp_state_name(s->from),
                     tcp_state_name(s->to), s->cause);
        return;
    }
    case TRACE_CALL:
        if (lane_of(l, ev->u.call.host) >= 0) add_call(b, i, ev, lane_of(l, ev->u.call.host));
        return;
    case TRACE_TIMER:
        if (lane_of(l, ev->u.timer.host) >= 0)
            add_note(b, i, LADDER_NOTE_TIMER, lane_of(l, ev->u.timer.host), "timer: %s",
                     ev->u.timer.detail);
        return;
    case TRACE_HELD:
        if (lane_of(l, ev->u.held.host) >= 0)
            add_note(b, i, LADDER_NOTE_HELD, lane_of(l, ev->u.held.host),
                     "%llu bytes held back: %s", (unsigned long long)ev->u.held.bytes,
                     ev->u.held.detail);
        return;
    case TRACE_PROCESS:
        if (lane_of(l, ev->u.process.host) >= 0)
            add_note(b, i, LADDER_NOTE_PROCESS, lane_of(l, ev->u.process.host),
                     "process %s: %s (status %d)", ev->u.process.proc, ev->u.process.event,
                     ev->u.process.status);
        return;
    case TRACE_SIGNAL:
        if (lane_of(l, ev->u.signal.host) >= 0)
            add_note(b, i, LADDER_NOTE_PROCESS, lane_of(l, ev->u.signal.host), "%s: %s -> %s",
                     ev->u.signal.proc, ev->u.signal.signal, ev->u.signal.action);
        return;
    case TRACE_HOST:
        if (lane_of(l, ev->u.host.host) >= 0)
            add_note(b, i, LADDER_NOTE_HOST, lane_of(l, ev->u.host.host), "host %s: %s",
                     ev->u.host.host, ev->u.host.event);
        return;
    case TRACE_LINK:
        add_note(b, i, LADDER_NOTE_LINK, -1, "link %s: %s", ev->u.link.event, ev->u.link.detail);
        return;
    case TRACE_DEFECT:   /* an lwIP defect the simulation met: beside the host that met it */
        if (lane_of(l, ev->u.defect.host) >= 0)
            add_note(b, i, LADDER_NOTE_HOST, lane_of(l, ev->u.defect.host), "lwIP defect in %s: %s",
                     ev->u.defect.function, ev->u.defect.detail);
        return;
    case TRACE_EXPECT:
    case TRACE_ACCOUNTING:
    case TRACE_POOL:
    case TRACE_TYPE_COUNT:
        return;
    }
}

/* ---- lanes ---- */

static int set_lanes(struct builder *b, const char *const *hosts, size_t host_count,
                     const struct trace_event *ev, size_t n, char *err, size_t err_size)
{
    struct ladder *l = b->l;
    if (!b->conn) {
        if (host_count > LADDER_MAX_LANES) {
            snprintf(err, err_size, "ladder: %zu hosts, at most %d lifelines", host_count,
                     LADDER_MAX_LANES);
            return -1;
        }
        for (size_t i = 0; i < host_count; i++) {
            l->lanes[i].host = hosts[i];
            snprintf(l->lanes[i].title, sizeof l->lanes[i].title, "%s", hosts[i]);
        }
        l->lane_count = host_count;
        return 0;
    }
    /* the two hosts of the connection, in the hosts' order, titled with their address */
    for (size_t i = 0; i < n && l->lane_count < 2; i++) {
        if (ev[i].type != TRACE_SEGMENT || !in_conn(b, &ev[i])) continue;
        const struct trace_segment *s = &ev[i].u.segment;
        for (size_t h = 0; h < host_count; h++) {
            bool is_src = strcmp(hosts[h], s->from) == 0, is_dst = strcmp(hosts[h], s->to) == 0;
            if ((!is_src && !is_dst) || lane_of(l, hosts[h]) >= 0) continue;
            char ip[16];
            struct ladder_lane *lane = &l->lanes[l->lane_count++];
            lane->host = hosts[h];
            snprintf(lane->title, sizeof lane->title, "%s %s:%u", hosts[h],
                     ip4_str(is_src ? s->src_ip : s->dst_ip, ip),
                     is_src ? s->src_port : s->dst_port);
        }
    }
    /* keep the hosts' order */
    if (l->lane_count == 2) {
        size_t first = 0, second = 0;
        for (size_t h = 0; h < host_count; h++) {
            if (strcmp(hosts[h], l->lanes[0].host) == 0) first = h;
            if (strcmp(hosts[h], l->lanes[1].host) == 0) second = h;
        }
        if (second < first) {
            struct ladder_lane t = l->lanes[0];
            l->lanes[0] = l->lanes[1];
            l->lanes[1] = t;
        }
    }
    return 0;
}

static void collect_conn_procs(struct builder *b, const struct trace_event *ev, size_t n)
{
    for (size_t i = 0; i < n && b->proc_count < MAX_CONN_PROCS; i++) {
        if (ev[i].type != TRACE_CALL || !in_conn(b, &ev[i])) continue;
        if (proc_calls_conn(b, ev[i].u.call.host, ev[i].u.call.proc)) continue;
        b->procs[b->proc_count].host = ev[i].u.call.host;
        b->procs[b->proc_count++].proc = ev[i].u.call.proc;
    }
}

int ladder_layout(const struct trace_event *ev, size_t n, const char *const *hosts,
                  size_t host_count, const char *conn, struct ladder *out, char *err,
                  size_t err_size)
{
    memset(out, 0, sizeof *out);
    struct builder b = { .l = out, .y = HEADER_HEIGHT, .conn = conn };
    if (conn) snprintf(out->conn, sizeof out->conn, "%s", conn);
    if (conn) ladder_reverse_conn(conn, b.conn_rev, sizeof b.conn_rev);
    if (set_lanes(&b, hosts, host_count, ev, n, err, err_size) != 0) return -1;
    if (conn) collect_conn_procs(&b, ev, n);
    find_band_lanes(&b, ev, n);
    for (size_t i = 0; i < out->lane_count; i++)
        out->lanes[i].x = TIME_AXIS_WIDTH + NOTE_WIDTH + 14 + (int)i * LANE_SPACING;
    for (size_t i = 0; i < n && !b.failed; i++) {
        if (!wanted(&b, &ev[i])) continue;
        if (ev[i].type == TRACE_EXPECT || ev[i].type == TRACE_ACCOUNTING || ev[i].type == TRACE_POOL)
            continue;
        place_arrivals_until(&b, ev[i].t_us);
        advance_to(&b, ev[i].t_us);
        add_event(&b, i, &ev[i]);
    }
    place_arrivals_until(&b, UINT64_MAX);
    for (size_t lane = 0; lane < out->lane_count; lane++) close_band(&b, (int)lane, b.y);
    free(b.heap);
    if (b.failed) {
        ladder_free(out);
        snprintf(err, err_size, "ladder: out of memory");
        return -1;
    }
    int last_x = out->lane_count ? out->lanes[out->lane_count - 1].x : TIME_AXIS_WIDTH;
    out->width = last_x + 14 + NOTE_WIDTH + 20;
    out->height = b.y + LADDER_ROW * 2;
    return 0;
}

void ladder_free(struct ladder *l)
{
    free(l->arrows);
    free(l->notes);
    free(l->bands);
    free(l->gaps);
    free(l->ticks);
    memset(l, 0, sizeof *l);
}
