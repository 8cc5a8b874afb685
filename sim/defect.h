/* defect — the lwIP 2.1.3 defects that ordinary socket calls reach, and how the simulator meets
 * each one deterministically (the list, with lwIP source locations, is in docs/os-model.md,
 * "lwIP defects").
 *
 * lwIP is never patched. For each defect the simulator either refuses the call before lwIP sees
 * it, as an OS wrapper would (bind twice), works around it the way the reference OS behaves
 * (SO_LINGER on a listening socket, or on a shutdown that closes), or lets lwIP do it and
 * notices (the zero-window ACK storm). Every time, one `lwip-defect` trace event names the
 * lwIP function; the event also carries the defect (two share a function).
 *
 * The storm detector watches the segments of one direction: DEFECT_STORM_ACKS pure ACKs with
 * the same seq and ack, a zero window and no progress, all within DEFECT_STORM_WINDOW_US, are an
 * ACK storm (one report per storm; a pure ACK with another seq or ack ends it).
 * Nothing here reads the wall clock: the detector sees virtual time only. */
#ifndef TCPSIM_DEFECT_H
#define TCPSIM_DEFECT_H

#include "connmap.h"
#include "trace.h"

#include <stdbool.h>
#include <stdint.h>

enum lwip_defect {
    DEFECT_BIND_TWICE,            /* tcp_bind registers a bound pcb a second time */
    DEFECT_LISTENER_LINGER,       /* lwip_netconn_do_close_internal: linger on a listen pcb */
    DEFECT_ZERO_WINDOW_ACK_STORM, /* tcp_receive answers a pure ACK with an ACK when rcv_wnd 0 */
    DEFECT_SHUTDOWN_LINGER,       /* lwip_netconn_do_close_internal: linger on a non-blocking
                                     netconn detaches the pcb's callbacks, then gives up */
    DEFECT_COUNT
};

/* The lwIP function at fault ("tcp_bind"). */
const char *defect_function(enum lwip_defect d);
/* The defect's short name, as in its catalog scenario lwip-defect-<name> ("bind-twice"). */
const char *defect_name(enum lwip_defect d);

/* Emits one `lwip-defect` event (proc may be NULL). */
void defect_emit(struct trace *t, enum lwip_defect d, const char *host, const char *proc,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define DEFECT_STORM_ACKS 32
#define DEFECT_STORM_WINDOW_US 1000000u

struct storm_detector {
    uint32_t seq, ack;
    uint64_t first_us;
    uint32_t count;
    bool reported;
};

/* One detector per direction of every connection (keyed by its 4-tuple). */
struct storm_watch {
    struct connmap index;           /* 4-tuple -> index into detectors */
    struct storm_detector *detectors;
    size_t len, cap;
};

void storm_watch_init(struct storm_watch *w);
void storm_watch_free(struct storm_watch *w);
/* A segment put on the link; true exactly once per storm, when it is recognised. */
bool storm_watch_segment(struct storm_watch *w, const struct trace_segment *s, uint64_t t_us);

#endif
