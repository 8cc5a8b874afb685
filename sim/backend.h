/* backend — what runs a scenario: the lwIP simulation (the default) or the real Linux kernel.
 *
 * Both take the same parsed scenario and write the same trace (timeline.txt, timeline.jsonl,
 * capture.pcap, states.dot) into a directory; the CLI picks one by name (--backend) and does
 * everything else (output folders, summary lines, Markdown) the same way. The lwIP backend
 * judges the scenario's expectations; the Linux backend measures a normalised signature
 * (signature.h) and compares it with the one stored for the running kernel. A backend that
 * cannot run a scenario faithfully says so (BACKEND_UNSUPPORTED) rather than approximating it. */
#ifndef TCPSIM_BACKEND_H
#define TCPSIM_BACKEND_H

#include "budget.h"
#include "defect.h"
#include "scenario.h"
#include "sched.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The run returned this: nothing was written; err says what the backend cannot do. Not an
 * exit code: the command line maps it (run/check: 2; all: the scenario is listed, not failed). */
#define BACKEND_UNSUPPORTED 100

/* What a run came to. Free with run_summary_free. */
struct run_summary {
    enum run_result result;         /* RUN_STOPPED: a budget ran out (see budget) */
    size_t segments, states, calls, defects, expects, failed;
    size_t defects_by_kind[DEFECT_COUNT];   /* lwip-defect events, per lwIP defect */
    uint64_t end_us;
    char blocked[2048];             /* who is blocked, when not RUN_IDLE */
    char *report;                   /* failed expectations (or signature changes), readable */
    size_t report_len;
    char verdict[24];               /* a backend's own word for the summary line ("" = usual) */
    char *signature;                /* the run's signature (signature.h; lwIP: keep_signature), or NULL */
    enum budget_kind budget;        /* RUN_STOPPED: which budget, its limit, who was busiest */
    uint64_t budget_limit;
    char busiest[256];
    /* lwIP: the run on the small instance family reached one of its bounds and was discarded
     * (nothing of it is in the outputs); the run described here is the default family's. */
    bool pools_redone;
};

void run_summary_free(struct run_summary *s);

struct backend_options {
    uint64_t seed;
    bool seed_given;                /* else the scenario's own seed */
    uint64_t horizon_us;            /* lwIP: a run still going after this is stopped */
    struct budget_limits budget;    /* lwIP: the runaway guards (budget.h) */
    bool no_svg;                    /* skip states.svg and report.html (swarm: speed) */
    const char *conn;               /* lwIP: timeline.txt shows only this connection (--conn) */
    /* lwIP: called every BUDGET_POLL_EVERY events with the bytes written so far (may be NULL). */
    void (*on_poll)(void *ctx, uint64_t events, uint64_t bytes);
    void *ctx;
    bool check;                     /* check/all: compare (Linux: with the stored signature) */
    const char *signatures;         /* Linux: the stored signatures' root (docs/linux) */
    bool keep_signature;            /* lwIP: fill run_summary.signature (the Markdown compares it) */
    bool default_pools;             /* lwIP: run on the default instance family at once (else the
                                     * small one first, run_dir.h) */
};

struct backend {
    const char *name;
    /* Runs sc, writing every output file into dir; fills s. Returns 0, 2 with err (bad set-up,
     * unwritable output) or BACKEND_UNSUPPORTED with err. */
    int (*run)(const struct scenario *sc, const struct backend_options *o, const char *dir,
               struct run_summary *s, char *err, size_t err_size);
    /* What this backend cannot do of sc (into why, returned), or NULL; NULL pointer: nothing. */
    const char *(*unsupported)(const struct scenario *sc, char *why, size_t size);
};

/* The lwIP simulation (run_dir.c) and the Linux backend (linux/backend_linux.c). */
extern const struct backend backend_lwip;
extern const struct backend backend_linux;

#endif
