/* lnx_ties — see lnx_ties.h. */
#define _GNU_SOURCE
#include "lnx_ties.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lnx_held {
    struct lnx_held *next;
    int to;
    size_t len;
    uint8_t pkt[];
};

/* The index of process "<host>/<proc>" of the scenario, or -1. */
static int process_index(const struct scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->proc_count; i++) {
        char full[2 * SCENARIO_NAME_MAX + 2];
        snprintf(full, sizeof full, "%s/%s", sc->hosts[sc->procs[i].host].name, sc->procs[i].name);
        if (strcmp(full, name) == 0) return (int)i;
    }
    return -1;
}

static int parse_line(struct lnx_ties *t, const struct scenario *sc, char *line, int lineno,
                      char *err, size_t err_size)
{
    size_t start = strspn(line, " \t");
    line[strcspn(line, "#\r\n")] = '\0';
    size_t end = strlen(line);
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) line[--end] = '\0';
    if (end == start) return 0;
    int i = process_index(sc, line + start);
    if (i < 0 || i >= 64) {
        snprintf(err, err_size, "%s:%d:%zu: error: expected <host>/<process> of scenario %s, "
                 "found '%s'", t->path, lineno, start + 1, sc->id, line + start);
        return -1;
    }
    t->first[i] = t->any = true;
    return 0;
}

int lnx_ties_load(struct lnx_ties *t, const struct scenario *sc, char *err, size_t err_size)
{
    const char *slash = strrchr(sc->file, '/');
    *t = (struct lnx_ties){ .any = false };
    snprintf(t->path, sizeof t->path, "%.*s/linux/%s.ties", slash ? (int)(slash - sc->file) : 1,
             slash ? sc->file : ".", sc->id);
    FILE *f = fopen(t->path, "r");
    if (!f) return 0;
    char line[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) rc = parse_line(t, sc, line, ++lineno, err, err_size);
    fclose(f);
    return rc;
}

bool lnx_ties_holds(uint64_t now_us, uint64_t wake_us)
{
    return wake_us != 0 && now_us + LNX_TIE_US >= wake_us && now_us < wake_us + LNX_TIE_HOLD_US;
}

bool lnx_ties_hold(struct lnx_ties *t, int to, const uint8_t *pkt, size_t len)
{
    struct lnx_held *h = malloc(sizeof *h + len);
    if (!h) return false;
    *h = (struct lnx_held){ .to = to, .len = len };
    memcpy(h->pkt, pkt, len);
    if (t->held_tail) t->held_tail->next = h;
    else t->held = h;
    t->held_tail = h;
    return true;
}

void lnx_ties_release(struct lnx_ties *t, bool (*holding)(void *ctx, int host),
                      void (*deliver)(void *ctx, int to, const uint8_t *pkt, size_t len), void *ctx)
{
    uint64_t kept = 0;   /* hosts whose frames stay: a bit per host (SCENARIO_MAX_HOSTS <= 64) */
    struct lnx_held **p = &t->held, *last = NULL;
    while (*p) {
        struct lnx_held *h = *p;
        if (kept >> h->to & 1 || holding(ctx, h->to)) {
            kept |= 1ull << h->to;
            last = h;
            p = &h->next;
            continue;
        }
        *p = h->next;
        deliver(ctx, h->to, h->pkt, h->len);
        free(h);
    }
    t->held_tail = last;
}

void lnx_ties_free(struct lnx_ties *t)
{
    while (t->held) {
        struct lnx_held *h = t->held;
        t->held = h->next;
        free(h);
    }
    t->held_tail = NULL;
}
