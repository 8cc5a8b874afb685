/* A fixture for OS-model tests: a client and a server host, timelines printed on request
 * (TCPSIM_DUMP=1), and helpers that find events in the trace. Header-only on purpose: each
 * test binary includes it once. */
#ifndef TCPSIM_OS_FIXTURE_H
#define TCPSIM_OS_FIXTURE_H

#include "packet.h"
#include "proc.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
    struct world *w;
    struct host *client, *server;
    struct stack_pool pools_before[2][32];
    size_t pool_count[2];
};

static struct fixture fx;

static void fixture_start(const char *name)
{
    struct world_config cfg = world_config_default();
    cfg.scenario = name;
    fx.w = world_new(&cfg);
    fx.client = world_add_host(fx.w, "client", "10.0.0.1");
    fx.server = world_add_host(fx.w, "server", "10.0.0.2");
    fx.pool_count[0] = host_stack(fx.client)->pools(fx.pools_before[0], 32);
    fx.pool_count[1] = host_stack(fx.server)->pools(fx.pools_before[1], 32);
}

/* Every event of the run as timeline text, one per line (caller frees). */
static char *fixture_timeline(void)
{
    size_t n, size = 1 << 20, used = 0;
    const struct trace_event *ev = trace_events(world_trace(fx.w), &n);
    char *text = malloc(size);
    text[0] = '\0';
    for (size_t i = 0; i < n && used + 600 < size; i++) {
        used += trace_format_text(&ev[i], text + used, size - used);
        text[used++] = '\n';
        text[used] = '\0';
    }
    return text;
}

/* Runs to the end; a run still going after 2 virtual hours is a test bug (RUN_UNTIL). */
static enum run_result fixture_run(void)
{
    enum run_result r = world_run(fx.w, 7200ull * 1000000);
    if (getenv("TCPSIM_DUMP")) {
        char *t = fixture_timeline();
        fprintf(stderr, "---- %s ----\n%s", "timeline", t);
        free(t);
    }
    return r;
}

/* Pools of a host whose usage differs from the start of the world, by name; "" when none. */
static const char *fixture_leaked_pool(struct host *h, int which)
{
    static char name[64];
    struct stack_pool now[32];
    size_t n = host_stack(h)->pools(now, 32);
    for (size_t i = 0; i < n && i < fx.pool_count[which]; i++)
        if (now[i].used != fx.pools_before[which][i].used) {
            snprintf(name, sizeof name, "%s (%u -> %u)", now[i].name,
                     fx.pools_before[which][i].used, now[i].used);
            return name;
        }
    return "";
}

static void fixture_end(void)
{
    world_free(fx.w);
    memset(&fx, 0, sizeof fx);
}

/* Compact one-line forms of the interesting events, joined by " | ", for exact assertions:
 * segments "client>server R. 15:1", states "server ESTABLISHED>CLOSED(rcv RST)", calls
 * "client recv=-1 ECONNRESET", signals "client SIGPIPE:terminate", processes "client killed 141". */
static char *fixture_story(int types_mask)
{
    size_t n, size = 1 << 16, used = 0;
    const struct trace_event *ev = trace_events(world_trace(fx.w), &n);
    char *out = malloc(size);
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 200 < size; i++) {
        char one[160] = "", flags[8];
        const struct trace_event *e = &ev[i];
        if (!(types_mask & (1 << e->type))) continue;
        switch (e->type) {
        case TRACE_SEGMENT:
            snprintf(one, sizeof one, "%s>%s %s %u:%u%s%s", e->u.segment.from, e->u.segment.to,
                     packet_flags_str(e->u.segment.flags, flags), e->u.segment.seq,
                     e->u.segment.len, e->u.segment.delivered ? "" : " ",
                     e->u.segment.delivered ? "" : e->u.segment.fate);
            break;
        case TRACE_STATE:
            snprintf(one, sizeof one, "%s %s>%s(%s)", e->u.state.host,
                     tcp_state_name(e->u.state.from), tcp_state_name(e->u.state.to),
                     e->u.state.cause);
            break;
        case TRACE_CALL:
            snprintf(one, sizeof one, "%s %s=%ld%s%s", e->u.call.host, e->u.call.call,
                     e->u.call.ret, e->u.call.err ? " " : "",
                     e->u.call.err ? errno_name(e->u.call.err) : "");
            break;
        case TRACE_SIGNAL:
            snprintf(one, sizeof one, "%s %s:%s", e->u.signal.host, e->u.signal.signal,
                     e->u.signal.action);
            break;
        case TRACE_PROCESS:
            snprintf(one, sizeof one, "%s %s %d", e->u.process.host, e->u.process.event,
                     e->u.process.status);
            break;
        case TRACE_HOST:
            snprintf(one, sizeof one, "%s %s", e->u.host.host, e->u.host.event);
            break;
        case TRACE_LINK:
            snprintf(one, sizeof one, "link %s", e->u.link.event);
            break;
        case TRACE_EXPECT:
        case TRACE_ACCOUNTING:
        case TRACE_POOL:
        case TRACE_DEFECT:
        case TRACE_TIMER:
        case TRACE_HELD:
        case TRACE_TYPE_COUNT:
            break;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " | " : "", one);
    }
    return out;
}

#define SEGMENTS (1 << TRACE_SEGMENT)
#define STATES (1 << TRACE_STATE)
#define CALLS (1 << TRACE_CALL)
#define SIGNALS ((1 << TRACE_SIGNAL) | (1 << TRACE_PROCESS))
#define HOSTS ((1 << TRACE_HOST) | (1 << TRACE_LINK))

#endif
