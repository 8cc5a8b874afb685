/* run_dir — one scenario run into a folder of outputs, under budgets.
 *
 * Builds the world the scenario asks for (seed overridable), attaches one trace sink per output
 * file (timeline.txt, timeline.jsonl, capture.pcap, states.dot, then states.svg rendered from
 * it) and the budget counter, runs until idle, deadlock, the horizon or an exhausted budget,
 * checks the expectations and fills a summary. Used by the command line (run, check, all) and
 * by swarm. Writes only inside `dir`; the caller owns the folder (cli.c builds it as a
 * temporary folder and renames it when the run completed). */
#ifndef TCPSIM_RUN_DIR_H
#define TCPSIM_RUN_DIR_H

#include "budget.h"
#include "defect.h"
#include "scenario.h"
#include "sched.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A scenario still running after this much virtual time has a connection or process that
 * never ends (lwIP's TCP timer runs as long as any pcb exists): it fails, naming what is left,
 * rather than running forever. --horizon changes it. */
#define RUN_DEFAULT_HORIZON_US (4ull * 3600 * 1000000)

struct run_dir_options {
    uint64_t seed;
    bool seed_given;                /* else the scenario's own seed */
    uint64_t horizon_us;
    struct budget_limits budget;
    bool no_svg;                    /* skip rendering states.svg (Graphviz is a process per run) */
    /* Called every BUDGET_POLL_EVERY events with the bytes written so far (may be NULL). */
    void (*on_poll)(void *ctx, uint64_t events, uint64_t bytes);
    void *ctx;
};

struct run_summary {
    enum run_result result;         /* RUN_STOPPED: a budget ran out (see budget) */
    size_t segments, states, calls, defects, expects, failed;
    size_t defects_by_kind[DEFECT_COUNT];   /* lwip-defect events, per lwIP defect */
    uint64_t end_us;
    char blocked[2048];             /* who is blocked, when not RUN_IDLE */
    char *report;                   /* failed expectations, readable */
    size_t report_len;
    enum budget_kind budget;        /* RUN_STOPPED: which budget, its limit, who was busiest */
    uint64_t budget_limit;
    char busiest[256];
};

/* The file names a run writes into its folder (for cleaning up a folder from outside). */
extern const char *const run_dir_files[];
extern const int run_dir_file_count;

/* 0, or -1 with err filled (unwritable output, bad set-up). On RUN_STOPPED nothing of the
 * outputs is complete: the caller discards the folder. Free the summary with
 * run_summary_free. */
int run_dir(const struct scenario *sc, const struct run_dir_options *o, const char *dir,
            struct run_summary *s, char *err, size_t err_size);
void run_summary_free(struct run_summary *s);

/* Everything that can be known before running, checked without writing anything: the set-up
 * (hosts for this build's lwIP instances, kill targets) and that every time in the scenario is
 * within the horizon. 0, or -1 with "file:line:col: error: ..." in err. */
int run_dir_validate(const struct scenario *sc, uint64_t horizon_us, char *err, size_t err_size);

#endif
