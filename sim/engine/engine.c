/*
 * engine.c — the simulated clock, the run loop and timer handles.
 *
 * The future-event queue itself is a ladder queue (queue.c, queue.h, bottom.c):
 * O(1) amortised insert and pop-min for the usual workloads, O(log n) amortised at
 * worst, robust to many equal timestamps. Events live in the queue's slots: a
 * pooled array of 64-byte records (payload, time, sequence, links) that grows by
 * doubling, with a LIFO free list, so there is no malloc per event.
 *
 * A timer handle is the slot's generation (bumped when the event fires or is
 * cancelled) joined to its index + 1, so a stale handle never matches and 0 is
 * never a handle.
 */
#include "engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "queue.h"
#include "xalloc.h"

struct sim_engine {
    sim_queue q;
    sim_time now;
    uint64_t seq; /* next insertion sequence number */
    uint64_t executed;
    bool running;
    bool stop;
};

sim_engine *sim_engine_new(size_t capacity_hint)
{
    sim_engine *e = sim_xcalloc(1, sizeof *e);
    sim_queue_init(&e->q, capacity_hint);
    return e;
}

void sim_engine_free(sim_engine *e)
{
    if (!e)
        return;
    sim_queue_free(&e->q);
    free(e);
}

sim_time sim_engine_now(const sim_engine *e)
{
    return e->now;
}

sim_timer sim_engine_schedule(sim_engine *e, sim_time at, sim_event_fn fn, void *ctx, uint64_t a,
                       uint64_t b)
{
    assert(e && fn);
    assert(at >= e->now && "sim_engine_schedule: time in the past");
    assert(e->seq < UINT64_MAX);
    uint32_t s = sim_queue_slot_alloc(&e->q);
    sim_slot *sl = &e->q.slots[s];
    sl->fn = fn;
    sl->ctx = ctx;
    sl->a = a;
    sl->b = b;
    sl->t = (uint64_t)at;
    sl->seq = e->seq++;
    if (at == e->now)
        sim_queue_insert_now(&e->q, s); /* a zero-delay event: no ladder round trip */
    else
        sim_queue_insert(&e->q, s);
    return ((uint64_t)sl->gen << 32) | (uint64_t)(s + 1);
}

/* The slot index of a handle if it names a pending event, else UINT32_MAX. */
static uint32_t timer_slot(const sim_engine *e, sim_timer t)
{
    uint64_t idx = t & UINT32_MAX;
    if (idx == 0 || idx > e->q.nslots)
        return UINT32_MAX;
    const sim_slot *sl = &e->q.slots[idx - 1];
    if (sl->gen != (uint32_t)(t >> 32) || !sl->fn)
        return UINT32_MAX;
    return (uint32_t)(idx - 1);
}

bool sim_engine_cancel(sim_engine *e, sim_timer t)
{
    assert(e);
    uint32_t s = timer_slot(e, t);
    if (s == UINT32_MAX)
        return false;
    sim_queue_remove(&e->q, s);
    return true;
}

bool sim_engine_timer_pending(const sim_engine *e, sim_timer t)
{
    assert(e);
    return timer_slot(e, t) != UINT32_MAX;
}

sim_time sim_engine_next_time(sim_engine *e)
{
    assert(e);
    if (sim_queue_peek_now(&e->q) != SIM_LQ_NIL)
        return e->now; /* nothing in the ladder is earlier */
    uint32_t s = sim_queue_peek(&e->q);
    return s == UINT32_MAX ? SIM_NEVER : (sim_time)e->q.slots[s].t;
}

sim_engine_status sim_engine_run(sim_engine *e, sim_time end, uint64_t max_events)
{
    assert(e && !e->running && "sim_engine_run: not re-entrant");
    e->running = true;
    e->stop = false;
    uint64_t done = 0;
    sim_engine_status st;
    for (;;) {
        if (e->stop) {
            st = SIM_ENGINE_STOPPED;
            break;
        }
        if (max_events && done == max_events) {
            st = SIM_ENGINE_BUDGET;
            break;
        }
        /* The ladder's events at the current time, then Now's (queue.h). */
        uint32_t s = sim_queue_peek(&e->q), n = sim_queue_peek_now(&e->q);
        bool now = n != SIM_LQ_NIL && (s == SIM_LQ_NIL || (sim_time)e->q.slots[s].t > e->now);
        if (now)
            s = n;
        if (s == UINT32_MAX) {
            st = SIM_ENGINE_EMPTY;
            break;
        }
        sim_slot *sl = &e->q.slots[s];
        sim_time t = (sim_time)sl->t;
        if (t > end) {
            if (end > e->now)
                e->now = end;
            st = SIM_ENGINE_END;
            break;
        }
        sim_event_fn fn = sl->fn;
        void *ctx = sl->ctx;
        uint64_t a = sl->a, b = sl->b;
        if (now)
            sim_queue_pop_now(&e->q); /* frees the slot: its handle goes stale */
        else
            sim_queue_pop(&e->q);
        assert(t >= e->now);
        e->now = t;
        e->executed++;
        done++;
        fn(e, ctx, a, b);
    }
    e->running = false;
    return st;
}

void sim_engine_stop(sim_engine *e)
{
    assert(e);
    e->stop = true;
}

uint64_t sim_engine_events_executed(const sim_engine *e)
{
    return e->executed;
}

size_t sim_engine_events_pending(const sim_engine *e)
{
    return e->q.live;
}

size_t sim_engine__slots_high_water(const sim_engine *e)
{
    return e->q.nslots;
}
