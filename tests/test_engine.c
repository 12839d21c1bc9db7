/* test_engine.c — the simulation kernel: event order, timers, run loop semantics,
 * and a randomized differential test against a sorted-list reference queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "engine_internal.h"

/* ---- helpers ------------------------------------------------------------------ */

#define LOG_MAX 4096

/* Records which events ran, and when. */
typedef struct log {
    size_t n;
    uint64_t id[LOG_MAX];
    sim_time at[LOG_MAX];
} log;

static void record(sim_engine *e, void *ctx, uint64_t id, uint64_t unused)
{
    (void)unused;
    log *l = ctx;
    assert_true(l->n < LOG_MAX);
    l->id[l->n] = id;
    l->at[l->n] = sim_engine_now(e);
    l->n++;
}

static void record_and_stop(sim_engine *e, void *ctx, uint64_t id, uint64_t b)
{
    record(e, ctx, id, b);
    sim_engine_stop(e);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* ---- ordering ----------------------------------------------------------------- */

static void events_run_by_time_then_schedule_order(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(4);
    /* 600 events over 3 timestamps, scheduled in an interleaved order; 200 share
     * each time, which is more than one ladder bucket splits. */
    const sim_time times[3] = {30, 10, 20};
    for (uint64_t i = 0; i < 600; i++)
        sim_engine_schedule(e, times[i % 3], record, &l, i, 0);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(l.n, 600);
    for (size_t k = 1; k < l.n; k++) {
        assert_true(l.at[k - 1] <= l.at[k]);
        if (l.at[k - 1] == l.at[k])
            assert_true(l.id[k - 1] < l.id[k]); /* FIFO among equals */
    }
    assert_int_equal(l.at[0], 10);
    assert_int_equal(l.id[0], 1);
    assert_int_equal(l.at[599], 30);
    assert_int_equal(l.id[599], 597);
    sim_engine_free(e);
}

/* An event scheduled at `now` from a callback runs after the events already
 * scheduled for now. */
static void sched_now_from_callback(sim_engine *e, void *ctx, uint64_t id, uint64_t b)
{
    record(e, ctx, id, b);
    if (id == 0)
        sim_engine_schedule(e, sim_engine_now(e), record, ctx, 99, 0);
}

static void event_scheduled_for_now_runs_after_earlier_equals(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_engine_schedule(e, 5, sched_now_from_callback, &l, 0, 0);
    sim_engine_schedule(e, 5, record, &l, 1, 0);
    sim_engine_schedule(e, 6, record, &l, 2, 0);
    sim_engine_run(e, SIM_NEVER, 0);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.id[0], 0);
    assert_int_equal(l.id[1], 1);
    assert_int_equal(l.id[2], 99);
    assert_int_equal(l.at[2], 5);
    assert_int_equal(l.id[3], 2);
    sim_engine_free(e);
}

/* Zero-delay events skip the ladder (queue.h, Now) and keep (time, sequence)
 * order: a chain of them runs after every event scheduled earlier for that time,
 * in the order scheduled; one cancelled there never runs and its handle goes
 * stale; the clock stays put while one is pending. */
static void zero_delay_chain(sim_engine *e, void *ctx, uint64_t id, uint64_t b)
{
    record(e, ctx, id, b);
    if (id >= 10 && id < 14) /* each schedules the next at once, and one to cancel */
        sim_engine_schedule(e, sim_engine_now(e), zero_delay_chain, ctx, id + 1, 0);
    if (id == 10) {
        sim_timer t = sim_engine_schedule(e, sim_engine_now(e), record, ctx, 77, 0);
        assert_int_equal(sim_engine_events_pending(e), 4); /* 11, 77, 2, 3 */
        assert_int_equal(sim_engine_next_time(e), sim_engine_now(e));
        assert_true(sim_engine_cancel(e, t));
        assert_false(sim_engine_timer_pending(e, t));
        assert_false(sim_engine_cancel(e, t));
    }
}

