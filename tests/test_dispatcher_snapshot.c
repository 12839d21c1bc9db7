/*
 * test_dispatcher_snapshot.c — node_load snapshot, the reference scheduler as
 * shipped (Phase 2 on: config.toml [scheduler.phase2] enabled = true at 98e3526):
 * node choice sees current_jobs only, set by each heartbeat and, at each refresh
 * tick, to max(the heartbeat's figure, the reservations held then)
 * (phase2/runtime_snapshot.rs); the reservation on the chosen node is denied when
 * max(current_jobs, reservations held now) >= slots (phase2/redis_handle.rs); a
 * denied first dispatch goes Pending (core/dispatcher.rs), a denied failover
 * fails the job (timeout/job_timeout.rs). Links the dispatcher library alone.
 */
#include "test_dispatcher_harness.h"

static disp_policy snap(void)
{
    disp_policy p = preset("lingua-2025-12-28");

    p.node_load = DISP_LOAD_SNAPSHOT;
    return p;
}

static uint32_t node_of(const rec *r, uint64_t job)
{
    const disp_cmd *a = last_assign(r, job);

    return a ? a->node : 0;
}

/* Four utterances at 0.5 s on three idle 4-slot nodes: the node of each. */
static void burst(disp_load_mode mode, uint32_t nodes[4], disp_time *next)
{
    disp_policy p = snap();
    rec r = {0};
    disp *d;

    p.node_load = mode;
    d = mk(&p, &r, 3);
    for (uint32_t i = 0; i < 4; i++)
        nodes[i] = node_of(&r, utter(d, MSEC(500), i + 1, 0));
    *next = disp_next_deadline(d);
    disp_free(d);
    rec_free(&r);
}

static void test_a_burst_between_two_ticks_goes_to_one_node(void **state)
{
    static const uint32_t spread[4] = {1, 2, 3, 1};
    uint32_t nodes[4];
    disp_time next;

    (void)state;
    burst(DISP_LOAD_SNAPSHOT, nodes, &next);
    for (int i = 0; i < 4; i++)
        assert_int_equal(nodes[i], 1); /* every reservation unseen until the tick */
    assert_int_equal(next, SEC(2));    /* the refresh tick, a timer of the core */
    burst(DISP_LOAD_HEARTBEAT, nodes, &next);
    for (int i = 0; i < 4; i++)
        assert_int_equal(nodes[i], spread[i]); /* each reservation counted at once */
    assert_int_equal(next, SEC(31)); /* no tick: the first dispatch deadline */
}

static void test_ticks_fall_on_the_multiples_of_the_refresh_interval(void **state)
{
    disp_policy p = snap();
    rec r = {0};
    disp *d;

    (void)state;
    p.node_snapshot_refresh = SEC(3);
    d = mk(&p, &r, 2);
    utter(d, SEC(4), 1, 0);
    assert_int_equal(disp_next_deadline(d), SEC(6)); /* not 4 + 3 */
    run_until(d, SEC(6));
    assert_int_equal(disp_node_load(d, 1), 1);
    assert_int_equal(disp_next_deadline(d), SEC(35)); /* nothing left to refresh */
    disp_free(d);
    rec_free(&r);
}

static void test_the_fifth_reservation_on_a_4_slot_node_is_denied_and_the_job_fails_pending(
    void **state)
{
    disp_policy p = snap();
    rec r = {0};
    uint64_t job[5];
    const disp_cmd *e;
    disp_stats st;
    disp *d;

    (void)state;
    d = mk(&p, &r, 3);
    for (uint32_t i = 0; i < 5; i++)
        job[i] = utter(d, MSEC(500), i + 1, 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(node_of(&r, job[i]), 1);
    assert_int_equal(node_of(&r, job[4]), 0); /* node 1 chosen (seen 0), max(0, 4) >= 4 */
    assert_int_equal(count_event(&r, DISP_LOG_JOB_PENDING), 1);
    assert_int_equal(nth_event(&r, DISP_LOG_JOB_PENDING, 0)->job, job[4]);
    run_until(d, SEC(12));
    /* never dispatched later, though nodes 2 and 3 stayed idle and a tick passed */
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 4);
    e = nth_event(&r, DISP_LOG_PENDING_TIMEOUT, 0);
    assert_non_null(e);
    assert_int_equal(e->job, job[4]);
    assert_int_equal(e->now, SEC(11)); /* the first scan after 0.5 + 10 s */
    e = nth_kind(&r, DISP_CMD_ERROR, 0);
    assert_non_null(e);
    assert_int_equal(e->session, 5);
    assert_int_equal(e->error, DISP_ERR_JOB_TIMEOUT);
    disp_get_stats(d, &st);
    assert_int_equal(st.pending_timeouts, 1);
    disp_free(d);
    rec_free(&r);
}

