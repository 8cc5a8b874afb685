/* stack.c — one lwIP instance behind the door of stack.h: start-up, the link netif, the socket
 * calls, the pcb walk and power-on reset.
 *
 * This file is compiled once and linked into every instance object; `tcpsim_stack` is renamed
 * to lwip_stack_<n> and is the only symbol left global (see lwip-port/README.md). */
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/api.h"
#include "lwip/priv/sockets_priv.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sockets.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"

#include "observe.h"
#include "port.h"
#include "port_hooks.h"
#include "sched.h"
#include "stack.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static struct stack_env env;
static struct netif sim_netif;

void *port_host(void) { return env.host; }
const char *port_host_name(void) { return env.name ? env.name : "?"; }
void port_step(void) { if (env.step) env.step(env.host); }
uint32_t port_rand32(void) { return env.rand32(env.host); }
u32_t port_tcp_isn(void) { return env.rand32(env.host); }

void port_assert_failed(const char *msg, const char *file, int line)
{
    if (env.fail) env.fail(env.host, msg, file, line);
    sched_panic("lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
}

/* ---- power-on reset ----
 * instance.ld gathers the whole instance's .data and .bss between these symbols. The first reset
 * snapshots .data (its initial values); every reset restores it and zeroes .bss. The snapshot
 * pointer lives in its own section so that the reset does not wipe it. */
extern char tcpsim_data_start[], tcpsim_data_end[], tcpsim_bss_start[], tcpsim_bss_end[];
static char *data_snapshot __attribute__((section("tcpsim_keep"))) = NULL;

/* gcc says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define STACK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STACK_ASAN 1
#endif
#endif

#ifdef STACK_ASAN
/* With AddressSanitizer every instrumented global is followed by a redzone inside .data/.bss,
 * poisoned in ASan's shadow memory. The libc memcpy/memset are intercepted and check their
 * whole range, so copying the instance would stop at the first redzone with a
 * global-buffer-overflow. Yet it is harmless: a redzone's bytes mean nothing, only its shadow
 * does, and the shadow is left untouched (the globals stay registered and their redzones
 * poisoned, as at start-up). So here the copy is a loop of uninstrumented accesses. Unpoisoning
 * the range instead would lose the redzones for good: ASan has no call to poison them again.
 * volatile keeps the compiler from turning the loop back into a (checked) memcpy call. */
__attribute__((no_sanitize_address)) static void copy_raw(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    for (size_t i = 0; i < n; i++) d[i] = s[i];
}

/* Word by word where aligned: the .bss is some 19 MB, zeroed at every reset (a byte loop took
 * a fifth of an ASan run). may_alias: the words overlay globals of any type. */
typedef uint64_t __attribute__((may_alias)) raw_word;

__attribute__((no_sanitize_address)) static void zero_raw(void *dst, size_t n)
{
    volatile unsigned char *d = dst;
    size_t i = 0;
    for (; i < n && (uintptr_t)(d + i) % sizeof(raw_word) != 0; i++) d[i] = 0;
    for (; i + sizeof(raw_word) <= n; i += sizeof(raw_word)) *(volatile raw_word *)(d + i) = 0;
    for (; i < n; i++) d[i] = 0;
}
/* The heap is zeroed like the rest: its redzones' bytes are written, never their shadow. */
static void zero_heap(void *dst, size_t n) { zero_raw(dst, n); }
#else
static void copy_raw(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
static void zero_raw(void *dst, size_t n) { memset(dst, 0, n); }
/* lwIP's heap is megabytes of which a run touches a few pages (mem_init writes its first and
 * last header): its pages go back to the kernel instead of being written. */
static void zero_heap(void *dst, size_t n) { port_zero_pages(dst, n); }
#endif

/* instance.ld puts lwIP's heap (core/mem.o's .bss) at the start of the .bss. */
extern char tcpsim_heap_start[], tcpsim_heap_end[];

static void stack_reset(void)
{
    size_t data_bytes = (size_t)(tcpsim_data_end - tcpsim_data_start);
    port_sys_free_all();
    if (!data_snapshot) {
        /* First use since the program started: .bss is still all zero, nothing to write
         * (its untouched pages cost nothing). */
        port_advise_huge(tcpsim_bss_start, (unsigned long)(tcpsim_bss_end - tcpsim_bss_start));
        data_snapshot = malloc(data_bytes ? data_bytes : 1);
        if (!data_snapshot) sched_panic("out of memory for the instance snapshot");
        copy_raw(data_snapshot, tcpsim_data_start, data_bytes);
        return;
    }
    copy_raw(tcpsim_data_start, data_snapshot, data_bytes);
    zero_heap(tcpsim_heap_start, (size_t)(tcpsim_heap_end - tcpsim_heap_start));
    zero_raw(tcpsim_heap_end, (size_t)(tcpsim_bss_end - tcpsim_heap_end));
}

/* The world is done with the instance: its objects go, its memory stays as it is (the next
 * reset zeroes it; zeroing it now too would double the cost of every short run). */
static void stack_release(void) { port_sys_free_all(); }

/* ---- the link netif: bare IPv4 packets, no ARP ---- */

static err_t netif_output_to_link(struct netif *netif, struct pbuf *p, const ip4_addr_t *dest)
{
    (void)netif;
    (void)dest;
    uint8_t frame[2048];
    if (p->tot_len > sizeof frame) return ERR_BUF;
    u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    env.output(env.host, frame, len);
    return ERR_OK;
}

/* Link input goes through the tcpip mailbox as lwIP's tcpip_input would post it, but into
 * ip_input through this wrapper, so that what lwIP sends while it handles the packet is known
 * to answer it (stack_origin). ip_input never blocks: the flag cannot leak into a timer. */
static bool handling_input;

static err_t ip_input_marked(struct pbuf *p, struct netif *inp)
{
    handling_input = true;
    err_t err = ip_input(p, inp);
    handling_input = false;
    return err;
}

static err_t netif_input_marked(struct pbuf *p, struct netif *inp)
{
    return tcpip_inpkt(p, inp, ip_input_marked);
}

static enum stack_origin stack_origin(void)
{
    if (!port_on_tcpip_thread()) return STACK_ORIGIN_CALL;
    return handling_input ? STACK_ORIGIN_INPUT : STACK_ORIGIN_TIMER;
}

static err_t netif_setup(struct netif *netif)
{
    netif->name[0] = 's';
    netif->name[1] = 'l';
    netif->mtu = 1500;
    netif->output = netif_output_to_link;
    netif->flags = NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

static int stack_start(const struct stack_env *e)
{
    env = *e;
    observe_reset();
    tcpip_init(NULL, NULL);
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(e->ip));
    ip4_addr_set_u32(&mask, lwip_htonl(e->netmask));
    ip4_addr_set_zero(&gw);
    LOCK_TCPIP_CORE();
    struct netif *n = netif_add(&sim_netif, &ip, &mask, &gw, NULL, netif_setup, netif_input_marked);
    if (n) {
        netif_set_default(n);
        netif_set_up(n);
    }
    UNLOCK_TCPIP_CORE();
    return n ? 0 : -1;
}

static int stack_input(const uint8_t *packet, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) return -1;
    pbuf_take(p, packet, (u16_t)len);
    if (sim_netif.input(p, &sim_netif) != ERR_OK) {
        pbuf_free(p);
        return -1;
    }
    return 0;
}

/* ---- socket calls: lwIP's own, with addresses converted at the door ---- */

/* Runs one lwIP call and reports its errno: lwIP sets errno only on failure. */
#define DOOR_CALL(ret_type, call, err)                                                             \
    do {                                                                                           \
        errno = 0;                                                                                 \
        ret_type r_ = (call);                                                                      \
        *(err) = r_ < 0 ? (errno ? errno : EIO) : 0;                                              \
        return r_;                                                                                 \
    } while (0)

static struct sockaddr_in to_sockaddr(uint32_t ip, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_len = sizeof sa;
    sa.sin_family = AF_INET;
    sa.sin_port = lwip_htons(port);
    sa.sin_addr.s_addr = lwip_htonl(ip);
    return sa;
}

static void from_sockaddr(const struct sockaddr_in *sa, uint32_t *ip, uint16_t *port)
{
    if (ip) *ip = lwip_ntohl(sa->sin_addr.s_addr);
    if (port) *port = lwip_ntohs(sa->sin_port);
}

static int door_flags(int flags)
{
    return ((flags & STACK_MSG_PEEK) ? MSG_PEEK : 0) |
           ((flags & STACK_MSG_DONTWAIT) ? MSG_DONTWAIT : 0) |
           ((flags & STACK_MSG_MORE) ? MSG_MORE : 0);
}

static int door_socket(int *err)
{
    errno = 0;
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0);
    *err = s < 0 ? (errno ? errno : EIO) : 0;
    if (s >= 0) observe_socket_created(s);
    return s;
}

