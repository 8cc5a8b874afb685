/* Golden traces: for every folder tests/golden/<id>/, run scenario <id>, explain any change of
 * behaviour with `tcpsim diff` (in the scenario's terms, packets decoded) and compare each file
 * the folder holds with the one the run wrote (formats). Every scenario is checked; the test
 * names all that differ. After reviewing an intended change: `make golden` rewrites the files. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir_fixture.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOLDEN_DIR "tests/golden"


static const char *tcpsim(void)
{
    return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim";
}

/* Byte for byte; on a difference the first lines of a unified diff (text files), unless
 * `tcpsim diff` already explained it. */
static bool file_equal(const char *id, const char *file, bool explained)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cmp -s %s/%s/%s %s/%s/%s", GOLDEN_DIR, id, file, tmpdir, id, file);
    if (system(cmd) == 0) return true;
    if (!explained && !strstr(file, ".pcap")) {
        snprintf(cmd, sizeof cmd, "diff -u %s/%s/%s %s/%s/%s | head -n 12 >&2", GOLDEN_DIR, id,
                 file, tmpdir, id, file);
        if (system(cmd) != 0) fprintf(stderr, "(diff failed)\n");
    }
    fprintf(stderr, "golden mismatch: %s/%s\n", id, file);
    return false;
}

/* The run explained by `tcpsim diff` (when the golden folder has timeline.jsonl), then every
 * golden file compared byte for byte (formats, and the time shift diff forgives). */
static bool scenario_matches(const char *id)
{
    char cmd[2048], path[512];
    /* exit 1 (an expectation failed) still writes every output: the change is explained below */
    snprintf(cmd, sizeof cmd, "%s run %s --out %s >/dev/null 2>&1", tcpsim(), id, tmpdir);
    int st = system(cmd);
    if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {
        fprintf(stderr, "golden: %s did not run (%s)\n", id, cmd);
        return false;
    }
    snprintf(path, sizeof path, "%s/%s/timeline.jsonl", GOLDEN_DIR, id);
    bool ok = true;
    if (access(path, R_OK) == 0) {
        snprintf(cmd, sizeof cmd, "%s diff %s/%s %s/%s > %s/diff.txt 2>&1 || { echo 'golden: %s "
                 "changed (tcpsim diff %s/%s %s/%s):'; cat %s/diff.txt; exit 1; } >&2", tcpsim(),
                 GOLDEN_DIR, id, tmpdir, id, tmpdir, id, GOLDEN_DIR, id, tmpdir, id, tmpdir);
        ok = system(cmd) == 0;
    }
    bool explained = !ok;
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, id);
    DIR *d = opendir(path);
    if (!d) return false;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        files++;
        if (!file_equal(id, e->d_name, explained)) ok = false;
    }
    closedir(d);
    return ok && files > 0;
}

/* Every scenario is checked, and all that differ are named, not just the first. */
static void test_every_golden_scenario_reproduces_its_files(void **state)
{
    (void)state;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    struct dirent *e;
    int scenarios = 0;
    char differing[4096] = "";
    size_t used = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        scenarios++;
        if (!scenario_matches(e->d_name) && used < sizeof differing)
            used += (size_t)snprintf(differing + used, sizeof differing - used, " %s", e->d_name);
    }
    closedir(d);
    assert_true(scenarios > 0);
    if (used) fail_msg("golden traces differ:%s (review, then `make golden`)", differing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_golden_scenario_reproduces_its_files),
    };
    return cmocka_run_group_tests_name("golden", tests, setup, teardown);
}
