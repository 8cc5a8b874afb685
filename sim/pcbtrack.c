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
    free(t->slots);
    free(t->free_slots);
    connmap_free(&t->index);
    memset(t, 0, sizeof *t);
}

static struct pcbtrack_entry *lookup(const struct pcbtrack *t, struct conn_key key)
{
    uint64_t *slot = connmap_get(&t->index, key);
    return slot ? &t->slots[*slot] : NULL;
}

static struct pcbtrack_entry *add_slot(struct pcbtrack *t, struct conn_key key)
{
    size_t i;
    if (t->free_count) {
        i = t->free_slots[--t->free_count];
    } else {
        if (t->slot_count == t->slot_cap) {
            t->slot_cap = t->slot_cap ? 2 * t->slot_cap : 64;
            t->slots = realloc(t->slots, t->slot_cap * sizeof *t->slots);
            t->free_slots = realloc(t->free_slots, t->slot_cap * sizeof *t->free_slots);
            if (!t->slots || !t->free_slots) sched_out_of_memory();
        }
        i = t->slot_count++;
    }
    t->slots[i] = (struct pcbtrack_entry){ .key = key, .live = true };
    connmap_put(&t->index, key, i);
    t->live_count++;
    return &t->slots[i];
}

static void drop_slot(struct pcbtrack *t, struct pcbtrack_entry *e)
{
    connmap_remove(&t->index, e->key);
    e->live = false;
    t->free_slots[t->free_count++] = (size_t)(e - t->slots);
    t->live_count--;
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
        /* lwIP's tcp_slowtmr drops a pcb after TCP_SYNMAXRTX / TCP_MAXRTX retransmissions; a
         * SYN_RCVD pcb that retransmitted fewer times met TCP_SYN_RCVD_TIMEOUT instead */
        if (before && before->rtx_exhausted) return "rtx give-up";
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
    if (!trace_active(trace)) return;
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

/* A listener on this port (on the pcb's address or on any address) spawned it. */
static bool listener_on(const struct pcbtrack *t, struct conn_key key)
{
    struct conn_key specific = { key.local_ip, 0, key.local_port, 0 };
    struct conn_key any = { 0, 0, key.local_port, 0 };
    const struct pcbtrack_entry *l = lookup(t, specific);
    if (!l) l = lookup(t, any);
    return l && l->state == STACK_LISTEN;
}

/* Remember which slot a pcb is in (its tag), so that its disappearance names the slot. */
static void bind_handle(struct pcbtrack *t, struct pcbtrack_entry *e, const struct stack_pcb *pcb)
{
    e->handle = pcb->handle;
    uintptr_t tag = (uintptr_t)(e - t->slots) + 1;
    if (pcb->handle && pcb->tag != tag) t->stack->pcb_tag(pcb->handle, tag);
}

/* The state a pcb that appears comes from: LISTEN when a listener spawned it. */
static enum stack_tcp_state appeared_from(const struct pcbtrack *t, const struct stack_pcb *pcb,
                                          struct conn_key key)
{
    return pcb->state == STACK_SYN_RCVD && listener_on(t, key) ? STACK_LISTEN : STACK_CLOSED;
}

static struct conn_key key_of(const struct stack_pcb *pcb)
{
    return (struct conn_key){ pcb->local_ip, pcb->remote_ip, pcb->local_port, pcb->remote_port };
}

/* One segment can move a pcb twice: in SYN_RCVD an ACK that also carries FIN (tcp_in.c
 * tcp_process, case SYN_RCVD: ESTABLISHED, then tcp_receive takes the FIN and tcp_process sets
 * CLOSE_WAIT). Both transitions are shown, with their causes marked as within one segment. In
 * SYN_SENT lwIP ignores a FIN on the SYN-ACK (no tcp_receive there), and FIN_WAIT_1 given
 * FIN+ACK of its FIN goes to TIME_WAIT in one assignment: those stay single transitions. */
static void emit_steps_of(struct pcbtrack *t, const struct pcbtrack_entry *e, struct conn_key key,
                          const struct stack_pcb *pcb)
{
    if (e->state == STACK_SYN_RCVD && pcb->state == STACK_CLOSE_WAIT &&
        pcb->segment_from == STACK_SYN_RCVD) {
        emit_change(t->trace, t->host, e, key, STACK_SYN_RCVD, STACK_ESTABLISHED,
                    "rcv ACK, same segment as the FIN");
        emit_change(t->trace, t->host, e, key, STACK_ESTABLISHED, STACK_CLOSE_WAIT,
                    "rcv FIN / snd ACK, same segment as the ACK");
        return;
    }
    emit_change(t->trace, t->host, e, key, e->state, pcb->state, NULL);
}

static void visit(void *ctx, const struct stack_pcb *pcb)
{
    struct pcbtrack *t = ctx;
    if (pcb->state == STACK_CLOSED) return;
    struct conn_key key = key_of(pcb);
    struct pcbtrack_entry *e = lookup(t, key);
    if (!e) {
        enum stack_tcp_state from = appeared_from(t, pcb, key);
        e = add_slot(t, key);
        e->state = pcb->state;
        emit_change(t->trace, t->host, NULL, key, from, pcb->state, NULL);
    } else if (e->state != pcb->state) {
        emit_steps_of(t, e, key, pcb);
        e->state = pcb->state;
    }
    e->nrtx = pcb->nrtx;
    e->rtx_exhausted = pcb->rtx_exhausted;
    e->seen_walk = t->walk;
    bind_handle(t, e, pcb);
}

static void walk_all(struct pcbtrack *t)
{
    t->walk++;
    t->stack->pcb_walk(t, visit);
    if (t->live_count == 0) return;
    for (size_t i = 0; i < t->slot_count; i++) {
        struct pcbtrack_entry *e = &t->slots[i];
        if (!e->live || e->seen_walk == t->walk) continue;
        emit_change(t->trace, t->host, e, e->key, e->state, STACK_CLOSED, NULL);
        drop_slot(t, e);
    }
}

/* ---- the quick look: only what the stack touched ---- */

#define TOUCHED_MAX 72

struct touched {
    struct pcbtrack *t;
    struct stack_pcb pcbs[TOUCHED_MAX];
    size_t pcb_count;
    struct pcbtrack_entry *gone[TOUCHED_MAX];
    size_t gone_count;
    bool overflow;
};

static void touched_pcb(void *ctx, const struct stack_pcb *pcb)
{
    struct touched *c = ctx;
    for (size_t i = 0; i < c->pcb_count; i++)
        if (c->pcbs[i].handle == pcb->handle) return;
    if (c->pcb_count == TOUCHED_MAX) c->overflow = true;
    else c->pcbs[c->pcb_count++] = *pcb;
}

/* A freed pcb: its slot, if the tag still names a slot holding that pcb. */
static void touched_vanished(void *ctx, const void *handle, uintptr_t tag)
{
    struct touched *c = ctx;
    struct pcbtrack *t = c->t;
    if (tag == 0 || tag > t->slot_count) return;
    struct pcbtrack_entry *e = &t->slots[tag - 1];
    if (!e->live || e->handle != handle) return;
    if (c->gone_count == TOUCHED_MAX) c->overflow = true;
    else c->gone[c->gone_count++] = e;
}

/* The tracked slot of a touched pcb that is CLOSED but still held by lwIP. */
static struct pcbtrack_entry *closed_slot(const struct pcbtrack *t, const struct stack_pcb *pcb)
{
    if (pcb->tag == 0 || pcb->tag > t->slot_count) return NULL;
    struct pcbtrack_entry *e = &t->slots[pcb->tag - 1];
    return e->live && e->handle == pcb->handle ? e : NULL;
}

/* How many state events the touched pcbs make (what a whole walk would emit for them), not
 * counting the freed ones. */
static size_t count_changes(const struct touched *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->pcb_count; i++) {
        const struct stack_pcb *pcb = &c->pcbs[i];
        if (pcb->state == STACK_CLOSED) {
            n += closed_slot(c->t, pcb) != NULL;
            continue;
        }
        const struct pcbtrack_entry *e = lookup(c->t, key_of(pcb));
        n += !e || e->state != pcb->state;
    }
    return n;
}

