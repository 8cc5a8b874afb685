/* cli — see cli.h. Outputs of a scenario are written into <out>/.<id>.tmp and renamed to
 * <out>/<id> only when the run completed, so an interrupted or failed run never leaves partial
 * files where a reader expects a result. Scenario files are parsed completely before anything
 * runs: bad input exits 2 having written nothing. */
#define _GNU_SOURCE
#include "cli.h"

#include "backend.h"
#include "catalog.h"
#include "diff_cmd.h"
#include "measured.h"
#include "outputs.h"
#include "pkt_cli.h"
#include "scenario_run.h"
#include "sharedir.h"
#include "signature.h"
#include "world.h"

#include <tcpsim/tcpsim.h>   /* TCPSIM_VERSION */

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

/* The Linux signatures measured on each kernel: <dir>/<uname -r>/<id>.sig */
#define LINUX_SIGNATURES "docs/linux"

struct options {
    const char *out_dir;
    const char *scenarios_dir;
    const char *markdown;           /* all: also write the summary table here (docs/scenarios.md) */
    const struct backend *backend;  /* --backend: lwip (default) or linux */
    uint64_t seed;
    bool seed_given;
    const char *positional[MAX_POSITIONAL];
    int positional_count;
};

static int run_into(const struct scenario *sc, const struct backend_options *o, const char *dir,
                    struct run_summary *s, char *err, size_t err_size);
static const struct backend backend_lwip = { "lwip", run_into, NULL };

static const struct backend *backend_named(const char *name)
{
    if (strcmp(name, backend_lwip.name) == 0) return &backend_lwip;
    if (strcmp(name, backend_linux.name) == 0) return &backend_linux;
    return NULL;
}

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
    "  run|check FILE.pkt...    a packetdrill-style script against one lwIP host\n"
    "                           (--strict/--lenient options policy; docs/packetdrill.md)\n"
    "  diff <before> <now>      explain how two runs differ (output folders or JSONL files)\n"
    "  --help                   this text\n"
    "  --version                the version of tcpsim and of lwIP\n"
    "\n"
    "options (after the command):\n"
    "  --out DIR                where outputs go (default out)\n"
    "  --seed N                 override the scenario's seed\n"
    "  --scenarios DIR          the catalog (default $TCPSIM_SCENARIOS, else ./scenarios,\n"
    "                           else <bindir>/../share/tcpsim/scenarios, else\n"
    "                           " TCPSIM_SHARE "/scenarios)\n"
    "  --markdown FILE          all: also write the summary table as Markdown (docs/scenarios.md)\n"
    "  --backend lwip|linux     run, check, all: lwIP in this process (default) or the real\n"
    "                           kernel in network namespaces (root; docs/linux-backend.md);\n"
    "                           check compares with docs/linux/<uname -r>/<id>.sig\n"
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
    *o = (struct options){ .out_dir = "out", .seed = 1, .backend = &backend_lwip };
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool takes_value = strcmp(a, "--out") == 0 || strcmp(a, "--seed") == 0 ||
                           strcmp(a, "--scenarios") == 0 || strcmp(a, "--markdown") == 0 ||
                           strcmp(a, "--backend") == 0;
        if (takes_value && (i + 1 >= argc || !argv[i + 1][0]))
            return usage_error("argument %d: %s expects a value", i, a);
        if (strcmp(a, "--out") == 0) {
            o->out_dir = argv[++i];
        } else if (strcmp(a, "--scenarios") == 0) {
            o->scenarios_dir = argv[++i];
        } else if (strcmp(a, "--markdown") == 0) {
            o->markdown = argv[++i];
        } else if (strcmp(a, "--backend") == 0) {
            if (!(o->backend = backend_named(argv[i + 1])))
                return usage_error("argument %d: --backend expects lwip or linux, got '%s'", i, argv[i + 1]);
            i++;
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
    return sharedir_scenarios();
}

