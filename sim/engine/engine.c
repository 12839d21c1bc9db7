/*
 * engine.c — the simulated clock and the future-event queue.
 *
 * The queue is a 4-ary min-heap of 16-byte keys. A key is one unsigned 128-bit
 * integer: the event time in the high word, and in the low word the insertion
 * sequence number (high SEQ_BITS) joined to the index of the event's slot (low
 * SLOT_BITS). Comparing two keys as integers therefore orders by (time, sequence),
 * in one compare, and the heap never touches the payload while it sifts. The
 * payload (callback, context, two words) lives in a pooled slot array that grows
 * by doubling; freed slots go on a LIFO free list, so there is no malloc per event.
 *
 * The heap's root sits at array index 3 of a 64-byte aligned block, so the four
 * children of any node share one cache line.
 *
 * Cancellation is lazy: a cancelled slot keeps its heap entry, marked dead (fn ==
 * NULL), and is dropped when it reaches the root; when dead entries outnumber live
 * ones the heap is filtered and rebuilt in O(n). A timer handle is the slot's
 * generation (bumped when the event fires or is cancelled) joined to its index, so a
 * stale handle never matches.
 *
 * When an event runs, its entry is taken off the root and the root is left as a
 * hole; the first event the callback schedules fills the hole and sifts down (one
 * sift for a pop + push, as the hold model does). If no event fills it, the last
 * entry does, as in an ordinary pop.
 *
 * Sequence numbers have SEQ_BITS bits; when they run out (after 2^36 insertions)
 * the pending events are renumbered 0..n-1 in their existing order, which keeps the
 * heap valid.
 */
#include "engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

__extension__ typedef unsigned __int128 sim_key;

#define SLOT_BITS 28
#define SEQ_BITS (64 - SLOT_BITS)
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define SLOT_LIMIT ((uint32_t)SLOT_MASK) /* slots are 0 .. SLOT_LIMIT-1 */
#define SEQ_LIMIT (UINT64_C(1) << SEQ_BITS)
#define HEAP_PAD 3          /* root at index 3: children 4i+1..4i+4 share a line */
#define NO_SLOT UINT32_MAX  /* end of the free list */
#define COMPACT_MIN 256     /* never rebuild for fewer dead entries than this */

typedef struct sim_slot {
    sim_event_fn fn; /* NULL: free, or cancelled and still in the heap */
    void *ctx;
    uint64_t a, b;
    uint32_t gen;       /* bumped when the event fires or is cancelled */
    uint32_t next_free; /* free-list link while free */
} sim_slot;

struct sim_engine {
    sim_key *heap;   /* heap[0] is the root; heap = block + HEAP_PAD */
    sim_key *block;  /* the aligned allocation */
    size_t n;        /* heap entries, live + dead (+ the hole when hole is set) */
    size_t cap;      /* heap capacity in entries */
    bool hole;       /* heap[0] is empty: the running event was taken from there */

    sim_slot *slots;
    uint32_t nslots;    /* slots ever handed out (high-water mark) */
    uint32_t slot_cap;  /* allocated slots */
    uint32_t free_head; /* LIFO free list, NO_SLOT when empty */

    size_t live; /* pending (not cancelled) events */
    size_t dead; /* cancelled events still in the heap */

    sim_time now;
    uint64_t seq;       /* next insertion sequence number */
    uint64_t seq_limit; /* renumber when seq reaches this */
    uint64_t executed;
    bool running;
    bool stop;
};

static void *xalloc(size_t align, size_t size)
{
    void *p = align ? aligned_alloc(align, size) : malloc(size);
    if (!p) {
        fprintf(stderr, "dsim: out of memory (engine, %zu bytes)\n", size);
        abort();
    }
    return p;
}

static inline sim_time key_time(sim_key k)
{
    return (sim_time)(uint64_t)(k >> 64);
}

static inline uint32_t key_slot(sim_key k)
{
    return (uint32_t)((uint64_t)k & SLOT_MASK);
}

static inline sim_key key_make(sim_time t, uint64_t seq, uint32_t slot)
{
    return ((sim_key)(uint64_t)t << 64) | (seq << SLOT_BITS) | slot;
}

/* ---- heap ---------------------------------------------------------------------- */

/* An unpredictable condition: asks gcc for a conditional move, not a branch. */
#define COIN(c) __builtin_expect_with_probability(!!(c), 1, 0.5)

/* Places x at position i (a hole) and moves it down until no child is smaller. */
static inline void sift_down(sim_key *h, size_t n, size_t i, sim_key x)
{
    for (;;) {
        size_t c = 4 * i + 1;
        sim_key m;
        size_t im;
        if (c + 3 < n) {
            /* A tournament over the four children; values are selected, not
             * re-loaded, to keep the dependency chain per level short. */
            sim_key a = h[c], b = h[c + 1], d = h[c + 2], f = h[c + 3];
            sim_key mk = -(sim_key)(b < a);
            a ^= (a ^ b) & mk;
            size_t ia = c + (size_t)(mk & 1);
            mk = -(sim_key)(f < d);
            d ^= (d ^ f) & mk;
            size_t id = c + 2 + (size_t)(mk & 1);
            mk = -(sim_key)(d < a);
            a ^= (a ^ d) & mk;
            ia ^= (ia ^ id) & (size_t)mk;
            m = a;
            im = ia;
        } else if (c < n) {
            m = h[c];
            im = c;
            for (size_t j = c + 1; j < n; j++) {
                if (h[j] < m) {
                    m = h[j];
                    im = j;
                }
            }
        } else {
            break;
        }
        if (!(m < x))
            break;
        h[i] = m;
        i = im;
    }
    h[i] = x;
}

