/*
 * test_dispatcher_window.c — a session holds per-index facts (its jobs, the
 * queue's wait entries and flags) for a sliding window of indices only, so a
 * long session costs memory for the jobs in flight, not for every utterance it
 * spoke; and nothing a message can still reach behaves differently for it.
 *
 * Timing used throughout (lingua-2025-12-28, retention 300 s): utterance n at
 * t = 2n s, answered 1 s later, so job n is forgotten at 2n + 301 s and, when
 * utterance m arrives, jobs m-150 .. m are held: 151 of them.
 */
#include "test_dispatcher_harness.h"

#define HELD 151 /* jobs held in a long session at the timing above */

static disp_stats stats(const disp *d)
{
    disp_stats st;

    disp_get_stats(d, &st);
    return st;
}

/* Session `sid` speaks indices from .. from+n-1, one every 2 s from t0, each
 * answered 1 s later by its node. Checks after each utterance past the
 * retention that the window holds exactly the held jobs, and the session
 * `kept` runs of wait entries besides. Keeps each ASSIGN in assigns[k] when
 * assigns is not NULL. Returns the time of the next utterance. */
static disp_time history_kept(disp *d, rec *r, uint64_t sid, uint32_t from, uint32_t n,
                              disp_time t0, disp_cmd *assigns, uint64_t kept)
{
    for (uint32_t k = 0; k < n; k++) {
        disp_time t = t0 + SEC(2) * k;
        uint64_t job = utter(d, t, sid, from + k);
        disp_stats st = stats(d);
        if (assigns != NULL)
            assigns[k] = *last_assign(r, job);
        if (k >= HELD) {
            assert_int_equal(st.jobs_in_memory, HELD);
            assert_int_equal(st.session_index_entries, HELD + kept);
        }
        answer(d, r, t + SEC(1), job, true);
        rec_clear(r);
    }
    return t0 + SEC(2) * n;
}

static disp_time history(disp *d, rec *r, uint64_t sid, uint32_t from, uint32_t n,
                         disp_time t0, disp_cmd *assigns)
{
    return history_kept(d, r, sid, from, n, t0, assigns, 0);
}

static void long_session(disp_queue_mode mode, uint32_t n)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    disp_stats st;

    p.result_queue = mode;
    d = mk(&p, &r, 2);
    history(d, &r, 1, 0, n, 0, NULL);
    st = stats(d);
    assert_int_equal(st.deliveries, n);
    assert_int_equal(st.ack_discards + st.ack_skips + st.queue_duplicates, 0);
    assert_int_equal(disp_session_close(d, SEC(2) * n, 1), 0);
    assert_int_equal(stats(d).session_index_entries, 0);
    disp_free(d);
    rec_free(&r);
}

static void test_a_session_of_100000_utterances_holds_only_its_held_jobs_indices(void **state)
{
    (void)state;
    long_session(DISP_QUEUE_REFERENCE, 100000);
    long_session(DISP_QUEUE_ORDERED, 20000);
    long_session(DISP_QUEUE_IMMEDIATE, 20000);
}

/* One command, without what differs between two sessions (ids, clock origin,
 * index origin). */
typedef struct {
    int kind, event, error;
    disp_time dt;
    int64_t di;
    uint32_t attempt, node;
} norm;

/*
 * From t0 on, indices b, b+1, b+2 of session `sid` (its `expected` is b):
 * b's first attempt stalls; b+1 answers at once (b gets a wait entry); b
 * fails over at t0+31 and attempt 2's result is discarded (31 s > 5 s); b's
 * stalled attempt 1 answers late and is delivered, moving `expected` back;
 * b+2's result gives b+1 a fresh wait entry; a second copy of b+1 inside it is
 * delivered again. Returns the commands from t0 on, normalised, in *out.
 */
