/* pkt_parse — packetdrill notation to struct pkt_script (see pkt_script.h).
 *
 * Two passes: a lexer turns the whole text into tokens with line:col (packetdrill's notation
 * is free-form: an event may span lines, comments are C and C++ style, shell commands in
 * backquotes may span lines), then a recursive-descent parser builds one event per time
 * column. The first error is the one reported, as "file:line:col: error: <what>, expected
 * <what>". Calls are checked here against what the runner can do (their arguments, symbols and
 * option names), so a script that parses runs to a verdict. */
#include "pkt_script.h"

#include "infile.h"
#include "packet.h"
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_FILE_MAX_BYTES (1u << 20)
#define PKT_MAX_TIME_US (INT64_C(100000) * 1000000)    /* 100000 s: far past any run */
/* An IPv4 packet holds 65535 bytes: 20 of IP header, 20 of TCP header, 40 of options. */
#define PKT_MAX_PAYLOAD (65535 - 20 - 20 - 40)

enum tok_kind {
    TOK_END, TOK_NUMBER, TOK_WORD, TOK_ELLIPSIS, TOK_STRING, TOK_SHELL, TOK_OPTION, TOK_PUNCT,
    TOK_KIND_COUNT
};

struct token {
    enum tok_kind kind;
    struct pkt_pos pos;
    const char *text;               /* into the script text */
    size_t len;
};

struct parser {
    const char *file;
    const char *text;
    size_t len;
    struct token *toks;
    size_t tok_count, tok_cap, at;
    struct pkt_script *s;
    size_t event_cap;
    bool start_known;               /* the previous event's start is known (no '*' since) */
    int64_t start_us;               /* ... and is this */
    bool failed;
    char *err;
    size_t err_size;
};

/* ---- errors ---- */

__attribute__((format(printf, 3, 4)))
static bool fail(struct parser *p, struct pkt_pos pos, const char *fmt, ...)
{
    if (p->failed) return false;
    p->failed = true;
    if (!p->err || !p->err_size) return false;
    int n = snprintf(p->err, p->err_size, "%s:%d:%d: error: ", p->file, pos.line, pos.col);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->err_size) vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* "found `x`" for the current token, for error messages. */
static const char *found(const struct token *t, char buf[48])
{
    if (t->kind == TOK_END) return "the end of the file";
    if (t->kind == TOK_SHELL) return "a `shell command`";
    size_t n = t->len < 24 ? t->len : 24;
    snprintf(buf, 48, "'%.*s%s'", (int)n, t->text, t->len > n ? "..." : "");
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\t') *c = ' ';
    return buf;
}

/* ---- lexer ---- */

static bool push_token(struct parser *p, enum tok_kind kind, struct pkt_pos pos, size_t start,
                       size_t end)
{
    if (p->tok_count == p->tok_cap) {
        size_t cap = p->tok_cap ? 2 * p->tok_cap : 256;
        struct token *t = realloc(p->toks, cap * sizeof *t);
        if (!t) return fail(p, pos, "out of memory, expected a smaller script");
        p->toks = t;
        p->tok_cap = cap;
    }
    p->toks[p->tok_count++] = (struct token){ kind, pos, p->text + start, end - start };
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

struct cursor {
    size_t i;
    int line, col;
};

static void advance(const struct parser *p, struct cursor *c, size_t n)
{
    for (; n && c->i < p->len; n--, c->i++) {
        if (p->text[c->i] == '\n') {
            c->line++;
            c->col = 1;
        } else {
            c->col++;
        }
    }
}

static bool starts(const struct parser *p, const struct cursor *c, const char *s)
{
    size_t n = strlen(s);
    return c->i + n <= p->len && memcmp(p->text + c->i, s, n) == 0;
}

/* Skips to just past `close`; false (with an error at `open`) when the text ends first. */
static bool skip_past(struct parser *p, struct cursor *c, const char *close, struct pkt_pos open,
                      const char *what)
{
    while (c->i < p->len && !starts(p, c, close)) {
        if (p->text[c->i] == '\0')
            return fail(p, (struct pkt_pos){ c->line, c->col },
                        "a NUL byte, expected text (a script is a text file)");
        advance(p, c, 1);
    }
    if (c->i >= p->len) return fail(p, open, "%s is never closed, expected '%s'", what, close);
    advance(p, c, strlen(close));
    return true;
}

static size_t number_end(const struct parser *p, size_t i)
{
    if (i + 1 < p->len && p->text[i] == '0' && (p->text[i + 1] == 'x' || p->text[i + 1] == 'X')) {
        i += 2;
        while (i < p->len && is_word_char(p->text[i])) i++;
        return i;
    }
    while (i < p->len && is_digit(p->text[i])) i++;
    if (i + 1 < p->len && p->text[i] == '.' && is_digit(p->text[i + 1])) {
        i++;
        while (i < p->len && is_digit(p->text[i])) i++;
    }
    return i;
}

static bool lex_one(struct parser *p, struct cursor *c)
{
    char ch = p->text[c->i];
    struct pkt_pos pos = { c->line, c->col };
    size_t start = c->i;
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
        advance(p, c, 1);
        return true;
    }
    if (starts(p, c, "//")) {
        while (c->i < p->len && p->text[c->i] != '\n') advance(p, c, 1);
        return true;
    }
    if (starts(p, c, "/*")) return skip_past(p, c, "*/", pos, "this comment");
    if (starts(p, c, "%{"))
        return fail(p, pos, "a %%{ python }%% block, expected packetdrill events (code blocks "
                            "are not supported, docs/packetdrill.md)");
    if (starts(p, c, "...")) {
        advance(p, c, 3);
        return push_token(p, TOK_ELLIPSIS, pos, start, c->i);
    }
    if (starts(p, c, "--") && c->i + 2 < p->len && is_word_char(p->text[c->i + 2])) {
        while (c->i < p->len && !strchr(" \t\r\n", p->text[c->i])) advance(p, c, 1);
        return push_token(p, TOK_OPTION, pos, start, c->i);
    }
    if (is_digit(ch) || (ch == '.' && c->i + 1 < p->len && is_digit(p->text[c->i + 1]))) {
        advance(p, c, number_end(p, c->i) - c->i);
        return push_token(p, TOK_NUMBER, pos, start, c->i);
    }
    if (is_word_char(ch)) {
        while (c->i < p->len && is_word_char(p->text[c->i])) advance(p, c, 1);
        return push_token(p, TOK_WORD, pos, start, c->i);
    }
    if (ch == '`' || ch == '"') {
        advance(p, c, 1);
        char close[2] = { ch, '\0' };
        if (!skip_past(p, c, close, pos, ch == '`' ? "this `shell command`" : "this string"))
            return false;
        return push_token(p, ch == '`' ? TOK_SHELL : TOK_STRING, pos, start + 1, c->i - 1);
    }
    if (ch == '\0') return fail(p, pos, "a NUL byte, expected text (a script is a text file)");
    if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
        return fail(p, pos, "byte 0x%02x, expected printable ASCII outside comments",
                    (unsigned char)ch);
    advance(p, c, 1);
    return push_token(p, TOK_PUNCT, pos, start, c->i);
}

