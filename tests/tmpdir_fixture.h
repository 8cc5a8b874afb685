/* tmpdir_fixture — a scratch folder for one cmocka test group: the group's setup makes `tmpdir`,
 * its teardown removes it with everything the tests wrote there. Include it after cmocka.h. */
#ifndef TCPSIM_TESTS_TMPDIR_FIXTURE_H
#define TCPSIM_TESTS_TMPDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/tcpsim-test-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

#endif
