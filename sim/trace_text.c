/* trace_text — the timeline.txt sink, and the one-line text form of every event.
 *
 * One line per event, virtual time first (seconds, 6 decimals), then the host, the kind, and
 * the event in the notation of tcpdump and of the scenario files, so a scenario and its trace
 * read side by side. The file is written to <path>.tmp and renamed by finish, so a failed run
 * never leaves a partial timeline behind. */
#include "trace.h"

#include "outfile.h"
#include "packet.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text_sink {
    struct trace_sink base;
    struct outfile out;
};

static size_t appendf(char *buf, size_t size, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t appendf(char *buf, size_t size, size_t used, const char *fmt, ...)
{
    if (used >= size) return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    return n < 0 ? used : used + (size_t)n;
}

static size_t format_time(char *buf, size_t size, uint64_t t_us)
{
    return appendf(buf, size, 0, "%6llu.%06llu", (unsigned long long)(t_us / 1000000),
                   (unsigned long long)(t_us % 1000000));
}

static size_t format_segment(char *buf, size_t size, size_t n, const struct trace_segment *s)
{
    char flags[8], src[16], dst[16];
    packet_flags_str(s->flags, flags);
    n = appendf(buf, size, n, "  %-8s> %-8s %-4s seq %-6u ack %-6u win %-5u len %-5u %s:%u > %s:%u",
                s->from, s->to, flags, s->seq, s->ack, s->win, s->len, ip4_str(s->src_ip, src),
                s->src_port, ip4_str(s->dst_ip, dst), s->dst_port);
    if (s->delivered) {
        char at[24];
        format_time(at, sizeof at, s->arrive_us);
        const char *trimmed = at;
        while (*trimmed == ' ') trimmed++;
        n = appendf(buf, size, n, "  arrives %s", trimmed);
    } else {
        n = appendf(buf, size, n, "  %s", s->fate);
    }
    if (s->injected) n = appendf(buf, size, n, "  [injected]");
    if (s->reason[0]) n = appendf(buf, size, n, "  why: %s", s->reason);
    return n;
}

static size_t format_call(char *buf, size_t size, size_t n, const struct trace_call *c,
                          uint64_t t_us)
{
    n = appendf(buf, size, n, "  %-8s call   %s: %s(", c->host, c->proc, c->call);
    if (c->fd >= 0) n = appendf(buf, size, n, "%d%s", c->fd, c->args[0] ? ", " : "");
    n = appendf(buf, size, n, "%s) = %ld", c->args, c->ret);
    if (c->err) n = appendf(buf, size, n, " %s", errno_name(c->err));
    if (c->start_us != t_us) {
        char since[24];
        format_time(since, sizeof since, c->start_us);
        const char *trimmed = since;
        while (*trimmed == ' ') trimmed++;
        n = appendf(buf, size, n, "  (blocked since %s)", trimmed);
    }
    if (c->conn[0]) n = appendf(buf, size, n, "  on %s %s", c->conn, tcp_state_name(c->state));
    return n;
}

static size_t format_accounting(char *buf, size_t size, size_t n, const struct trace_accounting *a)
{
    n = appendf(buf, size, n, "  %-8s bytes  %s>%s %s: sent %llu, delivered %llu", a->from, a->from,
                a->to, a->conn, (unsigned long long)a->sent, (unsigned long long)a->delivered);
    if (a->lost_unread)
        n = appendf(buf, size, n, ", lost %llu (%s)", (unsigned long long)a->lost_unread,
                    a->unread_reason);
    if (a->lost_unarrived && a->never_on_wire)
        n = appendf(buf, size, n, ", lost %llu (%s; %llu never left the sender)",
                    (unsigned long long)a->lost_unarrived, a->unarrived_reason,
                    (unsigned long long)a->never_on_wire);
    else if (a->lost_unarrived)
        n = appendf(buf, size, n, ", lost %llu (%s)", (unsigned long long)a->lost_unarrived,
                    a->unarrived_reason);
    if (a->mismatch_at >= 0)
        return appendf(buf, size, n, "; CONTENT WRONG from byte %lld", (long long)a->mismatch_at);
    return appendf(buf, size, n, "; content %s", a->ok ? "ok" : "WRONG");
}

size_t trace_format_text(const struct trace_event *ev, char *buf, size_t size)
{
    size_t n = format_time(buf, size, ev->t_us);
    switch (ev->type) {
    case TRACE_SEGMENT:
        return format_segment(buf, size, n, &ev->u.segment);
    case TRACE_STATE: {
        const struct trace_state *s = &ev->u.state;
        return appendf(buf, size, n, "  %-8s state  %s  %s -> %s  (%s)", s->host, s->conn,
                       tcp_state_name(s->from), tcp_state_name(s->to), s->cause);
    }
    case TRACE_CALL:
        return format_call(buf, size, n, &ev->u.call, ev->t_us);
    case TRACE_PROCESS: {
        const struct trace_process *p = &ev->u.process;
        return appendf(buf, size, n, "  %-8s proc   %s: %s (status %d)", p->host, p->proc,
                       p->event, p->status);
    }
    case TRACE_HOST:
        return appendf(buf, size, n, "  %-8s host   %s", ev->u.host.host, ev->u.host.event);
    case TRACE_LINK:
        return appendf(buf, size, n, "  %-8s %-6s %s", "link", ev->u.link.event,
                       ev->u.link.detail);
    case TRACE_SIGNAL: {
        const struct trace_signal *g = &ev->u.signal;
        return appendf(buf, size, n, "  %-8s signal %s: %s -> %s", g->host, g->proc, g->signal,
                       g->action);
    }
    case TRACE_EXPECT:
        return appendf(buf, size, n, "  %-8s %-6s line %d: %s", "expect",
                       ev->u.expect.ok ? "ok" : "FAILED", ev->u.expect.line, ev->u.expect.text);
    case TRACE_ACCOUNTING:
        return format_accounting(buf, size, n, &ev->u.accounting);
    case TRACE_POOL:
        return appendf(buf, size, n, "  %-8s pool   lwIP pool %s ran out: %u in use of %u, %u "
                       "allocation%s refused", ev->u.pool.host, ev->u.pool.pool, ev->u.pool.used,
                       ev->u.pool.avail, ev->u.pool.refused, ev->u.pool.refused == 1 ? "" : "s");
    case TRACE_DEFECT:
        return appendf(buf, size, n, "  %-8s lwip-defect %s%s%s: %s", ev->u.defect.host,
                       ev->u.defect.proc ? ev->u.defect.proc : "",
                       ev->u.defect.proc ? ": " : "", ev->u.defect.function, ev->u.defect.detail);
    case TRACE_TIMER:
        return appendf(buf, size, n, "  %-8s timer  %s  %s", ev->u.timer.host, ev->u.timer.conn,
                       ev->u.timer.detail);
    case TRACE_HELD:
        return appendf(buf, size, n, "  %-8s held   %s  %llu bytes queued, not sent: %s",
                       ev->u.held.host, ev->u.held.conn, (unsigned long long)ev->u.held.bytes,
                       ev->u.held.detail);
    case TRACE_TYPE_COUNT:
        break;
    }
    return appendf(buf, size, n, "  (event type %d)", (int)ev->type);
}

static void text_begin(struct trace_sink *sink, const struct trace_header *h)
{
    struct text_sink *s = (struct text_sink *)sink;
    if (h->kernel)
        fprintf(s->out.f, "# tcpsim timeline  scenario %s  seed %llu  Linux %s\n", h->scenario,
                (unsigned long long)h->seed, h->kernel);
    else
        fprintf(s->out.f, "# tcpsim timeline  scenario %s  seed %llu  lwIP 2.1.3\n", h->scenario,
                (unsigned long long)h->seed);
    for (size_t i = 0; i < h->note_count; i++) fprintf(s->out.f, "# %s\n", h->notes[i]);
    for (size_t i = 0; i < h->host_count; i++) {
        char ip[16];
        fprintf(s->out.f, "# host %-8s %s\n", h->hosts[i].name, ip4_str(h->hosts[i].ip, ip));
    }
    fprintf(s->out.f, "# %11s  %s\n", "time (s)", "event (seq/ack relative to each direction's ISN)");
}

static void text_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct text_sink *s = (struct text_sink *)sink;
    char line[768];
    trace_format_text(ev, line, sizeof line);
    fprintf(s->out.f, "%s\n", line);
}

static int text_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    return outfile_commit(&((struct text_sink *)sink)->out, err, err_size);
}

static void text_free(struct trace_sink *sink)
{
    outfile_discard(&((struct text_sink *)sink)->out);
    free(sink);
}

struct trace_sink *trace_text_new(const char *path)
{
    struct text_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (outfile_open(&s->out, path) != 0) {
        free(s);
        return NULL;
    }
    s->base = (struct trace_sink){ text_begin, text_event, text_finish, text_free };
    return &s->base;
}
