/* run_dir — one scenario run into a folder of outputs, under budgets.
 *
 * Builds the world the scenario asks for (seed overridable), attaches one trace sink per output
 * file (outputs.h; then states.svg and report.html, unless no_svg) and the budget counter, runs until idle, deadlock, the horizon or an exhausted budget,
 * checks the expectations and fills a summary (with the run's signature, signature.h). It is
 * the lwIP backend (backend.h: backend_lwip) of the command line (run, check, all), and swarm's. Writes only inside `dir`; the caller owns the folder (cli.c builds it as a
 * temporary folder and renames it when the run completed).
 * The hosts run on the small lwIP instance family first (world.h WORLD_POOLS_SMALL); a run that
 * reached one of its bounds is discarded unseen and done again on the default family
 * (run_summary.pools_redone), so the outputs are always the default family's. */
#ifndef TCPSIM_RUN_DIR_H
#define TCPSIM_RUN_DIR_H

#include "backend.h"
#include "scenario.h"
#include "sched.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A scenario still running after this much virtual time has a connection or process that
 * never ends (lwIP's TCP timer runs as long as any pcb exists): it fails, naming what is left,
 * rather than running forever. --horizon changes it. */
#define RUN_DEFAULT_HORIZON_US (4ull * 3600 * 1000000)


/* 0, or -1 with err filled (unwritable output, bad set-up). On RUN_STOPPED nothing of the
 * outputs is complete: the caller discards the folder. Free the summary with
 * run_summary_free. */
int run_dir(const struct scenario *sc, const struct backend_options *o, const char *dir,
            struct run_summary *s, char *err, size_t err_size);
/* The word of the summary line: ok, FAILED, TIMEOUT, DEADLOCK, BUDGET or a backend's own. */
const char *run_summary_verdict(const struct run_summary *s);

/* Everything that can be known before running, checked without writing anything: the set-up
 * (hosts for this build's lwIP instances, kill targets) and that every time in the scenario is
 * within the horizon. 0, or -1 with "file:line:col: error: ..." in err. */
int run_dir_validate(const struct scenario *sc, uint64_t horizon_us, char *err, size_t err_size);

#endif
