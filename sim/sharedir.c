/* sharedir — see sharedir.h. */
#include "sharedir.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TCPSIM_SHARE
#define TCPSIM_SHARE "/usr/local/share/tcpsim"
#endif

const char *sharedir_builtin(void) { return TCPSIM_SHARE; }

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *sharedir_scenarios(void)
{
    static char found[PATH_MAX + 64];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';   /* the bin directory */
        snprintf(found, sizeof found, "%s/../share/tcpsim/scenarios", exe);
        if (is_dir(found)) return found;
    }
    return TCPSIM_SHARE "/scenarios";
}
