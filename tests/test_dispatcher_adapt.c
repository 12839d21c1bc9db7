/*
 * test_dispatcher_adapt.c — the core's policies beyond the reference (issue 7):
 * adaptive timeouts (RFC 6298, quantile), progress liveness (silence, phi
 * accrual), hedging, backoff with jitter, the retry budget. Explicit `now` values;
 * links the dispatcher library alone.
 */
#include "test_dispatcher_harness.h"

static disp_policy base(void)
{
    disp_policy p = preset("lingua-2025-12-28");

    p.scan_interval = 0; /* exact deadlines: the estimates show without rounding */
    return p;
}

/* Job on node `node`'s class, answered after `dur`: one duration sample. */
static void sample(disp *d, rec *r, disp_time at, uint32_t index, disp_time dur)
{
    uint64_t job;

    run_until(d, at);
    job = utter(d, at, 9, index);
    run_until(d, at + dur);
    answer(d, r, at + dur, job, true);
}

/* A progress report from the attempt's node at `now`, after running due timers. */
static void progress_at(disp *d, disp_time now, uint64_t job, uint32_t node)
{
    run_until(d, now);
    assert_int_equal(disp_progress(d, now, job, 1, node, 0), 0);
}

/* ---- adaptive timeout: RFC 6298 ------------------------------------------------------- */

static void test_rfc6298_timeout_is_srtt_plus_4_rttvar_and_doubles_per_failover(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.timeout.mode = DISP_TIMEOUT_RFC6298;
    d = mk(&p, &r, 2);
    /* No sample yet: the fixed dispatch timeout. */
    utter(d, 0, 1, 0);
    assert_int_equal(disp_next_deadline(d), SEC(30));
    answer(d, &r, SEC(2), nth_kind(&r, DISP_CMD_ASSIGN, 0)->job, true);
    /* First sample R = 2 s: SRTT 2, RTTVAR 1, RTO = 2 + 4 x 1 = 6 s. */
    utter(d, SEC(10), 1, 1);
    assert_int_equal(disp_next_deadline(d), SEC(16));
    run_until(d, SEC(16));
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_DISPATCHED), 1);
    /* Each failover of the same job doubles it: 12 s, then 24 s. */
    assert_int_equal(disp_next_deadline(d), SEC(28));
    run_until(d, SEC(28));
    assert_int_equal(disp_next_deadline(d), SEC(52));
    disp_free(d);
    rec_free(&r);
}

static void test_rfc6298_takes_no_sample_from_a_failed_over_job_karns_rule(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.timeout.mode = DISP_TIMEOUT_RFC6298;
    d = mk(&p, &r, 2);
    sample(d, &r, 0, 0, SEC(2)); /* RTO 6 s */
    job = utter(d, SEC(10), 1, 1);
    run_until(d, SEC(16));       /* failed over */
    answer(d, &r, SEC(17), job, true); /* 1 s after the re-dispatch: ambiguous, ignored */
    utter(d, SEC(20), 1, 2);
    assert_int_equal(disp_next_deadline(d), SEC(26)); /* still 6 s */
    answer(d, &r, SEC(24), nth_kind(&r, DISP_CMD_ASSIGN, 3)->job, true);
    /* A clean 4 s sample: RTTVAR 0.75 + 0.25 x 2 = 1.25, SRTT 2.25 -> 7.25 s. */
    utter(d, SEC(30), 1, 3);
    assert_int_equal(disp_next_deadline(d), SEC(30) + MSEC(7250));
    disp_free(d);
    rec_free(&r);
}

static void test_rfc6298_estimates_are_per_node_class(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.timeout.mode = DISP_TIMEOUT_RFC6298;
    d = disp_new(&p, rec_sink, &r, NULL, NULL);
    assert_int_equal(disp_node_up(d, 0, 1, 0, 4), 0); /* class 0 */
    assert_int_equal(disp_node_up(d, 0, 2, 1, 4), 0); /* class 1 */
    assert_int_equal(disp_node_heartbeat(d, 0, 2, 4), 0); /* keep class 1 busy */
    sample(d, &r, 0, 0, SEC(2));
    assert_int_equal(disp_node_down(d, SEC(5), 1), 0);
    assert_int_equal(disp_node_heartbeat(d, SEC(5), 2, 0), 0);
    utter(d, SEC(10), 1, 1); /* to node 2: class 1 has no sample */
    assert_int_equal(last_assign(&r, nth_kind(&r, DISP_CMD_ASSIGN, 1)->job)->node, 2);
    assert_int_equal(disp_next_deadline(d), SEC(40));
    disp_free(d);
    rec_free(&r);
}

