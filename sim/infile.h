/* infile — reading one input file whole, the way every reader of tcpsim's languages needs it.
 *
 * Only regular files (a FIFO or a device would block the open or the read forever), at most
 * max_bytes, a whole number of MiB (larger files are refused, not truncated). Errors come back as
 * "<path>:1:1: error: <what went wrong>, expected a readable <what>" in err, the form of every
 * parse error, so a reader returns them as they are. */
#ifndef TCPSIM_INFILE_H
#define TCPSIM_INFILE_H

#include <stddef.h>

/* The file's bytes (malloc'd, len bytes, not terminated), or NULL with err filled. `what` names
 * the kind of file in messages ("scenario file", "script"). */
char *infile_read(const char *path, size_t max_bytes, const char *what, size_t *len, char *err,
                  size_t err_size);

#endif
