/* cli_watchdog — the command line's guard around one run: the wall-clock budget, the progress
 * tick, and removing a run's partial output when the process is ended from outside.
 *
 * This is the only module of tcpsim that deals with wall-clock time; make lint enforces it:
 * timer calls are refused everywhere else. It never reads a clock: a one-second interval timer
 * (setitimer, SIGALRM) counts seconds. What the seconds can do is limited to ending a run whose
 * outputs are then discarded (budget_wall_expired), or asking for a progress line on a
 * terminal; so wall time never influences an output.
 *
 * If a run does not stop within WATCHDOG_GRACE_SECONDS of its wall budget (stuck in a loop that
 * neither steps nor emits events), the timer handler removes the run's files itself and ends
 * the process with exit status 4. Fatal signals (SIGINT, SIGTERM, SIGHUP; SIGSEGV and friends
 * when no sanitizer handles them) remove the run's files too, then take their default action. */
#ifndef TCPSIM_CLI_WATCHDOG_H
#define TCPSIM_CLI_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#define WATCHDOG_GRACE_SECONDS 5
#define WATCHDOG_MAX_FILES 16

/* Guard one run: dir is the run's temporary folder; files are its possible file names (each
 * is removed, with its ".tmp" variant, then the folder). wall_seconds 0: no wall budget. */
void watchdog_arm(const char *dir, const char *const *files, int file_count,
                  uint64_t wall_seconds, bool progress);
void watchdog_disarm(void);
/* True once per second while armed with progress (and then cleared). */
bool watchdog_progress_due(void);
/* Remove the armed run's files now (also used by the CLI's atexit handler). Async-signal-safe. */
void watchdog_remove_files(void);

#endif
