/* scenario_parse — reads the scenario language (docs/scenario-format.md) into a struct scenario.
 *
 * Design: a hand-written reader, one line at a time. Each line is first checked as bytes
 * (length, UTF-8, control characters), then split into words (quoted strings unescaped into a
 * per-line buffer, every word remembering its column), then handed to one small function per
 * statement. Nothing recurses: `repeat` nesting is an explicit, bounded stack, so no input can
 * exhaust the C stack. The first error wins: it is formatted once into the caller's buffer and
 * every function returns false up the chain. The half-built scenario owns everything allocated
 * so far (its arrays are zeroed as they grow), so the error path is one scenario_free.
 * There is no global state; all of it lives in `struct parser`.
 *
 * Layout of `repeat`: a process's steps are stored flat, in file order. A REPEAT step at index
 * r has body = r + 1 and body_len = the number of steps written between it and its `end`,
 * nested repeats and their bodies included; the step after the loop is at body + body_len.
 *
 * Names are resolved as they are read: a host must be declared before a process, event or
 * expectation names it; a process before an event or expectation names it (`count n` copies
 * are name1..nameN, and no two names on one host may coincide); an fd name before a step
 * uses it (`socket x` and `accept l x` define x; defining a name again reuses it, as a loop
 * that opens a new connection every turn does). Metadata comes first, as the spec says.
 *
 * Bounds beyond the spec's (so that scenario_run never meets an absurd number): times at most
 * 24 hours (link delays at most LINK_RULE_MAX_DELAY_US), process copies 1..10000, repeat
 * 1..1000000 times nested at most 16 deep, send/recv sizes and results up to 16 MiB, listen
 * backlog 0..4096, fdlimit 0..65536, linger 0..3600 s, exit status 0..255, packet counts
 * (drop nth/count, expect count) up to 1e9, ratio denominators 1..1e9, segment len 0..65535,
 * received bytes up to 2^40. Columns count bytes from 1. */
#include "scenario.h"

#include "infile.h"

#include "proc.h"
#include "world.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_MAX_BYTES ((size_t)1 << 20)
#define LINE_MAX_BYTES 4096
#define MAX_WORDS (LINE_MAX_BYTES / 2 + 1)     /* a word is >= 1 byte plus a separator */
#define US_PER_MS UINT64_C(1000)
#define US_PER_S UINT64_C(1000000)
#define TIME_MAX_US (UINT64_C(24) * 3600 * US_PER_S)
#define COPIES_MAX 10000
#define REPEAT_MAX 1000000
#define REPEAT_DEPTH_MAX 16
#define BYTES_MAX (UINT64_C(16) << 20)
#define BACKLOG_MAX 4096
#define FDLIMIT_MAX 65536
#define LINGER_MAX_S 3600
#define EXIT_STATUS_MAX 255
#define PACKETS_MAX UINT64_C(1000000000)
#define DENOMINATOR_MAX UINT64_C(1000000000)
#define SEGMENT_LEN_MAX 65535
#define RECEIVED_MAX (UINT64_C(1) << 40)
#define SHOW_MAX 60                             /* bytes of a word quoted in an error */
#define DEFAULT_BACKLOG 8
#define DEFAULT_GRACE_US (5 * US_PER_S)

#define TIME_WHAT "a time like 250ms (us, ms, s, min or h; at most 24 hours)"
#define DELAY_WHAT "a time like 20ms (us, ms, s, min or h; at most 1 hour)"

/* One word of the current line. */
struct word {
    const char *v;      /* the word as meant: unescaped, NUL-terminated */
    size_t off, len;    /* where it is in the line as written (quotes included) */
    bool quoted;
};

/* The statements of the top level, in the order of stmt_names. Metadata first. */
enum stmt {
    ST_ID, ST_TITLE, ST_SUMMARY, ST_LINUX, ST_WINDOWS, ST_DIFFERS, ST_OUTCOME, ST_EXPLAIN,
    ST_SEED, ST_LINK, ST_HOST, ST_PROCESS, ST_AT, ST_EXPECT, ST_END, ST_COUNT
};
#define META_COUNT (ST_EXPLAIN + 1)

static const char *const stmt_names[ST_COUNT] = {
    "id", "title", "summary", "linux", "windows", "differs", "outcome", "explain",
    "seed", "link", "host", "process", "at", "expect", "end",
};
#define STATEMENT_LIST \
    "id title summary linux windows differs outcome explain seed link host process at expect"

static const char *const step_names[STEP_KIND_COUNT] = {
    [STEP_SOCKET] = "socket", [STEP_BIND] = "bind", [STEP_LISTEN] = "listen",
    [STEP_ACCEPT] = "accept", [STEP_CONNECT] = "connect", [STEP_SEND] = "send",
    [STEP_RECV] = "recv", [STEP_SHUTDOWN] = "shutdown", [STEP_CLOSE] = "close",
    [STEP_SETSOCKOPT] = "setsockopt", [STEP_NONBLOCK] = "nonblock", [STEP_SIGNAL] = "signal",
    [STEP_FDLIMIT] = "fdlimit", [STEP_SLEEP] = "sleep", [STEP_EXIT] = "exit",
    [STEP_REPEAT] = "repeat", [STEP_POLL] = "poll", [STEP_GETSOCKOPT] = "getsockopt",
};
const char *scenario_step_name(enum step_kind k)
{
    return k < STEP_KIND_COUNT ? step_names[k] : "?";
}

#define STEP_LIST "socket bind listen accept connect send recv shutdown close setsockopt " \
                  "nonblock signal fdlimit sleep exit repeat poll getsockopt end"

struct parser {
    struct scenario *s;
    char *err;
    size_t err_size;
    bool failed;
    /* the current line */
    const char *line;
    size_t line_len;
    int lineno;
    struct word words[MAX_WORDS];
    size_t nwords, next;
    char text[2 * LINE_MAX_BYTES + 2];  /* the words' unescaped bytes, each NUL-terminated */
    /* what has been seen: the line of each metadata key, of seed, of link (0: not yet) */
    int meta_line[META_COUNT];
    int body_line;                      /* the first statement after the metadata */
    int seed_line, link_line;
    /* capacities of the scenario's growing arrays (the open process's for steps and fds) */
    size_t procs_cap, events_cap, expects_cap, steps_cap, fds_cap;
    /* the open process block and the repeats open inside it (step indices) */
    bool in_proc;
    size_t proc;
    size_t repeats[REPEAT_DEPTH_MAX];
    size_t depth;
    uint64_t last_at_us;
};

/* ---- bytes ---- */

/* Length of the UTF-8 sequence at s (1..4), 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;     /* the range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;           /* overlong */
        if (c == 0xed) hi = 0x9f;           /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;           /* overlong */
        if (c == 0xf4) hi = 0x8f;           /* beyond U+10FFFF */
    } else
        return 0;
    if (avail < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* A word as it may appear in a message: control bytes and invalid UTF-8 escaped, long words
 * cut at a character boundary. Returned by value so two can sit in one printf. */
struct shown { char s[SHOW_MAX + 8]; };

static struct shown show(const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    struct shown out;
    size_t n = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t adv = c < 0x20 || c == 0x7f ? 0 : utf8_len((const unsigned char *)s + i, len - i);
        size_t need = adv ? adv : 4;
        if (n + need > SHOW_MAX) {
            memcpy(out.s + n, "...", 3);
            n += 3;
            break;
        }
        if (adv) {
            memcpy(out.s + n, s + i, adv);
            n += adv;
            i += adv;
        } else {
            out.s[n++] = '\\';
            out.s[n++] = 'x';
            out.s[n++] = hex[c >> 4];
            out.s[n++] = hex[c & 15];
            i++;
        }
    }
    out.s[n] = '\0';
    return out;
}

/* The one character at s (of at most len bytes), as show() writes it. */
static struct shown show_char(const char *s, size_t len)
{
    size_t n = len ? utf8_len((const unsigned char *)s, len) : 0;
    return show(s, n ? n : len ? 1 : 0);
}

/* A time as short as it can be said: "0", "250ms", "2s", "3min". */
struct time_text { char s[32]; };

static struct time_text time_str(uint64_t us)
{
    struct time_text t;
    if (us == 0) snprintf(t.s, sizeof t.s, "0");
    else if (us % (60 * US_PER_S) == 0)
        snprintf(t.s, sizeof t.s, "%llumin", (unsigned long long)(us / (60 * US_PER_S)));
    else if (us % US_PER_S == 0)
        snprintf(t.s, sizeof t.s, "%llus", (unsigned long long)(us / US_PER_S));
    else if (us % US_PER_MS == 0)
        snprintf(t.s, sizeof t.s, "%llums", (unsigned long long)(us / US_PER_MS));
    else
        snprintf(t.s, sizeof t.s, "%lluus", (unsigned long long)us);
    return t;
}

/* ---- errors ---- */

__attribute__((format(printf, 4, 0)))
static bool vfail(struct parser *p, int line, int col, const char *fmt, va_list ap)
{
    if (p->failed) return false;        /* the first error is the one reported */
    p->failed = true;
    if (!p->err || p->err_size == 0) return false;
    int n = snprintf(p->err, p->err_size, "%s:%d:%d: error: ", p->s->file, line, col);
    if (n >= 0 && (size_t)n < p->err_size) vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
    return false;
}

__attribute__((format(printf, 4, 5)))
static bool fail_pos(struct parser *p, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, line, col, fmt, ap);
    va_end(ap);
    return false;
}

/* An error at byte offset `off` of the current line. */
__attribute__((format(printf, 3, 4)))
static bool fail_at(struct parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, p->lineno, (int)off + 1, fmt, ap);
    va_end(ap);
    return false;
}

__attribute__((format(printf, 3, 4)))
static bool fail_word(struct parser *p, const struct word *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, p->lineno, (int)w->off + 1, fmt, ap);
    va_end(ap);
    return false;
}

static bool out_of_memory(struct parser *p)
{
    return fail_at(p, 0, "out of memory reading this line, expected a smaller scenario");
}

static const char *raw(const struct parser *p, const struct word *w) { return p->line + w->off; }
static struct shown show_word(const struct parser *p, const struct word *w)
{
    return show(raw(p, w), w->len);
}

static struct src_pos pos_of(const struct parser *p, const struct word *w)
{
    return (struct src_pos){ .file = p->s->file, .line = p->lineno, .col = (int)w->off + 1 };
}

/* ---- memory ---- */

/* arr grown to hold count + 1 elements (new room zeroed); NULL when out of memory, arr intact. */
static void *grow(void *arr, size_t count, size_t *cap, size_t elem)
{
    if (count < *cap) return arr;
    size_t ncap = *cap ? 2 * *cap : 8;
    if (ncap > SIZE_MAX / elem) return NULL;
    char *a = realloc(arr, ncap * elem);
    if (!a) return NULL;
    memset(a + *cap * elem, 0, (ncap - *cap) * elem);
    *cap = ncap;
    return a;
}

static char *dup_bytes(struct parser *p, const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d) {
        out_of_memory(p);
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* ---- lines and words ---- */

static bool check_line_bytes(struct parser *p)
{
    if (p->line_len > LINE_MAX_BYTES)
        return fail_at(p, LINE_MAX_BYTES, "line of %zu bytes, expected at most %d bytes per line",
                       p->line_len, LINE_MAX_BYTES);
    for (size_t i = 0; i < p->line_len;) {
        unsigned char c = (unsigned char)p->line[i];
        if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return fail_at(p, i, "control character \\x%02x, expected text (words separated by "
                                 "spaces or tabs)", c);
        size_t n = utf8_len((const unsigned char *)p->line + i, p->line_len - i);
        if (!n)
            return fail_at(p, i, "byte \\x%02x that is not UTF-8, expected UTF-8 or ASCII text", c);
        i += n;
    }
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static bool unterminated(struct parser *p, const struct word *w)
{
    return fail_word(p, w, "unterminated string, expected a closing '\"' on the same line");
}

/* A quoted word from line[*i] (the opening quote); unescaped into p->text at *t. */
static bool read_quoted(struct parser *p, struct word *w, size_t *i, size_t *t)
{
    const char *l = p->line;
    size_t n = p->line_len, k = *i + 1;
    for (;;) {
        if (k >= n) return unterminated(p, w);
        char c = l[k];
        if (c == '"') break;
        if (c == '\\') {
            if (k + 1 >= n) return unterminated(p, w);
            char e = l[k + 1];
            c = e == '"' ? '"' : e == '\\' ? '\\' : e == 'n' ? '\n' : e == 't' ? '\t'
                : e == 'r' ? '\r' : 0;
            if (!c)
                return fail_at(p, k, "unknown escape '\\%s' in a string, expected \\\" \\\\ \\n "
                                     "\\r or \\t", show_char(l + k + 1, n - k - 1).s);
            k++;
        }
        p->text[(*t)++] = c;
        k++;
    }
    k++;    /* past the closing quote */
    if (k < n && !is_space(l[k]) && l[k] != '#')
        return fail_at(p, k, "'%s' right after a closing quote, expected a space",
                       show_char(l + k, n - k).s);
    *i = k;
    w->quoted = true;
    return true;
}

static bool read_plain(struct parser *p, size_t *i, size_t *t)
{
    const char *l = p->line;
    size_t k = *i;
    while (k < p->line_len && !is_space(l[k]) && l[k] != '#') {
        if (l[k] == '"')
            return fail_at(p, k, "'\"' inside the word '%s', expected a space before a string",
                           show(l + *i, k + 1 - *i).s);
        p->text[(*t)++] = l[k++];
    }
    *i = k;
    return true;
}

static bool split_words(struct parser *p)
{
    size_t i = 0, t = 0;
    p->nwords = p->next = 0;
    while (i < p->line_len) {
        char c = p->line[i];
        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '#') break;
        if (p->nwords == MAX_WORDS)
            return fail_at(p, i, "too many words, expected at most %d", MAX_WORDS);
        struct word *w = &p->words[p->nwords++];
        *w = (struct word){ .v = p->text + t, .off = i };
        if (!(c == '"' ? read_quoted(p, w, &i, &t) : read_plain(p, &i, &t))) return false;
        w->len = i - w->off;
        p->text[t++] = '\0';
    }
    return true;
}

/* ---- taking words ---- */

static const struct word *peek(const struct parser *p)
{
    return p->next < p->nwords ? &p->words[p->next] : NULL;
}

/* Where a missing word would have been: just after the last word. */
static size_t eol_off(const struct parser *p)
{
    if (p->nwords == 0) return 0;
    const struct word *last = &p->words[p->nwords - 1];
    return last->off + last->len;
}

static const struct word *take(struct parser *p, const char *what)
{
    const struct word *w = peek(p);
    if (!w) {
        fail_at(p, eol_off(p), "end of line, expected %s", what);
        return NULL;
    }
    p->next++;
    return w;
}

static bool is_kw(const struct word *w, const char *kw)
{
    return !w->quoted && strcmp(w->v, kw) == 0;
}

static bool is_arrow(const struct word *w) { return is_kw(w, "->"); }

/* Another argument of the statement: a word that is not the "->" of a result. */
static bool more_args(const struct parser *p)
{
    const struct word *w = peek(p);
    return w && !is_arrow(w);
}

static bool end_of_line(struct parser *p, const char *what)
{
    const struct word *w = peek(p);
    if (w) return fail_word(p, w, "unexpected '%s', expected %s", show_word(p, w).s, what);
    return true;
}

static int lookup(const char *const *names, size_t n, const struct word *w)
{
    if (w->quoted) return -1;
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], w->v) == 0) return (int)i;
    return -1;
}

