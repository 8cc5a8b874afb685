/* trace — see trace.h. */
#include "trace.h"

#include "packet.h"
#include "sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SINKS 8

struct trace {
    struct trace_sink *sinks[MAX_SINKS];
    size_t sink_count;
    struct trace_event *events;
    size_t len, cap;
    struct connmap isn;             /* directional 4-tuple -> ISN of that direction */
    bool begun;                     /* sinks have the header; until then events wait */
    uint64_t (*clock)(void *ctx);   /* NULL: the scheduler's clock */
    void *clock_ctx;
    trace_annotate_fn *annotate;
    void *annotate_ctx;
    bool annotating;                /* events the annotator emits are not annotated again */
    bool not_recording;             /* trace_set_recording(false): events only go to sinks */
};

struct trace *trace_new(void)
{
    struct trace *t = calloc(1, sizeof *t);
    if (!t) sched_out_of_memory();
    connmap_init(&t->isn);
    return t;
}

void trace_free(struct trace *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->sink_count; i++) t->sinks[i]->free(t->sinks[i]);
    connmap_free(&t->isn);
    free(t->events);
    free(t);
}

void trace_add_sink(struct trace *t, struct trace_sink *sink)
{
    if (t->sink_count == MAX_SINKS) sched_panic("too many trace sinks");
    t->sinks[t->sink_count++] = sink;
}

/* Events emitted before the run starts (a link rule set up with the world, say) reach the
 * sinks right after the header, so every file opens with its header. */
void trace_begin(struct trace *t, const struct trace_header *header)
{
    for (size_t i = 0; i < t->sink_count; i++)
        if (t->sinks[i]->begin) t->sinks[i]->begin(t->sinks[i], header);
    t->begun = true;
    for (size_t e = 0; e < t->len; e++)
        for (size_t i = 0; i < t->sink_count; i++) t->sinks[i]->event(t->sinks[i], &t->events[e]);
}

static void record(struct trace *t, const struct trace_event *ev)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->events = realloc(t->events, t->cap * sizeof *t->events);
        if (!t->events) sched_out_of_memory();
    }
    struct trace_event *copy = &t->events[t->len++];
    *copy = *ev;
    if (copy->type == TRACE_SEGMENT) {
        copy->u.segment.packet = NULL;
        copy->u.segment.packet_len = 0;
    }
    if (copy->type == TRACE_LINK) {
        copy->u.link.packet = NULL;
        copy->u.link.packet_len = 0;
    }
}

void trace_set_clock(struct trace *t, uint64_t (*now_us)(void *ctx), void *ctx)
{
    t->clock = now_us;
    t->clock_ctx = ctx;
}

void trace_set_annotator(struct trace *t, trace_annotate_fn *annotate, void *ctx)
{
    t->annotate = annotate;
    t->annotate_ctx = ctx;
}

static void annotate(struct trace *t, struct trace_event *ev, bool after)
{
    if (!t->annotate || t->annotating) return;
    t->annotating = true;
    t->annotate(t->annotate_ctx, t, ev, after);
    t->annotating = false;
}

void trace_set_recording(struct trace *t, bool on) { t->not_recording = !on; }

/* Events before trace_begin are always kept: the sinks get them after the header. */
bool trace_active(const struct trace *t) { return !t->not_recording || t->sink_count || !t->begun; }

void trace_emit(struct trace *t, struct trace_event *ev)
{
    ev->t_us = t->clock ? t->clock(t->clock_ctx) : sched_now_us();
    annotate(t, ev, false);
    if (!t->not_recording || !t->begun) record(t, ev);
    if (t->begun)
        for (size_t i = 0; i < t->sink_count; i++) t->sinks[i]->event(t->sinks[i], ev);
    annotate(t, ev, true);
}

/* tcpdump-style relative numbers: a SYN fixes the ISN of its direction; a direction first seen
 * without a SYN (a stray RST, say) counts from its first sequence number. The ack of a
 * direction is relative to the ISN of the opposite direction, 0 until that is known. */
static uint32_t relative(struct trace *t, struct conn_key dir, uint32_t value, bool fixes_isn)
{
    uint64_t *isn = connmap_get(&t->isn, dir);
    if (fixes_isn || !isn) {
        connmap_put(&t->isn, dir, value);
        return 0;
    }
    return value - (uint32_t)*isn;
}

bool trace_isn(const struct trace *t, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
               uint16_t dst_port, uint32_t *isn)
{
    const uint64_t *v = connmap_get(&t->isn, (struct conn_key){ src_ip, dst_ip, src_port, dst_port });
    if (v) *isn = (uint32_t)*v;
    return v != NULL;
}

