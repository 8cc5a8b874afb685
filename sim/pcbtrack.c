/* pcbtrack — see pcbtrack.h. */
#include "pcbtrack.h"

#include "packet.h"
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pcbtrack_init(struct pcbtrack *t)
{
    memset(t, 0, sizeof *t);
    connmap_init(&t->index);
}

void pcbtrack_free(struct pcbtrack *t)
{
    free(t->prev);
    free(t->cur);
    free(t->seen);
    connmap_free(&t->index);
    memset(t, 0, sizeof *t);
}

static void reserve(struct pcbtrack *t, size_t n)
{
    if (n <= t->cap) return;
    t->cap = n * 2;
    t->prev = realloc(t->prev, t->cap * sizeof *t->prev);
    t->cur = realloc(t->cur, t->cap * sizeof *t->cur);
    t->seen = realloc(t->seen, t->cap * sizeof *t->seen);
    if (!t->prev || !t->cur || !t->seen) sched_panic("out of memory");
}

static void collect(void *ctx, const struct stack_pcb *pcb)
{
    struct pcbtrack *t = ctx;
    if (pcb->state == STACK_CLOSED) return;
    reserve(t, t->cur_len + 1);
    t->cur[t->cur_len++] = (struct pcbtrack_entry){
        .key = { pcb->local_ip, pcb->remote_ip, pcb->local_port, pcb->remote_port },
        .state = pcb->state,
        .nrtx = pcb->nrtx,
    };
}

static struct pcbtrack_entry *previous(struct pcbtrack *t, struct conn_key key)
{
    uint64_t *pos = connmap_get(&t->index, key);
    return pos ? &t->prev[*pos] : NULL;
}

/* Why did `from` become `to`? Named after the event and the segment lwIP answers with. */
static const char *cause_of(const struct pcbtrack_entry *before, enum stack_tcp_state from,
                            enum stack_tcp_state to)
{
    bool rst_now = before && before->rst_at_us == sched_now_us();
    if (to == STACK_CLOSED) {
        bool closing_now = before && before->closed &&
                           (from == STACK_SYN_SENT || from == STACK_SYN_RCVD ||
                            from == STACK_ESTABLISHED || from == STACK_CLOSE_WAIT);
        if (rst_now && before->rst_rcvd) return "rcv RST";
        if (rst_now && closing_now && before->rst_sent) return "close / snd RST";
        if (rst_now && before->rst_sent) return "abort / snd RST";
        if (closing_now) return "close";
        /* lwIP's tcp_slowtmr drops a pcb after TCP_SYNMAXRTX / TCP_MAXRTX retransmissions */
        if (before && before->nrtx > 0) return "rtx give-up";
        switch (from) {
        case STACK_TIME_WAIT: return "2MSL timeout";
        case STACK_LAST_ACK: return "rcv ACK of FIN";
        /* tcp_slowtmr: TCP_FIN_WAIT_TIMEOUT (20 s) since the last activity, after close() */
        case STACK_FIN_WAIT_2: return "FIN_WAIT_2 timeout";
        /* tcp_slowtmr: TCP_SYN_RCVD_TIMEOUT (20 s) without the handshake's last ACK */
        case STACK_SYN_RCVD: return "SYN_RCVD timeout";
        case STACK_LISTEN: return "close";
        default: return "freed by lwIP";
        }
    }
    switch (to) {
    case STACK_LISTEN: return "listen";
    case STACK_SYN_SENT: return "connect / snd SYN";
    case STACK_SYN_RCVD: return "rcv SYN / snd SYN,ACK";
    case STACK_ESTABLISHED: return from == STACK_SYN_SENT ? "rcv SYN,ACK / snd ACK" : "rcv ACK";
    case STACK_FIN_WAIT_1: return "close / snd FIN";
    case STACK_FIN_WAIT_2: return "rcv ACK of FIN";
    case STACK_CLOSE_WAIT: return "rcv FIN / snd ACK";
    case STACK_CLOSING: return "rcv FIN / snd ACK";
    case STACK_LAST_ACK: return "close / snd FIN";
    case STACK_TIME_WAIT:
        return from == STACK_CLOSING ? "rcv ACK of FIN"
               : from == STACK_FIN_WAIT_1 ? "rcv FIN,ACK / snd ACK" : "rcv FIN / snd ACK";
    case STACK_CLOSED:
    case STACK_TCP_STATE_COUNT:
        break;
    }
    return "?";
}