static void zero_delay_events_keep_time_and_sequence_order(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_engine_schedule(e, 5, zero_delay_chain, &l, 10, 0);
    sim_engine_schedule(e, 5, record, &l, 2, 0); /* scheduled before 11..14 exist */
    sim_engine_schedule(e, 6, record, &l, 3, 0);
    sim_engine_run(e, SIM_NEVER, 0);
    const uint64_t want[] = {10, 2, 11, 12, 13, 14, 3};
    assert_int_equal(l.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.id[i], want[i]);
        assert_int_equal(l.at[i], want[i] == 3 ? 6 : 5);
    }
    assert_int_equal(sim_engine_events_pending(e), 0);
    assert_int_equal(sim_engine_events_executed(e), l.n);
    sim_engine_free(e);
}

/* Times near the top of the range (the ladder's bucket arithmetic saturates there)
 * still order correctly, mixed with ordinary ones scheduled later. */
static void extreme_times_keep_their_order(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_engine_schedule(e, SIM_NEVER, record, &l, 5, 0);
    sim_engine_schedule(e, (sim_time)1 << 62, record, &l, 3, 0);
    sim_engine_schedule(e, SIM_NEVER - 1, record, &l, 4, 0);
    sim_engine_schedule(e, 0, record, &l, 0, 0);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 1), SIM_ENGINE_BUDGET);
    sim_engine_schedule(e, 10, record, &l, 1, 0);
    sim_engine_schedule(e, ((sim_time)1 << 62) - 1, record, &l, 2, 0);
    sim_engine_schedule(e, SIM_NEVER, record, &l, 6, 0);
    assert_int_equal(sim_engine_next_time(e), 10);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(l.n, 7);
    for (uint64_t i = 0; i < 7; i++)
        assert_int_equal(l.id[i], i);
    assert_int_equal(sim_engine_now(e), SIM_NEVER);
    sim_engine_free(e);
}

/* ---- timers ------------------------------------------------------------------- */

static void cancel_pending_event_prevents_it(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_timer a = sim_engine_schedule(e, 10, record, &l, 1, 0);
    sim_timer b = sim_engine_schedule(e, 20, record, &l, 2, 0);
    assert_true(a != 0 && b != 0 && a != b);
    assert_true(sim_engine_timer_pending(e, a));
    assert_int_equal(sim_engine_events_pending(e), 2);
    assert_true(sim_engine_cancel(e, a));
    assert_false(sim_engine_timer_pending(e, a));
    assert_int_equal(sim_engine_events_pending(e), 1);
    assert_int_equal(sim_engine_next_time(e), 20);
    assert_false(sim_engine_cancel(e, a)); /* double cancel */
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.id[0], 2);
    assert_false(sim_engine_cancel(e, b)); /* already fired */
    assert_false(sim_engine_cancel(e, 0));
    assert_false(sim_engine_cancel(e, UINT64_MAX)); /* never issued */
    sim_engine_free(e);
}

static void stale_handle_does_not_cancel_slot_reuser(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_timer a = sim_engine_schedule(e, 10, record, &l, 1, 0);
    assert_true(sim_engine_cancel(e, a));
    sim_engine_run(e, SIM_NEVER, 0); /* lets the engine reclaim a's slot */
    sim_timer b = sim_engine_schedule(e, 20, record, &l, 2, 0);
    assert_true(a != b);
    assert_false(sim_engine_cancel(e, a));
    assert_true(sim_engine_timer_pending(e, b));
    sim_engine_run(e, SIM_NEVER, 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.id[0], 2);
    sim_engine_free(e);
}

static sim_timer self_handle;
static bool self_cancel_result = true;

static void cancel_self(sim_engine *e, void *ctx, uint64_t a, uint64_t b)
{
    (void)ctx;
    (void)a;
    (void)b;
    self_cancel_result = sim_engine_cancel(e, self_handle);
}

static void running_event_is_no_longer_pending(void **state)
{
    (void)state;
    sim_engine *e = sim_engine_new(0);
    self_handle = sim_engine_schedule(e, 1, cancel_self, NULL, 0, 0);
    sim_engine_run(e, SIM_NEVER, 0);
    assert_false(self_cancel_result);
    assert_int_equal(sim_engine_events_executed(e), 1);
    sim_engine_free(e);
}

/* ---- run loop ----------------------------------------------------------------- */

