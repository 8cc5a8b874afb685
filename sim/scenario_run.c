/* scenario_run — see scenario_run.h. One interpreter per process instance executes its steps
 * with the proc.h calls (so every call is traced exactly as a C program's would be) and
 * remembers, per step, the first result that contradicted the step's `-> result`. */
#define _GNU_SOURCE
#include "scenario_run.h"

#include "proc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_MODULUS 251   /* byte i of a stream is i % 251: a prime, so shifts show */

struct step_outcome {
    bool ran, failed;
    long ret;
    int err;
    uint64_t t_us;
};

struct instance {
    struct scenario_runner *runner;
    const struct scenario_process *sp;
    char name[SCENARIO_NAME_MAX + 12];
    struct proc *proc;
    int *fds;                       /* fd name index -> fd number, -1 before it exists */
    uint64_t *sent, *received;      /* bytes per fd name */
    struct step_outcome *outcomes;  /* per step */
};

struct event_ctx {
    struct scenario_runner *runner;
    const struct scenario_event *ev;
};

struct scenario_runner {
    const struct scenario *s;
    struct world *w;
    struct host *hosts[SCENARIO_MAX_HOSTS];
    struct instance *instances;
    size_t instance_count;
    struct event_ctx *events;
};

struct world_config scenario_world_config(const struct scenario *s)
{
    struct world_config cfg = world_config_default();
    cfg.scenario = s->id;
    cfg.seed = s->seed;
    cfg.link = s->link;
    return cfg;
}

/* ---- running the steps of one process ---- */

static void send_step(struct instance *in, const struct step *st, int fd, long *ret)
{
    size_t len = (size_t)st->count;
    const char *text = st->text;
    char *pattern = NULL;
    if (!text) {
        pattern = malloc(len ? len : 1);
        if (!pattern) sched_panic("out of memory");
        for (size_t i = 0; i < len; i++)
            pattern[i] = (char)((in->sent[st->fd] + i) % PATTERN_MODULUS);
        text = pattern;
    }
    *ret = proc_send(in->proc, fd, text, len, st->flags);
    if (*ret > 0) in->sent[st->fd] += (uint64_t)*ret;
    free(pattern);
}

static void recv_step(struct instance *in, const struct step *st, int fd, long *ret)
{
    static char buf[65536];   /* one process runs at a time: shared scratch is safe */
    size_t want = st->count < 0 || (size_t)st->count > sizeof buf ? sizeof buf : (size_t)st->count;
    do {
        *ret = proc_recv(in->proc, fd, buf, want, st->flags);
        if (*ret > 0) in->received[st->fd] += (uint64_t)*ret;
    } while (st->count < 0 && *ret > 0);
}

static int fd_of(const struct instance *in, int name) { return name >= 0 ? in->fds[name] : -1; }

/* Runs one call step; returns its result and leaves errno as the call set it. */
static long call_step(struct instance *in, const struct step *st)
{
    struct proc *p = in->proc;
    int fd = fd_of(in, st->fd);
    long ret = 0;
    char ip[16];
    switch (st->kind) {
    case STEP_SOCKET:
        ret = proc_socket(p);
        in->fds[st->fd] = (int)ret;
        break;
    case STEP_BIND:
        ret = proc_bind(p, fd, st->ip ? ip4_str(st->ip, ip) : NULL, st->port);
        break;
    case STEP_LISTEN:
        ret = proc_listen(p, fd, (int)st->count);
        break;
    case STEP_ACCEPT:
        ret = proc_accept(p, fd);
        in->fds[st->new_fd] = (int)ret;
        break;
    case STEP_CONNECT:
        ret = proc_connect(p, fd, ip4_str(st->ip, ip), st->port);
        break;
    case STEP_SEND:
        send_step(in, st, fd, &ret);
        break;
    case STEP_RECV:
        recv_step(in, st, fd, &ret);
        break;
    case STEP_SHUTDOWN:
        ret = proc_shutdown(p, fd, st->how);
        break;
    case STEP_CLOSE:
        ret = proc_close(p, fd);
        break;
    case STEP_SETSOCKOPT:
        ret = proc_setsockopt(p, fd, &st->opt);
        break;
    case STEP_NONBLOCK:
        ret = proc_set_nonblocking(p, fd, st->on);
        break;
    case STEP_SIGNAL:
        ret = proc_set_disposition(p, (enum proc_signal)st->signal,
                                   (enum proc_disposition)st->disposition);
        break;
    case STEP_FDLIMIT:
        ret = proc_set_fd_limit(p, (int)st->count);
        break;
    case STEP_SLEEP:
        ret = proc_sleep_us(p, st->time_us);
        break;
    case STEP_EXIT:
        proc_exit(p, (int)st->count);
    case STEP_REPEAT:
    case STEP_KIND_COUNT:
        break;
    }
    return ret;
}

