/* scenario — the data model of a scenario file (docs/scenario-format.md).
 *
 * scenario_parse turns text into a `struct scenario`; scenario_run builds a world from it,
 * runs it, and checks its expectations. Every element keeps the file position it came from
 * (struct src_pos), so any error or failed expectation names file:line:col. All strings are
 * owned by the scenario (freed by scenario_free). Times are virtual microseconds.
 *
 * Errors: scenario_parse returns NULL and writes "file:line:col: error: <what was expected>"
 * into err; it never aborts, whatever the input (the fuzz target checks that). */
#ifndef TCPSIM_SCENARIO_H
#define TCPSIM_SCENARIO_H

#include "link.h"
#include "packet.h"
#include "stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCENARIO_MAX_HOSTS LINK_MAX_ENDPOINTS
#define SCENARIO_NAME_MAX 32

struct src_pos {
    const char *file;           /* points into the scenario (owned) */
    int line, col;              /* 1-based */
};

/* ---- steps of a process ---- */

enum step_kind {
    STEP_SOCKET,        /* socket <fd>                                   */
    STEP_BIND,          /* bind <fd> <ip>:<port>                         */
    STEP_LISTEN,        /* listen <fd> [backlog]                         */
    STEP_ACCEPT,        /* accept <fd> <newfd>                           */
    STEP_CONNECT,       /* connect <fd> <ip>:<port>                      */
    STEP_SEND,          /* send <fd> <n> | "text"  [nosignal] [dontwait] */
    STEP_RECV,          /* recv <fd> <n> | all     [dontwait]            */
    STEP_SHUTDOWN,      /* shutdown <fd> rd|wr|rdwr                      */
    STEP_CLOSE,         /* close <fd>                                    */
    STEP_SETSOCKOPT,    /* setsockopt <fd> <option> <values>             */
    STEP_NONBLOCK,      /* nonblock <fd> [on|off]                        */
    STEP_SIGNAL,        /* signal sigpipe|sigterm default|ignore|handle  */
    STEP_FDLIMIT,       /* fdlimit <n>                                   */
    STEP_SLEEP,         /* sleep <time>                                  */
    STEP_EXIT,          /* exit [status]                                 */
    STEP_REPEAT,        /* repeat <n> ... end: `body` .. `body + body_len` */
    STEP_POLL,          /* poll <fd> in|out|inout [<timeout>]            */
    STEP_GETSOCKOPT,    /* getsockopt <fd> error: SO_ERROR                */
    STEP_KIND_COUNT
};

/* What a step's "-> ..." suffix expects of its result. */
struct step_expect {
    bool present;
    long ret;                   /* exact return value ... */
    bool ret_positive;          /* ... or "> 0" */
    int err;                    /* errno that must come with it, 0 for none */
    char *text;                 /* RECV -> "text": the bytes the step received, or NULL */
    size_t text_len;
    struct src_pos pos;
};

struct step {
    enum step_kind kind;
    struct src_pos pos;
    int fd;                     /* index into the process's fd names, -1 none */
    int new_fd;                 /* ACCEPT: the name the new fd gets (-1: none); SOCKET: = fd */
    uint32_t ip;                /* BIND, CONNECT (host order) */
    uint16_t port;
    long count;                 /* LISTEN backlog, SEND/RECV bytes (RECV: -1 = all),
                                 * FDLIMIT, EXIT status, REPEAT times */
    char *text;                 /* SEND "text" (count = its length), or NULL: pattern bytes */
    int flags;                  /* SEND/RECV: STACK_MSG_* | PROC_MSG_NOSIGNAL */
    int how;                    /* SHUTDOWN 0 rd, 1 wr, 2 rdwr; POLL: STACK_POLLIN|POLLOUT */
    struct stack_opt opt;       /* SETSOCKOPT */
    bool on;                    /* NONBLOCK */
    int signal;                 /* SIGNAL: enum proc_signal */
    int disposition;            /* SIGNAL: enum proc_disposition */
    uint64_t time_us;           /* SLEEP; POLL: timeout (PROC_POLL_FOREVER: none) */
    size_t body, body_len;      /* REPEAT: the steps it repeats, steps[body, body + body_len):
                                 * they follow it (body = its index + 1), nested repeats and
                                 * their bodies included; the loop's next step is body + body_len */
    struct step_expect expect;
};

struct scenario_process {
    char name[SCENARIO_NAME_MAX];
    struct src_pos pos;
    int host;                   /* index into hosts */
    uint64_t start_us;
    unsigned count;             /* > 1: that many copies name1..nameN ... */
    uint64_t every_us;          /* ... started this far apart */
    char **fd_names;            /* the names its steps use for fds */
    size_t fd_name_count;
    struct step *steps;
    size_t step_count;
};

