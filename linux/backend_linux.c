/* backend_linux — see backend_linux.h. One event loop in this process: the scheduler of
 * sim/sched.c is driven by the wall clock (a timer at "now", then sched_run(now)), so world
 * events, process starts and the link's deliveries fire at their times; between turns the loop
 * reads frames, the children's records and tracefs. */
#define _GNU_SOURCE
#include <sched.h>          /* before sim/sched.h, whose sched_yield macro would rename libc's */

#include "backend_linux.h"

#include "lnx_child.h"
#include "lnx_diag.h"
#include "lnx_kernel.h"
#include "lnx_ns.h"
#include "lnx_ties.h"

#include "link.h"
#include "packet.h"
#include "prng.h"
#include "signature.h"
#include "trace.h"
#include "host.h"
#include "world.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INSTANCES 64            /* more processes than this: unsupported (fork per process) */
#define IDLE_END_US 5000000ull      /* processes ended and nothing happened this long: the end */
#define HORIZON_SLACK_US 30000000ull
#define HORIZON_MAX_US 300000000ull
#define BARRIER_TIMEOUT_US 5000000ull
/* The end check (a sock_diag dump per host: ~4 ms here, it walks the kernel's whole
 * established hash) holds the relay, so it runs only after the link has been silent this
 * long: longer than the kernel's shortest retransmission timer, the tail loss probe's
 * max(2 * SRTT, 10 ms), so no exchange is in flight that a late frame could change. */
#define END_QUIET_US 20000ull
#define REC_FD 1000                 /* the records pipe in a child */
#define MAX_NOTES 128

struct lhost {
    const struct scenario_host *sh;
    struct lnx_ns ns;
    int pkt_fd;
    int diag_fd;                    /* its sockets, asked without a fork (lnx_diag) */
    bool up;
    int boots;
    uint64_t quiet_from_us, quiet_to_us;    /* a teardown in progress: its resets die */
    bool shutting_down, power_off_scheduled;
};

struct lrun;

struct linst {
    struct lrun *run;
    const struct scenario_process *sp;
    int host;
    char name[SCENARIO_NAME_MAX + 12];
    uint64_t start_us;
    pid_t pid;
    bool started, ended, ready;
    bool first;                     /* its wake-ups go first at a tie (lnx_ties) */
    uint64_t wake_us;               /* the end of its sleep, until its next call (0: none) */
};

struct event_ctx {
    struct lrun *run;
    const struct scenario_event *ev;
};

struct lrun {
    const struct scenario *sc;
    const struct backend_options *opt;
    struct trace *trace;
    struct link *link;
    struct lnx_ns wire;
    struct lhost hosts[SCENARIO_MAX_HOSTS];
    size_t host_count;
    struct linst inst[MAX_INSTANCES];
    size_t inst_count;
    struct event_ctx events[256];
    int rec_rd, rec_wr;
    uint64_t t0_ns;
    struct lnx_tracefs *tfs;
    struct { bool on; int code; } unreach[SCENARIO_MAX_HOSTS][SCENARIO_MAX_HOSTS];
    struct sig_label labels[256];
    size_t label_count;
    size_t pending;                 /* world events and process starts yet to fire */
    uint64_t last_activity_us, horizon_us;
    uint64_t link_busy_until_us;    /* the last arrival the link has scheduled */
    char *notes[MAX_NOTES];
    size_t note_count;
    char sysctl_file[4200];
    struct lnx_kevent early[16];    /* SYN_SENT events still without their local port */
    bool realtime;
    uint64_t stamp_us, last_stamp_us;   /* the trace's clock: the next event's time, if set */
    size_t early_count;
    struct lnx_ties ties;           /* scenarios/linux/<id>.ties: frames held at a tie */
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) { interrupted = sig; }

static uint64_t now_us(const struct lrun *r) { return lnx_elapsed_us(r->t0_ns); }

/* The trace's clock: when tcpsim observed the event (a call: when it returned), never going
 * back in time. */
static uint64_t trace_clock(void *ctx)
{
    struct lrun *r = ctx;
    uint64_t t = r->stamp_us ? r->stamp_us : now_us(r);
    r->stamp_us = 0;
    if (t < r->last_stamp_us) t = r->last_stamp_us;
    return r->last_stamp_us = t;
}

static void note(struct lrun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct lrun *r, const char *fmt, ...)
{
    if (r->note_count == MAX_NOTES) return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r->notes[r->note_count], fmt, ap) >= 0) r->note_count++;
    va_end(ap);
}

static void emit_link(struct lrun *r, const char *event, const uint8_t *pkt, size_t len,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void emit_link(struct lrun *r, const char *event, const uint8_t *pkt, size_t len,
                      const char *fmt, ...)
{
    struct trace_event ev = { .type = TRACE_LINK };
    ev.u.link.event = event;
    ev.u.link.packet = pkt;
    ev.u.link.packet_len = len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.u.link.detail, sizeof ev.u.link.detail, fmt, ap);
    va_end(ap);
    trace_emit(r->trace, &ev);
}

static void emit_host(struct lrun *r, int h, const char *event)
{
    struct trace_event ev = { .type = TRACE_HOST, .u.host = { r->hosts[h].sh->name, event } };
    trace_emit(r->trace, &ev);
}

static void emit_process(struct lrun *r, const struct linst *in, const char *event, int status)
{
    struct trace_event ev = { .type = TRACE_PROCESS };
    ev.u.process = (struct trace_process){ r->hosts[in->host].sh->name, in->name, event, status };
    trace_emit(r->trace, &ev);
}

static int host_by_ip(const struct lrun *r, uint32_t ip)
{
    for (size_t i = 0; i < r->host_count; i++)
        if (r->hosts[i].sh->ip == ip) return (int)i;
    return -1;
}

static void on_kevent_cb(void *ctx, const struct lnx_kevent *k);

/* ---- what can run here ---- */

int backend_linux_available(char *why, size_t why_size)
{
    if (geteuid() != 0) {
        snprintf(why, why_size, "needs root (network namespaces, tracefs, AF_PACKET)");
        return -1;
    }
    struct lnx_ns ns;
    if (lnx_ns_new(&ns, why, why_size) != 0) return -1;
    lnx_ns_free(&ns);
    const char *const ip[] = { "ip", "-V", NULL }, *const ss[] = { "ss", "-V", NULL };
    struct lnx_ns self = { .fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) };
    int ok = self.fd >= 0 && lnx_ns_run(&self, ip, NULL, 0) == 0 && lnx_ns_run(&self, ss, NULL, 0) == 0;
    if (self.fd >= 0) close(self.fd);
    if (!ok) {
        snprintf(why, why_size, "needs iproute2 (ip, ss)");
        return -1;
    }
    return lnx_tracefs_available(why, why_size) ? 0 : -1;
}

