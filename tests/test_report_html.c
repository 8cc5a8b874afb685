/* report_html: every text a scenario supplies is escaped (a title holding markup shows as
 * text), the timeline table has one row per event with the attributes its filters use, the
 * expectations show pass/fail, the page loads nothing from elsewhere, and the index links each
 * scenario's report. Built from hand-made events; no world runs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "report_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int c;
    while ((c = fgetc(f)) != EOF) fputc(c, mem);
    fclose(mem);
    fclose(f);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static struct scenario hostile(void)
{
    struct scenario sc = { 0 };
    snprintf(sc.id, sizeof sc.id, "x-y");
    sc.title = "<script>alert(1)</script> & \"friends\"";
    sc.summary = "a <b>bold</b> claim";
    sc.linux_ref = "linux <i>";
    sc.windows_ref = "windows";
    sc.lwip_differs = "differs </td>";
    sc.explain = "first\nsecond <img src=x>";
    sc.outcome = "RST <now>";
    sc.differs_from_linux = true;
    return sc;
}

static void test_report_escapes_text_and_has_one_row_per_event(void **state)
{
    (void)state;
    char dir[] = "/tmp/tcpsim-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct scenario sc = hostile();
    struct trace_event ev[3] = {
        { .type = TRACE_HOST, .t_us = 0, .u.host = { "a<b", "up" } },
        { .type = TRACE_EXPECT, .t_us = 5 },
        { .type = TRACE_EXPECT, .t_us = 5 },
    };
    ev[1].u.expect = (struct trace_expect){ .line = 7, .ok = true };
    snprintf(ev[1].u.expect.text, sizeof ev[1].u.expect.text, "expect <this>");
    ev[2].u.expect = (struct trace_expect){ .line = 8, .ok = false };
    snprintf(ev[2].u.expect.text, sizeof ev[2].u.expect.text, "expect that");
    struct report_run run = { .scenario = &sc, .seed = 3, .verdict = "FAILED",
                              .expects_passed = 1, .expects_total = 2, .events = ev,
                              .event_count = 3 };
    char err[256], path[300];
    assert_int_equal(report_html_write(dir, &run, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = read_all(path);
    assert_null(strstr(html, "<script>alert"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;"));
    assert_null(strstr(html, "<b>bold</b>"));
    assert_null(strstr(html, "<img src=x>"));
    assert_non_null(strstr(html, "differs &lt;/td&gt;"));
    assert_non_null(strstr(html, "data-host=\"a&lt;b\""));
    assert_int_equal(count(html, "<tr class=\"t-"), 3);
    assert_int_equal(count(html, "<td class=\"pass\">pass</td>"), 1);
    assert_int_equal(count(html, "<td class=\"fail\">FAIL</td>"), 1);
    assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    free(html);
    unlink(path);
    rmdir(dir);
}

static void test_index_links_every_report_with_its_verdict(void **state)
{
    (void)state;
    struct scenario a = hostile(), b = hostile();
    snprintf(b.id, sizeof b.id, "second");
    struct report_index_row rows[] = { { &a, "ok", 3, 3 }, { &b, "FAILED", 1, 2 } };
    char path[] = "/tmp/tcpsim-index-XXXXXX", err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(report_index_write(path, rows, 2, err, sizeof err), 0);
    char *html = read_all(path);
    assert_non_null(strstr(html, "<a href=\"x-y/report.html\">x-y</a>"));
    assert_non_null(strstr(html, "<a href=\"second/report.html\">second</a>"));
    assert_non_null(strstr(html, "RST &lt;now&gt;"));
    assert_non_null(strstr(html, ">FAILED<"));
    assert_null(strstr(html, "<script>"));
    free(html);
    unlink(path);
}

/* Every event type has a name in the rows and the type menu: an lwip-defect event once showed
 * as "(null)" (glibc's text for a NULL %s). */
static void test_defect_rows_are_named(void **state)
{
    (void)state;
    char dir[] = "/tmp/tcpsim-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct scenario sc = hostile();
    struct trace_event ev = { .type = TRACE_DEFECT, .t_us = 1 };
    ev.u.defect = (struct trace_defect){ .host = "a", .function = "tcp_bind" };
    snprintf(ev.u.defect.detail, sizeof ev.u.defect.detail, "refused");
    struct report_run run = { .scenario = &sc, .seed = 1, .verdict = "ok", .events = &ev,
                              .event_count = 1 };
    char err[256], path[300];
    assert_int_equal(report_html_write(dir, &run, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = read_all(path);
    assert_null(strstr(html, "(null)"));
    assert_int_equal(count(html, "data-type=\"lwip-defect\""), 1);
    assert_int_equal(count(html, "<option>lwip-defect</option>"), 1);
    free(html);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_escapes_text_and_has_one_row_per_event),
        cmocka_unit_test(test_index_links_every_report_with_its_verdict),
        cmocka_unit_test(test_defect_rows_are_named),
    };
    return cmocka_run_group_tests_name("report_html", tests, NULL, NULL);
}
