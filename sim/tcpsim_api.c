/* tcpsim_api — libtcpsim's public API (<tcpsim/tcpsim.h>) over world, host and proc.
 *
 * The public handles are the internal objects under opaque names (struct tcpsim_host is a
 * struct host, struct tcpsim_proc a struct proc), so nothing is copied or kept in sync; a
 * struct tcpsim wraps the world and owns what the API adds: the output directory, the closures
 * of tcpsim_at and the text timeline handed out by tcpsim_timeline. */
#include <tcpsim/tcpsim.h>

#include "outputs.h"
#include "proc.h"
#include "world.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What tcpsim_at and tcpsim_spawn hand to the world: the user's function and argument. */
struct closure {
    struct tcpsim *sim;
    void (*at)(struct tcpsim *sim, void *arg);   /* tcpsim_at */
    void (*main)(void *arg);                     /* tcpsim_spawn */
    void *arg;
    struct closure *next;
};

struct tcpsim {
    struct world *world;
    char out_dir[4096];             /* "" when nothing is written */
    struct closure *closures;       /* freed with the simulation */
    char *timeline;
    bool finished;
};

/* One simulation at a time: the scheduler and the lwIP instances are globals. */
static struct tcpsim *the_sim;

static struct host *host_of(struct tcpsim_host *h) { return (struct host *)h; }
static struct proc *proc_of(struct tcpsim_proc *p) { return (struct proc *)p; }
static const struct proc *const_proc_of(const struct tcpsim_proc *p)
{
    return (const struct proc *)p;
}

