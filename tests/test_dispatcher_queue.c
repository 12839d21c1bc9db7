/*
 * test_dispatcher_queue.c — the reference scheduler's per-session result queue
 * (the "ack timeout"), fact by fact from reference-scheduler.md, "The session
 * result queue". Dispatch timeouts are set long so that only the queue acts.
 */
#include "test_dispatcher_harness.h"

/* A preset with a long dispatch timeout, `nodes` nodes, and jobs for indices
 * 0..n-1 of session 1 created at t = 0. */
static disp *setup(const char *name, rec *r, int nodes, uint32_t n, uint64_t *jobs)
{
    disp_policy p = preset(name);
    disp *d;

    p.dispatch_timeout = SEC(3600);
    d = mk(&p, r, nodes);
    for (uint32_t i = 0; i < n; i++)
        jobs[i] = utter(d, 0, 1, i);
    return d;
}

/* One more copy of a finished job's result (an attempt that was not stopped). */
static void copy(disp *d, const rec *r, disp_time now, uint64_t job)
{
    const disp_cmd *a = last_assign(r, job);

    assert_int_equal(disp_result(d, now, a->job_id, a->attempt, a->node, a->session, a->index, true), 0);
}

static size_t discards_of(const rec *r, uint32_t index)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n; i++)
        n += r->v[i].kind == DISP_CMD_LOG && r->v[i].event == DISP_LOG_ACK_DISCARD &&
             r->v[i].index == index;
    return n;
}

/* Index 1 arrives `late` after index 2's result: delivered or discarded? */
static size_t index1_after(const char *name, disp_time late, rec *r)
{
    uint64_t jobs[3];
    disp *d = setup(name, r, 1, 3, jobs);
    size_t n;

    answer(d, r, SEC(1), jobs[0], true);
    answer(d, r, SEC(10), jobs[2], true);
    answer(d, r, SEC(10) + late, jobs[1], true);
    n = deliveries_of(r, 1, 1);
    disp_free(d);
    return n;
}

static void test_12_28_discards_a_result_5s_after_a_later_index_12_31_delivers_it(void **state)
{
    rec r = {0};
    const disp_cmd *l;

    (void)state;
    assert_int_equal(index1_after("lingua-2025-12-28", SEC(5), &r), 0);
    l = nth_event(&r, DISP_LOG_ACK_DISCARD, 0);
    assert_non_null(l);
    assert_int_equal(l->session, 1);
    assert_int_equal(l->index, 1);
    assert_int_equal(l->elapsed_ms, 5000);
    assert_int_equal(l->ack_timeout_ms, 5000);
    assert_int_not_equal(l->job, 0);
    rec_free(&r);
    assert_int_equal(index1_after("lingua-2025-12-28", SEC(5) - 1, &r), 1);
    rec_free(&r);
    assert_int_equal(index1_after("lingua-2025-12-31", SEC(5), &r), 1);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 0);
    rec_free(&r);
    assert_int_equal(index1_after("lingua-2025-12-31", SEC(10), &r), 0);
    rec_free(&r);
    assert_int_equal(index1_after("lingua-2026-01-19", SEC(29), &r), 1);
    rec_free(&r);
}

static void test_gap_clock_starts_when_a_later_index_arrives_not_at_creation(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = setup("lingua-2025-12-28", &r, 1, 3, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(20), jobs[2], true);
    answer(d, &r, SEC(24), jobs[1], true); /* 24 s after creation, 4 s after index 2 */
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_later_index_is_released_at_once_first_come_first_served(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = setup("lingua-2025-12-28", &r, 1, 3, jobs);
    const disp_cmd *del;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(2), jobs[2], true);
    del = nth_kind(&r, DISP_CMD_DELIVER, 1);
    assert_non_null(del);
    assert_int_equal(del->index, 2);
    assert_int_equal(del->now, SEC(2));
    answer(d, &r, SEC(3), jobs[1], true); /* late, out of order, within 5 s */
    del = nth_kind(&r, DISP_CMD_DELIVER, 2);
    assert_non_null(del);
    assert_int_equal(del->index, 1);
    disp_free(d);
    rec_free(&r);
}

static void test_reference_queue_never_holds_a_result_back(void **state)
{
    static const uint32_t order[] = {5, 3, 4, 0, 1, 2};
    rec r = {0};
    uint64_t jobs[6];
    disp *d = setup("lingua-2025-12-28", &r, 2, 6, jobs);

    (void)state;
    for (size_t k = 0; k < 6; k++) {
        size_t before = count_kind(&r, DISP_CMD_DELIVER);
        const disp_cmd *del;
        answer(d, &r, SEC(1) + (disp_time)k * MSEC(500), jobs[order[k]], true);
        assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), before + 1);
        del = nth_kind(&r, DISP_CMD_DELIVER, before);
        assert_int_equal(del->index, order[k]); /* released at once, never reordered */
    }
    disp_free(d);
    rec_free(&r);
}

