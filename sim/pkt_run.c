/* pkt_run — see pkt_run.h.
 *
 * Three actors, all in virtual time: the runner (a daemon coroutine walking the script), the
 * app process on the lwIP host (makes one call at a time for the runner, so a blocking call
 * can wait while the runner goes on injecting segments, like packetdrill's syscall thread),
 * and the peer's receive callback (queues what lwIP sends, with the time it left). When the
 * runner is done it stops the scheduler (sched_stop), so the run ends exactly at the time of
 * the last event (or when the first mismatch was seen). Whenever the runner waits for a time t and
 * something that happens "at t" may still be queued behind it, it waits up to t + 1 us and
 * judges by the recorded times, never by the order of same-microsecond wake-ups. */
#include "pkt_run.h"

#include "proc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define REMOTE_ISN 1000000u
/* How long past its time a missing segment or a blocked call is looked for, to say what
 * happened instead. */
#define LOOK_FURTHER_US (60ull * 1000000)
#define MAX_QUEUED 256

struct sent_segment {
    uint64_t t_us;
    struct packet_info info;
    size_t option_count;
    struct pkt_option options[PKT_MAX_OPTIONS];
    bool options_bad;               /* malformed or more than PKT_MAX_OPTIONS */
};

struct pkt_runner {
    const struct pkt_script *s;
    struct pkt_run_options o;
    struct world *w;
    struct host *host;
    struct proc *app;
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;       /* 0 until known */
    uint32_t local_isn;
    bool local_isn_known;

    struct waitq runner_wait;               /* the runner: a segment came, a call ended */
    struct waitq app_wait;                  /* the app: a call to make */
    struct sent_segment queue[MAX_QUEUED];
    size_t queue_head, queue_len;

    const struct pkt_event *call;           /* handed to the app, not yet returned */
    uint64_t call_end_us;                   /* when it must return (blocking) */
    bool call_done;
    uint64_t call_returned_us;
    long long call_ret;
    int call_err;

    uint64_t base_us;                       /* the previous event's start: +t counts from it */
    char *io_buf;                           /* what write sends and read fills (zeros) */
    size_t io_size;
    bool done, failed;
    uint64_t fail_us;
    char *message;                          /* the mismatch, without the trace lines */
};

/* ---- options on the wire ---- */

static size_t encode_options(const struct pkt_segment *seg, uint32_t local_isn, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < seg->option_count; i++) {
        const struct pkt_option *o = &seg->options[i];
        switch (o->kind) {
        case PKT_OPT_NOP: out[n++] = 1; break;
        case PKT_OPT_EOL: out[n++] = 0; break;
        case PKT_OPT_MSS:
            out[n++] = 2; out[n++] = 4;
            out[n++] = (uint8_t)(o->value >> 8); out[n++] = (uint8_t)o->value;
            break;
        case PKT_OPT_WSCALE:
            out[n++] = 3; out[n++] = 3; out[n++] = (uint8_t)o->value;
            break;
        case PKT_OPT_SACK_OK:
            out[n++] = 4; out[n++] = 2;
            break;
        case PKT_OPT_SACK:
            out[n++] = 5; out[n++] = (uint8_t)(2 + 8 * o->sack_count);
            for (size_t b = 0; b < o->sack_count; b++)
                for (int half = 0; half < 2; half++) {
                    uint32_t v = o->sack[b][half] + local_isn;
                    for (int k = 3; k >= 0; k--) out[n++] = (uint8_t)(v >> (8 * k));
                }
            break;
        case PKT_OPT_TIMESTAMP:
            out[n++] = 8; out[n++] = 10;
            for (int k = 3; k >= 0; k--) out[n++] = (uint8_t)(o->value >> (8 * k));
            for (int k = 3; k >= 0; k--) out[n++] = (uint8_t)(o->ecr >> (8 * k));
            break;
        case PKT_OPT_KIND_COUNT: break;
        }
    }
    while (n % 4) out[n++] = 0;     /* end of option list */
    return n;
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The options of a TCP segment lwIP sent, in the script's terms (SACK blocks stay absolute). */
static void decode_options(const uint8_t *pkt, size_t len, struct sent_segment *out)
{
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    const uint8_t *tcp = pkt + ihl;
    size_t hdr = (size_t)(tcp[12] >> 4) * 4;
    if (ihl + hdr > len) {
        out->options_bad = true;
        return;
    }
    for (size_t i = 20; i < hdr;) {
        struct pkt_option o = { 0 };
        uint8_t kind = tcp[i];
        size_t olen = kind <= 1 ? 1 : i + 1 < hdr ? tcp[i + 1] : 0;
        if (olen == 0 || i + olen > hdr || out->option_count == PKT_MAX_OPTIONS) {
            out->options_bad = true;
            return;
        }
        const uint8_t *v = tcp + i + 2;
        if (kind == 0) o.kind = PKT_OPT_EOL;
        else if (kind == 1) o.kind = PKT_OPT_NOP;
        else if (kind == 2 && olen == 4) o = (struct pkt_option){ .kind = PKT_OPT_MSS, .value = (uint32_t)(v[0] << 8 | v[1]) };
        else if (kind == 3 && olen == 3) o = (struct pkt_option){ .kind = PKT_OPT_WSCALE, .value = v[0] };
        else if (kind == 4 && olen == 2) o.kind = PKT_OPT_SACK_OK;
        else if (kind == 8 && olen == 10)
            o = (struct pkt_option){ .kind = PKT_OPT_TIMESTAMP, .value = be32_at(v),
                                     .ecr = be32_at(v + 4) };
        else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0 &&
                 (olen - 2) / 8 <= PKT_MAX_SACK_BLOCKS) {
            o.kind = PKT_OPT_SACK;
            o.sack_count = (olen - 2) / 8;
            for (size_t b = 0; b < o.sack_count; b++) {
                o.sack[b][0] = be32_at(v + 8 * b);
                o.sack[b][1] = be32_at(v + 8 * b + 4);
            }
        } else {
            out->options_bad = true;
            return;
        }
        out->options[out->option_count++] = o;
        i += olen;
        if (kind == 0) break;
    }
}

