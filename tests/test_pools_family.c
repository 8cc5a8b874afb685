/* Instance families (issue 11): the command runs every scenario on the small lwIP family first
 * and again on the default one when a bound of the small family was reached. Either way the
 * outputs must be byte for byte those of a run on the default family alone; the run summary
 * says whether the small family's attempt was discarded (run_summary.pools_redone). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir_fixture.h"

#include "outputs.h"
#include "run_dir.h"
#include "scenario.h"
#include "world.h"

/* Whether two files hold the same bytes (false if either cannot be read). */
static bool same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    for (int ca = 0, cb = 0; same && ca != EOF; same = ca == cb) {
        ca = fgetc(fa);
        cb = fgetc(fb);
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

/* Runs the scenario into <tmpdir>/<sub> (without Graphviz) and returns its summary. */
static struct run_summary run_into(const struct scenario *sc, const char *sub, bool default_pools)
{
    char dir[512], err[1024] = "";
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
    assert_int_equal(mkdir(dir, 0777), 0);
    struct backend_options o = { .horizon_us = RUN_DEFAULT_HORIZON_US, .budget = budget_defaults(),
                                 .no_svg = true, .default_pools = default_pools };
    struct run_summary s;
    if (run_dir(sc, &o, dir, &s, err, sizeof err) != 0) fail_msg("run_dir: %s", err);
    return s;
}

/* Every file of the run on the default family is in the other run, with the same bytes. */
static void assert_same_outputs(const char *a, const char *b)
{
    int compared = 0;
    for (int i = 0; i < outputs_file_count; i++) {
        char pa[600], pb[600];
        snprintf(pa, sizeof pa, "%s/%s/%s", tmpdir, a, outputs_files[i]);
        snprintf(pb, sizeof pb, "%s/%s/%s", tmpdir, b, outputs_files[i]);
        bool in_a = access(pa, F_OK) == 0, in_b = access(pb, F_OK) == 0;
        if (in_a != in_b) fail_msg("%s is in one run only", outputs_files[i]);
        if (!in_a) continue;
        if (!same_bytes(pa, pb)) fail_msg("%s and %s differ", pa, pb);
        compared++;
    }
    assert_true(compared >= 4);   /* timeline.txt, timeline.jsonl, capture.pcap, states.dot, ... */
}

static void same_as_default_family(const char *file, const char *id, bool redone)
{
    char err[1024];
    struct scenario *sc = scenario_load(file, err, sizeof err);
    if (!sc) fail_msg("%s", err);
    char auto_dir[64], default_dir[64];
    snprintf(auto_dir, sizeof auto_dir, "%s-auto", id);
    snprintf(default_dir, sizeof default_dir, "%s-default", id);
    struct run_summary s = run_into(sc, auto_dir, false);
    struct run_summary d = run_into(sc, default_dir, true);
    assert_int_equal(s.pools_redone, redone);
    assert_false(d.pools_redone);
    assert_int_equal(s.result, RUN_IDLE);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.expects, d.expects);
    assert_int_equal(s.segments, d.segments);
    assert_int_equal(s.end_us, d.end_us);
    assert_same_outputs(default_dir, auto_dir);
    run_summary_free(&s);
    run_summary_free(&d);
    scenario_free(sc);
}

/* 80 connections at once on each host: the small family's 64 netconns run out, the attempt is
 * discarded and the outputs are the default family's. */
static void test_a_scenario_beyond_the_small_family_is_redone_on_the_default_one(void **state)
{
    (void)state;
    same_as_default_family("tests/scenarios/beyond-small-pools.scn", "beyond", true);
}

/* One connection: the small family is enough, and its run is the default family's. */
static void test_a_small_scenario_stays_on_the_small_family_with_the_same_outputs(void **state)
{
    (void)state;
    same_as_default_family("scenarios/connect-refused.scn", "refused", false);
    same_as_default_family("scenarios/half-close.scn", "half-close", false);
}

/* The families differ in the connection-sized pools only, and have as many instances. */
static void test_the_small_family_is_sized_for_64_connections(void **state)
{
    (void)state;
    for (unsigned i = 0; i < stack_instance_count; i++) {
        assert_int_equal(stack_small_instances[i]->pool_conns, 64);
        assert_true(stack_instances[i]->pool_conns > 64);
        assert_ptr_not_equal(stack_small_instances[i], stack_instances[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_scenario_beyond_the_small_family_is_redone_on_the_default_one),
        cmocka_unit_test(test_a_small_scenario_stays_on_the_small_family_with_the_same_outputs),
        cmocka_unit_test(test_the_small_family_is_sized_for_64_connections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
