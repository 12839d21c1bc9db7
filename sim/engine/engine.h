/*
 * engine.h — the simulation kernel: a simulated clock and a future-event queue.
 *
 * Events are ordered by (time, insertion sequence): equal times run in the order
 * they were scheduled. The queue is a 4-ary heap over a pooled event array (no
 * malloc per event); timers are cancellable by handle.
 */
#ifndef DSIM_ENGINE_H
#define DSIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_time; /* nanoseconds */
#define SIM_NS_PER_S INT64_C(1000000000)
#define SIM_NEVER INT64_MAX

typedef struct sim_engine sim_engine;

/* An event: callback(engine, ctx, a, b) at its time. */
typedef void (*sim_event_fn)(sim_engine *e, void *ctx, uint64_t a, uint64_t b);

/* A handle to a scheduled event; 0 is never a valid handle. Handles are
 * generation-checked: cancelling a fired or cancelled timer is a harmless no-op. */
typedef uint64_t sim_timer;

/* Creates an engine at time 0 with room for `capacity_hint` pending events
 * (it grows as needed). Out of memory aborts. */
sim_engine *sim_engine_new(size_t capacity_hint);
void sim_engine_free(sim_engine *e);

sim_time sim_now(const sim_engine *e);

/* Schedules fn at time `at` (>= now; an earlier time is a programmer error). */
sim_timer sim_schedule(sim_engine *e, sim_time at, sim_event_fn fn, void *ctx, uint64_t a,
                       uint64_t b);

/* Cancels a pending event. Returns true if it was pending. */
bool sim_cancel(sim_engine *e, sim_timer t);

/* Why sim_run stopped. */
typedef enum {
    SIM_RUN_EMPTY,   /* no events left */
    SIM_RUN_END,     /* next event is after `end` (the clock is set to end) */
    SIM_RUN_BUDGET,  /* max_events were executed */
    SIM_RUN_STOPPED  /* sim_stop() was called from an event */
} sim_run_status;

/* Runs events in order until the queue is empty, the next event is after `end`,
 * or `max_events` events have run (0 = no budget). */
sim_run_status sim_run(sim_engine *e, sim_time end, uint64_t max_events);

/* Asks sim_run to return after the current event. */
void sim_stop(sim_engine *e);

uint64_t sim_events_executed(const sim_engine *e);
size_t sim_events_pending(const sim_engine *e);

#endif
