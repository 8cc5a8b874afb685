/* cli — see cli.h. Outputs of a scenario are written into <out>/.<id>.tmp and renamed to
 * <out>/<id> only when the run completed, so an interrupted or failed run never leaves partial
 * files where a reader expects a result. Scenario files are parsed completely before anything
 * runs: bad input exits 2 having written nothing. */
#define _GNU_SOURCE
#include "cli.h"

#include "catalog.h"
#include "reasons.h"
#include "report_html.h"
#include "scenario_run.h"
#include "world.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef TCPSIM_SHARE
#define TCPSIM_SHARE "/usr/local/share/tcpsim"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* A scenario still running after this much virtual time has a connection or process that
 * never ends (lwIP's TCP timer runs as long as any pcb exists): it fails, naming what is left,
 * rather than running forever. */
#define RUN_HORIZON_US (4ull * 3600 * 1000000)

#define MAX_POSITIONAL 64

struct options {
    const char *out_dir;
    const char *scenarios_dir;
    const char *markdown;           /* all: also write the summary table here (docs/scenarios.md) */
    const char *conn;               /* run/check: timeline.txt holds only this connection */
    uint64_t seed;
    bool seed_given;
    const char *positional[MAX_POSITIONAL];
    int positional_count;
};

static const char usage[] =
    "usage: tcpsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  list                     the scenarios of the catalog: id and title\n"
    "  run <id|file>            run one scenario; outputs go to DIR/<id>/\n"
    "  check <id|file>...       run and verify every expectation; print each failure with\n"
    "                           file:line, what was expected, what happened\n"
    "  all                      run and check every scenario of the catalog, one line each\n"
    "  explain <id|file>        what the scenario shows, the Linux/Windows reference, the\n"
    "                           lwIP difference and the explanation\n"
    "  --help                   this text\n"
    "\n"
    "options (after the command):\n"
    "  --out DIR                where outputs go (default out)\n"
    "  --seed N                 override the scenario's seed\n"
    "  --scenarios DIR          the catalog (default $TCPSIM_SCENARIOS, else ./scenarios,\n"
    "                           else " TCPSIM_SHARE "/scenarios)\n"
    "  --markdown FILE          all: also write the summary table as Markdown (docs/scenarios.md)\n"
    "  --conn A>B               run/check: timeline.txt shows only this connection (either\n"
    "                           direction, e.g. 10.0.0.1:55978>10.0.0.2:7000) and the events\n"
    "                           of no connection\n"
    "\n"
    "exit codes: 0 success, 1 an expectation failed (or the run deadlocked or never ended),\n"
    "2 bad input or usage, 3 simulator invariant broken\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tcpsim: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'tcpsim --help')\n");
    return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Everything after the command: options anywhere, the rest positional. */
static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){ .out_dir = "out", .seed = 1 };
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool takes_value = strcmp(a, "--out") == 0 || strcmp(a, "--seed") == 0 ||
                           strcmp(a, "--scenarios") == 0 || strcmp(a, "--markdown") == 0 ||
                           strcmp(a, "--conn") == 0;
        if (takes_value && (i + 1 >= argc || !argv[i + 1][0]))
            return usage_error("argument %d: %s expects a value", i, a);
        if (strcmp(a, "--out") == 0) {
            o->out_dir = argv[++i];
        } else if (strcmp(a, "--scenarios") == 0) {
            o->scenarios_dir = argv[++i];
        } else if (strcmp(a, "--markdown") == 0) {
            o->markdown = argv[++i];
        } else if (strcmp(a, "--conn") == 0) {
            struct conn_key key;
            if (!reasons_parse_conn(argv[i + 1], &key) || key.remote_port == 0)
                return usage_error("argument %d: --conn expects ip:port>ip:port, got '%s'", i + 1,
                                   argv[i + 1]);
            o->conn = argv[++i];
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(argv[i + 1], &o->seed))
                return usage_error("argument %d: --seed expects an unsigned 64-bit integer, got '%s'",
                                   i, argv[i + 1]);
            o->seed_given = true;
            i++;
        } else if (a[0] == '-') {
            return usage_error("argument %d: unexpected '%s'", i, a);
        } else if (o->positional_count == MAX_POSITIONAL) {
            return usage_error("argument %d: too many arguments (at most %d)", i, MAX_POSITIONAL);
        } else {
            o->positional[o->positional_count++] = a;
        }
    }
    return EXIT_OK;
}

