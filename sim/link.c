/* link — see link.h. Packets in flight are timer events on the scheduler.
 *
 * Design: per direction the departure time is max(now, end of the previous packet's
 * serialisation), and the arrival is clamped to >= the previous in-order arrival, so arrivals
 * are in send order and the scheduler's (time, sequence) order keeps them so even when two
 * arrive at the same microsecond. Only a LINK_REORDER hold-back is exempt from the clamp.
 *
 * Rules live in an array indexed by id, one allocation per rule that is never moved or freed
 * before link_free: the rule's name is handed out as a drop reason and must stay valid. Removed
 * rules keep their slot (marked removed), which also keeps ids unique and evaluation order
 * equal to id order, with no hashing and no pointer comparisons. */
#include "link.h"

#include "sched.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule_slot {
    struct link_rule rule;      /* as added, with the default name filled in */
    struct link_rule_stats stats;
    bool removed;
};

struct link {
    struct link_config config;
    struct prng prng;
    void *ctx;
    void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len);
    uint64_t bandwidth_bps[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];
    uint64_t busy_until_us[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];
    uint64_t last_arrive_us[LINK_MAX_ENDPOINTS][LINK_MAX_ENDPOINTS];  /* in-order arrivals */
    bool partitioned;
    struct rule_slot **rules;   /* index = rule id */
    size_t rule_count, rule_cap;
    struct in_flight *flying;   /* so link_free can release what never arrived */
    struct in_flight *spare;    /* arrived records, reused by launch: no malloc per packet */
};

struct in_flight {
    struct link *link;
    struct in_flight *prev, *next;
    int to;
    size_t len;
    size_t cap;                 /* room in bytes */
    uint8_t bytes[];
};

/* The room of a packet record: any IPv4 packet of an Ethernet-sized MTU fits, so one record
 * serves every packet of a run; a larger one gets a record of its own size. */
enum { IN_FLIGHT_ROOM = 2048 };

/* What the rules decided for one packet that is not dropped. */
struct effects {
    uint64_t extra_us;          /* LINK_DELAY delays and jitters */
    uint64_t hold_us;           /* LINK_REORDER hold-backs */
    bool duplicate;
    uint64_t duplicate_lag_us;
};

struct link_config link_config_default(void)
{
    return (struct link_config){ .delay_us = 1000, .bandwidth_bps = 100000000 };
}

struct link *link_new(const struct link_config *config, struct prng prng, void *ctx,
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len))
{
    struct link *l = calloc(1, sizeof *l);
    if (!l) sched_out_of_memory();
    l->config = *config;
    l->prng = prng;
    l->ctx = ctx;
    l->deliver = deliver;
    for (int a = 0; a < LINK_MAX_ENDPOINTS; a++)
        for (int b = 0; b < LINK_MAX_ENDPOINTS; b++) l->bandwidth_bps[a][b] = config->bandwidth_bps;
    return l;
}

/* Packets still in flight when the world ends are freed here; their timer events die with the
 * scheduler (sched_fini) without running. */
void link_free(struct link *link)
{
    struct in_flight *lists[] = { link->flying, link->spare };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        while (lists[i]) {
            struct in_flight *f = lists[i];
            lists[i] = f->next;
            free(f);
        }
    for (size_t i = 0; i < link->rule_count; i++) free(link->rules[i]);
    free(link->rules);
    free(link);
}

static bool endpoint_ok(int e) { return e >= 0 && e < LINK_MAX_ENDPOINTS; }

/* ---- rules: names, validation, listing ---- */

static const char *kind_default_name(enum link_rule_kind kind)
{
    switch (kind) {
    case LINK_DROP_ALL: return "drop-all";
    case LINK_DROP_NTH: return "drop-nth";
    case LINK_DROP_MATCH: return "drop-match";
    case LINK_DROP_CHANCE: return "drop-chance";
    case LINK_DELAY: return "delay";
    case LINK_REORDER: return "reorder";
    case LINK_DUPLICATE: return "duplicate";
    case LINK_RULE_KIND_COUNT: break;
    }
    return "?";
}

