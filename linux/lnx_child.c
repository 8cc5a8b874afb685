/* lnx_child — see lnx_child.h. The same steps as sim/scenario_run.c's interpreter, made with
 * the real calls: the byte pattern of sends is the same (byte i of a stream is i % 251). */
#define _GNU_SOURCE
#include "lnx_child.h"

#include "packet.h"
#include "host.h"
#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_MODULUS 251

struct child_state {
    const struct lnx_child *c;
    int *fds;
    uint64_t *sent;
};

static int handled_rec_fd = -1, handled_instance = -1;

uint64_t lnx_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t lnx_elapsed_us(uint64_t t0_ns) { return (lnx_monotonic_ns() - t0_ns) / 1000; }

static void put_rec(const struct child_state *cs, struct lnx_rec *r)
{
    r->instance = cs->c->instance;
    ssize_t n = write(cs->c->rec_fd, r, sizeof *r);
    (void)n;   /* the orchestrator gone: nothing left to tell */
}

/* A handled signal: one record, written from the handler (write is async-signal-safe). */
static void on_signal(int sig)
{
    struct lnx_rec r = { .instance = handled_instance, .kind = LNX_REC_HANDLED, .sig = sig };
    ssize_t n = write(handled_rec_fd, &r, sizeof r);
    (void)n;
}

static int set_disposition(const struct step *st)
{
    static const int numbers[PROC_SIGNAL_COUNT] = { [PROC_SIGKILL] = SIGKILL,
                                                    [PROC_SIGPIPE] = SIGPIPE,
                                                    [PROC_SIGTERM] = SIGTERM };
    struct sigaction sa = { .sa_flags = 0 };   /* no SA_RESTART: a handled signal ends a blocked call with EINTR */
    sigemptyset(&sa.sa_mask);
    switch ((enum proc_disposition)st->disposition) {
    case PROC_SIG_DEFAULT: sa.sa_handler = SIG_DFL; break;
    case PROC_SIG_IGNORE: sa.sa_handler = SIG_IGN; break;
    case PROC_SIG_HANDLE: sa.sa_handler = on_signal; break;
    case PROC_DISPOSITION_COUNT: errno = EINVAL; return -1;
    }
    return sigaction(numbers[st->signal], &sa, NULL);
}

static int set_option(int fd, const struct stack_opt *o, char *args, size_t size)
{
    int v = o->value;
    switch (o->name) {
    case STACK_SO_LINGER: {
        struct linger l = { .l_onoff = o->value, .l_linger = o->linger_s };
        snprintf(args, size, "SO_LINGER {%d, %d}", o->value, o->linger_s);
        return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    case STACK_SO_RCVTIMEO:
    case STACK_SO_SNDTIMEO: {
        struct timeval tv = { .tv_sec = v / 1000, .tv_usec = (v % 1000) * 1000 };
        bool rcv = o->name == STACK_SO_RCVTIMEO;
        snprintf(args, size, "%s %d", rcv ? "SO_RCVTIMEO" : "SO_SNDTIMEO", v);
        return setsockopt(fd, SOL_SOCKET, rcv ? SO_RCVTIMEO : SO_SNDTIMEO, &tv, sizeof tv);
    }
    case STACK_SO_KEEPALIVE:
        snprintf(args, size, "SO_KEEPALIVE %d", v);
        return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v);
    case STACK_SO_REUSEADDR:
        snprintf(args, size, "SO_REUSEADDR %d", v);
        return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v);
    case STACK_TCP_NODELAY:
        snprintf(args, size, "TCP_NODELAY %d", v);
        return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
    case STACK_SOCKOPT_COUNT: break;
    }
    errno = ENOPROTOOPT;
    return -1;
}

static struct sockaddr_in sockaddr_of(uint32_t ip, uint16_t port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(ip);
    return a;
}

static int linux_flags(int flags)
{
    return (flags & STACK_MSG_DONTWAIT ? MSG_DONTWAIT : 0) | (flags & STACK_MSG_PEEK ? MSG_PEEK : 0) |
           (flags & PROC_MSG_NOSIGNAL ? MSG_NOSIGNAL : 0);
}