/* ---- text in packetdrill's notation ---- */

static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
    if (*n >= size) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *n, size - *n, fmt, ap);
    va_end(ap);
    if (k > 0) *n += (size_t)k;
}

static void format_options(const struct pkt_option *opts, size_t count, uint32_t sack_base,
                           char *buf, size_t size, size_t *n)
{
    appendf(buf, size, n, " <");
    for (size_t i = 0; i < count; i++) {
        const struct pkt_option *o = &opts[i];
        const char *sep = i ? "," : "";
        switch (o->kind) {
        case PKT_OPT_NOP: appendf(buf, size, n, "%snop", sep); break;
        case PKT_OPT_EOL: appendf(buf, size, n, "%seol", sep); break;
        case PKT_OPT_MSS: appendf(buf, size, n, "%smss %u", sep, o->value); break;
        case PKT_OPT_WSCALE: appendf(buf, size, n, "%swscale %u", sep, o->value); break;
        case PKT_OPT_SACK_OK: appendf(buf, size, n, "%ssackOK", sep); break;
        case PKT_OPT_TIMESTAMP:
            appendf(buf, size, n, "%sTS val %u ecr %u", sep, o->value, o->ecr);
            break;
        case PKT_OPT_SACK:
            appendf(buf, size, n, "%ssack", sep);
            for (size_t b = 0; b < o->sack_count; b++)
                appendf(buf, size, n, " %u:%u", o->sack[b][0] - sack_base,
                        o->sack[b][1] - sack_base);
            break;
        case PKT_OPT_KIND_COUNT: break;
        }
    }
    appendf(buf, size, n, ">");
}

static void format_expected(const struct pkt_segment *seg, char *buf, size_t size)
{
    char flags[8];
    size_t n = 0;
    appendf(buf, size, &n, "%s %u:%u(%u)", seg->flags ? packet_flags_str(seg->flags, flags) : "-",
            seg->seq, seg->seq + seg->len, seg->len);
    if (seg->flags & TCP_ACK) appendf(buf, size, &n, " ack %u", seg->ack);
    if (seg->win >= 0) appendf(buf, size, &n, " win %d", seg->win);
    if (seg->options_any) appendf(buf, size, &n, " <...>");
    else if (seg->option_count) format_options(seg->options, seg->option_count, 0, buf, size, &n);
}

