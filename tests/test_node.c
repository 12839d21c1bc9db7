/*
 * test_node.c — the node model against scripted sequences of calls: workers,
 * stages, cancel behaviour, attempt checks. Unless a test says otherwise, stages
 * are const 1 s each (a job takes 3 s) and there is one worker.
 */
#include "node_fixture.h"

/* ---- workers and stages ------------------------------------------------- */

static void one_worker_queues_the_second_job(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    assert_int_equal(node_in_flight(f->n), 2);
    assert_true(node_next_deadline(f->n) == 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 6 * S, 3 * S);
    expect_end(f, 11, 1, NODE_END_DONE, 3 * S);
    assert_int_equal(node_in_flight(f->n), 0);
}

static void two_workers_run_two_jobs_at_once(void **state)
{
    fx *f = *state;
    f->cfg.workers = 2;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    fx_assign(f, 0, 12, 3, 1);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 3 * S, 3 * S);
    expect_result(f, 12, 1, true, 6 * S, 3 * S);
}

static void stage_time_grows_with_audio_by_per_audio_s(void **state)
{
    fx *f = *state;
    f->cfg.stage[STAGE_ASR].per_audio_s = 0.5;
    fx_start(f);
    node_job j = {.job_id = 10, .job = 1, .attempt = 1, .audio = 4 * S};
    node_assign(f->n, 0, &j, f->r);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 5 * S, 5 * S); /* ASR 1 + 0.5 x 4, NMT 1, TTS 1 */
}

static void outputs_carry_the_time_they_happened_at(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_advance(f->n, 2 * S); /* before the end: nothing yet */
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 0);
    node_advance(f->n, 8 * S); /* late call: the result still says 3 s */
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

static void progress_reports_each_stage_before_the_result(void **state)
{
    fx *f = *state;
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 5 * S);
    for (int s = 0; s < STAGE_COUNT; s++) {
        int64_t at;
        const node_out *o = rec_find(&f->rec, NODE_OUT_PROGRESS, s, &at);
        assert_non_null(o);
        assert_int_equal(o->stage, s);
        assert_true(at == (s + 1) * S);
    }
    assert_int_equal(f->rec.out[2].kind, NODE_OUT_PROGRESS);
    assert_int_equal(f->rec.out[3].kind, NODE_OUT_RESULT);
}

static void zero_length_job_finishes_within_the_assign_call(void **state)
{
    fx *f = *state;
    for (int s = 0; s < STAGE_COUNT; s++)
        f->cfg.stage[s] = dist_const(0.0);
    fx_start(f);
    fx_assign(f, 2 * S, 10, 1, 1);
    expect_result(f, 10, 1, true, 2 * S, 0);
    assert_true(node_next_deadline(f->n) > 2 * S);
}

/* ---- cancel ------------------------------------------------------------- */

static void ignore_keeps_computing_and_sends_the_result(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 1 * S, 10, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
}

/*
 * abort_by_job_id is the agent's one abort handle per job_id
 * (task-router.ts jobAbortControllers, node_jobs.c): a stage request sets it as
 * it starts, overwriting an earlier attempt's; it is deleted as that request
 * ends, whoever set it; a cancel aborts the attempt holding it, if any.
 * Stages are const 1 s.
 */

/* One worker: attempt 1 runs ASR 0..1 s, attempt 2 (the failover came back
 * here) arrives at 0.5 s and waits; its ASR request starts at once and takes
 * the handle. */
static void abort_by_job_id_aborts_the_attempt_whose_request_started_last(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2);
    node_cancel(f->n, 3 * S / 4, 10, 0); /* meant for attempt 1 */
    expect_result(f, 10, 2, false, 3 * S / 4, 0);
    expect_end(f, 10, 2, NODE_END_ABORTED, 0);
    assert_int_equal(node_in_flight(f->n), 1);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S); /* it goes on */
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
}

/* The same, the cancel at 1 s: attempt 1's ASR end deleted attempt 2's handle
 * and its NMT request took a new one, so the cancel aborts attempt 1 alone. */
static void abort_by_job_id_follows_the_handle_to_the_next_stage_request(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2);
    node_cancel(f->n, 1 * S, 10, 0);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_end(f, 10, 1, NODE_END_ABORTED, 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 4 * S, 3 * S); /* took the worker at 1 s */
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
}

