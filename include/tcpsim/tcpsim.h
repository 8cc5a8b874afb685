/* <tcpsim/tcpsim.h> — the public C API of libtcpsim: deterministic simulations of TCP code.
 *
 * A simulation is hosts on one virtual link, each running its own unmodified lwIP 2.1.3 stack,
 * driven by a virtual clock and one seed. Your code runs in simulated processes (coroutines):
 * include <tcpsim/posix.h> in it and its BSD socket calls go to the host's lwIP stack and block
 * in virtual time. Everything that happens is recorded (the trace): read it back as the text
 * timeline, or have the output files written into a directory (docs/trace-format.md).
 *
 *     struct tcpsim_config cfg = tcpsim_config_default();   // seed 1, 1 ms / 100 Mbit/s
 *     struct tcpsim *sim = tcpsim_new(&cfg, err, sizeof err);
 *     struct tcpsim_host *srv = tcpsim_add_host(sim, "server", "10.0.0.2", err, sizeof err);
 *     tcpsim_spawn(srv, "echo", 0, echo_server, NULL);      // void echo_server(void *arg)
 *     tcpsim_at(sim, 50000, crash_it, srv);                  // world events at virtual times
 *     enum tcpsim_result r = tcpsim_run(sim, TCPSIM_FOREVER);
 *     tcpsim_finish(sim, err, sizeof err);                   // checks; writes out_dir's files
 *     ... tcpsim_count(sim, "R.") ... tcpsim_timeline(sim) ...
 *     tcpsim_free(sim);
 *
 * Rules: one simulation at a time per program (the lwIP instances are globals); each host uses
 * one lwIP instance, and libtcpsim is built with two (make STACKS=N for more). Same seed and
 * same code give the same trace, byte for byte. Functions that fail return NULL or -1 and
 * write a message into err (when given) or set errno; nothing here prints or exits, except
 * that a broken simulator invariant prints "tcpsim: internal error ..." and exits with 3.
 * Times are virtual microseconds. Host and process handles live until tcpsim_free (a rebooted
 * host keeps its handle; its old processes' handles stay readable).
 */
#ifndef TCPSIM_TCPSIM_H
#define TCPSIM_TCPSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TCPSIM_FOREVER UINT64_MAX
#define TCPSIM_VERSION "0.13.0"

struct tcpsim;
struct tcpsim_host;
struct tcpsim_proc;

struct tcpsim_config {
    const char *name;           /* shown in the trace header; default "libtcpsim" */
    uint64_t seed;              /* default 1 */
    uint64_t delay_us;          /* one-way link delay; default 1000 */
    uint64_t bandwidth_bps;     /* default 100000000; 0 = no serialisation delay */
    const char *out_dir;        /* NULL (default): nothing written; else an existing directory
                                 * that gets timeline.txt, timeline.jsonl, capture.pcap,
                                 * capture.pcapng, states.dot, ladder.svg (long runs: its
                                 * pages ladder-N.svg too) and states.svg if Graphviz is
                                 * installed */
    bool small_pools;           /* false (default): the hosts' lwIP pools hold 4095 connections
                                 * each. true: pools for 63, much cheaper to start; the run is the
                                 * same unless it reaches one of them: tcpsim_pools_reached says
                                 * so (docs/library.md, "Pool sizes") */
};

struct tcpsim_config tcpsim_config_default(void);
/* NULL with a message when a simulation already exists or out_dir cannot be written. */
struct tcpsim *tcpsim_new(const struct tcpsim_config *cfg, char *err, size_t err_size);
void tcpsim_free(struct tcpsim *sim);

/* A host with its own lwIP stack; ip is a dotted quad in 10.0.0.0/24 (10.0.0.254 is the
 * router). NULL with a message when the address is bad or taken, or no lwIP instance is left. */
struct tcpsim_host *tcpsim_add_host(struct tcpsim *sim, const char *name, const char *ip,
                                    char *err, size_t err_size);
/* A process on host: main(arg) runs as a coroutine from start_us on; the process exits when
 * main returns and its host closes the fds it still holds, as an OS does. NULL when the host
 * is down. */
struct tcpsim_proc *tcpsim_spawn(struct tcpsim_host *host, const char *name, uint64_t start_us,
                                 void (*main)(void *arg), void *arg);

