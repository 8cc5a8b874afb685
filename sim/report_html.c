/* report_html — see report_html.h. */
#include "report_html.h"

#include "ladder_layout.h"
#include "markup.h"
#include "outfile.h"
#include "strbuf.h"
#include "strset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKED_LADDERS 12       /* trace_ladder.c draws this many connections */

static const char page_style[] =
    "<style>\n"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0 auto;max-width:1240px;"
    "padding:0 16px 40px;color:#222;line-height:1.45}\n"
    "h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.15em;margin-top:1.6em;"
    "border-bottom:1px solid #ccc}\n"
    ".outcome{font-size:1.05em;background:#f1f8e9;border-left:4px solid #43a047;padding:.4em .8em}\n"
    ".verdict-ok{color:#2e7d32;font-weight:bold}.verdict-bad{color:#c62828;font-weight:bold}\n"
    ".figure{overflow:auto;border:1px solid #ddd;max-height:80vh;background:#fff}\n"
    ".figure svg{display:block}.figure svg.ladder{max-width:100%;height:auto}\n"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:3px 6px;"
    "vertical-align:top;text-align:left}th{background:#f5f5f5}\n"
    ".refs td:first-child{white-space:nowrap;font-weight:bold}\n"
    "tr.differs td{background:#fff8e1}\n"
    ".pass{color:#2e7d32;font-weight:bold}.fail{color:#c62828;font-weight:bold}\n"
    "#timeline td{font-family:'DejaVu Sans Mono',monospace;font-size:12px;white-space:pre-wrap}\n"
    "#timeline tr.t-segment.rst td{color:#c62828}\n"
    "#timeline tr.t-timer td,#timeline tr.t-held td{color:#e65100}\n"
    ".filters{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #ddd}\n"
    ".filters select,.filters input{margin-right:10px;max-width:22em}\n"
    "code{background:#f5f5f5;padding:0 3px}\n"
    "@media print{.filters{display:none}.figure{overflow:visible;max-height:none;border:0}"
    ".figure svg{max-width:100%;height:auto}body{max-width:none}a{color:#000}}\n"
    "</style>\n";

/* Filtering the timeline table: every row carries data-conn, data-host and data-type. */
static const char filter_script[] =
    "<script>\n"
    "(function(){\n"
    "  var rows=document.querySelectorAll('#timeline tbody tr');\n"
    "  var conn=document.getElementById('f-conn'),host=document.getElementById('f-host'),\n"
    "      type=document.getElementById('f-type'),text=document.getElementById('f-text'),\n"
    "      shown=document.getElementById('f-shown');\n"
    "  function apply(){\n"
    "    var c=conn.value,h=host.value,t=type.value,q=text.value.toLowerCase(),n=0;\n"
    "    for(var i=0;i<rows.length;i++){var r=rows[i];\n"
    "      var ok=(!c||r.dataset.conn===c)&&(!h||r.dataset.host===h)&&(!t||r.dataset.type===t)\n"
    "        &&(!q||r.textContent.toLowerCase().indexOf(q)>=0);\n"
    "      r.style.display=ok?'':'none';if(ok)n++;}\n"
    "    shown.textContent=n+' of '+rows.length+' events';\n"
    "  }\n"
    "  [conn,host,type].forEach(function(e){e.addEventListener('change',apply);});\n"
    "  text.addEventListener('input',apply);apply();\n"
    "})();\n"
    "</script>\n";

static const char *const type_names[TRACE_TYPE_COUNT] = {
    [TRACE_SEGMENT] = "segment", [TRACE_STATE] = "state", [TRACE_CALL] = "call",
    [TRACE_SIGNAL] = "signal", [TRACE_PROCESS] = "process", [TRACE_HOST] = "host",
    [TRACE_LINK] = "link", [TRACE_EXPECT] = "expect", [TRACE_ACCOUNTING] = "accounting",
    [TRACE_POOL] = "pool", [TRACE_DEFECT] = "lwip-defect", [TRACE_TIMER] = "timer",
    [TRACE_HELD] = "held",
};

/* ---- small pieces ---- */

static void put_paragraphs(FILE *f, const char *text)
{
    if (!text) return;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        fputs("<p>", f);
        markup_put_n(f, p, len);
        fputs("</p>\n", f);
        p += len + (p[len] == '\n');
    }
}