static void set_error(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
    if (!err || !err_size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

struct tcpsim_config tcpsim_config_default(void)
{
    struct link_config link = link_config_default();
    return (struct tcpsim_config){ .name = "libtcpsim", .seed = 1, .delay_us = link.delay_us,
                                   .bandwidth_bps = link.bandwidth_bps };
}

struct tcpsim *tcpsim_new(const struct tcpsim_config *cfg, char *err, size_t err_size)
{
    if (the_sim) {
        set_error(err, err_size, "tcpsim_new: a simulation exists already (one at a time: "
                                 "tcpsim_free it first)");
        return NULL;
    }
    struct tcpsim *sim = calloc(1, sizeof *sim);
    if (!sim) {
        set_error(err, err_size, "tcpsim_new: out of memory");
        return NULL;
    }
    struct world_config wc = world_config_default();
    wc.scenario = cfg->name ? cfg->name : "libtcpsim";
    wc.seed = cfg->seed;
    wc.link.delay_us = cfg->delay_us;
    wc.link.bandwidth_bps = cfg->bandwidth_bps;
    /* Never small by default: a program's processes may do anything (print, count, write
     * files), so unlike tcpsim(1) the library cannot run them a second time unseen when the
     * small pools turn out too small; the caller opts in and asks tcpsim_pools_reached. */
    wc.pools = cfg->small_pools ? WORLD_POOLS_SMALL : WORLD_POOLS_DEFAULT;
    sim->world = world_new(&wc);
    the_sim = sim;
    if (cfg->out_dir) {
        snprintf(sim->out_dir, sizeof sim->out_dir, "%s", cfg->out_dir);
        if (outputs_open(world_trace(sim->world), sim->out_dir, NULL, err, err_size) != 0) {
            tcpsim_free(sim);
            return NULL;
        }
    }
    return sim;
}

bool tcpsim_pools_reached(const struct tcpsim *sim)
{
    return world_config_pools(sim->world) == WORLD_POOLS_SMALL && world_bound_reached(sim->world);
}

void tcpsim_free(struct tcpsim *sim)
{
    if (!sim) return;
    world_free(sim->world);
    for (struct closure *c = sim->closures, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(sim->timeline);
    free(sim);
    the_sim = NULL;
}

struct tcpsim_host *tcpsim_add_host(struct tcpsim *sim, const char *name, const char *ip,
                                    char *err, size_t err_size)
{
    struct host *h = world_add_host(sim->world, name, ip);
    if (!h)
        set_error(err, err_size, "tcpsim_add_host %s %s: not a dotted quad, the address or name "
                  "is taken, or all %u lwIP instances are in use", name, ip,
                  stack_instance_count);
    return (struct tcpsim_host *)h;
}

static struct closure *closure_new(struct tcpsim *sim, void *arg)
{
    struct closure *c = calloc(1, sizeof *c);
    if (!c) sched_out_of_memory();
    *c = (struct closure){ .sim = sim, .arg = arg, .next = sim->closures };
    sim->closures = c;
    return c;
}

/* A process's main is main(arg): the process itself is found by proc_current(). */
static void run_main(struct proc *p, void *arg)
{
    struct closure *c = arg;
    c->main(c->arg);
}

struct tcpsim_proc *tcpsim_spawn(struct tcpsim_host *host, const char *name, uint64_t start_us,
                                 void (*main)(void *arg), void *arg)
{
    struct closure *c = closure_new(the_sim, arg);
    c->main = main;
    return (struct tcpsim_proc *)host_spawn(host_of(host), name, start_us, run_main, c);
}

static void run_at(struct world *w, void *arg)
{
    struct closure *c = arg;
    c->at(c->sim, c->arg);
}

void tcpsim_at(struct tcpsim *sim, uint64_t t_us, void (*fn)(struct tcpsim *sim, void *arg),
               void *arg)
{
    struct closure *c = closure_new(sim, arg);
    c->at = fn;
    world_at(sim->world, t_us, run_at, c);
}

/* ---- world events ---- */

void tcpsim_host_crash(struct tcpsim_host *host) { host_crash(host_of(host)); }
void tcpsim_host_reboot(struct tcpsim_host *host) { host_reboot(host_of(host)); }
void tcpsim_host_shutdown(struct tcpsim_host *host, uint64_t grace_us)
{
    host_shutdown(host_of(host), grace_us);
}

int tcpsim_kill(struct tcpsim_proc *proc, int signo)
{
    enum proc_signal sig;
    if (signo == SIGKILL) sig = PROC_SIGKILL;
    else if (signo == SIGTERM) sig = PROC_SIGTERM;
    else if (signo == SIGPIPE) sig = PROC_SIGPIPE;
    else {
        errno = EINVAL;
        return -1;
    }
    proc_signal(proc_of(proc), sig);
    return 0;
}

static int add_rule(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to,
                    struct link_rule rule)
{
    rule.from = host_index(host_of(from));
    rule.to = host_index(host_of(to));
    return world_add_link_rule(sim->world, &rule);
}

int tcpsim_drop_all(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to)
{
    return add_rule(sim, from, to, (struct link_rule){ .kind = LINK_DROP_ALL });
}

int tcpsim_drop_nth(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to,
                    uint64_t nth)
{
    return add_rule(sim, from, to, (struct link_rule){ .kind = LINK_DROP_NTH, .nth = nth });
}

/* "F." -> TCP_FIN | TCP_ACK; -1 for a letter that is no TCP flag. */
static int parse_flags(const char *flags)
{
    static const char letters[] = "FSRP.U";
    static const uint8_t bits[] = { TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG };
    int out = 0;
    for (const char *f = flags; *f; f++) {
        const char *at = strchr(letters, *f);
        if (!at) return -1;
        out |= bits[at - letters];
    }
    return out;
}

int tcpsim_drop_segments(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to,
                         const char *flags, uint64_t count)
{
    int bits = parse_flags(flags ? flags : "");
    if (bits < 0) {
        errno = EINVAL;
        return -1;
    }
    struct link_rule rule = { .kind = LINK_DROP_MATCH, .flags_all = (uint8_t)bits, .count = count };
    return add_rule(sim, from, to, rule);
}

bool tcpsim_remove_rule(struct tcpsim *sim, int rule_id)
{
    return world_remove_link_rule(sim->world, rule_id);
}

void tcpsim_partition(struct tcpsim *sim, bool on) { world_partition(sim->world, on); }

/* ---- running ---- */

enum tcpsim_result tcpsim_run(struct tcpsim *sim, uint64_t until_us)
{
    switch (world_run(sim->world, until_us)) {
    case RUN_IDLE: return TCPSIM_IDLE;
    case RUN_UNTIL: return TCPSIM_UNTIL;
    case RUN_DEADLOCK: return TCPSIM_DEADLOCK;
    case RUN_STOPPED: return TCPSIM_STOPPED;
    case RUN_RESULT_COUNT: break;
    }
    return TCPSIM_RESULT_COUNT;
}

uint64_t tcpsim_now_us(void) { return sched_now_us(); }

size_t tcpsim_blocked(const struct tcpsim *sim, char *buf, size_t size)
{
    return world_describe_blocked(sim->world, buf, size);
}

int tcpsim_finish(struct tcpsim *sim, char *err, size_t err_size)
{
    if (sim->finished) {
        set_error(err, err_size, "tcpsim_finish: called twice");
        return -1;
    }
    sim->finished = true;
    char leak[256] = "";
    size_t bad_bytes = world_account(sim->world);
    size_t leaks = world_leaks(sim->world, leak, sizeof leak);
    char msg[512];
    if (trace_finish(world_trace(sim->world), msg, sizeof msg) != 0) {
        set_error(err, err_size, "%s", msg);
        return -1;
    }
    if (sim->out_dir[0]) {
        if (outputs_render(sim->out_dir, msg, sizeof msg) < 0) {
            set_error(err, err_size, "%s", msg);
            return -1;
        }
    }
    if (bad_bytes) {
        set_error(err, err_size, "byte accounting: %zu direction(s) in error (see the "
                  "`bytes` lines of the timeline)", bad_bytes);
        return -1;
    }
    if (leaks) {
        set_error(err, err_size, "lwIP pools not back to power-on: %s", leak);
        return -1;
    }
    return 0;
}

/* ---- processes ---- */

const char *tcpsim_proc_name(const struct tcpsim_proc *p) { return proc_name(const_proc_of(p)); }
bool tcpsim_proc_exited(const struct tcpsim_proc *p) { return proc_exited(const_proc_of(p)); }
bool tcpsim_proc_killed(const struct tcpsim_proc *p) { return proc_killed(const_proc_of(p)); }
int tcpsim_proc_status(const struct tcpsim_proc *p) { return proc_exit_status(const_proc_of(p)); }

void tcpsim_exit(int status)
{
    struct proc *p = proc_current();
    if (p) proc_exit(p, status);
    errno = EPERM;
}

int tcpsim_sleep_us(uint64_t delay_us)
{
    struct proc *p = proc_current();
    if (!p) {
        errno = EPERM;
        return -1;
    }
    return proc_sleep_us(p, delay_us);
}

/* ---- the trace ---- */

void tcpsim_set_recording(struct tcpsim *sim, bool on)
{
    trace_set_recording(world_trace(sim->world), on);
}

const char *tcpsim_timeline(struct tcpsim *sim)
{
    size_t n, len = 0;
    const struct trace_event *ev = trace_events(world_trace(sim->world), &n);
    char *text = NULL;
    FILE *f = open_memstream(&text, &len);
    if (!f) sched_out_of_memory();
    for (size_t i = 0; i < n; i++) {
        char line[1024];
        trace_format_text(&ev[i], line, sizeof line);
        fprintf(f, "%s\n", line);
    }
    fclose(f);
    free(sim->timeline);
    sim->timeline = text;
    return text;
}

size_t tcpsim_count(struct tcpsim *sim, const char *needle)
{
    size_t n, count = 0;
    const struct trace_event *ev = trace_events(world_trace(sim->world), &n);
    for (size_t i = 0; i < n; i++) {
        char line[1024];
        trace_format_text(&ev[i], line, sizeof line);
        count += strstr(line, needle) != NULL;
    }
    return count;
}
