/*
 * test_dispatcher.c — the reference scheduler's job lifecycle, fact by fact
 * (reference-scheduler.md: Job, Creation and first dispatch, The timeout
 * scanner, Result handling). Links the dispatcher library alone.
 */
#include "test_dispatcher_harness.h"

/* ---- presets ------------------------------------------------------------------ */

static void test_presets_carry_the_reference_defaults(void **state)
{
    disp_policy a = preset("lingua-2025-12-28"), b = preset("lingua-2025-12-31"),
                c = preset("lingua-2026-01-19"), x;

    (void)state;
    assert_int_equal(a.dispatch_timeout, SEC(30));
    assert_int_equal(a.scan_interval, MSEC(1000));
    assert_int_equal(a.pending_timeout, SEC(10));
    assert_int_equal(a.max_failovers, 3);
    assert_true(a.send_cancel);
    assert_int_equal(a.default_slots, 4);
    assert_int_equal(a.result_queue_max, 200);
    assert_int_equal(a.ack_timeout, SEC(5));
    assert_int_equal(a.dedup_ttl, 0);
    assert_int_equal(b.ack_timeout, SEC(10));
    assert_int_equal(b.dedup_ttl, SEC(30));
    assert_int_equal(c.ack_timeout, SEC(30));
    assert_int_equal(c.dispatch_timeout, SEC(60));
    assert_null(disp_policy_check(&a));
    assert_null(disp_policy_check(&c));
    memset(&x, 0x5a, sizeof x);
    assert_int_equal(disp_policy_preset(&x, "lingua-1999"), -1);
    assert_int_equal(x.max_failovers, 0x5a5a5a5a); /* untouched */
    for (int i = 0; disp_preset_names[i] != NULL; i++)
        assert_int_equal(disp_policy_preset(&x, disp_preset_names[i]), 0);
}

static void test_policy_check_names_the_bad_field(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    const char *msg;

    (void)state;
    p.max_failovers = -1;
    msg = disp_policy_check(&p);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "max_failovers"));
    assert_null(disp_new(&p, NULL, NULL, NULL, NULL));
    p = preset("lingua-2025-12-28");
    p.dispatch_timeout = 0;
    assert_non_null(strstr(disp_policy_check(&p), "dispatch_timeout_s"));
    assert_string_equal(disp_log_name(DISP_LOG_ACK_DISCARD), "ack_timeout_discard");
    assert_string_equal(disp_log_name(DISP_LOG_FAILOVER_DISPATCHED), "failover_dispatched");
    for (int e = 0; e < DISP_LOG_EVENT_COUNT; e++)
        assert_string_not_equal(disp_log_name((disp_log_event)e), "unknown");
}

/* ---- creation and first dispatch ------------------------------------------------- */

