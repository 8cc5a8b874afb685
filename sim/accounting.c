/* accounting — see accounting.h. Flows are kept in first-seen order (the report's order) and
 * found through a connmap, so nothing depends on hash order. */
#include "accounting.h"

#include "packet.h"
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_MISMATCH UINT64_MAX
#define NO_OLDER SIZE_MAX

struct flow {
    struct conn_key key;            /* sender -> receiver */
    uint32_t incarnation;           /* 0 for the key's first connection, 1 for the next, ... */
    size_t older;                   /* the key's previous incarnation, or NO_OLDER */
    uint64_t sent, received;        /* by the applications */
    /* The bytes sent and not yet received (offsets pending_from .. sent), for the content check:
     * memory in proportion to what is in flight, not to what was ever sent. */
    uint8_t *pending;
    size_t pending_len, pending_cap;
    uint64_t pending_from;
    uint64_t mismatch_at;
    uint64_t on_wire;               /* the sender's TCP sent bytes 1..on_wire */
    uint64_t acked;                 /* the receiver's TCP acknowledged bytes 1..acked */
    bool reset, receiver_closed, sender_down, receiver_down;
};

struct accounting {
    struct flow *flows;
    size_t count, cap;
    struct connmap index;
};

struct accounting *accounting_new(void)
{
    struct accounting *a = calloc(1, sizeof *a);
    if (!a) sched_out_of_memory();
    connmap_init(&a->index);
    return a;
}

void accounting_free(struct accounting *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->count; i++) free(a->flows[i].pending);
    free(a->flows);
    connmap_free(&a->index);
    free(a);
}

static struct conn_key reversed(struct conn_key k)
{
    return (struct conn_key){ k.remote_ip, k.local_ip, k.remote_port, k.local_port };
}

static struct flow *find(struct accounting *a, struct conn_key key)
{
    uint64_t *i = connmap_get(&a->index, key);
    return i ? &a->flows[*i] : NULL;
}

static struct flow *new_flow(struct accounting *a, struct conn_key key)
{
    struct flow *f = find(a, key);
    uint32_t incarnation = f ? f->incarnation + 1 : 0;
    size_t older = f ? (size_t)(f - a->flows) : NO_OLDER;
    if (a->count == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->flows = realloc(a->flows, a->cap * sizeof *a->flows);
        if (!a->flows) sched_out_of_memory();
    }
    f = &a->flows[a->count];
    *f = (struct flow){ .key = key, .incarnation = incarnation, .older = older,
                        .mismatch_at = NO_MISMATCH };
    connmap_put(&a->index, key, a->count++);
    return f;
}

static uint64_t max_of(uint64_t a, uint64_t b) { return a > b ? a : b; }

static struct flow *flow_of(struct accounting *a, struct conn_key key)
{
    struct flow *f = find(a, key);
    return f ? f : new_flow(a, key);
}

static bool flow_used(const struct flow *f)
{
    return f->sent || f->received || f->on_wire || f->acked || f->reset || f->receiver_closed ||
           f->sender_down || f->receiver_down;
}

/* A SYN without ACK opens a new connection. When its 4-tuple carried an earlier one (a port
 * bound again after the first connection ended), the new one is accounted on its own from byte
 * 1: the old flows keep their numbers and are reported as they ended. */
static void new_incarnation(struct accounting *a, struct conn_key key)
{
    struct flow *f = find(a, key);
    if (f && flow_used(f)) new_flow(a, key);
}

uint32_t accounting_incarnation(struct accounting *a, struct conn_key key)
{
    return flow_of(a, key)->incarnation;
}

/* The flow of that incarnation of key (the current one if it is gone: never, in practice). */
static struct flow *incarnation_of(struct accounting *a, struct conn_key key, uint32_t incarnation)
{
    struct flow *f = flow_of(a, key), *newest = f;
    while (f->incarnation != incarnation && f->older != NO_OLDER) f = &a->flows[f->older];
    return f->incarnation == incarnation ? f : newest;
}

void accounting_sent(struct accounting *a, struct conn_key key, const void *buf, size_t len)
{
    accounting_sent_on(a, key, accounting_incarnation(a, key), buf, len);
}

void accounting_received(struct accounting *a, struct conn_key key, const void *buf, size_t len)
{
    accounting_received_on(a, key, accounting_incarnation(a, key), buf, len);
}

void accounting_sent_on(struct accounting *a, struct conn_key key, uint32_t incarnation,
                        const void *buf, size_t len)
{
    struct flow *f = incarnation_of(a, key, incarnation);
    uint64_t end = f->sent + len, start = max_of(f->sent, f->received);   /* read already: not kept */
    f->sent = end;
    if (start >= end) return;
    size_t add = (size_t)(end - start);
    if (f->pending_len == 0) f->pending_from = start;
    if (f->pending_len + add > f->pending_cap) {
        /* from a small start: thousands of connections sending 100 B each keep 128 B each */
        size_t cap = f->pending_cap ? f->pending_cap : 64;
        while (cap < f->pending_len + add) cap *= 2;
        f->pending = realloc(f->pending, cap);
        if (!f->pending) sched_out_of_memory();
        f->pending_cap = cap;
    }
    memcpy(f->pending + f->pending_len, (const uint8_t *)buf + (len - add), add);
    f->pending_len += add;
}