static long do_send(struct child_state *cs, const struct step *st, int fd)
{
    size_t len = (size_t)st->count;
    char *buf = NULL;
    const char *data = st->text;
    if (!data) {
        buf = malloc(len ? len : 1);
        if (!buf) return -1;
        for (size_t i = 0; i < len; i++) buf[i] = (char)((cs->sent[st->fd] + i) % PATTERN_MODULUS);
        data = buf;
    }
    long ret = send(fd, data, len, linux_flags(st->flags));
    int err = errno;
    if (ret > 0) cs->sent[st->fd] += (uint64_t)ret;
    free(buf);
    errno = err;
    return ret;
}

static void report_call(struct child_state *cs, size_t index, const char *call, const char *args,
                        int fd, long ret, long bytes, uint64_t start_us)
{
    struct lnx_rec r = { .kind = LNX_REC_CALL, .step = (int32_t)index, .fd = fd, .ret = ret,
                         .err = ret < 0 ? errno : 0, .bytes = bytes, .start_us = start_us,
                         .end_us = lnx_elapsed_us(cs->c->t0_ns) };
    snprintf(r.call, sizeof r.call, "%s", call);
    snprintf(r.args, sizeof r.args, "%s", args);
    if (strcmp(call, "connect") == 0) {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        if (getsockname(fd, (struct sockaddr *)&a, &alen) == 0) r.local_port = ntohs(a.sin_port);
    }
    put_rec(cs, &r);
}

/* One step that makes a call; reports it (recv all: every recv until 0 or an error). */
static void run_call(struct child_state *cs, size_t index)
{
    const struct step *st = &cs->c->sp->steps[index];
    int fd = st->fd >= 0 ? cs->fds[st->fd] : -1;
    uint64_t start = lnx_elapsed_us(cs->c->t0_ns);
    char args[48] = "", ip[16];
    long ret = 0;
    struct sockaddr_in a = sockaddr_of(st->ip, st->port);
    errno = 0;
    switch (st->kind) {
    case STEP_SOCKET:
        ret = socket(AF_INET, SOCK_STREAM, 0);
        cs->fds[st->fd] = (int)ret;
        report_call(cs, index, "socket", "", -1, ret, -1, start);
        return;
    case STEP_BIND:
    case STEP_CONNECT:
        snprintf(args, sizeof args, "%s:%u", ip4_str(st->ip, ip), st->port);
        ret = (st->kind == STEP_BIND ? bind : connect)(fd, (struct sockaddr *)&a, sizeof a);
        break;
    case STEP_LISTEN:
        snprintf(args, sizeof args, "%ld", st->count);
        ret = listen(fd, (int)st->count);
        break;
    case STEP_ACCEPT: {
        struct sockaddr_in peer;   /* the argument as lwIP's trace shows it: the peer's address */
        socklen_t plen = sizeof peer;
        ret = accept(fd, (struct sockaddr *)&peer, &plen);
        if (ret >= 0)
            snprintf(args, sizeof args, "%s:%u", ip4_str(ntohl(peer.sin_addr.s_addr), ip),
                     ntohs(peer.sin_port));
        if (st->new_fd >= 0) cs->fds[st->new_fd] = (int)ret;
        break;
    }
    case STEP_SEND:
        snprintf(args, sizeof args, "%ld", st->count);
        ret = do_send(cs, st, fd);
        report_call(cs, index, "send", args, fd, ret, ret > 0 ? ret : 0, start);
        return;
    case STEP_RECV: {
        static char buf[65536];
        size_t want = st->count < 0 || (size_t)st->count > sizeof buf ? sizeof buf : (size_t)st->count;
        snprintf(args, sizeof args, "%zu", want);
        do {
            ret = recv(fd, buf, want, linux_flags(st->flags));
            report_call(cs, index, "recv", args, fd, ret, ret > 0 ? ret : 0, start);
            start = lnx_elapsed_us(cs->c->t0_ns);
        } while (st->count < 0 && ret > 0);
        return;
    }
    case STEP_SHUTDOWN: {
        static const char *const how[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
        snprintf(args, sizeof args, "%s", how[st->how]);
        ret = shutdown(fd, st->how);
        break;
    }
    case STEP_CLOSE:
        ret = close(fd);
        break;
    case STEP_SETSOCKOPT:
        ret = set_option(fd, &st->opt, args, sizeof args);
        report_call(cs, index, "setsockopt", args, fd, ret, -1, start);
        return;
    case STEP_NONBLOCK: {
        int fl = fcntl(fd, F_GETFL);
        snprintf(args, sizeof args, "F_SETFL, %s", st->on ? "O_NONBLOCK" : "0");
        ret = fcntl(fd, F_SETFL, st->on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
        report_call(cs, index, "fcntl", args, fd, ret, -1, start);
        return;
    }
    case STEP_POLL: {
        /* The scenario's events are STACK_POLL* bits; the timeout is in microseconds (Linux
         * poll takes milliseconds: a scenario's sub-millisecond part rounds up). */
        struct pollfd pfd = { .fd = fd, .events = (short)((st->how & STACK_POLLIN ? POLLIN : 0) |
                                                          (st->how & STACK_POLLOUT ? POLLOUT : 0)) };
        int timeout_ms = st->time_us == UINT64_MAX ? -1 : (int)((st->time_us + 999) / 1000);
        snprintf(args, sizeof args, "%s, %d ms", st->how == (STACK_POLLIN | STACK_POLLOUT) ? "POLLIN|POLLOUT"
                 : st->how & STACK_POLLOUT ? "POLLOUT" : "POLLIN", timeout_ms);
        ret = poll(&pfd, 1, timeout_ms);
        report_call(cs, index, "poll", args, fd, ret, -1, start);
        return;
    }
    case STEP_GETSOCKOPT: {
        int value = 0;
        socklen_t len = sizeof value;
        ret = getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len);
        snprintf(args, sizeof args, "SO_ERROR = %d", value);
        if (ret == 0) ret = value;   /* the step's result is the pending error, as on lwIP */
        report_call(cs, index, "getsockopt", args, fd, ret, -1, start);
        return;
    }
    case STEP_SIGNAL:
        set_disposition(st);
        return;
    case STEP_FDLIMIT: {
        struct rlimit rl = { (rlim_t)st->count, (rlim_t)st->count };
        setrlimit(RLIMIT_NOFILE, &rl);
        return;
    }
    case STEP_SLEEP: {
        struct timespec ts = { (time_t)(st->time_us / 1000000), (long)(st->time_us % 1000000) * 1000 };
        struct lnx_rec r = { .kind = LNX_REC_SLEEP, .step = (int32_t)index,
                             .end_us = lnx_elapsed_us(cs->c->t0_ns) + st->time_us };
        put_rec(cs, &r);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) continue;
        return;
    }
    case STEP_EXIT:
        _exit((int)st->count);
    case STEP_REPEAT:
    case STEP_KIND_COUNT:
        return;
    }
    report_call(cs, index, scenario_step_name(st->kind), args, fd, ret, -1, start);
}

