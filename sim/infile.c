/* infile — see infile.h. */
#include "infile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((format(printf, 4, 5)))
static char *refuse(const char *path, char *err, size_t err_size, const char *fmt, ...)
{
    if (!err || err_size == 0) return NULL;
    int n = snprintf(err, err_size, "%s:1:1: error: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < err_size) vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return NULL;
}

/* Reads at most max_bytes + 1 bytes: enough to know the file is too big. */
char *infile_read(const char *path, size_t max_bytes, const char *what, size_t *len, char *err,
                  size_t err_size)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return refuse(path, err, err_size, "not a regular file, expected a %s", what);
    FILE *f = fopen(path, "rb");
    if (!f)
        return refuse(path, err, err_size, "cannot open the file (%s), expected a readable %s",
                      strerror(errno), what);
    char *buf = malloc(max_bytes + 1);
    if (!buf) {
        fclose(f);
        return refuse(path, err, err_size, "out of memory, expected a smaller %s", what);
    }
    size_t n;
    *len = 0;
    while (*len <= max_bytes && (n = fread(buf + *len, 1, max_bytes + 1 - *len, f)) > 0) *len += n;
    int read_errno = errno;
    bool failed = ferror(f);
    fclose(f);
    if (!failed && *len <= max_bytes) return buf;
    free(buf);
    if (failed)
        return refuse(path, err, err_size, "cannot read the file (%s), expected a readable %s",
                      strerror(read_errno), what);
    return refuse(path, err, err_size, "more than %zu MiB, expected a file of at most %zu MiB "
                  "(%zu bytes)", max_bytes >> 20, max_bytes >> 20, max_bytes);
}