/* What Linux cannot do as the scenario asks; NULL when everything can run. */
static const char *unsupported(const struct scenario *sc, char *why, size_t size)
{
    size_t total = 0;
    for (size_t i = 0; i < sc->proc_count; i++) total += sc->procs[i].count ? sc->procs[i].count : 1;
    if (total > MAX_INSTANCES) {
        snprintf(why, size, "%zu processes: the Linux backend starts one real process each and "
                 "runs at most %d", total, MAX_INSTANCES);
        return why;
    }
    if (sc->event_count > sizeof ((struct lrun *)0)->events / sizeof (struct event_ctx)) {
        snprintf(why, size, "more than 256 world events");
        return why;
    }
    for (size_t i = 0; i < sc->event_count; i++)
        if (sc->events[i].kind == EVENT_INJECT || sc->events[i].kind == EVENT_LINK_REMOVE) {
            snprintf(why, size, "line %d: %s is not implemented by the Linux backend's relay yet",
                     sc->events[i].pos.line,
                     sc->events[i].kind == EVENT_INJECT ? "inject" : "link rule removal");
            return why;
        }
    for (size_t i = 0; i < sc->host_count; i++)
        for (size_t j = 0; j < i; j++)
            if (sc->hosts[i].ip == sc->hosts[j].ip) {
                snprintf(why, size, "two hosts share an address");
                return why;
            }
    return NULL;
}

/* ---- the relay: frames between the veths, through sim/link.c ---- */

static void send_frame(struct lrun *r, int to, const uint8_t *pkt, size_t len)
{
    struct lhost *h = &r->hosts[to];
    if (!h->up || h->pkt_fd < 0) {
        emit_link(r, "host-drop", NULL, 0, "%s is down: a packet arriving for it is lost", h->sh->name);
        return;
    }
    uint8_t frame[14 + 65536];
    if (len > 65536) return;
    static const uint8_t src[6] = { 2, 0, 0, 0, 0, 0xfe };
    uint8_t dst[6] = { 2, 0, 0, 0, 0, (uint8_t)(to + 1) };
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    memcpy(frame + 14, pkt, len);
    if (send(h->pkt_fd, frame, 14 + len, 0) < 0)
        emit_link(r, "host-drop", NULL, 0, "%s: the relay could not send: %s", h->sh->name,
                  strerror(errno));
}

/* A process of that host named in the scenario's .ties is about to wake (lnx_ties). */
static bool tie_holding(void *ctx, int host)
{
    struct lrun *r = ctx;
    uint64_t t = now_us(r);
    for (size_t i = 0; i < r->inst_count; i++) {
        const struct linst *in = &r->inst[i];
        if (in->host == host && in->first && !in->ended && lnx_ties_holds(t, in->wake_us)) return true;
    }
    return false;
}

static void tie_deliver(void *ctx, int to, const uint8_t *pkt, size_t len) { send_frame(ctx, to, pkt, len); }

static void link_deliver(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    struct lrun *r = ctx;
    lnx_ties_release(&r->ties, tie_holding, tie_deliver, r);
    if (tie_holding(r, to) && lnx_ties_hold(&r->ties, to, pkt, len)) {
        emit_link(r, "tie-held", NULL, 0, "a frame due at %s waits for the wake-up of a process "
                  "%s names (a tie the simulation orders)", r->hosts[to].sh->name, r->ties.path);
        return;
    }
    send_frame(r, to, pkt, len);
}

static void link_busy_until(struct lrun *r, uint64_t t)
{
    if (t > r->link_busy_until_us) r->link_busy_until_us = t;
}

struct icmp_delivery {
    struct lrun *run;
    int to;
    size_t len;
    uint8_t bytes[128];
};

static void icmp_arrive(void *arg)
{
    struct icmp_delivery *d = arg;
    send_frame(d->run, d->to, d->bytes, d->len);
    free(d);
}

static void answer_unreachable(struct lrun *r, int from, const uint8_t *pkt, size_t len, int code)
{
    struct icmp_delivery *d = calloc(1, sizeof *d);
    if (!d) return;
    d->run = r;
    d->to = from;
    d->len = packet_build_icmp_unreachable(pkt, len, WORLD_ROUTER_IP, (enum icmp_unreach_code)code,
                                           d->bytes);
    char router[16];
    emit_link(r, "icmp", d->bytes, d->len, "router %s > %s: ICMP %s unreachable",
              ip4_str(WORLD_ROUTER_IP, router), r->hosts[from].sh->name,
              code == ICMP_NET_UNREACHABLE ? "network" : "host");
    sched_at(sched_now_us() + r->sc->link.delay_us, icmp_arrive, d);
    link_busy_until(r, sched_now_us() + r->sc->link.delay_us);
}

static void emit_kevent(struct lrun *r, const struct lnx_kevent *k);
static void advance(struct lrun *r);

/* The waiting SYN_SENT event of (saddr, daddr, dport), if any, gets its local port and is
 * emitted. */
static void resolve_early(struct lrun *r, uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
    for (size_t i = 0; i < r->early_count; i++) {
        struct lnx_kevent *e = &r->early[i];
        if (e->saddr != saddr || e->daddr != daddr || e->dport != dport) continue;
        e->sport = sport;
        emit_kevent(r, e);
        r->early[i] = r->early[--r->early_count];
        return;
    }
}

