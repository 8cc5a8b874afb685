/* proc — see proc.h. Each call: note what the process is doing (for deadlock reports), run
 * lwIP's non-blocking call (waiting in the simulator while it would block), observe the stack
 * so that state changes precede the call's own event, then emit the `call` event. */
#include "proc.h"

#include "accounting.h"
#include "defect.h"
#include "reasons.h"

#include "packet.h"
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_FD 3   /* 0, 1 and 2 are the process's stdio, as on any POSIX system */

static const int signal_numbers[PROC_SIGNAL_COUNT] = {
    [PROC_SIGKILL] = 9, [PROC_SIGPIPE] = 13, [PROC_SIGTERM] = 15,
};

const char *proc_signal_name(enum proc_signal sig)
{
    switch (sig) {
    case PROC_SIGKILL: return "SIGKILL";
    case PROC_SIGPIPE: return "SIGPIPE";
    case PROC_SIGTERM: return "SIGTERM";
    case PROC_SIGNAL_COUNT: break;
    }
    return "?";
}

const char *proc_name(const struct proc *p) { return p->name; }
struct host *proc_host(const struct proc *p) { return p->host; }
bool proc_exited(const struct proc *p) { return p->exited; }
bool proc_killed(const struct proc *p) { return p->killed; }
int proc_exit_status(const struct proc *p) { return p->exit_status; }

static void require_own_coroutine(struct proc *p, const char *call)
{
    if (sched_current() != p->coro)
        sched_panic("%s: %s() called outside the process's own coroutine", p->full_name, call);
}

/* A pending fatal signal ends the process here: unwind to proc_main's exit path. */
static void check_fatal_signal(struct proc *p)
{
    if (p->fatal_signal >= 0 && !p->closing_fds) longjmp(p->exit_jmp, 1);
}

/* ---- fds ---- */

/* The lowest free fd below the limit, or -1. Every fd below fd_free_hint is in use (POSIX hands
 * out the lowest free fd; the hint keeps a process with thousands of fds from rescanning them).
 * Entries past fd_capacity are free and not allocated yet. */
static int fd_lowest_free(struct proc *p)
{
    int fd = p->fd_free_hint > FIRST_FD ? p->fd_free_hint : FIRST_FD;
    while (fd < p->fd_limit && fd < p->fd_capacity && p->fds[fd].sock >= 0) fd++;
    p->fd_free_hint = fd;
    return fd < p->fd_limit ? fd : -1;
}

static void fd_grow(struct proc *p, int need)
{
    int cap = p->fd_capacity;
    while (cap < need) cap *= 2;
    struct fd_entry *grown = realloc(p->fds, (size_t)cap * sizeof *grown);
    if (!grown) sched_out_of_memory();
    for (int fd = p->fd_capacity; fd < cap; fd++) grown[fd] = (struct fd_entry){ .sock = -1 };
    p->fds = grown;
    p->fd_capacity = cap;
}

static int fd_alloc(struct proc *p, int sock)
{
    int fd = fd_lowest_free(p);
    if (fd < 0) return -1;
    if (fd >= p->fd_capacity) fd_grow(p, fd + 1);
    p->fds[fd] = (struct fd_entry){ .sock = sock };
    p->fd_free_hint = fd + 1;
    return fd;
}

static bool fd_available(struct proc *p) { return fd_lowest_free(p) >= 0; }

static void fd_release(struct proc *p, int fd)
{
    p->fds[fd] = (struct fd_entry){ .sock = -1 };
    if (fd < p->fd_free_hint) p->fd_free_hint = fd;
}

/* The entry behind fd, or NULL (the caller reports EBADF). */
static struct fd_entry *fd_entry(struct proc *p, int fd)
{
    if (fd < FIRST_FD || fd >= p->fd_capacity || p->fds[fd].sock < 0) return NULL;
    return &p->fds[fd];
}

/* ---- waiting ---- */

static uint64_t deadline_after_ms(uint32_t timeout_ms)
{
    return timeout_ms ? sched_now_us() + (uint64_t)timeout_ms * 1000u : SCHED_FOREVER;
}

/* Blocks until sock is ready for events (sock < 0: only the deadline or a signal), the
 * deadline passes, or a handled signal arrives. Returns 0 (ready: retry the call), EAGAIN
 * (deadline: an SO_RCVTIMEO expiry, lwIP's EWOULDBLOCK) or EINTR. A fatal signal does not
 * return. */
static int wait_for(struct proc *p, int sock, int events, uint64_t deadline_us)
{
    p->wait_sock = sock;
    p->wait_events = events;
    p->in_sim_wait = true;
    bool watched = sock >= 0 || p->wait_set;   /* wait_set: proc_poll's fds */
    if (watched) host_add_waiter(p->host, p);
    enum wait_result r = sched_wait(&p->wakeup, deadline_us);
    if (watched) host_remove_waiter(p->host, p);
    p->in_sim_wait = false;
    p->wait_writer = false;
    check_fatal_signal(p);
    switch (r) {
    case WAIT_WOKEN: return 0;
    case WAIT_TIMEOUT: return EAGAIN;
    case WAIT_INTERRUPTED: return EINTR;
    case WAIT_RESULT_COUNT: break;
    }
    return EINTR;
}

/* Blocks like lwIP's own blocking writer (see send_blocking) until lwIP would call it again:
 * sent_tcp (an ACK of new data: the send buffer grew), poll_tcp (the poll timer went back to
 * 0) or err_tcp (the pcb is gone). No deadline: lwIP checks SO_SNDTIMEO only at those calls.
 * Returns 0 or EINTR, like wait_for. */
