/* outputs — the files of one run in a directory: timeline.txt, timeline.jsonl, capture.pcap and
 * states.dot (one trace sink each, trace.h), capture.pcapng and ladder.svg (with a ladder per
 * connection), then states.svg rendered from states.dot.
 *
 * Used by the tcpsim command (out/<id>/) and by libtcpsim (tcpsim_config.out_dir), so both write
 * the same set. Sinks write <file>.tmp and rename in trace_finish: no partial file ever.
 * Errors come back as -1 with a message naming the path. */
#ifndef TCPSIM_OUTPUTS_H
#define TCPSIM_OUTPUTS_H

#include "trace.h"

#include <stddef.h>

/* Every file name a run may write into its directory (the sinks' and the rendered ones;
 * ladder-<k>.svg per connection aside), for removing a run's partial outputs from outside. */
extern const char *const outputs_files[];
extern const int outputs_file_count;

/* Adds a sink per file to t (conn not NULL: timeline.txt shows only that connection,
 * trace_filter.h); 0, or -1 ("cannot write <path>: <reason>"). */
int outputs_open(struct trace *t, const char *dir, const char *conn, char *err, size_t err_size);
/* After trace_finish: dir/states.svg from dir/states.dot. 0, 1 when Graphviz is not installed
 * (nothing written), -1 with a message. */
int outputs_render(const char *dir, char *err, size_t err_size);

#endif
