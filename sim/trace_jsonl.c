/* trace_jsonl — the timeline.jsonl sink: one JSON object per line, the schema of the trace
 * contract (docs/trace-format.md), keys in a fixed order so the bytes are the same on every
 * run. Events are written straight to text by json_write (no object per event: that was most of
 * a fully traced run's cost, issue 11), the same bytes jansson's json_dumps made of them;
 * trace_event_json builds the jansson object from the same description of the members. The
 * header, once per run, is built with jansson. Written to <path>.tmp and renamed by finish. */
#include "trace.h"

#include "json_write.h"
#include "outfile.h"
#include "packet.h"
#include "sched.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jsonl_sink {
    struct trace_sink base;
    struct outfile out;
    struct strbuf line;             /* lines not written yet; reused: no allocation per event */
    struct strbuf_addr_cache addrs;
};

/* The members of one event, in the order of the trace contract, told to a visitor: the sink
 * writes them as text (json_write), trace_event_json builds a jansson object of them. One
 * description of the schema for both, so the file and `expect event` matching cannot drift. */
struct fields {
    void (*string)(void *ctx, const char *key, const char *value);   /* NULL: left out */
    void (*integer)(void *ctx, const char *key, long long value);
    void (*null)(void *ctx, const char *key);
    void (*boolean)(void *ctx, const char *key, bool value);
    void (*object)(void *ctx, const char *key);                      /* nested, until close */
    void (*close)(void *ctx);
};

static void addr(const struct fields *f, void *ctx, struct strbuf_addr_cache *addrs,
                 const char *key, uint32_t ip, uint16_t port)
{
    char text[24];
    struct strbuf b = strbuf_fixed(text, sizeof text);
    strbuf_addr_cached(&b, addrs, ip, port);
    f->string(ctx, key, text);
}

static void string_or_null(const struct fields *f, void *ctx, const char *key, const char *s)
{
    if (s) f->string(ctx, key, s);
    else f->null(ctx, key);
}

static void segment_fields(const struct fields *f, void *ctx, const struct trace_segment *s,
                           struct strbuf_addr_cache *addrs)
{
    char flags[8];
    f->string(ctx, "from", s->from);
    f->string(ctx, "to", s->to);
    addr(f, ctx, addrs, "src", s->src_ip, s->src_port);
    addr(f, ctx, addrs, "dst", s->dst_ip, s->dst_port);
    f->string(ctx, "flags", packet_flags_str(s->flags, flags));
    f->integer(ctx, "seq", s->seq);
    f->integer(ctx, "ack", s->ack);
    f->integer(ctx, "len", s->len);
    f->integer(ctx, "win", s->win);
    f->string(ctx, "fate", s->fate);
    if (s->delivered) f->integer(ctx, "arrive_us", (long long)s->arrive_us);
    else f->null(ctx, "arrive_us");
    if (s->injected) f->boolean(ctx, "injected", true);
    string_or_null(f, ctx, "reason", s->reason[0] ? s->reason : NULL);
}

static void call_fields(const struct fields *f, void *ctx, const struct trace_call *c)
{
    f->string(ctx, "host", c->host);
    f->string(ctx, "proc", c->proc);
    f->string(ctx, "call", c->call);
    if (c->fd >= 0) f->integer(ctx, "fd", c->fd);
    else f->null(ctx, "fd");
    f->integer(ctx, "start_us", (long long)c->start_us);
    f->integer(ctx, "ret", c->ret);
    string_or_null(f, ctx, "errno", errno_name(c->err));
    if (c->bytes >= 0) f->integer(ctx, "bytes", c->bytes);
    else f->null(ctx, "bytes");
    string_or_null(f, ctx, "conn", c->conn[0] ? c->conn : NULL);
    string_or_null(f, ctx, "state", c->conn[0] ? tcp_state_name(c->state) : NULL);
}

