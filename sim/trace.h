/* trace — every event of a run, in order, handed to every sink.
 *
 * The simulator reports what happens (segments on the link, TCP state changes, socket calls,
 * process/host/link events); the trace numbers sequence per direction relative to each ISN, keeps
 * the whole run in memory (for tests and expectations) and forwards each event to its sinks
 * (timeline.txt, later JSON Lines, pcap, DOT). Sinks only observe: they never change the run.
 * Event strings that are not arrays point at names that live as long as the world. */
#ifndef TCPSIM_TRACE_H
#define TCPSIM_TRACE_H

#include "connmap.h"
#include "link.h"
#include "stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_type {
    TRACE_SEGMENT, TRACE_STATE, TRACE_CALL, TRACE_SIGNAL, TRACE_PROCESS, TRACE_HOST, TRACE_LINK,
    TRACE_EXPECT, TRACE_ACCOUNTING, TRACE_POOL, TRACE_DEFECT, TRACE_TIMER, TRACE_HELD,
    TRACE_TYPE_COUNT
};

struct trace_segment {
    const char *from, *to;          /* host names ("?" when unknown) */
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint8_t flags;                  /* TCP_* from packet.h */
    uint32_t seq, ack;              /* relative to each direction's ISN */
    uint32_t len;
    uint16_t win;
    bool delivered;
    uint64_t arrive_us;             /* when delivered */
    char fate[40];                  /* "delivered" or "dropped:<reason>" */
    bool injected;                  /* crafted and put on the link by world_inject */
    enum stack_origin origin;       /* what its stack was doing when it left (for reasons.c;
                                       no sink writes it) */
    const uint8_t *packet;          /* raw IPv4 bytes; only valid while sinks see the event */
    size_t packet_len;
    /* Why it left, when that is worth saying (every RST; retransmissions, probes, delayed
     * ACKs): derived by sim/reasons.c; "" otherwise. */
    char reason[200];
};

struct trace_state {
    const char *host;
    char conn[48];                  /* "10.0.0.1:49153>10.0.0.2:7", listener "10.0.0.2:7>*" */
    enum stack_tcp_state from, to;
    const char *cause;
};

struct trace_call {
    const char *host, *proc;
    const char *call;               /* "socket", "connect", ... */
    char args[48];                  /* shown in the text timeline, e.g. "10.0.0.2:7" */
    int fd;                         /* -1 when the call has none */
    uint64_t start_us;              /* when the (possibly blocking) call began */
    long ret;
    int err;                        /* errno, 0 for none */
    long bytes;                     /* send/recv byte count, -1 when not applicable */
    char conn[48];                  /* the fd's connection ("" when it has none): as in state */
    enum stack_tcp_state state;     /* the connection's state at return (filled by reasons.c) */
};

/* A TCP timer of lwIP fired; seen from its effect (sim/reasons.h). */
struct trace_timer {
    const char *host;
    char conn[48];
    const char *timer;              /* "rto", "persist", "keepalive", "delayed-ack",
                                     * "time-wait", "fin-wait-2", "syn-rcvd" */
    unsigned count;                 /* the n-th firing for this connection (rto: of this seq) */
    uint64_t waited_us;             /* since what armed it (previous send, entering the state) */
    char detail[200];
};

/* Bytes a send() queued that lwIP has not put on the wire when the call returns. */
struct trace_held {
    const char *host;
    char conn[48];
    uint64_t bytes;
    const char *why;                /* "nagle", "window", "cwnd" */
    char detail[200];
};

struct trace_process {
    const char *host, *proc;
    const char *event;              /* "start", "exit", "killed" */
    int status;
};

struct trace_signal {
    const char *host, *proc;
    const char *signal;             /* "SIGPIPE", "SIGTERM", "SIGKILL" */
    const char *action;             /* "terminate", "ignored", "handled" */
};

struct trace_host {
    const char *host;
    const char *event;              /* "up", "crash", "reboot", "shutdown" */
};

struct trace_link {
    const char *event;              /* "rule", "partition", "heal", "icmp", "duplicate", ... */
    char detail[160];
    const uint8_t *packet;          /* a packet the link itself made (ICMP), or NULL; only valid
                                     * while sinks see the event (capture.pcap records it) */
    size_t packet_len;
};