static void test_after_a_tick_the_reservations_are_seen_and_choice_moves_on(void **state)
{
    disp_policy p = snap();
    rec r = {0};
    uint64_t a, b;
    disp *d;

    (void)state;
    d = mk(&p, &r, 3);
    a = utter(d, MSEC(500), 1, 0);
    b = utter(d, MSEC(500), 2, 0);
    assert_int_equal(node_of(&r, a), 1);
    assert_int_equal(node_of(&r, b), 1);
    assert_int_equal(disp_node_load(d, 1), 0);
    run_until(d, SEC(2));
    assert_int_equal(disp_node_load(d, 1), 2);
    assert_int_equal(node_of(&r, utter(d, MSEC(2500), 3, 0)), 2);
    /* both slots of node 1 free at 3 s: not seen until the next tick, and node 2's
     * reservation of 2.5 s is not seen either */
    answer(d, &r, SEC(3), a, true);
    answer(d, &r, SEC(3), b, true);
    assert_int_equal(disp_node_load(d, 1), 2);
    assert_int_equal(node_of(&r, utter(d, MSEC(3500), 4, 0)), 2);
    run_until(d, SEC(4));
    assert_int_equal(disp_node_load(d, 1), 0);
    assert_int_equal(disp_node_load(d, 2), 2);
    assert_int_equal(node_of(&r, utter(d, MSEC(4500), 5, 0)), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_a_heartbeat_sets_the_seen_load_to_its_running_jobs(void **state)
{
    disp_policy p = snap();
    rec r = {0};
    uint64_t y;
    disp *d;

    (void)state;
    d = mk(&p, &r, 2);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(node_of(&r, utter(d, MSEC(500), i + 1, 0)), 1);
    run_until(d, SEC(2));
    assert_int_equal(disp_node_load(d, 1), 3);
    assert_int_equal(disp_node_heartbeat(d, MSEC(2500), 1, 1), 0);
    assert_int_equal(disp_node_heartbeat(d, MSEC(2500), 2, 2), 0);
    assert_int_equal(disp_node_load(d, 1), 1); /* below its 3 reservations */
    assert_int_equal(disp_node_load(d, 2), 2);
    /* node 1 looks lighter: chosen, granted while max(1, reserved) < 4 */
    assert_int_equal(node_of(&r, utter(d, MSEC(2600), 4, 0)), 1);
    y = utter(d, MSEC(2700), 5, 0);
    assert_int_equal(node_of(&r, y), 0); /* chosen again, max(1, 4) >= 4: denied */
    assert_int_equal(nth_event(&r, DISP_LOG_JOB_PENDING, 0)->job, y);
    run_until(d, SEC(4));
    assert_int_equal(disp_node_load(d, 1), 4); /* max(heartbeat 1, 4 reservations) */
    assert_int_equal(disp_node_load(d, 2), 2); /* max(heartbeat 2, none) */
    disp_free(d);
    rec_free(&r);
}

/* Node 2 says 1 job; A goes to node 1, which then says 2; B..E go to the node
 * that looks lighter; no tick before A times out at 31 s. Returns A. */
static uint64_t failover_script(disp_load_mode mode, rec *r, disp **out)
{
    disp_policy p = snap();
    uint64_t a;
    disp *d;

    p.node_load = mode;
    p.node_snapshot_refresh = SEC(100);
    d = mk(&p, r, 2);
    assert_int_equal(disp_node_heartbeat(d, MSEC(100), 2, 1), 0);
    a = utter(d, MSEC(500), 1, 0);
    assert_int_equal(node_of(r, a), 1);
    assert_int_equal(disp_node_heartbeat(d, MSEC(600), 1, 2), 0);
    for (uint32_t i = 0; i < 4; i++)
        utter(d, MSEC(700), i + 2, 0);
    run_until(d, SEC(31));
    *out = d;
    return a;
}

static void test_a_denied_failover_reservation_fails_the_job(void **state)
{
    const disp_cmd *e;
    rec r = {0};
    uint64_t a;
    disp *d;

    (void)state;
    a = failover_script(DISP_LOAD_SNAPSHOT, &r, &d);
    /* B..E all went to node 2 (seen 1 < 2), unseen: node 2 holds 4 */
    e = nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0);
    assert_int_equal(e->job, a);
    assert_int_equal(e->now, SEC(31));
    /* the failover chose node 2 (seen 1) and max(1, 4) >= 4 denied it */
    e = nth_event(&r, DISP_LOG_FAILOVER_NO_NODE, 0);
    assert_non_null(e);
    assert_int_equal(e->job, a);
    assert_int_equal(e->now, SEC(31));
    assert_true(pos_of(&r, nth_kind(&r, DISP_CMD_ASSIGN, 0)) < pos_of(&r, e));
    assert_int_equal(last_assign(&r, a)->attempt, 1); /* never re-dispatched */
    e = nth_kind(&r, DISP_CMD_ERROR, 0);
    assert_int_equal(e->job, a);
    assert_int_equal(e->error, DISP_ERR_JOB_TIMEOUT);
    disp_free(d);
    rec_free(&r);

    /* heartbeat: reservations counted at once, node 2 had room, A failed over */
    a = failover_script(DISP_LOAD_HEARTBEAT, &r, &d);
    e = nth_event(&r, DISP_LOG_FAILOVER_DISPATCHED, 0);
    assert_non_null(e);
    assert_int_equal(e->job, a);
    assert_int_equal(e->node, 2);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_NO_NODE), 0);
    disp_free(d);
    rec_free(&r);
}

