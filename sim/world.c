/* world — see world.h. The world routes each packet a host emits to the host owning the
 * destination address, through the link (or the router's unreachable answer), and records it
 * in the trace with its fate. */
#include "world.h"

#include "accounting.h"
#include "defect.h"
#include "reasons.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A world event waiting for its time; kept on a list so world_free can release those that
 * never fired. */
struct world_event {
    struct world *w;
    void (*fn)(struct world *w, void *arg);
    void *arg;
    bool owns_arg;                  /* free arg if the event never fires */
    struct world_event *prev, *next;
};

struct unreachable_rule {
    bool on;
    enum icmp_unreach_code code;
};

/* A scripted endpoint (world_add_peer): an address on the link with no lwIP behind it. Peers
 * take link endpoints from the top (LINK_MAX_ENDPOINTS - 1 down), hosts from 0 up, so a host's
 * index stays its position in hosts[]. */
struct world_peer {
    char name[32];
    uint32_t ip;
    int index;
    void (*receive)(void *ctx, const uint8_t *pkt, size_t len);
    void *ctx;
};

/* Whoever owns an address: a host or a peer (name and link endpoint either way). */
struct endpoint {
    struct host *host;              /* NULL for a peer */
    struct world_peer *peer;        /* NULL for a host */
    const char *name;
    int index;
};

struct world {
    struct world_config config;
    struct prng master;
    struct link *link;
    struct trace *trace;
    struct reasons *reasons;        /* the annotator: why RSTs and timers happen */
    struct accounting *accounting;
    struct host *hosts[LINK_MAX_ENDPOINTS];
    const char *host_names[LINK_MAX_ENDPOINTS];
    size_t host_count;
    struct world_peer peers[LINK_MAX_ENDPOINTS];
    size_t peer_count;
    struct unreachable_rule unreachable[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];
    struct world_event *pending;
    struct storm_watch storms;      /* lwIP's zero-window ACK storm (defect.h) */
    bool begun;
};

struct world_config world_config_default(void)
{
    return (struct world_config){ .scenario = "unnamed", .seed = 1,
                                  .link = link_config_default() };
}

static struct host *host_by_ip(const struct world *w, uint32_t ip)
{
    for (size_t i = 0; i < w->host_count; i++)
        if (host_ip(w->hosts[i]) == ip) return w->hosts[i];
    return NULL;
}

static struct endpoint host_endpoint(struct host *h)
{
    return (struct endpoint){ .host = h, .name = host_name(h), .index = host_index(h) };
}

static bool endpoint_by_ip(struct world *w, uint32_t ip, struct endpoint *out)
{
    struct host *h = host_by_ip(w, ip);
    if (h) {
        *out = host_endpoint(h);
        return true;
    }
    for (size_t i = 0; i < w->peer_count; i++)
        if (w->peers[i].ip == ip) {
            *out = (struct endpoint){ .peer = &w->peers[i], .name = w->peers[i].name,
                                      .index = w->peers[i].index };
            return true;
        }
    return false;
}

static void emit_link(struct world *w, const char *event, const uint8_t *pkt, size_t len,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void emit_link(struct world *w, const char *event, const uint8_t *pkt, size_t len,
                      const char *fmt, ...)
{
    struct trace_event ev = { .type = TRACE_LINK, .u.link = { .event = event, .packet = pkt,
                                                              .packet_len = len } };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.u.link.detail, sizeof ev.u.link.detail, fmt, ap);
    va_end(ap);
    trace_emit(w->trace, &ev);
}

static void schedule(struct world *w, uint64_t t_us, void (*fn)(struct world *w, void *arg),
                     void *arg, bool owns_arg);

/* ---- the router's ICMP ---- */

struct icmp_delivery {
    struct world *w;
    struct host *to;
    size_t len;
    uint8_t bytes[128];
};

static void icmp_arrive(struct world *w, void *arg)
{
    (void)w;
    struct icmp_delivery *d = arg;
    host_input(d->to, d->bytes, d->len);
    free(d);
}

static void answer_unreachable(struct world *w, struct host *from, const uint8_t *pkt,
                               size_t len, enum icmp_unreach_code code)
{
    struct icmp_delivery *d = calloc(1, sizeof *d);
    if (!d) sched_out_of_memory();
    d->w = w;
    d->to = from;
    d->len = packet_build_icmp_unreachable(pkt, len, WORLD_ROUTER_IP, code, d->bytes);
    char router[16];
    emit_link(w, "icmp", d->bytes, d->len, "router %s > %s: ICMP %s unreachable",
              ip4_str(WORLD_ROUTER_IP, router), host_name(from),
              code == ICMP_NET_UNREACHABLE ? "network" : "host");
    schedule(w, sched_now_us() + w->config.link.delay_us, icmp_arrive, d, true);
}

