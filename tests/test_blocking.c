/* Blocking calls, differential: every blocking call the OS model emulates (connect, accept,
 * send, recv, close with SO_LINGER; with and without SO_RCVTIMEO / SO_SNDTIMEO; zero windows,
 * slow readers, resets) runs twice in identical worlds: once through lwIP's own BLOCKING socket
 * calls (the subject process calls the stack door on a blocking lwIP socket and is never
 * killed; lwIP then waits on sys_arch semaphores and mailboxes, which run on the simulator's
 * scheduler), once through the OS model (proc_*, non-blocking lwIP calls plus readiness). The
 * two runs must give identical call results, errno values, return times, segments and state
 * transitions. The cases are a table (`cases`, one cmocka test each); the lwIP run's results
 * asserted per case were first observed, then checked against lwIP's source (api_msg.c
 * lwip_netconn_do_writemore / sent_tcp / poll_tcp / err_tcp). Two more tests cover what only
 * the model has: signals in a blocked send. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "os_fixture.h"
#include "os_steps.h"

/* ---- what the subject does ---- */

enum bop {
    B_END, B_CONNECT, B_LISTEN, B_ACCEPT, B_SEND, B_RECV, B_CLOSE, B_SNDTIMEO_MS, B_RCVTIMEO_MS,
    B_LINGER_S, B_SLEEP_MS, B_LISTENER_RCVTIMEO_MS,
};

struct bstep {
    enum bop op;
    long arg;
};

#define MAX_RESULTS 96

/* One call's outcome: what both runs must agree on. */
struct outcome {
    enum bop op;
    long ret;
    int err;
    uint64_t t_us;   /* when the call returned */
};

struct subject {
    const struct bstep *steps;
    struct outcome out[MAX_RESULTS];
    size_t n;
};

/* The two ways to make the calls. Socket numbers differ (lwIP's index vs the process's fd),
 * so calls that create a socket report 0 for success. */
struct calls {
    int (*socket)(struct proc *p);
    int (*connect)(struct proc *p, int s);
    int (*listen)(struct proc *p, int s);
    int (*accept)(struct proc *p, int l);
    long (*send)(struct proc *p, int s, const void *buf, size_t len);
    long (*recv)(struct proc *p, int s, void *buf, size_t len);
    int (*close)(struct proc *p, int s);
    int (*setopt)(struct proc *p, int s, const struct stack_opt *o);
};

static int last_err;

static const struct lwip_stack *st(struct proc *p) { return host_stack(proc_host(p)); }

static int n_socket(struct proc *p) { return st(p)->socket(&last_err); }
static int n_connect(struct proc *p, int s)
{
    return st(p)->connect(s, 0x0a000002, SERVER_PORT, &last_err);   /* 10.0.0.2 */
}
static int n_listen(struct proc *p, int s)
{
    if (st(p)->bind(s, 0, SERVER_PORT, &last_err) != 0) return -1;
    return st(p)->listen(s, 8, &last_err);
}
static int n_accept(struct proc *p, int l) { return st(p)->accept(l, NULL, NULL, &last_err); }
static long n_send(struct proc *p, int s, const void *b, size_t n)
{
    return st(p)->send(s, b, n, 0, &last_err);
}
static long n_recv(struct proc *p, int s, void *b, size_t n)
{
    return st(p)->recv(s, b, n, 0, &last_err);
}
static int n_close(struct proc *p, int s) { return st(p)->close(s, &last_err); }
static int n_setopt(struct proc *p, int s, const struct stack_opt *o)
{
    return st(p)->setsockopt(s, o, &last_err);
}

static const struct calls lwip_blocking = { n_socket, n_connect, n_listen, n_accept, n_send,
                                            n_recv, n_close, n_setopt };

static int m_socket(struct proc *p) { return proc_socket(p); }
static int m_connect(struct proc *p, int s) { return proc_connect(p, s, "10.0.0.2", SERVER_PORT); }
static int m_listen(struct proc *p, int s)
{
    if (proc_bind(p, s, NULL, SERVER_PORT) != 0) return -1;
    return proc_listen(p, s, 8);
}
static int m_accept(struct proc *p, int l) { return proc_accept(p, l); }
/* No SIGPIPE: lwIP has no signals, and the subject must live to make every call. */
static long m_send(struct proc *p, int s, const void *b, size_t n)
{
    return proc_send(p, s, b, n, PROC_MSG_NOSIGNAL);
}
static long m_recv(struct proc *p, int s, void *b, size_t n) { return proc_recv(p, s, b, n, 0); }
static int m_close(struct proc *p, int s) { return proc_close(p, s); }
static int m_setopt(struct proc *p, int s, const struct stack_opt *o)
{
    return proc_setsockopt(p, s, o);
}

