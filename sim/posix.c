/* posix — the BSD socket calls of <tcpsim/posix.h> on proc.h.
 *
 * Each call finds the running process (proc_current), translates glibc's types and constants
 * (struct sockaddr_in in network byte order, MSG_*, SO_*, O_NONBLOCK, POLL*) into proc.h's and
 * back, and leaves blocking, errno and the trace to proc.c. Decisions (see posix.h): socket-only
 * calls outside a simulated process fail with EPERM and a message on stderr; the calls every
 * program also makes on files (read, write, close, fcntl, poll, select, the sleeps) are libc's
 * there, and for fds 0-2 inside a process. */
#define TCPSIM_NO_POSIX_NAMES
#include <tcpsim/posix.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

#define FIRST_SOCKET_FD 3   /* proc.c hands out fds from 3 up; 0-2 are the real stdio */

/* The running process, or NULL after reporting the misuse (errno EPERM). */
static struct proc *socket_proc(const char *call)
{
    struct proc *p = proc_current();
    if (!p) {
        fprintf(stderr, "tcpsim: %s() called outside a simulated process (call it from a "
                        "function started with tcpsim_spawn)\n", call);
        errno = EPERM;
    }
    return p;
}

/* The process owning a simulated fd, or NULL when the fd is libc's (stdio, or outside). */
static struct proc *fd_proc(int fd) { return fd >= FIRST_SOCKET_FD ? proc_current() : NULL; }

/* ---- addresses ---- */

/* An IPv4 struct sockaddr_in as dotted quad and port; -1 with errno when it is not one. */
static int from_sockaddr(const struct sockaddr *addr, socklen_t len, char ip[16], uint16_t *port)
{
    if (!addr || len < (socklen_t)sizeof(struct sockaddr_in)) {
        errno = EINVAL;
        return -1;
    }
    const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
    if (in->sin_family != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    uint32_t a = ntohl(in->sin_addr.s_addr);
    snprintf(ip, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
    *port = ntohs(in->sin_port);
    return 0;
}

/* POSIX: copies at most *len bytes of the address and sets *len to its full size. */
static void to_sockaddr(uint32_t ip, uint16_t port, struct sockaddr *addr, socklen_t *len)
{
    if (!addr || !len) return;
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl(ip);
    memcpy(addr, &in, *len < sizeof in ? *len : sizeof in);
    *len = sizeof in;
}

/* ---- sockets ---- */

int tcpsim_socket(int domain, int type, int protocol)
{
    struct proc *p = socket_proc("socket");
    if (!p) return -1;
    if (domain != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM) {
        errno = ESOCKTNOSUPPORT;
        return -1;
    }
    if (protocol != 0 && protocol != IPPROTO_TCP) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    int fd = proc_socket(p);
    if (fd >= 0 && (type & SOCK_NONBLOCK)) proc_set_nonblocking(p, fd, true);
    return fd;
}

int tcpsim_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct proc *p = socket_proc("bind");
    char ip[16];
    uint16_t port;
    if (!p || from_sockaddr(addr, len, ip, &port) != 0) return -1;
    return proc_bind(p, fd, ip, port);
}

int tcpsim_listen(int fd, int backlog)
{
    struct proc *p = socket_proc("listen");
    return p ? proc_listen(p, fd, backlog) : -1;
}

int tcpsim_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    struct proc *p = socket_proc("accept");
    if (!p) return -1;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
        errno = EINVAL;
        return -1;
    }
    int nfd = proc_accept(p, fd);
    if (nfd < 0) return -1;
    uint32_t ip = 0;
    uint16_t port = 0;
    proc_peer_address(p, nfd, &ip, &port);
    to_sockaddr(ip, port, addr, len);
    if (flags & SOCK_NONBLOCK) proc_set_nonblocking(p, nfd, true);
    errno = 0;
    return nfd;
}

int tcpsim_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return tcpsim_accept4(fd, addr, len, 0);
}

int tcpsim_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct proc *p = socket_proc("connect");
    char ip[16];
    uint16_t port;
    if (!p || from_sockaddr(addr, len, ip, &port) != 0) return -1;
    return proc_connect(p, fd, ip, port);
}

