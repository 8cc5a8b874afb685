/* measured — see measured.h. */
#define _GNU_SOURCE
#include "measured.h"

#include "signature.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void measured_open(struct measured *m, const char *root)
{
    snprintf(m->root, sizeof m->root, "%s", root);
    m->kernel[0] = '\0';
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, m->kernel) > 0)
            snprintf(m->kernel, sizeof m->kernel, "%.127s", e->d_name);
    if (d) closedir(d);
}

/* <id>.sig, or with unstable set <id>.unstable (one run of a timing-dependent scenario). */
static char *load(const struct measured *m, const char *id, bool unstable)
{
    if (!m->kernel[0]) return NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s.%s", m->root, m->kernel, id, unstable ? "unstable" : "sig");
    return signature_load(path);
}

char *measured_signature(const struct measured *m, const char *id) { return load(m, id, false); }

const char *measured_verdict(const struct measured *m, const char *id, char *buf, size_t size)
{
    buf[0] = '\0';
    char path[512], line[2048];
    snprintf(path, sizeof path, "%s/%s/articles.txt", m->root, m->kernel);
    FILE *f = m->kernel[0] ? fopen(path, "r") : NULL;
    size_t id_len = strlen(id);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, id, id_len) != 0 || line[id_len] != ':') continue;
        const char *text = line + id_len + 1;
        while (*text == ' ') text++;
        snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
        break;
    }
    if (f) fclose(f);
    return buf;
}

void measured_compare(const struct measured *m, const struct scenario *s, const char *lwip_sig,
                      const char *why_unsupported, char *cell, size_t cell_size, char *diff,
                      size_t diff_size)
{
    diff[0] = '\0';
    char *linux_sig = measured_signature(m, s->id);
    bool unstable = !linux_sig && (linux_sig = load(m, s->id, true));
    char link[300];
    if (unstable)
        snprintf(link, sizeof link, "; timing-dependent, the runs differed: [one run's signature]"
                 "(linux/%s/%s.unstable)", m->kernel, s->id);
    else
        snprintf(link, sizeof link, "; [signature](linux/%s/%s.sig)", m->kernel, s->id);
    if (why_unsupported) {
        snprintf(cell, cell_size, "not run: %s", why_unsupported);
    } else if (!linux_sig) {
        snprintf(cell, cell_size, "not measured yet");
    } else if (!lwip_sig) {
        snprintf(cell, cell_size, "measured%s", link);
    } else {
        size_t n = signature_compare_calls(lwip_sig, linux_sig, diff, diff_size);
        if (n == 0)
            snprintf(cell, cell_size, "the same calls, results and process endings as lwIP%s", link);
        else
            snprintf(cell, cell_size, "differs from lwIP in %zu process%s (below)%s", n,
                     n == 1 ? "" : "es", link);
    }
    free(linux_sig);
}
