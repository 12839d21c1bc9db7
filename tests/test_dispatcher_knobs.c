/*
 * test_dispatcher_knobs.c — every policy knob beyond the presets, one value at
 * a time (issue 3, "Knobs beyond the presets"). Links the dispatcher library alone.
 */
#include "test_dispatcher_harness.h"

static disp_policy base(void)
{
    return preset("lingua-2025-12-28");
}

/* ---- 1. timing knobs ---------------------------------------------------------------- */

static void test_dispatch_timeout_90s_fires_at_the_first_tick_after_90s(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.dispatch_timeout = SEC(90);
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    assert_int_equal(disp_next_deadline(d), SEC(91));
    run_until(d, SEC(91));
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->now, SEC(91));
    disp_free(d);
    rec_free(&r);
}

static void test_scan_interval_0_fires_timeouts_exactly_at_the_deadline(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.scan_interval = 0;
    d = mk(&p, &r, 1);
    utter(d, MSEC(300), 1, 0);
    for (uint32_t i = 1; i < 5; i++) /* the 5th job finds no slot */
        utter(d, MSEC(500), 1, i);
    run_until(d, SEC(40));
    assert_int_equal(nth_event(&r, DISP_LOG_PENDING_TIMEOUT, 0)->now, MSEC(10500));
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->now, MSEC(30300));
    disp_free(d);
    rec_free(&r);
}

static void test_pending_timeout_3s_fails_a_pending_job_at_the_tick_after_3s(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.pending_timeout = SEC(3);
    d = mk(&p, &r, 0); /* no node at all */
    utter(d, MSEC(500), 1, 0);
    run_until(d, SEC(10));
    assert_int_equal(nth_event(&r, DISP_LOG_PENDING_TIMEOUT, 0)->now, SEC(4));
    assert_int_equal(nth_kind(&r, DISP_CMD_ERROR, 0)->error, DISP_ERR_JOB_TIMEOUT);
    disp_free(d);
    rec_free(&r);
}

static size_t dispatches_with_max_failovers(int max)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    size_t n;

    p.max_failovers = max;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    run_until(d, SEC(1000));
    n = count_kind(&r, DISP_CMD_ASSIGN);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_EXHAUSTED), 1);
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 1);
    disp_free(d);
    rec_free(&r);
    return n;
}

static void test_max_failovers_bounds_the_dispatches_to_one_plus_it(void **state)
{
    (void)state;
    assert_int_equal(dispatches_with_max_failovers(0), 1);
    assert_int_equal(dispatches_with_max_failovers(1), 2);
    assert_int_equal(dispatches_with_max_failovers(5), 6);
}

static void test_send_cancel_false_sends_no_cancel_but_still_releases_the_slot(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.send_cancel = false;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    run_until(d, SEC(31));
    assert_int_equal(count_kind(&r, DISP_CMD_CANCEL), 0);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    assert_int_equal(disp_node_load(d, 1), 0);
    disp_free(d);
    rec_free(&r);
}

/* ---- 2. failover modes -------------------------------------------------------------- */

static void test_new_job_id_gives_each_attempt_a_fresh_wire_id_mapped_back_to_the_job(void **state)
{
    disp_policy p = preset("lingua-2025-12-31");
    rec r = {0};
    disp *d;
    uint64_t job, w1, w2;
    const disp_cmd *del;

    (void)state;
    p.failover = DISP_FAILOVER_NEW_JOB_ID;
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    run_until(d, SEC(31));
    w1 = nth_kind(&r, DISP_CMD_ASSIGN, 0)->job_id;
    w2 = nth_kind(&r, DISP_CMD_ASSIGN, 1)->job_id;
    assert_int_not_equal(w1, w2);
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 1)->job, job);
    assert_int_equal(nth_kind(&r, DISP_CMD_CANCEL, 0)->job_id, w1);
    /* The aborted attempt's failed result no longer shadows the good one ... */
    assert_int_equal(disp_result(d, SEC(32), w1, 1, 1, 1, 0, false), 0);
    assert_int_equal(disp_result(d, SEC(35), w2, 2, 2, 1, 0, true), 0);
    del = nth_kind(&r, DISP_CMD_DELIVER, 0);
    assert_non_null(del);
    assert_int_equal(del->job, job);
    assert_int_equal(del->job_id, w2);
    assert_int_equal(del->index, 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_DUPLICATE), 0);
    /* ... and a wire id pairs with its own attempt only. */
    assert_int_equal(disp_result(d, SEC(36), w1, 2, 2, 1, 0, true), DISP_EUNKNOWN);
    disp_free(d);
    rec_free(&r);
}

