/*
 * engine.h — the simulation kernel: a simulated clock and a future-event queue.
 *
 * Events are ordered by (time, insertion sequence): equal times run in the order
 * they were scheduled. The queue is a ladder queue (queue.h) over a pool of 64-byte
 * event slots that grows by doubling (no malloc per event): O(1) amortised insert
 * and pop-min for the usual time distributions, O(log n) amortised at worst, robust
 * to many equal timestamps. Timers are cancellable by generation-checked handle.
 * Single-threaded: one engine per thread; engines share nothing.
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

/* An event: callback(engine, ctx, a, b) at its time. The callback may schedule and
 * cancel events and call sim_engine_stop(); it must not call sim_engine_run(). */
typedef void (*sim_event_fn)(sim_engine *e, void *ctx, uint64_t a, uint64_t b);

/* A handle to a scheduled event; 0 is never a valid handle. Handles are
 * generation-checked: cancelling a fired or cancelled timer is a harmless no-op. */
typedef uint64_t sim_timer;

/* Creates an engine at time 0 with room for `capacity_hint` pending events
 * (it grows as needed). Out of memory aborts. The caller frees it. */
sim_engine *sim_engine_new(size_t capacity_hint);

/* Frees the engine and every pending event (their ctx pointers are not touched).
 * NULL is a no-op. */
void sim_engine_free(sim_engine *e);

/* The simulated clock: the time of the event running or last run (or the `end` of
 * a sim_engine_run that stopped on SIM_ENGINE_END). It never goes backwards. */
sim_time sim_engine_now(const sim_engine *e);

/* Schedules fn(e, ctx, a, b) at time `at` (>= now; an earlier time is a programmer
 * error). Events at equal times run in the order they were scheduled. Returns the
 * event's handle. More than 2^32 - 2 events held at once abort with a message. */
sim_timer sim_engine_schedule(sim_engine *e, sim_time at, sim_event_fn fn, void *ctx, uint64_t a,
                       uint64_t b);

/* Cancels a pending event. Returns true if it was pending; false for 0, a handle
 * that already fired or was cancelled, or a running event's own handle. */
bool sim_engine_cancel(sim_engine *e, sim_timer t);

/* True if t names an event that has neither run nor been cancelled. */
bool sim_engine_timer_pending(const sim_engine *e, sim_timer t);

/* The time of the next pending event, SIM_NEVER if none. */
sim_time sim_engine_next_time(sim_engine *e);

/* Why sim_engine_run stopped. */
typedef enum {
    SIM_ENGINE_EMPTY,   /* no events left */
    SIM_ENGINE_END,     /* next event is after `end` (the clock is set to end) */
    SIM_ENGINE_BUDGET,  /* max_events were executed */
    SIM_ENGINE_STOPPED  /* sim_engine_stop() was called from an event */
} sim_engine_status;

/* Runs events in (time, sequence) order while their time is <= end, until the queue
 * is empty, the next event is after `end` (the clock then moves to end, if end is
 * later than now), `max_events` events have run in this call (0 = no budget), or an
 * event calls sim_engine_stop(). The checks are made before each event in this order:
 * stopped, budget, empty, end. Pass SIM_NEVER for no end. Not re-entrant. */
sim_engine_status sim_engine_run(sim_engine *e, sim_time end, uint64_t max_events);

/* Asks the running sim_engine_run to return after the current event. */
void sim_engine_stop(sim_engine *e);

/* Events run since the engine was created. */
uint64_t sim_engine_events_executed(const sim_engine *e);

/* Events scheduled and neither run nor cancelled. */
size_t sim_engine_events_pending(const sim_engine *e);

#endif
