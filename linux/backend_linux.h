/* backend_linux — the Linux backend: a scenario run on the real kernel (docs/linux-backend.md).
 *
 * Each host is a network namespace; each process instance a real process in it (lnx_child)
 * started at its time, after a start barrier; a relay in this process forwards every frame
 * between the hosts' veth pairs through sim/link.c, so the scenario's link rules (seeded drop,
 * delay, duplicate, reorder, partition, bandwidth) and the router's ICMP apply as in the
 * simulation, and every frame is traced with its fate. States and resets come from tracefs
 * (lnx_kernel). Times are wall-clock microseconds since the start. The run ends when every
 * process has ended and only TIME_WAIT sockets are left (or nothing has happened for 5 s), or at
 * its horizon; TIME_WAIT sockets are listed, then destroyed with `ss -K`. The trace is reduced
 * to a signature (signature.h), written as signature.txt and, with check, compared with
 * <signatures>/<uname -r>/<id>.sig. Needs root, network namespaces and tracefs. */
#ifndef TCPSIM_BACKEND_LINUX_H
#define TCPSIM_BACKEND_LINUX_H

#include "backend.h"

#include <stddef.h>

/* Whether this machine can run the backend at all: 0, or -1 with the reason in why. */
int backend_linux_available(char *why, size_t why_size);

#endif