static void run_stops_at_end_and_sets_clock(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_engine_schedule(e, 1 * SIM_NS_PER_S, record, &l, 1, 0);
    sim_engine_schedule(e, 2 * SIM_NS_PER_S, record, &l, 2, 0);
    sim_engine_schedule(e, 3 * SIM_NS_PER_S, record, &l, 3, 0);
    /* An event exactly at `end` runs. */
    assert_int_equal(sim_engine_run(e, 2 * SIM_NS_PER_S, 0), SIM_ENGINE_END);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_engine_now(e), 2 * SIM_NS_PER_S);
    assert_int_equal(sim_engine_run(e, 2500000000, 0), SIM_ENGINE_END);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_engine_now(e), 2500000000);
    /* An end before now leaves the clock alone. */
    assert_int_equal(sim_engine_run(e, 1, 0), SIM_ENGINE_END);
    assert_int_equal(sim_engine_now(e), 2500000000);
    assert_int_equal(sim_engine_events_pending(e), 1);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(l.n, 3);
    assert_int_equal(sim_engine_now(e), 3 * SIM_NS_PER_S);
    /* Empty: the clock stays at the last event. */
    assert_int_equal(sim_engine_run(e, 10 * SIM_NS_PER_S, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(sim_engine_now(e), 3 * SIM_NS_PER_S);
    assert_int_equal(sim_engine_next_time(e), SIM_NEVER);
    sim_engine_free(e);
}

static void run_stops_after_budget(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    for (uint64_t i = 0; i < 10; i++)
        sim_engine_schedule(e, (sim_time)i, record, &l, i, 0);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 3), SIM_ENGINE_BUDGET);
    assert_int_equal(l.n, 3);
    assert_int_equal(sim_engine_events_executed(e), 3);
    assert_int_equal(sim_engine_now(e), 2);
    /* The budget counts per call. */
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 3), SIM_ENGINE_BUDGET);
    assert_int_equal(l.n, 6);
    /* Budget reached as the queue empties: budget is checked first. */
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 4), SIM_ENGINE_BUDGET);
    assert_int_equal(l.n, 10);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 4), SIM_ENGINE_EMPTY);
    assert_int_equal(sim_engine_events_executed(e), 10);
    sim_engine_free(e);
}

static void stop_returns_after_current_event(void **state)
{
    (void)state;
    static log l;
    memset(&l, 0, sizeof l);
    sim_engine *e = sim_engine_new(0);
    sim_engine_schedule(e, 1, record, &l, 1, 0);
    sim_engine_schedule(e, 2, record_and_stop, &l, 2, 0);
    sim_engine_schedule(e, 2, record, &l, 3, 0);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_STOPPED);
    assert_int_equal(l.n, 2);
    assert_int_equal(sim_engine_now(e), 2);
    assert_int_equal(sim_engine_events_pending(e), 1);
    /* The next run starts afresh. */
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.id[2], 3);
    sim_engine_free(e);
}

static void run_on_empty_engine_returns_empty(void **state)
{
    (void)state;
    sim_engine *e = sim_engine_new(0);
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 0), SIM_ENGINE_EMPTY);
    assert_int_equal(sim_engine_now(e), 0);
    assert_int_equal(sim_engine_events_executed(e), 0);
    assert_int_equal(sim_engine_events_pending(e), 0);
    sim_engine_free(e);
    sim_engine_free(NULL);
}

/* ---- differential test -------------------------------------------------------- */

#define REF_MAX 40000

/* The reference: pending events in an array sorted by (time, seq) descending, so the
 * minimum is at the end. */
typedef struct ref_ev {
    sim_time t;
    uint64_t seq;
    uint64_t id;
} ref_ev;

typedef struct diff {
    sim_engine *e;
    uint64_t rng;
    ref_ev ref[REF_MAX];
    size_t nref;
    uint64_t seq;                /* reference insertion counter */
    sim_timer handle[REF_MAX * 4]; /* by id */
    bool fired[REF_MAX * 4];
    bool cancelled[REF_MAX * 4];
    uint64_t next_id;
    uint64_t ran;
    uint64_t target;
    sim_time last_now;
    bool failed;
} diff;

static void diff_event(sim_engine *e, void *ctx, uint64_t id, uint64_t b);

static bool ref_before(const ref_ev *x, sim_time t, uint64_t seq)
{
    return x->t < t || (x->t == t && x->seq < seq);
}

