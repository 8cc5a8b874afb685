/* host — see host.h. */
#include "host.h"

#include "accounting.h"

#include "packet.h"

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

static void emit_host(struct host *h, const char *event)
{
    struct trace_event ev = { .type = TRACE_HOST, .u.host = { h->name, event } };
    trace_emit(h->net.trace, &ev);
}

/* ---- the stack's callbacks ---- */

static void env_output(void *host, const uint8_t *pkt, size_t len)
{
    struct host *h = host;
    /* An RST is noted first: lwIP's tcp_abandon frees the pcb before sending it, and the
     * observation below must already know why the pcb is gone. */
    struct packet_info info;
    if (packet_decode(pkt, len, &info) && info.proto == PACKET_TCP && (info.flags & TCP_RST))
        pcbtrack_note_rst(&h->pcbs, key_as_sender(&info), true);
    /* State changes that led to this packet come before it in the trace. */
    host_observe(h);
    h->net.transmit(h->net.ctx, h, pkt, len);
}

static uint32_t env_rand32(void *host)
{
    return (uint32_t)(prng_next(&((struct host *)host)->prng) >> 32);
}

static void env_step(void *host) { host_step(host); }

static void env_fail(void *host, const char *msg, const char *file, int line)
{
    sched_panic("host %s: lwIP assertion \"%s\" failed at %s:%d", ((struct host *)host)->name,
                msg, file, line);
}

static void stack_power_on(struct host *h)
{
    struct stack_env env = {
        .host = h, .name = h->name, .ip = h->ip, .netmask = 0xffffff00u,
        .output = env_output, .rand32 = env_rand32, .step = env_step, .fail = env_fail,
    };
    if (h->powered) h->bound_reached |= h->stack->bound_reached();   /* reset forgets it */
    h->powered = true;
    h->stack->reset();
    if (h->stack->start(&env) != 0) sched_panic("host %s: lwIP did not start", h->name);
    h->up = true;
    h->pool_count = h->stack->pools(h->pools_at_power_on, HOST_MAX_POOLS);
    h->pool_errors_seen = h->stack->pool_errors();
    for (size_t i = 0; i < h->pool_count; i++) h->pool_refused[i] = h->pools_at_power_on[i].errors;
}

/* An lwIP pool that refused allocations since the last look is reported once per step, with
 * the number refused: what ran out, when, and how full it was. */
static void report_exhausted_pools(struct host *h)
{
    uint64_t errors = h->stack->pool_errors();
    if (errors == h->pool_errors_seen) return;
    h->pool_errors_seen = errors;
    if (h->stop_at_refusal && h->stack->bound_reached()) {
        sched_request_stop();   /* the run is done again on the default family: no report */
        return;
    }
    struct stack_pool now[HOST_MAX_POOLS];
    size_t n = h->stack->pools(now, HOST_MAX_POOLS);
    for (size_t i = 0; i < n && i < h->pool_count; i++) {
        if (now[i].errors == h->pool_refused[i]) continue;
        struct trace_event ev = { .type = TRACE_POOL };
        ev.u.pool = (struct trace_pool){ h->name, now[i].name, now[i].used, now[i].avail,
                                         now[i].errors - h->pool_refused[i] };
        h->pool_refused[i] = now[i].errors;
        trace_emit(h->net.trace, &ev);
    }
}

bool host_pool_leak(const struct host *h, char *buf, size_t size)
{
    struct stack_pool now[HOST_MAX_POOLS];
    size_t n = h->stack->pools(now, HOST_MAX_POOLS);
    for (size_t i = 0; i < n && i < h->pool_count; i++) {
        if (now[i].used == h->pools_at_power_on[i].used) continue;
        snprintf(buf, size, "%s: pool %s has %u in use, %u at power-on", h->name, now[i].name,
                 now[i].used, h->pools_at_power_on[i].used);
        return true;
    }
    return false;
}

struct host *host_new(const char *name, uint32_t ip, int index, const struct lwip_stack *stack,
                      struct prng prng, const struct host_net *net)
{
    struct host *h = calloc(1, sizeof *h);
    if (!h) sched_out_of_memory();
    snprintf(h->name, sizeof h->name, "%s", name);
    h->ip = ip;
    h->index = index;
    h->stack = stack;
    h->prng = prng;
    h->net = *net;
    pcbtrack_init(&h->pcbs);
    stack_power_on(h);
    return h;
}

