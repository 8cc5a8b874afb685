/* json_write — see json_write.h. */
#include "json_write.h"

#include "sched.h"

#include <stdint.h>
#include <string.h>

/* The code point of the UTF-8 sequence at s (its first byte >= 0x80); its length, or 0 when it
 * is not valid: a stray continuation byte, an overlong form, a surrogate, above U+10FFFF, or
 * cut short. The same rules as jansson's utf8_check_first / utf8_check_full. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t v, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { n = 2; v = s[0] & 0x1Fu; min = 0x80; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { n = 3; v = s[0] & 0x0Fu; min = 0x800; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { n = 4; v = s[0] & 0x07u; min = 0x10000; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u) return 0;   /* the NUL ends a short sequence here too */
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

/* "\uXXXX" at o; returns the end */
static char *u16_escape(char *o, uint32_t unit)
{
    static const char hex[] = "0123456789ABCDEF";
    o[0] = '\\';
    o[1] = 'u';
    o[2] = hex[(unit >> 12) & 15];
    o[3] = hex[(unit >> 8) & 15];
    o[4] = hex[(unit >> 4) & 15];
    o[5] = hex[unit & 15];
    return o + 6;
}

/* The escape of code point cp at o (at most 12 bytes); returns the end. */
static char *escape(char *o, uint32_t cp)
{
    char two = 0;
    switch (cp) {
    case '\\': two = '\\'; break;
    case '"': two = '"'; break;
    case '\b': two = 'b'; break;
    case '\f': two = 'f'; break;
    case '\n': two = 'n'; break;
    case '\r': two = 'r'; break;
    case '\t': two = 't'; break;
    }
    if (two) {
        o[0] = '\\';
        o[1] = two;
        return o + 2;
    }
    if (cp < 0x10000) return u16_escape(o, cp);
    o = u16_escape(o, 0xD800u | ((cp - 0x10000u) >> 10));
    return u16_escape(o, 0xDC00u | ((cp - 0x10000u) & 0x3FFu));
}

/* The bytes that go out as they are: printable ASCII but the quote and the backslash. */
static const bool plain[256] = {
    [0x20 ... 0x21] = true, [0x23 ... 0x5B] = true, [0x5D ... 0x7F] = true,
};

/* s quoted and escaped at o, which has room for 6 bytes per byte of s plus 2 (the longest
 * escape, \uXXXX, stands for one byte; a 4-byte sequence becomes 12); returns the end, or NULL
 * when s is not valid UTF-8. One pass, no call per character: this is the sink's hot loop. */
static char *literal_at(char *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    *o++ = '"';
    for (;;) {
        while (plain[*p]) *o++ = (char)*p++;
        if (!*p) break;
        uint32_t cp = *p;
        size_t n = 1;
        if (cp >= 0x80 && !(n = utf8_decode(p, &cp))) return NULL;
        o = escape(o, cp);
        p += n;
    }
    *o++ = '"';
    return o;
}

static char *room(struct strbuf *out, size_t n)
{
    char *o = strbuf_reserve(out, n);
    if (!o) sched_panic("json_write: a fixed strbuf is too small");
    return o;
}

bool json_write_literal(struct strbuf *out, const char *s)
{
    char *o = room(out, 6 * strlen(s) + 2);
    char *end = literal_at(o, s);
    if (!end) return false;
    strbuf_commit(out, (size_t)(end - o));
    return true;
}

void json_writer_begin(struct json_writer *w, struct strbuf *out)
{
    *w = (struct json_writer){ .out = out, .depth = 1 };
    strbuf_char(out, '{');
}

void json_writer_close(struct json_writer *w)
{
    if (w->depth <= 0) sched_panic("json_write: no object open");
    w->depth--;
    strbuf_char(w->out, '}');
}

/* `,"key":` and the value after it, written in place: the member's bytes are counted only
 * when complete, so a key or value that is not valid UTF-8 leaves nothing behind. */
static char *member_at(struct json_writer *w, const char *key, size_t value_room)
{
    /* the keys are the schema's short names: copied as they are when plain and short, else
     * (a reason used as a key, say) measured and escaped like any string */
    enum { SHORT_KEY = 24 };
    char *o = room(w->out, 6 * SHORT_KEY + 4 + value_room);
    if (w->has_member[w->depth - 1]) *o++ = ',';
    size_t n = 0;
    o[0] = '"';
    for (unsigned char c; n < SHORT_KEY && plain[c = (unsigned char)key[n]]; n++) o[n + 1] = (char)c;
    if (!key[n]) {
        o[n + 1] = '"';
        o[n + 2] = ':';
        return o + n + 3;
    }
    size_t at = (size_t)(o - w->out->data);   /* room may move the buffer */
    o = room(w->out, 6 * strlen(key) + 4 + value_room) + (at - w->out->len);
    o = literal_at(o, key);
    if (o) *o++ = ':';
    return o;
}

static void member_end(struct json_writer *w, const char *end)
{
    if (!end) return;   /* left out, as jansson leaves out what json_string refuses */
    strbuf_commit(w->out, (size_t)(end - (w->out->data + w->out->len)));
    w->has_member[w->depth - 1] = true;
}

/* plain bytes (a word or digits) after the key */
static void member_word(struct json_writer *w, const char *key, const char *word, size_t n)
{
    char *o = member_at(w, key, n);
    if (o) {
        memcpy(o, word, n);
        o += n;
    }
    member_end(w, o);
}

void json_write_string(struct json_writer *w, const char *key, const char *value)
{
    if (!value) return;
    char *o = member_at(w, key, 6 * strlen(value) + 2);
    member_end(w, o ? literal_at(o, value) : NULL);
}

char *json_put_string(char *o, const char *s) { return literal_at(o, s); }

void json_write_integer(struct json_writer *w, const char *key, long long value)
{
    char *o = member_at(w, key, 24);
    member_end(w, o ? strbuf_i64_at(o, value) : NULL);
}

void json_write_null(struct json_writer *w, const char *key) { member_word(w, key, "null", 4); }

void json_write_bool(struct json_writer *w, const char *key, bool value)
{
    if (value) member_word(w, key, "true", 4);
    else member_word(w, key, "false", 5);
}

void json_write_object(struct json_writer *w, const char *key)
{
    if (w->depth >= JSON_WRITE_MAX_DEPTH) sched_panic("json_write: objects nested too deep");
    member_word(w, key, "{", 1);
    w->has_member[w->depth++] = false;
}
