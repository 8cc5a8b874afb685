/* swarm_gen — see swarm_gen.h. Text is built with open_memstream; every choice is one prng
 * draw, so the text depends on the seed alone. */
#define _GNU_SOURCE
#include "swarm_gen.h"

#include "prng.h"
#include "sched.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* The features one seed may use (swarm testing: each is on for about half of the seeds). */
enum feature {
    F_LINK_FAULTS, F_WORLD_EVENTS, F_LINGER, F_SHUTDOWN, F_REPEAT, F_NONBLOCK, F_TIMEOUTS,
    F_SIGNALS, F_EXIT, F_BIND, F_COPIES, F_BIG_SENDS, F_FEATURE_COUNT
};

struct gen {
    struct prng rng;
    bool on[F_FEATURE_COUNT];
    FILE *f;
};

static uint64_t below(struct gen *g, uint64_t n) { return prng_below(&g->rng, n); }
static bool one_in(struct gen *g, uint64_t n) { return prng_below(&g->rng, n) == 0; }
static uint64_t between(struct gen *g, uint64_t lo, uint64_t hi) { return lo + below(g, hi - lo + 1); }

static const char *pick(struct gen *g, const char *const *words, size_t n)
{
    return words[below(g, n)];
}
#define PICK(g, ...) pick(g, (const char *const[]){ __VA_ARGS__ }, \
                          sizeof (const char *const[]){ __VA_ARGS__ } / sizeof(const char *))

/* ---- steps on one connected fd ---- */

static void send_step(struct gen *g, const char *fd)
{
    if (one_in(g, 5)) {
        fprintf(g->f, "  send %s \"%s\"\n", fd, PICK(g, "hello", "GET / HTTP/1.0\\n", "x"));
        return;
    }
    uint64_t n = g->on[F_BIG_SENDS] ? between(g, 1, 40000) : between(g, 1, 3000);
    fprintf(g->f, "  send %s %llu%s%s\n", fd, (unsigned long long)n,
            g->on[F_SIGNALS] && one_in(g, 3) ? " nosignal" : "", one_in(g, 4) ? " dontwait" : "");
}

static void recv_step(struct gen *g, const char *fd)
{
    switch (below(g, 3)) {
    case 0: fprintf(g->f, "  recv %s all\n", fd); return;
    case 1: fprintf(g->f, "  recv %s %llu dontwait\n", fd, (unsigned long long)between(g, 1, 9000)); return;
    default: fprintf(g->f, "  recv %s %llu\n", fd, (unsigned long long)between(g, 1, 9000)); return;
    }
}

static void option_step(struct gen *g, const char *fd)
{
    if (g->on[F_LINGER] && one_in(g, 2)) {
        fprintf(g->f, "  setsockopt %s linger %s %llu\n", fd, PICK(g, "on", "off"),
                (unsigned long long)below(g, 3));
    } else if (g->on[F_TIMEOUTS] && one_in(g, 2)) {
        fprintf(g->f, "  setsockopt %s %s %llums\n", fd, PICK(g, "rcvtimeo", "sndtimeo"),
                (unsigned long long)between(g, 1, 500));
    } else {
        fprintf(g->f, "  setsockopt %s %s %s\n", fd, PICK(g, "keepalive", "nodelay", "reuseaddr"),
                PICK(g, "on", "off"));
    }
}

/* One step on fd, chosen among the features this seed has. */
static void fd_step(struct gen *g, const char *fd)
{
    switch (below(g, 8)) {
    case 0: case 1: send_step(g, fd); return;
    case 2: case 3: recv_step(g, fd); return;
    case 4:
        if (g->on[F_SHUTDOWN]) {
            fprintf(g->f, "  shutdown %s %s\n", fd, PICK(g, "rd", "wr", "rdwr"));
            return;
        }
        send_step(g, fd);
        return;
    case 5: option_step(g, fd); return;
    case 6:
        if (g->on[F_NONBLOCK]) {
            fprintf(g->f, "  nonblock %s %s\n", fd, PICK(g, "on", "off"));
            return;
        }
        recv_step(g, fd);
        return;
    default:
        fprintf(g->f, "  sleep %llums\n", (unsigned long long)between(g, 1, 400));
        return;
    }
}

static void fd_steps(struct gen *g, const char *fd, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (g->on[F_REPEAT] && one_in(g, 6)) {
            fprintf(g->f, "  repeat %llu\n", (unsigned long long)between(g, 2, 12));
            unsigned body = (unsigned)between(g, 1, 3);
            for (unsigned k = 0; k < body; k++) fd_step(g, fd);
            fprintf(g->f, "  end\n");
            continue;
        }
        fd_step(g, fd);
    }
}