static void format_actual(const struct pkt_runner *r, const struct sent_segment *a, char *buf,
                          size_t size)
{
    char flags[8];
    size_t n = 0;
    const struct packet_info *i = &a->info;
    uint32_t seq = i->seq - (r->local_isn_known ? r->local_isn : i->seq);
    appendf(buf, size, &n, "%s %u:%u(%u)", i->flags ? packet_flags_str(i->flags, flags) : "-", seq,
            seq + i->payload_len, i->payload_len);
    if (i->flags & TCP_ACK) appendf(buf, size, &n, " ack %u", i->ack - REMOTE_ISN);
    appendf(buf, size, &n, " win %u", i->win);
    if (a->options_bad) appendf(buf, size, &n, " <malformed options>");
    else if (a->option_count)
        format_options(a->options, a->option_count, r->local_isn, buf, size, &n);
}

static void format_time(uint64_t t_us, char buf[24])
{
    snprintf(buf, 24, "%llu.%06llu", (unsigned long long)(t_us / 1000000),
             (unsigned long long)(t_us % 1000000));
}

/* ---- verdicts ---- */

static void emit_expect(struct pkt_runner *r, const struct pkt_event *ev, bool ok,
                        const char *text)
{
    struct trace_event te = { .type = TRACE_EXPECT };
    te.u.expect.line = ev->pos.line;
    te.u.expect.ok = ok;
    size_t n = strlen(text) < sizeof te.u.expect.text ? strlen(text) : sizeof te.u.expect.text - 1;
    memcpy(te.u.expect.text, text, n);
    te.u.expect.text[n] = '\0';
    trace_emit(world_trace(r->w), &te);
}

