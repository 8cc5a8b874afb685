/* expect_match — see expect_match.h. Every judgement walks the trace once per match: O(events)
 * per expectation (an `event` match builds each candidate's JSON once), which is small next to
 * the run that made the trace. */
#include "expect_match.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000ull
#define NO_EVENT ((size_t)-1)

bool expect_pattern_match(const char *pat, const char *s)
{
    if (*pat == '\0') return *s == '\0';
    if (*pat == '*') {
        for (;; s++) {
            if (expect_pattern_match(pat + 1, s)) return true;
            if (*s == '\0') return false;
        }
    }
    return *s == *pat && expect_pattern_match(pat + 1, s + 1);
}

/* "12.250000" */
struct secs { char s[32]; };
static struct secs secs(uint64_t us)
{
    struct secs t;
    snprintf(t.s, sizeof t.s, "%llu.%06llu", (unsigned long long)(us / US_PER_S),
             (unsigned long long)(us % US_PER_S));
    return t;
}

static bool in_range(const struct value_range *r, int64_t v)
{
    return !r->set || (v >= r->lo && v <= r->hi);
}

static const char *host_name(const struct match_env *env, int i)
{
    return i >= 0 && (size_t)i < env->s->host_count ? env->s->hosts[i].name : "?";
}

/* The connections a match's <proc>:<fd> names (0 when it names none). */
struct conns {
    char names[MATCH_FD_CONNS_MAX][MATCH_CONN_MAX];
    size_t n;
    bool used;
};

static void conns_of(const struct match_env *env, const struct match *m, struct conns *c)
{
    c->n = 0;
    c->used = m->fd_proc[0] != '\0';
    if (c->used && env->fd_conns)
        c->n = env->fd_conns(env->arg, m->fd_host, m->fd_proc, m->fd_name, c->names,
                             MATCH_FD_CONNS_MAX);
}

static bool conn_in(const struct conns *c, const char *conn)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], conn) == 0) return true;
    return false;
}

/* A segment belongs to a connection written either way round. */
static bool segment_conn_ok(const struct match *m, const struct conns *c,
                            const struct trace_segment *s)
{
    if (!m->conn && !c->used) return true;
    char ab[MATCH_CONN_MAX], ba[MATCH_CONN_MAX], a[16], b[16];
    ip4_str(s->src_ip, a);
    ip4_str(s->dst_ip, b);
    snprintf(ab, sizeof ab, "%s:%u>%s:%u", a, s->src_port, b, s->dst_port);
    snprintf(ba, sizeof ba, "%s:%u>%s:%u", b, s->dst_port, a, s->src_port);
    if (c->used) return conn_in(c, ab) || conn_in(c, ba);
    return expect_pattern_match(m->conn, ab) || expect_pattern_match(m->conn, ba);
}

static bool segment_ok(const struct match_env *env, const struct match *m, const struct conns *c,
                       const struct trace_segment *s)
{
    return strcmp(s->from, host_name(env, m->host)) == 0 && strcmp(s->to, host_name(env, m->peer)) == 0 &&
           s->flags == m->flags && in_range(&m->len, s->len) && in_range(&m->seq, s->seq) &&
           in_range(&m->ack, s->ack) && in_range(&m->win, s->win) &&
           (m->fate == 0 || (m->fate == 1) == s->delivered) && segment_conn_ok(m, c, s);
}

static bool state_ok(const struct match_env *env, const struct match *m, const struct conns *c,
                     const struct trace_state *s)
{
    if (strcmp(s->host, host_name(env, m->host)) != 0) return false;
    if ((m->state >= 0 && (int)s->to != m->state) || (m->from_state >= 0 && (int)s->from != m->from_state))
        return false;
    if (m->cause && (!s->cause || strcmp(s->cause, m->cause) != 0)) return false;
    if (c->used) return conn_in(c, s->conn);
    return !m->conn || expect_pattern_match(m->conn, s->conn);
}

static bool call_ok(const struct match_env *env, const struct match *m, const struct trace_call *c)
{
    return strcmp(c->host, host_name(env, m->host)) == 0 && strcmp(c->proc, m->proc) == 0 &&
           strcmp(c->call, m->call) == 0 && in_range(&m->ret, c->ret) &&
           (m->err == 0 || c->err == m->err);
}

/* A JSON value as the text a scenario writes for it. */
static bool json_text_equal(json_t *v, const char *text)
{
    if (json_is_string(v)) return strcmp(json_string_value(v), text) == 0;
    if (json_is_true(v)) return strcmp(text, "true") == 0;
    if (json_is_false(v)) return strcmp(text, "false") == 0;
    if (json_is_null(v)) return strcmp(text, "null") == 0;
    char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    bool eq = dump && strcmp(dump, text) == 0;
    free(dump);
    return eq;
}

