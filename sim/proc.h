/* proc — what a simulated process does: BSD socket calls on its host's lwIP stack, sleeping,
 * signals and exit.
 *
 * The calls behave like the POSIX calls they are named after: fds are per process (from 3 up,
 * lowest free first, at most the process's fd limit), a call returns -1 and sets errno on
 * failure, blocking calls block the process in virtual time. Results and errno values are
 * lwIP's own (Linux numbering). Every call is one `call` trace event.
 *
 * Design: a process never blocks inside lwIP. Every lwIP socket is non-blocking; a blocking
 * call retries lwIP's non-blocking call and, while lwIP says EWOULDBLOCK, waits in the
 * simulator until lwip_poll reports the socket ready, its timeout passes or a signal arrives.
 * A blocking send waits instead for the moments lwIP's own blocking write would go on (an ACK
 * that freed send buffer, the netconn's poll), so its amounts, errno and return time are those
 * of lwIP's blocking lwip_send, SO_SNDTIMEO included (tests/test_blocking.c compares them).
 * So a process can be killed in any call, at any virtual time, and its sockets closed by the
 * host, without touching lwIP from two places at once (docs/os-model.md). A close that lwIP
 * makes wait (SO_LINGER) is lwIP's own blocking close, run in a coroutine of the host while the
 * process waits in the simulator: a kill ends the process at once and lwIP finishes the close
 * without it, as a kernel does.
 *
 * proc_* calls must be made from the process's own coroutine; proc_signal may come from
 * anywhere (scheduler context or another process). */
#ifndef TCPSIM_PROC_H
#define TCPSIM_PROC_H

#include "host.h"

#include <stddef.h>
#include <stdint.h>

/* A flag for proc_send only: no SIGPIPE (Linux MSG_NOSIGNAL). */
#define PROC_MSG_NOSIGNAL (1 << 8)

int proc_socket(struct proc *p);
/* ip: dotted quad, or NULL for any address */
int proc_bind(struct proc *p, int fd, const char *ip, uint16_t port);
int proc_listen(struct proc *p, int fd, int backlog);
int proc_accept(struct proc *p, int fd);
int proc_connect(struct proc *p, int fd, const char *ip, uint16_t port);
/* flags: STACK_MSG_* from stack.h, and PROC_MSG_NOSIGNAL for send. A blocking send returns
 * when all of buf is queued; with SO_SNDTIMEO, at lwIP's first writer call after the timeout,
 * with the count queued (-1 EAGAIN if none); -1 with lwIP's errno when the connection fails,
 * whatever was queued (lwIP's err_tcp); the count queued (or -1 EINTR) when a handled signal
 * interrupts it. */
long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags);
long proc_recv(struct proc *p, int fd, void *buf, size_t len, int flags);
int proc_shutdown(struct proc *p, int fd, int how);   /* how: 0 rd, 1 wr, 2 rdwr */
int proc_close(struct proc *p, int fd);
int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt);
int proc_set_nonblocking(struct proc *p, int fd, bool on);   /* fcntl(O_NONBLOCK) */
/* Sleeps delay_us of virtual time; returns 0, or -1 EINTR when a handled signal woke it. */
int proc_sleep_us(struct proc *p, uint64_t delay_us);
/* setrlimit(RLIMIT_NOFILE): fds >= limit are not handed out (socket/accept fail EMFILE). */
int proc_set_fd_limit(struct proc *p, int limit);
/* signal(sig, SIG_DFL / SIG_IGN / a handler). SIGKILL cannot be changed (-1 EINVAL). */
int proc_set_disposition(struct proc *p, enum proc_signal sig, enum proc_disposition d);
/* True once per delivery of a handled signal (what a handler would have recorded). */
bool proc_take_signal(struct proc *p, enum proc_signal sig);
/* exit(status): ends the process now; the host closes every fd it still holds. */
_Noreturn void proc_exit(struct proc *p, int status);

/* kill(pid, sig), from anywhere. Default action terminates (at once if the process is
 * blocked), SIG_IGN ignores, a handler makes a blocking call return -1 EINTR. */
void proc_signal(struct proc *p, enum proc_signal sig);

/* ---- for the BSD socket layer (posix.c, <tcpsim/posix.h>) ---- */

/* The process whose coroutine is running now, or NULL (scheduler context, a stack's tcpip
 * thread, or no simulation at all). Walks the running host's process list. */
struct proc *proc_current(void);
/* getsockname / getpeername: IPv4 address and port in host byte order. */
int proc_getsockname(struct proc *p, int fd, uint32_t *ip, uint16_t *port);
int proc_getpeername(struct proc *p, int fd, uint32_t *ip, uint16_t *port);
/* The peer of a connected fd with no call event (what accept reports through its address). */
int proc_peer_address(struct proc *p, int fd, uint32_t *ip, uint16_t *port);
/* getsockopt of opt->name (lwIP's current value into opt), and SO_ERROR (lwIP's pending error,
 * an errno or 0, into *so_error; reading it clears it, as in lwIP and POSIX). */
int proc_getsockopt(struct proc *p, int fd, struct stack_opt *opt);
int proc_get_so_error(struct proc *p, int fd, int *so_error);
/* fcntl(F_GETFL) & O_NONBLOCK: 1 or 0, -1 EBADF. */
int proc_get_nonblocking(struct proc *p, int fd);
/* poll(): events/revents are STACK_POLL* bits; fd < 0 is skipped, a closed fd gets
 * STACK_POLLNVAL. timeout_ms < 0 waits forever. Returns how many entries have revents, 0 on
 * timeout, -1 EINTR when a handled signal came. */
struct proc_pollfd {
    int fd;
    int events, revents;
};
int proc_poll(struct proc *p, struct proc_pollfd *fds, size_t count, int timeout_ms);
/* poll() on one fd (the scenario step): the same, with a timeout in microseconds
 * (PROC_POLL_FOREVER: none) and its revents in *revents. */
#define PROC_POLL_FOREVER UINT64_MAX
int proc_poll_one(struct proc *p, int fd, int events, uint64_t timeout_us, int *revents);

const char *proc_name(const struct proc *p);
struct host *proc_host(const struct proc *p);
bool proc_exited(const struct proc *p);
bool proc_killed(const struct proc *p);     /* ended by a signal (or its host's crash) */
int proc_exit_status(const struct proc *p); /* exit status, or 128 + signal number */
const char *proc_signal_name(enum proc_signal sig);

#endif