static void test_new_job_id_records_before_the_first_dispatch_name_its_wire_id(void **state)
{
    disp_policy p = preset("lingua-2025-12-31");
    rec r = {0};
    disp *d;
    uint64_t job;
    const disp_cmd *a, *c;

    (void)state;
    p.failover = DISP_FAILOVER_NEW_JOB_ID;
    p.pending = DISP_PENDING_QUEUE;
    d = mk(&p, &r, 0); /* no node: the job waits in the queue */
    job = utter(d, 0, 1, 0);
    assert_int_equal(disp_node_up(d, SEC(3), 1, 0, 4), 0);
    a = nth_kind(&r, DISP_CMD_ASSIGN, 0);
    assert_non_null(a);
    assert_int_equal(a->job, job);
    assert_int_not_equal(a->job_id, job);
    /* job_created and job_pending (attempt 0) name the id the first dispatch
     * carries, not the job's own id, which no message ever carries */
    c = nth_event(&r, DISP_LOG_JOB_CREATED, 0);
    assert_int_equal(c->attempt, 0);
    assert_int_equal(c->job_id, a->job_id);
    assert_int_equal(nth_event(&r, DISP_LOG_JOB_PENDING, 0)->job_id, a->job_id);
    assert_int_equal(nth_event(&r, DISP_LOG_JOB_DISPATCHED, 0)->job_id, a->job_id);
    disp_free(d);
    rec_free(&r);
}

static void test_extend_if_busy_extends_while_the_attempt_reports_progress(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t job;
    const disp_cmd *x;

    (void)state;
    p.failover = DISP_FAILOVER_EXTEND_IF_BUSY;
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    assert_int_equal(disp_progress(d, SEC(25), job, 1, 1, 0), 0);
    run_until(d, SEC(31));
    x = nth_event(&r, DISP_LOG_DEADLINE_EXTENDED, 0);
    assert_non_null(x);
    assert_int_equal(x->index, 0);
    assert_int_equal(count_kind(&r, DISP_CMD_CANCEL), 0);
    /* The new period runs from the progress: 25 s + 30 s, next tick 56 s. */
    assert_int_equal(disp_next_deadline(d), SEC(56));
    run_until(d, SEC(56));
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_CANCEL, 0)->now, SEC(56));
    disp_free(d);
    rec_free(&r);
}

static void test_extend_if_busy_fails_over_a_silent_attempt_as_the_reference(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.failover = DISP_FAILOVER_EXTEND_IF_BUSY;
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    assert_int_equal(disp_progress(d, MSEC(900), job, 1, 1, 0), 0); /* 30.1 s ago at 31 s */
    run_until(d, SEC(31));
    assert_int_equal(count_event(&r, DISP_LOG_DEADLINE_EXTENDED), 0);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    disp_free(d);
    rec_free(&r);
}

/* ---- 3. result_accept ---------------------------------------------------------------- */

/* Attempt 1's late success after a failover to attempt 2, then attempt 2's. */
static uint64_t late_attempt_1(disp_accept_mode mode, rec *r, disp **out)
{
    disp_policy p = base();
    disp *d;
    uint64_t job;

    p.result_accept = mode;
    d = mk(&p, r, 2);
    job = utter(d, 0, 1, 0);
    run_until(d, SEC(31));
    assert_int_equal(disp_result(d, SEC(40), job, 1, 1, 1, 0, true), 0);
    *out = d;
    return job;
}