/* The index of the next word in names, or -1 after an error naming `what`. */
static int take_choice(struct parser *p, const char *const *names, size_t n, const char *what)
{
    const struct word *w = take(p, what);
    if (!w) return -1;
    int k = lookup(names, n, w);
    if (k < 0) fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    return k;
}

static bool take_keyword(struct parser *p, const char *kw)
{
    char what[32];
    snprintf(what, sizeof what, "'%s'", kw);
    const struct word *w = take(p, what);
    if (!w) return false;
    if (!is_kw(w, kw)) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    return true;
}

static bool given_twice(struct parser *p, const struct word *w, const char *option)
{
    return fail_word(p, w, "'%s' given twice, expected each option once", option);
}

static bool take_on_off(struct parser *p, bool *on)
{
    static const char *const names[] = { "off", "on" };
    int k = take_choice(p, names, 2, "on or off");
    if (k < 0) return false;
    *on = k == 1;
    return true;
}

/* ---- numbers, times, rates ---- */

enum num_status { NUM_OK, NUM_SYNTAX, NUM_NEGATIVE, NUM_OVERFLOW, NUM_STATUS_COUNT };

/* The leading decimal digits of s (at least one); *used = how many bytes they take. */
static enum num_status scan_digits(const char *s, size_t len, uint64_t *out, size_t *used)
{
    size_t i = 0;
    uint64_t v = 0;
    bool overflow = false;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned)(s[i++] - '0');
        if (v > (UINT64_MAX - d) / 10) overflow = true;
        else v = v * 10 + d;
    }
    *used = i;
    *out = v;
    if (i == 0)
        return len > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9' ? NUM_NEGATIVE : NUM_SYNTAX;
    return overflow ? NUM_OVERFLOW : NUM_OK;
}

static bool number_error(struct parser *p, size_t off, const char *s, size_t len,
                         enum num_status st, const char *noun, const char *what)
{
    switch (st) {
    case NUM_SYNTAX:
        return fail_at(p, off, "'%s' is not %s, expected %s", show(s, len).s, noun, what);
    case NUM_NEGATIVE:
        return fail_at(p, off, "'%s' is negative, expected %s", show(s, len).s, what);
    case NUM_OVERFLOW:
        return fail_at(p, off, "'%s' is too large (overflow), expected %s", show(s, len).s, what);
    case NUM_OK:
    case NUM_STATUS_COUNT: break;
    }
    return false;
}

/* A whole number min..max written at `off` as s[0..len). */
static bool number_in(struct parser *p, size_t off, const char *s, size_t len, uint64_t min,
                      uint64_t max, const char *what, uint64_t *out)
{
    uint64_t v;
    size_t used;
    enum num_status st = scan_digits(s, len, &v, &used);
    if (st == NUM_OK && used != len) st = NUM_SYNTAX;
    if (st != NUM_OK) return number_error(p, off, s, len, st, "a number", what);
    if (v < min || v > max)
        return fail_at(p, off, "'%s' is out of range, expected %s", show(s, len).s, what);
    *out = v;
    return true;
}

static bool take_u64(struct parser *p, uint64_t min, uint64_t max, const char *what, uint64_t *out)
{
    const struct word *w = take(p, what);
    return w && number_in(p, w->off, raw(p, w), w->len, min, max, what, out);
}

static bool take_long(struct parser *p, uint64_t min, uint64_t max, const char *what, long *out)
{
    uint64_t v;
    if (!take_u64(p, min, max, what, &v)) return false;
    *out = (long)v;     /* every max given is far below LONG_MAX */
    return true;
}

static const struct { const char *name; uint64_t us; } time_units[] = {
    { "us", 1 }, { "ms", US_PER_MS }, { "s", US_PER_S }, { "min", 60 * US_PER_S },
    { "h", 3600 * US_PER_S },
};

static bool unit_is(const char *s, size_t len, const char *unit)
{
    return strlen(unit) == len && memcmp(s, unit, len) == 0;
}

static bool time_in(struct parser *p, size_t off, const char *s, size_t len, uint64_t max,
                    const char *what, uint64_t *out)
{
    uint64_t v;
    size_t used;
    enum num_status st = scan_digits(s, len, &v, &used);
    if (st != NUM_OK) return number_error(p, off, s, len, st, "a time", what);
    if (used == len) {
        if (v != 0) return fail_at(p, off, "'%s' has no unit, expected %s", show(s, len).s, what);
        *out = 0;
        return true;
    }
    for (size_t i = 0; i < sizeof time_units / sizeof time_units[0]; i++) {
        if (!unit_is(s + used, len - used, time_units[i].name)) continue;
        if (v > UINT64_MAX / time_units[i].us)
            return number_error(p, off, s, len, NUM_OVERFLOW, "a time", what);
        if (v * time_units[i].us > max)
            return fail_at(p, off, "'%s' is out of range, expected %s", show(s, len).s, what);
        *out = v * time_units[i].us;
        return true;
    }
    return fail_at(p, off + used, "unknown time unit '%s' in '%s', expected us, ms, s, min or h",
                   show(s + used, len - used).s, show(s, len).s);
}

static bool take_time(struct parser *p, uint64_t max, const char *what, uint64_t *out)
{
    const struct word *w = take(p, what);
    return w && time_in(p, w->off, raw(p, w), w->len, max, what, out);
}

static bool take_rate(struct parser *p, uint64_t *bps)
{
    static const struct { const char *name; uint64_t bps; } units[] = {
        { "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
    };
    const char *what = "a rate like 100mbit (bit, kbit, mbit or gbit per second) or unlimited";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (is_kw(w, "unlimited")) {
        *bps = 0;
        return true;
    }
    const char *s = raw(p, w);
    uint64_t v;
    size_t used;
    enum num_status st = scan_digits(s, w->len, &v, &used);
    if (st != NUM_OK) return number_error(p, w->off, s, w->len, st, "a rate", what);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!unit_is(s + used, w->len - used, units[i].name)) continue;
        if (v > UINT64_MAX / units[i].bps)
            return number_error(p, w->off, s, w->len, NUM_OVERFLOW, "a rate", what);
        if (v == 0) return fail_word(p, w, "'%s' is zero, expected %s", show_word(p, w).s, what);
        *bps = v * units[i].bps;
        return true;
    }
    if (used == w->len)
        return fail_word(p, w, "'%s' has no unit, expected %s", show_word(p, w).s, what);
    return fail_at(p, w->off + used, "unknown rate unit '%s' in '%s', expected bit, kbit, mbit or "
                   "gbit", show(s + used, w->len - used).s, show_word(p, w).s);
}

/* A probability num/den: den 1..1e9, num <= den. */
static bool take_ratio(struct parser *p, uint64_t *num, uint64_t *den)
{
    const char *what = "a probability n/d like 1/10 (d 1..1000000000, n <= d)";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    const char *slash = memchr(s, '/', w->len);
    if (!slash) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    size_t nl = (size_t)(slash - s);
    if (!number_in(p, w->off, s, nl, 0, UINT64_MAX, what, num) ||
        !number_in(p, w->off + nl + 1, slash + 1, w->len - nl - 1, 0, DENOMINATOR_MAX, what, den))
        return false;
    if (*den == 0)
        return fail_word(p, w, "'%s' divides by zero, expected %s", show_word(p, w).s, what);
    if (*num > *den)
        return fail_word(p, w, "'%s' is more than 1, expected %s", show_word(p, w).s, what);
    return true;
}

/* ---- names, hosts, processes, fds ---- */

static bool valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= SCENARIO_NAME_MAX || s[0] < 'a' || s[0] > 'z') return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

static bool name_error(struct parser *p, size_t off, const char *s, size_t len, const char *kind)
{
    return fail_at(p, off, "'%s' is not a valid %s name, expected [a-z][a-z0-9_-]*, at most %d "
                           "characters", show(s, len).s, kind, SCENARIO_NAME_MAX - 1);
}

static bool take_name(struct parser *p, const char *kind, char out[SCENARIO_NAME_MAX])
{
    char what[48];
    snprintf(what, sizeof what, "a %s name", kind);
    const struct word *w = take(p, what);
    if (!w) return false;
    if (!valid_name(raw(p, w), w->len)) return name_error(p, w->off, raw(p, w), w->len, kind);
    memcpy(out, w->v, w->len + 1);
    return true;
}