static size_t probe(disp *d, rec *r, uint64_t sid, uint32_t b, disp_time t0, norm *out,
                    size_t max)
{
    disp_cmd a1, b1;
    uint64_t ja, jb, jc;
    size_t n = 0;

    memset(out, 0, max * sizeof *out); /* compared bytewise, padding included */
    rec_clear(r);
    ja = utter(d, t0, sid, b);
    a1 = *last_assign(r, ja);
    jb = utter(d, t0 + SEC(1), sid, b + 1);
    b1 = *last_assign(r, jb);
    answer(d, r, t0 + SEC(2), jb, true);
    run_until(d, t0 + SEC(31));
    assert_int_equal(last_assign(r, ja)->attempt, 2);
    answer(d, r, t0 + SEC(33), ja, true);
    assert_int_equal(disp_result(d, t0 + SEC(34), a1.job_id, 1, a1.node, a1.session, a1.index, true), 0);
    jc = utter(d, t0 + SEC(35), sid, b + 2);
    answer(d, r, t0 + SEC(36), jc, true);
    assert_int_equal(disp_result(d, t0 + SEC(37), b1.job_id, 1, b1.node, b1.session, b1.index, true), 0);
    run_until(d, t0 + SEC(60));
    for (size_t i = 0; i < r->n; i++) {
        const disp_cmd *c = &r->v[i];
        assert_true(n < max);
        out[n].kind = c->kind;
        out[n].event = c->kind == DISP_CMD_LOG ? (int)c->event : -1;
        out[n].error = c->kind == DISP_CMD_ERROR ? (int)c->error : -1;
        out[n].dt = c->now - t0;
        out[n].di = c->kind == DISP_CMD_LOG && c->event == DISP_LOG_NODE_DOWN
                        ? 0 : (int64_t)c->index - (int64_t)b;
        out[n].attempt = c->attempt;
        out[n].node = c->node;
        n++;
    }
    assert_int_equal(deliveries_of(r, sid, b), 1);
    assert_int_equal(deliveries_of(r, sid, b + 1), 2);
    assert_int_equal(deliveries_of(r, sid, b + 2), 1);
    assert_int_equal(count_event(r, DISP_LOG_ACK_DISCARD), 1);
    return n;
}

static void test_a_late_copy_of_a_recent_index_behaves_as_in_a_short_session(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    norm shortv[128], longv[128];
    size_t ns, nl;
    rec r = {0};
    disp *d;
    disp_time t;

    (void)state;
    d = mk(&p, &r, 2);
    t = history(d, &r, 1, 0, 3, 0, NULL);
    ns = probe(d, &r, 1, 3, t + SEC(10), shortv, 128);
    disp_free(d);

    d = mk(&p, &r, 2);
    t = history(d, &r, 1, 0, 20000, 0, NULL);
    assert_int_equal(stats(d).session_index_entries, HELD);
    nl = probe(d, &r, 1, 20000, t + SEC(10), longv, 128);
    disp_free(d);

    assert_true(ns > 10);
    assert_int_equal(ns, nl);
    assert_memory_equal(shortv, longv, ns * sizeof shortv[0]);
    rec_free(&r);
}

/* A copy of a result, from the ASSIGN it answers. */
static int copy(disp *d, disp_time now, const disp_cmd *a)
{
    return disp_result(d, now, a->job_id, a->attempt, a->node, a->session, a->index, true);
}

static void test_a_result_for_an_index_dropped_from_the_window_is_still_queued(void **state)
{
    disp_queue_mode modes[] = {DISP_QUEUE_REFERENCE, DISP_QUEUE_ORDERED};
    static disp_cmd assigns[1000];

    (void)state;
    for (int m = 0; m < 2; m++) {
        disp_policy p = preset("lingua-2025-12-28");
        rec r = {0};
        disp *d;
        disp_time t;
        disp_stats before;

        p.result_queue = modes[m];
        d = mk(&p, &r, 2);
        t = history(d, &r, 1, 0, 1000, 0, assigns);
        /* Index 0: its job is forgotten, its entry dropped. The result is
         * queued for (1, 0) all the same, as the reference does (job_result.rs:
         * "Job does not exist, will still add to result queue"). */
        before = stats(d);
        assert_int_equal(copy(d, t, &assigns[0]), 0);
        assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), 1);
        assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), 1);
        if (modes[m] == DISP_QUEUE_ORDERED) { /* below `expected`: too late */
            assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
            assert_int_equal(stats(d).ack_discards, before.ack_discards + 1);
        } else { /* the reference queue releases it again (expected moves back) */
            assert_int_equal(deliveries_of(&r, 1, 0), 1);
            assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 0)->job, assigns[0].job);
            assert_int_equal(stats(d).deliveries, before.deliveries + 1);
        }
        /* Index 990: held (answered at 1981 s), in the window. */
        rec_clear(&r);
        assert_int_equal(copy(d, t, &assigns[990]), 0);
        if (modes[m] == DISP_QUEUE_ORDERED) { /* released before: never again */
            assert_int_equal(deliveries_of(&r, 1, 990), 0);
            assert_int_equal(count_event(&r, DISP_LOG_QUEUE_DUPLICATE), 1);
        } else { /* released again, as the reference queue does */
            assert_int_equal(deliveries_of(&r, 1, 990), 1);
            assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), 1);
        }
        disp_free(d);
        rec_free(&r);
    }
}