static void test_rfc6298_timeout_is_clamped_to_min_and_max(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;

    (void)state;
    p.timeout.mode = DISP_TIMEOUT_RFC6298;
    p.timeout.min = SEC(10);
    p.timeout.max = SEC(20);
    d = mk(&p, &r, 2);
    sample(d, &r, 0, 0, MSEC(100)); /* RTO 0.3 s -> clamped up to 10 s */
    utter(d, SEC(1), 1, 1);
    assert_int_equal(disp_next_deadline(d), SEC(11));
    run_until(d, SEC(11));           /* failover: 20 s, not beyond max */
    assert_int_equal(disp_next_deadline(d), SEC(31));
    disp_free(d);
    rec_free(&r);
}

/* ---- adaptive timeout: quantile ------------------------------------------------------------- */

static void test_quantile_timeout_is_the_windows_quantile_times_the_factor(void **state)
{
    disp_policy p = base();
    rec r = {0};
    disp *d;
    disp_time t = 0;

    (void)state;
    p.timeout.mode = DISP_TIMEOUT_QUANTILE;
    p.timeout.q = 0.9;
    p.timeout.factor = 1.5;
    p.timeout.window = 16;
    d = mk(&p, &r, 1);
    for (uint32_t i = 1; i <= 20; i++) { /* durations 1..20 s; the window keeps 5..20 */
        if (i == 16) { /* 15 samples: not enough for an estimate yet */
            uint64_t job = utter(d, t, 1, 100);
            assert_int_equal(disp_next_deadline(d), t + SEC(30));
            answer(d, &r, t + MSEC(1), job, false); /* a failed result: no sample */
            t += SEC(1);
        }
        sample(d, &r, t, i, SEC(i));
        t += SEC(i) + SEC(1);
    }
    /* Sorted window 5..20; rank floor(0.9 x 16) = 14 -> 19 s; x 1.5 = 28.5 s. */
    utter(d, t, 1, 200);
    assert_int_equal(disp_next_deadline(d), t + MSEC(28500));
    disp_free(d);
    rec_free(&r);
}

/* ---- liveness ------------------------------------------------------------------------------ */

static void test_heartbeat_liveness_fails_over_only_after_silence(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.liveness.mode = DISP_LIVENESS_HEARTBEAT;
    p.liveness.silence = SEC(5);
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    for (int s = 4; s <= 40; s += 4) /* progress every 4 s, well past the 30 s timeout */
        progress_at(d, SEC(s), job, 1);
    run_until(d, SEC(45));
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 0);
    run_until(d, SEC(46)); /* silent since 40 s: > 5 s at the 46 s tick */
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 1);
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->now, SEC(46));
    disp_free(d);
    rec_free(&r);
}

static void test_heartbeat_liveness_counts_progress_of_any_job_on_the_node(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t quiet, busy;

    (void)state;
    p.liveness.mode = DISP_LIVENESS_HEARTBEAT;
    p.liveness.silence = SEC(5);
    d = mk(&p, &r, 1);
    quiet = utter(d, 0, 1, 0);
    busy = utter(d, 0, 1, 1);
    for (int s = 3; s <= 30; s += 3)
        progress_at(d, SEC(s), busy, 1);
    run_until(d, SEC(35));
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 0);
    run_until(d, SEC(36));
    assert_int_equal(count_event(&r, DISP_LOG_DISPATCH_TIMEOUT), 2);
    (void)quiet;
    disp_free(d);
    rec_free(&r);
}

static void test_liveness_hard_cap_is_timeout_max(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t job;

    (void)state;
    p.liveness.mode = DISP_LIVENESS_HEARTBEAT;
    p.liveness.silence = SEC(5);
    p.timeout.max = SEC(20);
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    for (int s = 2; s <= 30; s += 2)
        progress_at(d, SEC(s), job, 1);
    assert_int_equal(nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->now, SEC(21));
    disp_free(d);
    rec_free(&r);
}

/* Progress with inter-arrivals 1.5 s / 0.5 s alternating, the last at 10 s. */
static disp_time phi_failover_time(double threshold)
{
    static const int ms[] = {500, 2000, 2500, 4000, 4500, 6000, 6500, 8000, 8500, 10000};
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t job;
    disp_time t;

    p.liveness.mode = DISP_LIVENESS_PHI;
    p.liveness.threshold = threshold;
    d = mk(&p, &r, 2);
    job = utter(d, 0, 1, 0);
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        progress_at(d, MSEC(ms[i]), job, 1);
    run_until(d, SEC(60));
    t = nth_event(&r, DISP_LOG_DISPATCH_TIMEOUT, 0)->now;
    disp_free(d);
    rec_free(&r);
    return t;
}

