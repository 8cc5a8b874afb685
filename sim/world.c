/* world — see world.h. The world routes each packet a host emits to the host owning the
 * destination address, through the link, and records it in the trace with its fate. */
#include "world.h"

#include "packet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct world {
    struct world_config config;
    struct prng master;
    struct link *link;
    struct trace *trace;
    struct host *hosts[LINK_MAX_ENDPOINTS];
    size_t host_count;
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

static void world_transmit(void *ctx, struct host *from, const uint8_t *pkt, size_t len)
{
    struct world *w = ctx;
    struct packet_info info;
    struct host *to = packet_decode(pkt, len, &info) ? host_by_ip(w, info.dst_ip) : NULL;
    struct link_fate fate = link_send(w->link, host_index(from), to ? host_index(to) : -1, pkt,
                                      len);
    trace_packet(w->trace, host_name(from), to ? host_name(to) : "?", pkt, len, fate);
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
    if (owner) host_observe(owner);
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
    w->link = link_new(&config->link, w, world_deliver);
    return w;
}

struct host *world_add_host(struct world *w, const char *name, const char *ip)
{
    uint32_t addr;
    if (!ip4_parse(ip, &addr) || host_by_ip(w, addr) || world_host(w, name)) return NULL;
    if (w->host_count >= stack_instance_count || w->host_count >= LINK_MAX_ENDPOINTS) return NULL;
    struct host_net net = { .trace = w->trace, .ctx = w, .transmit = world_transmit };
    int index = (int)w->host_count;
    struct host *h = host_new(name, addr, index, stack_instances[index], prng_fork(&w->master),
                              &net);
    w->hosts[w->host_count++] = h;
    return h;
}

struct host *world_host(const struct world *w, const char *name)
{
    for (size_t i = 0; i < w->host_count; i++)
        if (strcmp(host_name(w->hosts[i]), name) == 0) return w->hosts[i];
    return NULL;
}

struct trace *world_trace(struct world *w) { return w->trace; }

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

size_t world_describe_blocked(const struct world *w, char *buf, size_t size)
{
    (void)w;
    uint64_t now = sched_now_us();
    int n = snprintf(buf, size, "deadlock at t=%llu.%06llu s: every process is blocked and "
                     "nothing is pending:\n", (unsigned long long)(now / 1000000),
                     (unsigned long long)(now % 1000000));
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : 0;
    return sched_describe_blocked(buf + used, size - used);
}

void world_free(struct world *w)
{
    if (!w) return;
    sched_fini();                   /* coroutines first: they may sit in lwIP's waits */
    for (size_t i = 0; i < w->host_count; i++) host_free(w->hosts[i]);
    link_free(w->link);
    trace_free(w->trace);
    free(w);
}
