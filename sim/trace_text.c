/* trace_text — the timeline.txt sink, and the one-line text form of every event.
 *
 * One line per event, virtual time first (seconds, 6 decimals), then the host, the kind, and
 * the event in the notation of tcpdump and of the scenario files, so a scenario and its trace
 * read side by side. The file is written to <path>.tmp and renamed by finish, so a failed run
 * never leaves a partial timeline behind. */
#include "trace.h"

#include "outfile.h"
#include "packet.h"
#include "sched.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text_sink {
    struct trace_sink base;
    struct outfile out;
    struct strbuf line;             /* lines not written yet; reused: no allocation per event */
    struct strbuf_addr_cache addrs;
};

/* Written with strbuf rather than snprintf: this runs for every event of every run with a
 * timeline, and printf's format parsing was most of its cost (issue 11). The comments give the
 * printf format each piece reproduces. */

/* everything but the strings (an array member is counted by its size): words, numbers, padding */
enum { LINE_FIXED_ROOM = 320 };

static char *line_room(struct strbuf *b, size_t strings_len)
{
    char *o = strbuf_reserve(b, LINE_FIXED_ROOM + strings_len);
    if (!o) sched_panic("trace_text: a fixed strbuf is too small");
    return o;
}

/* "%6llu.%06llu": seconds right-aligned in 6 columns, then microseconds (every line: in
 * place) */
static void put_time(struct strbuf *b, uint64_t t_us)
{
    char *start = line_room(b, 0);
    char *o = strbuf_u64_padded_at(start, t_us / 1000000, 6, ' ');
    *o++ = '.';
    o = strbuf_u64_padded_at(o, t_us % 1000000, 6, '0');
    strbuf_commit(b, (size_t)(o - start));
}

/* "  %-8s <kind>": the host column and the kind of event */
static void put_who(struct strbuf *b, const char *host, const char *kind)
{
    strbuf_put(b, "  ", 2);
    strbuf_str_left(b, host, 8);
    strbuf_char(b, ' ');
    strbuf_str(b, kind);
}

/* ---- the two hot event types, written in place ----
 * Segments and calls are nearly every line of a long run: each reserves room for its worst
 * case once and writes its pieces at a pointer (strbuf_write_at) instead of a strbuf call per
 * piece. The growable strbuf of the sink (and of trace_format_text) always has that room. */

static char *pad(char *o, size_t n, size_t width)
{
    if (n >= width) return o;
    memset(o, ' ', width - n);
    return o + (width - n);
}

static char *str_at(char *o, const char *s) { return strbuf_write_at(o, s, strlen(s)); }

/* "%-*s" */
static char *str_left_at(char *o, const char *s, size_t width)
{
    size_t n = strlen(s);
    return pad(strbuf_write_at(o, s, n), n, width);
}

/* "%-*llu" */
static char *u64_left_at(char *o, uint64_t v, size_t width)
{
    char *end = strbuf_u64_at(o, v);
    return pad(end, (size_t)(end - o), width);
}

/* put_time without its leading blanks: "%llu.%06llu" */
static char *time_trimmed_at(char *o, uint64_t t_us)
{
    o = strbuf_u64_at(o, t_us / 1000000);
    *o++ = '.';
    return strbuf_u64_padded_at(o, t_us % 1000000, 6, '0');
}

static void format_segment(struct strbuf *b, const struct trace_segment *s,
                           struct strbuf_addr_cache *addrs)
{
    char flags[8];
    packet_flags_str(s->flags, flags);
    char *start = line_room(b, strlen(s->from) + strlen(s->to) + strlen(flags) +
                               sizeof s->fate + sizeof s->reason);
    /* "  %-8s> %-8s %-4s seq %-6u ack %-6u win %-5u len %-5u %s:%u > %s:%u" */
    char *o = strbuf_write_at(start, "  ", 2);
    o = str_left_at(o, s->from, 8);
    o = strbuf_write_at(o, "> ", 2);
    o = str_left_at(o, s->to, 8);
    *o++ = ' ';
    o = str_left_at(o, flags, 4);
    o = u64_left_at(strbuf_write_at(o, " seq ", 5), s->seq, 6);
    o = u64_left_at(strbuf_write_at(o, " ack ", 5), s->ack, 6);
    o = u64_left_at(strbuf_write_at(o, " win ", 5), s->win, 5);
    o = u64_left_at(strbuf_write_at(o, " len ", 5), s->len, 5);
    *o++ = ' ';
    o = strbuf_addr_cached_at(o, addrs, s->src_ip, s->src_port);
    o = strbuf_write_at(o, " > ", 3);
    o = strbuf_addr_cached_at(o, addrs, s->dst_ip, s->dst_port);
    if (s->delivered) o = time_trimmed_at(strbuf_write_at(o, "  arrives ", 10), s->arrive_us);
    else o = str_at(strbuf_write_at(o, "  ", 2), s->fate);
    if (s->injected) o = strbuf_write_at(o, "  [injected]", 12);
    if (s->reason[0]) o = str_at(strbuf_write_at(o, "  why: ", 7), s->reason);
    strbuf_commit(b, (size_t)(o - start));
}

