/*
 * bench_clock.h — the two clocks the whole-run benchmarks read: wall time
 * (CLOCK_MONOTONIC) and the process's CPU time, user + system over every
 * thread (getrusage), so a --jobs N run is charged for all its threads.
 */
#ifndef DSIM_BENCH_CLOCK_H
#define DSIM_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double bench_wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline double bench_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

#endif
