/* signature — see signature.h. Built as (section, line) entries, stably sorted by section. */
#define _GNU_SOURCE
#include "signature.h"

#include "packet.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char section[256];
    char line[200];
    size_t seq;
    bool segment;                   /* a segment: rendered from these when printed */
    uint8_t flags;
    uint32_t tcp_seq, ack, len;
    char fate[40];
    char conn[40];                  /* a recv run: its connection's peer (as labelled), if known */
};

/* The peer of an fd a process accepted: "calls <host>/<proc>", fd, the peer as labelled. */
struct accepted {
    char section[256];
    int fd;
    char peer[40];
};

struct builder {
    struct entry *e;
    size_t len, cap;
    struct accepted accepted[64];
    size_t accepted_count;
    const struct sig_label *labels;
    size_t label_count;
    bool oom;
};

static void add(struct builder *b, const char *section, const char *line)
{
    if (b->oom) return;
    if (b->len == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        struct entry *e = realloc(b->e, cap * sizeof *e);
        if (!e) {
            b->oom = true;
            return;
        }
        b->e = e;
        b->cap = cap;
    }
    struct entry *x = &b->e[b->len];
    *x = (struct entry){ .segment = false };
    snprintf(x->section, sizeof x->section, "%s", section);
    snprintf(x->line, sizeof x->line, "%s", line);
    x->seq = b->len++;
}

static const char *label_of(const struct builder *b, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < b->label_count; i++)
        if (b->labels[i].port == port && b->labels[i].ip == ip) return b->labels[i].label;
    return NULL;
}