static void test_accept_all_delivers_a_superseded_attempts_result(void **state)
{
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    job = late_attempt_1(DISP_ACCEPT_ALL, &r, &d);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(disp_result(d, SEC(41), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_current_attempt_only_drops_a_superseded_attempts_result(void **state)
{
    rec r = {0};
    disp *d;
    const disp_cmd *f;
    disp_stats st;
    uint64_t job;

    (void)state;
    job = late_attempt_1(DISP_ACCEPT_CURRENT_ATTEMPT, &r, &d);
    assert_int_equal(deliveries_of(&r, 1, 0), 0);
    f = nth_event(&r, DISP_LOG_RESULT_FENCED, 0);
    assert_non_null(f);
    assert_int_equal(f->attempt, 1);
    assert_int_equal(f->index, 0);
    assert_int_equal(disp_result(d, SEC(41), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    disp_get_stats(d, &st);
    assert_int_equal(st.fenced, 1);
    disp_free(d);
    rec_free(&r);
}

static void test_first_result_wins_delivers_once_and_cancels_the_running_attempt(void **state)
{
    rec r = {0};
    disp *d;
    const disp_cmd *c;
    uint64_t job;

    (void)state;
    job = late_attempt_1(DISP_ACCEPT_FIRST_RESULT_WINS, &r, &d);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    c = nth_kind(&r, DISP_CMD_CANCEL, 1); /* [0] was the timeout's cancel */
    assert_non_null(c);
    assert_int_equal(c->node, 2);
    assert_int_equal(disp_node_load(d, 2), 0);
    assert_int_equal(disp_result(d, SEC(41), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_FENCED), 1);
    run_until(d, SEC(500)); /* the job is Completed: no more timeouts */
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 2);
    disp_free(d);
    rec_free(&r);
}

/* ---- 5. dedup_ttl, 6. cancel_carries_attempt ------------------------------------------ */

static void test_dedup_ttl_5s_forgets_a_result_after_5s(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.dedup_ttl = SEC(5);
    d = mk(&p, &r, 1);
    job = utter(d, 0, 1, 0);
    answer(d, &r, SEC(1), job, true);
    assert_int_equal(disp_result(d, SEC(6) - 1, job, 1, 1, 1, 0, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_DUPLICATE), 1);
    assert_int_equal(disp_result(d, SEC(6), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_cancel_carries_attempt_names_the_cancelled_attempt(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.cancel_carries_attempt = true;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    run_until(d, SEC(62));
    assert_int_equal(nth_kind(&r, DISP_CMD_CANCEL, 0)->attempt, 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_CANCEL, 1)->attempt, 2);
    disp_free(d);
    rec_free(&r);
}

/* ---- 7. pending -------------------------------------------------------------------------- */

static void test_pending_queue_dispatches_waiting_jobs_in_arrival_order_when_slots_free(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t jobs[7];

    (void)state;
    p.pending = DISP_PENDING_QUEUE;
    p.pending_timeout = SEC(60);
    d = mk(&p, &r, 1);
    for (uint32_t i = 0; i < 7; i++)
        jobs[i] = utter(d, MSEC(100) * i, 1, i);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 4);
    answer(d, &r, SEC(2), jobs[1], true);
    assert_int_equal(last_assign(&r, jobs[4])->now, SEC(2));
    assert_null(last_assign(&r, jobs[5]));
    /* A heartbeat cannot free a slot below the reservations ... */
    assert_int_equal(disp_node_heartbeat(d, SEC(3), 1, 0), 0);
    assert_null(last_assign(&r, jobs[5]));
    /* ... but a finished job does; nothing failed meanwhile. */
    answer(d, &r, SEC(12), jobs[0], true);
    assert_int_equal(last_assign(&r, jobs[5])->now, SEC(12));
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_pending_queue_timeout_bounds_the_wait_and_0_means_no_bound(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.pending = DISP_PENDING_QUEUE;
    p.pending_timeout = SEC(20);
    d = mk(&p, &r, 0);
    utter(d, 0, 1, 0);
    run_until(d, SEC(100));
    assert_int_equal(nth_event(&r, DISP_LOG_PENDING_TIMEOUT, 0)->now, SEC(21));
    disp_free(d);
    rec_free(&r);

    p.pending_timeout = 0;
    d = mk(&p, &r, 0);
    utter(d, 0, 1, 0);
    assert_int_equal(disp_next_deadline(d), DISP_NEVER);
    assert_int_equal(disp_node_up(d, SEC(3600), 1, 0, 0), 0);
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 0)->now, SEC(3600));
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_pending_queue_failover_without_a_node_waits_instead_of_failing(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.pending = DISP_PENDING_QUEUE;
    p.pending_timeout = 0;
    d = mk(&p, &r, 1);
    job = utter(d, 0, 1, 0);
    assert_int_equal(disp_node_down(d, SEC(1), 1), 0);
    run_until(d, SEC(40));
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_NO_NODE), 0);
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 0);
    assert_int_equal(disp_node_up(d, SEC(50), 2, 0, 4), 0);
    assert_int_equal(last_assign(&r, job)->node, 2);
    assert_int_equal(last_assign(&r, job)->attempt, 2);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_default_slots_apply_when_a_node_registers_with_0(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.default_slots = 2;
    d = disp_new(&p, rec_sink, &r, NULL, NULL);
    assert_int_equal(disp_node_up(d, 0, 1, 0, 0), 0);
    for (uint32_t i = 0; i < 3; i++)
        utter(d, 0, 1, i);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 2);
    disp_free(d);
    rec_free(&r);
}

/* ---- node_load ------------------------------------------------------------------------------ */

/* Two nodes; heartbeats say node 1 runs 4 jobs, node 2 runs 2; five utterances.
 * Returns the node of each assign (0 = none) and the final loads. */
static void node_load_script(disp_load_mode mode, uint32_t node_of[5], int load[2])
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    p.node_load = mode;
    assert_null(disp_policy_check(&p));
    d = mk(&p, &r, 2);
    assert_int_equal(disp_node_heartbeat(d, SEC(1), 1, 4), 0);
    assert_int_equal(disp_node_heartbeat(d, SEC(1), 2, 2), 0);
    for (uint32_t i = 0; i < 5; i++) {
        const disp_cmd *a = last_assign(&r, utter(d, SEC(2), 1, i));
        node_of[i] = a ? a->node : 0;
    }
    load[0] = disp_node_load(d, 1);
    load[1] = disp_node_load(d, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_node_load_heartbeat_counts_the_nodes_own_figure(void **state)
{
    uint32_t node_of[5];
    int load[2];

    (void)state;
    node_load_script(DISP_LOAD_HEARTBEAT, node_of, load);
    /* node 1 is full by its heartbeat; node 2 takes max(2, reserved) up to 4 */
    for (int i = 0; i < 4; i++)
        assert_int_equal(node_of[i], 2);
    assert_int_equal(node_of[4], 0); /* Pending */
    assert_int_equal(load[0], 4);
    assert_int_equal(load[1], 4);
}

static void test_node_load_reserved_counts_only_reservations(void **state)
{
    static const uint32_t want[5] = {1, 2, 1, 2, 1}; /* ties: first registered */
    uint32_t node_of[5];
    int load[2];

    (void)state;
    node_load_script(DISP_LOAD_RESERVED, node_of, load);
    for (int i = 0; i < 5; i++)
        assert_int_equal(node_of[i], want[i]);
    assert_int_equal(load[0], 3);
    assert_int_equal(load[1], 2);
}

static void test_node_load_unknown_mode_is_refused(void **state)
{
    disp_policy p = base();

    (void)state;
    assert_int_equal(p.node_load, DISP_LOAD_HEARTBEAT); /* the presets: the reference */
    p.node_load = (disp_load_mode)(DISP_LOAD_SNAPSHOT + 1);
    assert_non_null(strstr(disp_policy_check(&p), "node_load"));
}

/* ---- memory follows jobs in flight --------------------------------------------------------- */

/* Auto retention: a job every attempt of which has reported is forgotten after
 * max(5 min, dedup, ack, pending windows); a job with an attempt still out (a
 * timed-out one, which may yet report) after (max_failovers + 1) x the
 * dispatch timeout, and its late result still finds it until then. */
static void test_a_quiet_job_is_forgotten_sooner_than_one_with_an_attempt_out(void **state)
{
    disp_policy p = preset("lingua-2025-12-28"); /* 30 s timeout, 3 failovers: 120 s */
    rec r = {0};
    disp *d;
    disp_stats st;

    (void)state;
    p.dispatch_timeout = SEC(600); /* the late retention: 4 x 600 s */
    d = mk(&p, &r, 2);
    uint64_t quiet = utter(d, SEC(0), 1, 0);
    const disp_cmd qa = *last_assign(&r, quiet);
    answer(d, &r, SEC(1), quiet, true); /* its only attempt reported */
    uint64_t late = utter(d, SEC(2), 1, 1);
    const disp_cmd first = *last_assign(&r, late);
    assert_int_equal(disp_session_jobs(d, 1), 2); /* held per session, by its id */
    assert_int_equal(disp_session_jobs(d, 2), 0);
    run_until(d, SEC(700));                 /* attempt 1 timed out, attempt 2 is out */
    answer(d, &r, SEC(701), late, true);    /* attempt 2 completes the job; 1 is out */
    run_until(d, SEC(1000));
    disp_get_stats(d, &st);
    assert_int_equal(st.jobs_in_memory, 1); /* quiet went at 301 s, late stays */
    assert_int_equal(disp_session_jobs(d, 1), 1);
    size_t unknown = count_event(&r, DISP_LOG_RESULT_UNKNOWN);
    assert_int_equal(disp_result(d, SEC(1000), qa.job_id, qa.attempt, qa.node, qa.session,
                                 qa.index, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), unknown + 1); /* forgotten */
    /* attempt 1's late result still names a held job (stale: queued anyway) */
    size_t stale = count_event(&r, DISP_LOG_RESULT_STALE_QUEUED);
    assert_int_equal(disp_result(d, SEC(1001), first.job_id, first.attempt, first.node,
                                 first.session, first.index, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), stale + 1);
    run_until(d, SEC(701 + 2400 + 1));
    disp_get_stats(d, &st);
    assert_int_equal(st.jobs_in_memory, 0);
    assert_int_equal(disp_session_jobs(d, 1), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_finished_jobs_and_closed_sessions_are_forgotten(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    disp_stats st;
    uint64_t first = 0;

    (void)state;
    p.retain = SEC(60);
    d = mk(&p, &r, 4);
    for (uint32_t i = 0; i < 1000; i++) {
        uint64_t job = utter(d, SEC(i), i % 10, i);
        if (i == 0)
            first = job;
        answer(d, &r, SEC(i) + MSEC(500), job, true);
    }
    disp_get_stats(d, &st);
    assert_true(st.jobs_in_memory <= 61); /* only the last minute is kept */
    uint64_t held = 0;
    for (uint64_t s = 0; s < 10; s++) {
        assert_int_equal(disp_session_close(d, SEC(1000), s), 0);
        held += disp_session_jobs(d, s); /* a closed session's jobs are still held */
    }
    assert_int_equal(held, st.jobs_in_memory);
    uint64_t closed9 = disp_session_jobs(d, 9);
    assert_true(closed9 > 0);
    /* id 9 opened again: its new job and the closed opening's both count */
    uint64_t again = utter(d, SEC(1000), 9, 5000);
    answer(d, &r, SEC(1000) + MSEC(500), again, true);
    assert_int_equal(disp_session_jobs(d, 9), closed9 + 1);
    assert_int_equal(disp_session_close(d, SEC(1001), 9), 0);
    assert_int_equal(disp_session_jobs(d, 9), closed9 + 1);
    run_until(d, SEC(1100));
    for (uint64_t s = 0; s < 10; s++)
        assert_int_equal(disp_session_jobs(d, s), 0);
    disp_get_stats(d, &st);
    assert_int_equal(st.jobs_in_memory, 0);
    assert_int_equal(st.sessions_in_memory, 0);
    assert_int_equal(st.jobs_created, 1001);
    assert_int_equal(disp_result(d, SEC(1100), first, 1, 1, 0, 0, true), DISP_EUNKNOWN);
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_timeout_90s_fires_at_the_first_tick_after_90s),
        cmocka_unit_test(test_scan_interval_0_fires_timeouts_exactly_at_the_deadline),
        cmocka_unit_test(test_pending_timeout_3s_fails_a_pending_job_at_the_tick_after_3s),
        cmocka_unit_test(test_max_failovers_bounds_the_dispatches_to_one_plus_it),
        cmocka_unit_test(test_send_cancel_false_sends_no_cancel_but_still_releases_the_slot),
        cmocka_unit_test(test_new_job_id_gives_each_attempt_a_fresh_wire_id_mapped_back_to_the_job),
        cmocka_unit_test(test_new_job_id_records_before_the_first_dispatch_name_its_wire_id),
        cmocka_unit_test(test_extend_if_busy_extends_while_the_attempt_reports_progress),
        cmocka_unit_test(test_extend_if_busy_fails_over_a_silent_attempt_as_the_reference),
        cmocka_unit_test(test_accept_all_delivers_a_superseded_attempts_result),
        cmocka_unit_test(test_current_attempt_only_drops_a_superseded_attempts_result),
        cmocka_unit_test(test_first_result_wins_delivers_once_and_cancels_the_running_attempt),
        cmocka_unit_test(test_dedup_ttl_5s_forgets_a_result_after_5s),
        cmocka_unit_test(test_a_quiet_job_is_forgotten_sooner_than_one_with_an_attempt_out),
        cmocka_unit_test(test_cancel_carries_attempt_names_the_cancelled_attempt),
        cmocka_unit_test(test_pending_queue_dispatches_waiting_jobs_in_arrival_order_when_slots_free),
        cmocka_unit_test(test_pending_queue_timeout_bounds_the_wait_and_0_means_no_bound),
        cmocka_unit_test(test_pending_queue_failover_without_a_node_waits_instead_of_failing),
        cmocka_unit_test(test_default_slots_apply_when_a_node_registers_with_0),
        cmocka_unit_test(test_node_load_heartbeat_counts_the_nodes_own_figure),
        cmocka_unit_test(test_node_load_reserved_counts_only_reservations),
        cmocka_unit_test(test_node_load_unknown_mode_is_refused),
        cmocka_unit_test(test_finished_jobs_and_closed_sessions_are_forgotten),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