static bool emit_packet(struct trace *t, const char *from, const char *to, const uint8_t *pkt,
                        size_t len, struct link_fate fate, bool injected,
                        enum stack_origin origin, struct trace_segment *out)
{
    struct packet_info info;
    if (!packet_decode(pkt, len, &info) || info.proto != PACKET_TCP) return false;
    struct conn_key fwd = { info.src_ip, info.dst_ip, info.src_port, info.dst_port };
    struct conn_key rev = { info.dst_ip, info.src_ip, info.dst_port, info.src_port };
    struct trace_event ev = { .type = TRACE_SEGMENT };
    struct trace_segment *s = &ev.u.segment;
    s->from = from;
    s->to = to;
    s->src_ip = info.src_ip;
    s->dst_ip = info.dst_ip;
    s->src_port = info.src_port;
    s->dst_port = info.dst_port;
    s->flags = info.flags;
    s->seq = relative(t, fwd, info.seq, info.flags & TCP_SYN);
    uint64_t *peer_isn = connmap_get(&t->isn, rev);
    s->ack = (info.flags & TCP_ACK) && peer_isn ? info.ack - (uint32_t)*peer_isn : 0;
    s->len = info.payload_len;
    s->win = info.win;
    s->delivered = fate.delivered;
    s->arrive_us = fate.delivered ? fate.arrive_us : 0;
    s->origin = origin;
    if (trace_active(t)) {   /* nothing to format when nobody listens */
        if (fate.delivered) snprintf(s->fate, sizeof s->fate, "delivered");
        else snprintf(s->fate, sizeof s->fate, "dropped:%s", fate.reason);
        s->injected = injected;
        s->packet = pkt;
        s->packet_len = len;
        trace_emit(t, &ev);
    }
    if (out) *out = *s;
    return true;
}

bool trace_packet(struct trace *t, const char *from, const char *to, const uint8_t *pkt,
                  size_t len, struct link_fate fate, enum stack_origin origin,
                  struct trace_segment *out)
{
    return emit_packet(t, from, to, pkt, len, fate, false, origin, out);
}

bool trace_injected_packet(struct trace *t, const char *from, const char *to, const uint8_t *pkt,
                           size_t len, struct link_fate fate, struct trace_segment *out)
{
    return emit_packet(t, from, to, pkt, len, fate, true, STACK_ORIGIN_UNKNOWN, out);
}

int trace_finish(struct trace *t, char *err, size_t err_size)
{
    int rc = 0;
    for (size_t i = 0; i < t->sink_count; i++)
        if (t->sinks[i]->finish(t->sinks[i], err, err_size) != 0) rc = -1;
    return rc;
}

const struct trace_event *trace_events(const struct trace *t, size_t *count)
{
    *count = t->len;
    return t->events;
}

const char *tcp_state_name(enum stack_tcp_state s)
{
    switch (s) {
    case STACK_CLOSED: return "CLOSED";
    case STACK_LISTEN: return "LISTEN";
    case STACK_SYN_SENT: return "SYN_SENT";
    case STACK_SYN_RCVD: return "SYN_RCVD";
    case STACK_ESTABLISHED: return "ESTABLISHED";
    case STACK_FIN_WAIT_1: return "FIN_WAIT_1";
    case STACK_FIN_WAIT_2: return "FIN_WAIT_2";
    case STACK_CLOSE_WAIT: return "CLOSE_WAIT";
    case STACK_CLOSING: return "CLOSING";
    case STACK_LAST_ACK: return "LAST_ACK";
    case STACK_TIME_WAIT: return "TIME_WAIT";
    case STACK_TCP_STATE_COUNT: break;
    }
    return "?";
}

const char *errno_name(int err)
{
    static const struct { int num; const char *name; } names[] = {
        { EPERM, "EPERM" }, { EINTR, "EINTR" }, { EIO, "EIO" }, { EBADF, "EBADF" },
        { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
        { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { EPIPE, "EPIPE" },
        { ENOBUFS, "ENOBUFS" }, { EISCONN, "EISCONN" }, { ENOTCONN, "ENOTCONN" },
        { EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
        { ENETUNREACH, "ENETUNREACH" }, { EHOSTUNREACH, "EHOSTUNREACH" },
        { ECONNABORTED, "ECONNABORTED" }, { ECONNRESET, "ECONNRESET" },
        { ECONNREFUSED, "ECONNREFUSED" }, { ETIMEDOUT, "ETIMEDOUT" },
        { EINPROGRESS, "EINPROGRESS" }, { EALREADY, "EALREADY" }, { ENOTSOCK, "ENOTSOCK" },
        { EOPNOTSUPP, "EOPNOTSUPP" }, { EPROTO, "EPROTO" }, { EMSGSIZE, "EMSGSIZE" },
        { ENOPROTOOPT, "ENOPROTOOPT" }, { ESHUTDOWN, "ESHUTDOWN" },
    };
    static char other[16];
    if (err == 0) return NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].num == err) return names[i].name;
    snprintf(other, sizeof other, "E%d", err);
    return other;
}
