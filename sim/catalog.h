/* catalog — the scenarios tcpsim knows by id.
 *
 * Until scenario files exist (files under scenarios/, parsed by the scenario module), a scenario is a C
 * function that puts hosts and processes into a fresh world. Each entry also names the seed it
 * runs with by default. */
#ifndef TCPSIM_CATALOG_H
#define TCPSIM_CATALOG_H

#include "world.h"

#include <stddef.h>

struct catalog_entry {
    const char *id;
    const char *title;
    void (*setup)(struct world *w);
};

extern const struct catalog_entry catalog[];
extern const size_t catalog_count;

const struct catalog_entry *catalog_find(const char *id);

#endif
