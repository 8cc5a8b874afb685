/* outfile — an output file that appears complete or not at all.
 *
 * Written as <path>.tmp and renamed to <path> by outfile_commit; outfile_discard (or a failed
 * commit) removes the temporary file. Every trace sink writes through one, so a run that fails
 * or is interrupted never leaves a partial file where a reader expects a result. */
#ifndef TCPSIM_OUTFILE_H
#define TCPSIM_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *f;                    /* NULL once committed or discarded */
    char *path, *tmp_path;
};

/* 0, or -1 with errno set (nothing is left behind). */
int outfile_open(struct outfile *o, const char *path);
/* Flush, close and rename; 0, or -1 with "<path>: <reason>" in err. */
int outfile_commit(struct outfile *o, char *err, size_t err_size);
/* Close and remove the temporary file if still open; frees the names. Safe to call twice. */
void outfile_discard(struct outfile *o);
/* Remove a folder and everything in it (symbolic links are removed, not followed); 0 when
 * nothing is left (also when it did not exist), -1 with errno. */
int outfile_remove_tree(const char *path);

#endif