static int wait_for_write_room(struct proc *p, int sock)
{
    p->wait_writer = true;
    p->host->stack->write_room(sock, &p->wait_room);
    return wait_for(p, sock, STACK_POLLOUT, SCHED_FOREVER);
}


static bool would_block(int err) { return err == EWOULDBLOCK || err == EAGAIN; }

/* ---- the call event ---- */

struct call {
    struct proc *p;
    const char *name;
    int fd;
    uint64_t start_us;
    char args[48];
    bool has_key;                   /* key: the connection the call is about */
    struct conn_key key;
};

/* The socket's local -> remote addresses (remote 0 for a listener); false when unbound. */
static bool sock_key(struct proc *p, int sock, struct conn_key *key)
{
    const struct lwip_stack *st = p->host->stack;
    int err;
    *key = (struct conn_key){ 0 };
    if (st->local_addr(sock, &key->local_ip, &key->local_port, &err) != 0 || !key->local_port)
        return false;
    st->peer_addr(sock, &key->remote_ip, &key->remote_port, &err);
    return true;
}

static void call_conn_of(struct call *c, int sock)
{
    c->has_key = sock_key(c->p, sock, &c->key);
}

static struct call call_begin(struct proc *p, const char *name, int fd)
{
    require_own_coroutine(p, name);
    check_fatal_signal(p);   /* a SIGPIPE raised by the previous call ends the process here */
    sched_set_activity_call(name, fd);
    struct call c = { .p = p, .name = name, .fd = fd, .start_us = sched_now_us() };
    struct fd_entry *e = fd >= FIRST_FD && fd < p->fd_capacity && p->fds[fd].sock >= 0
                             ? &p->fds[fd] : NULL;
    /* a connection lwIP has freed (after an RST) has no addresses any more: the fd keeps them */
    if (e && e->key_known) {
        c.has_key = true;
        c.key = e->key;
    } else if (e) {
        call_conn_of(&c, e->sock);
    }
    return c;
}

/* The call's arguments as the text timeline shows them; formatted only when a trace listens
 * (trace_active): with recording off and no sink, this snprintf per call was wasted. */
static void call_args(struct call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void call_args(struct call *c, const char *fmt, ...)
{
    if (!trace_active(c->p->host->net.trace)) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->args, sizeof c->args, fmt, ap);
    va_end(ap);
}

/* A byte count as the arguments (send, recv: once per call of a bulk transfer). */
static void call_args_size(struct call *c, size_t len)
{
    if (!trace_active(c->p->host->net.trace)) return;
    struct strbuf b = strbuf_fixed(c->args, sizeof c->args);
    strbuf_u64(&b, len);
}

/* "10.0.0.1:49153>10.0.0.2:7", a listener "0.0.0.0:7>*", as the state events write it. */
static void format_conn(const struct call *c, char out[48])
{
    struct strbuf b = strbuf_fixed(out, 48);   /* not snprintf: once per traced call */
    if (!c->has_key) return;
    strbuf_addr(&b, c->key.local_ip, c->key.local_port);
    strbuf_char(&b, '>');
    if (c->key.remote_port == 0) strbuf_char(&b, '*');
    else strbuf_addr(&b, c->key.remote_ip, c->key.remote_port);
}

/* Emits the call event; sets errno as the call did and returns ret. */
static long call_end(const struct call *c, long ret, int err, long bytes)
{
    struct proc *p = c->p;
    sched_set_activity(NULL);
    host_observe(p->host);
    struct call now = *c;   /* connect binds and connects: look again if the fd still is */
    if (!c->has_key || c->key.remote_port == 0) {
        struct fd_entry *e = c->fd >= FIRST_FD && c->fd < p->fd_capacity && p->fds[c->fd].sock >= 0
                                 ? &p->fds[c->fd] : NULL;
        if (e && strcmp(c->name, "accept") != 0) call_conn_of(&now, e->sock);
        if (e && now.has_key && now.key.remote_port) {
            e->key = now.key;
            e->key_known = true;
        }
    }
    errno = ret < 0 ? err : 0;
    if (!trace_active(p->host->net.trace)) return ret;
    struct trace_event ev = { .type = TRACE_CALL };
    struct trace_call *t = &ev.u.call;
    t->host = p->host->name;
    t->proc = p->name;
    t->call = c->name;
    memcpy(t->args, c->args, sizeof t->args);
    t->fd = c->fd;
    t->start_us = c->start_us;
    t->ret = ret;
    t->err = ret < 0 ? err : 0;
    t->bytes = bytes;
    format_conn(&now, t->conn);
    trace_emit(p->host->net.trace, &ev);
    errno = ret < 0 ? err : 0;
    return ret;
}

static long call_bad_fd(const struct call *c) { return call_end(c, -1, EBADF, -1); }

/* ---- socket calls ---- */

/* Every lwIP socket is non-blocking; blocking is the simulator's (see proc.h). */
static int make_nonblocking(struct proc *p, int sock)
{
    int err = 0;
    if (p->host->stack->set_nonblocking(sock, 1, &err) != 0)
        sched_panic("%s: lwIP refused O_NONBLOCK on socket %d (errno %d)", p->full_name, sock, err);
    return sock;
}

static struct conn_key reversed_key(struct conn_key k)
{
    return (struct conn_key){ k.remote_ip, k.local_ip, k.remote_port, k.local_port };
}

/* local -> remote of a connected socket, for byte accounting. Looked up when the connection is
 * made (connect, accept: bind_connection) and kept: once an RST has freed the pcb,
 * getpeername fails, yet the data queued before the RST is still read from that fd. */
