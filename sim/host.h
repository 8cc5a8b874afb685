/* host — one simulated machine: an lwIP instance, its address, its processes and their fds,
 * and what happens to all of it when the machine crashes, reboots or shuts down.
 *
 * A host owns one stack instance (reset to power-on when the host is created, rebooted and
 * freed), observes its pcbs after every step (pcbtrack), wakes the processes whose sockets
 * became ready, and hands every packet the stack emits to the network around it (host_net).
 * Processes are coroutines owned by the host; their calls are in proc.h. The OS rules modelled
 * here (what lwIP has no opinion on) are written down in docs/os-model.md.
 * Errors that break the simulation itself are sched_panic. */
#ifndef TCPSIM_HOST_H
#define TCPSIM_HOST_H

#include "pcbtrack.h"
#include "prng.h"
#include "sched.h"
#include "stack.h"
#include "trace.h"

#include <setjmp.h>
#include <stdint.h>

struct host;
struct proc;
struct proc_pollfd;

/* What a host needs from the world around it. */
struct accounting;
struct reasons;

struct host_net {
    struct trace *trace;
    struct accounting *accounting;  /* where every byte goes (accounting.h) */
    struct reasons *reasons;        /* why RSTs and timers happen (reasons.h); may be NULL */
    void *ctx;
    void (*transmit)(void *ctx, struct host *from, const uint8_t *pkt, size_t len);
};

#define HOST_DEFAULT_FD_LIMIT 1024
#define HOST_INITIAL_FDS 16
#define HOST_MAX_POOLS 40
#define HOST_FRESH_WAITERS 64
#define HOST_DEFAULT_SHUTDOWN_GRACE_US 5000000u   /* SIGTERM, then SIGKILL 5 s later */
#define HOST_SHUTDOWN_DOWN_AFTER_US 1000000u      /* interfaces go down 1 s after the last process */

struct host *host_new(const char *name, uint32_t ip, int index, const struct lwip_stack *stack,
                      struct prng prng, const struct host_net *net);
/* Only once no coroutine of the host is alive (after sched_fini). */
void host_free(struct host *h);

const char *host_name(const struct host *h);
uint32_t host_ip(const struct host *h);
int host_index(const struct host *h);
bool host_is_up(const struct host *h);
const struct lwip_stack *host_stack(const struct host *h);
/* Whether the host's instance reached a bound of its family's sizes since the host was made,
 * across reboots (lwip_stack.bound_reached). */
bool host_bound_reached(const struct host *h);
/* on: a pool refusal that reached such a bound stops the run (sched_request_stop) instead of
 * being reported: the world runs on the small family and will run again (world.h). */
void host_stop_at_refusal(struct host *h, bool on);

/* A packet for this host arrives from the link (dropped, with a link event, when it is down). */
void host_input(struct host *h, const uint8_t *pkt, size_t len);
/* Observe the stack now (emits state events for what changed since the last look). */
void host_observe(struct host *h);
/* After a step of the host's stack: observe it and wake processes whose sockets are ready. */
void host_step(struct host *h);

/* Start a process at start_us; main runs as a coroutine and the process exits when it returns
 * (the host then closes the fds it still holds, as an OS does). The name is copied. NULL when
 * the host is down. */
struct proc *host_spawn(struct host *h, const char *name, uint64_t start_us,
                        void (*main)(struct proc *p, void *arg), void *arg);
struct proc *host_proc(const struct host *h, const char *name);   /* newest with that name */

/* Leak check: writes "pool NETCONN: 2 in use, 0 at power-on" for the first pool (lwIP's, or the
 * port's objects) not back to its power-on level, and returns true; false when all are back.
 * Meaningful once the host's connections are gone (a world that ran to idle). */
bool host_pool_leak(const struct host *h, char *buf, size_t size);

/* Machine events; call from scheduler context (world events) or another host's process. */
void host_crash(struct host *h);       /* stops at once: no FIN, no RST, nothing more sent */
void host_reboot(struct host *h);      /* back up with a fresh stack and no processes */
void host_shutdown(struct host *h, uint64_t grace_us);   /* SIGTERM all, SIGKILL after grace */

/* ---- private: shared with proc.c ---- */

enum proc_signal { PROC_SIGKILL, PROC_SIGPIPE, PROC_SIGTERM, PROC_SIGNAL_COUNT };
enum proc_disposition { PROC_SIG_DEFAULT, PROC_SIG_IGNORE, PROC_SIG_HANDLE, PROC_DISPOSITION_COUNT };