/* Copies text, every "a.b.c.d:port" with a labelled port replaced by its label. */
static void normalise(const struct builder *b, const char *text, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = text; *p && o + 1 < size;) {
        unsigned a, c, d, e, port;
        int used = 0;
        bool start = p == text || (p[-1] != '.' && (p[-1] < '0' || p[-1] > '9'));
        if (start && *p >= '0' && *p <= '9' &&
            sscanf(p, "%u.%u.%u.%u:%u%n", &a, &c, &d, &e, &port, &used) == 5 && used > 0) {
            uint32_t ip = a << 24 | c << 16 | d << 8 | e;
            const char *label = label_of(b, ip, (uint16_t)port);
            if (label) {
                o += (size_t)snprintf(out + o, size - o, "%s", label);
                p += used;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o < size ? o : size - 1] = '\0';
}

static void add_segment(struct builder *b, const struct trace_segment *s)
{
    char ip1[16], ip2[16], raw[96], conn[128], section[256];
    snprintf(raw, sizeof raw, "%s:%u>%s:%u", ip4_str(s->src_ip, ip1), s->src_port,
             ip4_str(s->dst_ip, ip2), s->dst_port);
    normalise(b, raw, conn, sizeof conn);
    snprintf(section, sizeof section, "segments %s>%s %s", s->from, s->to, conn);
    add(b, section, "");
    if (b->oom) return;
    struct entry *e = &b->e[b->len - 1];
    e->segment = true;
    e->flags = s->flags;
    e->tcp_seq = s->seq;
    e->ack = s->ack;
    e->len = s->len;
    snprintf(e->fate, sizeof e->fate, "%s", s->fate);
}

/* ---- printing a direction's segments: what does not depend on timing ----
 * Pure ACKs are left out (how many and when is the delayed-ACK timer's choice); the data
 * segments in a row are one line, "data <first>-<end>", retransmissions included (how the
 * bytes were cut into segments, and how often they were retransmitted before a deadline, is
 * timing); bare RSTs in a row (answers to segments for a socket that is gone, one per
 * segment that arrived) are one line "R". SYN, FIN and RST+ACK are printed exactly, except
 * that the data a FIN carries joins the range (print_fin_with_data). */
struct seg_printer {
    bool in_data, last_bare_rst;
    uint32_t first, end;
    char fates[80];
    uint32_t cut;                   /* a stream cut by a kill (cut_length): its length, or 0 */
    bool cut_sender;                /* this direction carries that stream (else the peer's) */
};

/* A position in a stream cut by a kill: "K+n" past its length (cut_length), else the number. */
static const char *pos(char *buf, size_t size, uint32_t v, uint32_t cut)
{
    if (cut && v > cut) snprintf(buf, size, "K+%u", v - cut);
    else snprintf(buf, size, "%u", v);
    return buf;
}

static void flush_data(FILE *f, struct seg_printer *p)
{
    char a[16], b[16];
    uint32_t cut = p->cut_sender ? p->cut : 0;
    if (p->in_data)
        fprintf(f, "  data %s-%s%s\n", pos(a, sizeof a, p->first, cut), pos(b, sizeof b, p->end, cut),
                p->fates);
    p->in_data = false;
}

/* "F.   seq 1 ack 2 len 0 delivered"; seq (the sender's) or ack (the peer's) of a cut stream
 * relative to its length. */
static void segment_line(const struct entry *e, const struct seg_printer *p, char *out, size_t size)
{
    char flags[8], seq[16], ack[16];
    pos(seq, sizeof seq, e->tcp_seq, p->cut_sender ? p->cut : 0);
    pos(ack, sizeof ack, e->ack, p->cut_sender ? 0 : p->cut);
    snprintf(out, size, "%-4s seq %s ack %s len %u %s", packet_flags_str(e->flags, flags), seq, ack,
             e->len, e->fate);
}

static void print_segment(FILE *f, struct seg_printer *p, const struct entry *e);

/* A FIN that carries data: the data joins the range, the FIN is printed as if it came alone
 * ("F." at the sequence number after the data). Whether close() found the last bytes still
 * queued (Nagle, autocorking, an ACK not yet back) is timing, like the rest of the cutting. */
static void print_fin_with_data(FILE *f, struct seg_printer *p, const struct entry *e)
{
    struct entry data = *e, fin = *e;
    data.flags = (uint8_t)(e->flags & ~(TCP_FIN | TCP_PSH));
    print_segment(f, p, &data);
    fin.flags = (uint8_t)(e->flags & ~TCP_PSH);
    fin.tcp_seq = e->tcp_seq + e->len;
    fin.len = 0;
    print_segment(f, p, &fin);
}

static void print_segment(FILE *f, struct seg_printer *p, const struct entry *e)
{
    if ((e->flags & (TCP_SYN | TCP_FIN | TCP_RST)) == TCP_FIN && e->len > 0) {
        print_fin_with_data(f, p, e);
        return;
    }
    bool control = e->flags & (TCP_SYN | TCP_FIN | TCP_RST);
    if (!control && e->len == 0) return;
    if (!control) {
        if (!p->in_data || e->tcp_seq > p->end) {
            flush_data(f, p);
            *p = (struct seg_printer){ .in_data = true, .first = e->tcp_seq, .end = e->tcp_seq,
                                       .cut = p->cut, .cut_sender = p->cut_sender };
        }
        if (e->tcp_seq + e->len > p->end) p->end = e->tcp_seq + e->len;
        if (strncmp(e->fate, "dropped", 7) == 0 && !strstr(p->fates, e->fate) &&
            strlen(p->fates) + strlen(e->fate) + 3 < sizeof p->fates)
            snprintf(p->fates + strlen(p->fates), sizeof p->fates - strlen(p->fates), " (%s)", e->fate);
        p->last_bare_rst = false;
        return;
    }
    flush_data(f, p);
    bool bare_rst = e->flags == TCP_RST;
    char line[200];
    segment_line(e, p, line, sizeof line);
    if (!(bare_rst && p->last_bare_rst))
        fprintf(f, "  %s\n", bare_rst ? "R    (a socket that is gone answers)" : line);
    p->last_bare_rst = bare_rst;
}

/* A run of successful recv calls on one fd is one line: how many bytes they returned. */
struct recv_run {
    char section[256];
    int fd;
    long bytes;
};

static struct accepted *accepted_fd(struct builder *b, const char *section, int fd)
{
    for (size_t i = 0; i < b->accepted_count; i++)
        if (b->accepted[i].fd == fd && strcmp(b->accepted[i].section, section) == 0)
            return &b->accepted[i];
    return NULL;
}

/* An accept's fd and its peer (its argument), for the recv runs on it (cut_recv). */
static void note_accepted(struct builder *b, const char *section, const struct trace_call *c)
{
    struct accepted *a = accepted_fd(b, section, (int)c->ret);
    if (!a && b->accepted_count < sizeof b->accepted / sizeof b->accepted[0])
        a = &b->accepted[b->accepted_count++];
    if (!a) return;
    snprintf(a->section, sizeof a->section, "%s", section);
    a->fd = (int)c->ret;
    char peer[96];
    normalise(b, c->args, peer, sizeof peer);
    snprintf(a->peer, sizeof a->peer, "%.39s", peer);
}

static void flush_recv(struct builder *b, struct recv_run *r)
{
    if (r->fd < 0) return;
    char line[200];
    snprintf(line, sizeof line, "recv fd %d: %ld bytes", r->fd, r->bytes);
    add(b, r->section, line);
    const struct accepted *a = accepted_fd(b, r->section, r->fd);
    if (!b->oom && a) snprintf(b->e[b->len - 1].conn, sizeof b->e[0].conn, "%s", a->peer);
    r->fd = -1;
}

static void add_call(struct builder *b, const struct trace_call *c, struct recv_run *runs,
                     size_t run_count)
{
    char section[256], line[200], args[96];
    snprintf(section, sizeof section, "calls %s/%s", c->host, c->proc);
    struct recv_run *r = NULL;
    for (size_t i = 0; i < run_count && !r; i++)
        if (runs[i].fd >= 0 && strcmp(runs[i].section, section) == 0) r = &runs[i];
    bool more = strcmp(c->call, "recv") == 0 && c->ret > 0;
    if (r && !(more && r->fd == c->fd)) flush_recv(b, r);
    if (more) {
        if (!r || r->fd < 0) {
            for (size_t i = 0; i < run_count && (!r || r->fd >= 0); i++)
                if (runs[i].fd < 0) r = &runs[i];
            if (!r || r->fd >= 0) return;   /* more processes than runs: cannot happen */
            snprintf(r->section, sizeof r->section, "%s", section);
            r->fd = c->fd;
            r->bytes = 0;
        }
        r->bytes += c->ret;
        return;
    }
    /* accept's argument is the peer's address: its port is the peer's choice, not the call's */
    bool accept = strcmp(c->call, "accept") == 0;
    if (accept && c->ret >= 0) note_accepted(b, section, c);
    normalise(b, accept ? "" : c->args, args, sizeof args);
    const char *err = errno_name(c->err);
    snprintf(line, sizeof line, "%s fd %d%s%s = %ld%s%s", c->call, c->fd, args[0] ? " " : "", args,
             c->ret, err ? " " : "", err ? err : "");
    add(b, section, line);
}

/* A reset answering data that reached a socket its application had closed: the kernel names
 * it TCP_ABORT_ON_DATA while the orphan is still a full socket in FIN_WAIT ("in TCP_CLOSE",
 * the state it is put in) and TCP_TIMEWAIT_SOCKET once it became a timewait socket. The
 * segment on the wire, the calls and the states are the same either way; which one answers
 * depends on whether the peer's ACK of the FIN came alone before its data or with it, i.e. on
 * the peer's delayed-ACK timing. One name for both (docs/linux-backend.md, The signature). */
static void orphan_reset(char *text, size_t size)
{
    static const char *const as[] = { " in TCP_CLOSE: TCP_ABORT_ON_DATA",
                                      " in TCP_TIME_WAIT: TCP_TIMEWAIT_SOCKET" };
    for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
        size_t n = strlen(text), m = strlen(as[i]);
        if (n >= m && strcmp(text + n - m, as[i]) == 0) {
            snprintf(text + n - m, size - (n - m), " closed by its application: "
                     "TCP_ABORT_ON_DATA or TCP_TIMEWAIT_SOCKET");
            return;
        }
    }
}

