/* arch/cc.h — compiler and platform glue for lwIP on the simulator (x86-64 Linux, gcc/clang). */
#ifndef TCPSIM_ARCH_CC_H
#define TCPSIM_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>
/* No <sys/time.h> or <sys/select.h> here: lwIP defines its own struct timeval and fd_set
 * (LWIP_TIMEVAL_PRIVATE), the latter sized for all its sockets. */

#define LWIP_RAND() port_rand32()
uint32_t port_rand32(void);

/* Assertions are fatal and reported with the virtual time and host by the simulator. */
void port_assert_failed(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_ASSERT(x) port_assert_failed((x), __FILE__, __LINE__)
/* Diagnostics only print with LWIP_DEBUG; route them to stderr. */
#include <stdio.h>
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)

#endif
