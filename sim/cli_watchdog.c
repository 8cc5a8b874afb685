/* cli_watchdog — see cli_watchdog.h. */
#define _GNU_SOURCE
#include "cli_watchdog.h"

#include "budget.h"
#include "sched.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define WATCHDOG_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define WATCHDOG_SANITIZED 1
#endif
#endif

/* Everything the handlers touch is prepared before arming: paths as fixed arrays. */
static struct {
    char dir[4096];
    char paths[2 * WATCHDOG_MAX_FILES][4200];
    int path_count;
    uint64_t wall_seconds;
    bool progress;
} W;

static volatile sig_atomic_t armed, seconds, progress_due;

void watchdog_remove_files(void)
{
    if (!W.dir[0]) return;
    for (int i = 0; i < W.path_count; i++) unlink(W.paths[i]);
    rmdir(W.dir);
}

static void say(const char *s) { (void)!write(STDERR_FILENO, s, strlen(s)); }

static void on_tick(int sig)
{
    (void)sig;
    if (!armed) return;
    seconds++;
    if (W.progress) progress_due = 1;
    if (!W.wall_seconds || (uint64_t)seconds < W.wall_seconds) return;
    budget_wall_expired();
    if ((uint64_t)seconds < W.wall_seconds + WATCHDOG_GRACE_SECONDS) return;
    /* The run did not come back to the scheduler: it is stuck where no budget is counted. */
    watchdog_remove_files();
    say("tcpsim: the wall-seconds budget ran out and the run did not stop within "
        "5 s (stuck inside one step); no output written. Raise it with --max-seconds N.\n");
    _exit(SCHED_EXIT_RESOURCE);
}

static void on_fatal(int sig)
{
    watchdog_remove_files();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

void watchdog_arm(const char *dir, const char *const *files, int file_count,
                  uint64_t wall_seconds, bool progress)
{
    snprintf(W.dir, sizeof W.dir, "%s", dir);
    W.path_count = 0;
    for (int i = 0; i < file_count && i < WATCHDOG_MAX_FILES; i++) {
        snprintf(W.paths[W.path_count++], sizeof W.paths[0], "%s/%s", dir, files[i]);
        snprintf(W.paths[W.path_count++], sizeof W.paths[0], "%s/%s.tmp", dir, files[i]);
    }
    W.wall_seconds = wall_seconds;
    W.progress = progress;
    seconds = 0;
    progress_due = 0;
    install(SIGINT, on_fatal, SA_RESETHAND);
    install(SIGTERM, on_fatal, SA_RESETHAND);
    install(SIGHUP, on_fatal, SA_RESETHAND);
#ifndef WATCHDOG_SANITIZED
    install(SIGSEGV, on_fatal, SA_RESETHAND);
    install(SIGBUS, on_fatal, SA_RESETHAND);
    install(SIGFPE, on_fatal, SA_RESETHAND);
    install(SIGILL, on_fatal, SA_RESETHAND);
    install(SIGABRT, on_fatal, SA_RESETHAND);
#endif
    armed = 1;
    if (!wall_seconds && !progress) return;
    install(SIGALRM, on_tick, SA_RESTART);
    struct itimerval tick = { { 1, 0 }, { 1, 0 } };
    setitimer(ITIMER_REAL, &tick, NULL);
}

void watchdog_disarm(void)
{
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    armed = 0;
    W.dir[0] = '\0';
    W.path_count = 0;
}

bool watchdog_progress_due(void)
{
    if (!progress_due) return false;
    progress_due = 0;
    return true;
}
