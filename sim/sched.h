/* sched — the virtual clock, the timer queue and the cooperative coroutines of one simulation.
 *
 * Everything simulated runs here: each stack's tcpip thread and each simulated process is a
 * coroutine; link deliveries and timeouts are timer events. Exactly one coroutine runs at a time
 * and only gives control back when it blocks (sched_wait, sched_sleep_us) or finishes, so no
 * locking is needed anywhere and runs are deterministic:
 *   - ready coroutines run FIFO in the order they became ready (sequence number);
 *   - timer events fire by (time, insertion sequence);
 *   - only when nothing is ready does the clock jump to the earliest timer.
 * The clock is virtual microseconds and never reads the wall clock.
 *
 * There is one scheduler per process (a global): lwIP instances are globals too, so two
 * simulations at once could not be isolated anyway. sched_init() starts it, sched_fini() frees
 * every coroutine and event. Errors in use (waiting outside a coroutine, ...) are invariant
 * failures: they print and exit(3), because the simulation cannot go on meaningfully.
 */
#ifndef TCPSIM_SCHED_H
#define TCPSIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHED_FOREVER UINT64_MAX

struct coro;

/* A queue of coroutines blocked on one condition. Zero-initialised means empty. */
struct waitq {
    struct coro *head, *tail;
};

enum coro_kind {
    CORO_DAEMON,  /* a stack's tcpip thread: blocked forever is its normal idle state */
    CORO_PROCESS, /* a simulated process: blocked forever with nothing pending is a deadlock */
    CORO_KIND_COUNT
};

enum wait_result {
    WAIT_WOKEN,   /* sched_wake_* chose this coroutine */
    WAIT_TIMEOUT, /* the deadline passed first */
    WAIT_INTERRUPTED, /* sched_interrupt: a signal for a simulated process */
    WAIT_RESULT_COUNT
};

enum run_result {
    RUN_IDLE,     /* nothing ready, nothing pending, no process blocked */
    RUN_UNTIL,    /* stopped at the requested virtual time */
    RUN_DEADLOCK, /* nothing ready or pending, but processes are blocked forever */
    RUN_STOPPED,  /* sched_request_stop was called (a budget ran out, budget.h) */
    RUN_RESULT_COUNT
};

void sched_init(void);
void sched_fini(void);

uint64_t sched_now_us(void);

/* A timer event at t_us (>= now). fn runs in scheduler context (not in a coroutine), so it
 * must never block; events at the same time fire in the order they were scheduled. */
void sched_at(uint64_t t_us, void (*fn)(void *arg), void *arg);

/* Coroutines. `owner` is an opaque pointer (the host) handed to the step hook. A coroutine
 * starts at start_us (>= now) and is freed when fn returns. */
struct coro *sched_spawn(const char *name, enum coro_kind kind, void *owner, uint64_t start_us,
                         void (*fn)(void *arg), void *arg);
struct coro *sched_current(void);   /* NULL in scheduler context */
const char *coro_name(const struct coro *c);
void *coro_owner(const struct coro *c);
bool coro_is_done(const struct coro *c);

/* What the current coroutine is doing, for the deadlock report ("recv(fd 3)"). The string is
 * copied. NULL clears it. */
void sched_set_activity(const char *what);
/* The same for a socket call: "<call>(fd <fd>)", or "<call>()" when fd < 0, formatted only if a
 * report asks. call must live as long as the run (a string literal). */
void sched_set_activity_call(const char *call, int fd);

/* Block the current coroutine on q until woken or until the absolute deadline_us
 * (SCHED_FOREVER: no deadline). Must be called from a coroutine. */
enum wait_result sched_wait(struct waitq *q, uint64_t deadline_us);
void sched_sleep_us(uint64_t delay_us);
/* Let every other ready coroutine run once, then continue. Called as sched_yield(); the symbol
 * is sched_coro_yield because a global sched_yield replaces libc's in the whole program, and
 * libraries call that one from outside any coroutine (LeakSanitizer at exit, libFuzzer), where
 * it panics. (The fuzz build renames it too, on its command line.) */
void sched_coro_yield(void);
#ifndef sched_yield
#define sched_yield sched_coro_yield
#endif
bool sched_wake_one(struct waitq *q);   /* false when q was empty */
/* Make a blocked coroutine's sched_wait return WAIT_INTERRUPTED now. Only for waits the caller
 * owns (a process's own waits), never for waits inside lwIP. False if c was not waiting. */
bool sched_interrupt(struct coro *c);
/* Destroy every coroutine whose owner is `owner`, without running any more of its code (a host
 * that crashes). Their wait-queue entries and timers go with them. */
void sched_destroy_owned_by(void *owner);
void sched_wake_all(struct waitq *q);

/* Run until idle, deadlock, or until the clock would pass until_us (SCHED_FOREVER: no limit). */
enum run_result sched_run(uint64_t until_us);

/* Make sched_run return RUN_STOPPED as soon as the running coroutine (if any) gives control
 * back. Only sets a flag, so it may be called from a signal handler. sched_init clears it. */
void sched_request_stop(void);
bool sched_stop_requested(void);
/* Make the running sched_run return RUN_UNTIL before it runs anything else (the clock stays
 * where it is; what is ready or pending stays so). For a driver that decides in a coroutine
 * that the run is over (a packetdrill-style script that ended). */
void sched_stop(void);

/* Called after every coroutine slice with that coroutine's owner, and with NULL after every
 * timer event: the point where observers (the pcb state tracker) look at the stacks. */
void sched_set_step_hook(void (*hook)(void *owner, void *ctx), void *ctx);

/* Writes one line per blocked process ("  client/app blocked in recv(fd 3)") into buf;
 * returns the number of blocked processes. */
size_t sched_describe_blocked(char *buf, size_t size);

/* Counters, for benchmarks and tests. */
struct sched_stats {
    uint64_t switches, timers_fired, coros_spawned, coros_live;
};
struct sched_stats sched_stats(void);

/* Print "tcpsim: internal error at t=...: <msg>" and exit(3). */
_Noreturn void sched_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A resource of the machine ran out (not a simulator bug): print "tcpsim: out of <resource>
 * at t=...", what to do about it, and exit(SCHED_EXIT_RESOURCE), the code of an exhausted
 * budget. */
#define SCHED_EXIT_RESOURCE 4
_Noreturn void sched_exhausted(const char *resource, const char *how_to_raise);
_Noreturn void sched_out_of_memory(void);

#endif