static void emit_change(struct trace *trace, const char *host, const struct pcbtrack_entry *before,
                        struct conn_key key, enum stack_tcp_state from, enum stack_tcp_state to,
                        const char *cause)
{
    struct trace_event ev = { .type = TRACE_STATE };
    struct trace_state *s = &ev.u.state;
    char lip[16], rip[16];
    s->host = host;
    if (key.remote_port == 0)
        snprintf(s->conn, sizeof s->conn, "%s:%u>*", ip4_str(key.local_ip, lip), key.local_port);
    else
        snprintf(s->conn, sizeof s->conn, "%s:%u>%s:%u", ip4_str(key.local_ip, lip),
                 key.local_port, ip4_str(key.remote_ip, rip), key.remote_port);
    s->from = from;
    s->to = to;
    s->cause = cause ? cause : cause_of(before, from, to);
    trace_emit(trace, &ev);
}

static bool listener_on(const struct pcbtrack *t, uint16_t port)
{
    for (size_t i = 0; i < t->cur_len; i++)
        if (t->cur[i].state == STACK_LISTEN && t->cur[i].key.local_port == port) return true;
    return false;
}

void pcbtrack_update(struct pcbtrack *t, const struct lwip_stack *stack, const char *host,
                     struct trace *trace)
{
    t->cur_len = 0;
    stack->pcb_walk(t, collect);
    bool *seen = t->seen;
    memset(seen, 0, t->prev_len * sizeof *seen);
    for (size_t i = 0; i < t->cur_len; i++) {
        struct pcbtrack_entry *cur = &t->cur[i], *before = previous(t, cur->key);
        if (before) {
            seen[before - t->prev] = true;
            cur->rst_sent = before->rst_sent;
            cur->rst_rcvd = before->rst_rcvd;
            cur->rst_at_us = before->rst_at_us;
            cur->closed = before->closed;
            if (before->state != cur->state)
                emit_change(trace, host, before, cur->key, before->state, cur->state, NULL);
        } else {
            enum stack_tcp_state from =
                cur->state == STACK_SYN_RCVD && listener_on(t, cur->key.local_port)
                    ? STACK_LISTEN : STACK_CLOSED;
            emit_change(trace, host, NULL, cur->key, from, cur->state, NULL);
        }
    }
    for (size_t i = 0; i < t->prev_len; i++)
        if (!seen[i])
            emit_change(trace, host, &t->prev[i], t->prev[i].key, t->prev[i].state, STACK_CLOSED,
                        NULL);

    struct pcbtrack_entry *swap = t->prev;
    t->prev = t->cur;
    t->cur = swap;
    t->prev_len = t->cur_len;
    connmap_clear(&t->index);
    for (size_t i = 0; i < t->prev_len; i++) connmap_put(&t->index, t->prev[i].key, i);
}

void pcbtrack_note_rst(struct pcbtrack *t, struct conn_key key, bool sent)
{
    struct pcbtrack_entry *e = previous(t, key);
    if (!e) return;
    e->rst_sent = sent;
    e->rst_rcvd = !sent;
    e->rst_at_us = sched_now_us();
}

void pcbtrack_forget_all(struct pcbtrack *t, const char *host, struct trace *trace,
                         const char *cause)
{
    for (size_t i = 0; i < t->prev_len; i++)
        emit_change(trace, host, &t->prev[i], t->prev[i].key, t->prev[i].state, STACK_CLOSED, cause);
    t->prev_len = 0;
    connmap_clear(&t->index);
}

void pcbtrack_note_close(struct pcbtrack *t, struct conn_key key)
{
    struct pcbtrack_entry *e = previous(t, key);
    if (e) e->closed = true;
}
