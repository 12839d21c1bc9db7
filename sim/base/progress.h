/*
 * progress.h — the one progress reporter of dsim's long commands (run, check,
 * sweep, tune, hunt): how much of the work is done, on stderr only.
 *
 * Workers count units of work (utterances, runs) with sim_progress_add, an
 * atomic add and nothing else: no clock read, no lock, no system call. One
 * thread of the reporter's own wakes every period, reads the counter and the
 * clock, and prints:
 *   - on a terminal (stderr is a tty and TERM is not "dumb"): one live line
 *     rewritten in place every 250 ms, "run: 1234567/5000000 utterances (24%),
 *     61200/s, ETA 62 s", from the second period on;
 *   - otherwise (CI logs, a file): nothing in the first 5 periods (10 s), then a
 *     plain line each time another 10 % is done, or after 15 periods (30 s)
 *     without one, checked every 2 s; so work done within 10 s prints nothing.
 * Once a line was printed, sim_progress_end prints the last one, "run:
 * 5000000/5000000 utterances in 68.2 s (73300/s)", and ends it with a newline.
 * Nothing here reaches stdout or a file, and nothing here is read by the
 * simulation: results are the same with or without it.
 *
 * The period comes from DSIM_PROGRESS_INTERVAL_MS when it is set (a whole
 * number of milliseconds, 0 meaning 1 ms: for tests, to see lines from a short
 * run); it changes only what is printed on stderr.
 */
#ifndef DSIM_PROGRESS_H
#define DSIM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sim_progress sim_progress;

/*
 * Starts a reporter of `total` units named `unit` ("utterances") for the work
 * `label` ("run", "sweep"): its thread starts now. The unit "bytes" is shown in
 * MB (10^6 bytes, one decimal). A total of 0 is unknown until
 * sim_progress_set_total (if ever). quiet: no reporter at all,
 * returns NULL. Every function below takes NULL and then does nothing, so a
 * caller never tests whether progress is on. Labels are copied. Freed by
 * sim_progress_end.
 */
sim_progress *sim_progress_start(const char *label, const char *unit, uint64_t total, bool quiet);

/* Counts n more units done. Any thread, any time before sim_progress_end. */
void sim_progress_add(sim_progress *p, uint64_t n);

/* The total once it is known better (hunt stops at the first broken run, tune's
 * search before its budget). Any thread. */
void sim_progress_set_total(sim_progress *p, uint64_t total);

/* Stops the reporter's thread, prints the last line when a line was printed,
 * and frees p. From the thread that started it, after every sim_progress_add. */
void sim_progress_end(sim_progress *p);

/* Prints text (whole lines) on f, which may be the same terminal as stderr:
 * a live line there is blanked first and drawn again at the next period, so
 * the text never lands in the middle of it. p may be NULL (then only prints).
 * Any thread. */
void sim_progress_print(sim_progress *p, FILE *f, const char *text);

/* Whether a live line is on the terminal now (async-signal-safe: for a signal
 * handler, so that its message starts on a line of its own). */
int sim_progress_line_open(void);

/*
 * A worker's batch of counts, so that one utterance costs an increment: its
 * `pending` units go to the reporter every SIM_PROGRESS_BATCH (and at
 * sim_progress_batch_flush). `counted` is every unit ticked through it. Zero it
 * and set p (NULL: nothing counted, nothing stored).
 */
#define SIM_PROGRESS_BATCH 256u
typedef struct sim_progress_batch {
    sim_progress *p;
    uint64_t pending, counted;
} sim_progress_batch;

static inline void sim_progress_tick(sim_progress_batch *b)
{
    if (b->p && ++b->pending >= SIM_PROGRESS_BATCH) {
        sim_progress_add(b->p, b->pending);
        b->counted += b->pending;
        b->pending = 0;
    }
}

/* Sends what is pending, then tops the count up to `expected` units when fewer
 * were ticked (a run stopped at its horizon: its work is over all the same). */
void sim_progress_batch_flush(sim_progress_batch *b, uint64_t expected);

#endif
