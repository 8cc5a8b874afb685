/* strset — see strset.h. Capacity is a power of two kept at most half full. */
#include "strset.h"

#include "sched.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no need for anything stronger. */
static uint64_t value_hash(const char *value)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return h;
}

void strset_init(struct strset *s) { memset(s, 0, sizeof *s); }

void strset_free(struct strset *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static char *find_slot(const struct strset *s, const char *value)
{
    size_t mask = s->cap - 1;
    for (size_t i = value_hash(value) & mask;; i = (i + 1) & mask)
        if (!s->slots[i][0] || strcmp(s->slots[i], value) == 0) return s->slots[i];
}

static void grow(struct strset *s)
{
    char (*old)[STRSET_MAX] = s->slots;
    size_t old_cap = s->cap;
    s->cap = old_cap ? old_cap * 2 : 64;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) sched_out_of_memory();
    for (size_t i = 0; i < old_cap; i++)
        if (old[i][0]) memcpy(find_slot(s, old[i]), old[i], STRSET_MAX);
    free(old);
}

bool strset_add(struct strset *s, const char *value)
{
    char key[STRSET_MAX];
    size_t len = strnlen(value, STRSET_MAX - 1);
    if (len == 0) return false;
    memcpy(key, value, len);
    key[len] = '\0';
    if (2 * (s->len + 1) > s->cap) grow(s);
    char *slot = find_slot(s, key);
    if (slot[0]) return false;
    memcpy(slot, key, len + 1);
    s->len++;
    return true;
}