static void relay_packet(struct lrun *r, int from, uint8_t *ip, size_t len)
{
    struct packet_info info;
    if (!packet_decode(ip, len, &info)) return;
    lnx_tracefs_read(r->tfs, on_kevent_cb, r);   /* the kernel's events before this segment's */
    if (info.proto == PACKET_TCP && (info.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
        resolve_early(r, info.src_ip, info.src_port, info.dst_ip, info.dst_port);   /* its SYN */
    /* veth leaves the TCP checksum to an offload that never comes */
    if (info.proto == PACKET_TCP) packet_fix_tcp_checksum(ip, len);
    int to = host_by_ip(r, info.dst_ip);
    advance(r);   /* the link's delay counts from now, not from the loop's last turn */
    struct link_fate fate;
    bool unreachable = to >= 0 && r->unreach[from][to].on;
    if (unreachable) fate = (struct link_fate){ .reason = "unreachable", .rule_id = -1 };
    else if (to >= 0 && !r->hosts[to].up) fate = (struct link_fate){ .reason = "host down", .rule_id = -1 };
    else fate = link_send_packet(r->link, from, to, ip, len, &info);
    trace_packet(r->trace, r->hosts[from].sh->name, to >= 0 ? r->hosts[to].sh->name : "?", ip, len,
                 fate, STACK_ORIGIN_UNKNOWN, NULL);
    link_busy_until(r, fate.delivered ? fate.arrive_us : sched_now_us());
    if (fate.duplicated) link_busy_until(r, fate.duplicate_arrive_us);
    if (unreachable) answer_unreachable(r, from, ip, len, r->unreach[from][to].code);
    if (fate.duplicated)
        emit_link(r, "duplicate", NULL, 0, "%s>%s: the link delivers a second copy at %llu us",
                  r->hosts[from].sh->name, r->hosts[to].sh->name,
                  (unsigned long long)fate.duplicate_arrive_us);
    r->last_activity_us = now_us(r);
}

static void relay_read(struct lrun *r, int h)
{
    static uint8_t frame[14 + 65536];
    for (;;) {
        if (r->hosts[h].pkt_fd < 0) return;
        ssize_t n = recv(r->hosts[h].pkt_fd, frame, sizeof frame, 0);
        if (n < 0) return;
        /* A host being torn down says nothing more (ss -K's resets die on the wire). */
        if (!r->hosts[h].up || n < 14 + 20 || frame[12] != 0x08 || frame[13] != 0x00) continue;
        size_t len = (size_t)(frame[16] << 8 | frame[17]);
        if (len > (size_t)n - 14) continue;
        relay_packet(r, h, frame + 14, len);
    }
}

/* ---- hosts: plug, tear down ---- */

static int apply_sysctls(struct lrun *r, int h, char *err, size_t err_size);

static int host_up(struct lrun *r, int h, char *err, size_t err_size)
{
    struct lhost *host = &r->hosts[h];
    if (lnx_ns_new(&host->ns, err, err_size) != 0) return -1;
    struct lnx_peer peers[SCENARIO_MAX_HOSTS + 1];
    size_t n = 0;
    for (size_t i = 0; i < r->host_count; i++)
        if ((int)i != h) peers[n++] = (struct lnx_peer){ r->hosts[i].sh->ip, (int)i + 1 };
    peers[n++] = (struct lnx_peer){ WORLD_ROUTER_IP, 0xfe };
    char wname[16];
    snprintf(wname, sizeof wname, "w%d.%d", h, host->boots++);
    host->pkt_fd = lnx_ns_plug(&r->wire, &host->ns, wname, host->sh->ip, h + 1, peers, n, err,
                               err_size);
    if (host->pkt_fd < 0 || apply_sysctls(r, h, err, err_size) != 0) return -1;
    if ((host->diag_fd = lnx_diag_open(&host->ns)) < 0) {
        snprintf(err, err_size, "sock_diag netlink socket in the namespace of %s", host->sh->name);
        return -1;
    }
    host->up = true;
    return 0;
}

static void close_host_fds(struct lhost *host)
{
    if (host->pkt_fd >= 0) close(host->pkt_fd);
    if (host->diag_fd >= 0) close(host->diag_fd);
    host->pkt_fd = host->diag_fd = -1;
}

static void signal_host_processes(struct lrun *r, int h, int sig)
{
    for (size_t i = 0; i < r->inst_count; i++)
        if (r->inst[i].host == h && r->inst[i].started && !r->inst[i].ended) kill(r->inst[i].pid, sig);
}

static void reap(struct lrun *r, bool block);

/* Power off: nothing more leaves or reaches the host; its processes are frozen, its sockets
 * destroyed (their resets die on the wire), the processes killed, the namespace deleted. */
static void host_power_off(struct lrun *r, int h)
{
    struct lhost *host = &r->hosts[h];
    if (!host->up) return;
    host->up = false;
    host->quiet_from_us = now_us(r);
    host->quiet_to_us = UINT64_MAX;
    signal_host_processes(r, h, SIGSTOP);
    lnx_ns_kill_sockets(&host->ns);
    signal_host_processes(r, h, SIGKILL);
    signal_host_processes(r, h, SIGCONT);
    for (size_t i = 0; i < r->inst_count; i++)
        if (r->inst[i].host == h && r->inst[i].started && !r->inst[i].ended) reap(r, true);
    close_host_fds(host);
    lnx_ns_free(&host->ns);
    host->quiet_to_us = now_us(r);
}

/* ---- sysctls: the scenario's Linux settings, and the header's list ---- */

static int apply_sysctls(struct lrun *r, int h, char *err, size_t err_size)
{
    FILE *f = fopen(r->sysctl_file, "r");
    if (!f) return 0;
    char line[256];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char name[128], value[64];
        if (line[0] == '#' || sscanf(line, " %127[a-z0-9_.] = %63[^\n]", name, value) != 2) continue;
        char before[64] = "?";
        lnx_sysctl_get(&r->hosts[h].ns, name, before, sizeof before);
        if (lnx_sysctl_set(&r->hosts[h].ns, name, value) != 0) {
            snprintf(err, err_size, "%s:%d: cannot set %s = %s in the namespace of %s",
                     r->sysctl_file, lineno, name, value, r->hosts[h].sh->name);
            rc = -1;
        } else if (r->hosts[h].boots == 1 && h == 0) {
            note(r, "sysctl %s = %s  CHANGED by %s (kernel default %s; per-namespace)", name,
                 value, r->sysctl_file, before);
        }
    }
    fclose(f);
    return rc;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every net.ipv4.tcp_* of the first host's namespace, sorted, in the notes. */
static void note_tcp_sysctls(struct lrun *r)
{
    char *names[256];
    size_t n = 0;
    if (lnx_ns_enter(&r->hosts[0].ns) != 0) return;
    DIR *d = opendir("/proc/sys/net/ipv4");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 256)
        if (strncmp(e->d_name, "tcp_", 4) == 0) names[n++] = strdup(e->d_name);
    if (d) closedir(d);
    lnx_ns_leave();
    qsort(names, n, sizeof names[0], by_string);
    for (size_t i = 0; i < n; i++) {
        char full[160], value[200] = "";
        snprintf(full, sizeof full, "net.ipv4.%s", names[i]);
        if (lnx_sysctl_get(&r->hosts[0].ns, full, value, sizeof value) == 0)
            note(r, "sysctl %s = %s", full, value);
        free(names[i]);
    }
}

/* ---- processes ---- */

static const char *call_name(const char *c)
{
    static const char *const names[] = { "socket", "bind", "listen", "accept", "connect", "send",
                                         "recv", "shutdown", "close", "setsockopt", "fcntl" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], c) == 0) return names[i];
    return "?";
}

static void add_label(struct lrun *r, const struct linst *in, const struct lnx_rec *rec)
{
    if (!rec->local_port || r->label_count == sizeof r->labels / sizeof r->labels[0]) return;
    const struct step *st = &in->sp->steps[rec->step];
    char base[40];
    snprintf(base, sizeof base, "%.20s.%.16s", in->name, in->sp->fd_names[st->fd]);
    unsigned same = 0;
    for (size_t i = 0; i < r->label_count; i++) same += strncmp(r->labels[i].label, base, strlen(base)) == 0;
    struct sig_label *l = &r->labels[r->label_count++];
    l->ip = r->hosts[in->host].sh->ip;
    l->port = rec->local_port;
    if (same) snprintf(l->label, sizeof l->label, "%.30s#%u", base, same + 1);
    else snprintf(l->label, sizeof l->label, "%s", base);
}

