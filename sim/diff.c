/* diff — see diff.h. An event's identity is its JSON object without its times (t_us,
 * start_us, arrive_us), dumped with sorted keys: two events are "the same" when that text is
 * equal. Alignment is greedy with a lookahead of ALIGN_LOOKAHEAD events each way: O(n * L)
 * string comparisons at worst, where a full edit-distance alignment would be O(n^2) on
 * traces of 10^5 events. */
#define _GNU_SOURCE
#include "diff.h"

#include "packet.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ALIGN_LOOKAHEAD 64
#define US_PER_S 1000000
#define PCAP_SHOWN_MAX 5

struct event {
    json_t *o;
    const char *type;
    int64_t t_us;
    char *identity;         /* the object without its times, keys sorted */
    int segment_no;         /* 1-based among segments, 0 for other events */
    size_t next_change;     /* state: the index of its endpoint's next state event, or NONE */
};
#define NONE ((size_t)-1)

struct packet {
    uint8_t *bytes;
    size_t len;
};

struct run {
    const char *name;
    struct event *ev;
    size_t n, cap;
    struct packet *pkt;
    size_t pkt_count;
    bool has_pcap;
    int segments;           /* segment events so far */
};

enum op_kind { OP_SAME, OP_CHANGED, OP_ONLY_A, OP_ONLY_B, OP_KIND_COUNT };

struct op {
    enum op_kind kind;
    size_t a, b;
};

struct report {
    FILE *out;
    size_t lines, suppressed;
};

/* ---- errors and output ---- */

__attribute__((format(printf, 3, 4)))
static enum diff_result bad_input(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return DIFF_BAD_INPUT;
}

__attribute__((format(printf, 2, 3)))
static void say(struct report *r, const char *fmt, ...)
{
    if (r->lines >= DIFF_MAX_LINES) {
        r->suppressed++;
        return;
    }
    r->lines++;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->out, fmt, ap);
    va_end(ap);
    fputc('\n', r->out);
}

struct secs { char s[48]; };
static struct secs secs(int64_t us)
{
    struct secs t;
    uint64_t a = (uint64_t)(us < 0 ? -us : us);
    snprintf(t.s, sizeof t.s, "%s%" PRIu64 ".%06" PRIu64, us < 0 ? "-" : "", a / US_PER_S, a % US_PER_S);
    return t;
}

/* ---- reading a run ---- */

static int64_t int_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

static char *identity_of(json_t *o)
{
    json_t *c = json_copy(o);
    if (!c) return NULL;
    json_object_del(c, "t_us");
    json_object_del(c, "start_us");
    json_object_del(c, "arrive_us");
    char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(c);
    return s;
}

static bool add_event(struct run *r, json_t *o)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        struct event *ev = realloc(r->ev, cap * sizeof *ev);
        if (!ev) return false;
        r->ev = ev;
        r->cap = cap;
    }
    struct event *e = &r->ev[r->n];
    *e = (struct event){ .o = o, .type = str_of(o, "type"), .t_us = int_of(o, "t_us") };
    if (!(e->identity = identity_of(o))) return false;
    if (strcmp(e->type, "segment") == 0) e->segment_no = ++r->segments;
    r->n++;
    return true;
}

/* Orders state events by endpoint (host, conn), then by position. */
static int by_endpoint(const void *x, const void *y, void *arg)
{
    const struct run *r = arg;
    const struct event *a = &r->ev[*(const size_t *)x], *b = &r->ev[*(const size_t *)y];
    int c = strcmp(str_of(a->o, "host"), str_of(b->o, "host"));
    if (!c) c = strcmp(str_of(a->o, "conn"), str_of(b->o, "conn"));
    if (!c) c = a < b ? -1 : a > b;
    return c;
}

/* next_change of every state event: sorted by endpoint, each one's successor is the next. */
static bool link_states(struct run *r)
{
    size_t n = 0, *idx = malloc((r->n + 1) * sizeof *idx);
    if (!idx) return false;
    for (size_t i = 0; i < r->n; i++) {
        r->ev[i].next_change = NONE;
        if (strcmp(r->ev[i].type, "state") == 0) idx[n++] = i;
    }
    qsort_r(idx, n, sizeof *idx, by_endpoint, r);
    for (size_t k = 0; k + 1 < n; k++) {
        json_t *a = r->ev[idx[k]].o, *b = r->ev[idx[k + 1]].o;
        if (strcmp(str_of(a, "host"), str_of(b, "host")) == 0 &&
            strcmp(str_of(a, "conn"), str_of(b, "conn")) == 0)
            r->ev[idx[k]].next_change = idx[k + 1];
    }
    free(idx);
    return true;
}