/* A door call that may change the pcb behind socket s: it is touched before and after. */
#define DOOR_TOUCHING_CALL(ret_type, s, call, err)                                                 \
    do {                                                                                           \
        observe_touch_socket(s);                                                                   \
        errno = 0;                                                                                 \
        ret_type r_ = (call);                                                                      \
        *(err) = r_ < 0 ? (errno ? errno : EIO) : 0;                                              \
        observe_touch_socket(s);                                                                   \
        return r_;                                                                                 \
    } while (0)

static int door_bind(int s, uint32_t ip, uint16_t port, int *err)
{
    struct sockaddr_in sa = to_sockaddr(ip, port);
    DOOR_CALL(int, lwip_bind(s, (struct sockaddr *)&sa, sizeof sa), err);
}

static int door_listen(int s, int backlog, int *err)
{
    errno = 0;
    int r = lwip_listen(s, backlog);
    *err = r < 0 ? (errno ? errno : EIO) : 0;
    observe_socket_listening(s);
    return r;
}

static int door_accept(int s, uint32_t *peer_ip, uint16_t *peer_port, int *err)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    errno = 0;
    int r = lwip_accept(s, (struct sockaddr *)&sa, &len);
    *err = r < 0 ? (errno ? errno : EIO) : 0;
    if (r >= 0) from_sockaddr(&sa, peer_ip, peer_port);
    if (r >= 0) observe_touch_socket(r);
    return r;
}