static void handle_record(struct lrun *r, const struct lnx_rec *rec)
{
    if (rec->instance < 0 || (size_t)rec->instance >= r->inst_count) return;
    struct linst *in = &r->inst[rec->instance];
    const char *host = r->hosts[in->host].sh->name;
    switch ((enum lnx_rec_kind)rec->kind) {
    case LNX_REC_CALL: {
        struct trace_event ev = { .type = TRACE_CALL };
        struct trace_call *c = &ev.u.call;
        *c = (struct trace_call){ .host = host, .proc = in->name, .call = call_name(rec->call),
                                  .fd = rec->fd, .start_us = rec->start_us, .ret = rec->ret,
                                  .err = rec->err, .bytes = rec->bytes };
        snprintf(c->args, sizeof c->args, "%s", rec->args);
        r->stamp_us = rec->end_us;
        trace_emit(r->trace, &ev);
        if (strcmp(rec->call, "connect") == 0) add_label(r, in, rec);
        in->wake_us = 0;
        lnx_ties_release(&r->ties, tie_holding, tie_deliver, r);
        return;
    }
    case LNX_REC_SLEEP:
        in->wake_us = rec->end_us;
        return;
    case LNX_REC_READY:
        in->ready = true;
        return;
    case LNX_REC_HANDLED: {
        struct trace_event ev = { .type = TRACE_SIGNAL };
        ev.u.signal = (struct trace_signal){ host, in->name,
                                             rec->sig == SIGPIPE ? "SIGPIPE" : "SIGTERM", "handled" };
        trace_emit(r->trace, &ev);
        return;
    }
    case LNX_REC_KIND_COUNT:
        return;
    }
}

static void read_records(struct lrun *r)
{
    struct lnx_rec rec;
    while (read(r->rec_rd, &rec, sizeof rec) == (ssize_t)sizeof rec) handle_record(r, &rec);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGPIPE: return "SIGPIPE";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    default: return "SIGNAL";
    }
}

static void maybe_power_off(struct lrun *r, int h);

static void ended(struct lrun *r, struct linst *in, int status)
{
    read_records(r);   /* its last calls come before its end */
    in->ended = true;
    in->wake_us = 0;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (r->hosts[in->host].up) {
            struct trace_event ev = { .type = TRACE_SIGNAL };
            ev.u.signal = (struct trace_signal){ r->hosts[in->host].sh->name, in->name,
                                                 signal_name(sig), "terminate" };
            trace_emit(r->trace, &ev);
        }
        emit_process(r, in, "killed", 128 + sig);
    } else {
        emit_process(r, in, "exit", WEXITSTATUS(status));
    }
    maybe_power_off(r, in->host);
}

static void reap(struct lrun *r, bool block)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
        for (size_t i = 0; i < r->inst_count; i++)
            if (r->inst[i].pid == pid && !r->inst[i].ended) ended(r, &r->inst[i], status);
        if (block) return;
    }
}

static void realtime_child(const struct lrun *r);

/* The start barrier: the child's set-up calls are done before anything else happens. */
static void wait_ready(struct lrun *r, struct linst *in)
{
    uint64_t deadline = now_us(r) + BARRIER_TIMEOUT_US;
    while (!in->ready && !in->ended && now_us(r) < deadline) {
        struct pollfd p = { .fd = r->rec_rd, .events = POLLIN };
        poll(&p, 1, 10);
        read_records(r);
        reap(r, false);
    }
}

static void start_instance(void *arg)
{
    struct linst *in = arg;
    struct lrun *r = in->run;
    r->pending--;
    if (!r->hosts[in->host].up) {
        in->started = in->ended = true;
        emit_process(r, in, "not-started", -1);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        realtime_child(r);
        if (lnx_ns_enter(&r->hosts[in->host].ns) != 0 || dup2(r->rec_wr, REC_FD) != REC_FD) _exit(126);
        close_range(3, REC_FD - 1, 0);
        close_range(REC_FD + 1, ~0u, 0);
        struct lnx_child c = { .sp = in->sp, .instance = (int)(in - r->inst), .rec_fd = REC_FD,
                               .t0_ns = r->t0_ns };
        lnx_child_main(&c);
    }
    in->started = true;
    if (pid < 0) {
        in->ended = true;
        emit_process(r, in, "not-started", -1);
        return;
    }
    in->pid = pid;
    emit_process(r, in, "start", 0);
    wait_ready(r, in);
}

/* ---- world events ---- */

static void shutdown_power_off(void *arg)
{
    struct event_ctx *c = arg;
    c->run->pending--;
    if (!c->run->hosts[c->ev->host].up) return;
    emit_host(c->run, c->ev->host, "down");
    host_power_off(c->run, c->ev->host);
}

/* As the simulation does (host.c): the interfaces go down HOST_SHUTDOWN_DOWN_AFTER_US after
 * the last process of a shutting-down host ended, time for the FINs its exits caused. */
static void maybe_power_off(struct lrun *r, int h)
{
    struct lhost *host = &r->hosts[h];
    if (!host->shutting_down || host->power_off_scheduled || !host->up) return;
    for (size_t i = 0; i < r->inst_count; i++)
        if (r->inst[i].host == h && r->inst[i].started && !r->inst[i].ended) return;
    host->power_off_scheduled = true;
    for (size_t i = 0; i < r->sc->event_count; i++)
        if (r->events[i].ev->kind == EVENT_SHUTDOWN && r->events[i].ev->host == h) {
            r->pending++;
            sched_at(sched_now_us() + HOST_SHUTDOWN_DOWN_AFTER_US, shutdown_power_off, &r->events[i]);
            return;
        }
}

static void shutdown_kill_rest(void *arg)
{
    struct event_ctx *c = arg;
    c->run->pending--;
    signal_host_processes(c->run, c->ev->host, SIGKILL);
}