static int find_host(const struct scenario *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->host_count; i++)
        if (strlen(s->hosts[i].name) == len && memcmp(s->hosts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static bool host_at(struct parser *p, size_t off, const char *s, size_t len, int *host)
{
    *host = find_host(p->s, s, len);
    if (*host < 0)
        return fail_at(p, off, "unknown host '%s', expected a host declared earlier with 'host'",
                       show(s, len).s);
    return true;
}

static bool take_host(struct parser *p, int *host)
{
    const struct word *w = take(p, "a host name");
    return w && host_at(p, w->off, raw(p, w), w->len, host);
}

/* Whether s[0..len) is a decimal number min..max without a leading zero. */
static bool digits_in(const char *s, size_t len, uint64_t min, uint64_t max)
{
    if (len == 0 || len > 10 || s[0] == '0') return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v >= min && v <= max;
}

/* Whether name is one of the names of a process declared as base with count copies. */
static bool is_copy_name(const char *base, unsigned count, const char *name, size_t len)
{
    size_t n = strlen(base);
    if (count <= 1) return n == len && memcmp(base, name, len) == 0;
    return len > n && memcmp(base, name, n) == 0 && digits_in(name + n, len - n, 1, count);
}

/* Whether two process declarations give some copy the same name: base a with copies a1..aN,
 * base b = a + "s" with copies b1..bM; a's copy number "s1" is the smallest that can clash. */
static bool names_clash(const char *a, unsigned ca, const char *b, unsigned cb)
{
    if (ca <= 1) return is_copy_name(b, cb, a, strlen(a));
    if (cb <= 1) return is_copy_name(a, ca, b, strlen(b));
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb) return strcmp(a, b) == 0;
    if (la > lb) {
        const char *t = a;
        a = b;
        b = t;
        unsigned tc = ca;
        ca = cb;
        cb = tc;
        size_t tl = la;
        la = lb;
        lb = tl;
    }
    return memcmp(a, b, la) == 0 && digits_in(b + la, lb - la, 1, (ca - 1) / 10);
}

static int find_proc(const struct scenario *s, int host, const char *name, size_t len)
{
    for (size_t i = 0; i < s->proc_count; i++) {
        const struct scenario_process *pr = &s->procs[i];
        if (pr->host == host && is_copy_name(pr->name, pr->count, name, len)) return (int)i;
    }
    return -1;
}

/* "<host>/<proc>": a declared process (or one of its copies) on a declared host. */
static bool take_proc_ref(struct parser *p, int *host, int *proc, char name[SCENARIO_NAME_MAX])
{
    const char *what = "a process as <host>/<process>";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    const char *slash = memchr(s, '/', w->len);
    if (!slash) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    size_t hl = (size_t)(slash - s), pl = w->len - hl - 1;
    if (!host_at(p, w->off, s, hl, host)) return false;
    if (!valid_name(slash + 1, pl)) return name_error(p, w->off + hl + 1, slash + 1, pl, "process");
    *proc = find_proc(p->s, *host, slash + 1, pl);
    if (*proc < 0)
        return fail_at(p, w->off + hl + 1, "process '%s' is not declared on host '%s', expected a "
                       "process declared earlier with 'process %s on %s'", show(slash + 1, pl).s,
                       p->s->hosts[*host].name, show(slash + 1, pl).s, p->s->hosts[*host].name);
    memcpy(name, slash + 1, pl);
    name[pl] = '\0';
    return true;
}

/* "<a>><b>", or "<a><><b>" where both directions are allowed. */
static bool take_direction(struct parser *p, bool allow_both, int *from, int *to, bool *both)
{
    const char *what = allow_both ? "a direction like client>server or client<>server"
                                  : "a direction like client>server";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    const char *gt = memchr(s, '>', w->len);
    if (!gt || gt == s) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    *both = gt[-1] == '<';
    size_t al = (size_t)(gt - s) - (*both ? 1 : 0), bo = (size_t)(gt - s) + 1;
    if (*both && !allow_both)
        return fail_word(p, w, "'%s' goes both ways, expected one direction like client>server "
                               "('<>' is for link rules only)", show_word(p, w).s);
    if (!host_at(p, w->off, s, al, from) || !host_at(p, w->off + bo, s + bo, w->len - bo, to))
        return false;
    if (*from == *to)
        return fail_word(p, w, "'%s' goes from a host to itself, expected two different hosts",
                         show_word(p, w).s);
    return true;
}

static int find_fd(const struct scenario_process *pr, const char *name)
{
    for (size_t i = 0; i < pr->fd_name_count; i++)
        if (strcmp(pr->fd_names[i], name) == 0) return (int)i;
    return -1;
}

static struct scenario_process *open_proc(struct parser *p) { return &p->s->procs[p->proc]; }

/* An fd name a step refers to: defined by an earlier socket or accept of the process. */
static bool use_fd(struct parser *p, int *fd)
{
    const struct word *w = take(p, "an fd name");
    if (!w) return false;
    struct scenario_process *pr = open_proc(p);
    *fd = w->quoted ? -1 : find_fd(pr, w->v);
    if (*fd < 0)
        return fail_word(p, w, "fd '%s' is not defined in process '%s', expected an fd named by an "
                               "earlier socket or accept", show_word(p, w).s, pr->name);
    return true;
}

/* An fd name a step gives (socket, accept): new, or an existing name reused. */
static bool define_fd(struct parser *p, int *fd)
{
    const struct word *w = take(p, "an fd name");
    if (!w) return false;
    if (!valid_name(raw(p, w), w->len)) return name_error(p, w->off, raw(p, w), w->len, "fd");
    struct scenario_process *pr = open_proc(p);
    *fd = find_fd(pr, w->v);
    if (*fd >= 0) return true;
    char **names = grow(pr->fd_names, pr->fd_name_count, &p->fds_cap, sizeof *names);
    if (!names) return out_of_memory(p);
    pr->fd_names = names;
    if (!(names[pr->fd_name_count] = dup_bytes(p, w->v, w->len))) return false;
    *fd = (int)pr->fd_name_count++;
    return true;
}

/* ip4_parse on a slice of a line. */
static bool ip_in(const char *s, size_t len, uint32_t *ip)
{
    char addr[16];
    if (len >= sizeof addr) return false;
    memcpy(addr, s, len);
    addr[len] = '\0';
    return ip4_parse(addr, ip);
}

/* "<ip>:<port>", port 1..65535. */
static bool take_endpoint(struct parser *p, uint32_t *ip, uint16_t *port)
{
    const char *what = "an address and port like 10.0.0.2:8400";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    const char *colon = memchr(s, ':', w->len);
    if (!colon) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    size_t il = (size_t)(colon - s);
    if (!ip_in(s, il, ip))
        return fail_word(p, w, "'%s' is not an IPv4 address, expected a dotted quad like 10.0.0.2",
                         show(s, il).s);
    uint64_t v;
    if (!number_in(p, w->off + il + 1, colon + 1, w->len - il - 1, 1, 65535, "a port 1..65535", &v))
        return false;
    *port = (uint16_t)v;
    return true;
}

/* ---- metadata ---- */

static bool take_text(struct parser *p, const char *what, char **out)
{
    char expected[64];
    snprintf(expected, sizeof expected, "a quoted string (%s)", what);
    const struct word *w = take(p, expected);
    if (!w) return false;
    if (!w->quoted) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, expected);
    if (!w->v[0]) return fail_word(p, w, "empty string, expected a non-empty %s", what);
    if (!end_of_line(p, "end of line")) return false;   /* before the copy: nothing to undo */
    *out = dup_bytes(p, w->v, strlen(w->v));
    return *out != NULL;
}

