/*
 * closeout.c — the last thing every dsim command does: make sure what it printed
 * reached standard output (see cli.h, sim_close_stdout).
 */
#include "cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

int sim_close_stdout(int rc)
{
    /* A stream error set earlier (a full disk, a closed pipe) or one the last
     * flush or the close reports: the output is short, whatever the command said. */
    errno = 0;
    bool bad = ferror(stdout) != 0;
    int saved = errno;
    if (fflush(stdout) != 0) {
        bad = true;
        saved = errno;
    }
    if (fclose(stdout) != 0 && !bad) {
        bad = true;
        saved = errno;
    }
    if (!bad)
        return rc;
    if (rc == SIM_EXIT_OK || rc == SIM_EXIT_FAIL) {
        fprintf(stderr, "dsim: cannot write standard output%s%s\n", saved ? ": " : "",
                saved ? strerror(saved) : "");
        return SIM_EXIT_USAGE;
    }
    return rc; /* the command failed already and said why */
}
