/* observe.c — see observe.h. Everything here is per instance (static in the instance object).
 * Costs: O(1) per hook, callback and door call; a look reports at most OBSERVE_MAX pcbs. */
#include "observe.h"

#include "lwip/api.h"
#include "lwip/priv/sockets_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sockets.h"

#include "port_hooks.h"

#include <string.h>

#define OBSERVE_MAX 32          /* more touched pcbs than this in one step: a full walk */
#define EXT_SELF 0              /* ext arg holding the pcb itself */
#define EXT_TAG 1               /* ext arg holding the simulator's tag */
#define EXT_SEEN 2              /* ext arg holding the state and nrtx last reported */

#if LWIP_TCP_PCB_NUM_EXT_ARGS < 3
#error "lwipopts.h: LWIP_TCP_PCB_NUM_EXT_ARGS must be 3 (observe.c)"
#endif

/* Pcbs touched since the last look; `step_pcbs` stay touched for the whole tcpip step (a look
 * in the middle of tcp_input, at an output, must not end what the rest of the step changes). */
static struct tcp_pcb *touched[OBSERVE_MAX], *step_pcbs[OBSERVE_MAX];
static size_t touched_len, step_len;
static bool need_full;          /* too many touched pcbs */
static bool timers_step;        /* lwIP's timers run in this tcpip step */
struct gone_pcb {
    const void *handle;
    uintptr_t tag;
};
static struct gone_pcb gone[OBSERVE_MAX];
static size_t gone_len;

/* The state of each pcb when the segment hook gave it a segment in this tcpip step (one message,
 * so one segment, per step): a look after the step tells a jump made inside one segment. */
static const struct tcp_pcb *segment_pcbs[OBSERVE_MAX];
static enum tcp_state segment_from[OBSERVE_MAX];
static size_t segment_len;

/* Sockets whose netconn reported an event since the last look. */
static bool socket_marked[NUM_SOCKETS];
static int socket_list[NUM_SOCKETS];
static size_t socket_len;
static netconn_callback lwip_socket_event;   /* lwIP's own (sockets.c event_callback) */

void observe_reset(void)
{
    touched_len = step_len = gone_len = socket_len = segment_len = 0;
    memset(socket_marked, 0, sizeof socket_marked);
    need_full = true;   /* the first look sees everything */
    timers_step = false;
}

static void add_to(struct tcp_pcb **list, size_t *len, struct tcp_pcb *pcb)
{
    if (!pcb) return;
    for (size_t i = 0; i < *len; i++)
        if (list[i] == pcb) return;
    if (*len == OBSERVE_MAX) need_full = true;
    else list[(*len)++] = pcb;
}

static void drop_from(struct tcp_pcb **list, size_t *len, const struct tcp_pcb *pcb)
{
    for (size_t i = 0; i < *len; i++)
        if (list[i] == pcb) list[i] = list[--*len];
}

/* ---- lwIP's extension points ---- */

static void on_destroy(u8_t id, void *data)
{
    (void)id;
    struct tcp_pcb *pcb = data;
    drop_from(touched, &touched_len, pcb);
    drop_from(step_pcbs, &step_len, pcb);
    for (size_t i = 0; i < segment_len; i++)
        if (segment_pcbs[i] == pcb) {
            segment_pcbs[i] = segment_pcbs[--segment_len];
            segment_from[i] = segment_from[segment_len];
        }
    uintptr_t tag = (uintptr_t)pcb->ext_args[EXT_TAG].data;
    if (!tag) return;
    if (gone_len == OBSERVE_MAX) need_full = true;
    else gone[gone_len++] = (struct gone_pcb){ pcb, tag };
}

static err_t on_passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb);

static const struct tcp_ext_arg_callbacks callbacks = {
    .destroy = on_destroy,
    .passive_open = on_passive_open,
};

static void adopt(struct tcp_pcb *pcb)
{
    tcp_ext_arg_set_callbacks(pcb, EXT_SELF, &callbacks);
    tcp_ext_arg_set(pcb, EXT_SELF, pcb);
    tcp_ext_arg_set(pcb, EXT_TAG, NULL);
    tcp_ext_arg_set(pcb, EXT_SEEN, NULL);
}

static err_t on_passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
{
    (void)id;
    (void)lpcb;
    adopt(cpcb);
    add_to(step_pcbs, &step_len, cpcb);
    return ERR_OK;
}

s8_t port_tcp_inpacket(struct tcp_pcb *pcb)
{
    add_to(step_pcbs, &step_len, pcb);
    bool known = false;
    for (size_t i = 0; i < segment_len; i++) known |= segment_pcbs[i] == pcb;
    if (!known && segment_len < OBSERVE_MAX) {   /* (a listening pcb has a state too) */
        segment_pcbs[segment_len] = pcb;
        segment_from[segment_len++] = pcb->state;
    }
    return ERR_OK;
}

static void on_netconn_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
    lwip_socket_event(conn, evt, len);
    int s = conn->socket - LWIP_SOCKET_OFFSET;
    if (s < 0 || s >= NUM_SOCKETS || socket_marked[s]) return;
    socket_marked[s] = true;
    socket_list[socket_len++] = s;
}

/* ---- the door's side ---- */

static struct tcp_pcb *pcb_of_socket(int s)
{
    struct lwip_sock *sock = lwip_socket_dbg_get_socket(s);
    if (!sock || !sock->conn || NETCONNTYPE_GROUP(sock->conn->type) != NETCONN_TCP) return NULL;
    return sock->conn->pcb.tcp;
}