static void fire_event(void *arg)
{
    struct event_ctx *c = arg;
    struct lrun *r = c->run;
    const struct scenario_event *ev = c->ev;
    static const int numbers[PROC_SIGNAL_COUNT] = { [PROC_SIGKILL] = SIGKILL,
                                                    [PROC_SIGPIPE] = SIGPIPE,
                                                    [PROC_SIGTERM] = SIGTERM };
    char what[160];
    r->pending--;
    switch (ev->kind) {
    case EVENT_KILL:
        for (size_t i = 0; i < r->inst_count; i++)
            if (r->inst[i].host == ev->host && strcmp(r->inst[i].name, ev->proc) == 0 &&
                r->inst[i].started && !r->inst[i].ended)
                kill(r->inst[i].pid, numbers[ev->signal]);
        break;
    case EVENT_CRASH:
        emit_host(r, ev->host, "crash");
        host_power_off(r, ev->host);
        break;
    case EVENT_REBOOT: {
        char err[512];
        emit_host(r, ev->host, "reboot");
        host_power_off(r, ev->host);
        if (host_up(r, ev->host, err, sizeof err) != 0) emit_link(r, "rule", NULL, 0, "reboot failed: %.120s", err);
        else emit_host(r, ev->host, "up");
        break;
    }
    case EVENT_SHUTDOWN:
        emit_host(r, ev->host, "shutdown");
        r->hosts[ev->host].shutting_down = true;
        signal_host_processes(r, ev->host, SIGTERM);
        r->pending++;
        sched_at(sched_now_us() + ev->grace_us, shutdown_kill_rest, c);
        maybe_power_off(r, ev->host);
        break;
    case EVENT_LINK_RULE: {
        struct link_rule rule = ev->rule;
        const char *names[SCENARIO_MAX_HOSTS];
        for (size_t i = 0; i < r->host_count; i++) names[i] = r->hosts[i].sh->name;
        link_describe_rule(&rule, names, what, sizeof what);
        if (link_add_rule(r->link, &rule) >= 0) emit_link(r, "rule", NULL, 0, "%s", what);
        break;
    }
    case EVENT_PARTITION:
    case EVENT_HEAL:
        link_set_partition(r->link, ev->kind == EVENT_PARTITION);
        emit_link(r, ev->kind == EVENT_PARTITION ? "partition" : "heal", NULL, 0, "%s",
                  ev->kind == EVENT_PARTITION ? "every packet between the hosts is dropped"
                                              : "packets flow again");
        break;
    case EVENT_BANDWIDTH:
        link_set_bandwidth(r->link, ev->host, ev->peer, ev->bandwidth_bps);
        emit_link(r, "rule", NULL, 0, "%s>%s: bandwidth %llu bit/s", r->hosts[ev->host].sh->name,
                  r->hosts[ev->peer].sh->name, (unsigned long long)ev->bandwidth_bps);
        break;
    case EVENT_UNREACHABLE: {
        char router[16];
        r->unreach[ev->host][ev->peer].on = ev->on;
        r->unreach[ev->host][ev->peer].code = ev->icmp_code;
        emit_link(r, "rule", NULL, 0, "%s>%s: router %s %s", r->hosts[ev->host].sh->name,
                  r->hosts[ev->peer].sh->name, ip4_str(WORLD_ROUTER_IP, router),
                  !ev->on ? "forwards again"
                  : ev->icmp_code == ICMP_NET_UNREACHABLE ? "answers ICMP network unreachable"
                                                          : "answers ICMP host unreachable");
        break;
    }
    case EVENT_LINK_REMOVE:   /* refused by unsupported() before the run */
    case EVENT_INJECT:
    case EVENT_KIND_COUNT:
        break;
    }
}

/* ---- what the kernel says ---- */

/* The host a kernel event belongs to: by its own address, or (0.0.0.0) by the port a
 * process of the scenario binds. -1: not ours. */
static int kevent_host(const struct lrun *r, uint32_t addr, uint16_t port)
{
    if (addr) return host_by_ip(r, addr);
    for (size_t p = 0; p < r->sc->proc_count; p++)
        for (size_t i = 0; i < r->sc->procs[p].step_count; i++) {
            const struct step *st = &r->sc->procs[p].steps[i];
            if (st->kind == STEP_BIND && st->port == port) return r->sc->procs[p].host;
        }
    return -1;
}

static enum stack_tcp_state state_of(const char *name)
{
    static const struct { const char *name; enum stack_tcp_state s; } map[] = {
        { "TCP_ESTABLISHED", STACK_ESTABLISHED }, { "TCP_SYN_SENT", STACK_SYN_SENT },
        { "TCP_SYN_RECV", STACK_SYN_RCVD }, { "TCP_NEW_SYN_RECV", STACK_SYN_RCVD },
        { "TCP_FIN_WAIT1", STACK_FIN_WAIT_1 }, { "TCP_FIN_WAIT2", STACK_FIN_WAIT_2 },
        { "TCP_TIME_WAIT", STACK_TIME_WAIT }, { "TCP_CLOSE", STACK_CLOSED },
        { "TCP_CLOSE_WAIT", STACK_CLOSE_WAIT }, { "TCP_LAST_ACK", STACK_LAST_ACK },
        { "TCP_LISTEN", STACK_LISTEN }, { "TCP_CLOSING", STACK_CLOSING },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0) return map[i].s;
    return STACK_CLOSED;
}

/* connect() reports SYN_SENT before the kernel has chosen the local port: that event waits for
 * the next one of the same host and destination, which has the port. */
static void on_kevent_cb(void *ctx, const struct lnx_kevent *k)
{
    struct lrun *r = ctx;
    if (k->kind == LNX_K_STATE && k->sport == 0 && strcmp(k->newstate, "TCP_SYN_SENT") == 0 &&
        r->early_count < sizeof r->early / sizeof r->early[0]) {
        r->early[r->early_count++] = *k;
        return;
    }
    resolve_early(r, k->saddr, k->sport, k->daddr, k->dport);
    emit_kevent(r, k);
}

static void emit_kevent(struct lrun *r, const struct lnx_kevent *k)
{
    int h = kevent_host(r, k->saddr, k->sport);
    if (h < 0 || k->t_us < r->t0_ns / 1000) return;
    uint64_t t = k->t_us - r->t0_ns / 1000;
    const struct lhost *host = &r->hosts[h];
    bool torn_down = t >= host->quiet_from_us && t <= host->quiet_to_us;
    char a[16], b[16];
    ip4_str(k->saddr, a);
    ip4_str(k->daddr, b);
    r->last_activity_us = now_us(r);
    switch (k->kind) {
    case LNX_K_STATE: {
        struct trace_event ev = { .type = TRACE_STATE };
        struct trace_state *s = &ev.u.state;
        s->host = host->sh->name;
        if (strcmp(k->newstate, "TCP_LISTEN") == 0 ||
            (strcmp(k->oldstate, "TCP_LISTEN") == 0 && strcmp(k->newstate, "TCP_CLOSE") == 0))
            snprintf(s->conn, sizeof s->conn, "%s:%u>*", a, k->sport);
        else
            snprintf(s->conn, sizeof s->conn, "%s:%u>%s:%u", a, k->sport, b, k->dport);
        s->from = state_of(k->oldstate);
        s->to = state_of(k->newstate);
        s->cause = torn_down ? "host crashed (ss -K)" : "kernel";
        trace_emit(r->trace, &ev);
        return;
    }
    case LNX_K_SEND_RESET:
        if (torn_down) return;
        emit_link(r, "rst-sent", NULL, 0, "%s %s:%u>%s:%u in %s: %s", host->sh->name, a, k->sport,
                  b, k->dport, k->state, k->reason);
        return;
    case LNX_K_RECV_RESET:
        emit_link(r, "rst-received", NULL, 0, "%s %s:%u>%s:%u", host->sh->name, a, k->sport, b,
                  k->dport);
        return;
    case LNX_K_KIND_COUNT:
        return;
    }
}

/* ---- the run ---- */

static void noop(void *arg) { (void)arg; }

/* The scheduler catches up with the wall clock: due events and deliveries fire. */
static void advance(struct lrun *r)
{
    uint64_t t = now_us(r);
    if (t < sched_now_us()) t = sched_now_us();
    sched_at(t, noop, NULL);
    sched_run(t);
}