static const struct conn_key *fd_key(struct proc *p, struct fd_entry *e)
{
    if (e->key_known) return &e->key;
    const struct lwip_stack *st = p->host->stack;
    int err;
    struct conn_key k = { 0 };
    if (st->local_addr(e->sock, &k.local_ip, &k.local_port, &err) != 0 ||
        st->peer_addr(e->sock, &k.remote_ip, &k.remote_port, &err) != 0)
        return NULL;
    e->key = k;
    e->key_known = true;
    e->sent_incarnation = accounting_incarnation(p->host->net.accounting, k);
    e->received_incarnation = accounting_incarnation(p->host->net.accounting, reversed_key(k));
    return &e->key;
}

/* Tell the state tracker which connection is being closed, so that a pcb vanishing now is
 * shown as closed ("close", "close / snd RST") rather than lost. */
static void note_closing(struct proc *p, const struct fd_entry *e)
{
    const struct lwip_stack *st = p->host->stack;
    struct conn_key key = { 0 };
    int err, sock = e->sock;
    host_observe(p->host);
    if (st->local_addr(sock, &key.local_ip, &key.local_port, &err) != 0) return;
    st->peer_addr(sock, &key.remote_ip, &key.remote_port, &err);   /* listener: stays 0:0 */
    pcbtrack_note_close(&p->host->pcbs, key);
    accounting_closed(p->host->net.accounting, key);
    struct reasons_close why = { p->name, p->closing_fds, p->closing_fds && p->fatal_signal >= 0,
                                 e->linger_on, e->linger_s };
    if (p->host->net.reasons) reasons_note_close(p->host->net.reasons, p->host->name, key, &why);
}

static void set_linger(struct proc *p, const struct fd_entry *e, int on, int seconds)
{
    struct stack_opt opt = { .name = STACK_SO_LINGER, .value = on, .linger_s = seconds };
    int ignored;
    p->host->stack->setsockopt(e->sock, &opt, &ignored);
}

/* lwIP 2.1.3 lwip_netconn_do_close_internal (api_msg.c) checks SO_LINGER against the pcb's
 * unsent/unacked queues, which a tcp_pcb_listen does not have: closing (or shutting down both
 * ways) a listening socket with SO_LINGER on reads past the listen pcb. Linux ignores SO_LINGER
 * on a listener (its pending connections are reset either way), so the OS turns it off first. */
static void listener_linger_off(struct proc *p, struct fd_entry *e)
{
    if (!e->listening || !e->linger_on) return;
    set_linger(p, e, 0, 0);
    e->linger_on = false;
    defect_emit(p->host->net.trace, DEFECT_LISTENER_LINGER, p->host->name, p->name,
                "SO_LINGER on a listening socket would make lwIP read unsent/unacked past its "
                "tcp_pcb_listen; turned off before the close, as Linux ignores it on a listener");
}

/* close() is lwIP's blocking close: with SO_LINGER {on, t > 0} lwIP waits for the data to go,
 * and on a non-blocking socket it would refuse (EWOULDBLOCK) and leave the socket open. So the
 * socket is made blocking again just for its close (proc_close runs a close that will wait in
 * a coroutine of its own: close_lingering). */
static void prepare_close(struct proc *p, const struct fd_entry *e)
{
    int ignored, sock = e->sock;
    note_closing(p, e);
    p->host->stack->set_nonblocking(sock, 0, &ignored);
}

static int close_socket(struct proc *p, const struct fd_entry *e, int *err)
{
    prepare_close(p, e);
    return p->host->stack->close(e->sock, err);
}

/* lwIP's blocking close, run by a coroutine of the host (the "kernel"). It outlives the
 * process if a signal ends it, and owns nothing but the job in the process's struct, which
 * lives as long as the host. */
static void lingering_close_main(void *arg)
{
    struct proc *p = arg;
    struct proc_close_job *j = &p->close_job;
    j->ret = p->host->stack->close(j->sock, &j->err);
    j->done = true;
    sched_wake_one(&j->done_q);
}

/* A close that lwIP will make wait (SO_LINGER {on, t > 0} with data not yet acknowledged,
 * api_msg.c lwip_netconn_do_close_internal) runs in a coroutine of its own, so that the
 * process waits in the simulator and a fatal signal ends it at once, while lwIP finishes the
 * close without it, as a kernel does. A handled signal does not interrupt it (the result is
 * lwIP's). Any other close is lwIP's call made right here, which returns at once. */
static int close_lingering(struct proc *p, const struct fd_entry *e, int *err)
{
    struct proc_close_job *j = &p->close_job;
    char name[96];
    *j = (struct proc_close_job){ .sock = e->sock };
    snprintf(name, sizeof name, "%s:close", p->full_name);
    prepare_close(p, e);
    sched_spawn(name, CORO_DAEMON, p->host, sched_now_us(), lingering_close_main, p);
    p->in_sim_wait = true;
    while (!j->done && p->fatal_signal < 0) sched_wait(&j->done_q, SCHED_FOREVER);
    p->in_sim_wait = false;
    check_fatal_signal(p);
    *err = j->err;
    return j->ret;
}

static bool close_will_linger(struct proc *p, const struct fd_entry *e)
{
    struct stack_write_room room;
    return e->lingers && p->host->stack->write_room(e->sock, &room) == 0 && room.connected &&
           room.data_queued;
}

int proc_socket(struct proc *p)
{
    struct call c = call_begin(p, "socket", -1);
    if (!fd_available(p)) return (int)call_end(&c, -1, EMFILE, -1);
    int err = 0, s = p->host->stack->socket(&err);
    if (s < 0) return (int)call_end(&c, -1, err, -1);
    return (int)call_end(&c, fd_alloc(p, make_nonblocking(p, s)), 0, -1);
}

