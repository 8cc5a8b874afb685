/* lwip-port/lwipopts-required.h: a user's lwIP options (make LWIPOPTS=file) that break what
 * the simulator needs stop the build with an #error saying why; tcpsim's own options and a
 * user file that changes only free options pass. Each case preprocesses lwIP's opt.h with a
 * generated lwipopts.h, as the LWIPOPTS build does (mk/lwipopts.mk), without building lwIP. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Files are generated under the build directory and left there (build artefacts). */
static const char *const tmpdir = "build/tests/lwipopts-check";
static char output[8192];

/* The user's file is tcpsim's options plus `changes`; returns the compiler's exit status,
 * its messages in output. */
static int compile_with(const char *changes)
{
    char path[512], cwd[400], cmd[2048];
    if (!getcwd(cwd, sizeof cwd) || system("mkdir -p build/tests/lwipopts-check") != 0) return -1;
    snprintf(path, sizeof path, "%s/user.h", tmpdir);
    FILE *f = fopen(path, "w");
    fprintf(f, "#include \"%s/lwip-port/lwipopts.h\"\n%s\n", cwd, changes);
    fclose(f);
    snprintf(path, sizeof path, "%s/lwipopts.h", tmpdir);
    f = fopen(path, "w");
    fprintf(f, "#define TCPSIM_LWIPOPTS_USER 1\n#include \"%s/%s/user.h\"\n"
               "#include \"lwipopts-required.h\"\n", cwd, tmpdir);
    fclose(f);
    snprintf(cmd, sizeof cmd, "echo '#include \"lwip/opt.h\"' | ${CC:-cc} -std=c11 -fsyntax-only "
             "-I%s -Ilwip-port -Ibuild/lwip/src/include -iquote sim -x c - 2>&1", tmpdir);
    FILE *p = popen(cmd, "r");
    size_t n = fread(output, 1, sizeof output - 1, p);
    output[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void assert_rejected(const char *changes, const char *message)
{
    assert_int_not_equal(compile_with(changes), 0);
    if (!strstr(output, message)) fail_msg("no \"%s\" in:\n%s", message, output);
}

static void test_tcpsims_own_options_pass(void **state)
{
    if (compile_with("") != 0) fail_msg("%s", output);
}

static void test_free_options_pass(void **state)
{
    const char *changes = "#undef TCP_WND\n#define TCP_WND (2 * TCP_MSS)\n#define TCP_MSL 30000UL\n"
                          "#undef LWIP_TCP_KEEPALIVE\n#define LWIP_TCP_KEEPALIVE 0\n";
    if (compile_with(changes) != 0) fail_msg("%s", output);
}

static void test_no_sys_is_rejected_with_its_reason(void **state)
{
    assert_rejected("#undef NO_SYS\n#define NO_SYS 1",
                    "tcpsim needs NO_SYS 0: simulated processes use lwIP's socket API");
}

static void test_ip_reassembly_is_rejected_with_its_reason(void **state)
{
    assert_rejected("#undef IP_REASSEMBLY\n#define IP_REASSEMBLY 1",
                    "tcpsim needs IP_REASSEMBLY 0: its 1 s timer would run forever");
}

static void test_compat_socket_names_are_rejected(void **state)
{
    assert_rejected("#undef LWIP_COMPAT_SOCKETS", "tcpsim needs LWIP_COMPAT_SOCKETS 0");
}

static void test_small_alignment_is_rejected(void **state)
{
    assert_rejected("#undef MEM_ALIGNMENT\n#define MEM_ALIGNMENT 4", "tcpsim needs MEM_ALIGNMENT 8");
}

static void test_libc_errno_numbers_are_required(void **state)
{
    assert_rejected("#undef LWIP_ERRNO_STDINCLUDE", "tcpsim needs LWIP_ERRNO_STDINCLUDE 1");
}

static void test_arp_is_rejected(void **state)
{
    assert_rejected("#undef LWIP_ARP\n#define LWIP_ARP 1", "tcpsim needs LWIP_ARP 0 and LWIP_ETHERNET 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcpsims_own_options_pass),
        cmocka_unit_test(test_free_options_pass),
        cmocka_unit_test(test_no_sys_is_rejected_with_its_reason),
        cmocka_unit_test(test_ip_reassembly_is_rejected_with_its_reason),
        cmocka_unit_test(test_compat_socket_names_are_rejected),
        cmocka_unit_test(test_small_alignment_is_rejected),
        cmocka_unit_test(test_libc_errno_numbers_are_required),
        cmocka_unit_test(test_arp_is_rejected),
    };
    return cmocka_run_group_tests_name("lwipopts", tests, NULL, NULL);
}
