/* lwipopts.h — how tcpsim configures lwIP 2.1.3. Every option that differs from opt.h's
 * default is here with the reason. lwIP itself is never patched: this file, arch/, the hooks and
 * the port are the only levers. Shared by every instance (one build, several copies).
 */
#ifndef TCPSIM_LWIPOPTS_H
#define TCPSIM_LWIPOPTS_H

/* ---- OS integration: threads are coroutines of the simulator's scheduler ---- */
#define NO_SYS                          0   /* sockets and netconn need the threaded API */
#define SYS_LIGHTWEIGHT_PROT            1   /* default; protect/unprotect are no-ops (cooperative) */
#define LWIP_TCPIP_CORE_LOCKING         1   /* socket calls run lwIP code directly under the core
                                               lock, as most real ports do */
#define LWIP_TCPIP_CORE_LOCKING_INPUT   0   /* link input only posts to the tcpip mailbox, so the
                                               link (scheduler context) never takes a lock */
/* TCPSIM_CONNS: the connections (sockets, pcbs) one host can hold; every pool below scales
 * with it. 4096 by default; the scale build family (`make bench`, build/scale) raises it with
 * -DTCPSIM_CONNS=N. The cap is 32767: lwIP 2.1.3 counts pool elements and pool statistics in
 * u16_t (memp_desc.num, STAT_COUNTER without LWIP_STATS_LARGE) and PBUF_POOL_SIZE is 2 x N.
 * A host holds at most TCPSIM_CONNS - 1 connections next to one listening socket. */
#ifndef TCPSIM_CONNS
#define TCPSIM_CONNS                    4096
#endif
#if TCPSIM_CONNS < 64 || TCPSIM_CONNS > 32767
#error "TCPSIM_CONNS must be within 64..32767 (lwIP counts pool elements in u16_t)"
#endif
/* TCPSIM_SMALL_FAMILY: the small instance family (lwip-port/README.md, "Instance families"):
 * the same options with every pool sized for TCPSIM_POOL_CONNS = 64 connections, the heap
 * (MEM_SIZE) left as it is. A run that stays below every bound behaves exactly as on the
 * default family; the simulator checks that and runs again on the default family if not. */
#ifdef TCPSIM_SMALL_FAMILY
#define TCPSIM_POOL_CONNS               64
#else
#define TCPSIM_POOL_CONNS               TCPSIM_CONNS
#endif
#define TCPIP_MBOX_SIZE                 (2 * TCPSIM_POOL_CONNS) /* a burst of thousands of SYNs must
                                               not be dropped at the mailbox: the link already
                                               models loss */
#define DEFAULT_TCP_RECVMBOX_SIZE       128
#define DEFAULT_ACCEPTMBOX_SIZE         TCPSIM_POOL_CONNS
#define TCPIP_THREAD_STACKSIZE          0   /* ignored: coroutine stacks are sized by sim/sched */

/* ---- APIs ---- */
#define LWIP_NETCONN                    1
#define LWIP_SOCKET                     1
#define LWIP_COMPAT_SOCKETS             0   /* only lwip_* names: no clash with the host libc */
#define LWIP_POSIX_SOCKETS_IO_NAMES     0   /* no read/write/close macros */
#define LWIP_SO_SNDTIMEO                1   /* scenarios set send/receive timeouts */
#define LWIP_SO_RCVTIMEO                1
#define LWIP_SO_LINGER                  1   /* SO_LINGER {on, 0} is the abortive-close scenario */
#define LWIP_TCP_KEEPALIVE              1   /* per-socket keepalive timing options */
#define SO_REUSE                        1   /* SO_REUSEADDR, so a server can rebind during
                                               TIME_WAIT like on Linux */
#define LWIP_ERRNO_STDINCLUDE           1   /* errno values are the host's (Linux) numbers:
                                               ECONNRESET 104, EPIPE 32, ... */
#define LWIP_NETIF_API                  0
#define LWIP_DNS                        0   /* no names: addresses are given in scenarios */

/* ---- protocols: IPv4 + TCP + ICMP on a point-to-point link without ARP ---- */
#define LWIP_IPV4                       1
#define LWIP_IPV6                       0
#define LWIP_ARP                        0   /* the link carries bare IPv4 packets */
#define LWIP_ETHERNET                   0
#define LWIP_ICMP                       1   /* echo, and destination-unreachable handling */
#define LWIP_RAW                        0
#define LWIP_UDP                        0   /* nothing in the catalog uses UDP */
#define LWIP_DHCP                       0
#define LWIP_AUTOIP                     0
#define LWIP_IGMP                       0
#define LWIP_HAVE_LOOPIF                0
#define LWIP_NETIF_LOOPBACK             0
#define IP_REASSEMBLY                   0   /* its 1 s timer would run forever and a world with
                                               nothing left to do would never be idle; nothing
                                               fragments here (MSS 1460 fits the 1500 MTU) */
