/* json_write against jansson: the same object must come out as the same bytes that
 * json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) writes, for awkward
 * strings (control bytes, quotes, DEL, every UTF-8 length, invalid UTF-8 that jansson refuses),
 * integers at their limits and nested objects; and strbuf's fixed buffers cut off as snprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "json_write.h"
#include "strbuf.h"
#include "trace.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const awkward[] = {
    "", "plain", "quote \" backslash \\ slash / end",
    "\x01\x02\x07\b\t\n\v\f\r\x0e\x1b\x1f", "DEL \x7f kept",
    "caf\xc3\xa9", "\xe2\x82\xac euro", "\xef\xbb\xbf bom", "\xf0\x9f\x98\x80 astral",
    "\xf4\x8f\xbf\xbf max", "\xc2\x80 lowest two-byte",
    /* not UTF-8: jansson's json_string() refuses them, the member is left out */
    "\x80 stray", "\xc0\xaf overlong", "\xe0\x80\xaf overlong3", "\xed\xa0\x80 surrogate",
    "\xf4\x90\x80\x80 above max", "\xf5\x80\x80\x80 f5", "cut \xe2\x82", "cut at end \xc3",
    "\xff", "\xfe\xfe",
};

/* jansson's bytes for {"k":s,"n":1} (s left out when jansson refuses it) */
static char *jansson_text(const char *key, const char *s)
{
    json_t *o = json_object();
    json_object_set_new(o, key, json_string(s));
    json_object_set_new(o, "n", json_integer(1));
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

static void test_strings_as_jansson_writes_them(void **state)
{
    (void)state;
    struct strbuf b = { 0 };
    for (size_t i = 0; i < sizeof awkward / sizeof awkward[0]; i++) {
        for (int as_key = 0; as_key < 2; as_key++) {
            const char *key = as_key ? awkward[i] : "k";
            const char *value = as_key ? "v" : awkward[i];
            char *want = jansson_text(key, value);
            struct json_writer w;
            strbuf_clear(&b);
            json_writer_begin(&w, &b);
            json_write_string(&w, key, value);
            json_write_integer(&w, "n", 1);
            json_writer_close(&w);
            assert_non_null(want);
            if (strcmp(want, b.data) != 0) fail_msg("string %zu (as %s): jansson %s, we %s", i,
                                                    as_key ? "key" : "value", want, b.data);
            free(want);
        }
    }
    strbuf_release(&b);
}

static void test_values_and_nesting_as_jansson_writes_them(void **state)
{
    (void)state;
    json_t *o = json_object(), *inner = json_object();
    json_object_set_new(o, "min", json_integer(LLONG_MIN));
    json_object_set_new(o, "max", json_integer(LLONG_MAX));
    json_object_set_new(o, "zero", json_integer(0));
    json_object_set_new(o, "null", json_null());
    json_object_set_new(o, "t", json_true());
    json_object_set_new(o, "f", json_false());
    json_object_set_new(o, "empty", json_object());
    json_object_set_new(inner, "a", json_integer(-7));
    json_object_set_new(inner, "b", json_string("x"));
    json_object_set_new(o, "inner", inner);
    json_object_set_new(o, "gone", json_string(NULL));
    json_object_set_new(o, "last", json_integer(42));
    char *want = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);

    struct strbuf b = { 0 };
    struct json_writer w;
    json_writer_begin(&w, &b);
    json_write_integer(&w, "min", LLONG_MIN);
    json_write_integer(&w, "max", LLONG_MAX);
    json_write_integer(&w, "zero", 0);
    json_write_null(&w, "null");
    json_write_bool(&w, "t", true);
    json_write_bool(&w, "f", false);
    json_write_object(&w, "empty");
    json_writer_close(&w);
    json_write_object(&w, "inner");
    json_write_integer(&w, "a", -7);
    json_write_string(&w, "b", "x");
    json_writer_close(&w);
    json_write_string(&w, "gone", NULL);
    json_write_integer(&w, "last", 42);
    json_writer_close(&w);
    assert_string_equal(b.data, want);
    free(want);
    strbuf_release(&b);
}

