/* cli — see cli.h. Outputs of a scenario are written into <out>/.<id>.tmp and renamed to
 * <out>/<id> only when the run completed, so an interrupted or failed run never leaves partial
 * files where a reader expects a result; every other way out (a budget, an exhausted resource,
 * a broken invariant, a fatal signal) removes the temporary folder (cli_watchdog.h, atexit).
 * Every input is validated before the first output is written: bad input exits 2 having
 * written nothing.
 *
 * Commands and options are two tables: a new subcommand or option is one entry each (the
 * option's setter does its own validation). Options are parsed with getopt_long, GNU style:
 * anywhere after the command, `--opt VALUE` or `--opt=VALUE`, `--` ends them. */
#define _GNU_SOURCE
#include "cli.h"

#include "backend.h"
#include "catalog.h"
#include "cli_watchdog.h"
#include "diff_cmd.h"
#include "measured.h"
#include "outfile.h"
#include "outputs.h"
#include "pkt_cli.h"
#include "reasons.h"
#include "report_html.h"
#include "run_dir.h"
#include "sharedir.h"
#include "swarm.h"
#include "world.h"

#include <tcpsim/tcpsim.h>   /* TCPSIM_VERSION */

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TCPSIM_SHARE
#define TCPSIM_SHARE "/usr/local/share/tcpsim"
#endif

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_BROKEN = 3, EXIT_BUDGET = 4 };

#define MAX_POSITIONAL 64

/* The Linux signatures measured on each kernel: <dir>/<uname -r>/<id>.sig */
#define LINUX_SIGNATURES "docs/linux"

struct options {
    const char *out_dir;
    const char *scenarios_dir;
    const char *markdown;           /* all: also write the summary table here (docs/scenarios.md) */
    const struct backend *backend;  /* --backend: lwip (default) or linux */
    const char *conn;               /* run/check: timeline.txt holds only this connection */
    uint64_t seed;
    bool seed_given;
    uint64_t horizon_us;
    struct budget_limits budget;
    bool budget_given[BUDGET_KIND_COUNT];   /* swarm keeps its own small budgets otherwise */
    struct swarm_options swarm;
    bool strict;                    /* .pkt scripts: --strict (true) or --lenient */
    const char *command;            /* as typed: "run", "check", ... */
    /* the first option given that is only for scenarios / only for scripts, as typed */
    const char *scenario_option, *script_option;
    const char *positional[MAX_POSITIONAL];
    int positional_count;
};

/* Where a usage error sends the reader: the help, and for scripts docs/packetdrill.md too. */
static const char *usage_see = "(see 'tcpsim --help')";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tcpsim: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s\n", usage_see);
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

/* N followed by a unit: "4h", "90min", "30s", "250ms", "10us". */
static bool parse_duration_us(const char *s, uint64_t *out)
{
    static const struct { const char *unit; uint64_t us; } units[] = {
        { "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "min", 60000000 }, { "h", 3600000000u },
    };
    size_t digits = strspn(s, "0123456789");
    char number[32];
    if (digits == 0 || digits >= sizeof number) return false;
    memcpy(number, s, digits);
    number[digits] = '\0';
    uint64_t n;
    if (!parse_u64(number, &n)) return false;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(s + digits, units[i].unit) == 0) {
            if (n > UINT64_MAX / units[i].us) return false;
            *out = n * units[i].us;
            return true;
        }
    return false;
}

/* N, or N with a K/M/G suffix (powers of 1024). */
static bool parse_bytes(const char *s, uint64_t *out)
{
    char number[32];
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof number) return false;
    uint64_t scale = 1;
    const char *suffixes = "KMG";
    const char *at = strchr(suffixes, s[len - 1]);
    if (at && *at) {
        scale = 1ull << (10 * (at - suffixes + 1));
        len--;
    }
    memcpy(number, s, len);
    number[len] = '\0';
    uint64_t n;
    if (!parse_u64(number, &n) || n > UINT64_MAX / scale) return false;
    *out = n * scale;
    return true;
}

/* ---- the option table ----
 * Each option: its long name, the value it takes (NULL: none), its help line, and a setter
 * that validates the value and stores it; the setter returns NULL or what was expected. */

typedef const char *(*option_setter)(struct options *o, const char *value);

