/* signature — a run reduced to what a kernel does, in a form that is the same on every run.
 *
 * A signature is text: sections (a header line) of lines (indented two spaces), sections
 * sorted by their header so that events of different connections or processes may interleave
 * differently from run to run without changing it:
 *   segments <from>><to> <conn>     that connection direction: SYN, FIN, RST+ACK exactly
 *                                   (flags, seq/ack relative to the ISNs, length, fate); the
 *                                   data in a row as one range "data 1-10001"; bare RSTs in a
 *                                   row as one "R"; pure ACKs left out (their number and
 *                                   timing are the delayed-ACK timer's, not the behaviour's);
 *                                   data a FIN carries joins the range, the FIN is "F." alone
 *   calls <host>/<proc>             each socket call: name, arguments (not accept's: the peer's
 *                                   port), result and errno (a run of successful recv calls on
 *                                   one fd is one line: the bytes)
 *   process <host>/<proc>           start, signals (not the ignored ones: Linux cannot show
 *                                   those), how it ended
 *   states <host> <conn>            each state change of that endpoint
 *   link <event>, host <name>       link rules, resets sent/received and their reasons
 *                                   (TCP_ABORT_ON_DATA and TCP_TIMEWAIT_SOCKET, an orphan
 *                                   answering data in FIN_WAIT or TIME_WAIT, are one; a
 *                                   NO_SOCKET reset of a connection also reset for another
 *                                   reason is left out, as its bare R is in the segments), the
 *                                   sockets left at the end (a link section is a sorted set
 *                                   of distinct lines: they come from several connections),
 *                                   host events
 * A stream cut short (a connection opened by a process killed by a signal other than SIGPIPE,
 * or by one that exited without close() and whose OS close reset it): its data's length is K
 * ("data 1-K+1", "F. seq K+1", the peer's "ack K+2", a recv run of exactly that many bytes on
 * the fd accepted from it "K bytes"), and the identical calls a killed process's calls end
 * with are one line "(repeated until the kill)": how far the stream got is timing.
 * Ports the kernel chose are replaced by labels (the process and fd that connected, e.g.
 * "client.s"), so they compare across runs. Times, windows and ports chosen at random are
 * left out. Header lines (starting with '#') are kept but never compared. */
#ifndef TCPSIM_SIGNATURE_H
#define TCPSIM_SIGNATURE_H

#include "trace.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sig_label {
    uint32_t ip;                    /* host order */
    uint16_t port;
    char label[40];
};

/* The signature of a run, malloc'd; header lines (without '#') first. NULL when out of memory. */
char *signature_make(const struct trace_event *ev, size_t n, const struct sig_label *labels,
                     size_t label_count, const char *const *header, size_t header_count);

/* Compares two signatures section by section (headers ignored); writes one readable line per
 * changed, added or missing section to report (may be NULL). Returns how many differ. */
size_t signature_diff(const char *stored, const char *now, FILE *report);

/* Where a Linux signature's calls and process endings differ from lwIP's (the same format):
 * "client/client: recv -1 ECONNABORTED (lwIP) vs recv -1 ETIMEDOUT (Linux)"; one item per
 * differing section, separated by "; ". Returns how many sections differ. */
size_t signature_compare_calls(const char *lwip, const char *linux_sig, char *out, size_t size);

/* Reads a whole file (a stored signature); NULL when it cannot be read. */
char *signature_load(const char *path);

#endif
