/* proc — the calls a simulated process makes: BSD sockets on its host's lwIP stack, and sleep.
 *
 * They behave like the POSIX calls they are named after: fds are per process (from 3 up, lowest
 * free first), a call returns -1 and sets errno on failure, and blocking calls block the process
 * (a coroutine) in virtual time. The result and errno are lwIP's own (Linux numbering). Every
 * call is a `call` trace event with its start time, result, errno and byte count.
 * They must be called from the process's own coroutine. */
#ifndef TCPSIM_PROC_H
#define TCPSIM_PROC_H

#include "host.h"

#include <stddef.h>
#include <stdint.h>

int proc_socket(struct proc *p);
/* ip: dotted quad, or NULL for any address */
int proc_bind(struct proc *p, int fd, const char *ip, uint16_t port);
int proc_listen(struct proc *p, int fd, int backlog);
int proc_accept(struct proc *p, int fd);
int proc_connect(struct proc *p, int fd, const char *ip, uint16_t port);
/* flags: STACK_MSG_* from stack.h */
long proc_send(struct proc *p, int fd, const void *buf, size_t len, int flags);
long proc_recv(struct proc *p, int fd, void *buf, size_t len, int flags);
int proc_shutdown(struct proc *p, int fd, int how);   /* how: 0 rd, 1 wr, 2 rdwr */
int proc_close(struct proc *p, int fd);
int proc_setsockopt(struct proc *p, int fd, const struct stack_opt *opt);
void proc_sleep_us(struct proc *p, uint64_t delay_us);

const char *proc_name(const struct proc *p);
struct host *proc_host(const struct proc *p);

#endif
