/* strbuf — see strbuf.h. */
#include "strbuf.h"

#include "packet.h"
#include "sched.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct strbuf strbuf_fixed(char *buf, size_t size)
{
    buf[0] = '\0';
    return (struct strbuf){ .data = buf, .cap = size, .fixed = true };
}

void strbuf_release(struct strbuf *sb)
{
    if (!sb->fixed) free(sb->data);
    *sb = (struct strbuf){ 0 };
}

void strbuf_clear(struct strbuf *sb) { strbuf_truncate(sb, 0); }

void strbuf_truncate(struct strbuf *sb, size_t len)
{
    sb->len = len;
    if (len < sb->cap) sb->data[len] = '\0';
}

static void grow(struct strbuf *sb, size_t need)
{
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need) cap *= 2;
    char *data = realloc(sb->data, cap);
    if (!data) sched_out_of_memory();
    sb->data = data;
    sb->cap = cap;
}

char *strbuf_reserve_slow(struct strbuf *sb, size_t n)
{
    if (sb->fixed) return NULL;
    grow(sb, sb->len + n + 1);
    return sb->data + sb->len;
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    size_t avail = sb->len < sb->cap ? sb->cap - sb->len : 0;
    int n = vsnprintf(avail ? sb->data + sb->len : NULL, avail, fmt, ap);
    if (n > 0 && !sb->fixed && (size_t)n >= avail) {   /* did not fit: grow and write again */
        grow(sb, sb->len + (size_t)n + 1);
        vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, again);
    }
    if (n > 0) sb->len += (size_t)n;
    va_end(again);
    va_end(ap);
}

void strbuf_flush(struct strbuf *sb, FILE *f, size_t at)
{
    if (sb->len < at || !sb->len) return;
    fwrite(sb->data, 1, sb->len, f);
    strbuf_clear(sb);
}

void strbuf_put_slow(struct strbuf *sb, const char *s, size_t n)
{
    size_t room = n;
    if (sb->fixed) {
        /* snprintf's rule: keep what fits before the NUL, count everything */
        room = sb->len + 1 < sb->cap ? sb->cap - 1 - sb->len : 0;
        if (room > n) room = n;
    } else if (sb->len + n + 1 > sb->cap) {
        grow(sb, sb->len + n + 1);
    }
    if (room) {
        memcpy(sb->data + sb->len, s, room);
        sb->data[sb->len + room] = '\0';
    }
    sb->len += n;
}

static void spaces(struct strbuf *sb, size_t n)
{
    static const char blanks[] = "                                ";
    while (n) {
        size_t k = n < sizeof blanks - 1 ? n : sizeof blanks - 1;
        strbuf_put(sb, blanks, k);
        n -= k;
    }
}

void strbuf_str_left(struct strbuf *sb, const char *s, size_t width)
{
    size_t n = strlen(s);
    strbuf_put(sb, s, n);
    if (n < width) spaces(sb, width - n);
}

/* the number of decimal digits of v: from its bit length, then one comparison */
static unsigned digit_count(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
        10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
    };
    if (v < 10) return 1;
    unsigned n = (64u - (unsigned)__builtin_clzll(v)) * 1233u >> 12;   /* 1233/4096 ~ log10 2 */
    return n + (v >= pow10[n]);
}

char *strbuf_u64_at(char *o, uint64_t v)
{
    /* two digits per division, written where they belong: the integers of every event go
     * through here */
    static const char pairs[201] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    char *end = o + digit_count(v), *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return end;
}

char *strbuf_i64_at(char *o, int64_t v)
{
    if (v >= 0) return strbuf_u64_at(o, (uint64_t)v);
    *o++ = '-';
    return strbuf_u64_at(o, (uint64_t)0 - (uint64_t)v);
}

char *strbuf_u64_padded_at(char *o, uint64_t v, size_t width, char fill)
{
    size_t n = digit_count(v);
    if (n < width) {
        memset(o, fill, width - n);
        o += width - n;
    }
    return strbuf_u64_at(o, v);
}

/* The digits of v, right-aligned in out[24]; returns where they start. */
static char *digits(uint64_t v, char out[24])
{
    char *start = out + 24 - digit_count(v);
    strbuf_u64_at(start, v);
    return start;
}

void strbuf_u64(struct strbuf *sb, uint64_t v)
{
    char buf[24];
    char *p = digits(v, buf);
    strbuf_put(sb, p, (size_t)(buf + 24 - p));
}

void strbuf_i64(struct strbuf *sb, int64_t v)
{
    if (v < 0) {
        strbuf_char(sb, '-');
        strbuf_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        strbuf_u64(sb, (uint64_t)v);
    }
}

void strbuf_u64_left(struct strbuf *sb, uint64_t v, size_t width)
{
    char buf[24];
    char *p = digits(v, buf);
    size_t n = (size_t)(buf + 24 - p);
    strbuf_put(sb, p, n);
    if (n < width) spaces(sb, width - n);
}

void strbuf_u64_right(struct strbuf *sb, uint64_t v, size_t width, char fill)
{
    char buf[24];
    char *p = digits(v, buf);
    size_t n = (size_t)(buf + 24 - p);
    if (width > 20) width = 20;   /* the digits of a u64; wider is not used */
    for (; n < width; n++) *--p = fill;
    strbuf_put(sb, p, (size_t)(buf + 24 - p));
}

void strbuf_ip4(struct strbuf *sb, uint32_t ip)
{
    char buf[16];
    strbuf_str(sb, ip4_str(ip, buf));
}

void strbuf_addr(struct strbuf *sb, uint32_t ip, uint16_t port)
{
    strbuf_ip4(sb, ip);
    strbuf_char(sb, ':');
    strbuf_u64(sb, port);
}

char *strbuf_addr_cached_at(char *o, struct strbuf_addr_cache *c, uint32_t ip, uint16_t port)
{
    uint64_t key = (uint64_t)1 << 48 | (uint64_t)ip << 16 | port;
    unsigned i = 0;
    while (i < STRBUF_ADDR_CACHE && c->key[i] != key) i++;
    if (i == STRBUF_ADDR_CACHE) {
        i = c->next;
        c->next = (i + 1) % STRBUF_ADDR_CACHE;
        struct strbuf t = strbuf_fixed(c->text[i], sizeof c->text[i]);
        strbuf_addr(&t, ip, port);
        c->key[i] = key;
        c->len[i] = (unsigned char)t.len;   /* at most 21: "255.255.255.255:65535" */
    }
    return strbuf_write_at(o, c->text[i], c->len[i]);
}

void strbuf_addr_cached(struct strbuf *sb, struct strbuf_addr_cache *c, uint32_t ip, uint16_t port)
{
    char text[24];
    strbuf_put(sb, text, (size_t)(strbuf_addr_cached_at(text, c, ip, port) - text));
}
