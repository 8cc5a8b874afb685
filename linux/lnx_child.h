/* lnx_child — one process of a scenario, run for real on Linux (the Linux backend).
 *
 * The orchestrator forks one child per process instance at its start time, in its host's network
 * namespace; the child makes the scenario's socket calls with the real system calls and reports each one, with its result
 * and errno, as one struct lnx_rec on rec_fd (one write of less than PIPE_BUF: records of
 * several children never interleave). After the leading set-up steps (socket, bind, listen,
 * setsockopt, nonblock, signal, fdlimit: calls that put nothing on the wire) it reports
 * LNX_REC_READY: the start barrier, so a listener exists before any peer's SYN. It ends with
 * _exit; a signal that kills it is seen by the orchestrator through waitpid. */
#ifndef TCPSIM_LNX_CHILD_H
#define TCPSIM_LNX_CHILD_H

#include "scenario.h"

#include <stdint.h>

enum lnx_rec_kind {
    LNX_REC_CALL,       /* a call returned */
    LNX_REC_READY,      /* the set-up steps are done */
    LNX_REC_HANDLED,    /* a signal with disposition "handle" arrived (sig) */
    LNX_REC_SLEEP,      /* a sleep began; end_us: when it ends (lnx_ties) */
    LNX_REC_KIND_COUNT
};

struct lnx_rec {
    int32_t instance, kind, step, fd, err, sig;
    int64_t ret, bytes;
    uint64_t start_us, end_us;  /* when the call began and returned, microseconds since the
                                 * run's start */
    uint16_t local_port;        /* connect: the port the kernel chose (0: none) */
    char call[12];
    char args[48];
};

struct lnx_child {
    const struct scenario_process *sp;
    int instance;
    int rec_fd;                 /* moved to a high number: the scenario's fds start at 3 */
    uint64_t t0_ns;             /* CLOCK_MONOTONIC at the run's start */
};

/* Runs the process; never returns. */
_Noreturn void lnx_child_main(const struct lnx_child *c);

/* Microseconds of CLOCK_MONOTONIC since t0_ns. */
uint64_t lnx_elapsed_us(uint64_t t0_ns);
uint64_t lnx_monotonic_ns(void);

#endif
