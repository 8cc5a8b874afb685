/* What `make install` puts in place, seen from outside: the installed tcpsim (its version, its
 * scenarios found from its own location under a PREFIX chosen at install time, the hint when
 * there is no catalog) and the man pages, each rendered by man -l without a warning.
 * make test installs into $TCPSIM_INSTALL_ROOT with PREFIX $TCPSIM_INSTALL_PREFIX first (it
 * builds tests/examples/echo from there too); run alone without them, these tests skip. */
#define _GNU_SOURCE   /* realpath */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char out_text[16384];

/* Runs a shell command; returns its exit code, stdout and stderr together in out_text. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out_text, 1, sizeof out_text - 1, p) : 0;
    out_text[n] = '\0';
    int st = p ? pclose(p) : -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char prefix_dir[1024];   /* $TCPSIM_INSTALL_ROOT$TCPSIM_INSTALL_PREFIX */

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("TCPSIM_INSTALL_ROOT"), *prefix = getenv("TCPSIM_INSTALL_PREFIX");
    if (root && prefix) snprintf(prefix_dir, sizeof prefix_dir, "%s%s", root, prefix);
    return 0;
}

static void need_install(void)
{
    if (!prefix_dir[0]) skip();
}

static void assert_out_contains(const char *needle)
{
    if (!strstr(out_text, needle)) fail_msg("output lacks \"%s\":\n%s", needle, out_text);
}

static void test_installed_tcpsim_prints_its_version(void **state)
{
    need_install();
    assert_int_equal(sh("%s/bin/tcpsim --version 2>&1", prefix_dir), 0);
    assert_out_contains("tcpsim 0.13.0 (lwIP 2.1.3, ");
}

/* The PREFIX given to make install differs from the build's: the scenarios are found beside
 * the binary, from any directory. */
static void test_installed_tcpsim_finds_its_scenarios_from_anywhere(void **state)
{
    need_install();
    assert_int_equal(sh("cd / && env -u TCPSIM_SCENARIOS %s/bin/tcpsim list 2>&1", prefix_dir), 0);
    assert_out_contains("graceful-close");
}

static void test_list_without_a_catalog_says_how_to_point_at_one(void **state)
{
    const char *t = getenv("TCPSIM");
    char bin[4096];
    if (!realpath(t ? t : "build/tcpsim", bin)) skip();   /* TCPSIM is a command (valgrind) */
    assert_int_equal(sh("cd / && TCPSIM_SCENARIOS=/nonexistent %s list 2>&1", bin), 2);
    assert_out_contains("/nonexistent: cannot open the scenario directory");
    assert_out_contains("--scenarios DIR or TCPSIM_SCENARIOS=DIR");
}

static void check_man_page(const char *section, const char *page, const char *name)
{
    need_install();
    char path[1200];
    snprintf(path, sizeof path, "%s/share/man/man%s/%s.%s", prefix_dir, section, page, section);
    /* warnings only (groff -ww through man), then the rendered text */
    assert_int_equal(sh("LC_ALL=C.UTF-8 MANWIDTH=80 man -l --warnings=w '%s' 2>&1 >/dev/null", path), 0);
    if (out_text[0]) fail_msg("man -l %s warns:\n%s", path, out_text);
    assert_int_equal(sh("LC_ALL=C.UTF-8 MANWIDTH=200 man -l '%s' 2>&1 | col -b", path), 0);
    assert_out_contains("NAME");
    assert_out_contains(name);
    assert_out_contains("SEE ALSO");
}

static void test_man_tcpsim_1_renders(void **state)
{
    check_man_page("1", "tcpsim", "tcpsim - run deterministic TCP scenarios");
}

static void test_man_tcpsim_scenario_5_renders(void **state)
{
    check_man_page("5", "tcpsim-scenario", "tcpsim-scenario - the scenario file format");
}

static void test_man_libtcpsim_3_renders(void **state)
{
    check_man_page("3", "libtcpsim", "libtcpsim - deterministic tests of your own BSD socket");
}

/* The installed header tree holds tcpsim/ only: -I<prefix>/include can shadow no libc header. */
static void test_installed_headers_are_under_tcpsim_only(void **state)
{
    need_install();
    assert_int_equal(sh("ls %s/include", prefix_dir), 0);
    assert_string_equal(out_text, "tcpsim\n");
    assert_int_equal(sh("cat %s/include/tcpsim/*.h | grep -c '#include \"' || true", prefix_dir), 0);
    assert_string_equal(out_text, "0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installed_tcpsim_prints_its_version),
        cmocka_unit_test(test_installed_tcpsim_finds_its_scenarios_from_anywhere),
        cmocka_unit_test(test_list_without_a_catalog_says_how_to_point_at_one),
        cmocka_unit_test(test_man_tcpsim_1_renders),
        cmocka_unit_test(test_man_tcpsim_scenario_5_renders),
        cmocka_unit_test(test_man_libtcpsim_3_renders),
        cmocka_unit_test(test_installed_headers_are_under_tcpsim_only),
    };
    return cmocka_run_group_tests_name("install", tests, setup, NULL);
}
