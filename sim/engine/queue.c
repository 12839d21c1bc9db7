/*
 * queue.c — the ladder queue behind the engine (see queue.h).
 */
#include "queue.h"
#include "xalloc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define MAX_BUCKETS (UINT32_C(1) << 22) /* per rung */
#define SLOT_LIMIT (UINT32_MAX - 1)
#define RUNG0_SPREAD 2 /* rung 0 gets up to this many buckets per event */

_Static_assert(sizeof(sim_slot) == 64, "an event slot is one cache line");

static inline uint64_t sat_add(uint64_t a, u128 b)
{
    u128 s = (u128)a + b;
    return s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

/* ---- slots ---------------------------------------------------------------------- */

uint32_t sim_queue_slot_alloc(sim_queue *q)
{
    uint32_t s = q->free_head;
    if (s != SIM_LQ_NIL) {
        q->free_head = q->slots[s].next;
        return s;
    }
    if (q->nslots == q->slot_cap) {
        if (q->slot_cap >= SLOT_LIMIT) {
            fprintf(stderr, "dsim: engine: more than %u pending events\n", SLOT_LIMIT);
            abort();
        }
        uint64_t cap = (uint64_t)q->slot_cap * 2;
        if (cap > SLOT_LIMIT)
            cap = SLOT_LIMIT;
        sim_slot *slots = sim_xaligned_alloc(64, (size_t)cap * sizeof *slots);
        memcpy(slots, q->slots, (size_t)q->nslots * sizeof *slots);
        free(q->slots);
        q->slots = slots;
        q->slot_cap = (uint32_t)cap;
    }
    s = q->nslots++;
    q->slots[s].gen = 0;
    return s;
}

static inline void slot_free(sim_queue *q, uint32_t s)
{
    sim_slot *sl = &q->slots[s];
    sl->fn = NULL;
    sl->gen++;
    sl->next = q->free_head;
    q->free_head = s;
}

/* ---- lists ---------------------------------------------------------------------- */

static inline void list_push(sim_slot *slots, uint32_t *head, uint32_t s)
{
    slots[s].next = *head;
    *head = s;
}

/* ---- bottom ---------------------------------------------------------------------- */

static inline sim_bottom_ent bottom_ent(sim_slot *slots, uint32_t s)
{
    sim_bottom_ent x;
    slots[s].where = SIM_LQ_IN_BOTTOM;
    x.key = ((u128)slots[s].t << 64) | slots[s].seq;
    x.slot = s;
    return x;
}

static inline bool bottom_empty(const sim_queue *q)
{
    return q->bot.rhead == q->bot.rn && q->bot.hn == 0;
}

/* Moves a list into Bottom's (exhausted) run, freeing cancelled slots. */
static void bottom_fill(sim_queue *q, uint32_t head, uint32_t count)
{
    sim_bottom_ent *run = sim_bottom__fill_begin(&q->bot, count);
    sim_slot *slots = q->slots;
    size_t n = 0;
    uint32_t s = head;
    while (s != SIM_LQ_NIL) {
        uint32_t next = slots[s].next;
        if (slots[s].fn) {
            assert(n < count);
            run[n++] = bottom_ent(slots, s);
        } else {
            slot_free(q, s);
            q->dead--;
        }
        s = next;
    }
    sim_bottom__fill_end(&q->bot, n);
}

/* ---- rungs ---------------------------------------------------------------------- */

/* The smallest shift such that buckets of 2^shift cover `span` (>= 1) ns in at most
 * `target` (>= 1) buckets. */
static unsigned pick_shift(uint64_t span, uint64_t target)
{
    unsigned shift = 0;
    while (shift < 63 && ((span - 1) >> shift) + 1 > target)
        shift++;
    return shift;
}

/* Makes rung r cover [start, ...) with buckets of 2^shift, nb buckets, all empty. */
static sim_rung *rung_make(sim_queue *q, unsigned r, uint64_t start, unsigned shift, uint32_t nb)
{
    assert(r < SIM_LQ_MAX_RUNGS && nb >= 1 && nb <= MAX_BUCKETS);
    sim_rung *R = &q->rungs[r];
    if (R->cap < nb) {
        uint32_t cap = R->cap ? R->cap : 64;
        while (cap < nb)
            cap *= 2;
        sim_bucket *b = sim_xrealloc(R->b, (size_t)cap * sizeof *b);
        R->b = b;
        R->cap = cap;
    }
    for (uint32_t i = 0; i < nb; i++)
        R->b[i] = (sim_bucket){SIM_LQ_NIL, 0};
    R->start = start;
    R->cstart = start;
    R->shift = shift;
    R->nb = nb;
    R->cur = 0;
    return R;
}

/* Distributes a list into rung r's buckets, freeing cancelled slots. */
static void rung_fill(sim_queue *q, unsigned r, uint32_t head)
{
    sim_rung *R = &q->rungs[r];
    sim_slot *slots = q->slots;
    uint32_t s = head;
    while (s != SIM_LQ_NIL) {
        uint32_t next = slots[s].next;
        if (slots[s].fn) {
            uint64_t bi = (slots[s].t - R->start) >> R->shift;
            assert(slots[s].t >= R->start && bi < R->nb);
            list_push(slots, &R->b[bi].head, s);
            slots[s].where = SIM_LQ_IN_RUNG;
            R->b[bi].count++;
        } else {
            slot_free(q, s);
            q->dead--;
        }
        s = next;
    }
}

/* Distributes Top's array into rung r's buckets (Top holds no cancelled events). */
static void rung_fill_top(sim_queue *q, unsigned r)
{
    sim_rung *R = &q->rungs[r];
    sim_slot *slots = q->slots;
    const uint32_t *top = q->top;
    uint32_t n = q->top_count;
    for (uint32_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(&slots[top[i + 8]]);
        uint32_t s = top[i];
        assert(slots[s].fn);
        uint64_t bi = (slots[s].t - R->start) >> R->shift;
        assert(slots[s].t >= R->start && bi < R->nb);
        list_push(slots, &R->b[bi].head, s);
        slots[s].where = SIM_LQ_IN_RUNG;
        R->b[bi].count++;
    }
}

/* Turns Top into rung 0. */
static void top_to_rung0(sim_queue *q)
{
    assert(q->nrungs == 0 && q->top_count > 0);
    uint64_t span = q->top_max - q->top_min + 1; /* top_max - top_min < 2^63 */
    uint64_t target = (uint64_t)q->top_count * RUNG0_SPREAD;
    target = target < MAX_BUCKETS ? target : MAX_BUCKETS;
    unsigned shift = pick_shift(span, target);
    uint32_t nb = (uint32_t)(((span - 1) >> shift) + 1);
    rung_make(q, 0, q->top_min, shift, nb);
    q->top_start = sat_add(q->top_min, (u128)nb << shift);
    rung_fill_top(q, 0);
    q->nrungs = 1;
    q->top_count = 0;
    q->top_min = UINT64_MAX;
    q->top_max = 0;
}

/* Splits a consumed bucket (list head, count events, which ended at bend) into a new
 * rung below the others. Returns false, leaving the list alone, if its events all
 * share one timestamp. */
static bool spawn(sim_queue *q, uint32_t head, uint32_t count, uint64_t bend)
{
    sim_slot *slots = q->slots;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (uint32_t s = head; s != SIM_LQ_NIL; s = slots[s].next) {
        if (!slots[s].fn)
            continue;
        uint64_t t = slots[s].t;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    if (lo >= hi)
        return false; /* one timestamp (or none alive) */
    assert(bend > hi);
    uint64_t span = bend - lo;
    uint64_t target = count < MAX_BUCKETS ? count : MAX_BUCKETS;
    unsigned shift = pick_shift(span, target);
    uint32_t nb = (uint32_t)(((span - 1) >> shift) + 1);
    unsigned r = q->nrungs;
    rung_make(q, r, lo, shift, nb);
    rung_fill(q, r, head);
    q->nrungs++;
    return true;
}

/* Refills an empty Bottom. Returns false if the queue is empty. */
static bool refill(sim_queue *q)
{
    assert(bottom_empty(q));
    for (;;) {
        if (q->nrungs == 0) {
            if (q->top_count == 0)
                return false;
            top_to_rung0(q);
            continue;
        }
        sim_rung *R = &q->rungs[q->nrungs - 1];
        uint64_t width = UINT64_C(1) << R->shift;
        while (R->cur < R->nb && R->b[R->cur].count == 0) {
            R->cur++;
            R->cstart = sat_add(R->cstart, width);
        }
        if (R->cur == R->nb) {
            q->nrungs--;
            continue;
        }
        sim_bucket B = R->b[R->cur];
        R->b[R->cur] = (sim_bucket){SIM_LQ_NIL, 0};
        R->cur++;
        R->cstart = sat_add(R->cstart, width);
        if (B.count > SIM_LQ_THRES && R->shift > 0 && q->nrungs < SIM_LQ_MAX_RUNGS &&
            spawn(q, B.head, B.count, R->cstart))
            continue;
        bottom_fill(q, B.head, B.count);
        if (!bottom_empty(q)) /* else every event in the bucket was cancelled */
            return true;
    }
}

/* ---- public (to engine.c) ------------------------------------------------------- */

void sim_queue_init(sim_queue *q, size_t capacity_hint)
{
    memset(q, 0, sizeof *q);
    size_t cap = 64;
    while (cap < capacity_hint && cap < SLOT_LIMIT / 2)
        cap *= 2;
    q->slots = sim_xaligned_alloc(64, cap * sizeof *q->slots);
    q->slot_cap = (uint32_t)cap;
    q->free_head = SIM_LQ_NIL;
    q->now_head = q->now_tail = SIM_LQ_NIL;
    q->top_start = 0;
    q->top_min = UINT64_MAX;
    q->top_max = 0;
}

void sim_queue_free(sim_queue *q)
{
    free(q->slots);
    free(q->top);
    for (unsigned r = 0; r < SIM_LQ_MAX_RUNGS; r++)
        free(q->rungs[r].b);
    sim_bottom__free(&q->bot);
    memset(q, 0, sizeof *q);
}

void sim_queue_insert(sim_queue *q, uint32_t s)
{
    sim_slot *slots = q->slots;
    uint64_t t = slots[s].t;
    q->live++;
    if (t >= q->top_start) {
        if (q->top_count == q->top_cap) {
            uint32_t cap = q->top_cap ? q->top_cap * 2 : 64;
            uint32_t *top = sim_xrealloc(q->top, (size_t)cap * sizeof *top);
            q->top = top;
            q->top_cap = cap;
        }
        sim_slot *sl = &slots[s];
        sl->where = SIM_LQ_IN_TOP;
        sl->pos = q->top_count;
        q->top[q->top_count++] = s;
        q->top_min = t < q->top_min ? t : q->top_min;
        q->top_max = t > q->top_max ? t : q->top_max;
        return;
    }
    for (unsigned r = 0; r < q->nrungs; r++) {
        sim_rung *R = &q->rungs[r];
        if (t >= R->cstart) {
            uint64_t bi = (t - R->start) >> R->shift;
            assert(bi < R->nb);
            list_push(slots, &R->b[bi].head, s);
            slots[s].where = SIM_LQ_IN_RUNG;
            R->b[bi].count++;
            return;
        }
    }
    sim_bottom__push(&q->bot, bottom_ent(slots, s));
}

static void drop_dead(sim_queue *q, uint32_t s)
{
    slot_free(q, s);
    q->dead--;
}

/* Rebuilds every list and Bottom without their cancelled entries. */
static uint32_t purge_list(sim_queue *q, uint32_t head, uint32_t *count)
{
    sim_slot *slots = q->slots;
    uint32_t out = SIM_LQ_NIL, n = 0;
    uint32_t s = head;
    while (s != SIM_LQ_NIL) {
        uint32_t next = slots[s].next;
        if (slots[s].fn) {
            list_push(slots, &out, s);
            n++;
        } else {
            slot_free(q, s);
            q->dead--;
        }
        s = next;
    }
    *count = n;
    return out;
}

static void purge(sim_queue *q)
{
    for (unsigned r = 0; r < q->nrungs; r++) {
        sim_rung *R = &q->rungs[r];
        for (uint32_t i = R->cur; i < R->nb; i++)
            if (R->b[i].count)
                R->b[i].head = purge_list(q, R->b[i].head, &R->b[i].count);
    }
    sim_bottom *b = &q->bot;
    size_t n = b->rhead;
    for (size_t i = b->rhead; i < b->rn; i++) {
        if (q->slots[b->run[i].slot].fn)
            b->run[n++] = b->run[i];
        else
            drop_dead(q, b->run[i].slot);
    }
    b->rn = n;
    n = 0;
    for (size_t i = 0; i < b->hn; i++) {
        if (q->slots[b->heap[i].slot].fn)
            b->heap[n++] = b->heap[i];
        else
            drop_dead(q, b->heap[i].slot);
    }
    b->hn = n;
    sim_bottom__heapify(b);
    assert(q->dead == 0);
}

void sim_queue_insert_now(sim_queue *q, uint32_t s)
{
    sim_slot *sl = &q->slots[s];
    q->live++;
    sl->where = SIM_LQ_IN_NOW;
    sl->next = SIM_LQ_NIL;
    if (q->now_head == SIM_LQ_NIL)
        q->now_head = s;
    else
        q->slots[q->now_tail].next = s;
    q->now_tail = s;
}

uint32_t sim_queue_peek_now(sim_queue *q)
{
    uint32_t s;
    while ((s = q->now_head) != SIM_LQ_NIL && !q->slots[s].fn) {
        q->now_head = q->slots[s].next; /* a cancelled one: freed as the head passes */
        slot_free(q, s);
    }
    return s;
}

void sim_queue_pop_now(sim_queue *q)
{
    uint32_t s = q->now_head;
    assert(s != SIM_LQ_NIL && q->slots[s].fn);
    q->now_head = q->slots[s].next;
    slot_free(q, s);
    q->live--;
}

void sim_queue_remove(sim_queue *q, uint32_t s)
{
    sim_slot *sl = &q->slots[s];
    assert(sl->fn);
    q->live--;
    if (sl->where == SIM_LQ_IN_NOW) { /* stays linked until Now's head passes it */
        sl->fn = NULL;
        sl->gen++;
        return;
    }
    if (sl->where == SIM_LQ_IN_TOP) {
        uint32_t last = q->top[--q->top_count];
        q->top[sl->pos] = last;
        q->slots[last].pos = sl->pos;
        if (q->top_count == 0) { /* else top_min/top_max stay as bounds */
            q->top_min = UINT64_MAX;
            q->top_max = 0;
        }
        slot_free(q, s);
        return;
    }
    sl->fn = NULL; /* freed when a walk meets it */
    sl->gen++;
    q->dead++;
    if (q->dead >= SIM_LQ_PURGE_MIN && q->dead > q->live)
        purge(q);
}

uint32_t sim_queue_peek(sim_queue *q)
{
    for (;;) {
        const sim_bottom_ent *m = sim_bottom__min(&q->bot);
        if (!m) {
            if (!refill(q))
                return SIM_LQ_NIL;
            continue;
        }
        uint32_t s = m->slot;
        if (q->slots[s].fn)
            return s;
        sim_bottom__pop(&q->bot);
        drop_dead(q, s);
    }
}

void sim_queue_pop(sim_queue *q)
{
    /* the minimum sim_queue_peek found: Bottom remembers where it was */
    const sim_bottom *b = &q->bot;
    uint32_t s = b->min_in_run ? b->run[b->rhead].slot : b->heap[0].slot;
    assert(sim_bottom__min(&q->bot)->slot == s && q->slots[s].fn);
    sim_bottom__pop(&q->bot);
    slot_free(q, s);
    q->live--;
}
