/* reasons — see reasons.h. Endpoints are kept in first-seen order and found through a connmap
 * keyed from the endpoint's own side (local = that host), so nothing depends on hash order. */
#include "reasons.h"

#include "packet.h"
#include "sched.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lwIP's TCP_MSS (lwip-port/lwipopts.h): Nagle holds back less than this while data is in
 * flight (tcp_out.c tcp_output, tcp_do_output_nagle). */
#define REASONS_MSS 1460u
#define MAX_PENDING 64              /* segments in flight towards one endpoint we remember */
#define MAX_ORIGINALS 16            /* recent first transmissions, to time a retransmission */
#define MAX_LISTENER_CLOSES 16

/* A segment on its way to an endpoint. */
struct arrival {
    uint64_t at_us;
    uint32_t seq, ack, len;
    uint16_t win;
    uint8_t flags;
};

struct endpoint {
    struct conn_key key;            /* local = this endpoint */
    const char *host;               /* NULL until a state or call event names it */
    /* as the state events showed it */
    enum stack_tcp_state state;
    bool known, gone;
    uint64_t state_at_us;
    const char *gone_cause;
    /* what its application did */
    uint64_t app_sent, app_read;
    bool accepted;
    bool close_noted;
    struct reasons_close close;
    uint64_t close_at_us, unread_at_close, unacked_at_close;
    /* what its TCP sent */
    bool sent_any;
    uint32_t snd_max;               /* highest relative seq + length (SYN/FIN count 1) */
    uint32_t last_ack_sent;
    struct { uint32_t seq; uint64_t at_us; bool used; } originals[MAX_ORIGINALS];   /* used: a
                                       segment sent at time 0 has at_us 0 */
    unsigned original_next;
    uint32_t rtx_seq;
    unsigned rtx_count, persist_count, keepalive_count;
    uint64_t rtx_prev_us;
    /* what has arrived from the peer (folded in when its arrival time has come) */
    struct arrival pending[MAX_PENDING];
    unsigned pending_count;
    bool got_any;
    struct arrival last;            /* the latest arrival */
    uint32_t data_end;              /* data bytes 1..data_end arrived */
    uint32_t acked;                 /* the peer acknowledged data bytes 1..acked */
};

struct listener_close {
    const char *host;
    uint16_t port;
    uint64_t at_us;
    struct reasons_close close;
};

struct host_reboot {
    const char *host;
    uint64_t at_us;
};

struct reasons {
    struct endpoint *eps;
    size_t count, cap;
    struct connmap index;
    /* the endpoints with no remote end (listeners), in first-seen order: what listening_on
     * looks at, instead of every endpoint for every RST */
    size_t *listeners;
    size_t listener_count, listener_cap;
    struct listener_close listener_closes[MAX_LISTENER_CLOSES];
    size_t listener_close_count;
    struct host_reboot reboots[8];
    size_t reboot_count;
    /* the conn text last parsed and its key: a call event is seen twice, and a bulk transfer's
     * calls are all on one connection */
    char last_conn[48];
    struct conn_key last_key;
    bool last_parsed;
};

struct reasons *reasons_new(void)
{
    struct reasons *r = calloc(1, sizeof *r);
    if (!r) sched_out_of_memory();
    connmap_init(&r->index);
    return r;
}

void reasons_free(struct reasons *r)
{
    if (!r) return;
    free(r->eps);
    free(r->listeners);
    connmap_free(&r->index);
    free(r);
}

static struct conn_key reversed(struct conn_key k)
{
    return (struct conn_key){ k.remote_ip, k.local_ip, k.remote_port, k.local_port };
}

static struct endpoint *find(const struct reasons *r, struct conn_key key)
{
    uint64_t *i = connmap_get(&r->index, key);
    return i ? &r->eps[*i] : NULL;
}

static void note_listener(struct reasons *r, size_t index)
{
    if (r->listener_count == r->listener_cap) {
        r->listener_cap = r->listener_cap ? 2 * r->listener_cap : 8;
        r->listeners = realloc(r->listeners, r->listener_cap * sizeof *r->listeners);
        if (!r->listeners) sched_out_of_memory();
    }
    r->listeners[r->listener_count++] = index;
}

