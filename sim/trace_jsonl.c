/* trace_jsonl — the timeline.jsonl sink: one JSON object per line, the schema of the trace
 * contract (docs/trace-format.md). Built with jansson, keys in insertion order
 * (JSON_PRESERVE_ORDER) so the bytes are the same on every run. Written to <path>.tmp and
 * renamed by finish. */
#include "trace.h"

#include "outfile.h"
#include "packet.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jsonl_sink {
    struct trace_sink base;
    struct outfile out;
};

static void write_line(struct jsonl_sink *s, json_t *obj)
{
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (line) {
        fprintf(s->out.f, "%s\n", line);
        free(line);
    }
    json_decref(obj);
}

static json_t *addr(uint32_t ip, uint16_t port)
{
    char buf[16], text[24];
    snprintf(text, sizeof text, "%s:%u", ip4_str(ip, buf), port);
    return json_string(text);
}

static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static void set(json_t *obj, const char *key, json_t *value) { json_object_set_new(obj, key, value); }

static void add_segment(json_t *o, const struct trace_segment *s)
{
    char flags[8];
    set(o, "from", json_string(s->from));
    set(o, "to", json_string(s->to));
    set(o, "src", addr(s->src_ip, s->src_port));
    set(o, "dst", addr(s->dst_ip, s->dst_port));
    set(o, "flags", json_string(packet_flags_str(s->flags, flags)));
    set(o, "seq", json_integer(s->seq));
    set(o, "ack", json_integer(s->ack));
    set(o, "len", json_integer(s->len));
    set(o, "win", json_integer(s->win));
    set(o, "fate", json_string(s->fate));
    set(o, "arrive_us", s->delivered ? json_integer((json_int_t)s->arrive_us) : json_null());
    if (s->injected) set(o, "injected", json_true());
    set(o, "reason", s->reason[0] ? json_string(s->reason) : json_null());
}

static void add_call(json_t *o, const struct trace_call *c)
{
    set(o, "host", json_string(c->host));
    set(o, "proc", json_string(c->proc));
    set(o, "call", json_string(c->call));
    set(o, "fd", c->fd >= 0 ? json_integer(c->fd) : json_null());
    set(o, "start_us", json_integer((json_int_t)c->start_us));
    set(o, "ret", json_integer(c->ret));
    set(o, "errno", string_or_null(errno_name(c->err)));
    set(o, "bytes", c->bytes >= 0 ? json_integer(c->bytes) : json_null());
    set(o, "conn", c->conn[0] ? json_string(c->conn) : json_null());
    set(o, "state", c->conn[0] ? json_string(tcp_state_name(c->state)) : json_null());
}

static void add_accounting(json_t *o, const struct trace_accounting *a)
{
    json_t *lost = json_object();
    if (a->lost_unread) set(lost, a->unread_reason, json_integer((json_int_t)a->lost_unread));
    if (a->lost_unarrived) {
        /* one key per reason: the same reason twice is one amount, so the object adds up */
        json_t *same = json_object_get(lost, a->unarrived_reason);
        json_int_t earlier = same ? json_integer_value(same) : 0;
        set(lost, a->unarrived_reason, json_integer(earlier + (json_int_t)a->lost_unarrived));
    }
    set(o, "from", json_string(a->from));
    set(o, "to", json_string(a->to));
    set(o, "conn", json_string(a->conn));
    set(o, "sent", json_integer((json_int_t)a->sent));
    set(o, "delivered", json_integer((json_int_t)a->delivered));
    set(o, "lost", lost);
    set(o, "never_on_wire", json_integer((json_int_t)a->never_on_wire));
    set(o, "content_ok", json_boolean(a->mismatch_at < 0));
    set(o, "ok", json_boolean(a->ok));
}