static int slot_order(const void *a, const void *b)
{
    const struct pcbtrack_entry *x = *(struct pcbtrack_entry *const *)a,
                                *y = *(struct pcbtrack_entry *const *)b;
    return x < y ? -1 : x > y;
}

/* At most one change of a pcb lwIP still holds, or none and freed pcbs: apply them (and the
 * retransmission counts) as the walk would, which reports freed pcbs in slot order. */
static void apply_touched(struct touched *c)
{
    struct pcbtrack *t = c->t;
    for (size_t i = 0; i < c->pcb_count; i++) {
        const struct stack_pcb *pcb = &c->pcbs[i];
        if (pcb->state != STACK_CLOSED) {
            visit(t, pcb);
            continue;
        }
        struct pcbtrack_entry *e = closed_slot(t, pcb);
        if (!e) continue;
        emit_change(t->trace, t->host, e, e->key, e->state, STACK_CLOSED, NULL);
        drop_slot(t, e);
        t->stack->pcb_tag(pcb->handle, 0);
    }
    if (c->gone_count > 1) qsort(c->gone, c->gone_count, sizeof *c->gone, slot_order);
    for (size_t i = 0; i < c->gone_count; i++) {
        struct pcbtrack_entry *e = c->gone[i];
        emit_change(t->trace, t->host, e, e->key, e->state, STACK_CLOSED, NULL);
        drop_slot(t, e);
    }
}

void pcbtrack_update(struct pcbtrack *t, const struct lwip_stack *stack, const char *host,
                     struct trace *trace)
{
    t->host = host;
    t->trace = trace;
    t->stack = stack;
    struct touched c;
    c.t = t;
    c.pcb_count = c.gone_count = 0;
    c.overflow = false;
    bool quick = stack->touched(&c, touched_pcb, touched_vanished) && !t->walk_next;
    t->walk_next = false;
    size_t changes = quick && !c.overflow ? count_changes(&c) : SIZE_MAX;
    if (changes > 1 || (changes == 1 && c.gone_count > 0))
        walk_all(t);
    else
        apply_touched(&c);
}

void pcbtrack_forget_all(struct pcbtrack *t, const char *host, struct trace *trace,
                         const char *cause)
{
    for (size_t i = 0; i < t->slot_count; i++) {
        struct pcbtrack_entry *e = &t->slots[i];
        if (!e->live) continue;
        emit_change(trace, host, e, e->key, e->state, STACK_CLOSED, cause);
        drop_slot(t, e);
    }
}

void pcbtrack_note_rst(struct pcbtrack *t, struct conn_key key, bool sent)
{
    /* lwIP's tcp_abandon unlinks the pcb, sends the RST and only then frees it (the destroy
     * callback comes after the packet): the look before the RST walks the lists, where the pcb
     * is already missing, as it always was. */
    if (sent) t->walk_next = true;
    struct pcbtrack_entry *e = lookup(t, key);
    if (!e) return;
    e->rst_sent = sent;
    e->rst_rcvd = !sent;
    e->rst_at_us = sched_now_us();
}

void pcbtrack_note_close(struct pcbtrack *t, struct conn_key key)
{
    struct pcbtrack_entry *e = lookup(t, key);
    if (e) e->closed = true;
}
