/* pkt_script — packetdrill-style scripts: the data model and the parser (sim/pkt_parse.c).
 *
 * A script is a list of events, each with a time and a position (file:line:col): an inbound
 * segment the script injects (`<`), an outbound segment it expects from the stack under test
 * (`>`), a socket call with its expected result, or a shell command (accepted, ignored). The
 * notation is packetdrill's (docs/packetdrill.md); what this model cannot express is rejected
 * by the parser with file:line:col and what was expected, never silently dropped. Sequence and
 * acknowledgment numbers stay as written (relative, packetdrill style); the runner
 * (pkt_run.h) maps them to absolute ones. Parsing is pure: no world, no output. */
#ifndef TCPSIM_PKT_SCRIPT_H
#define TCPSIM_PKT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt_pos {
    int line, col;
};

enum pkt_time_kind {
    PKT_TIME_ABSOLUTE,          /* 0.100 */
    PKT_TIME_RELATIVE,          /* +0.100: after the previous event's start */
    PKT_TIME_ANY,               /* *: an outbound segment, whenever it comes */
    PKT_TIME_KIND_COUNT
};

enum pkt_event_kind {
    PKT_INBOUND,                /* < segment: the script sends it */
    PKT_OUTBOUND,               /* > segment: the stack must send it */
    PKT_CALL,                   /* a socket call on the stack under test */
    PKT_SHELL,                  /* `command`: accepted and ignored (a notice) */
    PKT_EVENT_KIND_COUNT
};

enum pkt_option_kind {
    PKT_OPT_NOP, PKT_OPT_EOL, PKT_OPT_MSS, PKT_OPT_WSCALE, PKT_OPT_SACK_OK, PKT_OPT_SACK,
    PKT_OPT_TIMESTAMP, PKT_OPT_KIND_COUNT
};

#define PKT_MAX_SACK_BLOCKS 4
#define PKT_MAX_OPTIONS 16

struct pkt_option {
    enum pkt_option_kind kind;
    uint32_t value;             /* MSS, WSCALE shift; TIMESTAMP val */
    uint32_t ecr;               /* TIMESTAMP ecr */
    size_t sack_count;          /* SACK: blocks (relative start:end) */
    uint32_t sack[PKT_MAX_SACK_BLOCKS][2];
};

struct pkt_segment {
    uint8_t flags;              /* TCP_* (packet.h); '.' is ACK */
    uint32_t seq;               /* relative start sequence number */
    uint32_t len;               /* payload bytes */
    uint32_t ack;               /* relative; meaningful when flags has ACK */
    int32_t win;                /* -1: not written (outbound: not checked) */
    bool options_any;           /* <...>: options not checked */
    size_t option_count;
    struct pkt_option options[PKT_MAX_OPTIONS];
    struct pkt_pos options_pos;
};

enum pkt_call_kind {
    PKT_SOCKET, PKT_BIND, PKT_LISTEN, PKT_ACCEPT, PKT_CONNECT, PKT_WRITE, PKT_SEND, PKT_READ,
    PKT_RECV, PKT_CLOSE, PKT_SHUTDOWN, PKT_SETSOCKOPT, PKT_FCNTL, PKT_CALL_KIND_COUNT
};

enum pkt_arg_kind {
    PKT_ARG_ANY,                /* ... */
    PKT_ARG_INT,                /* 3, -1, 0x10 */
    PKT_ARG_SYMBOLS,            /* SOCK_STREAM, O_RDWR|O_NONBLOCK: symbols OR'ed (`|`) */
    PKT_ARG_ARRAY,              /* [1]: one integer in brackets (an option value) */
    PKT_ARG_LINGER,             /* {onoff=1, linger=0} */
    PKT_ARG_KIND_COUNT
};

/* Linux's values of the symbols scripts may use; the parser resolves symbols into
 * pkt_arg.value with these, the runner reads them back. */
enum {
    PKT_SHUT_RD = 0, PKT_SHUT_WR = 1, PKT_SHUT_RDWR = 2,
    PKT_SOL_SOCKET = 1, PKT_IPPROTO_TCP = 6,
    PKT_TCP_NODELAY = 1, PKT_SO_REUSEADDR = 2, PKT_SO_KEEPALIVE = 9, PKT_SO_LINGER = 13,
    PKT_F_SETFL = 4, PKT_O_RDWR = 2, PKT_O_NONBLOCK = 04000,
    PKT_MSG_PEEK = 0x2, PKT_MSG_DONTWAIT = 0x40, PKT_MSG_NOSIGNAL = 0x4000,
};

#define PKT_MAX_IO_BYTES (1 << 24)      /* a write or read count: at most 16 MiB */
#define PKT_MAX_ARGS 6
#define PKT_MAX_SYMBOLS 4

struct pkt_arg {
    enum pkt_arg_kind kind;
    struct pkt_pos pos;
    long long value;            /* INT, ARRAY; LINGER: onoff */
    long long linger_s;         /* LINGER */
    size_t symbol_count;
    char symbols[PKT_MAX_SYMBOLS][32];
};

struct pkt_call {
    enum pkt_call_kind kind;
    size_t argc;
    struct pkt_arg args[PKT_MAX_ARGS];
    long long ret;              /* expected result */
    int err;                    /* expected errno (0: none written) */
    struct pkt_pos ret_pos;
    bool blocking;              /* start...end: may block until end_us */
    int64_t end_us;             /* blocking: when it must return (absolute once resolved) */
};

struct pkt_event {
    enum pkt_event_kind kind;
    struct pkt_pos pos;         /* the time column */
    enum pkt_time_kind time_kind;
    int64_t t_us;               /* as written (relative for PKT_TIME_RELATIVE) */
    bool end_relative;          /* a blocking call's end counts from the same base as t_us */
    union {
        struct pkt_segment seg;
        struct pkt_call call;
        char *shell;            /* PKT_SHELL: the command, owned */
    } u;
};

struct pkt_script {
    char *file;
    char *id;                   /* the file's base name without .pkt: the output folder */
    struct pkt_event *events;
    size_t event_count;
    size_t option_lines;        /* --name=value lines at the top, accepted and ignored */
};

/* The name of a call kind as written in scripts ("write"). */
const char *pkt_call_name(enum pkt_call_kind k);

/* Parses text (len bytes, need not be NUL-terminated) read from `file`. NULL on error with
 * "file:line:col: error: ... expected ..." in err. */
struct pkt_script *pkt_parse(const char *file, const char *text, size_t len, char *err,
                             size_t err_size);
/* Reads and parses a file: the same errors, plus unreadable or over 1 MiB. */
struct pkt_script *pkt_load(const char *path, char *err, size_t err_size);
void pkt_script_free(struct pkt_script *s);

#endif