static struct endpoint *endpoint_of(struct reasons *r, struct conn_key key)
{
    struct endpoint *e = find(r, key);
    if (e) return e;
    if (r->count == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->eps = realloc(r->eps, r->cap * sizeof *r->eps);
        if (!r->eps) sched_out_of_memory();
    }
    if (key.remote_port == 0) note_listener(r, r->count);
    e = &r->eps[r->count];
    *e = (struct endpoint){ .key = key };
    connmap_put(&r->index, key, r->count++);
    return e;
}

/* One "ip:port" of the form the trace writes ([0-9.]{1,15}, ':', 1 to 5 digits) at *s, moved
 * past it; false when *s is not of that form (the caller then takes sscanf's slower road). */
static bool quick_addr(const char **s, uint32_t *ip, unsigned *port)
{
    char text[16];
    size_t n = 0;
    const char *p = *s;
    while ((*p >= '0' && *p <= '9') || *p == '.') {
        if (n == 15) return false;
        text[n++] = *p++;
    }
    text[n] = '\0';
    if (!n || *p++ != ':' || !ip4_parse(text, ip)) return false;
    unsigned v = 0, digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) v = v * 10 + (unsigned)(*p - '0');
    if (digits < 1 || digits > 5) return false;
    *port = v;
    *s = p;
    return true;
}

/* The conn texts the simulator itself writes, parsed without sscanf (called for every call
 * and state event of a traced run, it was a few per cent of it); false when conn is not in
 * that form. */
static bool quick_parse_conn(const char *conn, struct conn_key *key)
{
    unsigned lport, rport;
    const char *p = conn;
    if (!quick_addr(&p, &key->local_ip, &lport) || lport > 65535 || *p++ != '>') return false;
    key->local_port = (uint16_t)lport;
    if (p[0] == '*' && p[1] == '\0') return true;
    if (!quick_addr(&p, &key->remote_ip, &rport) || rport > 65535) return false;
    key->remote_port = (uint16_t)rport;
    return true;
}

bool reasons_parse_conn(const char *conn, struct conn_key *key)
{
    *key = (struct conn_key){ 0 };
    if (quick_parse_conn(conn, key)) return true;
    char lip[16], rip[16];
    unsigned lport, rport;
    int used = 0;
    *key = (struct conn_key){ 0 };
    if (sscanf(conn, "%15[0-9.]:%u>%n", lip, &lport, &used) != 2 || !used) return false;
    if (!ip4_parse(lip, &key->local_ip) || lport > 65535) return false;
    key->local_port = (uint16_t)lport;
    if (strcmp(conn + used, "*") == 0) return true;
    if (sscanf(conn + used, "%15[0-9.]:%u", rip, &rport) != 2 || rport > 65535) return false;
    key->remote_port = (uint16_t)rport;
    return ip4_parse(rip, &key->remote_ip);
}

static void conn_str(struct conn_key k, char out[48])
{
    char a[16], b[16];
    snprintf(out, 48, "%s:%u>%s:%u", ip4_str(k.local_ip, a), k.local_port,
             ip4_str(k.remote_ip, b), k.remote_port);
}

static void fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
}

static double seconds(uint64_t us) { return (double)us / 1e6; }

/* ---- arrivals ---- */

/* Folds in every segment towards e whose arrival time has come. Arrival order, not send order:
 * a link may reorder. */
static void advance(struct endpoint *e, uint64_t now_us)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < e->pending_count; i++) {
        struct arrival a = e->pending[i];
        if (a.at_us > now_us) {
            e->pending[kept++] = a;
            continue;
        }
        if (!e->got_any || a.at_us >= e->last.at_us) e->last = a;
        e->got_any = true;
        if (a.len > 0 && a.seq + a.len - 1 > e->data_end) e->data_end = a.seq + a.len - 1;
        if ((a.flags & TCP_ACK) && a.ack > 1 && a.ack - 1 > e->acked) e->acked = a.ack - 1;
    }
    e->pending_count = kept;
}

