/* host — see host.h. */
#include "host.h"

#include "packet.h"
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static struct conn_key key_as_sender(const struct packet_info *p)
{
    return (struct conn_key){ p->src_ip, p->dst_ip, p->src_port, p->dst_port };
}

static struct conn_key key_as_receiver(const struct packet_info *p)
{
    return (struct conn_key){ p->dst_ip, p->src_ip, p->dst_port, p->src_port };
}

static void env_output(void *host, const uint8_t *pkt, size_t len)
{
    struct host *h = host;
    /* State changes that led to this packet come before it in the trace. */
    host_observe(h);
    struct packet_info info;
    if (packet_decode(pkt, len, &info) && info.proto == PACKET_TCP && (info.flags & TCP_RST))
        pcbtrack_note_rst(&h->pcbs, key_as_sender(&info), true);
    h->net.transmit(h->net.ctx, h, pkt, len);
}

static uint32_t env_rand32(void *host)
{
    return (uint32_t)(prng_next(&((struct host *)host)->prng) >> 32);
}

static void env_step(void *host) { host_observe(host); }

static void env_fail(void *host, const char *msg, const char *file, int line)
{
    sched_panic("host %s: lwIP assertion \"%s\" failed at %s:%d", ((struct host *)host)->name,
                msg, file, line);
}

struct host *host_new(const char *name, uint32_t ip, int index, const struct lwip_stack *stack,
                      struct prng prng, const struct host_net *net)
{
    struct host *h = calloc(1, sizeof *h);
    if (!h) sched_panic("out of memory");
    snprintf(h->name, sizeof h->name, "%s", name);
    h->ip = ip;
    h->index = index;
    h->stack = stack;
    h->prng = prng;
    h->net = *net;
    pcbtrack_init(&h->pcbs);
    struct stack_env env = {
        .host = h, .name = h->name, .ip = ip, .netmask = 0xffffff00u,
        .output = env_output, .rand32 = env_rand32, .step = env_step, .fail = env_fail,
    };
    stack->reset();
    if (stack->start(&env) != 0) sched_panic("host %s: lwIP did not start", name);
    return h;
}

void host_free(struct host *h)
{
    if (!h) return;
    for (struct proc *p = h->procs, *next; p; p = next) {
        next = p->next;
        free(p->fds);
        free(p);
    }
    pcbtrack_free(&h->pcbs);
    h->stack->reset();
    free(h);
}

const char *host_name(const struct host *h) { return h->name; }
uint32_t host_ip(const struct host *h) { return h->ip; }
int host_index(const struct host *h) { return h->index; }
const struct lwip_stack *host_stack(const struct host *h) { return h->stack; }

void host_observe(struct host *h) { pcbtrack_update(&h->pcbs, h->stack, h->name, h->net.trace); }

void host_input(struct host *h, const uint8_t *pkt, size_t len)
{
    struct packet_info info;
    if (packet_decode(pkt, len, &info) && info.proto == PACKET_TCP && (info.flags & TCP_RST))
        pcbtrack_note_rst(&h->pcbs, key_as_receiver(&info), false);
    if (h->stack->input(pkt, len) == 0) return;
    struct trace_event ev = { .type = TRACE_LINK, .u.link.event = "host-drop" };
    snprintf(ev.u.link.detail, sizeof ev.u.link.detail,
             "%s: lwIP refused a packet (no pbuf or mailbox full)", h->name);
    trace_emit(h->net.trace, &ev);
}

struct proc *host_spawn(struct host *h, const char *name, uint64_t start_us,
                        void (*main)(struct proc *p, void *arg), void *arg)
{
    struct proc *p = calloc(1, sizeof *p);
    if (!p) sched_panic("out of memory");
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->full_name, sizeof p->full_name, "%s/%s", h->name, p->name);
    p->host = h;
    p->main = main;
    p->arg = arg;
    p->fd_limit = HOST_DEFAULT_FD_LIMIT;
    p->fds = malloc((size_t)p->fd_limit * sizeof *p->fds);
    if (!p->fds) sched_panic("out of memory");
    for (int i = 0; i < p->fd_limit; i++) p->fds[i] = -1;
    if (h->procs_tail) h->procs_tail->next = p; else h->procs = p;
    h->procs_tail = p;
    p->coro = sched_spawn(p->full_name, CORO_PROCESS, h, start_us, proc_main, p);
    return p;
}
