/* markup — see markup.h. Safe runs go out in one piece: most text has nothing to escape, and
 * a call per byte was the biggest single cost of writing report.html. */
#include "markup.h"

#include <string.h>

static const char *entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    }
    return NULL;
}

/* Calls put for each piece of the escaped text: runs of s as they are, entities between. */
static void escape_pieces(const char *s, size_t len, void (*put)(void *to, const char *p, size_t n),
                          void *to)
{
    len = strnlen(s, len);   /* s need not end within len: no strcspn */
    while (len > 0) {
        size_t run = 0;
        while (run < len && !entity(s[run])) run++;
        if (run) put(to, s, run);
        if (run == len) return;
        const char *e = entity(s[run]);
        put(to, e, strlen(e));
        s += run + 1;
        len -= run + 1;
    }
}

static void put_file(void *to, const char *p, size_t n) { fwrite(p, 1, n, to); }

static void put_strbuf(void *to, const char *p, size_t n) { strbuf_put(to, p, n); }

void markup_put_n(FILE *f, const char *s, size_t len) { escape_pieces(s, len, put_file, f); }

void markup_put(FILE *f, const char *s)
{
    if (s) markup_put_n(f, s, strlen(s));
}

void markup_add_n(struct strbuf *sb, const char *s, size_t len)
{
    escape_pieces(s, len, put_strbuf, sb);
}

void markup_add(struct strbuf *sb, const char *s)
{
    if (s) markup_add_n(sb, s, strlen(s));
}