static enum diff_result read_jsonl(struct run *r, const char *path, char *err, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) return bad_input(err, size, "%s: cannot open (%s), expected a timeline.jsonl", path,
                             strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    enum diff_result rc = DIFF_SAME;
    while (rc == DIFF_SAME && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)len, 0, &jerr);
        if (!json_is_object(o)) {
            json_decref(o);
            rc = bad_input(err, size, "%s:%d: not a JSON object (%s), expected timeline.jsonl "
                           "lines", path, lineno, o ? "another JSON value" : jerr.text);
        } else if (strcmp(str_of(o, "type"), "header") == 0) {
            json_decref(o);
        } else if (!add_event(r, o)) {
            json_decref(o);
            rc = bad_input(err, size, "%s:%d: out of memory", path, lineno);
        }
    }
    free(line);
    fclose(f);
    if (rc == DIFF_SAME && lineno == 0)
        rc = bad_input(err, size, "%s: empty, expected a timeline.jsonl", path);
    if (rc == DIFF_SAME && !link_states(r)) rc = bad_input(err, size, "%s: out of memory", path);
    return rc;
}

static enum diff_result read_pcap(struct run *r, const char *path, char *err, size_t size)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, perr);
    if (!pc) return bad_input(err, size, "%s: %s, expected a capture.pcap", path, perr);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t cap = 0;
    int st;
    while ((st = pcap_next_ex(pc, &h, &data)) == 1) {
        if (r->pkt_count == cap) {
            cap = cap ? 2 * cap : 64;
            struct packet *p = realloc(r->pkt, cap * sizeof *p);
            if (!p) break;
            r->pkt = p;
        }
        struct packet *p = &r->pkt[r->pkt_count];
        if (!(p->bytes = malloc(h->caplen ? h->caplen : 1))) break;
        memcpy(p->bytes, data, h->caplen);
        p->len = h->caplen;
        r->pkt_count++;
    }
    pcap_close(pc);
    if (st != PCAP_ERROR_BREAK) return bad_input(err, size, "%s: unreadable record %zu, expected a "
                                                "complete capture", path, r->pkt_count + 1);
    r->has_pcap = true;
    return DIFF_SAME;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static enum diff_result load_run(struct run *r, const char *path, bool with_pcap, char *err,
                                 size_t size)
{
    r->name = path;
    if (!is_dir(path)) return read_jsonl(r, path, err, size);
    char file[4200];
    snprintf(file, sizeof file, "%s/timeline.jsonl", path);
    enum diff_result rc = read_jsonl(r, file, err, size);
    snprintf(file, sizeof file, "%s/capture.pcap", path);
    if (rc == DIFF_SAME && with_pcap) rc = read_pcap(r, file, err, size);
    return rc;
}

static void free_run(struct run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        json_decref(r->ev[i].o);
        free(r->ev[i].identity);
    }
    for (size_t i = 0; i < r->pkt_count; i++) free(r->pkt[i].bytes);
    free(r->ev);
    free(r->pkt);
}

/* ---- alignment ---- */

static bool same(const struct run *a, size_t i, const struct run *b, size_t j)
{
    return strcmp(a->ev[i].identity, b->ev[j].identity) == 0;
}

/* How far ahead in `in` (from `from`) the event `e` of the other run comes again, or 0. */
static size_t ahead(const struct run *in, size_t from, const struct run *other, size_t e)
{
    for (size_t k = 1; k <= ALIGN_LOOKAHEAD && from + k < in->n; k++)
        if (strcmp(in->ev[from + k].identity, other->ev[e].identity) == 0) return k;
    return 0;
}

static size_t push(struct op **ops, size_t n, struct op op)
{
    (*ops)[n] = op;
    return n + 1;
}

