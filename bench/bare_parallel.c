/*
 * bare_parallel.c — what two threads give on this machine when they share
 * nothing: a loop of xorshift steps kept in registers (no memory traffic, no
 * lock, no allocation), n steps on one thread against n / 2 on each of two.
 * Its speedup is the ceiling that the second vCPU allows at that moment (a
 * neighbour's load on a shared machine shows here as it shows in dsim's runs);
 * bench_jobs and bench_sweep time it in the same rounds as dsim, at about the
 * length of dsim's one-thread run, and print both. bare_parallel_two_procs
 * times dsim's own work in two processes: what the machine allows for it.
 */
#include "bare_parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"

typedef struct {
    uint64_t n, out;
} spin_arg;

static volatile uint64_t sink;

static void *spin(void *p)
{
    spin_arg *a = p;
    uint64_t x = UINT64_C(88172645463325252), s = 0;
    for (uint64_t i = 0; i < a->n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s += x;
    }
    a->out = s; /* read by the caller: the loop is not optimised away */
    return NULL;
}

/* Iterations of the loop that take about `seconds` on one thread here. */
static uint64_t bare_parallel_iters(double seconds)
{
    uint64_t n = 1u << 20;
    for (;;) {
        spin_arg a = {n, 0};
        double t0 = bench_wall_s();
        spin(&a);
        double t = bench_wall_s() - t0;
        sink = a.out;
        if (t >= 0.05 || n >= (UINT64_C(1) << 40))
            return (uint64_t)((double)n * seconds / (t > 0 ? t : 1e-9)) + 2;
        n *= 4;
    }
}

/* Wall seconds of n iterations on one thread (*t1), then of n / 2 on each of two
 * threads at once (*t2). */
static void bare_parallel_times(uint64_t n, double *t1, double *t2)
{
    spin_arg one = {n, 0}, two[2] = {{n / 2, 0}, {n - n / 2, 0}};
    double t0 = bench_wall_s();
    spin(&one);
    *t1 = bench_wall_s() - t0;
    pthread_t th;
    t0 = bench_wall_s();
    if (pthread_create(&th, NULL, spin, &two[1]) != 0) {
        spin(&two[1]); /* no thread: the figure shows it (speedup about 1) */
        spin(&two[0]);
    } else {
        spin(&two[0]);
        pthread_join(th, NULL);
    }
    *t2 = bench_wall_s() - t0;
    sink = one.out ^ two[0].out ^ two[1].out; /* every loop's result is used */
}

void bare_parallel_round(bare_parallel *b, double dsim_t1)
{
    if (b->n == 0) {
        b->n = bare_parallel_iters(dsim_t1);
        b->t1 = b->t2 = 1e300;
    }
    double t1, t2;
    bare_parallel_times(b->n, &t1, &t2);
    b->t1 = t1 < b->t1 ? t1 : b->t1;
    b->t2 = t2 < b->t2 ? t2 : b->t2;
}

double bare_parallel_speedup(const bare_parallel *b)
{
    return b->t1 / b->t2;
}

/* CPU seconds of the waited-for children so far (user + system). */
static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

double bare_parallel_two_procs(int (*fn)(void *ctx, int half), void *ctx, double *cpu)
{
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid[2] = {-1, -1};
    double c0 = children_cpu_s(), t0 = bench_wall_s();
    for (int h = 0; h < 2; h++) {
        pid[h] = fork();
        if (pid[h] == 0)
            _exit(fn(ctx, h) == 0 ? 0 : 1);
        if (pid[h] < 0)
            break;
    }
    bool ok = pid[0] > 0 && pid[1] > 0;
    for (int h = 0; h < 2; h++) {
        int st;
        if (pid[h] > 0)
            ok = waitpid(pid[h], &st, 0) == pid[h] && WIFEXITED(st) && WEXITSTATUS(st) == 0 && ok;
    }
    double t = bench_wall_s() - t0;
    *cpu = children_cpu_s() - c0;
    return ok ? t : -1;
}
