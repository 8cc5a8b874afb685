/* diff — explains how two runs of a scenario differ, in the scenario's terms.
 *
 * A run is an output folder (timeline.jsonl, and capture.pcap when both folders have one) or a
 * timeline.jsonl file. The events are aligned by what they say with their times left out
 * (a greedy walk that looks a bounded distance ahead for an event one run has and the other
 * lacks), so an event inserted, removed or changed does not shift the comparison of
 * everything after it. A time shift shared by every event (the runs started at different
 * times) is ignored; any other time difference is reported as what it means: a state that
 * lasted longer, a call that blocked longer, and the stretch of events that moved with it.
 * Packets of the captures are compared byte for byte and shown decoded.
 *
 * The report goes to `out`, one difference per line, at most DIFF_MAX_LINES of them. Nothing
 * is printed for identical runs. */
#ifndef TCPSIM_DIFF_H
#define TCPSIM_DIFF_H

#include <stddef.h>
#include <stdio.h>

#define DIFF_MAX_LINES 40

enum diff_result { DIFF_SAME, DIFF_DIFFERENT, DIFF_BAD_INPUT, DIFF_RESULT_COUNT };

/* Compares run `a` (before) with run `b` (now). DIFF_BAD_INPUT with a message in err when a
 * run cannot be read (missing file, a line that is not a JSON object, a bad capture). */
enum diff_result diff_runs(const char *a, const char *b, FILE *out, char *err, size_t err_size);

#endif