/* Places x at position i (a hole) and moves it up while its parent is larger. */
static inline void sift_up(sim_key *h, size_t i, sim_key x)
{
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!(x < h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void heap_grow(sim_engine *e)
{
    size_t cap = e->cap * 2;
    assert(cap > e->cap);
    sim_key *block = xalloc(64, (cap + HEAP_PAD + 1) * sizeof *block);
    memcpy(block + HEAP_PAD, e->heap, e->n * sizeof *block);
    free(e->block);
    e->block = block;
    e->heap = block + HEAP_PAD;
    e->cap = cap;
}

/* Fills the hole at the root with the last entry. */
static void close_hole(sim_engine *e)
{
    assert(e->hole && e->n > 0);
    e->hole = false;
    e->n--;
    if (e->n > 0)
        sift_down(e->heap, e->n, 0, e->heap[e->n]);
}

/* ---- slots --------------------------------------------------------------------- */

static uint32_t slot_alloc(sim_engine *e)
{
    uint32_t s = e->free_head;
    if (s != NO_SLOT) {
        e->free_head = e->slots[s].next_free;
        return s;
    }
    if (e->nslots == e->slot_cap) {
        if (e->slot_cap >= SLOT_LIMIT) {
            fprintf(stderr, "dsim: engine: more than %u pending events\n", SLOT_LIMIT);
            abort();
        }
        uint64_t cap = (uint64_t)e->slot_cap * 2;
        if (cap > SLOT_LIMIT)
            cap = SLOT_LIMIT;
        sim_slot *slots = realloc(e->slots, (size_t)cap * sizeof *slots);
        if (!slots) {
            fprintf(stderr, "dsim: out of memory (engine slots)\n");
            abort();
        }
        e->slots = slots;
        e->slot_cap = (uint32_t)cap;
    }
    s = e->nslots++;
    e->slots[s].gen = 0;
    return s;
}

static inline void slot_free(sim_engine *e, uint32_t s)
{
    sim_slot *sl = &e->slots[s];
    sl->fn = NULL;
    sl->gen++;
    sl->next_free = e->free_head;
    e->free_head = s;
}

/* ---- renumbering and compaction ------------------------------------------------- */

typedef struct {
    uint64_t low; /* seq << SLOT_BITS | slot: unique per entry */
    size_t pos;
} seq_pos;

static int seq_pos_cmp(const void *pa, const void *pb)
{
    const seq_pos *a = pa, *b = pb;
    return (a->low > b->low) - (a->low < b->low);
}

/* Gives the heap entries sequence numbers 0..n-1 in their current sequence order.
 * Relative order is kept, so the heap stays a heap. */
static void renumber(sim_engine *e)
{
    size_t first = e->hole ? 1 : 0;
    size_t count = e->n - first;
    seq_pos *v = xalloc(0, (count ? count : 1) * sizeof *v);
    for (size_t i = 0; i < count; i++) {
        v[i].low = (uint64_t)e->heap[first + i];
        v[i].pos = first + i;
    }
    qsort(v, count, sizeof *v, seq_pos_cmp);
    for (size_t r = 0; r < count; r++) {
        sim_key k = e->heap[v[r].pos];
        e->heap[v[r].pos] = key_make(key_time(k), r, key_slot(k));
    }
    free(v);
    e->seq = count;
}

/* Drops cancelled entries and rebuilds the heap (Floyd, O(n)). Not with a hole. */
static void compact(sim_engine *e)
{
    assert(!e->hole);
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        sim_key k = e->heap[i];
        uint32_t s = key_slot(k);
        if (e->slots[s].fn)
            e->heap[n++] = k;
        else
            slot_free(e, s);
    }
    assert(n == e->live);
    e->n = n;
    e->dead = 0;
    if (n > 1) {
        for (size_t i = (n - 2) / 4 + 1; i-- > 0;)
            sift_down(e->heap, n, i, e->heap[i]);
    }
}

static inline void maybe_compact(sim_engine *e)
{
    if (e->dead > e->live && e->dead >= COMPACT_MIN && !e->hole)
        compact(e);
}

/* ---- public -------------------------------------------------------------------- */

sim_engine *sim_engine_new(size_t capacity_hint)
{
    sim_engine *e = xalloc(0, sizeof *e);
    memset(e, 0, sizeof *e);
    size_t cap = 64;
    while (cap < capacity_hint && cap < ((size_t)1 << 40))
        cap *= 2;
    e->cap = cap;
    e->block = xalloc(64, (cap + HEAP_PAD + 1) * sizeof *e->block);
    e->heap = e->block + HEAP_PAD;
    e->slot_cap = cap < SLOT_LIMIT ? (uint32_t)cap : SLOT_LIMIT;
    e->slots = xalloc(0, (size_t)e->slot_cap * sizeof *e->slots);
    e->free_head = NO_SLOT;
    e->seq_limit = SEQ_LIMIT;
    return e;
}

void sim_engine_free(sim_engine *e)
{
    if (!e)
        return;
    free(e->block);
    free(e->slots);
    free(e);
}

sim_time sim_now(const sim_engine *e)
{
    return e->now;
}

sim_timer sim_schedule(sim_engine *e, sim_time at, sim_event_fn fn, void *ctx, uint64_t a,
                       uint64_t b)
{
    assert(e && fn);
    assert(at >= e->now && "sim_schedule: time in the past");
    if (e->seq >= e->seq_limit)
        renumber(e);
    uint32_t s = slot_alloc(e);
    sim_slot *sl = &e->slots[s];
    sl->fn = fn;
    sl->ctx = ctx;
    sl->a = a;
    sl->b = b;
    sim_key k = key_make(at, e->seq++, s);
    if (e->hole) {
        e->hole = false;
        sift_down(e->heap, e->n, 0, k);
    } else {
        if (e->n == e->cap)
            heap_grow(e);
        sift_up(e->heap, e->n++, k);
    }
    e->live++;
    return ((uint64_t)sl->gen << 32) | (uint64_t)(s + 1);
}

/* The slot of a handle if it names a pending event, else NULL. */
static sim_slot *timer_slot(const sim_engine *e, sim_timer t)
{
    uint64_t idx = t & UINT32_MAX;
    if (idx == 0 || idx > e->nslots)
        return NULL;
    sim_slot *sl = &e->slots[idx - 1];
    if (sl->gen != (uint32_t)(t >> 32) || !sl->fn)
        return NULL;
    return sl;
}

bool sim_cancel(sim_engine *e, sim_timer t)
{
    assert(e);
    sim_slot *sl = timer_slot(e, t);
    if (!sl)
        return false;
    sl->fn = NULL;
    sl->gen++; /* the handle goes stale; the slot is freed when its entry leaves */
    e->live--;
    e->dead++;
    maybe_compact(e);
    return true;
}

bool sim_timer_pending(const sim_engine *e, sim_timer t)
{
    assert(e);
    return timer_slot(e, t) != NULL;
}

/* Drops dead entries from the root. */
static void drop_dead(sim_engine *e)
{
    while (e->n > 0 && !e->slots[key_slot(e->heap[0])].fn) {
        slot_free(e, key_slot(e->heap[0]));
        e->dead--;
        e->hole = true;
        close_hole(e);
    }
}

sim_time sim_next_time(sim_engine *e)
{
    assert(e);
    if (e->hole)
        close_hole(e);
    drop_dead(e);
    return e->n > 0 ? key_time(e->heap[0]) : SIM_NEVER;
}

sim_run_status sim_run(sim_engine *e, sim_time end, uint64_t max_events)
{
    assert(e && !e->running && "sim_run: not re-entrant");
    assert(!e->hole);
    e->running = true;
    e->stop = false;
    uint64_t done = 0;
    sim_run_status st;
    for (;;) {
        if (e->stop) {
            st = SIM_RUN_STOPPED;
            break;
        }
        if (max_events && done == max_events) {
            st = SIM_RUN_BUDGET;
            break;
        }
        drop_dead(e);
        if (e->n == 0) {
            st = SIM_RUN_EMPTY;
            break;
        }
        sim_key k = e->heap[0];
        sim_time t = key_time(k);
        if (t > end) {
            if (end > e->now)
                e->now = end;
            st = SIM_RUN_END;
            break;
        }
        uint32_t s = key_slot(k);
        sim_slot *sl = &e->slots[s];
        sim_event_fn fn = sl->fn;
        void *ctx = sl->ctx;
        uint64_t a = sl->a, b = sl->b;
        slot_free(e, s);
        e->live--;
        e->hole = true;
        assert(t >= e->now);
        e->now = t;
        e->executed++;
        done++;
        fn(e, ctx, a, b);
        if (e->hole)
            close_hole(e);
        maybe_compact(e);
    }
    e->running = false;
    return st;
}

void sim_stop(sim_engine *e)
{
    assert(e);
    e->stop = true;
}

uint64_t sim_events_executed(const sim_engine *e)
{
    return e->executed;
}

size_t sim_events_pending(const sim_engine *e)
{
    return e->live;
}

void sim_engine__set_seq_limit(sim_engine *e, uint64_t limit)
{
    assert(limit >= 2 && limit <= SEQ_LIMIT);
    e->seq_limit = limit;
}

size_t sim_engine__heap_size(const sim_engine *e)
{
    return e->n - (e->hole ? 1 : 0);
}