int proc_bind(struct proc *p, int fd, const char *ip, uint16_t port)
{
    struct call c = call_begin(p, "bind", fd);
    call_args(&c, "%s:%u", ip ? ip : "0.0.0.0", port);
    struct fd_entry *e = fd_entry(p, fd);
    uint32_t addr = 0;
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    if (ip && !ip4_parse(ip, &addr)) return (int)call_end(&c, -1, EINVAL, -1);
    if (e->bound) {
        /* lwIP 2.1.3 tcp_bind (tcp.c) accepts a pcb that is already bound and still CLOSED and
         * puts it on tcp_bound_pcbs a second time: the list becomes a cycle and every later
         * walk of it spins forever. Linux refuses a second bind with EINVAL; so does this OS. */
        defect_emit(p->host->net.trace, DEFECT_BIND_TWICE, p->host->name, p->name,
                    "a second bind of fd %d would put its pcb on tcp_bound_pcbs twice (a cycle); "
                    "refused with EINVAL before lwIP, as Linux does", fd);
        return (int)call_end(&c, -1, EINVAL, -1);
    }
    int ret = p->host->stack->bind(e->sock, addr, port, &err);
    if (ret == 0) e->bound = true;
    return (int)call_end(&c, ret, err, -1);
}

int proc_listen(struct proc *p, int fd, int backlog)
{
    struct call c = call_begin(p, "listen", fd);
    call_args(&c, "%d", backlog);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->listen(e->sock, backlog, &err);
    if (ret == 0) e->listening = true;
    return (int)call_end(&c, ret, err, -1);
}

/* Linux semantics at the fd limit: accept fails EMFILE and the connection stays queued in the
 * stack (lwIP's accept mailbox), exactly as if accept had not been called. */
int proc_accept(struct proc *p, int fd)
{
    struct call c = call_begin(p, "accept", fd);
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return (int)call_bad_fd(&c);
    if (!fd_available(p)) return (int)call_end(&c, -1, EMFILE, -1);
    uint32_t peer_ip = 0;
    uint16_t peer_port = 0;
    int err = 0, ns;
    while ((ns = p->host->stack->accept(e->sock, &peer_ip, &peer_port, &err)) < 0) {
        if (!would_block(err) || e->app_nonblocking) break;
        int w = wait_for(p, e->sock, STACK_POLLIN, deadline_after_ms(e->rcvtimeo_ms));
        e = &p->fds[fd];   /* the table may not move, but re-read after a wait anyway */
        if (w) {
            err = w;
            break;
        }
    }
    if (ns < 0) return (int)call_end(&c, -1, err, -1);
    char ipbuf[16];
    call_args(&c, "%s:%u", ip4_str(peer_ip, ipbuf), peer_port);
    int nfd = fd_alloc(p, make_nonblocking(p, ns));
    p->fds[nfd].connected = true;
    fd_key(p, &p->fds[nfd]);
    call_conn_of(&c, ns);
    return (int)call_end(&c, nfd, 0, -1);
}

/* A blocking connect is lwIP's non-blocking connect (EINPROGRESS), a wait until the socket is
 * writable or in error, and the connection's pending error for the outcome: what lwIP's own
 * blocking connect returns (api_msg.c err_tcp sets both). The error is read without clearing
 * it, because lwIP's blocking connect leaves it pending: the next send reports it again. */
int proc_connect(struct proc *p, int fd, const char *ip, uint16_t port)
{
    struct call c = call_begin(p, "connect", fd);
    call_args(&c, "%s:%u", ip ? ip : "?", port);
    struct fd_entry *e = fd_entry(p, fd);
    uint32_t addr = 0;
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    if (!ip || !ip4_parse(ip, &addr)) return (int)call_end(&c, -1, EINVAL, -1);
    int ret = p->host->stack->connect(e->sock, addr, port, &err);
    if (ret == 0 || err == EINPROGRESS) fd_key(p, e);   /* the 4-tuple exists from the SYN on */
    if (ret < 0 && err == EINPROGRESS && !e->app_nonblocking) {
        int w = wait_for(p, e->sock, STACK_POLLOUT, SCHED_FOREVER);
        struct stack_write_room room;
        if (w) {
            err = w;
        } else if (p->host->stack->write_room(e->sock, &room) == 0) {
            err = room.pending_err;
            ret = err ? -1 : 0;
        }
    }
    if (ret == 0) e->connected = true;
    return (int)call_end(&c, ret, err, -1);
}

/* POSIX: a send on a connection that is broken or shut down for writing raises SIGPIPE
 * (unless MSG_NOSIGNAL). lwIP has no signals and reports such sends with its own errno. */
static bool send_breaks_pipe(const struct fd_entry *e, int err)
{
    if (!e->connected) return false;
    return err == EPIPE || err == ECONNRESET || err == ECONNABORTED || err == ENOTCONN ||
           err == ESHUTDOWN || (e->shut_wr && err != EAGAIN && err != EINTR);
}

/* One lwIP send of buf[done, done + len), accounted when lwIP took bytes; returns lwIP's
 * result. */
static long send_chunk(struct proc *p, struct fd_entry *e, const char *buf, size_t *done,
                       size_t len, int stack_flags, int *err)
{
    long n = p->host->stack->send(e->sock, buf + *done, len, stack_flags, err);
    const struct conn_key *key = n > 0 ? fd_key(p, e) : NULL;
    if (key)
        accounting_sent_on(p->host->net.accounting, *key, e->sent_incarnation, buf + *done,
                           (size_t)n);
    if (n > 0) *done += (size_t)n;
    return n;
}

