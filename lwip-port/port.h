/* port.h — private glue between the files of one lwIP instance (not part of the door). */
#ifndef TCPSIM_PORT_H
#define TCPSIM_PORT_H

#include <stdbool.h>
#include <stdint.h>

void *port_host(void);            /* the env->host cookie of this instance */
const char *port_host_name(void);
void port_step(void);
bool port_on_tcpip_thread(void);  /* the running coroutine is this instance's tcpip thread */             /* tell the simulator the tcpip thread reached a step boundary */
void port_sys_free_all(void);     /* free every sys_arch object (reset) */
/* sys_arch objects (semaphores, mutexes, mailboxes) alive now and at most so far. */
void port_sys_objects(uint32_t *live, uint32_t *max);
/* A mailbox reached its size (or refused a post) since power-on (sys_arch.c). */
bool port_mbox_was_full(void);

/* Transparent huge pages under [start, start + len) where the kernel allows (hugepages.c). */
void port_advise_huge(void *start, unsigned long len);
/* [start, start + len) reads as zero after: whole pages given back to the kernel where they
 * are anonymous memory, written otherwise (hugepages.c). */
void port_zero_pages(void *start, unsigned long len);

#endif
