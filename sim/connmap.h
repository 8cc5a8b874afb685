/* connmap — a hash map from a TCP 4-tuple to a 64-bit value.
 *
 * Used wherever the simulator must find "this connection" fast: relative sequence numbers per
 * direction (trace), the previous state of each pcb (host). Open addressing with linear probing;
 * lookups only — nothing ever iterates over it, so hash order cannot leak into any output. */
#ifndef TCPSIM_CONNMAP_H
#define TCPSIM_CONNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_key {
    uint32_t local_ip, remote_ip;
    uint16_t local_port, remote_port;   /* a listener has remote 0.0.0.0:0 */
};

struct connmap {
    struct connmap_slot *slots;
    size_t cap, len;
};

void connmap_init(struct connmap *m);
void connmap_free(struct connmap *m);
void connmap_clear(struct connmap *m);
/* Insert or overwrite. */
void connmap_put(struct connmap *m, struct conn_key key, uint64_t value);
/* Pointer to the value, or NULL. Valid until the next put or remove. */
uint64_t *connmap_get(const struct connmap *m, struct conn_key key);
/* Removes the key if present (backward-shift deletion: no tombstones, lookups stay short). */
void connmap_remove(struct connmap *m, struct conn_key key);

#endif
