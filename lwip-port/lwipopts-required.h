/* lwipopts-required.h — the lwIP options tcpsim cannot work without, checked after whatever
 * lwipopts.h set (the default one and a user's, `make LWIPOPTS=file`, both end up here).
 *
 * Everything not listed is free to change (window, buffers, MSS, timers, pools, keepalive,
 * Nagle...): the catalog then shows what the change does (make config-diff, docs/lwipopts.md).
 * Each check says why the simulator needs the value, in the style of lwIP's own init.c checks.
 * An option left undefined counts as lwIP's opt.h default. The ISN hook is supplied here when
 * the user's file leaves it out. */
#ifndef TCPSIM_LWIPOPTS_REQUIRED_H
#define TCPSIM_LWIPOPTS_REQUIRED_H

/* Processes make blocking socket calls; lwIP's threads are the simulator's coroutines. */
#if defined NO_SYS && NO_SYS != 0
#error "tcpsim needs NO_SYS 0: simulated processes use lwIP's socket API, which needs lwIP's threads (coroutines of sim/sched)"
#endif
#if (defined LWIP_SOCKET && !LWIP_SOCKET) || (defined LWIP_NETCONN && !LWIP_NETCONN)
#error "tcpsim needs LWIP_SOCKET 1 and LWIP_NETCONN 1: every simulated socket call is an lwIP socket call (lwip-port/stack.c)"
#endif
#if defined LWIP_SOCKET_POLL && !LWIP_SOCKET_POLL
#error "tcpsim needs LWIP_SOCKET_POLL 1: blocked processes are woken when lwip_poll reports their socket ready"
#endif
#if !defined LWIP_COMPAT_SOCKETS || LWIP_COMPAT_SOCKETS
#error "tcpsim needs LWIP_COMPAT_SOCKETS 0: socket(), connect()... macros would take the host libc's names inside the simulator"
#endif
#if !defined LWIP_POSIX_SOCKETS_IO_NAMES || LWIP_POSIX_SOCKETS_IO_NAMES
#error "tcpsim needs LWIP_POSIX_SOCKETS_IO_NAMES 0: read/write/close macros would replace the host libc's in the port"
#endif
#if defined LWIP_SO_SNDRCVTIMEO_NONSTANDARD && LWIP_SO_SNDRCVTIMEO_NONSTANDARD
#error "tcpsim needs LWIP_SO_SNDRCVTIMEO_NONSTANDARD 0: SO_RCVTIMEO/SO_SNDTIMEO are passed as struct timeval, as on Linux"
#endif
#if defined LWIP_TCPIP_CORE_LOCKING_INPUT && LWIP_TCPIP_CORE_LOCKING_INPUT
#error "tcpsim needs LWIP_TCPIP_CORE_LOCKING_INPUT 0: packets arrive in scheduler context, which must only post to the tcpip mailbox and never take a lock"
#endif

/* The link carries bare IPv4 packets: TCP over IPv4, no Ethernet, no ARP. */
#if (defined LWIP_TCP && !LWIP_TCP) || (defined LWIP_IPV4 && !LWIP_IPV4)
#error "tcpsim needs LWIP_TCP 1 and LWIP_IPV4 1: it simulates TCP over IPv4"
#endif
#if !defined LWIP_ARP || LWIP_ARP || (defined LWIP_ETHERNET && LWIP_ETHERNET)
#error "tcpsim needs LWIP_ARP 0 and LWIP_ETHERNET 0: the virtual link carries bare IPv4 packets (lwip-port/stack.c's netif)"
#endif

/* A run ends when nothing is left to do: a timer that never stops keeps every world busy. */
#if !defined IP_REASSEMBLY || IP_REASSEMBLY
#error "tcpsim needs IP_REASSEMBLY 0: its 1 s timer would run forever, so a finished world would never be idle"
#endif

/* Outputs must be exact: Linux errno numbers, and the leak/exhaustion checks read the stats. */
#if !defined LWIP_ERRNO_STDINCLUDE || !LWIP_ERRNO_STDINCLUDE
#error "tcpsim needs LWIP_ERRNO_STDINCLUDE 1: errno values must be the host's (Linux) numbers in traces and for callers"
#endif
#if (defined LWIP_STATS && !LWIP_STATS) || (defined MEM_STATS && !MEM_STATS) || \
    (defined MEMP_STATS && !MEMP_STATS)
#error "tcpsim needs LWIP_STATS, MEM_STATS and MEMP_STATS 1: every run checks lwIP's pools for leaks and exhaustion"
#endif
#if !defined MEM_ALIGNMENT || MEM_ALIGNMENT < 8
#error "tcpsim needs MEM_ALIGNMENT 8 (or more): pool elements hold pointers; misaligned ones are undefined behaviour on x86-64"
#endif

/* Determinism: initial sequence numbers from the host's seeded generator unless the user's
 * options name their own hook. */
#ifndef LWIP_HOOK_FILENAME
#define LWIP_HOOK_FILENAME "port_hooks.h"
#endif
#ifndef LWIP_HOOK_TCP_ISN
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) port_tcp_isn()
#endif

/* Observation: after each step the simulator looks only at the pcbs lwIP touched
 * (lwip-port/observe.c): the segment hook names the pcb each segment goes to, three pcb ext
 * args hold the pcb, the simulator's tag and what was last reported of it. */
#ifndef LWIP_HOOK_TCP_INPACKET_PCB
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
    port_tcp_inpacket((struct tcp_pcb *)(pcb))
#endif
#ifndef LWIP_TCP_PCB_NUM_EXT_ARGS
#define LWIP_TCP_PCB_NUM_EXT_ARGS 3
#endif
#if LWIP_TCP_PCB_NUM_EXT_ARGS < 3
#error "tcpsim needs LWIP_TCP_PCB_NUM_EXT_ARGS 3 (or more): observe.c keeps the pcb, the simulator's tag and its last reported state in pcb ext args"
#endif

#endif
