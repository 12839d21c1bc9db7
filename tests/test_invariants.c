/* test_invariants.c — the built-in trace invariants hold on a clean trace and
 * break, each by name, on a trace broken on purpose. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "invariants.h"

#define S(x) ((int64_t)(x)*1000000000)

/* 2 sessions x 3 utterances, max_failovers 1, hedges of 1 extra attempt. */
static sim_inv *checker(bool ordered)
{
    sim_inv_config c = {2, 3, ordered, 1, 1};
    return sim_inv_new(&c);
}

static disp_cmd cmd(disp_cmd_kind kind, int64_t t, uint64_t session, uint32_t index,
                    uint32_t attempt, uint32_t node)
{
    disp_cmd c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.now = t;
    c.session = session;
    c.index = index;
    c.job = 1 + session * 3 + index;
    c.attempt = attempt;
    c.node = node;
    return c;
}

/* Every utterance ends at t = 1 + index (s; session 1 10 ns later), is assigned once, answered
 * once, delivered once in index order and received. */
static void clean_trace(sim_inv *v, double m[SIM_M_COUNT])
{
    memset(m, 0, SIM_M_COUNT * sizeof *m);
    for (uint32_t i = 0; i < 3; i++)
        for (uint64_t s = 0; s < 2; s++) {
            int64_t t = S(1 + i) + 10 * (int64_t)s;
            sim_inv_utterance(v, t, s, i);
            disp_cmd a = cmd(DISP_CMD_ASSIGN, t, s, i, 1, (uint32_t)s);
            sim_inv_cmd(v, &a);
            sim_inv_result(v, t + 1, s, i, true);
            disp_cmd d = cmd(DISP_CMD_DELIVER, t + 1, s, i, 1, 0);
            sim_inv_cmd(v, &d);
            sim_inv_client(v, t + 2, true, s, i);
        }
    m[SIM_M_UTTERANCES] = 6;
    m[SIM_M_DELIVERED] = 6;
}

static void a_clean_trace_keeps_every_invariant(void **state)
{
    (void)state;
    for (int ordered = 0; ordered < 2; ordered++) {
        sim_inv *v = checker(ordered);
        double m[SIM_M_COUNT];
        clean_trace(v, m);
        sim_inv_finish(v, m);
        assert_false(sim_inv_broken(v));
        assert_string_equal(sim_inv_name(v), "");
        sim_inv_free(v);
    }
    sim_inv_free(NULL); /* a no-op, as every feeding function with NULL */
    sim_inv_utterance(NULL, 0, 0, 0);
}

static void expect_broken(sim_inv *v, const char *name, const char *words)
{
    assert_true(sim_inv_broken(v));
    assert_string_equal(sim_inv_name(v), name);
    if (!strstr(sim_inv_what(v), words))
        fail_msg("'%s' does not say '%s'", sim_inv_what(v), words);
    sim_inv_free(v);
}

static void a_delivery_before_its_utterance_ended_breaks_spoken_first(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(5), 0, 0);
    disp_cmd d = cmd(DISP_CMD_DELIVER, S(6), 0, 1, 1, 0); /* index 1 never ended */
    sim_inv_cmd(v, &d);
    expect_broken(v, "spoken_first", "session 0 index 1 before that utterance ended");

    v = checker(false);
    d = cmd(DISP_CMD_ASSIGN, S(1), 1, 7, 1, 0); /* index 7: the workload has 3 */
    sim_inv_cmd(v, &d);
    expect_broken(v, "spoken_first", "never speaks");
}

static void an_utterance_ending_twice_breaks_conserved(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 1, 2);
    sim_inv_utterance(v, S(2), 1, 2);
    expect_broken(v, "conserved", "ended twice");
}