/* sys_now() as lwIP reads it: milliseconds, 32 bits. */
static uint32_t lwip_now_ms(void) { return (uint32_t)(sched_now_us() / 1000u); }

/* do_writemore's SO_SNDTIMEO test: (s32_t)(sys_now() - time_started) >= send_timeout. */
static bool sndtimeo_passed(const struct fd_entry *e, uint32_t start_ms)
{
    return e->sndtimeo_ms && (int32_t)(lwip_now_ms() - start_ms) >= (int32_t)e->sndtimeo_ms;
}

/* A blocking send, made as lwIP's own blocking write makes it (api_msg.c
 * lwip_netconn_do_writemore), with non-blocking lwIP calls at the same moments:
 *   - queue what the send buffer takes (tcp_sndbuf), marked "more" (no PSH) when the data had
 *     to be cut; then wait for lwIP's next call of the writer: sent_tcp (an ACK freed space)
 *     or poll_tcp (the netconn's poll timer) — not for select's low-water mark TCP_SNDLOWAT;
 *   - with SO_SNDTIMEO, each of those calls first compares sys_now() with the start of the
 *     call: once the timeout has passed it returns what was queued, or EWOULDBLOCK when
 *     nothing was — so a timed-out send returns at the first ACK or poll after its deadline;
 *   - an error that ends the connection (err_tcp) fails the call with that error, however
 *     much was queued, and stays pending for the next call.
 * A handled signal (the model's, lwIP has none) returns the count queued, or -1 EINTR. */
static long send_blocking(struct proc *p, struct fd_entry *e, const char *buf, size_t len,
                          int stack_flags, int *err, size_t *done)
{
    const struct lwip_stack *st = p->host->stack;
    uint32_t start_ms = lwip_now_ms();
    bool woken = false;
    for (;;) {
        struct stack_write_room room;
        st->write_room(e->sock, &room);
        if (woken && !room.connected && room.pending_err) {
            *err = room.pending_err;
            return -1;
        }
        if (woken && sndtimeo_passed(e, start_ms)) {
            *err = *done ? 0 : EWOULDBLOCK;
            return *done ? (long)*done : -1;
        }
        /* Not connected: lwIP's call reports why (and clears the pending error, as the first
         * step of lwIP's write, lwip_netconn_do_write, does). */
        size_t left = len - *done, chunk = room.connected ? room.sndbuf : left;
        if (chunk > 0xffff) chunk = 0xffff;   /* tcp_write takes a u16_t */
        if (chunk > left) chunk = left;
        long n = chunk ? send_chunk(p, e, buf, done, chunk,
                                    stack_flags | (chunk < left ? STACK_MSG_MORE : 0), err)
                       : 0;
        if (n < 0 && !would_block(*err)) return -1;   /* do_writemore: an error ends the write */
        if (*done == len) return (long)len;
        if (n > 0 && chunk == 0xffff) continue;       /* do_writemore goes on at once */
        int w = wait_for_write_room(p, e->sock);
        if (w) {
            *err = w;
            return *done ? (long)*done : -1;
        }
        woken = true;
    }
}

long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags)
{
    struct call c = call_begin(p, "send", fd);
    call_args_size(&c, len);
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return call_bad_fd(&c);
    int err = 0, stack_flags = flags & (STACK_MSG_MORE | STACK_MSG_DONTWAIT);
    size_t done = 0;
    long ret;
    if (e->app_nonblocking || (flags & STACK_MSG_DONTWAIT) || len == 0)
        ret = send_chunk(p, e, buf, &done, len, stack_flags, &err);
    else
        ret = send_blocking(p, e, buf, len, stack_flags, &err, &done);
    call_end(&c, ret, err, (long)done);
    /* The signal comes after the call event; a fatal one ends the process at its next call
     * or when its code returns, at this same virtual instant (so a scenario interpreter still
     * records what the call returned). */
    if (ret < 0 && !(flags & PROC_MSG_NOSIGNAL) && send_breaks_pipe(e, err)) {
        proc_signal(p, PROC_SIGPIPE);
        errno = err;
    }
    return ret;
}

long proc_recv(struct proc *p, int fd, void *buf, size_t len, int flags)
{
    struct call c = call_begin(p, "recv", fd);
    call_args_size(&c, len);
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return call_bad_fd(&c);
    int err = 0, stack_flags = flags & (STACK_MSG_PEEK | STACK_MSG_DONTWAIT);
    uint64_t deadline_us = deadline_after_ms(e->rcvtimeo_ms);
    long n;
    while ((n = p->host->stack->recv(e->sock, buf, len, stack_flags, &err)) < 0) {
        if (!would_block(err) || e->app_nonblocking || (flags & STACK_MSG_DONTWAIT)) break;
        int w = wait_for(p, e->sock, STACK_POLLIN, deadline_us);
        if (w) {
            err = w;
            break;
        }
    }
    const struct conn_key *key = n > 0 && !(flags & STACK_MSG_PEEK) ? fd_key(p, e) : NULL;
    if (key)
        accounting_received_on(p->host->net.accounting, reversed_key(*key),
                               e->received_incarnation, buf, (size_t)n);
    return call_end(&c, n, err, n > 0 ? n : 0);
}

/* lwIP treats a shutdown that leaves neither direction open as a close
 * (lwip_netconn_do_close_internal, shut_close) and checks SO_LINGER for it. (For SHUT_RD after
 * SHUT_WR lwIP also wants FIN_WAIT_1/2 or CLOSING, which such a socket is in unless the peer
 * had closed first: there this overestimates, and the defect event is a false alarm.) */