static void mismatch(struct pkt_runner *r, const struct pkt_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void mismatch(struct pkt_runner *r, const struct pkt_event *ev, const char *fmt, ...)
{
    if (r->failed) return;
    r->failed = true;
    r->done = true;
    r->fail_us = sched_now_us();
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    emit_expect(r, ev, false, text);
    size_t len = strlen(r->s->file) + strlen(text) + 64;
    r->message = malloc(len);
    if (r->message) snprintf(r->message, len, "%s:%d: error: %s\n", r->s->file, ev->pos.line, text);
}

/* ---- waiting ---- */

static void wait_for_news(struct pkt_runner *r, uint64_t deadline_us)
{
    sched_wait(&r->runner_wait, deadline_us);
}

static const struct sent_segment *queue_front(const struct pkt_runner *r)
{
    return r->queue_len ? &r->queue[r->queue_head] : NULL;
}

static void queue_pop(struct pkt_runner *r)
{
    r->queue_head = (r->queue_head + 1) % MAX_QUEUED;
    r->queue_len--;
}

static void peer_receive(void *ctx, const uint8_t *pkt, size_t len)
{
    struct pkt_runner *r = ctx;
    struct sent_segment seg = { .t_us = sched_now_us() };
    if (!packet_decode(pkt, len, &seg.info) || seg.info.proto != PACKET_TCP) return;
    decode_options(pkt, len, &seg);
    /* A full queue means its head has long been a mismatch, reported before anything after
     * it: what does not fit is never judged. */
    if (r->queue_len == MAX_QUEUED) return;
    r->queue[(r->queue_head + r->queue_len++) % MAX_QUEUED] = seg;
    sched_wake_all(&r->runner_wait);
}

/* A segment lwIP sent earlier than `t_us` that no `>` line took: the first difference. */
static bool unexpected_before(struct pkt_runner *r, const struct pkt_event *ev, uint64_t t_us)
{
    const struct sent_segment *a = queue_front(r);
    if (!a || a->t_us >= t_us) return false;
    char actual[256], at[24], next[24];
    format_actual(r, a, actual, sizeof actual);
    format_time(a->t_us, at);
    format_time(t_us, next);
    mismatch(r, ev, "lwIP sent a segment the script does not expect: at %s > %s (the script's "
                    "next event, line %d, is at %s)", at, actual, ev->pos.line, next);
    return true;
}

/* The blocking call in progress must not have returned before its end time, and must have by
 * then; judged when the runner passes that time. */
static bool check_blocking_call(struct pkt_runner *r, uint64_t now_or_next_us);

/* Sleeps until t_us, judging what happens meanwhile (segments, the blocking call's return).
 * Before a `>` line (for_segment) a segment that comes early ends the sleep: that line judges
 * it. */
static bool sleep_until(struct pkt_runner *r, const struct pkt_event *ev, uint64_t t_us,
                        bool for_segment)
{
    for (;;) {
        if (r->done) return false;
        if (!for_segment && unexpected_before(r, ev, t_us)) return false;
        if (!check_blocking_call(r, t_us)) return false;
        if (sched_now_us() >= t_us || (for_segment && queue_front(r))) return true;
        bool call_first = r->call && !r->call_done && r->call_end_us < t_us;
        wait_for_news(r, call_first ? r->call_end_us + 1 : t_us);
    }
}

/* ---- calls ---- */

static const char *call_text(const struct pkt_event *ev, char *buf, size_t size)
{
    const struct pkt_call *c = &ev->u.call;
    size_t n = 0;
    appendf(buf, size, &n, "%s(", pkt_call_name(c->kind));
    for (size_t i = 0; i < c->argc; i++) {
        const struct pkt_arg *a = &c->args[i];
        const char *sep = i ? ", " : "";
        switch (a->kind) {
        case PKT_ARG_ANY: appendf(buf, size, &n, "%s...", sep); break;
        case PKT_ARG_INT: appendf(buf, size, &n, "%s%lld", sep, a->value); break;
        case PKT_ARG_ARRAY: appendf(buf, size, &n, "%s[%lld]", sep, a->value); break;
        case PKT_ARG_LINGER:
            appendf(buf, size, &n, "%s{onoff=%lld, linger=%lld}", sep, a->value, a->linger_s);
            break;
        case PKT_ARG_SYMBOLS:
            appendf(buf, size, &n, "%s", sep);
            for (size_t k = 0; k < a->symbol_count; k++)
                appendf(buf, size, &n, "%s%s", k ? "|" : "", a->symbols[k]);
            break;
        case PKT_ARG_KIND_COUNT: break;
        }
    }
    appendf(buf, size, &n, ")");
    return buf;
}

static void result_text(long long ret, int err, char *buf, size_t size)
{
    if (err) snprintf(buf, size, "%lld %s", ret, errno_name(err));
    else snprintf(buf, size, "%lld", ret);
}

static int sockopt_of(const struct pkt_call *c, struct stack_opt *opt)
{
    const struct pkt_arg *name = &c->args[2], *val = &c->args[3];
    opt->name = name->value == PKT_SO_REUSEADDR ? STACK_SO_REUSEADDR
              : name->value == PKT_SO_KEEPALIVE ? STACK_SO_KEEPALIVE
              : name->value == PKT_SO_LINGER ? STACK_SO_LINGER : STACK_TCP_NODELAY;
    bool linger = opt->name == STACK_SO_LINGER;
    if (linger != (val->kind == PKT_ARG_LINGER)) return -1;
    opt->value = (int)val->value;
    opt->linger_s = (int)val->linger_s;
    return 0;
}

static int msg_flags(long long script_flags)
{
    int f = 0;
    if (script_flags & PKT_MSG_DONTWAIT) f |= STACK_MSG_DONTWAIT;
    if (script_flags & PKT_MSG_PEEK) f |= STACK_MSG_PEEK;
    if (script_flags & PKT_MSG_NOSIGNAL) f |= PROC_MSG_NOSIGNAL;
    return f;
}

static long long make_call(struct pkt_runner *r, struct proc *p, const struct pkt_call *c)
{
    int fd = c->argc ? (int)c->args[0].value : -1;
    size_t count = c->argc >= 3 ? (size_t)c->args[2].value : 0;     /* the parser bounds it */
    char ip[16];
    switch (c->kind) {
    case PKT_SOCKET: return proc_socket(p);
    case PKT_BIND: return proc_bind(p, fd, NULL, PKT_BIND_PORT);
    case PKT_LISTEN: return proc_listen(p, fd, (int)c->args[1].value);
    case PKT_ACCEPT: return proc_accept(p, fd);
    case PKT_CONNECT:
        r->remote_port = PKT_BIND_PORT;
        return proc_connect(p, fd, ip4_str(r->remote_ip, ip), PKT_BIND_PORT);
    case PKT_WRITE: case PKT_SEND: case PKT_READ: case PKT_RECV: {
        /* the runner owns the buffer: a call still blocked when the world is freed never
         * returns to free it */
        if (count > r->io_size) {
            free(r->io_buf);
            if (!(r->io_buf = calloc(count, 1))) sched_out_of_memory();
            r->io_size = count;
        }
        int flags = c->argc == 4 ? msg_flags(c->args[3].value) : 0;
        return c->kind == PKT_WRITE || c->kind == PKT_SEND
                   ? proc_send(p, fd, r->io_buf, count, flags)
                   : proc_recv(p, fd, r->io_buf, count, flags);
    }
    case PKT_CLOSE: return proc_close(p, fd);
    case PKT_SHUTDOWN: return proc_shutdown(p, fd, (int)c->args[1].value);
    case PKT_SETSOCKOPT: {
        struct stack_opt opt = { 0 };
        if (sockopt_of(c, &opt) != 0) {
            errno = EINVAL;
            return -1;
        }
        return proc_setsockopt(p, fd, &opt);
    }
    case PKT_FCNTL: return proc_set_nonblocking(p, fd, (c->args[2].value & PKT_O_NONBLOCK) != 0);
    case PKT_CALL_KIND_COUNT: break;
    }
    return -1;
}

static void app_main(struct proc *p, void *arg)
{
    struct pkt_runner *r = arg;
    proc_set_disposition(p, PROC_SIGPIPE, PROC_SIG_IGNORE);
    for (;;) {
        while (!r->call || r->call_done) sched_wait(&r->app_wait, SCHED_FOREVER);
        errno = 0;
        long long ret = make_call(r, p, &r->call->u.call);
        r->call_err = ret < 0 ? errno : 0;
        r->call_ret = ret;
        r->call_returned_us = sched_now_us();
        r->call_done = true;
        sched_wake_all(&r->runner_wait);
    }
}

/* Judges the returned call (result and time); the call slot is free afterwards. */
static bool judge_call(struct pkt_runner *r, uint64_t expected_us)
{
    const struct pkt_event *ev = r->call;
    const struct pkt_call *c = &ev->u.call;
    char what[160], got[48], want[48], at[24], when[24];
    call_text(ev, what, sizeof what);
    result_text(r->call_ret, r->call_err, got, sizeof got);
    result_text(c->ret, c->err, want, sizeof want);
    format_time(r->call_returned_us, at);
    format_time(expected_us, when);
    r->call = NULL;
    if (r->call_returned_us != expected_us) {
        mismatch(r, ev, "%s = %s returned at %s, the script expects it to return at %s%s", what,
                 got, at, when, c->blocking ? "" : " (no start...end: it must not block)");
        return false;
    }
    if (r->call_ret != c->ret || (c->err && r->call_err != c->err)) {
        mismatch(r, ev, "%s returned %s, the script expects %s (at %s)", what, got, want, at);
        return false;
    }
    char text[256];
    snprintf(text, sizeof text, "%s = %s at %s", what, want, at);
    emit_expect(r, ev, true, text);
    return true;
}

/* Waits for the call in progress to return, up to expected_us (+1 us for same-time events),
 * looking further to say when it did return when it is late. */
static bool finish_call(struct pkt_runner *r, uint64_t expected_us)
{
    uint64_t deadline = expected_us + 1;
    while (!r->call_done && sched_now_us() < deadline) wait_for_news(r, deadline);
    if (!r->call_done) {
        uint64_t look = expected_us + LOOK_FURTHER_US;
        while (!r->call_done && sched_now_us() < look) wait_for_news(r, look);
        if (!r->call_done) {
            char what[160], when[24];
            format_time(expected_us, when);
            mismatch(r, r->call, "%s is still blocked %llu s after %s, when the script expects "
                                 "it to return", call_text(r->call, what, sizeof what),
                     (unsigned long long)(LOOK_FURTHER_US / 1000000), when);
            return false;
        }
    }
    return judge_call(r, expected_us);
}

static bool check_blocking_call(struct pkt_runner *r, uint64_t now_or_next_us)
{
    if (!r->call) return true;
    if (r->call_done) return finish_call(r, r->call_end_us);
    if (now_or_next_us > r->call_end_us) return finish_call(r, r->call_end_us);
    return true;
}

/* Hands the call to the app. A blocking call's end counts from the same base as its start
 * (packetdrill: "+.1...0.2" starts 0.1 s and ends 0.2 s after the previous event). */
static bool run_call(struct pkt_runner *r, const struct pkt_event *ev, uint64_t t_us,
                     uint64_t prev_base_us)
{
    const struct pkt_call *c = &ev->u.call;
    r->call = ev;
    r->call_done = false;
    r->call_end_us = !c->blocking ? t_us
                   : ev->end_relative ? prev_base_us + (uint64_t)c->end_us : (uint64_t)c->end_us;
    sched_wake_all(&r->app_wait);
    if (c->blocking) return true;
    return finish_call(r, t_us);
}

/* ---- segments ---- */

static bool ensure_ports(struct pkt_runner *r, const struct pkt_event *ev)
{
    if (!r->remote_port) r->remote_port = PKT_REMOTE_PORT;
    if (!r->local_port) r->local_port = PKT_BIND_PORT;
    if ((ev->u.seg.flags & TCP_ACK) && !r->local_isn_known) {
        mismatch(r, ev, "this segment acknowledges lwIP's sequence numbers, but no SYN from "
                        "lwIP has shown its ISN yet (expected a '> S' or '> S.' line first)");
        return false;
    }
    return true;
}

static bool inject(struct pkt_runner *r, const struct pkt_event *ev)
{
    const struct pkt_segment *seg = &ev->u.seg;
    if (!ensure_ports(r, ev)) return false;
    uint8_t options[48], *pkt = malloc(20 + 60 + seg->len);
    if (!pkt) sched_out_of_memory();
    uint8_t *payload = calloc(seg->len ? seg->len : 1, 1);
    if (!payload) sched_out_of_memory();
    struct tcp_segment_spec spec = {
        .src_ip = r->remote_ip, .dst_ip = r->local_ip, .src_port = r->remote_port,
        .dst_port = r->local_port, .seq = REMOTE_ISN + seg->seq,
        .ack = (seg->flags & TCP_ACK) ? r->local_isn + seg->ack : 0, .flags = seg->flags,
        .win = (uint16_t)seg->win, .options = options,
        .options_len = encode_options(seg, r->local_isn, options), .payload = payload,
        .payload_len = seg->len,
    };
    size_t len = packet_build_tcp(&spec, pkt, 20 + 60 + seg->len);
    char err[160];
    bool ok = len && world_inject(r->w, pkt, len, err, sizeof err);
    free(payload);
    free(pkt);
    if (!ok) sched_panic("injecting line %d: %s", ev->pos.line, len ? err : "cannot build");
    return true;
}

static bool is_padding(const struct pkt_option *o)
{
    return o->kind == PKT_OPT_NOP || o->kind == PKT_OPT_EOL;
}

/* Options this lwIP build implements (lwipopts.h: no window scaling, timestamps or SACK). */
static bool lwip_implements(const struct pkt_option *o) { return o->kind == PKT_OPT_MSS; }

static bool same_option(const struct pkt_option *a, const struct pkt_option *b, uint32_t base)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case PKT_OPT_NOP: case PKT_OPT_EOL: case PKT_OPT_SACK_OK: return true;
    case PKT_OPT_MSS: case PKT_OPT_WSCALE: return a->value == b->value;
    case PKT_OPT_TIMESTAMP: return a->value == b->value && a->ecr == b->ecr;
    case PKT_OPT_SACK:
        if (a->sack_count != b->sack_count) return false;
        for (size_t i = 0; i < a->sack_count; i++)
            if (a->sack[i][0] != b->sack[i][0] - base || a->sack[i][1] != b->sack[i][1] - base)
                return false;
        return true;
    case PKT_OPT_KIND_COUNT: break;
    }
    return false;
}

