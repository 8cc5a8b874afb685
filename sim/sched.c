/* sched — see sched.h. Coroutines run on mmap'd stacks with a guard page, so a stack overflow
 * is a clean SIGSEGV rather than silent corruption. On x86-64 a switch is a few instructions
 * (ctx_swap below: callee-saved registers, the SSE and x87 control words, the stack pointer) and
 * makes no system call; elsewhere, and in AddressSanitizer builds (whose swapcontext handling
 * the annotations below were written for), ucontext's swapcontext, which costs two
 * rt_sigprocmask system calls per switch. Coroutines never change the signal mask, so saving
 * it buys nothing.
 *
 * Every stack switch goes through switch_stack(), which tells AddressSanitizer (when compiled
 * in), and every coroutine stack is registered with Valgrind (when its header is installed):
 * see "stack switches" below. */
#define _GNU_SOURCE
#include "sched.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

/* gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define SCHED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCHED_ASAN 1
#endif
#endif
#ifdef SCHED_ASAN
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <sanitizer/asan_interface.h>
#endif
/* The client requests cost a few instructions and do nothing outside Valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SCHED_VALGRIND 1
#endif
#endif

#if defined(__x86_64__) && !defined(SCHED_ASAN) && !defined(SCHED_UCONTEXT)
#define SCHED_FAST_SWITCH 1
#endif

#define CORO_STACK_BYTES (256 * 1024)

/* A suspended execution: where its stack pointer was (fast switch), or a ucontext. */
struct sched_ctx {
#ifdef SCHED_FAST_SWITCH
    void *sp;
#else
    ucontext_t uc;
#endif
};
#define ACTIVITY_BYTES 96

struct timer {
    uint64_t t_us, seq;
    size_t heap_index;          /* SIZE_MAX when not in the heap */
    void (*fn)(void *arg);
    void *arg;
    bool owned_by_heap;         /* sched_at timers are kept for reuse after firing */
    struct timer *spare_next;   /* in S.spare_timers */
};

struct coro {
    char name[48];
    enum coro_kind kind;
    void *owner;
    void (*fn)(void *arg);
    void *arg;
    struct sched_ctx ctx;
    void *stack_map;
    size_t stack_map_bytes;
    void *stack_fake;           /* ASan's fake frames of this stack while it is switched out */
    unsigned valgrind_stack_id;
    bool done, waiting;
    struct waitq *wq;           /* queue it is blocked on, if any */
    struct coro *wq_prev, *wq_next;
    struct coro *ready_next;
    struct coro *all_prev, *all_next;
    struct timer deadline;      /* armed while waiting with a deadline, or before start */
    enum wait_result result;
    char activity[ACTIVITY_BYTES];
    /* sched_set_activity_call: the call and its fd, formatted only when a deadlock report
     * asks (a call per socket call would otherwise pay a snprintf nobody reads) */
    const char *activity_call;
    int activity_fd;
};

static struct {
    bool initialised;
    uint64_t now_us, next_seq;
    struct timer **heap;
    size_t heap_len, heap_cap;
    struct coro *ready_head, *ready_tail;
    struct coro *all_head, *all_tail;   /* creation order, for reports */
    struct coro *current;
    struct sched_ctx main_ctx;
    const void *main_stack_bottom;  /* the scheduler's (thread) stack, learnt from ASan */
    size_t main_stack_bytes;
    void *main_stack_fake;
    void (*step_hook)(void *owner, void *ctx);
    void *step_ctx;
    struct sched_stats stats;
    bool stop_requested;            /* sched_stop: sched_run returns at its next turn */
    struct timer *spare_timers;     /* fired sched_at timers: reused, no malloc per timer */
} S;

static volatile sig_atomic_t stop_requested;   /* outside S: sched_init must not race it */

_Noreturn void sched_panic(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tcpsim: internal error at t=%llu.%06llu s: ",
            (unsigned long long)(S.now_us / 1000000), (unsigned long long)(S.now_us % 1000000));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

_Noreturn void sched_exhausted(const char *resource, const char *how_to_raise)
{
    fprintf(stderr, "tcpsim: out of %s at t=%llu.%06llu s (%llu coroutines live); %s\n", resource,
            (unsigned long long)(S.now_us / 1000000), (unsigned long long)(S.now_us % 1000000),
            (unsigned long long)S.stats.coros_live, how_to_raise);
    exit(SCHED_EXIT_RESOURCE);
}