/* Compares what was read with what was sent at those offsets, then forgets those bytes. */
void accounting_received_on(struct accounting *a, struct conn_key key, uint32_t incarnation,
                            const void *buf, size_t len)
{
    struct flow *f = incarnation_of(a, key, incarnation);
    const uint8_t *got = buf;
    uint64_t end = f->received + len, checked_end = end < f->sent ? end : f->sent;
    size_t n = checked_end > f->received ? (size_t)(checked_end - f->received) : 0;
    if (f->mismatch_at == NO_MISMATCH && n && memcmp(got, f->pending, n) != 0) {
        size_t i = 0;
        while (got[i] == f->pending[i]) i++;
        f->mismatch_at = f->received + i;
    }
    if (f->mismatch_at == NO_MISMATCH && end > f->sent) f->mismatch_at = f->received + n;
    f->received = end;
    if (n) {
        f->pending_len -= n;
        memmove(f->pending, f->pending + n, f->pending_len);
        f->pending_from += n;
    }
}

void accounting_segment(struct accounting *a, const struct trace_segment *s)
{
    /* A segment can come before the send() that queued it returns (lwIP transmits inside the
     * call), so both directions are created here if needed. */
    struct conn_key dir = { s->src_ip, s->dst_ip, s->src_port, s->dst_port };
    if ((s->flags & TCP_SYN) && !(s->flags & TCP_ACK)) {
        new_incarnation(a, dir);
        new_incarnation(a, reversed(dir));
    }
    struct flow *out = flow_of(a, dir), *in = flow_of(a, reversed(dir));
    if (s->flags & TCP_RST) {
        if (out) out->reset = true;
        if (in) in->reset = true;
    }
    /* relative seq 1 is the first data byte (the SYN took seq 0) */
    if (out && s->len > 0 && s->seq + s->len - 1 > out->on_wire) out->on_wire = s->seq + s->len - 1;
    if (in && (s->flags & TCP_ACK) && s->delivered && s->ack > 0 && s->ack - 1 > in->acked)
        in->acked = s->ack - 1;
}

void accounting_closed(struct accounting *a, struct conn_key receiver_side)
{
    struct flow *f = find(a, reversed(receiver_side));
    if (f) f->receiver_closed = true;
}

void accounting_host_down(struct accounting *a, uint32_t ip)
{
    for (size_t i = 0; i < a->count; i++) {
        struct flow *f = &a->flows[i];
        if (f->key.local_ip == ip) f->sender_down = true;
        if (f->key.remote_ip == ip) f->receiver_down = true;
    }
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Bytes the receiver's TCP had but its application never read. */
static const char *unread_reason(const struct flow *f)
{
    if (f->receiver_down) return "unread when the host crashed";
    if (f->reset) return "discarded by an RST";
    if (f->receiver_closed) return "unread at close";
    return "unread at the end of the run";
}

/* Bytes that never reached the receiver's TCP. */
static const char *unarrived_reason(const struct flow *f, uint64_t arrived)
{
    if (f->sender_down) return "still queued when the host crashed";
    if (f->receiver_down) return "sent to a crashed host";
    if (f->reset) return "discarded by an RST";
    if (f->on_wire > arrived) return "lost on the way; the connection was given up";
    return "never sent";
}

static void emit(struct trace *trace, const struct flow *f, const char *from, const char *to)
{
    struct trace_event ev = { .type = TRACE_ACCOUNTING };
    struct trace_accounting *t = &ev.u.accounting;
    char lip[16], rip[16];
    t->from = from;
    t->to = to;
    snprintf(t->conn, sizeof t->conn, "%s:%u>%s:%u", ip4_str(f->key.local_ip, lip),
             f->key.local_port, ip4_str(f->key.remote_ip, rip), f->key.remote_port);
    t->sent = f->sent;
    t->delivered = min_u64(f->received, f->sent);
    uint64_t arrived = min_u64(max_u64(f->acked, f->received), f->sent);
    t->lost_unread = arrived - t->delivered;
    t->unread_reason = t->lost_unread ? unread_reason(f) : NULL;
    t->lost_unarrived = f->sent - arrived;
    t->unarrived_reason = t->lost_unarrived ? unarrived_reason(f, arrived) : NULL;
    t->never_on_wire = f->sent - min_u64(f->on_wire, f->sent);
    t->mismatch_at = f->mismatch_at == NO_MISMATCH ? -1 : (int64_t)f->mismatch_at;
    t->ok = f->mismatch_at == NO_MISMATCH && f->received <= f->sent;
    trace_emit(trace, &ev);
}

size_t accounting_report(struct accounting *a, struct trace *trace,
                         const char *(*host_name)(void *ctx, uint32_t ip), void *ctx)
{
    size_t bad = 0;
    for (size_t i = 0; i < a->count; i++) {
        const struct flow *f = &a->flows[i];
        if (f->sent == 0 && f->received == 0) continue;
        emit(trace, f, host_name(ctx, f->key.local_ip), host_name(ctx, f->key.remote_ip));
        bad += f->mismatch_at != NO_MISMATCH || f->received > f->sent;
    }
    return bad;
}