static bool result_matches(const struct step_expect *e, long ret, int err)
{
    if (e->ret_positive) return ret > 0;
    return ret == e->ret && (ret >= 0 || e->err == 0 || e->err == err);
}

static void record_outcome(struct instance *in, size_t index, long ret, int err)
{
    const struct step *st = &in->sp->steps[index];
    struct step_outcome *o = &in->outcomes[index];
    bool first = !o->ran;
    o->ran = true;
    if (!st->expect.present || o->failed) {
        if (first || !st->expect.present) {
            o->ret = ret;
            o->err = err;
        }
        return;
    }
    o->ret = ret;
    o->err = err;
    o->t_us = sched_now_us();
    o->failed = !result_matches(&st->expect, ret, err);
}

static void run_range(struct instance *in, size_t first, size_t count)
{
    const struct step *steps = in->sp->steps;
    for (size_t i = first; i < first + count; i++) {
        if (steps[i].kind == STEP_REPEAT) {
            for (long k = 0; k < steps[i].count; k++) run_range(in, steps[i].body, steps[i].body_len);
            i = steps[i].body + steps[i].body_len - 1;
            continue;
        }
        errno = 0;
        long ret = call_step(in, &steps[i]);
        record_outcome(in, i, ret, ret < 0 ? errno : 0);
    }
}

static void instance_main(struct proc *p, void *arg)
{
    struct instance *in = arg;
    in->proc = p;
    run_range(in, 0, in->sp->step_count);
}

/* ---- setting up ---- */

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) sched_panic("out of memory");
    return p;
}

static void instance_init(struct scenario_runner *r, struct instance *in,
                          const struct scenario_process *sp, unsigned copy)
{
    in->runner = r;
    in->sp = sp;
    if (sp->count > 1) snprintf(in->name, sizeof in->name, "%s%u", sp->name, copy + 1);
    else snprintf(in->name, sizeof in->name, "%s", sp->name);
    in->fds = xcalloc(sp->fd_name_count, sizeof *in->fds);
    for (size_t i = 0; i < sp->fd_name_count; i++) in->fds[i] = -1;
    in->sent = xcalloc(sp->fd_name_count, sizeof *in->sent);
    in->received = xcalloc(sp->fd_name_count, sizeof *in->received);
    in->outcomes = xcalloc(sp->step_count, sizeof *in->outcomes);
    uint64_t start = sp->start_us + (uint64_t)copy * sp->every_us;
    in->proc = host_spawn(r->hosts[sp->host], in->name, start, instance_main, in);
}

static void fire_event(struct world *w, void *arg)
{
    const struct event_ctx *c = arg;
    const struct scenario_event *ev = c->ev;
    struct host *h = c->runner->hosts[ev->host];
    struct host *peer = ev->peer >= 0 ? c->runner->hosts[ev->peer] : NULL;
    switch (ev->kind) {
    case EVENT_KILL: {
        struct proc *p = host_proc(h, ev->proc);
        if (p) proc_signal(p, (enum proc_signal)ev->signal);
        break;
    }
    case EVENT_CRASH: host_crash(h); break;
    case EVENT_REBOOT: host_reboot(h); break;
    case EVENT_SHUTDOWN: host_shutdown(h, ev->grace_us); break;
    case EVENT_LINK_RULE: world_add_link_rule(w, &ev->rule); break;
    case EVENT_PARTITION: world_partition(w, true); break;
    case EVENT_HEAL: world_partition(w, false); break;
    case EVENT_BANDWIDTH: world_set_bandwidth(w, h, peer, ev->bandwidth_bps); break;
    case EVENT_UNREACHABLE:
        world_set_unreachable(w, h, peer, (enum icmp_unreach_code)ev->icmp_code, ev->on);
        break;
    case EVENT_KIND_COUNT: break;
    }
}