_Noreturn void sched_out_of_memory(void)
{
    sched_exhausted("memory", "give the process more memory (ulimit -v, the container's limit) "
                              "or run fewer processes and events (--max-events)");
}

void sched_request_stop(void) { stop_requested = 1; }
bool sched_stop_requested(void) { return stop_requested != 0; }

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) sched_out_of_memory();
    return p;
}

/* ---- timer heap: min-heap on (t_us, seq) with back-indices for O(log n) removal ---- */

static bool timer_before(const struct timer *a, const struct timer *b)
{
    return a->t_us != b->t_us ? a->t_us < b->t_us : a->seq < b->seq;
}

static void heap_set(size_t i, struct timer *t)
{
    S.heap[i] = t;
    t->heap_index = i;
}

static void heap_sift_up(size_t i)
{
    struct timer *t = S.heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, S.heap[parent])) break;
        heap_set(i, S.heap[parent]);
        i = parent;
    }
    heap_set(i, t);
}

static void heap_sift_down(size_t i)
{
    struct timer *t = S.heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= S.heap_len) break;
        if (child + 1 < S.heap_len && timer_before(S.heap[child + 1], S.heap[child])) child++;
        if (!timer_before(S.heap[child], t)) break;
        heap_set(i, S.heap[child]);
        i = child;
    }
    heap_set(i, t);
}

static void heap_push(struct timer *t)
{
    if (S.heap_len == S.heap_cap) {
        S.heap_cap = S.heap_cap ? 2 * S.heap_cap : 64;
        S.heap = realloc(S.heap, S.heap_cap * sizeof *S.heap);
        if (!S.heap) sched_out_of_memory();
    }
    t->seq = S.next_seq++;
    heap_set(S.heap_len++, t);
    heap_sift_up(t->heap_index);
}

static void heap_remove(struct timer *t)
{
    size_t i = t->heap_index;
    if (i == SIZE_MAX) return;
    t->heap_index = SIZE_MAX;
    struct timer *last = S.heap[--S.heap_len];
    if (last == t) return;
    heap_set(i, last);
    heap_sift_up(i);
    heap_sift_down(last->heap_index);
}

static struct timer *heap_pop(void)
{
    struct timer *t = S.heap[0];
    heap_remove(t);
    return t;
}

/* The usable stack of a coroutine: its mapping above the guard page. */
static char *coro_stack(const struct coro *c)
{
    return (char *)c->stack_map + (c->stack_map_bytes - CORO_STACK_BYTES);
}

/* ---- stack switches ----
 * AddressSanitizer tracks which stack the thread is on (to poison and unpoison frames, and for
 * its "fake stack" of use-after-return detection); a swapcontext it is not told about makes it
 * report false stack-buffer-overflows or crash in its unwinder. So every switch is bracketed:
 * __sanitizer_start_switch_fiber(where to keep the leaving stack's fake frames, the stack
 * entered) before, __sanitizer_finish_switch_fiber(the fake frames kept for this stack) after.
 * A finished coroutine passes NULL: its fake frames are freed with it. (A coroutine destroyed
 * while blocked leaves its fake frames behind, ASan-internal memory that no call frees and no
 * leak check reports; there are any only with detect_stack_use_after_return=1.)
 *
 * ASan also intercepts swapcontext, from before these annotations existed: the interceptor
 * prints a warning on stderr (into the program's own output) and clears the shadow of the whole
 * stack entered on every switch, which erases the redzones of the frames suspended there. With
 * the switches annotated neither is wanted, so ASan builds call libc's own swapcontext, and a
 * stack's shadow is cleared once, when it is unmapped (coro_free). */

#if defined(SCHED_FAST_SWITCH)
/* ctx_swap(save, to): pushes the callee-saved registers (System V x86-64 ABI) and the MXCSR and
 * x87 control words, stores the stack pointer in *save, loads `to` and pops the same from there.
 * The caller-saved registers are the compiler's to save around the call. */