static void figures_that_disagree_with_the_trace_break_conserved(void **state)
{
    (void)state;
    double m[SIM_M_COUNT];
    struct {
        int metric;
        double value;
        const char *words;
    } cases[] = {
        {SIM_M_UTTERANCES, 5, "utterances counted, 6 ended"},
        {SIM_M_DELIVERED, 5, "delivered counted"},
        {SIM_M_DUPLICATES, 1, "duplicates counted, 0 extra"},
        {SIM_M_LOST, 1, "delivered + 1 lost != 6"},
        {SIM_M_LOST_ACK_DISCARD, 1, "lost_by_cause counts add up to 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_inv *v = checker(false);
        clean_trace(v, m);
        m[cases[i].metric] = cases[i].value;
        sim_inv_finish(v, m);
        expect_broken(v, "conserved", cases[i].words);
    }
}

static void an_index_released_twice_breaks_ordered_once(void **state)
{
    (void)state;
    sim_inv *v = checker(true);
    sim_inv_utterance(v, S(1), 0, 0);
    sim_inv_result(v, S(2), 0, 0, true);
    sim_inv_result(v, S(3), 0, 0, true); /* two results: backed allows two deliveries */
    disp_cmd d = cmd(DISP_CMD_DELIVER, S(3), 0, 0, 1, 0);
    sim_inv_cmd(v, &d);
    assert_false(sim_inv_broken(v));
    sim_inv_cmd(v, &d);
    expect_broken(v, "ordered_once", "session 0 index 0 released twice");

    /* the reference queue may release a copy again: not an ordered promise */
    v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    sim_inv_result(v, S(2), 0, 0, true);
    sim_inv_result(v, S(3), 0, 0, true);
    sim_inv_cmd(v, &d);
    sim_inv_cmd(v, &d);
    assert_false(sim_inv_broken(v));
    sim_inv_free(v);
}

static void a_release_that_moves_back_breaks_ordered_forward(void **state)
{
    (void)state;
    sim_inv *v = checker(true);
    for (uint32_t i = 0; i < 2; i++)
        sim_inv_utterance(v, S(1 + i), 0, i);
    for (uint32_t i = 0; i < 2; i++)
        sim_inv_result(v, S(3), 0, i, true);
    disp_cmd d1 = cmd(DISP_CMD_DELIVER, S(4), 0, 1, 1, 0);
    disp_cmd d0 = cmd(DISP_CMD_DELIVER, S(4), 0, 0, 1, 0);
    sim_inv_cmd(v, &d1);
    sim_inv_cmd(v, &d0);
    expect_broken(v, "ordered_forward", "index 0 released after index 1");
}

static void too_many_attempts_break_attempts_bounded(void **state)
{
    (void)state;
    /* max_failovers 1: a first dispatch and one failover, a third primary is too many */
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    for (uint32_t a = 1; a <= 3; a++) {
        disp_cmd c = cmd(DISP_CMD_ASSIGN, S(a), 0, 0, a, 0);
        sim_inv_cmd(v, &c);
        if (a < 3)
            assert_false(sim_inv_broken(v));
    }
    expect_broken(v, "attempts_bounded", "more than max_failovers + 1 = 2");

    /* hedges: (1 + 1) x 1 allowed, a third is too many */
    v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    for (uint32_t a = 1; a <= 3; a++) {
        disp_cmd c = cmd(DISP_CMD_ASSIGN, S(a), 0, 0, a, a);
        c.hedge = true;
        sim_inv_cmd(v, &c);
    }
    expect_broken(v, "attempts_bounded", "3 hedges");

    /* attempt ids must increase */
    v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    disp_cmd c = cmd(DISP_CMD_ASSIGN, S(1), 0, 0, 2, 0);
    sim_inv_cmd(v, &c);
    c.attempt = 1;
    sim_inv_cmd(v, &c);
    expect_broken(v, "attempts_bounded", "attempt 1 assigned after attempt 2");
}

static void two_jobs_for_one_utterance_break_one_job(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 1, 1);
    disp_cmd c = cmd(DISP_CMD_ASSIGN, S(1), 1, 1, 1, 0);
    sim_inv_cmd(v, &c);
    c.job += 100;
    c.attempt = 2;
    sim_inv_cmd(v, &c);
    expect_broken(v, "one_job", "assigned as job");
}

static void a_cancel_to_a_node_without_the_job_breaks_cancel_assigned(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 0, 2);
    disp_cmd a = cmd(DISP_CMD_ASSIGN, S(1), 0, 2, 1, 3);
    sim_inv_cmd(v, &a);
    disp_cmd c = cmd(DISP_CMD_CANCEL, S(2), 0, 2, 0, 3);
    sim_inv_cmd(v, &c);
    assert_false(sim_inv_broken(v));
    c.node = 4;
    sim_inv_cmd(v, &c);
    expect_broken(v, "cancel_assigned", "to node 4, which never had it");
}

static void a_delivery_without_a_result_breaks_backed(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    sim_inv_result(v, S(2), 0, 0, false); /* a failure is no translation */
    disp_cmd d = cmd(DISP_CMD_DELIVER, S(3), 0, 0, 1, 0);
    sim_inv_cmd(v, &d);
    expect_broken(v, "backed", "delivered 1 times from 0 successful results");
}

static void a_copy_the_core_never_sent_breaks_client_sent(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(1), 0, 0);
    sim_inv_result(v, S(2), 0, 0, true);
    disp_cmd d = cmd(DISP_CMD_DELIVER, S(2), 0, 0, 1, 0);
    sim_inv_cmd(v, &d);
    sim_inv_client(v, S(3), true, 0, 0);
    sim_inv_client(v, S(3), false, 0, 0); /* an error is not a copy */
    assert_false(sim_inv_broken(v));
    sim_inv_client(v, S(4), true, 0, 0);
    expect_broken(v, "client_sent", "received 2 copies");
}

static void time_going_back_breaks_time_forward(void **state)
{
    (void)state;
    sim_inv *v = checker(false);
    sim_inv_utterance(v, S(5), 0, 0);
    sim_inv_utterance(v, S(4), 0, 1);
    expect_broken(v, "time_forward", "at t=4 s after one at t=5 s");
}

static void the_first_violation_is_kept(void **state)
{
    (void)state;
    sim_inv *v = checker(true);
    sim_inv_utterance(v, S(1), 0, 0);
    sim_inv_utterance(v, S(1), 0, 0); /* conserved */
    sim_inv_utterance(v, S(0), 0, 1); /* time_forward, later */
    expect_broken(v, "conserved", "at t=1 s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clean_trace_keeps_every_invariant),
        cmocka_unit_test(a_delivery_before_its_utterance_ended_breaks_spoken_first),
        cmocka_unit_test(an_utterance_ending_twice_breaks_conserved),
        cmocka_unit_test(figures_that_disagree_with_the_trace_break_conserved),
        cmocka_unit_test(an_index_released_twice_breaks_ordered_once),
        cmocka_unit_test(a_release_that_moves_back_breaks_ordered_forward),
        cmocka_unit_test(too_many_attempts_break_attempts_bounded),
        cmocka_unit_test(two_jobs_for_one_utterance_break_one_job),
        cmocka_unit_test(a_cancel_to_a_node_without_the_job_breaks_cancel_assigned),
        cmocka_unit_test(a_delivery_without_a_result_breaks_backed),
        cmocka_unit_test(a_copy_the_core_never_sent_breaks_client_sent),
        cmocka_unit_test(time_going_back_breaks_time_forward),
        cmocka_unit_test(the_first_violation_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