static int door_connect(int s, uint32_t ip, uint16_t port, int *err)
{
    struct sockaddr_in sa = to_sockaddr(ip, port);
    DOOR_TOUCHING_CALL(int, s, lwip_connect(s, (struct sockaddr *)&sa, sizeof sa), err);
}

static long door_send(int s, const void *buf, size_t len, int flags, int *err)
{
    DOOR_TOUCHING_CALL(long, s, lwip_send(s, buf, len, door_flags(flags)), err);
}

static long door_recv(int s, void *buf, size_t len, int flags, int *err)
{
    DOOR_TOUCHING_CALL(long, s, lwip_recv(s, buf, len, door_flags(flags)), err);
}

static int door_shutdown(int s, int how, int *err)
{
    DOOR_TOUCHING_CALL(int, s, lwip_shutdown(s, how), err);
}

/* The socket is gone after the call: its pcb (if lwIP keeps it, FIN_WAIT_1 say) was touched
 * before, and a pcb lwIP frees is reported by its destroy callback. */
static int door_close(int s, int *err) { DOOR_TOUCHING_CALL(int, s, lwip_close(s), err); }

static int door_setsockopt(int s, const struct stack_opt *opt, int *err)
{
    int on = opt->value != 0;
    struct timeval tv = { .tv_sec = opt->value / 1000, .tv_usec = (opt->value % 1000) * 1000 };
    struct linger lg = { .l_onoff = on, .l_linger = opt->linger_s };
    switch (opt->name) {
    case STACK_SO_LINGER:
        DOOR_CALL(int, lwip_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), err);
    case STACK_SO_RCVTIMEO:
        DOOR_CALL(int, lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), err);
    case STACK_SO_SNDTIMEO:
        DOOR_CALL(int, lwip_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv), err);
    case STACK_SO_KEEPALIVE:
        DOOR_CALL(int, lwip_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on), err);
    case STACK_SO_REUSEADDR:
        DOOR_CALL(int, lwip_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), err);
    case STACK_TCP_NODELAY:
        DOOR_CALL(int, lwip_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on), err);
    case STACK_SOCKOPT_COUNT:
        break;
    }
    *err = EINVAL;
    return -1;
}

