/*
 * test_dispatcher_queue_modes.c — the result-queue knobs beyond the reference:
 * ack_timeout values, `ordered` and `immediate` (issue 3, knob 4). Links the
 * dispatcher library alone.
 */
#include "test_dispatcher_harness.h"

static disp_policy base(void)
{
    return preset("lingua-2025-12-28");
}

/* ---- 4. ack_timeout and result_queue --------------------------------------------------- */

static disp *queue_setup(disp_queue_mode mode, rec *r, uint32_t n, uint64_t *jobs)
{
    disp_policy p = base();
    disp *d;

    p.dispatch_timeout = SEC(3600);
    p.result_queue = mode;
    d = mk(&p, r, 2);
    for (uint32_t i = 0; i < n; i++)
        jobs[i] = utter(d, 0, 1, i);
    return d;
}

static void test_ack_timeout_0_discards_every_index_that_waited(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t jobs[3];

    (void)state;
    p.ack_timeout = 0;
    p.dispatch_timeout = SEC(3600);
    d = mk(&p, &r, 1);
    for (uint32_t i = 0; i < 3; i++)
        jobs[i] = utter(d, 0, 1, i);
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(2), jobs[2], true);
    answer(d, &r, SEC(2), jobs[1], true); /* same instant: waited 0 >= 0 */
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_ordered_queue_holds_later_indices_until_the_expected_one(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = queue_setup(DISP_QUEUE_ORDERED, &r, 3, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[2], true);
    answer(d, &r, SEC(2), jobs[1], true);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    answer(d, &r, SEC(3), jobs[0], true);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, i)->index, i);
        assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, i)->now, SEC(3));
    }
    disp_free(d);
    rec_free(&r);
}

static void test_ordered_queue_skips_a_gap_after_ack_timeout_and_never_moves_back(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = queue_setup(DISP_QUEUE_ORDERED, &r, 3, jobs);
    const disp_cmd *s;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    assert_int_equal(disp_next_deadline(d), SEC(15)); /* an exact gap timer */
    run_until(d, SEC(15) - 1);
    assert_int_equal(deliveries_of(&r, 1, 2), 0);
    run_until(d, SEC(15));
    s = nth_event(&r, DISP_LOG_ACK_SKIP, 0);
    assert_non_null(s);
    assert_int_equal(s->index, 1);
    assert_int_equal(s->elapsed_ms, 5000);
    assert_int_equal(deliveries_of(&r, 1, 2), 1);
    answer(d, &r, SEC(16), jobs[1], true); /* too late: never delivered */
    assert_int_equal(deliveries_of(&r, 1, 1), 0);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    /* the discard carries the wait since index 1's gap clock started (10 s),
     * as the reference queue's discards do */
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_DISCARD, 0)->elapsed_ms, 6000);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_DISCARD, 0)->index, 1);
    disp_free(d);
    rec_free(&r);
}

static void test_ordered_queue_never_releases_an_index_twice(void **state)
{
    rec r = {0};
    uint64_t jobs[2];
    disp *d = queue_setup(DISP_QUEUE_ORDERED, &r, 2, jobs);
    const disp_cmd *a;

    (void)state;
    answer(d, &r, SEC(1), jobs[1], true);
    a = last_assign(&r, jobs[1]);
    assert_int_equal(disp_result(d, SEC(2), a->job_id, a->attempt, a->node, a->session, a->index, true), 0);
    answer(d, &r, SEC(3), jobs[0], true);
    a = last_assign(&r, jobs[0]);
    assert_int_equal(disp_result(d, SEC(4), a->job_id, a->attempt, a->node, a->session, a->index, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1);
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    assert_int_equal(count_event(&r, DISP_LOG_QUEUE_DUPLICATE), 2);
    disp_free(d);
    rec_free(&r);
}

static void test_ordered_queue_evicts_the_largest_beyond_result_queue_max(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t jobs[6];
    const disp_cmd *e;

    (void)state;
    p.dispatch_timeout = SEC(3600);
    p.result_queue = DISP_QUEUE_ORDERED;
    p.result_queue_max = 3;
    d = mk(&p, &r, 2);
    for (uint32_t i = 0; i < 6; i++)
        jobs[i] = utter(d, 0, 1, i);
    for (uint32_t i = 1; i < 5; i++) /* hold 1..4 while 0 is missing: 4 > 3 */
        answer(d, &r, SEC(1), jobs[i], true);
    e = nth_event(&r, DISP_LOG_QUEUE_EVICT, 0);
    assert_non_null(e);
    assert_int_equal(e->index, 4);
    answer(d, &r, SEC(2), jobs[0], true);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 4); /* 0..3 */
    assert_int_equal(deliveries_of(&r, 1, 4), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_ordered_queue_skips_a_failed_index_at_once(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = queue_setup(DISP_QUEUE_ORDERED, &r, 3, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(2), jobs[2], true);
    answer(d, &r, SEC(3), jobs[1], false); /* the client got an error for 1 */
    assert_int_equal(deliveries_of(&r, 1, 2), 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 1)->now, SEC(3));
    assert_int_equal(count_event(&r, DISP_LOG_ACK_SKIP), 0);
    /* a late success of the failed index is dropped; the queue never waited
     * for it, so its discard carries 0 */
    answer(d, &r, SEC(9), jobs[1], true);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 1);
    assert_int_equal(nth_event(&r, DISP_LOG_ACK_DISCARD, 0)->elapsed_ms, 0);
    disp_free(d);
    rec_free(&r);
}

