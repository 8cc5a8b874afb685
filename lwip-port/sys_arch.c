/* sys_arch.c — lwIP's semaphores, mutexes, mailboxes, threads and clock on the simulator's
 * cooperative scheduler (sim/sched.h) and virtual clock.
 *
 * Blocking here means sched_wait on a wait queue: the calling coroutine (a tcpip thread or a
 * simulated process) gives control back to the scheduler, and the clock can jump. Because only
 * one coroutine runs at a time and none is ever preempted, SYS_ARCH_PROTECT needs no lock
 * (arch/sys_arch.h makes it nothing).
 * Every object is kept on a per-instance list so that port_sys_free_all can release them when
 * the instance is reset (world teardown, host reboot). */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/err.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"

#include "observe.h"
#include "port.h"
#include "sched.h"

#include <stdlib.h>
#include <string.h>

struct port_obj {
    struct port_obj *prev, *next;
    void *extra;                /* a second allocation owned by the object (mailbox slots) */
};

struct port_sem {
    struct port_obj obj;
    unsigned count;
    struct waitq waiters;
};

struct port_mutex {
    struct port_obj obj;
    int locked;
    struct waitq waiters;
};

struct port_mbox {
    struct port_obj obj;
    void **slots;
    size_t size, head, len;
    struct waitq readers, writers;
};

static struct port_obj *port_objects;   /* every live object of this instance */
static uint32_t port_object_count, port_object_max;

/* The tcpip thread, and the deadline it sleeps to while waiting for its next message. */
static struct coro *tcpip_coro;
static bool tcpip_sleeping;
static uint64_t tcpip_wake_us;

static void *port_obj_new(size_t bytes)
{
    struct port_obj *o = calloc(1, bytes);
    if (!o) sched_panic("out of memory in sys_arch");
    o->next = port_objects;
    if (port_objects) port_objects->prev = o;
    port_objects = o;
    if (++port_object_count > port_object_max) port_object_max = port_object_count;
    return o;
}

static void port_obj_free(void *p)
{
    struct port_obj *o = p;
    if (o->prev) o->prev->next = o->next; else port_objects = o->next;
    if (o->next) o->next->prev = o->prev;
    port_object_count--;
    free(o->extra);
    free(o);
}

void port_sys_objects(uint32_t *live, uint32_t *max)
{
    *live = port_object_count;
    *max = port_object_max;
}

void port_sys_free_all(void)
{
    while (port_objects) port_obj_free(port_objects);
}

/* lwIP timeouts are milliseconds, 0 meaning forever. */
static uint64_t deadline_after_ms(u32_t timeout_ms)
{
    return timeout_ms == 0 ? SCHED_FOREVER : sched_now_us() + (uint64_t)timeout_ms * 1000u;
}

static u32_t elapsed_ms_since(uint64_t start_us)
{
    return (u32_t)((sched_now_us() - start_us) / 1000u);
}

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)(sched_now_us() / 1000u); }


/* ---- semaphores ---- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    *sem = port_obj_new(sizeof **sem);
    (*sem)->count = count;
    return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem) { port_obj_free(*sem); *sem = NULL; }
int sys_sem_valid(sys_sem_t *sem) { return sem && *sem; }
void sys_sem_set_invalid(sys_sem_t *sem) { *sem = NULL; }

void sys_sem_signal(sys_sem_t *sem)
{
    (*sem)->count++;
    sched_wake_one(&(*sem)->waiters);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
    uint64_t start_us = sched_now_us(), deadline_us = deadline_after_ms(timeout_ms);
    while ((*sem)->count == 0)
        if (sched_wait(&(*sem)->waiters, deadline_us) == WAIT_TIMEOUT) return SYS_ARCH_TIMEOUT;
    (*sem)->count--;
    return elapsed_ms_since(start_us);
}

/* ---- mutexes (the core lock); never contended for long: holders do not block, except in
 * lwIP's own waits, which release the core lock first ---- */

err_t sys_mutex_new(sys_mutex_t *mutex)
{
    *mutex = port_obj_new(sizeof **mutex);
    return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *mutex) { port_obj_free(*mutex); *mutex = NULL; }
int sys_mutex_valid(sys_mutex_t *mutex) { return mutex && *mutex; }
void sys_mutex_set_invalid(sys_mutex_t *mutex) { *mutex = NULL; }

void sys_mutex_lock(sys_mutex_t *mutex)
{
    while ((*mutex)->locked) sched_wait(&(*mutex)->waiters, SCHED_FOREVER);
    (*mutex)->locked = 1;
}

static void nothing_to_do(void *ctx) { (void)ctx; }