/* A forgotten job's result under every result_accept mode: success, failure,
 * a bad index, a closed session. */
static void test_a_result_for_a_forgotten_job_goes_where_its_message_says(void **state)
{
    disp_accept_mode modes[] = {DISP_ACCEPT_ALL, DISP_ACCEPT_CURRENT_ATTEMPT,
                                DISP_ACCEPT_FIRST_RESULT_WINS};

    (void)state;
    for (int m = 0; m < 3; m++) {
        disp_policy p = preset("lingua-2025-12-28");
        rec r = {0};
        disp *d;
        disp_cmd a;
        const disp_cmd *c;
        uint64_t job;

        p.result_accept = modes[m];
        p.retain = SEC(60);
        d = mk(&p, &r, 2);
        job = utter(d, 0, 1, 0);
        a = *last_assign(&r, job);
        answer(d, &r, SEC(1), job, true);
        assert_int_equal(deliveries_of(&r, 1, 0), 1);
        utter(d, SEC(100), 1, 1); /* job 0 is forgotten (finished at 1 s + 60 s) */
        assert_int_equal(stats(d).jobs_in_memory, 1);
        rec_clear(&r);
        /* a late success of job 0 */
        assert_int_equal(disp_result(d, SEC(100), a.job_id, 1, a.node, 1, 0, true), 0);
        assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), 1);
        c = nth_event(&r, DISP_LOG_RESULT_UNKNOWN, 0);
        assert_int_equal(c->session, 1);
        assert_int_equal(c->index, 0);
        if (modes[m] == DISP_ACCEPT_ALL) {
            assert_int_equal(deliveries_of(&r, 1, 0), 1);
            c = nth_kind(&r, DISP_CMD_DELIVER, 0);
            assert_int_equal(c->job, job);
            assert_int_equal(c->job_id, a.job_id);
        } else { /* a fencing policy drops what it cannot prove current */
            assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
            assert_int_equal(count_event(&r, DISP_LOG_RESULT_FENCED), 1);
        }
        /* a late failure: an error for (1, 0) under `all`, fenced otherwise */
        rec_clear(&r);
        assert_int_equal(disp_result(d, SEC(101), a.job_id, 1, a.node, 1, 0, false), 0);
        c = nth_kind(&r, DISP_CMD_ERROR, 0);
        if (modes[m] == DISP_ACCEPT_ALL) {
            assert_non_null(c);
            assert_int_equal(c->session, 1);
            assert_int_equal(c->index, 0);
            assert_int_equal(c->error, DISP_ERR_PROCESSING);
        } else {
            assert_null(c);
            assert_int_equal(count_event(&r, DISP_LOG_RESULT_FENCED), 1);
        }
        /* an index no session can have: refused, nothing emitted */
        rec_clear(&r);
        assert_int_equal(disp_result(d, SEC(101), a.job_id, 1, a.node, 1, DISP_INDEX_MAX, true),
                         DISP_EINVAL);
        assert_int_equal(r.n, 0);
        /* the session closed: nothing to queue it in */
        assert_int_equal(disp_session_close(d, SEC(102), 1), 0);
        rec_clear(&r);
        assert_int_equal(disp_result(d, SEC(102), a.job_id, 1, a.node, 1, 0, true),
                         DISP_EUNKNOWN);
        assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), 1);
        assert_int_equal(count_event(&r, DISP_LOG_RESULT_SESSION_CLOSED), 1);
        assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
        disp_free(d);
        rec_free(&r);
    }
}

static void test_creation_is_idempotent_while_the_job_is_held_and_new_after(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    static disp_cmd assigns[200];
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    disp_time t;
    uint64_t created, job;

    (void)state;
    t = history(d, &r, 1, 0, 200, 0, assigns); /* t = 400 s */
    created = stats(d).jobs_created;
    /* Index 50 finished at 101 s: held until 401 s. Index 49: until 399 s. */
    assert_int_equal(utter(d, t, 1, 50), assigns[50].job);
    assert_int_equal(stats(d).jobs_created, created);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 0);
    job = utter(d, t, 1, 49);
    assert_int_not_equal(job, assigns[49].job);
    assert_int_equal(stats(d).jobs_created, created + 1);
    /* Index 10 left the window long ago: a new job too, answered as any. */
    rec_clear(&r);
    job = utter(d, t, 1, 10);
    assert_int_not_equal(job, assigns[10].job);
    /* the forgotten job's late result is queued for (1, 10) (reference) */
    assert_int_equal(copy(d, t, &assigns[10]), 0);
    assert_int_equal(deliveries_of(&r, 1, 10), 1);
    answer(d, &r, t + SEC(1), job, true);
    assert_int_equal(deliveries_of(&r, 1, 10), 2);
    assert_int_equal(utter(d, t + SEC(2), 1, 10), job);
    disp_free(d);
    rec_free(&r);
}