static void format_call(struct strbuf *b, const struct trace_call *c, uint64_t t_us)
{
    const char *err = c->err ? errno_name(c->err) : NULL;
    const char *state = c->conn[0] ? tcp_state_name(c->state) : NULL;
    char *start = line_room(b, strlen(c->host) + strlen(c->proc) + strlen(c->call) +
                               sizeof c->args + (err ? strlen(err) : 0) + sizeof c->conn +
                               (state ? strlen(state) : 0));
    /* "  %-8s call   %s: %s(" [fd[, ]] "%s) = %ld" [" %s"] */
    char *o = strbuf_write_at(start, "  ", 2);
    o = str_left_at(o, c->host, 8);
    o = strbuf_write_at(o, " call   ", 8);
    o = strbuf_write_at(str_at(o, c->proc), ": ", 2);
    o = str_at(o, c->call);
    *o++ = '(';
    if (c->fd >= 0) {
        o = strbuf_i64_at(o, c->fd);
        if (c->args[0]) o = strbuf_write_at(o, ", ", 2);
    }
    o = strbuf_write_at(str_at(o, c->args), ") = ", 4);
    o = strbuf_i64_at(o, c->ret);
    if (err) {
        *o++ = ' ';
        o = str_at(o, err);
    }
    if (c->start_us != t_us) {
        o = time_trimmed_at(strbuf_write_at(o, "  (blocked since ", 17), c->start_us);
        *o++ = ')';
    }
    if (state) {
        o = str_at(strbuf_write_at(o, "  on ", 5), c->conn);
        *o++ = ' ';
        o = str_at(o, state);
    }
    strbuf_commit(b, (size_t)(o - start));
}

/* The accounting and pool lines come once per connection or pool: printf is fine there. */
static void format_accounting(struct strbuf *b, const struct trace_accounting *a)
{
    strbuf_printf(b, "  %-8s bytes  %s>%s %s: sent %llu, delivered %llu", a->from, a->from, a->to,
                  a->conn, (unsigned long long)a->sent, (unsigned long long)a->delivered);
    if (a->lost_unread)
        strbuf_printf(b, ", lost %llu (%s)", (unsigned long long)a->lost_unread, a->unread_reason);
    if (a->lost_unarrived && a->never_on_wire)
        strbuf_printf(b, ", lost %llu (%s; %llu never left the sender)",
                      (unsigned long long)a->lost_unarrived, a->unarrived_reason,
                      (unsigned long long)a->never_on_wire);
    else if (a->lost_unarrived)
        strbuf_printf(b, ", lost %llu (%s)", (unsigned long long)a->lost_unarrived,
                      a->unarrived_reason);
    if (a->mismatch_at >= 0)
        strbuf_printf(b, "; CONTENT WRONG from byte %lld", (long long)a->mismatch_at);
    else
        strbuf_printf(b, "; content %s", a->ok ? "ok" : "WRONG");
}

static void format_pool(struct strbuf *b, const struct trace_pool *p)
{
    strbuf_printf(b, "  %-8s pool   lwIP pool %s ran out: %u in use of %u, %u allocation%s refused",
                  p->host, p->pool, p->used, p->avail, p->refused, p->refused == 1 ? "" : "s");
}

/* The parts of a line after the host column, joined: "a" "b" ... up to a NULL. */
static void put_parts(struct strbuf *b, const char *const *parts)
{
    for (; *parts; parts++) strbuf_str(b, *parts);
}