static bool event_ok(const struct match *m, const struct trace_event *e)
{
    json_t *o = trace_event_json(e);
    bool ok = o && strcmp(json_string_value(json_object_get(o, "type")), m->type) == 0;
    for (size_t i = 0; ok && i < m->field_count; i++) {
        const struct event_field *f = &m->fields[i];
        json_t *v = json_object_get(o, f->key);
        if (!v) ok = false;
        else if (f->text) ok = json_text_equal(v, f->text);
        else ok = json_is_integer(v) && in_range(&f->range, (int64_t)json_integer_value(v));
    }
    json_decref(o);
    return ok;
}

static bool matches(const struct match_env *env, const struct match *m, const struct conns *c,
                    const struct trace_event *e)
{
    const char *host = host_name(env, m->host);
    switch (m->kind) {
    case MATCH_SEGMENT: return e->type == TRACE_SEGMENT && segment_ok(env, m, c, &e->u.segment);
    case MATCH_STATE: return e->type == TRACE_STATE && state_ok(env, m, c, &e->u.state);
    case MATCH_CALL: return e->type == TRACE_CALL && call_ok(env, m, &e->u.call);
    case MATCH_PROCESS:
        return e->type == TRACE_PROCESS && strcmp(e->u.process.host, host) == 0 &&
               strcmp(e->u.process.proc, m->proc) == 0 && strcmp(e->u.process.event, "start") != 0;
    case MATCH_SIGNAL:
        return e->type == TRACE_SIGNAL && strcmp(e->u.signal.host, host) == 0 &&
               strcmp(e->u.signal.proc, m->proc) == 0;
    case MATCH_EVENT: return event_ok(m, e);
    case MATCH_KIND_COUNT: break;
    }
    return false;
}

static size_t first_match(const struct match_env *env, const struct match *m)
{
    struct conns c;
    conns_of(env, m, &c);
    for (size_t i = 0; i < env->n; i++)
        if (matches(env, m, &c, &env->ev[i])) return i;
    return NO_EVENT;
}

/* How long event i's state or call lasted; false when it never ended. */
static bool duration_of(const struct match_env *env, size_t i, uint64_t *us)
{
    const struct trace_event *e = &env->ev[i];
    if (e->type == TRACE_CALL) {
        *us = e->t_us - e->u.call.start_us;
        return true;
    }
    if (e->type != TRACE_STATE) return false;
    for (size_t j = i + 1; j < env->n; j++) {
        const struct trace_event *f = &env->ev[j];
        if (f->type == TRACE_STATE && strcmp(f->u.state.host, e->u.state.host) == 0 &&
            strcmp(f->u.state.conn, e->u.state.conn) == 0) {
            *us = f->t_us - e->t_us;
            return true;
        }
    }
    return false;
}

/* Writes why a condition fails; returns false. */
__attribute__((format(printf, 3, 4)))
static bool fails(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return false;
}

/* The judged event against the conditions; `why` names the first one that fails. */
static bool when_ok(const struct match_env *env, const struct when *w, size_t ref, size_t i,
                    char *why, size_t size)
{
    uint64_t t = env->ev[i].t_us, d = 0;
    why[0] = '\0';
    if (w->has_at && t != w->at_us) return fails(why, size, "not at %s s", secs(w->at_us).s);
    if (w->has_after && t <= w->after_us)
        return fails(why, size, "not after %s s", secs(w->after_us).s);
    if (w->has_before && t >= w->before_us)
        return fails(why, size, "not before %s s", secs(w->before_us).s);
    if (w->order && ref == NO_EVENT) return fails(why, size, "the reference never happened");
    if (w->order == 1 && i >= ref)
        return fails(why, size, "not before the reference at %s s", secs(env->ev[ref].t_us).s);
    if (w->order == 2 && i <= ref)
        return fails(why, size, "not after the reference at %s s", secs(env->ev[ref].t_us).s);
    uint64_t anchor = w->order == 2 ? env->ev[ref].t_us : w->has_after ? w->after_us : 0;
    if (w->has_within && (t < anchor || t - anchor > w->within_us))
        return fails(why, size, "%s s after %s s, not within %s s", secs(t - anchor).s,
                        secs(anchor).s, secs(w->within_us).s);
    if (!w->has_lasts) return true;
    if (!duration_of(env, i, &d)) return fails(why, size, "it never ended");
    if (d != w->lasts_us)
        return fails(why, size, "lasted %s s, not %s s", secs(d).s, secs(w->lasts_us).s);
    return true;
}

