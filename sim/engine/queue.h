/*
 * queue.h — the engine's future-event queue and event slots (internal to
 * sim/engine/; the public interface is engine.h).
 *
 * A ladder queue (W. T. Tang, R. S. M. Goh, I. L.-J. Thng, "Ladder queue: an O(1)
 * priority queue structure for large-scale discrete event simulation", ACM TOMACS
 * 15(3), 2005), with one change: Bottom is a sorted run plus a 4-ary heap instead
 * of one sorted list, so inserting into a large Bottom (many events at one
 * timestamp, which no bucket split can separate) costs O(log n), never O(n).
 *
 *  - Top: an unsorted array of the events at or after top_start.
 *  - Rungs 0..nrungs-1: arrays of buckets (unsorted lists), bucket width 2^shift;
 *    each rung covers one consumed bucket of the rung above. Buckets before `cur`
 *    are consumed.
 *  - Bottom: the events before the lowest rung's current bucket, in (time,
 *    sequence) order: a sorted run (the last bucket moved down) and a heap (events
 *    scheduled into that range since).
 *
 * Pop takes Bottom's minimum; when Bottom is empty, the lowest rung's next
 * non-empty bucket is either split into a new rung (more than SIM_LQ_THRES events
 * over more than one timestamp) or moved into Bottom; an exhausted rung is
 * dropped; with no rungs left, Top becomes rung 0. Every event moves a bounded
 * number of times (at most SIM_LQ_MAX_RUNGS + 2), so insert and pop are O(1)
 * amortised for the usual time distributions and O(log n) (Bottom's heap) at worst.
 *
 * Top, where far-future timeouts wait to be cancelled, is an array of slot
 * indices: cancelling an event there moves the last one into its place (the slot
 * remembers its index), and turning Top into a rung reads the array in order,
 * loading many slots at once. Buckets are lists linked singly through the slots,
 * so an insert touches no other slot. An event cancelled in a rung or in Bottom
 * stays there, marked (fn == NULL), and its slot is freed when a walk over its
 * list or Bottom's minimum meets it; when such events outnumber the live ones (and
 * SIM_LQ_PURGE_MIN) every list and Bottom are purged, so memory stays within twice
 * the live events plus that constant.
 *
 * Now: events scheduled for the current time (a zero-delay hop) skip the ladder.
 * They go to a FIFO list linked through the slots, which runs after the ladder's
 * events at that time: those were all scheduled before the clock reached it, so
 * their sequence numbers are lower, and the FIFO is in sequence order — (time,
 * sequence) order is kept. The clock never moves on while the FIFO holds a live
 * event (the engine takes it first). A cancelled event there stays, marked, until
 * the FIFO's head reaches it.
 */
#ifndef DSIM_QUEUE_H
#define DSIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define SIM_LQ_NIL UINT32_MAX
#define SIM_LQ_MAX_RUNGS 8
#define SIM_LQ_THRES 48 /* split a bucket holding more events than this */
#define SIM_LQ_PURGE_MIN 1024 /* purge cancelled events when more than this and live */

/* One pending (or free) event: exactly one 64-byte line. */
typedef struct sim_slot {
    sim_event_fn fn; /* NULL: free, or cancelled and still linked in */
    void *ctx;
    uint64_t a, b;
    uint64_t t;     /* time, >= 0 */
    uint64_t seq;   /* insertion sequence */
    uint32_t next; /* list link; free-list link while free */
    uint32_t gen;  /* bumped when the event fires or is cancelled */
    uint32_t where; /* SIM_LQ_IN_TOP, _IN_RUNG or _IN_BOTTOM */
    uint32_t pos;   /* index in Top while there */
} sim_slot;

enum { SIM_LQ_IN_TOP = 1, SIM_LQ_IN_RUNG, SIM_LQ_IN_BOTTOM, SIM_LQ_IN_NOW };

typedef struct sim_bucket {
    uint32_t head;
    uint32_t count;
} sim_bucket;

