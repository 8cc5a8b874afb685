/* run_dir — see run_dir.h. */
#define _GNU_SOURCE
#include "run_dir.h"

#include "outputs.h"
#include "report_html.h"
#include "scenario_run.h"
#include "signature.h"
#include "world.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int add_sinks(struct trace *trace, const char *dir, const char *conn, char *err,
                     size_t err_size)
{
    if (outputs_open(trace, dir, conn, err, err_size) != 0) return -1;
    trace_add_sink(trace, budget_sink_new());
    return 0;
}

static void count_events(struct world *w, struct run_summary *s)
{
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        s->segments += ev[i].type == TRACE_SEGMENT;
        s->states += ev[i].type == TRACE_STATE;
        s->calls += ev[i].type == TRACE_CALL;
        if (ev[i].type != TRACE_DEFECT) continue;
        s->defects++;
        if (ev[i].u.defect.kind >= 0 && ev[i].u.defect.kind < DEFECT_COUNT)
            s->defects_by_kind[ev[i].u.defect.kind]++;
    }
    s->end_us = sched_now_us();
}

/* The bytes in the run's folder so far (what the sinks have flushed): the output budget. */
struct poll_ctx {
    const char *dir;
    const struct backend_options *o;
};

static uint64_t folder_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    uint64_t total = 0;
    struct dirent *e;
    struct stat st;
    while ((e = readdir(d)))
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    closedir(d);
    return total;
}

static uint64_t poll_outputs(void *ctx, uint64_t events)
{
    const struct poll_ctx *p = ctx;
    uint64_t bytes = folder_bytes(p->dir);
    if (p->o->on_poll) p->o->on_poll(p->o->ctx, events, bytes);
    return bytes;
}

static void note_budget(struct world *w, struct run_summary *s)
{
    if (!budget_exceeded(&s->budget, &s->budget_limit)) return;
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    budget_busiest(ev, n, s->busiest, sizeof s->busiest);
}

const char *run_summary_verdict(const struct run_summary *s)
{
    static const char *const verdicts[RUN_RESULT_COUNT] = {
        [RUN_IDLE] = "ok", [RUN_UNTIL] = "TIMEOUT", [RUN_DEADLOCK] = "DEADLOCK",
        [RUN_STOPPED] = "BUDGET",
    };
    if (s->result != RUN_IDLE) return verdicts[s->result];
    return s->verdict[0] ? s->verdict : s->failed ? "FAILED" : "ok";
}

/* report.html from the recorded run and the files already in dir (report_html.h). */
static int write_report(const struct scenario *sc, uint64_t seed, struct world *w,
                        const struct run_summary *s, const char *dir, char *err, size_t err_size)
{
    struct report_run run = { .scenario = sc, .seed = seed, .verdict = run_summary_verdict(s),
                              .expects_passed = s->expects - s->failed, .expects_total = s->expects };
    run.events = trace_events(world_trace(w), &run.event_count);
    return report_html_write(dir, &run, err, err_size);
}

/* The wall-clock budget covers both attempts of a scenario: once it ran out, the run stops
 * (as a budget stop, with no output) whatever family it was on. */
static bool out_of_wall_time(void)
{
    enum budget_kind kind;
    uint64_t limit;
    return budget_exceeded(&kind, &limit) && kind == BUDGET_WALL_SECONDS;
}

/* One run of sc with its hosts on the instance family `pools`. A run on the small family that
 * reached one of its bounds is discarded before anything of it is final (the checks, the
 * files): *redo is set and the sinks remove their temporary files as the world is freed. */
