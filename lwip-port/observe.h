/* observe.h — what lwIP touched since the simulator last looked (private to one instance).
 *
 * The simulator shows every TCP state change without walking every pcb after every step. The
 * port learns which pcbs a step can have changed from lwIP's own extension points, no patch:
 *   - LWIP_HOOK_TCP_INPACKET_PCB: the pcb (or listening pcb) a segment is about to be given to;
 *   - the pcb ext-arg callbacks (LWIP_TCP_PCB_NUM_EXT_ARGS): passive_open names the pcb a
 *     listener spawns, destroy names every pcb lwIP frees (tcp_free, tcp_free_listen);
 *   - the door's socket calls: the pcb behind the socket, before and after the call.
 * Timers (tcp_slowtmr, tcp_fasttmr) may change any pcb: in a step where lwIP's timers ran, the
 * connected pcbs whose state or nrtx differ from their last report count as touched (one
 * comparison per pcb; lwIP's timers walk the same lists). Too many touched pcbs ask for a walk.
 * Socket readiness comes from the netconn event callback: each socket's netconn gets a wrapper
 * that calls lwIP's own socket callback and then notes the socket (accepted netconns inherit
 * the listener's callback, so the wrapper too).
 *
 * Ext arg 0 holds the pcb itself (so that destroy knows which pcb goes), ext arg 1 the
 * simulator's tag (its tracking slot + 1, 0 = not tracked), ext arg 2 the state and nrtx of the
 * pcb's last report. */
#ifndef TCPSIM_OBSERVE_H
#define TCPSIM_OBSERVE_H

#include "lwip/opt.h"
#include "lwip/tcp.h"

#include "stack.h"

#include <stdbool.h>
#include <stdint.h>

struct netconn;

/* Power-on: nothing touched, the first look is a full walk. */
void observe_reset(void);
/* Give a new socket's pcb the ext-arg callbacks and its netconn the event wrapper. */
void observe_socket_created(int s);
/* A listening socket got a new pcb (tcp_listen frees the old one). */
void observe_socket_listening(int s);
/* The pcb behind socket s may change now (a door call on s begins or ends). */
void observe_touch_socket(int s);
/* The tcpip thread finished a step (after the simulator looked): the step's pcbs are done. */
void observe_step_done(void);
/* The tcpip thread took a message or woke up; timers_due: lwIP's timers run in this step. */
void observe_step_begin(bool timers_due);

/* The door functions (stack.h). */
bool observe_touched(void *ctx, void (*visit)(void *ctx, const struct stack_pcb *pcb),
                     void (*vanished)(void *ctx, const void *handle, uintptr_t tag));
void observe_pcb_tag(const void *handle, uintptr_t tag);
size_t observe_socket_events(int *out, size_t max);
struct stack_pcb observe_view(const struct tcp_pcb *pcb);   /* a listening pcb too */
enum stack_tcp_state observe_state(enum tcp_state s);

#endif