/* getsockopt for the options door_setsockopt sets: lwIP's own current values. */
static int door_getsockopt(int s, struct stack_opt *opt, int *err)
{
    int level = SOL_SOCKET, name = -1, on = 0;
    struct timeval tv = { 0 };
    struct linger lg = { 0 };
    void *value = &on;
    socklen_t len = sizeof on;
    switch (opt->name) {
    case STACK_SO_LINGER: name = SO_LINGER, value = &lg, len = sizeof lg; break;
    case STACK_SO_RCVTIMEO: name = SO_RCVTIMEO, value = &tv, len = sizeof tv; break;
    case STACK_SO_SNDTIMEO: name = SO_SNDTIMEO, value = &tv, len = sizeof tv; break;
    case STACK_SO_KEEPALIVE: name = SO_KEEPALIVE; break;
    case STACK_SO_REUSEADDR: name = SO_REUSEADDR; break;
    case STACK_TCP_NODELAY: level = IPPROTO_TCP, name = TCP_NODELAY; break;
    case STACK_SOCKOPT_COUNT: break;
    }
    if (name < 0) {
        *err = EINVAL;
        return -1;
    }
    errno = 0;
    if (lwip_getsockopt(s, level, name, value, &len) < 0) {
        *err = errno ? errno : EIO;
        return -1;
    }
    *err = 0;
    if (value == &lg) opt->value = lg.l_onoff != 0, opt->linger_s = lg.l_linger;
    else if (value == &tv) opt->value = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
    else opt->value = on != 0;
    return 0;
}

static int door_set_nonblocking(int s, int on, int *err)
{
    errno = 0;
    int fl = lwip_fcntl(s, F_GETFL, 0);
    if (fl < 0) {
        *err = errno ? errno : EIO;
        return -1;
    }
    fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    DOOR_CALL(int, lwip_fcntl(s, F_SETFL, fl), err);
}

static int door_addr(int (*get)(int, struct sockaddr *, socklen_t *), int s, uint32_t *ip,
                     uint16_t *port, int *err)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    errno = 0;
    int r = get(s, (struct sockaddr *)&sa, &len);
    *err = r < 0 ? (errno ? errno : EIO) : 0;
    if (r == 0) from_sockaddr(&sa, ip, port);
    return r;
}

static int door_local_addr(int s, uint32_t *ip, uint16_t *port, int *err)
{
    return door_addr(lwip_getsockname, s, ip, port, err);
}

static int door_peer_addr(int s, uint32_t *ip, uint16_t *port, int *err)
{
    return door_addr(lwip_getpeername, s, ip, port, err);
}

static int door_poll(int s, int events)
{
    struct pollfd pfd = { .fd = s, .events = 0 };
    if (events & STACK_POLLIN) pfd.events |= POLLIN;
    if (events & STACK_POLLOUT) pfd.events |= POLLOUT;
    if (lwip_poll(&pfd, 1, 0) <= 0) return 0;
    return ((pfd.revents & POLLIN) ? STACK_POLLIN : 0) | ((pfd.revents & POLLOUT) ? STACK_POLLOUT : 0) |
           ((pfd.revents & POLLERR) ? STACK_POLLERR : 0) | ((pfd.revents & POLLHUP) ? STACK_POLLHUP : 0) |
           ((pfd.revents & POLLNVAL) ? STACK_POLLNVAL : 0);
}

static int door_so_error(int s, int *err)
{
    int value = 0;
    socklen_t len = sizeof value;
    errno = 0;
    if (lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &value, &len) < 0) {
        *err = errno ? errno : EIO;
        return -1;
    }
    *err = 0;
    return value;
}

/* Read without the core lock and without lwIP's API: a process runs only while the tcpip
 * thread waits for its next message, so the pcb is consistent; reading conn->pending_err
 * directly is what leaves it pending (netconn_err and SO_ERROR would clear it). */
static int door_write_room(int s, struct stack_write_room *out)
{
    struct lwip_sock *sock = lwip_socket_dbg_get_socket(s);
    memset(out, 0, sizeof *out);
    if (!sock || !sock->conn) return -1;
    struct tcp_pcb *pcb = sock->conn->pcb.tcp;
    out->pending_err = err_to_errno(sock->conn->pending_err);
    if (!pcb) return 0;
    out->connected = 1;
    if (pcb->state == LISTEN) return 0;   /* a tcp_pcb_listen has no send fields */
    out->sndbuf = tcp_sndbuf(pcb);
    out->polltmr = pcb->polltmr;
    out->data_queued = pcb->unsent != NULL || pcb->unacked != NULL;
    return 0;
}