static bool all_ended(const struct lrun *r)
{
    for (size_t i = 0; i < r->inst_count; i++)
        if (!r->inst[i].ended) return false;
    return r->pending == 0;
}

/* The TCP sockets of every host that is up, "host local>peer STATE" per line (as ss -tan
 * writes the addresses). Asked over sock_diag: a fork of `ss` here would hold the relay. */
static size_t list_sockets(struct lrun *r, char lines[][200], size_t max, bool *only_time_wait)
{
    size_t n = 0;
    *only_time_wait = true;
    for (size_t h = 0; h < r->host_count; h++) {
        if (!r->hosts[h].up) continue;
        struct lnx_sock socks[64];
        int count = lnx_diag_tcp(r->hosts[h].diag_fd, socks, 64);
        for (int i = 0; i < count && i < 64; i++) {
            const struct lnx_sock *k = &socks[i];
            char a[16], b[16], peer_port[8] = "*";
            if (k->dst_port) snprintf(peer_port, sizeof peer_port, "%u", k->dst_port);
            if (strcmp(k->state, "TIME-WAIT") != 0) *only_time_wait = false;
            if (n < max)
                snprintf(lines[n++], 200, "%s %s:%u>%s:%s %s", r->hosts[h].sh->name,
                         ip4_str(k->src_ip, a), k->src_port, ip4_str(k->dst_ip, b), peer_port, k->state);
        }
        if (count < 0 || count > 64) *only_time_wait = false;   /* not known: not the end yet */
    }
    return n;
}

static bool finished(struct lrun *r, uint64_t *next_check)
{
    uint64_t t = now_us(r);
    if (!all_ended(r) || t < *next_check || t < r->link_busy_until_us + END_QUIET_US) return false;
    *next_check = t + 200000;
    char lines[64][200];
    bool only_tw;
    list_sockets(r, lines, 64, &only_tw);
    return only_tw || t - r->last_activity_us >= IDLE_END_US;
}

static void run_loop(struct lrun *r, struct run_summary *s)
{
    uint64_t next_check = 0;
    s->result = RUN_IDLE;
    for (;;) {
        advance(r);
        for (size_t h = 0; h < r->host_count; h++) relay_read(r, (int)h);
        read_records(r);
        lnx_ties_release(&r->ties, tie_holding, tie_deliver, r);   /* a wake-up without a call */
        lnx_tracefs_read(r->tfs, on_kevent_cb, r);
        reap(r, false);
        if (interrupted || finished(r, &next_check)) break;
        if (now_us(r) >= r->horizon_us) {
            s->result = RUN_UNTIL;
            break;
        }
        struct pollfd p[SCENARIO_MAX_HOSTS + 2];
        nfds_t n = 0;
        for (size_t h = 0; h < r->host_count; h++)
            if (r->hosts[h].pkt_fd >= 0) p[n++] = (struct pollfd){ .fd = r->hosts[h].pkt_fd, .events = POLLIN };
        p[n++] = (struct pollfd){ .fd = r->rec_rd, .events = POLLIN };
        struct timespec tick = { 0, 500000 };
        ppoll(p, n, &tick, NULL);
    }
}

/* The sockets left at the end (TIME_WAIT is not waited for), and processes still running. */
static void record_end(struct lrun *r, struct run_summary *s)
{
    char lines[64][200];
    bool only_tw;
    size_t n = list_sockets(r, lines, 64, &only_tw);
    for (size_t i = 0; i < n && i < 64; i++) emit_link(r, "socket-at-end", NULL, 0, "%s", lines[i]);
    size_t used = 0;
    for (size_t i = 0; i < r->inst_count; i++) {
        if (r->inst[i].ended) continue;
        emit_link(r, "still-running", NULL, 0, "%s/%s", r->hosts[r->inst[i].host].sh->name, r->inst[i].name);
        if (used < sizeof s->blocked)
            used += (size_t)snprintf(s->blocked + used, sizeof s->blocked - used, "  %s/%s still running\n",
                                     r->hosts[r->inst[i].host].sh->name, r->inst[i].name);
    }
}

static void teardown(struct lrun *r)
{
    for (size_t i = 0; i < r->inst_count; i++)
        if (r->inst[i].started && !r->inst[i].ended && r->inst[i].pid > 0) kill(r->inst[i].pid, SIGKILL);
    for (size_t i = 0; i < r->inst_count; i++)
        if (r->inst[i].started && !r->inst[i].ended && r->inst[i].pid > 0) {
            waitpid(r->inst[i].pid, NULL, 0);
            r->inst[i].ended = true;
        }
    for (size_t h = 0; h < r->host_count; h++) {
        lnx_ns_kill_sockets(&r->hosts[h].ns);
        close_host_fds(&r->hosts[h]);
        lnx_ns_free(&r->hosts[h].ns);
    }
    lnx_ns_free(&r->wire);
    lnx_tracefs_close(r->tfs);
    r->tfs = NULL;
    if (r->rec_rd >= 0) close(r->rec_rd);
    if (r->rec_wr >= 0) close(r->rec_wr);
    r->rec_rd = r->rec_wr = -1;
}

/* How long a process may wait on purpose: its sleeps and its socket timeouts (those up to two
 * minutes; a longer one is the scenario saying "forever"). */
static uint64_t total_sleep_us(const struct scenario_process *sp)
{
    uint64_t t = 0;
    for (size_t i = 0; i < sp->step_count; i++) {
        const struct step *st = &sp->steps[i];
        bool timeout = st->kind == STEP_SETSOCKOPT &&
                       (st->opt.name == STACK_SO_RCVTIMEO || st->opt.name == STACK_SO_SNDTIMEO) &&
                       st->opt.value <= 120000;
        if (st->kind == STEP_SLEEP) t += st->time_us;
        if (timeout) t += (uint64_t)st->opt.value * 1000;
    }
    return t;
}

static void schedule(struct lrun *r)
{
    uint64_t last = 0;
    for (size_t i = 0; i < r->sc->proc_count; i++) {
        const struct scenario_process *sp = &r->sc->procs[i];
        unsigned copies = sp->count ? sp->count : 1;
        for (unsigned k = 0; k < copies; k++) {
            struct linst *in = &r->inst[r->inst_count++];
            *in = (struct linst){ .run = r, .sp = sp, .host = sp->host,
                                  .start_us = sp->start_us + (uint64_t)k * sp->every_us,
                                  .first = i < 64 && r->ties.first[i] };
            if (copies > 1) snprintf(in->name, sizeof in->name, "%s%u", sp->name, k + 1);
            else snprintf(in->name, sizeof in->name, "%s", sp->name);
            sched_at(in->start_us, start_instance, in);
            r->pending++;
            uint64_t end = in->start_us + total_sleep_us(sp);
            if (end > last) last = end;
        }
    }
    for (size_t i = 0; i < r->sc->event_count; i++) {
        r->events[i] = (struct event_ctx){ r, &r->sc->events[i] };
        sched_at(r->sc->events[i].at_us, fire_event, &r->events[i]);
        r->pending++;
        uint64_t end = r->sc->events[i].at_us + r->sc->events[i].grace_us;
        if (end > last) last = end;
    }
    r->horizon_us = last + HORIZON_SLACK_US;
    if (r->horizon_us > HORIZON_MAX_US) r->horizon_us = HORIZON_MAX_US;
}

