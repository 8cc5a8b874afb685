/* swarm — `tcpsim swarm`: random valid scenarios (swarm_gen.h), each run under small budgets
 * and checked against the invariants every run must satisfy (docs/swarm.md):
 *   - the run neither crashes, nor trips a sanitizer, nor breaks a simulator invariant (each
 *     scenario runs in a child process, so that such a death is observed, not suffered);
 *   - it ends: idle, deadlocked or at the horizon, or stopped by a budget only when an lwIP
 *     defect that cannot end by itself (the zero-window ACK storm) was reported;
 *   - byte accounting adds up with the content checked, and the pools are back to their
 *     power-on level when it went idle;
 *   - timeline.txt, timeline.jsonl and capture.pcap tell the same story (same event count,
 *     one pcap record per segment and router ICMP);
 *   - a rerun with the same seed gives byte-identical files.
 * Documented lwIP defects (lwip-defect events) are counted and reported as such, never as
 * failures. Each failure is written as a scenario file, shrunk by delta debugging over its
 * steps and world events (same kind of failure, fewer lines), and printed with the command that
 * replays it. Seeds are sharded over worker processes (fork), one per core by default; the
 * summary and the results file list seeds in order, whatever the workers' timing. */
#ifndef TCPSIM_SWARM_H
#define TCPSIM_SWARM_H

#include "budget.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct swarm_options {
    uint64_t first_seed, last_seed;
    unsigned jobs;                  /* worker processes; 0: one per online core */
    bool shrink;
    const char *out_dir;            /* failures and results go to <out_dir>/swarm/ */
    uint64_t horizon_us;
    struct budget_limits budget;    /* per run (small by default) */
    /* Called in each child before its run (the CLI's wall-clock watchdog; may be NULL). */
    void (*guard)(const char *scratch_dir, uint64_t wall_seconds);
};

/* Seeds 1..100, every core, shrinking on, budgets of 50000 events, 16 MiB, 60 s per run (a
 * generated scenario takes a few thousand events; a storm is recognised within a hundred). */
struct swarm_options swarm_defaults(void);
/* "FIRST..LAST" or "N" (1..N). */
bool swarm_parse_seeds(const char *text, struct swarm_options *o);

/* Runs every seed; writes the summary to out and <out_dir>/swarm/results-FIRST-LAST.tsv.
 * Returns the number of failures (not counting lwIP defects), or -1 with err filled when the
 * swarm itself could not run (cannot create folders or processes). */
int swarm_run(const struct swarm_options *o, FILE *out, char *err, size_t err_size);

#endif