static void expect_arrival(struct endpoint *e, const struct trace_segment *s)
{
    if (e->pending_count == MAX_PENDING) advance(e, UINT64_MAX);   /* keep the facts, lose timing */
    e->pending[e->pending_count++] = (struct arrival){ s->arrive_us, s->seq, s->ack, s->len,
                                                       s->win, s->flags };
}

/* A segment from the peer reached e at this very instant: lwIP is answering it. */
static bool arrived_now(const struct endpoint *e, uint64_t now_us)
{
    return e->got_any && e->last.at_us == now_us;
}

static uint64_t unread(const struct endpoint *e)
{
    return e->data_end > e->app_read ? e->data_end - e->app_read : 0;
}

static uint64_t unacked(const struct endpoint *e)
{
    return e->app_sent > e->acked ? e->app_sent - e->acked : 0;
}

/* ---- the hook ---- */

void reasons_note_close(struct reasons *r, const char *host, struct conn_key key,
                        const struct reasons_close *c)
{
    uint64_t now = sched_now_us();
    if (key.remote_port == 0) {
        if (r->listener_close_count == MAX_LISTENER_CLOSES) r->listener_close_count--;
        r->listener_closes[r->listener_close_count++] =
            (struct listener_close){ host, key.local_port, now, *c };
        return;
    }
    struct endpoint *e = endpoint_of(r, key);
    advance(e, now);
    e->host = host;
    e->close_noted = true;
    e->close = *c;
    e->close_at_us = now;
    e->unread_at_close = unread(e);
    e->unacked_at_close = unacked(e);
}

/* ---- RST reasons (tcp.c, tcp_in.c, api_msg.c of lwIP 2.1.3) ---- */

static int who_closed(const struct reasons_close *c, char *buf, size_t size)
{
    if (c->killed) return snprintf(buf, size, "%s was killed and the OS closed its socket; ", c->proc);
    if (c->by_exit) return snprintf(buf, size, "%s exited and the OS closed its socket; ", c->proc);
    return snprintf(buf, size, "%s called close(); ", c->proc);
}

/* Did e's stack send s in answer to a segment that arrived? The stack says so where it can
 * (trace_segment.origin); otherwise (the Linux backend) an arrival at that very instant is
 * taken as the cause. */
static bool answers_arrival(const struct endpoint *e, const struct trace_segment *s, uint64_t now)
{
    switch (s->origin) {
    case STACK_ORIGIN_INPUT: return true;
    case STACK_ORIGIN_CALL:
    case STACK_ORIGIN_TIMER: return false;
    case STACK_ORIGIN_UNKNOWN:
    case STACK_ORIGIN_COUNT: break;
    }
    return arrived_now(e, now);
}

/* Sent by one of lwIP's timers, as far as anyone can tell. */
static bool sent_by_timer(const struct endpoint *e, const struct trace_segment *s, uint64_t now)
{
    if (s->origin == STACK_ORIGIN_UNKNOWN) return !arrived_now(e, now);
    return s->origin == STACK_ORIGIN_TIMER;
}

static bool rst_after_close(const struct endpoint *e, const struct trace_segment *s, uint64_t now,
                            char *buf, size_t size)
{
    char who[120];
    who_closed(&e->close, who, sizeof who);
    if (e->gone && e->state_at_us < now) return false;   /* freed earlier: no pcb now */
    if (answers_arrival(e, s, now) && e->last.len > 0 && now > e->close_at_us) {
        /* tcp_in.c tcp_input: data for a pcb with TF_RXCLOSED -> tcp_abort */
        fmt(buf, size, "%u bytes arrived after close(): nobody can read them, so lwIP resets "
            "(tcp_input: TF_RXCLOSED -> tcp_abort)", e->last.len);
        return true;
    }
    if (e->close.linger_on && e->close.linger_s == 0 && e->unacked_at_close > 0) {
        /* api_msg.c lwip_netconn_do_close_internal: linger 0 with unsent/unacked -> tcp_abort */
        fmt(buf, size, "%sSO_LINGER {1, 0} with %llu bytes not yet acknowledged: lwIP aborts "
            "(lwip_netconn_do_close_internal -> tcp_abort)", who,
            (unsigned long long)e->unacked_at_close);
        return true;
    }
    if (e->close.linger_on && e->close.linger_s > 0 && now > e->close_at_us) {
        /* the same function, called again from poll_tcp once the linger time has passed */
        fmt(buf, size, "%sSO_LINGER {1, %d} expired after %.3f s with data still "
            "unacknowledged: lwIP aborts (lwip_netconn_do_close_internal -> tcp_abort)", who,
            e->close.linger_s, seconds(now - e->close_at_us));
        return true;
    }
    if (e->unread_at_close > 0) {
        /* tcp.c tcp_close_shutdown: rcv_wnd not fully open (data not read) -> tcp_rst */
        fmt(buf, size, "%s%llu received bytes were never read: close() resets instead of FIN "
            "(tcp_close_shutdown: unread data -> tcp_rst)", who,
            (unsigned long long)e->unread_at_close);
        return true;
    }
    if (now == e->close_at_us) {
        fmt(buf, size, "%slwIP reset the connection while closing it", who);
        return true;
    }
    return false;
}