static bool kind_drops(enum link_rule_kind kind)
{
    switch (kind) {
    case LINK_DROP_ALL:
    case LINK_DROP_NTH:
    case LINK_DROP_MATCH:
    case LINK_DROP_CHANCE: return true;
    case LINK_DELAY:
    case LINK_REORDER:
    case LINK_DUPLICATE:
    case LINK_RULE_KIND_COUNT: return false;
    }
    return false;
}

static bool probability_ok(const struct link_rule *r)
{
    return r->denominator >= 1 && r->numerator <= r->denominator;
}

/* The fields each kind uses; the rest are ignored, so they are not checked. */
static bool kind_fields_ok(const struct link_rule *r)
{
    switch (r->kind) {
    case LINK_DROP_ALL: return true;
    case LINK_DROP_NTH: return r->nth >= 1;
    case LINK_DROP_MATCH: return true;
    case LINK_DROP_CHANCE: return probability_ok(r);
    case LINK_DELAY:
        return r->delay_us <= LINK_RULE_MAX_DELAY_US && r->jitter_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_REORDER:
        return probability_ok(r) && r->delay_us >= 1 && r->delay_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_DUPLICATE: return probability_ok(r) && r->delay_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_RULE_KIND_COUNT: return false;
    }
    return false;
}

static bool rule_ok(const struct link_rule *r)
{
    if ((unsigned)r->kind >= LINK_RULE_KIND_COUNT) return false;
    if (!endpoint_ok(r->from) || !endpoint_ok(r->to) || r->from == r->to) return false;
    if (!memchr(r->name, '\0', sizeof r->name)) return false;
    return kind_fields_ok(r);
}

int link_add_rule(struct link *link, const struct link_rule *rule)
{
    if (!rule_ok(rule) || link->rule_count >= (size_t)INT_MAX) return -1;
    if (link->rule_count == link->rule_cap) {
        size_t cap = link->rule_cap ? 2 * link->rule_cap : 8;
        struct rule_slot **grown = realloc(link->rules, cap * sizeof *grown);
        if (!grown) sched_out_of_memory();
        link->rules = grown;
        link->rule_cap = cap;
    }
    struct rule_slot *s = calloc(1, sizeof *s);
    if (!s) sched_out_of_memory();
    s->rule = *rule;
    if (!s->rule.name[0])
        snprintf(s->rule.name, sizeof s->rule.name, "%s", kind_default_name(rule->kind));
    link->rules[link->rule_count] = s;
    return (int)link->rule_count++;
}

bool link_remove_rule(struct link *link, int id)
{
    if (id < 0 || (size_t)id >= link->rule_count || link->rules[id]->removed) return false;
    link->rules[id]->removed = true;
    return true;
}

const struct link_rule *link_rule_at(const struct link *link, size_t index, int *id,
                                     struct link_rule_stats *stats)
{
    for (size_t i = 0; i < link->rule_count; i++) {
        const struct rule_slot *s = link->rules[i];
        if (s->removed || index-- > 0) continue;
        if (id) *id = (int)i;
        if (stats) *stats = s->stats;
        return &s->rule;
    }
    return NULL;
}

void link_set_partition(struct link *link, bool on) { link->partitioned = on; }
bool link_partitioned(const struct link *link) { return link->partitioned; }

void link_set_bandwidth(struct link *link, int from, int to, uint64_t bps)
{
    if (!endpoint_ok(from) || !endpoint_ok(to))
        sched_panic("link_set_bandwidth: no endpoint pair %d>%d", from, to);
    link->bandwidth_bps[from][to] = bps;
}

/* ---- deciding one packet ---- */

