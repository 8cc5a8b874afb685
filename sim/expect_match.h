/* expect_match — judges expectations on a recorded trace (docs/scenario-format.md, "Matching
 * events" and "Time in expectations").
 *
 * A `struct match` selects trace events (its kind's fields and filters); the expectation's
 * quantifier says which of the matches its `when` conditions judge (the first, the n-th, the
 * last, every one; with `no`, none may satisfy them; with `count`, exactly that many must).
 * The reference event of after/before is the first event its own match selects. Generic
 * `event` matches compare with the event's JSON form (trace_event_json), so event types added
 * later (lwip-defect) match by their type name with no change here.
 *
 * Pure functions of the trace: nothing is allocated that outlives a call; the verdict's text
 * goes into the caller's buffer. */
#ifndef TCPSIM_EXPECT_MATCH_H
#define TCPSIM_EXPECT_MATCH_H

#include "scenario.h"
#include "trace.h"

#include <stdbool.h>
#include <stddef.h>

#define MATCH_CONN_MAX 48       /* bytes of a connection name, as trace_state.conn */
#define MATCH_FD_CONNS_MAX 64   /* connections one fd name may have had that are looked at */

struct match_env {
    const struct scenario *s;
    const struct trace_event *ev;
    size_t n;
    /* The connections "localip:port>remoteip:port" that fd `fd` of process `proc` on `host`
     * had during the run (at most max); the scenario runner knows them. */
    size_t (*fd_conns)(void *arg, int host, const char *proc, const char *fd,
                       char (*out)[MATCH_CONN_MAX], size_t max);
    void *arg;
};

/* '*' matches any run of characters. */
bool expect_pattern_match(const char *pattern, const char *s);

/* Judges an expectation of kind SEGMENT, STATE, CALL or EVENT. */
bool expect_match_check(const struct match_env *env, const struct scenario_expect *x, char *got,
                        size_t size);

/* Judges only x's time conditions on trace event i (PROCESS and SIGNAL expectations, after
 * their own checks picked the event); appends what failed to got. */
bool expect_when_holds(const struct match_env *env, const struct scenario_expect *x, size_t i,
                       char *got, size_t size);

#endif
