/* link — see link.h. Packets in flight are timer events on the scheduler; per direction the
 * departure time is max(now, end of the previous packet's serialisation), so arrivals on one
 * direction are in send order and the scheduler's (time, sequence) order keeps them so. */
#include "link.h"

#include "sched.h"

#include <stdlib.h>
#include <string.h>

struct link {
    struct link_config config;
    void *ctx;
    void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len);
    uint64_t busy_until_us[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];
    struct in_flight *flying;   /* so link_free can release what never arrived */
};

struct in_flight {
    struct link *link;
    struct in_flight *prev, *next;
    int to;
    size_t len;
    uint8_t bytes[];
};

struct link_config link_config_default(void)
{
    return (struct link_config){ .delay_us = 1000, .bandwidth_bps = 100000000 };
}

struct link *link_new(const struct link_config *config, void *ctx,
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len))
{
    struct link *l = calloc(1, sizeof *l);
    if (!l) sched_panic("out of memory");
    l->config = *config;
    l->ctx = ctx;
    l->deliver = deliver;
    return l;
}

/* Packets still in flight when the world ends are freed here; their timer events die with the
 * scheduler (sched_fini) without running. */
void link_free(struct link *link)
{
    while (link->flying) {
        struct in_flight *f = link->flying;
        link->flying = f->next;
        free(f);
    }
    free(link);
}

static uint64_t serialisation_us(const struct link *l, size_t len)
{
    if (l->config.bandwidth_bps == 0) return 0;
    uint64_t bits = (uint64_t)len * 8u * 1000000u;
    return (bits + l->config.bandwidth_bps - 1) / l->config.bandwidth_bps;
}

static void in_flight_arrive(void *arg)
{
    struct in_flight *f = arg;
    struct link *l = f->link;
    if (f->prev) f->prev->next = f->next; else l->flying = f->next;
    if (f->next) f->next->prev = f->prev;
    l->deliver(l->ctx, f->to, f->bytes, f->len);
    free(f);
}

struct link_fate link_send(struct link *link, int from, int to, const uint8_t *pkt, size_t len)
{
    if (to < 0 || to >= LINK_MAX_ENDPOINTS || from < 0 || from >= LINK_MAX_ENDPOINTS)
        return (struct link_fate){ .delivered = false, .reason = "no route" };
    uint64_t now = sched_now_us();
    uint64_t *busy = &link->busy_until_us[from][to];
    uint64_t depart_us = (*busy > now ? *busy : now) + serialisation_us(link, len);
    *busy = depart_us;
    struct in_flight *f = malloc(sizeof *f + len);
    if (!f) sched_panic("out of memory");
    f->link = link;
    f->to = to;
    f->len = len;
    memcpy(f->bytes, pkt, len);
    f->prev = NULL;
    f->next = link->flying;
    if (link->flying) link->flying->prev = f;
    link->flying = f;
    uint64_t arrive_us = depart_us + link->config.delay_us;
    sched_at(arrive_us, in_flight_arrive, f);
    return (struct link_fate){ .delivered = true, .arrive_us = arrive_us };
}