/* ---- routing ---- */

/* lwIP 2.1.3, tcp_in.c tcp_receive: with rcv_wnd 0 no sequence number is "in window", so a
 * pure ACK from a peer whose own window is 0 too is answered at once with an ACK, which the
 * peer answers the same way: a ping-pong that lasts until a reader opens a window. Noticed and
 * reported; a storm nobody ends is bounded by the run's event budget. */
static void report_ack_storm(struct world *w, struct host *from, const struct trace_segment *seg)
{
    if (!storm_watch_segment(&w->storms, seg, sched_now_us())) return;
    defect_emit(w->trace, DEFECT_ZERO_WINDOW_ACK_STORM, host_name(from), NULL,
                "%s>%s: %d pure ACKs seq %u ack %u win 0 within %u ms, no progress: both "
                "receive windows are 0 and each ACK is answered with an ACK",
                seg->from, seg->to, DEFECT_STORM_ACKS, seg->seq, seg->ack,
                DEFECT_STORM_WINDOW_US / 1000);
}

/* One packet from endpoint `from` onto the link towards whoever owns its destination: the
 * router's unreachable rule, a host that is down, or the link decides its fate; the trace
 * records it (marked when injected). Injected segments are not counted by byte accounting:
 * no process sent their bytes. */
static void route(struct world *w, struct endpoint from, const uint8_t *pkt, size_t len,
                  bool injected)
{
    struct packet_info info;
    bool decoded = packet_decode(pkt, len, &info);
    struct endpoint to;
    bool known = decoded && endpoint_by_ip(w, info.dst_ip, &to);
    struct link_fate fate;
    const struct unreachable_rule *u = known ? &w->unreachable[from.index][to.index] : NULL;
    if (u && u->on) {
        fate = (struct link_fate){ .reason = "unreachable", .rule_id = -1 };
    } else if (known && to.host && !host_is_up(to.host)) {
        fate = (struct link_fate){ .reason = "host down", .rule_id = -1 };
    } else {
        fate = link_send_packet(w->link, from.index, known ? to.index : -1, pkt, len,
                                decoded ? &info : NULL);
    }
    struct trace_segment seg;
    const char *to_name = known ? to.name : "?";
    if (injected)
        trace_injected_packet(w->trace, from.name, to_name, pkt, len, fate, NULL);
    else if (trace_packet(w->trace, from.name, to_name, pkt, len, fate,
                          from.host ? host_stack(from.host)->origin() : STACK_ORIGIN_UNKNOWN,
                          &seg)) {
        accounting_segment(w->accounting, &seg);
        if (from.host) report_ack_storm(w, from.host, &seg);
    }
    if (u && u->on && from.host) answer_unreachable(w, from.host, pkt, len, u->code);
    if (fate.duplicated)
        emit_link(w, "duplicate", NULL, 0, "%s>%s: the link delivers a second copy at %llu us",
                  from.name, to_name, (unsigned long long)fate.duplicate_arrive_us);
}

static void world_transmit(void *ctx, struct host *from, const uint8_t *pkt, size_t len)
{
    route(ctx, host_endpoint(from), pkt, len, false);
}

bool world_inject(struct world *w, const uint8_t *pkt, size_t len, char *err, size_t err_size)
{
    struct packet_info info;
    if (!packet_decode(pkt, len, &info)) {
        snprintf(err, err_size, "world_inject: not a well-formed IPv4 packet (%zu bytes)", len);
        return false;
    }
    struct endpoint from;
    if (!endpoint_by_ip(w, info.src_ip, &from)) {
        char ip[16];
        snprintf(err, err_size, "world_inject: no host owns the source address %s",
                 ip4_str(info.src_ip, ip));
        return false;
    }
    if (!w->begun) {
        snprintf(err, err_size, "world_inject: the world is not running yet (call it from a "
                 "world event)");
        return false;
    }
    route(w, from, pkt, len, true);
    return true;
}

static void world_deliver(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    struct world *w = ctx;
    if ((size_t)to < w->host_count) {
        host_input(w->hosts[to], pkt, len);
        return;
    }
    struct world_peer *peer = &w->peers[LINK_MAX_ENDPOINTS - 1 - to];
    peer->receive(peer->ctx, pkt, len);
}