static void test_phi_accrual_fails_over_when_phi_crosses_the_threshold(void **state)
{
    (void)state;
    /* mean 1.056 s, sd 0.497 s. threshold 8 <=> y > 5.226 (logistic tail):
     * 10 + 1.056 + 2.597 = 13.65 s -> tick 14 s. threshold 1 <=> y > 1.282:
     * 10 + 1.056 + 0.637 = 11.69 s -> tick 12 s. */
    assert_int_equal(phi_failover_time(8.0), SEC(14));
    assert_int_equal(phi_failover_time(1.0), SEC(12));
}

/* ---- hedging ---------------------------------------------------------------------------------- */

static disp_policy hedged(disp_time after, int max_extra, double budget)
{
    disp_policy p = preset("lingua-2025-12-28");

    p.hedge.enabled = true;
    p.hedge.after = after;
    p.hedge.max_extra = max_extra;
    p.hedge.budget = budget;
    return p;
}

static void test_hedge_sends_a_second_attempt_and_the_first_result_wins(void **state)
{
    disp_policy p = hedged(SEC(2), 1, 1.0);
    rec r = {0};
    disp *d = mk(&p, &r, 2);
    uint64_t job = utter(d, 0, 1, 0);
    const disp_cmd *h, *c;
    disp_stats st;

    (void)state;
    run_until(d, SEC(2));
    h = nth_kind(&r, DISP_CMD_ASSIGN, 1);
    assert_non_null(h);
    assert_true(h->hedge);
    assert_int_equal(h->node, 2);
    assert_int_equal(h->attempt, 2);
    assert_int_equal(h->now, SEC(2));
    assert_int_equal(count_kind(&r, DISP_CMD_CANCEL), 0); /* the first keeps running */
    assert_int_equal(disp_result(d, SEC(3), job, 2, 2, 1, 0, true), 0);
    c = nth_kind(&r, DISP_CMD_CANCEL, 0); /* the loser is cancelled */
    assert_non_null(c);
    assert_int_equal(c->node, 1);
    assert_int_equal(disp_node_load(d, 1), 0);
    assert_int_equal(disp_result(d, SEC(4), job, 1, 1, 1, 0, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 0), 1); /* implies first_result_wins */
    disp_get_stats(d, &st);
    assert_int_equal(st.hedges, 1);
    assert_int_equal(st.dispatches, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_hedge_budget_caps_hedges_at_a_fraction_of_jobs(void **state)
{
    disp_policy p = hedged(SEC(2), 1, 0.05);
    rec r = {0};
    disp *d = mk(&p, &r, 11);
    disp_stats st;

    (void)state;
    for (uint32_t i = 0; i < 40; i++)
        utter(d, 0, 1, i);
    run_until(d, SEC(3));
    disp_get_stats(d, &st);
    assert_int_equal(st.hedges, 2); /* 0.05 x 40 */
    disp_free(d);
    rec_free(&r);
}

static void test_hedge_max_extra_2_sends_two_hedges_to_distinct_nodes(void **state)
{
    disp_policy p = hedged(SEC(2), 2, 2.0); /* budget: 2 hedges per job */
    rec r = {0};
    disp *d = mk(&p, &r, 3);

    (void)state;
    utter(d, 0, 1, 0);
    run_until(d, SEC(10));
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 3);
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 1)->now, SEC(2));
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 2)->now, SEC(4));
    for (uint32_t n = 1; n <= 3; n++)
        assert_int_equal(disp_node_load(d, n), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_hedge_after_a_class_quantile(void **state)
{
    disp_policy p = hedged(0, 1, 1.0);
    rec r = {0};
    disp *d;
    disp_time t = 0;

    (void)state;
    p.hedge.after_quantile = 0.5;
    p.timeout.window = 16;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0); /* no samples: half the dispatch timeout */
    run_until(d, SEC(15));
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 1)->now, SEC(15));
    disp_free(d);
    rec_free(&r);

    d = mk(&p, &r, 2);
    for (uint32_t i = 1; i <= 16; i++) { /* 0.5..8 s: rank floor(0.5 x 16) = 8 -> 4.5 s */
        sample(d, &r, t, i, MSEC(500) * (disp_time)i);
        t += SEC(10);
    }
    rec_clear(&r);
    utter(d, t, 1, 100);
    run_until(d, t + MSEC(4500) - 1);
    assert_null(nth_kind(&r, DISP_CMD_ASSIGN, 1));
    run_until(d, t + MSEC(4500));
    assert_int_equal(nth_kind(&r, DISP_CMD_ASSIGN, 1)->now, t + MSEC(4500));
    assert_true(nth_kind(&r, DISP_CMD_ASSIGN, 1)->hedge);
    disp_free(d);
    rec_free(&r);
}