static const struct listener_close *listener_closed(const struct reasons *r, const char *host,
                                                    uint16_t port)
{
    for (size_t i = r->listener_close_count; i-- > 0;)
        if (r->listener_closes[i].port == port && strcmp(r->listener_closes[i].host, host) == 0)
            return &r->listener_closes[i];
    return NULL;
}

static const struct host_reboot *rebooted(const struct reasons *r, const char *host)
{
    for (size_t i = r->reboot_count; i-- > 0;)
        if (strcmp(r->reboots[i].host, host) == 0) return &r->reboots[i];
    return NULL;
}

static bool listening_on(const struct reasons *r, const char *host, uint16_t port)
{
    for (size_t i = 0; i < r->listener_count; i++) {
        const struct endpoint *e = &r->eps[r->listeners[i]];
        if (e->key.local_port == port && e->known && !e->gone &&
            e->host && strcmp(e->host, host) == 0)
            return true;
    }
    return false;
}

/* The RST answers a segment that arrived now. */
static void rst_answering(const struct reasons *r, const struct endpoint *e, const char *host,
                          uint64_t now, char *buf, size_t size)
{
    char flags[8];
    packet_flags_str(e->last.flags, flags);
    if (e->known && !e->gone) {
        if (e->state == STACK_SYN_SENT)   /* tcp_in.c tcp_process: ACK in SYN_SENT */
            fmt(buf, size, "an ACK (%s) arrived for a connection still in SYN_SENT "
                "(tcp_process: half-open connection -> tcp_rst)", flags);
        else if (e->state == STACK_SYN_RCVD)   /* tcp_process: wrong ACK number in SYN_RCVD */
            fmt(buf, size, "the arriving %s acknowledges a number lwIP never sent (SYN_RCVD, "
                "tcp_process -> tcp_rst)", flags);
        else if (e->state == STACK_TIME_WAIT)   /* tcp_in.c tcp_timewait_input */
            fmt(buf, size, "a SYN inside the window arrived in TIME_WAIT (tcp_timewait_input "
                "-> tcp_rst)");
        else
            fmt(buf, size, "lwIP answered the arriving %s with RST in %s", flags,
                tcp_state_name(e->state));
        return;
    }
    if (e->known && e->gone && e->state_at_us == now) {
        fmt(buf, size, "lwIP aborted the connection while handling the arriving %s (%s)", flags,
            e->gone_cause ? e->gone_cause : "freed");
        return;
    }
    const struct host_reboot *rb = rebooted(r, host);
    const char *tail = "tcp_input: no pcb matches -> tcp_rst";
    if (listening_on(r, host, e->key.local_port) && (e->last.flags & TCP_ACK))
        fmt(buf, size, "no connection for the arriving %s; the listener on port %u answers an "
            "ACK with RST (tcp_listen_input -> tcp_rst)", flags, e->key.local_port);
    else if (rb && (!e->known || e->state_at_us <= rb->at_us))
        fmt(buf, size, "no connection for the arriving %s: %s rebooted at %.6f and lost every "
            "connection (%s)", flags, host, seconds(rb->at_us), tail);
    else if (e->known && e->gone)
        fmt(buf, size, "no connection for the arriving %s: it was closed at %.6f (%s) (%s)",
            flags, seconds(e->state_at_us), e->gone_cause ? e->gone_cause : "freed", tail);
    else if (e->last.flags & TCP_SYN)
        fmt(buf, size, "connection refused: nothing listens on port %u (%s)", e->key.local_port,
            tail);
    else
        fmt(buf, size, "no connection for the arriving %s (%s)", flags, tail);
}