static bool process_exists(const struct scenario_runner *r, int host, const char *name)
{
    for (size_t i = 0; i < r->instance_count; i++)
        if (r->instances[i].sp->host == host && strcmp(r->instances[i].name, name) == 0) return true;
    return false;
}

static int fail_at(char *err, size_t size, const struct src_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(char *err, size_t size, const struct src_pos *pos, const char *fmt, ...)
{
    int n = snprintf(err, size, "%s:%d:%d: error: ", pos->file, pos->line, pos->col);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < size) vsnprintf(err + n, size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int add_hosts(struct scenario_runner *r, char *err, size_t err_size)
{
    char ip[16];
    for (size_t i = 0; i < r->s->host_count; i++) {
        const struct scenario_host *sh = &r->s->hosts[i];
        r->hosts[i] = world_add_host(r->w, sh->name, ip4_str(sh->ip, ip));
        if (!r->hosts[i])
            return fail_at(err, err_size, &sh->pos,
                           "cannot add host '%s': this build has %u lwIP instances (make STACKS=N)",
                           sh->name, stack_instance_count);
    }
    return 0;
}

static int schedule_events(struct scenario_runner *r, char *err, size_t err_size)
{
    r->events = xcalloc(r->s->event_count, sizeof *r->events);
    for (size_t i = 0; i < r->s->event_count; i++) {
        const struct scenario_event *ev = &r->s->events[i];
        if (ev->kind == EVENT_KILL && !process_exists(r, ev->host, ev->proc))
            return fail_at(err, err_size, &ev->pos, "no process '%s' on host '%s'", ev->proc,
                           r->s->hosts[ev->host].name);
        r->events[i] = (struct event_ctx){ r, ev };
        world_at(r->w, ev->at_us, fire_event, &r->events[i]);
    }
    return 0;
}

struct scenario_runner *scenario_runner_new(const struct scenario *s, struct world *w, char *err,
                                            size_t err_size)
{
    struct scenario_runner *r = xcalloc(1, sizeof *r);
    r->s = s;
    r->w = w;
    size_t total = 0;
    for (size_t i = 0; i < s->proc_count; i++) total += s->procs[i].count ? s->procs[i].count : 1;
    r->instances = xcalloc(total, sizeof *r->instances);
    if (add_hosts(r, err, err_size) != 0) {
        scenario_runner_free(r);
        return NULL;
    }
    for (size_t i = 0; i < s->proc_count; i++) {
        unsigned copies = s->procs[i].count ? s->procs[i].count : 1;
        for (unsigned c = 0; c < copies; c++)
            instance_init(r, &r->instances[r->instance_count++], &s->procs[i], c);
    }
    if (schedule_events(r, err, err_size) != 0) {
        scenario_runner_free(r);
        return NULL;
    }
    return r;
}

void scenario_runner_free(struct scenario_runner *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->instance_count; i++) {
        free(r->instances[i].fds);
        free(r->instances[i].sent);
        free(r->instances[i].received);
        free(r->instances[i].outcomes);
    }
    free(r->instances);
    free(r->events);
    free(r);
}

/* ---- checking ---- */

struct verdict {
    bool ok;
    char got[200];
};

/* Which trace events explain a failure, printed under it in the report. */
struct relevance {
    enum trace_type type;
    const char *host, *peer, *proc;
};

static const char *host_name_at(const struct scenario_runner *r, int i)
{
    return i >= 0 ? r->s->hosts[i].name : "?";
}

static bool relevant(const struct trace_event *e, const struct relevance *rel)
{
    if (e->type != rel->type) return false;
    switch (e->type) {
    case TRACE_SEGMENT:
        return (strcmp(e->u.segment.from, rel->host) == 0 && strcmp(e->u.segment.to, rel->peer) == 0);
    case TRACE_STATE: return strcmp(e->u.state.host, rel->host) == 0;
    case TRACE_CALL:
        return strcmp(e->u.call.host, rel->host) == 0 && strcmp(e->u.call.proc, rel->proc) == 0;
    case TRACE_PROCESS:
        return strcmp(e->u.process.host, rel->host) == 0 && strcmp(e->u.process.proc, rel->proc) == 0;
    case TRACE_SIGNAL:
        return strcmp(e->u.signal.host, rel->host) == 0 && strcmp(e->u.signal.proc, rel->proc) == 0;
    case TRACE_HOST:
    case TRACE_LINK:
    case TRACE_EXPECT:
    case TRACE_ACCOUNTING:
    case TRACE_POOL:
    case TRACE_TYPE_COUNT:
        break;
    }
    return false;
}

static void report_failure(struct scenario_runner *r, FILE *report, const struct src_pos *pos,
                           const char *expected, const struct verdict *v,
                           const struct relevance *rel)
{
    if (!report) return;
    fprintf(report, "%s:%d:%d: expectation failed: %s\n    got: %s\n", pos->file, pos->line,
            pos->col, expected, v->got);
    if (!rel) return;
    size_t n, shown = 0;
    const struct trace_event *ev = trace_events(world_trace(r->w), &n);
    for (size_t i = 0; i < n && shown < 24; i++) {
        if (!relevant(&ev[i], rel)) continue;
        char line[512];
        trace_format_text(&ev[i], line, sizeof line);
        fprintf(report, "    | %s\n", line);
        shown++;
    }
}

static void emit_expect(struct scenario_runner *r, int line, const char *text, const struct verdict *v)
{
    struct trace_event ev = { .type = TRACE_EXPECT };
    ev.u.expect.line = line;
    ev.u.expect.ok = v->ok;
    if (v->ok) snprintf(ev.u.expect.text, sizeof ev.u.expect.text, "%s", text);
    else snprintf(ev.u.expect.text, sizeof ev.u.expect.text, "%s; got: %s", text, v->got);
    trace_emit(world_trace(r->w), &ev);
}

static bool segment_matches(const struct trace_event *e, const char *from, const char *to,
                            uint8_t flags, long len, int fate)
{
    const struct trace_segment *s = &e->u.segment;
    return e->type == TRACE_SEGMENT && strcmp(s->from, from) == 0 && strcmp(s->to, to) == 0 &&
           s->flags == flags && (len < 0 || (long)s->len == len) &&
           (fate == 0 || (fate == 1) == s->delivered);
}

/* Trace position of the first segment matching, or SIZE_MAX. */
static size_t first_segment(const struct trace_event *ev, size_t n, const char *from,
                            const char *to, uint8_t flags, long len, int fate)
{
    for (size_t i = 0; i < n; i++)
        if (segment_matches(&ev[i], from, to, flags, len, fate)) return i;
    return SIZE_MAX;
}

static struct verdict check_segment(const struct scenario_runner *r, const struct scenario_expect *x)
{
    size_t n, matches = 0;
    const struct trace_event *ev = trace_events(world_trace(r->w), &n);
    const char *from = host_name_at(r, x->host), *to = host_name_at(r, x->peer);
    for (size_t i = 0; i < n; i++) matches += segment_matches(&ev[i], from, to, x->flags, x->len, x->fate);
    struct verdict v;
    v.ok = x->negated ? matches == 0 : x->count >= 0 ? (long)matches == x->count : matches > 0;
    snprintf(v.got, sizeof v.got, "%zu matching segment%s", matches, matches == 1 ? "" : "s");
    if (!v.ok || !x->order) return v;
    size_t mine = first_segment(ev, n, from, to, x->flags, x->len, x->fate);
    size_t other = first_segment(ev, n, host_name_at(r, x->order_host),
                                 host_name_at(r, x->order_peer), x->order_flags, -1, 0);
    if (other == SIZE_MAX) {
        v.ok = false;
        snprintf(v.got, sizeof v.got, "no segment to order it against");
    } else {
        v.ok = x->order == 1 ? mine < other : mine > other;
        snprintf(v.got, sizeof v.got, "the first one at t=%llu.%06llu, the other at t=%llu.%06llu",
                 (unsigned long long)(ev[mine].t_us / 1000000),
                 (unsigned long long)(ev[mine].t_us % 1000000),
                 (unsigned long long)(ev[other].t_us / 1000000),
                 (unsigned long long)(ev[other].t_us % 1000000));
    }
    return v;
}

/* '*' matches any run of characters. */
static bool pattern_match(const char *pat, const char *s)
{
    if (*pat == '\0') return *s == '\0';
    if (*pat == '*') {
        for (;; s++) {
            if (pattern_match(pat + 1, s)) return true;
            if (*s == '\0') return false;
        }
    }
    return *s == *pat && pattern_match(pat + 1, s + 1);
}

/* The state sequence of endpoint `conn` on host, "CLOSED SYN_SENT ..." */
static void endpoint_states(const struct trace_event *ev, size_t n, const char *host,
                            const char *conn, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const struct trace_state *s = &ev[i].u.state;
        if (ev[i].type != TRACE_STATE || strcmp(s->host, host) != 0 || strcmp(s->conn, conn) != 0)
            continue;
        if (used == 0) used += (size_t)snprintf(buf, size, "%s", tcp_state_name(s->from));
        if (used < size) used += (size_t)snprintf(buf + used, size - used, " %s", tcp_state_name(s->to));
    }
}