static void add_event(struct builder *b, const struct trace_event *ev, struct recv_run *runs,
                      size_t run_count)
{
    char section[256], line[200], text[200];
    switch (ev->type) {
    case TRACE_SEGMENT:
        add_segment(b, &ev->u.segment);
        return;
    case TRACE_CALL:
        add_call(b, &ev->u.call, runs, run_count);
        return;
    case TRACE_STATE:
        normalise(b, ev->u.state.conn, text, sizeof text);
        snprintf(section, sizeof section, "states %s %s", ev->u.state.host, text);
        snprintf(line, sizeof line, "%s -> %s", tcp_state_name(ev->u.state.from),
                 tcp_state_name(ev->u.state.to));
        add(b, section, line);
        return;
    case TRACE_PROCESS:
        snprintf(section, sizeof section, "process %s/%s", ev->u.process.host, ev->u.process.proc);
        snprintf(line, sizeof line, "%s %d", ev->u.process.event, ev->u.process.status);
        add(b, section, line);
        return;
    case TRACE_SIGNAL:
        if (strcmp(ev->u.signal.action, "ignored") == 0) return;   /* not observable on Linux */
        snprintf(section, sizeof section, "process %s/%s", ev->u.signal.host, ev->u.signal.proc);
        snprintf(line, sizeof line, "signal %s %s", ev->u.signal.signal, ev->u.signal.action);
        add(b, section, line);
        return;
    case TRACE_HOST:
        snprintf(section, sizeof section, "host %s", ev->u.host.host);
        add(b, section, ev->u.host.event);
        return;
    case TRACE_LINK:
        /* a frame held for a tie (linux/lnx_ties.h): whether the wake-up was late is timing */
        if (strcmp(ev->u.link.event, "tie-held") == 0) return;
        snprintf(section, sizeof section, "link %s", ev->u.link.event);
        normalise(b, ev->u.link.detail, text, sizeof text);
        if (strcmp(ev->u.link.event, "rst-sent") == 0) orphan_reset(text, sizeof text);
        add(b, section, text);
        return;
    case TRACE_EXPECT:
    case TRACE_ACCOUNTING:
    case TRACE_POOL:
    case TRACE_DEFECT:   /* lwIP's own defects: nothing a kernel run can show */
    case TRACE_TIMER:    /* timers and held data: derived from lwIP, timing on Linux */
    case TRACE_HELD:
    case TRACE_TYPE_COUNT:
        return;
    }
}