static bool options_match(const struct pkt_runner *r, const struct pkt_segment *want,
                          const struct sent_segment *got)
{
    if (want->options_any) return true;
    if (got->options_bad) return false;
    size_t i = 0, j = 0;
    for (;;) {
        if (!r->o.strict) {
            while (i < want->option_count &&
                   (is_padding(&want->options[i]) || !lwip_implements(&want->options[i])))
                i++;
            while (j < got->option_count && is_padding(&got->options[j])) j++;
        }
        if (i == want->option_count || j == got->option_count)
            return i == want->option_count && j == got->option_count;
        if (!same_option(&want->options[i++], &got->options[j++], r->local_isn)) return false;
    }
}

static const char *segment_difference(struct pkt_runner *r, const struct pkt_segment *want,
                                      const struct sent_segment *got)
{
    const struct packet_info *i = &got->info;
    if (i->src_port != r->local_port || i->dst_port != r->remote_port) return "the ports";
    if (i->flags != want->flags) return "the flags";
    if (i->seq - r->local_isn != want->seq) return "the sequence numbers";
    if (i->payload_len != want->len) return "the lengths";
    if ((want->flags & TCP_ACK) && i->ack - REMOTE_ISN != want->ack) return "the acks";
    if (want->win >= 0 && i->win != (uint32_t)want->win) return "the windows";
    if (!options_match(r, want, got))
        return r->o.strict ? "the options (compared strictly)" : "the options";
    return NULL;
}

