/* chksum.c — the Internet checksum for lwIP (LWIP_CHKSUM in lwipopts.h), eight bytes a step.
 *
 * lwIP's own lwip_standard_chksum adds 16-bit words, a fifth of a bulk transfer's instructions.
 * This one adds 64-bit words with end-around carry, which is the same one's-complement sum
 * (RFC 1071: 2^16 = 1 modulo 0xffff, so a 64-bit word is the sum of its four 16-bit lanes), and
 * folds it to 16 bits. It returns what lwIP's does: the non-inverted sum of the buffer's 16-bit
 * words in host order, counted from the buffer's first byte whatever its alignment, a trailing
 * byte padded with zero; 0 only for all-zero data. Every packet's checksum in the catalog's
 * golden captures is checked by `make test`. */
#include "lwip/opt.h"

#include <stdint.h>
#include <string.h>

static uint64_t add_carry(uint64_t acc, uint64_t w)
{
    acc += w;
    return acc + (acc < w);
}

unsigned short port_chksum(const void *dataptr, int len)
{
    const uint8_t *p = dataptr;
    uint64_t acc = 0;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        acc = add_carry(acc, w);
    }
    if (len > 0) {
        uint64_t w = 0;
        memcpy(&w, p, (size_t)len);
        acc = add_carry(acc, w);
    }
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffffffu) + (acc >> 32);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    acc = (acc & 0xffffu) + (acc >> 16);
    return (unsigned short)acc;
}
