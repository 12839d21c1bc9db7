/*
 * outfile.h — output files that are whole or absent, also when dsim is stopped.
 *
 * sim_outfile_open() writes to "PATH.tmp.<pid>" beside the final name;
 * sim_outfile_commit() flushes, fsyncs, checks for write errors and renames it
 * into place; sim_outfile_abort() removes the temporary. A process killed
 * part-way leaves no partial file under the final name. A path that exists and
 * is not a regular file (/dev/stdout, a FIFO) is written in place instead: it is
 * never replaced by a regular file.
 *
 * Stopped by SIGINT, SIGTERM or SIGPIPE, dsim removes every temporary still open
 * — except a stream marked with sim_outfile_keep_on_signal(), which is cut at its
 * last checkpoint (so it holds whole units only) and renamed into place — says on
 * stderr what it kept and removed, and dies of the same signal (exit status
 * 128 + signal number). A signal that was ignored when dsim started stays
 * ignored. SIGKILL cannot be caught: it leaves the temporaries.
 */
#ifndef DSIM_OUTFILE_H
#define DSIM_OUTFILE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sim_error.h"

typedef struct sim_outfile {
    FILE *f;          /* write here */
    char *path;       /* final name (owned) */
    char *tmp;        /* temporary name (owned) */
    int slot;         /* 1 + its entry in the signal clean-up list, or 0 */
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

/* Marks o (open) as a stream of `total` units named `unit` ("runs"): stopped by a
 * signal, dsim keeps what o holds at its last checkpoint under the final name,
 * and says "kept PATH: the first K of TOTAL UNIT". Without a checkpoint with
 * K > 0 the temporary is removed. `unit` is copied (up to 63 bytes). */
void sim_outfile_keep_on_signal(sim_outfile *o, const char *unit, size_t total);

/* A text (up to 15 bytes, copied) that a kept stream gets after its cut, so
 * that a file whose writer adds it at the end (the tail of a JSON document) is
 * whole when a signal cuts it too. */
void sim_outfile_keep_tail(sim_outfile *o, const char *tail);

/* Flushes o and records that what it holds now is `units` whole units. Returns 0,
 * or -1 when the flush fails (the error is reported again by the commit). */
int sim_outfile_checkpoint(sim_outfile *o, size_t units);

/* A line (up to 1 KB, copied) that dsim prints on stderr when a signal stops it,
 * after what it kept: e.g. how to continue. NULL removes it. */
void sim_outfile_signal_note(const char *text);

/* What a signal does to the outputs, for a stop that is no signal (the
 * allocator's refusal, sim_oom): every open temporary is kept to its checkpoint
 * or removed, and stderr says "dsim: stopped by WHY" and what was kept. The
 * caller then ends the process. */
void sim_outfile_stop(const char *why);

/* Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread, saving the old mask
 * in *saved: threads created meanwhile inherit the block, so the signals reach
 * the thread that writes the outputs. sim_signals_restore() undoes it. */
void sim_signals_block(sigset_t *saved);
void sim_signals_restore(const sigset_t *saved);

/* An anonymous temporary file in folder `dir` (or the system's temporary folder
 * when dir is NULL or cannot hold one), open for writing and reading back. It has
 * no name: it disappears when closed or when the process ends, however it ends.
 * Returns NULL with errno set. */
FILE *sim_spool_open(const char *dir);

/* The folder part of path ("." for a bare name), in buf. Returns buf. */
char *sim_path_dir(const char *path, char *buf, size_t size);

/* The last component of path (path itself for a bare name). */
const char *sim_path_last(const char *path);

/* True when paths a and b name one file: the same file (device and inode) when
 * both exist; otherwise the same last component in the same folder (device and
 * inode, or the same text when a folder does not exist). An output that would
 * replace an input is refused with it (e.g. "-o is the input log"). */
bool sim_path_same(const char *a, const char *b);

/* True when outputs a and b would replace each other: sim_path_same, except
 * that two outputs may share a character device (/dev/null), which is written
 * in place and never replaced. */
bool sim_outputs_clash(const char *a, const char *b);

#endif