static bool rule_applies(const struct rule_slot *s, int from, int to)
{
    const struct link_rule *r = &s->rule;
    if (s->removed || s->stats.spent) return false;
    return (r->from == from && r->to == to) || (r->both && r->from == to && r->to == from);
}

static bool flags_match(const struct link_rule *r, const struct packet_info *info)
{
    return info && info->proto == PACKET_TCP && (info->flags & r->flags_all) == r->flags_all;
}

/* One drop rule examines the packet; true when it drops it. */
static bool drop_rule_examine(struct link *l, struct rule_slot *s, const struct packet_info *info)
{
    const struct link_rule *r = &s->rule;
    s->stats.examined++;
    bool drop = false;
    switch (r->kind) {
    case LINK_DROP_ALL: drop = true; break;
    case LINK_DROP_NTH:
        drop = s->stats.examined == r->nth;
        s->stats.spent = drop;
        break;
    case LINK_DROP_MATCH:
        drop = flags_match(r, info);
        s->stats.spent = drop && r->count && s->stats.acted + 1 == r->count;
        break;
    case LINK_DROP_CHANCE: drop = prng_chance(&l->prng, r->numerator, r->denominator); break;
    case LINK_DELAY:
    case LINK_REORDER:
    case LINK_DUPLICATE:
    case LINK_RULE_KIND_COUNT: break;
    }
    if (drop) s->stats.acted++;
    return drop;
}

/* The first drop rule of this direction that drops the packet, or -1. */
static int drop_phase(struct link *l, int from, int to, const struct packet_info *info)
{
    for (size_t i = 0; i < l->rule_count; i++) {
        struct rule_slot *s = l->rules[i];
        if (kind_drops(s->rule.kind) && rule_applies(s, from, to) &&
            drop_rule_examine(l, s, info))
            return (int)i;
    }
    return -1;
}

/* Uniform in [0, max]; no draw when max is 0, so a jitter-free delay consumes no randomness. */
static uint64_t draw_up_to(struct prng *p, uint64_t max)
{
    return max ? prng_below(p, max + 1) : 0;
}

static void effect_rule_examine(struct link *l, struct rule_slot *s, struct effects *fx)
{
    const struct link_rule *r = &s->rule;
    bool acted = false;
    switch (r->kind) {
    case LINK_DELAY:
        fx->extra_us += r->delay_us + draw_up_to(&l->prng, r->jitter_us);
        acted = true;
        break;
    case LINK_REORDER:
        acted = prng_chance(&l->prng, r->numerator, r->denominator);
        if (acted) fx->hold_us += r->delay_us;
        break;
    case LINK_DUPLICATE:
        if (fx->duplicate) return;      /* one copy per packet: not examined */
        acted = prng_chance(&l->prng, r->numerator, r->denominator);
        if (acted) {
            fx->duplicate = true;
            fx->duplicate_lag_us = r->delay_us;
        }
        break;
    case LINK_DROP_ALL:
    case LINK_DROP_NTH:
    case LINK_DROP_MATCH:
    case LINK_DROP_CHANCE:
    case LINK_RULE_KIND_COUNT: return;
    }
    s->stats.examined++;
    if (acted) s->stats.acted++;
}

static struct effects effect_phase(struct link *l, int from, int to)
{
    struct effects fx = { 0 };
    for (size_t i = 0; i < l->rule_count; i++) {
        struct rule_slot *s = l->rules[i];
        if (!kind_drops(s->rule.kind) && rule_applies(s, from, to)) effect_rule_examine(l, s, &fx);
    }
    return fx;
}

/* ---- the wire ---- */

static uint64_t serialisation_us(uint64_t bps, size_t len)
{
    if (bps == 0) return 0;
    uint64_t bits = (uint64_t)len * 8u * 1000000u;
    return (bits + bps - 1) / bps;
}

