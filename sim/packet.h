/* packet — decoding of the IPv4 packets that cross the link (TCP and ICMP), for tracing.
 * Pure functions over bytes; nothing here knows about hosts or lwIP. */
#ifndef TCPSIM_PACKET_H
#define TCPSIM_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10, TCP_URG = 0x20,
};

enum packet_proto { PACKET_TCP, PACKET_ICMP, PACKET_OTHER, PACKET_PROTO_COUNT };

struct packet_info {
    enum packet_proto proto;
    uint32_t src_ip, dst_ip;        /* host byte order */
    uint16_t src_port, dst_port;    /* TCP only */
    uint32_t seq, ack;              /* TCP, absolute */
    uint8_t flags;                  /* TCP_* bits */
    uint16_t win;
    uint32_t payload_len;           /* TCP payload bytes */
    uint8_t icmp_type, icmp_code;   /* ICMP only */
};

/* False when the bytes are not a well-formed IPv4 packet (truncated, bad header length). */
bool packet_decode(const uint8_t *pkt, size_t len, struct packet_info *out);

enum icmp_unreach_code { ICMP_NET_UNREACHABLE = 0, ICMP_HOST_UNREACHABLE = 1 };

/* An ICMP destination-unreachable packet from router_ip about `original` (its IP header and
 * first 8 payload bytes are quoted, RFC 792), addressed to the original's source. Checksums
 * filled in. Returns its length; out needs 20 + 8 + 60 + 8 bytes. */
size_t packet_build_icmp_unreachable(const uint8_t *original, size_t len, uint32_t router_ip,
                                     enum icmp_unreach_code code, uint8_t *out);

/* A TCP segment to build (packet_build_tcp). Addresses and numbers in host byte order; options
 * are the raw option bytes (kinds, lengths, padding), a multiple of 4 and at most 40 bytes. */
struct tcp_segment_spec {
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;                  /* TCP_* bits */
    uint16_t win;                   /* the raw window field */
    const uint8_t *options;
    size_t options_len;
    const uint8_t *payload;
    size_t payload_len;
};

/* An IPv4 packet (20-byte header, TTL 64, no fragmentation) carrying the segment, both
 * checksums filled in. Returns its length; 0 when it does not fit in cap, when options_len is
 * not a multiple of 4 or above 40, or when the packet would exceed 65535 bytes. */
size_t packet_build_tcp(const struct tcp_segment_spec *s, uint8_t *out, size_t cap);

/* Recomputes the TCP checksum of an IPv4/TCP packet of len bytes in place (a no-op for anything
 * else or a truncated packet): for frames whose checksum was left to an offload. */
void packet_fix_tcp_checksum(uint8_t *ip, size_t len);

/* tcpdump's flag notation: S F R P U letters in that order, then "." for ACK ("S.", "FP.", "R").
 * buf needs 8 bytes. */
const char *packet_flags_str(uint8_t flags, char buf[8]);

/* "10.0.0.1" from a host-order address; buf needs 16 bytes. */
const char *ip4_str(uint32_t ip, char buf[16]);
/* Parses a dotted quad; false on anything else. */
bool ip4_parse(const char *s, uint32_t *ip);

#endif
