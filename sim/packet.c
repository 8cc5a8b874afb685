/* packet — see packet.h. */
#include "packet.h"

#include <stdio.h>

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
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
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
