/*
 * test_node_faults.c — the node model against scripted sequences of calls:
 * faults (crash, cold start, no_result, stall), common random numbers and
 * bookkeeping (heartbeats: test_node_heartbeat.c). Stages are const 1 s each
 * unless a test says otherwise.
 */
#include "node_fixture.h"

/* ---- faults ------------------------------------------------------------- */

static void crash_loses_queued_and_running_work_and_comes_back(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.5);
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(2.5);
    f->cfg.crash_downtime = dist_const(10.0);
    f->cfg.skip_repeat_job_id = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1); /* 0 .. 1.5 done */
    fx_assign(f, 0, 11, 2, 1); /* 1.5 .. crash at 2.5 */
    fx_assign(f, 0, 12, 3, 1); /* queued, lost */
    fx_run(f, 5 * S);
    expect_result(f, 10, 1, true, 3 * S / 2, 3 * S / 2);
    expect_end(f, 11, 1, NODE_END_CRASHED, 1 * S);
    expect_end(f, 12, 1, NODE_END_CRASHED, 0);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
    int64_t at;
    assert_non_null(rec_find(&f->rec, NODE_OUT_DOWN, 0, &at));
    assert_true(at == 5 * S / 2);
    assert_false(node_is_up(f->n));
    assert_int_equal(node_in_flight(f->n), 0);
    fx_assign(f, 5 * S, 13, 4, 1); /* while down */
    expect_end(f, 13, 1, NODE_END_REFUSED, 0);
    fx_run(f, 12 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_HEARTBEAT), 0); /* none while down */
    fx_run(f, 25 * S / 2);
    assert_non_null(rec_find(&f->rec, NODE_OUT_UP, 0, &at));
    assert_true(at == 25 * S / 2);
    assert_true(node_is_up(f->n));
    fx_assign(f, 25 * S / 2, 12, 3, 2); /* restart forgot the last job_id... */
    fx_assign(f, 25 * S / 2, 13, 4, 2);
    fx_run(f, 15 * S - 1);
    expect_result(f, 12, 2, true, 14 * S, 3 * S / 2);
    node_stats st;
    node_get_stats(f->n, &st);
    assert_int_equal(st.crashes, 1);
    fx_run(f, 15 * S); /* second crash 2.5 s after coming back */
    expect_end(f, 13, 2, NODE_END_CRASHED, 1 * S);
    node_get_stats(f->n, &st);
    assert_int_equal(st.crashes, 2);
}

static void crash_times_come_from_the_fault_stream(void **state)
{
    fx *f = *state;
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(0.0);
    f->cfg.crash_between.kind = DIST_EXPONENTIAL;
    f->cfg.crash_between.p0 = 100.0;
    f->cfg.crash_downtime = dist_const(0.0);
    f->cfg.crash_downtime.kind = DIST_EXPONENTIAL;
    f->cfg.crash_downtime.p0 = 20.0;
    gsl_rng *twin = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(twin, 77); /* the fault stream's seed */
    fx_start(f);
    int64_t t = 0;
    for (int k = 0; k < 3; k++) {
        t += dist_to_ns(dist_sample(&f->cfg.crash_between, twin, 0.0));
        int64_t down_at, up_at;
        fx_run(f, t);
        assert_non_null(rec_find(&f->rec, NODE_OUT_DOWN, k, &down_at));
        assert_true(down_at == t);
        t += dist_to_ns(dist_sample(&f->cfg.crash_downtime, twin, 0.0));
        fx_run(f, t);
        assert_non_null(rec_find(&f->rec, NODE_OUT_UP, k, &up_at));
        assert_true(up_at == t);
    }
    gsl_rng_free(twin);
}

static void cold_start_is_paid_by_the_first_job_after_an_idle_period(void **state)
{
    fx *f = *state;
    f->cfg.cold_start = true;
    f->cfg.cold_idle_s = 10.0;
    f->cfg.cold_extra = dist_const(5.0);
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);     /* idle 0 s since start: warm */
    fx_assign(f, 1 * S, 11, 2, 1); /* queued behind: warm */
    fx_run(f, 19 * S);
    fx_assign(f, 20 * S, 12, 3, 1); /* idle since 6 s: 14 s >= 10 s: cold */
    fx_assign(f, 20 * S, 13, 4, 1);
    fx_run(f, 40 * S);
    fx_assign(f, 40 * S, 14, 5, 1); /* idle since 31 s: 9 s: warm */
    fx_run(f, 60 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 6 * S, 3 * S);
    expect_result(f, 12, 1, true, 28 * S, 8 * S);
    expect_result(f, 13, 1, true, 31 * S, 3 * S);
    expect_result(f, 14, 1, true, 43 * S, 3 * S);
}