static const char *set_out(struct options *o, const char *v) { o->out_dir = v; return NULL; }
static const char *set_scenarios(struct options *o, const char *v) { o->scenarios_dir = v; return NULL; }
static const char *set_markdown(struct options *o, const char *v) { o->markdown = v; return NULL; }

static const char *set_backend(struct options *o, const char *v)
{
    if (strcmp(v, backend_lwip.name) == 0) o->backend = &backend_lwip;
    else if (strcmp(v, backend_linux.name) == 0) o->backend = &backend_linux;
    else return "lwip or linux";
    return NULL;
}

static const char *set_conn(struct options *o, const char *v)
{
    struct conn_key key;
    if (!reasons_parse_conn(v, &key) || key.remote_port == 0) return "ip:port>ip:port";
    o->conn = v;
    return NULL;
}

static const char *set_seed(struct options *o, const char *v)
{
    o->seed_given = true;
    return parse_u64(v, &o->seed) ? NULL : "an unsigned 64-bit integer";
}

static const char *set_horizon(struct options *o, const char *v)
{
    return parse_duration_us(v, &o->horizon_us) && o->horizon_us > 0
               ? NULL : "a virtual time like 4h, 90min, 30s or 250ms";
}

static const char *set_max_events(struct options *o, const char *v)
{
    o->budget_given[BUDGET_EVENTS] = true;
    return parse_u64(v, &o->budget.events) ? NULL : "a number of events (0: no limit)";
}

static const char *set_max_output(struct options *o, const char *v)
{
    o->budget_given[BUDGET_OUTPUT_BYTES] = true;
    return parse_bytes(v, &o->budget.output_bytes) ? NULL
                                                   : "a number of bytes, K, M or G (0: no limit)";
}

static const char *set_max_seconds(struct options *o, const char *v)
{
    o->budget_given[BUDGET_WALL_SECONDS] = true;
    return parse_u64(v, &o->budget.wall_seconds) ? NULL : "a number of seconds (0: no limit)";
}

static const char *set_swarm_seeds(struct options *o, const char *v)
{
    return swarm_parse_seeds(v, &o->swarm) ? NULL : "a seed range FIRST..LAST or a count N (1..N)";
}

static const char *set_jobs(struct options *o, const char *v)
{
    uint64_t n;
    if (!parse_u64(v, &n) || n > 1024) return "a number of worker processes 0..1024 (0: one per core)";
    o->swarm.jobs = (unsigned)n;
    return NULL;
}

static const char *set_no_shrink(struct options *o, const char *v)
{
    (void)v;
    o->swarm.shrink = false;
    return NULL;
}

static const char *set_strict(struct options *o, const char *v)
{
    (void)v;
    o->strict = true;
    return NULL;
}

static const char *set_lenient(struct options *o, const char *v)
{
    (void)v;
    o->strict = false;
    return NULL;
}

/* Which runs an option applies to; given to the other kind it is "unexpected". */
enum option_scope { FOR_SCENARIOS, FOR_SCRIPTS, FOR_BOTH, OPTION_SCOPE_COUNT };

