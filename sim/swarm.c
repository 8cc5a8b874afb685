/* swarm — see swarm.h.
 *
 * Process layout: the parent forks `jobs` workers, each owning the seeds whose offset from the
 * first seed is its index modulo jobs; a worker forks one child per scenario run ("probe"), so
 * that a crash, a sanitizer abort or an invariant exit(3) of that run is a verdict, not the end
 * of the swarm. Workers send one result line per seed up a shared pipe (each line well below
 * PIPE_BUF, so lines never interleave); the parent sorts them by seed. */
#define _GNU_SOURCE
#include "swarm.h"

#include "outfile.h"
#include "run_dir.h"
#include "swarm_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What one run of one scenario came to. */
enum verdict {
    V_OK,               /* every invariant holds (lwIP defects may have been reported) */
    V_INVALID,          /* the generator made a scenario the parser refuses: a generator bug */
    V_RUN_ERROR,        /* the run could not write its outputs */
    V_CRASH,            /* killed by a signal */
    V_SANITIZER,        /* AddressSanitizer / UBSan report (exit status 86) */
    V_INVARIANT,        /* sched_panic: a simulator invariant broken (exit status 3) */
    V_RESOURCE,         /* out of memory or memory maps (exit status 4) */
    V_BUDGET,           /* a budget ran out and no lwIP defect explains it */
    V_ACCOUNTING,       /* bytes unaccounted for, wrong content, or a pool leak */
    V_FILES,            /* timeline.txt, timeline.jsonl and capture.pcap disagree */
    V_NONDETERMINISTIC, /* the rerun with the same seed gave other bytes */
    V_COUNT
};

static const char *verdict_name(enum verdict v)
{
    switch (v) {
    case V_OK: return "ok";
    case V_INVALID: return "invalid-scenario";
    case V_RUN_ERROR: return "run-error";
    case V_CRASH: return "crash";
    case V_SANITIZER: return "sanitizer";
    case V_INVARIANT: return "invariant-broken";
    case V_RESOURCE: return "resource";
    case V_BUDGET: return "budget";
    case V_ACCOUNTING: return "accounting-or-leak";
    case V_FILES: return "outputs-disagree";
    case V_NONDETERMINISTIC: return "nondeterministic";
    case V_COUNT: break;
    }
    return "?";
}

struct probe_result {
    enum verdict verdict;
    size_t defects[DEFECT_COUNT];
    char detail[400];
};

#define SANITIZER_EXIT 86       /* ASAN_OPTIONS/UBSAN_OPTIONS exitcode in the Makefile */
#define MAX_SHRINK_PROBES 400

struct swarm_options swarm_defaults(void)
{
    return (struct swarm_options){
        .first_seed = 1, .last_seed = 100, .jobs = 0, .shrink = true,
        .horizon_us = RUN_DEFAULT_HORIZON_US,
        .budget = { .events = 50000, .output_bytes = 16u * 1024 * 1024, .wall_seconds = 60 },
    };
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

bool swarm_parse_seeds(const char *text, struct swarm_options *o)
{
    const char *dots = strstr(text, "..");
    uint64_t first = 1, last;
    if (dots) {
        if (!parse_u64(text, (size_t)(dots - text), &first) ||
            !parse_u64(dots + 2, strlen(dots + 2), &last))
            return false;
    } else if (!parse_u64(text, strlen(text), &last) || last == 0) {
        return false;
    }
    if (last < first) return false;
    o->first_seed = first;
    o->last_seed = last;
    return true;
}

/* ---- small file helpers ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    char chunk[65536];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, n, mem);
    fclose(f);
    if (!mem || fclose(mem) != 0) {
        free(buf);
        return NULL;
    }
    *len = size;
    return buf;
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return (fclose(f) == 0) && ok;
}

/* One line, no tabs: a result field. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\t' || *s == '\r') *s = ' ';
}

/* ---- the invariants, checked in the probe's child ---- */

static size_t count_lines(const char *buf, size_t len, const char *must_contain,
                          const char *and_contain, bool skip_comments)
{
    size_t n = 0;
    for (const char *p = buf; p < buf + len;) {
        const char *end = memchr(p, '\n', (size_t)(buf + len - p));
        if (!end) end = buf + len;
        size_t l = (size_t)(end - p);
        bool counted = !(skip_comments && l && *p == '#');
        if (counted && must_contain && !memmem(p, l, must_contain, strlen(must_contain))) counted = false;
        if (counted && and_contain && !memmem(p, l, and_contain, strlen(and_contain))) counted = false;
        n += counted;
        p = end + 1;
    }
    return n;
}

static size_t pcap_records(const char *buf, size_t len)
{
    size_t n = 0;
    for (size_t at = 24; at + 16 <= len; n++) {
        uint32_t incl;
        memcpy(&incl, buf + at + 8, sizeof incl);
        at += 16 + incl;
    }
    return n;
}

struct outputs {
    char *text[3];
    size_t len[3];
};

static const char *const story_files[3] = { "timeline.txt", "timeline.jsonl", "capture.pcap" };

static bool load_outputs(const char *dir, struct outputs *out)
{
    bool ok = true;
    for (int i = 0; i < 3; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, story_files[i]);
        out->text[i] = read_file(path, &out->len[i]);
        ok &= out->text[i] != NULL;
    }
    return ok;
}

