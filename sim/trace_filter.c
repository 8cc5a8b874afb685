/* trace_filter — a sink that passes one connection's events on to another sink.
 *
 * `tcpsim run --conn A>B` wraps the timeline.txt sink in one. Events that belong to a
 * connection (segments, state changes, calls, timers, held data, byte accounting) pass only
 * when they belong to this one, in either direction; events of no connection (process, signal,
 * host, link, expectation, pool) always pass, as the context the connection lives in. The
 * header passes unchanged; finish and free reach the wrapped sink. */
#include "trace.h"

#include "ladder_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct filter_sink {
    struct trace_sink base;
    struct trace_sink *inner;
    char conn[48];
};

static bool has_conn(const struct trace_event *ev)
{
    char conn[48];
    ladder_event_conn(ev, conn);
    return conn[0] != '\0';
}

static void filter_begin(struct trace_sink *sink, const struct trace_header *h)
{
    struct filter_sink *s = (struct filter_sink *)sink;
    if (s->inner->begin) s->inner->begin(s->inner, h);
}

static void filter_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct filter_sink *s = (struct filter_sink *)sink;
    if (!has_conn(ev) || ladder_event_in_conn(ev, s->conn)) s->inner->event(s->inner, ev);
}

static int filter_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct filter_sink *s = (struct filter_sink *)sink;
    return s->inner->finish(s->inner, err, err_size);
}

static void filter_free(struct trace_sink *sink)
{
    struct filter_sink *s = (struct filter_sink *)sink;
    s->inner->free(s->inner);
    free(s);
}

struct trace_sink *trace_filter_conn_new(struct trace_sink *inner, const char *conn)
{
    if (!inner) return NULL;
    struct filter_sink *s = calloc(1, sizeof *s);
    if (!s) {
        inner->free(inner);
        return NULL;
    }
    s->inner = inner;
    snprintf(s->conn, sizeof s->conn, "%s", conn);
    s->base = (struct trace_sink){ filter_begin, filter_event, filter_finish, filter_free };
    return &s->base;
}