static const struct calls os_model = { m_socket, m_connect, m_listen, m_accept, m_send, m_recv,
                                       m_close, m_setopt };

static const struct calls *subject_calls;

static void record(struct subject *sub, enum bop op, long ret, int err)
{
    if (sub->n == MAX_RESULTS) fail_msg("too many steps");
    sub->out[sub->n++] = (struct outcome){ op, ret, ret < 0 ? err : 0, sched_now_us() };
}

static int err_of(const struct calls *c) { return c == &os_model ? errno : last_err; }

static long one_step(struct proc *p, const struct calls *c, const struct bstep *s, int *conn,
                     int *lst)
{
    static char buf[65536];
    struct stack_opt o = { 0 };
    switch (s->op) {
    case B_CONNECT:
        *conn = c->socket(p);
        return c->connect(p, *conn);
    case B_LISTEN:
        *lst = c->socket(p);
        return c->listen(p, *lst);
    case B_ACCEPT: {
        int a = c->accept(p, *lst);
        if (a >= 0) *conn = a;
        return a < 0 ? -1 : 0;
    }
    case B_SEND:
        memset(buf, 'b', (size_t)s->arg);
        return c->send(p, *conn, buf, (size_t)s->arg);
    case B_RECV:
        return c->recv(p, *conn, buf, (size_t)s->arg);
    case B_CLOSE:
        return c->close(p, *conn);
    case B_SNDTIMEO_MS:
    case B_RCVTIMEO_MS:
        o.name = s->op == B_SNDTIMEO_MS ? STACK_SO_SNDTIMEO : STACK_SO_RCVTIMEO;
        o.value = (int)s->arg;
        return c->setopt(p, *conn, &o);
    case B_LISTENER_RCVTIMEO_MS:
        o = (struct stack_opt){ .name = STACK_SO_RCVTIMEO, .value = (int)s->arg };
        return c->setopt(p, *lst, &o);
    case B_LINGER_S:
        o = (struct stack_opt){ .name = STACK_SO_LINGER, .value = 1, .linger_s = (int)s->arg };
        return c->setopt(p, *conn, &o);
    case B_SLEEP_MS:
        return proc_sleep_us(p, (uint64_t)s->arg * 1000);
    case B_END:
        break;
    }
    return 0;
}

static void run_subject(struct proc *p, void *arg)
{
    struct subject *sub = arg;
    const struct calls *c = subject_calls;
    int conn = -1, lst = -1;
    for (const struct bstep *s = sub->steps; s->op != B_END; s++) {
        errno = last_err = 0;
        long ret = one_step(p, c, s, &conn, &lst);
        record(sub, s->op, ret, err_of(c));
    }
    /* A listener made through lwIP's own calls is in no fd table: close it here, where the
     * OS model's exit closes its fd. (Every case closes its connection itself.) */
    if (c == &lwip_blocking && lst >= 0) c->close(p, lst);
}

/* ---- one run ---- */

/* Segments and state transitions in order. A state's cause is left out: the OS model tells
 * the state tracker when a process closes (so a vanished pcb reads "close"), lwIP's own calls
 * cannot. */
static char *story(void)
{
    size_t n, size = 1 << 16, used = 0;
    const struct trace_event *ev = trace_events(world_trace(fx.w), &n);
    char *out = malloc(size), flags[8];
    out[0] = '\0';
    for (size_t i = 0; i < n && used + 200 < size; i++) {
        const struct trace_event *e = &ev[i];
        if (e->type == TRACE_SEGMENT)
            used += (size_t)snprintf(out + used, size - used, "%s%llu %s>%s %s %u:%u w%u",
                                     used ? " | " : "", (unsigned long long)e->t_us,
                                     e->u.segment.from, e->u.segment.to,
                                     packet_flags_str(e->u.segment.flags, flags),
                                     e->u.segment.seq, e->u.segment.len, e->u.segment.win);
        else if (e->type == TRACE_STATE)
            used += (size_t)snprintf(out + used, size - used, "%s%llu %s %s>%s",
                                     used ? " | " : "", (unsigned long long)e->t_us,
                                     e->u.state.host, tcp_state_name(e->u.state.from),
                                     tcp_state_name(e->u.state.to));
    }
    return out;
}

