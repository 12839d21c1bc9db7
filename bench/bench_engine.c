/*
 * bench_engine.c — engine and keyed-stream throughput.
 *
 * engine.hold: the classic hold model. N chains each have one pending event; each
 * event schedules its successor at now + Exp(mean 1 s), so N events stay pending.
 * engine.hold_cancel: as hold, and each event also cancels its chain's previous
 * timeout and arms a new one 30 s ahead (as a dispatcher re-arms a job's timeout),
 * so 2N events are pending (the line still says pending=N). Each case runs 1e7 events after setting up N chains
 * (setup is not timed). The exponential draws come from a small inline generator
 * (wyrand) so the figure is the engine's; stream.uniform and stream.init measure
 * the keyed streams separately.
 *
 * Usage: bench_engine [--min-pending N] [--max-pending N] [--events N] [--only PREFIX]
 * Prints one line per case:
 *   engine.hold pending=N events_per_s=X ns_per_event=Y
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "stream.h"

__extension__ typedef unsigned __int128 u128;

#define MEAN_NS 1e9
#define TIMEOUT_NS (30 * SIM_NS_PER_S)

typedef struct bench {
    uint64_t rng;        /* wyrand state */
    sim_timer *timeouts; /* hold_cancel: each chain's armed timeout */
    uint64_t timeouts_fired;
} bench;

/* The thread's CPU time: on a shared machine, other processes' load does not
 * inflate it the way it inflates wall time (cache sharing still can). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t wyrand(uint64_t *s)
{
    *s += UINT64_C(0xa0761d6478bd642f);
    u128 t = (u128)*s * (*s ^ UINT64_C(0xe7037ed1a0b428db));
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* Exp(mean 1 s) in nanoseconds. */
static inline sim_time exp_ns(bench *b)
{
    double u = (double)((wyrand(&b->rng) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
    return (sim_time)(-log(u) * MEAN_NS);
}

static void hold_event(sim_engine *e, void *ctx, uint64_t chain, uint64_t unused)
{
    (void)unused;
    bench *b = ctx;
    sim_engine_schedule(e, sim_engine_now(e) + exp_ns(b), hold_event, b, chain, 0);
}

static void timeout_event(sim_engine *e, void *ctx, uint64_t chain, uint64_t unused)
{
    (void)e;
    (void)chain;
    (void)unused;
    bench *b = ctx;
    b->timeouts_fired++;
}

static void hold_cancel_event(sim_engine *e, void *ctx, uint64_t chain, uint64_t unused)
{
    (void)unused;
    bench *b = ctx;
    sim_time now = sim_engine_now(e);
    sim_engine_cancel(e, b->timeouts[chain]);
    b->timeouts[chain] = sim_engine_schedule(e, now + TIMEOUT_NS, timeout_event, b, chain, 0);
    sim_engine_schedule(e, now + exp_ns(b), hold_cancel_event, b, chain, 0);
}

static void run_hold(const char *name, size_t pending, uint64_t events, int cancel)
{
    bench b = {.rng = 42 + pending, .timeouts = NULL, .timeouts_fired = 0};
    sim_engine *e = sim_engine_new(cancel ? 2 * pending : pending);
    if (cancel) {
        b.timeouts = calloc(pending, sizeof *b.timeouts);
        if (!b.timeouts) {
            fprintf(stderr, "bench_engine: out of memory\n");
            exit(3);
        }
    }
    for (size_t i = 0; i < pending; i++) {
        if (cancel)
            b.timeouts[i] = sim_engine_schedule(e, TIMEOUT_NS, timeout_event, &b, i, 0);
        sim_engine_schedule(e, exp_ns(&b), cancel ? hold_cancel_event : hold_event, &b, i, 0);
    }
    double t0 = now_s();
    sim_engine_status st = sim_engine_run(e, SIM_NEVER, events);
    double dt = now_s() - t0;
    if (st != SIM_ENGINE_BUDGET || sim_engine_events_executed(e) != events) {
        fprintf(stderr, "bench_engine: %s stopped early (status %d)\n", name, (int)st);
        exit(3);
    }
    printf("%s pending=%zu events_per_s=%.0f ns_per_event=%.1f\n", name, pending,
           (double)events / dt, dt * 1e9 / (double)events);
    fflush(stdout);
    sim_engine_free(e);
    free(b.timeouts);
}

static void run_stream(uint64_t draws, uint64_t inits)
{
    sim_stream s;
    sim_stream(&s, 20251230, SIM_KEY_SERVICE, 1, 2, 3, 4);
    double sum = 0;
    double t0 = now_s();
    for (uint64_t i = 0; i < draws; i++)
        sum += sim_stream_uniform(&s);
    double dt = now_s() - t0;
    printf("stream.uniform draws_per_s=%.0f\n", (double)draws / dt);

    uint64_t acc = 0;
    t0 = now_s();
    for (uint64_t i = 0; i < inits; i++) {
        sim_stream(&s, 20251230, SIM_KEY_SERVICE, i, i >> 3, 1, 2);
        acc ^= s.st.key[0];
    }
    dt = now_s() - t0;
    printf("stream.init inits_per_s=%.0f\n", (double)inits / dt);
    if (sum < 0 || acc == 1) /* keeps the loops from being optimised away */
        printf("(unreachable)\n");
}

static int wanted(const char *only, const char *name)
{
    return !only || strncmp(name, only, strlen(only)) == 0;
}

int main(int argc, char **argv)
{
    size_t min_pending = 1000, max_pending = 10000000;
    const char *only = NULL; /* run only the cases whose name starts with this */
    uint64_t events = 10000000;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--min-pending") == 0)
            min_pending = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--max-pending") == 0)
            max_pending = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--only") == 0)
            only = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--events") == 0)
            events = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_engine [--min-pending N] [--max-pending N] "
                            "[--events N] [--only PREFIX]\n");
            return 2;
        }
    }
    if (events == 0)
        events = 1;
    for (size_t n = min_pending; n <= max_pending && wanted(only, "engine.hold "); n *= 10)
        run_hold("engine.hold", n, events, 0);
    for (size_t n = min_pending; n <= max_pending && wanted(only, "engine.hold_cancel"); n *= 10)
        run_hold("engine.hold_cancel", n, events, 1);
    if (wanted(only, "stream."))
        run_stream(50000000, 10000000);
    return 0;
}