static bool shutdown_closes(const struct fd_entry *e, int how)
{
    return how == 2 || (how == 0 && e->shut_wr) || (how == 1 && e->shut_rd);
}

/* lwIP 2.1.3 lwip_netconn_do_close_internal, on a close with SO_LINGER {on, t > 0}, data not
 * yet acknowledged and a non-blocking netconn (every lwIP socket here is one, see proc.h):
 * it first detaches the pcb's callbacks (tcp_arg, tcp_err: NULL), then finds it cannot wait
 * and returns ERR_WOULDBLOCK, leaving conn->pcb.tcp set. When lwIP later frees that pcb (an RST
 * in tcp_input, a timeout in tcp_slowtmr) nobody tells the netconn, and the socket's close
 * frees it again (the TCP_PCB pool count drops below zero). shutdown never lingers on
 * Linux (SO_LINGER is about close), so the OS turns SO_LINGER off for lwIP's shutdown and on
 * again after it. Returns whether it did. */
static bool shutdown_linger_off(struct proc *p, const struct fd_entry *e, int how)
{
    struct stack_write_room room;
    if (!e->lingers || e->listening || !shutdown_closes(e, how)) return false;
    if (p->host->stack->write_room(e->sock, &room) != 0 || !room.connected || !room.data_queued)
        return false;
    set_linger(p, e, 0, 0);
    defect_emit(p->host->net.trace, DEFECT_SHUTDOWN_LINGER, p->host->name, p->name,
                "shutdown closing with SO_LINGER {1, %d} and data unacked: lwIP would detach "
                "the pcb's callbacks, fail EWOULDBLOCK, later free the pcb twice; SO_LINGER off "
                "for it (Linux: shutdown never lingers)", e->linger_s);
    return true;
}

int proc_shutdown(struct proc *p, int fd, int how)
{
    static const char *const names[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
    struct call c = call_begin(p, "shutdown", fd);
    call_args(&c, "%s", how >= 0 && how <= 2 ? names[how] : "?");
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    if (how == 2) listener_linger_off(p, e);   /* SHUT_RDWR closes a listener: same lwIP path */
    bool linger_off = shutdown_linger_off(p, e, how);
    int ret = p->host->stack->shutdown(e->sock, how, &err);
    if (linger_off) set_linger(p, e, 1, e->linger_s);
    if (ret == 0 && how != 0) e->shut_wr = true;
    if (ret == 0 && how != 1) e->shut_rd = true;
    return (int)call_end(&c, ret, err, -1);
}

int proc_close(struct proc *p, int fd)
{
    struct call c = call_begin(p, "close", fd);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    listener_linger_off(p, e);
    struct fd_entry closing = *e;
    bool lingers = close_will_linger(p, &closing);
    fd_release(p, fd);   /* POSIX: the fd is released even if close fails */
    int ret = lingers ? close_lingering(p, &closing, &err) : close_socket(p, &closing, &err);
    return (int)call_end(&c, ret, err, -1);
}

static const char *const sockopt_names[STACK_SOCKOPT_COUNT] = {
    [STACK_SO_LINGER] = "SO_LINGER", [STACK_SO_RCVTIMEO] = "SO_RCVTIMEO",
    [STACK_SO_SNDTIMEO] = "SO_SNDTIMEO", [STACK_SO_KEEPALIVE] = "SO_KEEPALIVE",
    [STACK_SO_REUSEADDR] = "SO_REUSEADDR", [STACK_TCP_NODELAY] = "TCP_NODELAY",
};

static const char *sockopt_name(enum stack_sockopt name)
{
    return name < STACK_SOCKOPT_COUNT ? sockopt_names[name] : "?";
}

int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt)
{
    struct call c = call_begin(p, "setsockopt", fd);
    const char *name = sockopt_name(opt->name);
    if (opt->name == STACK_SO_LINGER)
        call_args(&c, "%s {%d, %d}", name, opt->value, opt->linger_s);
    else
        call_args(&c, "%s %d", name, opt->value);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->setsockopt(e->sock, opt, &err);
    /* The simulator does the blocking, so it keeps the timeouts too (lwIP's own apply to
     * blocking lwIP calls, which processes never make). */
    if (ret == 0 && opt->name == STACK_SO_RCVTIMEO) e->rcvtimeo_ms = (uint32_t)opt->value;
    if (ret == 0 && opt->name == STACK_SO_SNDTIMEO) e->sndtimeo_ms = (uint32_t)opt->value;
    if (ret == 0 && opt->name == STACK_SO_LINGER) {
        e->lingers = opt->value && opt->linger_s > 0;
        e->linger_on = opt->value != 0;
        e->linger_s = opt->linger_s;
    }
    return (int)call_end(&c, ret, err, -1);
}

int proc_set_nonblocking(struct proc *p, int fd, bool on)
{
    struct call c = call_begin(p, "fcntl", fd);
    call_args(&c, "F_SETFL, %s", on ? "O_NONBLOCK" : "0");
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return (int)call_bad_fd(&c);
    e->app_nonblocking = on;
    return (int)call_end(&c, 0, 0, -1);
}

static const char *poll_events_str(int events)
{
    return (events & STACK_POLLIN) && (events & STACK_POLLOUT) ? "POLLIN|POLLOUT"
           : events & STACK_POLLOUT                             ? "POLLOUT"
                                                                : "POLLIN";
}