static const struct option_spec {
    const char *name;
    char short_name;                /* 0: none */
    const char *value;              /* shown in --help; NULL: the option takes no value */
    const char *help;
    option_setter set;
    enum option_scope scope;        /* FOR_SCENARIOS unless said */
} option_table[] = {
    { "out", 0, "DIR", "where outputs go (default out)", set_out, FOR_BOTH },
    { "seed", 0, "N", "override the scenario's seed", set_seed, FOR_BOTH },
    { "scenarios", 0, "DIR", "the catalog (default $TCPSIM_SCENARIOS, else ./scenarios, else "
      "<bindir>/../share/tcpsim/scenarios, else " TCPSIM_SHARE "/scenarios)", set_scenarios, FOR_SCENARIOS },
    { "markdown", 0, "FILE", "all: also write the summary table as Markdown (docs/scenarios.md)",
      set_markdown, FOR_SCENARIOS },
    { "backend", 0, "NAME", "run, check, all: lwip, this process (default), or linux, the real "
      "kernel in network namespaces (root; docs/linux-backend.md); check then compares with "
      "docs/linux/<uname -r>/<id>.sig", set_backend, FOR_SCENARIOS },
    { "conn", 0, "A>B", "run/check: timeline.txt shows only this connection (either direction, "
      "e.g. 10.0.0.1:55978>10.0.0.2:8400) and the events of no connection", set_conn, FOR_SCENARIOS },
    { "horizon", 0, "TIME", "stop a run still going after this much virtual time (default 4h)",
      set_horizon, FOR_SCENARIOS },
    { "max-events", 0, "N", "budget: trace events + scenario steps per run (default 250000)",
      set_max_events, FOR_SCENARIOS },
    { "max-output", 0, "BYTES", "budget: bytes of output per run, K/M/G suffixes (default 128M)",
      set_max_output, FOR_SCENARIOS },
    { "max-seconds", 0, "N", "budget: wall-clock seconds per run (default 600)", set_max_seconds, FOR_SCENARIOS },
    { "seeds", 0, "RANGE", "swarm: FIRST..LAST or N for 1..N (default 1..100)", set_swarm_seeds, FOR_SCENARIOS },
    { "jobs", 'j', "N", "swarm: worker processes (-j; default one per core)", set_jobs, FOR_SCENARIOS },
    { "no-shrink", 0, NULL, "swarm: keep failures as generated, do not shrink them", set_no_shrink, FOR_SCENARIOS },
    { "strict", 0, NULL, "FILE.pkt: compare TCP options exactly (docs/packetdrill.md)", set_strict,
      FOR_SCRIPTS },
    { "lenient", 0, NULL, "FILE.pkt: leave out of the comparison the options lwIP does not "
      "implement (default; docs/packetdrill.md)",
      set_lenient, FOR_SCRIPTS },
};
#define OPTION_COUNT (sizeof option_table / sizeof option_table[0])

/* ---- the command table ---- */

static int cmd_list(const struct options *o);
static int cmd_run(const struct options *o);
static int cmd_check(const struct options *o);
static int cmd_all(const struct options *o);
static int cmd_explain(const struct options *o);
static int cmd_swarm(const struct options *o);
static int cmd_scripts(const struct options *o);

/* A command: its name (several as "run|check"), what --help shows, how many positional
 * arguments, and how it runs: with the parsed options, or (run_argv) with its own arguments
 * as typed. An entry for `scripts` is chosen when an argument is a .pkt script. */
static const struct command {
    const char *name;
    const char *args;
    const char *help;
    int min_args, max_args;
    int (*run)(const struct options *o);
    bool scripts;
    int (*run_argv)(int argc, char **argv);
} command_table[] = {
    { "list", "", "the scenarios of the catalog: id and title", 0, 0, cmd_list, false, NULL },
    { "run", "<id|file>", "run one scenario; outputs go to DIR/<id>/", 1, 1, cmd_run, false, NULL },
    { "check", "<id|file>...", "run and verify every expectation; print each failure with "
      "file:line, what was expected, what happened", 1, MAX_POSITIONAL, cmd_check, false, NULL },
    { "all", "", "run and check every scenario of the catalog, one line each", 0, 0, cmd_all, false, NULL },
    { "explain", "<id|file>", "what the scenario shows, the Linux/Windows reference, the lwIP "
      "difference and the explanation", 1, 1, cmd_explain, false, NULL },
    { "swarm", "", "random valid scenarios from seeds, checked against the invariants of "
      "docs/swarm.md; failures shrunk into DIR/swarm/", 0, 0, cmd_swarm, false, NULL },
    { "run|check", "FILE.pkt...", "a packetdrill-style script against one lwIP host "
      "(--strict/--lenient options policy; docs/packetdrill.md)", 1, MAX_POSITIONAL, cmd_scripts,
      .scripts = true },
    { "diff", "<before> <now>", "explain how two runs differ (output folders or JSONL files)",
      2, 2, NULL, .run_argv = diff_cmd_main },
};
#define COMMAND_COUNT (sizeof command_table / sizeof command_table[0])

/* "  head   help text", the help wrapped at 96 columns under itself. */
static void print_entry(FILE *f, const char *head, const char *help)
{
    enum { HELP_COLUMN = 25, WIDTH = 96 };
    int col = fprintf(f, "  %-22s", head);
    for (const char *p = help; *p;) {
        size_t word = strcspn(p, " ");
        if (col + 1 + (int)word > WIDTH) col = fprintf(f, "\n%*s", HELP_COLUMN - 1, "") - 1;
        col += fprintf(f, " %.*s", (int)word, p);
        p += word;
        while (*p == ' ') p++;
    }
    fputc('\n', f);
}