static void test_pending_queue_waits_for_a_tick_that_shows_a_free_slot(void **state)
{
    disp_policy p = snap();
    rec r = {0};
    uint64_t job[5];
    disp *d;

    (void)state;
    p.pending = DISP_PENDING_QUEUE;
    p.pending_timeout = 0;
    d = mk(&p, &r, 1);
    for (uint32_t i = 0; i < 5; i++)
        job[i] = utter(d, MSEC(500), i + 1, 0);
    assert_int_equal(node_of(&r, job[4]), 0); /* denied: queued */
    run_until(d, SEC(2));
    assert_int_equal(node_of(&r, job[4]), 0); /* seen 4: full */
    answer(d, &r, SEC(3), job[0], true);
    assert_int_equal(node_of(&r, job[4]), 0); /* the free slot is not seen yet */
    run_until(d, SEC(4));
    assert_int_equal(node_of(&r, job[4]), 1);
    assert_int_equal(last_assign(&r, job[4])->now, SEC(4));
    disp_free(d);
    rec_free(&r);
}

static void test_the_refresh_interval_is_checked_under_snapshot_only(void **state)
{
    disp_policy p = snap();
    static const disp_time bad[] = {0, -1, DISP_DURATION_MAX + 1};

    (void)state;
    assert_int_equal(p.node_snapshot_refresh, SEC(2)); /* refresh_interval_ms = 2000 */
    assert_null(disp_policy_check(&p));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why;
        p.node_snapshot_refresh = bad[i];
        why = disp_policy_check(&p);
        assert_non_null(why);
        assert_non_null(strstr(why, "node_snapshot_refresh_s"));
        assert_null(disp_new(&p, NULL, NULL, NULL, NULL));
    }
    p.node_snapshot_refresh = DISP_DURATION_MAX;
    assert_null(disp_policy_check(&p));
    p.node_snapshot_refresh = 0;
    p.node_load = DISP_LOAD_HEARTBEAT; /* not read by the other modes */
    assert_null(disp_policy_check(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_burst_between_two_ticks_goes_to_one_node),
        cmocka_unit_test(test_ticks_fall_on_the_multiples_of_the_refresh_interval),
        cmocka_unit_test(
            test_the_fifth_reservation_on_a_4_slot_node_is_denied_and_the_job_fails_pending),
        cmocka_unit_test(test_after_a_tick_the_reservations_are_seen_and_choice_moves_on),
        cmocka_unit_test(test_a_heartbeat_sets_the_seen_load_to_its_running_jobs),
        cmocka_unit_test(test_a_denied_failover_reservation_fails_the_job),
        cmocka_unit_test(test_pending_queue_waits_for_a_tick_that_shows_a_free_slot),
        cmocka_unit_test(test_the_refresh_interval_is_checked_under_snapshot_only),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