/* How a process ends: close, exit without closing, or just running out of steps. */
static void finish(struct gen *g, const char *fd)
{
    if (g->on[F_EXIT] && one_in(g, 3)) fprintf(g->f, "  exit %llu\n", (unsigned long long)below(g, 3));
    else if (!one_in(g, 4)) fprintf(g->f, "  close %s\n", fd);
}

static void signals(struct gen *g)
{
    if (g->on[F_SIGNALS] && one_in(g, 2))
        fprintf(g->f, "  signal %s %s\n", PICK(g, "sigpipe", "sigterm"),
                PICK(g, "default", "ignore", "handle"));
}

/* ---- processes ---- */

static void server(struct gen *g)
{
    fprintf(g->f, "process server on server\n");
    signals(g);
    fprintf(g->f, "  socket lst\n");
    if (one_in(g, 3)) option_step(g, "lst");
    fprintf(g->f, "  bind lst 0.0.0.0:8400\n");
    if (g->on[F_BIND] && one_in(g, 3)) fprintf(g->f, "  bind lst 0.0.0.0:%llu\n",
                                               (unsigned long long)between(g, 8400, 8402));
    fprintf(g->f, "  listen lst %llu\n", (unsigned long long)between(g, 1, 8));
    if (g->on[F_LINGER] && one_in(g, 3)) fprintf(g->f, "  setsockopt lst linger on 1\n");
    unsigned conns = (unsigned)between(g, 1, 3);
    for (unsigned c = 0; c < conns; c++) {
        char fd[16];
        snprintf(fd, sizeof fd, "c%u", c + 1);
        fprintf(g->f, "  accept lst %s\n", fd);
        fd_steps(g, fd, (unsigned)between(g, 1, 6));
        finish(g, fd);
    }
    if (one_in(g, 4)) fprintf(g->f, "  shutdown lst rdwr\n");
    finish(g, "lst");
    fprintf(g->f, "end\n\n");
}

static void client(struct gen *g, unsigned index)
{
    fprintf(g->f, "process client%u on client at %llums", index,
            (unsigned long long)between(g, 0, 300));
    if (g->on[F_COPIES] && one_in(g, 2))
        fprintf(g->f, " count %llu every %llums", (unsigned long long)between(g, 2, 6),
                (unsigned long long)between(g, 1, 50));
    fprintf(g->f, "\n");
    signals(g);
    fprintf(g->f, "  socket s\n");
    if (one_in(g, 4)) option_step(g, "s");
    if (g->on[F_BIND] && one_in(g, 2)) {
        fprintf(g->f, "  bind s 0.0.0.0:%llu\n", (unsigned long long)between(g, 7100, 7104));
        if (one_in(g, 2)) fprintf(g->f, "  bind s 0.0.0.0:%llu\n", (unsigned long long)between(g, 7100, 7104));
    }
    fprintf(g->f, "  connect s 10.0.0.2:%s\n", one_in(g, 10) ? "8401" : "8400");
    fd_steps(g, "s", (unsigned)between(g, 1, 8));
    finish(g, "s");
    fprintf(g->f, "end\n\n");
}

/* ---- world events, written in time order (the format wants them so) ---- */

#define MAX_EVENTS 24

struct event_line {
    uint64_t t_ms;
    unsigned order;             /* ties keep the order they were made in */
    char text[96];
};

struct events {
    struct event_line line[MAX_EVENTS];
    unsigned n;
};

static char *add_event(struct events *e, uint64_t t_ms)
{
    struct event_line *l = &e->line[e->n];
    *l = (struct event_line){ .t_ms = t_ms, .order = e->n };
    e->n++;
    return l->text;
}

/* The rule's text after "link <dir> " and its name as the timeline (and `remove`) knows it
 * (docs/scenario-format.md, World events). */
static void rule_text(struct gen *g, char *text, char *name, size_t size)
{
    unsigned long long n = between(g, 2, 20), ms = between(g, 1, 50), ms2 = below(g, 5);
    switch (below(g, 7)) {
    case 0:
        snprintf(text, size, "drop chance 1/%llu", n);
        snprintf(name, size, "drop-chance-1/%llu", n);
        return;
    case 1:
        n--;   /* 1..19: 1st 2nd 3rd 4th ... 19th */
        snprintf(text, size, "drop nth %llu", n);
        snprintf(name, size, "drop-%llu%s", n,
                 n == 1 ? "st" : n == 2 ? "nd" : n == 3 ? "rd" : "th");
        return;
    case 2: {
        static const char *const letters[] = { "S", "F", "R", "SA", "P" };
        static const char *const names[] = { "SYN", "FIN", "RST", "SYN-ACK", "PSH" };
        size_t k = below(g, 5);
        snprintf(text, size, "drop next %s count %llu", letters[k], n % 3 + 1);
        snprintf(name, size, "drop-next-%s", names[k]);
        return;
    }
    case 3:
        snprintf(text, size, "delay %llums jitter %llums", ms, ms2);
        if (ms2) snprintf(name, size, "delay-%llums-jitter-%llums", ms, ms2);
        else snprintf(name, size, "delay-%llums", ms);
        return;
    case 4:
        snprintf(text, size, "reorder 1/%llu %llums", n % 9 + 2, ms % 20 + 1);
        snprintf(name, size, "reorder-1/%llu", n % 9 + 2);
        return;
    case 5:
        snprintf(text, size, "duplicate 1/%llu %llums", n % 9 + 2, ms2);
        snprintf(name, size, "duplicate-1/%llu", n % 9 + 2);
        return;
    default:
        snprintf(text, size, "drop all");
        snprintf(name, size, "drop-all");
        return;
    }
}