static void free_procs(struct host *h)
{
    for (struct proc *p = h->procs, *next; p; p = next) {
        next = p->next;
        free(p->fds);
        free(p);
    }
    h->procs = h->procs_tail = NULL;
    h->waiters = NULL;
}

void host_free(struct host *h)
{
    if (!h) return;
    free_procs(h);
    pcbtrack_free(&h->pcbs);
    free(h->waiter_of_socket);
    h->stack->release();
    free(h);
}

const char *host_name(const struct host *h) { return h->name; }
uint32_t host_ip(const struct host *h) { return h->ip; }
int host_index(const struct host *h) { return h->index; }
bool host_is_up(const struct host *h) { return h->up; }
const struct lwip_stack *host_stack(const struct host *h) { return h->stack; }
void host_stop_at_refusal(struct host *h, bool on) { h->stop_at_refusal = on; }

bool host_bound_reached(const struct host *h)
{
    return h->bound_reached || (h->powered && h->stack->bound_reached());
}

static void report_exhausted_pools(struct host *h);

void host_observe(struct host *h)
{
    if (!h->up) return;
    pcbtrack_update(&h->pcbs, h->stack, h->name, h->net.trace);
    report_exhausted_pools(h);
}

/* ---- processes waiting for their sockets ---- */

static struct proc **waiter_slot(struct host *h, int sock)
{
    if ((size_t)sock >= h->waiter_of_socket_cap) {
        size_t cap = h->waiter_of_socket_cap ? h->waiter_of_socket_cap : 64;
        while (cap <= (size_t)sock) cap *= 2;
        struct proc **grown = realloc(h->waiter_of_socket, cap * sizeof *grown);
        if (!grown) sched_out_of_memory();
        for (size_t i = h->waiter_of_socket_cap; i < cap; i++) grown[i] = NULL;
        h->waiter_of_socket = grown;
        h->waiter_of_socket_cap = cap;
    }
    return &h->waiter_of_socket[sock];
}

void host_add_waiter(struct host *h, struct proc *p)
{
    p->waiter_prev = NULL;
    p->waiter_next = h->waiters;
    if (h->waiters) h->waiters->waiter_prev = p;
    h->waiters = p;
    p->wait_seq = ++h->wait_seq;
    p->socket_waiter = true;
    p->checked_every_step = p->wait_writer || p->wait_set;
    if (p->checked_every_step) {
        h->every_step_waiters++;
        return;
    }
    struct proc **slot = waiter_slot(h, p->wait_sock);
    if (*slot) h->poll_every_waiter = true;   /* two waiters on one socket: poll them all */
    *slot = p;
    if (h->fresh_count == HOST_FRESH_WAITERS) h->poll_every_waiter = true;
    else h->fresh_waiters[h->fresh_count++] = p;
}

void host_remove_waiter(struct host *h, struct proc *p)
{
    if (p->waiter_prev) p->waiter_prev->waiter_next = p->waiter_next;
    else if (h->waiters == p) h->waiters = p->waiter_next;
    if (p->waiter_next) p->waiter_next->waiter_prev = p->waiter_prev;
    p->waiter_prev = p->waiter_next = NULL;
    p->socket_waiter = false;
    if (p->checked_every_step) {
        p->checked_every_step = false;
        h->every_step_waiters--;
        return;
    }
    if ((size_t)p->wait_sock < h->waiter_of_socket_cap &&
        h->waiter_of_socket[p->wait_sock] == p)
        h->waiter_of_socket[p->wait_sock] = NULL;
}

static void forget_waiters(struct host *h)
{
    for (struct proc *p = h->waiters; p; p = p->waiter_next)
        p->socket_waiter = p->checked_every_step = false;
    h->waiters = NULL;
    for (size_t i = 0; i < h->waiter_of_socket_cap; i++) h->waiter_of_socket[i] = NULL;
    h->fresh_count = 0;
    h->every_step_waiters = 0;
    h->poll_every_waiter = false;
}

/* O(waiting processes), each a non-blocking look at lwIP (lwip_poll, or a blocked send's
 * write room): cheaper than waking every process to retry its call, and only a socket's own
 * readiness wakes its process. */