/* Within a section, events keep their order, except link events: those of different
 * connections (resets, sockets at the end) interleave by timing, so they are a sorted set,
 * each line once (how many ICMP answers or resets a retransmission deadline let through is
 * timing too). */
static int by_section(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->section, y->section);
    if (c == 0 && strncmp(x->section, "link ", 5) == 0) c = strcmp(x->line, y->line);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* "<host> <conn>": the length of a rst-sent line's first two words. */
static size_t host_and_conn(const char *line)
{
    const char *space = strchr(line, ' ');
    space = space ? strchr(space + 1, ' ') : NULL;
    return space ? (size_t)(space - line) : strlen(line);
}

/* A NO_SOCKET reset of a connection the same host also reset for a reason of its own: one
 * more answer from a socket that is gone, how many of those a race lets through is timing
 * (as the bare Rs in a row of the segments). */
static bool extra_no_socket(const struct builder *b, size_t i)
{
    static const char no_socket[] = " in UNKNOWN: NO_SOCKET";
    const struct entry *e = &b->e[i];
    size_t n = strlen(e->line), m = sizeof no_socket - 1, k = host_and_conn(e->line);
    if (strcmp(e->section, "link rst-sent") != 0 || n < m || strcmp(e->line + n - m, no_socket) != 0)
        return false;
    for (size_t j = 0; j < b->len; j++)
        if (j != i && strcmp(b->e[j].section, e->section) == 0 && host_and_conn(b->e[j].line) == k &&
            strncmp(b->e[j].line, e->line, k) == 0 && strcmp(b->e[j].line, e->line) != 0)
            return true;
    return false;
}

/* ---- streams cut by a kill or by the reset of an exit ----
 * A process ended by a signal from outside (a kill, a host's shutdown; not SIGPIPE, which its
 * own connection raised) may die inside a blocked send(): how much of its stream the kernel
 * had taken by then depends on how it packed the sends into buffer memory as ACKs came back.
 * A process that exits without close() with data unread makes the OS reset its connection,
 * discarding what was not sent yet: how much that was depends on the ACK clock (Nagle holds
 * a small last segment while data is unacknowledged). docs/linux-backend.md, The signature.
 * The length L of the data of each such connection the process opened (labelled
 * "<proc>.<fd>"; after an exit only one its side reset, R.) is written K: positions past it
 * "K+n" in both directions, a recv run of exactly L bytes "K bytes"; and the run of identical
 * calls a killed process's calls end with is one line. Only labelled runs (Linux) have such
 * connections. */
#define MAX_CUTS 64

struct cuts {
    char ended[MAX_CUTS][80];       /* "<host>/<proc>": killed from outside, or exited unclosed */
    bool by_exit[MAX_CUTS];         /* exited: only its connections it reset are cut */
    size_t ended_count;
    char label[MAX_CUTS][40];       /* the connections they opened, and their data's length */
    uint32_t len[MAX_CUTS];
    bool reset[MAX_CUTS];           /* its side sent R. */
    bool need_reset[MAX_CUTS];
    size_t count;
};