/* MSG_* to proc.h's flags; -1 EOPNOTSUPP for a flag the simulator does not have. */
static int msg_flags(int flags, int allowed)
{
    static const struct { int msg, proc; } map[] = {
        { MSG_NOSIGNAL, PROC_MSG_NOSIGNAL }, { MSG_DONTWAIT, STACK_MSG_DONTWAIT },
        { MSG_PEEK, STACK_MSG_PEEK }, { MSG_MORE, STACK_MSG_MORE }, { MSG_WAITALL, 0 },
    };
    int out = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (flags & allowed & map[i].msg) {
            out |= map[i].proc;
            flags &= ~map[i].msg;
        }
    if (flags) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return out;
}

ssize_t tcpsim_send(int fd, const void *buf, size_t len, int flags)
{
    struct proc *p = socket_proc("send");
    if (!p) return -1;
    int f = msg_flags(flags, MSG_NOSIGNAL | MSG_DONTWAIT | MSG_MORE);
    return f < 0 ? -1 : proc_send(p, fd, buf, len, f);
}

ssize_t tcpsim_recv(int fd, void *buf, size_t len, int flags)
{
    struct proc *p = socket_proc("recv");
    if (!p) return -1;
    int f = msg_flags(flags, MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL);
    if (f < 0) return -1;
    if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK)) return proc_recv(p, fd, buf, len, f);
    /* MSG_WAITALL: until len bytes, end of stream, an error or a signal (what was read so far
     * is returned then, as on Linux). */
    size_t done = 0;
    while (done < len) {
        long n = proc_recv(p, fd, (char *)buf + done, len - done, f);
        if (n <= 0) return done ? (ssize_t)done : n;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* TCP ignores the destination of sendto and reports no source from recvfrom (Linux). */
ssize_t tcpsim_sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t addr_len)
{
    return tcpsim_send(fd, buf, len, flags);
}

ssize_t tcpsim_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                        socklen_t *addr_len)
{
    ssize_t n = tcpsim_recv(fd, buf, len, flags);
    if (n >= 0 && addr && addr_len) *addr_len = 0;
    return n;
}

ssize_t tcpsim_read(int fd, void *buf, size_t len)
{
    struct proc *p = fd_proc(fd);
    return p ? proc_recv(p, fd, buf, len, 0) : read(fd, buf, len);
}

ssize_t tcpsim_write(int fd, const void *buf, size_t len)
{
    struct proc *p = fd_proc(fd);
    return p ? proc_send(p, fd, buf, len, 0) : write(fd, buf, len);
}

int tcpsim_shutdown(int fd, int how)
{
    struct proc *p = socket_proc("shutdown");
    return p ? proc_shutdown(p, fd, how) : -1;
}

int tcpsim_close(int fd)
{
    struct proc *p = fd_proc(fd);
    return p ? proc_close(p, fd) : close(fd);
}

/* ---- options ---- */

/* (level, name) as proc.h's option; -1 for one the simulator does not offer. */
static int sockopt_of(int level, int name, enum stack_sockopt *out)
{
    static const struct { int level, name; enum stack_sockopt opt; } map[] = {
        { SOL_SOCKET, SO_LINGER, STACK_SO_LINGER },
        { SOL_SOCKET, SO_RCVTIMEO, STACK_SO_RCVTIMEO },
        { SOL_SOCKET, SO_SNDTIMEO, STACK_SO_SNDTIMEO },
        { SOL_SOCKET, SO_KEEPALIVE, STACK_SO_KEEPALIVE },
        { SOL_SOCKET, SO_REUSEADDR, STACK_SO_REUSEADDR },
        { IPPROTO_TCP, TCP_NODELAY, STACK_TCP_NODELAY },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].level == level && map[i].name == name) {
            *out = map[i].opt;
            return 0;
        }
    return -1;
}

static socklen_t sockopt_size(enum stack_sockopt opt)
{
    switch (opt) {
    case STACK_SO_LINGER: return sizeof(struct linger);
    case STACK_SO_RCVTIMEO:
    case STACK_SO_SNDTIMEO: return sizeof(struct timeval);
    case STACK_SO_KEEPALIVE:
    case STACK_SO_REUSEADDR:
    case STACK_TCP_NODELAY:
    case STACK_SOCKOPT_COUNT: break;
    }
    return sizeof(int);
}

