/*
 * outfile.h — output files that are whole or absent.
 *
 * sim_outfile_open() writes to "PATH.tmp.<pid>" beside the final name;
 * sim_outfile_commit() flushes, fsyncs, checks for write errors and renames it
 * into place; sim_outfile_abort() removes the temporary. A process killed
 * part-way leaves no partial file under the final name. A path that exists and
 * is not a regular file (/dev/stdout, a FIFO) is written in place instead: it is
 * never replaced by a regular file.
 */
#ifndef DSIM_OUTFILE_H
#define DSIM_OUTFILE_H

#include <stdio.h>

#include "scenario.h"

typedef struct sim_outfile {
    FILE *f;          /* write here */
    char *path;       /* final name (owned) */
    char *tmp;        /* temporary name (owned) */
} sim_outfile;

/* Opens a temporary beside `path`. Returns 0, or -1 with err ("cannot write PATH: ..."). */
int sim_outfile_open(sim_outfile *o, const char *path, sim_error *err);

/* Flushes, fsyncs, renames. Returns 0, or -1 with err (a write error, a full disk);
 * on error the temporary is removed and nothing appears under the final name. */
int sim_outfile_commit(sim_outfile *o, sim_error *err);

/* Closes and removes the temporary. Safe to call on a committed or zeroed outfile. */
void sim_outfile_abort(sim_outfile *o);

/* Writes a whole buffer to path atomically. Returns 0 or -1 (err). */
int sim_outfile_write(const char *path, const void *data, size_t len, sim_error *err);

#endif
