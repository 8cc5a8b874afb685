/* The tcpsim command line: exit codes, error messages, outputs only when complete, and
 * byte-identical outputs from two runs. Runs build/tcpsim (or $TCPSIM) as a child process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/tcpsim-cli-XXXXXX";
static char err_text[4096];

static const char *tcpsim(void)
{
    const char *t = getenv("TCPSIM");
    return t ? t : "build/tcpsim";
}

/* Runs tcpsim with args (a shell fragment); returns its exit code, stderr in err_text. */
static int run(const char *args)
{
    char cmd[1024], errf[256];
    snprintf(errf, sizeof errf, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>%s", tcpsim(), args, errf);
    int st = system(cmd);
    FILE *f = fopen(errf, "r");
    size_t n = f ? fread(err_text, 1, sizeof err_text - 1, f) : 0;
    err_text[n] = '\0';
    if (f) fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static void assert_err_contains(const char *needle)
{
    if (!strstr(err_text, needle)) fail_msg("stderr lacks \"%s\":\n%s", needle, err_text);
}

static void test_usage_errors_exit_2_with_a_message(void **state)
{
    (void)state;
    assert_int_equal(run(""), 2);
    assert_err_contains("usage: tcpsim");
    assert_int_equal(run("frobnicate"), 2);
    assert_err_contains("unknown command 'frobnicate'");
    assert_int_equal(run("run"), 2);
    assert_err_contains("run: expects a scenario id");
    assert_int_equal(run("run no-such-scenario"), 2);
    assert_err_contains("unknown scenario 'no-such-scenario'");
    assert_int_equal(run("run graceful-close --seed 12x"), 2);
    assert_err_contains("argument 3: --seed expects an unsigned 64-bit integer, got '12x'");
    assert_int_equal(run("run graceful-close --seed"), 2);
    assert_err_contains("argument 3: --seed expects a value");
    assert_int_equal(run("run graceful-close --bogus"), 2);
    assert_err_contains("argument 3: unexpected '--bogus'");
    assert_int_equal(run("list extra"), 2);
}

static void test_help_and_list_succeed(void **state)
{
    (void)state;
    assert_int_equal(run("--help"), 0);
    assert_int_equal(run("list"), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_run_writes_the_timeline_and_nothing_partial(void **state)
{
    (void)state;
    char args[512], path[512];
    snprintf(args, sizeof args, "run graceful-close --out %s/a", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(path, sizeof path, "%s/a/graceful-close/timeline.txt", tmpdir);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/a/.graceful-close.tmp", tmpdir);
    assert_false(exists(path));
}

static void test_unwritable_output_directory_exits_2(void **state)
{
    (void)state;
    char args[512];
    snprintf(args, sizeof args, "run graceful-close --out /proc/tcpsim-cannot-write");
    assert_int_equal(run(args), 2);
    assert_err_contains("cannot create output directory /proc/tcpsim-cannot-write");
}

static void test_two_runs_give_byte_identical_outputs(void **state)
{
    (void)state;
    char args[512], cmd[512];
    snprintf(args, sizeof args, "all --out %s/one", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(args, sizeof args, "all --out %s/two", tmpdir);
    assert_int_equal(run(args), 0);
    snprintf(cmd, sizeof cmd, "diff -r %s/one %s/two", tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors_exit_2_with_a_message),
        cmocka_unit_test(test_help_and_list_succeed),
        cmocka_unit_test(test_run_writes_the_timeline_and_nothing_partial),
        cmocka_unit_test(test_unwritable_output_directory_exits_2),
        cmocka_unit_test(test_two_runs_give_byte_identical_outputs),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