int proc_sleep_us(struct proc *p, uint64_t delay_us)
{
    require_own_coroutine(p, "sleep");
    check_fatal_signal(p);
    sched_set_activity("sleep");
    int w = wait_for(p, -1, 0, sched_now_us() + delay_us);
    sched_set_activity(NULL);
    if (w == EINTR) {
        errno = EINTR;
        return -1;
    }
    return 0;
}

int proc_set_fd_limit(struct proc *p, int limit)
{
    if (limit < FIRST_FD) {
        errno = EINVAL;
        return -1;
    }
    p->fd_limit = limit;
    return 0;
}

/* ---- for the BSD socket layer (posix.c) ---- */

struct proc *proc_current(void)
{
    struct coro *c = sched_current();
    struct host *h = c ? coro_owner(c) : NULL;
    if (!h) return NULL;
    for (struct proc *p = h->procs; p; p = p->next)
        if (p->coro == c) return p;
    return NULL;   /* the host's tcpip thread */
}

typedef int (*addr_query)(int s, uint32_t *ip, uint16_t *port, int *err);

static int query_addr(struct proc *p, const char *name, int fd, addr_query query, uint32_t *ip,
                      uint16_t *port)
{
    struct call c = call_begin(p, name, fd);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = query(e->sock, ip, port, &err);
    if (ret == 0) {
        char ipbuf[16];
        call_args(&c, "%s:%u", ip4_str(*ip, ipbuf), *port);
    }
    return (int)call_end(&c, ret, err, -1);
}

int proc_getsockname(struct proc *p, int fd, uint32_t *ip, uint16_t *port)
{
    return query_addr(p, "getsockname", fd, p->host->stack->local_addr, ip, port);
}

int proc_getpeername(struct proc *p, int fd, uint32_t *ip, uint16_t *port)
{
    return query_addr(p, "getpeername", fd, p->host->stack->peer_addr, ip, port);
}

int proc_peer_address(struct proc *p, int fd, uint32_t *ip, uint16_t *port)
{
    struct fd_entry *e = fd_entry(p, fd);
    int err = EBADF;
    if (e && p->host->stack->peer_addr(e->sock, ip, port, &err) == 0) return 0;
    errno = err;
    return -1;
}

int proc_getsockopt(struct proc *p, int fd, struct stack_opt *opt)
{
    struct call c = call_begin(p, "getsockopt", fd);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->getsockopt(e->sock, opt, &err);
    if (ret == 0) call_args(&c, "%s = %d", sockopt_name(opt->name), opt->value);
    return (int)call_end(&c, ret, err, -1);
}

int proc_get_so_error(struct proc *p, int fd, int *so_error)
{
    struct call c = call_begin(p, "getsockopt", fd);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    /* lwIP keeps a connection's pending error itself (no deferred errors in the model). */
    int pending = p->host->stack->so_error(e->sock, &err);
    if (pending < 0) return (int)call_end(&c, -1, err, -1);
    *so_error = pending;
    call_args(&c, "SO_ERROR = %s", *so_error ? errno_name(*so_error) : "0");
    return (int)call_end(&c, 0, 0, -1);
}

int proc_get_nonblocking(struct proc *p, int fd)
{
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) {
        errno = EBADF;
        return -1;
    }
    return e->app_nonblocking;
}

/* A blocked writer (wait_for_write_room) wakes when lwIP would call its blocking writer again;
 * poll() when any of its fds is ready; every other wait when its socket is ready. */
bool proc_wait_ready(struct proc *p)
{
    const struct lwip_stack *st = p->host->stack;
    if (p->wait_writer) {
        struct stack_write_room now;
        st->write_room(p->wait_sock, &now);
        bool woken = !now.connected || now.sndbuf > p->wait_room.sndbuf ||
                     (now.polltmr == 0 && p->wait_room.polltmr != 0);
        p->wait_room = now;
        return woken;
    }
    if (!p->wait_set) return st->poll(p->wait_sock, p->wait_events) != 0;
    for (size_t i = 0; i < p->wait_set_count; i++) {
        const struct proc_pollfd *f = &p->wait_set[i];
        if (f->fd >= FIRST_FD && f->fd < p->fd_capacity && p->fds[f->fd].sock >= 0 &&
            st->poll(p->fds[f->fd].sock, f->events))
            return true;
    }
    return false;
}

/* Fills every revents from lwIP's poll now; returns how many are non-zero. */
static int poll_now(struct proc *p, struct proc_pollfd *fds, size_t count)
{
    int ready = 0;
    for (size_t i = 0; i < count; i++) {
        struct fd_entry *e = fds[i].fd < 0 ? NULL : fd_entry(p, fds[i].fd);
        int always = STACK_POLLERR | STACK_POLLHUP;
        if (fds[i].fd < 0) fds[i].revents = 0;
        else if (!e) fds[i].revents = STACK_POLLNVAL;
        else fds[i].revents = p->host->stack->poll(e->sock, fds[i].events) & (fds[i].events | always);
        ready += fds[i].revents != 0;
    }
    return ready;
}

/* poll's arguments as the timeline shows them: one fd's events, or how many fds; the timeout. */
static void poll_args(struct call *c, const struct proc_pollfd *fds, size_t count, uint64_t timeout_us)
{
    if (!trace_active(c->p->host->net.trace)) return;   /* as call_args */
    size_t size = sizeof c->args;
    int n = count == 1 ? snprintf(c->args, size, "%s, ", poll_events_str(fds[0].events))
                       : snprintf(c->args, size, "%zu fds, ", count);
    char *end = c->args + n;
    size -= (size_t)n;
    if (timeout_us == PROC_POLL_FOREVER) snprintf(end, size, "-1");
    else if (timeout_us % 1000u) snprintf(end, size, "%llu us", (unsigned long long)timeout_us);
    else snprintf(end, size, "%llu ms", (unsigned long long)(timeout_us / 1000u));
}

