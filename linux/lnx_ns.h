/* lnx_ns — network namespaces for the Linux backend, and the commands run inside them.
 *
 * A namespace is held by a small holder process (unshare(CLONE_NEWNET), IPv6 off, then pause):
 * it vanishes when the holder and every process in it are gone, and the holder dies with
 * tcpsim (PR_SET_PDEATHSIG), so an interrupted run leaves no namespace behind. Hosts are
 * plugged into the "wire" namespace with a veth pair: eth0 (address, fixed MAC, static
 * neighbours, GSO off so every frame is one segment) in the host, w<name> in the wire, where an
 * AF_PACKET socket reads and writes the frames (the relay). `ip` and `ss` (iproute2) do the
 * configuration. Errors: -1 with a message. */
#ifndef TCPSIM_LNX_NS_H
#define TCPSIM_LNX_NS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lnx_ns {
    pid_t holder;               /* 0: none */
    int fd;                     /* /proc/<holder>/ns/net, -1: none */
};

int lnx_ns_new(struct lnx_ns *ns, char *err, size_t err_size);
/* Kills the holder (the namespace goes once nothing else is in it); safe on a freed one. */
void lnx_ns_free(struct lnx_ns *ns);

/* Runs argv (PATH lookup) inside ns; stdout into out (may be NULL), stderr discarded.
 * Returns the exit status, -1 when it could not run. */
int lnx_ns_run(const struct lnx_ns *ns, const char *const *argv, char *out, size_t out_size);
/* Moves the calling process into ns / back into the namespace it started in. */
int lnx_ns_enter(const struct lnx_ns *ns);
int lnx_ns_leave(void);

/* Reads / writes /proc/sys/<name with dots as slashes> inside ns ("net.ipv4.tcp_retries2"). */
int lnx_sysctl_get(const struct lnx_ns *ns, const char *name, char *value, size_t size);
int lnx_sysctl_set(const struct lnx_ns *ns, const char *name, const char *value);

struct lnx_peer {
    uint32_t ip;
    int mac;                    /* the last byte of its MAC 02:00:00:00:00:xx */
};

/* Plugs host ns into wire: veth wname (wire) <-> eth0 (host, ip/32, MAC ..:mac, routes and
 * permanent neighbours for peers). Returns an AF_PACKET socket on wname (outgoing frames
 * ignored), or -1. */
int lnx_ns_plug(const struct lnx_ns *wire, const struct lnx_ns *host, const char *wname,
                uint32_t ip, int mac, const struct lnx_peer *peers, size_t peer_count, char *err,
                size_t err_size);

/* `ss -K` every TCP socket of ns (TIME_WAIT ones too). */
void lnx_ns_kill_sockets(const struct lnx_ns *ns);

#endif
