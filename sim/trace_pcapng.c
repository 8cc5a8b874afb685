/* trace_pcapng — capture.pcapng: every packet with its fate, on the interface of its host.
 *
 * Written with Wireshark's own library, libwiretap (Debian libwiretap-dev), rather than by
 * hand. One interface per host ("client", "server", ...) and one for the router: each packet
 * is recorded once, on the interface of the host that sent it, at its send time, with a
 * comment saying its fate ("sent by client; delivered to server at 0.011004" or "...;
 * dropped:<rule>") and, when it has one, why it was sent (every RST). Filtering on an
 * interface gives what that host sent. A second record at the receiver (its arrival) was
 * tried and left out: Wireshark analyses all interfaces as one TCP stream, so every delivered
 * packet would show up as a suspected retransmission or out-of-order segment.
 * Records are written in time order (stable for ties). Nothing else (no OS or hardware
 * strings) goes into the section header, so the bytes are the same on every run. Written to
 * <path>.tmp and renamed. */
#include "trace.h"

#include "packet.h"

#include <wiretap/wtap.h>
#include <wsutil/wslog.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record {
    uint64_t t_us;
    size_t order;                   /* ties: emission order */
    guint32 interface;
    uint8_t *packet;
    size_t len;
    char comment[320];
};

struct pcapng_sink {
    struct trace_sink base;
    char *path, *tmp_path;
    const char *hosts[LINK_MAX_ENDPOINTS];
    size_t host_count;
    struct record *records;
    size_t count, cap;
    bool failed;
};

static void fmt_time(char *buf, size_t size, uint64_t t_us)
{
    snprintf(buf, size, "%llu.%06llu", (unsigned long long)(t_us / 1000000),
             (unsigned long long)(t_us % 1000000));
}

static guint32 interface_of(const struct pcapng_sink *s, const char *host)
{
    for (size_t i = 0; i < s->host_count; i++)
        if (strcmp(s->hosts[i], host) == 0) return (guint32)i;
    return (guint32)s->host_count;   /* the router's interface */
}

static struct record *add_record(struct pcapng_sink *s, uint64_t t_us, guint32 interface,
                                 const uint8_t *packet, size_t len)
{
    if (s->failed || !packet) return NULL;
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct record *grown = realloc(s->records, cap * sizeof *grown);
        if (!grown) {
            s->failed = true;
            return NULL;
        }
        s->records = grown;
        s->cap = cap;
    }
    uint8_t *copy = malloc(len);
    if (!copy) {
        s->failed = true;
        return NULL;
    }
    memcpy(copy, packet, len);
    struct record *r = &s->records[s->count];
    *r = (struct record){ t_us, s->count, interface, copy, len, "" };
    s->count++;
    return r;
}

static void on_segment(struct pcapng_sink *s, const struct trace_event *ev)
{
    const struct trace_segment *seg = &ev->u.segment;
    char at[32];
    struct record *r = add_record(s, ev->t_us, interface_of(s, seg->from), seg->packet,
                                  seg->packet_len);
    if (!r) return;
    if (seg->delivered) {
        fmt_time(at, sizeof at, seg->arrive_us);
        snprintf(r->comment, sizeof r->comment, "sent by %s; delivered to %s at %s", seg->from,
                 seg->to, at);
    } else {
        snprintf(r->comment, sizeof r->comment, "sent by %s; %s", seg->from, seg->fate);
    }
    if (seg->reason[0]) {
        size_t used = strlen(r->comment);
        snprintf(r->comment + used, sizeof r->comment - used, "; why: %s", seg->reason);
    }
}

static void pcapng_begin(struct trace_sink *sink, const struct trace_header *h)
{
    struct pcapng_sink *s = (struct pcapng_sink *)sink;
    s->host_count = h->host_count;
    for (size_t i = 0; i < h->host_count; i++) s->hosts[i] = h->hosts[i].name;
}

static void pcapng_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct pcapng_sink *s = (struct pcapng_sink *)sink;
    if (ev->type == TRACE_SEGMENT) {
        on_segment(s, ev);
    } else if (ev->type == TRACE_LINK && ev->u.link.packet) {
        struct record *r = add_record(s, ev->t_us, (guint32)s->host_count, ev->u.link.packet,
                                      ev->u.link.packet_len);
        if (r) snprintf(r->comment, sizeof r->comment, "%s", ev->u.link.detail);
    }
}