static struct verdict check_states(const struct scenario_runner *r, const struct scenario_expect *x)
{
    char want[512] = "", got[512];
    size_t used = 0;
    for (size_t i = 0; i < x->state_count && used < sizeof want; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", i ? " " : "",
                                 tcp_state_name(x->states[i]));
    size_t n, endpoints = 0;
    const struct trace_event *ev = trace_events(world_trace(r->w), &n);
    const char *host = host_name_at(r, x->host);
    struct verdict v = { .ok = true };
    for (size_t i = 0; i < n; i++) {
        const struct trace_state *s = &ev[i].u.state;
        if (ev[i].type != TRACE_STATE || strcmp(s->host, host) != 0 || !pattern_match(x->conn, s->conn))
            continue;
        bool first_sight = true;   /* judge each endpoint once, at its first event */
        for (size_t j = 0; j < i && first_sight; j++)
            first_sight = !(ev[j].type == TRACE_STATE && strcmp(ev[j].u.state.host, host) == 0 &&
                            strcmp(ev[j].u.state.conn, s->conn) == 0);
        if (!first_sight) continue;
        endpoints++;
        endpoint_states(ev, n, host, s->conn, got, sizeof got);
        if (v.ok && strcmp(got, want) != 0) {
            v.ok = false;
            snprintf(v.got, sizeof v.got, "%s went %s", s->conn, got);
        }
    }
    if (endpoints == 0) {
        v.ok = false;
        snprintf(v.got, sizeof v.got, "no endpoint of %s matches %s", host, x->conn);
    } else if (v.ok) {
        snprintf(v.got, sizeof v.got, "%zu endpoint%s went %s", endpoints, endpoints == 1 ? "" : "s", want);
    }
    return v;
}

