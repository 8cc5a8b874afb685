/* lwIP instances: isolation (nothing created on one stack is visible on the other) and reset
 * to power-on state between worlds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "proc.h"
#include "world.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void count_listeners(void *ctx, const struct stack_pcb *pcb)
{
    if (pcb->state == STACK_LISTEN) (*(int *)ctx)++;
}

static int listeners_on(struct host *h)
{
    int n = 0;
    host_stack(h)->pcb_walk(&n, count_listeners);
    return n;
}

struct isolation_result {
    int a_fd, b_close_err, b_bind_ret, b_fd, a_listeners_seen_by_a, listeners_seen_by_b;
};
static struct isolation_result iso;
static struct host *host_a, *host_b;

static void on_a(struct proc *p, void *arg)
{
    (void)arg;
    iso.a_fd = proc_socket(p);
    proc_bind(p, iso.a_fd, NULL, 7000);
    proc_listen(p, iso.a_fd, 1);
    proc_sleep_us(p, 1000);           /* keep the listener while B looks */
}

static void on_b(struct proc *p, void *arg)
{
    (void)arg;
    const struct lwip_stack *b = host_stack(host_b);
    int err = 0;
    iso.a_listeners_seen_by_a = listeners_on(host_a);
    iso.listeners_seen_by_b = listeners_on(host_b);
    /* lwIP socket 0 exists on A (the listener); on B it does not. */
    b->close(0, &err);
    iso.b_close_err = err;
    /* The same port is free on B: each stack has its own pcb lists. */
    iso.b_fd = proc_socket(p);
    iso.b_bind_ret = proc_bind(p, iso.b_fd, NULL, 7000);
}

static void test_a_socket_on_stack_a_is_invisible_on_stack_b(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    host_a = world_add_host(w, "a", "10.0.0.1");
    host_b = world_add_host(w, "b", "10.0.0.2");
    assert_ptr_not_equal(host_stack(host_a), host_stack(host_b));
    memset(&iso, 0, sizeof iso);
    host_spawn(host_a, "app", 0, on_a, NULL);
    host_spawn(host_b, "app", 500, on_b, NULL);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    assert_int_equal(iso.a_fd, 3);
    assert_int_equal(iso.a_listeners_seen_by_a, 1);
    assert_int_equal(iso.listeners_seen_by_b, 0);
    assert_int_equal(iso.b_close_err, EBADF);
    assert_int_equal(iso.b_fd, 3);
    assert_int_equal(iso.b_bind_ret, 0);
    world_free(w);
}

static void test_more_hosts_than_instances_is_refused(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    char name[16], ip[24];
    for (unsigned i = 0; i < stack_instance_count; i++) {
        snprintf(name, sizeof name, "h%u", i);
        snprintf(ip, sizeof ip, "10.0.0.%u", i + 1);
        assert_non_null(world_add_host(w, name, ip));
    }
    assert_null(world_add_host(w, "one-too-many", "10.0.0.200"));
    world_free(w);
}

static void test_duplicate_name_or_address_or_bad_address_is_refused(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    assert_non_null(world_add_host(w, "a", "10.0.0.1"));
    assert_null(world_add_host(w, "a", "10.0.0.2"));
    assert_null(world_add_host(w, "b", "10.0.0.1"));
    assert_null(world_add_host(w, "b", "10.0.0.256"));
    assert_null(world_add_host(w, "b", "10.0.0"));
    world_free(w);
}

static void listen_and_leave(struct proc *p, void *arg)
{
    (void)arg;
    int fd = proc_socket(p);
    proc_bind(p, fd, NULL, 9);
    proc_listen(p, fd, 1);
    /* exits without close: the host closes the fd */
}

static void test_reset_gives_a_fresh_stack_to_the_next_world(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        struct world_config cfg = world_config_default();
        struct world *w = world_new(&cfg);
        struct host *h = world_add_host(w, "a", "10.0.0.1");
        struct stack_pool pools[32];
        size_t n = host_stack(h)->pools(pools, 32);
        for (size_t i = 0; i < n; i++)
            if (strcmp(pools[i].name, "HEAP") != 0 && strcmp(pools[i].name, "SYS_TIMEOUT") != 0 &&
                strcmp(pools[i].name, "SYS_OBJECTS") != 0)
                assert_int_equal(pools[i].max_used, 0);   /* nothing left from the last world */
        host_spawn(h, "app", 0, listen_and_leave, NULL);
        assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
        assert_int_equal(listeners_on(h), 0);
        world_free(w);
    }
}

static void hold_a_socket(struct proc *p, void *arg)
{
    (void)arg;
    int fd = proc_socket(p);
    proc_sleep_us(p, 10000);
    proc_close(p, fd);
}

static void test_leak_check_names_a_pool_in_use_until_it_is_freed(void **state)
{
    (void)state;
    struct world_config cfg = world_config_default();
    struct world *w = world_new(&cfg);
    struct host *h = world_add_host(w, "a", "10.0.0.1");
    host_spawn(h, "app", 0, hold_a_socket, NULL);
    char where[256];
    assert_int_equal(world_run(w, 5000), RUN_UNTIL);      /* the socket is open */
    assert_true(host_pool_leak(h, where, sizeof where));
    assert_non_null(strstr(where, "a: pool "));
    assert_int_equal(world_leaks(w, where, sizeof where), 1);
    assert_int_equal(world_run(w, SCHED_FOREVER), RUN_IDLE);
    assert_false(host_pool_leak(h, where, sizeof where));
    assert_int_equal(world_leaks(w, where, sizeof where), 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_socket_on_stack_a_is_invisible_on_stack_b),
        cmocka_unit_test(test_more_hosts_than_instances_is_refused),
        cmocka_unit_test(test_duplicate_name_or_address_or_bad_address_is_refused),
        cmocka_unit_test(test_reset_gives_a_fresh_stack_to_the_next_world),
        cmocka_unit_test(test_leak_check_names_a_pool_in_use_until_it_is_freed),
    };
    return cmocka_run_group_tests_name("stack", tests, NULL, NULL);
}
