/* markup — see markup.h. */
#include "markup.h"

#include <string.h>

void markup_put_n(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(s[i], f);
        }
    }
}

void markup_put(FILE *f, const char *s)
{
    if (s) markup_put_n(f, s, strlen(s));
}