static void rst_reason(const struct reasons *r, const struct endpoint *e, const char *host,
                       const struct trace_segment *s, uint64_t now, char *buf, size_t size)
{
    if (e->close_noted && rst_after_close(e, s, now, buf, size)) return;
    const struct listener_close *lc = listener_closed(r, host, e->key.local_port);
    if (lc && !e->accepted && e->known) {
        char who[120];
        who_closed(&lc->close, who, sizeof who);
        /* api_msg.c lwip_netconn_do_close_internal: the accept mailbox is drained, each
         * connection in it aborted */
        fmt(buf, size, "%sthe listening socket was closed while this connection waited in its "
            "accept queue, never accepted (netconn_drain -> tcp_abort)", who);
        return;
    }
    if (answers_arrival(e, s, now)) {
        rst_answering(r, e, host, now, buf, size);
        return;
    }
    if (e->keepalive_count > 0)   /* tcp.c tcp_slowtmr: keep_cnt_sent reached TCP_KEEPCNT */
        fmt(buf, size, "keepalive: %u probes unanswered, lwIP gives up (tcp_slowtmr -> tcp_rst)",
            e->keepalive_count);
    else
        fmt(buf, size, "lwIP reset the connection (%s)",
            e->gone && e->gone_cause ? e->gone_cause : "tcp_abort");
}

/* ---- timers seen in segments ---- */

static void emit_timer(struct trace *t, const char *host, struct conn_key key, const char *timer,
                       unsigned count, uint64_t waited_us, const char *detail)
{
    struct trace_event ev = { .type = TRACE_TIMER };
    struct trace_timer *tm = &ev.u.timer;
    tm->host = host;
    conn_str(key, tm->conn);
    tm->timer = timer;
    tm->count = count;
    tm->waited_us = waited_us;
    snprintf(tm->detail, sizeof tm->detail, "%s", detail);
    trace_emit(t, &ev);
}

static bool is_original(struct endpoint *e, uint32_t seq, uint64_t *sent_us)
{
    for (unsigned i = 0; i < MAX_ORIGINALS; i++)
        if (e->originals[i].used && e->originals[i].seq == seq) {
            *sent_us = e->originals[i].at_us;
            return true;
        }
    return false;
}

static uint32_t seq_space(const struct trace_segment *s)
{
    return s->len + ((s->flags & TCP_SYN) ? 1 : 0) + ((s->flags & TCP_FIN) ? 1 : 0);
}

/* A retransmission no timer sent: lwIP handled the peer's segment, or a socket call. */
static void rtx_not_by_timer(struct endpoint *e, struct trace_segment *s)
{
    if (s->origin == STACK_ORIGIN_CALL)   /* tcp_output from a call sent a requeued segment */
        fmt(s->reason, sizeof s->reason, "retransmission #%u of seq %u: queued again by an "
            "RTO (tcp_rexmit_rto), sent by a socket call's tcp_output", e->rtx_count, s->seq);
    else if (s->flags & TCP_SYN)   /* tcp_in.c tcp_process, SYN_RCVD: a copy of the SYN -> tcp_rexmit */
        fmt(s->reason, sizeof s->reason, "retransmission #%u of the SYN-ACK: the peer's SYN "
            "arrived again (tcp_process -> tcp_rexmit)", e->rtx_count);
    else if (s->origin == STACK_ORIGIN_INPUT && !(e->got_any && e->last.ack == s->seq))
        /* tcp_out.c tcp_rexmit_rto put every unacknowledged segment back in the queue; an
         * arriving ACK let tcp_output send the next of them */
        fmt(s->reason, sizeof s->reason, "retransmission #%u of seq %u: queued again by an "
            "RTO (tcp_rexmit_rto), sent as an ACK opened the window", e->rtx_count, s->seq);
    else   /* tcp_in.c tcp_receive: the third duplicate ACK -> tcp_rexmit_fast */
        fmt(s->reason, sizeof s->reason, "fast retransmission #%u of seq %u (duplicate ACKs)",
            e->rtx_count, s->seq);
}