static bool parse_id(struct parser *p)
{
    const char *what = "an id of lower-case letters, digits and '-' (it names an output folder)";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    if (w->len >= sizeof p->s->id)
        return fail_word(p, w, "id of %zu characters, expected at most %zu", w->len,
                         sizeof p->s->id - 1);
    for (size_t i = 0; i < w->len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return fail_word(p, w, "id '%s' has characters outside [a-z0-9-], expected %s",
                             show_word(p, w).s, what);
    memcpy(p->s->id, s, w->len);
    p->s->id[w->len] = '\0';
    return end_of_line(p, "end of line");
}

static bool parse_differs(struct parser *p)
{
    const char *what = "no, or a quoted string saying where lwIP differs";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (is_kw(w, "no")) {
        p->s->differs_from_linux = false;
        return end_of_line(p, "end of line");
    }
    p->next--;
    p->s->differs_from_linux = true;
    return take_text(p, "where lwIP differs", &p->s->lwip_differs);
}

static bool parse_explain(struct parser *p)
{
    char *para;
    if (!take_text(p, "a paragraph", &para)) return false;
    char *old = p->s->explain;
    if (!old) {
        p->s->explain = para;
        return true;
    }
    size_t ol = strlen(old), pl = strlen(para);
    char *joined = realloc(old, ol + 2 + pl + 1);
    if (!joined) {
        free(para);
        return out_of_memory(p);
    }
    memcpy(joined + ol, "\n\n", 2);
    memcpy(joined + ol + 2, para, pl + 1);
    p->s->explain = joined;
    free(para);
    return true;
}

static bool parse_metadata(struct parser *p, enum stmt key, const struct word *kw)
{
    if (p->body_line)
        return fail_word(p, kw, "metadata '%s' after the world (line %d), expected the metadata "
                                "first", stmt_names[key], p->body_line);
    if (p->meta_line[key] && key != ST_EXPLAIN)
        return fail_word(p, kw, "duplicate '%s' (first at line %d), expected each metadata key "
                                "once", stmt_names[key], p->meta_line[key]);
    if (!p->meta_line[key]) p->meta_line[key] = p->lineno;
    struct scenario *s = p->s;
    switch (key) {
    case ST_ID: return parse_id(p);
    case ST_TITLE: return take_text(p, "the title", &s->title);
    case ST_SUMMARY: return take_text(p, "the summary", &s->summary);
    case ST_LINUX: return take_text(p, "what Linux does", &s->linux_ref);
    case ST_WINDOWS: return take_text(p, "what Windows does", &s->windows_ref);
    case ST_DIFFERS: return parse_differs(p);
    case ST_OUTCOME: return take_text(p, "the decisive outcome", &s->outcome);
    case ST_EXPLAIN: return parse_explain(p);
    case ST_SEED: case ST_LINK: case ST_HOST: case ST_PROCESS: case ST_AT: case ST_EXPECT:
    case ST_END: case ST_COUNT: break;
    }
    return false;
}

/* ---- the world ---- */

static bool parse_seed(struct parser *p, const struct word *kw)
{
    if (p->seed_line)
        return fail_word(p, kw, "duplicate 'seed' (first at line %d), expected one seed",
                         p->seed_line);
    p->seed_line = p->lineno;
    return take_u64(p, 0, UINT64_MAX, "a seed 0..18446744073709551615", &p->s->seed) &&
           end_of_line(p, "end of line");
}

static bool parse_link_config(struct parser *p, const struct word *kw)
{
    static const char *const names[] = { "delay", "bandwidth" };
    const char *what = "delay <time> or bandwidth <rate>";
    if (p->link_line)
        return fail_word(p, kw, "duplicate 'link' (first at line %d), expected one link statement",
                         p->link_line);
    p->link_line = p->lineno;
    bool seen[2] = { false, false };
    do {
        const struct word *o = peek(p);
        int k = take_choice(p, names, 2, what);
        if (k < 0) return false;
        if (seen[k]) return given_twice(p, o, names[k]);
        seen[k] = true;
        bool ok = k == 0 ? take_time(p, LINK_RULE_MAX_DELAY_US, DELAY_WHAT, &p->s->link.delay_us)
                         : take_rate(p, &p->s->link.bandwidth_bps);
        if (!ok) return false;
    } while (peek(p));
    return true;
}

static bool host_address_ok(uint32_t ip)
{
    return ip != 0 && ip != UINT32_MAX && ip != WORLD_ROUTER_IP;
}

static bool parse_host(struct parser *p, const struct word *kw)
{
    struct scenario *s = p->s;
    if (s->host_count == SCENARIO_MAX_HOSTS)
        return fail_word(p, kw, "a host too many, expected at most %d hosts", SCENARIO_MAX_HOSTS);
    struct scenario_host h = { .pos = pos_of(p, kw) };
    const struct word *nw = peek(p);
    if (!take_name(p, "host", h.name)) return false;
    int other = find_host(s, h.name, strlen(h.name));
    if (other >= 0)
        return fail_word(p, nw, "duplicate host '%s' (first at line %d), expected a new host name",
                         h.name, s->hosts[other].pos.line);
    const struct word *aw = take(p, "an IPv4 address like 10.0.0.2");
    if (!aw) return false;
    if (aw->quoted || !ip4_parse(aw->v, &h.ip))
        return fail_word(p, aw, "'%s' is not an IPv4 address, expected a dotted quad like 10.0.0.2",
                         show_word(p, aw).s);
    if (!host_address_ok(h.ip))
        return fail_word(p, aw, "'%s' cannot be a host's address, expected a unicast address other "
                                "than 10.0.0.254 (the router)", show_word(p, aw).s);
    for (size_t i = 0; i < s->host_count; i++)
        if (s->hosts[i].ip == h.ip)
            return fail_word(p, aw, "duplicate address %s (host '%s', line %d), expected a "
                                    "different address", aw->v, s->hosts[i].name,
                             s->hosts[i].pos.line);
    for (size_t i = 0; i < s->event_count; i++)
        if (s->events[i].kind == EVENT_INJECT && s->events[i].inject.src_ip == h.ip)
            return fail_word(p, aw, "address %s is an inject's third address (line %d), expected "
                                    "an address no inject uses", aw->v, s->events[i].pos.line);
    if (!end_of_line(p, "end of line")) return false;
    s->hosts[s->host_count++] = h;
    return true;
}

/* ---- processes ---- */

static int decimal_digits(unsigned v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* The options after `process <name> on <host>`: [at <time>] [count <n> every <time>]. */
static bool parse_process_options(struct parser *p, struct scenario_process *pr)
{
    static const char *const names[] = { "at", "count" };
    const char *what = "at <time>, count <n> every <time>, or end of line";
    bool seen[2] = { false, false };
    while (peek(p)) {
        const struct word *o = peek(p);
        int k = take_choice(p, names, 2, what);
        if (k < 0) return false;
        if (seen[k]) return given_twice(p, o, names[k]);
        seen[k] = true;
        if (k == 0) {
            if (!take_time(p, TIME_MAX_US, TIME_WHAT, &pr->start_us)) return false;
            continue;
        }
        uint64_t n;
        if (!take_u64(p, 1, COPIES_MAX, "a number of copies 1..10000", &n) ||
            !take_keyword(p, "every") || !take_time(p, TIME_MAX_US, TIME_WHAT, &pr->every_us))
            return false;
        pr->count = (unsigned)n;
    }
    return true;
}

/* "'w'", or "'w' (w1..w3)" for a process with copies. */
struct copies_text { char s[3 * SCENARIO_NAME_MAX + 16]; };

static struct copies_text copies(const struct scenario_process *pr)
{
    struct copies_text out;
    if (pr->count <= 1)
        snprintf(out.s, sizeof out.s, "'%.31s'", pr->name);
    else
        snprintf(out.s, sizeof out.s, "'%.31s' (%.31s1..%.31s%u)", pr->name, pr->name, pr->name,
                 pr->count);
    return out;
}

static bool check_proc_names(struct parser *p, const struct word *nw,
                             const struct scenario_process *pr)
{
    if (pr->count > 1 && strlen(pr->name) + (size_t)decimal_digits(pr->count) >= SCENARIO_NAME_MAX)
        return fail_word(p, nw, "process '%s' with %u copies makes names longer than %d "
                                "characters, expected a shorter name", pr->name, pr->count,
                         SCENARIO_NAME_MAX - 1);
    const struct scenario *s = p->s;
    for (size_t i = 0; i < s->proc_count; i++) {
        const struct scenario_process *o = &s->procs[i];
        if (o->host != pr->host || !names_clash(o->name, o->count, pr->name, pr->count)) continue;
        if (o->count <= 1 && pr->count <= 1)
            return fail_word(p, nw, "duplicate process '%s' on host '%s' (first at line %d), "
                                    "expected a new process name", pr->name,
                             s->hosts[pr->host].name, o->pos.line);
        return fail_word(p, nw, "process %s clashes with process %s of line %d on host '%s', "
                                "expected distinct process names", copies(pr).s, copies(o).s,
                         o->pos.line, s->hosts[pr->host].name);
    }
    return true;
}

static bool parse_process(struct parser *p, const struct word *kw)
{
    struct scenario_process pr = { .pos = pos_of(p, kw), .count = 1 };
    const struct word *nw = peek(p);
    if (!take_name(p, "process", pr.name) || !take_keyword(p, "on") || !take_host(p, &pr.host) ||
        !parse_process_options(p, &pr) || !check_proc_names(p, nw, &pr))
        return false;
    struct scenario *s = p->s;
    struct scenario_process *procs = grow(s->procs, s->proc_count, &p->procs_cap, sizeof *procs);
    if (!procs) return out_of_memory(p);
    s->procs = procs;
    procs[s->proc_count] = pr;
    p->proc = s->proc_count++;
    p->in_proc = true;
    p->depth = 0;
    p->steps_cap = p->fds_cap = 0;
    return true;
}

/* ---- steps ---- */

static bool parse_send(struct parser *p, struct step *st)
{
    static const char *const names[] = { "nosignal", "dontwait" };
    static const int flags[] = { PROC_MSG_NOSIGNAL, STACK_MSG_DONTWAIT };
    const char *what = "a byte count 0..16777216 or a quoted text";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (w->quoted) {
        if (!(st->text = dup_bytes(p, w->v, strlen(w->v)))) return false;
        st->count = (long)strlen(w->v);
    } else {
        uint64_t n;
        if (!number_in(p, w->off, w->v, w->len, 0, BYTES_MAX, what, &n)) return false;
        st->count = (long)n;
    }
    while (more_args(p)) {
        const struct word *o = peek(p);
        int k = take_choice(p, names, 2, "nosignal, dontwait, '->' or end of line");
        if (k < 0) return false;
        if (st->flags & flags[k]) return given_twice(p, o, names[k]);
        st->flags |= flags[k];
    }
    return true;
}

static bool parse_recv(struct parser *p, struct step *st)
{
    const char *what = "a byte count 0..16777216 or all";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (is_kw(w, "all")) {
        st->count = -1;
        return true;
    }
    uint64_t n;
    if (!number_in(p, w->off, raw(p, w), w->len, 0, BYTES_MAX, what, &n)) return false;
    st->count = (long)n;
    if (!more_args(p)) return true;
    if (!take_keyword(p, "dontwait")) return false;
    st->flags = STACK_MSG_DONTWAIT;
    return true;
}

static const char *const sockopt_names[STACK_SOCKOPT_COUNT] = {
    [STACK_SO_LINGER] = "linger", [STACK_SO_RCVTIMEO] = "rcvtimeo",
    [STACK_SO_SNDTIMEO] = "sndtimeo", [STACK_SO_KEEPALIVE] = "keepalive",
    [STACK_SO_REUSEADDR] = "reuseaddr", [STACK_TCP_NODELAY] = "nodelay",
};

/* rcvtimeo / sndtimeo: a time in whole milliseconds (what lwIP keeps). */
static bool take_timeout_ms(struct parser *p, int *ms)
{
    const struct word *w = peek(p);
    uint64_t us;
    if (!take_time(p, TIME_MAX_US, TIME_WHAT, &us)) return false;
    if (us % US_PER_MS)
        return fail_word(p, w, "'%s' is not a whole number of milliseconds, expected a timeout "
                               "in ms precision", show_word(p, w).s);
    *ms = (int)(us / US_PER_MS);
    return true;
}

static bool parse_sockopt(struct parser *p, struct step *st)
{
    int k = take_choice(p, sockopt_names, STACK_SOCKOPT_COUNT,
                        "an option: linger, rcvtimeo, sndtimeo, keepalive, reuseaddr or nodelay");
    if (k < 0) return false;
    st->opt.name = (enum stack_sockopt)k;
    bool on;
    switch (st->opt.name) {
    case STACK_SO_LINGER: {
        long secs;
        if (!take_on_off(p, &on) || !take_long(p, 0, LINGER_MAX_S, "seconds 0..3600", &secs))
            return false;
        st->opt.value = on;
        st->opt.linger_s = (int)secs;
        return true;
    }
    case STACK_SO_RCVTIMEO:
    case STACK_SO_SNDTIMEO: return take_timeout_ms(p, &st->opt.value);
    case STACK_SO_KEEPALIVE:
    case STACK_SO_REUSEADDR:
    case STACK_TCP_NODELAY:
        if (!take_on_off(p, &on)) return false;
        st->opt.value = on;
        return true;
    case STACK_SOCKOPT_COUNT: break;
    }
    return false;
}

static const char *const signal_names[PROC_SIGNAL_COUNT] = {
    [PROC_SIGKILL] = "sigkill", [PROC_SIGPIPE] = "sigpipe", [PROC_SIGTERM] = "sigterm",
};

static bool parse_signal_step(struct parser *p, struct step *st)
{
    static const char *const catchable[PROC_SIGNAL_COUNT] = {
        [PROC_SIGPIPE] = "sigpipe", [PROC_SIGTERM] = "sigterm",
    };
    static const char *const dispositions[PROC_DISPOSITION_COUNT] = {
        [PROC_SIG_DEFAULT] = "default", [PROC_SIG_IGNORE] = "ignore", [PROC_SIG_HANDLE] = "handle",
    };
    st->signal = take_choice(p, catchable, PROC_SIGNAL_COUNT, "sigpipe or sigterm");
    if (st->signal < 0) return false;
    st->disposition =
        take_choice(p, dispositions, PROC_DISPOSITION_COUNT, "default, ignore or handle");
    return st->disposition >= 0;
}

static bool parse_repeat(struct parser *p, const struct word *kw, struct step *st)
{
    if (p->depth == REPEAT_DEPTH_MAX)
        return fail_word(p, kw, "repeat nested %d deep, expected at most %d levels",
                         REPEAT_DEPTH_MAX + 1, REPEAT_DEPTH_MAX);
    if (!take_long(p, 1, REPEAT_MAX, "a number of times 1..1000000", &st->count)) return false;
    size_t self = open_proc(p)->step_count - 1;   /* st is the last step */
    st->body = self + 1;
    p->repeats[p->depth++] = self;
    return true;
}

/* poll <fd> in|out|inout [<timeout>]: no timeout waits for ever. */
static bool parse_poll(struct parser *p, struct step *st)
{
    static const char *const names[] = { "in", "out", "inout" };
    static const int events[] = { STACK_POLLIN, STACK_POLLOUT, STACK_POLLIN | STACK_POLLOUT };
    int k = take_choice(p, names, 3, "in, out or inout");
    if (k < 0) return false;
    st->how = events[k];
    st->time_us = PROC_POLL_FOREVER;
    return !more_args(p) || take_time(p, TIME_MAX_US, TIME_WHAT, &st->time_us);
}

static bool parse_step_args(struct parser *p, const struct word *kw, struct step *st)
{
    static const char *const how[] = { "rd", "wr", "rdwr" };
    switch (st->kind) {
    case STEP_SOCKET:
        if (!define_fd(p, &st->fd)) return false;
        st->new_fd = st->fd;
        return true;
    case STEP_BIND:
    case STEP_CONNECT: return use_fd(p, &st->fd) && take_endpoint(p, &st->ip, &st->port);
    case STEP_LISTEN:
        st->count = DEFAULT_BACKLOG;
        return use_fd(p, &st->fd) &&
               (!more_args(p) || take_long(p, 0, BACKLOG_MAX, "a backlog 0..4096", &st->count));
    case STEP_ACCEPT: return use_fd(p, &st->fd) && (!more_args(p) || define_fd(p, &st->new_fd));
    case STEP_SEND: return use_fd(p, &st->fd) && parse_send(p, st);
    case STEP_RECV: return use_fd(p, &st->fd) && parse_recv(p, st);
    case STEP_SHUTDOWN:
        return use_fd(p, &st->fd) && (st->how = take_choice(p, how, 3, "rd, wr or rdwr")) >= 0;
    case STEP_CLOSE: return use_fd(p, &st->fd);
    case STEP_SETSOCKOPT: return use_fd(p, &st->fd) && parse_sockopt(p, st);
    case STEP_NONBLOCK:
        st->on = true;
        return use_fd(p, &st->fd) && (!more_args(p) || take_on_off(p, &st->on));
    case STEP_SIGNAL: return parse_signal_step(p, st);
    case STEP_FDLIMIT: return take_long(p, 0, FDLIMIT_MAX, "an fd limit 0..65536", &st->count);
    case STEP_SLEEP: return take_time(p, TIME_MAX_US, TIME_WHAT, &st->time_us);
    case STEP_EXIT:
        return !more_args(p) ||
               take_long(p, 0, EXIT_STATUS_MAX, "an exit status 0..255", &st->count);
    case STEP_REPEAT: return parse_repeat(p, kw, st);
    case STEP_POLL: return use_fd(p, &st->fd) && parse_poll(p, st);
    case STEP_GETSOCKOPT: return use_fd(p, &st->fd) && take_keyword(p, "error");
    case STEP_KIND_COUNT: break;
    }
    return false;
}

static const struct { const char *name; int num; } errno_names[] = {
    { "EPERM", EPERM }, { "EINTR", EINTR }, { "EIO", EIO }, { "EBADF", EBADF },
    { "EAGAIN", EAGAIN }, { "EWOULDBLOCK", EWOULDBLOCK }, { "ENOMEM", ENOMEM },
    { "EINVAL", EINVAL }, { "ENFILE", ENFILE }, { "EMFILE", EMFILE }, { "EPIPE", EPIPE },
    { "ENOBUFS", ENOBUFS }, { "EISCONN", EISCONN }, { "ENOTCONN", ENOTCONN },
    { "EADDRINUSE", EADDRINUSE }, { "EADDRNOTAVAIL", EADDRNOTAVAIL },
    { "ENETUNREACH", ENETUNREACH }, { "EHOSTUNREACH", EHOSTUNREACH },
    { "ECONNABORTED", ECONNABORTED }, { "ECONNRESET", ECONNRESET },
    { "ECONNREFUSED", ECONNREFUSED }, { "ETIMEDOUT", ETIMEDOUT }, { "EINPROGRESS", EINPROGRESS },
    { "EALREADY", EALREADY }, { "ENOTSOCK", ENOTSOCK }, { "EOPNOTSUPP", EOPNOTSUPP },
    { "EPROTO", EPROTO }, { "EMSGSIZE", EMSGSIZE }, { "ENOPROTOOPT", ENOPROTOOPT },
    { "ESHUTDOWN", ESHUTDOWN }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
};

static bool take_errno(struct parser *p, int *err)
{
    const struct word *w = take(p, "an errno name like ECONNRESET");
    if (!w) return false;
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
        if (is_kw(w, errno_names[i].name)) {
            *err = errno_names[i].num;
            return true;
        }
    return fail_word(p, w, "unknown errno '%s', expected a Linux errno name like ECONNRESET or "
                           "EPIPE", show_word(p, w).s);
}

/* recv ... -> "text": the bytes the step receives, in all its recv calls. */
static bool expect_text(struct parser *p, struct step *st, const struct word *w)
{
    if (st->kind != STEP_RECV)
        return fail_word(p, w, "a text after '%s ... ->', expected a number (only recv expects "
                               "a text)", step_names[st->kind]);
    st->expect.text_len = strlen(w->v);
    st->expect.ret = (long)st->expect.text_len;
    return (st->expect.text = dup_bytes(p, w->v, st->expect.text_len)) != NULL;
}

/* The optional "-> <result>" of a call step: "-> 0", "-> 14", "-> >0", "-> -1 [ERRNO]". */
static bool parse_result(struct parser *p, struct step *st)
{
    const struct word *arrow = peek(p);
    if (!arrow || !is_arrow(arrow)) return true;
    if (st->kind == STEP_REPEAT || st->kind == STEP_EXIT)
        return fail_word(p, arrow, "'->' after '%s', expected end of line (%s has no result)",
                         step_names[st->kind], step_names[st->kind]);
    p->next++;
    st->expect.present = true;
    st->expect.pos = pos_of(p, arrow);
    const char *what = "a result: a number 0..16777216, >0, -1 with an errno name, a quoted "
                       "text (recv) or an errno name (getsockopt error)";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (is_kw(w, ">0")) {
        st->expect.ret_positive = true;
        return true;
    }
    if (w->quoted) return expect_text(p, st, w);
    if (st->kind == STEP_GETSOCKOPT && w->v[0] == 'E') {
        p->next--;
        int err;
        if (!take_errno(p, &err)) return false;
        st->expect.ret = err;   /* the pending error is the result */
        return true;
    }
    if (is_kw(w, "-1")) {
        st->expect.ret = -1;
        return !peek(p) || take_errno(p, &st->expect.err);
    }
    uint64_t v;
    if (!number_in(p, w->off, raw(p, w), w->len, 0, BYTES_MAX, what, &v)) return false;
    st->expect.ret = (long)v;
    const struct word *extra = peek(p);
    if (extra)
        return fail_word(p, extra, "unexpected '%s' after the result %s, expected end of line "
                                   "(only -1 comes with an errno)", show_word(p, extra).s, w->v);
    return true;
}

static struct step *new_step(struct parser *p, enum step_kind kind, const struct word *kw)
{
    struct scenario_process *pr = open_proc(p);
    struct step *steps = grow(pr->steps, pr->step_count, &p->steps_cap, sizeof *steps);
    if (!steps) {
        out_of_memory(p);
        return NULL;
    }
    pr->steps = steps;
    struct step *st = &steps[pr->step_count++];
    *st = (struct step){ .kind = kind, .pos = pos_of(p, kw), .fd = -1, .new_fd = -1 };
    return st;
}

/* `end`: closes the innermost repeat, else the process. */
static bool close_block(struct parser *p, const struct word *kw)
{
    if (!end_of_line(p, "end of line")) return false;
    struct scenario_process *pr = open_proc(p);
    if (p->depth == 0) {
        p->in_proc = false;
        return true;
    }
    struct step *r = &pr->steps[p->repeats[--p->depth]];
    r->body_len = pr->step_count - r->body;
    if (r->body_len == 0)
        return fail_word(p, kw, "'end' of an empty repeat (line %d), expected at least one step "
                                "between 'repeat' and 'end'", r->pos.line);
    return true;
}

static bool unknown_step(struct parser *p, const struct word *w)
{
    if (lookup(stmt_names, ST_COUNT, w) >= 0)
        return fail_word(p, w, "'%s' inside process '%s' (line %d), expected a step or 'end'",
                         w->v, open_proc(p)->name, open_proc(p)->pos.line);
    return fail_word(p, w, "unknown step '%s', expected one of: " STEP_LIST, show_word(p, w).s);
}

static bool parse_step(struct parser *p)
{
    const struct word *kw = take(p, "a step");
    if (!kw) return false;
    if (is_kw(kw, "end")) return close_block(p, kw);
    int k = lookup(step_names, STEP_KIND_COUNT, kw);
    if (k < 0) return unknown_step(p, kw);
    struct step *st = new_step(p, (enum step_kind)k, kw);
    if (!st || !parse_step_args(p, kw, st) || !parse_result(p, st)) return false;
    return end_of_line(p, st->kind == STEP_REPEAT || st->kind == STEP_EXIT
                              ? "end of line" : "end of line or '-> <result>'");
}

/* ---- world events ---- */

static struct scenario_event *new_event(struct parser *p, const struct word *kw)
{
    struct scenario *s = p->s;
    struct scenario_event *evs = grow(s->events, s->event_count, &p->events_cap, sizeof *evs);
    if (!evs) {
        out_of_memory(p);
        return NULL;
    }
    s->events = evs;
    struct scenario_event *e = &evs[s->event_count++];
    *e = (struct scenario_event){ .pos = pos_of(p, kw), .host = -1, .peer = -1 };
    return e;
}

/* A rule's name, the drop reason in traces; the kind's plain name when it would not fit. */
__attribute__((format(printf, 3, 4)))
static void name_rule(struct link_rule *r, const char *fallback, const char *fmt, ...)
{
    char buf[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *name = n >= 0 && (size_t)n < sizeof r->name ? buf : fallback;
    size_t len = strnlen(name, sizeof r->name - 1);
    memcpy(r->name, name, len);
    r->name[len] = '\0';
}

static const char *ordinal_suffix(uint64_t n)
{
    if (n % 100 >= 11 && n % 100 <= 13) return "th";
    switch (n % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
    }
}

static const struct { char letter; uint8_t bit; const char *name; } match_flags[] = {
    { 'S', TCP_SYN, "SYN" }, { 'F', TCP_FIN, "FIN" }, { 'R', TCP_RST, "RST" },
    { 'P', TCP_PSH, "PSH" }, { 'U', TCP_URG, "URG" }, { 'A', TCP_ACK, "ACK" },
};
#define MATCH_FLAG_COUNT (sizeof match_flags / sizeof match_flags[0])

/* `drop next` FLAGS: letters of S F R P U A, any order, each once. */
static bool take_match_flags(struct parser *p, uint8_t *flags)
{
    const char *what = "TCP flags as letters of S F R P U A (A = ACK), e.g. F or SA";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    *flags = 0;
    for (size_t i = 0; i < w->len; i++) {
        size_t k = 0;
        while (k < MATCH_FLAG_COUNT && match_flags[k].letter != s[i]) k++;
        if (k == MATCH_FLAG_COUNT)
            return fail_at(p, w->off + i, "'%s' is not a flag letter, expected %s",
                           show_char(s + i, w->len - i).s, what);
        if (*flags & match_flags[k].bit)
            return fail_at(p, w->off + i, "flag '%c' twice in '%s', expected each letter once",
                           s[i], show_word(p, w).s);
        *flags |= match_flags[k].bit;
    }
    return true;
}

static void name_match_rule(struct link_rule *r)
{
    char names[64] = "", letters[8] = "";
    size_t nl = 0, ll = 0;
    for (size_t k = 0; k < MATCH_FLAG_COUNT; k++) {
        if (!(r->flags_all & match_flags[k].bit)) continue;
        nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s%s", nl ? "-" : "",
                               match_flags[k].name);
        letters[ll++] = match_flags[k].letter;
    }
    letters[ll] = '\0';
    char fallback[LINK_RULE_NAME_MAX];
    snprintf(fallback, sizeof fallback, "drop-next-%s", letters);
    name_rule(r, fallback, "drop-next-%s", names);
}

enum drop_word { DW_ALL, DW_NTH, DW_NEXT, DW_CHANCE, DW_COUNT };

static bool parse_drop(struct parser *p, struct link_rule *r)
{
    static const char *const names[DW_COUNT] = { "all", "nth", "next", "chance" };
    int k = take_choice(p, names, DW_COUNT, "all, nth <n>, next <FLAGS> or chance <n>/<d>");
    if (k < 0) return false;
    switch ((enum drop_word)k) {
    case DW_ALL:
        r->kind = LINK_DROP_ALL;
        name_rule(r, "drop-all", "drop-all");
        return true;
    case DW_NTH:
        r->kind = LINK_DROP_NTH;
        if (!take_u64(p, 1, PACKETS_MAX, "a packet number 1..1000000000", &r->nth)) return false;
        name_rule(r, "drop-nth", "drop-%llu%s", (unsigned long long)r->nth, ordinal_suffix(r->nth));
        return true;
    case DW_NEXT:
        r->kind = LINK_DROP_MATCH;
        r->count = 1;
        if (!take_match_flags(p, &r->flags_all)) return false;
        if (more_args(p) && (!take_keyword(p, "count") ||
                             !take_u64(p, 1, PACKETS_MAX, "a count 1..1000000000", &r->count)))
            return false;
        name_match_rule(r);
        return true;
    case DW_CHANCE:
        r->kind = LINK_DROP_CHANCE;
        if (!take_ratio(p, &r->numerator, &r->denominator)) return false;
        name_rule(r, "drop-chance", "drop-chance-%llu/%llu", (unsigned long long)r->numerator,
                  (unsigned long long)r->denominator);
        return true;
    case DW_COUNT: break;
    }
    return false;
}

static bool parse_delay_rule(struct parser *p, struct link_rule *r)
{
    r->kind = LINK_DELAY;
    if (!take_time(p, LINK_RULE_MAX_DELAY_US, DELAY_WHAT, &r->delay_us)) return false;
    if (more_args(p) && (!take_keyword(p, "jitter") ||
                         !take_time(p, LINK_RULE_MAX_DELAY_US, DELAY_WHAT, &r->jitter_us)))
        return false;
    if (r->jitter_us)
        name_rule(r, "delay", "delay-%s-jitter-%s", time_str(r->delay_us).s,
                  time_str(r->jitter_us).s);
    else
        name_rule(r, "delay", "delay-%s", time_str(r->delay_us).s);
    return true;
}

/* reorder / duplicate: <n>/<d> <time>. */
static bool parse_chance_rule(struct parser *p, struct link_rule *r, enum link_rule_kind kind)
{
    const char *base = kind == LINK_REORDER ? "reorder" : "duplicate";
    r->kind = kind;
    if (!take_ratio(p, &r->numerator, &r->denominator)) return false;
    const struct word *tw = peek(p);
    if (!take_time(p, LINK_RULE_MAX_DELAY_US, DELAY_WHAT, &r->delay_us)) return false;
    if (kind == LINK_REORDER && r->delay_us == 0)
        return fail_word(p, tw, "a hold-back of 0, expected at least 1us (how long a packet is "
                                "held back)");
    name_rule(r, base, "%s-%llu/%llu", base, (unsigned long long)r->numerator,
              (unsigned long long)r->denominator);
    return true;
}

enum link_word { LW_DROP, LW_DELAY, LW_REORDER, LW_DUPLICATE, LW_BANDWIDTH, LW_REMOVE, LW_COUNT };

/* remove <name>: a rule an earlier event added on the same direction(s), by its trace name. */
static bool parse_link_remove(struct parser *p, struct scenario_event *e)
{
    const char *what = "the name of a rule added earlier on this direction (as the timeline names "
                       "it, e.g. drop-all)";
    const struct word *w = take(p, what);
    if (!w) return false;
    const struct scenario *s = p->s;
    for (size_t i = 0; i + 1 < s->event_count; i++) {
        const struct link_rule *r = &s->events[i].rule;
        if (s->events[i].kind == EVENT_LINK_RULE && r->from == e->rule.from && r->to == e->rule.to &&
            r->both == e->rule.both && strcmp(r->name, w->v) == 0) {
            e->kind = EVENT_LINK_REMOVE;
            memcpy(e->rule.name, r->name, sizeof r->name);
            return true;
        }
    }
    return fail_word(p, w, "no rule '%s' on this direction, expected %s", show_word(p, w).s, what);
}

static bool parse_link_event(struct parser *p, struct scenario_event *e)
{
    static const char *const names[LW_COUNT] = {
        "drop", "delay", "reorder", "duplicate", "bandwidth", "remove",
    };
    const struct word *dw = peek(p);
    bool both;
    if (!take_direction(p, true, &e->host, &e->peer, &both)) return false;
    int k = take_choice(p, names, LW_COUNT, "drop, delay, reorder, duplicate, bandwidth or remove");
    if (k < 0) return false;
    e->kind = EVENT_LINK_RULE;
    struct link_rule *r = &e->rule;
    *r = (struct link_rule){ .from = e->host, .to = e->peer, .both = both };
    switch ((enum link_word)k) {
    case LW_DROP: return parse_drop(p, r);
    case LW_DELAY: return parse_delay_rule(p, r);
    case LW_REORDER: return parse_chance_rule(p, r, LINK_REORDER);
    case LW_DUPLICATE: return parse_chance_rule(p, r, LINK_DUPLICATE);
    case LW_BANDWIDTH:
        if (both)
            return fail_word(p, dw, "'%s' goes both ways, expected one direction like "
                                    "client>server (bandwidth is set per direction)",
                             show_word(p, dw).s);
        e->kind = EVENT_BANDWIDTH;
        *r = (struct link_rule){ 0 };
        return take_rate(p, &e->bandwidth_bps);
    case LW_REMOVE: return parse_link_remove(p, e);
    case LW_COUNT: break;
    }
    return false;
}

static bool parse_unreachable(struct parser *p, struct scenario_event *e)
{
    static const char *const codes[] = { "net", "host" };
    bool both;
    e->kind = EVENT_UNREACHABLE;
    if (!take_direction(p, false, &e->host, &e->peer, &both)) return false;
    int k = take_choice(p, codes, 2, "host or net");
    if (k < 0) return false;
    e->icmp_code = k == 0 ? ICMP_NET_UNREACHABLE : ICMP_HOST_UNREACHABLE;
    return take_on_off(p, &e->on);
}

/* ---- inject: a crafted segment ---- */

static bool take_conn(struct parser *p, int host, int peer, struct match *m);
static void match_init(struct match *m);
static bool take_segment_flags(struct parser *p, uint8_t *flags);

/* conn <proc>:<fd>: the connection whose ports and ISNs the segment uses. */
static bool parse_inject_conn(struct parser *p, struct scenario_event *e, const struct word *o)
{
    struct match m;
    match_init(&m);
    const struct word *w = peek(p);
    bool third = e->host < 0;       /* a third address: the connection is one of b's */
    bool ok = take_conn(p, third ? e->peer : e->host, third ? -1 : e->peer, &m);
    if (ok && m.conn) ok = fail_word(p, w, "'%s' is a pattern, expected <process>:<fd> (a live "
                                           "connection)", show_word(p, w).s);
    free(m.conn);
    if (!ok) return false;
    if (e->inject.src_port) return fail_word(p, o, "both 'conn' and 'ports', expected one");
    memcpy(e->inject.fd_proc, m.fd_proc, sizeof m.fd_proc);
    memcpy(e->inject.fd_name, m.fd_name, sizeof m.fd_name);
    e->inject.fd_host = m.fd_host;
    return true;
}

/* ports <src>><dst>: no connection; seq and ack are absolute. */
static bool parse_inject_ports(struct parser *p, struct scenario_event *e, const struct word *o)
{
    const char *what = "ports like 8400>55978 (1..65535)";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (e->inject.fd_proc[0]) return fail_word(p, o, "both 'conn' and 'ports', expected one");
    const char *s = raw(p, w), *gt = memchr(s, '>', w->len);
    if (!gt) return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    size_t sl = (size_t)(gt - s);
    uint64_t sp, dp;
    if (!number_in(p, w->off, s, sl, 1, 65535, what, &sp) ||
        !number_in(p, w->off + sl + 1, gt + 1, w->len - sl - 1, 1, 65535, what, &dp))
        return false;
    e->inject.src_port = (uint16_t)sp;
    e->inject.dst_port = (uint16_t)dp;
    return true;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* options <hex>: raw option bytes, a multiple of 4; mss <n>: the 4-byte MSS option. */
static bool add_inject_options(struct parser *p, struct scenario_event *e, const struct word *w,
                               const uint8_t *bytes, size_t n)
{
    struct inject_spec *in = &e->inject;
    if (in->options_len + n > INJECT_OPTIONS_MAX)
        return fail_word(p, w, "options of more than %d bytes, expected at most %d",
                         INJECT_OPTIONS_MAX, INJECT_OPTIONS_MAX);
    memcpy(in->options + in->options_len, bytes, n);
    in->options_len += n;
    return true;
}

static bool parse_inject_hex(struct parser *p, struct scenario_event *e)
{
    const char *what = "option bytes in lower-case hex, a multiple of 4 bytes (e.g. 01010402)";
    const struct word *w = take(p, what);
    if (!w) return false;
    uint8_t bytes[INJECT_OPTIONS_MAX];
    if (w->quoted || w->len % 8 != 0 || w->len / 2 > INJECT_OPTIONS_MAX)
        return fail_word(p, w, "'%s' has %zu hex digits, expected %s", show_word(p, w).s, w->len,
                         what);
    for (size_t i = 0; i < w->len; i += 2) {
        int hi = hex_digit(w->v[i]), lo = hex_digit(w->v[i + 1]);
        if (hi < 0 || lo < 0) return fail_at(p, w->off + i, "'%s' is not hex, expected %s",
                                             show(w->v + i, 2).s, what);
        bytes[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return add_inject_options(p, e, w, bytes, w->len / 2);
}

enum inject_word { IW_CONN, IW_PORTS, IW_SEQ, IW_ACK, IW_WIN, IW_MSS, IW_OPTIONS, IW_PAYLOAD,
                   IW_COUNT };

static bool parse_inject_option(struct parser *p, struct scenario_event *e, int k,
                                const struct word *o)
{
    struct inject_spec *in = &e->inject;
    uint64_t v;
    switch ((enum inject_word)k) {
    case IW_CONN: return parse_inject_conn(p, e, o);
    case IW_PORTS: return parse_inject_ports(p, e, o);
    case IW_SEQ:
        if (!take_u64(p, 0, UINT32_MAX, "a sequence number 0..4294967295", &v)) return false;
        in->seq = (uint32_t)v;
        return true;
    case IW_ACK:
        if (!take_u64(p, 0, UINT32_MAX, "an ack number 0..4294967295", &v)) return false;
        in->ack = (uint32_t)v;
        return true;
    case IW_WIN:
        if (!take_u64(p, 0, 65535, "a window 0..65535", &v)) return false;
        in->win = (uint16_t)v;
        return true;
    case IW_MSS:
        if (!take_u64(p, 1, 65535, "an MSS 1..65535", &v)) return false;
        return add_inject_options(p, e, o, (const uint8_t[]){ 2, 4, (uint8_t)(v >> 8), (uint8_t)v }, 4);
    case IW_OPTIONS: return parse_inject_hex(p, e);
    case IW_PAYLOAD: {
        const struct word *w = take(p, "a quoted payload");
        if (!w) return false;
        if (!w->quoted) return fail_word(p, w, "found '%s', expected a quoted payload",
                                         show_word(p, w).s);
        in->payload_len = strlen(w->v);
        return (in->payload = dup_bytes(p, w->v, in->payload_len)) != NULL;
    }
    case IW_COUNT: break;
    }
    return false;
}

/* The source of a third-address inject, "<ip>" in "<ip>><b>": an address no host owns on host
 * b's /24 (the subnet of every host's netif), neither its network nor broadcast address nor
 * the router's. It becomes a passive peer on the link (world_add_peer). */
static bool third_address_at(struct parser *p, size_t off, const char *s, size_t len, int to,
                             uint32_t *ip)
{
    const char *what = "a host name or an address no host owns, like 10.0.0.9";
    if (!ip_in(s, len, ip)) return fail_at(p, off, "found '%s', expected %s", show(s, len).s, what);
    const struct scenario_host *b = &p->s->hosts[to];
    char net[16];
    ip4_str(b->ip & 0xffffff00u, net);
    for (size_t i = 0; i < p->s->host_count; i++)
        if (p->s->hosts[i].ip == *ip)
            return fail_at(p, off, "'%s' is the address of host '%s', expected its name (%s>%s) "
                           "or an address no host owns", show(s, len).s, p->s->hosts[i].name,
                           p->s->hosts[i].name, b->name);
    uint32_t last = *ip & 0xffu;
    if ((*ip & 0xffffff00u) != (b->ip & 0xffffff00u) || last == 0 || last == 255 ||
        *ip == WORLD_ROUTER_IP)
        return fail_at(p, off, "'%s' is not an address a peer can have on %s's subnet %s/24, "
                       "expected one of .1 to .253 that no host owns", show(s, len).s, b->name,
                       net);
    size_t endpoints = p->s->host_count + 1;
    for (size_t i = 0; i + 1 < p->s->event_count; i++) {   /* the last event is this one */
        const struct scenario_event *o = &p->s->events[i];
        if (o->kind != EVENT_INJECT || !o->inject.src_ip) continue;
        if (o->inject.src_ip == *ip) return true;
        endpoints++;
    }
    if (endpoints > LINK_MAX_ENDPOINTS)
        return fail_at(p, off, "a third address too many, expected hosts and inject addresses "
                       "together at most %d", LINK_MAX_ENDPOINTS);
    return true;
}

/* "<a>><b>" between two hosts, or "<ip>><b>" from a third address (e->inject.src_ip). */
static bool take_inject_direction(struct parser *p, struct scenario_event *e)
{
    const struct word *w = peek(p);
    bool both;
    if (!w || w->quoted || !(w->v[0] >= '0' && w->v[0] <= '9'))
        return take_direction(p, false, &e->host, &e->peer, &both);
    take(p, "a direction");
    const char *s = raw(p, w), *gt = memchr(s, '>', w->len);
    if (!gt) return fail_word(p, w, "found '%s', expected a direction like 10.0.0.9>server",
                              show_word(p, w).s);
    size_t al = (size_t)(gt - s), bo = al + 1;
    e->host = -1;
    return host_at(p, w->off + bo, s + bo, w->len - bo, &e->peer) &&
           third_address_at(p, w->off, s, al, e->peer, &e->inject.src_ip);
}

/* inject <a>><b> <flags> (conn <proc>:<fd> | ports <s>><d>) [seq] [ack] [win] [mss] [options]
 * [payload]; <a> may be a third address. */
static bool parse_inject(struct parser *p, struct scenario_event *e)
{
    static const char *const names[IW_COUNT] = { "conn", "ports", "seq", "ack", "win", "mss",
                                                 "options", "payload" };
    bool seen[IW_COUNT] = { false };
    e->kind = EVENT_INJECT;
    e->inject.fd_host = -1;
    if (!take_inject_direction(p, e) || !take_segment_flags(p, &e->inject.flags))
        return false;
    while (peek(p)) {
        const struct word *o = peek(p);
        int k = take_choice(p, names, IW_COUNT, "conn, ports, seq, ack, win, mss, options, payload "
                                                "or end of line");
        if (k < 0) return false;
        if (seen[k]) return given_twice(p, o, names[k]);
        seen[k] = true;
        if (!parse_inject_option(p, e, k, o)) return false;
    }
    if (!seen[IW_CONN] && !seen[IW_PORTS])
        return fail_at(p, eol_off(p), "end of line, expected conn <process>:<fd> or ports "
                                      "<src>><dst> (the connection the segment belongs to)");
    return true;
}

enum event_word { EW_KILL, EW_CRASH, EW_REBOOT, EW_SHUTDOWN, EW_PARTITION, EW_HEAL, EW_LINK,
                  EW_UNREACHABLE, EW_INJECT, EW_COUNT };

static bool parse_event_body(struct parser *p, struct scenario_event *e)
{
    static const char *const names[EW_COUNT] = {
        "kill", "crash", "reboot", "shutdown", "partition", "heal", "link", "unreachable",
        "inject",
    };
    int k = take_choice(p, names, EW_COUNT, "an event: kill, crash, reboot, shutdown, partition, "
                                            "heal, link, unreachable or inject");
    if (k < 0) return false;
    int proc;
    switch ((enum event_word)k) {
    case EW_KILL:
        e->kind = EVENT_KILL;
        e->signal = PROC_SIGKILL;
        return take_proc_ref(p, &e->host, &proc, e->proc) &&
               (!peek(p) || (e->signal = take_choice(p, signal_names, PROC_SIGNAL_COUNT,
                                                     "sigkill, sigterm or sigpipe")) >= 0);
    case EW_CRASH: e->kind = EVENT_CRASH; return take_host(p, &e->host);
    case EW_REBOOT: e->kind = EVENT_REBOOT; return take_host(p, &e->host);
    case EW_SHUTDOWN:
        e->kind = EVENT_SHUTDOWN;
        e->grace_us = DEFAULT_GRACE_US;
        return take_host(p, &e->host) &&
               (!peek(p) || (take_keyword(p, "grace") &&
                             take_time(p, TIME_MAX_US, TIME_WHAT, &e->grace_us)));
    case EW_PARTITION: e->kind = EVENT_PARTITION; return true;
    case EW_HEAL: e->kind = EVENT_HEAL; return true;
    case EW_LINK: return parse_link_event(p, e);
    case EW_UNREACHABLE: return parse_unreachable(p, e);
    case EW_INJECT: return parse_inject(p, e);
    case EW_COUNT: break;
    }
    return false;
}

static bool parse_at(struct parser *p, const struct word *kw)
{
    const struct word *tw = peek(p);
    uint64_t t;
    if (!take_time(p, TIME_MAX_US, TIME_WHAT, &t)) return false;
    if (t < p->last_at_us)
        return fail_word(p, tw, "time goes backwards: %s after %s, expected %s or later",
                         time_str(t).s, time_str(p->last_at_us).s, time_str(p->last_at_us).s);
    p->last_at_us = t;
    struct scenario_event *e = new_event(p, kw);
    if (!e) return false;
    e->at_us = t;
    return parse_event_body(p, e) && end_of_line(p, "end of line");
}

/* ---- expectations ---- */

static void match_init(struct match *m);

static struct scenario_expect *new_expect(struct parser *p, const struct word *kw)
{
    struct scenario *s = p->s;
    struct scenario_expect *xs = grow(s->expects, s->expect_count, &p->expects_cap, sizeof *xs);
    if (!xs) {
        out_of_memory(p);
        return NULL;
    }
    s->expects = xs;
    struct scenario_expect *x = &xs[s->expect_count++];
    *x = (struct scenario_expect){
        .pos = pos_of(p, kw), .host = -1, .peer = -1, .len = -1, .count = -1,
    };
    match_init(&x->m);
    match_init(&x->when.ref);
    /* the text as written: from `expect` to the end of the last word */
    x->text = dup_bytes(p, p->line + kw->off, eol_off(p) - kw->off);
    return x->text ? x : NULL;
}

/* Flags as the timeline writes them: letters of S F R P U in that order, then "." for ACK. */
static bool take_segment_flags(struct parser *p, uint8_t *flags)
{
    static const struct { char letter; uint8_t bit; } order[] = {
        { 'S', TCP_SYN }, { 'F', TCP_FIN }, { 'R', TCP_RST }, { 'P', TCP_PSH }, { 'U', TCP_URG },
    };
    const char *what = "flags as in the timeline: letters of S F R P U in that order, then '.' for "
                       "ACK (S, S., ., P., F., FP., R, R.)";
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    size_t i = 0, k = 0, n = sizeof order / sizeof order[0];
    uint8_t f = 0;
    for (; i < w->len && s[i] != '.'; i++, k++) {
        while (k < n && order[k].letter != s[i]) k++;
        if (k == n) break;
        f |= order[k].bit;
    }
    if (i < w->len && s[i] == '.') {
        f |= TCP_ACK;
        i++;
    }
    if (i != w->len || f == 0)
        return fail_word(p, w, "found '%s', expected %s", show_word(p, w).s, what);
    *flags = f;
    return true;
}

static const char *const state_names[STACK_TCP_STATE_COUNT] = {
    [STACK_CLOSED] = "CLOSED", [STACK_LISTEN] = "LISTEN", [STACK_SYN_SENT] = "SYN_SENT",
    [STACK_SYN_RCVD] = "SYN_RCVD", [STACK_ESTABLISHED] = "ESTABLISHED",
    [STACK_FIN_WAIT_1] = "FIN_WAIT_1", [STACK_FIN_WAIT_2] = "FIN_WAIT_2",
    [STACK_CLOSE_WAIT] = "CLOSE_WAIT", [STACK_CLOSING] = "CLOSING", [STACK_LAST_ACK] = "LAST_ACK",
    [STACK_TIME_WAIT] = "TIME_WAIT",
};

/* ---- matching events: ranges, connections, filters, references and time conditions; see
 * docs/scenario-format.md, "Matching events" and "Time in expectations" ---- */

#define RANGE_MAX INT64_C(4294967295)

/* "<n>" or "<lo>..<hi>", min <= lo <= hi <= max. */
static bool take_range(struct parser *p, int64_t max, const char *what, struct value_range *r)
{
    const struct word *w = take(p, what);
    if (!w) return false;
    const char *s = raw(p, w);
    const char *dots = w->len > 2 ? strstr(w->v, "..") : NULL;
    size_t ll = dots ? (size_t)(dots - w->v) : w->len;
    uint64_t lo, hi;
    if (!number_in(p, w->off, s, ll, 0, (uint64_t)max, what, &lo)) return false;
    hi = lo;
    if (dots && !number_in(p, w->off + ll + 2, s + ll + 2, w->len - ll - 2, 0, (uint64_t)max, what, &hi))
        return false;
    if (hi < lo)
        return fail_word(p, w, "'%s' is an empty range, expected %s with low <= high",
                         show_word(p, w).s, what);
    *r = (struct value_range){ .set = true, .lo = (int64_t)lo, .hi = (int64_t)hi };
    return true;
}

static bool range_given_twice(struct parser *p, const struct word *o, const struct value_range *r)
{
    return r->set ? given_twice(p, o, o->v) : true;
}

/* A connection: "<proc>:<fd>" of a process on one of the hosts host/peer, or a pattern of
 * "ip:port>ip:port" with '*' for any run of characters. */
static bool take_conn(struct parser *p, int host, int peer, struct match *m)
{
    const char *what = "a connection: <process>:<fd> or a pattern like 10.0.0.1:*>10.0.0.2:8400";
    const struct word *w = take(p, what);
    if (!w) return false;
    if (!w->v[0]) return fail_word(p, w, "empty connection, expected %s", what);
    const char *colon = strchr(w->v, ':');
    if (!(w->v[0] >= 'a' && w->v[0] <= 'z') || !colon || w->quoted)
        return (m->conn = dup_bytes(p, w->v, strlen(w->v))) != NULL;
    size_t pl = (size_t)(colon - w->v);
    int hosts[2] = { host, peer }, proc = -1;
    for (int i = 0; i < 2 && proc < 0; i++)
        if (hosts[i] >= 0 && (proc = find_proc(p->s, hosts[i], w->v, pl)) >= 0) m->fd_host = hosts[i];
    if (proc < 0)
        return fail_word(p, w, "no process '%s' on host '%s'%s%s, expected <process>:<fd> of a "
                               "process declared earlier", show(w->v, pl).s,
                         p->s->hosts[host].name, peer >= 0 ? " or " : "",
                         peer >= 0 ? p->s->hosts[peer].name : "");
    const struct scenario_process *pr = &p->s->procs[proc];
    if (find_fd(pr, colon + 1) < 0)
        return fail_at(p, w->off + pl + 1, "fd '%s' is not defined in process '%s', expected an fd "
                       "named by its socket or accept steps", show(colon + 1, strlen(colon + 1)).s,
                       pr->name);
    memcpy(m->fd_proc, w->v, pl);
    m->fd_proc[pl] = '\0';
    snprintf(m->fd_name, sizeof m->fd_name, "%s", colon + 1);   /* a defined name fits */
    return true;
}

/* ---- the heads of event kinds ---- */

static bool parse_segment_head(struct parser *p, struct match *m)
{
    bool both;
    m->kind = MATCH_SEGMENT;
    return take_direction(p, false, &m->host, &m->peer, &both) && take_segment_flags(p, &m->flags);
}

static int take_state(struct parser *p)
{
    return take_choice(p, state_names, STACK_TCP_STATE_COUNT,
                       "a TCP state: CLOSED LISTEN SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 "
                       "FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT");
}

/* <host> <conn> <STATE>: the endpoint entering STATE. */
static bool parse_state_head(struct parser *p, struct match *m)
{
    m->kind = MATCH_STATE;
    if (!take_host(p, &m->host) || !take_conn(p, m->host, -1, m)) return false;
    return (m->state = take_state(p)) >= 0;
}

static const char *const call_names[] = {
    "socket", "bind", "listen", "accept", "connect", "send", "recv", "shutdown", "close",
    "setsockopt", "fcntl", "poll", "getsockopt",
};
#define CALL_NAME_COUNT (sizeof call_names / sizeof call_names[0])

/* <host>/<proc> <call>. */
static bool parse_call_head(struct parser *p, struct match *m)
{
    int proc;
    m->kind = MATCH_CALL;
    if (!take_proc_ref(p, &m->host, &proc, m->proc)) return false;
    int k = take_choice(p, call_names, CALL_NAME_COUNT, "a call: socket bind listen accept "
                                                        "connect send recv shutdown close "
                                                        "setsockopt fcntl poll getsockopt");
    if (k < 0) return false;
    snprintf(m->call, sizeof m->call, "%s", call_names[k]);
    return true;
}

/* <type>: the JSON type of trace events (any name: types added later match too). */
static bool parse_event_head(struct parser *p, struct match *m)
{
    const char *what = "an event type as in timeline.jsonl (pool, accounting, link, host, ...)";
    const struct word *w = take(p, what);
    if (!w) return false;
    bool ok = !w->quoted && w->len < sizeof m->type;
    for (size_t i = 0; ok && i < w->len; i++)
        ok = (w->v[i] >= 'a' && w->v[i] <= 'z') || w->v[i] == '-' || w->v[i] == '_';
    if (!ok) return fail_word(p, w, "'%s' is not an event type, expected %s", show_word(p, w).s, what);
    m->kind = MATCH_EVENT;
    memcpy(m->type, w->v, w->len + 1);
    return true;
}

/* ---- filters: words after a head that narrow what it matches ---- */

/* The words that end an event's fields: time conditions, quantifiers, count. */
static const char *const when_words[] = { "at", "after", "before", "within", "lasts", "first",
                                          "nth", "last", "all", "count" };
#define WHEN_WORD_COUNT (sizeof when_words / sizeof when_words[0])

enum filter_result { FILTER_NONE, FILTER_TAKEN, FILTER_ERROR };

/* An error a fail_* call has already reported (they return false). */
static enum filter_result filter_failed(bool reported)
{
    (void)reported;
    return FILTER_ERROR;
}

static enum filter_result filter_taken(bool ok) { return ok ? FILTER_TAKEN : FILTER_ERROR; }

enum seg_filter { SF_LEN, SF_SEQ, SF_ACK, SF_WIN, SF_DELIVERED, SF_DROPPED, SF_CONN, SF_COUNT };

static enum filter_result parse_segment_filter(struct parser *p, struct match *m)
{
    static const char *const names[SF_COUNT] = { "len", "seq", "ack", "win", "delivered",
                                                 "dropped", "conn" };
    const struct word *o = peek(p);
    int k = lookup(names, SF_COUNT, o);
    if (k < 0) return FILTER_NONE;
    p->next++;
    struct value_range *r[] = { [SF_LEN] = &m->len, [SF_SEQ] = &m->seq, [SF_ACK] = &m->ack,
                                [SF_WIN] = &m->win };
    switch ((enum seg_filter)k) {
    case SF_LEN:
        return filter_taken(range_given_twice(p, o, r[k]) &&
               take_range(p, SEGMENT_LEN_MAX, "a payload length 0..65535 or a range like 1..1460",
                          r[k]));
    case SF_SEQ:
    case SF_ACK:
    case SF_WIN:
        return filter_taken(range_given_twice(p, o, r[k]) &&
               take_range(p, RANGE_MAX, "a number 0..4294967295 or a range like 1..100", r[k]));
    case SF_DELIVERED:
    case SF_DROPPED:
        if (m->fate) return filter_failed(fail_word(p, o, "both 'delivered' and 'dropped', expected one"));
        m->fate = k == SF_DELIVERED ? 1 : 2;
        return FILTER_TAKEN;
    case SF_CONN:
        if (m->conn || m->fd_proc[0]) return filter_failed(given_twice(p, o, "conn"));
        return filter_taken(take_conn(p, m->host, m->peer, m));
    case SF_COUNT: break;
    }
    return FILTER_ERROR;
}

static enum filter_result parse_state_filter(struct parser *p, struct match *m)
{
    const struct word *o = peek(p);
    if (is_kw(o, "from")) {
        p->next++;
        if (m->from_state >= 0) return filter_failed(given_twice(p, o, "from"));
        return filter_taken((m->from_state = take_state(p)) >= 0);
    }
    if (!is_kw(o, "cause")) return FILTER_NONE;
    p->next++;
    if (m->cause) return filter_failed(given_twice(p, o, "cause"));
    const struct word *w = take(p, "a quoted cause like \"2MSL timeout\"");
    if (!w) return FILTER_ERROR;
    if (!w->quoted) return filter_failed(fail_word(p, w, "found '%s', expected a quoted cause like \"2MSL "
                                           "timeout\"", show_word(p, w).s));
    return filter_taken((m->cause = dup_bytes(p, w->v, strlen(w->v))));
}

static enum filter_result parse_call_filter(struct parser *p, struct match *m)
{
    const struct word *o = peek(p);
    if (is_kw(o, "ret")) {
        p->next++;
        return filter_taken(range_given_twice(p, o, &m->ret) &&
               take_range(p, (int64_t)BYTES_MAX, "a result 0..16777216 or a range", &m->ret));
    }
    if (!is_kw(o, "errno")) return FILTER_NONE;
    p->next++;
    if (m->err) return filter_failed(given_twice(p, o, "errno"));
    m->ret = (struct value_range){ .set = true, .lo = -1, .hi = -1 };
    return filter_taken(take_errno(p, &m->err));
}

/* <key> <value>: value a quoted text, a number or range, or a word. */
static enum filter_result parse_event_field(struct parser *p, struct match *m)
{
    const struct word *kw = peek(p);
    if (kw->quoted || lookup(when_words, WHEN_WORD_COUNT, kw) >= 0) return FILTER_NONE;
    p->next++;
    const struct word *vw = peek(p);
    if (!vw) return filter_failed(fail_at(p, eol_off(p), "end of line, expected a value for '%s'",
                            show_word(p, kw).s));
    struct event_field *f = realloc(m->fields, (m->field_count + 1) * sizeof *f);
    if (!f) return filter_failed(out_of_memory(p));
    m->fields = f;
    f = &f[m->field_count++];
    *f = (struct event_field){ .key = dup_bytes(p, kw->v, strlen(kw->v)) };
    if (!f->key) return FILTER_ERROR;
    bool number = !vw->quoted && vw->v[0] >= '0' && vw->v[0] <= '9';
    if (number)
        return filter_taken(take_range(p, INT64_C(1) << 48, "a number or a range like 1..100", &f->range));
    p->next++;
    return filter_taken((f->text = dup_bytes(p, vw->v, strlen(vw->v))));
}

/* 1 a filter word of m's kind was read, 0 the next word is not one, -1 error. */
static enum filter_result parse_filter(struct parser *p, struct match *m)
{
    if (!peek(p)) return FILTER_NONE;
    switch (m->kind) {
    case MATCH_SEGMENT: return parse_segment_filter(p, m);
    case MATCH_STATE: return parse_state_filter(p, m);
    case MATCH_CALL: return parse_call_filter(p, m);
    case MATCH_EVENT: return parse_event_field(p, m);
    case MATCH_PROCESS:
    case MATCH_SIGNAL:
    case MATCH_KIND_COUNT: break;
    }
    return FILTER_NONE;
}

static bool parse_filters(struct parser *p, struct match *m)
{
    enum filter_result r;
    while ((r = parse_filter(p, m)) == FILTER_TAKEN) {}
    return r == FILTER_NONE;
}

static void match_init(struct match *m)
{
    *m = (struct match){ .host = -1, .peer = -1, .fd_host = -1, .state = -1, .from_state = -1 };
}

/* The reference of after/before: [segment] <a>><b> <flags> | state ... | call ... | event ...,
 * with its own filters (so `after client>server F. len 0` narrows the reference). */
static bool parse_reference(struct parser *p, struct match *m)
{
    static const char *const kinds[] = { "segment", "state", "call", "event" };
    const struct word *w = peek(p);
    match_init(m);
    int k = lookup(kinds, 4, w);
    bool ok;
    if (k > 0) p->next++;
    if (k <= 0) {
        if (k == 0) p->next++;
        ok = parse_segment_head(p, m);
    } else if (k == 1) ok = parse_state_head(p, m);
    else if (k == 2) ok = parse_call_head(p, m);
    else ok = parse_event_head(p, m);
    return ok && parse_filters(p, m);
}

/* after|before <time> or <reference>. */
static bool parse_order(struct parser *p, struct scenario_expect *x, const struct word *o, bool after)
{
    struct when *wh = &x->when;
    const struct word *w = take(p, "a time or an event (segment, state, call or event ...)");
    if (!w) return false;
    p->next--;
    if (w->v[0] >= '0' && w->v[0] <= '9') {
        if ((after ? wh->has_after : wh->has_before)) return given_twice(p, o, o->v);
        (after ? (wh->has_after = true) : (wh->has_before = true));
        return take_time(p, TIME_MAX_US, TIME_WHAT, after ? &wh->after_us : &wh->before_us);
    }
    if (wh->order) return fail_word(p, o, "a second event to order against, expected one "
                                          "reference event (before or after)");
    wh->order = after ? 2 : 1;
    return parse_reference(p, &wh->ref);
}

enum when_word { WW_AT, WW_AFTER, WW_BEFORE, WW_WITHIN, WW_LASTS, WW_FIRST, WW_NTH, WW_LAST,
                 WW_ALL, WW_COUNT_, WW_KIND_COUNT };

/* One time condition, quantifier or count. `lasts` needs a kind with a duration. */
static bool parse_when_word(struct parser *p, struct scenario_expect *x, int k, const struct word *o)
{
    struct when *wh = &x->when;
    bool quant_ok = !x->negated && x->count < 0;
    switch ((enum when_word)k) {
    case WW_AT:
        if (wh->has_at) return given_twice(p, o, "at");
        wh->has_at = true;
        return take_time(p, TIME_MAX_US, TIME_WHAT, &wh->at_us);
    case WW_AFTER:
    case WW_BEFORE: return parse_order(p, x, o, k == WW_AFTER);
    case WW_WITHIN:
        if (wh->has_within) return given_twice(p, o, "within");
        wh->has_within = true;
        return take_time(p, TIME_MAX_US, TIME_WHAT, &wh->within_us);
    case WW_LASTS:
        if (x->m.kind != MATCH_STATE && x->m.kind != MATCH_CALL)
            return fail_word(p, o, "'lasts' here, expected it on a state or a call (only they "
                                   "have a duration)");
        if (wh->has_lasts) return given_twice(p, o, "lasts");
        wh->has_lasts = true;
        return take_time(p, TIME_MAX_US, TIME_WHAT, &wh->lasts_us);
    case WW_FIRST:
    case WW_NTH:
    case WW_LAST:
    case WW_ALL:
        if (!quant_ok || x->quant != QUANT_FIRST || x->nth)
            return fail_word(p, o, "'%s' here, expected one of first, nth, last, all, and none of "
                                   "them with 'no' or 'count'", o->v);
        x->quant = k == WW_NTH ? QUANT_NTH : k == WW_LAST ? QUANT_LAST : k == WW_ALL ? QUANT_ALL
                                                                                    : QUANT_FIRST;
        x->nth = 1;
        return k != WW_NTH || take_long(p, 1, PACKETS_MAX, "a match number 1..1000000000", &x->nth);
    case WW_COUNT_:
        if (x->negated)
            return fail_word(p, o, "'count' after 'expect no', expected %s",
                             "len, delivered, dropped or end of line");
        if (x->count >= 0 || x->nth)
            return fail_word(p, o, "'count' here, expected it once, without 'no' or a quantifier");
        return take_long(p, 0, PACKETS_MAX, "a count 0..1000000000", &x->count);
    case WW_KIND_COUNT: break;
    }
    return false;
}

/* The rest of an expectation on a head: filters, then quantifier, count and time conditions
 * in any order. */
static bool parse_expect_tail(struct parser *p, struct scenario_expect *x)
{
    char expected[160];
    snprintf(expected, sizeof expected, "%s, at, after, before, within, lasts, first, nth, "
             "last, all, count or end of line",
             x->m.kind == MATCH_SEGMENT ? "len, seq, ack, win, delivered, dropped, conn"
             : x->m.kind == MATCH_STATE ? "from, cause"
             : x->m.kind == MATCH_CALL ? "ret, errno" : "<key> <value>");
    if (!parse_filters(p, &x->m)) return false;
    while (peek(p)) {
        const struct word *o = peek(p);
        int k = take_choice(p, when_words, WHEN_WORD_COUNT, expected);
        if (k < 0 || !parse_when_word(p, x, k, o)) return false;
        const struct word *f = peek(p);
        if (parse_filter(p, &x->m) != FILTER_NONE)
            return fail_word(p, f, "filter '%s' after '%s', expected the filters right after "
                                   "what they narrow", show_word(p, f).s, o->v);
    }
    return true;
}

static bool parse_expect_segment(struct parser *p, struct scenario_expect *x)
{
    x->kind = EXPECT_SEGMENT;
    if (!parse_segment_head(p, &x->m) || !parse_expect_tail(p, x)) return false;
    x->host = x->m.host;
    x->peer = x->m.peer;
    x->flags = x->m.flags;
    x->fate = x->m.fate;
    x->len = x->m.len.set && x->m.len.lo == x->m.len.hi ? (long)x->m.len.lo : -1;
    return true;
}

/* expect [no] state|call|event ... */
static bool parse_expect_matched(struct parser *p, struct scenario_expect *x, enum expect_kind kind)
{
    x->kind = kind;
    bool ok = kind == EXPECT_STATE ? parse_state_head(p, &x->m)
              : kind == EXPECT_CALL ? parse_call_head(p, &x->m) : parse_event_head(p, &x->m);
    if (!ok || !parse_expect_tail(p, x)) return false;
    x->host = x->m.host;
    x->peer = x->m.peer;
    return true;
}

/* process and signal expectations: only time conditions after their words. */
static bool parse_when_only(struct parser *p, struct scenario_expect *x, enum match_kind kind)
{
    static const char *const names[] = { "at", "after", "before", "within" };
    x->m.kind = kind;
    while (peek(p)) {
        const struct word *o = peek(p);
        int k = take_choice(p, names, 4, "at, after, before, within or end of line");
        if (k < 0 || !parse_when_word(p, x, k, o)) return false;
    }
    return true;
}


static bool parse_expect_states(struct parser *p, struct scenario_expect *x)
{
    const char *what = "a TCP state: CLOSED LISTEN SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 "
                       "FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT";
    x->kind = EXPECT_STATES;
    if (!take_host(p, &x->host)) return false;
    if (!take_conn(p, x->host, -1, &x->m)) return false;
    x->conn = x->m.conn;   /* a pattern; or else x->m names <proc>:<fd> */
    x->m.conn = NULL;
    size_t left = p->nwords - p->next;
    if (left == 0) return take(p, what) != NULL;
    if (!(x->states = calloc(left, sizeof *x->states))) return out_of_memory(p);
    while (peek(p)) {
        int k = take_choice(p, state_names, STACK_TCP_STATE_COUNT, what);
        if (k < 0) return false;
        x->states[x->state_count++] = (enum stack_tcp_state)k;
    }
    return true;
}

static bool parse_expect_process(struct parser *p, struct scenario_expect *x)
{
    static const char *const ends[] = { "exit", "killed" };
    int proc;
    x->kind = EXPECT_PROCESS;
    if (!take_proc_ref(p, &x->host, &proc, x->proc)) return false;
    int k = take_choice(p, ends, 2, "exit <status> or killed <signal>");
    if (k < 0) return false;
    x->killed = k == 1;
    if (!x->killed)
        return take_long(p, 0, EXIT_STATUS_MAX, "an exit status 0..255", &x->count) &&
               parse_when_only(p, x, MATCH_PROCESS);
    x->signal = take_choice(p, signal_names, PROC_SIGNAL_COUNT, "sigkill, sigterm or sigpipe");
    return x->signal >= 0 && parse_when_only(p, x, MATCH_PROCESS);
}

static bool parse_expect_signal(struct parser *p, struct scenario_expect *x)
{
    static const char *const actions[] = { "terminate", "ignored", "handled" };
    int proc;
    x->kind = EXPECT_SIGNAL;
    if (!take_proc_ref(p, &x->host, &proc, x->proc)) return false;
    x->signal = take_choice(p, signal_names, PROC_SIGNAL_COUNT, "sigkill, sigterm or sigpipe");
    if (x->signal < 0) return false;
    int k = take_choice(p, actions, 3, "terminate, ignored or handled");
    if (k < 0) return false;
    snprintf(x->action, sizeof x->action, "%s", actions[k]);
    return parse_when_only(p, x, MATCH_SIGNAL);
}

static bool parse_expect_received(struct parser *p, struct scenario_expect *x)
{
    int proc;
    x->kind = EXPECT_RECEIVED;
    if (!take_proc_ref(p, &x->host, &proc, x->proc)) return false;
    const struct word *w = take(p, "an fd name");
    if (!w) return false;
    const struct scenario_process *pr = &p->s->procs[proc];
    if (w->quoted || find_fd(pr, w->v) < 0)
        return fail_word(p, w, "fd '%s' is not defined in process '%s', expected an fd named by "
                               "its socket or accept steps", show_word(p, w).s, pr->name);
    memcpy(x->fd_name, w->v, w->len + 1);   /* a defined name is a valid name: it fits */
    return take_long(p, 0, RECEIVED_MAX, "a byte count 0..1099511627776", &x->count);
}

enum expect_word { XW_SEGMENT, XW_NO, XW_STATES, XW_PROCESS, XW_SIGNAL, XW_RECEIVED, XW_STATE,
                   XW_CALL, XW_EVENT, XW_COUNT };

/* expect no segment|state|call|event ... */
static bool parse_expect_no(struct parser *p, struct scenario_expect *x)
{
    static const char *const names[] = { "segment", "state", "call", "event" };
    static const enum expect_kind kinds[] = { EXPECT_SEGMENT, EXPECT_STATE, EXPECT_CALL, EXPECT_EVENT };
    x->negated = true;
    int k = take_choice(p, names, 4, "segment, state, call or event");
    if (k < 0) return false;
    return k == 0 ? parse_expect_segment(p, x) : parse_expect_matched(p, x, kinds[k]);
}

static bool parse_expect(struct parser *p, const struct word *kw)
{
    static const char *const names[XW_COUNT] = {
        "segment", "no", "states", "process", "signal", "received", "state", "call", "event",
    };
    struct scenario_expect *x = new_expect(p, kw);
    if (!x) return false;
    int k = take_choice(p, names, XW_COUNT, "segment, no, states, state, call, event, process, "
                                            "signal or received");
    if (k < 0) return false;
    bool ok = false;
    switch ((enum expect_word)k) {
    case XW_NO: ok = parse_expect_no(p, x); break;
    case XW_STATE: ok = parse_expect_matched(p, x, EXPECT_STATE); break;
    case XW_CALL: ok = parse_expect_matched(p, x, EXPECT_CALL); break;
    case XW_EVENT: ok = parse_expect_matched(p, x, EXPECT_EVENT); break;
    case XW_SEGMENT: ok = parse_expect_segment(p, x); break;
    case XW_STATES: ok = parse_expect_states(p, x); break;
    case XW_PROCESS: ok = parse_expect_process(p, x); break;
    case XW_SIGNAL: ok = parse_expect_signal(p, x); break;
    case XW_RECEIVED: ok = parse_expect_received(p, x); break;
    case XW_COUNT: break;
    }
    return ok && end_of_line(p, "end of line");
}

/* ---- statements, lines, the file ---- */

static bool parse_statement(struct parser *p)
{
    const struct word *kw = take(p, "a statement");
    if (!kw) return false;
    int k = lookup(stmt_names, ST_COUNT, kw);
    if (k < 0)
        return fail_word(p, kw, "unknown statement '%s', expected one of: " STATEMENT_LIST,
                         show_word(p, kw).s);
    if (k >= META_COUNT && !p->body_line) p->body_line = p->lineno;
    switch ((enum stmt)k) {
    case ST_ID: case ST_TITLE: case ST_SUMMARY: case ST_LINUX: case ST_WINDOWS: case ST_DIFFERS:
    case ST_OUTCOME:
    case ST_EXPLAIN: return parse_metadata(p, (enum stmt)k, kw);
    case ST_SEED: return parse_seed(p, kw);
    case ST_LINK: return parse_link_config(p, kw);
    case ST_HOST: return parse_host(p, kw);
    case ST_PROCESS: return parse_process(p, kw);
    case ST_AT: return parse_at(p, kw);
    case ST_EXPECT: return parse_expect(p, kw);
    case ST_END:
        return fail_word(p, kw, "'end' without an open process or repeat, expected one of: "
                                STATEMENT_LIST);
    case ST_COUNT: break;
    }
    return false;
}

static bool parse_line(struct parser *p)
{
    if (!check_line_bytes(p) || !split_words(p)) return false;
    if (p->nwords == 0) return true;
    return p->in_proc ? parse_step(p) : parse_statement(p);
}

static bool check_not_binary(struct parser *p, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    if (!nul) return true;
    int line = 1;
    const char *line_start = text;
    for (const char *c = text; c < nul; c++)
        if (*c == '\n') {
            line++;
            line_start = c + 1;
        }
    return fail_pos(p, line, (int)(nul - line_start) + 1,
                    "NUL byte (a binary file), expected UTF-8 or ASCII text");
}

static bool finish(struct parser *p)
{
    if (p->in_proc) {
        const struct scenario_process *pr = open_proc(p);
        if (p->depth > 0) {
            const struct src_pos *r = &pr->steps[p->repeats[p->depth - 1]].pos;
            return fail_pos(p, r->line, r->col, "'repeat' is never closed, expected 'end' before "
                                                "the end of the file");
        }
        return fail_pos(p, pr->pos.line, pr->pos.col, "process '%s' is never closed, expected "
                        "'end' before the end of the file", pr->name);
    }
    if (!p->meta_line[ST_ID])
        return fail_pos(p, 1, 1, "no 'id' line, expected metadata 'id <name>' (e.g. id "
                                 "graceful-close)");
    if (!p->meta_line[ST_TITLE])
        return fail_pos(p, 1, 1, "no 'title' line, expected metadata 'title \"...\"'");
    return true;
}

static bool parse_text(struct parser *p, const char *text, size_t len)
{
    if (len == 0)
        return fail_pos(p, 1, 1, "empty file, expected a scenario (id, title, hosts, ...)");
    if (len > FILE_MAX_BYTES)
        return fail_pos(p, 1, 1, "%zu bytes, expected a file of at most 1 MiB (%zu bytes)", len,
                        FILE_MAX_BYTES);
    if (!check_not_binary(p, text, len)) return false;
    size_t off = 0;
    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        p->lineno++;
        p->line = text + off;
        p->line_len = end - off;
        if (p->line_len && p->line[p->line_len - 1] == '\r') p->line_len--;   /* CRLF files */
        if (!parse_line(p)) return false;
        off = end + 1;
    }
    return finish(p);
}

static struct scenario *scenario_new(const char *file)
{
    struct scenario *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (!(s->file = strdup(file ? file : "<input>"))) {
        free(s);
        return NULL;
    }
    s->seed = 1;
    s->link = link_config_default();
    return s;
}

struct scenario *scenario_parse(const char *file, const char *text, size_t len, char *err,
                                size_t err_size)
{
    if (err && err_size) err[0] = '\0';
    struct parser *p = calloc(1, sizeof *p);
    struct scenario *s = scenario_new(file);
    if (!p || !s) {
        if (err && err_size)
            snprintf(err, err_size, "%s:1:1: error: out of memory, expected a smaller scenario",
                     file ? file : "<input>");
        free(p);
        scenario_free(s);
        return NULL;
    }
    *p = (struct parser){ .s = s, .err = err, .err_size = err_size };
    bool ok = parse_text(p, text ? text : "", text ? len : 0);
    free(p);
    if (ok) return s;
    scenario_free(s);
    return NULL;
}

struct scenario *scenario_load(const char *path, char *err, size_t err_size)
{
    size_t len;
    char *buf = infile_read(path, FILE_MAX_BYTES, "scenario file", &len, err, err_size);
    if (!buf) return NULL;
    struct scenario *s = scenario_parse(path, buf, len, err, err_size);
    free(buf);
    return s;
}

static void match_free(struct match *m)
{
    for (size_t i = 0; i < m->field_count; i++) {
        free(m->fields[i].key);
        free(m->fields[i].text);
    }
    free(m->fields);
    free(m->conn);
    free(m->cause);
}

void scenario_free(struct scenario *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->proc_count; i++) {
        struct scenario_process *pr = &s->procs[i];
        for (size_t j = 0; j < pr->fd_name_count; j++) free(pr->fd_names[j]);
        for (size_t j = 0; j < pr->step_count; j++) {
            free(pr->steps[j].text);
            free(pr->steps[j].expect.text);
        }
        free(pr->fd_names);
        free(pr->steps);
    }
    for (size_t i = 0; i < s->expect_count; i++) {
        match_free(&s->expects[i].m);
        match_free(&s->expects[i].when.ref);
        free(s->expects[i].text);
        free(s->expects[i].conn);
        free(s->expects[i].states);
    }
    for (size_t i = 0; i < s->event_count; i++) free(s->events[i].inject.payload);
    free(s->procs);
    free(s->events);
    free(s->expects);
    free(s->title);
    free(s->summary);
    free(s->linux_ref);
    free(s->windows_ref);
    free(s->lwip_differs);
    free(s->outcome);
    free(s->explain);
    free(s->file);
    free(s);
}
