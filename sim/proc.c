/* proc — see proc.h. Each call: note what the process is doing (for deadlock reports), call
 * the stack through its door, observe the stack so that state changes precede the call's own
 * event, then emit the `call` event. */
#include "proc.h"

#include "packet.h"
#include "sched.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FIRST_FD 3   /* 0, 1 and 2 are the process's stdio, as on any POSIX system */

const char *proc_name(const struct proc *p) { return p->name; }
struct host *proc_host(const struct proc *p) { return p->host; }

static struct proc *checked(struct proc *p, const char *call)
{
    if (sched_current() != p->coro)
        sched_panic("%s: %s() called outside the process's own coroutine", p->full_name, call);
    return p;
}

static int fd_alloc(struct proc *p, int sock)
{
    for (int fd = FIRST_FD; fd < p->fd_limit; fd++)
        if (p->fds[fd] < 0) {
            p->fds[fd] = sock;
            return fd;
        }
    return -1;
}

/* The stack socket behind fd, or -1 with errno EBADF. */
static int fd_socket(const struct proc *p, int fd)
{
    if (fd < FIRST_FD || fd >= p->fd_limit || p->fds[fd] < 0) {
        errno = EBADF;
        return -1;
    }
    return p->fds[fd];
}

static void begin_call(struct proc *p, const char *call, int fd)
{
    char what[64];
    if (fd >= 0) snprintf(what, sizeof what, "%s(fd %d)", call, fd);
    else snprintf(what, sizeof what, "%s()", call);
    checked(p, call);
    sched_set_activity(what);
}

/* Emits the call event; leaves errno as the call set it and returns ret. */
static long end_call(struct proc *p, const char *call, int fd, const char *args,
                     uint64_t start_us, long ret, int err, long bytes)
{
    sched_set_activity(NULL);
    host_observe(p->host);
    struct trace_event ev = { .type = TRACE_CALL };
    struct trace_call *c = &ev.u.call;
    c->host = p->host->name;
    c->proc = p->name;
    c->call = call;
    snprintf(c->args, sizeof c->args, "%s", args ? args : "");
    c->fd = fd;
    c->start_us = start_us;
    c->ret = ret;
    c->err = ret < 0 ? err : 0;
    c->bytes = bytes;
    trace_emit(p->host->net.trace, &ev);
    errno = ret < 0 ? err : 0;
    return ret;
}

static const char *addr_str(char buf[32], const char *ip, uint16_t port)
{
    snprintf(buf, 32, "%s:%u", ip ? ip : "0.0.0.0", port);
    return buf;
}

int proc_socket(struct proc *p)
{
    uint64_t t0 = sched_now_us();
    begin_call(p, "socket", -1);
    int err = 0, fd = -1;
    int s = p->host->stack->socket(&err);
    if (s >= 0) {
        fd = fd_alloc(p, s);
        if (fd < 0) {
            int ignored;
            p->host->stack->close(s, &ignored);
            err = EMFILE;
        }
    }
    return (int)end_call(p, "socket", -1, NULL, t0, fd, err, -1);
}

int proc_bind(struct proc *p, int fd, const char *ip, uint16_t port)
{
    uint64_t t0 = sched_now_us();
    char args[32];
    begin_call(p, "bind", fd);
    uint32_t addr = 0;
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) err = errno;
    else if (ip && !ip4_parse(ip, &addr)) err = EINVAL;
    else ret = p->host->stack->bind(s, addr, port, &err);
    return (int)end_call(p, "bind", fd, addr_str(args, ip, port), t0, ret, err, -1);
}

int proc_listen(struct proc *p, int fd, int backlog)
{
    uint64_t t0 = sched_now_us();
    char args[16];
    begin_call(p, "listen", fd);
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) err = errno;
    else ret = p->host->stack->listen(s, backlog, &err);
    snprintf(args, sizeof args, "%d", backlog);
    return (int)end_call(p, "listen", fd, args, t0, ret, err, -1);
}

int proc_accept(struct proc *p, int fd)
{
    uint64_t t0 = sched_now_us();
    char args[32] = "";
    begin_call(p, "accept", fd);
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) {
        err = errno;
    } else {
        uint32_t peer_ip = 0;
        uint16_t peer_port = 0;
        int ns = p->host->stack->accept(s, &peer_ip, &peer_port, &err);
        if (ns >= 0) {
            char ipbuf[16];
            ret = fd_alloc(p, ns);
            if (ret < 0) {
                int ignored;
                p->host->stack->close(ns, &ignored);
                err = EMFILE;
            } else {
                addr_str(args, ip4_str(peer_ip, ipbuf), peer_port);
            }
        }
    }
    return (int)end_call(p, "accept", fd, args, t0, ret, err, -1);
}