static void print_usage(FILE *f)
{
    fprintf(f, "usage: tcpsim <command> [options] [arguments]\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", command_table[i].name, command_table[i].args);
        print_entry(f, head, command_table[i].help);
    }
    print_entry(f, "--help", "this text");
    print_entry(f, "--version", "the version of tcpsim and of lwIP");
    fprintf(f, "\noptions (anywhere after the command; --opt VALUE or --opt=VALUE; -- ends them):\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char head[64];
        snprintf(head, sizeof head, "--%s%s%s", option_table[i].name,
                 option_table[i].value ? " " : "", option_table[i].value ? option_table[i].value : "");
        print_entry(f, head, option_table[i].help);
    }
    fprintf(f, "\nexit codes: 0 success, 1 an expectation failed (or the run deadlocked or never "
               "ended),\n2 bad input or usage, 3 simulator invariant broken, 4 a budget or a "
               "resource ran out\n");
}

/* Everything after the command: options anywhere, the rest positional. */
static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){ .out_dir = "out", .seed = 1, .backend = &backend_lwip,
                           .horizon_us = RUN_DEFAULT_HORIZON_US,
                           .budget = budget_defaults(), .swarm = swarm_defaults() };
    /* getopt_long returns OPTION_BASE + index for a long option, the letter for a short one */
    enum { OPTION_BASE = 256 };
    struct option longs[OPTION_COUNT + 1];
    char shorts[2 * OPTION_COUNT + 2] = ":";   /* ':' first: a missing value returns ':' */
    size_t used = 1;
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        bool takes = option_table[i].value != NULL;
        longs[i] = (struct option){ option_table[i].name, takes ? required_argument : no_argument,
                                    NULL, OPTION_BASE + (int)i };
        if (option_table[i].short_name) {
            shorts[used++] = option_table[i].short_name;
            if (takes) shorts[used++] = ':';
        }
    }
    shorts[used] = '\0';
    longs[OPTION_COUNT] = (struct option){ 0 };
    opterr = 0;
    optind = 1;            /* argv[0] is the command */
    int c, index;
    while ((c = getopt_long(argc, argv, shorts, longs, &index)) != -1) {
        const struct option_spec *spec = NULL;
        if (c >= OPTION_BASE && (size_t)(c - OPTION_BASE) < OPTION_COUNT)
            spec = &option_table[c - OPTION_BASE];
        for (size_t i = 0; i < OPTION_COUNT && !spec && c > 0 && c < OPTION_BASE && c != ':'; i++)
            if (option_table[i].short_name == c) spec = &option_table[i];
        if (c == ':') return usage_error("%s expects a value", argv[optind - 1]);
        if (!spec) return usage_error("unexpected '%s'", argv[optind - 1]);
        /* "--out --markdown": a separate value that looks like an option is a missing value */
        if (spec->value && optarg == argv[optind - 1] && optarg[0] == '-' && optarg[1])
            return usage_error("--%s expects a value, got the option '%s' (write --%s=%s if "
                               "you mean it)", spec->name, optarg, spec->name, optarg);
        if (spec->value && !*optarg) return usage_error("--%s expects a value", spec->name);
        const char *expected = spec->set(o, optarg);
        if (expected)
            return usage_error("--%s expects %s, got '%s'", spec->name, expected, optarg);
        const char *typed = spec->value && optarg == argv[optind - 1] ? argv[optind - 2]
                                                                       : argv[optind - 1];
        if (spec->scope == FOR_SCENARIOS && !o->scenario_option) o->scenario_option = typed;
        if (spec->scope == FOR_SCRIPTS && !o->script_option) o->script_option = typed;
    }
    for (int i = optind; i < argc; i++) {
        if (o->positional_count == MAX_POSITIONAL)
            return usage_error("too many arguments (at most %d)", MAX_POSITIONAL);
        o->positional[o->positional_count++] = argv[i];
    }
    return EXIT_OK;
}

/* ---- output directories ---- */

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
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
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