struct trace_expect {
    int line;                       /* scenario file line */
    bool ok;
    char text[400];                 /* the expectation as written; on failure, what happened */
};

/* An lwIP pool of a host refused allocations (it ran out). */
struct trace_pool {
    const char *host;
    const char *pool;               /* lwIP's name: TCP_PCB, NETCONN, PBUF_POOL, HEAP, ... */
    uint32_t used, avail;           /* in use now, of how many */
    uint32_t refused;               /* allocations refused since the last report */
};

/* lwIP 2.1.3 itself misbehaves here (docs/os-model.md, "lwIP defects"): the simulator met it
 * deterministically, by refusing the call as an OS would, by working around it, or by noticing
 * it happen. */
struct trace_defect {
    const char *host;
    const char *proc;               /* the process whose call met it, or NULL */
    const char *function;           /* the lwIP function at fault, e.g. "tcp_bind" */
    int kind;                       /* enum lwip_defect (defect.h): two may share a function */
    char detail[200];               /* what would happen and what the simulator did */
};

/* Where the bytes of one direction of one connection went (accounting.h). */
struct trace_accounting {
    const char *from, *to;          /* host names: sender, receiver */
    char conn[48];                  /* "senderip:port>receiverip:port" */
    uint64_t sent;                  /* accepted by the sender's send() calls */
    uint64_t delivered;             /* returned by the receiver's recv() calls, content checked */
    uint64_t lost_unread;           /* reached the receiver's TCP, never read ... */
    const char *unread_reason;      /* ... why (NULL when 0) */
    uint64_t lost_unarrived;        /* never reached the receiver's TCP ... */
    const char *unarrived_reason;   /* ... why (NULL when 0) */
    uint64_t never_on_wire;         /* of those, never even sent by the sender's TCP */
    int64_t mismatch_at;            /* first byte received with the wrong content, or -1 */
    bool ok;                        /* content right and nothing read that was not sent */
};

struct trace_event {
    enum trace_type type;
    uint64_t t_us;
    union {
        struct trace_segment segment;
        struct trace_state state;
        struct trace_call call;
        struct trace_process process;
        struct trace_signal signal;
        struct trace_host host;
        struct trace_link link;
        struct trace_expect expect;
        struct trace_accounting accounting;
        struct trace_pool pool;
        struct trace_defect defect;
        struct trace_timer timer;
        struct trace_held held;
    } u;
};

struct trace_header {
    const char *scenario;
    uint64_t seed;
    size_t host_count;
    struct { const char *name; uint32_t ip; } hosts[LINK_MAX_ENDPOINTS];
    const char *kernel;             /* NULL: lwIP 2.1.3; else the Linux release that ran it */
    const char *const *notes;       /* lines about the run (Linux: kernel config, sysctls) */
    size_t note_count;
};

struct trace;

struct trace_sink {
    void (*begin)(struct trace_sink *sink, const struct trace_header *header);
    void (*event)(struct trace_sink *sink, const struct trace_event *ev);
    /* Flush and close; returns 0, or -1 with a message in err. */
    int (*finish)(struct trace_sink *sink, char *err, size_t err_size);
    void (*free)(struct trace_sink *sink);
};

struct trace *trace_new(void);
void trace_free(struct trace *t);           /* frees the sinks too */
void trace_add_sink(struct trace *t, struct trace_sink *sink);
/* The annotator sees every event twice: before it is recorded (after = false: it may fill in
 * derived fields, or emit events of its own that then come first) and after the sinks had it
 * (after = true: events it emits then come right after). One per trace (sim/reasons.h). */
typedef void trace_annotate_fn(void *ctx, struct trace *t, struct trace_event *ev, bool after);
void trace_set_annotator(struct trace *t, trace_annotate_fn *annotate, void *ctx);
void trace_begin(struct trace *t, const struct trace_header *header);
/* Events get their t_us from now_us(ctx) instead of the scheduler's clock (the Linux backend:
 * the wall clock). */