static int run_on(const struct scenario *sc, const struct backend_options *o, const char *dir,
                  enum world_pools pools, struct run_summary *s, bool *redo, char *err,
                  size_t err_size)
{
    *s = (struct run_summary){ 0 };
    struct world_config cfg = scenario_world_config(sc);
    if (o->seed_given) cfg.seed = o->seed;
    cfg.pools = pools;
    cfg.stop_at_bound = pools == WORLD_POOLS_SMALL;
    struct world *w = world_new(&cfg);
    struct poll_ctx poll = { dir, o };
    budget_start(&o->budget, poll_outputs, &poll);
    struct scenario_runner *r = NULL;
    if (add_sinks(world_trace(w), dir, o->conn, err, err_size) != 0 ||
        !(r = scenario_runner_new(sc, w, err, err_size))) {
        world_free(w);
        return -1;
    }
    s->result = world_run(w, o->horizon_us);
    *redo = pools == WORLD_POOLS_SMALL && world_bound_reached(w) && !out_of_wall_time();
    if (*redo) {
        scenario_runner_free(r);
        world_free(w);
        return 0;
    }
    count_events(w, s);
    if (s->result == RUN_STOPPED) {
        note_budget(w, s);
        scenario_runner_free(r);
        world_free(w);                  /* the sinks discard their unfinished files */
        return 0;
    }
    if (s->result != RUN_IDLE) world_describe_blocked(w, s->blocked, sizeof s->blocked);
    FILE *report = open_memstream(&s->report, &s->report_len);
    s->failed = scenario_runner_check(r, s->result, report, &s->expects);
    if (report) fclose(report);
    if (o->keep_signature) {
        size_t n;
        const struct trace_event *ev = trace_events(world_trace(w), &n);
        s->signature = signature_make(ev, n, NULL, 0, NULL, 0);
    }
    int rc = trace_finish(world_trace(w), err, err_size);
    if (rc == 0 && !o->no_svg && outputs_render(dir, err, err_size) < 0) rc = -1;
    if (rc == 0 && !o->no_svg) rc = write_report(sc, cfg.seed, w, s, dir, err, err_size);
    scenario_runner_free(r);
    world_free(w);
    return rc != 0 ? -1 : 0;
}

/* The small family first: it powers on in a fraction of the time. Only a run that reached
 * one of its bounds can differ from the default family's, and that one is done again there. */
int run_dir(const struct scenario *sc, const struct backend_options *o, const char *dir,
            struct run_summary *s, char *err, size_t err_size)
{
    bool redo = true;
    if (!o->default_pools && run_on(sc, o, dir, WORLD_POOLS_SMALL, s, &redo, err, err_size) != 0)
        return -1;
    if (!redo) return 0;
    bool again;
    int rc = run_on(sc, o, dir, WORLD_POOLS_DEFAULT, s, &again, err, err_size);
    s->pools_redone = !o->default_pools;
    return rc;
}

static int run_lwip(const struct scenario *sc, const struct backend_options *o, const char *dir,
                    struct run_summary *s, char *err, size_t err_size)
{
    return run_dir(sc, o, dir, s, err, err_size) == 0 ? 0 : 2;
}

const struct backend backend_lwip = { "lwip", run_lwip, NULL };

void run_summary_free(struct run_summary *s)
{
    free(s->report);
    free(s->signature);
    s->report = s->signature = NULL;
}

static int after_horizon(const struct src_pos *pos, const char *what, uint64_t t_us,
                         uint64_t horizon_us, char *err, size_t err_size)
{
    snprintf(err, err_size, "%s:%d:%d: error: %s at %llu.%06llu s is after the run's horizon "
             "(%llu s of virtual time), expected a time within it (or a longer --horizon)",
             pos->file, pos->line, pos->col, what, (unsigned long long)(t_us / 1000000),
             (unsigned long long)(t_us % 1000000), (unsigned long long)(horizon_us / 1000000));
    return -1;
}

static int check_times(const struct scenario *sc, uint64_t horizon_us, char *err, size_t err_size)
{
    for (size_t i = 0; i < sc->event_count; i++)
        if (sc->events[i].at_us > horizon_us)
            return after_horizon(&sc->events[i].pos, "the event", sc->events[i].at_us, horizon_us,
                                 err, err_size);
    for (size_t i = 0; i < sc->proc_count; i++) {
        const struct scenario_process *p = &sc->procs[i];
        uint64_t last = p->start_us + (uint64_t)(p->count > 1 ? p->count - 1 : 0) * p->every_us;
        if (last > horizon_us)
            return after_horizon(&p->pos, "the process's (last) start", last, horizon_us, err,
                                 err_size);
    }
    return 0;
}

int run_dir_validate(const struct scenario *sc, uint64_t horizon_us, char *err, size_t err_size)
{
    if (check_times(sc, horizon_us, err, err_size) != 0) return -1;
    /* A dry set-up: the same checks the run would make, with no sink attached. */
    struct world_config cfg = scenario_world_config(sc);
    cfg.pools = WORLD_POOLS_SMALL;   /* as many instances as the default family, cheaper */
    struct world *w = world_new(&cfg);
    struct scenario_runner *r = scenario_runner_new(sc, w, err, err_size);
    scenario_runner_free(r);
    world_free(w);
    return r ? 0 : -1;
}
