/* bench_driver — one measurement of `make bench` per invocation (tests/bench/bench.sh runs it
 * several times and keeps min/median/max). Never part of the test suite: speed is measured,
 * never asserted. Each mode prints one line of "key=value" pairs on stdout:
 *
 *   bulk BYTES [DIR [stream]]
 *                      two hosts, one process sends BYTES to the other through lwIP; with DIR
 *                      every trace sink of the catalog writes into DIR (full tracing: the events
 *                      are also kept in memory, as for a scenario's expectations; with `stream`
 *                      they only go to the files), without it nothing is recorded
 *   loopback BYTES     the same bytes between two threads over Linux TCP on 127.0.0.1
 *   memcpy BYTES       memcpy bandwidth in 64 KiB chunks (the ceiling for moving bytes)
 *   scale N            N concurrent connections: connect, 100 B each way, close
 *   scenario FILE      one catalog scenario with no sink at all: the simulation alone
 *   exec CMD ARGS...   run a command; its wall time, peak RSS and page faults
 *
 * Wall time comes from CLOCK_MONOTONIC (the benchmark may read the clock; the simulator never
 * does), peak RSS from getrusage. */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the libc headers: sim/sched.h renames sched_yield, which <pthread.h> declares. */
#include "proc.h"
#include "scenario.h"
#include "scenario_run.h"
#include "world.h"

/* Without full tracing nothing is kept (trace_set_recording); BENCH_RECORD_ALL=1 at build time
 * gives the behaviour of builds before the switch existed. */
#ifdef BENCH_RECORD_ALL
#define BENCH_RECORDING_OFF(w, dir) ((void)(w), (void)(dir))
#else
#define BENCH_RECORDING_OFF(w, dir) trace_set_recording(world_trace(w), (dir) != NULL)
#endif

#define CHUNK (64 * 1024)
#define PORT 7000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* CPU time of this process (user + system): on a shared machine, wall time includes waiting. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void fill_pattern(char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) buf[i] = (char)('a' + i % 26);
}

/* ---- bulk through the simulator ---- */

static unsigned long long bulk_bytes;

static void bulk_server(struct proc *p, void *arg)
{
    (void)arg;
    static char buf[CHUNK];
    int l = proc_socket(p);
    proc_bind(p, l, NULL, PORT);
    proc_listen(p, l, 1);
    int c = proc_accept(p, l);
    unsigned long long got = 0;
    long n;
    while ((n = proc_recv(p, c, buf, sizeof buf, 0)) > 0) got += (unsigned long long)n;
    if (got != bulk_bytes) fprintf(stderr, "bulk: received %llu of %llu\n", got, bulk_bytes);
    proc_close(p, c);
    proc_close(p, l);
}

static void bulk_client(struct proc *p, void *arg)
{
    (void)arg;
    static char buf[CHUNK];
    fill_pattern(buf, sizeof buf);
    int s = proc_socket(p);
    proc_connect(p, s, "10.0.0.2", PORT);
    for (unsigned long long sent = 0; sent < bulk_bytes;) {
        size_t want = bulk_bytes - sent < CHUNK ? (size_t)(bulk_bytes - sent) : CHUNK;
        long n = proc_send(p, s, buf, want, 0);
        if (n <= 0) break;
        sent += (unsigned long long)n;
    }
    proc_close(p, s);
}

static void add_sinks(struct trace *t, const char *dir)
{
    static const struct { const char *file; struct trace_sink *(*make)(const char *); } out[] = {
        { "timeline.txt", trace_text_new }, { "timeline.jsonl", trace_jsonl_new },
        { "capture.pcap", trace_pcap_new }, { "states.dot", trace_dot_new },
    };
    mkdir(dir, 0777);
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, out[i].file);
        struct trace_sink *s = out[i].make(path);
        if (!s) {
            fprintf(stderr, "bench: cannot open %s\n", path);
            exit(2);
        }
        trace_add_sink(t, s);
    }
}

static struct world *bench_world(void)
{
    struct world_config cfg = world_config_default();
    cfg.scenario = "bench";
    cfg.link.bandwidth_bps = 0;   /* unlimited: the simulator, not the link, sets the pace */
    return world_new(&cfg);
}