void trace_set_clock(struct trace *t, uint64_t (*now_us)(void *ctx), void *ctx);
void trace_emit(struct trace *t, struct trace_event *ev);
/* The C API's switch (default on): off, events reach the sinks but are not kept in memory, so
 * trace_events returns only those emitted before the run began (a long run stays small). */
void trace_set_recording(struct trace *t, bool on);
/* Something listens (recording on, a sink, or the run not begun): false lets emitters skip
 * formatting an event nobody would see. */
bool trace_active(const struct trace *t);
/* A packet put on the link: decoded, numbered relative to its ISNs, and emitted. When it is
 * TCP and `out` is not NULL, the segment event is copied there (and true returned). `origin`:
 * what the sending stack was doing (lwip_stack.origin), STACK_ORIGIN_UNKNOWN if nobody knows. */
bool trace_packet(struct trace *t, const char *from, const char *to, const uint8_t *pkt,
                  size_t len, struct link_fate fate, enum stack_origin origin,
                  struct trace_segment *out);
/* The same for a crafted packet (world_inject): the segment event is marked injected. */
bool trace_injected_packet(struct trace *t, const char *from, const char *to, const uint8_t *pkt,
                           size_t len, struct link_fate fate, struct trace_segment *out);
int trace_finish(struct trace *t, char *err, size_t err_size);
/* The ISN of one direction (src -> dst) as the trace numbers it (the seq of its SYN, or its
 * first seq); false when the direction has not been seen. */
bool trace_isn(const struct trace *t, uint32_t src_ip, uint16_t src_port, uint32_t dst_ip,
               uint16_t dst_port, uint32_t *isn);

/* The recorded run: every event emitted so far, in order (packet pointers cleared). */
const struct trace_event *trace_events(const struct trace *t, size_t *count);

const char *tcp_state_name(enum stack_tcp_state s);
/* "ECONNRESET" for 104; "E<n>" for numbers it does not know; NULL for 0. */
const char *errno_name(int err);
/* One event as the JSON object timeline.jsonl writes for it (jansson; the caller
 * json_decref's it). What generic `expect event` matching compares with. */
struct json_t *trace_event_json(const struct trace_event *ev);
/* One event as the line timeline.jsonl writes for it (newline included), appended to out, a
 * growable strbuf; addrs: a cache of address texts kept from line to line ({0} at first). */
struct strbuf;
struct strbuf_addr_cache;
void trace_jsonl_line(struct strbuf *out, const struct trace_event *ev,
                      struct strbuf_addr_cache *addrs);
/* One event as a timeline line (no newline); returns the length. */
size_t trace_format_text(const struct trace_event *ev, char *buf, size_t size);

/* Sinks (each writes <path>.tmp and renames it in finish: no partial file ever). NULL when the
 * file cannot be opened. */
struct trace_sink *trace_text_new(const char *path);    /* timeline.txt */
struct trace_sink *trace_jsonl_new(const char *path);   /* timeline.jsonl (docs/trace-format.md) */
struct trace_sink *trace_pcap_new(const char *path);    /* capture.pcap, LINKTYPE_RAW (IPv4) */
/* capture.pcapng via libwiretap: an interface per host, each packet on its sender's with its
 * fate as a comment (sim/trace_pcapng.c). */
struct trace_sink *trace_pcapng_new(const char *path);
/* ladder.svg (every connection) and ladder-<k>.svg (the k-th connection, up to 12): the run as
 * a sequence diagram (sim/trace_ladder.c, layout in ladder_layout.h). */
struct trace_sink *trace_ladder_new(const char *path);
/* states.dot: the RFC 793 state machine greyed, each endpoint's transitions drawn over it. */
struct trace_sink *trace_dot_new(const char *path);
/* Passes on only the events of connection conn ("ip:port>ip:port", either direction) and the
 * events that belong to no connection; owns inner (sim/trace_filter.c). NULL if inner is. */
struct trace_sink *trace_filter_conn_new(struct trace_sink *inner, const char *conn);
/* Runs Graphviz `dot -Tsvg dot_path -o svg_path`; 0 ok, 1 when `dot` is not installed
 * (nothing written), -1 on failure with a message in err. Never leaves a partial svg. */
int trace_dot_render_svg(const char *dot_path, const char *svg_path, char *err, size_t err_size);

#endif
