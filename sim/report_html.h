/* report_html — report.html for one scenario run, and index.html for the catalog.
 *
 * A report is one self-contained page (inline CSS, SVG and a few lines of JavaScript; no
 * network, no external file needed to read it; a Content-Security-Policy forbids loading any):
 * title and summary, the decisive outcome and verdict, the ladder (ladder.svg inlined, links
 * to each connection's ladder), the state graph (states.svg inlined when Graphviz made it),
 * the explanation, the lwIP / Linux / Windows table with the difference marked, every
 * expectation with pass/fail, the timeline as a table filterable by connection, host and
 * event type (one row per event), and links to the capture, pcapng and JSONL. Every text from
 * the scenario or the run is escaped (markup.h). Readable at laptop width; printable.
 * Files are written through outfile (complete or absent); errors come back as -1 + message. */
#ifndef TCPSIM_REPORT_HTML_H
#define TCPSIM_REPORT_HTML_H

#include "scenario.h"
#include "trace.h"

#include <stddef.h>
#include <stdint.h>

struct report_run {
    const struct scenario *scenario;
    uint64_t seed;
    const char *verdict;            /* "ok", "FAILED", "TIMEOUT", "DEADLOCK" */
    size_t expects_passed, expects_total;
    const struct trace_event *events;   /* the whole recorded run */
    size_t event_count;
};

/* dir/report.html, inlining dir/ladder.svg and dir/states.svg (when present). */
int report_html_write(const char *dir, const struct report_run *run, char *err, size_t err_size);

struct report_index_row {
    const struct scenario *scenario;
    const char *verdict;
    size_t expects_passed, expects_total;
};

/* path (out/index.html): every scenario with its verdict and decisive outcome, linking to
 * <id>/report.html relative to the index. */
int report_index_write(const char *path, const struct report_index_row *rows, size_t n,
                       char *err, size_t err_size);

#endif