/* fn(sim, arg) runs at virtual time t_us in scheduler context (not in a process): the place
 * for world events (crash, faults). */
void tcpsim_at(struct tcpsim *sim, uint64_t t_us, void (*fn)(struct tcpsim *sim, void *arg),
               void *arg);

/* ---- world events: from tcpsim_at callbacks or from a process ---- */
void tcpsim_host_crash(struct tcpsim_host *host);    /* stops at once: no FIN, no RST */
void tcpsim_host_reboot(struct tcpsim_host *host);   /* up again, fresh stack, no processes */
void tcpsim_host_shutdown(struct tcpsim_host *host, uint64_t grace_us);   /* SIGTERM, SIGKILL later */
/* kill(2) with SIGKILL, SIGTERM or SIGPIPE (<signal.h> numbers); -1 EINVAL for others. */
int tcpsim_kill(struct tcpsim_proc *proc, int signo);
/* Link faults from `from` to `to` (one direction); each returns a rule id or -1. */
int tcpsim_drop_all(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to);
int tcpsim_drop_nth(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to,
                    uint64_t nth);                /* the nth packet from now, 1-based */
/* The next `count` TCP segments carrying all of flags ("S", "F", "R", "P", "." = ACK, e.g.
 * "F." for FIN+ACK); count 0: all of them. */
int tcpsim_drop_segments(struct tcpsim *sim, struct tcpsim_host *from, struct tcpsim_host *to,
                         const char *flags, uint64_t count);
bool tcpsim_remove_rule(struct tcpsim *sim, int rule_id);
void tcpsim_partition(struct tcpsim *sim, bool on);

/* ---- running ---- */
enum tcpsim_result {
    TCPSIM_IDLE,        /* every process ended or waits for nothing that can happen: done */
    TCPSIM_UNTIL,       /* stopped at until_us */
    TCPSIM_DEADLOCK,    /* processes blocked forever (tcpsim_blocked says where) */
    TCPSIM_STOPPED,     /* a stop was requested (a signal handler, a wall-clock guard) */
    TCPSIM_RESULT_COUNT
};
enum tcpsim_result tcpsim_run(struct tcpsim *sim, uint64_t until_us);
uint64_t tcpsim_now_us(void);
/* "at t=... these processes are blocked:" and a line per blocked process; returns the count. */
size_t tcpsim_blocked(const struct tcpsim *sim, char *buf, size_t size);
/* After the run: byte accounting (every byte sent delivered intact or lost for a named
 * reason) and lwIP's pools back to their power-on level, then the output files are written.
 * Returns 0, or -1 with the first problem in err. Call once. */
int tcpsim_finish(struct tcpsim *sim, char *err, size_t err_size);
/* With small_pools: whether some host reached a bound of the small pools so far (a pool full
 * or refusing, a mailbox full); if so the run may differ from one with the default pools.
 * Always false with the default pools. */
bool tcpsim_pools_reached(const struct tcpsim *sim);

/* ---- processes ---- */
const char *tcpsim_proc_name(const struct tcpsim_proc *proc);
bool tcpsim_proc_exited(const struct tcpsim_proc *proc);
bool tcpsim_proc_killed(const struct tcpsim_proc *proc);    /* by a signal or a crash */
int tcpsim_proc_status(const struct tcpsim_proc *proc);     /* exit status or 128 + signal */
/* Inside a process: exit(status) for this process only; sleep in virtual time (0, or -1 EINTR
 * when a handled signal came). Outside a process: -1 EPERM, and exit does nothing. */
void tcpsim_exit(int status);
int tcpsim_sleep_us(uint64_t delay_us);

/* ---- the trace ---- */
/* The text timeline so far: one line per event, as in timeline.txt (without its header).
 * Valid until the next call or tcpsim_free. */
const char *tcpsim_timeline(struct tcpsim *sim);
/* How many timeline event lines contain `needle` (e.g. "R.", "ECONNRESET", "killed"). */
size_t tcpsim_count(struct tcpsim *sim, const char *needle);
/* Keep every event in memory (on, the default) or not (off: a long run stays small; the events
 * still reach out_dir's files as they happen, but tcpsim_timeline and tcpsim_count see only
 * those kept while it was on). */
void tcpsim_set_recording(struct tcpsim *sim, bool on);

#ifdef __cplusplus
}
#endif

#endif