static int by_time(const void *a, const void *b)
{
    const struct record *x = a, *y = b;
    if (x->t_us != y->t_us) return x->t_us < y->t_us ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- libwiretap ---- */

static void add_string(wtap_block_t block, guint option, const char *value)
{
    wtap_block_add_string_option(block, option, value, strlen(value));
}

static wtap_block_t interface_block(const char *name, const char *description)
{
    wtap_block_t b = wtap_block_create(WTAP_BLOCK_IF_ID_AND_INFO);
    wtapng_if_descr_mandatory_t *m = wtap_block_get_mandatory_data(b);
    m->wtap_encap = WTAP_ENCAP_RAW_IP;
    m->time_units_per_second = 1000000;
    m->tsprecision = WTAP_TSPREC_USEC;
    m->snap_len = 65535;
    add_string(b, OPT_IDB_NAME, name);
    add_string(b, OPT_IDB_DESCRIPTION, description);
    wtap_block_add_uint8_option(b, OPT_IDB_TSRESOL, 6);
    return b;
}

static void dump_params(const struct pcapng_sink *s, wtap_dump_params *p)
{
    wtap_dump_params_init(p, NULL);
    p->encap = WTAP_ENCAP_RAW_IP;
    p->snaplen = 65535;
    p->tsprec = WTAP_TSPREC_USEC;
    p->shb_hdrs = g_array_new(FALSE, FALSE, sizeof(wtap_block_t));
    wtap_block_t shb = wtap_block_create(WTAP_BLOCK_SECTION);
    add_string(shb, OPT_SHB_USERAPPL, "tcpsim (virtual time from 1970-01-01)");
    g_array_append_val(p->shb_hdrs, shb);
    p->idb_inf = g_new0(wtapng_iface_descriptions_t, 1);
    p->idb_inf->interface_data = g_array_new(FALSE, FALSE, sizeof(wtap_block_t));
    for (size_t i = 0; i <= s->host_count; i++) {
        char desc[96];
        const char *name = i < s->host_count ? s->hosts[i] : "router";
        snprintf(desc, sizeof desc, i < s->host_count ? "what host %s sent"
                                                      : "packets the %s made (ICMP)", name);
        wtap_block_t b = interface_block(name, desc);
        g_array_append_val(p->idb_inf->interface_data, b);
    }
}

static void free_params(wtap_dump_params *p)
{
    for (guint i = 0; i < p->shb_hdrs->len; i++)
        wtap_block_unref(g_array_index(p->shb_hdrs, wtap_block_t, i));
    g_array_free(p->shb_hdrs, TRUE);
    for (guint i = 0; i < p->idb_inf->interface_data->len; i++)
        wtap_block_unref(g_array_index(p->idb_inf->interface_data, wtap_block_t, i));
    g_array_free(p->idb_inf->interface_data, TRUE);
    g_free(p->idb_inf);
}

static bool write_record(wtap_dumper *d, const struct record *r, int *err, gchar **err_info)
{
    wtap_rec rec;
    wtap_rec_init(&rec);
    rec.rec_type = REC_TYPE_PACKET;
    rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN | WTAP_HAS_INTERFACE_ID;
    rec.ts.secs = (time_t)(r->t_us / 1000000);
    rec.ts.nsecs = (int)(r->t_us % 1000000) * 1000;
    rec.tsprec = WTAP_TSPREC_USEC;
    rec.rec_header.packet_header.caplen = (guint32)r->len;
    rec.rec_header.packet_header.len = (guint32)r->len;
    rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_RAW_IP;
    rec.rec_header.packet_header.interface_id = r->interface;
    rec.block = wtap_block_create(WTAP_BLOCK_PACKET);
    add_string(rec.block, OPT_COMMENT, r->comment);
    bool ok = wtap_dump(d, &rec, r->packet, err, err_info);
    wtap_block_unref(rec.block);
    rec.block = NULL;
    wtap_rec_cleanup(&rec);
    return ok;
}

static int write_file(struct pcapng_sink *s, char *err, size_t err_size)
{
    static bool initialised;
    if (!initialised) {
        /* Wireshark's logging would print its debug lines on stderr: warnings and worse only */
        ws_log_init("tcpsim", NULL);
        ws_log_set_level(LOG_LEVEL_WARNING);
        wtap_init(FALSE);
        initialised = true;
    }
    wtap_dump_params params;
    dump_params(s, &params);
    int werr = 0;
    gchar *info = NULL;
    wtap_dumper *d = wtap_dump_open(s->tmp_path, wtap_pcapng_file_type_subtype(),
                                    WTAP_UNCOMPRESSED, &params, &werr, &info);
    bool ok = d != NULL;
    for (size_t i = 0; ok && i < s->count; i++) ok = write_record(d, &s->records[i], &werr, &info);
    if (d) {
        gboolean reload;
        int close_err = 0;
        gchar *close_info = NULL;
        if (!wtap_dump_close(d, &reload, &close_err, &close_info) && ok) {
            ok = false;
            werr = close_err;
            info = close_info;
        } else {
            g_free(close_info);
        }
    }
    free_params(&params);
    if (!ok) {
        snprintf(err, err_size, "%s: libwiretap: %s%s%s", s->path, wtap_strerror(werr),
                 info ? ": " : "", info ? info : "");
        g_free(info);
        remove(s->tmp_path);
        return -1;
    }
    if (rename(s->tmp_path, s->path) != 0) {
        snprintf(err, err_size, "%s: %s", s->path, strerror(errno));
        remove(s->tmp_path);
        return -1;
    }
    return 0;
}

static int pcapng_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct pcapng_sink *s = (struct pcapng_sink *)sink;
    if (s->failed) {
        snprintf(err, err_size, "%s: out of memory", s->path);
        return -1;
    }
    if (s->count) qsort(s->records, s->count, sizeof *s->records, by_time);
    return write_file(s, err, err_size);
}

static void pcapng_free(struct trace_sink *sink)
{
    struct pcapng_sink *s = (struct pcapng_sink *)sink;
    for (size_t i = 0; i < s->count; i++) free(s->records[i].packet);
    free(s->records);
    free(s->path);
    free(s->tmp_path);
    free(s);
}

struct trace_sink *trace_pcapng_new(const char *path)
{
    struct pcapng_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->path = strdup(path);
    s->tmp_path = malloc(strlen(path) + 5);
    FILE *probe = s->tmp_path ? fopen(strcat(strcpy(s->tmp_path, path), ".tmp"), "w") : NULL;
    if (!s->path || !probe) {   /* an unwritable place fails now, as with the other sinks */
        free(s->path);
        free(s->tmp_path);
        free(s);
        return NULL;
    }
    fclose(probe);
    remove(s->tmp_path);
    s->base = (struct trace_sink){ pcapng_begin, pcapng_event, pcapng_finish, pcapng_free };
    return &s->base;
}
