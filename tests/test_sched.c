/* Scheduler: timer order, blocking and wake-up, timeouts, clock jumps, deadlock reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sched.h"

#include <stdio.h>
#include <string.h>

static char log_buf[512];

static void log_event(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(log_buf);
    va_start(ap, fmt);
    vsnprintf(log_buf + n, sizeof log_buf - n, fmt, ap);
    va_end(ap);
}

static int setup(void **state)
{
    (void)state;
    sched_init();
    log_buf[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sched_fini();
    return 0;
}

static void timer_logs_name(void *arg) { log_event("%s@%llu ", (char *)arg, (unsigned long long)sched_now_us()); }

static void test_timers_fire_by_time_then_insertion_order(void **state)
{
    (void)state;
    sched_at(300, timer_logs_name, "c");
    sched_at(100, timer_logs_name, "a");
    sched_at(300, timer_logs_name, "d");
    sched_at(100, timer_logs_name, "b");
    sched_at(200, timer_logs_name, "x");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "a@100 b@100 x@200 c@300 d@300 ");
    assert_int_equal(sched_now_us(), 300);
}

static void test_run_until_stops_before_later_timers(void **state)
{
    (void)state;
    sched_at(100, timer_logs_name, "a");
    sched_at(500, timer_logs_name, "b");
    assert_int_equal(sched_run(250), RUN_UNTIL);
    assert_int_equal(sched_now_us(), 250);
    assert_string_equal(log_buf, "a@100 ");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "a@100 b@500 ");
}

static struct waitq queue;

static void waiter(void *arg)
{
    log_event("%s-waits@%llu ", (char *)arg, (unsigned long long)sched_now_us());
    enum wait_result r = sched_wait(&queue, SCHED_FOREVER);
    log_event("%s-%s@%llu ", (char *)arg, r == WAIT_WOKEN ? "woken" : "timeout",
              (unsigned long long)sched_now_us());
}

static void waker(void *arg)
{
    (void)arg;
    sched_sleep_us(1000);
    log_event("wake@%llu ", (unsigned long long)sched_now_us());
    sched_wake_all(&queue);
}

static void test_blocked_coroutines_wake_in_fifo_order(void **state)
{
    (void)state;
    memset(&queue, 0, sizeof queue);
    sched_spawn("w1", CORO_PROCESS, NULL, 0, waiter, "w1");
    sched_spawn("w2", CORO_PROCESS, NULL, 0, waiter, "w2");
    sched_spawn("waker", CORO_PROCESS, NULL, 0, waker, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "w1-waits@0 w2-waits@0 wake@1000 w1-woken@1000 w2-woken@1000 ");
}

static void timed_waiter(void *arg)
{
    (void)arg;
    struct waitq never = { 0 };
    enum wait_result r = sched_wait(&never, sched_now_us() + 5000000);
    log_event("%s@%llu ", r == WAIT_TIMEOUT ? "timeout" : "woken", (unsigned long long)sched_now_us());
}

static void test_clock_jumps_to_the_deadline_when_all_are_blocked(void **state)
{
    (void)state;
    sched_spawn("t", CORO_PROCESS, NULL, 0, timed_waiter, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "timeout@5000000 ");
    struct sched_stats st = sched_stats();
    assert_int_equal(st.coros_live, 0);
}

static void yielder(void *arg)
{
    for (int i = 0; i < 2; i++) {
        log_event("%s%d ", (char *)arg, i);
        sched_yield();
    }
}

static void test_yield_round_robins_ready_coroutines_without_time_passing(void **state)
{
    (void)state;
    sched_spawn("a", CORO_PROCESS, NULL, 0, yielder, "a");
    sched_spawn("b", CORO_PROCESS, NULL, 0, yielder, "b");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "a0 b0 a1 b1 ");
    assert_int_equal(sched_now_us(), 0);
}

static void starts_later(void *arg)
{
    (void)arg;
    log_event("start@%llu ", (unsigned long long)sched_now_us());
}

static void test_spawn_with_a_start_time_waits_for_it(void **state)
{
    (void)state;
    sched_spawn("late", CORO_PROCESS, NULL, 7000, starts_later, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
    assert_string_equal(log_buf, "start@7000 ");
}

static void stuck_in_recv(void *arg)
{
    (void)arg;
    struct waitq never = { 0 };
    sched_set_activity("recv(fd 3)");
    sched_wait(&never, SCHED_FOREVER);
}

static void daemon_waits_forever(void *arg)
{
    (void)arg;
    struct waitq never = { 0 };
    sched_wait(&never, SCHED_FOREVER);
}

static void test_deadlock_is_reported_with_each_blocked_process(void **state)
{
    (void)state;
    sched_spawn("tcpip", CORO_DAEMON, NULL, 0, daemon_waits_forever, NULL);
    sched_spawn("client/app", CORO_PROCESS, NULL, 0, stuck_in_recv, NULL);
    sched_at(42, timer_logs_name, "t");
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_DEADLOCK);
    assert_int_equal(sched_now_us(), 42);
    char report[256];
    assert_int_equal(sched_describe_blocked(report, sizeof report), 1);
    assert_string_equal(report, "  client/app blocked in recv(fd 3)\n");
}

static void stuck_in_call(void *arg)
{
    struct waitq never = { 0 };
    sched_set_activity("sleep");   /* replaced by the call below */
    sched_set_activity_call(arg ? "accept" : "socket", arg ? 4 : -1);
    sched_wait(&never, SCHED_FOREVER);
}

/* The socket calls' activity is formatted only when the report is written (issue 11): the
 * same text as sched_set_activity with it written out. */
static void test_deadlock_report_formats_socket_calls_on_demand(void **state)
{
    (void)state;
    sched_spawn("server/app", CORO_PROCESS, NULL, 0, stuck_in_call, "fd");
    sched_spawn("client/app", CORO_PROCESS, NULL, 0, stuck_in_call, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_DEADLOCK);
    char report[256];
    assert_int_equal(sched_describe_blocked(report, sizeof report), 2);
    assert_string_equal(report, "  server/app blocked in accept(fd 4)\n"
                                "  client/app blocked in socket()\n");
}

static void test_daemons_alone_blocked_forever_are_idle_not_deadlock(void **state)
{
    (void)state;
    sched_spawn("tcpip", CORO_DAEMON, NULL, 0, daemon_waits_forever, NULL);
    assert_int_equal(sched_run(SCHED_FOREVER), RUN_IDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timers_fire_by_time_then_insertion_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_until_stops_before_later_timers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked_coroutines_wake_in_fifo_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_jumps_to_the_deadline_when_all_are_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yield_round_robins_ready_coroutines_without_time_passing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_with_a_start_time_waits_for_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlock_is_reported_with_each_blocked_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlock_report_formats_socket_calls_on_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemons_alone_blocked_forever_are_idle_not_deadlock, setup, teardown),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