void observe_socket_created(int s)
{
    struct lwip_sock *sock = lwip_socket_dbg_get_socket(s);
    if (!sock || !sock->conn) return;
    if (sock->conn->callback != on_netconn_event) {
        lwip_socket_event = sock->conn->callback;
        sock->conn->callback = on_netconn_event;
    }
    struct tcp_pcb *pcb = pcb_of_socket(s);
    if (pcb) adopt(pcb);
}

void observe_socket_listening(int s)
{
    struct tcp_pcb *lpcb = pcb_of_socket(s);
    if (!lpcb) return;
    /* tcp_listen copied the old pcb's ext args, whose "self" is the freed pcb */
    tcp_ext_arg_set(lpcb, EXT_SELF, lpcb);
    add_to(touched, &touched_len, lpcb);
}

void observe_touch_socket(int s) { add_to(touched, &touched_len, pcb_of_socket(s)); }

void observe_step_begin(bool timers_due)
{
    step_len = segment_len = 0;
    timers_step = timers_due;
}

void observe_step_done(void)
{
    step_len = segment_len = 0;
    timers_step = false;
}

enum stack_tcp_state observe_state(enum tcp_state s)
{
    switch (s) {
    case CLOSED: return STACK_CLOSED;
    case LISTEN: return STACK_LISTEN;
    case SYN_SENT: return STACK_SYN_SENT;
    case SYN_RCVD: return STACK_SYN_RCVD;
    case ESTABLISHED: return STACK_ESTABLISHED;
    case FIN_WAIT_1: return STACK_FIN_WAIT_1;
    case FIN_WAIT_2: return STACK_FIN_WAIT_2;
    case CLOSE_WAIT: return STACK_CLOSE_WAIT;
    case CLOSING: return STACK_CLOSING;
    case LAST_ACK: return STACK_LAST_ACK;
    case TIME_WAIT: return STACK_TIME_WAIT;
    }
    return STACK_CLOSED;
}

/* What a report of the pcb showed: its state and retransmission count (+1: 0 = never). */
static uintptr_t seen_code(const struct tcp_pcb *pcb)
{
    return ((uintptr_t)pcb->state << 8 | pcb->nrtx) + 1;
}

/* lwIP's timers change pcbs nobody names (retransmissions in tcp_slowtmr, a pending close in
 * tcp_fasttmr or poll_tcp): in a step where they ran, every connected pcb whose state or nrtx
 * differs from its last report counts as touched. One comparison per pcb, next to tcp_slowtmr's
 * own walk of the same lists. */
static void touch_changed_by_timers(void)
{
    struct tcp_pcb *lists[] = { tcp_active_pcbs, tcp_tw_pcbs };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        for (struct tcp_pcb *p = lists[i]; p; p = p->next)
            if ((uintptr_t)p->ext_args[EXT_SEEN].data != seen_code(p)) add_to(touched, &touched_len, p);
}

struct stack_pcb observe_view(const struct tcp_pcb *pcb)
{
    struct stack_pcb v = {
        .local_ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip))),
        .local_port = pcb->local_port,
        .handle = pcb,
        .tag = (uintptr_t)pcb->ext_args[EXT_TAG].data,
        .segment_from = STACK_TCP_STATE_COUNT,
    };
    for (size_t i = 0; i < segment_len; i++)
        if (segment_pcbs[i] == pcb) v.segment_from = observe_state(segment_from[i]);
    if (pcb->state == LISTEN) {
        v.state = STACK_LISTEN;
        return v;
    }
    /* (only now: a listening pcb is a shorter struct, without nrtx; timers never change one) */
    ((struct tcp_pcb *)pcb)->ext_args[EXT_SEEN].data = (void *)seen_code(pcb);
    v.state = observe_state(pcb->state);
    v.remote_ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)));
    v.remote_port = pcb->remote_port;
    v.nrtx = pcb->nrtx;
    v.rtx_exhausted = pcb->nrtx >= (pcb->state == SYN_SENT ? TCP_SYNMAXRTX : TCP_MAXRTX);
    return v;
}

bool observe_touched(void *ctx, void (*visit)(void *ctx, const struct stack_pcb *pcb),
                     void (*vanished)(void *ctx, const void *handle, uintptr_t tag))
{
    if (timers_step) touch_changed_by_timers();
    bool complete = !need_full;
    need_full = false;
    if (complete) {
        for (size_t i = 0; i < step_len; i++) {
            struct stack_pcb v = observe_view(step_pcbs[i]);
            visit(ctx, &v);
        }
        for (size_t i = 0; i < touched_len; i++) {
            struct stack_pcb v = observe_view(touched[i]);
            visit(ctx, &v);
        }
        for (size_t i = 0; i < gone_len; i++) vanished(ctx, gone[i].handle, gone[i].tag);
    }
    touched_len = gone_len = 0;
    return complete;
}

/* Written directly: tcp_ext_arg_set asserts the core lock, and the simulator looks from outside
 * lwIP (the field is the simulator's own). */
void observe_pcb_tag(const void *handle, uintptr_t tag)
{
    ((struct tcp_pcb *)handle)->ext_args[EXT_TAG].data = (void *)tag;
}

size_t observe_socket_events(int *out, size_t max)
{
    size_t n = socket_len;
    for (size_t i = 0; i < socket_len; i++) {
        socket_marked[socket_list[i]] = false;
        if (i < max) out[i] = socket_list[i];
    }
    socket_len = 0;
    return n;
}
