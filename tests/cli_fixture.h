/* cli_fixture — for tests that run the tcpsim command ($TCPSIM, else build/tcpsim) as a child
 * process: a scratch folder per test group, the exit code, and stderr to look into. Include
 * it after cmocka.h. */
#ifndef TCPSIM_TESTS_CLI_FIXTURE_H
#define TCPSIM_TESTS_CLI_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tmpdir_fixture.h"

static char err_text[4096];

static const char *tcpsim(void)
{
    const char *t = getenv("TCPSIM");
    return t ? t : "build/tcpsim";
}

/* Runs "<shell> tcpsim <args>" (shell: a prefix such as "ulimit -v N;", args a shell
 * fragment); returns tcpsim's exit code, its stderr in err_text. */
static int run_after(const char *shell, const char *args)
{
    char cmd[1024], errf[256];
    snprintf(errf, sizeof errf, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s %s >/dev/null 2>%s", shell, tcpsim(), args, errf);
    int st = system(cmd);
    FILE *f = fopen(errf, "r");
    size_t n = f ? fread(err_text, 1, sizeof err_text - 1, f) : 0;
    err_text[n] = '\0';
    if (f) fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

__attribute__((unused)) static int run(const char *args) { return run_after("", args); }

static void assert_err_contains(const char *needle)
{
    if (!strstr(err_text, needle)) fail_msg("stderr lacks \"%s\":\n%s", needle, err_text);
}

__attribute__((unused)) static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#endif
