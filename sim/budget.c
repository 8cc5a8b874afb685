/* budget — see budget.h. */
#include "budget.h"

#include "connmap.h"
#include "packet.h"
#include "sched.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
    struct budget_limits limits;
    budget_poll_fn poll;
    void *ctx;
    uint64_t counted, next_poll;
    bool exceeded;
    enum budget_kind kind;
    char running[64];           /* the coroutine that was running when the budget ran out */
} B;

static volatile sig_atomic_t wall_expired;

struct budget_limits budget_defaults(void)
{
    return (struct budget_limits){ BUDGET_DEFAULT_EVENTS, BUDGET_DEFAULT_OUTPUT_BYTES,
                                   BUDGET_DEFAULT_WALL_SECONDS };
}

void budget_start(const struct budget_limits *limits, budget_poll_fn poll, void *ctx)
{
    B = (typeof(B)){ .limits = *limits, .poll = poll, .ctx = ctx, .next_poll = BUDGET_POLL_EVERY };
    wall_expired = 0;
}

static bool stop(enum budget_kind kind)
{
    if (!B.exceeded) {
        B.exceeded = true;
        B.kind = kind;
        struct coro *c = sched_current();
        snprintf(B.running, sizeof B.running, "%s", c ? coro_name(c) : "");
        sched_request_stop();
    }
    return true;
}

/* One more event or step; true when the run must stop. */
static bool count_one(void)
{
    if (B.exceeded) return true;
    if (wall_expired) return stop(BUDGET_WALL_SECONDS);
    B.counted++;
    if (B.limits.events && B.counted > B.limits.events) return stop(BUDGET_EVENTS);
    if (B.counted < B.next_poll) return false;
    B.next_poll += BUDGET_POLL_EVERY;
    uint64_t bytes = B.poll ? B.poll(B.ctx, B.counted) : 0;
    if (B.limits.output_bytes && bytes > B.limits.output_bytes) return stop(BUDGET_OUTPUT_BYTES);
    return false;
}

bool budget_step(void) { return count_one(); }

void budget_wall_expired(void)
{
    wall_expired = 1;
    sched_request_stop();
}

bool budget_exceeded(enum budget_kind *kind, uint64_t *limit)
{
    if (!B.exceeded && wall_expired) stop(BUDGET_WALL_SECONDS);
    if (!B.exceeded) return false;
    static const size_t offsets[BUDGET_KIND_COUNT] = {
        [BUDGET_EVENTS] = offsetof(struct budget_limits, events),
        [BUDGET_OUTPUT_BYTES] = offsetof(struct budget_limits, output_bytes),
        [BUDGET_WALL_SECONDS] = offsetof(struct budget_limits, wall_seconds),
    };
    *kind = B.kind;
    memcpy(limit, (const char *)&B.limits + offsets[B.kind], sizeof *limit);
    return true;
}

uint64_t budget_events_used(void) { return B.counted; }

const char *budget_name(enum budget_kind kind)
{
    switch (kind) {
    case BUDGET_EVENTS: return "events";
    case BUDGET_OUTPUT_BYTES: return "output bytes";
    case BUDGET_WALL_SECONDS: return "wall seconds";
    case BUDGET_KIND_COUNT: break;
    }
    return "?";
}

const char *budget_option(enum budget_kind kind)
{
    switch (kind) {
    case BUDGET_EVENTS: return "--max-events";
    case BUDGET_OUTPUT_BYTES: return "--max-output";
    case BUDGET_WALL_SECONDS: return "--max-seconds";
    case BUDGET_KIND_COUNT: break;
    }
    return "?";
}

/* ---- the counting sink ---- */

static void sink_begin(struct trace_sink *sink, const struct trace_header *h)
{
    (void)sink;
    (void)h;
}

static void sink_event(struct trace_sink *sink, const struct trace_event *ev)
{
    (void)sink;
    (void)ev;
    count_one();
}

static int sink_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    (void)sink;
    (void)err;
    (void)err_size;
    return 0;
}

static void sink_free(struct trace_sink *sink) { free(sink); }

struct trace_sink *budget_sink_new(void)
{
    struct trace_sink *s = malloc(sizeof *s);
    if (!s) sched_out_of_memory();
    *s = (struct trace_sink){ sink_begin, sink_event, sink_finish, sink_free };
    return s;
}

/* ---- the busiest connection and process ---- */

struct tally {
    size_t first;          /* event index where it was first seen: ties go to the earliest */
    uint64_t count;
};