static void in_flight_arrive(void *arg)
{
    struct in_flight *f = arg;
    struct link *l = f->link;
    if (f->prev) f->prev->next = f->next; else l->flying = f->next;
    if (f->next) f->next->prev = f->prev;
    l->deliver(l->ctx, f->to, f->bytes, f->len);
    f->next = l->spare;
    l->spare = f;
}

/* A record with room for len bytes: the last one that arrived when it fits (O(1), and the
 * same on every run), else a new one. */
static struct in_flight *in_flight_record(struct link *l, size_t len)
{
    struct in_flight *f = l->spare;
    if (f && f->cap >= len) {
        l->spare = f->next;
        return f;
    }
    size_t cap = len > IN_FLIGHT_ROOM ? len : IN_FLIGHT_ROOM;
    f = malloc(sizeof *f + cap);
    if (!f) sched_out_of_memory();
    f->cap = cap;
    return f;
}

/* A private copy of the bytes, delivered at arrive_us. */
static void launch(struct link *l, int to, const uint8_t *pkt, size_t len, uint64_t arrive_us)
{
    struct in_flight *f = in_flight_record(l, len);
    f->link = l;
    f->to = to;
    f->len = len;
    memcpy(f->bytes, pkt, len);
    f->prev = NULL;
    f->next = l->flying;
    if (l->flying) l->flying->prev = f;
    l->flying = f;
    sched_at(arrive_us, in_flight_arrive, f);
}

static struct link_fate dropped(const char *reason, int rule_id)
{
    return (struct link_fate){ .delivered = false, .reason = reason, .rule_id = rule_id };
}

struct link_fate link_send_packet(struct link *link, int from, int to, const uint8_t *pkt,
                                  size_t len, const struct packet_info *info)
{
    if (!endpoint_ok(from) || !endpoint_ok(to)) return dropped("no route", -1);
    if (link->partitioned) return dropped("partition", -1);
    int dropper = drop_phase(link, from, to, info);
    if (dropper >= 0) return dropped(link->rules[dropper]->rule.name, dropper);
    struct effects fx = effect_phase(link, from, to);

    uint64_t now = sched_now_us();
    uint64_t *busy = &link->busy_until_us[from][to];
    uint64_t depart_us = (*busy > now ? *busy : now) +
                         serialisation_us(link->bandwidth_bps[from][to], len);
    *busy = depart_us;
    uint64_t *last = &link->last_arrive_us[from][to];
    uint64_t arrive_us = depart_us + link->config.delay_us + fx.extra_us;
    if (arrive_us < *last) arrive_us = *last;   /* jitter must not reorder */
    if (fx.hold_us) arrive_us += fx.hold_us;    /* overtaken; not the in-order reference */
    else *last = arrive_us;
    launch(link, to, pkt, len, arrive_us);

    struct link_fate fate = { .delivered = true, .arrive_us = arrive_us, .rule_id = -1,
                              .reordered = fx.hold_us > 0 };
    if (fx.duplicate) {
        fate.duplicated = true;
        fate.duplicate_arrive_us = arrive_us + fx.duplicate_lag_us;
        launch(link, to, pkt, len, fate.duplicate_arrive_us);
    }
    return fate;
}

struct link_fate link_send(struct link *link, int from, int to, const uint8_t *pkt, size_t len)
{
    return link_send_packet(link, from, to, pkt, len, NULL);
}

/* ---- descriptions ---- */

/* snprintf that appends at *n and keeps counting past the end of buf, like snprintf does. */
__attribute__((format(printf, 4, 5)))
static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*n < size ? buf + *n : NULL, *n < size ? size - *n : 0, fmt, ap);
    va_end(ap);
    if (k > 0) *n += (size_t)k;
}

static void append_endpoint(char *buf, size_t size, size_t *n, const char *const *names, int e)
{
    if (names && names[e]) appendf(buf, size, n, "%s", names[e]);
    else appendf(buf, size, n, "%d", e);
}