/* A segment that repeats sequence space already sent: RTO or fast retransmit
 * (tcp_out.c tcp_rexmit_rto from tcp_slowtmr; tcp_in.c tcp_receive dup-ACK counting). */
static void on_retransmission(struct trace *t, struct endpoint *e, const char *host,
                              struct trace_segment *s, uint64_t now)
{
    uint64_t prev_us = e->rtx_prev_us;
    if (e->rtx_count == 0 || e->rtx_seq != s->seq) {
        e->rtx_seq = s->seq;
        e->rtx_count = 0;
        if (!is_original(e, s->seq, &prev_us)) prev_us = now;
    }
    e->rtx_count++;
    e->rtx_prev_us = now;
    char detail[200];
    if (!sent_by_timer(e, s, now)) {
        rtx_not_by_timer(e, s);
        return;
    }
    fmt(detail, sizeof detail, "retransmission timeout #%u: seq %u unacknowledged for %.3f s "
        "(tcp_slowtmr -> tcp_rexmit_rto)", e->rtx_count, s->seq, seconds(now - prev_us));
    emit_timer(t, host, e->key, "rto", e->rtx_count, now - prev_us, detail);
    fmt(s->reason, sizeof s->reason, "retransmission #%u after an RTO of %.3f s", e->rtx_count,
        seconds(now - prev_us));
}

/* Segments a timer sent rather than an arrival or a call: probes and delayed ACKs. */
static bool on_timer_segment(struct trace *t, struct endpoint *e, const char *host,
                             struct trace_segment *s, uint64_t now)
{
    char detail[200];
    bool bare_ack = s->flags == TCP_ACK;
    if (!sent_by_timer(e, s, now) || !(s->flags & TCP_ACK) || (s->flags & (TCP_SYN | TCP_RST)))
        return false;
    if (e->got_any && e->last.win == 0 && s->len <= 1 && e->sent_any) {
        /* tcp.c tcp_slowtmr persist timer -> tcp_out.c tcp_zero_window_probe */
        e->persist_count++;
        fmt(detail, sizeof detail, "zero-window probe #%u: the peer's window is 0 "
            "(tcp_slowtmr persist timer -> tcp_zero_window_probe)", e->persist_count);
        emit_timer(t, host, e->key, "persist", e->persist_count, now - e->last.at_us, detail);
        fmt(s->reason, sizeof s->reason, "zero-window probe #%u", e->persist_count);
        return true;
    }
    if (bare_ack && s->len == 0 && e->sent_any && s->seq + 1 == e->snd_max) {
        /* tcp.c tcp_slowtmr -> tcp_out.c tcp_keepalive: seq snd_nxt - 1, no data */
        e->keepalive_count++;
        fmt(detail, sizeof detail, "keepalive probe #%u after %.3f s without traffic "
            "(tcp_slowtmr -> tcp_keepalive)", e->keepalive_count, seconds(now - e->last.at_us));
        emit_timer(t, host, e->key, "keepalive", e->keepalive_count, now - e->last.at_us, detail);
        fmt(s->reason, sizeof s->reason, "keepalive probe #%u", e->keepalive_count);
        return true;
    }
    if (bare_ack && s->len == 0 && e->got_any && s->ack > e->last_ack_sent) {
        /* tcp_in.c tcp_receive sets TF_ACK_DELAY; tcp.c tcp_fasttmr sends it (every 250 ms) */
        fmt(detail, sizeof detail, "delayed ACK: data that arrived %.3f s earlier is "
            "acknowledged by lwIP's fast timer (tcp_fasttmr, TF_ACK_DELAY)",
            seconds(now - e->last.at_us));
        emit_timer(t, host, e->key, "delayed-ack", 1, now - e->last.at_us, detail);
        fmt(s->reason, sizeof s->reason, "delayed ACK (%.3f s after the data)",
            seconds(now - e->last.at_us));
        return true;
    }
    return false;
}