static void free_outputs(struct outputs *out)
{
    for (int i = 0; i < 3; i++) free(out->text[i]);
}

/* The three files tell one story: as many timeline lines as JSON events, one pcap record per
 * segment and per router ICMP. */
static bool outputs_agree(const struct outputs *o, char *why, size_t size)
{
    size_t text = count_lines(o->text[0], o->len[0], NULL, NULL, true);
    size_t json = count_lines(o->text[1], o->len[1], NULL, NULL, false);
    size_t segs = count_lines(o->text[1], o->len[1], "\"type\":\"segment\"", NULL, false);
    size_t icmp = count_lines(o->text[1], o->len[1], "\"type\":\"link\"", "\"event\":\"icmp\"", false);
    size_t pcap = pcap_records(o->text[2], o->len[2]);
    if (json == text + 1 && pcap == segs + icmp) return true;
    snprintf(why, size, "timeline.txt has %zu events, timeline.jsonl %zu (+1 header); "
             "capture.pcap %zu packets for %zu segments + %zu ICMP", text, json, pcap, segs, icmp);
    return false;
}

static bool same_outputs(const char *a_dir, const char *b_dir, char *why, size_t size)
{
    struct outputs a = { 0 }, b = { 0 };
    bool same = load_outputs(a_dir, &a) && load_outputs(b_dir, &b);
    for (int i = 0; i < 3 && same; i++)
        if (a.len[i] != b.len[i] || memcmp(a.text[i], b.text[i], a.len[i]) != 0) {
            snprintf(why, size, "%s differs between two runs of the same seed", story_files[i]);
            same = false;
        }
    free_outputs(&a);
    free_outputs(&b);
    return same;
}

static struct probe_result verdict(enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct probe_result verdict(enum verdict v, const char *fmt, ...)
{
    struct probe_result r = { .verdict = v };
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.detail, sizeof r.detail, fmt, ap);
    va_end(ap);
    return r;
}

static int run_once(const struct swarm_options *o, const struct scenario *sc, const char *dir,
                    struct run_summary *s, char *err, size_t err_size)
{
    mkdir(dir, 0777);
    if (o->guard) o->guard(dir, o->budget.wall_seconds);
    struct backend_options ro = { .horizon_us = o->horizon_us, .budget = o->budget, .no_svg = true };
    return run_dir(sc, &ro, dir, s, err, err_size);
}