static void test_a_late_utterance_below_the_first_index_finds_its_wait_entry(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t j0, j1, j3;

    (void)state;
    /* The session starts at index 3; its result gives 0, 1 and 2 wait entries. */
    j3 = utter(d, 0, 1, 3);
    answer(d, &r, SEC(1), j3, true);
    assert_int_equal(deliveries_of(&r, 1, 3), 1);
    /* Index 1 turns up 1 s later: answered 2 s after the gap clock started. */
    j1 = utter(d, SEC(2), 1, 1);
    answer(d, &r, SEC(3), j1, true);
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    /* Index 0 turns up 6 s later: its wait entry has run out, it is discarded. */
    j0 = utter(d, SEC(6), 1, 0);
    answer(d, &r, SEC(7), j0, true);
    assert_int_equal(deliveries_of(&r, 1, 0), 0);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_DISCARD, 0)->elapsed_ms, 6000);
    disp_free(d);
    rec_free(&r);
}

static void test_a_never_spoken_index_keeps_its_wait_entry_but_not_the_window(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    disp_time t;
    uint64_t j0;
    const disp_cmd *c;

    (void)state;
    /* Index 0 is never spoken: index 1's result gives it a wait entry at 1 s
     * (then `expected` jumps past it). The window lets it go at once; its wait
     * entry is kept (one run) for as long as the session is open, as the
     * reference keeps it (result_queue.rs 98e3526: no pruning). */
    t = history(d, &r, 1, 1, 100, 0, NULL); /* t = 200 s */
    assert_int_equal(stats(d).session_index_entries, 100 + 1);
    assert_int_equal(stats(d).jobs_in_memory, 100);
    t = history_kept(d, &r, 1, 101, 300, t, NULL, 1); /* checks from index 151 on */
    /* The utterance turns up 799 s late: its result finds the wait entry. */
    j0 = utter(d, t, 1, 0);
    answer(d, &r, t + SEC(1), j0, true);
    assert_int_equal(deliveries_of(&r, 1, 0), 0);
    c = nth_event(&r, DISP_LOG_ACK_DISCARD, 0);
    assert_non_null(c);
    assert_int_equal(c->index, 0);
    assert_int_equal(c->elapsed_ms, (t + SEC(1) - SEC(1)) / MSEC(1)); /* waiting since 1 s */
    disp_free(d);
    rec_free(&r);
}

/*
 * B.md F5: index 0's four attempts all report ~600 s after their dispatch,
 * long after the job failed (127 s) and was forgotten (427 s). Index 1's
 * result at 17 s gave index 0 a wait entry, which the reference keeps until a
 * result for index 0 arrives (result_queue.rs 98e3526 lines 104-127): the
 * first copy is discarded, the three later ones released. Whether an
 * unrelated utterance (index 2 at 500 s) makes the session trim its window in
 * between must not matter.
 */
static void late_first_copy(bool utterance_at_500, size_t *discards, size_t *released,
                            int64_t *elapsed_ms)
{
    disp_policy p = preset("lingua-2025-12-28");
    disp_cmd a0[8];
    size_t na = 0;
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t j0, j1;
    const disp_cmd *c;

    j0 = utter(d, SEC(3), 1, 0);
    j1 = utter(d, SEC(6), 1, 1);
    answer(d, &r, SEC(17), j1, true);
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    run_until(d, SEC(200));
    for (size_t i = 0; i < r.n; i++)
        if (r.v[i].kind == DISP_CMD_ASSIGN && r.v[i].job == j0) {
            assert_true(na < 8);
            a0[na++] = r.v[i];
        }
    assert_int_equal(na, 4); /* 1 + 3 failovers, then the job failed */
    if (utterance_at_500) {
        uint64_t j2 = utter(d, SEC(500), 1, 2);
        answer(d, &r, SEC(511), j2, true);
        assert_int_equal(stats(d).jobs_in_memory, 1); /* index 0's job is forgotten */
    }
    rec_clear(&r);
    for (size_t k = 0; k < na; k++) {
        disp_time at = a0[k].now + SEC(601);
        run_until(d, at);
        assert_int_equal(disp_result(d, at, a0[k].job_id, a0[k].attempt, a0[k].node,
                                     a0[k].session, a0[k].index, true), 0);
    }
    *discards = count_event(&r, DISP_LOG_ACK_DISCARD);
    *released = deliveries_of(&r, 1, 0);
    c = nth_event(&r, DISP_LOG_ACK_DISCARD, 0);
    *elapsed_ms = c != NULL ? c->elapsed_ms : -1;
    if (c != NULL) /* the first copy's */
        assert_int_equal(c->job_id, a0[0].job_id);
    disp_free(d);
    rec_free(&r);
}

