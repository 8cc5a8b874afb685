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

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL NULL

#endif