/* One lwIP poll with timeout 0 over the set, then a wait in the simulator until one is ready
 * (a readiness lwIP signals wakes it, so no time is polled away), the timeout or a signal. */
static int poll_set(struct proc *p, struct proc_pollfd *fds, size_t count, uint64_t timeout_us)
{
    struct call c = call_begin(p, "poll", count == 1 ? fds[0].fd : -1);
    poll_args(&c, fds, count, timeout_us);
    uint64_t deadline_us = timeout_us == PROC_POLL_FOREVER ? SCHED_FOREVER : c.start_us + timeout_us;
    int ready;
    while ((ready = poll_now(p, fds, count)) == 0 && timeout_us != 0) {
        p->wait_set = fds;
        p->wait_set_count = count;
        int w = wait_for(p, -1, 0, deadline_us);
        p->wait_set = NULL;
        if (w == EINTR) return (int)call_end(&c, -1, EINTR, -1);
        if (w == EAGAIN) break;   /* the timeout: poll returns 0 */
    }
    return (int)call_end(&c, ready, 0, -1);
}

int proc_poll(struct proc *p, struct proc_pollfd *fds, size_t count, int timeout_ms)
{
    return poll_set(p, fds, count, timeout_ms < 0 ? PROC_POLL_FOREVER : (uint64_t)timeout_ms * 1000u);
}

int proc_poll_one(struct proc *p, int fd, int events, uint64_t timeout_us, int *revents)
{
    struct proc_pollfd f = { .fd = fd, .events = events };
    int ret = poll_set(p, &f, 1, timeout_us);
    *revents = f.revents;
    return ret;
}

/* ---- signals and the end of a process ---- */

int proc_set_disposition(struct proc *p, enum proc_signal sig, enum proc_disposition d)
{
    if (sig == PROC_SIGKILL || sig >= PROC_SIGNAL_COUNT || d >= PROC_DISPOSITION_COUNT) {
        errno = EINVAL;
        return -1;
    }
    p->disposition[sig] = d;
    return 0;
}

bool proc_take_signal(struct proc *p, enum proc_signal sig)
{
    bool pending = p->handled_pending[sig];
    p->handled_pending[sig] = false;
    return pending;
}

static void emit_signal(struct proc *p, enum proc_signal sig, const char *action)
{
    struct trace_event ev = { .type = TRACE_SIGNAL };
    ev.u.signal = (struct trace_signal){ p->host->name, p->name, proc_signal_name(sig), action };
    trace_emit(p->host->net.trace, &ev);
}

void proc_signal(struct proc *p, enum proc_signal sig)
{
    if (p->exited || p->fatal_signal >= 0) return;
    enum proc_disposition d = sig == PROC_SIGKILL ? PROC_SIG_DEFAULT : p->disposition[sig];
    switch (d) {
    case PROC_SIG_DEFAULT:
        emit_signal(p, sig, "terminate");
        p->fatal_signal = (int)sig;
        /* Blocked in the simulator (any blocking call, a lingering close included) or not
         * started yet: end it now. Running: at its next check. */
        if (p->coro && (p->in_sim_wait || !p->started)) sched_interrupt(p->coro);
        return;
    case PROC_SIG_IGNORE:
        emit_signal(p, sig, "ignored");
        return;
    case PROC_SIG_HANDLE:
        emit_signal(p, sig, "handled");
        p->handled_pending[sig] = true;
        if (p->in_sim_wait) sched_interrupt(p->coro);
        return;
    case PROC_DISPOSITION_COUNT:
        break;
    }
}

void proc_deliver_signal(struct proc *p, enum proc_signal sig) { proc_signal(p, sig); }

_Noreturn void proc_exit(struct proc *p, int status)
{
    require_own_coroutine(p, "exit");
    p->exit_status = status;
    longjmp(p->exit_jmp, 1);
}

static void emit_process(struct proc *p, const char *event, int status)
{
    struct trace_event ev = { .type = TRACE_PROCESS };
    ev.u.process = (struct trace_process){ p->host->name, p->name, event, status };
    trace_emit(p->host->net.trace, &ev);
}

/* What the OS does when a process ends, however it ends: every fd it still holds is closed
 * (lwIP then decides FIN or RST), lowest fd first. */
static void close_all_fds(struct proc *p)
{
    p->closing_fds = true;
    for (int fd = FIRST_FD; fd < p->fd_capacity; fd++) {
        struct fd_entry closing = p->fds[fd];
        if (closing.sock < 0) continue;
        fd_release(p, fd);
        int ignored;
        listener_linger_off(p, &closing);
        close_socket(p, &closing, &ignored);
    }
}

void proc_main(void *arg)
{
    struct proc *p = arg;
    p->started = true;
    emit_process(p, "start", 0);
    if (setjmp(p->exit_jmp) == 0) {
        check_fatal_signal(p);
        p->main(p, p->arg);
    }
    p->exited = true;
    if (p->fatal_signal >= 0) {
        p->killed = true;
        p->exit_status = 128 + signal_numbers[p->fatal_signal];
        emit_process(p, "killed", p->exit_status);
    } else {
        emit_process(p, "exit", p->exit_status);
    }
    close_all_fds(p);
    host_observe(p->host);
    p->coro = NULL;   /* the scheduler frees the coroutine once this returns */
    host_proc_exited(p->host);
}
