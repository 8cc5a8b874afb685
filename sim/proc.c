/* proc — see proc.h. Each call: note what the process is doing (for deadlock reports), run
 * lwIP's non-blocking call (waiting in the simulator while it would block), observe the stack
 * so that state changes precede the call's own event, then emit the `call` event. */
#include "proc.h"

#include "accounting.h"
#include "reasons.h"

#include "packet.h"

#include <errno.h>
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

static int fd_alloc(struct proc *p, int sock)
{
    for (int fd = FIRST_FD; fd < p->fd_limit && fd < p->fd_capacity; fd++)
        if (p->fds[fd].sock < 0) {
            p->fds[fd] = (struct fd_entry){ .sock = sock };
            return fd;
        }
    return -1;
}

static bool fd_available(const struct proc *p)
{
    for (int fd = FIRST_FD; fd < p->fd_limit && fd < p->fd_capacity; fd++)
        if (p->fds[fd].sock < 0) return true;
    return false;
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
 * (deadline, as Linux reports an SO_RCVTIMEO/SO_SNDTIMEO expiry) or EINTR. A fatal signal
 * does not return. */
static int wait_for(struct proc *p, int sock, int events, uint64_t deadline_us)
{
    p->wait_sock = sock;
    p->wait_events = events;
    p->in_sim_wait = true;
    if (sock >= 0) host_add_waiter(p->host, p);
    enum wait_result r = sched_wait(&p->wakeup, deadline_us);
    if (sock >= 0) host_remove_waiter(p->host, p);
    p->in_sim_wait = false;
    check_fatal_signal(p);
    switch (r) {
    case WAIT_WOKEN: return 0;
    case WAIT_TIMEOUT: return EAGAIN;
    case WAIT_INTERRUPTED: return EINTR;
    case WAIT_RESULT_COUNT: break;
    }
    return EINTR;
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
    char what[64];
    require_own_coroutine(p, name);
    check_fatal_signal(p);   /* a SIGPIPE raised by the previous call ends the process here */
    if (fd >= 0) snprintf(what, sizeof what, "%s(fd %d)", name, fd);
    else snprintf(what, sizeof what, "%s()", name);
    sched_set_activity(what);
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

/* "10.0.0.1:49153>10.0.0.2:7", a listener "0.0.0.0:7>*", as the state events write it. */
static void format_conn(const struct call *c, char out[48])
{
    char a[16], b[16];
    out[0] = '\0';
    if (!c->has_key) return;
    if (c->key.remote_port == 0)
        snprintf(out, 48, "%s:%u>*", ip4_str(c->key.local_ip, a), c->key.local_port);
    else
        snprintf(out, 48, "%s:%u>%s:%u", ip4_str(c->key.local_ip, a), c->key.local_port,
                 ip4_str(c->key.remote_ip, b), c->key.remote_port);
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

/* local -> remote of a connected socket, looked up once (for byte accounting). */
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
    return &e->key;
}

static struct conn_key reversed_key(struct conn_key k)
{
    return (struct conn_key){ k.remote_ip, k.local_ip, k.remote_port, k.local_port };
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

/* close() is the one call that blocks inside lwIP: with SO_LINGER {on, t > 0} lwIP waits for
 * the data to go, and on a non-blocking socket it would refuse (EWOULDBLOCK) and leave the
 * socket open. So the socket is made blocking again just for its close. */
static int close_socket(struct proc *p, const struct fd_entry *e, int *err)
{
    int ignored, sock = e->sock;
    note_closing(p, e);
    p->host->stack->set_nonblocking(sock, 0, &ignored);
    return p->host->stack->close(sock, err);
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
    snprintf(c.args, sizeof c.args, "%s:%u", ip ? ip : "0.0.0.0", port);
    struct fd_entry *e = fd_entry(p, fd);
    uint32_t addr = 0;
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    if (ip && !ip4_parse(ip, &addr)) return (int)call_end(&c, -1, EINVAL, -1);
    int ret = p->host->stack->bind(e->sock, addr, port, &err);
    return (int)call_end(&c, ret, err, -1);
}

int proc_listen(struct proc *p, int fd, int backlog)
{
    struct call c = call_begin(p, "listen", fd);
    snprintf(c.args, sizeof c.args, "%d", backlog);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->listen(e->sock, backlog, &err);
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
    snprintf(c.args, sizeof c.args, "%s:%u", ip4_str(peer_ip, ipbuf), peer_port);
    int nfd = fd_alloc(p, make_nonblocking(p, ns));
    p->fds[nfd].connected = true;
    call_conn_of(&c, ns);
    return (int)call_end(&c, nfd, 0, -1);
}

/* A blocking connect is lwIP's non-blocking connect (EINPROGRESS), a wait until the socket is
 * writable or in error, and SO_ERROR for the outcome: the errno lwIP's own blocking connect
 * would return (both come from the same pending error in api_msg.c err_tcp). */
int proc_connect(struct proc *p, int fd, const char *ip, uint16_t port)
{
    struct call c = call_begin(p, "connect", fd);
    snprintf(c.args, sizeof c.args, "%s:%u", ip ? ip : "?", port);
    struct fd_entry *e = fd_entry(p, fd);
    uint32_t addr = 0;
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    if (!ip || !ip4_parse(ip, &addr)) return (int)call_end(&c, -1, EINVAL, -1);
    int ret = p->host->stack->connect(e->sock, addr, port, &err);
    if (ret < 0 && err == EINPROGRESS && !e->app_nonblocking) {
        int w = wait_for(p, e->sock, STACK_POLLOUT, SCHED_FOREVER);
        if (w) {
            err = w;
        } else {
            int so_err = 0, pending = p->host->stack->so_error(e->sock, &so_err);
            err = pending > 0 ? pending : so_err;
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

/* An error an earlier partial send could not report (POSIX: the next call reports it). */
static bool take_deferred_error(struct fd_entry *e, int *err)
{
    if (!e->deferred_err) return false;
    *err = e->deferred_err;
    e->deferred_err = 0;
    return true;
}

long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags)
{
    struct call c = call_begin(p, "send", fd);
    snprintf(c.args, sizeof c.args, "%zu", len);
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return call_bad_fd(&c);
    int pending;
    if (take_deferred_error(e, &pending)) {
        call_end(&c, -1, pending, 0);
        if (!(flags & PROC_MSG_NOSIGNAL) && send_breaks_pipe(e, pending)) proc_signal(p, PROC_SIGPIPE);
        errno = pending;
        return -1;
    }
    int err = 0, stack_flags = flags & (STACK_MSG_MORE | STACK_MSG_DONTWAIT);
    size_t done = 0;
    uint64_t deadline_us = deadline_after_ms(e->sndtimeo_ms);
    for (;;) {
        long n = p->host->stack->send(e->sock, (const char *)buf + done, len - done, stack_flags,
                                      &err);
        const struct conn_key *key = n > 0 ? fd_key(p, e) : NULL;
        if (key) accounting_sent(p->host->net.accounting, *key, (const char *)buf + done, (size_t)n);
        if (n > 0) done += (size_t)n;
        if (n >= 0 && done == len) break;
        if (n > 0) continue;
        if (!would_block(err) || e->app_nonblocking || (flags & STACK_MSG_DONTWAIT)) break;
        int w = wait_for(p, e->sock, STACK_POLLOUT, deadline_us);
        if (w) {
            err = w;
            break;
        }
    }
    long ret = done > 0 || len == 0 ? (long)done : -1;
    /* POSIX: an error after part of the data was queued is reported by the next call. */
    if (ret > 0 && err && !would_block(err) && err != EINTR) e->deferred_err = err;
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
    snprintf(c.args, sizeof c.args, "%zu", len);
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return call_bad_fd(&c);
    int pending;
    if (take_deferred_error(e, &pending)) return call_end(&c, -1, pending, 0);
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
    if (key) accounting_received(p->host->net.accounting, reversed_key(*key), buf, (size_t)n);
    return call_end(&c, n, err, n > 0 ? n : 0);
}

int proc_shutdown(struct proc *p, int fd, int how)
{
    static const char *const names[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
    struct call c = call_begin(p, "shutdown", fd);
    snprintf(c.args, sizeof c.args, "%s", how >= 0 && how <= 2 ? names[how] : "?");
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->shutdown(e->sock, how, &err);
    if (ret == 0 && how != 0) e->shut_wr = true;
    return (int)call_end(&c, ret, err, -1);
}

int proc_close(struct proc *p, int fd)
{
    struct call c = call_begin(p, "close", fd);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    struct fd_entry closing = *e;
    *e = (struct fd_entry){ .sock = -1 };   /* POSIX: the fd is released even if close fails */
    int ret = close_socket(p, &closing, &err);
    ret = (int)call_end(&c, ret, err, -1);
    check_fatal_signal(p);   /* a signal that came while lwIP blocked in close (SO_LINGER) */
    return ret;
}

int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt)
{
    static const char *const names[STACK_SOCKOPT_COUNT] = {
        [STACK_SO_LINGER] = "SO_LINGER", [STACK_SO_RCVTIMEO] = "SO_RCVTIMEO",
        [STACK_SO_SNDTIMEO] = "SO_SNDTIMEO", [STACK_SO_KEEPALIVE] = "SO_KEEPALIVE",
        [STACK_SO_REUSEADDR] = "SO_REUSEADDR", [STACK_TCP_NODELAY] = "TCP_NODELAY",
    };
    struct call c = call_begin(p, "setsockopt", fd);
    const char *name = opt->name < STACK_SOCKOPT_COUNT ? names[opt->name] : "?";
    if (opt->name == STACK_SO_LINGER)
        snprintf(c.args, sizeof c.args, "%s {%d, %d}", name, opt->value, opt->linger_s);
    else
        snprintf(c.args, sizeof c.args, "%s %d", name, opt->value);
    struct fd_entry *e = fd_entry(p, fd);
    int err = 0;
    if (!e) return (int)call_bad_fd(&c);
    int ret = p->host->stack->setsockopt(e->sock, opt, &err);
    /* The simulator does the blocking, so it keeps the timeouts too (lwIP's own apply to
     * blocking lwIP calls, which processes never make). */
    if (ret == 0 && opt->name == STACK_SO_RCVTIMEO) e->rcvtimeo_ms = (uint32_t)opt->value;
    if (ret == 0 && opt->name == STACK_SO_SNDTIMEO) e->sndtimeo_ms = (uint32_t)opt->value;
    if (ret == 0 && opt->name == STACK_SO_LINGER) {
        e->linger_on = opt->value != 0;
        e->linger_s = opt->linger_s;
    }
    return (int)call_end(&c, ret, err, -1);
}

int proc_set_nonblocking(struct proc *p, int fd, bool on)
{
    struct call c = call_begin(p, "fcntl", fd);
    snprintf(c.args, sizeof c.args, "F_SETFL, %s", on ? "O_NONBLOCK" : "0");
    struct fd_entry *e = fd_entry(p, fd);
    if (!e) return (int)call_bad_fd(&c);
    e->app_nonblocking = on;
    return (int)call_end(&c, 0, 0, -1);
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
    if (limit > p->fd_capacity) {
        struct fd_entry *grown = realloc(p->fds, (size_t)limit * sizeof *grown);
        if (!grown) sched_panic("out of memory");
        for (int fd = p->fd_capacity; fd < limit; fd++) grown[fd] = (struct fd_entry){ .sock = -1 };
        p->fds = grown;
        p->fd_capacity = limit;
    }
    p->fd_limit = limit;
    return 0;
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
        /* Blocked in the simulator or not started yet: end it now. Running, or blocked in
         * lwIP's close: at its next check. */
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
        p->fds[fd] = (struct fd_entry){ .sock = -1 };
        int ignored;
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