static void test_job_creation_is_idempotent_per_session_and_index(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t j1, j2, j3;
    disp_stats st;

    (void)state;
    j1 = utter(d, SEC(1), 7, 0);
    j2 = utter(d, SEC(2), 7, 0);
    j3 = utter(d, SEC(2), 7, 1);
    assert_int_equal(j1, j2);
    assert_int_not_equal(j1, j3);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 2);
    disp_get_stats(d, &st);
    assert_int_equal(st.jobs_created, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_first_dispatch_is_attempt_1_with_the_job_id(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t job = utter(d, SEC(1), 7, 3);
    const disp_cmd *a = nth_kind(&r, DISP_CMD_ASSIGN, 0);

    (void)state;
    assert_non_null(a);
    assert_int_equal(a->attempt, 1);
    assert_int_equal(a->job, job);
    assert_int_equal(a->job_id, job);
    assert_int_equal(a->session, 7);
    assert_int_equal(a->index, 3);
    assert_int_equal(a->audio, SEC(2));
    assert_false(a->hedge);
    assert_non_null(nth_event(&r, DISP_LOG_JOB_DISPATCHED, 0));
    disp_free(d);
    rec_free(&r);
}

static void test_least_loaded_node_wins_by_max_of_heartbeat_and_reserved(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job;

    (void)state;
    /* Node 1 says 3 jobs are running; node 2 has none: node 2 wins. */
    assert_int_equal(disp_node_heartbeat(d, SEC(1), 1, 3), 0);
    job = utter(d, SEC(1), 1, 0);
    assert_int_equal(last_assign(&r, job)->node, 2);
    /* Node 2 now holds one reservation, node 1 reports 0 running: its load is
     * max(0, 0) = 0 < max(0, 1): node 1 wins. */
    assert_int_equal(disp_node_heartbeat(d, SEC(2), 1, 0), 0);
    job = utter(d, SEC(2), 1, 1);
    assert_int_equal(last_assign(&r, job)->node, 1);
    /* A heartbeat below the reservations does not lower the load. */
    assert_int_equal(disp_node_heartbeat(d, SEC(3), 2, 0), 0);
    assert_int_equal(disp_node_load(d, 2), 1);
    assert_int_equal(disp_node_heartbeat(d, SEC(3), 2, 3), 0);
    assert_int_equal(disp_node_load(d, 2), 3);
    assert_int_equal(disp_node_load(d, 99), -1);
    disp_free(d);
    rec_free(&r);
}

static void test_ties_go_to_the_first_registered_node(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = disp_new(&p, rec_sink, &r, NULL, NULL);
    uint64_t job;

    (void)state;
    assert_int_equal(disp_node_up(d, 0, 9, 0, 4), 0);
    assert_int_equal(disp_node_up(d, 0, 3, 0, 4), 0);
    job = utter(d, SEC(1), 1, 0);
    assert_int_equal(last_assign(&r, job)->node, 9);
    job = utter(d, SEC(1), 1, 1); /* 9 has load 1 now: 3 is least loaded */
    assert_int_equal(last_assign(&r, job)->node, 3);
    job = utter(d, SEC(1), 1, 2); /* tie at 1: first registered again */
    assert_int_equal(last_assign(&r, job)->node, 9);
    disp_free(d);
    rec_free(&r);
}

static void test_a_node_takes_at_most_its_four_slots(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);

    (void)state;
    for (uint32_t i = 0; i < 5; i++)
        utter(d, SEC(1), 1, i);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 4);
    assert_int_equal(disp_node_load(d, 1), 4);
    assert_int_equal(count_event(&r, DISP_LOG_JOB_PENDING), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_pending_job_is_never_dispatched_and_fails_at_the_pending_timeout(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t jobs[5];
    const disp_cmd *e;

    (void)state;
    for (uint32_t i = 0; i < 5; i++)
        jobs[i] = utter(d, MSEC(500), 1, i);
    /* A slot frees at once: the Pending job still is not dispatched. */
    answer(d, &r, SEC(1), jobs[0], true);
    assert_int_equal(disp_node_load(d, 1), 3);
    /* now - created > 10 s first holds at the scan tick 11 s (created at 0.5 s). */
    assert_int_equal(disp_next_deadline(d), SEC(11));
    run_until(d, SEC(11) - 1);
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 0);
    run_until(d, SEC(11));
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 4);
    e = nth_kind(&r, DISP_CMD_ERROR, 0);
    assert_non_null(e);
    assert_int_equal(e->error, DISP_ERR_JOB_TIMEOUT);
    assert_int_equal(e->job, jobs[4]);
    assert_int_equal(e->index, 4);
    e = nth_event(&r, DISP_LOG_PENDING_TIMEOUT, 0);
    assert_non_null(e);
    assert_int_equal(e->session, 1);
    assert_int_equal(e->index, 4);
    assert_int_equal(e->elapsed_ms, 10500);
    disp_free(d);
    rec_free(&r);
}

/* ---- the timeout scanner ------------------------------------------------------------ */