/* ---- backoff ---------------------------------------------------------------------------------- */

static double quarter(void *ctx)
{
    (void)ctx;
    return 0.25;
}

/* Times of the failover dispatches under a backoff jitter mode. */
static void failover_times(disp_jitter_mode jitter, disp_time *out, int n)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;

    p.backoff.enabled = true;
    p.backoff.base = SEC(2);
    p.backoff.cap = SEC(10);
    p.backoff.jitter = jitter;
    p.max_failovers = n;
    d = disp_new(&p, rec_sink, &r, quarter, NULL);
    assert_non_null(d);
    assert_int_equal(disp_node_up(d, 0, 1, 0, 4), 0);
    utter(d, 0, 1, 0);
    run_until(d, SEC(1000));
    for (int i = 0; i < n; i++)
        out[i] = nth_event(&r, DISP_LOG_FAILOVER_DISPATCHED, (size_t)i)->now;
    assert_int_equal(count_event(&r, DISP_LOG_BACKOFF_WAIT), n);
    disp_free(d);
    rec_free(&r);
}

static void test_backoff_none_doubles_from_base_up_to_cap(void **state)
{
    disp_time t[4];

    (void)state;
    failover_times(DISP_JITTER_NONE, t, 4);
    assert_int_equal(t[0], SEC(33));  /* timeout at 31, + 2 s */
    assert_int_equal(t[1], SEC(68));  /* 63 -> tick 64, + 4 s */
    assert_int_equal(t[2], SEC(107)); /* 98 -> 99, + 8 s */
    assert_int_equal(t[3], SEC(148)); /* 137 -> 138, + 10 s (cap) */
}

static void test_backoff_full_equal_and_decorrelated_jitter_use_the_drivers_source(void **state)
{
    disp_time t[2];
    disp_policy p = preset("lingua-2025-12-28");

    (void)state;
    failover_times(DISP_JITTER_FULL, t, 2); /* 0.25 x 2 s, then 0.25 x 4 s */
    assert_int_equal(t[0], SEC(31) + MSEC(500));
    assert_int_equal(t[1], SEC(63)); /* 61.5 -> tick 62, + 1 s */
    failover_times(DISP_JITTER_EQUAL, t, 2); /* 1 + 0.25 x 1 s; 62.25 -> 63, + 2 + 0.25 x 2 s */
    assert_int_equal(t[0], SEC(31) + MSEC(1250));
    assert_int_equal(t[1], SEC(63) + MSEC(2500));
    failover_times(DISP_JITTER_DECORRELATED, t, 2); /* 2 + 0.25 x (6 - 2); 64 -> 65, + 2 + 0.25 x (9 - 2) */
    assert_int_equal(t[0], SEC(34));
    assert_int_equal(t[1], SEC(65) + MSEC(3750));
    p.backoff.enabled = true;
    p.backoff.jitter = DISP_JITTER_FULL;
    assert_null(disp_new(&p, NULL, NULL, NULL, NULL)); /* jitter needs a random source */
}

/* ---- retry budget ------------------------------------------------------------------------------ */

static void test_retry_budget_refuses_a_redispatch_beyond_it_and_keeps_the_attempt(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    uint64_t a, b;
    disp_stats st;
    const disp_cmd *x;

    (void)state;
    p.retry_budget.enabled = true;
    p.retry_budget.ratio = 0.0;
    p.retry_budget.min_per_s = 0.1; /* one retry per 10 s window */
    d = mk(&p, &r, 2);
    a = utter(d, 0, 1, 0);
    b = utter(d, 0, 1, 1);
    run_until(d, SEC(31));
    disp_get_stats(d, &st);
    assert_int_equal(st.failovers, 1);
    assert_int_equal(st.budget_refusals, 1);
    x = nth_event(&r, DISP_LOG_BUDGET_REFUSED, 0);
    assert_non_null(x);
    assert_int_equal(x->job, b);
    assert_int_equal(x->index, 1);
    assert_int_equal(count_kind(&r, DISP_CMD_CANCEL), 1); /* only a's old attempt */
    assert_int_equal(last_assign(&r, a)->node, 2);
    assert_int_equal(disp_node_load(d, 2), 2);           /* b still holds its slot */
    /* b's attempt 1 can still finish the job. */
    assert_int_equal(disp_result(d, SEC(40), b, 1, 2, 1, 1, true), 0);
    assert_int_equal(deliveries_of(&r, 1, 1), 1);
    disp_free(d);
    rec_free(&r);
}

