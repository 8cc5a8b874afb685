/* catalog — see catalog.h. */
#define _GNU_SOURCE
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_scenario_file(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".scn") == 0;
}

/* The .scn names of dir, sorted; NULL with err on failure. */
static char **list_files(const char *dir, size_t *count, char *err, size_t err_size)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_size, "%s: cannot open the scenario directory: %s", dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_scenario_file(e->d_name)) continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown) break;
        names = grown;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, compare_names);
    *count = n;
    return names ? names : calloc(1, sizeof *names);
}

static const struct scenario *find_id(const struct catalog *c, const char *id)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->items[i]->id, id) == 0) return c->items[i];
    return NULL;
}

int catalog_load(struct catalog *c, const char *dir, char *err, size_t err_size)
{
    *c = (struct catalog){ 0 };
    size_t n = 0;
    char **names = list_files(dir, &n, err, err_size);
    if (!names) return -1;
    c->items = calloc(n ? n : 1, sizeof *c->items);
    int rc = c->items ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct scenario *s = scenario_load(path, err, err_size);
        const struct scenario *other = s ? find_id(c, s->id) : NULL;
        if (other) {
            snprintf(err, err_size, "%s:1:1: error: duplicate scenario id '%s', already used by %s",
                     path, s->id, other->file);
            scenario_free(s);
            s = NULL;
        }
        if (!s) rc = -1;
        else c->items[c->count++] = s;
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (rc != 0) catalog_free(c);
    return rc;
}

const struct scenario *catalog_find(const struct catalog *c, const char *id) { return find_id(c, id); }

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->count; i++) scenario_free(c->items[i]);
    free(c->items);
    *c = (struct catalog){ 0 };
}