static void test_expected_jumps_to_the_smallest_pending_index(void **state)
{
    rec r = {0};
    uint64_t jobs[4];
    disp *d = setup("lingua-2025-12-28", &r, 1, 4, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[3], true); /* 0..2 missing: 3 goes out at once */
    assert_int_equal(deliveries_of(&r, 1, 3), 1);
    answer(d, &r, SEC(2), jobs[0], true); /* the gap entries still exist ... */
    answer(d, &r, SEC(6), jobs[1], true); /* ... 5 s after index 3: discarded */
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    assert_int_equal(discards_of(&r, 1), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_older_index_moves_expected_back_and_a_delivered_index_gets_a_new_wait(void **state)
{
    rec r = {0};
    uint64_t jobs[4];
    disp *d = setup("lingua-2025-12-28", &r, 1, 4, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    answer(d, &r, SEC(12), jobs[1], true); /* released; expected moves back to 2 */
    answer(d, &r, SEC(20), jobs[3], true); /* wait entry for 2, already delivered */
    assert_int_equal(deliveries_of(&r, 1, 2), 1);
    /* A copy of 2 arriving 5 s later is discarded (no harm: 2 was delivered) ... */
    copy(d, &r, SEC(25), jobs[2]);
    assert_int_equal(discards_of(&r, 2), 1);
    assert_int_equal(deliveries_of(&r, 1, 2), 1);
    /* ... the entry is gone, so the next copy is released again: a duplicate. */
    copy(d, &r, SEC(26), jobs[2]);
    assert_int_equal(deliveries_of(&r, 1, 2), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_copy_arriving_sooner_is_released_again_as_a_duplicate(void **state)
{
    rec r = {0};
    uint64_t jobs[4];
    disp *d = setup("lingua-2025-12-28", &r, 1, 4, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    answer(d, &r, SEC(12), jobs[1], true);
    answer(d, &r, SEC(20), jobs[3], true);
    copy(d, &r, SEC(24), jobs[2]); /* within 5 s of index 3: released, out of order */
    assert_int_equal(deliveries_of(&r, 1, 2), 2);
    assert_int_equal(discards_of(&r, 2), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_second_copy_of_a_released_index_is_released_again(void **state)
{
    rec r = {0};
    uint64_t jobs[1];
    disp *d = setup("lingua-2025-12-28", &r, 1, 1, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    copy(d, &r, SEC(2), jobs[0]);
    copy(d, &r, SEC(60), jobs[0]);
    assert_int_equal(deliveries_of(&r, 1, 0), 3);
    disp_free(d);
    rec_free(&r);
}

static void test_copy_after_a_discard_is_delivered_late(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = setup("lingua-2025-12-28", &r, 1, 3, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    answer(d, &r, SEC(16), jobs[1], true); /* discarded: a loss, for now */
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    copy(d, &r, SEC(40), jobs[1]); /* another attempt's copy: delivered late */
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_the_same_index_can_be_discarded_twice(void **state)
{
    rec r = {0};
    uint64_t jobs[5];
    disp *d = setup("lingua-2025-12-28", &r, 2, 5, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    answer(d, &r, SEC(15), jobs[1], true); /* first discard of 1 */
    copy(d, &r, SEC(16), jobs[0]);         /* a copy of 0 moves expected back to 1 */
    answer(d, &r, SEC(20), jobs[4], true); /* new wait entries for 1, 2, 3 */
    copy(d, &r, SEC(25), jobs[1]);         /* second discard of 1 */
    assert_int_equal(discards_of(&r, 1), 2);
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_ack_skip_by_the_periodic_check_lets_a_later_copy_through(void **state)
{
    rec r = {0};
    uint64_t jobs[4];
    disp *d = setup("lingua-2025-12-28", &r, 1, 4, jobs);
    const disp_cmd *s;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[3], true); /* wait entries for 1 and 2 at 10 s */
    answer(d, &r, SEC(12), jobs[1], true); /* expected moves back to 2, which waits */
    assert_int_equal(disp_next_deadline(d), SEC(13)); /* the once-a-second check */
    run_until(d, SEC(15) - 1);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 0);
    run_until(d, SEC(15));
    s = nth_event(&r, DISP_LOG_ACK_SKIP, 0);
    assert_non_null(s);
    assert_int_equal(s->now, SEC(15));
    assert_int_equal(s->index, 2);
    assert_int_equal(s->session, 1);
    assert_int_equal(s->elapsed_ms, 5000);
    assert_true(disp_next_deadline(d) > SEC(3600)); /* no check: nothing waits any more */
    /* The skip removed the wait entry: index 2's result is delivered, not discarded. */
    answer(d, &r, SEC(20), jobs[2], true);
    assert_int_equal(deliveries_of(&r, 1, 2), 1);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_a_discard_also_runs_the_ready_check_and_can_skip_at_once(void **state)
{
    rec r = {0};
    uint64_t jobs[5];
    disp *d = setup("lingua-2025-12-28", &r, 2, 5, jobs);
    const disp_cmd *s;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, MSEC(10500), jobs[4], true); /* wait entries for 1, 2, 3 at 10.5 s */
    answer(d, &r, SEC(11), jobs[1], true);     /* expected back to 2, which waits */
    run_until(d, MSEC(15700));                 /* checks at 12..15 s: not yet due */
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 0);
    answer(d, &r, MSEC(15700), jobs[3], true); /* discarded, then the ready check */
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    s = nth_event(&r, DISP_LOG_ACK_SKIP, 0);
    assert_non_null(s);
    assert_int_equal(s->index, 2);
    assert_int_equal(s->now, MSEC(15700)); /* not at the 16 s check */
    disp_free(d);
    rec_free(&r);
}

static void test_periodic_check_visits_at_most_100_sessions_per_second(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t jobs[150][4];

    (void)state;
    p.dispatch_timeout = SEC(3600);
    d = mk(&p, &r, 150);
    for (uint64_t s = 0; s < 150; s++)
        for (uint32_t i = 0; i < 4; i++)
            assert_int_equal(disp_utterance(d, 0, s, i, SEC(1), &jobs[s][i]), 0);
    for (uint64_t s = 0; s < 150; s++)
        answer(d, &r, SEC(1), jobs[s][0], true);
    for (uint64_t s = 0; s < 150; s++)
        answer(d, &r, SEC(10), jobs[s][3], true);
    for (uint64_t s = 0; s < 150; s++)
        answer(d, &r, SEC(12), jobs[s][1], true);
    run_until(d, SEC(15));
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 100);
    run_until(d, SEC(16));
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 150);
    disp_free(d);
    rec_free(&r);
}

static void test_session_close_forgets_the_session_and_later_results_are_dropped(void **state)
{
    rec r = {0};
    uint64_t jobs[2];
    disp *d = setup("lingua-2025-12-28", &r, 1, 2, jobs);
    disp_stats st;
    const disp_cmd *l;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    disp_get_stats(d, &st);
    assert_int_equal(st.sessions_in_memory, 1);
    assert_int_equal(disp_session_close(d, SEC(2), 1), 0);
    disp_get_stats(d, &st);
    assert_int_equal(st.sessions_in_memory, 0);
    answer(d, &r, SEC(3), jobs[1], true);
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    l = nth_event(&r, DISP_LOG_RESULT_SESSION_CLOSED, 0);
    assert_non_null(l);
    assert_int_equal(l->index, 1);
    assert_int_equal(disp_node_load(d, 1), 0); /* the job itself completed */
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_12_28_discards_a_result_5s_after_a_later_index_12_31_delivers_it),
        cmocka_unit_test(test_gap_clock_starts_when_a_later_index_arrives_not_at_creation),
        cmocka_unit_test(test_later_index_is_released_at_once_first_come_first_served),
        cmocka_unit_test(test_reference_queue_never_holds_a_result_back),
        cmocka_unit_test(test_expected_jumps_to_the_smallest_pending_index),
        cmocka_unit_test(test_older_index_moves_expected_back_and_a_delivered_index_gets_a_new_wait),
        cmocka_unit_test(test_copy_arriving_sooner_is_released_again_as_a_duplicate),
        cmocka_unit_test(test_second_copy_of_a_released_index_is_released_again),
        cmocka_unit_test(test_copy_after_a_discard_is_delivered_late),
        cmocka_unit_test(test_the_same_index_can_be_discarded_twice),
        cmocka_unit_test(test_ack_skip_by_the_periodic_check_lets_a_later_copy_through),
        cmocka_unit_test(test_a_discard_also_runs_the_ready_check_and_can_skip_at_once),
        cmocka_unit_test(test_periodic_check_visits_at_most_100_sessions_per_second),
        cmocka_unit_test(test_session_close_forgets_the_session_and_later_results_are_dropped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