/* Copies the <svg ...> element of a file (Graphviz puts an XML prolog and comments before it).
 * Returns false when the file is missing or holds no svg. */
static bool inline_svg(FILE *f, const char *path)
{
    FILE *in = fopen(path, "r");
    if (!in) return false;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    bool inside = false;
    while ((got = getline(&buf, &cap, in)) > 0) {
        char *start = inside ? buf : strstr(buf, "<svg");
        if (!start) continue;
        inside = true;
        fputs(start, f);
    }
    free(buf);
    fclose(in);
    return inside;
}

static const char *event_host(const struct trace_event *ev)
{
    switch (ev->type) {
    case TRACE_SEGMENT: return ev->u.segment.from;
    case TRACE_STATE: return ev->u.state.host;
    case TRACE_CALL: return ev->u.call.host;
    case TRACE_SIGNAL: return ev->u.signal.host;
    case TRACE_PROCESS: return ev->u.process.host;
    case TRACE_HOST: return ev->u.host.host;
    case TRACE_ACCOUNTING: return ev->u.accounting.from;
    case TRACE_POOL: return ev->u.pool.host;
    case TRACE_TIMER: return ev->u.timer.host;
    case TRACE_HELD: return ev->u.held.host;
    case TRACE_DEFECT: return ev->u.defect.host;
    case TRACE_LINK: return "link";
    case TRACE_EXPECT: return "expect";
    case TRACE_TYPE_COUNT: break;
    }
    return "";
}

/* One name per connection whichever end speaks: the smaller of "a>b" and "b>a". */
static void canonical_conn(const char *conn, char out[48])
{
    out[0] = '\0';
    const char *gt = strchr(conn, '>');
    if (!gt || strchr(conn, '*')) return;
    char backwards[48];
    ladder_reverse_conn(conn, backwards, sizeof backwards);
    struct strbuf b = strbuf_fixed(out, 48);   /* no snprintf: this runs twice per event */
    strbuf_str(&b, strcmp(conn, backwards) <= 0 ? conn : backwards);
}

static void event_conn(const struct trace_event *ev, char out[48])
{
    char raw[48];
    ladder_event_conn(ev, raw);
    canonical_conn(raw, out);
}

/* ---- sections ---- */

static void put_header(FILE *f, const struct report_run *run)
{
    const struct scenario *sc = run->scenario;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    markup_put(f, sc->id);
    fputs(" — tcpsim</title>\n", f);
    fputs(page_style, f);
    fputs("</head><body>\n<p><a href=\"../index.html\">all scenarios</a></p>\n<h1>", f);
    markup_put(f, sc->title);
    fputs("</h1>\n<p><code>", f);
    markup_put(f, sc->id);
    fprintf(f, "</code> · seed %llu · <span class=\"%s\">%s</span>, %zu of %zu expectations "
            "met · lwIP 2.1.3</p>\n", (unsigned long long)run->seed,
            strcmp(run->verdict, "ok") == 0 ? "verdict-ok" : "verdict-bad", run->verdict,
            run->expects_passed, run->expects_total);
    fputs("<p class=\"outcome\"><b>Decisive outcome (lwIP):</b> ", f);
    markup_put(f, sc->outcome);
    fputs("</p>\n", f);
    put_paragraphs(f, sc->summary);
}

static void put_references(FILE *f, const struct scenario *sc)
{
    fputs("<h2>lwIP, Linux and Windows</h2>\n<table class=\"refs\">\n"
          "<tr><th>stack</th><th>what it does</th></tr>\n<tr><td>Linux</td><td>", f);
    markup_put(f, sc->linux_ref);
    fputs("</td></tr>\n<tr><td>Windows</td><td>", f);
    markup_put(f, sc->windows_ref);
    fprintf(f, "</td></tr>\n<tr%s><td>lwIP 2.1.3</td><td>", sc->differs_from_linux
                                                                 ? " class=\"differs\"" : "");
    if (sc->differs_from_linux) {
        fputs("<b>Differs from Linux:</b> ", f);
        markup_put(f, sc->lwip_differs);
    } else {
        fputs("Behaves as the Linux reference.", f);
    }
    fputs("</td></tr>\n</table>\n", f);
}