static int mode_bulk(unsigned long long bytes, const char *dir, bool stream)
{
    bulk_bytes = bytes;
    double t0 = now_s();
    struct world *w = bench_world();
    BENCH_RECORDING_OFF(w, dir);
    if (stream) trace_set_recording(world_trace(w), false);
    if (dir) add_sinks(world_trace(w), dir);
    struct host *srv = world_add_host(w, "server", "10.0.0.2");
    struct host *cli = world_add_host(w, "client", "10.0.0.1");
    host_spawn(srv, "sink", 0, bulk_server, NULL);
    host_spawn(cli, "source", 1000, bulk_client, NULL);
    enum run_result r = world_run(w, SCHED_FOREVER);
    char err[256] = "";
    if (dir && trace_finish(world_trace(w), err, sizeof err) != 0) fprintf(stderr, "%s\n", err);
    uint64_t virt = sched_now_us();
    world_free(w);
    double wall = now_s() - t0;
    printf("wall_s=%.6f gbit_s=%.4f peak_rss_kib=%ld virtual_s=%.6f result=%d\n", wall,
           (double)bytes * 8 / wall / 1e9, peak_rss_kib(), (double)virt / 1e6, (int)r);
    return 0;
}

/* ---- the same bytes over Linux loopback ---- */

struct loop_arg { int fd; unsigned long long bytes; };

static void *loop_reader(void *arg)
{
    struct loop_arg *a = arg;
    static char buf[CHUNK];
    unsigned long long got = 0;
    ssize_t n;
    while ((n = recv(a->fd, buf, sizeof buf, 0)) > 0) got += (unsigned long long)n;
    a->bytes = got;
    return NULL;
}

static int mode_loopback(unsigned long long bytes)
{
    static char buf[CHUNK];
    fill_pattern(buf, sizeof buf);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&sa, &len) != 0) {
        perror("loopback");
        return 2;
    }
    double t0 = now_s();
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        return 2;
    }
    struct loop_arg a = { .fd = accept(l, NULL, NULL) };
    pthread_t th;
    pthread_create(&th, NULL, loop_reader, &a);
    for (unsigned long long sent = 0; sent < bytes;) {
        size_t want = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
        ssize_t n = send(c, buf, want, 0);
        if (n <= 0) break;
        sent += (unsigned long long)n;
    }
    close(c);
    pthread_join(th, NULL);
    double wall = now_s() - t0;
    close(a.fd);
    close(l);
    printf("wall_s=%.6f gbit_s=%.4f peak_rss_kib=%ld\n", wall, (double)bytes * 8 / wall / 1e9,
           peak_rss_kib());
    return a.bytes == bytes ? 0 : 1;
}

static int mode_memcpy(unsigned long long bytes)
{
    char *src = malloc(CHUNK), *dst = malloc(CHUNK);
    fill_pattern(src, CHUNK);
    double t0 = now_s();
    for (unsigned long long done = 0; done < bytes; done += CHUNK) {
        memcpy(dst, src, CHUNK);
        __asm__ volatile("" : : "r"(dst) : "memory");
    }
    double wall = now_s() - t0;
    printf("wall_s=%.6f gbit_s=%.4f\n", wall, (double)bytes * 8 / wall / 1e9);
    free(src);
    free(dst);
    return 0;
}

/* ---- N concurrent connections ---- */

/* The run ends at about 120.3 s of virtual time (the server's TIME_WAITs, 2 x TCP_MSL); a
 * connection that never came (a refused connect) leaves the server in accept with idle
 * connections whose timers tick forever: the horizon bounds that run and it is reported. */
#define SCALE_HORIZON_US (300ull * 1000000)

static int scale_n, scale_connect_failed, scale_answered;

static void scale_server(struct proc *p, void *arg)
{
    (void)arg;
    char buf[100];
    proc_set_fd_limit(p, scale_n + 8);
    int *fds = malloc((size_t)scale_n * sizeof *fds);
    int l = proc_socket(p);
    proc_bind(p, l, NULL, PORT);
    proc_listen(p, l, scale_n);
    for (int i = 0; i < scale_n; i++) fds[i] = proc_accept(p, l);
    for (int i = 0; i < scale_n; i++) {
        if (fds[i] < 0) continue;
        proc_recv(p, fds[i], buf, sizeof buf, 0);
        memset(buf, 'S', sizeof buf);
        if (proc_send(p, fds[i], buf, sizeof buf, 0) == (long)sizeof buf) scale_answered++;
        proc_close(p, fds[i]);
    }
    proc_close(p, l);
    free(fds);
}