static void poll_every_waiter(struct host *h)
{
    for (struct proc *p = h->waiters; p; p = p->waiter_next)
        if (proc_wait_ready(p)) sched_wake_one(&p->wakeup);
}

static void add_candidate(struct proc **list, size_t *n, struct proc *p)
{
    if (!p || !p->socket_waiter) return;
    for (size_t i = 0; i < *n; i++)
        if (list[i] == p) return;
    list[(*n)++] = p;
}

static int newest_first(const void *a, const void *b)
{
    uint64_t x = (*(struct proc *const *)a)->wait_seq, y = (*(struct proc *const *)b)->wait_seq;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Polls only the processes that began waiting since the last step and those whose socket lwIP
 * reported an event on (lwip_poll's answer changes only with such an event), and wakes the
 * ready ones in the order of host->waiters (newest first), as polling them all would. While a
 * process waits that lwIP's socket events do not cover, every waiter is looked at after every
 * step, as before: a blocked writer (it waits for what makes lwIP call its writer again, an ACK
 * of new data in sent_tcp, the poll timer in poll_tcp, an error in err_tcp, none of which
 * signals a socket event while the send buffer stays short) or a poll over a set of sockets. */
static void wake_ready_waiters(struct host *h)
{
    enum { MAX_EVENTS = 64 };
    int socks[MAX_EVENTS];
    size_t n = h->stack->socket_events(socks, MAX_EVENTS);
    if (n > MAX_EVENTS || h->poll_every_waiter || h->every_step_waiters > 0) {
        h->fresh_count = 0;
        h->poll_every_waiter = false;
        poll_every_waiter(h);
        return;
    }
    struct proc *candidates[MAX_EVENTS + HOST_FRESH_WAITERS];
    size_t count = 0;
    for (size_t i = 0; i < h->fresh_count; i++) add_candidate(candidates, &count, h->fresh_waiters[i]);
    h->fresh_count = 0;
    for (size_t i = 0; i < n; i++)
        if ((size_t)socks[i] < h->waiter_of_socket_cap)
            add_candidate(candidates, &count, h->waiter_of_socket[socks[i]]);
    if (count > 1) qsort(candidates, count, sizeof *candidates, newest_first);
    for (size_t i = 0; i < count; i++) {
        struct proc *p = candidates[i];
        if (proc_wait_ready(p)) sched_wake_one(&p->wakeup);
    }
}

void host_step(struct host *h)
{
    if (!h->up) return;
    host_observe(h);
    wake_ready_waiters(h);
}

void host_input(struct host *h, const uint8_t *pkt, size_t len)
{
    struct trace_event ev = { .type = TRACE_LINK, .u.link.event = "host-drop" };
    if (!h->up) {
        snprintf(ev.u.link.detail, sizeof ev.u.link.detail,
                 "%s is down: an arriving packet is lost", h->name);
        trace_emit(h->net.trace, &ev);
        return;
    }
    struct packet_info info;
    if (packet_decode(pkt, len, &info) && info.proto == PACKET_TCP && (info.flags & TCP_RST))
        pcbtrack_note_rst(&h->pcbs, key_as_receiver(&info), false);
    if (h->stack->input(pkt, len) == 0) return;
    snprintf(ev.u.link.detail, sizeof ev.u.link.detail,
             "%s: lwIP refused a packet (no pbuf or mailbox full)", h->name);
    trace_emit(h->net.trace, &ev);
}

/* A process starts as a coroutine only at its start time, and only if its host is up then:
 * a process scheduled after a reboot runs on the rebooted machine, one whose host is down at
 * that moment never starts (a `process` event says so). */
static void start_process(void *arg)
{
    struct proc *p = arg;
    struct host *h = p->host;
    if (!h->up) {
        p->exited = true;
        struct trace_event ev = { .type = TRACE_PROCESS };
        ev.u.process = (struct trace_process){ h->name, p->name, "not-started", -1 };
        trace_emit(h->net.trace, &ev);
        return;
    }
    p->coro = sched_spawn(p->full_name, CORO_PROCESS, h, sched_now_us(), proc_main, p);
}

struct proc *host_spawn(struct host *h, const char *name, uint64_t start_us,
                        void (*main)(struct proc *p, void *arg), void *arg)
{
    struct proc *p = calloc(1, sizeof *p);
    if (!p) sched_out_of_memory();
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->full_name, sizeof p->full_name, "%s/%s", h->name, p->name);
    p->host = h;
    p->main = main;
    p->arg = arg;
    p->fatal_signal = -1;
    p->fd_limit = HOST_DEFAULT_FD_LIMIT;
    p->fd_capacity = HOST_INITIAL_FDS;   /* grows up to the limit as fds are opened */
    p->fds = malloc((size_t)p->fd_capacity * sizeof *p->fds);
    if (!p->fds) sched_out_of_memory();
    for (int i = 0; i < p->fd_capacity; i++) p->fds[i] = (struct fd_entry){ .sock = -1 };
    if (h->procs_tail) h->procs_tail->next = p; else h->procs = p;
    h->procs_tail = p;
    if (start_us <= sched_now_us()) start_process(p);
    else sched_at(start_us, start_process, p);
    return p;
}

struct proc *host_proc(const struct host *h, const char *name)
{
    struct proc *found = NULL;
    for (struct proc *p = h->procs; p; p = p->next)
        if (strcmp(p->name, name) == 0) found = p;
    return found;
}

/* ---- machine events ---- */

/* The machine stops: no more code of it runs, nothing more is sent, its processes are gone
 * without closing anything, and its connections are forgotten (shown as going to CLOSED). */
static void power_off(struct host *h, const char *cause)
{
    host_observe(h);
    accounting_host_down(h->net.accounting, h->ip);
    h->up = false;
    h->shutting_down = false;
    sched_destroy_owned_by(h);
    for (struct proc *p = h->procs; p; p = p->next) {
        if (!p->coro) continue;   /* not started yet: it may start after a reboot */
        if (!p->exited) p->killed = true;
        p->exited = true;
        p->coro = NULL;
        for (int fd = 0; fd < p->fd_capacity; fd++) p->fds[fd].sock = -1;
        p->fd_free_hint = 0;
    }
    forget_waiters(h);
    pcbtrack_forget_all(&h->pcbs, h->name, h->net.trace, cause);
}

void host_crash(struct host *h)
{
    if (!h->up) return;
    emit_host(h, "crash");
    power_off(h, "host crashed");
}

void host_reboot(struct host *h)
{
    if (h->up) {
        emit_host(h, "crash");
        power_off(h, "host crashed");
    }
    emit_host(h, "reboot");
    stack_power_on(h);
    emit_host(h, "up");
}

static bool has_live_process(const struct host *h)
{
    for (struct proc *p = h->procs; p; p = p->next)
        if (p->coro && !p->exited) return true;
    return false;
}

static void shutdown_power_off(void *arg)
{
    struct host *h = arg;
    if (!h->up || !h->shutting_down) return;
    emit_host(h, "down");
    power_off(h, "host powered off");
}

/* Once the last process is gone, the interfaces go down a little later (time for the FINs
 * the exits caused to leave). */
static void schedule_power_off(struct host *h)
{
    if (h->power_off_scheduled) return;
    h->power_off_scheduled = true;
    sched_at(sched_now_us() + HOST_SHUTDOWN_DOWN_AFTER_US, shutdown_power_off, h);
}

void host_proc_exited(struct host *h)
{
    if (h->up && h->shutting_down && !has_live_process(h)) schedule_power_off(h);
}

static void shutdown_kill_rest(void *arg)
{
    struct host *h = arg;
    if (!h->up || !h->shutting_down) return;
    for (struct proc *p = h->procs; p; p = p->next)
        if (p->coro && !p->exited) proc_deliver_signal(p, PROC_SIGKILL);
}

void host_shutdown(struct host *h, uint64_t grace_us)
{
    if (!h->up || h->shutting_down) return;
    emit_host(h, "shutdown");
    h->shutting_down = true;
    h->power_off_scheduled = false;
    for (struct proc *p = h->procs; p; p = p->next)
        if (p->coro && !p->exited) proc_deliver_signal(p, PROC_SIGTERM);
    if (has_live_process(h)) sched_at(sched_now_us() + grace_us, shutdown_kill_rest, h);
    else schedule_power_off(h);
}
