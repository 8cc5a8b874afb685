/* accounting — where every byte a process sent went.
 *
 * Per direction of every connection the simulator counts the bytes the sending process's
 * send() calls accepted, keeps a copy of those not read yet (memory in proportion to the bytes
 * in flight), and compares each chunk the receiving process's
 * recv() returns with what was sent at that offset (the content check). From the segments on
 * the link it knows how far the sender's TCP got and how much the receiver's TCP acknowledged.
 * At the end every byte is either delivered to the peer application with the right content, or
 * lost for a named reason:
 *   - "unread at close"      the receiver's TCP had it, its socket was closed before reading
 *   - "discarded by an RST"  the connection was reset (before or after it arrived)
 *   - "still queued when the host crashed" / "unread when the host crashed"
 *   - "never sent"           still in the sender's queue when the run ended
 * accounting_report emits one `accounting` trace event per direction that carried data and
 * returns how many were in error (content mismatch, or more bytes read than sent). */
#ifndef TCPSIM_ACCOUNTING_H
#define TCPSIM_ACCOUNTING_H

#include "connmap.h"
#include "trace.h"

#include <stddef.h>
#include <stdint.h>

struct accounting;

struct accounting *accounting_new(void);
void accounting_free(struct accounting *a);

/* Keys are directional: local = the sender, remote = the receiver. */
void accounting_sent(struct accounting *a, struct conn_key flow, const void *buf, size_t len);
void accounting_received(struct accounting *a, struct conn_key flow, const void *buf, size_t len);
/* A 4-tuple can carry one connection after another (a port bound again): each SYN without ACK
 * on a used 4-tuple starts a new incarnation of its flows. A socket takes the incarnation when
 * it is connected and keeps it, so data read after the next connection began is still its own
 * connection's. accounting_sent/received use the newest incarnation. */
uint32_t accounting_incarnation(struct accounting *a, struct conn_key flow);
void accounting_sent_on(struct accounting *a, struct conn_key flow, uint32_t incarnation,
                        const void *buf, size_t len);
void accounting_received_on(struct accounting *a, struct conn_key flow, uint32_t incarnation,
                            const void *buf, size_t len);
/* A segment on the link (relative seq/ack as in the trace). */
void accounting_segment(struct accounting *a, const struct trace_segment *s);
/* The receiver closed its socket (key from the receiver's side: local = receiver). */
void accounting_closed(struct accounting *a, struct conn_key receiver_side);
/* A host lost everything it held (crash, power-off). */
void accounting_host_down(struct accounting *a, uint32_t ip);

/* Emits the accounting events; returns the number of directions in error. */
size_t accounting_report(struct accounting *a, struct trace *trace,
                         const char *(*host_name)(void *ctx, uint32_t ip), void *ctx);

#endif