struct fd_entry {
    int sock;                       /* lwIP socket, -1 when the fd is free */
    bool app_nonblocking;           /* O_NONBLOCK as the application set it */
    bool connected;                 /* connect succeeded or came from accept: SIGPIPE applies */
    bool shut_wr;                   /* shutdown(SHUT_WR or SHUT_RDWR) was called */
    bool shut_rd;                   /* shutdown(SHUT_RD or SHUT_RDWR) was called */
    bool key_known;                 /* key below is set (the socket is connected) */
    struct conn_key key;            /* local -> remote, for byte accounting */
    uint32_t sent_incarnation, received_incarnation;   /* of the key's flows (accounting.h) */
    uint32_t rcvtimeo_ms, sndtimeo_ms;   /* SO_RCVTIMEO / SO_SNDTIMEO, 0 = none */
    bool lingers;                   /* SO_LINGER {on, t > 0}: close may wait inside lwIP */
    bool bound, listening, linger_on;    /* what the OS knows of the socket (lwIP defects) */
    int linger_s;                   /* SO_LINGER's seconds (for the reason of a close's RST) */
};

/* A lingering close that lwIP runs in a coroutine of its own, as a kernel finishes a close
 * after the process is gone (proc.c close_lingering). */
struct proc_close_job {
    int sock, ret, err;
    bool done;
    struct waitq done_q;
};

struct proc {
    char name[32];
    char full_name[72];             /* "host/proc", the coroutine's name */
    struct host *host;
    struct coro *coro;
    void (*main)(struct proc *p, void *arg);
    void *arg;
    struct fd_entry *fds;
    int fd_limit, fd_capacity;      /* the table grows up to the limit as fds are opened */
    int fd_free_hint;               /* every fd below it is in use */
    enum proc_disposition disposition[PROC_SIGNAL_COUNT];
    bool handled_pending[PROC_SIGNAL_COUNT];
    int fatal_signal;               /* -1, or the signal that terminates it at the next check */
    bool started, exited, killed, in_sim_wait, closing_fds;
    int exit_status;
    jmp_buf exit_jmp;               /* proc_main's exit path: kill and proc_exit unwind to it */
    struct waitq wakeup;            /* the process's own wait: readiness, signals, timeouts */
    int wait_sock, wait_events;     /* what it waits for while in_sim_wait */
    const struct proc_pollfd *wait_set;   /* poll(): several fds at once (wait_sock -1) */
    size_t wait_set_count;
    struct proc *next;
    struct proc *waiter_prev, *waiter_next;   /* in host->waiters while waiting for a socket */
    struct proc_close_job close_job;   /* the lingering close it waits for, if any */
    bool wait_writer;               /* waits as lwIP's blocking writer does (proc.c) */
    struct stack_write_room wait_room;   /* the write room when last looked at */
    uint64_t wait_seq;              /* when it joined host->waiters (the list is newest first) */
    bool socket_waiter;             /* in host->waiters now */
    bool checked_every_step;        /* a writer or a poll set: lwIP's socket events do not say
                                       when it may wake (host.c wake_ready_waiters) */
};

/* Whether a waiting process should wake after this step of its host's stack (proc.c). */
bool proc_wait_ready(struct proc *p);
/* The body of every process coroutine (proc.c). */
void proc_main(void *arg);
/* Deliver a signal (proc.c); from scheduler context or another process. */
void proc_deliver_signal(struct proc *p, enum proc_signal sig);

struct host {
    char name[32];
    uint32_t ip;
    int index;
    bool up;
    const struct lwip_stack *stack;
    struct prng prng;
    struct host_net net;
    struct pcbtrack pcbs;
    struct proc *procs, *procs_tail;
    struct proc *waiters;           /* processes blocked until a socket is ready */
    /* Who waits on which lwIP socket, and who began waiting since the last step: after a step
     * only these and the sockets lwIP reported events on are polled (stack.h socket_events). */
    struct proc **waiter_of_socket;
    size_t waiter_of_socket_cap;
    struct proc *fresh_waiters[HOST_FRESH_WAITERS];
    size_t fresh_count;
    bool poll_every_waiter;         /* too much happened for the lists: poll them all once */
    size_t every_step_waiters;      /* waiters with checked_every_step: poll them all while any */
    uint64_t wait_seq;
    uint64_t pool_errors_seen;      /* the stack's pool_errors at the last pool report */
    bool shutting_down, power_off_scheduled;
    struct stack_pool pools_at_power_on[HOST_MAX_POOLS];   /* leak check baseline */
    uint32_t pool_refused[HOST_MAX_POOLS];                 /* refusals already reported */
    size_t pool_count;
    bool powered;                   /* the instance was started by this host */
    bool bound_reached;             /* lwip_stack.bound_reached before the last reset */
    bool stop_at_refusal;           /* host_stop_at_refusal */
};

void host_add_waiter(struct host *h, struct proc *p);
void host_proc_exited(struct host *h);   /* a process of h has exited (shutdown bookkeeping) */
void host_remove_waiter(struct host *h, struct proc *p);

#endif