static void accounting_fields(const struct fields *f, void *ctx, const struct trace_accounting *a)
{
    /* one key per reason: the same reason twice is one amount, so the object adds up */
    bool same = a->lost_unread && a->lost_unarrived && a->unread_reason && a->unarrived_reason &&
                strcmp(a->unread_reason, a->unarrived_reason) == 0;
    f->string(ctx, "from", a->from);
    f->string(ctx, "to", a->to);
    f->string(ctx, "conn", a->conn);
    f->integer(ctx, "sent", (long long)a->sent);
    f->integer(ctx, "delivered", (long long)a->delivered);
    f->object(ctx, "lost");
    if (a->lost_unread && a->unread_reason)
        f->integer(ctx, a->unread_reason,
                   (long long)(a->lost_unread + (same ? a->lost_unarrived : 0)));
    if (a->lost_unarrived && !same && a->unarrived_reason)
        f->integer(ctx, a->unarrived_reason, (long long)a->lost_unarrived);
    f->close(ctx);
    f->integer(ctx, "never_on_wire", (long long)a->never_on_wire);
    f->boolean(ctx, "content_ok", a->mismatch_at < 0);
    f->boolean(ctx, "ok", a->ok);
}

/* host, then the names of further string members and their values, up to a NULL key */
static void strings(const struct fields *f, void *ctx, const char *const *kv)
{
    for (; *kv; kv += 2) f->string(ctx, kv[0], kv[1]);
}

/* addrs: a cache of address texts (the sink's, kept from event to event) */
static void event_fields(const struct fields *f, void *ctx, const struct trace_event *ev,
                         struct strbuf_addr_cache *addrs)
{
    static const char *const type_names[TRACE_TYPE_COUNT] = {
        [TRACE_SEGMENT] = "segment", [TRACE_STATE] = "state", [TRACE_CALL] = "call",
        [TRACE_SIGNAL] = "signal", [TRACE_PROCESS] = "process", [TRACE_HOST] = "host",
        [TRACE_LINK] = "link", [TRACE_EXPECT] = "expect",
        [TRACE_ACCOUNTING] = "accounting", [TRACE_POOL] = "pool",
        [TRACE_DEFECT] = "lwip-defect",
        [TRACE_TIMER] = "timer", [TRACE_HELD] = "held",
    };
    f->integer(ctx, "t_us", (long long)ev->t_us);
    f->string(ctx, "type", ev->type < TRACE_TYPE_COUNT ? type_names[ev->type] : NULL);
    switch (ev->type) {
    case TRACE_SEGMENT:
        segment_fields(f, ctx, &ev->u.segment, addrs);
        break;
    case TRACE_STATE:
        strings(f, ctx, (const char *const[]){ "host", ev->u.state.host, "conn", ev->u.state.conn,
                "from", tcp_state_name(ev->u.state.from), "to", tcp_state_name(ev->u.state.to),
                "cause", ev->u.state.cause, NULL });
        break;
    case TRACE_CALL:
        call_fields(f, ctx, &ev->u.call);
        break;
    case TRACE_PROCESS:
        strings(f, ctx, (const char *const[]){ "host", ev->u.process.host,
                "proc", ev->u.process.proc, "event", ev->u.process.event, NULL });
        f->integer(ctx, "status", ev->u.process.status);
        break;
    case TRACE_HOST:
        strings(f, ctx, (const char *const[]){ "host", ev->u.host.host,
                "event", ev->u.host.event, NULL });
        break;
    case TRACE_LINK:
        strings(f, ctx, (const char *const[]){ "event", ev->u.link.event,
                "detail", ev->u.link.detail, NULL });
        break;
    case TRACE_SIGNAL:
        strings(f, ctx, (const char *const[]){ "host", ev->u.signal.host,
                "proc", ev->u.signal.proc, "signal", ev->u.signal.signal,
                "action", ev->u.signal.action, NULL });
        break;
    case TRACE_EXPECT:
        f->integer(ctx, "line", ev->u.expect.line);
        f->boolean(ctx, "ok", ev->u.expect.ok);
        f->string(ctx, "text", ev->u.expect.text);
        break;
    case TRACE_ACCOUNTING:
        accounting_fields(f, ctx, &ev->u.accounting);
        break;
    case TRACE_POOL:
        strings(f, ctx, (const char *const[]){ "host", ev->u.pool.host,
                "pool", ev->u.pool.pool, NULL });
        f->integer(ctx, "used", ev->u.pool.used);
        f->integer(ctx, "avail", ev->u.pool.avail);
        f->integer(ctx, "refused", ev->u.pool.refused);
        break;
    case TRACE_DEFECT:
        f->string(ctx, "host", ev->u.defect.host);
        string_or_null(f, ctx, "proc", ev->u.defect.proc);
        strings(f, ctx, (const char *const[]){ "function", ev->u.defect.function,
                "detail", ev->u.defect.detail, NULL });
        break;
    case TRACE_TIMER:
        strings(f, ctx, (const char *const[]){ "host", ev->u.timer.host,
                "conn", ev->u.timer.conn, "timer", ev->u.timer.timer, NULL });
        f->integer(ctx, "count", ev->u.timer.count);
        f->integer(ctx, "waited_us", (long long)ev->u.timer.waited_us);
        f->string(ctx, "detail", ev->u.timer.detail);
        break;
    case TRACE_HELD:
        strings(f, ctx, (const char *const[]){ "host", ev->u.held.host,
                "conn", ev->u.held.conn, NULL });
        f->integer(ctx, "bytes", (long long)ev->u.held.bytes);
        strings(f, ctx, (const char *const[]){ "why", ev->u.held.why,
                "detail", ev->u.held.detail, NULL });
        break;
    case TRACE_TYPE_COUNT:
        break;
    }
}