/* After every coroutine slice, look at the stack of the host that ran. */
static void world_step(void *owner, void *ctx)
{
    (void)ctx;
    if (owner) host_step(owner);
}

struct world *world_new(const struct world_config *config)
{
    struct world *w = calloc(1, sizeof *w);
    if (!w) sched_out_of_memory();
    w->config = *config;
    sched_init();
    sched_set_step_hook(world_step, w);
    prng_init(&w->master, config->seed);
    w->trace = trace_new();
    w->accounting = accounting_new();
    w->reasons = reasons_new();
    reasons_attach(w->reasons, w->trace);
    w->link = link_new(&config->link, prng_fork(&w->master), w, world_deliver);
    storm_watch_init(&w->storms);
    return w;
}

struct host *world_add_host(struct world *w, const char *name, const char *ip)
{
    uint32_t addr;
    struct endpoint taken;
    if (!ip4_parse(ip, &addr) || addr == WORLD_ROUTER_IP || endpoint_by_ip(w, addr, &taken) ||
        world_host(w, name))
        return NULL;
    if (w->host_count >= stack_instance_count ||
        w->host_count + w->peer_count >= LINK_MAX_ENDPOINTS)
        return NULL;
    struct host_net net = { .trace = w->trace, .accounting = w->accounting,
                            .reasons = w->reasons, .ctx = w,
                            .transmit = world_transmit };
    int index = (int)w->host_count;
    bool small = w->config.pools == WORLD_POOLS_SMALL;
    const struct lwip_stack *stack = (small ? stack_small_instances : stack_instances)[index];
    struct host *h = host_new(name, addr, index, stack, prng_fork(&w->master), &net);
    host_stop_at_refusal(h, w->config.stop_at_bound);
    w->hosts[w->host_count] = h;
    w->host_names[w->host_count++] = host_name(h);
    return h;
}

bool world_add_peer(struct world *w, const char *name, const char *ip,
                    void (*receive)(void *ctx, const uint8_t *pkt, size_t len), void *ctx)
{
    uint32_t addr;
    struct endpoint taken;
    if (!ip4_parse(ip, &addr) || addr == WORLD_ROUTER_IP || endpoint_by_ip(w, addr, &taken) ||
        world_host(w, name) || strlen(name) >= sizeof w->peers[0].name || w->begun ||
        w->host_count + w->peer_count >= LINK_MAX_ENDPOINTS)
        return false;
    struct world_peer *peer = &w->peers[w->peer_count];
    *peer = (struct world_peer){ .ip = addr, .index = LINK_MAX_ENDPOINTS - 1 - (int)w->peer_count,
                                 .receive = receive, .ctx = ctx };
    snprintf(peer->name, sizeof peer->name, "%s", name);
    w->host_names[peer->index] = peer->name;
    w->peer_count++;
    return true;
}

struct host *world_host(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->host_count; i++)
        if (strcmp(host_name(w->hosts[i]), name) == 0) return w->hosts[i];
    return NULL;
}

struct trace *world_trace(struct world *w) { return w->trace; }
struct link *world_link(struct world *w) { return w->link; }

/* ---- world events ---- */

static void world_event_fire(void *arg)
{
    struct world_event *e = arg;
    struct world *w = e->w;
    if (e->prev) e->prev->next = e->next; else w->pending = e->next;
    if (e->next) e->next->prev = e->prev;
    e->fn(w, e->arg);
    free(e);
}

static void schedule(struct world *w, uint64_t t_us, void (*fn)(struct world *w, void *arg),
                     void *arg, bool owns_arg)
{
    struct world_event *e = calloc(1, sizeof *e);
    if (!e) sched_out_of_memory();
    *e = (struct world_event){ .w = w, .fn = fn, .arg = arg, .owns_arg = owns_arg,
                               .next = w->pending };
    if (w->pending) w->pending->prev = e;
    w->pending = e;
    sched_at(t_us, world_event_fire, e);
}

void world_at(struct world *w, uint64_t t_us, void (*fn)(struct world *w, void *arg), void *arg)
{
    schedule(w, t_us, fn, arg, false);
}

int world_add_link_rule(struct world *w, const struct link_rule *rule)
{
    int id = link_add_rule(w->link, rule);
    if (id < 0) return -1;
    char text[160];
    link_describe_rule(rule, w->host_names, text, sizeof text);
    emit_link(w, "rule", NULL, 0, "%s (rule %d)", text, id);
    return id;
}

