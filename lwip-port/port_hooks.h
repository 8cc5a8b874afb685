/* port_hooks.h — lwIP hooks implemented by the port (included by lwIP via LWIP_HOOK_FILENAME). */
#ifndef TCPSIM_PORT_HOOKS_H
#define TCPSIM_PORT_HOOKS_H

#include "lwip/arch.h"

/* Initial sequence numbers come from the host's seeded generator, so each seed gives other
 * ISNs while a given seed always gives the same ones. */
u32_t port_tcp_isn(void);

/* LWIP_HOOK_TCP_INPACKET_PCB: a segment is about to be given to this pcb (observe.c). */
struct tcp_pcb;
s8_t port_tcp_inpacket(struct tcp_pcb *pcb);

#endif