static void test_a_very_late_first_copy_is_discarded_whatever_the_session_did_since(
    void **state)
{
    size_t dis[2], rel[2];
    int64_t ms[2];

    (void)state;
    late_first_copy(false, &dis[0], &rel[0], &ms[0]);
    late_first_copy(true, &dis[1], &rel[1], &ms[1]);
    for (int v = 0; v < 2; v++) {
        assert_int_equal(dis[v], 1);
        assert_int_equal(rel[v], 3);
        /* the wait entry started at 17 s, index 1's result */
        assert_int_equal(ms[v], 3000 + 601000 - 17000);
    }
}

/*
 * Kept wait entries are read as the window's were: a run of them (indices
 * 1..21, created by index 22's result after a second copy of index 0 moved
 * `expected` back) outlives every job of the session; a copy for an index
 * inside the run (its job forgotten, the window empty) finds its wait entry
 * and is discarded; a second copy is released and moves `expected` back, and
 * the queue then skips the rest of the run one index at a time, as the
 * reference's loop does (result_queue.rs 98e3526 lines 222-240, 267-287).
 */
static void test_kept_wait_entries_are_found_cut_and_skipped_as_in_the_window(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    static disp_cmd assigns[23];
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    disp_time t;
    uint64_t j23;
    disp_stats before;
    const disp_cmd *c;

    (void)state;
    t = history(d, &r, 1, 0, 22, 0, assigns); /* 0..21 delivered; t = 44 s */
    assert_int_equal(copy(d, t, &assigns[0]), 0); /* released again: expected = 1 */
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    history(d, &r, 1, 22, 1, t + SEC(1), assigns + 22); /* 1..21 wait from 46 s */
    assert_int_equal(stats(d).session_index_entries, 23);
    /* Index 23 at 1000 s: the window lets 0..22 go, their wait entries stay. */
    j23 = utter(d, SEC(1000), 1, 23);
    answer(d, &r, SEC(1001), j23, true);
    assert_int_equal(stats(d).session_index_entries, 1 + 1);
    /* At 2000 s every job is forgotten. A copy for index 10 empties the
     * window and cuts the run in two around it. */
    rec_clear(&r);
    before = stats(d);
    assert_int_equal(copy(d, SEC(2000), &assigns[10]), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), 1);
    assert_int_equal(deliveries_of(&r, 1, 10), 0);
    c = nth_event(&r, DISP_LOG_ACK_DISCARD, 0);
    assert_non_null(c);
    assert_int_equal(c->elapsed_ms, 2000000 - 46000);
    assert_int_equal(stats(d).session_index_entries, 1 + 2);
    /* A second copy: no wait entry left, released, `expected` back to 11;
     * 11..21 are skipped (their wait entries long out), 22 has none. */
    rec_clear(&r);
    assert_int_equal(copy(d, SEC(2001), &assigns[10]), 0);
    assert_int_equal(deliveries_of(&r, 1, 10), 1);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 11);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_SKIP, 0)->index, 11);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_SKIP, 10)->index, 21);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_SKIP, 10)->elapsed_ms, 2001000 - 46000);
    assert_int_equal(stats(d).ack_skips, before.ack_skips + 11);
    assert_int_equal(stats(d).session_index_entries, 1 + 1); /* [10] and 1..9 */
    /* Index 5 still finds its entry; then closing frees what is left. */
    rec_clear(&r);
    assert_int_equal(copy(d, SEC(2002), &assigns[5]), 0);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    assert_int_equal(disp_session_close(d, SEC(2003), 1), 0);
    assert_int_equal(stats(d).session_index_entries, 0);
    disp_free(d);
    rec_free(&r);
}