/* Two workers: attempt 1 at 0 (ASR, NMT, TTS end at 1, 2, 3 s), attempt 2 at
 * 0.5 s (1.5, 2.5, 3.5 s). Each stage end deletes the other's handle and the
 * next request takes it: attempt 2 holds it from 2.5 s, in TTS, until attempt
 * 1's TTS end deletes it at 3 s. From then on attempt 2 has no handle, as an
 * attempt between two stage requests has none: a cancel at 3.25 s aborts
 * nothing and attempt 2 reports success; one at 2.75 s aborts attempt 2 in its
 * stage and attempt 1 goes on. */
static int64_t two_attempts_cancel_at(fx *f, int64_t cancel_at, bool between_stages)
{
    f->cfg.workers = 2;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = between_stages;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2);
    fx_run(f, cancel_at);
    node_cancel(f->n, cancel_at, 10, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 2);
    int64_t at = -1;
    const node_out *o = rec_job(&f->rec, NODE_OUT_RESULT, 10, 2, &at);
    assert_non_null(o);
    return o->success ? -at : at;
}

static void abort_by_job_id_aborts_an_attempt_in_its_stage_request(void **state)
{
    fx *f = *state;
    assert_int_equal(two_attempts_cancel_at(f, 11 * S / 4, true), 11 * S / 4);
    expect_end(f, 10, 2, NODE_END_ABORTED, 11 * S / 4 - S / 2);
}

static void abort_by_job_id_misses_an_attempt_that_holds_no_handle(void **state)
{
    fx *f = *state;
    assert_int_equal(two_attempts_cancel_at(f, 13 * S / 4, true), -(7 * S / 2));
    expect_end(f, 10, 2, NODE_END_DONE, 3 * S);
}

/* cancel_between_stages false: the holder finishes its stage, then stops. */
static void abort_by_job_id_at_the_boundary_stops_only_the_holder(void **state)
{
    fx *f = *state;
    assert_int_equal(two_attempts_cancel_at(f, 11 * S / 4, false), 7 * S / 2);
    expect_end(f, 10, 2, NODE_END_ABORTED, 3 * S);
}

static void abort_attempt_aborts_only_the_named_attempt(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, S / 2, 10, 1, 2);
    node_cancel(f->n, 1 * S, 10, 1);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 4 * S, 3 * S); /* took the worker at 1 s */
}

static void abort_attempt_without_attempt_aborts_by_job_id(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_ATTEMPT;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 1 * S, 10, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_result(f, 10, 2, false, 1 * S, 0);
    expect_result(f, 11, 1, true, 4 * S, 3 * S);
}

static void cancel_of_an_unknown_job_changes_nothing(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    node_cancel(f->n, 1 * S, 99, 0);
    assert_int_equal(f->rec.n, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

static void abort_mid_stage_frees_the_worker_at_once(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 3 * S / 2, 10, 0);
    expect_result(f, 10, 1, false, 3 * S / 2, 3 * S / 2);
    fx_run(f, 10 * S);
    expect_result(f, 11, 1, true, 3 * S / 2 + 3 * S, 3 * S);
}

static void without_cancel_between_stages_abort_waits_for_the_stage_boundary(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    f->cfg.progress = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 3 * S / 2, 10, 0); /* during NMT (1 s .. 2 s) */
    assert_null(rec_job(&f->rec, NODE_OUT_RESULT, 10, 1, NULL));
    assert_int_equal(node_in_flight(f->n), 2); /* still running */
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, false, 2 * S, 2 * S);
    expect_end(f, 10, 1, NODE_END_ABORTED, 2 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_PROGRESS) - 3, 1); /* ASR only for 10 */
    expect_result(f, 11, 1, true, 5 * S, 3 * S);
}

static void without_cancel_between_stages_a_queued_attempt_is_dropped_at_once(void **state)
{
    fx *f = *state;
    f->cfg.on_cancel = NODE_CANCEL_ABORT_BY_JOB_ID;
    f->cfg.cancel_between_stages = false;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 0, 11, 2, 1);
    node_cancel(f->n, 1 * S, 11, 0);
    expect_result(f, 11, 1, false, 1 * S, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
}

/* ---- attempt checks ----------------------------------------------------- */