void tcpsim_ctx_swap(void **save, void *to);
__asm__(".text\n"
        ".globl tcpsim_ctx_swap\n"
        ".type tcpsim_ctx_swap, @function\n"
        "tcpsim_ctx_swap:\n"
        "    pushq %rbp\n    pushq %rbx\n    pushq %r12\n    pushq %r13\n"
        "    pushq %r14\n    pushq %r15\n"
        "    subq $8, %rsp\n    stmxcsr (%rsp)\n    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n    fldcw 4(%rsp)\n    addq $8, %rsp\n"
        "    popq %r15\n    popq %r14\n    popq %r13\n    popq %r12\n"
        "    popq %rbx\n    popq %rbp\n"
        "    ret\n"
        ".size tcpsim_ctx_swap, .-tcpsim_ctx_swap\n");

static void raw_swapcontext(struct sched_ctx *save, const struct sched_ctx *to)
{
    tcpsim_ctx_swap(&save->sp, to->sp);
}

/* A fresh stack that ctx_swap "returns" into `entry`, as if entry had been called (the return
 * address slot 16-byte aligned, so that entry starts with rsp = 8 mod 16). */
static void ctx_make(struct sched_ctx *ctx, char *stack, size_t bytes, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)stack + bytes) & ~(uintptr_t)15;
    void **sp = (void **)top;
    *--sp = NULL;                   /* entry's own return address: it never returns */
    *--sp = (void *)entry;          /* where ctx_swap's ret goes */
    for (int i = 0; i < 6; i++) *--sp = NULL;   /* rbp rbx r12 r13 r14 r15 */
    uint32_t *csr = (uint32_t *)--sp;
    csr[0] = 0x1f80;                /* MXCSR at power-on: all exceptions masked, round to nearest */
    csr[1] = 0x037f;                /* x87 control word at power-on */
    ctx->sp = sp;
}
#else
#ifdef SCHED_ASAN
static int libc_swapcontext_call(ucontext_t *save, const ucontext_t *to)
{
    static __typeof__(swapcontext) *libc_swapcontext;
    if (!libc_swapcontext) {
        void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
        libc_swapcontext = libc ? (__typeof__(swapcontext) *)dlsym(libc, "swapcontext") : NULL;
        if (!libc_swapcontext) libc_swapcontext = swapcontext;   /* the interceptor, then */
    }
    return libc_swapcontext(save, to);
}
#else
static int libc_swapcontext_call(ucontext_t *save, const ucontext_t *to)
{
    return swapcontext(save, to);
}
#endif

static void raw_swapcontext(struct sched_ctx *save, const struct sched_ctx *to)
{
    libc_swapcontext_call(&save->uc, &to->uc);
}

static void ctx_make(struct sched_ctx *ctx, char *stack, size_t bytes, void (*entry)(void))
{
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = stack;
    ctx->uc.uc_stack.ss_size = bytes;
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, entry, 0);
}
#endif

static void asan_start(void **leaving_fake, const void *bottom, size_t bytes)
{
#ifdef SCHED_ASAN
    __sanitizer_start_switch_fiber(leaving_fake, bottom, bytes);
#else
    (void)leaving_fake, (void)bottom, (void)bytes;
#endif
}

static void asan_finish(void *fake, const void **from_bottom, size_t *from_bytes)
{
#ifdef SCHED_ASAN
    __sanitizer_finish_switch_fiber(fake, from_bottom, from_bytes);
#else
    (void)fake, (void)from_bottom, (void)from_bytes;
#endif
}

/* Save the running context in `save` and continue in `to`, whose stack is [bottom, +bytes).
 * leaving_fake: where ASan keeps the fake frames of the stack being left (NULL: it is finished).
 * Returns when something switches back to `save`. */
static void switch_stack(struct sched_ctx *save, const struct sched_ctx *to, void **leaving_fake,
                         const void *bottom, size_t bytes)
{
    asan_start(leaving_fake, bottom, bytes);
    raw_swapcontext(save, to);
    asan_finish(leaving_fake ? *leaving_fake : NULL, NULL, NULL);
}

/* Valgrind must know each coroutine stack: otherwise a switch looks like the stack pointer
 * jumping by gigabytes, and it warns and mis-tracks the stack. */
static void valgrind_register_stack(struct coro *c)
{
#ifdef SCHED_VALGRIND
    char *lo = coro_stack(c);
    c->valgrind_stack_id = VALGRIND_STACK_REGISTER(lo, lo + CORO_STACK_BYTES);
#else
    (void)c;
#endif
}