static void test_a_result_of_a_closed_session_never_reaches_a_session_reopened_with_its_id(
    void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t old, fresh;
    const disp_cmd *l;

    (void)state;
    old = utter(d, 0, 7, 0);
    assert_int_equal(disp_session_close(d, SEC(1), 7), 0);
    fresh = utter(d, SEC(2), 7, 0); /* the id opens again: a new session, a new job */
    assert_int_not_equal(fresh, old);
    answer(d, &r, SEC(3), old, true);
    l = nth_event(&r, DISP_LOG_RESULT_SESSION_CLOSED, 0);
    assert_non_null(l);
    assert_int_equal(l->job, old);
    assert_int_equal(deliveries_of(&r, 7, 0), 0);
    answer(d, &r, SEC(4), fresh, true);
    assert_int_equal(deliveries_of(&r, 7, 0), 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 0)->job, fresh);
    disp_free(d);
    rec_free(&r);
}

static void test_the_window_spans_at_most_its_limit_and_indices_go_beyond_it(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t j0, far;
    disp_stats st;

    (void)state;
    j0 = utter(d, 0, 1, 0); /* held: the window starts at 0 */
    far = utter(d, SEC(1), 1, DISP_SESSION_WINDOW_MAX - 1);
    assert_int_equal(stats(d).session_index_entries, DISP_SESSION_WINDOW_MAX);
    st = stats(d);
    assert_int_equal(disp_utterance(d, SEC(1), 1, DISP_SESSION_WINDOW_MAX, 0, NULL),
                     DISP_ELIMIT);
    assert_int_equal(stats(d).jobs_created, st.jobs_created);
    assert_int_equal(stats(d).session_index_entries, DISP_SESSION_WINDOW_MAX);
    /* Once index 0 is delivered and forgotten, the window moves on: one
     * entry, and one run for the wait entries far's result gave 1 .. far - 1
     * (kept while the session is open, as the reference keeps them). */
    answer(d, &r, SEC(2), j0, true);
    answer(d, &r, SEC(3), far, true);
    utter(d, SEC(400), 1, DISP_SESSION_WINDOW_MAX);
    assert_int_equal(stats(d).session_index_entries, 1 + 1);
    /* Indices are bounded by DISP_INDEX_MAX only. */
    utter(d, SEC(401), 2, UINT32_C(1) << 24);
    utter(d, SEC(401), 3, DISP_INDEX_MAX - 1);
    assert_int_equal(disp_utterance(d, SEC(401), 3, DISP_INDEX_MAX, 0, NULL), DISP_EINVAL);
    disp_free(d);
    rec_free(&r);
}

static void test_the_ordered_window_also_spans_from_expected(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;

    (void)state;
    p.result_queue = DISP_QUEUE_ORDERED;
    d = mk(&p, &r, 2);
    /* Index 0 never comes: the queue waits on it, so the window counts from it. */
    utter(d, 0, 1, DISP_SESSION_WINDOW_MAX - 1);
    assert_int_equal(disp_utterance(d, 0, 1, DISP_SESSION_WINDOW_MAX, 0, NULL), DISP_ELIMIT);
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_session_of_100000_utterances_holds_only_its_held_jobs_indices),
        cmocka_unit_test(test_a_late_copy_of_a_recent_index_behaves_as_in_a_short_session),
        cmocka_unit_test(test_a_result_for_an_index_dropped_from_the_window_is_still_queued),
        cmocka_unit_test(test_a_result_for_a_forgotten_job_goes_where_its_message_says),
        cmocka_unit_test(test_creation_is_idempotent_while_the_job_is_held_and_new_after),
        cmocka_unit_test(test_a_late_utterance_below_the_first_index_finds_its_wait_entry),
        cmocka_unit_test(test_a_never_spoken_index_keeps_its_wait_entry_but_not_the_window),
        cmocka_unit_test(test_a_very_late_first_copy_is_discarded_whatever_the_session_did_since),
        cmocka_unit_test(test_kept_wait_entries_are_found_cut_and_skipped_as_in_the_window),
        cmocka_unit_test(test_a_result_of_a_closed_session_never_reaches_a_session_reopened_with_its_id),
        cmocka_unit_test(test_the_window_spans_at_most_its_limit_and_indices_go_beyond_it),
        cmocka_unit_test(test_the_ordered_window_also_spans_from_expected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
