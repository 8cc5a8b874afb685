/* connmap — see connmap.h. Capacity is a power of two kept at most half full. */
#include "connmap.h"

#include "sched.h"

#include <stdlib.h>
#include <string.h>

struct connmap_slot {
    bool used;
    struct conn_key key;
    uint64_t value;
};

static uint64_t key_hash(struct conn_key k)
{
    uint64_t h = ((uint64_t)k.local_ip << 32 | k.remote_ip) * 0x9e3779b97f4a7c15ULL;
    h ^= ((uint64_t)k.local_port << 16 | k.remote_port) * 0xc2b2ae3d27d4eb4fULL;
    return h ^ (h >> 29);
}

static bool key_equal(struct conn_key a, struct conn_key b)
{
    return a.local_ip == b.local_ip && a.remote_ip == b.remote_ip &&
           a.local_port == b.local_port && a.remote_port == b.remote_port;
}

void connmap_init(struct connmap *m) { memset(m, 0, sizeof *m); }

void connmap_free(struct connmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void connmap_clear(struct connmap *m)
{
    if (m->slots) memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->len = 0;
}

static struct connmap_slot *find_slot(const struct connmap *m, struct conn_key key)
{
    size_t mask = m->cap - 1;
    for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask)
        if (!m->slots[i].used || key_equal(m->slots[i].key, key)) return &m->slots[i];
}

static void grow(struct connmap *m)
{
    struct connmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->cap = old_cap ? old_cap * 2 : 64;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) sched_out_of_memory();
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].used) *find_slot(m, old[i].key) = old[i];
    free(old);
}

void connmap_put(struct connmap *m, struct conn_key key, uint64_t value)
{
    if (2 * (m->len + 1) > m->cap) grow(m);
    struct connmap_slot *s = find_slot(m, key);
    if (!s->used) m->len++;
    *s = (struct connmap_slot){ .used = true, .key = key, .value = value };
}

uint64_t *connmap_get(const struct connmap *m, struct conn_key key)
{
    if (!m->cap) return NULL;
    struct connmap_slot *s = find_slot(m, key);
    return s->used ? &s->value : NULL;
}

void connmap_remove(struct connmap *m, struct conn_key key)
{
    if (!m->cap) return;
    size_t mask = m->cap - 1;
    struct connmap_slot *hole = find_slot(m, key);
    if (!hole->used) return;
    size_t i = (size_t)(hole - m->slots);
    /* Move back every later entry of the probe run that may sit in the hole. */
    for (size_t j = (i + 1) & mask; m->slots[j].used; j = (j + 1) & mask) {
        size_t home = key_hash(m->slots[j].key) & mask;
        bool reachable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (!reachable) continue;
        m->slots[i] = m->slots[j];
        i = j;
    }
    m->slots[i].used = false;
    m->len--;
}
