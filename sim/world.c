/* world — see world.h. The world routes each packet a host emits to the host owning the
 * destination address, through the link (or the router's unreachable answer), and records it
 * in the trace with its fate. */
#include "world.h"

#include "accounting.h"
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
    struct unreachable_rule unreachable[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];
    struct world_event *pending;
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
    if (!d) sched_panic("out of memory");
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

static void world_transmit(void *ctx, struct host *from, const uint8_t *pkt, size_t len)
{
    struct world *w = ctx;
    struct packet_info info;
    bool decoded = packet_decode(pkt, len, &info);
    struct host *to = decoded ? host_by_ip(w, info.dst_ip) : NULL;
    struct link_fate fate;
    const struct unreachable_rule *u =
        to ? &w->unreachable[host_index(from)][host_index(to)] : NULL;
    if (u && u->on) {
        fate = (struct link_fate){ .reason = "unreachable", .rule_id = -1 };
    } else if (to && !host_is_up(to)) {
        fate = (struct link_fate){ .reason = "host down", .rule_id = -1 };
    } else {
        fate = link_send_packet(w->link, host_index(from), to ? host_index(to) : -1, pkt, len,
                                decoded ? &info : NULL);
    }
    struct trace_segment seg;
    if (trace_packet(w->trace, host_name(from), to ? host_name(to) : "?", pkt, len, fate, &seg))
        accounting_segment(w->accounting, &seg);
    if (u && u->on) answer_unreachable(w, from, pkt, len, u->code);
    if (fate.duplicated)
        emit_link(w, "duplicate", NULL, 0, "%s>%s: the link delivers a second copy at %llu us",
                  host_name(from), host_name(to), (unsigned long long)fate.duplicate_arrive_us);
}

static void world_deliver(void *ctx, int to, const uint8_t *pkt, size_t len)
{
    struct world *w = ctx;
    host_input(w->hosts[to], pkt, len);
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
    if (!w) sched_panic("out of memory");
    w->config = *config;
    sched_init();
    sched_set_step_hook(world_step, w);
    prng_init(&w->master, config->seed);
    w->trace = trace_new();
    w->accounting = accounting_new();
    w->reasons = reasons_new();
    reasons_attach(w->reasons, w->trace);
    w->link = link_new(&config->link, prng_fork(&w->master), w, world_deliver);
    return w;
}

struct host *world_add_host(struct world *w, const char *name, const char *ip)
{
    uint32_t addr;
    if (!ip4_parse(ip, &addr) || addr == WORLD_ROUTER_IP || host_by_ip(w, addr) ||
        world_host(w, name))
        return NULL;
    if (w->host_count >= stack_instance_count || w->host_count >= LINK_MAX_ENDPOINTS) return NULL;
    struct host_net net = { .trace = w->trace, .accounting = w->accounting,
                            .reasons = w->reasons, .ctx = w,
                            .transmit = world_transmit };
    int index = (int)w->host_count;
    struct host *h = host_new(name, addr, index, stack_instances[index], prng_fork(&w->master),
                              &net);
    w->hosts[w->host_count] = h;
    w->host_names[w->host_count++] = host_name(h);
    return h;
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
    if (!e) sched_panic("out of memory");
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
    struct host *h = host_by_ip(ctx, ip);
    return h ? host_name(h) : "?";
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
    accounting_free(w->accounting);
    trace_free(w->trace);
    reasons_free(w->reasons);
    free(w);
}