static void no_result_finishes_the_work_and_sends_nothing(void **state)
{
    fx *f = *state;
    f->cfg.no_result_prob = 1.0;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 10 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 0);
    expect_end(f, 10, 1, NODE_END_NO_RESULT, 3 * S);
}

static void stall_adds_its_extra_time(void **state)
{
    fx *f = *state;
    f->cfg.stall_prob = 1.0;
    f->cfg.stall_extra = dist_const(20.0);
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 30 * S);
    expect_result(f, 10, 1, true, 23 * S, 23 * S);
    int64_t at;
    rec_find(&f->rec, NODE_OUT_PROGRESS, 0, &at);
    assert_true(at == 21 * S); /* in the ASR stage */
}

static void stall_and_no_result_hit_about_their_probability(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.0);
    f->cfg.stall_prob = 0.2;
    f->cfg.stall_extra = dist_const(1.0);
    f->cfg.no_result_prob = 0.3;
    fx_start(f);
    int n = 300, stalled = 0;
    for (int i = 0; i < n; i++) {
        int64_t t = (int64_t)i * 10 * S;
        f->rec.n = 0;
        fx_assign(f, t, (uint64_t)i + 1, (uint64_t)i + 1, 1);
        stalled += node_in_flight(f->n) > 0; /* zero-length jobs end in the call */
        fx_run(f, t + 5 * S);
        assert_int_equal(node_in_flight(f->n), 0);
    }
    node_stats st;
    node_get_stats(f->n, &st);
    /* binomial(300, p): 5 sd is 35 (p 0.2) and 40 (p 0.3) */
    assert_true(abs(stalled - 60) < 35);
    assert_true(labs((long)n - (long)st.results - 90) < 40);
}

/* ---- common random numbers and bookkeeping ------------------------------ */

/* Busy time of one attempt whose stream is seeded `seed`, on a node built from
 * lognormal stages and the given behaviour knobs. */
static int64_t busy_of_one_attempt(unsigned long seed, int workers, node_cancel_mode mode,
                                   bool progress, bool busy_before)
{
    node_config c;
    node_config_init(&c);
    for (int s = 0; s < STAGE_COUNT; s++) {
        c.stage[s] = dist_const(0.0);
        c.stage[s].kind = DIST_LOGNORMAL;
        c.stage[s].p0 = 0.8;
        c.stage[s].p1 = 0.8;
        c.stage[s].per_audio_s = 0.1;
    }
    c.workers = workers;
    c.on_cancel = mode;
    c.progress = progress;
    rec *r = calloc(1, sizeof *r);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    node *n = node_new(&c, 1, 0, NULL, rec_sink, r);
    node_start(n, 0, 0.0);
    if (busy_before) { /* another job first: a different history */
        gsl_rng_set(g, 424242);
        node_job other = {.job_id = 1, .job = 1, .attempt = 1, .audio = S};
        node_assign(n, 0, &other, g);
    }
    gsl_rng_set(g, seed);
    node_job j = {.job_id = 2, .job = 2, .attempt = 1, .audio = 3 * S};
    node_assign(n, S, &j, g);
    for (int guard = 0; guard < 100 && node_in_flight(n) > 0; guard++)
        node_advance(n, node_next_deadline(n));
    const node_out *o = rec_job(r, NODE_OUT_RESULT, 2, 1, NULL);
    assert_non_null(o);
    int64_t busy = o->busy_ns;
    node_free(n);
    gsl_rng_free(g);
    free(r);
    node_config_free(&c);
    return busy;
}

static void same_stream_gives_the_same_service_times_under_any_behaviour(void **state)
{
    (void)state;
    int64_t base = busy_of_one_attempt(5, 1, NODE_CANCEL_IGNORE, false, false);
    assert_true(base > 0);
    assert_true(busy_of_one_attempt(5, 2, NODE_CANCEL_ABORT_BY_JOB_ID, true, true) == base);
    assert_true(busy_of_one_attempt(5, 1, NODE_CANCEL_ABORT_ATTEMPT, false, true) == base);
    assert_true(busy_of_one_attempt(6, 1, NODE_CANCEL_IGNORE, false, false) != base);
}