static int setup(struct lrun *r, char *err, size_t err_size)
{
    int p[2];
    /* Only the reading end is non-blocking: a child must never lose a record to a full pipe. */
    if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0) {
        snprintf(err, err_size, "pipe: %s", strerror(errno));
        return -1;
    }
    r->rec_rd = p[0];
    r->rec_wr = p[1];
    if (!(r->tfs = lnx_tracefs_open(err, err_size))) return -1;
    if (lnx_ns_new(&r->wire, err, err_size) != 0) return -1;
    for (size_t h = 0; h < r->host_count; h++)
        if (host_up(r, (int)h, err, err_size) != 0) return -1;
    return 0;
}

/* The run's processes get a real-time priority when the system allows it: the other work of
 * a busy machine then cannot delay a process between two calls, which would change what is on
 * the wire. This process, the relay, is above the scenario's processes and, with two CPUs or
 * more, pinned to one of them: it forwards a frame as soon as it is due even while processes
 * run (exits of several processes at once kept it from running for milliseconds, and the
 * kernel's tail loss probe, about 2 * SRTT + 2 ms, retransmitted a FIN). The processes are not
 * pinned: one it preempts moves to another CPU, and two of them run in parallel (all of them
 * on one CPU, one process's exit held the next one's wake-up for 2 to 4 ms and turned
 * simultaneous-close into a plain close). docs/linux-backend.md, Reproducibility. */
#define RELAY_PRIORITY 20
#define PROCESS_PRIORITY 10

static int relay_cpu = -1, process_cpu = -1;

static void pin(int cpu)
{
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

/* The two highest CPUs this process may use: the relay's and the processes'. */
static void choose_cpus(void)
{
    cpu_set_t set;
    relay_cpu = process_cpu = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    for (int cpu = CPU_SETSIZE - 1; cpu >= 0 && process_cpu < 0; cpu--) {
        if (!CPU_ISSET(cpu, &set)) continue;
        if (relay_cpu < 0) relay_cpu = cpu;
        else process_cpu = cpu;
    }
    if (process_cpu < 0) relay_cpu = -1;
}

static cpu_set_t saved_affinity;

static bool realtime_on(void)
{
    struct sched_param p = { .sched_priority = RELAY_PRIORITY };
    if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) return false;
    sched_getaffinity(0, sizeof saved_affinity, &saved_affinity);
    choose_cpus();
    pin(relay_cpu);
    return true;
}

/* In a forked scenario process: below the relay, on any CPU the run may use. */
static void realtime_child(const struct lrun *r)
{
    struct sched_param p = { .sched_priority = PROCESS_PRIORITY };
    if (!r->realtime) return;
    sched_setscheduler(0, SCHED_FIFO, &p);
    if (relay_cpu >= 0) sched_setaffinity(0, sizeof saved_affinity, &saved_affinity);
}

static void realtime_off(void)
{
    struct sched_param p = { .sched_priority = 0 };
    sched_setscheduler(0, SCHED_OTHER, &p);
    if (relay_cpu >= 0) sched_setaffinity(0, sizeof saved_affinity, &saved_affinity);
}

static void collect_notes(struct lrun *r)
{
    note(r, "backend linux: real processes in network namespaces, a relay for the link; times "
         "are wall-clock, as tcpsim observed each event");
    note(r, "kernel %s  config fnv1a64 %s", lnx_kernel_release(), lnx_kernel_config_hash());
    if (!r->realtime)
        note(r, "scheduling: normal (SCHED_FIFO refused): a busy machine may change the timing");
    else if (relay_cpu < 0)
        note(r, "scheduling: SCHED_FIFO: the relay priority 20, the scenario's processes 10 (one CPU)");
    else
        note(r, "scheduling: SCHED_FIFO: the relay priority 20 on CPU %d, the scenario's processes 10",
             relay_cpu);
    note_tcp_sysctls(r);
    for (size_t i = 0; i < r->sc->proc_count && i < 64; i++)
        if (r->ties.first[i])
            note(r, "tie: %s/%s wakes first when a frame arrives at its wake-up (%s: the order of "
                 "the simulation, lnx_ties.h)", r->hosts[r->sc->procs[i].host].sh->name,
                 r->sc->procs[i].name, r->ties.path);
}

static void begin_trace(struct lrun *r)
{
    struct trace_header h = { .scenario = r->sc->id, .seed = r->opt->seed_given ? r->opt->seed : r->sc->seed,
                              .host_count = r->host_count, .kernel = lnx_kernel_release(),
                              .notes = (const char *const *)r->notes, .note_count = r->note_count };
    for (size_t i = 0; i < r->host_count; i++) {
        h.hosts[i].name = r->hosts[i].sh->name;
        h.hosts[i].ip = r->hosts[i].sh->ip;
    }
    trace_begin(r->trace, &h);
    for (size_t i = 0; i < r->host_count; i++) emit_host(r, (int)i, "up");
}

/* ---- the signature ---- */

static int write_text(const char *path, const char *text, char *err, size_t err_size)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static bool bound_by_scenario(const struct scenario *sc, uint16_t port)
{
    for (size_t p = 0; p < sc->proc_count; p++)
        for (size_t i = 0; i < sc->procs[p].step_count; i++)
            if (sc->procs[p].steps[i].kind == STEP_BIND && sc->procs[p].steps[i].port == port) return true;
    return false;
}

static bool labelled(const struct lrun *r, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < r->label_count; i++)
        if (r->labels[i].ip == ip && r->labels[i].port == port) return true;
    return false;
}

/* Ports the kernel chose for a connect that never returned (the source of a SYN, bound by no
 * step): "<host>.port<N>", numbered in the order their SYN appeared. */
