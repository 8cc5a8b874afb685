/* packet — see packet.h. */
#include "packet.h"

#include <stdio.h>
#include <string.h>

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool decode_tcp(const uint8_t *seg, size_t len, struct packet_info *out)
{
    if (len < 20) return false;
    size_t hdr = (size_t)(seg[12] >> 4) * 4;
    if (hdr < 20 || hdr > len) return false;
    out->proto = PACKET_TCP;
    out->src_port = be16(seg);
    out->dst_port = be16(seg + 2);
    out->seq = be32(seg + 4);
    out->ack = be32(seg + 8);
    out->flags = seg[13] & 0x3f;
    out->win = be16(seg + 14);
    out->payload_len = (uint32_t)(len - hdr);
    return true;
}

bool packet_decode(const uint8_t *pkt, size_t len, struct packet_info *out)
{
    *out = (struct packet_info){ .proto = PACKET_OTHER };
    if (len < 20 || (pkt[0] >> 4) != 4) return false;
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    size_t total = be16(pkt + 2);
    if (ihl < 20 || total < ihl || total > len) return false;
    out->src_ip = be32(pkt + 12);
    out->dst_ip = be32(pkt + 16);
    const uint8_t *body = pkt + ihl;
    size_t body_len = total - ihl;
    switch (pkt[9]) {
    case 6:
        return decode_tcp(body, body_len, out);
    case 1:
        if (body_len < 8) return false;
        out->proto = PACKET_ICMP;
        out->icmp_type = body[0];
        out->icmp_code = body[1];
        return true;
    default:
        return true;
    }
}

const char *packet_flags_str(uint8_t flags, char buf[8])
{
    static const struct { uint8_t bit; char letter; } order[] = {
        { TCP_SYN, 'S' }, { TCP_FIN, 'F' }, { TCP_RST, 'R' }, { TCP_PSH, 'P' }, { TCP_URG, 'U' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (flags & order[i].bit) buf[n++] = order[i].letter;
    if (flags & TCP_ACK) buf[n++] = '.';
    buf[n] = '\0';
    return buf;
}

const char *ip4_str(uint32_t ip, char buf[16])
{
    /* by hand: snprintf here was a tenth of a fully traced run (issue 11) */
    char *p = buf;
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned octet = (ip >> shift) & 255u;
        if (octet >= 100) *p++ = (char)('0' + octet / 100);
        if (octet >= 10) *p++ = (char)('0' + octet / 10 % 10);
        *p++ = (char)('0' + octet % 10);
        *p++ = shift ? '.' : '\0';
    }
    return buf;
}

bool ip4_parse(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        if (*s < '0' || *s > '9') return false;
        unsigned octet = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            octet = octet * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || octet > 255) return false;
        }
        v = v << 8 | octet;
        if (part < 3 && *s++ != '.') return false;
    }
    if (*s) return false;
    *ip = v;
    return true;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* One's-complement sum of len bytes as big-endian 16-bit words (RFC 1071), added to sum. */
static uint32_t checksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}

static uint16_t checksum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The Internet checksum (RFC 1071) of len bytes. */
static uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    return checksum_fold(checksum_add(0, p, len));
}

size_t packet_build_icmp_unreachable(const uint8_t *original, size_t len, uint32_t router_ip,
                                     enum icmp_unreach_code code, uint8_t *out)
{
    size_t ihl = (size_t)(original[0] & 0x0f) * 4;
    size_t quoted = ihl + 8 < len ? ihl + 8 : len;
    size_t total = 20 + 8 + quoted;
    memset(out, 0, total);
    out[0] = 0x45;                          /* IPv4, 20-byte header */
    put16(out + 2, (uint16_t)total);
    out[8] = 64;                            /* TTL */
    out[9] = 1;                             /* ICMP */
    put32(out + 12, router_ip);
    memcpy(out + 16, original + 12, 4);     /* to the original's source */
    put16(out + 10, inet_checksum(out, 20));
    uint8_t *icmp = out + 20;
    icmp[0] = 3;                            /* destination unreachable */
    icmp[1] = (uint8_t)code;
    memcpy(icmp + 8, original, quoted);
    put16(icmp + 2, inet_checksum(icmp, 8 + quoted));
    return total;
}

/* The TCP checksum covers a pseudo header (RFC 793 section 3.1): addresses, protocol, length. */
static uint16_t tcp_checksum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
    uint32_t sum = checksum_add(6 + (uint32_t)tcp_len, ip + 12, 8);
    return checksum_fold(checksum_add(sum, tcp, tcp_len));
}

void packet_fix_tcp_checksum(uint8_t *ip, size_t len)
{
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (len < ihl + 20 || ip[9] != 6) return;
    uint8_t *tcp = ip + ihl;
    tcp[16] = tcp[17] = 0;
    put16(tcp + 16, tcp_checksum(ip, tcp, len - ihl));
}

size_t packet_build_tcp(const struct tcp_segment_spec *s, uint8_t *out, size_t cap)
{
    if (s->options_len % 4 != 0 || s->options_len > 40) return 0;
    size_t tcp_hdr = 20 + s->options_len;
    size_t total = 20 + tcp_hdr + s->payload_len;
    if (total > 65535 || total > cap) return 0;
    memset(out, 0, 20 + tcp_hdr);
    out[0] = 0x45;                          /* IPv4, 20-byte header */
    put16(out + 2, (uint16_t)total);
    out[8] = 64;                            /* TTL */
    out[9] = 6;                             /* TCP */
    put32(out + 12, s->src_ip);
    put32(out + 16, s->dst_ip);
    put16(out + 10, inet_checksum(out, 20));
    uint8_t *tcp = out + 20;
    put16(tcp, s->src_port);
    put16(tcp + 2, s->dst_port);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = (uint8_t)(tcp_hdr / 4) << 4;
    tcp[13] = s->flags;
    put16(tcp + 14, s->win);
    if (s->options_len) memcpy(tcp + 20, s->options, s->options_len);
    if (s->payload_len) memcpy(tcp + tcp_hdr, s->payload, s->payload_len);
    put16(tcp + 16, tcp_checksum(out, tcp, tcp_hdr + s->payload_len));
    return total;
}
