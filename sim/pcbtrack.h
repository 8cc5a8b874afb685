/* pcbtrack — TCP state changes of one stack, observed from outside.
 *
 * lwIP has no state-change hook and is not patched, so after every step of a stack the tracker
 * walks its pcb lists (through the door) and compares with what it saw the step before, keyed by
 * 4-tuple. It emits one `state` trace event per change, a change from CLOSED for a pcb that
 * appeared (from LISTEN when a listener on that port spawned it), and a change to CLOSED for a
 * pcb that disappeared (lwIP frees pcbs silently). Cost: O(pcbs) per step, with a hash lookup per
 * pcb. Bound-but-unconnected pcbs (state CLOSED) are not shown. */
#ifndef TCPSIM_PCBTRACK_H
#define TCPSIM_PCBTRACK_H

#include "connmap.h"
#include "stack.h"
#include "trace.h"

struct pcbtrack_entry {
    struct conn_key key;
    enum stack_tcp_state state;
    uint8_t nrtx;                   /* > 0: it was retransmitting when last seen */
    /* Hints for the cause of a disappearance: when an RST for it was sent or received. lwIP
     * handles a packet at the virtual instant it arrives, so an RST explains a disappearance
     * only at that same instant (one in TIME_WAIT is ignored, RFC 1337). */
    bool rst_sent, rst_rcvd;
    uint64_t rst_at_us;
    bool closed;                    /* its socket was closed (by the process or its exit) */
};

struct pcbtrack {
    struct pcbtrack_entry *prev, *cur;
    bool *seen;                     /* per prev entry, during an update */
    size_t prev_len, cur_len, cap;
    struct connmap index;           /* key -> position in prev */
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