static bool killed_from_outside(const struct entry *e)
{
    size_t n = strlen(e->line), m = strlen(" terminate");
    return strncmp(e->section, "process ", 8) == 0 && strncmp(e->line, "signal ", 7) == 0 &&
           n > m && strcmp(e->line + n - m, " terminate") == 0 && !strstr(e->line, "SIGPIPE");
}

/* Whether "<host>/<proc>" called close() at all (its calls section has a close line). */
static bool calls_close(const struct builder *b, const char *proc)
{
    for (size_t i = 0; i < b->len; i++)
        if (strncmp(b->e[i].section, "calls ", 6) == 0 && strcmp(b->e[i].section + 6, proc) == 0 &&
            strncmp(b->e[i].line, "close ", 6) == 0)
            return true;
    return false;
}

static bool exited_unclosed(const struct builder *b, const struct entry *e)
{
    return strncmp(e->section, "process ", 8) == 0 && strncmp(e->line, "exit ", 5) == 0 &&
           !calls_close(b, e->section + 8);
}

/* A segments section's sending host and its two endpoints ("segments <from>><to> <a>><b>"). */
static bool split_segments(const char *section, char *from, char *a, char *b, size_t size)
{
    const char *gt = strchr(section, '>'), *space = strchr(section + 9, ' ');
    if (strncmp(section, "segments ", 9) != 0 || !gt || !space) return false;
    const char *mid = strchr(space + 1, '>');
    if (!mid) return false;
    snprintf(from, size, "%.*s", (int)(gt - section - 9), section + 9);
    snprintf(a, size, "%.*s", (int)(mid - space - 1), space + 1);
    snprintf(b, size, "%s", mid + 1);
    return true;
}

/* The ended process on `host` that opened connection `label`, or ended_count. */
static size_t ended_index(const struct cuts *c, const char *host, const char *label)
{
    size_t h = strlen(host);
    for (size_t k = 0; k < c->ended_count; k++) {
        const char *proc = c->ended[k] + h + 1;
        size_t p = strlen(proc);
        if (strncmp(c->ended[k], host, h) == 0 && c->ended[k][h] == '/' &&
            strncmp(label, proc, p) == 0 && label[p] == '.')
            return k;
    }
    return c->ended_count;
}

static size_t cut_index(const struct cuts *c, const char *label)
{
    for (size_t k = 0; k < c->count; k++)
        if (strcmp(c->label[k], label) == 0) return k;
    return c->count;
}

static void add_cut(struct cuts *c, const struct entry *e)
{
    char from[80], a[80], b[80];
    if (!e->segment || !split_segments(e->section, from, a, b, sizeof from)) return;
    size_t p = ended_index(c, from, a), k = cut_index(c, a);
    if (p == c->ended_count || k == MAX_CUTS) return;
    if (k == c->count) {
        snprintf(c->label[k], sizeof c->label[k], "%.39s", a);
        c->len[k] = 0;
        c->reset[k] = false;
        c->need_reset[k] = c->by_exit[p];
        c->count++;
    }
    if (e->flags == (TCP_RST | TCP_ACK)) c->reset[k] = true;
    if (e->len > 0 && e->tcp_seq + e->len - 1 > c->len[k]) c->len[k] = e->tcp_seq + e->len - 1;
}

static void note_ended(struct cuts *c, const char *proc, bool by_exit)
{
    if (c->ended_count == MAX_CUTS) return;
    snprintf(c->ended[c->ended_count], sizeof c->ended[0], "%s", proc);
    c->by_exit[c->ended_count++] = by_exit;
}

static void find_cuts(const struct builder *b, struct cuts *c)
{
    *c = (struct cuts){ .ended_count = 0 };
    for (size_t i = 0; i < b->len; i++) {
        if (killed_from_outside(&b->e[i])) note_ended(c, b->e[i].section + 8, false);
        else if (exited_unclosed(b, &b->e[i])) note_ended(c, b->e[i].section + 8, true);
    }
    for (size_t i = 0; i < b->len; i++) add_cut(c, &b->e[i]);
    size_t kept = 0;   /* no data, or an exit's connection closed with a FIN: nothing was cut */
    for (size_t k = 0; k < c->count; k++) {
        if (c->len[k] == 0 || (c->need_reset[k] && !c->reset[k])) continue;
        if (kept != k) memcpy(c->label[kept], c->label[k], sizeof c->label[k]);
        c->len[kept++] = c->len[k];
    }
    c->count = kept;
}