/* A coroutine destroyed while blocked leaves its frames' redzones poisoned; the next mapping
 * at that address (often the next coroutine's stack) must not inherit them. */
static void asan_forget_stack(struct coro *c)
{
#ifdef SCHED_ASAN
    __asan_unpoison_memory_region(coro_stack(c), CORO_STACK_BYTES);
#else
    (void)c;
#endif
}

static void valgrind_deregister_stack(struct coro *c)
{
#ifdef SCHED_VALGRIND
    VALGRIND_STACK_DEREGISTER(c->valgrind_stack_id);
#else
    (void)c;
#endif
}

/* ---- lifecycle ---- */

void sched_init(void)
{
    if (S.initialised) sched_fini();
    stop_requested = 0;
    memset(&S, 0, sizeof S);
    S.initialised = true;
}

static void ready_unlink(struct coro *c)
{
    for (struct coro **link = &S.ready_head; *link; link = &(*link)->ready_next) {
        if (*link != c) continue;
        *link = c->ready_next;
        if (S.ready_tail == c) {
            S.ready_tail = NULL;
            for (struct coro *r = S.ready_head; r; r = r->ready_next) S.ready_tail = r;
        }
        return;
    }
}

static void waitq_unlink(struct coro *c);

static void coro_free(struct coro *c)
{
    heap_remove(&c->deadline);
    waitq_unlink(c);
    ready_unlink(c);
    if (c->all_prev) c->all_prev->all_next = c->all_next; else S.all_head = c->all_next;
    if (c->all_next) c->all_next->all_prev = c->all_prev; else S.all_tail = c->all_prev;
    valgrind_deregister_stack(c);
    asan_forget_stack(c);
    munmap(c->stack_map, c->stack_map_bytes);
    free(c);
    S.stats.coros_live--;
}

void sched_fini(void)
{
    if (!S.initialised) return;
    while (S.all_head) coro_free(S.all_head);
    for (size_t i = 0; i < S.heap_len; i++)
        if (S.heap[i]->owned_by_heap) free(S.heap[i]);
    while (S.spare_timers) {
        struct timer *t = S.spare_timers;
        S.spare_timers = t->spare_next;
        free(t);
    }
    free(S.heap);
    memset(&S, 0, sizeof S);
}

uint64_t sched_now_us(void) { return S.now_us; }
struct coro *sched_current(void) { return S.current; }
const char *coro_name(const struct coro *c) { return c->name; }
void *coro_owner(const struct coro *c) { return c->owner; }
bool coro_is_done(const struct coro *c) { return c->done; }
struct sched_stats sched_stats(void) { return S.stats; }

void sched_set_step_hook(void (*hook)(void *owner, void *ctx), void *ctx)
{
    S.step_hook = hook;
    S.step_ctx = ctx;
}

void sched_at(uint64_t t_us, void (*fn)(void *arg), void *arg)
{
    if (t_us < S.now_us) sched_panic("timer scheduled in the past (%llu < now)",
                                     (unsigned long long)t_us);
    struct timer *t = S.spare_timers;
    if (t) S.spare_timers = t->spare_next;
    else t = xcalloc(1, sizeof *t);
    *t = (struct timer){ .t_us = t_us, .fn = fn, .arg = arg, .owned_by_heap = true };
    heap_push(t);
}

/* ---- ready queue and wait queues ---- */

static void ready_push(struct coro *c)
{
    c->ready_next = NULL;
    if (S.ready_tail) S.ready_tail->ready_next = c; else S.ready_head = c;
    S.ready_tail = c;
}

static struct coro *ready_pop(void)
{
    struct coro *c = S.ready_head;
    if (!c) return NULL;
    S.ready_head = c->ready_next;
    if (!S.ready_head) S.ready_tail = NULL;
    return c;
}

static void waitq_append(struct waitq *q, struct coro *c)
{
    c->wq = q;
    c->wq_next = NULL;
    c->wq_prev = q->tail;
    if (q->tail) q->tail->wq_next = c; else q->head = c;
    q->tail = c;
}