/* ---- the visitor that builds a jansson object (trace_event_json) ---- */

struct builder {
    json_t *stack[2];               /* the event, and the nested object being filled */
    int depth;
};

static void build_set(void *ctx, const char *key, json_t *value)
{
    struct builder *b = ctx;
    json_object_set_new(b->stack[b->depth - 1], key, value);   /* NULL value: left out */
}

static void build_string(void *ctx, const char *key, const char *value)
{
    build_set(ctx, key, value ? json_string(value) : NULL);
}

static void build_integer(void *ctx, const char *key, long long value)
{
    build_set(ctx, key, json_integer(value));
}

static void build_null(void *ctx, const char *key) { build_set(ctx, key, json_null()); }

static void build_boolean(void *ctx, const char *key, bool value)
{
    build_set(ctx, key, json_boolean(value));
}

static void build_object(void *ctx, const char *key)
{
    struct builder *b = ctx;
    json_t *o = json_object();
    json_object_set_new(b->stack[b->depth - 1], key, o);
    b->stack[b->depth++] = o;
}

static void build_close(void *ctx) { ((struct builder *)ctx)->depth--; }

json_t *trace_event_json(const struct trace_event *ev)
{
    static const struct fields build = { build_string, build_integer, build_null, build_boolean,
                                         build_object, build_close };
    struct builder b = { .stack = { json_object() }, .depth = 1 };
    struct strbuf_addr_cache addrs = { 0 };
    event_fields(&build, &b, ev, &addrs);
    return b.stack[0];
}

/* ---- the visitor that writes the text (the sink) ---- */

static void write_string(void *ctx, const char *key, const char *value)
{
    json_write_string(ctx, key, value);
}

static void write_integer(void *ctx, const char *key, long long value)
{
    json_write_integer(ctx, key, value);
}

static void write_null(void *ctx, const char *key) { json_write_null(ctx, key); }

static void write_boolean(void *ctx, const char *key, bool value)
{
    json_write_bool(ctx, key, value);
}

static void write_object(void *ctx, const char *key) { json_write_object(ctx, key); }

static void write_close(void *ctx) { json_writer_close(ctx); }

/* ---- the two hot event types, written directly ----
 *
 * Segments and calls are nearly every line of a long run; walking event_fields through the
 * visitor cost ~80 instructions per member. These write the same members in the same order as
 * segment_fields and call_fields, straight into reserved room (tests/test_json_write.c checks
 * both against trace_event_json dumped by jansson). A key is ",\"name\":" as a literal: never
 * the first member, which is always t_us. */

#define KEY(lit) lit, sizeof lit - 1
/* room for the keys, integers and words of one line; strings add 6 bytes per byte + 2 (an
 * array member is counted by its size: no strlen) */
