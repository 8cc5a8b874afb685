/* json_write — one JSON object written straight into a strbuf, for timeline.jsonl's hot path.
 *
 * Building a jansson object per event and dumping it cost ~40 allocations and most of a fully
 * traced run (issue 11); this writes the same bytes directly. The output is byte for byte what
 * jansson 2.14's json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) makes of the
 * same object: keys in the order written, integers as "%lld", strings escaped as its dump_string
 * does (\" \\ \b \f \n \r \t, other control characters and every non-ASCII code point as \uXXXX
 * with upper-case hex, code points above U+FFFF as a surrogate pair, '/' and DEL as they are).
 * A string that is not valid UTF-8 (or NULL), as key or value, leaves its member out, as
 * json_string() returning NULL makes json_object_set_new() do. tests/test_json_write.c compares
 * the two on awkward strings. Reading JSON stays with jansson (sim/diff.c, expectations). */
#ifndef TCPSIM_JSON_WRITE_H
#define TCPSIM_JSON_WRITE_H

#include "strbuf.h"

#include <stdbool.h>

#define JSON_WRITE_MAX_DEPTH 4

struct json_writer {
    struct strbuf *out;
    int depth;                              /* open objects */
    bool has_member[JSON_WRITE_MAX_DEPTH];  /* the next member needs a comma */
};

/* Opens the outermost object ("{") at the end of out, a growable strbuf: members are written
 * in place with room for their worst case (a fixed one without that room is a bug: panic). */
void json_writer_begin(struct json_writer *w, struct strbuf *out);
/* Closes the innermost open object ("}"). */
void json_writer_close(struct json_writer *w);
void json_write_string(struct json_writer *w, const char *key, const char *value);
void json_write_integer(struct json_writer *w, const char *key, long long value);
void json_write_null(struct json_writer *w, const char *key);
void json_write_bool(struct json_writer *w, const char *key, bool value);
/* Opens a nested object as the value of key, a literal (closed by json_writer_close). */
void json_write_object(struct json_writer *w, const char *key);

/* s as a JSON string literal (quotes included) appended to out; false, and out unchanged, when
 * s is not valid UTF-8. */
bool json_write_literal(struct strbuf *out, const char *s);

/* In place, for a sink's hottest lines (trace_jsonl's segment and call events), written without
 * a writer: the caller reserved room at o for the worst case and gets back the end (integers:
 * strbuf_i64_at). */
/* s as a string literal (room: 6 * strlen(s) + 2), or NULL when s is not valid UTF-8 */
char *json_put_string(char *o, const char *s);

#endif