int tcpsim_setsockopt(int fd, int level, int name, const void *value, socklen_t len)
{
    struct proc *p = socket_proc("setsockopt");
    if (!p) return -1;
    struct stack_opt opt = { 0 };
    if (sockopt_of(level, name, &opt.name) != 0) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (!value || len < sockopt_size(opt.name)) {
        errno = EINVAL;
        return -1;
    }
    if (opt.name == STACK_SO_LINGER) {
        const struct linger *lg = value;
        opt.value = lg->l_onoff != 0;
        opt.linger_s = lg->l_linger;
    } else if (opt.name == STACK_SO_RCVTIMEO || opt.name == STACK_SO_SNDTIMEO) {
        const struct timeval *tv = value;   /* Linux rounds a timeout up to its clock tick */
        opt.value = (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000);
    } else {
        opt.value = *(const int *)value;
    }
    return proc_setsockopt(p, fd, &opt);
}

static void put_int(void *value, socklen_t *len, int v)
{
    memcpy(value, &v, sizeof v);
    *len = sizeof v;
}

int tcpsim_getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
    struct proc *p = socket_proc("getsockopt");
    if (!p) return -1;
    struct stack_opt opt = { 0 };
    bool known = sockopt_of(level, name, &opt.name) == 0;
    bool so_error = level == SOL_SOCKET && name == SO_ERROR;
    bool so_type = level == SOL_SOCKET && name == SO_TYPE;
    if (!known && !so_error && !so_type) {
        errno = ENOPROTOOPT;
        return -1;
    }
    if (!value || !len || *len < (known ? sockopt_size(opt.name) : (socklen_t)sizeof(int))) {
        errno = EINVAL;
        return -1;
    }
    if (so_type) {
        put_int(value, len, SOCK_STREAM);
        return 0;
    }
    if (so_error) {
        int pending = 0;
        if (proc_get_so_error(p, fd, &pending) != 0) return -1;
        put_int(value, len, pending);
        return 0;
    }
    if (proc_getsockopt(p, fd, &opt) != 0) return -1;
    if (opt.name == STACK_SO_LINGER) {
        struct linger lg = { .l_onoff = opt.value, .l_linger = opt.linger_s };
        memcpy(value, &lg, sizeof lg);
        *len = sizeof lg;
    } else if (opt.name == STACK_SO_RCVTIMEO || opt.name == STACK_SO_SNDTIMEO) {
        struct timeval tv = { .tv_sec = opt.value / 1000, .tv_usec = (opt.value % 1000) * 1000 };
        memcpy(value, &tv, sizeof tv);
        *len = sizeof tv;
    } else {
        put_int(value, len, opt.value);
    }
    return 0;
}

typedef int (*proc_addr_call)(struct proc *p, int fd, uint32_t *ip, uint16_t *port);

static int get_address(const char *call, proc_addr_call get, int fd, struct sockaddr *addr,
                       socklen_t *len)
{
    struct proc *p = socket_proc(call);
    uint32_t ip = 0;
    uint16_t port = 0;
    if (!p || get(p, fd, &ip, &port) != 0) return -1;
    to_sockaddr(ip, port, addr, len);
    return 0;
}

int tcpsim_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    return get_address("getsockname", proc_getsockname, fd, addr, len);
}

int tcpsim_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    return get_address("getpeername", proc_getpeername, fd, addr, len);
}

int tcpsim_fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);   /* int or pointer, as glibc's own fcntl reads it */
    va_end(ap);
    struct proc *p = fd_proc(fd);
    if (!p) return fcntl(fd, cmd, arg);
    int nonblocking;
    switch (cmd) {
    case F_GETFL:
        nonblocking = proc_get_nonblocking(p, fd);
        return nonblocking < 0 ? -1 : O_RDWR | (nonblocking ? O_NONBLOCK : 0);
    case F_SETFL:
        return proc_set_nonblocking(p, fd, ((int)(intptr_t)arg & O_NONBLOCK) != 0);
    case F_GETFD:
    case F_SETFD:   /* no exec in a simulation: FD_CLOEXEC has no effect */
        return proc_get_nonblocking(p, fd) < 0 ? -1 : 0;
    default:
        errno = EINVAL;
        return -1;
    }
}

/* ---- waiting ---- */

static const struct { short libc; int stack; } poll_bits[] = {
    { POLLIN, STACK_POLLIN }, { POLLOUT, STACK_POLLOUT }, { POLLERR, STACK_POLLERR },
    { POLLHUP, STACK_POLLHUP }, { POLLNVAL, STACK_POLLNVAL },
};

static int to_stack_events(short events)
{
    int out = 0;
    for (size_t i = 0; i < sizeof poll_bits / sizeof poll_bits[0]; i++)
        if (events & poll_bits[i].libc) out |= poll_bits[i].stack;
    return out;
}