/* ---- observation ---- */

static void visit_list(struct tcp_pcb *list, void *ctx,
                       void (*visit)(void *ctx, const struct stack_pcb *pcb))
{
    for (struct tcp_pcb *p = list; p; p = p->next) {
        struct stack_pcb v = observe_view(p);
        visit(ctx, &v);
    }
}

static void door_pcb_walk(void *ctx, void (*visit)(void *ctx, const struct stack_pcb *pcb))
{
    visit_list(tcp_listen_pcbs.pcbs, ctx, visit);
    visit_list(tcp_bound_pcbs, ctx, visit);
    visit_list(tcp_active_pcbs, ctx, visit);
    visit_list(tcp_tw_pcbs, ctx, visit);
}

/* lwIP's pool names, in memp_t order (the same X-macro lwIP uses to build its pools). */
static const char *const pool_names[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static size_t door_pools(struct stack_pool *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < MEMP_MAX && n < max; i++) {
        const struct stats_mem *m = lwip_stats.memp[i];
        if (!m) continue;
        out[n++] = (struct stack_pool){ pool_names[i], m->used, m->max, m->avail, m->err };
    }
    if (n < max) {
        const struct stats_mem *m = &lwip_stats.mem;
        out[n++] = (struct stack_pool){ "HEAP", (uint32_t)m->used, (uint32_t)m->max,
                                        (uint32_t)m->avail, m->err };
    }
    if (n < max) {   /* the port's own allocations: semaphores, mutexes, mailboxes */
        uint32_t live, most;
        port_sys_objects(&live, &most);
        out[n++] = (struct stack_pool){ "SYS_OBJECTS", live, most, 0, 0 };
    }
    return n;
}

/* Refusals of every pool so far: a look at the pools is needed only when this moved. */
static uint64_t door_pool_errors(void)
{
    uint64_t sum = lwip_stats.mem.err;
    for (size_t i = 0; i < MEMP_MAX; i++)
        if (lwip_stats.memp[i]) sum += lwip_stats.memp[i]->err;
    return sum;
}

/* The pools lwipopts.h sizes with TCPSIM_POOL_CONNS: the only ones whose size differs between
 * instance families (the others, SYS_TIMEOUT say, are as big in every family and may well be
 * full by design). */
static const memp_t family_sized_pools[] = { MEMP_TCP_PCB, MEMP_TCP_SEG, MEMP_NETCONN,
                                             MEMP_TCPIP_MSG_INPKT, MEMP_PBUF_POOL };

/* Whether this run may have depended on the instance family's sizes: a family-sized pool
 * reached its size (its high-water mark) or refused an allocation, or a sys_arch mailbox
 * filled up. Below every such bound an instance behaves exactly as one of the default family
 * (lwip-port/README.md, "Instance families"). The heap is the same in every family. */
static bool door_bound_reached(void)
{
    for (size_t i = 0; i < sizeof family_sized_pools / sizeof family_sized_pools[0]; i++) {
        const struct stats_mem *m = lwip_stats.memp[family_sized_pools[i]];
        if (m->max >= m->avail || m->err) return true;
    }
    return port_mbox_was_full();
}

const struct lwip_stack tcpsim_stack = {
    .name = "lwIP " LWIP_VERSION_STRING,
    .reset = stack_reset,
    .start = stack_start,
    .input = stack_input,
    .socket = door_socket,
    .bind = door_bind,
    .listen = door_listen,
    .accept = door_accept,
    .connect = door_connect,
    .send = door_send,
    .recv = door_recv,
    .shutdown = door_shutdown,
    .close = door_close,
    .setsockopt = door_setsockopt,
    .getsockopt = door_getsockopt,
    .set_nonblocking = door_set_nonblocking,
    .local_addr = door_local_addr,
    .peer_addr = door_peer_addr,
    .poll = door_poll,
    .so_error = door_so_error,
    .pcb_walk = door_pcb_walk,
    .pools = door_pools,
    .write_room = door_write_room,
    .release = stack_release,
    .touched = observe_touched,
    .pcb_tag = observe_pcb_tag,
    .socket_events = observe_socket_events,
    .pool_errors = door_pool_errors,
    .origin = stack_origin,
    .bound_reached = door_bound_reached,
    .pool_conns = TCPSIM_POOL_CONNS,
};