/* addrs: a cache of address texts (the sink's, kept from line to line) */
static void format_event(struct strbuf *b, const struct trace_event *ev,
                         struct strbuf_addr_cache *addrs)
{
    put_time(b, ev->t_us);
    switch (ev->type) {
    case TRACE_SEGMENT:
        format_segment(b, &ev->u.segment, addrs);
        return;
    case TRACE_STATE: {   /* "  %-8s state  %s  %s -> %s  (%s)" */
        const struct trace_state *s = &ev->u.state;
        put_who(b, s->host, "state  ");
        put_parts(b, (const char *const[]){ s->conn, "  ", tcp_state_name(s->from), " -> ",
                                            tcp_state_name(s->to), "  (", s->cause, ")", NULL });
        return;
    }
    case TRACE_CALL:
        format_call(b, &ev->u.call, ev->t_us);
        return;
    case TRACE_PROCESS: {   /* "  %-8s proc   %s: %s (status %d)" */
        const struct trace_process *p = &ev->u.process;
        put_who(b, p->host, "proc   ");
        put_parts(b, (const char *const[]){ p->proc, ": ", p->event, " (status ", NULL });
        strbuf_i64(b, p->status);
        strbuf_char(b, ')');
        return;
    }
    case TRACE_HOST:
        put_who(b, ev->u.host.host, "host   ");
        strbuf_str(b, ev->u.host.event);
        return;
    case TRACE_LINK:   /* "  %-8s %-6s %s" with "link" */
        put_who(b, "link", "");
        strbuf_str_left(b, ev->u.link.event, 6);
        strbuf_char(b, ' ');
        strbuf_str(b, ev->u.link.detail);
        return;
    case TRACE_SIGNAL: {   /* "  %-8s signal %s: %s -> %s" */
        const struct trace_signal *g = &ev->u.signal;
        put_who(b, g->host, "signal ");
        put_parts(b, (const char *const[]){ g->proc, ": ", g->signal, " -> ", g->action, NULL });
        return;
    }
    case TRACE_EXPECT:   /* "  %-8s %-6s line %d: %s" with "expect" */
        put_who(b, "expect", "");
        strbuf_str_left(b, ev->u.expect.ok ? "ok" : "FAILED", 6);
        strbuf_str(b, " line ");
        strbuf_i64(b, ev->u.expect.line);
        strbuf_put(b, ": ", 2);
        strbuf_str(b, ev->u.expect.text);
        return;
    case TRACE_ACCOUNTING:
        format_accounting(b, &ev->u.accounting);
        return;
    case TRACE_POOL:
        format_pool(b, &ev->u.pool);
        return;
    case TRACE_DEFECT: {   /* "  %-8s lwip-defect %s%s%s: %s" */
        const struct trace_defect *d = &ev->u.defect;
        put_who(b, d->host, "lwip-defect ");
        put_parts(b, (const char *const[]){ d->proc ? d->proc : "", d->proc ? ": " : "",
                                            d->function, ": ", d->detail, NULL });
        return;
    }
    case TRACE_TIMER:   /* "  %-8s timer  %s  %s" */
        put_who(b, ev->u.timer.host, "timer  ");
        put_parts(b, (const char *const[]){ ev->u.timer.conn, "  ", ev->u.timer.detail, NULL });
        return;
    case TRACE_HELD:   /* "  %-8s held   %s  %llu bytes queued, not sent: %s" */
        put_who(b, ev->u.held.host, "held   ");
        strbuf_str(b, ev->u.held.conn);
        strbuf_put(b, "  ", 2);
        strbuf_u64(b, ev->u.held.bytes);
        strbuf_str(b, " bytes queued, not sent: ");
        strbuf_str(b, ev->u.held.detail);
        return;
    case TRACE_TYPE_COUNT:
        break;
    }
    strbuf_str(b, "  (event type ");
    strbuf_i64(b, (int)ev->type);
    strbuf_char(b, ')');
}

size_t trace_format_text(const struct trace_event *ev, char *buf, size_t size)
{
    /* formatted in a growable strbuf (the hot lines need their room), then cut off as
     * snprintf would */
    struct strbuf line = { 0 }, b = strbuf_fixed(buf, size);
    struct strbuf_addr_cache addrs = { 0 };
    format_event(&line, ev, &addrs);
    if (line.len) strbuf_put(&b, line.data, line.len);
    strbuf_release(&line);
    return b.len;
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
    format_event(&s->line, ev, &s->addrs);
    strbuf_char(&s->line, '\n');
    strbuf_flush(&s->line, s->out.f, SINK_FLUSH_BYTES);
}

static int text_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct text_sink *s = (struct text_sink *)sink;
    if (s->out.f) strbuf_flush(&s->line, s->out.f, 0);
    return outfile_commit(&s->out, err, err_size);
}

static void text_free(struct trace_sink *sink)
{
    outfile_discard(&((struct text_sink *)sink)->out);
    strbuf_release(&((struct text_sink *)sink)->line);
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
