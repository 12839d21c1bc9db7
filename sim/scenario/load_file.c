/*
 * load_file.c — opening the files a scenario names (samples, traces).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load_internal.h"
#include "xalloc.h"

FILE *sim__open_input(sim__ld *ld, const char *name, const char *what, unsigned long long max_bytes,
                      char *path, size_t cap, long long *size)
{
    if (name[0] == '/' || !ld->dir || strcmp(ld->dir, ".") == 0)
        snprintf(path, cap, "%s", name);
    else
        snprintf(path, cap, "%s/%s", ld->dir, name);
    char safe[80];
    sim_safe_text(path, safe, sizeof safe);
    /* O_NONBLOCK: a FIFO must not hang the loader; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        sim__err(ld, "cannot read %s '%s': %s", what, safe, strerror(errno));
        return NULL;
    }
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fdopen(fd, "rb"))) {
        sim__err(ld, "cannot read %s '%s': not a regular file", what, safe);
        close(fd);
        return NULL;
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        sim__err(ld, "%s '%s' is %lld bytes, more than the %llu allowed", what, safe,
                 (long long)st.st_size, max_bytes);
        fclose(f);
        return NULL;
    }
    *size = (long long)st.st_size;
    char key[512];
    sim__path_str(ld, key, sizeof key);
    ld->inputs = sim_xgrow(ld->inputs, &ld->cap_inputs, ld->n_inputs + 1, sizeof *ld->inputs, 4);
    ld->inputs[ld->n_inputs++] = (sim_input){sim_xstrdup(key), sim_xstrdup(path)};
    return f;
}