static void supersede_newer_attempt_aborts_the_older(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 1 * S, 20, 1, 2); /* a new wire job_id, same job */
    expect_result(f, 10, 1, false, 1 * S, 1 * S);
    expect_end(f, 10, 1, NODE_END_SUPERSEDED, 1 * S);
    fx_run(f, 10 * S);
    expect_result(f, 20, 2, true, 4 * S, 3 * S);
}

static void supersede_rejects_an_older_attempt_that_arrives_late(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_SUPERSEDE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 1 * S, 10, 1, 1);
    expect_result(f, 10, 1, false, 1 * S, 0);
    expect_end(f, 10, 1, NODE_END_SUPERSEDED, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
}

static void drop_stale_ignores_an_older_attempt_even_after_the_newer_finished(void **state)
{
    fx *f = *state;
    f->cfg.attempt_check = NODE_ATTEMPT_DROP_STALE;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 1 * S, 10, 1, 1);
    expect_end(f, 10, 1, NODE_END_STALE, 0);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
    fx_assign(f, 20 * S, 10, 1, 1); /* again, after attempt 2 is done */
    fx_run(f, 30 * S);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_RESULT), 1);
    assert_int_equal(rec_count(&f->rec, NODE_OUT_END), 3);
    fx_assign(f, 31 * S, 10, 1, 3); /* a newer attempt is taken */
    fx_run(f, 40 * S);
    expect_result(f, 10, 3, true, 34 * S, 3 * S);
}

static void attempt_check_none_runs_every_attempt(void **state)
{
    fx *f = *state;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 2);
    fx_assign(f, 0, 10, 1, 1);
    fx_run(f, 10 * S);
    expect_result(f, 10, 2, true, 3 * S, 3 * S);
    expect_result(f, 10, 1, true, 6 * S, 3 * S);
}

static void skip_repeat_job_id_drops_a_failover_back_to_the_same_node(void **state)
{
    fx *f = *state;
    f->cfg.skip_repeat_job_id = true;
    fx_start(f);
    fx_assign(f, 0, 10, 1, 1);
    fx_assign(f, 30 * S, 10, 1, 2); /* failover, same job_id, same node */
    expect_end(f, 10, 2, NODE_END_SKIPPED, 0);
    fx_assign(f, 31 * S, 11, 2, 1);
    fx_assign(f, 32 * S, 10, 1, 3); /* not the last one any more: taken */
    fx_run(f, 60 * S);
    assert_null(rec_job(&f->rec, NODE_OUT_RESULT, 10, 2, NULL));
    expect_result(f, 10, 1, true, 3 * S, 3 * S);
    expect_result(f, 11, 1, true, 34 * S, 3 * S);
    expect_result(f, 10, 3, true, 37 * S, 3 * S);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(one_worker_queues_the_second_job),
        T(two_workers_run_two_jobs_at_once),
        T(stage_time_grows_with_audio_by_per_audio_s),
        T(outputs_carry_the_time_they_happened_at),
        T(progress_reports_each_stage_before_the_result),
        T(zero_length_job_finishes_within_the_assign_call),
        T(ignore_keeps_computing_and_sends_the_result),
        T(abort_by_job_id_aborts_the_attempt_whose_request_started_last),
        T(abort_by_job_id_follows_the_handle_to_the_next_stage_request),
        T(abort_by_job_id_aborts_an_attempt_in_its_stage_request),
        T(abort_by_job_id_misses_an_attempt_that_holds_no_handle),
        T(abort_by_job_id_at_the_boundary_stops_only_the_holder),
        T(abort_attempt_aborts_only_the_named_attempt),
        T(abort_attempt_without_attempt_aborts_by_job_id),
        T(cancel_of_an_unknown_job_changes_nothing),
        T(abort_mid_stage_frees_the_worker_at_once),
        T(without_cancel_between_stages_abort_waits_for_the_stage_boundary),
        T(without_cancel_between_stages_a_queued_attempt_is_dropped_at_once),
        T(supersede_newer_attempt_aborts_the_older),
        T(supersede_rejects_an_older_attempt_that_arrives_late),
        T(drop_stale_ignores_an_older_attempt_even_after_the_newer_finished),
        T(attempt_check_none_runs_every_attempt),
        T(skip_repeat_job_id_drops_a_failover_back_to_the_same_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
