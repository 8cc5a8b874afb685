/* host — one simulated machine: an lwIP instance, its address, its processes and their fds.
 *
 * A host owns one stack instance (reset to power-on when the host is created and when it is
 * freed), observes its pcbs after every step (pcbtrack) and hands every packet the stack emits to
 * the network around it (struct host_net). Processes are coroutines owned by the host; their
 * socket calls are in proc.h. Errors that break the simulation itself are sched_panic. */
#ifndef TCPSIM_HOST_H
#define TCPSIM_HOST_H

#include "pcbtrack.h"
#include "prng.h"
#include "stack.h"
#include "trace.h"

#include <stdint.h>

struct host;
struct proc;

/* What a host needs from the world around it. */
struct host_net {
    struct trace *trace;
    void *ctx;
    void (*transmit)(void *ctx, struct host *from, const uint8_t *pkt, size_t len);
};

#define HOST_DEFAULT_FD_LIMIT 1024

struct host *host_new(const char *name, uint32_t ip, int index, const struct lwip_stack *stack,
                      struct prng prng, const struct host_net *net);
/* Only once no coroutine of the host is alive (after sched_fini). */
void host_free(struct host *h);

const char *host_name(const struct host *h);
uint32_t host_ip(const struct host *h);
int host_index(const struct host *h);
const struct lwip_stack *host_stack(const struct host *h);

/* A packet for this host arrives from the link. */
void host_input(struct host *h, const uint8_t *pkt, size_t len);
/* Observe the stack now (emits state events for what changed since the last look). */
void host_observe(struct host *h);

/* Start a process at start_us; main runs as a coroutine and the process exits when it returns
 * (the host then closes the fds it still holds, as an OS does). The name must be unique on the
 * host; it is copied. */
struct proc *host_spawn(struct host *h, const char *name, uint64_t start_us,
                        void (*main)(struct proc *p, void *arg), void *arg);

/* ---- private: shared with proc.c ---- */

struct proc {
    char name[32];
    char full_name[72];             /* "host/proc", the coroutine's name */
    struct host *host;
    struct coro *coro;
    void (*main)(struct proc *p, void *arg);
    void *arg;
    int *fds;                       /* fd -> stack socket, -1 when free */
    int fd_limit;
    bool exited;
    int exit_status;
    struct proc *next;
};

/* The body of every process coroutine (proc.c). */
void proc_main(void *arg);

struct host {
    char name[32];
    uint32_t ip;
    int index;
    const struct lwip_stack *stack;
    struct prng prng;
    struct host_net net;
    struct pcbtrack pcbs;
    struct proc *procs, *procs_tail;
};

#endif
