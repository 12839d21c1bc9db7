/*
 * bare_mmc.h — the yardstick of bench_mmc: an M/M/c world as a minimal event loop.
 */
#ifndef DSIM_BARE_MMC_H
#define DSIM_BARE_MMC_H

#include <stdint.h>

/* Runs `jobs` Poisson arrivals (rate lambda per second) through c servers of
 * exponential service (rate mu) in FIFO order, with integer-ns time, a binary heap
 * of (time, sequence) events and one xoshiro256** generator seeded from `seed`.
 * Returns the mean latency (arrival to departure) in seconds, or a negative value
 * when memory runs out. */
double bare_mmc_run(long jobs, int c, double lambda, double mu, uint64_t seed);

#endif