/* ---- output directories ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* ---- the catalog and scenario arguments ---- */

static const char *scenarios_dir(const struct options *o)
{
    if (o->scenarios_dir) return o->scenarios_dir;
    const char *env = getenv("TCPSIM_SCENARIOS");
    if (env && *env) return env;
    struct stat st;
    if (stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode)) return "scenarios";
    return TCPSIM_SHARE "/scenarios";
}

static int load_catalog(struct catalog *c, const struct options *o)
{
    char err[1024];
    if (catalog_load(c, scenarios_dir(o), err, sizeof err) == 0) return EXIT_OK;
    fprintf(stderr, "%s\n", err);
    return EXIT_USAGE;
}

static bool names_a_file(const char *arg)
{
    size_t len = strlen(arg);
    return strchr(arg, '/') || (len > 4 && strcmp(arg + len - 4, ".scn") == 0);
}

/* <dir>/<id>.scn when that file exists and really has that id: the catalog's convention, and
 * a way to run one scenario while another file of the catalog is being written. */
static struct scenario *load_by_file_name(const char *id, const struct options *o)
{
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/%s.scn", scenarios_dir(o), id);
    struct stat st;
    if (stat(path, &st) != 0) return NULL;
    struct scenario *s = scenario_load(path, err, sizeof err);
    if (s && strcmp(s->id, id) == 0) return s;
    scenario_free(s);
    return NULL;
}

/* A scenario by id (from the catalog) or by path; caller frees with scenario_free. */
static struct scenario *resolve(const char *arg, const struct options *o, int *rc)
{
    char err[1024];
    char path[4096];
    if (names_a_file(arg)) {
        snprintf(path, sizeof path, "%s", arg);
    } else {
        struct scenario *quick = load_by_file_name(arg, o);
        if (quick) return quick;
        struct catalog c;
        if ((*rc = load_catalog(&c, o)) != EXIT_OK) return NULL;
        const struct scenario *found = catalog_find(&c, arg);
        if (found) snprintf(path, sizeof path, "%s", found->file);
        catalog_free(&c);
        if (!found) {
            *rc = usage_error("unknown scenario '%s' (try 'tcpsim list')", arg);
            return NULL;
        }
    }
    struct scenario *s = scenario_load(path, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        *rc = EXIT_USAGE;
    }
    return s;
}

/* ---- running one scenario ---- */

struct run_summary {
    enum run_result result;
    size_t segments, states, calls, expects, failed;
    uint64_t end_us;
    char blocked[2048];
    char *report;                   /* failed expectations, readable */
    size_t report_len;
};

static void count_events(struct world *w, struct run_summary *s)
{
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    for (size_t i = 0; i < n; i++) {
        s->segments += ev[i].type == TRACE_SEGMENT;
        s->states += ev[i].type == TRACE_STATE;
        s->calls += ev[i].type == TRACE_CALL;
    }
    s->end_us = sched_now_us();
}

/* The files of out/<id>/, one trace sink each (states.svg is rendered from states.dot). */
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

static int add_sinks(struct trace *trace, const char *dir, const char *conn, char *err,
                     size_t err_size)
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
        trace_add_sink(trace, sink);
    }
    return 0;
}

static const char *verdict_of(const struct run_summary *s)
{
    static const char *const verdicts[RUN_RESULT_COUNT] = {
        [RUN_IDLE] = "ok", [RUN_UNTIL] = "TIMEOUT", [RUN_DEADLOCK] = "DEADLOCK",
    };
    return s->result != RUN_IDLE ? verdicts[s->result] : s->failed ? "FAILED" : "ok";
}

/* report.html from the recorded run and the files already in dir (report_html.h). */
static int write_report(const struct scenario *sc, uint64_t seed, struct world *w,
                        const struct run_summary *s, const char *dir, char *err, size_t err_size)
{
    struct report_run run = { .scenario = sc, .seed = seed, .verdict = verdict_of(s),
                              .expects_passed = s->expects - s->failed, .expects_total = s->expects };
    run.events = trace_events(world_trace(w), &run.event_count);
    return report_html_write(dir, &run, err, err_size);
}