static const char *ordinal(long n)
{
    if (n % 100 >= 11 && n % 100 <= 13) return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* "the 3rd match at 12.250000 s" plus, when a duration is asked, "lasting ...". */
static void describe(const struct match_env *env, const struct when *w, size_t i, long nth,
                     const char *why, char *got, size_t size)
{
    uint64_t d;
    char lasting[64] = "";
    if (w->has_lasts && !why[0] && duration_of(env, i, &d))
        snprintf(lasting, sizeof lasting, ", lasting %s s", secs(d).s);
    snprintf(got, size, "the %ld%s match at %s s%s%s%s", nth, ordinal(nth), secs(env->ev[i].t_us).s,
             lasting, why[0] ? ": " : "", why);
}

struct tally {
    size_t found, holding;      /* matches, and of them those the conditions hold for */
    size_t first_holding, first_failing;
    long first_failing_nth;
    size_t picked;              /* the match the quantifier picked (FIRST, NTH, LAST) */
    long picked_nth;
};

static void tally(const struct match_env *env, const struct scenario_expect *x, size_t ref,
                  struct tally *t)
{
    struct conns c;
    char why[160];
    conns_of(env, &x->m, &c);
    *t = (struct tally){ .first_holding = NO_EVENT, .first_failing = NO_EVENT, .picked = NO_EVENT };
    for (size_t i = 0; i < env->n; i++) {
        if (!matches(env, &x->m, &c, &env->ev[i])) continue;
        long nth = (long)++t->found;
        if ((x->quant == QUANT_FIRST && nth == 1) || (x->quant == QUANT_NTH && nth == x->nth) ||
            x->quant == QUANT_LAST) {
            t->picked = i;
            t->picked_nth = nth;
        }
        if (when_ok(env, &x->when, ref, i, why, sizeof why)) {
            if (!t->holding++) t->first_holding = i;
        } else if (t->first_failing == NO_EVENT) {
            t->first_failing = i;
            t->first_failing_nth = nth;
        }
    }
}

static bool plural_got(char *got, size_t size, bool ok, size_t n, const char *what)
{
    snprintf(got, size, "%zu %s%s", n, what, n == 1 ? "" : "es");
    return ok;
}

bool expect_match_check(const struct match_env *env, const struct scenario_expect *x, char *got,
                        size_t size)
{
    size_t ref = x->when.order ? first_match(env, &x->when.ref) : NO_EVENT;
    struct tally t;
    char why[160];
    tally(env, x, ref, &t);
    if (x->negated) {
        if (t.holding == 0) return plural_got(got, size, true, 0, "match");
        when_ok(env, &x->when, ref, t.first_holding, why, sizeof why);
        snprintf(got, size, "%zu match%s, the first at %s s", t.holding, t.holding == 1 ? "" : "es",
                 secs(env->ev[t.first_holding].t_us).s);
        return false;
    }
    if (x->count >= 0) {
        bool ok = (long)t.holding == x->count;
        if (t.holding == t.found) return plural_got(got, size, ok, t.holding, "match");
        snprintf(got, size, "%zu match%s (%zu found, the %ld%s fails: ", t.holding,
                 t.holding == 1 ? "" : "es", t.found, t.first_failing_nth, ordinal(t.first_failing_nth));
        when_ok(env, &x->when, ref, t.first_failing, why, sizeof why);
        size_t used = strlen(got);
        if (used < size) snprintf(got + used, size - used, "%s)", why);
        return ok;
    }
    if (t.found == 0) return plural_got(got, size, false, 0, "match");
    if (x->quant == QUANT_ALL) {
        if (t.first_failing == NO_EVENT) return plural_got(got, size, true, t.found, "match");
        when_ok(env, &x->when, ref, t.first_failing, why, sizeof why);
        describe(env, &x->when, t.first_failing, t.first_failing_nth, why, got, size);
        return false;
    }
    if (t.picked == NO_EVENT) {
        snprintf(got, size, "only %zu match%s", t.found, t.found == 1 ? "" : "es");
        return false;
    }
    bool ok = when_ok(env, &x->when, ref, t.picked, why, sizeof why);
    describe(env, &x->when, t.picked, t.picked_nth, why, got, size);
    return ok;
}

bool expect_when_holds(const struct match_env *env, const struct scenario_expect *x, size_t i,
                       char *got, size_t size)
{
    size_t ref = x->when.order ? first_match(env, &x->when.ref) : NO_EVENT;
    char why[160];
    if (when_ok(env, &x->when, ref, i, why, sizeof why)) return true;
    size_t used = strlen(got);
    if (used < size) snprintf(got + used, size - used, " at %s s: %s", secs(env->ev[i].t_us).s, why);
    return false;
}
