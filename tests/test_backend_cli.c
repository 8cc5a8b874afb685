/* tcpsim --backend: usage errors exit 2 with a message; a scenario the Linux backend cannot run
 * is reported as unsupported (exit 2) before anything is set up, so this needs no root; explain
 * shows the three columns. The Linux runs themselves are `make linux` (root, namespaces). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *tcpsim(void) { return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim"; }

/* Runs "tcpsim <args>", its stdout and stderr into out; returns the exit status. */
static int run(const char *args, char *out, size_t size)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", tcpsim(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_unknown_backend_is_a_usage_error(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("run graceful-close --backend bsd --out /tmp/tcpsim-backend-x", out, sizeof out), 2);
    assert_non_null(strstr(out, "--backend expects lwip or linux, got 'bsd'"));
    assert_int_equal(run("all --backend linux --markdown /tmp/tcpsim-backend-x.md", out, sizeof out), 2);
    assert_non_null(strstr(out, "--markdown compares with lwIP"));
}

static void test_too_many_processes_are_unsupported_on_linux(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("run accept-at-fd-limit --backend linux --out /tmp/tcpsim-backend-x", out, sizeof out), 2);
    assert_non_null(strstr(out, "accept-at-fd-limit"));
    assert_non_null(strstr(out, "unsupported on linux: 2006 processes"));
}

/* Crafted segments, also from a third address, are the lwIP backend's alone for now. */
static void test_inject_from_a_third_address_is_unsupported_on_linux(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(run("run tests/scenarios/inject-third-address.scn --backend linux "
                         "--out /tmp/tcpsim-backend-x", out, sizeof out), 2);
    assert_non_null(strstr(out, "unsupported on linux: line 36: inject is not implemented by the "
                                "Linux backend's relay yet"));
}

static void test_explain_shows_the_three_columns(void **state)
{
    (void)state;
    char out[16384];
    assert_int_equal(run("explain graceful-close", out, sizeof out), 0);
    assert_non_null(strstr(out, "Linux (reference):"));
    assert_non_null(strstr(out, "Linux measured ("));
    assert_non_null(strstr(out, "lwIP observed:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_backend_is_a_usage_error),
        cmocka_unit_test(test_too_many_processes_are_unsupported_on_linux),
        cmocka_unit_test(test_inject_from_a_third_address_is_unsupported_on_linux),
        cmocka_unit_test(test_explain_shows_the_three_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
