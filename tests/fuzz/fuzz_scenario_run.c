/* libFuzzer target: parse, then run. Any bytes go in; what parses (and passes the checks made
 * before any output: run_dir_validate) is run in a world with small budgets (20000 events,
 * 10 minutes of virtual time) and checked like every run (byte accounting, pools). What must
 * hold: no crash, no sanitizer report, no broken simulator invariant (sched_panic exits, which
 * libFuzzer reports), no leak; the run ends (the budgets see to that). Scenarios asking for more
 * than 64 processes are skipped: running out of coroutine stacks is a resource limit, reported
 * by tcpsim with exit 4, not a bug. Built and run by `make fuzz-run` (the Makefile's last
 * block); the whole simulator and the lwIP instances are built for it with clang. */
#include "budget.h"
#include "run_dir.h"
#include "scenario.h"
#include "scenario_run.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_PROCESSES 64

static size_t process_count(const struct scenario *sc)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->proc_count; i++) n += sc->procs[i].count ? sc->procs[i].count : 1;
    return n;
}

static void run(const struct scenario *sc)
{
    struct world_config cfg = scenario_world_config(sc);
    struct world *w = world_new(&cfg);
    struct budget_limits limits = { .events = 20000 };
    budget_start(&limits, NULL, NULL);
    trace_add_sink(world_trace(w), budget_sink_new());
    char err[1200];
    struct scenario_runner *r = scenario_runner_new(sc, w, err, sizeof err);
    if (r) {
        enum run_result result = world_run(w, 600ull * 1000000);
        if (result != RUN_STOPPED) scenario_runner_check(r, result, NULL, NULL);
        scenario_runner_free(r);
    }
    world_free(w);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[1200];
    struct scenario *sc = scenario_parse("fuzz.scn", (const char *)data, size, err, sizeof err);
    if (!sc) return 0;
    if (process_count(sc) <= MAX_PROCESSES && run_dir_validate(sc, 600ull * 1000000, err, sizeof err) == 0)
        run(sc);
    scenario_free(sc);
    return 0;
}
