/* The pages in a real browser: the whole catalog is built (tcpsim all) and every report.html,
 * and index.html, is opened in headless Chromium (Debian's `chromium`). A harness page loads
 * each report in an iframe (--allow-file-access-from-files makes them one origin) and reports,
 * per page: the arrows of the ladder, the rows of the timeline, what the filter script wrote,
 * and the laid-out size of every SVG. Checked here: one arrow per segment and one row per event
 * of timeline.jsonl, the filter script ran, every SVG has a non-empty box, and Chromium logged
 * no console message (errors, CSP refusals) for any page. Skipped, saying why, when chromium is
 * not installed (the Makefile installs it) or under valgrind (these test pages, not memory). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 256

static char out_dir[] = "/tmp/tcpsim-browser-XXXXXX";
static char *ids[MAX_PAGES];
static size_t id_count;

static const char *tcpsim(void) { return getenv("TCPSIM") ? getenv("TCPSIM") : "build/tcpsim"; }

static size_t count_lines_with(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0) n += !needle || strstr(line, needle) != NULL;
    free(line);
    fclose(f);
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The catalog's pages, built once for every test. */
static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(out_dir)) return -1;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s all --out %s >/dev/null 2>&1", tcpsim(), out_dir);
    if (system(cmd) != 0) return -1;
    DIR *d = opendir(out_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && id_count < MAX_PAGES)
        if (e->d_name[0] != '.' && !strchr(e->d_name, '.')) ids[id_count++] = strdup(e->d_name);
    if (d) closedir(d);
    qsort(ids, id_count, sizeof *ids, by_name);
    return id_count ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", out_dir);
    for (size_t i = 0; i < id_count; i++) free(ids[i]);
    return system(cmd) == 0 ? 0 : -1;
}

static bool chromium_usable(void)
{
    if (getenv("TEST_RUNNER") && strstr(getenv("TEST_RUNNER"), "valgrind")) {
        print_message("browser tests skipped under valgrind: they check pages, not memory\n");
        return false;
    }
    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        print_message("browser tests skipped: chromium is not installed and could not be "
                      "(apt-get install chromium)\n");
        return false;
    }
    return true;
}

/* The harness: loads each page in turn, writes one line of findings per page into <pre>. */
static void write_harness(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<!DOCTYPE html><html><body><pre id=\"out\"></pre>"
          "<iframe id=\"f\" width=\"1280\" height=\"900\"></iframe><script>\n"
          "var pages=[", f);
    for (size_t i = 0; i < id_count; i++)
        fprintf(f, "'file://%s/%s/report.html',", out_dir, ids[i]);
    fprintf(f, "'file://%s/index.html'];\n", out_dir);
    fputs("var out=document.getElementById('out'),f=document.getElementById('f'),i=0;\n"
          "function box(s){var r=s.getBoundingClientRect(),b=s.getBBox();"
          "return r.width>0&&r.height>0&&b.width>0&&b.height>0;}\n"
          "f.onload=function(){var d=f.contentDocument,p=pages[i];\n"
          " var svgs=d.querySelectorAll('svg'),ok=0;\n"
          " for(var k=0;k<svgs.length;k++)if(box(svgs[k]))ok++;\n"
          " var sh=d.getElementById('f-shown');\n"
          " out.textContent+='page '+p+' arrows '+d.querySelectorAll('#ladder svg g.arrow').length"
          "+' rows '+d.querySelectorAll('#timeline tbody tr').length"
          "+' scenarios '+d.querySelectorAll('#scenarios a').length"
          "+' svgs '+svgs.length+' rendered '+ok+' shown '+(sh?sh.textContent.replace(/ /g,'_'):'-')+'\\n';\n"
          " if(++i<pages.length)f.src=pages[i];else out.textContent+='done\\n';};\n"
          "f.src=pages[0];\n</script></body></html>\n", f);
    fclose(f);
}

struct finding {
    char page[600], shown[64];
    size_t arrows, rows, scenarios, svgs, rendered;
};

static size_t read_findings(const char *dom, struct finding *fs, size_t max, bool *done)
{
    FILE *f = fopen(dom, "r");
    assert_non_null(f);
    char line[2048];
    size_t n = 0;
    *done = false;
    while (fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "page file://");
        if (strstr(line, "done")) *done = true;
        if (!at || n == max) continue;
        struct finding *x = &fs[n];
        if (sscanf(at, "page %599s arrows %zu rows %zu scenarios %zu svgs %zu rendered %zu shown %63s",
                   x->page, &x->arrows, &x->rows, &x->scenarios, &x->svgs, &x->rendered,
                   x->shown) == 7)
            n++;
    }
    fclose(f);
    return n;
}

static void check_report(const struct finding *x, const char *id, size_t *arrows, size_t *rows)
{
    char jsonl[600], shown[64];
    snprintf(jsonl, sizeof jsonl, "%s/%s/timeline.jsonl", out_dir, id);
    size_t segments = count_lines_with(jsonl, "\"type\":\"segment\"");
    size_t events = count_lines_with(jsonl, NULL) - 1;   /* less the header */
    if (x->arrows != segments) fail_msg("%s: %zu arrows for %zu segments", id, x->arrows, segments);
    if (x->rows != events) fail_msg("%s: %zu timeline rows for %zu events", id, x->rows, events);
    snprintf(shown, sizeof shown, "%zu_of_%zu_events", events, events);
    if (strcmp(x->shown, shown) != 0) fail_msg("%s: the filter script wrote '%s'", id, x->shown);
    if (x->svgs < 2 || x->rendered != x->svgs)
        fail_msg("%s: %zu of %zu SVGs rendered (the ladder and the state graph expected)", id,
                 x->rendered, x->svgs);
    *arrows += x->arrows;
    *rows += x->rows;
}

static void test_every_page_renders_with_one_arrow_per_segment_and_one_row_per_event(void **state)
{
    (void)state;
    if (!chromium_usable()) {
        skip();
        return;
    }
    char harness[600], dom[600], log[600], cmd[2400];
    snprintf(harness, sizeof harness, "%s/harness.html", out_dir);
    snprintf(dom, sizeof dom, "%s/harness.dom", out_dir);
    snprintf(log, sizeof log, "%s/chromium.log", out_dir);
    write_harness(harness);
    snprintf(cmd, sizeof cmd, "timeout 600 chromium --headless --no-sandbox --disable-gpu "
             "--allow-file-access-from-files --enable-logging=stderr --v=0 "
             "--virtual-time-budget=600000 --dump-dom file://%s >%s 2>%s", harness, dom, log);
    assert_int_equal(system(cmd), 0);
    static struct finding fs[MAX_PAGES + 1];
    bool done;
    size_t n = read_findings(dom, fs, MAX_PAGES + 1, &done);
    assert_true(done);
    assert_int_equal(n, id_count + 1);
    size_t arrows = 0, rows = 0;
    for (size_t i = 0; i < id_count; i++) check_report(&fs[i], ids[i], &arrows, &rows);
    assert_int_equal(fs[id_count].scenarios, id_count);   /* the index links every report */
    size_t console = count_lines_with(log, ":CONSOLE");
    if (console) fail_msg("chromium logged %zu console message(s): see %s", console, log);
    print_message("browser: %zu pages, %zu arrows, %zu timeline rows checked\n", n, arrows, rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_page_renders_with_one_arrow_per_segment_and_one_row_per_event),
    };
    return cmocka_run_group_tests_name("browser", tests, setup, teardown);
}
