/* measured — the Linux column of the catalog: the signatures measured on a real kernel
 * (docs/linux/<kernel>/<id>.sig, written by `make linux-record`) and the verdict on the
 * articles' claim written after reading them (docs/linux/<kernel>/articles.txt, one line
 * "<id>: <verdict>" per scenario), compared with what lwIP does in this run.
 *
 * A scenario whose runs differed has one run's signature as <id>.unstable instead: shown as
 * timing-dependent, still compared. The kernel is the last directory of the root in alphabetical order (one per kernel measured).
 * Nothing here runs anything: a missing directory or file is "not measured". */
#ifndef TCPSIM_MEASURED_H
#define TCPSIM_MEASURED_H

#include "scenario.h"

#include <stddef.h>

struct measured {
    char root[256];
    char kernel[128];               /* "" when nothing was measured */
};

void measured_open(struct measured *m, const char *root);
/* The stored signature of a scenario (malloc'd), or NULL. */
char *measured_signature(const struct measured *m, const char *id);
/* The verdict on the articles' claim for id, or "" (buf). */
const char *measured_verdict(const struct measured *m, const char *id, char *buf, size_t size);
/* The Linux cell of the table and the lwIP-vs-Linux differences, from the lwIP signature of
 * this run (may be NULL) and the stored Linux one. why_unsupported: the Linux backend's reason
 * it cannot run the scenario, or NULL. */
void measured_compare(const struct measured *m, const struct scenario *s, const char *lwip_sig,
                      const char *why_unsupported, char *cell, size_t cell_size, char *diff,
                      size_t diff_size);

#endif