static void test_timeout_fires_at_the_first_scan_tick_strictly_after_the_deadline(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);

    (void)state;
    utter(d, MSEC(300), 1, 0); /* deadline 30.3 s -> tick 31 s */
    utter(d, SEC(1), 1, 1);    /* deadline 31.0 s exactly -> not > 30 s until 32 s */
    run_until(d, SEC(31) - 1);
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 0);
    run_until(d, SEC(31));
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 1);
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->elapsed_ms, 30700);
    run_until(d, SEC(32) - 1);
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 1);
    run_until(d, SEC(32));
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 2);
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 1)->elapsed_ms, 31000);
    disp_free(d);
    rec_free(&r);
}

static void test_timeout_cancels_then_fails_over_with_same_job_id_and_next_attempt(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *t, *c, *a, *f;

    (void)state;
    assert_int_equal(last_assign(&r, job)->node, 1);
    run_until(d, SEC(31));
    t = nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0);
    c = nth_kind(&r, DISP_CMD_CANCEL, 0);
    a = nth_kind(&r, DISP_CMD_ASSIGN, 1);
    f = nth_event(&r, DISP_LOG_FAILOVER_DISPATCHED, 0);
    assert_true(pos_of(&r, t) < pos_of(&r, c));
    assert_true(pos_of(&r, c) < pos_of(&r, a));
    assert_int_equal(t->failover_attempts, 0);
    assert_int_equal(c->node, 1);
    assert_int_equal(c->job_id, job);
    assert_int_equal(c->attempt, 0); /* the reference's cancel names no attempt */
    assert_int_equal(a->node, 2);
    assert_int_equal(a->job_id, job);
    assert_int_equal(a->attempt, 2);
    assert_int_equal(f->failover_attempts, 1);
    assert_int_equal(disp_node_load(d, 1), 0); /* old slot released */
    assert_int_equal(disp_node_load(d, 2), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_failover_avoids_the_old_node_when_another_has_a_free_slot(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 3);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    assert_int_equal(last_assign(&r, job)->node, 1);
    assert_int_equal(disp_node_heartbeat(d, SEC(1), 2, 4), 0); /* node 2 full */
    run_until(d, SEC(31));
    /* After the release node 1 ties node 3 at load 0 and was registered first,
     * but the old node is excluded while another has a free slot. */
    assert_int_equal(last_assign(&r, job)->node, 3);
    disp_free(d);
    rec_free(&r);
}

static void test_offline_node_is_not_chosen_until_it_comes_back(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job;
    const disp_cmd *l;

    (void)state;
    assert_int_equal(disp_node_down(d, SEC(1), 1), 0);
    l = nth_event(&r, DISP_LOG_NODE_DOWN, 0);
    assert_non_null(l);
    assert_int_equal(l->node, 1);
    job = utter(d, SEC(2), 1, 0);
    assert_int_equal(last_assign(&r, job)->node, 2);
    /* Back with a heartbeat history wiped: current_jobs is 0 until the next one. */
    assert_int_equal(disp_node_heartbeat(d, SEC(2), 1, 3), 0);
    assert_int_equal(disp_node_up(d, SEC(3), 1, 0, 4), 0);
    assert_int_equal(disp_node_load(d, 1), 0);
    job = utter(d, SEC(3), 1, 1);
    assert_int_equal(last_assign(&r, job)->node, 1);
    disp_free(d);
    rec_free(&r);
}