static void test_session_close_flushes_results_the_ordered_queue_holds(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = queue_setup(DISP_QUEUE_ORDERED, &r, 3, jobs);

    (void)state;
    answer(d, &r, SEC(1), jobs[2], true);
    answer(d, &r, SEC(1), jobs[1], true);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    assert_int_equal(disp_session_close(d, SEC(2), 1), 0);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 2);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 0)->index, 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 1)->index, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_immediate_queue_delivers_every_copy_on_arrival(void **state)
{
    rec r = {0};
    uint64_t jobs[3];
    disp *d = queue_setup(DISP_QUEUE_IMMEDIATE, &r, 3, jobs);
    const disp_cmd *a;

    (void)state;
    answer(d, &r, SEC(1), jobs[0], true);
    answer(d, &r, SEC(10), jobs[2], true);
    answer(d, &r, SEC(30), jobs[1], true); /* 20 s after 2: no ack timeout here */
    a = last_assign(&r, jobs[1]);
    assert_int_equal(disp_result(d, SEC(31), a->job_id, a->attempt, a->node, a->session, a->index, true), 0);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 1)->index, 2);
    assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, 2)->index, 1);
    assert_int_equal(deliveries_of(&r, 1, 1), 2);
    assert_int_equal(count_event(&r, DISP_LOG_ACK_DISCARD), 0);
    disp_free(d);
    rec_free(&r);
}

/* Many held results with holes: the first K odd indices arrive, then, per
 * step, the next odd index (held) and the smallest even one, which fills the
 * gap at the front of the queue and releases itself and the odd one after it.
 * The queue keeps holding about K results while the front keeps moving (each
 * arrival at the front of a long queue, slides and growth of its storage). */
static void test_ordered_queue_holding_many_results_releases_each_once_in_order(void **state)
{
    enum { K = 1000, STEPS = 3000, N = 2 * K + 2 * STEPS };
    static disp_cmd assigns[N];
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint32_t odd = 1, even = 0, next = 0;
    size_t delivered = 0;

    (void)state;
    p.dispatch_timeout = SEC(3600);
    p.ack_timeout = SEC(3600);
    p.result_queue = DISP_QUEUE_ORDERED;
    p.result_queue_max = 100000;
    d = disp_new(&p, rec_sink, &r, NULL, NULL);
    assert_non_null(d);
    assert_int_equal(disp_node_up(d, 0, 1, 0, 65536), 0);
    for (uint32_t i = 0; i < N; i++)
        assigns[i] = *last_assign(&r, utter(d, 0, 1, i));
    rec_clear(&r);
    for (uint32_t k = 0; k < K; k++, odd += 2)
        assert_int_equal(disp_result(d, SEC(1), assigns[odd].job_id, 1, 1, assigns[odd].session, assigns[odd].index, true), 0);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), 0);
    for (uint32_t k = 0; k < STEPS; k++, odd += 2, even += 2) {
        assert_int_equal(disp_result(d, SEC(1), assigns[odd].job_id, 1, 1, assigns[odd].session, assigns[odd].index, true), 0);
        assert_int_equal(disp_result(d, SEC(1), assigns[even].job_id, 1, 1, assigns[even].session, assigns[even].index, true), 0);
    }
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].kind != DISP_CMD_DELIVER)
            continue;
        assert_int_equal(r.v[i].index, next); /* in order, each once, none skipped */
        assert_int_equal(r.v[i].job, assigns[next].job);
        next++;
        delivered++;
    }
    assert_int_equal(delivered, 2 * STEPS);
    assert_int_equal(count_event(&r, DISP_LOG_QUEUE_DUPLICATE), 0);
    /* The K odd results still held go out, in order, when the session closes. */
    rec_clear(&r);
    assert_int_equal(disp_session_close(d, SEC(2), 1), 0);
    assert_int_equal(count_kind(&r, DISP_CMD_DELIVER), K);
    for (uint32_t k = 0; k < K; k++)
        assert_int_equal(nth_kind(&r, DISP_CMD_DELIVER, k)->index, 2 * STEPS + 1 + 2 * k);
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_timeout_0_discards_every_index_that_waited),
        cmocka_unit_test(test_ordered_queue_holds_later_indices_until_the_expected_one),
        cmocka_unit_test(test_ordered_queue_skips_a_gap_after_ack_timeout_and_never_moves_back),
        cmocka_unit_test(test_ordered_queue_never_releases_an_index_twice),
        cmocka_unit_test(test_ordered_queue_evicts_the_largest_beyond_result_queue_max),
        cmocka_unit_test(test_ordered_queue_skips_a_failed_index_at_once),
        cmocka_unit_test(test_session_close_flushes_results_the_ordered_queue_holds),
        cmocka_unit_test(test_immediate_queue_delivers_every_copy_on_arrival),
        cmocka_unit_test(test_ordered_queue_holding_many_results_releases_each_once_in_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
