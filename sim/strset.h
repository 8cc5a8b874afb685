/* strset — a set of short strings (at most STRSET_MAX - 1 bytes), for "seen before?" tests.
 *
 * Used where output lists distinct values in first-seen order (report.html's filter menus): the
 * caller walks its values in order and prints each one whose strset_add returns true, so the
 * output order is the caller's, never hash order. Open addressing with linear probing, kept at
 * most half full: one hash and about one comparison per value instead of a scan of all earlier
 * ones. Out of memory ends the run through sched_out_of_memory (exit 4), like connmap. */
#ifndef TCPSIM_STRSET_H
#define TCPSIM_STRSET_H

#include <stdbool.h>
#include <stddef.h>

#define STRSET_MAX 48   /* longest value + 1: a connection name "a:p>b:q" fits */

struct strset {
    char (*slots)[STRSET_MAX];   /* "" marks an empty slot: the empty string is never stored */
    size_t cap, len;
};

void strset_init(struct strset *s);
void strset_free(struct strset *s);
/* Adds value (truncated to STRSET_MAX - 1 bytes); true when it was not there yet. The empty
 * string is never added (returns false). */
bool strset_add(struct strset *s, const char *value);

#endif
