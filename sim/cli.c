/* cli — see cli.h. Outputs of a scenario are written into <out>/.<id>.tmp and renamed to
 * <out>/<id> only when the run completed, so an interrupted or failed run never leaves partial
 * files where a reader expects a result. */
#define _GNU_SOURCE
#include "cli.h"

#include "catalog.h"
#include "world.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* A scenario still running after this much virtual time has a connection or process that
 * never ends (lwIP's TCP timer runs as long as any pcb exists): it fails, naming what is left,
 * rather than running forever. */
#define RUN_HORIZON_US (4ull * 3600 * 1000000)

struct options {
    const char *out_dir;
    uint64_t seed;
    bool seed_given;
};

static const char usage[] =
    "usage: tcpsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  list                       the scenarios this build knows, one id per line with a title\n"
    "  run <id> [--out DIR] [--seed N]\n"
    "                             run one scenario; outputs go to DIR/<id>/ (default out/)\n"
    "  all [--out DIR] [--seed N] run every scenario, one summary line each\n"
    "  --help                     this text\n"
    "\n"
    "exit codes: 0 success, 1 a scenario failed (deadlock), 2 bad usage, 3 internal error\n";

static int usage_error(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "tcpsim: ");
    fprintf(stderr, fmt, a, b);
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

/* Parses the options after the command's positional arguments; returns EXIT_OK or EXIT_USAGE. */
static int parse_options(int argc, char **argv, int first, struct options *o)
{
    *o = (struct options){ .out_dir = "out", .seed = 1 };
    for (int i = first; i < argc; i++) {
        char where[32];
        snprintf(where, sizeof where, "argument %d", i);
        if (strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "--seed") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s: %s expects a value", where, argv[i]);
            if (argv[i][2] == 'o') {
                if (!argv[i + 1][0]) return usage_error("%s: %s expects a directory", where, "--out");
                o->out_dir = argv[++i];
            } else if (!parse_u64(argv[i + 1], &o->seed)) {
                return usage_error("%s: --seed expects an unsigned 64-bit integer, got '%s'",
                                   where, argv[i + 1]);
            } else {
                o->seed_given = true;
                i++;
            }
        } else {
            return usage_error("%s: unexpected '%s'", where, argv[i]);
        }
    }
    return EXIT_OK;
}

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

struct run_summary {
    enum run_result result;
    size_t segments, states, calls;
    uint64_t end_us;
    char blocked[2048];
};

static void summarise(struct world *w, struct run_summary *s)
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
    { "states.dot", trace_dot_new },
};

static int add_sinks(struct trace *trace, const char *dir)
{
    char path[4200];
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i].file);
        struct trace_sink *sink = outputs[i].make(path);
        if (!sink) {
            fprintf(stderr, "tcpsim: cannot write %s: %s\n", path, strerror(errno));
            return -1;
        }
        trace_add_sink(trace, sink);
    }
    return 0;
}

/* Runs the world to its end and writes every output into dir; 0, or -1 with err filled. */
static int run_into(const struct catalog_entry *e, const struct options *o, const char *dir,
                    struct run_summary *s, char *err, size_t err_size)
{
    struct world_config cfg = world_config_default();
    cfg.scenario = e->id;
    cfg.seed = o->seed;
    struct world *w = world_new(&cfg);
    if (add_sinks(world_trace(w), dir) != 0) {
        world_free(w);
        snprintf(err, err_size, "cannot open the output files");
        return -1;
    }
    e->setup(w);
    s->result = world_run(w, RUN_HORIZON_US);
    summarise(w, s);
    if (s->result != RUN_IDLE) world_describe_blocked(w, s->blocked, sizeof s->blocked);
    int rc = trace_finish(world_trace(w), err, err_size);
    world_free(w);
    if (rc != 0) return -1;

    char dot[4200], svg[4200];
    snprintf(dot, sizeof dot, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    return trace_dot_render_svg(dot, svg, err, err_size) < 0 ? -1 : 0;
}

/* Runs one scenario into out_dir/<id>; returns an exit code. */
static int run_one(const struct catalog_entry *e, const struct options *o)
{
    char tmp[4096], final[4096], err[512] = "";
    if (make_dirs(o->out_dir) != 0) {
        fprintf(stderr, "tcpsim: cannot create output directory %s: %s\n", o->out_dir,
                strerror(errno));
        return EXIT_USAGE;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", o->out_dir, e->id);
    snprintf(final, sizeof final, "%s/%s", o->out_dir, e->id);
    remove_tree(tmp);
    if (mkdir(tmp, 0777) != 0) {
        fprintf(stderr, "tcpsim: cannot create %s: %s\n", tmp, strerror(errno));
        return EXIT_USAGE;
    }
    struct run_summary s = { 0 };
    if (run_into(e, o, tmp, &s, err, sizeof err) != 0 || remove_tree(final) != 0 ||
        rename(tmp, final) != 0) {
        fprintf(stderr, "tcpsim: %s: cannot write outputs: %s\n", e->id,
                err[0] ? err : strerror(errno));
        remove_tree(tmp);
        return EXIT_USAGE;
    }
    static const char *const verdicts[RUN_RESULT_COUNT] = {
        [RUN_IDLE] = "ok", [RUN_UNTIL] = "TIMEOUT", [RUN_DEADLOCK] = "DEADLOCK",
    };
    printf("%-28s %-8s %4zu segments %4zu state changes %4zu calls  ended at t=%llu.%06llu s\n",
           e->id, verdicts[s.result], s.segments, s.states, s.calls,
           (unsigned long long)(s.end_us / 1000000), (unsigned long long)(s.end_us % 1000000));
    if (s.result != RUN_IDLE) {
        if (s.result == RUN_UNTIL)
            fprintf(stderr, "%s: still running after %llu s of virtual time\n", e->id,
                    (unsigned long long)(RUN_HORIZON_US / 1000000));
        else
            fprintf(stderr, "%s: deadlock: every process is blocked and nothing is pending\n",
                    e->id);
        fprintf(stderr, "%s: %s", e->id, s.blocked);
        fprintf(stderr, "replay: tcpsim run %s --seed %llu\n", e->id, (unsigned long long)o->seed);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static int cmd_list(void)
{
    for (size_t i = 0; i < catalog_count; i++)
        printf("%-28s %s\n", catalog[i].id, catalog[i].title);
    return EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 3) return usage_error("%s: expects a scenario id%s", "run", "");
    const struct catalog_entry *e = catalog_find(argv[2]);
    if (!e) return usage_error("run: unknown scenario '%s'%s (try 'tcpsim list')", argv[2], "");
    struct options o;
    int rc = parse_options(argc, argv, 3, &o);
    return rc != EXIT_OK ? rc : run_one(e, &o);
}

static int cmd_all(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, 2, &o);
    if (rc != EXIT_OK) return rc;
    int worst = EXIT_OK;
    for (size_t i = 0; i < catalog_count; i++) {
        rc = run_one(&catalog[i], &o);
        if (rc > worst) worst = rc;
    }
    return worst;
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
    if (strcmp(cmd, "list") == 0) {
        if (argc > 2) return usage_error("list: unexpected '%s'%s", argv[2], "");
        return cmd_list();
    }
    if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
    if (strcmp(cmd, "all") == 0) return cmd_all(argc, argv);
    return usage_error("unknown command '%s'%s", cmd, "");
}