#define IP_FRAG                         0

/* ---- TCP ---- */
#define LWIP_TCP                        1
#define TCP_MSS                         1460
#define TCP_WND                         (4 * TCP_MSS)  /* 5840 B: small enough that a scenario can
                                               fill the peer's window and leave data unread */
#define TCP_SND_BUF                     (4 * TCP_MSS)  /* 5840 B: a send loop fills it quickly */
#define TCP_SND_QUEUELEN                ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define TCP_LISTEN_BACKLOG              1   /* honour listen(fd, backlog) as applications expect */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1 /* ephemeral ports from the seeded LWIP_RAND */
/* Ephemeral ports cap the connections one host can open: tcp.c's tcp_new_port hands out
 * TCP_LOCAL_PORT_RANGE_START .. TCP_LOCAL_PORT_RANGE_END - 1 (it never returns END itself),
 * 0xc000..0xfffe = 16383 ports by default, and connect fails with ENOBUFS (ERR_BUF) past them.
 * A build for more connections than that (TCPSIM_CONNS > 16383, the scale family) widens the
 * range to 0x8000..0xfffe, 32767 ports, the TCPSIM_CONNS cap; tcp.c lets lwipopts.h define the
 * three macros. The default build keeps lwIP's range, so its ephemeral ports (and the golden
 * traces) stay. */
#if TCPSIM_CONNS > 16383
#define TCP_LOCAL_PORT_RANGE_START      0x8000
#define TCP_LOCAL_PORT_RANGE_END        0xffff
#define TCP_ENSURE_LOCAL_PORT_RANGE(port) ((u16_t)(0x8000u | ((port) & 0x7fffu)))
#endif
/* TCP_MSL stays at its default 60000 ms: lwIP keeps TIME_WAIT for 2 * TCP_MSL = 120 s
 * (Linux: 60 s). TCP_MAXRTX (12) and TCP_SYNMAXRTX (6) stay at their defaults too. */

/* lwIP aligns its heap, pools and pbuf payloads to MEM_ALIGNMENT (opt.h default: 1). Structs
 * holding pointers need 8 on x86-64: with 1, every pool element is misaligned (undefined
 * behaviour, reported by UBSan in memp_init_pool). */
#define MEM_ALIGNMENT                   8

/* ---- memory: pools big enough for thousands of connections, so that scenarios hit the limit
 * they are about (an fd limit) before an lwIP pool. ---- */
#define MEM_SIZE                        (1024 * TCPSIM_CONNS)   /* 4 MiB by default */
#define MEMP_NUM_TCP_PCB                TCPSIM_POOL_CONNS
#define MEMP_NUM_TCP_PCB_LISTEN         16
#define MEMP_NUM_TCP_SEG                (2 * TCPSIM_POOL_CONNS)
#define MEMP_NUM_NETCONN                TCPSIM_POOL_CONNS  /* also the number of sockets (NUM_SOCKETS) */
#define MEMP_NUM_TCPIP_MSG_API          1024
#define MEMP_NUM_TCPIP_MSG_INPKT        (2 * TCPSIM_POOL_CONNS)
#define PBUF_POOL_SIZE                  (2 * TCPSIM_POOL_CONNS)
#define MEMP_NUM_PBUF                   1024

/* ---- the Internet checksum: lwIP's sum, eight bytes a step (lwip-port/chksum.c) ---- */
unsigned short port_chksum(const void *dataptr, int len);
#define LWIP_CHKSUM                     port_chksum

/* ---- statistics: the simulator reads pool usage for leak and exhaustion checks ---- */
#define LWIP_STATS                      1
#define LWIP_STATS_DISPLAY              0
#define MEM_STATS                       1
#define MEMP_STATS                      1

/* ---- hooks: ISNs from the run's seed (port_hooks.h) ---- */
#define LWIP_HOOK_FILENAME              "port_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) port_tcp_isn()
/* ---- observation (lwip-port/observe.h): which pcbs a step touched, which pcbs were freed ---- */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p) \
                                        port_tcp_inpacket((struct tcp_pcb *)(pcb))
#define LWIP_TCP_PCB_NUM_EXT_ARGS       3   /* the pcb itself, the simulator's tag, what was
                                               last reported of it */

/* What the simulator cannot do without, checked here; a user's options (make LWIPOPTS=file)
 * may start from this file, and are checked after all of their own changes instead. */
#ifndef TCPSIM_LWIPOPTS_USER
#include "lwipopts-required.h"
#endif

#endif