static bool lex(struct parser *p)
{
    struct cursor c = { 0, 1, 1 };
    while (c.i < p->len)
        if (!lex_one(p, &c)) return false;
    return push_token(p, TOK_END, (struct pkt_pos){ c.line, c.col }, p->len, p->len);
}

/* ---- token helpers ---- */

static const struct token *peek(const struct parser *p) { return &p->toks[p->at]; }
static const struct token *take(struct parser *p)
{
    const struct token *t = &p->toks[p->at];
    if (t->kind != TOK_END) p->at++;
    return t;
}

static bool is_punct(const struct token *t, char c)
{
    return t->kind == TOK_PUNCT && t->text[0] == c;
}

static bool is_word(const struct token *t, const char *w)
{
    return t->kind == TOK_WORD && t->len == strlen(w) && memcmp(t->text, w, t->len) == 0;
}

static bool expect_punct(struct parser *p, char c, const char *context)
{
    const struct token *t = peek(p);
    char buf[48];
    if (!is_punct(t, c)) return fail(p, t->pos, "%s, expected '%c' %s", found(t, buf), c, context);
    take(p);
    return true;
}

/* An unsigned integer (decimal or 0x hex) no larger than max. */
static bool parse_uint(struct parser *p, uint64_t max, const char *what, uint64_t *out)
{
    const struct token *t = peek(p);
    char buf[48];
    if (t->kind != TOK_NUMBER || memchr(t->text, '.', t->len))
        return fail(p, t->pos, "%s, expected %s (an integer)", found(t, buf), what);
    uint64_t v = 0;
    bool hex = t->len > 2 && (t->text[1] == 'x' || t->text[1] == 'X');
    for (size_t i = hex ? 2 : 0; i < t->len; i++) {
        char ch = t->text[i];
        unsigned d = is_digit(ch) ? (unsigned)(ch - '0')
                   : hex && ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                   : hex && ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 99;
        if (d >= (hex ? 16u : 10u) || v > (max - d) / (hex ? 16 : 10))
            return fail(p, t->pos, "%s, expected %s (an integer from 0 to %llu)", found(t, buf),
                        what, (unsigned long long)max);
        v = v * (hex ? 16 : 10) + d;
    }
    take(p);
    *out = v;
    return true;
}

