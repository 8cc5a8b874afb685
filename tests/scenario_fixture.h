/* Build a world from a scenario file, for tests that look at a run through the C API.
 * Header-only; one scenario at a time (the scheduler and lwIP instances are global anyway). */
#ifndef TCPSIM_SCENARIO_FIXTURE_H
#define TCPSIM_SCENARIO_FIXTURE_H

#include "scenario_run.h"

#include <stdio.h>
#include <stdlib.h>

static struct scenario *fixture_scenario;
static struct scenario_runner *fixture_runner;

/* The scenario's world with its hosts, processes and events in place, not yet run. */
static struct world *scenario_world(const char *path, uint64_t seed)
{
    char err[1024];
    fixture_scenario = scenario_load(path, err, sizeof err);
    if (!fixture_scenario) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    struct world_config cfg = scenario_world_config(fixture_scenario);
    cfg.seed = seed;
    struct world *w = world_new(&cfg);
    fixture_runner = scenario_runner_new(fixture_scenario, w, err, sizeof err);
    if (!fixture_runner) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return w;
}

static void scenario_world_free(struct world *w)
{
    world_free(w);
    scenario_runner_free(fixture_runner);
    scenario_free(fixture_scenario);
    fixture_runner = NULL;
    fixture_scenario = NULL;
}

#endif