static struct probe_result check_run(const struct swarm_options *o, const struct scenario *sc,
                                     const char *scratch, bool rerun)
{
    char a[4200], b[4200], err[1200] = "", why[400] = "";
    snprintf(a, sizeof a, "%s/a", scratch);
    snprintf(b, sizeof b, "%s/b", scratch);
    struct run_summary s;
    if (run_once(o, sc, a, &s, err, sizeof err) != 0) return verdict(V_RUN_ERROR, "%s", err);
    struct probe_result r = { .verdict = V_OK };
    memcpy(r.defects, s.defects_by_kind, sizeof r.defects);
    if (s.result == RUN_STOPPED && !s.defects_by_kind[DEFECT_ZERO_WINDOW_ACK_STORM])
        r = verdict(V_BUDGET, "the %s budget ran out at t=%llu us with no lwIP defect to explain "
                    "it; %s", budget_name(s.budget), (unsigned long long)s.end_us, s.busiest);
    else if (s.result != RUN_STOPPED && s.failed)
        r = verdict(V_ACCOUNTING, "%s", s.report ? s.report : "a check failed");
    memcpy(r.defects, s.defects_by_kind, sizeof r.defects);
    run_summary_free(&s);
    if (r.verdict != V_OK || s.result == RUN_STOPPED) return r;
    struct outputs out = { 0 };
    bool loaded = load_outputs(a, &out);
    if (!loaded || !outputs_agree(&out, why, sizeof why))
        r = verdict(V_FILES, "%s", loaded ? why : "an output file is missing");
    free_outputs(&out);
    if (r.verdict != V_OK || !rerun) return r;
    struct run_summary again;
    if (run_once(o, sc, b, &again, err, sizeof err) != 0) return verdict(V_RUN_ERROR, "%s", err);
    run_summary_free(&again);
    if (!same_outputs(a, b, why, sizeof why)) r = verdict(V_NONDETERMINISTIC, "%s", why);
    memcpy(r.defects, s.defects_by_kind, sizeof r.defects);
    return r;
}

static struct probe_result check_in_child(const struct swarm_options *o, const char *text,
                                          const char *file, const char *scratch, bool rerun)
{
    char err[1200] = "";
    struct scenario *sc = scenario_parse(file, text, strlen(text), err, sizeof err);
    if (!sc) return verdict(V_INVALID, "%s", err);
    struct probe_result r = run_dir_validate(sc, o->horizon_us, err, sizeof err) != 0
                                ? verdict(V_INVALID, "%s", err)
                                : check_run(o, sc, scratch, rerun);
    scenario_free(sc);
    return r;
}

/* The last line the child wrote on stderr: the sanitizer's or the panic's own words. */
static void stderr_tail(const char *path, char *buf, size_t size)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    buf[0] = '\0';
    if (!text) return;
    const char *keep = text;
    for (const char *p = text; p < text + len; p++)
        if (*p == '\n' && p + 1 < text + len && (strstr(p + 1, "ERROR") == p + 1 ||
                                                 strncmp(p + 1, "tcpsim:", 7) == 0 ||
                                                 memmem(p + 1, 80, "runtime error", 13)))
            keep = p + 1;
    snprintf(buf, size, "%.*s", (int)(text + len - keep), keep);
    free(text);
    one_line(buf);
}

/* Runs one scenario text in a child process and judges it. */
static struct probe_result probe(const struct swarm_options *o, const char *text, const char *file,
                                 const char *scratch, bool rerun)
{
    outfile_remove_tree(scratch);
    mkdir(scratch, 0777);
    char errpath[4200];
    snprintf(errpath, sizeof errpath, "%s.stderr", scratch);
    int fds[2];
    if (pipe(fds) != 0) return verdict(V_RUN_ERROR, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return verdict(V_RUN_ERROR, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (e >= 0) dup2(e, STDERR_FILENO);
        struct probe_result r = check_in_child(o, text, file, scratch, rerun);
        (void)!write(fds[1], &r, sizeof r);
        _exit(0);
    }
    close(fds[1]);
    struct probe_result r;
    size_t got = 0;
    ssize_t n;
    while (got < sizeof r && (n = read(fds[0], (char *)&r + got, sizeof r - got)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        got += (size_t)n;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    char tail[300];
    stderr_tail(errpath, tail, sizeof tail);
    unlink(errpath);
    outfile_remove_tree(scratch);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == sizeof r) return r;
    if (WIFSIGNALED(status)) return verdict(V_CRASH, "killed by signal %d: %s", WTERMSIG(status), tail);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == SANITIZER_EXIT) return verdict(V_SANITIZER, "%s", tail);
    if (code == 3) return verdict(V_INVARIANT, "%s", tail);
    if (code == SCHED_EXIT_RESOURCE) return verdict(V_RESOURCE, "%s", tail);
    return verdict(V_CRASH, "exit status %d: %s", code, tail);
}

/* ---- shrinking: delta debugging (Zeller's ddmin) over steps and world events ---- */

struct lines {
    char **line;
    size_t count;
    bool *removable;        /* a step inside a process, or an `at` line */
};

static void split_lines(const char *text, struct lines *l)
{
    *l = (struct lines){ 0 };
    size_t cap = 0;
    int depth = 0;          /* 0 outside processes, 1 in a process, more in repeats */
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (l->count == cap) {
            cap = cap ? 2 * cap : 64;
            l->line = realloc(l->line, cap * sizeof *l->line);
            l->removable = realloc(l->removable, cap * sizeof *l->removable);
            if (!l->line || !l->removable) sched_out_of_memory();
        }
        char *line = strndup(p, len);
        if (!line) sched_out_of_memory();
        const char *word = line + strspn(line, " \t");
        bool opens_process = strncmp(word, "process ", 8) == 0;
        bool opens_repeat = strncmp(word, "repeat ", 7) == 0;
        bool closes = strcmp(word, "end") == 0;
        bool removable = strncmp(word, "at ", 3) == 0 || (depth > 0 && !(closes && depth == 1));
        if (opens_process) depth = 1;
        else if (opens_repeat && depth > 0) depth++;
        else if (closes && depth > 0) depth--;
        l->line[l->count] = line;
        l->removable[l->count++] = removable;
        p = end ? end + 1 : p + len;
    }
}

