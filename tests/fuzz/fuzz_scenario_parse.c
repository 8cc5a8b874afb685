/* libFuzzer target for the scenario reader (sim/scenario_parse.c): any bytes go in; what must
 * hold is that nothing crashes, leaks or overflows (ASan, UBSan), that a rejection is one line
 * "fuzz.scn:<line>:<col>: error: ... expected ...", and that an accepted scenario keeps the
 * data model's promises (indices in range, repeat bodies inside the process, rules that
 * link_add_rule would accept). A broken promise aborts, so libFuzzer reports it as a crash.
 * Built and run by `make fuzz` (see the Makefile's last block). */
#include "scenario.h"

#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* What selects events: indices in range, ranges not empty, fields complete. */
static void check_match(const struct scenario *s, const struct match *m)
{
    CHECK(m->kind < MATCH_KIND_COUNT);
    CHECK(m->host >= -1 && m->host < (int)s->host_count);
    CHECK(m->peer >= -1 && m->peer < (int)s->host_count);
    const struct value_range *r[] = { &m->seq, &m->ack, &m->win, &m->len, &m->ret };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) CHECK(!r[i]->set || r[i]->lo <= r[i]->hi);
    if (m->fd_proc[0]) CHECK(m->fd_name[0] && m->fd_host >= 0 && !m->conn);
    for (size_t i = 0; i < m->field_count; i++)
        CHECK(m->fields[i].key && (m->fields[i].text || m->fields[i].range.set));
}

static void check_steps(const struct scenario_process *p)
{
    for (size_t i = 0; i < p->step_count; i++) {
        const struct step *st = &p->steps[i];
        CHECK(st->kind < STEP_KIND_COUNT);
        CHECK(st->fd >= -1 && st->fd < (int)p->fd_name_count);
        CHECK(st->new_fd >= -1 && st->new_fd < (int)p->fd_name_count);
        CHECK(st->pos.file != NULL && st->pos.line >= 1);
        if (st->kind == STEP_REPEAT) {
            CHECK(st->body == i + 1 && st->body_len >= 1);
            CHECK(st->body + st->body_len <= p->step_count);
            CHECK(st->count >= 1);
        }
        if (st->kind == STEP_SEND && st->text) CHECK((size_t)st->count == strlen(st->text));
    }
}

static bool rule_ok(const struct link_rule *r, size_t hosts)
{
    if (r->from < 0 || r->to < 0 || (size_t)r->from >= hosts || (size_t)r->to >= hosts)
        return false;
    if (r->from == r->to || !memchr(r->name, '\0', sizeof r->name) || !r->name[0]) return false;
    bool ratio = r->denominator >= 1 && r->numerator <= r->denominator;
    switch (r->kind) {
    case LINK_DROP_ALL: return true;
    case LINK_DROP_NTH: return r->nth >= 1;
    case LINK_DROP_MATCH: return r->flags_all != 0 && r->count >= 1;
    case LINK_DROP_CHANCE: return ratio;
    case LINK_DELAY:
        return r->delay_us <= LINK_RULE_MAX_DELAY_US && r->jitter_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_REORDER: return ratio && r->delay_us >= 1 && r->delay_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_DUPLICATE: return ratio && r->delay_us <= LINK_RULE_MAX_DELAY_US;
    case LINK_RULE_KIND_COUNT: break;
    }
    return false;
}

static void check_scenario(const struct scenario *s)
{
    CHECK(s->id[0] && s->title && strcmp(s->file, "fuzz.scn") == 0);
    CHECK(s->host_count <= SCENARIO_MAX_HOSTS);
    uint64_t last = 0;
    for (size_t i = 0; i < s->proc_count; i++) {
        CHECK(s->procs[i].host >= 0 && (size_t)s->procs[i].host < s->host_count);
        CHECK(s->procs[i].count >= 1);
        check_steps(&s->procs[i]);
    }
    for (size_t i = 0; i < s->event_count; i++) {
        const struct scenario_event *e = &s->events[i];
        CHECK(e->at_us >= last);
        last = e->at_us;
        CHECK(e->host >= -1 && e->host < (int)s->host_count);
        CHECK(e->peer >= -1 && e->peer < (int)s->host_count);
        if (e->kind == EVENT_LINK_RULE) CHECK(rule_ok(&e->rule, s->host_count));
        if (e->kind == EVENT_INJECT) {
            const struct inject_spec *in = &e->inject;
            CHECK(in->options_len <= INJECT_OPTIONS_MAX && in->options_len % 4 == 0);
            CHECK(in->fd_proc[0] ? in->fd_host >= 0 && in->fd_name[0] && !in->src_port
                                 : in->src_port && in->dst_port);
            /* from a host, or (host -1) from a third address on b's /24 that no host owns */
            CHECK(e->peer >= 0 && e->host != e->peer);
            CHECK(e->host >= 0 ? !in->src_ip
                               : (in->src_ip & 0xffffff00u) == (s->hosts[e->peer].ip & 0xffffff00u));
            for (size_t h = 0; h < s->host_count; h++) CHECK(s->hosts[h].ip != in->src_ip);
        }
    }
    for (size_t i = 0; i < s->expect_count; i++) {
        const struct scenario_expect *x = &s->expects[i];
        CHECK(x->text && strncmp(x->text, "expect", 6) == 0);
        CHECK(x->text[6] == ' ' || x->text[6] == '\t');    /* as written: a tab is a space */
        size_t n = strlen(x->text);
        CHECK(n > 6 && x->text[n - 1] != ' ' && x->text[n - 1] != '\t');
        if (x->kind == EXPECT_EVENT) CHECK(x->host == -1 && x->m.type[0]);
        else CHECK(x->host >= 0 && x->host < (int)s->host_count);
        if (x->kind == EXPECT_STATES) CHECK(x->conn && x->state_count >= 1);
        check_match(s, &x->m);
        if (x->when.order) check_match(s, &x->when.ref);
        CHECK(x->quant < QUANT_KIND_COUNT && (x->quant != QUANT_NTH || x->nth >= 1));
        CHECK(!x->negated || (x->count < 0 && x->quant == QUANT_FIRST));
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char err[512];
    memset(err, 'x', sizeof err);
    struct scenario *s = scenario_parse("fuzz.scn", (const char *)data, size, err, sizeof err);
    if (!s) {
        check_error_line(err, sizeof err, "fuzz.scn");
        return 0;
    }
    check_scenario(s);
    scenario_free(s);
    return 0;
}
