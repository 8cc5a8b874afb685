/* lnx_kernel — see lnx_kernel.h. */
#define _GNU_SOURCE
#include "lnx_kernel.h"

#include "packet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

struct lnx_tracefs {
    char root[256];             /* the tracefs mount */
    char inst[320];             /* root/instances/tcpsim-<pid> */
    bool mounted_here;
    int pipe_fd;
    char buf[65536];
    size_t len;
};

static const char *const events[] = {
    "sock/inet_sock_set_state", "tcp/tcp_send_reset", "tcp/tcp_receive_reset",
};

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static bool has_events(const char *root)
{
    char path[512];
    snprintf(path, sizeof path, "%s/events/sock/inet_sock_set_state", root);
    return access(path, F_OK) == 0;
}

/* The existing mount, else a private one at /tmp/tcpsim-tracefs-<pid>. */
static int find_root(struct lnx_tracefs *t, char *err, size_t err_size)
{
    static const char *const known[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (!has_events(known[i])) continue;
        snprintf(t->root, sizeof t->root, "%s", known[i]);
        return 0;
    }
    snprintf(t->root, sizeof t->root, "/tmp/tcpsim-tracefs-%d", (int)getpid());
    if (mkdir(t->root, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "cannot create %s: %s", t->root, strerror(errno));
        return -1;
    }
    if (mount("nodev", t->root, "tracefs", 0, NULL) != 0) {
        snprintf(err, err_size, "cannot mount tracefs on %s: %s", t->root, strerror(errno));
        rmdir(t->root);
        return -1;
    }
    t->mounted_here = true;
    if (has_events(t->root)) return 0;
    snprintf(err, err_size, "tracefs has no sock:inet_sock_set_state tracepoint");
    umount(t->root);
    rmdir(t->root);
    t->mounted_here = false;
    return -1;
}

const char *lnx_tracefs_available(char *why, size_t why_size)
{
    static struct lnx_tracefs probe;
    memset(&probe, 0, sizeof probe);
    if (find_root(&probe, why, why_size) != 0) return NULL;
    if (probe.mounted_here) {
        umount(probe.root);
        rmdir(probe.root);
    }
    return "tracefs";
}