/* A link rule, and often its removal later (`link <dir> remove <name>`). */
static void link_rule(struct gen *g, struct events *e, uint64_t t)
{
    const char *dir = PICK(g, "client>server", "server>client", "client<>server");
    char rule[64], name[64];
    size_t size = sizeof e->line[0].text;
    rule_text(g, rule, name, sizeof rule);
    snprintf(add_event(e, t), size, "link %s %s", dir, rule);
    if (one_in(g, 2))
        snprintf(add_event(e, t + between(g, 1, 3000)), size, "link %s remove %s", dir, name);
}

/* A fault that is switched on is usually switched off again later. */
static void world_event(struct gen *g, struct events *e, uint64_t t)
{
    const char *host = PICK(g, "client", "server");
    size_t size = sizeof e->line[0].text;
    uint64_t later = t + between(g, 1, 3000);
    switch (below(g, 6)) {
    case 0: snprintf(add_event(e, t), size, "kill server/server %s", PICK(g, "sigkill", "sigterm", "sigpipe")); return;
    case 1: snprintf(add_event(e, t), size, "crash %s", host); return;
    case 2: snprintf(add_event(e, t), size, "reboot %s", host); return;
    case 3: snprintf(add_event(e, t), size, "shutdown %s grace %llums", host,
                     (unsigned long long)between(g, 1, 2000)); return;
    case 4:
        snprintf(add_event(e, t), size, "partition");
        if (!one_in(g, 4)) snprintf(add_event(e, later), size, "heal");
        return;
    default: {
        const char *code = PICK(g, "host", "net");
        snprintf(add_event(e, t), size, "unreachable client>server %s on", code);
        if (!one_in(g, 4)) snprintf(add_event(e, later), size, "unreachable client>server %s off", code);
        return;
    }
    }
}

static int by_time(const void *a, const void *b)
{
    const struct event_line *x = a, *y = b;
    if (x->t_ms != y->t_ms) return x->t_ms < y->t_ms ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void events(struct gen *g)
{
    struct events e = { .n = 0 };
    unsigned world = g->on[F_WORLD_EVENTS] ? (unsigned)between(g, 1, 3) : 0;
    unsigned faults = g->on[F_LINK_FAULTS] ? (unsigned)between(g, 1, 4) : 0;
    for (unsigned i = 0; i < world; i++) world_event(g, &e, between(g, 0, 3000));
    for (unsigned i = 0; i < faults; i++) link_rule(g, &e, between(g, 0, 3000));
    qsort(e.line, e.n, sizeof e.line[0], by_time);
    for (unsigned i = 0; i < e.n; i++)
        fprintf(g->f, "at %llums %s\n", (unsigned long long)e.line[i].t_ms, e.line[i].text);
}

char *swarm_generate(uint64_t seed)
{
    struct gen g;
    prng_init(&g.rng, seed);
    for (int i = 0; i < F_FEATURE_COUNT; i++) g.on[i] = one_in(&g, 2);
    char *text = NULL;
    size_t len = 0;
    g.f = open_memstream(&text, &len);
    if (!g.f) sched_out_of_memory();
    fprintf(g.f, "# generated by tcpsim swarm from seed %llu\n", (unsigned long long)seed);
    fprintf(g.f, "id swarm-%llu\ntitle \"swarm seed %llu\"\nseed %llu\n\n",
            (unsigned long long)seed, (unsigned long long)seed, (unsigned long long)seed);
    fprintf(g.f, "host client 10.0.0.1\nhost server 10.0.0.2\n\n");
    server(&g);
    unsigned clients = (unsigned)between(&g, 1, 3);
    for (unsigned i = 0; i < clients; i++) client(&g, i + 1);
    events(&g);
    if (fclose(g.f) != 0 || !text) sched_out_of_memory();
    return text;
}