static bool parse_u32(struct parser *p, uint64_t max, const char *what, uint32_t *out)
{
    uint64_t v;
    if (!parse_uint(p, max, what, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_signed(struct parser *p, const char *what, long long *out)
{
    bool neg = is_punct(peek(p), '-');
    if (neg) take(p);
    uint64_t v;
    if (!parse_uint(p, (uint64_t)INT32_MAX, what, &v)) return false;
    *out = neg ? -(long long)v : (long long)v;
    return true;
}

/* Seconds with at most 6 decimals, to exact microseconds (no floating point). */
static bool parse_time(struct parser *p, int64_t *us)
{
    const struct token *t = peek(p);
    char buf[48];
    if (t->kind != TOK_NUMBER || (t->len > 1 && (t->text[1] == 'x' || t->text[1] == 'X')))
        return fail(p, t->pos, "%s, expected a time in seconds (0, +0.1, .250)", found(t, buf));
    int64_t whole = 0, frac = 0;
    size_t i = 0, decimals = 0;
    for (; i < t->len && is_digit(t->text[i]); i++) {
        whole = whole * 10 + (t->text[i] - '0');
        if (whole * 1000000 > PKT_MAX_TIME_US)
            return fail(p, t->pos, "%s, expected a time of at most %lld s", found(t, buf),
                        (long long)(PKT_MAX_TIME_US / 1000000));
    }
    if (i < t->len) i++;    /* the '.' */
    for (; i < t->len; i++, decimals++) {
        if (decimals == 6)
            return fail(p, t->pos, "%s, expected a time with at most 6 decimals (microseconds)",
                        found(t, buf));
        frac = frac * 10 + (t->text[i] - '0');
    }
    for (; decimals < 6; decimals++) frac *= 10;
    take(p);
    *us = whole * 1000000 + frac;
    return true;
}

/* ---- segments ---- */

static bool parse_flags(struct parser *p, uint8_t *flags)
{
    static const struct { char letter; uint8_t bit; } letters[] = {
        { 'S', TCP_SYN }, { 'F', TCP_FIN }, { 'R', TCP_RST }, { 'P', TCP_PSH }, { 'U', TCP_URG },
    };
    const struct token *t = peek(p);
    char buf[48];
    *flags = 0;
    if (is_punct(t, '-')) {
        take(p);
        return true;
    }
    if (t->kind == TOK_WORD) {
        for (size_t i = 0; i < t->len; i++) {
            size_t k = 0;
            while (k < sizeof letters / sizeof letters[0] && letters[k].letter != t->text[i]) k++;
            if (k == sizeof letters / sizeof letters[0])
                return fail(p, (struct pkt_pos){ t->pos.line, t->pos.col + (int)i },
                            "flag '%c', expected TCP flags: letters of S F R P U, then '.' for "
                            "ACK (ECN flags are not supported)", t->text[i]);
            *flags |= letters[k].bit;
        }
        take(p);
        t = peek(p);
    } else if (!is_punct(t, '.')) {
        return fail(p, t->pos, "%s, expected TCP flags (S, S., ., P., F., R, R. ...)",
                    found(t, buf));
    }
    if (is_punct(t, '.')) {
        *flags |= TCP_ACK;
        take(p);
    }
    return true;
}

static bool parse_seq(struct parser *p, struct pkt_segment *seg)
{
    struct pkt_pos pos = peek(p)->pos;
    uint32_t end;
    if (!parse_u32(p, UINT32_MAX, "the start sequence number (start:end(len))", &seg->seq) ||
        !expect_punct(p, ':', "between start and end sequence numbers (start:end(len))") ||
        !parse_u32(p, UINT32_MAX, "the end sequence number (start:end(len))", &end) ||
        !expect_punct(p, '(', "before the payload length (start:end(len))") ||
        !parse_u32(p, PKT_MAX_PAYLOAD, "the payload length (start:end(len))", &seg->len) ||
        !expect_punct(p, ')', "after the payload length (start:end(len))"))
        return false;
    if ((uint64_t)seg->seq + seg->len != end)
        return fail(p, pos, "%u:%u(%u), expected end = start + length", seg->seq, end, seg->len);
    return true;
}

static bool parse_sack_blocks(struct parser *p, struct pkt_option *o)
{
    while (peek(p)->kind == TOK_NUMBER) {
        if (o->sack_count == PKT_MAX_SACK_BLOCKS)
            return fail(p, peek(p)->pos, "a 5th SACK block, expected at most %d",
                        PKT_MAX_SACK_BLOCKS);
        uint32_t *b = o->sack[o->sack_count++];
        if (!parse_u32(p, UINT32_MAX, "a SACK block start (start:end)", &b[0]) ||
            !expect_punct(p, ':', "in a SACK block (start:end)") ||
            !parse_u32(p, UINT32_MAX, "a SACK block end (start:end)", &b[1]))
            return false;
    }
    if (o->sack_count == 0)
        return fail(p, peek(p)->pos, "no block, expected SACK blocks (sack 1001:2001)");
    return true;
}

static bool parse_option(struct parser *p, struct pkt_option *o)
{
    const struct token *t = peek(p);
    char buf[48];
    *o = (struct pkt_option){ 0 };
    if (is_word(t, "nop") || is_word(t, "eol") || is_word(t, "sackOK")) {
        o->kind = is_word(t, "nop") ? PKT_OPT_NOP : is_word(t, "eol") ? PKT_OPT_EOL
                                                                     : PKT_OPT_SACK_OK;
        take(p);
        return true;
    }
    if (is_word(t, "mss") || is_word(t, "wscale")) {
        o->kind = is_word(t, "mss") ? PKT_OPT_MSS : PKT_OPT_WSCALE;
        take(p);
        return o->kind == PKT_OPT_MSS ? parse_u32(p, 65535, "the MSS value", &o->value)
                                      : parse_u32(p, 255, "the window scale shift", &o->value);
    }
    if (is_word(t, "sack")) {
        o->kind = PKT_OPT_SACK;
        take(p);
        return parse_sack_blocks(p, o);
    }
    if (is_word(t, "TS")) {
        o->kind = PKT_OPT_TIMESTAMP;
        take(p);
        if (!is_word(peek(p), "val"))
            return fail(p, peek(p)->pos, "%s, expected 'val' (TS val N ecr N)",
                        found(peek(p), buf));
        take(p);
        if (!parse_u32(p, UINT32_MAX, "the timestamp value", &o->value)) return false;
        if (!is_word(peek(p), "ecr"))
            return fail(p, peek(p)->pos, "%s, expected 'ecr' (TS val N ecr N)",
                        found(peek(p), buf));
        take(p);
        return parse_u32(p, UINT32_MAX, "the timestamp echo reply", &o->ecr);
    }
    return fail(p, t->pos, "%s, expected a TCP option: mss N, nop, eol, sackOK, sack A:B, "
                           "TS val N ecr N, wscale N (or <...>)", found(t, buf));
}

/* Bytes the options take on the wire, before padding to 4. */
static size_t options_wire_len(const struct pkt_segment *seg)
{
    size_t n = 0;
    for (size_t i = 0; i < seg->option_count; i++) {
        const struct pkt_option *o = &seg->options[i];
        switch (o->kind) {
        case PKT_OPT_NOP: case PKT_OPT_EOL: n += 1; break;
        case PKT_OPT_MSS: n += 4; break;
        case PKT_OPT_WSCALE: n += 3; break;
        case PKT_OPT_SACK_OK: n += 2; break;
        case PKT_OPT_SACK: n += 2 + 8 * o->sack_count; break;
        case PKT_OPT_TIMESTAMP: n += 10; break;
        case PKT_OPT_KIND_COUNT: break;
        }
    }
    return n;
}

static bool parse_options(struct parser *p, struct pkt_segment *seg)
{
    seg->options_pos = peek(p)->pos;
    take(p);    /* '<' */
    if (peek(p)->kind == TOK_ELLIPSIS) {
        take(p);
        seg->options_any = true;
        return expect_punct(p, '>', "after <... (any options)");
    }
    for (;;) {
        if (seg->option_count == PKT_MAX_OPTIONS)
            return fail(p, peek(p)->pos, "more options, expected at most %d", PKT_MAX_OPTIONS);
        if (!parse_option(p, &seg->options[seg->option_count++])) return false;
        if (is_punct(peek(p), '>')) break;
        if (!expect_punct(p, ',', "or '>' after a TCP option")) return false;
    }
    take(p);
    if (options_wire_len(seg) > 40)
        return fail(p, seg->options_pos, "%zu bytes of options, expected at most 40",
                    options_wire_len(seg));
    return true;
}

static bool parse_segment(struct parser *p, struct pkt_event *ev)
{
    struct pkt_segment *seg = &ev->u.seg;
    seg->win = -1;
    const struct token *t = peek(p);
    char buf[48];
    if (is_punct(t, '(') || is_punct(t, '['))
        return fail(p, t->pos, "%s, expected TCP flags (IP-level fields such as tos, ttl and "
                               "ECN are not supported)", found(t, buf));
    if (!parse_flags(p, &seg->flags) || !parse_seq(p, seg)) return false;
    if (is_word(peek(p), "ack")) {
        take(p);
        if (!parse_u32(p, UINT32_MAX, "the acknowledgment number", &seg->ack)) return false;
    }
    if (is_word(peek(p), "win")) {
        take(p);
        uint32_t win;
        if (!parse_u32(p, 65535, "the window", &win)) return false;
        seg->win = (int32_t)win;
    }
    if (is_word(peek(p), "urg"))
        return fail(p, peek(p)->pos, "'urg', expected ack, win or <options> (the urgent pointer "
                                     "is not supported)");
    if (is_punct(peek(p), '<') && !parse_options(p, seg)) return false;
    if (ev->kind == PKT_INBOUND && seg->win < 0)
        return fail(p, ev->pos, "an inbound segment without a window, expected 'win N' (as "
                                "packetdrill requires)");
    if (ev->kind == PKT_INBOUND && seg->options_any)
        return fail(p, seg->options_pos, "<...> on an inbound segment, expected the options "
                                         "to send");
    return true;
}

/* ---- calls ---- */

static const char *const call_names[PKT_CALL_KIND_COUNT] = {
    [PKT_SOCKET] = "socket", [PKT_BIND] = "bind", [PKT_LISTEN] = "listen",
    [PKT_ACCEPT] = "accept", [PKT_CONNECT] = "connect", [PKT_WRITE] = "write",
    [PKT_SEND] = "send", [PKT_READ] = "read", [PKT_RECV] = "recv", [PKT_CLOSE] = "close",
    [PKT_SHUTDOWN] = "shutdown", [PKT_SETSOCKOPT] = "setsockopt", [PKT_FCNTL] = "fcntl",
};

const char *pkt_call_name(enum pkt_call_kind k) { return call_names[k]; }

/* The argument each call takes, one letter per position:
 *   f fd   n integer   . anything (written ...)   D domain (... or AF_INET)
 *   T SOCK_STREAM   P IPPROTO_TCP or 0   H SHUT_*   L SOL_SOCKET / IPPROTO_TCP
 *   O option name   V [value] or {onoff=.., linger=..}   C F_SETFL   F O_* flags
 *   M 0 or MSG_* flags */
static const char *const call_args[PKT_CALL_KIND_COUNT] = {
    [PKT_SOCKET] = "DTP", [PKT_BIND] = "f..", [PKT_LISTEN] = "fn", [PKT_ACCEPT] = "f..",
    [PKT_CONNECT] = "f..", [PKT_WRITE] = "f.n", [PKT_SEND] = "f.nM", [PKT_READ] = "f.n",
    [PKT_RECV] = "f.nM", [PKT_CLOSE] = "f", [PKT_SHUTDOWN] = "fH", [PKT_SETSOCKOPT] = "fLOVn",
    [PKT_FCNTL] = "fCF",
};

/* Symbols and the argument class they belong to; values are Linux's. */
static const struct { const char *name; char cls; long long value; } symbols[] = {
    { "AF_INET", 'D', 2 }, { "SOCK_STREAM", 'T', 1 }, { "IPPROTO_TCP", 'P', PKT_IPPROTO_TCP },
    { "SHUT_RD", 'H', PKT_SHUT_RD }, { "SHUT_WR", 'H', PKT_SHUT_WR },
    { "SHUT_RDWR", 'H', PKT_SHUT_RDWR },
    { "SOL_SOCKET", 'L', PKT_SOL_SOCKET }, { "IPPROTO_TCP", 'L', PKT_IPPROTO_TCP },
    { "SO_REUSEADDR", 'O', PKT_SO_REUSEADDR }, { "SO_KEEPALIVE", 'O', PKT_SO_KEEPALIVE },
    { "SO_LINGER", 'O', PKT_SO_LINGER }, { "TCP_NODELAY", 'O', PKT_TCP_NODELAY },
    { "F_SETFL", 'C', PKT_F_SETFL }, { "O_RDWR", 'F', PKT_O_RDWR },
    { "O_NONBLOCK", 'F', PKT_O_NONBLOCK },
    { "MSG_DONTWAIT", 'M', PKT_MSG_DONTWAIT }, { "MSG_PEEK", 'M', PKT_MSG_PEEK },
    { "MSG_NOSIGNAL", 'M', PKT_MSG_NOSIGNAL },
};

static const char *class_names(char cls)
{
    switch (cls) {
    case 'D': return "... or AF_INET";
    case 'T': return "SOCK_STREAM";
    case 'P': return "IPPROTO_TCP or 0";
    case 'H': return "SHUT_RD, SHUT_WR or SHUT_RDWR";
    case 'L': return "SOL_SOCKET or IPPROTO_TCP";
    case 'O': return "SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER or TCP_NODELAY";
    case 'C': return "F_SETFL";
    case 'F': return "O_RDWR, O_NONBLOCK (joined with |)";
    case 'M': return "0 or MSG_DONTWAIT, MSG_PEEK, MSG_NOSIGNAL (joined with |)";
    default: return "?";
    }
}

static bool resolve_symbols(struct parser *p, struct pkt_arg *a, char cls)
{
    a->value = 0;
    for (size_t i = 0; i < a->symbol_count; i++) {
        size_t k = 0;
        while (k < sizeof symbols / sizeof symbols[0] &&
               !(symbols[k].cls == cls && strcmp(symbols[k].name, a->symbols[i]) == 0))
            k++;
        if (k == sizeof symbols / sizeof symbols[0])
            return fail(p, a->pos, "'%s', expected %s", a->symbols[i], class_names(cls));
        a->value |= symbols[k].value;
    }
    if (a->symbol_count > 1 && cls != 'F' && cls != 'M')
        return fail(p, a->pos, "symbols joined with '|', expected one of %s", class_names(cls));
    return true;
}

/* Does argument a fit the letter `code` of its call? Resolves symbols into a->value. */
static bool check_arg(struct parser *p, struct pkt_arg *a, char code)
{
    switch (code) {
    case '.':
        if (a->kind == PKT_ARG_ANY) return true;
        return fail(p, a->pos, "this argument, expected ... (buffers and addresses are the "
                               "script's; socket addresses are not supported)");
    case 'f': case 'n':
        if (a->kind == PKT_ARG_INT) return true;
        return fail(p, a->pos, "this argument, expected %s (an integer)",
                    code == 'f' ? "a file descriptor" : "a number");
    case 'V':
        if (a->kind == PKT_ARG_ARRAY || a->kind == PKT_ARG_LINGER) return true;
        return fail(p, a->pos, "this argument, expected an option value: [1] or "
                               "{onoff=1, linger=0}");
    case 'D':
        if (a->kind == PKT_ARG_ANY) return true;
        break;
    case 'P': case 'M':
        if (a->kind == PKT_ARG_INT && a->value == 0) return true;
        break;
    default:
        break;
    }
    if (a->kind != PKT_ARG_SYMBOLS) return fail(p, a->pos, "this argument, expected %s",
                                                class_names(code));
    return resolve_symbols(p, a, code);
}

static bool parse_linger(struct parser *p, struct pkt_arg *a)
{
    char buf[48];
    take(p);    /* '{' */
    a->kind = PKT_ARG_LINGER;
    if (!is_word(peek(p), "onoff"))
        return fail(p, peek(p)->pos, "%s, expected onoff=N: the one structure supported is a "
                                     "linger value (write ... for an address)", found(peek(p), buf));
    take(p);
    if (!expect_punct(p, '=', "after onoff") || !parse_signed(p, "the onoff value", &a->value) ||
        !expect_punct(p, ',', "after onoff=N"))
        return false;
    if (!is_word(peek(p), "linger"))
        return fail(p, peek(p)->pos, "%s, expected linger=N", found(peek(p), buf));
    take(p);
    return expect_punct(p, '=', "after linger") &&
           parse_signed(p, "the linger seconds", &a->linger_s) &&
           expect_punct(p, '}', "after the linger value");
}

static bool parse_arg(struct parser *p, struct pkt_arg *a)
{
    const struct token *t = peek(p);
    char buf[48];
    *a = (struct pkt_arg){ .pos = t->pos };
    if (t->kind == TOK_ELLIPSIS) {
        take(p);
        a->kind = PKT_ARG_ANY;
        return true;
    }
    if (t->kind == TOK_NUMBER || is_punct(t, '-')) {
        a->kind = PKT_ARG_INT;
        return parse_signed(p, "an argument", &a->value);
    }
    if (is_punct(t, '[')) {
        take(p);
        a->kind = PKT_ARG_ARRAY;
        return parse_signed(p, "the option value", &a->value) &&
               expect_punct(p, ']', "after the option value");
    }
    if (is_punct(t, '{')) return parse_linger(p, a);
    if (t->kind != TOK_WORD)
        return fail(p, t->pos, "%s, expected an argument: ..., a number, a symbol, [N] or "
                               "{onoff=N, linger=N}", found(t, buf));
    a->kind = PKT_ARG_SYMBOLS;
    for (;;) {
        t = peek(p);
        if (t->kind != TOK_WORD) return fail(p, t->pos, "%s, expected a symbol after '|'",
                                             found(t, buf));
        if (a->symbol_count == PKT_MAX_SYMBOLS || t->len >= sizeof a->symbols[0])
            return fail(p, t->pos, "%s, expected at most %d shorter symbols", found(t, buf),
                        PKT_MAX_SYMBOLS);
        snprintf(a->symbols[a->symbol_count++], sizeof a->symbols[0], "%.*s", (int)t->len, t->text);
        take(p);
        if (!is_punct(peek(p), '|')) return true;
        take(p);
    }
}

static bool parse_errno(struct parser *p, struct pkt_call *c)
{
    const struct token *t = peek(p);
    char name[32], buf[48];
    snprintf(name, sizeof name, "%.*s", (int)(t->len < 31 ? t->len : 31), t->text);
    for (int e = 1; e < 200 && t->len < 31; e++) {
        const char *n = errno_name(e);
        if (n && !is_digit(n[1]) && strcmp(n, name) == 0) {
            c->err = e;
            take(p);
            return true;
        }
    }
    return fail(p, t->pos, "%s, expected an errno name tcpsim knows (ECONNRESET, EPIPE, "
                           "EINPROGRESS, ...)", found(t, buf));
}

/* packetdrill's note after the errno, "(Connection reset by peer)": skipped. */
static bool skip_note(struct parser *p)
{
    struct pkt_pos open = peek(p)->pos;
    take(p);
    while (!is_punct(peek(p), ')')) {
        if (peek(p)->kind == TOK_END)
            return fail(p, open, "this note is never closed, expected ')'");
        take(p);
    }
    take(p);
    return true;
}

static bool parse_result(struct parser *p, struct pkt_call *c)
{
    if (!expect_punct(p, '=', "and the result after the call")) return false;
    c->ret_pos = peek(p)->pos;
    if (!parse_signed(p, "the result", &c->ret)) return false;
    const struct token *t = peek(p);
    if (t->kind == TOK_WORD && t->len > 1 && t->text[0] == 'E' && !parse_errno(p, c))
        return false;
    if (c->ret < 0 && c->err == 0)
        return fail(p, c->ret_pos, "a negative result without an errno, expected '-1 ENAME' "
                                   "(tcpsim checks errno)");
    if (c->err && c->ret != -1)
        return fail(p, c->ret_pos, "an errno after %lld, expected -1 before an errno", c->ret);
    return is_punct(peek(p), '(') ? skip_note(p) : true;
}

static bool parse_call(struct parser *p, struct pkt_event *ev)
{
    struct pkt_call *c = &ev->u.call;
    const struct token *t = peek(p);
    size_t k = 0;
    while (k < PKT_CALL_KIND_COUNT && !is_word(t, call_names[k])) k++;
    if (k == PKT_CALL_KIND_COUNT)
        return fail(p, t->pos, "'%.*s', expected a socket call tcpsim supports: socket, bind, "
                               "listen, accept, connect, write, send, read, recv, close, shutdown, "
                               "setsockopt, fcntl", (int)(t->len < 32 ? t->len : 32), t->text);
    c->kind = (enum pkt_call_kind)k;
    take(p);
    if (!expect_punct(p, '(', "after the call's name")) return false;
    while (!is_punct(peek(p), ')')) {
        if (c->argc == PKT_MAX_ARGS)
            return fail(p, peek(p)->pos, "a 7th argument, expected at most %d", PKT_MAX_ARGS);
        if (c->argc && !expect_punct(p, ',', "or ')' between arguments")) return false;
        if (!parse_arg(p, &c->args[c->argc++])) return false;
    }
    struct pkt_pos close = peek(p)->pos;
    take(p);
    const char *spec = call_args[c->kind];
    if (c->argc != strlen(spec))
        return fail(p, close, "%zu arguments, expected %zu for %s()", c->argc, strlen(spec),
                    call_names[c->kind]);
    for (size_t i = 0; i < c->argc; i++)
        if (!check_arg(p, &c->args[i], spec[i])) return false;
    bool io = c->kind == PKT_WRITE || c->kind == PKT_SEND || c->kind == PKT_READ ||
              c->kind == PKT_RECV;
    if (io && (c->args[2].value < 0 || c->args[2].value > PKT_MAX_IO_BYTES))
        return fail(p, c->args[2].pos, "%lld, expected a byte count from 0 to %d",
                    c->args[2].value, PKT_MAX_IO_BYTES);
    return parse_result(p, c);
}

/* ---- events ---- */

static bool add_event(struct parser *p, const struct pkt_event *ev)
{
    struct pkt_script *s = p->s;
    if (s->event_count == p->event_cap) {
        size_t cap = p->event_cap ? 2 * p->event_cap : 32;
        struct pkt_event *e = realloc(s->events, cap * sizeof *e);
        if (!e) return fail(p, ev->pos, "out of memory, expected a smaller script");
        s->events = e;
        p->event_cap = cap;
    }
    s->events[s->event_count++] = *ev;
    return true;
}

static bool parse_time_column(struct parser *p, struct pkt_event *ev)
{
    const struct token *t = peek(p);
    ev->pos = t->pos;
    if (is_punct(t, '*')) {
        take(p);
        ev->time_kind = PKT_TIME_ANY;
        return true;
    }
    ev->time_kind = PKT_TIME_ABSOLUTE;
    if (is_punct(t, '+')) {
        take(p);
        ev->time_kind = PKT_TIME_RELATIVE;
    }
    if (!parse_time(p, &ev->t_us)) return false;
    if (is_punct(peek(p), '~'))
        return fail(p, peek(p)->pos, "a time range '~', expected one exact time (virtual time "
                                     "is exact; see docs/packetdrill.md)");
    return true;
}

/* Outside the events' own grammar: packetdrill's rules on times. */
static bool check_event_times(struct parser *p, const struct pkt_event *ev)
{
    if (p->s->event_count == 0 && !(ev->time_kind == PKT_TIME_ABSOLUTE && ev->t_us == 0) &&
        !(ev->time_kind == PKT_TIME_RELATIVE && ev->t_us == 0))
        return fail(p, ev->pos, "the first event, expected it at time 0");
    if (ev->time_kind == PKT_TIME_ANY && ev->kind != PKT_OUTBOUND)
        return fail(p, ev->pos, "'*', expected a time: only outbound segments may come at any "
                                "time");
    if (ev->kind != PKT_SHELL && ev->time_kind != PKT_TIME_ANY) {
        int64_t start = ev->time_kind == PKT_TIME_ABSOLUTE ? ev->t_us : p->start_us + ev->t_us;
        if (ev->time_kind == PKT_TIME_ABSOLUTE && p->start_known && start < p->start_us)
            return fail(p, ev->pos, "time %lld.%06lld s, expected at least %lld.%06lld s (the "
                                    "previous event's time: times must not go backwards)",
                        (long long)(start / 1000000), (long long)(start % 1000000),
                        (long long)(p->start_us / 1000000), (long long)(p->start_us % 1000000));
        if (ev->time_kind == PKT_TIME_ABSOLUTE || p->start_known) {
            p->start_known = true;
            p->start_us = start;
        }
    } else if (ev->time_kind == PKT_TIME_ANY) {
        p->start_known = false;
    }
    if (ev->kind == PKT_CALL && ev->u.call.blocking) {
        int64_t end = ev->u.call.end_us;
        if (end < ev->t_us)
            return fail(p, ev->pos, "a blocking call that ends before it starts, expected "
                                    "start...end with end >= start");
    }
    return true;
}

static bool parse_event(struct parser *p)
{
    struct pkt_event ev = { 0 };
    char buf[48];
    if (!parse_time_column(p, &ev)) return false;
    const struct token *t = peek(p);
    if (t->kind == TOK_ELLIPSIS) {
        take(p);
        ev.kind = PKT_CALL;
        ev.u.call.blocking = true;
        ev.end_relative = ev.time_kind == PKT_TIME_RELATIVE;
        if (!parse_time(p, &ev.u.call.end_us)) return false;
        if (peek(p)->kind != TOK_WORD)
            return fail(p, peek(p)->pos, "%s, expected a socket call after start...end",
                        found(peek(p), buf));
        if (!parse_call(p, &ev)) return false;
    } else if (is_punct(t, '<') || is_punct(t, '>')) {
        ev.kind = is_punct(t, '<') ? PKT_INBOUND : PKT_OUTBOUND;
        take(p);
        if (!parse_segment(p, &ev)) return false;
    } else if (t->kind == TOK_SHELL) {
        ev.kind = PKT_SHELL;
        take(p);
        if (!(ev.u.shell = strndup(t->text, t->len)))
            return fail(p, t->pos, "out of memory, expected a smaller script");
    } else if (t->kind == TOK_WORD) {
        ev.kind = PKT_CALL;
        if (!parse_call(p, &ev)) return false;
    } else {
        return fail(p, t->pos, "%s, expected '<' (inbound segment), '>' (outbound segment), a "
                               "socket call or a `shell command` after the time", found(t, buf));
    }
    if (!check_event_times(p, &ev) || !add_event(p, &ev)) {
        if (ev.kind == PKT_SHELL) free(ev.u.shell);
        return false;
    }
    return true;
}

static bool parse_script(struct parser *p)
{
    if (!lex(p)) return false;
    while (peek(p)->kind == TOK_OPTION && p->s->event_count == 0) {
        take(p);
        p->s->option_lines++;
    }
    while (peek(p)->kind != TOK_END) {
        const struct token *t = peek(p);
        char buf[48];
        /* packetdrill allows a shell command before the first event with no time */
        if (t->kind == TOK_SHELL && p->s->event_count == 0) {
            struct pkt_event ev = { .kind = PKT_SHELL, .pos = t->pos };
            take(p);
            if (!(ev.u.shell = strndup(t->text, t->len)))
                return fail(p, t->pos, "out of memory, expected a smaller script");
            if (!add_event(p, &ev)) {
                free(ev.u.shell);
                return false;
            }
            continue;
        }
        if (t->kind == TOK_OPTION)
            return fail(p, t->pos, "%s, expected options (--name=value) only before the first "
                                   "event", found(t, buf));
        if (!parse_event(p)) return false;
    }
    for (size_t i = 0; i < p->s->event_count; i++)
        if (p->s->events[i].kind != PKT_SHELL) return true;
    return fail(p, peek(p)->pos, "no events, expected at least one timed event (0 socket(...) = 3)");
}

/* ---- entry points ---- */

static char *id_of(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".pkt") == 0) len -= 4;
    return strndup(base, len);
}

struct pkt_script *pkt_parse(const char *file, const char *text, size_t len, char *err,
                             size_t err_size)
{
    if (err && err_size) err[0] = '\0';
    file = file ? file : "<input>";
    struct pkt_script *s = calloc(1, sizeof *s);
    struct parser p = { .file = file, .text = text ? text : "", .len = text ? len : 0, .s = s,
                        .start_known = true,
                        .err = err, .err_size = err_size };
    if (!s || !(s->file = strdup(file)) || !(s->id = id_of(file))) {
        fail(&p, (struct pkt_pos){ 1, 1 }, "out of memory, expected a smaller script");
        pkt_script_free(s);
        return NULL;
    }
    bool ok = parse_script(&p);
    free(p.toks);
    if (ok) return s;
    pkt_script_free(s);
    return NULL;
}

struct pkt_script *pkt_load(const char *path, char *err, size_t err_size)
{
    size_t len;
    char *buf = infile_read(path, PKT_FILE_MAX_BYTES, "script", &len, err, err_size);
    if (!buf) return NULL;
    struct pkt_script *s = pkt_parse(path, buf, len, err, err_size);
    free(buf);
    return s;
}

void pkt_script_free(struct pkt_script *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->event_count; i++)
        if (s->events[i].kind == PKT_SHELL) free(s->events[i].u.shell);
    free(s->events);
    free(s->file);
    free(s->id);
    free(s);
}
