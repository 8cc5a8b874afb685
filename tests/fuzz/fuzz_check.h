/* fuzz_check — what every libFuzzer target of a reader asserts (tests/fuzz/fuzz_*.c): CHECK
 * aborts on a broken promise, so libFuzzer reports it as a crash; check_error_line holds a
 * rejection to the one-line form "<file>:<line>:<col>: error: ... expected ...". Header-only:
 * each target is one translation unit. */
#ifndef TCPSIM_FUZZ_CHECK_H
#define TCPSIM_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "broken promise: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort(); \
        } \
    } while (0)

/* err (size bytes) is a terminated single line "<file>:<line>:<col>: error: ... expected ...". */
static inline void check_error_line(const char *err, size_t size, const char *file)
{
    CHECK(memchr(err, '\0', size) != NULL);
    size_t n = strlen(file);
    CHECK(strncmp(err, file, n) == 0 && err[n] == ':');
    int line = 0, col = 0, used = 0;
    CHECK(sscanf(err + n, ":%d:%d: error: %n", &line, &col, &used) == 2 && used > 0);
    CHECK(line >= 1 && col >= 1);
    CHECK(strstr(err, "expected") != NULL);
    CHECK(strchr(err, '\n') == NULL);
}

#endif
