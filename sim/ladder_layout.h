/* ladder_layout — where everything of a ladder (sequence) diagram goes; no drawing, no I/O.
 *
 * A ladder has one vertical lifeline per endpoint (a host in the scenario's ladder, the two
 * ends of one connection in a connection's ladder) and virtual time running downwards. Each
 * segment is an arrow from its send row on the sender's lifeline to its arrival row on the
 * receiver's; a dropped one stops half-way at a cross. Rows come in trace order with each
 * arrival merged in at its arrival time, so arrows never point upwards. Time between rows
 * adds space in proportion (capped); a gap of LADDER_GAP_US or more is compressed to a fixed
 * height and recorded as a gap, so 120 s of TIME_WAIT costs one marked break, not a page.
 * Notes (calls and their results, state changes, timers, process and host events, RST
 * reasons) sit beside the lifeline of their host, wrapped to LADDER_NOTE_CHARS.
 * The caller owns the result and frees it with ladder_free. */
#ifndef TCPSIM_LADDER_LAYOUT_H
#define TCPSIM_LADDER_LAYOUT_H

#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LADDER_GAP_US 1000000u       /* idle this long or longer: compressed and marked */
#define LADDER_ROW 16                /* px per row */
#define LADDER_GAP_HEIGHT 36         /* px a compressed gap takes */
#define LADDER_NOTE_CHARS 58         /* note text wraps here (monospace) */
#define LADDER_MAX_LANES 8

enum ladder_note_kind {
    LADDER_NOTE_CALL, LADDER_NOTE_STATE, LADDER_NOTE_TIMER, LADDER_NOTE_HELD, LADDER_NOTE_PROCESS,
    LADDER_NOTE_HOST, LADDER_NOTE_LINK, LADDER_NOTE_RST, LADDER_NOTE_KIND_COUNT
};

struct ladder_lane {
    char title[64];                 /* "client", or "client 10.0.0.1:55978" */
    const char *host;
    int x;
};

struct ladder_arrow {
    size_t event;                   /* index of the segment event in the input */
    int from_lane, to_lane;
    int y_send, y_end;              /* y_end: arrival, or the cross of a dropped segment */
    bool dropped, rst;
    char label[80];                 /* "R. seq 2 ack 13 len 0 win 53270" */
    char fate[40];                  /* "dropped:<rule>" when dropped */
    const char *reason;             /* the event's reason ("" when none) */
    uint64_t t_us, arrive_us;
};

struct ladder_note {
    size_t event;
    enum ladder_note_kind kind;
    int lane;                       /* -1: across the diagram (link events) */
    int y, lines;                   /* first baseline; number of wrapped lines */
    char text[400];                 /* lines separated by '\n' */
};

/* A lifeline's TCP state between two transitions (only where the lane holds one connection). */
struct ladder_band {
    int lane;
    int y0, y1;
    enum stack_tcp_state state;
};

struct ladder_gap {
    int y;                          /* top of the compressed space */
    uint64_t from_us, to_us;
};

struct ladder_tick {
    int y;
    uint64_t t_us;
};

struct ladder {
    struct ladder_lane lanes[LADDER_MAX_LANES];
    size_t lane_count;
    struct ladder_arrow *arrows;
    size_t arrow_count;
    struct ladder_note *notes;
    size_t note_count;
    struct ladder_band *bands;
    size_t band_count;
    struct ladder_gap *gaps;
    size_t gap_count;
    struct ladder_tick *ticks;
    size_t tick_count;
    int width, height;
    char conn[48];                  /* the connection drawn, "" for the whole scenario */
};

/* Lays out the events (a recorded trace) for the hosts given (in lane order). conn: draw only
 * this connection ("a:p>b:q" in either direction) and only the two hosts it joins; NULL for
 * everything. Returns 0, or -1 with a message (too many hosts, out of memory). */
int ladder_layout(const struct trace_event *ev, size_t n, const char *const *hosts,
                  size_t host_count, const char *conn, struct ladder *out, char *err,
                  size_t err_size);
void ladder_free(struct ladder *l);

/* The connections of a trace in order of their first segment, each named "src>dst" by that
 * segment; writes at most max and returns how many there are in all. */
size_t ladder_connections(const struct trace_event *ev, size_t n, char (*conns)[48], size_t max);

/* The connection an event names, as written in it ("a:p>b:q", a segment's "src>dst", a
 * listener's "a:p>*"), or "" for events of no connection (process, host, link, ...). */
void ladder_event_conn(const struct trace_event *ev, char out[48]);

/* "b>a" for "a>b", split at the first '>' and cut to size like snprintf; "" when conn has no
 * '>'. */
void ladder_reverse_conn(const char *conn, char *out, size_t size);

/* Does this event belong to connection conn ("a>b", either direction)? Events without a
 * connection (process, host, link, ...) do not. */
bool ladder_event_in_conn(const struct trace_event *ev, const char *conn);

#endif