/* At most one op per event of either run: *ops has room for a->n + b->n. */
static size_t align(const struct run *a, const struct run *b, struct op **ops)
{
    size_t i = 0, j = 0, n = 0;
    if (!(*ops = malloc((a->n + b->n + 1) * sizeof **ops))) return 0;
    while (i < a->n || j < b->n) {
        if (i == a->n) { n = push(ops, n, (struct op){ OP_ONLY_B, i, j++ }); continue; }
        if (j == b->n) { n = push(ops, n, (struct op){ OP_ONLY_A, i++, j }); continue; }
        if (same(a, i, b, j)) { n = push(ops, n, (struct op){ OP_SAME, i++, j++ }); continue; }
        size_t in_b = ahead(b, j, a, i), in_a = ahead(a, i, b, j);
        if (in_b && (!in_a || in_b <= in_a)) {
            for (size_t k = 0; k < in_b; k++) n = push(ops, n, (struct op){ OP_ONLY_B, i, j++ });
        } else if (in_a) {
            for (size_t k = 0; k < in_a; k++) n = push(ops, n, (struct op){ OP_ONLY_A, i++, j });
        } else if (strcmp(a->ev[i].type, b->ev[j].type) == 0) {
            n = push(ops, n, (struct op){ OP_CHANGED, i++, j++ });
        } else {
            n = push(ops, n, (struct op){ OP_ONLY_A, i++, j });
        }
    }
    return n;
}

/* ---- describing events in the scenario's terms ---- */

static void describe(const struct event *e, char *buf, size_t size)
{
    json_t *o = e->o;
    const char *t = e->type;
    struct secs at = secs(e->t_us);
    if (strcmp(t, "segment") == 0) {
        snprintf(buf, size, "segment %d %s>%s %s seq %" PRId64 " ack %" PRId64 " win %" PRId64
                 " len %" PRId64 " (%s) at %s s", e->segment_no, str_of(o, "from"), str_of(o, "to"),
                 str_of(o, "flags"), int_of(o, "seq"), int_of(o, "ack"), int_of(o, "win"),
                 int_of(o, "len"), str_of(o, "fate"), at.s);
    } else if (strcmp(t, "state") == 0) {
        snprintf(buf, size, "%s state %s %s -> %s (%s) at %s s", str_of(o, "host"), str_of(o, "conn"),
                 str_of(o, "from"), str_of(o, "to"), str_of(o, "cause"), at.s);
    } else if (strcmp(t, "call") == 0) {
        json_t *fd = json_object_get(o, "fd");
        json_t *eno = json_object_get(o, "errno");
        snprintf(buf, size, "%s call %s: %s(%s%" PRId64 ") = %" PRId64 "%s%s at %s s",
                 str_of(o, "host"), str_of(o, "proc"), str_of(o, "call"), json_is_integer(fd) ? "fd " : "",
                 json_is_integer(fd) ? (int64_t)json_integer_value(fd) : (int64_t)0, int_of(o, "ret"),
                 json_is_string(eno) ? " " : "", json_is_string(eno) ? json_string_value(eno) : "", at.s);
    } else if (strcmp(t, "expect") == 0) {
        snprintf(buf, size, "expect line %" PRId64 " %s: %s", int_of(o, "line"),
                 json_is_true(json_object_get(o, "ok")) ? "ok" : "FAILED", str_of(o, "text"));
    } else {
        json_t *c = json_copy(o);
        json_object_del(c, "t_us");
        json_object_del(c, "type");
        char *rest = json_dumps(c, JSON_COMPACT);
        snprintf(buf, size, "%s %s at %s s", t, rest ? rest : "", at.s);
        free(rest);
        json_decref(c);
    }
}