bool world_remove_link_rule(struct world *w, int rule_id)
{
    if (!link_remove_rule(w->link, rule_id)) return false;
    emit_link(w, "rule", NULL, 0, "rule %d removed", rule_id);
    return true;
}

void world_partition(struct world *w, bool on)
{
    if (link_partitioned(w->link) == on) return;
    link_set_partition(w->link, on);
    emit_link(w, on ? "partition" : "heal", NULL, 0, "%s",
              on ? "every packet between the hosts is dropped" : "packets flow again");
}

void world_set_bandwidth(struct world *w, struct host *from, struct host *to, uint64_t bps)
{
    link_set_bandwidth(w->link, host_index(from), host_index(to), bps);
    emit_link(w, "rule", NULL, 0, "%s>%s: bandwidth %llu bit/s%s", host_name(from), host_name(to),
              (unsigned long long)bps, bps ? "" : " (unlimited)");
}

void world_set_unreachable(struct world *w, struct host *from, struct host *to,
                           enum icmp_unreach_code code, bool on)
{
    w->unreachable[host_index(from)][host_index(to)] = (struct unreachable_rule){ on, code };
    char router[16];
    emit_link(w, "rule", NULL, 0, "%s>%s: router %s %s", host_name(from), host_name(to),
              ip4_str(WORLD_ROUTER_IP, router),
              !on ? "forwards again"
              : code == ICMP_NET_UNREACHABLE ? "answers ICMP network unreachable"
                                             : "answers ICMP host unreachable");
}

/* ---- running ---- */

static void begin_trace(struct world *w)
{
    struct trace_header h = { .scenario = w->config.scenario, .seed = w->config.seed,
                              .host_count = w->host_count };
    for (size_t i = 0; i < w->host_count; i++) {
        h.hosts[i].name = host_name(w->hosts[i]);
        h.hosts[i].ip = host_ip(w->hosts[i]);
    }
    for (size_t i = 0; i < w->peer_count && h.host_count < LINK_MAX_ENDPOINTS; i++) {
        h.hosts[h.host_count].name = w->peers[i].name;
        h.hosts[h.host_count++].ip = w->peers[i].ip;
    }
    trace_begin(w->trace, &h);
    for (size_t i = 0; i < w->host_count; i++) {
        struct trace_event ev = { .type = TRACE_HOST, .u.host = { host_name(w->hosts[i]), "up" } };
        trace_emit(w->trace, &ev);
    }
}

enum run_result world_run(struct world *w, uint64_t until_us)
{
    if (!w->begun) {
        begin_trace(w);
        w->begun = true;
    }
    return sched_run(until_us);
}

static const char *name_of_ip(void *ctx, uint32_t ip)
{
    struct endpoint e;
    return endpoint_by_ip(ctx, ip, &e) ? e.name : "?";
}

size_t world_account(struct world *w)
{
    return accounting_report(w->accounting, w->trace, name_of_ip, w);
}

size_t world_leaks(struct world *w, char *buf, size_t size)
{
    size_t leaking = 0;
    char first[256] = "";
    for (size_t i = 0; i < w->host_count; i++) {
        char one[256];
        if (!host_is_up(w->hosts[i]) || !host_pool_leak(w->hosts[i], one, sizeof one)) continue;
        if (!leaking++) snprintf(first, sizeof first, "%s", one);
    }
    snprintf(buf, size, "%s", first);
    return leaking;
}

size_t world_describe_blocked(const struct world *w, char *buf, size_t size)
{
    (void)w;
    uint64_t now = sched_now_us();
    int n = snprintf(buf, size, "at t=%llu.%06llu s these processes are blocked:\n",
                     (unsigned long long)(now / 1000000), (unsigned long long)(now % 1000000));
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : 0;
    return sched_describe_blocked(buf + used, size - used);
}

enum world_pools world_config_pools(const struct world *w) { return w->config.pools; }

bool world_bound_reached(const struct world *w)
{
    for (size_t i = 0; i < w->host_count; i++)
        if (host_bound_reached(w->hosts[i])) return true;
    return false;
}

void world_free(struct world *w)
{
    if (!w) return;
    sched_fini();                   /* coroutines first: they may sit in lwIP's waits */
    while (w->pending) {
        struct world_event *e = w->pending;
        w->pending = e->next;
        if (e->owns_arg) free(e->arg);
        free(e);
    }
    for (size_t i = 0; i < w->host_count; i++) host_free(w->hosts[i]);
    link_free(w->link);
    storm_watch_free(&w->storms);
    accounting_free(w->accounting);
    trace_free(w->trace);
    reasons_free(w->reasons);
    free(w);
}
