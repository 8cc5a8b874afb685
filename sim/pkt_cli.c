/* pkt_cli — see pkt_cli.h. */
#define _GNU_SOURCE
#include "pkt_cli.h"

#include "pkt_run.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PKT_EXIT_OK = 0, PKT_EXIT_FAILED = 1, PKT_EXIT_USAGE = 2 };

#define PKT_MAX_FILES 64

static bool ends_with_pkt(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, ".pkt") == 0;
}

bool pkt_cli_is_script(const char *arg) { return arg[0] != '-' && ends_with_pkt(arg); }

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "tcpsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n" PKT_CLI_SEE "\n");
    return PKT_EXIT_USAGE;
}

/* Every argument a script, at most PKT_MAX_FILES of them, one for run. */
static int check_files(const struct pkt_cli_request *o)
{
    for (int i = 0; i < o->file_count; i++) {
        if (!ends_with_pkt(o->files[i]))
            return usage("'%s': expected a .pkt script (scenarios and scripts run separately)",
                         o->files[i]);
        if (i == PKT_MAX_FILES) return usage("too many scripts (at most 64): '%s'", o->files[i]);
    }
    if (!o->check && o->file_count > 1) return usage("run: one script at a time (got '%s' too)",
                                                    o->files[1]);
    return PKT_EXIT_OK;
}

/* ---- the output folder ---- */

static const char *const output_files[] = {
    "timeline.txt", "timeline.jsonl", "capture.pcap", "states.dot", "states.svg",
};

/* Removes a folder this command wrote (only the files it writes, then the folder). */
static void remove_outputs(const char *dir)
{
    char path[4200];
    for (size_t i = 0; i < sizeof output_files / sizeof output_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, output_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int mkdir_parents(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/", dir) >= (int)sizeof path) return -1;
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        int rc = mkdir(path, 0777);
        *slash = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

static bool add_outputs(struct world *w, const char *dir, char *err, size_t err_size)
{
    struct trace_sink *(*const makers[])(const char *) = {
        trace_text_new, trace_jsonl_new, trace_pcap_new, trace_dot_new,
    };
    char path[4200];
    for (size_t i = 0; i < sizeof makers / sizeof makers[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, output_files[i]);
        struct trace_sink *sink = makers[i](path);
        if (!sink) {
            snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
            return false;
        }
        trace_add_sink(world_trace(w), sink);
    }
    return true;
}

/* ---- one script ---- */

static void print_notices(const struct pkt_script *s)
{
    if (s->option_lines)
        fprintf(stderr, "%s: notice: %zu --option line(s) ignored (virtual time is exact; "
                        "docs/packetdrill.md)\n", s->file, s->option_lines);
    for (size_t i = 0; i < s->event_count; i++) {
        if (s->events[i].kind != PKT_SHELL) continue;
        const char *cmd = s->events[i].u.shell;
        int first_line = (int)strcspn(cmd, "\n");
        fprintf(stderr, "%s:%d: notice: shell command ignored: `%.*s%s`\n", s->file,
                s->events[i].pos.line, first_line < 60 ? first_line : 60, cmd,
                cmd[first_line] || first_line > 60 ? " ..." : "");
    }
}

/* Runs into dir; 0 pass, 1 mismatch, 2 output error (err filled). */
static int run_into(const struct pkt_script *s, const struct pkt_cli_request *o, const char *dir,
                    char **report, size_t *report_len, char *err, size_t err_size)
{
    struct world_config cfg = pkt_world_config(s, o->seed);
    struct world *w = world_new(&cfg);
    struct pkt_runner *r = NULL;
    struct pkt_run_options run = { .strict = o->strict };
    if (!add_outputs(w, dir, err, err_size) || !(r = pkt_runner_new(s, &run, w, err, err_size))) {
        world_free(w);
        return PKT_EXIT_USAGE;
    }
    FILE *f = open_memstream(report, report_len);
    bool passed = pkt_runner_run(r, f);
    if (f) fclose(f);
    int rc = trace_finish(world_trace(w), err, err_size) != 0 ? PKT_EXIT_USAGE : PKT_EXIT_OK;
    world_free(w);          /* first: the app process still waits on the runner's queue */
    pkt_runner_free(r);
    char dot[4200], svg[4200];
    snprintf(dot, sizeof dot, "%s/states.dot", dir);
    snprintf(svg, sizeof svg, "%s/states.svg", dir);
    if (rc == PKT_EXIT_OK && trace_dot_render_svg(dot, svg, err, err_size) < 0) rc = PKT_EXIT_USAGE;
    return rc != PKT_EXIT_OK ? rc : passed ? PKT_EXIT_OK : PKT_EXIT_FAILED;
}

static int run_script(const struct pkt_script *s, const struct pkt_cli_request *o)
{
    char tmp[4096], final[4096], err[8800] = "";
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", o->out_dir, s->id);
    snprintf(final, sizeof final, "%s/%s", o->out_dir, s->id);
    remove_outputs(tmp);
    if (mkdir_parents(o->out_dir) != 0 || mkdir(tmp, 0777) != 0) {
        fprintf(stderr, "tcpsim: cannot create %s: %s\n", tmp, strerror(errno));
        return PKT_EXIT_USAGE;
    }
    print_notices(s);
    char *report = NULL;
    size_t report_len = 0;
    int rc = run_into(s, o, tmp, &report, &report_len, err, sizeof err);
    if (rc != PKT_EXIT_USAGE) {
        remove_outputs(final);
        if (rename(tmp, final) != 0) {
            snprintf(err, sizeof err, "cannot move %s to %s: %s", tmp, final, strerror(errno));
            rc = PKT_EXIT_USAGE;
        }
    }
    if (rc == PKT_EXIT_USAGE) {
        fprintf(stderr, "tcpsim: %s: %s\n", s->file, err);
        remove_outputs(tmp);
    } else {
        printf("%-40s %s%s\n", s->id, rc == PKT_EXIT_OK ? "ok" : "FAILED",
               o->strict ? " (strict)" : "");
        fflush(stdout);
    }
    if (rc == PKT_EXIT_FAILED && report) {
        fputs(report, stderr);
        fprintf(stderr, "replay: tcpsim check %s --seed %llu%s\n", s->file,
                (unsigned long long)o->seed, o->strict ? " --strict" : "");
    }
    free(report);
    return rc;
}

int pkt_cli_run(const struct pkt_cli_request *req)
{
    int rc = check_files(req);
    if (rc != PKT_EXIT_OK) return rc;
    struct pkt_script *scripts[PKT_MAX_FILES];
    for (int i = 0; i < req->file_count; i++) {
        char err[1024];
        if (!(scripts[i] = pkt_load(req->files[i], err, sizeof err))) {
            fprintf(stderr, "%s\n", err);
            for (int j = 0; j < i; j++) pkt_script_free(scripts[j]);
            return PKT_EXIT_USAGE;
        }
    }
    int worst = PKT_EXIT_OK;
    for (int i = 0; i < req->file_count; i++) {
        rc = run_script(scripts[i], req);
        if (rc > worst) worst = rc;
        pkt_script_free(scripts[i]);
    }
    return worst;
}