static char *value_text(json_t *v)
{
    if (!v) return strdup("(none)");
    if (json_is_string(v)) return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static bool is_time_key(const char *key)
{
    return strcmp(key, "t_us") == 0 || strcmp(key, "start_us") == 0 || strcmp(key, "arrive_us") == 0;
}

/* A segment as "segment 7 server>client R. now F." and then every other changed field as
 * "len 0 now 14"; another event as its description, then its changed fields. */
static void describe_change(const struct event *a, const struct event *b, char *buf, size_t size)
{
    size_t used;
    bool segment = a->segment_no > 0;
    json_t *ok_a = json_object_get(a->o, "ok"), *ok_b = json_object_get(b->o, "ok");
    if (strcmp(a->type, "expect") == 0 && !json_equal(ok_a, ok_b)) {
        snprintf(buf, size, "expect line %" PRId64 " now %s: %s", int_of(b->o, "line"),
                 json_is_true(ok_b) ? "passes" : "fails", str_of(b->o, "text"));
        return;
    }
    if (segment) {
        const char *fa = str_of(a->o, "flags"), *fb = str_of(b->o, "flags");
        used = (size_t)snprintf(buf, size, "segment %d %s>%s %s", a->segment_no, str_of(a->o, "from"),
                                str_of(a->o, "to"), fa);
        if (strcmp(fa, fb) != 0 && used < size) used += (size_t)snprintf(buf + used, size - used, " now %s", fb);
    } else {
        char what[512];
        describe(a, what, sizeof what);
        used = (size_t)snprintf(buf, size, "%s, now", what);
    }
    const char *key;
    json_t *va;
    bool first = true;
    json_object_foreach(a->o, key, va) {
        json_t *vb = json_object_get(b->o, key);
        if (is_time_key(key) || (segment && strcmp(key, "flags") == 0) || (vb && json_equal(va, vb)))
            continue;
        char *sa = value_text(va), *sb = value_text(vb);
        if (used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s %s %s%s%s", first ? (segment ? ";" : "") : ",",
                                     key, segment ? (sa ? sa : "?") : "", segment ? " now " : "",
                                     sb ? sb : "?");
        first = false;
        free(sa);
        free(sb);
    }
}

/* ---- durations: what a time difference means ---- */

/* How long the state event i stayed (until its endpoint's next change); false if it never left. */
static bool state_lasted(const struct run *r, size_t i, int64_t *us)
{
    size_t k = r->ev[i].next_change;
    if (k == NONE) return false;
    *us = r->ev[k].t_us - r->ev[i].t_us;
    return true;
}

/* "60.244000 s", or "until the end of the run" when it never ended. */
static struct secs lasting(bool ended, int64_t us)
{
    struct secs t;
    if (ended) snprintf(t.s, sizeof t.s, "%.40s s", secs(us).s);
    else snprintf(t.s, sizeof t.s, "until the end of the run");
    return t;
}

static void report_durations(struct report *rep, const struct run *a, size_t i, const struct run *b,
                             size_t j)
{
    const struct event *ea = &a->ev[i], *eb = &b->ev[j];
    if (strcmp(ea->type, "state") == 0) {
        int64_t da = 0, db = 0;
        bool la = state_lasted(a, i, &da), lb = state_lasted(b, j, &db);
        if (la == lb && da == db) return;
        say(rep, "%s state %s of %s lasted %s, was %s", str_of(ea->o, "host"), str_of(ea->o, "to"),
            str_of(ea->o, "conn"), lasting(lb, db).s, lasting(la, da).s);
        return;
    }
    if (strcmp(ea->type, "call") == 0) {
        int64_t da = ea->t_us - int_of(ea->o, "start_us"), db = eb->t_us - int_of(eb->o, "start_us");
        if (da != db)
            say(rep, "%s call %s: %s blocked %s s, was %s s", str_of(ea->o, "host"),
                str_of(ea->o, "proc"), str_of(ea->o, "call"), secs(db).s, secs(da).s);
    }
}

/* ---- the report ---- */

/* The first op that is not the same event at the shifted time, said before anything else. */
static void first_divergence(struct report *rep, const struct run *a, const struct run *b,
                             const struct op *ops, size_t n, int64_t shift)
{
    char d[1024];
    for (size_t k = 0; k < n; k++) {
        const struct op *o = &ops[k];
        switch (o->kind) {
        case OP_SAME:
            if (b->ev[o->b].t_us - a->ev[o->a].t_us == shift) continue;
            describe(&b->ev[o->b], d, sizeof d);
            say(rep, "first divergence: now at a different time: %s", d);
            return;
        case OP_CHANGED:
            describe(&a->ev[o->a], d, sizeof d);
            say(rep, "first divergence: changed: %s", d);
            return;
        case OP_ONLY_A:
            describe(&a->ev[o->a], d, sizeof d);
            say(rep, "first divergence: missing now: %s", d);
            return;
        case OP_ONLY_B:
            describe(&b->ev[o->b], d, sizeof d);
            say(rep, "first divergence: new: %s", d);
            return;
        case OP_KIND_COUNT: break;
        }
    }
}

/* A stretch of matching events that moved by the same amount (not the common shift): said
 * once, at its first event, with how many events it holds. */
struct moved {
    bool active;
    int64_t delta;
};

static int64_t delta_of(const struct run *a, const struct run *b, const struct op *o, int64_t shift)
{
    return (b->ev[o->b].t_us - a->ev[o->a].t_us) - shift;
}

/* Matching events from ops[k] on that moved by delta, until one moved otherwise. */
static size_t moved_count(const struct run *a, const struct run *b, const struct op *ops, size_t k,
                          size_t n, int64_t shift, int64_t delta)
{
    size_t count = 0;
    for (; k < n; k++) {
        if (ops[k].kind != OP_SAME) continue;
        if (delta_of(a, b, &ops[k], shift) != delta) break;
        count++;
    }
    return count;
}

static size_t report_same(struct report *rep, const struct run *a, const struct run *b,
                          const struct op *ops, size_t k, size_t n, int64_t shift, struct moved *m)
{
    const struct op *o = &ops[k];
    int64_t delta = delta_of(a, b, o, shift);
    report_durations(rep, a, o->a, b, o->b);
    if (delta == 0) {
        m->active = false;
        return 0;
    }
    if (!m->active || m->delta != delta) {
        char d[512];
        describe(&b->ev[o->b], d, sizeof d);
        size_t count = moved_count(a, b, ops, k, n, shift, delta);
        int64_t abs_delta = delta < 0 ? -delta : delta;
        say(rep, "%zu event%s %s s %s, from %s", count, count == 1 ? "" : "s", secs(abs_delta).s,
            delta < 0 ? "earlier" : "later", d);
        *m = (struct moved){ true, delta };
    }
    return 1;
}

/* What repeats in a run of events one side has: a segment without its number and times, a
 * timer without its count and wait, anything else as it is (its identity). */
static void shape_of(const struct event *e, char *buf, size_t size)
{
    json_t *o = e->o;
    if (strcmp(e->type, "segment") == 0)
        snprintf(buf, size, "segment %s>%s %s seq %" PRId64 " ack %" PRId64 " len %" PRId64 " (%s)",
                 str_of(o, "from"), str_of(o, "to"), str_of(o, "flags"), int_of(o, "seq"),
                 int_of(o, "ack"), int_of(o, "len"), str_of(o, "fate"));
    else if (strcmp(e->type, "timer") == 0)
        snprintf(buf, size, "%s timer %s %s", str_of(o, "host"), str_of(o, "timer"), str_of(o, "conn"));
    else
        snprintf(buf, size, "%s", e->identity);
}

/* A run of at least SUMMARY_MIN events only one run has, some of them repeating a shape
 * (retransmissions and their timers, say): one line counting the SUMMARY_SHAPES most frequent
 * shapes (ties: the earlier first), then how many other events, from the first to the last.
 * Returns how many events past ops[k] it covered, 0 when the run is not one. */
enum { SUMMARY_MIN = 4, SUMMARY_SHAPES = 4, SUMMARY_TRACKED = 64 };
static size_t report_repeating(struct report *rep, const struct run *r, const struct op *ops,
                               size_t k, size_t n, enum op_kind kind)
{
    static char shapes[SUMMARY_TRACKED][512];
    size_t counts[SUMMARY_TRACKED] = { 0 }, distinct = 0, len = 0, first = 0, last = 0, other = 0;
    for (; k + len < n && ops[k + len].kind == kind; len++) {
        size_t i = kind == OP_ONLY_A ? ops[k + len].a : ops[k + len].b;
        char s[512];
        shape_of(&r->ev[i], s, sizeof s);
        size_t j = 0;
        while (j < distinct && strcmp(shapes[j], s) != 0) j++;
        if (j == distinct && distinct < SUMMARY_TRACKED) snprintf(shapes[distinct++], sizeof s, "%s", s);
        if (j < distinct) counts[j]++;
        else other++;
        if (len == 0) first = i;
        last = i;
    }
    if (len < SUMMARY_MIN || distinct + other == len) return 0;
    char line[4096];
    int used = snprintf(line, sizeof line, "%s from %s s to %s s:",
                        kind == OP_ONLY_A ? "missing now" : "new", secs(r->ev[first].t_us).s,
                        secs(r->ev[last].t_us).s);
    for (size_t shown = 0; shown < SUMMARY_SHAPES && shown < distinct; shown++) {
        size_t top = 0;
        for (size_t j = 1; j < distinct; j++)
            if (counts[j] > counts[top]) top = j;
        if (used > 0 && (size_t)used < sizeof line)
            used += snprintf(line + used, sizeof line - (size_t)used, "%s %zu x %s",
                             shown ? ";" : "", counts[top], shapes[top]);
        counts[top] = 0;
    }
    for (size_t j = 0; j < distinct; j++) other += counts[j];
    if (other && used > 0 && (size_t)used < sizeof line)
        snprintf(line + used, sizeof line - (size_t)used, "; %zu other event%s", other,
                 other == 1 ? "" : "s");
    say(rep, "%s", line);
    return len - 1;
}

/* An event only one run has, and the ones just like it right after it: one line. */
static size_t report_only(struct report *rep, const struct run *r, const struct op *ops, size_t k,
                          size_t n, enum op_kind kind)
{
    size_t repeating = report_repeating(rep, r, ops, k, n, kind);
    if (repeating) return repeating;
    size_t at = kind == OP_ONLY_A ? ops[k].a : ops[k].b, more = 0;
    while (k + more + 1 < n && ops[k + more + 1].kind == kind) {
        size_t next = kind == OP_ONLY_A ? ops[k + more + 1].a : ops[k + more + 1].b;
        if (strcmp(r->ev[next].identity, r->ev[at].identity) != 0) break;
        more++;
    }
    char d[1024];
    describe(&r->ev[at], d, sizeof d);
    const char *what = kind == OP_ONLY_A ? "missing now" : "new";
    if (more == 0) say(rep, "%s: %s", what, d);
    else {
        size_t last = kind == OP_ONLY_A ? ops[k + more].a : ops[k + more].b;
        say(rep, "%s: %s, and %zu more like it until %s s", what, d, more, secs(r->ev[last].t_us).s);
    }
    return more;
}

static size_t report_events(struct report *rep, const struct run *a, const struct run *b,
                            const struct op *ops, size_t n)
{
    int64_t shift = 0;
    for (size_t k = 0; k < n; k++)
        if (ops[k].kind == OP_SAME) {
            shift = b->ev[ops[k].b].t_us - a->ev[ops[k].a].t_us;
            break;
        }
    if (shift) say(rep, "every event %s s %s (ignored)", secs(shift < 0 ? -shift : shift).s,
                   shift < 0 ? "earlier" : "later");
    first_divergence(rep, a, b, ops, n, shift);
    struct moved m = { false, 0 };
    size_t differences = 0, skip;
    char d[1024];
    for (size_t k = 0; k < n; k++) {
        const struct op *o = &ops[k];
        switch (o->kind) {
        case OP_SAME: differences += report_same(rep, a, b, ops, k, n, shift, &m); break;
        case OP_CHANGED:
            describe_change(&a->ev[o->a], &b->ev[o->b], d, sizeof d);
            say(rep, "%s", d);
            differences++;
            break;
        case OP_ONLY_A:
        case OP_ONLY_B:
            skip = report_only(rep, o->kind == OP_ONLY_A ? a : b, ops, k, n, o->kind);
            differences += skip + 1;
            k += skip;
            break;
        case OP_KIND_COUNT: break;
        }
    }
    return differences;
}

static void decode(const struct packet *p, char *buf, size_t size)
{
    struct packet_info pi;
    char src[16], dst[16], flags[8];
    if (!p || !packet_decode(p->bytes, p->len, &pi)) {
        snprintf(buf, size, p ? "an undecodable packet of %zu bytes" : "no packet", p ? p->len : 0);
        return;
    }
    ip4_str(pi.src_ip, src);
    ip4_str(pi.dst_ip, dst);
    if (pi.proto == PACKET_TCP)
        snprintf(buf, size, "%s:%u > %s:%u %s seq %u ack %u win %u len %u", src, pi.src_port, dst,
                 pi.dst_port, packet_flags_str(pi.flags, flags), pi.seq, pi.ack, pi.win,
                 pi.payload_len);
    else if (pi.proto == PACKET_ICMP)
        snprintf(buf, size, "%s > %s ICMP type %u code %u", src, dst, pi.icmp_type, pi.icmp_code);
    else
        snprintf(buf, size, "%s > %s, %zu bytes", src, dst, p->len);
}

static bool packet_equal(const struct packet *pa, const struct packet *pb)
{
    return pa && pb && pa->len == pb->len && memcmp(pa->bytes, pb->bytes, pa->len) == 0;
}

static const struct packet *packet_at(const struct run *r, size_t k)
{
    return k < r->pkt_count ? &r->pkt[k] : NULL;
}

/* Packets compared in order, bytes only (their times are the timeline's). Neighbours that
 * differ the same way (decoded alike) are said together. */
static size_t report_pcap(struct report *rep, const struct run *a, const struct run *b)
{
    size_t n = a->pkt_count > b->pkt_count ? a->pkt_count : b->pkt_count, differing = 0, shown = 0;
    char da[160], db[160], na[160], nb[160];
    for (size_t k = 0; k < n; k++) {
        if (packet_equal(packet_at(a, k), packet_at(b, k))) continue;
        if (k + 1 < n && (!packet_at(a, k) || !packet_at(b, k))) {
            /* one capture ended: the rest is one block, named by its first packet */
            bool gone = packet_at(a, k) != NULL;
            decode(packet_at(gone ? a : b, k), da, sizeof da);
            say(rep, "capture.pcap packets %zu to %zu: %s; the first %s %s", k + 1, n,
                gone ? "no packets now" : "new", gone ? "was" : "is", da);
            differing += n - k;
            break;
        }
        decode(packet_at(a, k), da, sizeof da);
        decode(packet_at(b, k), db, sizeof db);
        size_t last = k;
        while (last + 1 < n && !packet_equal(packet_at(a, last + 1), packet_at(b, last + 1))) {
            decode(packet_at(a, last + 1), na, sizeof na);
            decode(packet_at(b, last + 1), nb, sizeof nb);
            if (strcmp(na, da) != 0 || strcmp(nb, db) != 0) break;
            last++;
        }
        differing += last - k + 1;
        if (shown++ < PCAP_SHOWN_MAX) {
            if (last == k) say(rep, "capture.pcap packet %zu: %s, was %s", k + 1, db, da);
            else say(rep, "capture.pcap packets %zu to %zu: %s, was %s", k + 1, last + 1, db, da);
        }
        k = last;
    }
    if (shown > PCAP_SHOWN_MAX)
        say(rep, "capture.pcap: %zu packets differ (%zu now, %zu before)", differing, b->pkt_count,
            a->pkt_count);
    return differing;
}

enum diff_result diff_runs(const char *a_path, const char *b_path, FILE *out, char *err,
                           size_t err_size)
{
    struct run a = { 0 }, b = { 0 };
    char pa[4200], pb[4200];
    snprintf(pa, sizeof pa, "%s/capture.pcap", a_path);
    snprintf(pb, sizeof pb, "%s/capture.pcap", b_path);
    bool with_pcap = is_dir(a_path) && is_dir(b_path) && exists(pa) && exists(pb);
    enum diff_result rc = load_run(&a, a_path, with_pcap, err, err_size);
    if (rc == DIFF_SAME) rc = load_run(&b, b_path, with_pcap, err, err_size);
    if (rc == DIFF_SAME) {
        struct report rep = { .out = out };
        struct op *ops;
        size_t n = align(&a, &b, &ops);
        size_t differences = report_events(&rep, &a, &b, ops, n);
        if (with_pcap) differences += report_pcap(&rep, &a, &b);
        if (rep.suppressed) fprintf(out, "... and %zu more lines\n", rep.suppressed);
        free(ops);
        rc = differences ? DIFF_DIFFERENT : DIFF_SAME;
    }
    free_run(&a);
    free_run(&b);
    return rc;
}
