/* <tcpsim/posix.h> — BSD socket names inside a simulated process.
 *
 * Include it in code written for POSIX sockets (after or instead of the system headers: it
 * includes <sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>, <arpa/inet.h>, <unistd.h>,
 * <fcntl.h>, <poll.h>, <signal.h>, <sys/select.h>, <errno.h> and <time.h> itself) and the calls below
 * become function-like macros for tcpsim_<name>: the code compiles unchanged and, run in a
 * process started with tcpsim_spawn, talks TCP through its host's lwIP stack, blocking in
 * virtual time. Types, constants and errno values are glibc's own (struct sockaddr_in, AF_INET,
 * SOCK_STREAM, MSG_NOSIGNAL, ECONNRESET 104, ...); only IPv4 TCP exists.
 *
 * The current process is the one whose coroutine is running (there is no other way to be
 * running simulated code). Outside a simulated process (your test's own code, a tcpsim_at
 * callback):
 *   - socket-only calls (socket, bind, listen, accept, connect, send*, recv*, shutdown,
 *     setsockopt, getsockopt, getsockname, getpeername) return -1 with errno EPERM and print
 *     "tcpsim: <call>() called outside a simulated process" on stderr;
 *   - read, write, close, fcntl, poll and select are the libc calls, so your test can still
 *     use files; sleep, usleep and nanosleep sleep for real; signal is libc's.
 * Inside a process, fds 0, 1 and 2 are the program's real stdio (read/write/close/fcntl pass
 * them to libc); sockets get fds from 3 up, per process. signal(SIGPIPE or SIGTERM, SIG_IGN or
 * SIG_DFL) sets the process's disposition; a handler function is refused (SIG_ERR, ENOTSUP:
 * the simulator does not run handlers). Not covered: UDP, IPv6, accept4 flags other than
 * SOCK_NONBLOCK, MSG_OOB, sendmsg/recvmsg, sigaction, taking the address of a mapped function
 * (a macro does not rename `&close`). Define TCPSIM_NO_POSIX_NAMES to get only the tcpsim_*
 * functions.
 * Every call is a `call` event in the trace (docs/library.md). */
#ifndef TCPSIM_POSIX_H
#define TCPSIM_POSIX_H

#include <tcpsim/tcpsim.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* glibc's transparent unions let C callers pass a struct sockaddr_in * without a cast. */
#ifdef __SOCKADDR_ARG
#define TCPSIM_SOCKADDR_ARG __SOCKADDR_ARG
#define TCPSIM_CONST_SOCKADDR_ARG __CONST_SOCKADDR_ARG
#else
#define TCPSIM_SOCKADDR_ARG struct sockaddr *
#define TCPSIM_CONST_SOCKADDR_ARG const struct sockaddr *
#endif

int tcpsim_socket(int domain, int type, int protocol);
int tcpsim_bind(int fd, TCPSIM_CONST_SOCKADDR_ARG addr, socklen_t len);
int tcpsim_listen(int fd, int backlog);
int tcpsim_accept(int fd, TCPSIM_SOCKADDR_ARG addr, socklen_t *len);
int tcpsim_accept4(int fd, TCPSIM_SOCKADDR_ARG addr, socklen_t *len, int flags);
int tcpsim_connect(int fd, TCPSIM_CONST_SOCKADDR_ARG addr, socklen_t len);
ssize_t tcpsim_send(int fd, const void *buf, size_t len, int flags);
ssize_t tcpsim_recv(int fd, void *buf, size_t len, int flags);
ssize_t tcpsim_sendto(int fd, const void *buf, size_t len, int flags,
                      TCPSIM_CONST_SOCKADDR_ARG addr, socklen_t addr_len);
ssize_t tcpsim_recvfrom(int fd, void *buf, size_t len, int flags, TCPSIM_SOCKADDR_ARG addr,
                        socklen_t *addr_len);
ssize_t tcpsim_read(int fd, void *buf, size_t len);
ssize_t tcpsim_write(int fd, const void *buf, size_t len);
int tcpsim_shutdown(int fd, int how);
int tcpsim_close(int fd);
int tcpsim_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
int tcpsim_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int tcpsim_getsockname(int fd, TCPSIM_SOCKADDR_ARG addr, socklen_t *len);
int tcpsim_getpeername(int fd, TCPSIM_SOCKADDR_ARG addr, socklen_t *len);
int tcpsim_fcntl(int fd, int cmd, ...);
int tcpsim_poll(struct pollfd *fds, nfds_t count, int timeout_ms);
int tcpsim_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                  struct timeval *timeout);
unsigned tcpsim_sleep(unsigned seconds);
int tcpsim_usleep(useconds_t usec);
int tcpsim_nanosleep(const struct timespec *req, struct timespec *rem);
void (*tcpsim_signal(int signo, void (*handler)(int)))(int);

#ifndef TCPSIM_NO_POSIX_NAMES
#define socket(domain, type, protocol) tcpsim_socket(domain, type, protocol)
#define bind(fd, addr, len) tcpsim_bind(fd, addr, len)
#define listen(fd, backlog) tcpsim_listen(fd, backlog)
#define accept(fd, addr, len) tcpsim_accept(fd, addr, len)
#define accept4(fd, addr, len, flags) tcpsim_accept4(fd, addr, len, flags)
#define connect(fd, addr, len) tcpsim_connect(fd, addr, len)
#define send(fd, buf, len, flags) tcpsim_send(fd, buf, len, flags)
#define recv(fd, buf, len, flags) tcpsim_recv(fd, buf, len, flags)
#define sendto(fd, buf, len, flags, addr, alen) tcpsim_sendto(fd, buf, len, flags, addr, alen)
#define recvfrom(fd, buf, len, flags, addr, alen) tcpsim_recvfrom(fd, buf, len, flags, addr, alen)
#define read(fd, buf, len) tcpsim_read(fd, buf, len)
#define write(fd, buf, len) tcpsim_write(fd, buf, len)
#define shutdown(fd, how) tcpsim_shutdown(fd, how)
#define close(fd) tcpsim_close(fd)
#define setsockopt(fd, level, name, value, len) tcpsim_setsockopt(fd, level, name, value, len)
#define getsockopt(fd, level, name, value, len) tcpsim_getsockopt(fd, level, name, value, len)
#define getsockname(fd, addr, len) tcpsim_getsockname(fd, addr, len)
#define getpeername(fd, addr, len) tcpsim_getpeername(fd, addr, len)
#define fcntl(...) tcpsim_fcntl(__VA_ARGS__)
#define poll(fds, count, timeout_ms) tcpsim_poll(fds, count, timeout_ms)
#define select(n, r, w, e, timeout) tcpsim_select(n, r, w, e, timeout)
#define sleep(seconds) tcpsim_sleep(seconds)
#define usleep(usec) tcpsim_usleep(usec)
#define nanosleep(req, rem) tcpsim_nanosleep(req, rem)
#define signal(signo, handler) tcpsim_signal(signo, handler)
#endif

#ifdef __cplusplus
}
#endif

#endif