static short to_libc_events(int events)
{
    short out = 0;
    for (size_t i = 0; i < sizeof poll_bits / sizeof poll_bits[0]; i++)
        if (events & poll_bits[i].stack) out |= poll_bits[i].libc;
    return out;
}

int tcpsim_poll(struct pollfd *fds, nfds_t count, int timeout_ms)
{
    struct proc *p = proc_current();
    if (!p) return poll(fds, count, timeout_ms);
    struct proc_pollfd *set = calloc(count ? count : 1, sizeof *set);
    if (!set) {
        errno = ENOMEM;
        return -1;
    }
    for (nfds_t i = 0; i < count; i++)
        set[i] = (struct proc_pollfd){ .fd = fds[i].fd, .events = to_stack_events(fds[i].events) };
    int ret = proc_poll(p, set, count, timeout_ms);
    int saved = errno;
    for (nfds_t i = 0; i < count; i++) fds[i].revents = to_libc_events(set[i].revents);
    free(set);
    errno = saved;
    return ret;
}

/* select on poll: readable = POLLIN or an error or hang-up, writable = POLLOUT. */
int tcpsim_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                  struct timeval *timeout)
{
    if (!proc_current()) return select(nfds, readfds, writefds, exceptfds, timeout);
    if (nfds < 0 || nfds > FD_SETSIZE) {
        errno = EINVAL;
        return -1;
    }
    struct pollfd fds[FD_SETSIZE];
    nfds_t count = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = (readfds && FD_ISSET(fd, readfds) ? POLLIN : 0) |
                   (writefds && FD_ISSET(fd, writefds) ? POLLOUT : 0);
        if (ev) fds[count++] = (struct pollfd){ .fd = fd, .events = ev };
    }
    int timeout_ms = timeout ? (int)(timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000) : -1;
    int ret = tcpsim_poll(fds, count, timeout_ms);
    if (ret < 0) return -1;
    if (readfds) FD_ZERO(readfds);
    if (writefds) FD_ZERO(writefds);
    if (exceptfds) FD_ZERO(exceptfds);
    int bits = 0;
    for (nfds_t i = 0; i < count; i++) {
        short r = fds[i].revents;
        if (r & POLLNVAL) {
            errno = EBADF;
            return -1;
        }
        if (readfds && (r & (POLLIN | POLLERR | POLLHUP)) && (fds[i].events & POLLIN)) {
            FD_SET(fds[i].fd, readfds);
            bits++;
        }
        if (writefds && (r & (POLLOUT | POLLERR | POLLHUP)) && (fds[i].events & POLLOUT)) {
            FD_SET(fds[i].fd, writefds);
            bits++;
        }
    }
    return bits;
}

/* ---- sleeping in virtual time ---- */

int tcpsim_nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!proc_current()) return nanosleep(req, rem);
    uint64_t us = (uint64_t)req->tv_sec * 1000000u + ((uint64_t)req->tv_nsec + 999) / 1000;
    if (rem) *rem = (struct timespec){ 0 };
    return tcpsim_sleep_us(us);
}

int tcpsim_usleep(useconds_t usec)
{
    if (!proc_current()) return usleep(usec);
    return tcpsim_sleep_us(usec);
}

unsigned tcpsim_sleep(unsigned seconds)
{
    if (!proc_current()) return sleep(seconds);
    return tcpsim_sleep_us((uint64_t)seconds * 1000000u) == 0 ? 0 : seconds;
}

/* ---- signal dispositions ---- */

/* signal(): inside a process, SIGPIPE and SIGTERM get SIG_DFL or SIG_IGN as the process's
 * disposition (proc.h); a handler function is refused, since nothing would ever call it.
 * Outside a process it is libc's signal(). */
void (*tcpsim_signal(int signo, void (*handler)(int)))(int)
{
    struct proc *p = proc_current();
    if (!p) return signal(signo, handler);
    enum proc_signal sig;
    if (signo == SIGPIPE) sig = PROC_SIGPIPE;
    else if (signo == SIGTERM) sig = PROC_SIGTERM;
    else {
        errno = EINVAL;
        return SIG_ERR;
    }
    if (handler != SIG_DFL && handler != SIG_IGN) {
        errno = ENOTSUP;
        return SIG_ERR;
    }
    void (*previous)(int) = p->disposition[sig] == PROC_SIG_IGNORE ? SIG_IGN : SIG_DFL;
    proc_set_disposition(p, sig, handler == SIG_IGN ? PROC_SIG_IGNORE : PROC_SIG_DEFAULT);
    return previous;
}
