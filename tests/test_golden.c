/* Golden traces: for every folder tests/golden/<id>/, run scenario <id> and compare each file
 * the folder holds with the one the run wrote. Any change in behaviour or format fails with a
 * unified diff (text files) or the first differing byte (capture.pcap). After reviewing an
 * intended change: `make golden` rewrites the files. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR "tests/golden"

static char out_dir[] = "/tmp/tcpsim-golden-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(out_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out_dir);
    return system(cmd);
}

static int compare_file(const char *id, const char *file)
{
    char cmd[1024];
    bool binary = strstr(file, ".pcap") != NULL;
    snprintf(cmd, sizeof cmd, "%s %s/%s/%s %s/%s/%s", binary ? "cmp" : "diff -u", GOLDEN_DIR, id,
             file, out_dir, id, file);
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "golden mismatch: %s/%s (review, then `make golden`)\n", id, file);
    return rc;
}

static void compare_scenario(const char *id)
{
    char cmd[1024], path[512];
    const char *tcpsim = getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim";
    snprintf(cmd, sizeof cmd, "%s run %s --out %s >/dev/null", tcpsim, id, out_dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, id);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    int failures = 0, files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        files++;
        failures += compare_file(id, e->d_name) != 0;
    }
    closedir(d);
    assert_true(files > 0);
    if (failures) fail_msg("%s: %d golden file(s) differ", id, failures);
}

static void test_every_golden_scenario_reproduces_its_files(void **state)
{
    (void)state;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    struct dirent *e;
    int scenarios = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        compare_scenario(e->d_name);
        scenarios++;
    }
    closedir(d);
    assert_true(scenarios > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_golden_scenario_reproduces_its_files),
    };
    return cmocka_run_group_tests_name("golden", tests, setup, teardown);
}