static void test_failover_returns_to_the_old_node_when_no_other_has_a_slot(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    assert_int_equal(disp_node_heartbeat(d, SEC(1), 2, 4), 0); /* node 2 full */
    run_until(d, SEC(31));
    assert_int_equal(last_assign(&r, job)->node, 1);
    assert_int_equal(last_assign(&r, job)->attempt, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_job_is_dispatched_at_most_4_times_and_failed_about_4x30s_later(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 3);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *e, *x;
    uint32_t prev = 0;

    (void)state;
    run_until(d, SEC(600));
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 4);
    for (size_t i = 0; i < 4; i++) { /* attempt ids strictly increase */
        assert_true(nth_kind(&r, DISP_CMD_ASSIGN, i)->attempt > prev);
        prev = nth_kind(&r, DISP_CMD_ASSIGN, i)->attempt;
        assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, i)->job_id, job);
    }
    assert_int_equal(count_kind(&r, DISP_CMD_CANCEL), 4);
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 1);
    e = nth_kind(&r, DISP_CMD_ERROR, 0);
    assert_int_equal(e->error, DISP_ERR_JOB_TIMEOUT);
    /* 4 periods of 30 s, each rounded up to the next 1 s scan tick. */
    assert_true(e->now >= SEC(120) && e->now <= SEC(124));
    x = nth_event(&r, DISP_LOG_FAILOVER_EXHAUSTED, 0);
    assert_non_null(x);
    assert_int_equal(x->failover_attempts, 3);
    assert_int_equal(x->session, 1);
    assert_int_equal(x->index, 0);
    for (uint32_t n = 1; n <= 3; n++)
        assert_int_equal(disp_node_load(d, n), 0);
    assert_int_equal(disp_next_deadline(d), DISP_NEVER);
    disp_free(d);
    rec_free(&r);
}

static void test_failover_without_any_node_fails_the_job(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    const disp_cmd *x;

    (void)state;
    utter(d, 0, 1, 0);
    assert_int_equal(disp_node_down(d, SEC(5), 1), 0);
    run_until(d, SEC(31));
    x = nth_event(&r, DISP_LOG_FAILOVER_NO_NODE, 0);
    assert_non_null(x);
    assert_int_equal(x->index, 0);
    assert_int_equal(count_kind(&r, DISP_CMD_ERROR), 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_ERROR, 0)->error, DISP_ERR_JOB_TIMEOUT);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_progress_does_not_reset_the_timeout_clock_in_the_reference(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *a = last_assign(&r, job);
    uint64_t wire = a->job_id;

    (void)state;
    assert_int_equal(disp_progress(d, SEC(20), wire, 1, 1, 0), 0);
    assert_int_equal(disp_progress(d, SEC(29), wire, 1, 1, 1), 0);
    run_until(d, SEC(31));
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    assert_int_equal(count_event(&r, DISP_LOG_DEADLINE_EXTENDED), 0);
    disp_free(d);
    rec_free(&r);
}

/* ---- results ---------------------------------------------------------------------- */

static void test_current_result_completes_the_job_and_releases_its_slot(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *del;

    (void)state;
    assert_int_equal(disp_node_load(d, 1), 1);
    answer(d, &r, SEC(3), job, true);
    assert_int_equal(disp_node_load(d, 1), 0);
    del = nth_kind(&r, DISP_CMD_DELIVER, 0);
    assert_non_null(del);
    assert_int_equal(del->session, 1);
    assert_int_equal(del->index, 0);
    assert_int_equal(del->job, job);
    assert_int_equal(del->attempt, 1);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_ACCEPTED), 1);
    assert_int_equal(disp_next_deadline(d), DISP_NEVER); /* no timeout pending */
    disp_free(d);
    rec_free(&r);
}