static void every_assign_ends_in_exactly_one_end(void **state)
{
    fx *f = *state;
    f->cfg.workers = 2;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    f->cfg.cancel_between_stages = false;
    f->cfg.skip_repeat_job_id = true;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    f->cfg.no_result_prob = 0.3;
    f->cfg.crash = true;
    f->cfg.crash_between = dist_const(40.0);
    f->cfg.crash_downtime = dist_const(5.0);
    fx_start(f);
    gsl_rng *script = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(script, 2024);
    int assigns = 0;
    for (int i = 0; i < 200; i++) {
        int64_t t = (int64_t)i * S / 2;
        uint64_t job = gsl_rng_uniform_int(script, 20) + 1;
        uint32_t attempt = (uint32_t)gsl_rng_uniform_int(script, 3) + 1;
        if (gsl_rng_uniform(script) < 0.3) {
            node_cancel(f->n, t, job, gsl_rng_uniform(script) < 0.5 ? 0 : attempt);
        } else {
            fx_assign(f, t, job, job, attempt);
            assigns++;
        }
    }
    fx_run(f, 1000 * S);
    while (node_in_flight(f->n) > 0)
        fx_run(f, node_next_deadline(f->n));
    assert_int_equal(rec_count(&f->rec, NODE_OUT_END), assigns);
    int64_t busy = 0;
    for (int k = 0; k < f->rec.n; k++)
        if (f->rec.out[k].kind == NODE_OUT_END)
            busy += f->rec.out[k].busy_ns;
    node_stats st;
    node_get_stats(f->n, &st);
    assert_true(st.busy_ns == busy);
    assert_true(st.assigns == (uint64_t)assigns);
    gsl_rng_free(script);
}

static void attempt_records_are_reused(void **state)
{
    fx *f = *state;
    fx_start(f);
    for (int i = 0; i < 2000; i++) {
        f->rec.n = 0;
        fx_assign(f, (int64_t)i * 7 * S, (uint64_t)i, (uint64_t)i, 1);
        fx_assign(f, (int64_t)i * 7 * S, (uint64_t)i + 100000, (uint64_t)i, 2);
        fx_run(f, (int64_t)i * 7 * S + 7 * S - 1);
        assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
    }
    node_stats st;
    node_get_stats(f->n, &st);
    assert_int_equal(st.peak_in_flight, 2);
    assert_int_equal(st.records, 2);  /* as many as were ever held at once */
    fx_assign(f, 20000 * S, 1, 1, 9); /* left in flight: node_free frees it */
    fx_assign(f, 20000 * S, 2, 2, 9);
}

static void node_new_refuses_unusable_configs(void **state)
{
    fx *f = *state;
    rec r = {0};
    f->cfg.workers = 0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.workers = NODE_WORKERS_MAX + 1;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.workers = 1;
    f->cfg.slots = 0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.slots = 4;
    f->cfg.heartbeat_s = 0.0;
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.heartbeat_s = 15.0;
    f->cfg.crash = true; /* no fault stream */
    assert_null(node_new(&f->cfg, 1, 0, NULL, rec_sink, &r));
    f->cfg.crash = false;
    node *n = node_new(&f->cfg, 1, 0, NULL, rec_sink, &r);
    assert_non_null(n);
    assert_int_equal(node_slots(n), 4);
    assert_int_equal(node_id(n), 1);
    assert_false(node_is_up(n));
    assert_true(node_next_deadline(n) == NODE_NEVER);
    node_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(crash_loses_queued_and_running_work_and_comes_back),
        T(crash_times_come_from_the_fault_stream),
        T(cold_start_is_paid_by_the_first_job_after_an_idle_period),
        T(no_result_finishes_the_work_and_sends_nothing),
        T(stall_adds_its_extra_time),
        T(stall_and_no_result_hit_about_their_probability),
        T(same_stream_gives_the_same_service_times_under_any_behaviour),
        T(every_assign_ends_in_exactly_one_end),
        T(attempt_records_are_reused),
        T(node_new_refuses_unusable_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
