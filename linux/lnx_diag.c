/* lnx_diag — see lnx_diag.h. One SOCK_DIAG_BY_FAMILY dump request (AF_INET, IPPROTO_TCP,
 * every state ss -a shows), the replies read until NLMSG_DONE. */
#define _GNU_SOURCE
#include "lnx_diag.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* The kernel's TCP states (include/net/tcp_states.h) by ss's names; NEW_SYN_RECV (12), which
 * ss -a does not show, is not asked for. */
static const char *const state_names[] = { "UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV",
                                           "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN",
                                           "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING" };
#define STATE_COUNT (sizeof state_names / sizeof state_names[0])

int lnx_diag_open(const struct lnx_ns *ns)
{
    if (lnx_ns_enter(ns) != 0) return -1;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    lnx_ns_leave();
    return fd;
}

static int ask(int fd)
{
    struct {
        struct nlmsghdr nh;
        struct inet_diag_req_v2 req;
    } msg = {
        .nh = { .nlmsg_len = sizeof msg, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
        .req = { .sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
                 .idiag_states = (1u << STATE_COUNT) - 1 },
    };
    return send(fd, &msg, sizeof msg, 0) == (ssize_t)sizeof msg ? 0 : -1;
}

static void store(const struct inet_diag_msg *m, struct lnx_sock *s)
{
    *s = (struct lnx_sock){ .src_ip = ntohl(m->id.idiag_src[0]), .dst_ip = ntohl(m->id.idiag_dst[0]),
                            .src_port = ntohs(m->id.idiag_sport), .dst_port = ntohs(m->id.idiag_dport),
                            .state = m->idiag_state < STATE_COUNT ? state_names[m->idiag_state] : "UNKNOWN" };
}

int lnx_diag_tcp(int fd, struct lnx_sock *out, size_t max)
{
    if (fd < 0 || ask(fd) != 0) return -1;
    static long buf[8192];   /* aligned for nlmsghdr */
    int count = 0;
    for (;;) {
        ssize_t got = recv(fd, buf, sizeof buf, 0);
        if (got <= 0) return -1;
        int len = (int)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return count;
            if (h->nlmsg_type == NLMSG_ERROR) return -1;
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            if ((size_t)count < max) store(NLMSG_DATA(h), &out[count]);
            count++;
        }
    }
}