/* A printer for a new section: a segments section of a cut stream counts from its length. */
static struct seg_printer printer_for(const struct cuts *c, const char *section)
{
    struct seg_printer p = { .cut = 0 };
    char from[80], a[80], b[80];
    if (!split_segments(section, from, a, b, sizeof from)) return p;
    size_t ka = cut_index(c, a), kb = cut_index(c, b);
    if (ka < c->count) p = (struct seg_printer){ .cut = c->len[ka], .cut_sender = true };
    else if (kb < c->count) p = (struct seg_printer){ .cut = c->len[kb] };
    return p;
}

/* "recv fd 4: 80136 bytes" on the fd accepted from a cut stream's process, whose length is
 * 80136: "recv fd 4: K bytes" (fewer bytes than were sent keep their number). */
static void cut_recv(const struct cuts *c, const struct entry *e, char *out, size_t size)
{
    int fd, used = 0;
    long bytes;
    snprintf(out, size, "%s", e->line);
    if (sscanf(e->line, "recv fd %d: %ld bytes%n", &fd, &bytes, &used) != 2 || e->line[used]) return;
    size_t k = cut_index(c, e->conn);
    if (k < c->count && (long)c->len[k] == bytes) snprintf(out, size, "recv fd %d: K bytes", fd);
}

/* The calls of a killed process end with a run of identical calls: where it starts (n: none). */
static size_t final_run(const struct builder *b, const struct cuts *c, size_t i)
{
    const char *section = b->e[i].section;
    bool killed = false;
    for (size_t k = 0; k < c->ended_count && !killed; k++)
        killed = !c->by_exit[k] && strncmp(section, "calls ", 6) == 0 &&
                 strcmp(section + 6, c->ended[k]) == 0;
    size_t end = i;
    while (end < b->len && strcmp(b->e[end].section, section) == 0) end++;
    size_t start = end - 1;
    while (start > 0 && strcmp(b->e[start - 1].section, section) == 0 &&
           strcmp(b->e[start - 1].line, b->e[end - 1].line) == 0)
        start--;
    return killed && end - start >= 2 ? start : b->len;
}

/* One line of a section that is not segments. */
static void print_line(FILE *f, const struct builder *b, const struct cuts *c, size_t i, size_t run)
{
    const struct entry *e = &b->e[i];
    bool repeated_link = i > 0 && strncmp(e->section, "link ", 5) == 0 &&
                         strcmp(e->section, b->e[i - 1].section) == 0 &&
                         strcmp(e->line, b->e[i - 1].line) == 0;
    if (repeated_link || extra_no_socket(b, i) || (i > run && run < b->len)) return;
    char line[200];
    cut_recv(c, e, line, sizeof line);
    fprintf(f, "  %s%s\n", line, i == run ? "  (repeated until the kill)" : "");
}

char *signature_make(const struct trace_event *ev, size_t n, const struct sig_label *labels,
                     size_t label_count, const char *const *header, size_t header_count)
{
    struct builder b = { .labels = labels, .label_count = label_count };
    struct recv_run runs[64];
    for (size_t i = 0; i < 64; i++) runs[i].fd = -1;
    for (size_t i = 0; i < n; i++) add_event(&b, &ev[i], runs, 64);
    for (size_t i = 0; i < 64; i++) flush_recv(&b, &runs[i]);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f || b.oom) {
        if (f) fclose(f);
        free(text);
        free(b.e);
        return NULL;
    }
    for (size_t i = 0; i < header_count; i++) fprintf(f, "# %s\n", header[i]);
    if (b.len) qsort(b.e, b.len, sizeof *b.e, by_section);
    struct cuts *cuts = malloc(sizeof *cuts);
    if (!cuts) {
        fclose(f);
        free(text);
        free(b.e);
        return NULL;
    }
    find_cuts(&b, cuts);
    struct seg_printer segs = { 0 };
    size_t run = b.len;
    for (size_t i = 0; i < b.len; i++) {
        if (i == 0 || strcmp(b.e[i].section, b.e[i - 1].section) != 0) {
            flush_data(f, &segs);
            segs = printer_for(cuts, b.e[i].section);
            run = final_run(&b, cuts, i);
            fprintf(f, "%s\n", b.e[i].section);
        }
        if (b.e[i].segment) print_segment(f, &segs, &b.e[i]);
        else print_line(f, &b, cuts, i, run);
    }
    free(cuts);
    flush_data(f, &segs);
    fclose(f);
    free(b.e);
    return text;
}