static void scale_client(struct proc *p, void *arg)
{
    (void)arg;
    char buf[100];
    memset(buf, 'C', sizeof buf);
    int s = proc_socket(p);
    if (proc_connect(p, s, "10.0.0.2", PORT) == 0) {
        proc_send(p, s, buf, sizeof buf, 0);
        proc_recv(p, s, buf, sizeof buf, 0);
    } else {
        scale_connect_failed++;
    }
    proc_close(p, s);
}

static int mode_scale(int n)
{
    scale_n = n;
    double t0 = now_s();
    struct world *w = bench_world();
    BENCH_RECORDING_OFF(w, NULL);
    struct host *srv = world_add_host(w, "server", "10.0.0.2");
    struct host *cli = world_add_host(w, "client", "10.0.0.1");
    host_spawn(srv, "server", 0, scale_server, NULL);
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%d", i);
        host_spawn(cli, name, 1000 + (uint64_t)i * 10, scale_client, NULL);
    }
    enum run_result r = world_run(w, SCALE_HORIZON_US);
    uint64_t virt = sched_now_us();
    world_free(w);
    double wall = now_s() - t0;
    printf("wall_s=%.6f cpu_s=%.6f per_conn_us=%.2f peak_rss_kib=%ld virtual_s=%.6f result=%d "
           "connect_failed=%d answered=%d\n", wall, cpu_s(), wall * 1e6 / n, peak_rss_kib(),
           (double)virt / 1e6, (int)r, scale_connect_failed, scale_answered);
    return r == RUN_IDLE ? 0 : 1;
}

static int mode_scenario(const char *path)
{
    char err[1024];
    double t0 = now_s();
    struct scenario *sc = scenario_load(path, err, sizeof err);
    if (!sc) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    /* as tcpsim runs it (run_dir.c): the small instance family, the default one when a bound
     * of the small one was reached */
    struct world_config cfg = scenario_world_config(sc);
    cfg.pools = WORLD_POOLS_SMALL;
    cfg.stop_at_bound = true;
    struct world *w;
    struct scenario_runner *r;
    enum run_result res;
    for (;;) {
        w = world_new(&cfg);   /* recording on: the expectations read the trace */
        r = scenario_runner_new(sc, w, err, sizeof err);
        if (!r) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        res = world_run(w, 4ull * 3600 * 1000000);
        if (cfg.pools == WORLD_POOLS_DEFAULT || !world_bound_reached(w)) break;
        scenario_runner_free(r);
        world_free(w);
        cfg.pools = WORLD_POOLS_DEFAULT;
        cfg.stop_at_bound = false;
    }
    uint64_t virt = sched_now_us();
    size_t checked = 0, failed = scenario_runner_check(r, res, NULL, &checked);
    scenario_runner_free(r);
    world_free(w);
    scenario_free(sc);
    double wall = now_s() - t0;
    printf("wall_s=%.6f virtual_s=%.6f failed=%zu peak_rss_kib=%ld\n", wall, (double)virt / 1e6,
           failed, peak_rss_kib());
    return 0;
}

static int mode_exec(char **argv)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);   /* only this line on stdout */
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return 2;
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("wall_s=%.6f cpu_s=%.6f peak_rss_kib=%ld minflt=%ld majflt=%ld status=%d\n",
           now_s() - t0, cpu, ru.ru_maxrss, ru.ru_minflt, ru.ru_majflt,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_driver bulk|loopback|memcpy BYTES [DIR] | scale N\n");
        return 2;
    }
    if (strcmp(argv[1], "exec") == 0) return mode_exec(argv + 2);
    if (strcmp(argv[1], "scenario") == 0) return mode_scenario(argv[2]);
    unsigned long long v = strtoull(argv[2], NULL, 10);
    if (strcmp(argv[1], "bulk") == 0)
        return mode_bulk(v, argc > 3 ? argv[3] : NULL, argc > 4 && strcmp(argv[4], "stream") == 0);
    if (strcmp(argv[1], "loopback") == 0) return mode_loopback(v);
    if (strcmp(argv[1], "memcpy") == 0) return mode_memcpy(v);
    if (strcmp(argv[1], "scale") == 0) return mode_scale((int)v);
    fprintf(stderr, "bench_driver: unknown mode %s\n", argv[1]);
    return 2;
}