int proc_connect(struct proc *p, int fd, const char *ip, uint16_t port)
{
    uint64_t t0 = sched_now_us();
    char args[32];
    begin_call(p, "connect", fd);
    uint32_t addr = 0;
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) err = errno;
    else if (!ip || !ip4_parse(ip, &addr)) err = EINVAL;
    else ret = p->host->stack->connect(s, addr, port, &err);
    return (int)end_call(p, "connect", fd, addr_str(args, ip, port), t0, ret, err, -1);
}

long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags)
{
    uint64_t t0 = sched_now_us();
    char args[24];
    begin_call(p, "send", fd);
    int err = 0, s = fd_socket(p, fd);
    long ret = -1;
    if (s < 0) err = errno;
    else ret = p->host->stack->send(s, buf, len, flags, &err);
    snprintf(args, sizeof args, "%zu", len);
    return end_call(p, "send", fd, args, t0, ret, err, ret > 0 ? ret : 0);
}

long proc_recv(struct proc *p, int fd, void *buf, size_t len, int flags)
{
    uint64_t t0 = sched_now_us();
    char args[24];
    begin_call(p, "recv", fd);
    int err = 0, s = fd_socket(p, fd);
    long ret = -1;
    if (s < 0) err = errno;
    else ret = p->host->stack->recv(s, buf, len, flags, &err);
    snprintf(args, sizeof args, "%zu", len);
    return end_call(p, "recv", fd, args, t0, ret, err, ret > 0 ? ret : 0);
}

int proc_shutdown(struct proc *p, int fd, int how)
{
    static const char *const names[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
    uint64_t t0 = sched_now_us();
    begin_call(p, "shutdown", fd);
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) err = errno;
    else ret = p->host->stack->shutdown(s, how, &err);
    return (int)end_call(p, "shutdown", fd, how >= 0 && how <= 2 ? names[how] : "?", t0, ret,
                         err, -1);
}

int proc_close(struct proc *p, int fd)
{
    uint64_t t0 = sched_now_us();
    begin_call(p, "close", fd);
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) {
        err = errno;
    } else {
        p->fds[fd] = -1;   /* POSIX: the fd is released even when close reports an error */
        ret = p->host->stack->close(s, &err);
    }
    return (int)end_call(p, "close", fd, NULL, t0, ret, err, -1);
}

int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt)
{
    static const char *const names[STACK_SOCKOPT_COUNT] = {
        [STACK_SO_LINGER] = "SO_LINGER", [STACK_SO_RCVTIMEO] = "SO_RCVTIMEO",
        [STACK_SO_SNDTIMEO] = "SO_SNDTIMEO", [STACK_SO_KEEPALIVE] = "SO_KEEPALIVE",
        [STACK_SO_REUSEADDR] = "SO_REUSEADDR", [STACK_TCP_NODELAY] = "TCP_NODELAY",
    };
    uint64_t t0 = sched_now_us();
    char args[48];
    begin_call(p, "setsockopt", fd);
    int err = 0, ret = -1, s = fd_socket(p, fd);
    if (s < 0) err = errno;
    else ret = p->host->stack->setsockopt(s, opt, &err);
    const char *name = opt->name < STACK_SOCKOPT_COUNT ? names[opt->name] : "?";
    if (opt->name == STACK_SO_LINGER)
        snprintf(args, sizeof args, "%s {%d, %d}", name, opt->value, opt->linger_s);
    else
        snprintf(args, sizeof args, "%s %d", name, opt->value);
    return (int)end_call(p, "setsockopt", fd, args, t0, ret, err, -1);
}

void proc_sleep_us(struct proc *p, uint64_t delay_us)
{
    checked(p, "sleep");
    sched_set_activity("sleep");
    sched_sleep_us(delay_us);
    sched_set_activity(NULL);
}

static void emit_process(struct proc *p, const char *event, int status)
{
    struct trace_event ev = { .type = TRACE_PROCESS };
    ev.u.process = (struct trace_process){ p->host->name, p->name, event, status };
    trace_emit(p->host->net.trace, &ev);
}

/* The body of every process coroutine: run main, then exit like a POSIX process, the host
 * closing every fd still open (lwIP decides FIN or RST). */
void proc_main(void *arg)
{
    struct proc *p = arg;
    emit_process(p, "start", 0);
    p->main(p, p->arg);
    p->exited = true;
    emit_process(p, "exit", p->exit_status);
    for (int fd = FIRST_FD; fd < p->fd_limit; fd++) {
        if (p->fds[fd] < 0) continue;
        int ignored;
        int s = p->fds[fd];
        p->fds[fd] = -1;
        p->host->stack->close(s, &ignored);
    }
    host_observe(p->host);
}
