/* lnx_ns — see lnx_ns.h. */
#define _GNU_SOURCE
#include "lnx_ns.h"

#include "packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int home_fd = -1;    /* the namespace tcpsim started in */

static void write_proc(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) return;
    ssize_t n = write(fd, value, strlen(value));
    (void)n;
    close(fd);
}

int lnx_ns_new(struct lnx_ns *ns, char *err, size_t err_size)
{
    int sync[2];
    *ns = (struct lnx_ns){ .fd = -1 };
    if (pipe2(sync, O_CLOEXEC) != 0) {
        snprintf(err, err_size, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_size, "fork: %s", strerror(errno));
        close(sync[0]);
        close(sync[1]);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        write_proc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
        write_proc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
        ssize_t n = write(sync[1], &ok, 1);
        (void)n;
        for (;;) pause();
    }
    close(sync[1]);
    char ok = 'n';
    ssize_t n = read(sync[0], &ok, 1);
    close(sync[0]);
    ns->holder = pid;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    if (n != 1 || ok != 'y' || (ns->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, err_size, "cannot create a network namespace (unshare CLONE_NEWNET): %s",
                 n == 1 && ok != 'y' ? "not permitted" : strerror(errno));
        lnx_ns_free(ns);
        return -1;
    }
    return 0;
}

void lnx_ns_free(struct lnx_ns *ns)
{
    if (ns->fd >= 0) close(ns->fd);
    if (ns->holder > 0) {
        kill(ns->holder, SIGKILL);
        waitpid(ns->holder, NULL, 0);
    }
    *ns = (struct lnx_ns){ .fd = -1 };
}

int lnx_ns_run(const struct lnx_ns *ns, const char *const *argv, char *out, size_t out_size)
{
    int p[2] = { -1, -1 };
    if (out && pipe2(p, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (setns(ns->fd, CLONE_NEWNET) != 0) _exit(126);
        int null = open("/dev/null", O_RDWR);
        dup2(out ? p[1] : null, 1);
        dup2(null, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t used = 0;
    if (out) {
        close(p[1]);
        ssize_t n;
        while ((n = read(p[0], out + used, out_size - 1 - used)) > 0 && used + (size_t)n < out_size - 1)
            used += (size_t)n;
        if (n > 0) used += (size_t)n;
        out[used] = '\0';
        close(p[0]);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int lnx_ns_enter(const struct lnx_ns *ns)
{
    if (home_fd < 0 && (home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) return -1;
    return setns(ns->fd, CLONE_NEWNET);
}

int lnx_ns_leave(void) { return home_fd >= 0 ? setns(home_fd, CLONE_NEWNET) : 0; }

static void sysctl_path(const char *name, char *path, size_t size)
{
    int n = snprintf(path, size, "/proc/sys/%s", name);
    for (int i = 10; i < n && (size_t)i < size; i++)
        if (path[i] == '.') path[i] = '/';
}

/* /proc/sys/net belongs to the namespace of whoever opens it. */
static int open_sysctl(const struct lnx_ns *ns, const char *name, int flags)
{
    char path[256];
    sysctl_path(name, path, sizeof path);
    if (lnx_ns_enter(ns) != 0) return -1;
    int fd = open(path, flags | O_CLOEXEC);
    lnx_ns_leave();
    return fd;
}

int lnx_sysctl_get(const struct lnx_ns *ns, const char *name, char *value, size_t size)
{
    int fd = open_sysctl(ns, name, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, value, size - 1);
    close(fd);
    if (n < 0) return -1;
    value[n] = '\0';
    for (char *p = value; *p; p++)
        if (*p == '\n' || *p == '\t') *p = *(p + 1) ? ' ' : '\0';
    return 0;
}

int lnx_sysctl_set(const struct lnx_ns *ns, const char *name, const char *value)
{
    int fd = open_sysctl(ns, name, O_WRONLY);
    if (fd < 0) return -1;
    ssize_t n = write(fd, value, strlen(value));
    close(fd);
    return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Runs each command in ns; -1 with err naming the first that failed. */
static int run_all(const struct lnx_ns *ns, const char *const cmds[][16], size_t count, char *err,
                   size_t err_size)
{
    for (size_t i = 0; i < count; i++) {
        if (lnx_ns_run(ns, cmds[i], NULL, 0) == 0) continue;
        size_t used = (size_t)snprintf(err, err_size, "command failed:");
        for (size_t k = 0; cmds[i][k] && used < err_size; k++)
            used += (size_t)snprintf(err + used, err_size - used, " %s", cmds[i][k]);
        return -1;
    }
    return 0;
}

static int open_packet_socket(const struct lnx_ns *wire, const char *wname, char *err, size_t err_size)
{
    if (lnx_ns_enter(wire) != 0) {
        snprintf(err, err_size, "setns: %s", strerror(errno));
        return -1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    unsigned ifindex = if_nametoindex(wname);
    lnx_ns_leave();
    if (fd < 0 || ifindex == 0) {
        snprintf(err, err_size, "AF_PACKET socket on %s: %s", wname, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                               .sll_ifindex = (int)ifindex };
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
        snprintf(err, err_size, "bind AF_PACKET on %s: %s", wname, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int lnx_ns_plug(const struct lnx_ns *wire, const struct lnx_ns *host, const char *wname,
                uint32_t ip, int mac, const struct lnx_peer *peers, size_t peer_count, char *err,
                size_t err_size)
{
    char holder[16], addr[32], hw[24], ipbuf[16];
    snprintf(holder, sizeof holder, "%d", (int)host->holder);
    snprintf(addr, sizeof addr, "%s/32", ip4_str(ip, ipbuf));
    snprintf(hw, sizeof hw, "02:00:00:00:00:%02x", mac);
    const char *const wire_cmds[][16] = {
        { "ip", "link", "add", wname, "type", "veth", "peer", "name", "eth0", "netns", holder, NULL },
        { "ip", "link", "set", wname, "gso_max_segs", "1", "gso_max_size", "1500", "up", NULL },
    };
    const char *const host_cmds[][16] = {
        { "ip", "link", "set", "lo", "up", NULL },
        { "ip", "link", "set", "eth0", "address", hw, "gso_max_segs", "1", "gso_max_size", "1500", NULL },
        { "ip", "addr", "add", addr, "dev", "eth0", NULL },
        { "ip", "link", "set", "eth0", "up", NULL },
    };
    if (run_all(wire, wire_cmds, 2, err, err_size) != 0 || run_all(host, host_cmds, 4, err, err_size) != 0)
        return -1;
    for (size_t i = 0; i < peer_count; i++) {
        char peer[16], peer_hw[24];
        ip4_str(peers[i].ip, peer);
        snprintf(peer_hw, sizeof peer_hw, "02:00:00:00:00:%02x", peers[i].mac);
        const char *const cmds[][16] = {
            { "ip", "route", "add", peer, "dev", "eth0", NULL },
            { "ip", "neigh", "replace", peer, "lladdr", peer_hw, "dev", "eth0", "nud", "permanent", NULL },
        };
        if (run_all(host, cmds, 2, err, err_size) != 0) return -1;
    }
    return open_packet_socket(wire, wname, err, err_size);
}

void lnx_ns_kill_sockets(const struct lnx_ns *ns)
{
    if (ns->fd < 0) return;
    const char *const argv[] = { "ss", "-K", "-t", "-a", NULL };
    lnx_ns_run(ns, argv, NULL, 0);
}