enum { LINE_FIXED_ROOM = 512 };

static char *put(char *o, const char *bytes, size_t n) { return strbuf_write_at(o, bytes, n); }

/* key and string value; left out (o unchanged) when the value is not valid UTF-8, as
 * json_object_set_new leaves out what json_string refuses */
static char *put_string(char *o, const char *key, size_t key_len, const char *value)
{
    char *end = json_put_string(put(o, key, key_len), value);
    return end ? end : o;
}

static char *put_string_or_null(char *o, const char *key, size_t key_len, const char *value)
{
    if (value) return put_string(o, key, key_len, value);
    return put(put(o, key, key_len), "null", 4);
}

static char *put_integer(char *o, const char *key, size_t key_len, long long value)
{
    return strbuf_i64_at(put(o, key, key_len), value);
}

static char *put_integer_or_null(char *o, const char *key, size_t key_len, bool has,
                                 long long value)
{
    if (has) return put_integer(o, key, key_len, value);
    return put(put(o, key, key_len), "null", 4);
}

/* an address text: digits, dots and a colon, nothing to escape */
static char *put_addr(char *o, const char *key, size_t key_len, struct strbuf_addr_cache *addrs,
                      uint32_t ip, uint16_t port)
{
    o = put(o, key, key_len);
    *o++ = '"';
    o = strbuf_addr_cached_at(o, addrs, ip, port);
    *o++ = '"';
    return o;
}

static char *line_room(struct strbuf *out, size_t strings_len)
{
    char *o = strbuf_reserve(out, LINE_FIXED_ROOM + 6 * strings_len);
    if (!o) sched_panic("trace_jsonl: a fixed strbuf is too small");
    return o;
}

static void line_commit(struct strbuf *out, const char *o, char *end)
{
    end = put(end, "}\n", 2);
    strbuf_commit(out, (size_t)(end - o));
}

static void segment_line(struct strbuf *out, uint64_t t_us, const struct trace_segment *s,
                         struct strbuf_addr_cache *addrs)
{
    char flags[8];
    packet_flags_str(s->flags, flags);
    char *start = line_room(out, strlen(s->from) + strlen(s->to) + strlen(flags) +
                                 sizeof s->fate + sizeof s->reason);
    char *o = put_integer(start, KEY("{\"t_us\":"), (long long)t_us);
    o = put(o, KEY(",\"type\":\"segment\""));
    o = put_string(o, KEY(",\"from\":"), s->from);
    o = put_string(o, KEY(",\"to\":"), s->to);
    o = put_addr(o, KEY(",\"src\":"), addrs, s->src_ip, s->src_port);
    o = put_addr(o, KEY(",\"dst\":"), addrs, s->dst_ip, s->dst_port);
    o = put_string(o, KEY(",\"flags\":"), flags);
    o = put_integer(o, KEY(",\"seq\":"), s->seq);
    o = put_integer(o, KEY(",\"ack\":"), s->ack);
    o = put_integer(o, KEY(",\"len\":"), s->len);
    o = put_integer(o, KEY(",\"win\":"), s->win);
    o = put_string(o, KEY(",\"fate\":"), s->fate);
    o = put_integer_or_null(o, KEY(",\"arrive_us\":"), s->delivered, (long long)s->arrive_us);
    if (s->injected) o = put(o, KEY(",\"injected\":true"));
    o = put_string_or_null(o, KEY(",\"reason\":"), s->reason[0] ? s->reason : NULL);
    line_commit(out, start, o);
}