static void remember_original(struct endpoint *e, uint32_t seq, uint64_t now)
{
    e->originals[e->original_next] = (__typeof__(e->originals[0])){ seq, now, true };
    e->original_next = (e->original_next + 1) % MAX_ORIGINALS;
}

static struct conn_key sender_key(const struct trace_segment *s)
{
    return (struct conn_key){ s->src_ip, s->dst_ip, s->src_port, s->dst_port };
}

static void on_segment(struct reasons *r, struct trace *t, struct trace_segment *s, uint64_t now)
{
    struct endpoint *e = endpoint_of(r, sender_key(s));
    advance(e, now);
    if (!e->host) e->host = s->from;
    uint32_t space = seq_space(s);
    if (s->injected) {
        /* crafted (world_inject, a script's `<` line): no lwIP rule or timer sent it, so it is
         * not part of what the sender's TCP sent (a later real segment with the same sequence
         * numbers is not a retransmission); the receiver did get it. */
        if (s->delivered) expect_arrival(endpoint_of(r, reversed(sender_key(s))), s);
        return;
    }
    if (s->flags & TCP_RST)
        rst_reason(r, e, s->from, s, now, s->reason, sizeof s->reason);
    else if (space > 0 && e->sent_any && s->seq < e->snd_max && !(e->got_any && e->last.win == 0))
        on_retransmission(t, e, s->from, s, now);
    else
        on_timer_segment(t, e, s->from, s, now);
    if (space > 0 && (!e->sent_any || s->seq >= e->snd_max)) remember_original(e, s->seq, now);
    if (!e->sent_any || s->seq + space > e->snd_max) e->snd_max = s->seq + space;
    if (space > 0 || (s->flags & TCP_SYN)) e->sent_any = true;
    if ((s->flags & TCP_ACK) && s->ack > e->last_ack_sent) e->last_ack_sent = s->ack;
    if (s->delivered) expect_arrival(endpoint_of(r, reversed(sender_key(s))), s);
}

/* ---- state changes, calls, hosts ---- */

static void on_state(struct reasons *r, struct trace *t, const struct trace_state *st,
                     uint64_t now)
{
    struct conn_key key;
    if (!reasons_parse_conn(st->conn, &key)) return;
    struct endpoint *e = endpoint_of(r, key);
    char detail[200];
    uint64_t held = now - e->state_at_us;
    if (st->to == STACK_CLOSED && st->from == STACK_TIME_WAIT && strcmp(st->cause, "2MSL timeout") == 0) {
        /* tcp.c tcp_slowtmr: TIME_WAIT for 2 * TCP_MSL */
        fmt(detail, sizeof detail, "TIME_WAIT expired after %.3f s (2 * TCP_MSL, tcp_slowtmr)",
            seconds(held));
        emit_timer(t, st->host, key, "time-wait", 1, held, detail);
    } else if (st->to == STACK_CLOSED && strcmp(st->cause, "FIN_WAIT_2 timeout") == 0) {
        fmt(detail, sizeof detail, "FIN_WAIT_2 expired after %.3f s without the peer's FIN "
            "(TCP_FIN_WAIT_TIMEOUT, tcp_slowtmr)", seconds(held));
        emit_timer(t, st->host, key, "fin-wait-2", 1, held, detail);
    } else if (st->to == STACK_CLOSED && strcmp(st->cause, "SYN_RCVD timeout") == 0) {
        fmt(detail, sizeof detail, "SYN_RCVD expired after %.3f s without the handshake's ACK "
            "(TCP_SYN_RCVD_TIMEOUT, tcp_slowtmr)", seconds(held));
        emit_timer(t, st->host, key, "syn-rcvd", 1, held, detail);
    }
    if (st->from == STACK_CLOSED || (st->from == STACK_LISTEN && e->gone)) {
        /* a new incarnation of this 4-tuple */
        struct endpoint fresh = { .key = key };
        if (e->gone) *e = fresh;
    }
    e->host = st->host;
    e->known = true;
    e->state = st->to;
    e->state_at_us = now;
    e->gone = st->to == STACK_CLOSED;
    e->gone_cause = e->gone ? st->cause : NULL;
}