/* Bad input found late is bad input all the same: everything a run could refuse is checked
 * before the first output of any run. */
static int validate(const struct scenario *const *list, size_t n, const struct options *o)
{
    char err[1200];
    for (size_t i = 0; i < n; i++)
        if (run_dir_validate(list[i], o->horizon_us, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return EXIT_USAGE;
        }
    return EXIT_OK;
}

/* ---- running one scenario ---- */

/* One row of the summary table: scenario, result, expectations passed, whether lwIP differs
 * from the Linux reference, and the decisive outcome the scenario asserts. */
static void print_summary_line(const struct scenario *sc, const struct run_summary *s)
{
    const char *verdict = run_summary_verdict(s);
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

/* A progress line on a terminal, at most once a second (cli_watchdog). */
struct progress {
    const char *id;
    bool shown;
};

static void show_progress(void *ctx, uint64_t events, uint64_t bytes)
{
    struct progress *p = ctx;
    if (!watchdog_progress_due()) return;
    uint64_t t = sched_now_us();
    fprintf(stderr, "\rtcpsim: %s: t=%llu.%06llu s virtual, %llu events, %llu bytes written ",
            p->id, (unsigned long long)(t / 1000000), (unsigned long long)(t % 1000000),
            (unsigned long long)events, (unsigned long long)bytes);
    p->shown = true;
}

static void report_budget(const struct scenario *sc, const struct run_summary *s,
                          const struct options *o)
{
    fprintf(stderr, "tcpsim: %s: stopped: the %s budget ran out (%llu, %s) at t=%llu.%06llu s "
                    "of virtual time; %s; no output written\n",
            sc->id, budget_name(s->budget), (unsigned long long)s->budget_limit,
            budget_option(s->budget), (unsigned long long)(s->end_us / 1000000),
            (unsigned long long)(s->end_us % 1000000), s->busiest);
    fprintf(stderr, "raise it with %s N (0: no limit); replay: tcpsim check %s --seed %llu\n",
            budget_option(s->budget), sc->file,
            (unsigned long long)(o->seed_given ? o->seed : sc->seed));
}

static void report_unfinished(const struct scenario *sc, const struct run_summary *s,
                              const struct options *o)
{
    if (s->result == RUN_UNTIL)
        fprintf(stderr, "%s: still running after %llu s of virtual time (--horizon)\n", sc->id,
                (unsigned long long)(o->horizon_us / 1000000));
    if (s->result == RUN_DEADLOCK)
        fprintf(stderr, "%s: deadlock: every process is blocked and nothing is pending\n", sc->id);
    fprintf(stderr, "%s: %s", sc->id, s->blocked);
}

/* The temporary folder of the run in progress, removed by any exit (atexit, signals). */
static void remove_run_files_at_exit(void) { watchdog_remove_files(); }

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
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", o->out_dir, sc->id);
    snprintf(final, sizeof final, "%s/%s", o->out_dir, sc->id);
    outfile_remove_tree(tmp);
    if (mkdir(tmp, 0777) != 0) {
        fprintf(stderr, "tcpsim: cannot create %s: %s\n", tmp, strerror(errno));
        return EXIT_USAGE;
    }
    struct progress progress = { sc->id, false };
    watchdog_arm(tmp, outputs_files, outputs_file_count, o->budget.wall_seconds,
                 isatty(STDERR_FILENO) == 1);
    struct backend_options bo = { .seed = o->seed, .seed_given = o->seed_given,
                                  .horizon_us = o->horizon_us, .budget = o->budget,
                                  .on_poll = show_progress, .ctx = &progress,
                                  .check = show_failures, .signatures = LINUX_SIGNATURES,
                                  .conn = o->conn, .keep_signature = o->markdown != NULL };
    struct run_summary s = { 0 };
    int rc = o->backend->run(sc, &bo, tmp, &s, err, sizeof err);
    watchdog_disarm();
    if (rc == BACKEND_UNSUPPORTED) {
        printf("%-34s %-8s %s\n", sc->id, "unsupported", err);
        fflush(stdout);
        outfile_remove_tree(tmp);
        if (row) *row = (struct row){ "unsupported", 0, 0, NULL };
        run_summary_free(&s);
        return BACKEND_UNSUPPORTED;
    }
    if (rc != EXIT_OK) rc = EXIT_USAGE;
    if (progress.shown) fputc('\n', stderr);
    if (rc == EXIT_OK && s.result == RUN_STOPPED) rc = EXIT_BUDGET;
    if (rc == EXIT_OK && (outfile_remove_tree(final) != 0 || rename(tmp, final) != 0)) {
        snprintf(err, sizeof err, "cannot move %s to %s: %s", tmp, final, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) {
        outfile_remove_tree(tmp);
        if (rc == EXIT_BUDGET) report_budget(sc, &s, o);
        else fprintf(stderr, "tcpsim: %s: %s\n", sc->id, err);
        if (row) *row = (struct row){ "stopped by a budget", 0, 0, NULL };
        run_summary_free(&s);
        return rc;
    }
    print_summary_line(sc, &s);
    if (row) {
        *row = (struct row){ s.result != RUN_IDLE ? "not finished" : s.failed ? "FAILED" : "ok",
                             s.expects - s.failed, s.expects, s.signature };
        s.signature = NULL;   /* the row owns it now */
    }
    if (s.result != RUN_IDLE) report_unfinished(sc, &s, o);
    if (show_failures && s.failed && s.report) fputs(s.report, stderr);
    if (s.result != RUN_IDLE || s.failed) {
        fprintf(stderr, "replay: tcpsim check %s --seed %llu%s\n", sc->file,
                (unsigned long long)(o->seed_given ? o->seed : sc->seed),
                o->backend == &backend_lwip ? "" : " --backend linux");
        rc = EXIT_FAILED;
    }
    run_summary_free(&s);
    return rc;
}

static int prepare_out_dir(const struct options *o)
{
    if (make_dirs(o->out_dir) == 0) return EXIT_OK;
    fprintf(stderr, "tcpsim: cannot create output directory %s: %s\n", o->out_dir,
            strerror(errno));
    return EXIT_USAGE;
}

/* ---- commands ---- */

static int cmd_list(const struct options *o)
{
    struct catalog c;
    int rc = load_catalog(&c, o);
    if (rc != EXIT_OK) return rc;
    for (size_t i = 0; i < c.count; i++) printf("%-32s %s\n", c.items[i]->id, c.items[i]->title);
    catalog_free(&c);
    return EXIT_OK;
}

static int run_positional(const struct options *o, bool check)
{
    /* Parse and validate everything first: bad input fails before any output is written. */
    struct scenario *list[MAX_POSITIONAL];
    int rc = EXIT_OK, worst = EXIT_OK, n = 0;
    for (; n < o->positional_count; n++) {
        list[n] = resolve(o->positional[n], o, &rc);
        if (!list[n]) break;
    }
    if (n == o->positional_count) rc = validate((const struct scenario *const *)list, (size_t)n, o);
    if (rc == EXIT_OK) rc = prepare_out_dir(o);
    for (int i = 0; i < n && rc == EXIT_OK; i++) {
        int one = run_one(list[i], o, check, NULL);
        if (one == BACKEND_UNSUPPORTED) one = EXIT_USAGE;
        if (one > worst) worst = one;
    }
    for (int i = 0; i < n; i++) scenario_free(list[i]);
    return rc != EXIT_OK ? rc : worst;
}

static int cmd_run(const struct options *o) { return run_positional(o, false); }
static int cmd_check(const struct options *o) { return run_positional(o, true); }

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

/* The Markdown file is written last: its folder must be writable before anything runs. */
static int check_markdown_target(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return usage_error("--markdown %s: no directory %s", path, dir);
    if (access(dir, W_OK) != 0)
        return usage_error("--markdown %s: directory %s is not writable", path, dir);
    return EXIT_OK;
}

static int cmd_all(const struct options *o)
{
    if (o->markdown && check_markdown_target(o->markdown) != EXIT_OK) return EXIT_USAGE;
    if (o->markdown && o->backend != &backend_lwip)
        return usage_error("all: --markdown compares with lwIP: run it with the lwip backend");
    struct catalog c;
    int rc = load_catalog(&c, o), worst = EXIT_OK;
    if (rc != EXIT_OK) return rc;
    if ((rc = validate((const struct scenario *const *)c.items, c.count, o)) != EXIT_OK ||
        (rc = prepare_out_dir(o)) != EXIT_OK) {
        catalog_free(&c);
        return rc;
    }
    struct row *rows = calloc(c.count ? c.count : 1, sizeof *rows);
    if (!rows) sched_out_of_memory();
    print_summary_header();
    for (size_t i = 0; i < c.count; i++) {
        rows[i] = (struct row){ "not run", 0, 0, NULL };
        rc = run_one(c.items[i], o, true, &rows[i]);
        if (rc != BACKEND_UNSUPPORTED && rc > worst) worst = rc;
    }
    if (o->markdown && (rc = write_markdown(o->markdown, &c, rows, o)) > worst) worst = rc;
    if (o->backend == &backend_lwip && (rc = write_index(&c, rows, o)) > worst) worst = rc;
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

/* Each swarm run in its child process gets the wall-clock guard of a CLI run. */
static void guard_swarm_run(const char *dir, uint64_t wall_seconds)
{
    watchdog_arm(dir, outputs_files, outputs_file_count, wall_seconds, false);
}

static int cmd_swarm(const struct options *o)
{
    if (prepare_out_dir(o) != EXIT_OK) return EXIT_USAGE;
    struct swarm_options so = o->swarm;
    so.out_dir = o->out_dir;
    so.horizon_us = o->horizon_us;
    so.guard = guard_swarm_run;
    if (o->budget_given[BUDGET_EVENTS]) so.budget.events = o->budget.events;
    if (o->budget_given[BUDGET_OUTPUT_BYTES]) so.budget.output_bytes = o->budget.output_bytes;
    if (o->budget_given[BUDGET_WALL_SECONDS]) so.budget.wall_seconds = o->budget.wall_seconds;
    char err[1024] = "";
    int found = swarm_run(&so, stdout, err, sizeof err);
    if (found < 0) {
        fprintf(stderr, "tcpsim: swarm: %s\n", err);
        return EXIT_USAGE;
    }
    return found ? EXIT_FAILED : EXIT_OK;
}

static int cmd_scripts(const struct options *o)
{
    struct pkt_cli_request req = { .check = strcmp(o->command, "check") == 0,
                                   .out_dir = o->out_dir, .seed = o->seed, .strict = o->strict,
                                   .files = o->positional, .file_count = o->positional_count };
    return pkt_cli_run(&req);
}

/* Whether name is one of the |-separated names. */
static bool names_match(const char *names, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = names; *p; p += strcspn(p, "|"), p += *p == '|') {
        if (strncmp(p, name, len) == 0 && (p[len] == '|' || p[len] == '\0')) return true;
    }
    return false;
}

/* The entry for the command: the one for scripts when an argument is a .pkt script and the
 * command has one, else the other. */
static const struct command *find_command(int argc, char **argv)
{
    bool scripts = false;
    for (int i = 2; i < argc && !scripts; i++) scripts = pkt_cli_is_script(argv[i]);
    for (int pass = scripts ? 0 : 1; pass < 2; pass++)
        for (size_t i = 0; i < COMMAND_COUNT; i++)
            if (command_table[i].scripts == (pass == 0) && names_match(command_table[i].name, argv[1]))
                return &command_table[i];
    return NULL;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("tcpsim %s (%s, %u instances)\n", TCPSIM_VERSION, stack_instances[0]->name,
               stack_instance_count);
        return EXIT_OK;
    }
    const struct command *cmd = find_command(argc, argv);
    if (!cmd) return usage_error("unknown command '%s'", name);
    if (cmd->run_argv) return cmd->run_argv(argc - 1, argv + 1);
    if (cmd->scripts) usage_see = PKT_CLI_SEE;
    struct options o;
    int rc = parse_args(argc - 1, argv + 1, &o);
    if (rc != EXIT_OK) return rc;
    o.command = name;
    const char *stray = cmd->scripts ? o.scenario_option : o.script_option;
    if (stray) return usage_error("unexpected '%s'", stray);
    if (o.positional_count < cmd->min_args)
        return usage_error("%s: expects a scenario id or file", cmd->name);
    if (o.positional_count > cmd->max_args)
        return usage_error("%s: unexpected '%s'", cmd->name, o.positional[cmd->max_args]);
    atexit(remove_run_files_at_exit);
    return cmd->run(&o);
}