static struct verdict check_process(const struct scenario_runner *r, const struct scenario_expect *x)
{
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(r->w), &n);
    const char *host = host_name_at(r, x->host);
    const struct trace_process *end = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct trace_process *p = &ev[i].u.process;
        if (ev[i].type == TRACE_PROCESS && strcmp(p->host, host) == 0 && strcmp(p->proc, x->proc) == 0 &&
            strcmp(p->event, "start") != 0)
            end = p;
    }
    static const int numbers[PROC_SIGNAL_COUNT] = { [PROC_SIGKILL] = 9, [PROC_SIGPIPE] = 13,
                                                    [PROC_SIGTERM] = 15 };
    struct verdict v = { .ok = false };
    if (!end) {
        snprintf(v.got, sizeof v.got, "the process never ended");
        return v;
    }
    bool killed = strcmp(end->event, "killed") == 0;
    v.ok = x->killed ? killed && end->status == 128 + numbers[x->signal]
                     : !killed && end->status == x->count;
    snprintf(v.got, sizeof v.got, "%s with status %d", end->event, end->status);
    return v;
}

static struct verdict check_signal(const struct scenario_runner *r, const struct scenario_expect *x)
{
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(r->w), &n);
    const char *host = host_name_at(r, x->host);
    struct verdict v = { .ok = false };
    snprintf(v.got, sizeof v.got, "no %s", proc_signal_name((enum proc_signal)x->signal));
    for (size_t i = 0; i < n; i++) {
        const struct trace_signal *g = &ev[i].u.signal;
        if (ev[i].type != TRACE_SIGNAL || strcmp(g->host, host) != 0 || strcmp(g->proc, x->proc) != 0 ||
            strcmp(g->signal, proc_signal_name((enum proc_signal)x->signal)) != 0)
            continue;
        snprintf(v.got, sizeof v.got, "%s %s", g->signal, g->action);
        if (strcmp(g->action, x->action) == 0) v.ok = true;
    }
    return v;
}