static void put_ladders(FILE *f, const char *dir, const struct report_run *run)
{
    char path[4200];
    fputs("<h2>Ladder diagram</h2>\n<p>Time runs down; each arrow is a segment from its "
          "send to its arrival (hover for details). Red: RST, with its reason beside the "
          "sender. A cross: dropped. Grey bands: long pauses, compressed.</p>\n"
          "<div class=\"figure\" id=\"ladder\">\n", f);
    snprintf(path, sizeof path, "%s/ladder.svg", dir);
    if (!inline_svg(f, path)) fputs("<p>(no ladder)</p>", f);
    fputs("</div>\n", f);
    char conns[MAX_LINKED_LADDERS][48];
    size_t n = ladder_connections(run->events, run->event_count, conns, MAX_LINKED_LADDERS);
    if (n == 0) return;
    fprintf(f, "<p>One connection at a time (%zu connection%s", n, n == 1 ? "" : "s");
    if (n > MAX_LINKED_LADDERS) fprintf(f, "; ladders for the first %d", MAX_LINKED_LADDERS);
    fputs("):", f);
    for (size_t k = 0; k < n && k < MAX_LINKED_LADDERS; k++) {
        fprintf(f, " <a href=\"ladder-%zu.svg\">", k + 1);
        markup_put(f, conns[k]);
        fputs("</a>", f);
    }
    fputs("</p>\n", f);
}

static void put_states(FILE *f, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/states.svg", dir);
    fputs("<h2>TCP states</h2>\n<p>The RFC 793 state machine in grey; each endpoint's path "
          "drawn over it in its own colour, numbered.</p>\n<div class=\"figure\" id=\"states\">\n",
          f);
    if (!inline_svg(f, path))
        fputs("<p>(Graphviz is not installed: see states.dot)</p>", f);
    fputs("</div>\n", f);
}

