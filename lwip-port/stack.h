/* stack.h — the only door into one lwIP instance.
 *
 * Each lwIP instance is lwIP 2.1.3 + this port, linked into one relocatable object whose only
 * global symbol is its `struct lwip_stack` table (lwip_stack_0, lwip_stack_1, ...; see
 * lwip-port/README.md). Everything else inside is local, so instances share no state. Calls out
 * of an instance go to the scheduler (sim/sched.h) and to the callbacks in `struct stack_env`.
 *
 * Types here are plain C on purpose: the simulator never includes lwIP headers (lwIP's
 * `struct sockaddr_in` and socket constants differ from the host libc's). Addresses are IPv4 in
 * host byte order, ports in host byte order. Socket calls are lwIP's own BSD calls: they return
 * what lwIP returns and store lwIP's errno (Linux numbering) in *err, 0 on success.
 * Socket calls must be made from a coroutine (they may block); `input` and the read-only
 * queries may be made from anywhere and never block.
 */
#ifndef TCPSIM_STACK_H
#define TCPSIM_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the simulator gives an instance. */
struct stack_env {
    void *host;                 /* opaque; passed back in every callback and as coroutine owner */
    const char *name;           /* the host's name, for coroutine names and messages */
    uint32_t ip, netmask;
    /* One IPv4 packet leaving the instance. The buffer is only valid during the call. */
    void (*output)(void *host, const uint8_t *packet, size_t len);
    /* LWIP_RAND and the TCP ISN hook draw from here (the host's seeded generator). */
    uint32_t (*rand32)(void *host);
    /* The tcpip thread is about to take its next message: the previous one is fully processed,
     * a consistent point to observe the pcbs. */
    void (*step)(void *host);
    /* An lwIP assertion failed: report and stop (never returns). */
    void (*fail)(void *host, const char *msg, const char *file, int line);
};

/* What lwIP was doing when a packet left it: the answer to a socket call (a process, or the OS
 * closing a process's descriptors), to a packet from the link, or a timer of the tcpip thread
 * (tcp_tmr and the other timeouts). UNKNOWN where nobody can tell (the Linux backend). */
enum stack_origin {
    STACK_ORIGIN_UNKNOWN, STACK_ORIGIN_CALL, STACK_ORIGIN_INPUT, STACK_ORIGIN_TIMER,
    STACK_ORIGIN_COUNT
};

/* lwIP's TCP states, in lwIP's order (tcpbase.h). */
enum stack_tcp_state {
    STACK_CLOSED, STACK_LISTEN, STACK_SYN_SENT, STACK_SYN_RCVD, STACK_ESTABLISHED,
    STACK_FIN_WAIT_1, STACK_FIN_WAIT_2, STACK_CLOSE_WAIT, STACK_CLOSING, STACK_LAST_ACK,
    STACK_TIME_WAIT, STACK_TCP_STATE_COUNT
};

/* One TCP protocol control block as seen from outside. */
struct stack_pcb {
    enum stack_tcp_state state;
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;
    uint8_t nrtx;               /* retransmissions of the oldest unacked segment (lwIP's nrtx) */
    bool rtx_exhausted;         /* nrtx reached TCP_SYNMAXRTX (SYN_SENT) or TCP_MAXRTX: lwIP's
                                 * tcp_slowtmr drops the pcb at its next run */
    const void *handle;         /* identifies the pcb while lwIP keeps it (its address) */
    uintptr_t tag;              /* what the simulator last stored with pcb_tag (0: nothing) */
    /* The state it was in when lwIP was given a segment for it in the current step (lwIP's
     * LWIP_HOOK_TCP_INPACKET_PCB, before tcp_process), or STACK_TCP_STATE_COUNT: none. */
    enum stack_tcp_state segment_from;
};

enum stack_sockopt {
    STACK_SO_LINGER,     /* value: on (0/1), linger_s: seconds */
    STACK_SO_RCVTIMEO,   /* value: milliseconds, 0 = block forever */
    STACK_SO_SNDTIMEO,   /* value: milliseconds, 0 = block forever */
    STACK_SO_KEEPALIVE,  /* value: 0/1 */
    STACK_SO_REUSEADDR,  /* value: 0/1 */
    STACK_TCP_NODELAY,   /* value: 0/1 */
    STACK_SOCKOPT_COUNT
};

struct stack_opt {
    enum stack_sockopt name;
    int value;
    int linger_s;
};

/* poll() events, translated to lwIP's POLL* values inside the door. */
enum {
    STACK_POLLIN = 1 << 0,
    STACK_POLLOUT = 1 << 1,
    STACK_POLLERR = 1 << 2,
    STACK_POLLHUP = 1 << 3,
    STACK_POLLNVAL = 1 << 4,
};

/* Flags for send/recv, translated to lwIP's values inside the door. */
enum {
    STACK_MSG_PEEK = 1 << 0,
    STACK_MSG_DONTWAIT = 1 << 1,
    STACK_MSG_MORE = 1 << 2,
};

/* One memory pool, for leak and exhaustion checks: lwIP's memp pools, the heap as "HEAP", and
 * the port's semaphores/mutexes/mailboxes as "SYS_OBJECTS" (avail 0: no fixed limit). */
struct stack_pool {
    const char *name;
    uint32_t used, max_used, avail, errors;
};

