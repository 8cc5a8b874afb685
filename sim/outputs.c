/* outputs — see outputs.h. */
#include "outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *file;
    struct trace_sink *(*make)(const char *path);
} outputs[] = {
    { "timeline.txt", trace_text_new },
    { "timeline.jsonl", trace_jsonl_new },
    { "capture.pcap", trace_pcap_new },
    { "capture.pcapng", trace_pcapng_new },
    { "states.dot", trace_dot_new },
    { "ladder.svg", trace_ladder_new },
};

const char *const outputs_files[] = { "timeline.txt", "timeline.jsonl", "capture.pcap",
                                     "capture.pcapng", "states.dot", "ladder.svg", "states.svg",
                                     "report.html" };
const int outputs_file_count = (int)(sizeof outputs_files / sizeof outputs_files[0]);

int outputs_open(struct trace *t, const char *dir, const char *conn, char *err, size_t err_size)
{
    char path[4200];
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i].file);
        struct trace_sink *sink = outputs[i].make(path);
        if (conn && outputs[i].make == trace_text_new) sink = trace_filter_conn_new(sink, conn);
        if (!sink) {
            snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        trace_add_sink(t, sink);
    }
    return 0;
}

int outputs_render(const char *dir, char *err, size_t err_size)
{
    char dot[4200], svg[4200];
    snprintf(dot, sizeof dot, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    return trace_dot_render_svg(dot, svg, err, err_size);
}