static void test_retry_budget_ratio_earns_retries_from_first_dispatches(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;
    disp_stats st;

    (void)state;
    p.retry_budget.enabled = true;
    p.retry_budget.ratio = 0.5;
    p.retry_budget.min_per_s = 0.0;
    d = mk(&p, &r, 2);
    for (uint32_t i = 0; i < 4; i++) /* victims: their own deposits are too old at 31 s */
        utter(d, MSEC(100) * i, 1, i);
    for (uint32_t i = 4; i < 8; i++) /* 4 fresh first dispatches earn 4 x 0.5 = 2 retries */
        utter(d, SEC(25), 1, i);
    for (uint32_t i = 4; i < 8; i++)
        answer(d, &r, SEC(26), last_assign(&r, nth_kind(&r, DISP_CMD_ASSIGN, i)->job)->job, true);
    run_until(d, SEC(31));
    disp_get_stats(d, &st);
    assert_int_equal(st.failovers, 2);
    assert_int_equal(st.budget_refusals, 2);
    disp_free(d);
    rec_free(&r);
}

static void test_refused_redispatches_use_up_max_failovers(void **state)
{
    disp_policy p = preset("lingua-2025-12-28");
    rec r = {0};
    disp *d;

    (void)state;
    p.retry_budget.enabled = true;
    p.retry_budget.ratio = 0.0;
    p.retry_budget.min_per_s = 0.0; /* no retry at all */
    p.max_failovers = 2;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    run_until(d, SEC(200));
    assert_int_equal(count_event(&r, DISP_LOG_BUDGET_REFUSED), 2);
    assert_int_equal(count_kind(&r, DISP_CMD_ASSIGN), 1);
    assert_int_equal(count_event(&r, DISP_LOG_FAILOVER_EXHAUSTED), 1);
    assert_int_equal(nth_kind(&r, DISP_CMD_ERROR, 0)->now, SEC(93)); /* 31, 62, 93 */
    disp_free(d);
    rec_free(&r);
}

static void test_hedges_are_refused_by_the_retry_budget_too(void **state)
{
    disp_policy p = hedged(SEC(2), 1, 1.0);
    rec r = {0};
    disp *d;
    disp_stats st;

    (void)state;
    p.retry_budget.enabled = true;
    p.retry_budget.ratio = 0.0;
    p.retry_budget.min_per_s = 0.0;
    d = mk(&p, &r, 2);
    utter(d, 0, 1, 0);
    run_until(d, SEC(5));
    disp_get_stats(d, &st);
    assert_int_equal(st.hedges, 0);
    assert_int_equal(st.budget_refusals, 1);
    disp_free(d);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6298_timeout_is_srtt_plus_4_rttvar_and_doubles_per_failover),
        cmocka_unit_test(test_rfc6298_takes_no_sample_from_a_failed_over_job_karns_rule),
        cmocka_unit_test(test_rfc6298_estimates_are_per_node_class),
        cmocka_unit_test(test_rfc6298_timeout_is_clamped_to_min_and_max),
        cmocka_unit_test(test_quantile_timeout_is_the_windows_quantile_times_the_factor),
        cmocka_unit_test(test_heartbeat_liveness_fails_over_only_after_silence),
        cmocka_unit_test(test_heartbeat_liveness_counts_progress_of_any_job_on_the_node),
        cmocka_unit_test(test_liveness_hard_cap_is_timeout_max),
        cmocka_unit_test(test_phi_accrual_fails_over_when_phi_crosses_the_threshold),
        cmocka_unit_test(test_hedge_sends_a_second_attempt_and_the_first_result_wins),
        cmocka_unit_test(test_hedge_budget_caps_hedges_at_a_fraction_of_jobs),
        cmocka_unit_test(test_hedge_max_extra_2_sends_two_hedges_to_distinct_nodes),
        cmocka_unit_test(test_hedge_after_a_class_quantile),
        cmocka_unit_test(test_backoff_none_doubles_from_base_up_to_cap),
        cmocka_unit_test(test_backoff_full_equal_and_decorrelated_jitter_use_the_drivers_source),
        cmocka_unit_test(test_retry_budget_refuses_a_redispatch_beyond_it_and_keeps_the_attempt),
        cmocka_unit_test(test_retry_budget_ratio_earns_retries_from_first_dispatches),
        cmocka_unit_test(test_refused_redispatches_use_up_max_failovers),
        cmocka_unit_test(test_hedges_are_refused_by_the_retry_budget_too),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