/* ---- world events ---- */

enum event_kind {
    EVENT_KILL,             /* at <t> kill <host>/<proc> [sigkill|sigterm|sigpipe] */
    EVENT_CRASH,            /* at <t> crash <host>        */
    EVENT_REBOOT,           /* at <t> reboot <host>       */
    EVENT_SHUTDOWN,         /* at <t> shutdown <host> [grace <time>] */
    EVENT_LINK_RULE,        /* at <t> link <a>><b> drop|delay|reorder|duplicate ... */
    EVENT_PARTITION,        /* at <t> partition           */
    EVENT_HEAL,             /* at <t> heal                */
    EVENT_BANDWIDTH,        /* at <t> link <a>><b> bandwidth <rate> */
    EVENT_UNREACHABLE,      /* at <t> unreachable <a>><b> host|net on|off */
    EVENT_LINK_REMOVE,      /* at <t> link <a>><b> remove <rule name>: rule.name, from, to, both */
    EVENT_INJECT,           /* at <t> inject <a>><b> <flags> ...: a crafted segment (inject) */
    EVENT_KIND_COUNT
};

#define INJECT_OPTIONS_MAX 40

/* A crafted TCP segment: from host `host`'s address (or src_ip, host -1) to host `peer`'s. */
struct inject_spec {
    uint8_t flags;                          /* TCP_* bits */
    uint32_t src_ip;                        /* a third address no host owns, or 0 */
    char fd_proc[SCENARIO_NAME_MAX];        /* conn <proc>:<fd>: ports and ISNs of its latest */
    char fd_name[SCENARIO_NAME_MAX];        /* connection ("" when ports are given) ... */
    int fd_host;                            /* ... the host of that process */
    uint16_t src_port, dst_port;            /* ports <s>><d>: absolute seq/ack */
    uint32_t seq, ack;                      /* relative to the connection's ISNs, or absolute */
    uint16_t win;
    uint8_t options[INJECT_OPTIONS_MAX];    /* raw TCP option bytes */
    size_t options_len;
    char *payload;                          /* owned, or NULL */
    size_t payload_len;
};

struct scenario_event {
    enum event_kind kind;
    struct src_pos pos;
    uint64_t at_us;
    int host, peer;                 /* host indices (peer: the other end for link events) */
    char proc[SCENARIO_NAME_MAX];   /* KILL */
    int signal;                     /* KILL: enum proc_signal */
    uint64_t grace_us;              /* SHUTDOWN */
    struct link_rule rule;          /* LINK_RULE (from/to are host indices) */
    uint64_t bandwidth_bps;         /* BANDWIDTH */
    int icmp_code;                  /* UNREACHABLE: enum icmp_unreach_code */
    bool on;                        /* UNREACHABLE */
    struct inject_spec inject;      /* INJECT */
};

/* ---- expectations, checked after the run ---- */

/* A value a field must have: lo..hi inclusive (lo == hi for one value). */
struct value_range {
    bool set;
    int64_t lo, hi;
};

/* What selects trace events (docs/scenario-format.md, "Matching events"): the subject of an
 * expectation, or the reference event of `after`/`before`. */
enum match_kind { MATCH_SEGMENT, MATCH_STATE, MATCH_CALL, MATCH_PROCESS, MATCH_SIGNAL, MATCH_EVENT,
                  MATCH_KIND_COUNT };

/* `<key> <value>` of `expect event`: compared with the event's JSON key (text or range). */
struct event_field {
    char *key;
    char *text;                 /* NULL: range instead */
    struct value_range range;
};

struct match {
    enum match_kind kind;
    int host, peer;             /* SEGMENT: direction; others: the host (peer -1) */
    char proc[SCENARIO_NAME_MAX];           /* CALL, PROCESS, SIGNAL */
    uint8_t flags;              /* SEGMENT: exact TCP flag bits */
    struct value_range seq, ack, win, len;  /* SEGMENT */
    int fate;                   /* SEGMENT: 0 any, 1 delivered, 2 dropped */
    char *conn;                 /* SEGMENT, STATE: connection pattern ('*' any run), or NULL */
    char fd_proc[SCENARIO_NAME_MAX];        /* SEGMENT, STATE: the connection of <proc>:<fd> ... */
    char fd_name[SCENARIO_NAME_MAX];        /* ... ("" when not used) */
    int fd_host;                /* ... the host of that process */
    int state, from_state;      /* STATE: entered / left, -1 any */
    char *cause;                /* STATE: exact cause, or NULL */
    char call[16];              /* CALL: socket, connect, ... */
    struct value_range ret;     /* CALL: the result */
    int err;                    /* CALL: errno, 0 any */
    char type[32];              /* EVENT: the JSON type name ("pool", "lwip-defect", ...) */
    struct event_field *fields; /* EVENT */
    size_t field_count;
};