static void free_lines(struct lines *l)
{
    for (size_t i = 0; i < l->count; i++) free(l->line[i]);
    free(l->line);
    free(l->removable);
}

/* The text with removable line k kept iff keep[k] (k counts removable lines only). */
static char *join_kept(const struct lines *l, const bool *keep)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f) sched_out_of_memory();
    for (size_t i = 0, k = 0; i < l->count; i++) {
        bool kept = !l->removable[i] || keep[k];
        k += l->removable[i];
        if (kept) fprintf(f, "%s\n", l->line[i]);
    }
    if (fclose(f) != 0) sched_out_of_memory();
    return text;
}

struct shrinker {
    const struct swarm_options *o;
    const struct lines *lines;
    const char *file, *scratch;
    enum verdict target;
    unsigned probes;
};

static bool still_fails(struct shrinker *s, const bool *keep)
{
    if (s->probes >= MAX_SHRINK_PROBES) return false;
    s->probes++;
    char *text = join_kept(s->lines, keep);
    struct probe_result r = probe(s->o, text, s->file, s->scratch, s->target == V_NONDETERMINISTIC);
    free(text);
    return r.verdict == s->target;
}

/* ddmin: try removing each of n chunks of what is kept, then keeping only one chunk; on success
 * start over coarser, else refine. Returns the minimal text found. */
static char *shrink(const struct swarm_options *o, const char *text, const char *file,
                    const char *scratch, enum verdict target, unsigned *probes)
{
    struct lines l;
    split_lines(text, &l);
    size_t m = 0;
    for (size_t i = 0; i < l.count; i++) m += l.removable[i];
    bool *keep = malloc((m ? m : 1) * sizeof *keep), *trial = malloc((m ? m : 1) * sizeof *trial);
    if (!keep || !trial) sched_out_of_memory();
    for (size_t i = 0; i < m; i++) keep[i] = true;
    struct shrinker s = { o, &l, file, scratch, target, 0 };
    size_t chunks = 2;
    for (;;) {
        size_t kept = 0;
        for (size_t i = 0; i < m; i++) kept += keep[i];
        if (kept == 0 || s.probes >= MAX_SHRINK_PROBES) break;
        if (chunks > kept) chunks = kept;
        bool progressed = false;
        for (size_t c = 0; c < chunks && !progressed; c++) {
            /* complement: drop the c-th chunk of the kept lines */
            size_t lo = kept * c / chunks, hi = kept * (c + 1) / chunks, rank = 0;
            for (size_t i = 0; i < m; i++) {
                trial[i] = keep[i];
                if (keep[i] && rank >= lo && rank < hi) trial[i] = false;
                rank += keep[i];
            }
            if (still_fails(&s, trial)) {
                memcpy(keep, trial, m * sizeof *keep);
                progressed = true;
                chunks = chunks > 2 ? chunks - 1 : 2;
            }
        }
        if (progressed) continue;
        if (chunks >= kept) break;
        chunks = chunks * 2 < kept ? chunks * 2 : kept;
    }
    char *out = join_kept(&l, keep);
    *probes = s.probes;
    free(keep);
    free(trial);
    free_lines(&l);
    return out;
}