/* A SYN from lwIP fixes its ISN (and, the first time, its port). */
static void learn_from(struct pkt_runner *r, const struct pkt_segment *want,
                       const struct sent_segment *got)
{
    if (!r->local_port) r->local_port = got->info.src_port;
    if (!r->remote_port) r->remote_port = got->info.dst_port;
    if ((got->info.flags & TCP_SYN) && (want->flags & TCP_SYN)) {
        r->local_isn = got->info.seq - want->seq;
        r->local_isn_known = true;
    }
}

static bool judge_segment(struct pkt_runner *r, const struct pkt_event *ev, uint64_t t_us,
                          bool any_time)
{
    const struct sent_segment got = *queue_front(r);
    queue_pop(r);
    learn_from(r, &ev->u.seg, &got);
    char want[256], actual[256], at[24], when[24];
    format_expected(&ev->u.seg, want, sizeof want);
    format_actual(r, &got, actual, sizeof actual);
    format_time(got.t_us, at);
    format_time(t_us, when);
    const char *diff = segment_difference(r, &ev->u.seg, &got);
    if (diff) {
        mismatch(r, ev, "expected > %s at %s; lwIP sent > %s at %s (%s differ)", want,
                 any_time ? "any time" : when, actual, at, diff);
        return false;
    }
    if (!any_time && got.t_us != t_us) {
        mismatch(r, ev, "expected > %s at %s; lwIP sent it at %s", want, when, at);
        return false;
    }
    r->base_us = any_time ? got.t_us : r->base_us;
    char text[320];
    snprintf(text, sizeof text, "> %s at %s", want, at);
    emit_expect(r, ev, true, text);
    return true;
}

