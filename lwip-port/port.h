/* port.h — private glue between the files of one lwIP instance (not part of the door). */
#ifndef TCPSIM_PORT_H
#define TCPSIM_PORT_H

#include <stdbool.h>

void *port_host(void);            /* the env->host cookie of this instance */
const char *port_host_name(void);
void port_step(void);
bool port_on_tcpip_thread(void);  /* the running coroutine is this instance's tcpip thread */             /* tell the simulator the tcpip thread reached a step boundary */
void port_sys_free_all(void);     /* free every sys_arch object (reset) */
/* sys_arch objects (semaphores, mutexes, mailboxes) alive now and at most so far. */
void port_sys_objects(uint32_t *live, uint32_t *max);

/* Transparent huge pages under [start, start + len) where the kernel allows (hugepages.c). */
void port_advise_huge(void *start, unsigned long len);

#endif
