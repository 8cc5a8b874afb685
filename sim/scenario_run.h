/* scenario_run — a parsed scenario made real, then judged.
 *
 * scenario_runner_new puts the scenario's hosts, processes and world events into a fresh
 * world; the caller runs the world (world_run); scenario_runner_check then checks every
 * expectation — the `-> result` of steps and the `expect` lines — against what happened,
 * emits one `expect` trace event each, and writes a readable report of the failures (file:line,
 * what was expected, what happened, the relevant trace lines). The runner owns the processes'
 * interpreter state, so it must outlive the run. */
#ifndef TCPSIM_SCENARIO_RUN_H
#define TCPSIM_SCENARIO_RUN_H

#include "scenario.h"
#include "world.h"

#include <stdio.h>

struct scenario_runner;

/* NULL with "file:line:col: error: ..." in err when the scenario cannot be set up (a kill aimed
 * at a process that does not exist, more hosts than lwIP instances). */
struct scenario_runner *scenario_runner_new(const struct scenario *s, struct world *w, char *err,
                                            size_t err_size);
/* Checks every expectation, plus the byte accounting and (when the run went idle, `result`
 * RUN_IDLE) the leak check that every scenario gets; returns how many failed. report may be
 * NULL. */
size_t scenario_runner_check(struct scenario_runner *r, enum run_result result, FILE *report,
                             size_t *checked);
void scenario_runner_free(struct scenario_runner *r);

/* The world config a scenario asks for (seed, link), with its id as the trace's name. */
struct world_config scenario_world_config(const struct scenario *s);

#endif
