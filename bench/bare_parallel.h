/*
 * bare_parallel.h — the machine's own two-thread speedup: the yardstick of
 * bench_jobs and bench_sweep, as bare_mmc is bench_mmc's.
 */
#ifndef DSIM_BARE_PARALLEL_H
#define DSIM_BARE_PARALLEL_H

#include <stdint.h>

/* The best (shortest) one- and two-thread times over the rounds so far: call
 * bare_parallel_round once a round, after dsim's pair, with dsim's one-thread
 * time of the first round (the loop is sized to it then). */
typedef struct bare_parallel {
    uint64_t n;     /* 0 until the first round */
    double t1, t2;  /* best so far */
} bare_parallel;

void bare_parallel_round(bare_parallel *b, double dsim_t1);

/* t1 / t2 of the best rounds. */
double bare_parallel_speedup(const bare_parallel *b);

/* The other yardstick: dsim's own work split in two halves, run at once in two
 * processes that share no memory (fork; half = 0, 1; fn returns 0 on success).
 * The wall seconds of both, or -1 if a fork or a half failed; *cpu the CPU
 * seconds the two used together. A two-thread run that keeps pace with it loses
 * nothing to its threading; what both lose against the bare loop, the machine
 * takes (two busy vCPUs run this work slower: *cpu above the one-thread run's). */
double bare_parallel_two_procs(int (*fn)(void *ctx, int half), void *ctx, double *cpu);

#endif