struct run {
    char results[4096];
    char *story;   /* segments and state transitions, as fixture_story prints them */
};

static const char *const op_names[] = {
    [B_END] = "end", [B_CONNECT] = "connect", [B_LISTEN] = "listen", [B_ACCEPT] = "accept",
    [B_SEND] = "send", [B_RECV] = "recv", [B_CLOSE] = "close", [B_SNDTIMEO_MS] = "sndtimeo",
    [B_RCVTIMEO_MS] = "rcvtimeo", [B_LINGER_S] = "linger", [B_SLEEP_MS] = "sleep",
    [B_LISTENER_RCVTIMEO_MS] = "listener-rcvtimeo",
};

struct bcase {
    const char *name;             /* the cmocka test's name */
    const char *id;               /* the world's scenario id */
    bool subject_is_server;       /* the subject listens and accepts; the peer connects */
    uint64_t peer_start_ms;
    const struct bstep *subject;
    const struct step *peer;      /* os_steps.h, through the OS model in both runs */
    const char *want;             /* the lwIP run's results, observed and checked */
};

static void run_once(const struct bcase *bc, const struct calls *c, struct run *out)
{
    static struct subject sub;
    memset(&sub, 0, sizeof sub);
    sub.steps = bc->subject;
    subject_calls = c;
    fixture_start(bc->id);
    struct host *sh = bc->subject_is_server ? fx.server : fx.client;
    struct host *ph = bc->subject_is_server ? fx.client : fx.server;
    host_spawn(ph, "peer", bc->peer_start_ms * 1000, run_steps, (void *)bc->peer);
    host_spawn(sh, "subject", bc->subject_is_server ? 0 : 1000, run_subject, &sub);
    assert_int_equal(fixture_run(), RUN_IDLE);
    assert_string_equal(fixture_leaked_pool(fx.client, 0), "");
    assert_string_equal(fixture_leaked_pool(fx.server, 1), "");
    size_t used = 0;
    out->results[0] = '\0';
    for (size_t i = 0; i < sub.n; i++) {
        const struct outcome *o = &sub.out[i];
        used += (size_t)snprintf(out->results + used, sizeof out->results - used,
                                 "%s%s=%ld%s%s@%llu", i ? " | " : "", op_names[o->op], o->ret,
                                 o->err ? " " : "", o->err ? errno_name(o->err) : "",
                                 (unsigned long long)o->t_us);
    }
    out->story = story();
    fixture_end();
}

/* Runs both ways; the results and the segments must be identical. Returns the lwIP run's
 * results for the exact assertions of each case (caller frees story). */
static void run_both(const struct bcase *bc, struct run *lwip_run)
{
    struct run model_run;
    run_once(bc, &lwip_blocking, lwip_run);
    run_once(bc, &os_model, &model_run);
    if (getenv("TCPSIM_DUMP"))
        fprintf(stderr, "%s\n lwIP:  %s\n model: %s\n lwIP:  %s\n model: %s\n", bc->id,
                lwip_run->results, model_run.results, lwip_run->story, model_run.story);
    assert_string_equal(model_run.results, lwip_run->results);
    assert_string_equal(model_run.story, lwip_run->story);
    free(model_run.story);
}

/* ---- the cases ---- */

#define SLOW_READ_1000_EVERY_100MS                                                                 \
    { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 }, { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 },          \
    { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 }, { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 },      \
    { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 }, { OP_RECV, 1000 }, { OP_SLEEP_MS, 100 }

/* The peer accepts, reads nothing for ms (a zero window once the subject has filled it), then
 * reads everything and closes. */
#define PEER_READS_ALL_AFTER_MS(ms)                                                                \
    { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, ms }, { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 },  \
    { OP_END, 0 }

static void test_case(void **state)
{
    const struct bcase *bc = *state;
    struct run r;
    run_both(bc, &r);
    assert_string_equal(r.results, bc->want);
    free(r.story);
}