static void put_expectations(FILE *f, const struct report_run *run)
{
    fputs("<h2>Expectations</h2>\n<table id=\"expectations\"><tr><th>line</th><th>result</th>"
          "<th>expectation</th></tr>\n", f);
    for (size_t i = 0; i < run->event_count; i++) {
        const struct trace_event *ev = &run->events[i];
        if (ev->type != TRACE_EXPECT) continue;
        fprintf(f, "<tr><td>%d</td><td class=\"%s\">%s</td><td>", ev->u.expect.line,
                ev->u.expect.ok ? "pass" : "fail", ev->u.expect.ok ? "pass" : "FAIL");
        markup_put(f, ev->u.expect.text);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<p>Line 0 is the byte accounting every scenario gets.</p>\n", f);
}

/* Distinct values of one attribute in first-seen order, as <option>s. A hash set answers
 * "seen before?": connections can be thousands, and comparing each value with every earlier
 * one made this the catalog's hottest loop. */
static void put_options(FILE *f, const struct report_run *run, int which)
{
    struct strset seen;
    strset_init(&seen);
    for (size_t i = 0; i < run->event_count; i++) {
        char conn[48];
        const struct trace_event *ev = &run->events[i];
        const char *value = conn;
        if (which == 0) event_conn(ev, conn);
        else value = which == 1 ? event_host(ev) : type_names[ev->type];
        if (!strset_add(&seen, value)) continue;
        fputs("<option>", f);
        markup_put(f, value);
        fputs("</option>", f);
    }
    strset_free(&seen);
}

static void put_timeline(FILE *f, const struct report_run *run)
{
    fputs("<h2>Timeline</h2>\n<div class=\"filters\">connection <select id=\"f-conn\">"
          "<option value=\"\">all</option>", f);
    put_options(f, run, 0);
    fputs("</select> host <select id=\"f-host\"><option value=\"\">all</option>", f);
    put_options(f, run, 1);
    fputs("</select> event <select id=\"f-type\"><option value=\"\">all</option>", f);
    put_options(f, run, 2);
    fputs("</select> text <input id=\"f-text\" type=\"search\"> <span id=\"f-shown\"></span>"
          "</div>\n<table id=\"timeline\"><thead><tr><th>time (s)</th><th>event</th></tr>"
          "</thead><tbody>\n", f);
    for (size_t i = 0; i < run->event_count; i++) {
        const struct trace_event *ev = &run->events[i];
        char line[1024], conn[48];
        trace_format_text(ev, line, sizeof line);
        event_conn(ev, conn);
        const char *rest = line;
        while (*rest == ' ') rest++;
        size_t time_len = strcspn(rest, " ");
        fprintf(f, "<tr class=\"t-%s%s\" data-i=\"%zu\" data-type=\"%s\" data-host=\"",
                type_names[ev->type],
                ev->type == TRACE_SEGMENT && (ev->u.segment.flags & TCP_RST) ? " rst" : "", i,
                type_names[ev->type]);
        markup_put(f, event_host(ev));
        fputs("\" data-conn=\"", f);
        markup_put(f, conn);
        fputs("\"><td>", f);
        markup_put_n(f, rest, time_len);
        fputs("</td><td>", f);
        const char *text = rest + time_len;
        while (*text == ' ') text++;
        markup_put(f, text);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void put_files(FILE *f)
{
    fputs("<h2>Files</h2>\n<ul>"
          "<li><a href=\"timeline.txt\">timeline.txt</a> (for people) and "
          "<a href=\"timeline.jsonl\">timeline.jsonl</a> (for programs)</li>"
          "<li><a href=\"capture.pcap\">capture.pcap</a> (Wireshark, tshark)</li>"
          "<li><a href=\"ladder.svg\">ladder.svg</a>, <a href=\"states.svg\">states.svg</a>, "
          "<a href=\"states.dot\">states.dot</a></li></ul>\n", f);
}

int report_html_write(const char *dir, const struct report_run *run, char *err, size_t err_size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", dir);
    struct outfile out;
    if (outfile_open(&out, path) != 0) {
        snprintf(err, err_size, "cannot write %s", path);
        return -1;
    }
    FILE *f = out.f;
    put_header(f, run);
    put_ladders(f, dir, run);
    fputs("<h2>Why</h2>\n", f);
    put_paragraphs(f, run->scenario->explain);
    put_references(f, run->scenario);
    put_states(f, dir);
    put_expectations(f, run);
    put_timeline(f, run);
    put_files(f);
    fputs(filter_script, f);
    fputs("</body></html>\n", f);
    int rc = outfile_commit(&out, err, err_size);
    outfile_discard(&out);   /* frees the names */
    return rc;
}

int report_index_write(const char *path, const struct report_index_row *rows, size_t n,
                       char *err, size_t err_size)
{
    struct outfile out;
    if (outfile_open(&out, path) != 0) {
        snprintf(err, err_size, "cannot write %s", path);
        return -1;
    }
    FILE *f = out.f;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>tcpsim: the scenario catalog</title>\n", f);
    fputs(page_style, f);
    fputs("</head><body>\n<h1>The scenario catalog: what lwIP 2.1.3 does</h1>\n"
          "<p>Each scenario runs real lwIP stacks on a virtual link; every outcome below is "
          "asserted by the scenario's expectations. Open a scenario for its ladder diagram, "
          "state graph, explanation and timeline.</p>\n<table id=\"scenarios\"><tr>"
          "<th>scenario</th><th>result</th><th>expectations</th><th>differs from Linux</th>"
          "<th>decisive outcome (lwIP)</th></tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        const struct scenario *sc = rows[i].scenario;
        fputs("<tr><td><a href=\"", f);
        markup_put(f, sc->id);
        fputs("/report.html\">", f);
        markup_put(f, sc->id);
        fputs("</a><br>", f);
        markup_put(f, sc->title);
        fprintf(f, "</td><td class=\"%s\">", strcmp(rows[i].verdict, "ok") == 0 ? "pass" : "fail");
        markup_put(f, rows[i].verdict);
        fprintf(f, "</td><td>%zu/%zu</td><td>%s</td><td>", rows[i].expects_passed,
                rows[i].expects_total, sc->differs_from_linux ? "<b>yes</b>" : "no");
        markup_put(f, sc->outcome);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n</body></html>\n", f);
    int rc = outfile_commit(&out, err, err_size);
    outfile_discard(&out);   /* frees the names */
    return rc;
}