static bool expect_segment(struct pkt_runner *r, const struct pkt_event *ev, uint64_t t_us,
                           bool any_time)
{
    uint64_t deadline = any_time ? sched_now_us() + LOOK_FURTHER_US : t_us + 1;
    while (!queue_front(r) && sched_now_us() < deadline && !r->done) {
        if (!check_blocking_call(r, sched_now_us())) return false;
        wait_for_news(r, deadline);
    }
    if (queue_front(r)) return judge_segment(r, ev, t_us, any_time);
    char want[256], when[24];
    format_expected(&ev->u.seg, want, sizeof want);
    format_time(t_us, when);
    uint64_t look = t_us + LOOK_FURTHER_US;
    while (!queue_front(r) && sched_now_us() < look) wait_for_news(r, look);
    const struct sent_segment *late = queue_front(r);
    if (!late) {
        mismatch(r, ev, "expected > %s at %s; lwIP sent nothing (looked %llu s further)", want,
                 any_time ? "any time" : when, (unsigned long long)(LOOK_FURTHER_US / 1000000));
        return false;
    }
    char actual[256], at[24];
    format_actual(r, late, actual, sizeof actual);
    format_time(late->t_us, at);
    mismatch(r, ev, "expected > %s at %s; lwIP sent nothing then, and next > %s at %s", want,
             when, actual, at);
    return false;
}

/* ---- the script ---- */

