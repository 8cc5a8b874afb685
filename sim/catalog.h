/* catalog — the scenarios tcpsim knows by id: every *.scn file of a directory.
 *
 * Files are read in name order (so every listing and every `tcpsim all` is in the same order
 * on every machine) and parsed up front; any error in any file, or two files with one id, stops
 * the load with file:line:col. The directory is --scenarios DIR, else $TCPSIM_SCENARIOS, else
 * ./scenarios, else the installed share/tcpsim/scenarios. */
#ifndef TCPSIM_CATALOG_H
#define TCPSIM_CATALOG_H

#include "scenario.h"

#include <stddef.h>

struct catalog {
    struct scenario **items;
    size_t count;
};

/* 0, or -1 with "file:line:col: error: ..." (or "<dir>: <reason>") in err. */
int catalog_load(struct catalog *c, const char *dir, char *err, size_t err_size);
const struct scenario *catalog_find(const struct catalog *c, const char *id);
void catalog_free(struct catalog *c);

#endif
