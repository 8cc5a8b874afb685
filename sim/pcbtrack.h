/* pcbtrack — TCP state changes of one stack, observed from outside.
 *
 * lwIP has no state-change hook and is not patched, so after every step of a stack the tracker
 * walks its pcb lists (through the door) and compares each pcb with what it saw before, keyed
 * by 4-tuple. It emits one `state` trace event per change, a change from CLOSED for a pcb that
 * appeared (from LISTEN when a listener on that port spawned it), and a change to CLOSED for a
 * pcb that disappeared (lwIP frees pcbs silently). Bound-but-unconnected pcbs (state CLOSED)
 * are not shown.
 *
 * Cost: O(touched pcbs) per look. The stack names the pcbs a step may have changed and the
 * pcbs it freed (stack.h `touched`, lwip-port/observe.h); when exactly one thing changed it is
 * emitted at once. When more changed, or the stack cannot tell (lwIP's timers ran: they walk
 * every pcb themselves), the whole walk runs as before, one hash lookup per pcb, so that several
 * changes come out in the walk's order (lwIP's list order, then slot order). What was seen lives
 * in persistent slots indexed by 4-tuple; each pcb carries its slot as a tag, so a freed pcb is
 * known without a walk. */
#ifndef TCPSIM_PCBTRACK_H
#define TCPSIM_PCBTRACK_H

#include "connmap.h"
#include "stack.h"
#include "trace.h"

struct pcbtrack_entry {
    struct conn_key key;
    enum stack_tcp_state state;
    bool live;                      /* false: a free slot */
    uint8_t nrtx;                   /* > 0: it was retransmitting when last seen */
    bool rtx_exhausted;             /* ... and had retransmitted as often as lwIP allows */
    uint64_t seen_walk;             /* the last walk that saw it */
    /* Hints for the cause of a disappearance: when an RST for it was sent or received. lwIP
     * handles a packet at the virtual instant it arrives, so an RST explains a disappearance
     * only at that same instant (one in TIME_WAIT is ignored, RFC 1337). */
    bool rst_sent, rst_rcvd;
    uint64_t rst_at_us;
    bool closed;                    /* its socket was closed (by the process or its exit) */
    const void *handle;             /* the pcb last seen under this key */
};

struct pcbtrack {
    struct pcbtrack_entry *slots;
    size_t slot_count, slot_cap;
    size_t *free_slots;
    size_t free_count;
    size_t live_count;
    struct connmap index;           /* key -> slot */
    uint64_t walk;                  /* walks so far */
    const char *host;               /* during a walk */
    struct trace *trace;
    const struct lwip_stack *stack; /* during a walk */
    bool walk_next;                 /* the next look walks every pcb (an RST is leaving) */
};

void pcbtrack_init(struct pcbtrack *t);
void pcbtrack_free(struct pcbtrack *t);
/* Walk the stack's pcbs and emit the differences as state events of `host`. */
void pcbtrack_update(struct pcbtrack *t, const struct lwip_stack *stack, const char *host,
                     struct trace *trace);
/* The machine holding these pcbs stopped (crash, power-off): every pcb still tracked changes to
 * CLOSED with this cause, and the tracker starts empty. */
void pcbtrack_forget_all(struct pcbtrack *t, const char *host, struct trace *trace,
                         const char *cause);
/* A segment with RST was sent (sent=true) or received on this connection (key from the local
 * side's point of view): remembered to explain the pcb's disappearance. */
void pcbtrack_note_rst(struct pcbtrack *t, struct conn_key key, bool sent);
/* The socket of this connection is being closed: a pcb that now vanishes was closed, not lost. */
void pcbtrack_note_close(struct pcbtrack *t, struct conn_key key);

#endif