static void call_line(struct strbuf *out, uint64_t t_us, const struct trace_call *c)
{
    const char *err = errno_name(c->err);
    const char *state = c->conn[0] ? tcp_state_name(c->state) : NULL;
    char *start = line_room(out, strlen(c->host) + strlen(c->proc) + strlen(c->call) +
                                 (err ? strlen(err) : 0) + sizeof c->conn +
                                 (state ? strlen(state) : 0));
    char *o = put_integer(start, KEY("{\"t_us\":"), (long long)t_us);
    o = put(o, KEY(",\"type\":\"call\""));
    o = put_string(o, KEY(",\"host\":"), c->host);
    o = put_string(o, KEY(",\"proc\":"), c->proc);
    o = put_string(o, KEY(",\"call\":"), c->call);
    o = put_integer_or_null(o, KEY(",\"fd\":"), c->fd >= 0, c->fd);
    o = put_integer(o, KEY(",\"start_us\":"), (long long)c->start_us);
    o = put_integer(o, KEY(",\"ret\":"), c->ret);
    o = put_string_or_null(o, KEY(",\"errno\":"), err);
    o = put_integer_or_null(o, KEY(",\"bytes\":"), c->bytes >= 0, c->bytes);
    o = put_string_or_null(o, KEY(",\"conn\":"), c->conn[0] ? c->conn : NULL);
    o = put_string_or_null(o, KEY(",\"state\":"), state);
    line_commit(out, start, o);
}

static void set(json_t *obj, const char *key, json_t *value) { json_object_set_new(obj, key, value); }

static void jsonl_begin(struct trace_sink *sink, const struct trace_header *h)
{
    json_t *o = json_object(), *hosts = json_array();
    set(o, "type", json_string("header"));
    /* 2: adds the accounting and pool events; 3: lwip-defect; 4: reasons (segment.reason,
     * call.conn/state, the timer and held events) */
    set(o, "format", json_integer(4));
    set(o, "scenario", json_string(h->scenario));
    set(o, "seed", json_integer((json_int_t)h->seed));
    if (h->kernel) {
        json_t *notes = json_array();
        for (size_t i = 0; i < h->note_count; i++) json_array_append_new(notes, json_string(h->notes[i]));
        set(o, "linux", json_string(h->kernel));
        set(o, "notes", notes);
    } else {
        set(o, "lwip", json_string("2.1.3"));
    }
    for (size_t i = 0; i < h->host_count; i++) {
        char ip[16];
        json_t *host = json_object();
        set(host, "name", json_string(h->hosts[i].name));
        set(host, "ip", json_string(ip4_str(h->hosts[i].ip, ip)));
        json_array_append_new(hosts, host);
    }
    set(o, "hosts", hosts);
    /* once per run: jansson builds it */
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (line) {
        fprintf(((struct jsonl_sink *)sink)->out.f, "%s\n", line);
        free(line);
    }
    json_decref(o);
}

/* any other event, through the shared description of its members */
static void walked_line(struct strbuf *out, const struct trace_event *ev,
                        struct strbuf_addr_cache *addrs)
{
    static const struct fields text = { write_string, write_integer, write_null, write_boolean,
                                        write_object, write_close };
    struct json_writer w;
    json_writer_begin(&w, out);
    event_fields(&text, &w, ev, addrs);
    json_writer_close(&w);
    strbuf_char(out, '\n');
}

void trace_jsonl_line(struct strbuf *out, const struct trace_event *ev,
                      struct strbuf_addr_cache *addrs)
{
    if (ev->type == TRACE_SEGMENT) segment_line(out, ev->t_us, &ev->u.segment, addrs);
    else if (ev->type == TRACE_CALL) call_line(out, ev->t_us, &ev->u.call);
    else walked_line(out, ev, addrs);
}

static void jsonl_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct jsonl_sink *s = (struct jsonl_sink *)sink;
    trace_jsonl_line(&s->line, ev, &s->addrs);
    strbuf_flush(&s->line, s->out.f, SINK_FLUSH_BYTES);
}

static int jsonl_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct jsonl_sink *s = (struct jsonl_sink *)sink;
    if (s->out.f) strbuf_flush(&s->line, s->out.f, 0);
    return outfile_commit(&s->out, err, err_size);
}

static void jsonl_free(struct trace_sink *sink)
{
    outfile_discard(&((struct jsonl_sink *)sink)->out);
    strbuf_release(&((struct jsonl_sink *)sink)->line);
    free(sink);
}

struct trace_sink *trace_jsonl_new(const char *path)
{
    struct jsonl_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (outfile_open(&s->out, path) != 0) {
        free(s);
        return NULL;
    }
    s->base = (struct trace_sink){ jsonl_begin, jsonl_event, jsonl_finish, jsonl_free };
    return &s->base;
}
