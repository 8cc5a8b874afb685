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

#include "scenario.h"
#include "sched.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The run returned this: nothing was written; err says what the backend cannot do. */
#define BACKEND_UNSUPPORTED 4

struct run_summary {
    enum run_result result;
    size_t segments, states, calls, expects, failed;
    uint64_t end_us;
    char blocked[2048];
    char *report;                   /* failed expectations (or signature changes), readable */
    size_t report_len;
    char verdict[24];               /* a backend's own word for the summary line ("" = usual) */
    char *signature;                /* the run's signature (signature.h), malloc'd, or NULL */
};

struct backend_options {
    uint64_t seed;
    bool seed_given;
    bool check;                     /* check/all: compare (Linux: with the stored signature) */
    const char *signatures;         /* Linux: the stored signatures' root (docs/linux) */
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

/* The Linux backend (linux/backend_linux.c). */
extern const struct backend backend_linux;

#endif