/* ---- workers ---- */

struct shard {
    const struct swarm_options *o;
    char dir[4096];             /* <out>/swarm */
    unsigned index, count;
    int result_fd;
};

static size_t count_text_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static void replay_options(const struct swarm_options *o, char *buf, size_t size)
{
    snprintf(buf, size, "--max-events %llu --max-output %llu --max-seconds %llu",
             (unsigned long long)o->budget.events, (unsigned long long)o->budget.output_bytes,
             (unsigned long long)o->budget.wall_seconds);
}

/* A failing seed: its scenario as generated and shrunk, in <out>/swarm/. */
static void keep_failure(const struct shard *sh, uint64_t seed, const char *text,
                         const struct probe_result *r, const char *scratch, char *files,
                         size_t size)
{
    char path[4300], min_path[4300], opts[160];
    snprintf(path, sizeof path, "%s/swarm-%llu.scn", sh->dir, (unsigned long long)seed);
    write_file(path, text);
    replay_options(sh->o, opts, sizeof opts);
    if (!sh->o->shrink || r->verdict == V_INVALID) {
        snprintf(files, size, "%s\treplay: tcpsim check %s %s", path, path, opts);
        return;
    }
    unsigned probes = 0;
    char *small = shrink(sh->o, text, path, scratch, r->verdict, &probes);
    snprintf(min_path, sizeof min_path, "%s/swarm-%llu-min.scn", sh->dir, (unsigned long long)seed);
    write_file(min_path, small);
    snprintf(files, size, "%s (shrunk from %zu to %zu lines in %u runs: %s)\treplay: tcpsim "
             "check %s %s", path, count_text_lines(text), count_text_lines(small), probes,
             min_path, min_path, opts);
    free(small);
}

static void run_seed(const struct shard *sh, uint64_t seed, const char *scratch)
{
    char *text = swarm_generate(seed), file[4300];
    snprintf(file, sizeof file, "%s/swarm-%llu.scn", sh->dir, (unsigned long long)seed);
    struct probe_result r = probe(sh->o, text, file, scratch, true);
    char files[16384] = "-\t-";
    if (r.verdict != V_OK) keep_failure(sh, seed, text, &r, scratch, files, sizeof files);
    one_line(r.detail);
    char line[4000];   /* below PIPE_BUF: one write, never interleaved with another worker's */
    int n = snprintf(line, sizeof line, "%llu\t%s", (unsigned long long)seed,
                     verdict_name(r.verdict));
    for (int d = 0; d < DEFECT_COUNT && n > 0 && (size_t)n < sizeof line; d++)
        n += snprintf(line + n, sizeof line - (size_t)n, "\t%zu", r.defects[d]);
    if (n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "\t%s\t%s\n",
                      r.detail[0] ? r.detail : "-", files);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) {
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    (void)!write(sh->result_fd, line, (size_t)n);
    free(text);
}

static void worker(const struct shard *sh)
{
    char scratch[4200];
    snprintf(scratch, sizeof scratch, "%s/.work-%u", sh->dir, sh->index);
    for (uint64_t seed = sh->o->first_seed + sh->index; seed <= sh->o->last_seed; seed += sh->count) {
        run_seed(sh, seed, scratch);
        if (seed > UINT64_MAX - sh->count) break;
    }
    outfile_remove_tree(scratch);
}

/* ---- the parent: results in seed order ---- */

struct result {
    char *line;             /* as the worker wrote it, or NULL */
};

static int collect(int fd, struct result *results, uint64_t first, uint64_t count)
{
    FILE *f = fdopen(fd, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long long seed = strtoull(line, NULL, 10);
        if (seed < first || seed - first >= count) continue;
        free(results[seed - first].line);
        results[seed - first].line = strdup(line);
    }
    free(line);
    fclose(f);
    return 0;
}

/* Field i (0-based, tab-separated) of a result line, copied into buf. */
static const char *field(const char *line, int i, char *buf, size_t size)
{
    const char *p = line;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, '\t');
        if (p) p++;
    }
    size_t len = p ? strcspn(p, "\t\n") : 0;
    snprintf(buf, size, "%.*s", (int)len, p ? p : "");
    return buf;
}