typedef struct sim_rung {
    uint64_t start;  /* time of bucket 0 */
    uint64_t cstart; /* start of bucket `cur` (saturating) */
    unsigned shift;  /* bucket width is 2^shift ns */
    uint32_t nb;     /* buckets in use */
    uint32_t cur;    /* first bucket not consumed */
    uint32_t cap;    /* allocated buckets */
    sim_bucket *b;
} sim_rung;

typedef struct sim_bottom_ent {
    __extension__ unsigned __int128 key; /* time << 64 | seq */
    uint32_t slot;
} sim_bottom_ent;

/* Bottom (bottom.c): a sorted run consumed from its head, and a 4-ary heap. */
typedef struct sim_bottom {
    sim_bottom_ent *run; /* run[rhead .. rn) ascending */
    size_t rhead, rn, rcap;
    sim_bottom_ent *tmp; /* merge sort's buffer */
    size_t tcap;
    sim_bottom_ent *heap;
    size_t hn, hcap;
    bool min_in_run; /* where the last sim_bottom__min found the minimum */
} sim_bottom;

typedef struct sim_queue {
    sim_slot *slots;
    uint32_t nslots;    /* slots ever handed out */
    uint32_t slot_cap;  /* allocated */
    uint32_t free_head; /* LIFO free list */
    size_t live;        /* pending events, not cancelled */
    size_t dead;        /* cancelled events still linked in (dropped lazily) */

    uint32_t *top; /* slot indices, unordered */
    uint32_t top_count, top_cap;
    uint64_t top_start; /* events at or after this go to Top */
    uint64_t top_min, top_max;

    sim_rung rungs[SIM_LQ_MAX_RUNGS];
    unsigned nrungs;

    sim_bottom bot;

    uint32_t now_head, now_tail; /* Now: FIFO of slots at the current time */
} sim_queue;

void sim_queue_init(sim_queue *q, size_t capacity_hint);
void sim_queue_free(sim_queue *q);

/* A free slot (the pool grows by doubling; more than 2^32 - 2 slots abort). */
uint32_t sim_queue_slot_alloc(sim_queue *q);

/* Enqueues slot s, whose t and seq are set. */
void sim_queue_insert(sim_queue *q, uint32_t s);

/* Appends slot s (its time the current one, its seq the highest) to Now. */
void sim_queue_insert_now(sim_queue *q, uint32_t s);

/* Now's first live slot (cancelled ones before it are freed), SIM_LQ_NIL if none. */
uint32_t sim_queue_peek_now(sim_queue *q);

/* Removes Now's first slot (call sim_queue_peek_now first) and frees it. */
void sim_queue_pop_now(sim_queue *q);

/* Removes pending slot s (cancel). */
void sim_queue_remove(sim_queue *q, uint32_t s);

/* The slot of the minimum pending event, SIM_LQ_NIL if none. */
uint32_t sim_queue_peek(sim_queue *q);

/* Removes the minimum that the last sim_queue_peek returned (nothing may change
 * the queue in between) and frees its slot. */
void sim_queue_pop(sim_queue *q);

/* Bottom's operations (bottom.c). */
void sim_bottom__free(sim_bottom *b);
/* Inserts into the heap part. */
void sim_bottom__push(sim_bottom *b, sim_bottom_ent x);
/* Rebuilds the heap part after its array was edited. */
void sim_bottom__heapify(sim_bottom *b);
/* Filling an exhausted run with up to n entries: write them to the returned array,
 * then call fill_end with the number written; it orders them. */
sim_bottom_ent *sim_bottom__fill_begin(sim_bottom *b, size_t n);
void sim_bottom__fill_end(sim_bottom *b, size_t n);
/* The minimum entry, NULL if Bottom is empty; sim_bottom__pop removes it. */
const sim_bottom_ent *sim_bottom__min(sim_bottom *b);
void sim_bottom__pop(sim_bottom *b);

#endif