/* Builds the world, runs it, checks the expectations and writes every output into dir.
 * Returns EXIT_OK, or EXIT_USAGE with err filled (bad scenario set-up, unwritable output). */
static int run_into(const struct scenario *sc, const struct options *o, const char *dir,
                    struct run_summary *s, char *err, size_t err_size)
{
    struct world_config cfg = scenario_world_config(sc);
    if (o->seed_given) cfg.seed = o->seed;
    struct world *w = world_new(&cfg);
    struct scenario_runner *r = NULL;
    if (add_sinks(world_trace(w), dir, o->conn, err, err_size) != 0 ||
        !(r = scenario_runner_new(sc, w, err, err_size))) {
        world_free(w);
        return EXIT_USAGE;
    }
    s->result = world_run(w, RUN_HORIZON_US);
    count_events(w, s);
    if (s->result != RUN_IDLE) world_describe_blocked(w, s->blocked, sizeof s->blocked);
    FILE *report = open_memstream(&s->report, &s->report_len);
    s->failed = scenario_runner_check(r, s->result, report, &s->expects);
    if (report) fclose(report);
    int rc = trace_finish(world_trace(w), err, err_size);
    char dot[4200], svg[4200];
    snprintf(dot, sizeof dot, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    if (rc == 0 && trace_dot_render_svg(dot, svg, err, err_size) < 0) rc = -1;
    if (rc == 0) rc = write_report(sc, cfg.seed, w, s, dir, err, err_size);
    scenario_runner_free(r);
    world_free(w);
    return rc != 0 ? EXIT_USAGE : EXIT_OK;
}

/* One row of the summary table: scenario, result, expectations passed, whether lwIP differs
 * from the Linux reference, and the decisive outcome the scenario asserts. */
static void print_summary_line(const struct scenario *sc, const struct run_summary *s)
{
    const char *verdict = verdict_of(s);
    char expects[32];
    snprintf(expects, sizeof expects, "%zu/%zu", s->expects - s->failed, s->expects);
    printf("%-34s %-8s %-9s %-7s %s\n", sc->id, verdict, expects,
           sc->differs_from_linux ? "yes" : "no", sc->outcome ? sc->outcome : "");
    fflush(stdout);   /* before any report on stderr, so the two read in order */
}

static void print_summary_header(void)
{
    printf("%-34s %-8s %-9s %-7s %s\n", "scenario", "result", "expected", "differs",
           "decisive outcome (lwIP)");
}

/* What `all` keeps of each run for its Markdown table. */
struct row {
    const char *verdict;
    size_t passed, total;
};

/* Runs one scenario into out_dir/<id>; returns an exit code. */
static int run_one(const struct scenario *sc, const struct options *o, bool show_failures,
                   struct row *row)
{
    char tmp[4096], final[4096], err[8800] = "";
    if (make_dirs(o->out_dir) != 0) {
        fprintf(stderr, "tcpsim: cannot create output directory %s: %s\n", o->out_dir,
                strerror(errno));
        return EXIT_USAGE;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", o->out_dir, sc->id);
    snprintf(final, sizeof final, "%s/%s", o->out_dir, sc->id);
    remove_tree(tmp);
    if (mkdir(tmp, 0777) != 0) {
        fprintf(stderr, "tcpsim: cannot create %s: %s\n", tmp, strerror(errno));
        return EXIT_USAGE;
    }
    struct run_summary s = { 0 };
    int rc = run_into(sc, o, tmp, &s, err, sizeof err);
    if (rc == EXIT_OK && (remove_tree(final) != 0 || rename(tmp, final) != 0)) {
        snprintf(err, sizeof err, "cannot move %s to %s: %s", tmp, final, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) {
        fprintf(stderr, "tcpsim: %s: %s\n", sc->id, err);
        remove_tree(tmp);
        free(s.report);
        return rc;
    }
    print_summary_line(sc, &s);
    if (row)
        *row = (struct row){ s.result != RUN_IDLE ? "not finished" : s.failed ? "FAILED" : "ok",
                             s.expects - s.failed, s.expects };
    if (s.result == RUN_UNTIL)
        fprintf(stderr, "%s: still running after %llu s of virtual time\n", sc->id,
                (unsigned long long)(RUN_HORIZON_US / 1000000));
    if (s.result == RUN_DEADLOCK)
        fprintf(stderr, "%s: deadlock: every process is blocked and nothing is pending\n", sc->id);
    if (s.result != RUN_IDLE) fprintf(stderr, "%s: %s", sc->id, s.blocked);
    if (show_failures && s.failed && s.report) fputs(s.report, stderr);
    if (s.result != RUN_IDLE || s.failed) {
        fprintf(stderr, "replay: tcpsim check %s --seed %llu\n", sc->file,
                (unsigned long long)(o->seed_given ? o->seed : sc->seed));
        rc = EXIT_FAILED;
    }
    free(s.report);
    return rc;
}

/* ---- commands ---- */

static int cmd_list(const struct options *o)
{
    if (o->positional_count) return usage_error("list: unexpected '%s'", o->positional[0]);
    struct catalog c;
    int rc = load_catalog(&c, o);
    if (rc != EXIT_OK) return rc;
    for (size_t i = 0; i < c.count; i++) printf("%-32s %s\n", c.items[i]->id, c.items[i]->title);
    catalog_free(&c);
    return EXIT_OK;
}

static int cmd_run(const struct options *o, bool check)
{
    if (o->positional_count == 0)
        return usage_error("%s: expects a scenario id or file", check ? "check" : "run");
    if (!check && o->positional_count > 1)
        return usage_error("run: one scenario at a time (got '%s' too)", o->positional[1]);
    /* Parse everything first: bad input fails before any output is written. */
    struct scenario *list[MAX_POSITIONAL];
    int rc = EXIT_OK, worst = EXIT_OK;
    for (int i = 0; i < o->positional_count; i++) {
        list[i] = resolve(o->positional[i], o, &rc);
        if (!list[i]) {
            for (int j = 0; j < i; j++) scenario_free(list[j]);
            return rc;
        }
    }
    for (int i = 0; i < o->positional_count; i++) {
        rc = run_one(list[i], o, check, NULL);
        if (rc > worst) worst = rc;
        scenario_free(list[i]);
    }
    return worst;
}

/* Text in a Markdown table cell: '|' would end the cell. */
static void put_cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

/* docs/scenarios.md: the summary table with links to each scenario's file and outputs, then
 * where lwIP differs, scenario by scenario. Written through a temporary file and renamed. */
static int write_markdown(const char *path, const struct catalog *c, const struct row *rows,
                          const struct options *o)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "tcpsim: cannot write %s: %s\n", tmp, strerror(errno));
        return EXIT_USAGE;
    }
    fprintf(f, "# The scenario catalog: what lwIP does\n\n"
               "Generated by `make docs` (`tcpsim all --markdown docs/scenarios.md`) from "
               "`scenarios/`; every outcome below is asserted by the scenario's expectations. "
               "The output links work after `make` has run the catalog into `out/`. "
               "\"Differs\" is about the behaviour a scenario is about; lwIP's TIME_WAIT of "
               "2 * TCP_MSL = 120 s (Linux: 60 s) differs everywhere and is counted only where "
               "TIME_WAIT is the subject.\n\n"
               "| scenario | result | expectations | differs from Linux | decisive outcome (lwIP) | outputs |\n"
               "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < c->count; i++) {
        const struct scenario *s = c->items[i];
        fprintf(f, "| [%s](../%s) | %s | %zu/%zu | %s | ", s->id, s->file, rows[i].verdict,
                rows[i].passed, rows[i].total, s->differs_from_linux ? "yes" : "no");
        put_cell(f, s->outcome);
        fprintf(f, " | [timeline](../%s/%s/timeline.txt) · [states](../%s/%s/states.svg) · "
                   "[pcap](../%s/%s/capture.pcap) |\n",
                o->out_dir, s->id, o->out_dir, s->id, o->out_dir, s->id);
    }
    fprintf(f, "\n## Where lwIP differs from the Linux reference\n\n");
    for (size_t i = 0; i < c->count; i++) {
        const struct scenario *s = c->items[i];
        fprintf(f, "- **%s** — %s\n", s->id, s->differs_from_linux && s->lwip_differs
                                                   ? s->lwip_differs : "no difference.");
    }
    bool bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "tcpsim: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* out/index.html: every scenario of the catalog with its verdict and decisive outcome. */
static int write_index(const struct catalog *c, const struct row *rows, const struct options *o)
{
    struct report_index_row *index = calloc(c->count ? c->count : 1, sizeof *index);
    char path[4200], err[4400];
    if (!index) return EXIT_USAGE;
    for (size_t i = 0; i < c->count; i++)
        index[i] = (struct report_index_row){ c->items[i], rows[i].verdict, rows[i].passed,
                                              rows[i].total };
    snprintf(path, sizeof path, "%s/index.html", o->out_dir);
    int rc = report_index_write(path, index, c->count, err, sizeof err);
    free(index);
    if (rc == 0) return EXIT_OK;
    fprintf(stderr, "tcpsim: %s\n", err);
    return EXIT_USAGE;
}

static int cmd_all(const struct options *o)
{
    if (o->positional_count) return usage_error("all: unexpected '%s'", o->positional[0]);
    struct catalog c;
    int rc = load_catalog(&c, o), worst = EXIT_OK;
    if (rc != EXIT_OK) return rc;
    struct row *rows = calloc(c.count ? c.count : 1, sizeof *rows);
    if (!rows) {
        catalog_free(&c);
        return EXIT_USAGE;
    }
    print_summary_header();
    for (size_t i = 0; i < c.count; i++) {
        rows[i] = (struct row){ "not run", 0, 0 };
        rc = run_one(c.items[i], o, true, &rows[i]);
        if (rc > worst) worst = rc;
    }
    if (o->markdown && (rc = write_markdown(o->markdown, &c, rows, o)) > worst) worst = rc;
    if ((rc = write_index(&c, rows, o)) > worst) worst = rc;
    free(rows);
    catalog_free(&c);
    return worst;
}

static void print_paragraphs(const char *label, const char *text)
{
    if (!text || !*text) return;
    printf("%s\n", label);
    int col = 0;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            printf("\n");
            col = 0;
            p++;
            continue;
        }
        size_t word = strcspn(p, " \n");
        if (col && col + (int)word > 76) {
            printf("\n");
            col = 0;
        }
        printf("%s%.*s", col ? " " : "  ", (int)word, p);
        col += (int)word + (col ? 1 : 2);
        p += word;
        while (*p == ' ') p++;
    }
    printf("\n\n");
}