#define SEND_1000_X4 { B_SEND, 1000 }, { B_SEND, 1000 }, { B_SEND, 1000 }, { B_SEND, 1000 }
#define SEND_500_X5                                                                                \
    { B_SEND, 500 }, { B_SEND, 500 }, { B_SEND, 500 }, { B_SEND, 500 }, { B_SEND, 500 }

#define SEND_100_X5                                                                                \
    { B_SEND, 100 }, { B_SEND, 100 }, { B_SEND, 100 }, { B_SEND, 100 }, { B_SEND, 100 }
#define SEND_100_X20 SEND_100_X5, SEND_100_X5, SEND_100_X5, SEND_100_X5

static const struct bcase cases[] = {
    /* No timeout: the send returns when the last byte is queued, at the ACK (sent_tcp) that made
     * room for it, 9 ms after the reader starts at 2 s. */
    { .name = "send_blocks_on_a_zero_window_until_the_reader_drains",
      .id = "send-zero-window",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SEND, 20000 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          PEER_READS_ALL_AFTER_MS(2000)
      },
      .want = "connect=0@3008 | send=20000@2009384 | close=0@2009384" },
    /* SO_SNDTIMEO 1500 ms from 3 ms, zero window: lwIP checks the time only when sent_tcp or
     * poll_tcp runs its writer (lwip_netconn_do_writemore); no ACK comes, so the send returns at
     * the first poll after 1503 ms (1.751388 s; the netconn polls every 2 slow-timer ticks, 1 s)
     * with the 11680 bytes queued. The next send queues nothing: EWOULDBLOCK (= EAGAIN) at the
     * first poll after its own 1500 ms, 3.751388 s. */
    { .name = "send_with_sndtimeo_on_a_zero_window_returns_the_part_written",
      .id = "send-sndtimeo-zero-window",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SNDTIMEO_MS, 1500 }, { B_SEND, 20000 }, { B_SEND, 1000 },
          { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          PEER_READS_ALL_AFTER_MS(6000)
      },
      .want = "connect=0@3008 | sndtimeo=0@3008 | send=11680@1751388 | "
              "send=-1 EAGAIN@3751388 | close=0@3751388" },
    /* The known case of issue 17: with SO_SNDTIMEO the OS model used to wait for select's
     * low-water mark (TCP_SNDLOWAT 2921 B) and to return at the deadline itself (17520 at
     * 1.003008 s). lwIP's writer queues the space every ACK frees (sent_tcp), and the timeout ends
     * the call at the first ACK after it: 18980 at 1.003260 s. */
    { .name = "send_with_sndtimeo_to_a_slow_reader_writes_until_the_timeout",
      .id = "send-sndtimeo-slow-reader",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SNDTIMEO_MS, 1000 }, { B_SEND, 30000 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, SLOW_READ_1000_EVERY_100MS,
          SLOW_READ_1000_EVERY_100MS, { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | sndtimeo=0@3008 | send=18980@1003260 | close=0@1003260" },
    /* Every ACK of the slow reader lets the writer queue what it freed, cut data marked "more"
     * (no PSH on the cut segment): the segments are lwIP's own. */
    { .name = "send_blocked_by_a_slow_reader_follows_every_ack",
      .id = "send-slow-reader",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SEND, 17000 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, SLOW_READ_1000_EVERY_100MS, { OP_RECV_ALL, 0 },
          { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | send=17000@507380 | close=0@507380" },
    /* The gateway study (scenarios/client-killed-while-sending.scn) without the kill: 1000-byte
     * messages to a server that greets and then does not read. */
    { .name = "send_loop_of_small_messages_into_a_full_window",
      .id = "send-loop-small-messages",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, SEND_1000_X4, SEND_1000_X4, SEND_1000_X4, SEND_1000_X4, { B_CLOSE, 0 },
          { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SEND, 25 }, { OP_SLEEP_MS, 1000 },
          { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | send=1000@3008 | send=1000@3008 | send=1000@3008 | "
              "send=1000@3008 | send=1000@3008 | send=1000@5220 | send=1000@5220 | "
              "send=1000@5220 | send=1000@7344 | send=1000@7344 | send=1000@7344 | "
              "send=1000@1007140 | send=1000@1007260 | send=1000@1007260 | send=1000@1007380 | "
              "send=1000@1007500 | close=0@1007500" },
    /* scenarios/client-exit-without-close.scn: 20 messages of 500 bytes to a server that greets
     * and is busy for 100 ms. */
    { .name = "send_loop_of_500_byte_messages_to_a_busy_server",
      .id = "send-loop-500",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, SEND_500_X5, SEND_500_X5, SEND_500_X5, SEND_500_X5, { B_CLOSE, 0 },
          { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SEND, 25 }, { OP_SLEEP_MS, 100 },
          { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | send=500@3008 | send=500@3008 | send=500@3008 | "
              "send=500@3008 | send=500@3008 | send=500@3008 | send=500@3008 | send=500@3008 | "
              "send=500@3008 | send=500@3008 | send=500@3008 | send=500@5180 | send=500@5180 | "
              "send=500@5180 | send=500@5180 | send=500@7304 | send=500@7304 | send=500@7304 | "
              "send=500@7304 | send=500@7304 | close=0@7304" },
    /* The reader closes with data unread: RST. lwIP's blocked write fails with the error
     * (err_tcp sets current_msg->err) although 11680 bytes were queued, and the error stays
     * pending: the next send reports ECONNRESET again (lwip_netconn_do_write reads netconn_err),
     * the one after ENOTCONN. */
    { .name = "send_reset_while_blocked_reports_the_error",
      .id = "send-reset-while-blocked",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SEND, 20000 }, { B_SEND, 100 }, { B_SEND, 100 }, { B_CLOSE, 0 },
          { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 500 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | send=-1 ECONNRESET@505016 | send=-1 ECONNRESET@505016 | "
              "send=-1 ENOTCONN@505016 | close=0@505016" },
    /* SO_RCVTIMEO 700 ms: EWOULDBLOCK (= EAGAIN) exactly 700 ms after the call (netconn_recv_data
     * waits on the receive mailbox with that timeout); then the data, then EOF. */
    { .name = "recv_with_rcvtimeo_times_out_then_reads",
      .id = "recv-rcvtimeo",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_RCVTIMEO_MS, 700 }, { B_RECV, 100 }, { B_RECV, 100 },
          { B_RECV, 100 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 1000 }, { OP_SEND, 100 },
          { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | rcvtimeo=0@3008 | recv=-1 EAGAIN@703008 | recv=100@1005024 | "
              "recv=0@1005028 | close=0@1005028" },
    { .name = "recv_blocks_until_data",
      .id = "recv-blocking",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_RECV, 5000 }, { B_RECV, 5000 }, { B_RECV, 5000 }, { B_CLOSE, 0 },
          { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 50 }, { OP_SEND, 3000 },
          { OP_SLEEP_MS, 50 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | recv=1460@55132 | recv=1460@55252 | recv=80@57266 | "
              "close=0@57266" },
    /* SO_RCVTIMEO on the listener: accept fails EWOULDBLOCK after 300 ms (netconn_accept waits
     * on the accept mailbox with it); without it, accept waits for the client at 1 s. */
    { .name = "accept_with_rcvtimeo_times_out_then_accepts",
      .id = "accept-rcvtimeo",
      .subject_is_server = true, .peer_start_ms = 1000,
      .subject = (const struct bstep[]){
          { B_LISTEN, 0 }, { B_LISTENER_RCVTIMEO_MS, 300 }, { B_ACCEPT, 0 },
          { B_LISTENER_RCVTIMEO_MS, 0 }, { B_ACCEPT, 0 }, { B_RECV, 100 }, { B_CLOSE, 0 },
          { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_CONNECT, 0 }, { OP_SEND, 100 }, { OP_SLEEP_MS, 100 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "listen=0@0 | listener-rcvtimeo=0@0 | accept=-1 EAGAIN@300000 | "
              "listener-rcvtimeo=0@300000 | accept=0@1003012 | recv=100@1003024 | "
              "close=0@1003024" },
    /* No listener: RST. lwIP's blocking connect fails ECONNRESET and leaves the error pending
     * (err_tcp sets both), so the next send fails ECONNRESET too, then ENOTCONN. */
    { .name = "connect_refused_then_send",
      .id = "connect-refused",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SEND, 10 }, { B_SEND, 10 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_SLEEP_MS, 1 }, { OP_END, 0 }
      },
      .want = "connect=-1 ECONNRESET@3008 | send=-1 ECONNRESET@3008 | send=-1 ENOTCONN@3008 | "
              "close=0@3008" },
    /* 100-byte messages: many small writes, each joining the last queued segment (TCP_OVERSIZE)
     * while the window is closed. */
    { .name = "send_loop_of_100_byte_messages_into_a_closed_window",
      .id = "send-loop-100",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, SEND_100_X20, SEND_100_X20, SEND_100_X20, SEND_100_X20,
          { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          PEER_READS_ALL_AFTER_MS(300)
      },
      .want = "connect=0@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | "
              "send=100@3008 | send=100@3008 | send=100@3008 | send=100@3008 | send=100@5148 | "
              "send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | "
              "send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | "
              "send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | send=100@5148 | "
              "send=100@7272 | send=100@7272 | send=100@7272 | send=100@7272 | send=100@7272 | "
              "send=100@7272 | close=0@7272" },
    /* SO_SNDTIMEO does not hide a reset: the blocked write fails ECONNRESET at the RST. */
    { .name = "send_with_sndtimeo_reset_while_blocked_reports_the_error",
      .id = "send-sndtimeo-reset",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_SNDTIMEO_MS, 2000 }, { B_SEND, 20000 }, { B_SEND, 100 },
          { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 500 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | sndtimeo=0@3008 | send=-1 ECONNRESET@505016 | "
              "send=-1 ECONNRESET@505016 | close=0@505016" },
    /* SO_LINGER {1, 2 s}, data unacked on a zero window: close waits, checks at each poll (every
     * 500 ms while closing) and aborts with RST at the first one 2 s after the call, 2.251388 s
     * (lwip_netconn_do_close_internal). Both runs make lwIP's own blocking close. */
    { .name = "close_with_linger_waits_then_aborts",
      .id = "close-linger",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_LINGER_S, 2 }, { B_SEND, 11680 }, { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          PEER_READS_ALL_AFTER_MS(5000)
      },
      .want = "connect=0@3008 | linger=0@3008 | send=11680@7380 | close=0@2251388" },
    { .name = "close_with_linger_after_a_timed_out_send",
      .id = "close-linger-sndtimeo",
      .subject = (const struct bstep[]){
          { B_CONNECT, 0 }, { B_LINGER_S, 3 }, { B_SNDTIMEO_MS, 500 }, { B_SEND, 20000 },
          { B_CLOSE, 0 }, { B_END, 0 }
      },
      .peer = (const struct step[]){
          { OP_LISTEN, 0 }, { OP_ACCEPT, 0 }, { OP_SLEEP_MS, 1000 }, SLOW_READ_1000_EVERY_100MS,
          { OP_RECV_ALL, 0 }, { OP_CLOSE, 0 }, { OP_END, 0 }
      },
      .want = "connect=0@3008 | linger=0@3008 | sndtimeo=0@3008 | send=11680@751380 | "
              "close=0@1507260" },
};

/* ---- signals in blocking calls (the model's own: lwIP has none) ---- */

static enum proc_signal signal_to_send;

static void signal_subject(struct world *w, void *arg)
{
    (void)w;
    proc_signal(arg, signal_to_send);
}

/* The subject (OS model only) runs steps against a peer that reads nothing for 3 s, and gets
 * sig at at_ms. */
static struct subject *run_signalled(const struct bstep *steps, uint64_t at_ms,
                                     enum proc_signal sig, enum proc_disposition d)
{
    static struct subject sub;
    static const struct step peer[] = { PEER_READS_ALL_AFTER_MS(3000) };
    memset(&sub, 0, sizeof sub);
    sub.steps = steps;
    subject_calls = &os_model;
    signal_to_send = sig;
    fixture_start("signal-in-blocking-call");
    host_spawn(fx.server, "peer", 0, run_steps, (void *)peer);
    struct proc *p = host_spawn(fx.client, "subject", 1000, run_subject, &sub);
    if (sig != PROC_SIGKILL) proc_set_disposition(p, sig, d);
    world_at(fx.w, at_ms * 1000, signal_subject, p);
    assert_int_equal(fixture_run(), RUN_IDLE);
    return &sub;
}

/* The virtual time of the first event of a type whose text contains what, or 0. */
static uint64_t first_event_us(enum trace_type type, const char *what)
{
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(fx.w), &n);
    for (size_t i = 0; i < n; i++) {
        char line[600];
        trace_format_text(&ev[i], line, sizeof line);
        if (ev[i].type == type && strstr(line, what)) return ev[i].t_us;
    }
    return 0;
}

/* A send with SO_SNDTIMEO 1500 ms, blocked on a zero window. */
static const struct bstep blocked_send[] = { { B_CONNECT, 0 }, { B_SNDTIMEO_MS, 1500 },
                                             { B_SEND, 20000 }, { B_CLOSE, 0 }, { B_END, 0 } };

static void test_kill_in_a_send_waiting_for_write_room_ends_the_process_at_once(void **state)
{
    (void)state;
    struct subject *sub = run_signalled(blocked_send, 500, PROC_SIGKILL, PROC_SIG_DEFAULT);
    assert_int_equal(sub->n, 2);   /* connect, setsockopt; the send never returned */
    char *story = fixture_story(SIGNALS);
    assert_string_equal(story, "server start 0 | client start 0 | client SIGKILL:terminate | "
                               "client killed 137 | server exit 0");
    free(story);
    assert_int_equal(first_event_us(TRACE_PROCESS, "killed"), 500000);
    fixture_end();
}

static void test_handled_signal_in_a_blocked_send_returns_the_count_queued(void **state)
{
    (void)state;
    struct subject *sub = run_signalled(blocked_send, 500, PROC_SIGTERM, PROC_SIG_HANDLE);
    assert_int_equal(sub->n, 4);
    assert_int_equal(sub->out[2].ret, 11680);   /* 5840 in flight + 5840 queued */
    assert_int_equal(sub->out[2].t_us, 500000);
    fixture_end();
}

/* SO_LINGER {on, 2 s} with 11680 bytes unacknowledged on a zero window: lwIP's close waits.
 * A kill at 1 s ends the process at once; lwIP goes on with the close without it and aborts
 * it with RST at its first poll 2 s after the close began (2.251388 s), as when the close
 * returns normally (the close-linger case above). */
static void test_kill_in_a_lingering_close_ends_the_process_at_once(void **state)
{
    (void)state;
    static const struct bstep steps[] = { { B_CONNECT, 0 }, { B_LINGER_S, 2 }, { B_SEND, 11680 },
                                          { B_CLOSE, 0 }, { B_END, 0 } };
    struct subject *sub = run_signalled(steps, 1000, PROC_SIGKILL, PROC_SIG_DEFAULT);
    assert_int_equal(sub->n, 3);   /* the close never returned */
    assert_int_equal(first_event_us(TRACE_PROCESS, "killed"), 1000000);
    assert_int_equal(first_event_us(TRACE_SEGMENT, "R."), 2251388);
    assert_string_equal(fixture_leaked_pool(fx.client, 0), "");
    fixture_end();
}

/* A handled signal does not cut a lingering close short: it returns lwIP's result when lwIP's
 * close does. */
static void test_handled_signal_in_a_lingering_close_waits_for_lwip(void **state)
{
    (void)state;
    static const struct bstep steps[] = { { B_CONNECT, 0 }, { B_LINGER_S, 2 }, { B_SEND, 11680 },
                                          { B_CLOSE, 0 }, { B_END, 0 } };
    struct subject *sub = run_signalled(steps, 1000, PROC_SIGTERM, PROC_SIG_HANDLE);
    assert_int_equal(sub->n, 4);
    assert_int_equal(sub->out[3].ret, 0);
    assert_int_equal(sub->out[3].t_us, 2251388);
    fixture_end();
}

int main(void)
{
    enum { CASES = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[CASES + 4] = {
        [CASES] =
            cmocka_unit_test(test_kill_in_a_send_waiting_for_write_room_ends_the_process_at_once),
        [CASES + 1] =
            cmocka_unit_test(test_handled_signal_in_a_blocked_send_returns_the_count_queued),
        [CASES + 2] = cmocka_unit_test(test_kill_in_a_lingering_close_ends_the_process_at_once),
        [CASES + 3] = cmocka_unit_test(test_handled_signal_in_a_lingering_close_waits_for_lwip),
    };
    for (size_t i = 0; i < CASES; i++)
        tests[i] = (struct CMUnitTest){ cases[i].name, test_case, NULL, NULL, (void *)&cases[i] };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