static void test_stale_result_of_an_old_attempt_is_still_delivered(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    run_until(d, SEC(31)); /* attempt 2 on node 2 */
    /* Attempt 1 finishes anyway on node 1 (it ignored the cancel). */
    assert_int_equal(disp_result(d, SEC(40), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), 1);
    /* elapsed_ms of a queued result: since the job's creation (at 0), as the
     * reference's "Received JobResult" line carries, not since the dispatch */
    assert_int_equal(nth_event(&r, DISP_LOG_RESULT_STALE_QUEUED, 0)->elapsed_ms, 40000);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(disp_node_load(d, 2), 1); /* the current attempt still runs */
    /* Then the current attempt: a second copy reaches the client. */
    assert_int_equal(disp_result(d, SEC(45), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(nth_event(&r, DISP_LOG_RESULT_ACCEPTED, 0)->elapsed_ms, 45000);
    assert_int_equal(deliveries_of(&r, 1, 0), 2);
    assert_int_equal(disp_node_load(d, 2), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_result_from_another_node_or_a_finished_job_is_stale_but_queued(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    /* Right attempt, wrong node: not current, slot kept, still delivered. */
    assert_int_equal(disp_result(d, SEC(1), job, 1, 2, 1, 0, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), 1);
    assert_int_equal(disp_node_load(d, 1), 1);
    answer(d, &r, SEC(2), job, true);
    /* The job is Completed; one more copy is stale and delivered again. */
    assert_int_equal(disp_result(d, SEC(3), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_STALE_QUEUED), 2);
    assert_int_equal(deliveries_of(&r, 1, 0), 3);
    disp_free(d);
    rec_free(&r);
}

static void test_failed_result_is_not_queued_but_reaches_the_client_as_an_error(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *e, *l;

    (void)state;
    answer(d, &r, SEC(2), job, false);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    e = nth_kind(&r, DISP_CMD_ERROR, 0);
    assert_non_null(e);
    assert_int_equal(e->error, DISP_ERR_PROCESSING);
    assert_int_equal(e->index, 0);
    l = nth_event(&r, DISP_LOG_RESULT_FAILED, 0);
    assert_non_null(l);
    assert_int_equal(l->session, 1);
    assert_int_equal(disp_node_load(d, 1), 0);
    assert_int_equal(disp_next_deadline(d), DISP_NEVER); /* the job is Failed */
    disp_free(d);
    rec_free(&r);
}

static void test_12_31_dedup_drops_a_second_result_for_the_job_within_30s(void **state)
{
    disp_policy p = preset("lingua-2025-12-31");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *l;

    (void)state;
    answer(d, &r, SEC(2), job, true);
    assert_int_equal(disp_result(d, SEC(31) + MSEC(999), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    l = nth_event(&r, DISP_LOG_RESULT_DUPLICATE, 0);
    assert_non_null(l);
    assert_int_equal(l->session, 1);
    assert_int_equal(l->index, 0);
    /* 30 s after the first record the dedup forgets it. */
    assert_int_equal(disp_result(d, SEC(32), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_12_31_failed_stale_result_makes_the_current_good_result_a_duplicate(void **state)
{
    disp_policy p = preset("lingua-2025-12-31");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    run_until(d, SEC(31)); /* cancel node 1, attempt 2 on node 2 */
    /* Node 1 aborted attempt 1: it sends success=false for it. */
    assert_int_equal(disp_result(d, SEC(31) + MSEC(50), job, 1, 1, 1, 0, false), 0);
    assert_int_equal(nth_kind(&r, DISP_CMD_ERROR, 0)->error, DISP_ERR_PROCESSING);
    /* The good result of the current attempt is dropped as a duplicate. */
    assert_int_equal(disp_result(d, SEC(40), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_DUPLICATE), 1);
    /* ... and the job is timed out and failed over again. */
    run_until(d, SEC(62));
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_12_28_has_no_dedup_so_the_current_good_result_is_delivered(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);

    (void)state;
    run_until(d, SEC(31));
    assert_int_equal(disp_result(d, SEC(31) + MSEC(50), job, 1, 1, 1, 0, false), 0);
    assert_int_equal(disp_result(d, SEC(40), job, 2, 2, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_DUPLICATE), 0);
    disp_free(d);
    rec_free(&r);
}

/* ---- inputs that make no sense -------------------------------------------------------- */

static void test_bad_inputs_are_refused_and_change_nothing(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d = mk(&p, &r, 1);
    uint64_t job = utter(d, SEC(5), 1, 0);
    size_t n = r.n;

    (void)state;
    assert_int_equal(disp_advance(d, SEC(4)), DISP_EINVAL); /* time went back */
    assert_int_equal(disp_node_heartbeat(d, SEC(5), 42, 1), DISP_EUNKNOWN);
    assert_int_equal(disp_node_down(d, SEC(5), 42), DISP_EUNKNOWN);
    assert_int_equal(disp_node_up(d, SEC(5), 2, 0, -1), DISP_EINVAL);
    assert_int_equal(disp_session_close(d, SEC(5), 99), DISP_EUNKNOWN);
    assert_int_equal(disp_progress(d, SEC(5), job, 1, 1, 7), DISP_EINVAL);
    assert_int_equal(disp_progress(d, SEC(5), job + (1u << 20), 1, 1, 0), DISP_EUNKNOWN);
    assert_int_equal(disp_utterance(d, SEC(5), UINT64_MAX, 0, 0, NULL), DISP_EINVAL);
    assert_int_equal(r.n, n);
    /* A job not held for a session not open, or an attempt never issued: refused
     * and logged. */
    assert_int_equal(disp_result(d, SEC(5), job + (1u << 20), 1, 1, 99, 0, true), DISP_EUNKNOWN);
    assert_int_equal(disp_result(d, SEC(5), job, 2, 1, 1, 0, true), DISP_EUNKNOWN);
    assert_int_equal(count_event(&r, DISP_LOG_RESULT_UNKNOWN), 2);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    assert_int_equal(disp_node_load(d, 1), 1);
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_carry_the_reference_defaults),
        cmocka_unit_test(test_policy_check_names_the_bad_field),
        cmocka_unit_test(test_job_creation_is_idempotent_per_session_and_index),
        cmocka_unit_test(test_first_dispatch_is_attempt_1_with_the_job_id),
        cmocka_unit_test(test_least_loaded_node_wins_by_max_of_heartbeat_and_reserved),
        cmocka_unit_test(test_ties_go_to_the_first_registered_node),
        cmocka_unit_test(test_a_node_takes_at_most_its_four_slots),
        cmocka_unit_test(test_pending_job_is_never_dispatched_and_fails_at_the_pending_timeout),
        cmocka_unit_test(test_timeout_fires_at_the_first_scan_tick_strictly_after_the_deadline),
        cmocka_unit_test(test_timeout_cancels_then_fails_over_with_same_job_id_and_next_attempt),
        cmocka_unit_test(test_failover_avoids_the_old_node_when_another_has_a_free_slot),
        cmocka_unit_test(test_offline_node_is_not_chosen_until_it_comes_back),
        cmocka_unit_test(test_failover_returns_to_the_old_node_when_no_other_has_a_slot),
        cmocka_unit_test(test_job_is_dispatched_at_most_4_times_and_failed_about_4x30s_later),
        cmocka_unit_test(test_failover_without_any_node_fails_the_job),
        cmocka_unit_test(test_progress_does_not_reset_the_timeout_clock_in_the_reference),
        cmocka_unit_test(test_current_result_completes_the_job_and_releases_its_slot),
        cmocka_unit_test(test_stale_result_of_an_old_attempt_is_still_delivered),
        cmocka_unit_test(test_result_from_another_node_or_a_finished_job_is_stale_but_queued),
        cmocka_unit_test(test_failed_result_is_not_queued_but_reaches_the_client_as_an_error),
        cmocka_unit_test(test_12_31_dedup_drops_a_second_result_for_the_job_within_30s),
        cmocka_unit_test(test_12_31_failed_stale_result_makes_the_current_good_result_a_duplicate),
        cmocka_unit_test(test_12_28_has_no_dedup_so_the_current_good_result_is_delivered),
        cmocka_unit_test(test_bad_inputs_are_refused_and_change_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