static void ref_insert(diff *d, sim_time t, uint64_t id)
{
    assert_true(d->nref < REF_MAX);
    uint64_t seq = d->seq++;
    /* Descending: find the first index whose entry is before (t, seq). */
    size_t lo = 0, hi = d->nref;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ref_before(&d->ref[mid], t, seq))
            hi = mid;
        else
            lo = mid + 1;
    }
    memmove(&d->ref[lo + 1], &d->ref[lo], (d->nref - lo) * sizeof d->ref[0]);
    d->ref[lo] = (ref_ev){t, seq, id};
    d->nref++;
}

/* Pops the reference minimum that was not cancelled. */
static ref_ev ref_pop(diff *d)
{
    while (d->nref > 0) {
        ref_ev x = d->ref[--d->nref];
        if (!d->cancelled[x.id])
            return x;
    }
    fail_msg("reference queue empty while the engine ran an event");
    return (ref_ev){0, 0, 0};
}

/* A delay with many exact ties: zero, tiny, clustered, spread, and rare far ones. */
static sim_time draw_delay(diff *d)
{
    uint64_t r = splitmix(&d->rng);
    switch (r % 8) {
    case 0:
    case 1:
        return 0;
    case 2:
        return (sim_time)((r >> 8) % 4);
    case 3:
        return (sim_time)((r >> 8) % 3) * 1000;
    case 4:
        return (sim_time)((r >> 8) % 1000000);
    case 5:
        return (sim_time)((r >> 8) % 50) * SIM_NS_PER_S;
    case 6:
        return (sim_time)((r >> 8) % 1000);
    default:
        return (r >> 8) % 64 == 0 ? (sim_time)1 << 50 : (sim_time)((r >> 8) % 100000000);
    }
}

static void diff_schedule(diff *d, sim_time at)
{
    uint64_t id = d->next_id++;
    assert_true(id < REF_MAX * 4);
    d->handle[id] = sim_engine_schedule(d->e, at, diff_event, d, id, 0);
    ref_insert(d, at, id);
}

/* Cancels a random earlier id; engine and reference must agree on whether it was
 * pending. */
static void diff_cancel_one(diff *d)
{
    if (d->next_id == 0)
        return;
    uint64_t id = splitmix(&d->rng) % d->next_id;
    bool pending = !d->fired[id] && !d->cancelled[id];
    bool got = sim_engine_cancel(d->e, d->handle[id]);
    assert_int_equal(got, pending);
    if (got)
        d->cancelled[id] = true;
}

static void diff_event(sim_engine *e, void *ctx, uint64_t id, uint64_t b)
{
    (void)b;
    diff *d = ctx;
    ref_ev x = ref_pop(d);
    assert_int_equal(id, x.id);
    assert_int_equal(sim_engine_now(e), x.t);
    assert_true(sim_engine_now(e) >= d->last_now); /* the clock never goes backwards */
    assert_false(d->fired[id]);
    assert_false(d->cancelled[id]);
    d->last_now = sim_engine_now(e);
    d->fired[id] = true;
    d->ran++;
    uint64_t r = splitmix(&d->rng);
    /* Keep the population near a level that moves between phases. */
    size_t level = (d->ran / 20000) % 2 ? 3000 : 300;
    unsigned kids = sim_engine_events_pending(e) < level ? 1 + (unsigned)(r % 3) : (unsigned)(r % 2);
    for (unsigned k = 0; k < kids && d->next_id < d->target; k++)
        diff_schedule(d, sim_engine_now(e) + draw_delay(d));
    if (r % 5 == 0)
        diff_cancel_one(d);
}