static const struct instance *find_instance(const struct scenario_runner *r, int host, const char *name)
{
    for (size_t i = 0; i < r->instance_count; i++)
        if (r->instances[i].sp->host == host && strcmp(r->instances[i].name, name) == 0)
            return &r->instances[i];
    return NULL;
}

static struct verdict check_received(const struct scenario_runner *r, const struct scenario_expect *x)
{
    struct verdict v = { .ok = false };
    const struct instance *in = find_instance(r, x->host, x->proc);
    if (!in) {
        snprintf(v.got, sizeof v.got, "no process %s on %s", x->proc, host_name_at(r, x->host));
        return v;
    }
    for (size_t f = 0; f < in->sp->fd_name_count; f++) {
        if (strcmp(in->sp->fd_names[f], x->fd_name) != 0) continue;
        v.ok = (long)in->received[f] == x->count;
        snprintf(v.got, sizeof v.got, "%llu bytes", (unsigned long long)in->received[f]);
        return v;
    }
    snprintf(v.got, sizeof v.got, "process %s has no fd named %s", x->proc, x->fd_name);
    return v;
}

static struct verdict check_expect(const struct scenario_runner *r, const struct scenario_expect *x,
                                   struct relevance *rel)
{
    *rel = (struct relevance){ .host = host_name_at(r, x->host), .peer = host_name_at(r, x->peer),
                               .proc = x->proc };
    switch (x->kind) {
    case EXPECT_SEGMENT: rel->type = TRACE_SEGMENT; return check_segment(r, x);
    case EXPECT_STATES: rel->type = TRACE_STATE; return check_states(r, x);
    case EXPECT_PROCESS: rel->type = TRACE_PROCESS; return check_process(r, x);
    case EXPECT_SIGNAL: rel->type = TRACE_SIGNAL; return check_signal(r, x);
    case EXPECT_RECEIVED: rel->type = TRACE_CALL; return check_received(r, x);
    case EXPECT_KIND_COUNT: break;
    }
    return (struct verdict){ .ok = false, .got = "unknown expectation" };
}

static const char *step_name(enum step_kind k)
{
    static const char *const names[STEP_KIND_COUNT] = {
        [STEP_SOCKET] = "socket", [STEP_BIND] = "bind", [STEP_LISTEN] = "listen",
        [STEP_ACCEPT] = "accept", [STEP_CONNECT] = "connect", [STEP_SEND] = "send",
        [STEP_RECV] = "recv", [STEP_SHUTDOWN] = "shutdown", [STEP_CLOSE] = "close",
        [STEP_SETSOCKOPT] = "setsockopt", [STEP_NONBLOCK] = "nonblock", [STEP_SIGNAL] = "signal",
        [STEP_FDLIMIT] = "fdlimit", [STEP_SLEEP] = "sleep", [STEP_EXIT] = "exit",
        [STEP_REPEAT] = "repeat",
    };
    return k < STEP_KIND_COUNT ? names[k] : "?";
}

static void format_result(char *buf, size_t size, long ret, int err, bool positive)
{
    if (positive) snprintf(buf, size, "> 0");
    else if (ret < 0 && err) snprintf(buf, size, "%ld %s", ret, errno_name(err));
    else snprintf(buf, size, "%ld", ret);
}

