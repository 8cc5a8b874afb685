/* run_dir — see run_dir.h. */
#define _GNU_SOURCE
#include "run_dir.h"

#include "scenario_run.h"
#include "world.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The files of a run's folder, one trace sink each (states.svg is rendered from states.dot). */
static const struct {
    const char *file;
    struct trace_sink *(*make)(const char *path);
} outputs[] = {
    { "timeline.txt", trace_text_new },
    { "timeline.jsonl", trace_jsonl_new },
    { "capture.pcap", trace_pcap_new },
    { "states.dot", trace_dot_new },
};

const char *const run_dir_files[] = { "timeline.txt", "timeline.jsonl", "capture.pcap",
                                      "states.dot", "states.svg" };
const int run_dir_file_count = (int)(sizeof run_dir_files / sizeof run_dir_files[0]);

static int add_sinks(struct trace *trace, const char *dir, char *err, size_t err_size)
{
    char path[4200];
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i].file);
        struct trace_sink *sink = outputs[i].make(path);
        if (!sink) {
            snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        trace_add_sink(trace, sink);
    }
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
        for (int d = 0; d < DEFECT_COUNT; d++)
            s->defects_by_kind[d] += strcmp(ev[i].u.defect.function,
                                            defect_function((enum lwip_defect)d)) == 0;
    }
    s->end_us = sched_now_us();
}

/* The bytes in the run's folder so far (what the sinks have flushed): the output budget. */
struct poll_ctx {
    const char *dir;
    const struct run_dir_options *o;
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

int run_dir(const struct scenario *sc, const struct run_dir_options *o, const char *dir,
            struct run_summary *s, char *err, size_t err_size)
{
    *s = (struct run_summary){ 0 };
    struct world_config cfg = scenario_world_config(sc);
    if (o->seed_given) cfg.seed = o->seed;
    struct world *w = world_new(&cfg);
    struct poll_ctx poll = { dir, o };
    budget_start(&o->budget, poll_outputs, &poll);
    struct scenario_runner *r = NULL;
    if (add_sinks(world_trace(w), dir, err, err_size) != 0 ||
        !(r = scenario_runner_new(sc, w, err, err_size))) {
        world_free(w);
        return -1;
    }
    s->result = world_run(w, o->horizon_us);
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
    int rc = trace_finish(world_trace(w), err, err_size);
    scenario_runner_free(r);
    world_free(w);
    if (rc != 0) return -1;
    if (o->no_svg) return 0;
    char dot[4200], svg[4200];
    snprintf(dot, sizeof dot, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    return trace_dot_render_svg(dot, svg, err, err_size) < 0 ? -1 : 0;
}

void run_summary_free(struct run_summary *s)
{
    free(s->report);
    s->report = NULL;
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
    struct world *w = world_new(&cfg);
    struct scenario_runner *r = scenario_runner_new(sc, w, err, err_size);
    scenario_runner_free(r);
    world_free(w);
    return r ? 0 : -1;
}
