/* budget — runaway guards: a run ends cleanly when it has used its budget of events, output
 * bytes or wall seconds, instead of hanging, eating the machine's memory or filling the disk.
 *
 * The simulated world cannot tell a long run from a runaway one (a storm of ACKs, a loop of a
 * million million steps that never advances virtual time), so the caller (the CLI) gives each
 * run limits. Counting happens here, in virtual terms only:
 *   - events: every trace event (budget_sink_new counts them) and every scenario step the
 *     interpreter runs (budget_step; a loop of steps that emit nothing ends too);
 *   - output bytes: asked from the caller's poll callback every BUDGET_POLL_EVERY counts;
 *   - wall seconds: this module never reads a clock. The CLI's watchdog (cli_watchdog.h) calls
 *     budget_wall_expired from its timer signal; only then does wall time matter, and it ends
 *     the run without writing any output, so it can never change an output.
 * When a limit is reached the module asks the scheduler to stop (sched_request_stop): the run
 * returns RUN_STOPPED and budget_exceeded says which limit. One run per process (a global, like
 * the scheduler). */
#ifndef TCPSIM_BUDGET_H
#define TCPSIM_BUDGET_H

#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum budget_kind { BUDGET_EVENTS, BUDGET_OUTPUT_BYTES, BUDGET_WALL_SECONDS, BUDGET_KIND_COUNT };

/* 0 means "no limit". */
struct budget_limits {
    uint64_t events;
    uint64_t output_bytes;
    uint64_t wall_seconds;
};

/* Generous: 10 times the events of the largest catalog scenario (about 100 MB of memory for
 * the recorded trace, some 10 s of wall time), twice the output those events write; a catalog
 * run takes well under a second of its wall budget. */
#define BUDGET_DEFAULT_EVENTS 250000u
#define BUDGET_DEFAULT_OUTPUT_BYTES (128u * 1024 * 1024)
#define BUDGET_DEFAULT_WALL_SECONDS 600u
#define BUDGET_POLL_EVERY 4096u

struct budget_limits budget_defaults(void);

/* What the caller does every BUDGET_POLL_EVERY counts: return the bytes written so far, and
 * show progress if it wants. */
typedef uint64_t (*budget_poll_fn)(void *ctx, uint64_t events);

/* Starts counting for one run (call after world_new, before the run). */
void budget_start(const struct budget_limits *limits, budget_poll_fn poll, void *ctx);
/* A trace sink that counts events; add it to the run's trace. */
struct trace_sink *budget_sink_new(void);
/* One interpreter step; true when the run must stop (the process should end now). */
bool budget_step(void);
/* From a signal handler: the wall-clock budget is used up. */
void budget_wall_expired(void);

/* true, with which limit, when the run was stopped by a budget. */
bool budget_exceeded(enum budget_kind *kind, uint64_t *limit);
uint64_t budget_events_used(void);
/* "events" / "output bytes" / "wall seconds", and the command-line option that sets it. */
const char *budget_name(enum budget_kind kind);
const char *budget_option(enum budget_kind kind);

/* The connection with the most segments and the process with the most calls among the
 * recorded events: "connection 10.0.0.1:55978<>10.0.0.2:7000 (812 segments); process
 * client/client (3 calls)". Ties go to the first seen. */
void budget_busiest(const struct trace_event *ev, size_t n, char *buf, size_t size);

#endif