static bool run_event(struct pkt_runner *r, const struct pkt_event *ev)
{
    uint64_t prev_base = r->base_us;
    uint64_t t_us = ev->time_kind == PKT_TIME_ABSOLUTE ? (uint64_t)ev->t_us
                  : ev->time_kind == PKT_TIME_RELATIVE ? prev_base + (uint64_t)ev->t_us
                                                       : sched_now_us();
    if (ev->kind == PKT_SHELL) return true;
    if (t_us < sched_now_us()) {
        char when[24], now[24];
        format_time(t_us, when);
        format_time(sched_now_us(), now);
        mismatch(r, ev, "this event is at %s, but the script is already at %s (times must not "
                        "go backwards)", when, now);
        return false;
    }
    bool any_time = ev->time_kind == PKT_TIME_ANY;
    if (!any_time && !sleep_until(r, ev, t_us, ev->kind == PKT_OUTBOUND)) return false;
    r->base_us = t_us;
    switch (ev->kind) {
    case PKT_INBOUND: return inject(r, ev);
    case PKT_OUTBOUND: return expect_segment(r, ev, t_us, any_time);
    case PKT_CALL:
        if (r->call && !finish_call(r, r->call_end_us)) return false;
        return run_call(r, ev, t_us, prev_base);
    case PKT_SHELL: case PKT_EVENT_KIND_COUNT: break;
    }
    return true;
}

static void runner_main(void *arg)
{
    struct pkt_runner *r = arg;
    const struct pkt_event *last = NULL;
    for (size_t i = 0; i < r->s->event_count && !r->done; i++) {
        last = &r->s->events[i];
        if (!run_event(r, last)) break;
    }
    if (!r->done && last) {
        if (r->call) finish_call(r, r->call_end_us);
        if (!r->done) unexpected_before(r, last, sched_now_us());
    }
    r->done = true;
    sched_stop();
}

/* ---- setup and the outer loop ---- */

struct world_config pkt_world_config(const struct pkt_script *s, uint64_t seed)
{
    struct world_config cfg = world_config_default();
    cfg.scenario = s->id;
    cfg.seed = seed;
    cfg.link.delay_us = 0;
    cfg.link.bandwidth_bps = 0;
    return cfg;
}

struct pkt_runner *pkt_runner_new(const struct pkt_script *s, const struct pkt_run_options *o,
                                  struct world *w, char *err, size_t err_size)
{
    struct pkt_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_size, "%s:1:1: error: out of memory", s->file);
        return NULL;
    }
    *r = (struct pkt_runner){ .s = s, .o = *o, .w = w };
    r->host = world_add_host(w, "lwip", PKT_LOCAL_IP);
    if (!r->host || !world_add_peer(w, "script", PKT_REMOTE_IP, peer_receive, r)) {
        snprintf(err, err_size, "%s:1:1: error: the world cannot take the lwIP host and the "
                                "script's peer, expected a fresh world", s->file);
        free(r);
        return NULL;
    }
    ip4_parse(PKT_LOCAL_IP, &r->local_ip);
    ip4_parse(PKT_REMOTE_IP, &r->remote_ip);
    r->app = host_spawn(r->host, "app", 0, app_main, r);
    sched_spawn("script", CORO_DAEMON, NULL, 0, runner_main, r);
    return r;
}

bool pkt_runner_run(struct pkt_runner *r, FILE *report)
{
    enum run_result res = world_run(r->w, SCHED_FOREVER);
    if (!r->done) sched_panic("the script runner stopped waiting (run result %d)", (int)res);
    if (r->failed && report) {
        fputs(r->message ? r->message : "error: out of memory\n", report);
        fprintf(report, "trace around it:\n");
        size_t n;
        const struct trace_event *ev = trace_events(world_trace(r->w), &n);
        size_t last = n;
        while (last > 0 && ev[last - 1].t_us > r->fail_us) last--;
        size_t first = last > 12 ? last - 12 : 0;
        for (size_t i = first; i < n; i++) {
            char line[512];
            trace_format_text(&ev[i], line, sizeof line);
            fprintf(report, "  %s\n", line);
        }
    }
    return !r->failed;
}

void pkt_runner_free(struct pkt_runner *r)
{
    if (!r) return;
    free(r->message);
    free(r->io_buf);
    free(r);
}
