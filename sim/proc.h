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
 * So a process can be killed in any call, at any virtual time, and its sockets closed by the
 * host, without touching lwIP from two places at once (docs/os-model.md). The one exception is
 * close(), which lwIP may block in (SO_LINGER): a signal then takes effect when it returns.
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
 * only when all of buf is queued, or with the count queued so far when an error or signal
 * stops it (-1 if nothing was). */
long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags);
long proc_recv(struct proc *p, int fd, void *buf, size_t len, int flags);
int proc_shutdown(struct proc *p, int fd, int how);   /* how: 0 rd, 1 wr, 2 rdwr */
int proc_close(struct proc *p, int fd);
int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt);
int proc_set_nonblocking(struct proc *p, int fd, bool on);   /* fcntl(O_NONBLOCK) */
/* poll() on one fd for `events` (STACK_POLLIN / STACK_POLLOUT): 1 with *revents (STACK_POLL*,
 * errors and hang-ups included) when ready, 0 when timeout_us passed first (PROC_POLL_FOREVER:
 * no timeout), -1 EINTR when a handled signal came, -1 EBADF. */
#define PROC_POLL_FOREVER UINT64_MAX
int proc_poll(struct proc *p, int fd, int events, uint64_t timeout_us, int *revents);
/* getsockopt(SO_ERROR): 0 with the pending error (an errno, 0 for none) in *value; reading it
 * clears it, as in lwIP and POSIX. */
int proc_get_so_error(struct proc *p, int fd, int *value);
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

const char *proc_name(const struct proc *p);
struct host *proc_host(const struct proc *p);
bool proc_exited(const struct proc *p);
bool proc_killed(const struct proc *p);     /* ended by a signal (or its host's crash) */
int proc_exit_status(const struct proc *p); /* exit status, or 128 + signal number */
const char *proc_signal_name(enum proc_signal sig);

#endif