static void label_other_ports(struct lrun *r)
{
    size_t n;
    const struct trace_event *ev = trace_events(r->trace, &n);
    unsigned count = 0;
    for (size_t i = 0; i < n && r->label_count < sizeof r->labels / sizeof r->labels[0]; i++) {
        if (ev[i].type != TRACE_SEGMENT) continue;
        const struct trace_segment *sg = &ev[i].u.segment;
        int h = host_by_ip(r, sg->src_ip);
        bool syn = (sg->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;   /* a connect's port sends it */
        if (h < 0 || !syn || bound_by_scenario(r->sc, sg->src_port) ||
            labelled(r, sg->src_ip, sg->src_port))
            continue;
        struct sig_label *l = &r->labels[r->label_count++];
        *l = (struct sig_label){ .ip = sg->src_ip, .port = sg->src_port };
        snprintf(l->label, sizeof l->label, "%s.port%u", r->hosts[h].sh->name, ++count);
    }
}

static int judge(struct lrun *r, const char *dir, struct run_summary *s, char *err, size_t err_size)
{
    label_other_ports(r);
    const char *header[MAX_NOTES + 2];
    size_t hn = 0;
    char title[160];
    snprintf(title, sizeof title, "tcpsim linux signature  scenario %s  kernel %s", r->sc->id,
             lnx_kernel_release());
    header[hn++] = title;
    for (size_t i = 0; i < r->note_count; i++)
        if (strstr(r->notes[i], "CHANGED")) header[hn++] = r->notes[i];
    size_t n;
    const struct trace_event *ev = trace_events(r->trace, &n);
    char *sig = signature_make(ev, n, r->labels, r->label_count, header, hn);
    if (!sig) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/signature.txt", dir);
    int rc = write_text(path, sig, err, err_size);
    /* Still running at the horizon is a measured outcome (in the signature), not a failure. */
    bool horizon = s->result == RUN_UNTIL;
    s->result = RUN_IDLE;
    s->expects = 1;
    snprintf(s->verdict, sizeof s->verdict, "%s", horizon ? "measured*" : "measured");
    if (rc == 0 && r->opt->check) {
        snprintf(path, sizeof path, "%s/%s/%s.sig", r->opt->signatures, lnx_kernel_release(), r->sc->id);
        char *stored = signature_load(path);
        FILE *report = open_memstream(&s->report, &s->report_len);
        if (!stored) {   /* nothing stored, or only one run of a timing-dependent scenario */
            snprintf(path, sizeof path, "%s/%s/%s.unstable", r->opt->signatures,
                     lnx_kernel_release(), r->sc->id);
            bool unstable = access(path, F_OK) == 0;
            snprintf(s->verdict, sizeof s->verdict, "%s%s", unstable ? "unstable" : "new",
                     horizon ? "*" : "");
        } else {
            if (report) fprintf(report, "%s: the Linux signature differs from %s:\n", r->sc->id, path);
            s->failed = signature_diff(stored, sig, report) ? 1 : 0;
            snprintf(s->verdict, sizeof s->verdict, "%s%s", s->failed ? "CHANGED" : "same",
                     horizon ? "*" : "");
        }
        if (report) fclose(report);
        free(stored);
    }
    free(sig);
    return rc;
}

static int sysctl_file(struct lrun *r)
{
    const char *slash = strrchr(r->sc->file, '/');
    int dir_len = slash ? (int)(slash - r->sc->file) : 1;
    snprintf(r->sysctl_file, sizeof r->sysctl_file, "%.*s/linux/%s.sysctl", dir_len,
             slash ? r->sc->file : ".", r->sc->id);
    return 0;
}

static int linux_run(const struct scenario *sc, const struct backend_options *o, const char *dir,
                     struct run_summary *s, char *err, size_t err_size)
{
    char why[512];
    if (unsupported(sc, why, sizeof why)) {
        snprintf(err, err_size, "unsupported on Linux: %s", why);
        return BACKEND_UNSUPPORTED;
    }
    if (backend_linux_available(why, sizeof why) != 0) {
        snprintf(err, err_size, "the Linux backend cannot run here: %s", why);
        return 2;
    }
    int lock = lnx_lock();
    struct lrun *r = calloc(1, sizeof *r);
    if (!r) return 2;
    r->sc = sc;
    r->opt = o;
    r->host_count = sc->host_count;
    r->rec_rd = r->rec_wr = -1;
    r->wire = (struct lnx_ns){ .fd = -1 };
    for (size_t h = 0; h < sc->host_count; h++)
        r->hosts[h] = (struct lhost){ .sh = &sc->hosts[h], .ns = { .fd = -1 }, .pkt_fd = -1, .diag_fd = -1 };
    sysctl_file(r);
    if (lnx_ties_load(&r->ties, sc, err, err_size) != 0) {   /* bad input: before any output */
        free(r);
        if (lock >= 0) close(lock);
        return 2;
    }
    struct sigaction sa = { .sa_handler = on_interrupt }, ign = { .sa_handler = SIG_IGN };
    struct sigaction old_int, old_term, old_pipe;
    sigemptyset(&sa.sa_mask);
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGPIPE, &ign, &old_pipe);
    interrupted = 0;
    r->trace = trace_new();
    trace_set_clock(r->trace, trace_clock, r);
    int rc = 0;
    char path[4300];
    static const struct { const char *file; struct trace_sink *(*make)(const char *); } sinks[] = {
        { "timeline.txt", trace_text_new }, { "timeline.jsonl", trace_jsonl_new },
        { "capture.pcap", trace_pcap_new }, { "states.dot", trace_dot_new },
    };
    for (size_t i = 0; i < sizeof sinks / sizeof sinks[0] && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sinks[i].file);
        struct trace_sink *sink = sinks[i].make(path);
        if (sink) trace_add_sink(r->trace, sink);
        else rc = -1, snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
    }
    sched_init();
    struct prng master;
    prng_init(&master, o->seed_given ? o->seed : sc->seed);
    r->link = link_new(&sc->link, prng_fork(&master), r, link_deliver);
    r->realtime = realtime_on();
    if (rc == 0) rc = setup(r, err, err_size);
    if (rc == 0) {
        collect_notes(r);
        r->t0_ns = lnx_monotonic_ns();
        begin_trace(r);
        schedule(r);
        run_loop(r, s);
        read_records(r);
        lnx_tracefs_read(r->tfs, on_kevent_cb, r);
        for (size_t i = 0; i < r->early_count; i++) emit_kevent(r, &r->early[i]);
        record_end(r, s);
    }
    teardown(r);
    realtime_off();
    if (rc == 0 && interrupted) {
        snprintf(err, err_size, "interrupted (signal %d); namespaces and processes removed", (int)interrupted);
        rc = -1;
    }
    if (rc == 0) rc = judge(r, dir, s, err, err_size);
    if (trace_finish(r->trace, rc == 0 ? err : why, rc == 0 ? err_size : sizeof why) != 0) rc = -1;
    size_t n;
    const struct trace_event *ev = trace_events(r->trace, &n);
    for (size_t i = 0; i < n; i++) {
        s->segments += ev[i].type == TRACE_SEGMENT;
        s->states += ev[i].type == TRACE_STATE;
        s->calls += ev[i].type == TRACE_CALL;
    }
    s->end_us = now_us(r);
    link_free(r->link);
    sched_fini();
    trace_free(r->trace);
    for (size_t i = 0; i < r->note_count; i++) free(r->notes[i]);
    lnx_ties_free(&r->ties);
    free(r);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (lock >= 0) close(lock);
    if (interrupted) raise((int)interrupted);
    return rc == 0 ? 0 : 2;
}

const struct backend backend_linux = { "linux", linux_run, unsupported };