struct lnx_tracefs *lnx_tracefs_open(char *err, size_t err_size)
{
    struct lnx_tracefs *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->pipe_fd = -1;
    if (find_root(t, err, err_size) != 0) {
        free(t);
        return NULL;
    }
    snprintf(t->inst, sizeof t->inst, "%s/instances/tcpsim-%d", t->root, (int)getpid());
    char path[512];
    if (mkdir(t->inst, 0700) != 0) {
        snprintf(err, err_size, "cannot create tracefs instance %s: %s", t->inst, strerror(errno));
        lnx_tracefs_close(t);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/trace_clock", t->inst);
    int rc = write_file(path, "mono");
    for (size_t i = 0; i < sizeof events / sizeof events[0] && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/events/%s/enable", t->inst, events[i]);
        rc = write_file(path, "1");
    }
    snprintf(path, sizeof path, "%s/trace_pipe", t->inst);
    if (rc != 0 || (t->pipe_fd = open(path, O_RDONLY | O_NONBLOCK)) < 0) {
        snprintf(err, err_size, "cannot set up tracefs instance %s: %s", t->inst, strerror(errno));
        lnx_tracefs_close(t);
        return NULL;
    }
    return t;
}

int lnx_tracefs_fd(const struct lnx_tracefs *t) { return t->pipe_fd; }

/* The value after "key=" in line, copied (up to a space). */
static bool field(const char *line, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *p = line; (p = strstr(p, key)); p++) {
        if ((p != line && p[-1] != ' ') || p[klen] != '=') continue;
        p += klen + 1;
        size_t n = strcspn(p, " \n");
        if (n >= size) n = size - 1;
        memcpy(out, p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static uint32_t ip_field(const char *line, const char *key)
{
    char v[32];
    uint32_t ip = 0;
    if (field(line, key, v, sizeof v)) ip4_parse(v, &ip);
    return ip;
}

static uint16_t num_field(const char *line, const char *key)
{
    char v[16];
    return field(line, key, v, sizeof v) ? (uint16_t)strtoul(v, NULL, 10) : 0;
}

/* "10.0.0.2:7000" */
static void endpoint_field(const char *line, const char *key, uint32_t *ip, uint16_t *port)
{
    char v[64];
    *ip = 0;
    *port = 0;
    if (!field(line, key, v, sizeof v)) return;
    char *colon = strrchr(v, ':');
    if (!colon) return;
    *colon = '\0';
    ip4_parse(v, ip);
    *port = (uint16_t)strtoul(colon + 1, NULL, 10);
}

/* "  <task>-<pid> [cpu] flags  123.456789: event_name: fields" */
static bool parse_line(const char *line, struct lnx_kevent *ev)
{
    const char *name = NULL;
    static const struct { const char *tag; enum lnx_kevent_kind kind; } tags[] = {
        { " inet_sock_set_state: ", LNX_K_STATE }, { " tcp_send_reset: ", LNX_K_SEND_RESET },
        { " tcp_receive_reset: ", LNX_K_RECV_RESET },
    };
    memset(ev, 0, sizeof *ev);
    for (size_t i = 0; i < sizeof tags / sizeof tags[0] && !name; i++)
        if ((name = strstr(line, tags[i].tag))) ev->kind = tags[i].kind;
    if (!name) return false;
    const char *ts = name;   /* the timestamp ends with ':' just before the name */
    while (ts > line && ts[-1] != ' ') ts--;
    ev->t_us = (uint64_t)(strtod(ts, NULL) * 1e6 + 0.5);
    switch (ev->kind) {
    case LNX_K_STATE:
        if (!strstr(name, "protocol=IPPROTO_TCP") || !strstr(name, "family=AF_INET ")) return false;
        __attribute__((fallthrough));   /* the same address fields */
    case LNX_K_RECV_RESET:
        ev->saddr = ip_field(name, "saddr");
        ev->daddr = ip_field(name, "daddr");
        ev->sport = num_field(name, "sport");
        ev->dport = num_field(name, "dport");
        field(name, "oldstate", ev->oldstate, sizeof ev->oldstate);
        field(name, "newstate", ev->newstate, sizeof ev->newstate);
        return true;
    case LNX_K_SEND_RESET:
        endpoint_field(name, "src", &ev->saddr, &ev->sport);
        endpoint_field(name, "dest", &ev->daddr, &ev->dport);
        field(name, "state", ev->state, sizeof ev->state);
        field(name, "reason", ev->reason, sizeof ev->reason);
        return true;
    case LNX_K_KIND_COUNT:
        break;
    }
    return false;
}

void lnx_tracefs_read(struct lnx_tracefs *t, void (*fn)(void *ctx, const struct lnx_kevent *ev),
                      void *ctx)
{
    for (;;) {
        ssize_t n = read(t->pipe_fd, t->buf + t->len, sizeof t->buf - 1 - t->len);
        if (n <= 0) return;
        t->len += (size_t)n;
        t->buf[t->len] = '\0';
        char *start = t->buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            struct lnx_kevent ev;
            if (parse_line(start, &ev)) fn(ctx, &ev);
            start = nl + 1;
        }
        t->len = (size_t)(t->buf + t->len - start);
        memmove(t->buf, start, t->len);
        if (t->len == sizeof t->buf - 1) t->len = 0;   /* a line longer than the buffer: drop */
    }
}

void lnx_tracefs_close(struct lnx_tracefs *t)
{
    if (!t) return;
    if (t->pipe_fd >= 0) close(t->pipe_fd);
    char path[512];
    for (size_t i = 0; i < sizeof events / sizeof events[0] && t->inst[0]; i++) {
        snprintf(path, sizeof path, "%s/events/%s/enable", t->inst, events[i]);
        write_file(path, "0");
    }
    if (t->inst[0]) rmdir(t->inst);
    if (t->mounted_here) {
        umount(t->root);
        rmdir(t->root);
    }
    free(t);
}

const char *lnx_kernel_release(void)
{
    static struct utsname u;
    if (uname(&u) != 0) return "unknown";
    return u.release;
}

const char *lnx_kernel_config_hash(void)
{
    static char hex[17];
    FILE *f = fopen("/proc/config.gz", "rb");
    if (!f) {
        char path[300];
        snprintf(path, sizeof path, "/boot/config-%s", lnx_kernel_release());
        f = fopen(path, "rb");
    }
    if (!f) return "unavailable";
    uint64_t h = 0xcbf29ce484222325ull;
    int c;
    while ((c = getc(f)) != EOF) h = (h ^ (uint64_t)(unsigned char)c) * 0x100000001b3ull;
    fclose(f);
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return hex;
}

int lnx_lock(void)
{
    int fd = open("/run/lock/tcpsim-linux.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) fd = open("/tmp/tcpsim-linux.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}