/* What lwIP's own blocking write looks at (api_msg.c lwip_netconn_do_writemore, run again by
 * sent_tcp and poll_tcp), for the OS model's emulation of a blocking send (sim/proc.c). */
struct stack_write_room {
    int connected;              /* the socket still has its pcb (0: reset, aborted, closed) */
    uint32_t sndbuf;            /* tcp_sndbuf: bytes tcp_write takes now */
    uint32_t polltmr;           /* the pcb's poll timer: set to 0 by every poll_tcp and every
                                   ACK of new data (the calls that wake lwIP's writer) */
    int pending_err;            /* the connection's pending error as an errno, NOT cleared
                                   (lwIP's blocking calls leave it for the next call); 0: none */
    int data_queued;            /* unsent or unacknowledged segments: what a close with
                                   SO_LINGER {on, t > 0} waits for */
};

struct lwip_stack {
    const char *name;

    /* Power-on state: frees the port's objects, restores the instance's .data and zeroes its
     * .bss, so the instance can be started again (a new world, or a host reboot). Call it only
     * when no coroutine of the instance is alive. */
    void (*reset)(void);
    /* tcpip_init + one netif with env->ip. Called outside coroutines; the tcpip thread starts
     * as a coroutine at the current virtual time. Returns 0 or -1. */
    int (*start)(const struct stack_env *env);
    /* A packet arriving from the link (copied). Returns 0, or -1 when lwIP refused it
     * (no pbuf, tcpip mailbox full): the packet is then lost inside the host. */
    int (*input)(const uint8_t *packet, size_t len);

    int (*socket)(int *err);
    int (*bind)(int s, uint32_t ip, uint16_t port, int *err);
    int (*listen)(int s, int backlog, int *err);
    int (*accept)(int s, uint32_t *peer_ip, uint16_t *peer_port, int *err);
    int (*connect)(int s, uint32_t ip, uint16_t port, int *err);
    long (*send)(int s, const void *buf, size_t len, int flags, int *err);
    long (*recv)(int s, void *buf, size_t len, int flags, int *err);
    int (*shutdown)(int s, int how, int *err);
    int (*close)(int s, int *err);
    int (*setsockopt)(int s, const struct stack_opt *opt, int *err);
    /* getsockopt of opt->name: fills value (and linger_s) with lwIP's current setting. */
    int (*getsockopt)(int s, struct stack_opt *opt, int *err);
    int (*set_nonblocking)(int s, int on, int *err);
    /* getsockname: the local address of a socket. */
    int (*local_addr)(int s, uint32_t *ip, uint16_t *port, int *err);
    /* getpeername: the remote address of a connected (or connecting) socket. */
    int (*peer_addr)(int s, uint32_t *ip, uint16_t *port, int *err);
    /* lwip_poll on one socket with timeout 0: the STACK_POLL* events that are ready now, among
     * `events` (errors and hang-ups are always reported). Never blocks. */
    int (*poll)(int s, int events);
    /* getsockopt(SO_ERROR): the pending error as an errno (0: none), cleared by reading. */
    int (*so_error)(int s, int *err);

    /* Every pcb in lwIP's lists (listen, bound, active, TIME_WAIT), in list order. */
    void (*pcb_walk)(void *ctx, void (*visit)(void *ctx, const struct stack_pcb *pcb));
    /* Memory pools; returns how many were written (at most max). */
    size_t (*pools)(struct stack_pool *out, size_t max);
    /* The write room of a socket (see struct stack_write_room). Never blocks, changes
     * nothing. Returns 0, or -1 when s is not a socket. */
    int (*write_room)(int s, struct stack_write_room *out);
    /* The instance is no longer used: frees the port's objects like reset, leaves the rest of
     * its memory for the next reset to restore. Same precondition as reset. */
    void (*release)(void);

    /* ---- observing only what lwIP touched (lwip-port/observe.h) ----
     * The pcbs that may have changed since the last call (segments given to them, spawned by a
     * listener, behind a socket call), and vanished(handle, tag) for every tagged pcb lwIP freed
     * since. Returns false when that is not enough (lwIP's timers ran in this step, or too much
     * happened): then nothing was visited and only a pcb_walk tells the truth. */
    bool (*touched)(void *ctx, void (*visit)(void *ctx, const struct stack_pcb *pcb),
                    void (*vanished)(void *ctx, const void *handle, uintptr_t tag));
    /* Store a tag with a pcb (from a visit's handle, during the visit or the step it was seen). */
    void (*pcb_tag)(const void *handle, uintptr_t tag);
    /* Sockets whose readiness may have changed since the last call (lwIP's netconn events);
     * writes at most max, returns how many there were (more than max: look at every socket). */
    size_t (*socket_events)(int *out, size_t max);
    /* Allocations refused so far by every pool together (a pool report is due when it moved). */
    uint64_t (*pool_errors)(void);
    /* What lwIP is doing now (see enum stack_origin); asked while a packet leaves. */
    enum stack_origin (*origin)(void);

    /* ---- instance families (lwip-port/README.md) ----
     * Since power-on, a pool reached its size or refused an allocation, or a mailbox filled
     * up: the run may have depended on this family's sizes. */
    bool (*bound_reached)(void);
    unsigned pool_conns;        /* the connections the pools are sized for (TCPSIM_POOL_CONNS) */
};

#endif
