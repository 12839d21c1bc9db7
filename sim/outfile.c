/* outfile.c — atomic output files (see outfile.h). */
#include "outfile.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sim_outfile_open(sim_outfile *o, const char *path, sim_error *err)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device, a FIFO (/dev/stdout, a pipe): written in place, never replaced */
        FILE *f = S_ISDIR(st.st_mode) ? NULL : fopen(path, "wb");
        if (!f) {
            sim_error_add(err, "%s: cannot write: %s", path,
                          S_ISDIR(st.st_mode) ? "it is a directory" : strerror(errno));
            return -1;
        }
        o->f = f;
        o->path = sim_xstrdup(path);
        return 0;
    }
    size_t n = strlen(path) + 64;
    char *tmp = sim_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        sim_error_add(err, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    o->f = f;
    o->path = sim_xstrdup(path);
    o->tmp = tmp;
    return 0;
}

static void outfile_release(sim_outfile *o)
{
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}

int sim_outfile_commit(sim_outfile *o, sim_error *err)
{
    if (!o->f)
        return -1;
    int bad = ferror(o->f) || fflush(o->f) != 0;
    int e = errno;
    if (!bad && fsync(fileno(o->f)) != 0 && errno != EINVAL && errno != EROFS) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (bad) {
        sim_error_add(err, "%s: write failed: %s", o->path, strerror(e ? e : EIO));
        if (o->tmp)
            remove(o->tmp);
        outfile_release(o);
        return -1;
    }
    if (!o->tmp) { /* written in place */
        outfile_release(o);
        return 0;
    }
    if (rename(o->tmp, o->path) != 0) {
        sim_error_add(err, "%s: cannot rename into place: %s", o->path, strerror(errno));
        remove(o->tmp);
        outfile_release(o);
        return -1;
    }
    outfile_release(o);
    return 0;
}

void sim_outfile_abort(sim_outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp)
        remove(o->tmp);
    outfile_release(o);
}

int sim_outfile_write(const char *path, const void *data, size_t len, sim_error *err)
{
    sim_outfile o;
    if (sim_outfile_open(&o, path, err) != 0)
        return -1;
    if (len && fwrite(data, 1, len, o.f) != len) {
        sim_error_add(err, "%s: write failed: %s", path, strerror(errno));
        sim_outfile_abort(&o);
        return -1;
    }
    return sim_outfile_commit(&o, err);
}