static int load_catalog(struct catalog *c, const struct options *o)
{
    char err[1024];
    if (catalog_load(c, scenarios_dir(o), err, sizeof err) == 0) return EXIT_OK;
    fprintf(stderr, "%s\n", err);
    struct stat st;
    if (stat(scenarios_dir(o), &st) != 0)
        fprintf(stderr, "tcpsim: no scenario catalog there; point to one with --scenarios DIR "
                        "or TCPSIM_SCENARIOS=DIR (searched: ./scenarios, then "
                        "<bindir>/../share/tcpsim/scenarios, then %s/scenarios)\n",
                sharedir_builtin());
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

/* The lwIP backend: builds the world, runs it, checks the expectations and writes every output
 * into dir. Returns EXIT_OK, or EXIT_USAGE with err filled (bad scenario set-up, unwritable
 * output). */
static int run_into(const struct scenario *sc, const struct backend_options *o, const char *dir,
                    struct run_summary *s, char *err, size_t err_size)
{
    struct world_config cfg = scenario_world_config(sc);
    if (o->seed_given) cfg.seed = o->seed;
    struct world *w = world_new(&cfg);
    struct scenario_runner *r = NULL;
    if (outputs_open(world_trace(w), dir, err, err_size) != 0 ||
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
    size_t n;
    const struct trace_event *ev = trace_events(world_trace(w), &n);
    s->signature = signature_make(ev, n, NULL, 0, NULL, 0);
    int rc = trace_finish(world_trace(w), err, err_size);
    scenario_runner_free(r);
    world_free(w);
    if (rc != 0) return EXIT_USAGE;
    return outputs_render(dir, err, err_size) < 0 ? EXIT_USAGE : EXIT_OK;
}

/* One row of the summary table: scenario, result, expectations passed, whether lwIP differs
 * from the Linux reference, and the decisive outcome the scenario asserts. */
static void print_summary_line(const struct scenario *sc, const struct run_summary *s)
{
    static const char *const verdicts[RUN_RESULT_COUNT] = {
        [RUN_IDLE] = "ok", [RUN_UNTIL] = "TIMEOUT", [RUN_DEADLOCK] = "DEADLOCK",
    };
    const char *verdict = s->result != RUN_IDLE ? verdicts[s->result] : s->failed ? "FAILED" : "ok";
    if (s->verdict[0] && s->result == RUN_IDLE) verdict = s->verdict;
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
    char *signature;                /* the run's signature, for the Linux comparison */
};

/* Runs one scenario into out_dir/<id>; returns an exit code. */
static int run_one(const struct scenario *sc, const struct options *o, bool show_failures,
                   struct row *row)
{
    char tmp[4096], final[4096], err[8800] = "";
    if (o->backend->unsupported && o->backend->unsupported(sc, err, sizeof err)) {
        printf("%-34s %-8s unsupported on %s: %s\n", sc->id, "unsupported", o->backend->name, err);
        fflush(stdout);
        if (row) *row = (struct row){ "unsupported", 0, 0, NULL };
        return BACKEND_UNSUPPORTED;
    }
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
    struct backend_options bo = { .seed = o->seed, .seed_given = o->seed_given,
                                  .check = show_failures, .signatures = LINUX_SIGNATURES };
    int rc = o->backend->run(sc, &bo, tmp, &s, err, sizeof err);
    if (rc == BACKEND_UNSUPPORTED) {
        printf("%-34s %-8s %s\n", sc->id, "unsupported", err);
        fflush(stdout);
        remove_tree(tmp);
        if (row) *row = (struct row){ "unsupported", 0, 0, NULL };
        return BACKEND_UNSUPPORTED;
    }
    if (rc == EXIT_OK && (remove_tree(final) != 0 || rename(tmp, final) != 0)) {
        snprintf(err, sizeof err, "cannot move %s to %s: %s", tmp, final, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) {
        fprintf(stderr, "tcpsim: %s: %s\n", sc->id, err);
        remove_tree(tmp);
        free(s.report);
        free(s.signature);
        return rc;
    }
    print_summary_line(sc, &s);
    if (row)
        *row = (struct row){ s.result != RUN_IDLE ? "not finished" : s.failed ? "FAILED" : "ok",
                             s.expects - s.failed, s.expects, s.signature };
    else
        free(s.signature);
    if (s.result == RUN_UNTIL && o->backend != &backend_lwip)
        fprintf(stderr, "%s: still running at its horizon (%llu s of wall-clock time)\n", sc->id,
                (unsigned long long)(s.end_us / 1000000));
    else if (s.result == RUN_UNTIL)
        fprintf(stderr, "%s: still running after %llu s of virtual time\n", sc->id,
                (unsigned long long)(RUN_HORIZON_US / 1000000));
    if (s.result == RUN_DEADLOCK)
        fprintf(stderr, "%s: deadlock: every process is blocked and nothing is pending\n", sc->id);
    if (s.result != RUN_IDLE) fprintf(stderr, "%s: %s", sc->id, s.blocked);
    if (show_failures && s.failed && s.report) fputs(s.report, stderr);
    if (s.result != RUN_IDLE || s.failed) {
        fprintf(stderr, "replay: tcpsim check %s --seed %llu%s\n", sc->file,
                (unsigned long long)(o->seed_given ? o->seed : sc->seed),
                o->backend == &backend_lwip ? "" : " --backend linux");
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
        if (rc == BACKEND_UNSUPPORTED) rc = EXIT_USAGE;
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

/* docs/scenarios.md: the summary table with three columns per scenario — what the articles
 * say Linux does, what Linux did when measured (measured.h), what lwIP does — and links to each
 * scenario's file and outputs; then every disagreement, scenario by scenario. Written through
 * a temporary file and renamed. */
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
    struct measured m;
    measured_open(&m, LINUX_SIGNATURES);
    fprintf(f, "# The scenario catalog: the articles, Linux measured, lwIP observed\n\n"
               "Generated by `make docs` (`tcpsim all --markdown docs/scenarios.md`) from "
               "`scenarios/`; every lwIP outcome below is asserted by the scenario's expectations. "
               "The Linux column is measured on a real kernel (`make linux-record`, "
               "[linux-backend.md](linux-backend.md)): the signatures in `docs/linux/%s/`; the "
               "comparison with lwIP is computed from the calls, results and process endings. "
               "The output links work after `make` has run the catalog into `out/`. "
               "\"Differs\" is about the behaviour a scenario is about; lwIP's TIME_WAIT of "
               "2 * TCP_MSL = 120 s (Linux: 60 s) differs everywhere and is counted only where "
               "TIME_WAIT is the subject.\n\n"
               "| scenario | result | expectations | the articles' claim (Linux) | Linux measured (%s) "
               "| lwIP observed | outputs |\n"
               "|---|---|---|---|---|---|---|\n", m.kernel[0] ? m.kernel : "none",
            m.kernel[0] ? m.kernel : "none");
    char **diffs = calloc(c->count ? c->count : 1, sizeof *diffs);
    for (size_t i = 0; i < c->count; i++) {
        const struct scenario *s = c->items[i];
        char cell[600], why[300], diff[4000];
        const char *no = backend_linux.unsupported(s, why, sizeof why);
        measured_compare(&m, s, rows[i].signature, no, cell, sizeof cell, diff, sizeof diff);
        if (diffs) diffs[i] = strdup(diff);
        fprintf(f, "| [%s](../%s) | %s | %zu/%zu | ", s->id, s->file, rows[i].verdict,
                rows[i].passed, rows[i].total);
        put_cell(f, s->linux_ref);
        fprintf(f, " | ");
        put_cell(f, cell);
        fprintf(f, " | ");
        put_cell(f, s->outcome);
        fprintf(f, " | [timeline](../%s/%s/timeline.txt) · [states](../%s/%s/states.svg) · "
                   "[pcap](../%s/%s/capture.pcap) |\n",
                o->out_dir, s->id, o->out_dir, s->id, o->out_dir, s->id);
    }
    fprintf(f, "\n## Where the articles, Linux and lwIP disagree\n\n");
    for (size_t i = 0; i < c->count; i++) {
        const struct scenario *s = c->items[i];
        char verdict[2048];
        fprintf(f, "- **%s**\n  - lwIP vs the articles: %s\n", s->id,
                s->differs_from_linux && s->lwip_differs ? s->lwip_differs : "no difference.");
        if (*measured_verdict(&m, s->id, verdict, sizeof verdict))
            fprintf(f, "  - Linux measured vs the articles: %s\n", verdict);
        if (diffs && diffs[i] && diffs[i][0]) fprintf(f, "  - lwIP vs Linux measured: %s\n", diffs[i]);
        if (diffs) free(diffs[i]);
    }
    free(diffs);
    bool bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "tcpsim: cannot write %s: %s\n", path, strerror(errno));
        remove(tmp);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmd_all(const struct options *o)
{
    if (o->positional_count) return usage_error("all: unexpected '%s'", o->positional[0]);
    if (o->markdown && o->backend != &backend_lwip)
        return usage_error("all: --markdown compares with lwIP: run it with the lwip backend");
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
        rows[i] = (struct row){ "not run", 0, 0, NULL };
        rc = run_one(c.items[i], o, true, &rows[i]);
        if (rc != BACKEND_UNSUPPORTED && rc > worst) worst = rc;
    }
    if (o->markdown && (rc = write_markdown(o->markdown, &c, rows, o)) > worst) worst = rc;
    for (size_t i = 0; i < c.count; i++) free(rows[i].signature);
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

/* The Linux column: the verdict on the articles and the calls of the stored signature. */
static void print_linux_measured(const struct scenario *s)
{
    struct measured m;
    measured_open(&m, LINUX_SIGNATURES);
    char title[200], verdict[2048], why[300];
    snprintf(title, sizeof title, "Linux measured (%s):", m.kernel[0] ? m.kernel : "no kernel measured");
    const char *no = backend_linux.unsupported(s, why, sizeof why);
    char *sig = measured_signature(&m, s->id);
    if (no) print_paragraphs(title, no);
    else if (*measured_verdict(&m, s->id, verdict, sizeof verdict)) print_paragraphs(title, verdict);
    else print_paragraphs(title, sig ? "measured; the calls below" : "not measured yet");
    bool shown = false;
    for (const char *p = sig; p && *p; p = strchrnul(p, '\n'), p += *p == '\n') {
        if (*p != ' ') shown = strncmp(p, "calls ", 6) == 0 || strncmp(p, "process ", 8) == 0;
        if (shown) printf("  %.*s\n", (int)(strchrnul(p, '\n') - p), p);
    }
    if (sig) printf("  (the whole signature: %s/%s/%s.sig)\n\n", LINUX_SIGNATURES, m.kernel, s->id);
    free(sig);
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
    print_linux_measured(s);
    print_paragraphs("lwIP observed:", s->outcome);
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
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("tcpsim %s (%s, %u instances)\n", TCPSIM_VERSION, stack_instances[0]->name,
               stack_instance_count);
        return EXIT_OK;
    }
    if (pkt_cli_handles(argc, argv)) return pkt_cli_main(argc, argv);   /* docs/packetdrill.md */
    if (strcmp(cmd, "diff") == 0) return diff_cmd_main(argc - 1, argv + 1);
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