static void test_fixed_strbuf_cuts_off_as_snprintf(void **state)
{
    (void)state;
    char buf[8], want[32];
    struct strbuf b = strbuf_fixed(buf, sizeof buf);
    strbuf_str_left(&b, "ab", 4);
    strbuf_u64_right(&b, 42, 5, '0');
    strbuf_i64(&b, -3);
    int n = snprintf(want, sizeof want, "%-4s%05llu%lld", "ab", 42ULL, -3LL);
    want[sizeof buf - 1] = '\0';   /* what snprintf into buf would have kept */
    assert_string_equal(buf, want);
    assert_int_equal(b.len, (size_t)n);
    strbuf_printf(&b, "%s", "more");   /* past the end: only counted */
    assert_string_equal(buf, want);
    assert_int_equal(b.len, (size_t)n + 4);
    struct strbuf grown = { 0 };
    for (int i = 0; i < 100; i++) strbuf_printf(&grown, "%-5d|", i);
    assert_int_equal(grown.len, 600);
    assert_memory_equal(grown.data + 594, "99   |", 7);   /* the NUL included */
    strbuf_release(&grown);
    char ip[16];
    b = strbuf_fixed(ip, sizeof ip);
    strbuf_ip4(&b, 0xC0A80A01u);
    strbuf_char(&b, ' ');
    assert_string_equal(ip, "192.168.10.1 ");
}

/* the in-place integers against printf, around every power of ten and at the limits */
static void test_integers_as_printf_writes_them(void **state)
{
    (void)state;
    char want[128], got[128];
    uint64_t p = 1;
    for (int i = 0; i < 20; i++, p *= 10) {
        const uint64_t values[] = { p - 1, p, p + 1, p * 2 - 1, p * 9 + (p - 1) };
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            uint64_t v = values[k];
            snprintf(want, sizeof want, "%llu|%lld|%8llu|%06llu", (unsigned long long)v,
                     -(long long)(v >> 1), (unsigned long long)v, (unsigned long long)v);
            char *o = strbuf_u64_at(got, v);
            *o++ = '|';
            o = strbuf_i64_at(o, -(int64_t)(v >> 1));
            *o++ = '|';
            o = strbuf_u64_padded_at(o, v, 8, ' ');
            *o++ = '|';
            *strbuf_u64_padded_at(o, v, 6, '0') = '\0';
            assert_string_equal(got, want);
        }
    }
    *strbuf_u64_at(got, UINT64_MAX) = '\0';
    assert_string_equal(got, "18446744073709551615");
    *strbuf_i64_at(got, INT64_MIN) = '\0';
    assert_string_equal(got, "-9223372036854775808");
}

/* trace_jsonl_line writes segments and calls directly: each must be what jansson dumps of
 * trace_event_json (the shared description of the members), awkward strings included. */
static void expect_line_as_jansson(const struct trace_event *ev, const char *what)
{
    json_t *o = trace_event_json(ev);
    char *want = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);
    struct strbuf b = { 0 };
    struct strbuf_addr_cache addrs = { 0 };
    trace_jsonl_line(&b, ev, &addrs);
    assert_non_null(want);
    assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
    b.data[--b.len] = '\0';
    if (strcmp(want, b.data) != 0) fail_msg("%s: jansson %s, we %s", what, want, b.data);
    free(want);
    strbuf_release(&b);
}

static void test_hot_lines_as_jansson_writes_them(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof awkward / sizeof awkward[0]; i++) {
        struct trace_event seg = { .type = TRACE_SEGMENT, .t_us = 18446744073709551615ULL };
        struct trace_segment *s = &seg.u.segment;
        *s = (struct trace_segment){ .from = awkward[i], .to = "server", .src_ip = 0xFFFFFFFFu,
                                     .src_port = 65535, .dst_ip = 0x0A000002u, .dst_port = 7,
                                     .flags = 0xFF, .seq = 4294967295u, .ack = 1, .len = 0,
                                     .win = 65535, .delivered = i % 2, .arrive_us = i,
                                     .injected = i % 3 == 0 };
        snprintf(s->fate, sizeof s->fate, "dropped:%s", awkward[i]);
        snprintf(s->reason, sizeof s->reason, "%s", i % 4 ? awkward[i] : "");
        expect_line_as_jansson(&seg, "segment");

        struct trace_event call = { .type = TRACE_CALL, .t_us = 12 };
        struct trace_call *c = &call.u.call;
        *c = (struct trace_call){ .host = "client", .proc = awkward[i], .call = "recv",
                                  .fd = i % 2 ? -1 : 3, .start_us = 7,
                                  .ret = i % 2 ? -1 : 2147483647L, .err = i % 2 ? 104 : 0,
                                  .bytes = i % 3 ? -1 : 65536, .state = STACK_FIN_WAIT_1 };
        snprintf(c->conn, sizeof c->conn, "%s", i % 4 ? awkward[i] : "");
        expect_line_as_jansson(&call, "call");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_as_jansson_writes_them),
        cmocka_unit_test(test_values_and_nesting_as_jansson_writes_them),
        cmocka_unit_test(test_fixed_strbuf_cuts_off_as_snprintf),
        cmocka_unit_test(test_hot_lines_as_jansson_writes_them),
        cmocka_unit_test(test_integers_as_printf_writes_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