/* A step's `-> result`, judged over every copy of its process. */
static struct verdict check_step(const struct scenario_runner *r, size_t proc_index, size_t step,
                                 char *text, size_t text_size, const char **who)
{
    const struct scenario_process *sp = &r->s->procs[proc_index];
    const struct step *st = &sp->steps[step];
    char want[48], got[48];
    format_result(want, sizeof want, st->expect.ret, st->expect.err, st->expect.ret_positive);
    snprintf(text, text_size, "%s %s -> %s", sp->name, step_name(st->kind), want);
    struct verdict v = { .ok = true };
    size_t ran = 0;
    for (size_t i = 0; i < r->instance_count; i++) {
        const struct instance *in = &r->instances[i];
        if (in->sp != sp) continue;
        const struct step_outcome *o = &in->outcomes[step];
        ran += o->ran;
        if (v.ok && o->failed) {
            v.ok = false;
            *who = in->name;
            format_result(got, sizeof got, o->ret, o->err, false);
            snprintf(v.got, sizeof v.got, "%s in %s at t=%llu.%06llu", got, in->name,
                     (unsigned long long)(o->t_us / 1000000), (unsigned long long)(o->t_us % 1000000));
        }
    }
    if (v.ok && ran == 0) {
        v.ok = false;
        snprintf(v.got, sizeof v.got, "the step never ran");
    } else if (v.ok) {
        snprintf(v.got, sizeof v.got, "as expected");
    }
    return v;
}

/* Every byte sent is delivered with the right content or lost for a named reason: checked in
 * every scenario, whatever its expectations say. */
static bool check_accounting(struct scenario_runner *r, FILE *report)
{
    size_t bad = world_account(r->w);
    struct verdict v = { .ok = bad == 0 };
    snprintf(v.got, sizeof v.got, "%zu direction%s with wrong content or bytes from nowhere", bad,
             bad == 1 ? "" : "s");
    emit_expect(r, 0, "every byte sent is delivered with the right content or lost for a named reason", &v);
    if (!v.ok && report)
        fprintf(report, "%s: byte accounting failed: %s (see the accounting lines of the timeline)\n",
                r->s->file, v.got);
    return v.ok;
}

/* Once everything has ended, every lwIP pool and the port's objects are back where they were at
 * power-on (a scenario cut short by a deadlock or the time limit is not judged here). */
static bool check_leaks(struct scenario_runner *r, FILE *report, bool ran_to_the_end)
{
    char where[256] = "";
    size_t leaking = ran_to_the_end ? world_leaks(r->w, where, sizeof where) : 0;
    struct verdict v = { .ok = leaking == 0 };
    snprintf(v.got, sizeof v.got, "%s", leaking ? where : "no leak");
    emit_expect(r, 0, "lwIP pools and the port's objects back to their power-on level", &v);
    if (!v.ok && report) fprintf(report, "%s: leak check failed: %s\n", r->s->file, where);
    return v.ok;
}

size_t scenario_runner_check(struct scenario_runner *r, enum run_result result, FILE *report,
                             size_t *checked)
{
    size_t failed = check_accounting(r, report) ? 0 : 1, total = 2;
    failed += check_leaks(r, report, result == RUN_IDLE) ? 0 : 1;
    for (size_t p = 0; p < r->s->proc_count; p++) {
        const struct scenario_process *sp = &r->s->procs[p];
        for (size_t i = 0; i < sp->step_count; i++) {
            if (!sp->steps[i].expect.present) continue;
            char text[160];
            const char *who = sp->name;
            struct verdict v = check_step(r, p, i, text, sizeof text, &who);
            struct relevance rel = { .type = TRACE_CALL, .host = r->s->hosts[sp->host].name,
                                     .proc = who };
            emit_expect(r, sp->steps[i].expect.pos.line, text, &v);
            total++;
            if (!v.ok) {
                failed++;
                report_failure(r, report, &sp->steps[i].expect.pos, text, &v, &rel);
            }
        }
    }
    for (size_t i = 0; i < r->s->expect_count; i++) {
        const struct scenario_expect *x = &r->s->expects[i];
        struct relevance rel;
        struct verdict v = check_expect(r, x, &rel);
        emit_expect(r, x->pos.line, x->text, &v);
        total++;
        if (!v.ok) {
            failed++;
            report_failure(r, report, &x->pos, x->text, &v, &rel);
        }
    }
    if (checked) *checked = total;
    return failed;
}
