/* strbuf — appending text to a buffer without printf, for the trace's hot paths.
 *
 * The sinks format tens of thousands of events per run; vsnprintf's format parsing was most of
 * their cost (issue 11). A strbuf is either fixed (the caller's array: what does not fit is cut
 * off and len keeps counting, exactly as snprintf reports) or growable (owned memory, grown by
 * doubling and reused from event to event, so formatting allocates nothing once warm). The text
 * is always NUL-terminated. Out of memory ends the run through sched_out_of_memory. */
#ifndef TCPSIM_STRBUF_H
#define TCPSIM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct strbuf {
    char *data;
    size_t len;                     /* what was appended (may exceed cap when fixed) */
    size_t cap;                     /* bytes of data, the NUL included */
    bool fixed;
};

/* A fixed strbuf over buf[size] (size >= 1), empty. */
struct strbuf strbuf_fixed(char *buf, size_t size);
/* Growable: starts as {0}; strbuf_release frees it. */
void strbuf_release(struct strbuf *sb);
void strbuf_clear(struct strbuf *sb);
/* Back to the first len bytes (len <= sb->len): undoes what was appended since. */
void strbuf_truncate(struct strbuf *sb, size_t len);
/* Room for n more bytes at the end of a growable strbuf, to be written in place and then
 * counted with strbuf_commit (the NUL is written there); NULL for a fixed strbuf without that
 * room. For writers that know a bound of what they add (json_write). */
char *strbuf_reserve_slow(struct strbuf *sb, size_t n);
static inline char *strbuf_reserve(struct strbuf *sb, size_t n)
{
    return sb->len + n < sb->cap ? sb->data + sb->len : strbuf_reserve_slow(sb, n);
}
/* The n bytes written at strbuf_reserve's pointer are part of the text now. */
static inline void strbuf_commit(struct strbuf *sb, size_t n)
{
    sb->len += n;
    sb->data[sb->len] = '\0';
}

/* Where n more bytes do not fit (a fixed buffer cuts off, a growable one grows). */
void strbuf_put_slow(struct strbuf *sb, const char *s, size_t n);

/* Inline: called for every piece of every event, mostly a few bytes that fit. */
static inline void strbuf_put(struct strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n < sb->cap) {
        memcpy(sb->data + sb->len, s, n);
        sb->len += n;
        sb->data[sb->len] = '\0';
    } else {
        strbuf_put_slow(sb, s, n);
    }
}

static inline void strbuf_char(struct strbuf *sb, char c)
{
    if (sb->len + 1 < sb->cap) {
        sb->data[sb->len++] = c;
        sb->data[sb->len] = '\0';
    } else {
        strbuf_put_slow(sb, &c, 1);
    }
}

static inline void strbuf_str(struct strbuf *sb, const char *s) { strbuf_put(sb, s, strlen(s)); }
/* printf into the strbuf, for lines too rare to be worth writing out by hand. */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s left-aligned in width columns (printf "%-*s"). */
void strbuf_str_left(struct strbuf *sb, const char *s, size_t width);
/* What a sink collects before it writes (strbuf_flush). */
#define SINK_FLUSH_BYTES 65536
/* Writes the text to f and empties sb once it holds at least `at` bytes (at 0: whatever it
 * holds): a sink collects lines and writes them in large pieces. */
void strbuf_flush(struct strbuf *sb, FILE *f, size_t at);
/* Decimal, as printf "%llu" / "%lld". */
void strbuf_u64(struct strbuf *sb, uint64_t v);
void strbuf_i64(struct strbuf *sb, int64_t v);
/* v in width columns: left-aligned with spaces ("%-*llu"), or right-aligned with fill ' '
 * ("%*llu") or '0' ("%0*llu"). */
void strbuf_u64_left(struct strbuf *sb, uint64_t v, size_t width);
void strbuf_u64_right(struct strbuf *sb, uint64_t v, size_t width, char fill);
/* "10.0.0.1" (ip in host order), as ip4_str writes it. */
void strbuf_ip4(struct strbuf *sb, uint32_t ip);
/* "10.0.0.1:7", as printf "%s:%u" with ip4_str writes it. */
void strbuf_addr(struct strbuf *sb, uint32_t ip, uint16_t port);

/* The last few addresses a sink wrote, as text: a connection's segments repeat the same two,
 * and formatting them was a tenth of a sink's time. Starts as {0}. */
#define STRBUF_ADDR_CACHE 4
struct strbuf_addr_cache {
    uint64_t key[STRBUF_ADDR_CACHE];        /* ip, port and a "filled" bit */
    char text[STRBUF_ADDR_CACHE][24];
    unsigned char len[STRBUF_ADDR_CACHE];
    unsigned next;                          /* the entry replaced next */
};
/* strbuf_addr through the cache. */
void strbuf_addr_cached(struct strbuf *sb, struct strbuf_addr_cache *c, uint32_t ip, uint16_t port);

/* Writing in place, for the hottest lines of the sinks: the caller reserved room at o
 * (strbuf_reserve) for the worst case, writes piece after piece, each returning the end, and
 * counts it all with strbuf_commit. */
static inline char *strbuf_write_at(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}
/* Decimal at o, as "%llu" / "%lld" (room: 20 bytes) */
char *strbuf_u64_at(char *o, uint64_t v);
char *strbuf_i64_at(char *o, int64_t v);
/* right-aligned in width columns with fill, as "%*llu" / "%0*llu" (room: width or 20) */
char *strbuf_u64_padded_at(char *o, uint64_t v, size_t width, char fill);
/* strbuf_addr_cached at o (room: 21 bytes) */
char *strbuf_addr_cached_at(char *o, struct strbuf_addr_cache *c, uint32_t ip, uint16_t port);

#endif