static json_t *event_object(const struct trace_event *ev)
{
    static const char *const type_names[TRACE_TYPE_COUNT] = {
        [TRACE_SEGMENT] = "segment", [TRACE_STATE] = "state", [TRACE_CALL] = "call",
        [TRACE_SIGNAL] = "signal", [TRACE_PROCESS] = "process", [TRACE_HOST] = "host",
        [TRACE_LINK] = "link", [TRACE_EXPECT] = "expect",
        [TRACE_ACCOUNTING] = "accounting", [TRACE_POOL] = "pool",
        [TRACE_DEFECT] = "lwip-defect",
        [TRACE_TIMER] = "timer", [TRACE_HELD] = "held",
    };
    json_t *o = json_object();
    set(o, "t_us", json_integer((json_int_t)ev->t_us));
    set(o, "type", json_string(type_names[ev->type]));
    switch (ev->type) {
    case TRACE_SEGMENT:
        add_segment(o, &ev->u.segment);
        break;
    case TRACE_STATE:
        set(o, "host", json_string(ev->u.state.host));
        set(o, "conn", json_string(ev->u.state.conn));
        set(o, "from", json_string(tcp_state_name(ev->u.state.from)));
        set(o, "to", json_string(tcp_state_name(ev->u.state.to)));
        set(o, "cause", json_string(ev->u.state.cause));
        break;
    case TRACE_CALL:
        add_call(o, &ev->u.call);
        break;
    case TRACE_PROCESS:
        set(o, "host", json_string(ev->u.process.host));
        set(o, "proc", json_string(ev->u.process.proc));
        set(o, "event", json_string(ev->u.process.event));
        set(o, "status", json_integer(ev->u.process.status));
        break;
    case TRACE_HOST:
        set(o, "host", json_string(ev->u.host.host));
        set(o, "event", json_string(ev->u.host.event));
        break;
    case TRACE_LINK:
        set(o, "event", json_string(ev->u.link.event));
        set(o, "detail", json_string(ev->u.link.detail));
        break;
    case TRACE_SIGNAL:
        set(o, "host", json_string(ev->u.signal.host));
        set(o, "proc", json_string(ev->u.signal.proc));
        set(o, "signal", json_string(ev->u.signal.signal));
        set(o, "action", json_string(ev->u.signal.action));
        break;
    case TRACE_EXPECT:
        set(o, "line", json_integer(ev->u.expect.line));
        set(o, "ok", json_boolean(ev->u.expect.ok));
        set(o, "text", json_string(ev->u.expect.text));
        break;
    case TRACE_ACCOUNTING:
        add_accounting(o, &ev->u.accounting);
        break;
    case TRACE_POOL:
        set(o, "host", json_string(ev->u.pool.host));
        set(o, "pool", json_string(ev->u.pool.pool));
        set(o, "used", json_integer(ev->u.pool.used));
        set(o, "avail", json_integer(ev->u.pool.avail));
        set(o, "refused", json_integer(ev->u.pool.refused));
        break;
    case TRACE_DEFECT:
        set(o, "host", json_string(ev->u.defect.host));
        set(o, "proc", string_or_null(ev->u.defect.proc));
        set(o, "function", json_string(ev->u.defect.function));
        set(o, "detail", json_string(ev->u.defect.detail));
        break;
    case TRACE_TIMER:
        set(o, "host", json_string(ev->u.timer.host));
        set(o, "conn", json_string(ev->u.timer.conn));
        set(o, "timer", json_string(ev->u.timer.timer));
        set(o, "count", json_integer(ev->u.timer.count));
        set(o, "waited_us", json_integer((json_int_t)ev->u.timer.waited_us));
        set(o, "detail", json_string(ev->u.timer.detail));
        break;
    case TRACE_HELD:
        set(o, "host", json_string(ev->u.held.host));
        set(o, "conn", json_string(ev->u.held.conn));
        set(o, "bytes", json_integer((json_int_t)ev->u.held.bytes));
        set(o, "why", json_string(ev->u.held.why));
        set(o, "detail", json_string(ev->u.held.detail));
        break;
    case TRACE_TYPE_COUNT:
        break;
    }
    return o;
}

json_t *trace_event_json(const struct trace_event *ev) { return event_object(ev); }

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
    write_line((struct jsonl_sink *)sink, o);
}

static void jsonl_event(struct trace_sink *sink, const struct trace_event *ev)
{
    write_line((struct jsonl_sink *)sink, event_object(ev));
}

static int jsonl_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    return outfile_commit(&((struct jsonl_sink *)sink)->out, err, err_size);
}

static void jsonl_free(struct trace_sink *sink)
{
    outfile_discard(&((struct jsonl_sink *)sink)->out);
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