static void engine_matches_sorted_list_reference(void **state)
{
    (void)state;
    diff *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->e = sim_engine_new(16);
    d->rng = 12345;
    d->target = REF_MAX * 4 - 16;
    /* A burst at one timestamp, larger than any bucket split threshold. */
    for (int i = 0; i < 500; i++)
        diff_schedule(d, 7 * SIM_NS_PER_S);
    for (int i = 0; i < 500; i++)
        diff_schedule(d, draw_delay(d));
    for (int i = 0; i < 300; i++)
        diff_cancel_one(d);
    /* Spread events into the ladder's rungs (the first pop sorts them there), then
     * cancel most of them, so cancelled events outnumber live ones and get purged. */
    for (int i = 0; i < 4000; i++)
        diff_schedule(d, SIM_NS_PER_S + draw_delay(d));
    assert_int_equal(sim_engine_run(d->e, SIM_NEVER, 1), SIM_ENGINE_BUDGET);
    for (int i = 0; i < 300; i++) /* due before the ladder's next bucket */
        diff_schedule(d, sim_engine_now(d->e) + (sim_time)(i % 3));
    for (int i = 0; i < 6000; i++)
        diff_cancel_one(d);
    /* Run in slices with random budgets and ends; cancel between slices too. */
    unsigned slices = 0;
    for (;;) {
        assert_true(++slices < 1000000);
        uint64_t r = splitmix(&d->rng);
        sim_time end = r % 3 == 0 ? SIM_NEVER : sim_engine_now(d->e) + (sim_time)(r % 2000000);
        uint64_t budget = (r >> 8) % 4 == 0 ? 0 : 1 + (r >> 16) % 5000;
        sim_engine_status st = sim_engine_run(d->e, end, budget);
        assert_true(sim_engine_now(d->e) >= d->last_now);
        d->last_now = sim_engine_now(d->e);
        if (st == SIM_ENGINE_EMPTY)
            break;
        if (st == SIM_ENGINE_END)
            assert_true(sim_engine_next_time(d->e) > end);
        size_t live = 0;
        for (size_t i = 0; i < d->nref; i++)
            live += !d->cancelled[d->ref[i].id];
        assert_int_equal(sim_engine_events_pending(d->e), live);
        for (uint64_t k = 0; k < r % 7; k++)
            diff_cancel_one(d);
        if (d->next_id < d->target && r % 2)
            diff_schedule(d, sim_engine_now(d->e) + draw_delay(d));
    }
    assert_true(d->ran > 100000);
    assert_int_equal(sim_engine_events_executed(d->e), d->ran);
    /* Everything scheduled either ran or was cancelled, exactly once. */
    for (uint64_t id = 0; id < d->next_id; id++)
        assert_true(d->fired[id] != d->cancelled[id]);
    sim_engine_free(d->e);
    free(d);
}

/* Many pending timeouts cancelled long before they are due, as a dispatcher does:
 * memory for cancelled events is reclaimed (pending stays exact). */
static void hold_cancel(sim_engine *e, void *ctx, uint64_t chain, uint64_t b)
{
    (void)b;
    sim_timer *timeouts = ctx;
    assert_true(sim_engine_cancel(e, timeouts[chain]));
    timeouts[chain] = sim_engine_schedule(e, sim_engine_now(e) + 1000000, record, NULL, 0, 0);
    sim_engine_schedule(e, sim_engine_now(e) + 1 + (sim_time)(chain * 7919 % 1000), hold_cancel, ctx, chain, 0);
}

static void cancelled_timeouts_do_not_accumulate(void **state)
{
    (void)state;
    enum { CHAINS = 2000 };
    static sim_timer timeouts[CHAINS];
    sim_engine *e = sim_engine_new(0);
    for (uint64_t i = 0; i < CHAINS; i++) {
        timeouts[i] = sim_engine_schedule(e, 1000000, record, NULL, 0, 0);
        sim_engine_schedule(e, (sim_time)i, hold_cancel, timeouts, i, 0);
    }
    assert_int_equal(sim_engine_run(e, SIM_NEVER, 500000), SIM_ENGINE_BUDGET);
    assert_int_equal(sim_engine_events_pending(e), 2 * CHAINS);
    /* 500000 timeouts were cancelled; the pool stays within a small multiple of
     * the 4000 pending events. */
    assert_true(sim_engine__slots_high_water(e) <= 3 * 2 * CHAINS + 2048);
    sim_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_run_by_time_then_schedule_order),
        cmocka_unit_test(event_scheduled_for_now_runs_after_earlier_equals),
        cmocka_unit_test(zero_delay_events_keep_time_and_sequence_order),
        cmocka_unit_test(extreme_times_keep_their_order),
        cmocka_unit_test(cancel_pending_event_prevents_it),
        cmocka_unit_test(stale_handle_does_not_cancel_slot_reuser),
        cmocka_unit_test(running_event_is_no_longer_pending),
        cmocka_unit_test(run_stops_at_end_and_sets_clock),
        cmocka_unit_test(run_stops_after_budget),
        cmocka_unit_test(stop_returns_after_current_event),
        cmocka_unit_test(run_on_empty_engine_returns_empty),
        cmocka_unit_test(engine_matches_sorted_list_reference),
        cmocka_unit_test(cancelled_timeouts_do_not_accumulate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
