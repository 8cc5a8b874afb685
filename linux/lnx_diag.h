/* lnx_diag — the TCP sockets of a network namespace, asked from the kernel over sock_diag
 * netlink (what `ss -tan` shows), without starting a process.
 *
 * The end-of-run check runs while frames are on the link: forking `ss` there (tens of ms on a
 * loaded machine) held the relay and made the kernel's tail loss probe retransmit FINs
 * (docs/linux-backend.md, Reproducibility). A netlink socket belongs to the namespace it was
 * created in, so one is opened per host and asked as often as needed. Errors: -1. */
#ifndef TCPSIM_LNX_DIAG_H
#define TCPSIM_LNX_DIAG_H

#include "lnx_ns.h"

#include <stddef.h>
#include <stdint.h>

struct lnx_sock {
    uint32_t src_ip, dst_ip;        /* host order */
    uint16_t src_port, dst_port;
    const char *state;              /* as ss names it: "ESTAB", "TIME-WAIT", "LISTEN", ... */
};

/* A sock_diag socket inside ns, or -1. */
int lnx_diag_open(const struct lnx_ns *ns);

/* The IPv4 TCP sockets of fd's namespace into out (at most max; more are counted, not
 * stored). Returns how many there are, or -1. */
int lnx_diag_tcp(int fd, struct lnx_sock *out, size_t max);

#endif