static void waitq_unlink(struct coro *c)
{
    struct waitq *q = c->wq;
    if (!q) return;
    if (c->wq_prev) c->wq_prev->wq_next = c->wq_next; else q->head = c->wq_next;
    if (c->wq_next) c->wq_next->wq_prev = c->wq_prev; else q->tail = c->wq_prev;
    c->wq = NULL;
    c->wq_prev = c->wq_next = NULL;
}

static void coro_make_ready(struct coro *c, enum wait_result result)
{
    waitq_unlink(c);
    heap_remove(&c->deadline);
    c->waiting = false;
    c->result = result;
    ready_push(c);
}

static void coro_deadline_fired(void *arg)
{
    coro_make_ready(arg, WAIT_TIMEOUT);
}

bool sched_wake_one(struct waitq *q)
{
    if (!q->head) return false;
    coro_make_ready(q->head, WAIT_WOKEN);
    return true;
}

void sched_wake_all(struct waitq *q)
{
    while (sched_wake_one(q)) {}
}

bool sched_interrupt(struct coro *c)
{
    if (!c->waiting || c->done || c == S.current) return false;
    coro_make_ready(c, WAIT_INTERRUPTED);
    return true;
}

void sched_destroy_owned_by(void *owner)
{
    if (S.current && S.current->owner == owner)
        sched_panic("a coroutine cannot destroy its own host");
    for (struct coro *c = S.all_head, *next; c; c = next) {
        next = c->all_next;
        if (c->owner == owner) coro_free(c);
    }
}

/* ---- coroutines ---- */

static void coro_trampoline(void)
{
    /* First entry on this stack: finish the switch run_slice started, and learn the
     * scheduler's stack from it (the way back). */
    asan_finish(NULL, &S.main_stack_bottom, &S.main_stack_bytes);
    struct coro *c = S.current;
    c->fn(c->arg);
    c->done = true;
    switch_stack(&c->ctx, &S.main_ctx, NULL, S.main_stack_bottom, S.main_stack_bytes);
    sched_panic("finished coroutine %s resumed", c->name);
}

/* Every coroutine costs two memory maps (its stack and the guard page below it), and Linux
 * allows vm.max_map_count (65530 by default) per process: about 32000 processes. */
_Noreturn static void out_of_stack_maps(void)
{
    sched_exhausted("memory maps for coroutine stacks",
                    "each process and host needs a 256 KiB stack mapping and a guard page; raise "
                    "the kernel's limit (sysctl -w vm.max_map_count=N, now in "
                    "/proc/sys/vm/max_map_count) or run fewer processes");
}

/* mmap says ENOMEM both at the address-space limit (ulimit -v) and at vm.max_map_count: with
 * an address-space limit set, memory is what ran out. */
_Noreturn static void out_of_stack_mapping(void)
{
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) sched_out_of_memory();
    out_of_stack_maps();
}

static void coro_start_fired(void *arg)
{
    struct coro *c = arg;
    c->waiting = false;
    ready_push(c);
}

struct coro *sched_spawn(const char *name, enum coro_kind kind, void *owner, uint64_t start_us,
                         void (*fn)(void *arg), void *arg)
{
    struct coro *c = xcalloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->kind = kind;
    c->owner = owner;
    c->fn = fn;
    c->arg = arg;
    c->deadline.heap_index = SIZE_MAX;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    c->stack_map_bytes = CORO_STACK_BYTES + page;
    c->stack_map = mmap(NULL, c->stack_map_bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->stack_map == MAP_FAILED) out_of_stack_mapping();
    /* guard page below the stack; splitting the mapping can itself exceed vm.max_map_count */
    if (mprotect(c->stack_map, page, PROT_NONE) != 0) out_of_stack_maps();
    ctx_make(&c->ctx, coro_stack(c), CORO_STACK_BYTES, coro_trampoline);
    valgrind_register_stack(c);

    c->all_prev = S.all_tail;
    if (S.all_tail) S.all_tail->all_next = c; else S.all_head = c;
    S.all_tail = c;
    S.stats.coros_spawned++;
    S.stats.coros_live++;

    if (start_us <= S.now_us) {
        ready_push(c);
    } else {
        c->waiting = true;
        snprintf(c->activity, sizeof c->activity, "waiting to start");
        c->deadline.t_us = start_us;
        c->deadline.fn = coro_start_fired;
        c->deadline.arg = c;
        heap_push(&c->deadline);
    }
    return c;
}

