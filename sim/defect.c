/* defect — see defect.h. */
#include "defect.h"

#include "packet.h"
#include "sched.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *defect_function(enum lwip_defect d)
{
    switch (d) {
    case DEFECT_BIND_TWICE: return "tcp_bind";
    case DEFECT_LISTENER_LINGER: return "lwip_netconn_do_close_internal";
    case DEFECT_ZERO_WINDOW_ACK_STORM: return "tcp_receive";
    case DEFECT_SHUTDOWN_LINGER: return "lwip_netconn_do_close_internal";
    case DEFECT_COUNT: break;
    }
    return "?";
}

const char *defect_name(enum lwip_defect d)
{
    switch (d) {
    case DEFECT_BIND_TWICE: return "bind-twice";
    case DEFECT_LISTENER_LINGER: return "listener-linger";
    case DEFECT_ZERO_WINDOW_ACK_STORM: return "ack-storm";
    case DEFECT_SHUTDOWN_LINGER: return "shutdown-linger";
    case DEFECT_COUNT: break;
    }
    return "?";
}

void defect_emit(struct trace *t, enum lwip_defect d, const char *host, const char *proc,
                 const char *fmt, ...)
{
    struct trace_event ev = { .type = TRACE_DEFECT };
    ev.u.defect.host = host;
    ev.u.defect.proc = proc;
    ev.u.defect.function = defect_function(d);
    ev.u.defect.kind = (int)d;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev.u.defect.detail, sizeof ev.u.defect.detail, fmt, ap);
    va_end(ap);
    trace_emit(t, &ev);
}

static bool zero_window_pure_ack(const struct trace_segment *s)
{
    return s->flags == TCP_ACK && s->len == 0 && s->win == 0;
}

static bool storm_segment(struct storm_detector *d, const struct trace_segment *s, uint64_t t_us)
{
    if (!zero_window_pure_ack(s)) return false;   /* window probes and the like change nothing */
    bool same_pair = d->count > 0 && s->seq == d->seq && s->ack == d->ack;
    if (!same_pair) {
        *d = (struct storm_detector){ .seq = s->seq, .ack = s->ack, .first_us = t_us, .count = 1 };
        return false;
    }
    if (d->reported) return false;              /* one report per storm */
    if (t_us - d->first_us > DEFECT_STORM_WINDOW_US) {
        d->first_us = t_us;                     /* too slow for a storm: count afresh */
        d->count = 1;
        return false;
    }
    if (++d->count < DEFECT_STORM_ACKS) return false;
    d->reported = true;
    return true;
}

void storm_watch_init(struct storm_watch *w)
{
    *w = (struct storm_watch){ 0 };
    connmap_init(&w->index);
}

void storm_watch_free(struct storm_watch *w)
{
    connmap_free(&w->index);
    free(w->detectors);
    *w = (struct storm_watch){ 0 };
}

bool storm_watch_segment(struct storm_watch *w, const struct trace_segment *s, uint64_t t_us)
{
    if (!zero_window_pure_ack(s)) return false;
    struct conn_key key = { s->src_ip, s->dst_ip, s->src_port, s->dst_port };
    uint64_t *slot = connmap_get(&w->index, key);
    if (!slot) {
        if (w->len == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 16;
            struct storm_detector *grown = realloc(w->detectors, cap * sizeof *grown);
            if (!grown) sched_out_of_memory();
            w->detectors = grown;
            w->cap = cap;
        }
        w->detectors[w->len] = (struct storm_detector){ 0 };
        connmap_put(&w->index, key, w->len++);
        slot = connmap_get(&w->index, key);
    }
    return storm_segment(&w->detectors[*slot], s, t_us);
}
