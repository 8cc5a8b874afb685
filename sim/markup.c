/* markup — see markup.h. Safe runs go out in one fwrite: most text has nothing to escape,
 * and a call per byte was the biggest single cost of writing report.html. */
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

void markup_put_n(FILE *f, const char *s, size_t len)
{
    len = strnlen(s, len);   /* s need not end within len: no strcspn */
    while (len > 0) {
        size_t run = 0;
        while (run < len && !entity(s[run])) run++;
        if (run) fwrite(s, 1, run, f);
        if (run == len) return;
        fputs(entity(s[run]), f);
        s += run + 1;
        len -= run + 1;
    }
}

void markup_put(FILE *f, const char *s)
{
    if (s) markup_put_n(f, s, strlen(s));
}
