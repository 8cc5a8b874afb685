/* libFuzzer target for the packetdrill-script reader (sim/pkt_parse.c): any bytes go in; what
 * must hold is that nothing crashes, leaks or overflows (ASan, UBSan), that a rejection is one
 * line "fuzz.pkt:<line>:<col>: error: ... expected ...", and that an accepted script keeps the
 * data model's promises (kinds in range, positions set, calls with the argument count of their
 * kind, option lists that fit a TCP header). A broken promise aborts, so libFuzzer reports it
 * as a crash. Built and run by `make fuzz-pkt` (the Makefile's last block). */
#include "pkt_script.h"

#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_event(const struct pkt_event *e)
{
    CHECK(e->kind < PKT_EVENT_KIND_COUNT && e->time_kind < PKT_TIME_KIND_COUNT);
    CHECK(e->pos.line >= 1 && e->pos.col >= 1);
    CHECK(e->t_us >= 0);
    switch (e->kind) {
    case PKT_INBOUND:
    case PKT_OUTBOUND:
        CHECK(e->u.seg.option_count <= PKT_MAX_OPTIONS);
        CHECK(e->u.seg.win >= -1 && e->u.seg.win <= 65535);
        CHECK(e->kind == PKT_OUTBOUND || (e->u.seg.win >= 0 && !e->u.seg.options_any));
        for (size_t i = 0; i < e->u.seg.option_count; i++)
            CHECK(e->u.seg.options[i].kind < PKT_OPT_KIND_COUNT &&
                  e->u.seg.options[i].sack_count <= PKT_MAX_SACK_BLOCKS);
        break;
    case PKT_CALL:
        CHECK(e->u.call.kind < PKT_CALL_KIND_COUNT && e->u.call.argc <= PKT_MAX_ARGS);
        CHECK(e->u.call.err == 0 || e->u.call.ret == -1);
        CHECK(!e->u.call.blocking || e->u.call.end_us >= e->t_us);
        CHECK(e->time_kind != PKT_TIME_ANY);
        break;
    case PKT_SHELL:
        CHECK(e->u.shell != NULL);
        break;
    case PKT_EVENT_KIND_COUNT:
        CHECK(0);
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[1024];
    struct pkt_script *s = pkt_parse("fuzz.pkt", (const char *)data, size, err, sizeof err);
    if (!s) {
        check_error_line(err, sizeof err, "fuzz.pkt");
        return 0;
    }
    CHECK(s->event_count >= 1);
    for (size_t i = 0; i < s->event_count; i++) check_event(&s->events[i]);
    pkt_script_free(s);
    return 0;
}