static int report(const struct swarm_options *o, const char *dir, struct result *results,
                  uint64_t count, FILE *out)
{
    char tsv[4300];
    snprintf(tsv, sizeof tsv, "%s/results-%llu-%llu.tsv", dir, (unsigned long long)o->first_seed,
             (unsigned long long)o->last_seed);
    FILE *t = fopen(tsv, "w");
    if (t) {
        fprintf(t, "seed\tverdict");
        for (int d = 0; d < DEFECT_COUNT; d++) fprintf(t, "\t%s", defect_name((enum lwip_defect)d));
        fprintf(t, "\tdetail\tscenario\treplay\n");
    }
    uint64_t ran = 0, ok = 0, with_defect = 0, missing = 0, defects[DEFECT_COUNT] = { 0 };
    int failures = 0;
    char v[64], num[32], detail[400], files[4000], replay[4000];
    for (uint64_t i = 0; i < count; i++) {
        const char *line = results[i].line;
        if (!line) {
            missing++;
            continue;
        }
        ran++;
        if (t) fputs(line, t);
        bool any_defect = false;
        for (int d = 0; d < DEFECT_COUNT; d++) {
            uint64_t n = strtoull(field(line, 2 + d, num, sizeof num), NULL, 10);
            defects[d] += n != 0;
            any_defect |= n != 0;
        }
        with_defect += any_defect;
        if (strcmp(field(line, 1, v, sizeof v), "ok") == 0) {
            ok++;
            continue;
        }
        failures++;
        fprintf(out, "seed %llu: %s: %s\n  scenario: %s\n  %s\n",
                (unsigned long long)(o->first_seed + i), v,
                field(line, 2 + DEFECT_COUNT, detail, sizeof detail),
                field(line, 3 + DEFECT_COUNT, files, sizeof files),
                field(line, 4 + DEFECT_COUNT, replay, sizeof replay));
    }
    if (t) fclose(t);
    fprintf(out, "swarm: seeds %llu..%llu: %llu runs, %llu ok, %d failure%s%s; lwIP defects "
                 "reported (documented, not failures) in %llu runs:",
            (unsigned long long)o->first_seed, (unsigned long long)o->last_seed,
            (unsigned long long)ran, (unsigned long long)ok, failures, failures == 1 ? "" : "s",
            missing ? " (some seeds gave no result)" : "", (unsigned long long)with_defect);
    for (int d = 0; d < DEFECT_COUNT; d++)
        fprintf(out, " %s (%s) %llu", defect_function((enum lwip_defect)d),
                defect_name((enum lwip_defect)d), (unsigned long long)defects[d]);
    fprintf(out, "\nresults: %s\n", tsv);
    return failures + (missing ? 1 : 0);
}

static unsigned worker_count(const struct swarm_options *o, uint64_t seeds)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t n = o->jobs ? o->jobs : (cores > 0 ? (uint64_t)cores : 1);
    return (unsigned)(n < seeds ? n : seeds);
}

int swarm_run(const struct swarm_options *o, FILE *out, char *err, size_t err_size)
{
    uint64_t count = o->last_seed - o->first_seed + 1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/swarm", o->out_dir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (count > 100000000) {
        snprintf(err, err_size, "at most 100000000 seeds per shard");
        return -1;
    }
    struct result *results = calloc(count, sizeof *results);
    int fds[2];
    if (!results || pipe(fds) != 0) {
        free(results);
        snprintf(err, err_size, "cannot start: %s", strerror(errno));
        return -1;
    }
    unsigned jobs = worker_count(o, count);
    fflush(NULL);
    for (unsigned i = 0; i < jobs; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            struct shard sh = { .o = o, .index = i, .count = jobs, .result_fd = fds[1] };
            snprintf(sh.dir, sizeof sh.dir, "%s", dir);
            worker(&sh);
            _exit(0);
        }
        if (pid < 0) fprintf(out, "swarm: worker %u not started: %s\n", i, strerror(errno));
    }
    close(fds[1]);
    collect(fds[0], results, o->first_seed, count);
    while (wait(NULL) > 0 || errno == EINTR) {}
    int failures = report(o, dir, results, count, out);
    for (uint64_t i = 0; i < count; i++) free(results[i].line);
    free(results);
    return failures;
}
