/* lnx_kernel — what the Linux kernel tells about a run: TCP state changes and resets from a
 * private tracefs instance, and the kernel's identity and TCP settings for the trace header.
 *
 * The tracefs instance (instances/tcpsim-<pid>) enables sock:inet_sock_set_state,
 * tcp:tcp_send_reset and tcp:tcp_receive_reset with the monotonic trace clock; tracefs is
 * mounted on a private directory when it is not mounted already, and unmounted again.
 * Tracepoints do not name the network namespace: the caller tells the hosts apart by address
 * (and runs one Linux scenario at a time, lnx_lock). Errors: -1/NULL with a message. */
#ifndef TCPSIM_LNX_KERNEL_H
#define TCPSIM_LNX_KERNEL_H

#include <stddef.h>
#include <stdint.h>

enum lnx_kevent_kind { LNX_K_STATE, LNX_K_SEND_RESET, LNX_K_RECV_RESET, LNX_K_KIND_COUNT };

struct lnx_kevent {
    enum lnx_kevent_kind kind;
    uint64_t t_us;                  /* CLOCK_MONOTONIC microseconds (the trace clock) */
    uint32_t saddr, daddr;          /* host order; the socket's own address is saddr */
    uint16_t sport, dport;
    char oldstate[24], newstate[24];   /* STATE: the kernel's names, "TCP_SYN_SENT" */
    char state[24];                 /* SEND_RESET: the socket's state ("UNKNOWN": none) */
    char reason[40];                /* SEND_RESET: the reset reason ("NO_SOCKET") */
};

struct lnx_tracefs;

struct lnx_tracefs *lnx_tracefs_open(char *err, size_t err_size);
int lnx_tracefs_fd(const struct lnx_tracefs *t);    /* trace_pipe, non-blocking, for poll */
/* Every complete event line available now, parsed, handed to fn in order. */
void lnx_tracefs_read(struct lnx_tracefs *t, void (*fn)(void *ctx, const struct lnx_kevent *ev),
                      void *ctx);
void lnx_tracefs_close(struct lnx_tracefs *t);      /* removes the instance (and the mount) */

/* Where tracefs is, without changing anything: NULL when it cannot be found or mounted. */
const char *lnx_tracefs_available(char *why, size_t why_size);

/* `uname -r`. */
const char *lnx_kernel_release(void);
/* FNV-1a 64 of /proc/config.gz as 16 hex digits, or "unavailable". */
const char *lnx_kernel_config_hash(void);

/* One process-wide lock (flock on /run/lock/tcpsim-linux.lock or /tmp): one Linux scenario at a
 * time on this machine. Returns the fd (closed to release) or -1. */
int lnx_lock(void);

#endif