/* ---- reading signatures back ---- */

struct section {
    const char *head;               /* the header line (points into the text) */
    size_t head_len;
    const char *body;               /* its indented lines */
    size_t body_len;
};

/* The next section at or after *p; false at the end. */
static bool next_section(const char **p, struct section *s)
{
    const char *q = *p;
    while (*q == '#' || *q == ' ' || *q == '\n') {   /* headers and stray lines */
        if (*q == '#' || *q == ' ') q = strchrnul(q, '\n');
        if (*q == '\n') q++;
    }
    if (!*q) return false;
    s->head = q;
    s->head_len = (size_t)(strchrnul(q, '\n') - q);
    q += s->head_len + (q[s->head_len] == '\n');
    s->body = q;
    while (*q == ' ') {
        q = strchrnul(q, '\n');
        if (*q == '\n') q++;
    }
    s->body_len = (size_t)(q - s->body);
    *p = q;
    return true;
}

static bool find_section(const char *text, const struct section *want, struct section *out)
{
    const char *p = text;
    while (next_section(&p, out))
        if (out->head_len == want->head_len && memcmp(out->head, want->head, want->head_len) == 0)
            return true;
    return false;
}

/* The first line where two section bodies differ ("" past the end). */
static void first_difference(const struct section *a, const struct section *b, char *la, char *lb,
                             size_t size)
{
    const char *p = a->body, *q = b->body, *pe = a->body + a->body_len, *qe = b->body + b->body_len;
    for (;;) {
        size_t n = p < pe ? (size_t)(strchrnul(p, '\n') - p) : 0;
        size_t m = q < qe ? (size_t)(strchrnul(q, '\n') - q) : 0;
        if (n != m || memcmp(p, q, n) != 0 || (n == 0 && m == 0)) {
            snprintf(la, size, "%.*s", (int)(n > 2 ? n - 2 : 15), n > 2 ? p + 2 : "(nothing more)");
            snprintf(lb, size, "%.*s", (int)(m > 2 ? m - 2 : 15), m > 2 ? q + 2 : "(nothing more)");
            return;
        }
        p += n + 1;
        q += m + 1;
    }
}

static bool same_body(const struct section *a, const struct section *b)
{
    return a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0;
}

/* Sections of `from` missing or different in `to`; counts them, reports with the words given. */
static size_t one_way(const char *from, const char *to, FILE *report, bool report_changes,
                      const char *missing_word)
{
    size_t n = 0;
    const char *p = from;
    struct section s, t;
    while (next_section(&p, &s)) {
        if (!find_section(to, &s, &t)) {
            n++;
            if (report) fprintf(report, "  %s: %.*s\n", missing_word, (int)s.head_len, s.head);
        } else if (report_changes && !same_body(&s, &t)) {
            char a[200], b[200];
            first_difference(&s, &t, a, b, sizeof a);
            n++;
            if (report)
                fprintf(report, "  changed: %.*s: stored '%s', now '%s'\n", (int)s.head_len, s.head,
                        a, b);
        }
    }
    return n;
}

size_t signature_diff(const char *stored, const char *now, FILE *report)
{
    return one_way(stored, now, report, true, "gone") + one_way(now, stored, report, false, "new");
}

static bool compared(const struct section *s)
{
    return (s->head_len > 6 && memcmp(s->head, "calls ", 6) == 0) ||
           (s->head_len > 8 && memcmp(s->head, "process ", 8) == 0);
}

size_t signature_compare_calls(const char *lwip, const char *linux_sig, char *out, size_t size)
{
    size_t n = 0, used = 0;
    const char *p = lwip;
    struct section s, t;
    out[0] = '\0';
    while (next_section(&p, &s)) {
        if (!compared(&s)) continue;
        char a[200] = "", b[200] = "(not run)";
        if (find_section(linux_sig, &s, &t)) {
            if (same_body(&s, &t)) continue;
            first_difference(&s, &t, a, b, sizeof a);
        }
        n++;
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%.*s: lwIP '%s', Linux '%s'",
                                     n > 1 ? "; " : "", (int)s.head_len, s.head, a, b);
    }
    return n;
}

char *signature_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    int c;
    while (m && (c = getc(f)) != EOF) putc(c, m);
    fclose(f);
    if (m) fclose(m);
    return text;
}
