/* trace_pcap — the capture.pcap sink: every packet put on the link (delivered or dropped, as a
 * capture at the sender's interface would see it), stamped with its virtual send time.
 *
 * Written with libpcap's pcap_dump API. Link type LINKTYPE_RAW (101, libpcap's DLT_RAW): the
 * link carries bare IPv4 packets with no link-layer header, exactly the bytes lwIP emitted,
 * checksums included. Virtual time 0 is the epoch, so Wireshark shows 1970-01-01 00:00:00 as
 * the start of the run. */
#include "trace.h"

#include "outfile.h"

#include <pcap/pcap.h>
#include <stdlib.h>

struct pcap_sink {
    struct trace_sink base;
    struct outfile out;
    pcap_t *pcap;
    pcap_dumper_t *dumper;
};

static void pcap_begin(struct trace_sink *sink, const struct trace_header *h)
{
    (void)sink;
    (void)h;
}

static void pcap_event(struct trace_sink *sink, const struct trace_event *ev)
{
    struct pcap_sink *s = (struct pcap_sink *)sink;
    const uint8_t *pkt = NULL;
    size_t len = 0;
    if (ev->type == TRACE_SEGMENT) {
        pkt = ev->u.segment.packet;
        len = ev->u.segment.packet_len;
    } else if (ev->type == TRACE_LINK) {
        pkt = ev->u.link.packet;     /* ICMP the simulated router sent */
        len = ev->u.link.packet_len;
    }
    if (!pkt) return;
    struct pcap_pkthdr hdr = {
        .ts = { .tv_sec = (time_t)(ev->t_us / 1000000), .tv_usec = (suseconds_t)(ev->t_us % 1000000) },
        .caplen = (bpf_u_int32)len,
        .len = (bpf_u_int32)len,
    };
    pcap_dump((u_char *)s->dumper, &hdr, pkt);
}

/* libpcap's dumper is the outfile's FILE: flushing it and letting outfile_commit close and
 * rename the file replaces pcap_dump_close (which would fclose it a second time). */
static int pcap_finish(struct trace_sink *sink, char *err, size_t err_size)
{
    struct pcap_sink *s = (struct pcap_sink *)sink;
    if (s->out.f) pcap_dump_flush(s->dumper);
    return outfile_commit(&s->out, err, err_size);
}

static void pcap_free(struct trace_sink *sink)
{
    struct pcap_sink *s = (struct pcap_sink *)sink;
    outfile_discard(&s->out);
    if (s->pcap) pcap_close(s->pcap);
    free(s);
}

struct trace_sink *trace_pcap_new(const char *path)
{
    struct pcap_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base = (struct trace_sink){ pcap_begin, pcap_event, pcap_finish, pcap_free };
    if (outfile_open(&s->out, path) != 0) {
        free(s);
        return NULL;
    }
    s->pcap = pcap_open_dead(DLT_RAW, 65535);
    s->dumper = s->pcap ? pcap_dump_fopen(s->pcap, s->out.f) : NULL;
    if (!s->dumper) {
        pcap_free(&s->base);
        return NULL;
    }
    return &s->base;
}
