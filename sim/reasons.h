/* reasons — why a segment left, which lwIP timer fired, what a send() left queued.
 *
 * lwIP reports none of this and is not patched, so the reasons are derived from what the
 * simulator observed just before, as a teacher would read a capture: the module is the trace's
 * annotator (trace.h) and sees every event before the sinks do. From segments (send time,
 * arrival time, relative seq/ack, window), state changes and socket calls it keeps, per TCP
 * endpoint, what was sent, what has arrived and what the application read; one hook from the
 * process layer adds what a close() found (unread bytes, SO_LINGER, exit of the process).
 *
 * It fills in:
 *   - segment.reason for every RST (unread data at close, SO_LINGER 0 with unacknowledged data,
 *     no connection for the arriving segment, listener closed with the connection queued, data
 *     after close, host rebooted, ...) and for retransmissions, probes and delayed ACKs;
 *   - call.state: the connection's state when the call returned;
 * and emits `timer` events (retransmission timeout n-th with the time waited, zero-window
 * probe, keepalive probe, delayed ACK, TIME_WAIT / FIN_WAIT_2 / SYN_RCVD expiry) before the
 * segment or state change they caused, and a `held` event after a send() whose bytes lwIP kept
 * back (peer window full, Nagle, congestion window).
 * Every rule names the lwIP function it follows (build/lwip/src) in reasons.c.
 * Cost: one hash lookup per event; memory per endpoint seen. */
#ifndef TCPSIM_REASONS_H
#define TCPSIM_REASONS_H

#include "connmap.h"
#include "trace.h"

#include <stdbool.h>

struct reasons;

struct reasons *reasons_new(void);
void reasons_free(struct reasons *r);
/* Become t's annotator. */
void reasons_attach(struct reasons *r, struct trace *t);

/* What the OS knew when a socket was closed. */
struct reasons_close {
    const char *proc;               /* the process closing it */
    bool by_exit;                   /* the OS closed it because the process ended */
    bool killed;                    /* ... killed by a signal */
    bool linger_on;                 /* SO_LINGER as set on the socket */
    int linger_s;
};

/* A socket of `host` is about to be closed; key from the host's side (a listener: remote 0). */
void reasons_note_close(struct reasons *r, const char *host, struct conn_key key,
                        const struct reasons_close *c);

/* "10.0.0.1:5>10.0.0.2:7" or "10.0.0.2:7>*" back to a key; false when it is neither. */
bool reasons_parse_conn(const char *conn, struct conn_key *key);

#endif