static struct conn_key connection_of(const struct trace_segment *s)
{
    bool forward = s->src_ip < s->dst_ip || (s->src_ip == s->dst_ip && s->src_port <= s->dst_port);
    return forward ? (struct conn_key){ s->src_ip, s->dst_ip, s->src_port, s->dst_port }
                   : (struct conn_key){ s->dst_ip, s->src_ip, s->dst_port, s->src_port };
}

static bool more(const struct tally *a, const struct tally *b)
{
    return a->count > b->count || (a->count == b->count && a->first < b->first);
}

static size_t busiest_connection(const struct trace_event *ev, size_t n, struct conn_key *key,
                                 uint64_t *count)
{
    struct connmap index;
    connmap_init(&index);
    struct tally *t = calloc(n ? n : 1, sizeof *t);
    if (!t) sched_out_of_memory();
    size_t kinds = 0, best = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type != TRACE_SEGMENT) continue;
        struct conn_key k = connection_of(&ev[i].u.segment);
        uint64_t *slot = connmap_get(&index, k);
        if (!slot) {
            t[kinds] = (struct tally){ i, 0 };
            connmap_put(&index, k, kinds++);
            slot = connmap_get(&index, k);
        }
        t[*slot].count++;
        if (best == SIZE_MAX || more(&t[*slot], &t[best])) best = *slot;
    }
    size_t at = best == SIZE_MAX ? SIZE_MAX : t[best].first;
    if (at != SIZE_MAX) {
        *key = connection_of(&ev[at].u.segment);
        *count = t[best].count;
    }
    free(t);
    connmap_free(&index);
    return at;
}

static const struct trace_event *sort_events;

static int by_process(const void *a, const void *b)
{
    const struct trace_call *x = &sort_events[*(const size_t *)a].u.call;
    const struct trace_call *y = &sort_events[*(const size_t *)b].u.call;
    int c = strcmp(x->host, y->host);
    if (!c) c = strcmp(x->proc, y->proc);
    if (!c) c = *(const size_t *)a < *(const size_t *)b ? -1 : 1;
    return c;
}

static size_t busiest_process(const struct trace_event *ev, size_t n, uint64_t *count)
{
    size_t *calls = malloc((n ? n : 1) * sizeof *calls), m = 0;
    if (!calls) sched_out_of_memory();
    for (size_t i = 0; i < n; i++)
        if (ev[i].type == TRACE_CALL) calls[m++] = i;
    sort_events = ev;
    qsort(calls, m, sizeof *calls, by_process);
    struct tally best = { SIZE_MAX, 0 };
    for (size_t i = 0; i < m;) {
        struct tally run = { calls[i], 0 };
        size_t j = i;
        while (j < m && strcmp(ev[calls[i]].u.call.host, ev[calls[j]].u.call.host) == 0 &&
               strcmp(ev[calls[i]].u.call.proc, ev[calls[j]].u.call.proc) == 0) {
            run.count++;
            j++;
        }
        if (best.first == SIZE_MAX || more(&run, &best)) best = run;
        i = j;
    }
    free(calls);
    *count = best.count;
    return best.first;
}

void budget_busiest(const struct trace_event *ev, size_t n, char *buf, size_t size)
{
    struct conn_key k;
    uint64_t segments = 0, calls = 0;
    size_t conn = busiest_connection(ev, n, &k, &segments);
    size_t proc = busiest_process(ev, n, &calls);
    char a[16], b[16], conn_text[96] = "no connection", proc_text[96] = "no process call";
    if (conn != SIZE_MAX)
        snprintf(conn_text, sizeof conn_text, "connection %s:%u<>%s:%u (%llu segments)",
                 ip4_str(k.local_ip, a), k.local_port, ip4_str(k.remote_ip, b), k.remote_port,
                 (unsigned long long)segments);
    if (proc != SIZE_MAX)
        snprintf(proc_text, sizeof proc_text, "process %s/%s (%llu calls)", ev[proc].u.call.host,
                 ev[proc].u.call.proc, (unsigned long long)calls);
    int used = conn == SIZE_MAX && proc == SIZE_MAX
                   ? snprintf(buf, size, "no segment and no socket call: the budget went to "
                              "scenario steps (sleeps, signals, repeats)")
                   : snprintf(buf, size, "busiest %s; %s", conn_text, proc_text);
    if (B.running[0] && used > 0 && (size_t)used < size)
        snprintf(buf + used, size - (size_t)used, "; %s was running", B.running);
}
