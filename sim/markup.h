/* markup — text into HTML and SVG (XML) documents, escaped.
 *
 * Every string a scenario or a run supplies (titles, explanations, reasons, process names)
 * goes into report.html and the ladders through here, so no text can open a tag. */
#ifndef TCPSIM_MARKUP_H
#define TCPSIM_MARKUP_H

#include "strbuf.h"

#include <stddef.h>
#include <stdio.h>

/* Writes at most len bytes of s (stopping at a NUL) with & < > " ' escaped. */
void markup_put_n(FILE *f, const char *s, size_t len);
/* The whole string; NULL writes nothing. */
void markup_put(FILE *f, const char *s);
/* The same, appended to a strbuf (for writers that collect a line before they write it). */
void markup_add_n(struct strbuf *sb, const char *s, size_t len);
void markup_add(struct strbuf *sb, const char *s);

#endif
