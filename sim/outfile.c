/* outfile — see outfile.h. */
#define _GNU_SOURCE
#include "outfile.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int outfile_open(struct outfile *o, const char *path)
{
    *o = (struct outfile){ 0 };
    if (asprintf(&o->tmp_path, "%s.tmp", path) < 0) {
        o->tmp_path = NULL;
        return -1;
    }
    o->path = strdup(path);
    if (o->path) o->f = fopen(o->tmp_path, "wb");
    if (!o->f) {
        int saved = errno;
        outfile_discard(o);
        errno = saved;
        return -1;
    }
    return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t err_size)
{
    if (!o->f) return 0;
    int bad = ferror(o->f);
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (bad || rename(o->tmp_path, o->path) != 0) {
        snprintf(err, err_size, "%s: %s", o->path, errno ? strerror(errno) : "write error");
        remove(o->tmp_path);
        return -1;
    }
    return 0;
}

void outfile_discard(struct outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        remove(o->tmp_path);
    }
    free(o->path);
    free(o->tmp_path);
    o->path = o->tmp_path = NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

int outfile_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