static int cmd_explain(const struct options *o)
{
    if (o->positional_count != 1) return usage_error("explain: expects one scenario id or file");
    int rc = EXIT_OK;
    struct scenario *s = resolve(o->positional[0], o, &rc);
    if (!s) return rc;
    printf("%s — %s\n\n", s->id, s->title);
    print_paragraphs("What happens:", s->summary);
    print_paragraphs("Linux (reference):", s->linux_ref);
    print_paragraphs("Windows (reference):", s->windows_ref);
    print_paragraphs("Where lwIP differs:", s->differs_from_linux ? s->lwip_differs : "It does not.");
    print_paragraphs("Explanation:", s->explain);
    printf("Scenario file: %s\n", s->file);
    scenario_free(s);
    return EXIT_OK;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    struct options o;
    bool known = strcmp(cmd, "list") == 0 || strcmp(cmd, "run") == 0 || strcmp(cmd, "check") == 0 ||
                 strcmp(cmd, "all") == 0 || strcmp(cmd, "explain") == 0;
    if (!known) return usage_error("unknown command '%s'", cmd);
    int rc = parse_args(argc, argv, &o);
    if (rc != EXIT_OK) return rc;
    if (strcmp(cmd, "list") == 0) return cmd_list(&o);
    if (strcmp(cmd, "run") == 0) return cmd_run(&o, false);
    if (strcmp(cmd, "check") == 0) return cmd_run(&o, true);
    if (strcmp(cmd, "all") == 0) return cmd_all(&o);
    return cmd_explain(&o);
}