void sched_set_activity(const char *what)
{
    if (!S.current) return;
    S.current->activity_call = NULL;
    if (!what) S.current->activity[0] = '\0';
    else snprintf(S.current->activity, sizeof S.current->activity, "%s", what);
}

void sched_set_activity_call(const char *call, int fd)
{
    if (!S.current) return;
    S.current->activity_call = call;
    S.current->activity_fd = fd;
}

/* What c is doing, as the deadlock report says it ("recv(fd 3)"). */
static const char *activity_text(struct coro *c)
{
    if (c->activity_call) {
        if (c->activity_fd >= 0)
            snprintf(c->activity, sizeof c->activity, "%s(fd %d)", c->activity_call, c->activity_fd);
        else
            snprintf(c->activity, sizeof c->activity, "%s()", c->activity_call);
        c->activity_call = NULL;
    }
    return c->activity[0] ? c->activity : "(unknown call)";
}

static struct coro *current_or_panic(const char *op)
{
    if (!S.current) sched_panic("%s called outside any coroutine", op);
    return S.current;
}

static void switch_to_scheduler(struct coro *c)
{
    switch_stack(&c->ctx, &S.main_ctx, &c->stack_fake, S.main_stack_bottom, S.main_stack_bytes);
}

enum wait_result sched_wait(struct waitq *q, uint64_t deadline_us)
{
    struct coro *c = current_or_panic("sched_wait");
    c->waiting = true;
    if (q) waitq_append(q, c);
    if (deadline_us != SCHED_FOREVER) {
        if (deadline_us < S.now_us) deadline_us = S.now_us;
        c->deadline.t_us = deadline_us;
        c->deadline.fn = coro_deadline_fired;
        c->deadline.arg = c;
        heap_push(&c->deadline);
    }
    switch_to_scheduler(c);
    return c->result;
}

void sched_sleep_us(uint64_t delay_us)
{
    sched_wait(NULL, S.now_us + delay_us);
}

void sched_coro_yield(void)
{
    struct coro *c = current_or_panic("sched_yield");
    ready_push(c);
    switch_to_scheduler(c);
}

/* ---- the loop ---- */

static void run_slice(struct coro *c)
{
    S.current = c;
    S.stats.switches++;
    switch_stack(&S.main_ctx, &c->ctx, &S.main_stack_fake, coro_stack(c), CORO_STACK_BYTES);
    S.current = NULL;
    if (S.step_hook) S.step_hook(c->owner, S.step_ctx);
    if (c->done) coro_free(c);
}

static bool any_process_blocked(void)
{
    for (struct coro *c = S.all_head; c; c = c->all_next)
        if (c->kind == CORO_PROCESS && !c->done) return true;
    return false;
}

enum run_result sched_run(uint64_t until_us)
{
    if (S.current) sched_panic("sched_run called from a coroutine");
    for (;;) {
        if (stop_requested) return RUN_STOPPED;
        if (S.stop_requested) {
            S.stop_requested = false;
            return RUN_UNTIL;
        }
        struct coro *c = ready_pop();
        if (c) {
            run_slice(c);
            continue;
        }
        if (S.heap_len == 0) return any_process_blocked() ? RUN_DEADLOCK : RUN_IDLE;
        if (S.heap[0]->t_us > until_us) {
            if (until_us > S.now_us) S.now_us = until_us;
            return RUN_UNTIL;
        }
        struct timer *t = heap_pop();
        S.now_us = t->t_us;
        S.stats.timers_fired++;
        t->fn(t->arg);
        if (t->owned_by_heap) {
            t->spare_next = S.spare_timers;
            S.spare_timers = t;
        }
        if (S.step_hook) S.step_hook(NULL, S.step_ctx);
    }
}

void sched_stop(void) { S.stop_requested = true; }

size_t sched_describe_blocked(char *buf, size_t size)
{
    size_t n = 0, used = 0;
    if (size) buf[0] = '\0';
    for (struct coro *c = S.all_head; c; c = c->all_next) {
        if (c->kind != CORO_PROCESS || c->done) continue;
        n++;
        if (used < size) {
            int w = snprintf(buf + used, size - used, "  %s blocked in %s\n", c->name,
                             activity_text(c));
            if (w > 0) used += (size_t)w;
        }
    }
    return n;
}
