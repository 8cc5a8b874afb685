/* End to end: every scenario in scenarios/ passes `tcpsim check`, and `tcpsim all` reports
 * every one of them ok. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


static const char *tcpsim(void) { return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim"; }

static void test_every_scenario_file_passes_tcpsim_check(void **state)
{
    (void)state;
    DIR *d = opendir("scenarios");
    assert_non_null(d);
    struct dirent *e;
    int files = 0, failures = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".scn") != 0) continue;
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "%s check scenarios/%s --out %s >/dev/null", tcpsim(), e->d_name,
                 tmpdir);
        int st = system(cmd);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "tcpsim check scenarios/%s failed (status %d)\n", e->d_name, st);
            failures++;
        }
        files++;
    }
    closedir(d);
    assert_true(files > 0);
    assert_int_equal(failures, 0);
}

/* `tcpsim all` into out/ (what `make` does), its table as Markdown beside: every row ok, and
 * docs/scenarios.md is exactly that table (regenerate with `make docs`). */
static void test_all_reports_every_scenario_ok_and_docs_are_current(void **state)
{
    (void)state;
    char cmd[1024], line[4096];
    snprintf(cmd, sizeof cmd, "%s all --out out --markdown %s/scenarios.md 2>&1", tcpsim(), tmpdir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int lines = 0;
    while (fgets(line, sizeof line, p)) {
        if (lines++ == 0) {
            assert_non_null(strstr(line, "decisive outcome"));   /* the header */
            continue;
        }
        char id[128], verdict[32];
        if (sscanf(line, "%127s %31s", id, verdict) != 2 || strcmp(verdict, "ok") != 0)
            fail_msg("not ok: %s", line);
    }
    assert_int_equal(pclose(p), 0);
    assert_true(lines > 1);
    snprintf(cmd, sizeof cmd, "diff -u docs/scenarios.md %s/scenarios.md", tmpdir);
    if (system(cmd) != 0) fail_msg("docs/scenarios.md is out of date: run `make docs`");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario_file_passes_tcpsim_check),
        cmocka_unit_test(test_all_reports_every_scenario_ok_and_docs_are_current),
    };
    return cmocka_run_group_tests_name("catalog", tests, setup, teardown);
}