static bool is_setup(enum step_kind k)
{
    return k == STEP_SOCKET || k == STEP_BIND || k == STEP_LISTEN || k == STEP_SETSOCKOPT ||
           k == STEP_NONBLOCK || k == STEP_SIGNAL || k == STEP_FDLIMIT;
}

static void run_range(struct child_state *cs, size_t first, size_t count, bool *ready)
{
    const struct step *steps = cs->c->sp->steps;
    for (size_t i = first; i < first + count; i++) {
        if (!*ready && !is_setup(steps[i].kind)) {
            struct lnx_rec r = { .kind = LNX_REC_READY };
            put_rec(cs, &r);
            *ready = true;
        }
        if (steps[i].kind == STEP_REPEAT) {
            for (long k = 0; k < steps[i].count; k++) run_range(cs, steps[i].body, steps[i].body_len, ready);
            i = steps[i].body + steps[i].body_len - 1;
            continue;
        }
        run_call(cs, i);
    }
}

_Noreturn void lnx_child_main(const struct lnx_child *c)
{
    handled_rec_fd = c->rec_fd;
    handled_instance = c->instance;
    struct child_state cs = { .c = c };
    cs.fds = calloc(c->sp->fd_name_count + 1, sizeof *cs.fds);
    cs.sent = calloc(c->sp->fd_name_count + 1, sizeof *cs.sent);
    if (!cs.fds || !cs.sent) _exit(125);
    for (size_t i = 0; i < c->sp->fd_name_count; i++) cs.fds[i] = -1;
    bool ready = false;
    run_range(&cs, 0, c->sp->step_count, &ready);
    if (!ready) {
        struct lnx_rec r = { .kind = LNX_REC_READY };
        put_rec(&cs, &r);
    }
    _exit(0);
}