/* Which matching events the time conditions judge: see docs/scenario-format.md. */
enum quantifier { QUANT_FIRST, QUANT_NTH, QUANT_LAST, QUANT_ALL, QUANT_KIND_COUNT };

/* When: conditions on the judged event's time, all of which must hold. */
struct when {
    bool has_at, has_after, has_before, has_within, has_lasts;
    uint64_t at_us, after_us, before_us, within_us, lasts_us;
    int order;                  /* 0, 1: before the reference event, 2: after it */
    struct match ref;           /* the first event matching this is the reference */
};

enum expect_kind {
    EXPECT_SEGMENT,     /* expect [no] segment <a>><b> <flags> [len <n>] [count <n>]
                         *   [delivered|dropped] [before|after <c>><d> <flags>] */
    EXPECT_STATES,      /* expect states <host> <conn-pattern> <STATE> <STATE> ... */
    EXPECT_PROCESS,     /* expect process <host>/<proc> exit <n> | killed <signal> */
    EXPECT_SIGNAL,      /* expect signal <host>/<proc> <signal> terminate|ignored|handled */
    EXPECT_RECEIVED,    /* expect received <host>/<proc> <fd> <n>: bytes its recv calls got */
    EXPECT_STATE,       /* expect [no] state <host> <conn> <STATE> [filters] [when] */
    EXPECT_CALL,        /* expect [no] call <host>/<proc> <call> [filters] [when] */
    EXPECT_EVENT,       /* expect [no] event <type> [<key> <value>]... [when] */
    EXPECT_KIND_COUNT
};

struct scenario_expect {
    enum expect_kind kind;
    struct src_pos pos;
    char *text;                 /* the expectation as written, for reports */
    bool negated;               /* "expect no segment ..." */
    int host, peer;
    char proc[SCENARIO_NAME_MAX];
    uint8_t flags;              /* SEGMENT: exact TCP flag bits */
    int fate;                   /* SEGMENT: 0 any, 1 delivered only, 2 dropped only */
    long len;                   /* SEGMENT: payload length, -1 any (also in m.len) */
    long count;                 /* SEGMENT: how many, -1 = at least one; RECEIVED: bytes;
                                 * PROCESS: exit status */
    char *conn;                 /* STATES: pattern, '*' matches any run of characters; NULL
                                 * when m names the connection as <proc>:<fd> */
    enum stack_tcp_state *states;
    size_t state_count;
    int signal;                 /* PROCESS (killed) / SIGNAL */
    bool killed;                /* PROCESS */
    char action[16];            /* SIGNAL */
    char fd_name[SCENARIO_NAME_MAX];   /* RECEIVED */
    /* SEGMENT, STATE, CALL, EVENT: what selects events (host, peer, flags, fate, len above
     * say the same for SEGMENT); all kinds but RECEIVED and STATES: when it happened */
    struct match m;
    enum quantifier quant;
    long nth;                   /* QUANT_NTH: 1-based */
    struct when when;
};

/* ---- the whole scenario ---- */

struct scenario_host {
    char name[SCENARIO_NAME_MAX];
    uint32_t ip;
    struct src_pos pos;
};

struct scenario {
    char *file;                         /* the path it was read from */
    char id[64];                        /* [a-z0-9-]+ */
    char *title, *summary, *linux_ref, *windows_ref, *lwip_differs, *explain;
    char *outcome;                      /* the decisive outcome, one line (observed, asserted) */
    bool differs_from_linux;
    uint64_t seed;
    struct link_config link;
    struct scenario_host hosts[SCENARIO_MAX_HOSTS];
    size_t host_count;
    struct scenario_process *procs;
    size_t proc_count;
    struct scenario_event *events;
    size_t event_count;
    struct scenario_expect *expects;
    size_t expect_count;
};

/* The keyword of a step kind, as written in scenario files ("connect"). */
const char *scenario_step_name(enum step_kind k);

/* Parses text (len bytes, need not be NUL-terminated) read from `file`. NULL on error with
 * "file:line:col: error: ..." in err. */
struct scenario *scenario_parse(const char *file, const char *text, size_t len, char *err,
                                size_t err_size);
/* Reads and parses a file; the same errors, plus unreadable, empty, binary or over 1 MiB. */
struct scenario *scenario_load(const char *path, char *err, size_t err_size);
void scenario_free(struct scenario *s);

#endif