static const char *ordinal_suffix(uint64_t k)
{
    if (k % 100 >= 11 && k % 100 <= 13) return "th";
    switch (k % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
    }
}

/* "FIN", "SYN+ACK": names rather than tcpdump letters, because this line is read by people. */
static void append_flags(char *buf, size_t size, size_t *n, uint8_t flags)
{
    static const struct { uint8_t bit; const char *name; } names[] = {
        { TCP_SYN, "SYN" }, { TCP_FIN, "FIN" }, { TCP_RST, "RST" },
        { TCP_PSH, "PSH" }, { TCP_ACK, "ACK" }, { TCP_URG, "URG" },
    };
    const char *sep = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].bit)) continue;
        appendf(buf, size, n, "%s%s", sep, names[i].name);
        sep = "+";
    }
}

/* "drop the next 1 packet with FIN", "drop every TCP packet": flags_all 0 matches any TCP
 * packet, which the text must say since it never matches anything else. */
static void append_match(char *buf, size_t size, size_t *n, const struct link_rule *r)
{
    const char *tcp = r->flags_all ? "" : "TCP ";
    if (r->count == 0) appendf(buf, size, n, "drop every %spacket", tcp);
    else appendf(buf, size, n, "drop the next %llu %spacket%s", (unsigned long long)r->count, tcp,
                 r->count == 1 ? "" : "s");
    if (r->flags_all) {
        appendf(buf, size, n, " with ");
        append_flags(buf, size, n, r->flags_all);
    }
}

static void append_action(char *buf, size_t size, size_t *n, const struct link_rule *r)
{
    unsigned long long num = r->numerator, den = r->denominator;
    switch (r->kind) {
    case LINK_DROP_ALL: appendf(buf, size, n, "drop every packet"); break;
    case LINK_DROP_NTH:
        appendf(buf, size, n, "drop the %llu%s packet", (unsigned long long)r->nth,
                ordinal_suffix(r->nth));
        break;
    case LINK_DROP_MATCH: append_match(buf, size, n, r); break;
    case LINK_DROP_CHANCE:
        appendf(buf, size, n, "drop each packet with probability %llu/%llu", num, den);
        break;
    case LINK_DELAY:
        appendf(buf, size, n, "delay each packet by %llu us", (unsigned long long)r->delay_us);
        if (r->jitter_us)
            appendf(buf, size, n, " + 0..%llu us jitter", (unsigned long long)r->jitter_us);
        break;
    case LINK_REORDER:
        appendf(buf, size, n, "hold back each packet with probability %llu/%llu by %llu us",
                num, den, (unsigned long long)r->delay_us);
        break;
    case LINK_DUPLICATE:
        appendf(buf, size, n, "duplicate each packet with probability %llu/%llu, the copy %llu us "
                "later", num, den, (unsigned long long)r->delay_us);
        break;
    case LINK_RULE_KIND_COUNT: appendf(buf, size, n, "(invalid rule)"); break;
    }
}

size_t link_describe_rule(const struct link_rule *rule, const char *const *endpoint_names,
                          char *buf, size_t size)
{
    size_t n = 0;
    if (size) buf[0] = '\0';
    if (!endpoint_ok(rule->from) || !endpoint_ok(rule->to) ||
        (unsigned)rule->kind >= LINK_RULE_KIND_COUNT) {
        appendf(buf, size, &n, "(invalid rule)");
        return n;
    }
    append_endpoint(buf, size, &n, endpoint_names, rule->from);
    appendf(buf, size, &n, "%s", rule->both ? "<>" : ">");
    append_endpoint(buf, size, &n, endpoint_names, rule->to);
    const char *name = memchr(rule->name, '\0', sizeof rule->name) && rule->name[0]
                           ? rule->name : kind_default_name(rule->kind);
    appendf(buf, size, &n, " %s: ", name);
    append_action(buf, size, &n, rule);
    return n;
}
