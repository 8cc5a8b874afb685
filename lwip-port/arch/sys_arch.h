/* arch/sys_arch.h — lwIP's OS primitives, implemented on the simulator's scheduler. */
#ifndef TCPSIM_ARCH_SYS_ARCH_H
#define TCPSIM_ARCH_SYS_ARCH_H

struct port_sem;
struct port_mutex;
struct port_mbox;
struct coro;

typedef struct port_sem *sys_sem_t;
typedef struct port_mutex *sys_mutex_t;
typedef struct port_mbox *sys_mbox_t;
typedef struct coro *sys_thread_t;
typedef int sys_prot_t;

/* Only one coroutine runs at a time and none is preempted: lwIP's critical sections need no
 * protection. As macros rather than sys.h's calls to sys_arch_protect/sys_arch_unprotect,
 * because sockets.c alloc_socket enters one per socket slot it scans (a call pair per slot,
 * 2.5 % of all instructions with 4096 connections). */
#define SYS_ARCH_DECL_PROTECT(lev)      sys_prot_t lev
#define SYS_ARCH_PROTECT(lev)           ((lev) = 0)
#define SYS_ARCH_UNPROTECT(lev)         ((void)(lev))

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#endif