/* With core locking, a process's socket call can start an lwIP timer (tcp_timer_needed on
 * connect, say) while the tcpip thread sleeps until its previous deadline, or forever: lwIP
 * does not wake it (real ports hide this behind a perpetual ARP timer, which this
 * configuration does not have). So before a process gives the core lock back, wake the thread
 * with an empty callback whenever lwIP's next timeout is now earlier than its deadline; it then
 * recomputes its sleep and every timer fires on time. */
static void wake_tcpip_for_new_timer(void)
{
    u32_t sleep_ms = sys_timeouts_sleeptime();
    if (sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE) return;
    if (sched_now_us() + (uint64_t)sleep_ms * 1000u >= tcpip_wake_us) return;
    if (tcpip_try_callback(nothing_to_do, NULL) == ERR_OK) tcpip_wake_us = sched_now_us();
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
    if (mutex == &lock_tcpip_core && tcpip_sleeping && sched_current() != tcpip_coro)
        wake_tcpip_for_new_timer();
    (*mutex)->locked = 0;
    sched_wake_one(&(*mutex)->waiters);
}

/* ---- mailboxes: a ring of `size` slots ---- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
    if (size <= 0) size = 64;
    *mbox = port_obj_new(sizeof **mbox);
    (*mbox)->slots = (*mbox)->obj.extra = calloc((size_t)size, sizeof *(*mbox)->slots);
    if (!(*mbox)->slots) sched_panic("out of memory in sys_mbox_new");
    (*mbox)->size = (size_t)size;
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
    port_obj_free(*mbox);
    *mbox = NULL;
}

int sys_mbox_valid(sys_mbox_t *mbox) { return mbox && *mbox; }
void sys_mbox_set_invalid(sys_mbox_t *mbox) { *mbox = NULL; }

/* Some mailbox was full at some point since power-on: a post would have waited or been
 * refused. Mailbox sizes differ between instance families (lwipopts.h), so a run on the small
 * family that filled one is not proven equal to the default family's (stack.c bound_reached). */
static bool mbox_was_full;

bool port_mbox_was_full(void) { return mbox_was_full; }

static void mbox_put(struct port_mbox *m, void *msg)
{
    m->slots[(m->head + m->len++) % m->size] = msg;
    if (m->len == m->size) mbox_was_full = true;
    sched_wake_one(&m->readers);
}

static void *mbox_take(struct port_mbox *m)
{
    void *msg = m->slots[m->head];
    m->head = (m->head + 1) % m->size;
    m->len--;
    sched_wake_one(&m->writers);
    return msg;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
    while ((*mbox)->len == (*mbox)->size) sched_wait(&(*mbox)->writers, SCHED_FOREVER);
    mbox_put(*mbox, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
    if ((*mbox)->len == (*mbox)->size) {
        mbox_was_full = true;
        return ERR_MEM;
    }
    mbox_put(*mbox, msg);
    return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg) { return sys_mbox_trypost(mbox, msg); }

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout_ms)
{
    uint64_t start_us = sched_now_us(), deadline_us = deadline_after_ms(timeout_ms);
    u32_t start_ms = sys_now();
    /* Each message a thread takes is one step of the stack: let observers see the state the
     * previous message left before this one is processed. */
    bool is_tcpip = sched_current() == tcpip_coro;
    port_step();
    if (is_tcpip) observe_step_done();
    while ((*mbox)->len == 0) {
        if (is_tcpip) {
            tcpip_sleeping = true;
            tcpip_wake_us = deadline_us;
        }
        enum wait_result r = sched_wait(&(*mbox)->readers, deadline_us);
        if (is_tcpip) tcpip_sleeping = false;
        if (r == WAIT_TIMEOUT) {
            if (is_tcpip) observe_step_begin(true);   /* tcpip_thread runs its timers now */
            return SYS_ARCH_TIMEOUT;
        }
    }
    /* lwIP's tcpip_timeouts_mbox_fetch runs the timers after this message when the wait
     * lasted until they were due (sys_timeouts_sleeptime, in sys_now milliseconds). */
    if (is_tcpip) observe_step_begin(timeout_ms != 0 && sys_now() - start_ms >= timeout_ms);
    void *m = mbox_take(*mbox);
    if (msg) *msg = m;
    return elapsed_ms_since(start_us);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
    if ((*mbox)->len == 0) return SYS_MBOX_EMPTY;
    void *m = mbox_take(*mbox);
    if (msg) *msg = m;
    return 0;
}

/* ---- threads ---- */

bool port_on_tcpip_thread(void) { return tcpip_coro && sched_current() == tcpip_coro; }

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn thread, void *arg, int stacksize,
                            int prio)
{
    (void)stacksize;
    (void)prio;
    char full[48];
    snprintf(full, sizeof full, "%s/%s", port_host_name(), name);
    struct coro *c = sched_spawn(full, CORO_DAEMON, port_host(), sched_now_us(), thread, arg);
    if (!tcpip_coro) tcpip_coro = c;   /* lwIP starts exactly one thread: tcpip_thread */
    return c;
}