static const char *held_why(const struct endpoint *e, uint64_t held, uint64_t in_flight)
{
    if (e->got_any && in_flight + held > e->last.win) return "window";
    if (in_flight > 0 && held < REASONS_MSS) return "nagle";
    return "cwnd";
}

/* After a send() returned: what it queued that is not on the wire yet, and why. */
static void after_send(struct trace *t, struct endpoint *e, const struct trace_call *c,
                       uint64_t now)
{
    uint64_t on_wire = e->snd_max > 1 ? e->snd_max - 1 : 0;
    if (e->close_noted || !e->sent_any || e->app_sent <= on_wire) return;
    advance(e, now);
    uint64_t held = e->app_sent - on_wire, in_flight = on_wire > e->acked ? on_wire - e->acked : 0;
    struct trace_event ev = { .type = TRACE_HELD };
    struct trace_held *h = &ev.u.held;
    h->host = c->host;
    snprintf(h->conn, sizeof h->conn, "%s", c->conn);
    h->bytes = held;
    h->why = held_why(e, held, in_flight);
    if (strcmp(h->why, "window") == 0)
        fmt(h->detail, sizeof h->detail, "the peer's window (%u bytes) is full with %llu bytes "
            "in flight (tcp_output waits for snd_wnd)", e->last.win,
            (unsigned long long)in_flight);
    else if (strcmp(h->why, "nagle") == 0)
        fmt(h->detail, sizeof h->detail, "Nagle: %llu bytes in flight are unacknowledged, a "
            "segment smaller than the MSS waits (tcp_output, tcp_do_output_nagle)",
            (unsigned long long)in_flight);
    else
        fmt(h->detail, sizeof h->detail, "congestion window: %llu bytes in flight "
            "(slow start, tcp_output waits for cwnd)", (unsigned long long)in_flight);
    trace_emit(t, &ev);
}

static void on_call(struct reasons *r, struct trace *t, struct trace_call *c, uint64_t now,
                    bool after)
{
    struct conn_key key;
    if (!c->conn[0]) return;
    if (strcmp(c->conn, r->last_conn) != 0) {
        r->last_parsed = reasons_parse_conn(c->conn, &r->last_key);
        memcpy(r->last_conn, c->conn, sizeof r->last_conn);
    }
    if (!r->last_parsed) return;
    key = r->last_key;
    struct endpoint *e = key.remote_port ? endpoint_of(r, key) : find(r, key);
    if (!e) {
        c->state = STACK_CLOSED;
        return;
    }
    if (after) {
        if (strcmp(c->call, "send") == 0 && c->ret > 0) after_send(t, e, c, now);
        return;
    }
    c->state = e->known && !e->gone ? e->state : STACK_CLOSED;
    if (strcmp(c->call, "accept") == 0 && c->ret >= 0) e->accepted = true;
    if (strcmp(c->call, "send") == 0 && c->bytes > 0) e->app_sent += (uint64_t)c->bytes;
    if (strcmp(c->call, "recv") == 0 && c->bytes > 0) e->app_read += (uint64_t)c->bytes;
}

/* Only four kinds of event carry what the reasons are made of; the others pass untouched. */
static void annotate(void *ctx, struct trace *t, struct trace_event *ev, bool after)
{
    struct reasons *r = ctx;
    if (ev->type == TRACE_CALL) {
        on_call(r, t, &ev->u.call, ev->t_us, after);
    } else if (after) {
        return;
    } else if (ev->type == TRACE_SEGMENT) {
        on_segment(r, t, &ev->u.segment, ev->t_us);
    } else if (ev->type == TRACE_STATE) {
        on_state(r, t, &ev->u.state, ev->t_us);
    } else if (ev->type == TRACE_HOST && strcmp(ev->u.host.event, "reboot") == 0) {
        if (r->reboot_count == sizeof r->reboots / sizeof r->reboots[0]) r->reboot_count--;
        r->reboots[r->reboot_count++] = (struct host_reboot){ ev->u.host.host, ev->t_us };
    }
}

void reasons_attach(struct reasons *r, struct trace *t) { trace_set_annotator(t, annotate, r); }
